"""Charts: baseline images of every report chart (pytest-mpl), equivalences, and behaviour."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.testing.decorators import check_figures_equal  # noqa: E402

import alibiz  # noqa: E402
from alibiz import fiscal, plotting, report  # noqa: E402
from conftest import HEADER  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


# One baseline per report chart, drawn from the frozen fixtures. Regenerate on
# purpose with: pytest tests/test_plotting.py --mpl-generate-path=tests/baseline
@pytest.mark.parametrize("chart", report.CHARTS, ids=[c.name for c in report.CHARTS])
@pytest.mark.mpl_image_compare(baseline_dir="baseline", tolerance=2, savefig_kwargs={"dpi": 100, "bbox_inches": "tight"})
def test_report_chart_matches_its_baseline(chart, metrics, events):
    return chart.draw(metrics, events)


@check_figures_equal(extensions=["png"])
def test_events_as_dates_draw_like_a_frame_of_reorganizations(fig_test, fig_ref, metrics):
    dates = ["2021-12-06", "2023-03-28"]
    frame = pd.DataFrame({"date": pd.to_datetime(dates), "kind": "reorg", "title": "", "segments": "aidc", "first_period": None})
    plotting.plot_metric("aidc", "revenue_yoy", metrics=metrics, events=dates, ax=fig_test.subplots())
    plotting.plot_metric("aidc", "revenue_yoy", metrics=metrics, events=frame, ax=fig_ref.subplots())


@check_figures_equal(extensions=["png"])
def test_bundled_events_by_default_equal_passing_them(fig_test, fig_ref, metrics, events):
    bundled = alibiz.load_events()
    plotting.plot_metric("cloud", "revenue_yoy", metrics=metrics, ax=fig_test.subplots())
    plotting.plot_metric("cloud", "revenue_yoy", metrics=metrics, events=bundled, ax=fig_ref.subplots())


@check_figures_equal(extensions=["png"])
def test_kind_filter_equals_passing_the_selected_events(fig_test, fig_ref, metrics, events):
    chosen = alibiz.select_events(events, kinds=["segment_reporting"], segments=["aidc"])
    plotting.plot_metric("aidc", "revenue", metrics=metrics, events=events, kinds=["segment_reporting"], ax=fig_test.subplots())
    plotting.plot_metric("aidc", "revenue", metrics=metrics, events=chosen, kinds=None, ax=fig_ref.subplots())


def test_plot_metric_draws_on_the_given_axes_and_returns_it(metrics):
    fig, ax = plt.subplots()
    assert plotting.plot_metric("aidc", "revenue_yoy", metrics=metrics, ax=ax) is ax
    assert len(fig.axes) == 1
    plt.close(fig)


def test_no_show_and_no_global_style_change(monkeypatch, metrics):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show was called"))
    before = dict(matplotlib.rcParams)
    ax = plotting.plot_metric("aidc", "adjusted_ebita", metrics=metrics)
    assert dict(matplotlib.rcParams) == before
    plt.close(ax.figure)


def test_bars_only_for_published_quarters_and_losses_look_different(metrics):
    ax = plotting.plot_metric("aidc", "adjusted_ebita", metrics=metrics, events=None)
    values = alibiz.series("aidc", "adjusted_ebita", metrics=metrics)
    bars = ax.patches
    assert len(bars) == values.notna().sum()
    heights = np.array([b.get_height() for b in bars])
    assert np.allclose(sorted(heights), sorted(values.dropna() / 1000))
    losses = {b.get_facecolor() for b in bars if b.get_height() < 0}
    profits = {b.get_facecolor() for b in bars if b.get_height() >= 0}
    assert losses and profits and losses.isdisjoint(profits)
    assert all(b.get_hatch() for b in bars if b.get_height() < 0)
    plt.close(ax.figure)


def test_growth_line_breaks_where_the_segment_was_redefined_unless_stitched(metrics):
    broken = plotting.plot_metric("aidc", "revenue_yoy", metrics=metrics, events=None)
    stitched = plotting.plot_metric("aidc", "revenue_yoy", metrics=metrics, events=None, stitch=True)
    data_lines = lambda ax: [l for l in ax.lines if l.get_marker() == "o"]  # noqa: E731
    assert len(data_lines(stitched)) == 1
    assert len(data_lines(broken)) > 1
    # every published value appears once, and nothing else
    drawn = np.concatenate([l.get_ydata() for l in data_lines(broken)])
    published = alibiz.series("aidc", "revenue_yoy", metrics=metrics)
    assert sorted(drawn[~np.isnan(drawn)]) == sorted(published.dropna())
    plt.close("all")


def test_fiscal_tick_labels_and_unit_axis_label(metrics):
    ax = plotting.plot_metric("group", "revenue", metrics=metrics, events=None)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[:2] == ["FY20Q1", "FY21Q1"]
    assert ax.get_ylabel() == "RMB bn"
    plt.close(ax.figure)


def test_events_are_drawn_at_their_exact_dates(metrics):
    ax = plotting.plot_metric("aidc", "revenue_yoy", metrics=metrics, events=["2021-12-06"])
    xs = [l.get_xdata()[0] for l in ax.lines if l.get_linestyle() == ":"]
    assert pd.Timestamp(matplotlib.dates.num2date(matplotlib.dates.date2num(xs[0]))).date() == pd.Timestamp("2021-12-06").date()
    plt.close(ax.figure)


def test_event_numbers_never_overlap(metrics, events):
    fig = plotting.dashboard(metrics=metrics, events=events)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts if t.get_text().isdigit()]
    assert len(boxes) >= 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    plt.close(fig)


def test_unknown_metric_or_segment_is_a_clear_error(metrics):
    with pytest.raises(KeyError, match="unknown metric"):
        plotting.plot_metric("aidc", "gmv", metrics=metrics)
    with pytest.raises(KeyError, match=r"unknown segment 'nowhere'; known: \[.*'aidc'"):
        plotting.plot_metric("nowhere", "revenue", metrics=metrics)
    with pytest.raises(plotting.NoFigures, match="no restated figures for 'revenue_yoy'"):
        plotting.plot_metric("aidc", "revenue_yoy", basis="restated", metrics=metrics)


def test_title_names_the_segment_as_printed_for_the_newest_quarter_drawn():
    full = alibiz.load_metrics()
    assert plotting.plot_metric("cloud", "revenue", metrics=full, events=[]).get_title(loc="left") == (
        "AI Cloud and Compute Services: Revenue"
    )
    before = plotting.plot_metric("cloud", "revenue", metrics=full, events=[], end="2026-03-31")
    assert before.get_title(loc="left") == "Cloud Intelligence Group: Revenue"
    plt.close("all")


def test_a_segment_that_stops_early_says_which_reporting_change_replaced_it():
    def texts(ax):
        return " ".join(t.get_text() for t in ax.texts)

    aidc = plotting.plot_metric("aidc", "revenue", metrics=alibiz.load_metrics())
    assert "Last reported for FY2026Q4: from FY2027Q1 the reporting change of 20 Aug 2026" in texts(aidc)
    assert "Last reported" not in texts(plotting.plot_metric("cloud", "revenue"))
    plt.close("all")


@pytest.mark.parametrize("chart", report.CHARTS, ids=lambda c: c.name)
def test_every_report_figure_survives_pickling(chart, metrics, events):
    """A figure can be cached or sent to another process: pickling keeps its tick labels."""
    import pickle

    figure = chart.draw(metrics, events)
    copy = pickle.loads(pickle.dumps(figure))
    labels = [t.get_text() for ax in copy.axes for t in ax.get_xticklabels()]
    assert labels == [t.get_text() for ax in figure.axes for t in ax.get_xticklabels()]
    assert labels and all(label.startswith("FY") for label in labels)
    plt.close(figure)
    plt.close(copy)


def test_stitched_basis_draws_the_restated_figure_where_one_exists_else_the_first_print():
    ax = plotting.plot_metric("aidc", "revenue", basis="stitched", events=None)
    expected = alibiz.series("aidc", "revenue", basis="stitched").dropna() / 1000
    assert sorted(b.get_height() for b in ax.patches) == pytest.approx(sorted(expected))
    restated = alibiz.series("aidc", "revenue", basis="restated").dropna()
    assert not restated.empty and (alibiz.series("aidc", "revenue", basis="stitched")[restated.index] == restated).all()


@pytest.mark.parametrize(
    "years, labels",
    [
        ((1798, 1800), ["FY1798Q4", "FY1799Q1", "FY1799Q2"]),  # three years: a label per quarter
        ((2097, 2101), ["FY2098Q1", "FY2098Q3", "FY2099Q1", "FY2099Q3", "FY2100Q1"]),  # leaves 2000-2099: four digits throughout
        ((2020, 2024), ["FY21Q1", "FY21Q3", "FY22Q1"]),
        ((1799, 2024), ["FY1800Q1", "FY1820Q1", "FY1840Q1"]),  # two centuries: a label every twenty years
    ],
)
def test_tick_labels_name_the_century_when_the_span_needs_it(tmp_path, years, labels):
    first, last = years
    rows = [HEADER] + [
        f"{year}-{month}-{day},{fiscal.label(f'{year}-{month}-{day}')},aidc,International commerce,revenue,{100 + i},RMB_mn,"
        f"as_reported,A source,{year + 1}-01-01,"
        for i, year in enumerate({first, last}) for month, day in (("03", "31"), ("06", "30"), ("09", "30"), ("12", "31"))
    ]  # fmt: skip
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ax = plotting.plot_metric("aidc", "revenue", metrics=alibiz.load_metrics(tmp_path / "m.csv"), events=None)
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert shown[: len(labels)] == labels
    assert len(shown) <= 13  # thinned to stay readable, whatever the span
    plt.close(ax.figure)
