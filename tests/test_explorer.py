"""The explorer, kernel side: every control redraws exactly plot_metric's chart from data loaded once;
hover and click fill the details panel; the save button's files; rich display of the analysis objects."""

import html
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import matplotlib.figure

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backend_bases import MouseEvent  # noqa: E402

import alibiz  # noqa: E402
from alibiz import explorer, plotting  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def ex(metrics, events):
    return alibiz.explore("aidc", "revenue_yoy", metrics=metrics, events=events)


def pixels(figure) -> np.ndarray:
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


def assert_draws_like_plot_metric(ex):
    """The explorer's figure, pixel for pixel, is the chart plot_metric draws for the same options."""
    reference = plotting.plot_metric(**ex.plot_options).figure
    try:
        assert np.array_equal(pixels(ex.figure), pixels(reference))
    finally:
        plt.close(reference)


def drawn_values(ax) -> list[float]:
    """The values on the chart: bar heights, or the points of the data lines (gaps left out)."""
    if ax.patches:
        return sorted(bar.get_height() for bar in ax.patches)
    lines = [line for line in ax.lines if line.get_marker() in ("o", "s", "^", "D")]
    values = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in lines])
    return sorted(values[~np.isnan(values)])


def event_dates(ax) -> list[pd.Timestamp]:
    lines = [line for line in ax.lines if line.get_marker() in ("None", None, "") and line.get_linestyle() in ("--", ":")]
    return sorted(pd.Timestamp(line.get_xdata()[0]) for line in lines)  # axvline keeps the date it was given


def expected_values(segment, metric, metrics, *, basis="as_reported", start=None, end=None):
    values = alibiz.series(segment, metric, basis=basis, metrics=metrics).dropna()
    if start is not None:
        values = values[values.index >= alibiz.quarter_end(start)]
    if end is not None:
        values = values[values.index <= alibiz.quarter_end(end)]
    divisor = 1000 if alibiz.load_metric_registry().set_index("metric").loc[metric, "kind"] == "money" and values.abs().max() >= 1000 else 1
    return sorted(values / divisor)


def panel_text(ex) -> str:
    """What the details panel shows, as text: its HTML with the tags taken out."""
    return html.unescape(re.sub(r"<[^>]+>", "", ex._details.value.replace("<br>", "\n")))


def move_to(ex, xy, name="motion_notify_event"):
    button = 1 if name == "button_press_event" else None
    ex.figure.canvas.callbacks.process(name, MouseEvent(name, ex.figure.canvas, *xy, button=button))


def point_xy(ex, quarter, value):
    """Display position of a line point (the figure laid out first, as a browser draws it)."""
    ex.figure.draw_without_rendering()
    return ex.figure.axes[0].transData.transform((mdates.date2num(alibiz.quarter_end(quarter)), value))


# ------------------------------------------------------------- the chart


def test_the_first_view_is_plot_metrics_chart_and_the_options_say_how_to_draw_it(ex, metrics, events):
    assert ex.segment == "aidc" and ex.metric == "revenue_yoy" and ex.basis == "as_reported"
    assert ex.kinds == ("reorg", "segment_reporting") and ex.start is None and ex.end is None and not ex.stitch
    assert_draws_like_plot_metric(ex)
    # the same chart as plot_metric with the caller's arguments, not only with the explorer's spelling of them
    reference = alibiz.plot_metric("aidc", "revenue_yoy", metrics=metrics, events=events).figure
    assert np.array_equal(pixels(ex.figure), pixels(reference))
    plt.close(reference)


@pytest.mark.parametrize(
    "control, value, state",
    [
        ("_lineage", "cloud", {"segment": "cloud"}),
        ("_metric_menu", "revenue", {"metric": "revenue"}),
        ("_basis", "stitched", {"basis": "stitched"}),
        ("_join", True, {"stitch": True}),
        ("_range", ("FY2023Q1", "FY2025Q4"), {"start": "FY2023Q1", "end": "FY2025Q4"}),
    ],
)
def test_each_control_redraws_exactly_that_series(ex, metrics, control, value, state):
    getattr(ex, control).value = value
    assert {name: getattr(ex, name) for name in state} == state
    assert_draws_like_plot_metric(ex)
    segment, metric = ex.segment, ex.metric
    expected = expected_values(segment, metric, metrics, basis=ex.basis, start=ex.start, end=ex.end)
    assert drawn_values(ex.figure.axes[0]) == pytest.approx(expected)
    assert sorted(ex.rows["value"] / (1000 if metric == "revenue" else 1)) == pytest.approx(expected)


def test_the_event_kind_boxes_choose_the_event_lines(ex, events):
    ex._kind_boxes["segment_reporting"].value = False
    assert ex.kinds == ("reorg",)
    ax = ex.figure.axes[0]
    lo, hi = ax.get_xlim()
    chosen = alibiz.select_events(events, kinds=["reorg"], segments=["aidc"])
    inside = chosen[(mdates.date2num(chosen["date"]) >= lo) & (mdates.date2num(chosen["date"]) <= hi)]
    assert event_dates(ax) == sorted(inside["date"]) and len(inside) >= 1
    assert_draws_like_plot_metric(ex)
    ex._kind_boxes["reorg"].value = False
    assert ex.kinds == () and event_dates(ex.figure.axes[0]) == []


def test_state_set_from_code_moves_the_controls(ex):
    ex.segment = "china_ecommerce"
    assert ex._lineage.value == "china_ecommerce"
    assert "cmr_yoy" in [value for _, value in ex._metric_menu.options] and "aac" in ex._metric_menu.options[-1]
    ex.metric = "cmr_yoy"
    ex.start, ex.end = "2021-01-01", "FY24Q4"  # a date stands for its quarter
    assert (ex.start, ex.end) == ("FY2021Q4", "FY2024Q4") and ex._range.value == ("FY2021Q4", "FY2024Q4")
    ex.kinds = ["strategy", "reorg"]
    assert ex.kinds == ("reorg", "strategy") and ex._kind_boxes["strategy"].value and not ex._kind_boxes["segment_reporting"].value
    ex.kinds = None  # every kind, as explore(kinds=None) and plot_metric(kinds=None) mean
    assert ex.kinds == alibiz.load.EVENT_KINDS and all(box.value for box in ex._kind_boxes.values())
    ex.kinds = ["strategy", "reorg"]
    ex.basis, ex.stitch = "stitched", True
    assert ex._basis.value == "stitched" and ex._join.value
    assert_draws_like_plot_metric(ex)


def test_the_range_control_follows_a_start_or_end_outside_the_data(ex):
    first, last = ex._quarters[0], ex._quarters[-1]
    assert ex._range.value == (first, last)
    ex.end = "FY2010Q1"  # before the data begins: an empty chart, and the control must not claim every quarter
    assert ex.rows.empty and ex._range.value == ("FY2010Q1", "FY2010Q1") and ex._range.options[0] == "FY2010Q1"
    ex.end = None
    assert ex._range.value == (first, last) and list(ex._range.options) == ex._quarters
    ex.start = "2015-01-01"  # before the data: every figure is drawn, and the control starts where asked
    assert not ex.rows.empty and ex._range.value == ("FY2015Q4", last)
    ex._range.value = ("FY2019Q1", last)  # the control still sets the state; its quarters stay under the handle
    assert (ex.start, ex.end) == ("FY2019Q1", last) and ex._range.options[0] == "FY2015Q4"
    ex._range.value = ("FY2023Q1", last)
    assert (ex.start, ex.end) == ("FY2023Q1", last) and ex._range.value == ("FY2023Q1", last)
    ex.segment = "cloud"  # any change from code shrinks it back to the data
    assert list(ex._range.options) == ex._quarters and ex._range.value == ("FY2023Q1", last)
    assert_draws_like_plot_metric(ex)


def test_a_lineage_without_the_metric_switches_to_one_it_has(ex):
    ex.metric = "adjusted_ebita"
    ex._lineage.value = "china_commerce_wholesale"  # revenue and its growth only
    assert ex.metric == "revenue_yoy" and [v for _, v in ex._metric_menu.options] == ["revenue", "revenue_yoy"]
    with pytest.raises(KeyError, match=r"has no figures of 'cmr'; its metrics: \['revenue', 'revenue_yoy'\]"):
        ex.metric = "cmr"


def test_redraws_use_the_data_loaded_once(ex, monkeypatch):
    def no_reading(*args, **kwargs):
        raise AssertionError("the explorer read a data file again")

    from alibiz import analysis, load

    monkeypatch.setattr(load, "_read", no_reading)  # what every loader reads a file with
    for module in (analysis, plotting, explorer):
        for name in ("load_metrics", "load_events"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, no_reading)
    ex.segment = "cloud"
    ex.metric = "revenue"
    ex.basis = "restated"
    assert ex.rows["basis"].eq("restated").all() and not ex.rows.empty


def test_printed_as_lists_each_run_of_a_name_so_a_name_that_comes_back_is_not_one_span(metrics, events):
    rows = metrics.query("segment == 'cloud' and metric == 'revenue_yoy' and basis == 'as_reported'")
    in_window = rows[rows["fiscal_period"].between("FY2024Q1", "FY2025Q4")]
    assert set(in_window["segment_label"]) == {"Cloud Intelligence Group"} and len(in_window) == 8
    renamed = metrics.copy()
    renamed.loc[in_window.index[2], "segment_label"] = "Cloud <for one quarter>"  # as a stitched view mixes names
    ex = alibiz.explore("cloud", "revenue_yoy", metrics=renamed, events=events, start="FY2024Q1", end="FY2025Q4")
    assert re.sub(r"<[^>]+>", "", ex._printed.value) == html.escape(
        "Printed as: Cloud Intelligence Group (FY2024Q1\u2013FY2024Q2); Cloud <for one quarter> (FY2024Q3); "
        "Cloud Intelligence Group (FY2024Q4\u2013FY2025Q4)"
    )


def test_several_lineages_from_code_are_one_more_choice_in_the_menu(metrics, events):
    ex = alibiz.explore(["group", "china_ecommerce", "aidc"], "aac", metrics=metrics, events=events, kinds=None, labels=plotting.CONSUMERS)
    assert ex.segment == ("group", "china_ecommerce", "aidc") and ex._lineage.value == ex.segment
    assert_draws_like_plot_metric(ex)
    assert len(ex.details("FY2021Q4").split("\n\n")) == 3
    assert ex.details("FY2021Q4", segment="aidc").count("Segment as printed") == 1


# --------------------------------------------------------- bad input


def test_unknown_lineage_or_metric_is_named_with_the_known_ones(metrics):
    with pytest.raises(KeyError, match=r"unknown segment 'nowhere'; known: \[.*'cloud'"):
        alibiz.explore("nowhere", metrics=metrics)
    with pytest.raises(KeyError, match=r"unknown metric 'gmv'; known: \[.*'revenue'"):
        alibiz.explore("aidc", "gmv", metrics=metrics)
    with pytest.raises(ValueError, match="unknown event kind"):
        alibiz.explore("aidc", kinds=["merger"], metrics=metrics)


@pytest.mark.parametrize(
    "value, reason",
    [
        (2021, "got the number 2021"),  # pandas reads it as 2021 ns after 1970: FY1970Q4
        (2021.0, "got the number 2021.0"),
        ("banana", "got 'banana', neither a label nor a date"),
        ("", "got '', neither a label nor a date"),
        ("FY2025Q9", "quarter must be 1 to 4"),
    ],
)
def test_a_quarter_that_is_no_quarter_is_refused_by_name_and_the_state_stays(ex, value, reason):
    ex.start = "FY2023Q1"
    for name in ("start", "end"):
        with pytest.raises(ValueError, match=rf"^{name} must be a fiscal quarter like 'FY2025Q2' or a date inside one; .*{re.escape(reason)}"):
            setattr(ex, name, value)
    assert (ex.start, ex.end) == ("FY2023Q1", None)


def test_a_view_with_no_figures_is_an_empty_chart_that_says_so(ex):
    ex.basis = "restated"
    ex.metric = "revenue_yoy"  # growth is never restated
    ax = ex.figure.axes[0]
    assert ex.rows.empty and not ax.lines and not ax.patches
    assert any("No restated figures of revenue growth" in t.get_text() for t in ax.texts)
    assert "No figures" in ex._table.value
    with pytest.raises(plotting.NoFigures, match="nothing to save"):
        ex.save("anywhere")
    ex.basis = "as_reported"
    ex.start, ex.end = "FY2010Q1", "FY2011Q4"  # before the data begins
    assert ex.rows.empty and any("from FY2010Q1 to FY2011Q4" in t.get_text() for t in ex.figure.axes[0].texts)
    with pytest.raises(KeyError, match="FY2025Q2 is not on the chart"):
        ex.details("FY2025Q2")
    ex.start, ex.end = "FY2025Q1", "FY2023Q1"  # a range that starts after it ends says so, not "no figures"
    assert ex.rows.empty and [t.get_text() for t in ex.figure.axes[0].texts] == [
        "The range starts in FY2025Q1, after it ends in FY2023Q1:\nno quarter is in it."
    ]
    with pytest.raises(plotting.NoFigures, match="nothing to save: The range starts in FY2025Q1"):
        ex.save("anywhere")


# ------------------------------------------------------------ details


def test_details_name_the_value_label_and_source_and_the_panel_shows_them_on_hover(ex, metrics):
    row = metrics.query("segment == 'aidc' and metric == 'revenue_yoy' and basis == 'as_reported' and fiscal_period == 'FY2025Q2'").iloc[0]
    text = ex.details("FY2025Q2")
    assert text.splitlines()[:2] == ["FY2025Q2 \u00b7 quarter ended 30 Sep 2024", f"Revenue growth: {row['value']:g}%"]
    assert f"Segment as printed: {row['segment_label']} (lineage aidc)" in text
    assert f"Source: {row['source']}" in text and f"Published: {row['published']:%d %b %Y}" in text
    assert ex.details("FY25Q2") == ex.details("2024-09-30") == text
    move_to(ex, point_xy(ex, "FY2025Q2", row["value"]) + 3)  # a few pixels off the marker still finds it
    assert panel_text(ex) == text
    source_links = re.findall(r'href="([^"]+)"', ex._details.value)
    assert source_links == re.findall(r"https?://[^\s),;]+", row["source"])


def test_a_money_point_has_its_unit_and_a_bar_is_found_anywhere_on_it(metrics, events):
    ex = alibiz.explore("aidc", "adjusted_ebita", metrics=metrics, events=events)
    row = metrics.query("segment == 'aidc' and metric == 'adjusted_ebita' and basis == 'as_reported'").iloc[-1]
    assert f"Adjusted EBITA: RMB {row['value']:,.0f} million" in ex.details(row["fiscal_period"])
    move_to(ex, point_xy(ex, row["fiscal_period"], row["value"] / 1000 / 2))  # half way up the bar
    assert panel_text(ex) == ex.details(row["fiscal_period"])


def test_click_pins_the_details_until_a_click_away_from_the_points(ex, metrics):
    values = alibiz.series("aidc", "revenue_yoy", metrics=metrics)
    move_to(ex, point_xy(ex, "FY2025Q2", values["2024-09-30"]), "button_press_event")
    assert panel_text(ex).startswith(ex.details("FY2025Q2")) and "pinned" in panel_text(ex)
    move_to(ex, point_xy(ex, "FY2025Q1", values["2024-06-30"]))
    assert panel_text(ex).startswith(ex.details("FY2025Q2"))  # hovering elsewhere leaves the pinned point
    move_to(ex, (5, 5), "button_press_event")
    assert "Hover over a point" in panel_text(ex)
    move_to(ex, point_xy(ex, "FY2025Q1", values["2024-06-30"]))
    assert panel_text(ex) == ex.details("FY2025Q1")


def test_the_canvas_redraws_only_when_the_mouse_reaches_another_target(ex, metrics, monkeypatch):
    """Each redraw of the canvas costs a full render sent to the browser: moving within one point's reach must not."""
    draws = []
    monkeypatch.setattr(ex._canvas, "draw_idle", lambda: draws.append(panel_text(ex).splitlines()[0]))
    values = alibiz.series("aidc", "revenue_yoy", metrics=metrics)
    at = point_xy(ex, "FY2025Q2", values["2024-09-30"])
    for dx in range(-3, 4):  # seven mouse moves over the same point
        move_to(ex, at + (dx, 0))
    assert draws == ["FY2025Q2 \u00b7 quarter ended 30 Sep 2024"]
    move_to(ex, point_xy(ex, "FY2025Q1", values["2024-06-30"]))
    move_to(ex, at)  # back to the first point: a new target again
    assert [d[:8] for d in draws] == ["FY2025Q2", "FY2025Q1", "FY2025Q2"]
    move_to(ex, at, "button_press_event")  # pinning the point shown redraws with the pin note
    assert len(draws) == 4 and "pinned" in panel_text(ex)


def test_hovering_an_event_line_shows_its_date_kind_title_and_source(ex, events):
    drawn = sorted(event_dates(ex.figure.axes[0]))
    event = events[(events["date"] == drawn[0]) & events["kind"].isin(ex.kinds)].iloc[0]
    text = ex.event_details(event["event_id"])
    assert text.splitlines()[0] == f"Event 1 \u00b7 {event['date']:%d %b %Y} \u00b7 " + explorer.KIND_NAMES[event["kind"]]
    assert event["title"] in text and f"Source: {event['source']}" in text
    assert ex.event_details(1) == ex.event_details(f"{event['date']:%Y-%m-%d}") == text
    ax = ex.figure.axes[0]
    ex.figure.draw_without_rendering()
    x = ax.transData.transform((mdates.date2num(event["date"]), 0))[0]
    move_to(ex, (x + 2, ax.bbox.y1 - 10))  # near the top of the line, away from the points
    assert panel_text(ex) == text


def test_a_gap_says_that_no_figure_was_found(metrics, events):
    ex = alibiz.explore("aidc", "adjusted_ebita", metrics=metrics, events=events)
    values = alibiz.series("aidc", "adjusted_ebita", metrics=metrics)
    gaps = values.index[values.isna()]
    if gaps.empty:
        pytest.skip("the fixture has no gap in this series")
    text = ex.details(gaps[0])
    assert "no as reported figure was found" in text
    move_to(ex, point_xy(ex, gaps[0], 0))
    assert panel_text(ex) == text


# --------------------------------------------------------------- save


def test_save_writes_the_chart_and_its_rows_with_sources(ex, tmp_path, metrics):
    ex.segment = "cloud"
    ex._folder.value = str(tmp_path / "cloud-growth")
    ex._save_button.click()
    assert ex._status.value.startswith("Saved chart.png, chart.svg, figures.csv")
    out = tmp_path / "cloud-growth"
    assert sorted(p.name for p in out.iterdir()) == ["chart.png", "chart.svg", "figures.csv"]
    saved = pd.read_csv(out / "figures.csv", keep_default_na=False)
    rows = metrics.query("segment == 'cloud' and metric == 'revenue_yoy' and basis == 'as_reported'").sort_values("period_end")
    assert saved["fiscal_period"].tolist() == rows["fiscal_period"].tolist()
    assert saved["value"].tolist() == rows["value"].tolist() and saved["source"].tolist() == rows["source"].tolist()
    # the chart is the report's rendering of plot_metric's chart: same size, same bytes
    with plotting.style():
        figure = plotting.plot_metric(**ex.plot_options).figure
    plotting.save_figure(figure, tmp_path / "reference", ["png"])
    plt.close(figure)
    assert (out / "chart.png").read_bytes() == (tmp_path / "reference.png").read_bytes()
    first = (out / "chart.svg").read_bytes()
    ex.save(out)  # the same view again: the same files
    assert (out / "chart.svg").read_bytes() == first


def test_a_saved_view_can_be_read_by_whoever_may_read_the_folder_it_is_in(ex, tmp_path):
    import os
    import stat

    umask = os.umask(0o022)  # a common default: folders rwxr-xr-x
    try:
        ex.save(tmp_path / "shared view")
        (tmp_path / "made by hand").mkdir()
    finally:
        os.umask(umask)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"shared view": 0o755, "made by hand": 0o755}  # not owner-only, as a temporary folder is
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "shared view").iterdir()} == {0o644}


@pytest.mark.parametrize("own", [["chart.png"], ["figures.csv"], ["chart.png", "chart.svg", "figures.csv"]])
def test_a_folder_of_the_users_own_files_with_a_views_names_is_not_replaced(ex, tmp_path, own):
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in own:
        (folder / name).write_text("period,revenue\nQ1,1\n" if name.endswith(".csv") else "my own chart")
    with pytest.raises(FileExistsError, match=re.escape(f"holds files that are not a saved view ({', '.join(own)})")):
        ex.save(folder)
    assert sorted(p.name for p in folder.iterdir()) == own and (folder / own[0]).read_text() != ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    ex.save(tmp_path / "view")
    (tmp_path / "view" / "chart.svg").unlink()  # an earlier view, even with a file deleted, is still replaced
    ex.save(tmp_path / "view")
    assert sorted(p.name for p in (tmp_path / "view").iterdir()) == ["chart.png", "chart.svg", "figures.csv"]


def test_save_replaces_an_earlier_view_whole_and_refuses_other_folders(ex, tmp_path, monkeypatch):
    out = tmp_path / "view"
    ex.save(out)
    earlier = (out / "figures.csv").read_bytes()
    ex.segment = "cloud"

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(matplotlib.figure.Figure, "savefig", broken)
        with pytest.raises(OSError, match="No space left"):
            ex.save(out)
    assert (out / "figures.csv").read_bytes() == earlier  # the earlier view is whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view"]  # no staging folder left behind
    ex.save(out)
    assert (out / "figures.csv").read_bytes() != earlier
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    ex._folder.value = str(tmp_path / "notes")
    ex._save_button.click()
    assert "Not saved" in ex._status.value and "not a saved view (mine.txt)" in ex._status.value
    assert sorted(p.name for p in (tmp_path / "notes").iterdir()) == ["mine.txt"]
    ex._folder.value = str(tmp_path / "missing" / "view")
    ex._save_button.click()
    assert "does not exist" in ex._status.value
    ex._folder.value = "  "
    ex._save_button.click()
    assert "Name a folder" in ex._status.value


# ------------------------------------------------------------ display


def test_the_notebook_display_is_the_widget_its_state_as_text_and_a_picture_for_static_viewers(ex):
    bundle = ex._repr_mimebundle_()
    assert bundle["text/plain"] == repr(ex) == (
        "Explorer(segment='aidc', metric='revenue_yoy', basis='as_reported', "
        "kinds=('reorg', 'segment_reporting'), start=None, end=None, stitch=False)"
    )
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.model_id
    assert bundle["image/png"].startswith("iVBOR")  # base64 of a PNG


def test_rich_html_of_data_error_event_window_and_coverage_keeps_their_text(metrics, write_csv, metrics_text):
    from conftest import ROWS

    bad = [ROWS[0].replace("31672", "n/a"), ROWS[1].replace("2024-11-15,", "2024-13-15,")]
    with pytest.raises(alibiz.DataError) as caught:
        alibiz.load_metrics(write_csv(metrics_text(bad)))
    error = caught.value
    page = error._repr_html_()
    assert page.count("<tr>") == len(error.problems) + 1 == 3  # a row per problem, under the heading row
    for row in error.problems.itertuples():
        assert html.escape(row.message) in page
    cells = re.findall(r"<t[dh](?: [^>]*)?>", page)  # JupyterLab right-aligns table cells: text reads left-aligned
    assert len(cells) == 5 * 3 and all("text-align:left" in cell for cell in cells)
    assert str(error).count("\n") == 1 and "metrics.csv:2: column 'value': is not a number (got 'n/a')" in str(error)

    window = alibiz.event_window("aidc", "revenue_yoy", "2023-03-28", quarters=2, metrics=metrics)
    page = window._repr_html_()
    assert all(f"<td>{q}</td>" in page for q in [*window.before.index, *window.after.index])
    assert repr(window).startswith("EventWindow(date=Timestamp('2023-03-28")
    assert f"change in the mean {window.change:g}</p>" in page
    empty_side = alibiz.event_window("aidc", "revenue_yoy", "2021-06-15", quarters=1, metrics=metrics)  # before AIDC's first growth figure
    assert np.isnan(empty_side.mean_before) and "no change in the mean: a side has no figure</p>" in empty_side._repr_html_()

    grid = alibiz.coverage(metrics)
    assert repr(grid) == repr(pd.DataFrame(grid)) and isinstance(grid.loc["aidc"], pd.DataFrame)
    page = grid._repr_html_()
    first_prints = int((grid == "x").to_numpy().sum())
    assert page.count("background:#0072B2;") == first_prints + 1  # each first print, and the key
    assert page.count("<tr>") == len(grid) + 2 and alibiz.coverage_text(grid) == alibiz.coverage_text(pd.DataFrame(grid))


def test_import_alibiz_stays_light_and_the_explorer_leaves_the_backend_and_figures_alone():
    script = (
        "import sys, alibiz\n"
        "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'ipympl', 'selenium', 'playwright') if m in sys.modules))\n"
        "import matplotlib; matplotlib.use('svg'); import matplotlib.pyplot as plt\n"
        "figure = plt.figure()\n"
        "ex = alibiz.explore('aidc')\n"
        "print(matplotlib.get_backend(), plt.fignum_exists(figure.number), type(ex).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.splitlines() == ["[]", "svg True Explorer"]
