"""The JupyterLab explorer: :func:`alibiz.plot_metric` behind controls, each figure's source a hover away.

:func:`explore` returns a widget: controls for the lineage, the metric, the
basis, the event kinds and the range of fiscal quarters; the chart, on a live
ipympl canvas; beside it the details of the point or event line under the
mouse (click to pin them); under it the figures behind the view with their
sources, and a button that saves the view. The state is also set from code
(``ex.segment = "cloud"``) and the controls follow. Needs the ``notebooks``
extra (ipywidgets, ipympl); ``import alibiz`` does not import them.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> ex = explore("aidc", "revenue")
>>> print(ex.details("FY2025Q2").splitlines()[1])
Revenue: RMB 31,672 million
>>> ex.metric = "revenue_yoy"
>>> ex.details("FY2025Q2").splitlines()[1]
'Revenue growth: 29%'
"""

from __future__ import annotations

import base64
import html
import io
import re
import warnings
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import matplotlib

try:
    import ipywidgets as widgets
    import traitlets

    # Importing ipympl calls matplotlib.use() on it, which would switch the notebook's
    # backend (and close its pyplot figures); the explorer only needs its canvas class.
    _use, matplotlib.use = matplotlib.use, lambda *args, **kwargs: None
    try:
        from ipympl.backend_nbagg import Canvas, FigureManager
    finally:
        matplotlib.use = _use
except ImportError as error:  # pragma: no cover - the core install
    raise ImportError(f"alibiz.explore needs ipywidgets and ipympl ({error}); install them with: pip install 'alibiz[notebooks]'") from None

from alibiz import files, fiscal, plotting
from alibiz.analysis import SERIES_BASES, figures
from alibiz.load import EVENT_KINDS, load_metric_registry, load_metrics, load_segments

BASIS_NAMES = {"as_reported": "as reported", "restated": "restated", "stitched": "stitched"}
ROW_BASIS_NAMES = {"as_reported": "as reported (first print)", "restated": "restated (a later release's recast)"}
KIND_NAMES = {
    "reorg": "reorganization",
    "segment_reporting": "segment-reporting change",
    "leadership": "leadership change",
    "strategy": "strategic move",
}
UNIT_FORMATS = {"RMB_mn": "RMB {} million", "pct": "{}%", "mn_consumers": "{} million consumers"}
VIEW_FILES = ("chart.png", "chart.svg", "figures.csv")  # what a saved view's folder holds
_URL = re.compile(r"https?://[^\s<>\"'),;]+")
DASH = "\u2013"
_HINT = "Hover over a point or an event line to see where it comes from; click to pin it."
_POINT_RADIUS = 8  # pixels at 100 dpi: how near a point the mouse must be
_LINE_REACH = 5  # pixels at 100 dpi: how near an event line


def explore(
    segment="aidc",
    metric: str = "revenue_yoy",
    *,
    events="default",
    kinds=("reorg", "segment_reporting"),
    event_segments=None,
    start=None,
    end=None,
    basis: str = "as_reported",
    stitch: bool = False,
    title: str | None = None,
    labels: dict[str, str] | None = None,
    metrics: pd.DataFrame | None = None,
) -> "Explorer":
    """An interactive chart of one metric, with its controls, sources and a save button.

    Takes the options of :func:`alibiz.plot_metric` (all but ``ax``) and
    draws through it, so the chart is the one ``plot_metric`` draws; ``basis``
    may also be ``"stitched"``. ``start``/``end`` select whole fiscal
    quarters: a date stands for the quarter that holds it. ``kinds=None``
    ticks every kind of event. The data is loaded once; every change redraws
    from it. Unknown lineages or metrics raise ``KeyError`` naming the known ones.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ex = explore("cloud", "revenue_yoy", start="FY2024Q1")
    >>> ex.segment, ex.start, ex.figure.axes[0].get_title(loc="left")
    ('cloud', 'FY2024Q1', 'AI Cloud and Compute Services: Revenue growth')
    """
    return Explorer(segment, metric, events=events, kinds=kinds, event_segments=event_segments, start=start, end=end,
                    basis=basis, stitch=stitch, title=title, labels=labels, metrics=metrics)  # fmt: skip


class _Kinds(traitlets.Tuple):
    """A tuple of event kinds; ``None`` stands for every kind, as in :func:`explore` and :func:`alibiz.plot_metric`."""

    def validate(self, obj, value):
        return super().validate(obj, EVENT_KINDS if value is None else value)


class Explorer(widgets.VBox):
    """The widget :func:`explore` returns. Its state: ``segment``, ``metric``, ``basis``,
    ``kinds``, ``start``, ``end``, ``stitch``; ``figure`` is the matplotlib Figure."""

    segment = traitlets.Any(help="lineage id, or a tuple of them")
    metric = traitlets.Unicode(help="metric id")
    basis = traitlets.Enum(SERIES_BASES, default_value="as_reported")
    kinds = _Kinds(help="event kinds marked on the chart; None ticks every kind")
    start = traitlets.Any(None, allow_none=True, help="first fiscal quarter drawn (label), None for the first in the data")
    end = traitlets.Any(None, allow_none=True, help="last fiscal quarter drawn (label), None for the last in the data")
    stitch = traitlets.Bool(False, help="join the line across definition changes")

    def __init__(self, segment, metric, *, events, kinds, event_segments, start, end, basis, stitch, title, labels, metrics):
        super().__init__()
        self.add_class("alibiz-explorer")
        self._building = True
        self._metrics = load_metrics() if metrics is None else metrics
        self._events = plotting._events_frame(events)
        self._event_segments, self._title, self._labels = event_segments, title, labels
        self._registry = load_metric_registry().set_index("metric")
        self._names = load_segments().set_index("segment")["name"]
        self._quarters = _quarters_of(self._metrics)
        self._rows = self._metrics.iloc[:0]
        self._points = pd.DataFrame()
        self._drawn_events = self._events.iloc[:0]
        self._pinned = False
        self._shown = None  # the target whose details the panel shows
        with plotting.style():
            self.figure = Figure(figsize=plotting.METRIC_FIGSIZE, layout="constrained")
        self._canvas = Canvas(self.figure)
        self._canvas.header_visible = self._canvas.footer_visible = self._canvas.resizable = False
        self._canvas.toolbar_visible, self._canvas.toolbar_position = "visible", "top"  # a row of its own, over no axis
        with warnings.catch_warnings():  # ipympl's toolbar passes traitlets an argument it does not take
            warnings.filterwarnings("ignore", r"Passing unrecognized arguments to super\(Toolbar\)", DeprecationWarning)
            FigureManager(self._canvas, 0)  # the canvas's toolbar: pan, zoom, home
        self._canvas.mpl_connect("motion_notify_event", self._on_move)
        self._canvas.mpl_connect("button_press_event", self._on_click)
        self._build_controls()
        self.segment = segment
        self.metric = metric
        self.basis = basis
        self.kinds = kinds
        self.start, self.end, self.stitch = start, end, stitch
        self._building = False
        self._sync_controls()
        self._redraw()

    # ------------------------------------------------------------- state

    @traitlets.validate("segment")
    def _valid_segment(self, proposal):
        value = proposal["value"]
        segments = [value] if isinstance(value, str) else list(value)
        if not segments:
            raise ValueError("segment needs at least one lineage id")
        for segment in segments:
            plotting._segment_name(segment)  # KeyError naming the known lineages
        return segments[0] if len(segments) == 1 else tuple(segments)

    @traitlets.validate("metric")
    def _valid_metric(self, proposal):
        metric = proposal["value"]
        plotting._metric(metric)  # KeyError naming the known metrics
        available = self._metric_ids()
        if available and metric not in available:
            raise KeyError(f"{self._segment_text()} has no figures of {metric!r}; its metrics: {available}")
        return metric

    @traitlets.validate("kinds")
    def _valid_kinds(self, proposal):
        kinds = tuple(proposal["value"])
        unknown = sorted(set(kinds) - set(EVENT_KINDS))
        if unknown:
            raise ValueError(f"unknown event kind(s) {unknown}; known: {list(EVENT_KINDS)}")
        return tuple(k for k in EVENT_KINDS if k in kinds)

    @traitlets.validate("start", "end")
    def _valid_quarter(self, proposal):
        value = proposal["value"]
        if value is None:
            return None
        try:
            return _quarter_of(value)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{proposal['trait'].name} must be a fiscal quarter like 'FY2025Q2' or a date inside one; {error}") from None

    @traitlets.observe("segment", "metric", "basis", "kinds", "start", "end", "stitch")
    def _state_changed(self, change):
        if self._building:
            return
        if change["name"] == "segment":
            available = self._metric_ids()
            if available and self.metric not in available:
                self._sync_controls()  # the metric menu offers this lineage's metrics
                self.metric = "revenue_yoy" if "revenue_yoy" in available else available[0]
                return  # the metric's change redraws
        self._sync_controls()
        self._redraw()

    @property
    def _segments(self) -> list[str]:
        return [self.segment] if isinstance(self.segment, str) else list(self.segment)

    def _segment_text(self) -> str:
        return ", ".join(self._names[s] for s in self._segments)

    def _metric_ids(self) -> list[str]:
        """The metrics the lineage has figures of (any basis), in the registry's order."""
        have = set(self._metrics.loc[self._metrics["segment"].isin(self._segments), "metric"])
        return [m for m in self._registry.index if m in have]

    @property
    def plot_options(self) -> dict:
        """The view as :func:`alibiz.plot_metric` arguments: ``plot_metric(**ex.plot_options)`` draws the same chart."""
        return dict(
            segment=self.segment if isinstance(self.segment, str) else list(self.segment), metric=self.metric,
            events=self._events, kinds=self.kinds, event_segments=self._event_segments,
            start=None if self.start is None else fiscal.period(self.start).start_time.normalize(),
            end=None if self.end is None else fiscal.quarter_end(self.end),
            basis=self.basis, stitch=self.stitch, title=self._title, labels=self._labels, metrics=self._metrics,
        )  # fmt: skip

    @property
    def rows(self) -> pd.DataFrame:
        """The figures behind the view (rows of the metrics frame, with their sources)."""
        return self._rows.copy()

    # ---------------------------------------------------------- controls

    def _build_controls(self) -> None:
        lineages = [(self._lineage_label(s), s) for s in self._names.index if (self._metrics["segment"] == s).any()]
        self._lineage = widgets.Dropdown(options=lineages, description="Lineage", layout=widgets.Layout(width="62%"))
        self._lineage.add_class("alibiz-lineage")
        self._metric_menu = widgets.Dropdown(description="Metric", layout=widgets.Layout(width="36%"))
        self._metric_menu.add_class("alibiz-metric")
        self._basis = widgets.ToggleButtons(options=[(BASIS_NAMES[b], b) for b in SERIES_BASES], style={"button_width": "7.5rem"},
                                            layout=widgets.Layout(width="auto", margin="0 1.5rem 0 0"))  # fmt: skip
        self._join = widgets.Checkbox(description="join the line across definition changes", indent=False)
        self._kind_boxes = {k: widgets.Checkbox(description=KIND_NAMES[k] + "s", indent=False, layout=widgets.Layout(width="auto", margin="0 1rem 0 0"))
                            for k in EVENT_KINDS}  # fmt: skip
        self._range = widgets.SelectionRangeSlider(options=self._quarters or ["(no quarters)"], description="Quarters",
                                                   continuous_update=False, layout=widgets.Layout(width="98%"))  # fmt: skip
        self._printed = widgets.HTML()
        self._details = widgets.HTML(_html_lines([[(_HINT, None)]]), layout=widgets.Layout(flex="1 1 12rem", min_width="11rem", padding="0 0 0 0.75rem"))
        self._details.add_class("alibiz-details")
        self._table = widgets.HTML(layout=widgets.Layout(width="100%", margin="2px 0"))
        self._table.add_class("alibiz-rows")
        self._folder = widgets.Text(placeholder="a folder, e.g. views/aidc-growth", description="Save into",
                                    layout=widgets.Layout(width="28rem"))  # fmt: skip
        self._save_button = widgets.Button(description="Save PNG, SVG, CSV", icon="save", layout=widgets.Layout(width="auto"))
        self._status = widgets.HTML()
        self._save_button.on_click(self._on_save)
        for control, name in [(self._lineage, "segment"), (self._metric_menu, "metric"), (self._basis, "basis"), (self._join, "stitch")]:
            control.observe(self._control_changed(name), names="value")
        for box in self._kind_boxes.values():
            box.observe(self._kinds_ticked, names="value")
        self._range.observe(self._range_moved, names="value")
        events_row = [widgets.Label("Events:"), *self._kind_boxes.values()]
        self.children = [
            widgets.HBox([self._lineage, self._metric_menu]),
            widgets.HBox([widgets.Label("Basis:"), self._basis, self._join], layout=widgets.Layout(align_items="center")),
            widgets.HBox(events_row, layout=widgets.Layout(flex_flow="row wrap")),
            self._range,
            self._printed,
            widgets.HBox([self._canvas, self._details], layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start")),
            self._table,
            widgets.HBox([self._folder, self._save_button, self._status], layout=widgets.Layout(align_items="center")),
        ]

    def _lineage_label(self, segment: str) -> str:
        rows = self._metrics[self._metrics["segment"] == segment].sort_values("period_end", kind="stable")
        printed = " / ".join(dict.fromkeys(rows["segment_label"]))
        text = f"{self._names[segment]} ({segment}): {printed}"
        return text if len(text) <= 120 else text[:119] + "\u2026"

    def _control_changed(self, name: str):
        def changed(change):
            if not self._syncing and change["new"] is not None:
                setattr(self, name, change["new"])

        return changed

    def _kinds_ticked(self, change):
        if not self._syncing:
            self.kinds = tuple(k for k, box in self._kind_boxes.items() if box.value)

    def _range_moved(self, change):
        if not self._syncing and self._quarters:
            first, last = change["new"]
            self._range_driven = True
            try:
                with self.hold_trait_notifications():  # one redraw for both ends
                    self.start, self.end = first, last
            finally:
                self._range_driven = False

    _syncing = False
    _range_driven = False  # the range control is being moved: its quarters stay put under the handle

    def _sync_controls(self) -> None:
        """Show the state in the controls (without their changes coming back as new state)."""
        self._syncing = True
        try:
            options = list(self._lineage.options)
            if self.segment not in [value for _, value in options]:  # several lineages, set from code
                options.append((" + ".join(self._names[s] for s in self._segments), self.segment))
                self._lineage.options = options
            self._lineage.value = self.segment
            metrics = [(self._registry.loc[m, "name"], m) for m in self._metric_ids()]
            if list(self._metric_menu.options) != metrics:
                self._metric_menu.options = metrics
            self._metric_menu.value = self.metric if self.metric in self._metric_ids() else None
            self._basis.value = self.basis
            self._join.value = self.stitch
            for kind, box in self._kind_boxes.items():
                box.value = kind in self.kinds
                box.disabled = self._events.empty
            quarters, shown = self._slider_quarters(), list(self._range.options)
            held = self._range_driven and all(q in shown for q in (self.start, self.end) if q is not None)
            if quarters and not held and shown != quarters:
                self._range.options = shown = quarters
            if quarters:
                self._range.value = (self.start or shown[0], self.end or shown[-1])
        finally:
            self._syncing = False

    def _slider_quarters(self) -> list[str]:
        """The range control's quarters: the data's, stretched to a start or end set outside them."""
        ends = [q for q in (self.start, self.end) if q is not None] + ([self._quarters[0], self._quarters[-1]] if self._quarters else [])
        if not ends or set(ends) <= set(self._quarters):
            return self._quarters
        periods = [fiscal.period(q) for q in ends]
        return [fiscal.label(q) for q in fiscal.quarter_range(min(periods), max(periods))]

    # ------------------------------------------------------------ drawing

    def _redraw(self) -> None:
        """Draw the view with plot_metric on the same figure, from the data already loaded."""
        figure = self.figure
        for old in [*figure.axes, *figure.artists]:  # cheaper than figure.clear(), which first clears each axes
            old.remove()
        with plotting.style():
            ax = figure.add_subplot()
        self._draw(ax)
        self._ax = ax
        self._points = self._hover_points(ax)
        self._highlight = Line2D([], [], marker="o", markersize=11, markerfacecolor="none", markeredgecolor=plotting.INK,
                                 markeredgewidth=1.6, linestyle="none", visible=False, transform=ax.transData)  # fmt: skip
        figure.add_artist(self._highlight)  # on the figure: the axes keep exactly what plot_metric drew
        self._pinned, self._shown = False, None
        self._details.value = _html_lines([[(_HINT, None)]])
        self._table.value = self._rows_html()
        self._printed.value = self._printed_html()
        if self._canvas.toolbar is not None:
            self._canvas.toolbar.update()  # the home view is the new chart
        self._canvas.draw_idle()

    def _draw(self, ax) -> None:
        """plot_metric on ``ax``; a view with no figures gets an empty chart that says so."""
        options = self.plot_options
        try:
            plotting.plot_metric(**options, ax=ax)
        except plotting.NoFigures:
            self._rows = self._metrics.iloc[:0]
            self._drawn_events = self._events.iloc[:0]
            with plotting.style():
                ax.set_title(f"{self._segment_text()}: {self._registry.loc[self.metric, 'name']}")
                ax.text(0.5, 0.5, self._no_figures_text(), transform=ax.transAxes, ha="center", va="center", color="#555555", wrap=True)
                ax.set_xticks([])
                ax.set_yticks([])
            return
        shown = plotting._in_range(self._metrics, options["start"], options["end"])
        self._rows = figures(self._segments, self.metric, basis=self.basis, metrics=shown)
        chosen = plotting._chart_events(self._segments, self._events, self.kinds, self._event_segments, options["start"], options["end"])
        self._drawn_events = plotting._within_xlim(ax, chosen).reset_index(drop=True)

    def _no_figures_text(self) -> str:
        if self.start is not None and self.end is not None and fiscal.period(self.start) > fiscal.period(self.end):
            return f"The range starts in {self.start}, after it ends in {self.end}:\nno quarter is in it."
        if self._slider_quarters():
            first, last = self._range.value  # the quarters the range control shows
            span = f" in {first}" if first == last else f" from {first} to {last}"
        else:
            span = ""  # no figures at all
        return (f"No {BASIS_NAMES[self.basis]} figures of {self._registry.loc[self.metric, 'name'].lower()}\n"
                f"for {self._segment_text()}{span}.")  # fmt: skip

    def _hover_points(self, ax) -> pd.DataFrame:
        """Where each figure (and each gap's cross) sits, in data units, for hit-testing."""
        if self._rows.empty:
            return pd.DataFrame(columns=["x", "y", "bar", "gap", "row", "period_end", "segment"])
        meta = plotting._metric(self.metric)
        divisor, _ = plotting._scale(meta, self._rows["value"])
        bars = meta.kind == "money" and self._rows["segment"].nunique() == 1
        points = pd.DataFrame({
            "x": mdates.date2num(self._rows["period_end"]), "y": self._rows["value"].to_numpy() / divisor,
            "bar": bars, "gap": False, "row": self._rows.index, "period_end": self._rows["period_end"].to_numpy(),
            "segment": self._rows["segment"].to_numpy(),
        })  # fmt: skip
        quarters = set()
        for _, rows in self._rows.groupby("segment"):
            quarters |= set(fiscal.quarter_range(rows["period_end"].min(), rows["period_end"].max()))
        gaps = sorted(quarters - set(self._rows["period_end"]))
        crosses = pd.DataFrame({"x": mdates.date2num(gaps), "y": 0.0, "bar": bars, "gap": True, "row": None,
                                "period_end": gaps, "segment": None})  # fmt: skip
        return pd.concat([points, crosses], ignore_index=True) if gaps else points

    # -------------------------------------------------------------- hover

    def _target_at(self, x: float, y: float):
        """The point or event line at display position (x, y): ("point", i), ("events", (i, ...)) or None."""
        ax, scale = self._ax, self.figure.dpi / 100
        if not self._points.empty:
            xy = self._display_xy(self._points)
            distance = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
            inside = np.zeros(len(self._points), dtype=bool)
            bars = self._points["bar"].to_numpy() & ~self._points["gap"].to_numpy()
            if bars.any():  # a bar is hit anywhere on it
                half = (ax.transData.transform((27.5, 0))[0] - ax.transData.transform((0, 0))[0])
                zero = ax.transData.transform((0, 0))[1]
                low, high = np.minimum(zero, xy[:, 1]) - 3 * scale, np.maximum(zero, xy[:, 1]) + 3 * scale
                inside = bars & (np.abs(xy[:, 0] - x) <= half) & (low <= y) & (y <= high)
            distance = np.where(inside, 0.0, distance)
            nearest = int(np.argmin(distance))
            if distance[nearest] <= _POINT_RADIUS * scale:
                return "point", nearest
        if not self._drawn_events.empty:
            lines = ax.transData.transform(np.column_stack([mdates.date2num(self._drawn_events["date"]), np.zeros(len(self._drawn_events))]))[:, 0]
            near = np.abs(lines - x)
            if near.min() <= _LINE_REACH * scale and ax.bbox.y0 <= y <= ax.bbox.y1 + 90 * scale:  # the numbers sit above
                return "events", tuple(np.flatnonzero(near == near.min()))  # events of one day share a line
        return None

    def _display_xy(self, points: pd.DataFrame) -> np.ndarray:
        """Display coordinates of points: figures at their values, crosses where plot_metric puts them."""
        ax = self._ax
        xy = ax.transData.transform(np.column_stack([points["x"].to_numpy(float), points["y"].to_numpy(float)]))
        on_edge = points["gap"].to_numpy() & ~points["bar"].to_numpy()  # under lines the crosses sit on the bottom edge
        if on_edge.any():
            xy[on_edge, 1] = ax.transAxes.transform((0, 0.03))[1]
        return xy

    def _on_move(self, event) -> None:
        if self._pinned or event.x is None:
            return
        target = self._target_at(event.x, event.y)
        if target is not None and target != self._shown:  # a redraw only when the mouse reaches another target
            self._show(target)

    def _on_click(self, event) -> None:
        target = self._target_at(event.x, event.y) if event.x is not None else None
        self._pinned = target is not None
        if target is None:
            self._shown = None
            self._highlight.set_visible(False)
            self._details.value = _html_lines([[(_HINT, None)]])
            self._canvas.draw_idle()
        else:
            self._show(target)

    def _show(self, target) -> None:
        kind, i = target
        self._shown = target
        if kind == "point":
            point = self._points.iloc[i]
            lines = self._point_lines(point)
            x, y = self._display_xy(self._points.iloc[[i]])[0]
            self._highlight.set_data(*self._ax.transData.inverted().transform((x, y)).reshape(2, 1))
            self._highlight.set_visible(True)
        else:
            lines = [line for n, event in enumerate(i) for line in ([[("", None)]] if n else []) + self._event_lines(event)]
            self._highlight.set_visible(False)
        if self._pinned:
            lines = [*lines, [("(pinned: click the chart away from the points to release)", None)]]
        self._details.value = _html_lines(lines)
        self._canvas.draw_idle()

    # ------------------------------------------------------------ details

    def details(self, quarter, segment: str | None = None) -> str:
        """The details panel's text for a quarter's point (``"FY2025Q2"``, ``"FY25Q2"`` or its quarter end).

        With several lineages drawn, each one's point, or only ``segment``'s.
        Raises KeyError for a quarter the chart does not show.
        """
        end = fiscal.quarter_end(quarter)
        points = self._points[self._points["period_end"] == end] if not self._points.empty else self._points
        if segment is not None:
            points = points[points["segment"].isin([segment]) | points["gap"]]
        if points.empty:
            shown = f"{self._rows['fiscal_period'].min()} to {self._rows['fiscal_period'].max()}" if not self._rows.empty else "no quarters"
            raise KeyError(f"{fiscal.label(end)} is not on the chart of {self._segment_text()} (it shows {shown})")
        return "\n\n".join(_text_lines(self._point_lines(point)) for _, point in points.iterrows())

    def event_details(self, event) -> str:
        """The details panel's text for an event drawn on the chart: its id, its date, or its number."""
        drawn = self._drawn_events
        if isinstance(event, int):
            matches = drawn.index[drawn.index == event - 1]
        elif "event_id" in drawn.columns and (drawn["event_id"] == event).any():
            matches = drawn.index[drawn["event_id"] == event]
        else:
            try:
                matches = drawn.index[drawn["date"] == pd.Timestamp(event)]
            except ValueError:  # neither a drawn event's id nor a date
                matches = drawn.index[:0]
        if len(matches) == 0:
            raise KeyError(f"no event {event!r} is drawn on this chart; drawn: {[f'{d:%Y-%m-%d}' for d in drawn['date']]}")
        return "\n\n".join(_text_lines(self._event_lines(i)) for i in matches)

    def _point_lines(self, point: pd.Series) -> list:
        quarter = f"{fiscal.label(point['period_end'])} \u00b7 quarter ended {pd.Timestamp(point['period_end']):%d %b %Y}"
        name = self._registry.loc[self.metric, "name"]
        if point["gap"]:
            return [[(quarter, None)],
                    [(f"{name}: no {BASIS_NAMES[self.basis]} figure was found for {self._segment_text()} "
                      "(the \u00d7 on the chart)", None)]]  # fmt: skip
        row = self._rows.loc[point["row"]]
        lines = [
            [(quarter, None)],
            [(f"{name}: {_value_text(row['value'], row['unit'])}", None)],
            [(f"Basis: {ROW_BASIS_NAMES.get(row['basis'], row['basis'])}", None)],
            [(f"Segment as printed: {row['segment_label']} (lineage {row['segment']})", None)],
            [("Source: ", None), *_linked(row["source"])],
            [(f"Published: {row['published']:%d %b %Y}", None)],
        ]
        if isinstance(row.get("note"), str) and row["note"]:
            lines.append([(f"Note: {row['note']}", None)])
        return lines

    def _event_lines(self, i: int) -> list:
        event = self._drawn_events.iloc[i]
        lines = [[(f"Event {i + 1} \u00b7 {event['date']:%d %b %Y} \u00b7 {KIND_NAMES.get(event['kind'], event['kind'])}", None)],
                 [(event["title"] or "(untitled event)", None)]]  # fmt: skip
        if isinstance(event.get("summary"), str) and event["summary"]:
            lines.append([(event["summary"], None)])
        if isinstance(event.get("first_period"), str) and event["first_period"]:
            lines.append([(f"First quarter on the new basis: {event['first_period']}", None)])
        source = event.get("source")
        lines.append([("Source: ", None), *_linked(source)] if isinstance(source, str) and source else [("Source: not given", None)])
        return lines

    def _rows_html(self) -> str:
        if self._rows.empty:
            return "<p><em>No figures behind this view.</em></p>"
        rows = self._rows.sort_values(["period_end", "segment"], kind="stable")
        head = ["quarter", "quarter end", "segment as printed", "value", "unit", "basis", "source", "published", "note"]
        body = []
        for row in rows.itertuples(index=False):
            note = row.note if isinstance(row.note, str) else ""
            cells = [html.escape(row.fiscal_period), f"{row.period_end:%Y-%m-%d}", html.escape(row.segment_label),
                     _number_text(row.value), html.escape(row.unit), html.escape(row.basis), _html_segments(_linked(row.source)),
                     f"{row.published:%Y-%m-%d}", html.escape(note)]  # fmt: skip
            body.append("<tr>" + "".join(f'<td style="{WIDE if i in (2, 6, 8) else NARROW}">{c}</td>' for i, c in enumerate(cells)) + "</tr>")
        secondary = int(rows["note"].fillna("").str.contains("secondary", case=False).sum())
        return (
            f"<details open><summary>The {len(rows)} figures behind this view, with their sources "
            f"({secondary} from secondary sources)</summary>"
            '<div style="max-height:18rem;overflow:auto"><table style="border-collapse:collapse;font-size:0.8rem;line-height:1.3;width:100%">'
            "<thead><tr>" + "".join(f'<th style="{NARROW};position:sticky;top:0;background:white">{h}</th>' for h in head)
            + "</tr></thead><tbody>" + "".join(body) + "</tbody></table></div></details>"
        )  # fmt: skip

    def _printed_html(self) -> str:
        """The names the figures were printed under, each run of quarters in time order (a name may come back)."""
        if self._rows.empty:
            return ""
        order = {segment: i for i, segment in enumerate(self._segments)}
        rows = self._rows.assign(_order=self._rows["segment"].map(order)).sort_values(["_order", "period_end"], kind="stable")
        runs: list[list[str]] = []  # [segment, label, first quarter, last quarter]
        for segment, label, quarter in zip(rows["segment"], rows["segment_label"], rows["fiscal_period"]):
            if runs and runs[-1][:2] == [segment, label]:
                runs[-1][3] = quarter
            else:
                runs.append([segment, label, quarter, quarter])
        parts = [f"{html.escape(label)} ({first if first == last else first + DASH + last})" for _, label, first, last in runs]
        return f'<div style="font-size:0.85rem;color:#555">Printed as: {"; ".join(parts)}</div>'

    def _point_position(self, quarter, segment: str | None = None) -> tuple[float, float]:
        """Where a quarter's point is on the canvas, in CSS pixels from its top left corner (for browser tests)."""
        self.figure.draw_without_rendering()  # the layout engine places the axes on draw
        end = fiscal.quarter_end(quarter)
        points = self._points[(self._points["period_end"] == end) & ~self._points["gap"]]
        if segment is not None:
            points = points[points["segment"] == segment]
        x, y = self._display_xy(points.iloc[[0]])[0]
        ratio = self.figure.dpi / 100
        return float(x / ratio), float((self.figure.bbox.height - y) / ratio)

    # --------------------------------------------------------------- save

    def save(self, folder) -> list[Path]:
        """Write the view into ``folder``: ``chart.png``, ``chart.svg`` and ``figures.csv`` (its rows with sources).

        Like ``alibiz report``, it writes into a fresh folder beside it and swaps it
        in whole; an earlier saved view is replaced, a folder holding anything
        else is refused. The chart is drawn anew at the report's size and
        resolution, so the files do not depend on the screen. Returns the files.
        """
        if self._rows.empty:
            raise plotting.NoFigures(f"nothing to save: {self._no_figures_text()}".replace("\n", " "))
        out = Path(folder).expanduser().absolute()
        files.check_place(out, max(map(len, VIEW_FILES)))
        rows = self._rows.sort_values(["period_end", "segment"], kind="stable")
        files.recover(out)
        files.check_replaceable(out, what="a saved view", short="the view", not_earlier=_not_a_view)
        with files.staged(out) as staging, plotting.style():
            figure = Figure(figsize=plotting.METRIC_FIGSIZE, layout="constrained")
            FigureCanvasAgg(figure)
            plotting.plot_metric(**self.plot_options, ax=figure.add_subplot())
            plotting.save_figure(figure, staging / "chart")
            files.write_figures_csv(rows, staging / "figures.csv")
        return [out / name for name in VIEW_FILES]

    def _on_save(self, _button) -> None:
        folder = self._folder.value.strip()
        if not folder:
            self._status.value = '<span style="color:#D55E00">Name a folder to save into first.</span>'
            return
        try:
            written = self.save(folder)
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            self._status.value = f'<span style="color:#D55E00">Not saved into {html.escape(folder)}: {html.escape(reason)}</span>'
        else:
            self._status.value = f"Saved {', '.join(p.name for p in written)} into {html.escape(str(written[0].parent))}"

    # ------------------------------------------------------------ display

    def __repr__(self) -> str:
        state = ", ".join(f"{name}={getattr(self, name)!r}" for name in ("segment", "metric", "basis", "kinds", "start", "end", "stitch"))
        return f"Explorer({state})"

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, with the chart as a PNG for viewers without widgets (a rendered notebook)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=100)
        bundle["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        return bundle


# ---------------------------------------------------------------- helpers


NARROW = "text-align:left;vertical-align:top;padding:0.1rem 0.4rem;white-space:nowrap"  # a cell of the rows table
WIDE = "text-align:left;vertical-align:top;padding:0.1rem 0.4rem;overflow-wrap:anywhere"  # label, source, note: they wrap


def _quarters_of(metrics: pd.DataFrame) -> list[str]:
    if metrics.empty:
        return []
    return [fiscal.label(q) for q in fiscal.quarter_range(metrics["period_end"].min(), metrics["period_end"].max())]


def _quarter_of(value) -> str:
    """The fiscal label of a label, a Period, or any date inside the quarter.

    >>> _quarter_of("FY25Q2"), _quarter_of("2021-01-01")
    ('FY2025Q2', 'FY2021Q4')

    A number is refused: pandas would read 2021 as nanoseconds after 1970.
    """
    if isinstance(value, (int, float, np.number)):
        raise TypeError(f"got the number {value!r} (write 'FY2021Q1' or '2021-01-01')")
    if isinstance(value, pd.Period) or (isinstance(value, str) and value.upper().startswith("FY")):
        return fiscal.label(value)
    try:
        date = pd.Timestamp(value)
    except (ValueError, TypeError):
        date = pd.NaT
    if pd.isna(date):
        raise ValueError(f"got {value!r}, neither a label nor a date")
    return fiscal.label(pd.Period(date, freq=fiscal.FREQ))


def _number_text(value: float) -> str:
    """A figure as published, with thousands separators: 31,672, -2,905, 5.2."""
    text = files.as_written(float(value))
    whole, dot, fraction = text.partition(".")
    return f"{int(whole):,}" + dot + fraction if whole.lstrip("-").isdigit() else text


def _value_text(value: float, unit: str) -> str:
    """A value with its unit, as a reader says it.

    >>> _value_text(31672.0, "RMB_mn"), _value_text(-2905.0, "RMB_mn"), _value_text(29.0, "pct")
    ('RMB 31,672 million', 'RMB -2,905 million', '29%')
    """
    return UNIT_FORMATS.get(unit, "{} " + unit).format(_number_text(value))


def _linked(text) -> list[tuple[str, str | None]]:
    """Text cut into pieces, the addresses in it as (address, address) for a link."""
    text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    pieces, at = [], 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(".")
        pieces += [(text[at : match.start()], None), (url, url)]
        at = match.start() + len(url)
    pieces.append((text[at:], None))
    return [p for p in pieces if p[0]]


def _html_segments(pieces) -> str:
    return "".join(
        f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">{html.escape(text)}</a>' if url else html.escape(text)
        for text, url in pieces
    )


def _html_lines(lines) -> str:
    """The details as HTML: one line a row, the first in bold."""
    rows = [_html_segments(line) for line in lines]
    if len(rows) > 1:
        rows[0] = f"<strong>{rows[0]}</strong>"
    return '<div style="font-size:0.85rem;line-height:1.35;overflow-wrap:anywhere">' + "<br>".join(rows) + "</div>"


def _text_lines(lines) -> str:
    return "\n".join("".join(text for text, _ in line) for line in lines)


def _not_a_view(out: Path, entries: list[Path]) -> list[str]:
    """What makes a folder not an earlier saved view (nothing: it is one): files other than
    the view's, or a ``figures.csv`` that does not start with the header Save writes (a
    folder of the user's own ``chart.png`` is not one: then every file is named)."""
    others = [p.name for p in entries if p.name not in VIEW_FILES or not p.is_file() or p.is_symlink()]
    if not others and not _starts_with(out / "figures.csv", ",".join(files.FIGURES_COLUMNS) + "\n"):
        others = [p.name for p in entries]
    return others


def _starts_with(path: Path, text: str) -> bool:
    """Whether the file exists and begins with ``text`` (UTF-8)."""
    try:
        with path.open("rb") as file:
            return file.read(len(text.encode())) == text.encode()
    except FileNotFoundError:
        return False
