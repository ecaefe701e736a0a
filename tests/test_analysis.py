"""Analysis on small hand-made frames, with hand-computed expectations."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alibiz
from alibiz import analysis, fiscal

FIXTURES = Path(__file__).parent / "fixtures"

LABEL = "Alibaba International Digital Commerce Group"


def make(tmp_path, figures, *, name="m.csv"):
    """A metrics file from {(period label, segment, metric, basis): value} (or with a label/note)."""
    rows = ["period_end,fiscal_period,segment,segment_label,metric,value,unit,basis,source,published,note"]
    units = {"revenue": "RMB_mn", "adjusted_ebita": "RMB_mn", "revenue_yoy": "pct", "cmr": "RMB_mn", "cmr_yoy": "pct"}
    for key, value in figures.items():
        label, segment, metric, basis = key[:4]
        seg_label = key[4] if len(key) > 4 else LABEL
        note = key[5] if len(key) > 5 else ""
        end = fiscal.quarter_end(label)
        published = (end + pd.Timedelta(days=400)).strftime("%Y-%m-%d")
        rows.append(f"{end:%Y-%m-%d},{label},{segment},{seg_label},{metric},{value},{units[metric]},{basis},test,{published},{note}")
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return alibiz.load_metrics(path)


@pytest.fixture
def growth(tmp_path):
    # FY2022Q1..FY2023Q4 with FY2022Q3 missing
    values = {"FY2022Q1": 10, "FY2022Q2": 12, "FY2022Q4": 20, "FY2023Q1": 30, "FY2023Q2": 31, "FY2023Q3": 33, "FY2023Q4": 35}
    return make(tmp_path, {(q, "aidc", "revenue_yoy", "as_reported"): v for q, v in values.items()})


def test_window_excludes_the_transition_quarter_and_counts_missing(growth):
    # 2021-12-31 is the last day of FY2022Q3: that quarter is the transition
    w = analysis.event_window("aidc", "revenue_yoy", "2021-12-31", quarters=2, metrics=growth)
    assert w.transition == "FY2022Q3"
    assert list(w.before.index) == ["FY2022Q1", "FY2022Q2"]
    assert list(w.after.index) == ["FY2022Q4", "FY2023Q1"]
    assert w.mean_before == 11 and w.mean_after == 25 and w.change == 14
    assert w.missing_before == 0 and w.missing_after == 0


def test_event_on_the_first_day_of_a_quarter(growth):
    # 2021-10-01 is the first day of FY2022Q3
    w = analysis.event_window("aidc", "revenue_yoy", "2021-10-01", quarters=3, metrics=growth)
    assert w.transition == "FY2022Q3"
    assert list(w.before.index) == ["FY2021Q4", "FY2022Q1", "FY2022Q2"]
    assert w.missing_before == 1  # FY2021Q4 precedes the first figure
    assert w.mean_before == 11


def test_missing_quarter_inside_a_window_is_reported_not_skipped(growth):
    w = analysis.event_window("aidc", "revenue_yoy", "2022-01-15", quarters=2, metrics=growth)
    assert w.transition == "FY2022Q4"
    assert list(w.before.index) == ["FY2022Q2", "FY2022Q3"]
    assert np.isnan(w.before["FY2022Q3"]) and w.missing_before == 1
    assert w.mean_before == 12  # the mean of what was published, and the window says one is missing
    assert list(w.after.index) == ["FY2023Q1", "FY2023Q2"] and w.mean_after == 30.5


def test_include_transition_puts_it_first_after(growth):
    w = analysis.event_window("aidc", "revenue_yoy", "2022-01-15", quarters=2, include_transition=True, metrics=growth)
    assert list(w.after.index) == ["FY2022Q4", "FY2023Q1"] and w.mean_after == 25


def test_events_before_the_first_and_after_the_last_figure(growth):
    early = analysis.event_window("aidc", "revenue_yoy", "2019-05-01", quarters=4, metrics=growth)
    assert early.missing_before == 4 and early.missing_after == 4 and np.isnan(early.change)
    late = analysis.event_window("aidc", "revenue_yoy", "2023-05-01", quarters=4, metrics=growth)
    assert late.transition == "FY2024Q1"
    assert list(late.before.values) == [30, 31, 33, 35]
    assert late.missing_after == 4 and np.isnan(late.mean_after)


def test_window_length_and_event_forms(growth):
    row = pd.Series({"date": pd.Timestamp("2021-12-31"), "event_id": "x"})
    by_row = analysis.event_window("aidc", "revenue_yoy", row, quarters=1, metrics=growth)
    assert list(by_row.before.index) == ["FY2022Q2"] and list(by_row.after.index) == ["FY2022Q4"]
    with pytest.raises(ValueError, match="at least 1"):
        analysis.event_window("aidc", "revenue_yoy", "2021-12-31", quarters=0, metrics=growth)
    with pytest.raises(KeyError, match="neither an event id nor a date"):
        analysis.event_window("aidc", "revenue_yoy", "no-such-event", metrics=growth)


def test_bundled_event_id_resolves_to_its_date():
    w = analysis.event_window("aidc", "revenue_yoy", "2021-12-06-diversified-governance")
    assert w.date == pd.Timestamp("2021-12-06") and w.transition == "FY2022Q3"


def test_event_study_one_row_per_event(growth):
    events = pd.DataFrame({"event_id": ["a", "b"], "date": pd.to_datetime(["2021-12-31", "2022-01-15"]), "title": ["A", "B"]})
    study = analysis.event_study("aidc", "revenue_yoy", events, quarters=2, metrics=growth)
    assert study["event_id"].tolist() == ["a", "b"]
    assert study["change"].tolist() == [14, 18.5]
    assert study["missing_before"].tolist() == [0, 1]
    assert study.loc[0, "before"] == "FY2022Q1-FY2022Q2"


def test_growth_from_levels_and_reconciliation(tmp_path):
    figures = {
        ("FY2023Q1", "aidc", "revenue", "as_reported", "International commerce"): 100,
        ("FY2024Q1", "aidc", "revenue", "as_reported"): 150,
        ("FY2024Q1", "aidc", "revenue_yoy", "as_reported"): 41,  # printed against a recast 106
        ("FY2023Q1", "aidc", "revenue", "restated"): 106,
        ("FY2023Q2", "aidc", "revenue", "as_reported"): 200,
        ("FY2024Q2", "aidc", "revenue", "as_reported"): 250,
        ("FY2024Q2", "aidc", "revenue_yoy", "as_reported"): 25,
        ("FY2023Q3", "aidc", "revenue", "as_reported"): 200,
        ("FY2024Q3", "aidc", "revenue", "as_reported"): 230,
        ("FY2024Q3", "aidc", "revenue_yoy", "as_reported"): 12,  # 15% computed: a real discrepancy
    }
    metrics = make(tmp_path, figures)
    growth = analysis.growth_from_levels("aidc", "revenue", metrics=metrics)
    assert growth.loc["2023-06-30"] == pytest.approx(50.0)
    table = analysis.reconcile(metrics, discrepancies=alibiz.load_discrepancies().iloc[0:0]).set_index("fiscal_period")
    assert table.loc["FY2024Q1", "prior_basis"] == "restated"
    assert table.loc["FY2024Q1", "computed"] == pytest.approx(41.51, abs=0.01)
    assert not table.loc["FY2024Q1", "flagged"]
    assert table.loc["FY2024Q2", "computed"] == 25 and not table.loc["FY2024Q2", "flagged"]
    assert table.loc["FY2024Q3", "flagged"] and pd.isna(table.loc["FY2024Q3", "explained"])


def test_reconciliation_allows_for_rounded_levels(tmp_path):
    figures = {
        ("FY2023Q1", "aidc", "revenue", "as_reported", LABEL, "rounded to RMB 0.1 bn"): 7800,
        ("FY2024Q1", "aidc", "revenue", "as_reported", LABEL, "rounded to RMB 0.1 bn"): 12300,
        ("FY2024Q1", "aidc", "revenue_yoy", "as_reported"): 59,  # 57.7% from the rounded levels
    }
    table = analysis.reconcile(make(tmp_path, figures), discrepancies=alibiz.load_discrepancies().iloc[0:0])
    assert not table.loc[0, "flagged"]


def test_stitched_prefers_restated_and_marks_seams(tmp_path):
    figures = {
        ("FY2023Q1", "aidc", "revenue", "as_reported", "International commerce"): 100,
        ("FY2023Q1", "aidc", "revenue", "restated"): 106,
        ("FY2023Q2", "aidc", "revenue", "as_reported", "International commerce"): 110,
        ("FY2024Q1", "aidc", "revenue", "as_reported"): 150,
    }
    metrics = make(tmp_path, figures)
    s = analysis.stitched("aidc", "revenue", metrics=metrics)
    assert s["value"].tolist()[:2] == [106, 110] and s["basis"].tolist()[:2] == ["restated", "as_reported"]
    # the name changes after the recast FY2023Q1 figure, and back with FY2024Q1
    assert s["seam"].tolist() == [False, True, False, False, True]
    assert s["value"].isna().sum() == 2  # FY2023Q3 and Q4 stay gaps
    first = analysis.stitched("aidc", "revenue", rule="as_reported", metrics=metrics)
    assert first["value"].iloc[0] == 100
    with pytest.raises(ValueError, match="rule"):
        analysis.stitched("aidc", "revenue", rule="newest", metrics=metrics)


def test_margin_ttm_and_quarter_on_quarter(tmp_path):
    revenue = {"FY2024Q1": 100, "FY2024Q2": 200, "FY2024Q3": 100, "FY2024Q4": 400, "FY2025Q1": 500}
    figures = {(q, "aidc", "revenue", "as_reported"): v for q, v in revenue.items()}
    figures.update({("FY2024Q2", "aidc", "adjusted_ebita", "as_reported"): -50, ("FY2025Q2", "aidc", "adjusted_ebita", "as_reported"): 5})
    metrics = make(tmp_path, figures)
    margin = analysis.ebita_margin("aidc", metrics=metrics)
    assert margin.loc["2023-09-30"] == -25 and np.isnan(margin.loc["2024-09-30"])
    ttm = analysis.trailing_twelve_months("aidc", "revenue", metrics=metrics)
    assert np.isnan(ttm.loc["2023-12-31"]) and ttm.loc["2024-03-31"] == 800 and ttm.loc["2024-06-30"] == 1200
    qoq = analysis.quarter_on_quarter("aidc", "revenue", metrics=metrics)
    assert qoq.loc["2023-09-30"] == 100 and qoq.loc["2023-12-31"] == -50 and np.isnan(qoq.loc["2023-06-30"])
    with pytest.raises(ValueError, match="money metrics"):
        analysis.trailing_twelve_months("aidc", "revenue_yoy", metrics=metrics)


@pytest.mark.parametrize("event_id", ["2021-12-06-diversified-governance", "2023-03-28-1-6-n-six-business-groups", "2024-11-21-ecommerce-business-group"])
@pytest.mark.parametrize("segment, metric", [("aidc", "revenue_yoy"), ("aidc", "adjusted_ebita"), ("china_ecommerce", "cmr_yoy")])
def test_seed_reorganization_windows_match_an_independent_computation(event_id, segment, metric):
    metrics = alibiz.load_metrics()
    date = pd.Timestamp(event_id[:10])
    transition = pd.Period(date, freq="Q-MAR")
    rows = metrics[(metrics.segment == segment) & (metrics.metric == metric) & (metrics.basis == "as_reported")]
    by_quarter = dict(zip(rows["period"], rows["value"]))
    before = [by_quarter.get(transition - k, np.nan) for k in (4, 3, 2, 1)]
    after = [by_quarter.get(transition + k, np.nan) for k in (1, 2, 3, 4)]
    w = analysis.event_window(segment, metric, event_id)
    assert w.missing_before == int(np.isnan(before).sum()) and w.missing_after == int(np.isnan(after).sum())
    assert w.mean_before == pytest.approx(np.nanmean(before), nan_ok=True) if not np.isnan(before).all() else np.isnan(w.mean_before)
    assert w.mean_after == pytest.approx(np.nanmean(after), nan_ok=True) if not np.isnan(after).all() else np.isnan(w.mean_after)


def test_coverage_text_keeps_the_heading_apart_from_the_quarters_when_names_are_short(write_csv, metrics_text):
    from conftest import ROWS

    grid = alibiz.coverage(alibiz.load_metrics(write_csv(metrics_text([ROWS[0]]))))  # 'aidc  revenue' is shorter than the heading
    years, quarters, marks = alibiz.coverage_text(grid).splitlines()[:3]
    assert quarters.startswith("segment  metric  2 n")  # the heading keeps its gap before the quarters
    assert years.index("FY25") == quarters.index("2 n") == marks.index("x 1/1")


def test_figures_of_the_stitched_basis_take_the_restated_figure_where_one_exists(tmp_path):
    figures = {
        ("FY2023Q1", "aidc", "revenue", "as_reported", "International commerce"): 100,
        ("FY2023Q1", "aidc", "revenue", "restated"): 106,
        ("FY2023Q2", "aidc", "revenue", "as_reported", "International commerce"): 110,
        ("FY2023Q2", "cloud", "revenue", "restated"): 7,
    }
    metrics = make(tmp_path, figures)
    rows = analysis.figures(["aidc", "cloud"], "revenue", basis="stitched", metrics=metrics)
    assert rows[["fiscal_period", "segment", "value", "basis"]].values.tolist() == [
        ["FY2023Q1", "aidc", 106, "restated"], ["FY2023Q2", "aidc", 110, "as_reported"], ["FY2023Q2", "cloud", 7, "restated"],
    ]
    s = alibiz.series("aidc", "revenue", basis="stitched", metrics=metrics)
    assert s.tolist() == [106, 110] and s.attrs["basis"] == "stitched"
    assert analysis.stitched("aidc", "revenue", metrics=metrics)["value"].tolist() == s.tolist()
    with pytest.raises(ValueError, match="basis must be one of"):
        analysis.figures("aidc", "revenue", basis="latest", metrics=metrics)


def test_a_selection_of_the_coverage_grid_wrapped_again_shows_coloured_and_anything_else_as_a_table():
    grid = alibiz.coverage(alibiz.load_metrics(FIXTURES / "metrics.csv"))
    aidc = analysis.CoverageGrid(grid.loc["aidc"])  # one index level left: the way the docstring says to colour it again
    page = aidc._repr_html_()
    assert page.count("background:#0072B2;") == int((grid.loc["aidc"] == "x").to_numpy().sum()) + 1  # each first print, and the key
    assert "<th>metric</th>" in page and '<td style="text-align:left">revenue_yoy</td>' in page
    by_metric = analysis.CoverageGrid(grid.xs("revenue", level="metric"))
    assert by_metric._repr_html_().count("<tr>") == len(by_metric) + 2
    # not marks by quarter: pandas' own table, never a traceback under the cell
    for other in (grid.T, grid.where(grid != "r"), grid.replace({"x": "first"}), grid.reset_index()):
        assert analysis.CoverageGrid(other)._repr_html_() == pd.DataFrame(other)._repr_html_()


def test_coverage_text_keeps_four_digit_years_apart_when_they_span_centuries(tmp_path):
    """FY1799 and FY2099 both shortened to 'FY99' were counted as one year."""
    grid = alibiz.coverage(make(tmp_path, {("FY1799Q4", "aidc", "revenue", "as_reported"): 1, ("FY2099Q4", "aidc", "revenue", "as_reported"): 2}))
    years, quarters, marks = alibiz.coverage_text(grid).splitlines()[:3]
    assert years.split() == [f"FY{year}" for year in range(1799, 2100)]
    assert marks.split()[2] == "x" and marks.split()[-2:] == ["...x", "2/1201"]  # the first and last quarters, in their years
    assert years.index("FY2099") == quarters.rindex("1234") == marks.rindex("...x")
