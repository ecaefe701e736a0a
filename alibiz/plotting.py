"""Charts of segment metrics, annotated with the reorganizations.

Quarters sit at their quarter-end dates on a real date axis, ticks read
``FY25Q2``, and events are drawn at their exact dates, numbered above the
plot and listed in a key under it. Every function takes ``ax=`` (or makes a
figure), draws inside :func:`style`, and returns what it drew on.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> ax = plot_metric("aidc", "revenue_yoy")
>>> ax.get_ylabel()
'% year over year'
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterable, Sequence

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

from alibiz import fiscal, fonts
from alibiz.analysis import figures, series
from alibiz.events import select_events, touches
from alibiz.load import load_events, load_metric_registry, load_metrics, load_segments

# Colours from the Okabe-Ito palette (safe for colour blindness), each with a
# line style or hatch so that the charts also read in greyscale.
INK = "#222222"
PROFIT = "#0072B2"
LOSS = "#D55E00"
LINES = [("#0072B2", "o", "-"), ("#D55E00", "s", "--"), ("#009E73", "^", "-."), ("#CC79A7", "D", ":")]
REPORTING = dict(color="#444444", linestyle="--", linewidth=1.1)
OTHER_EVENT = dict(color="#999999", linestyle=":", linewidth=1.0)

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "legend.frameon": False,
    "svg.hashsalt": "alibiz",
    "svg.fonttype": "path",
    "path.simplify": False,
    "hatch.linewidth": 0.8,
    "text.parse_math": False,  # a label's '$' is a dollar sign, never the start of a formula
}


METRIC_FIGSIZE = (9, 4.2)  # inches: plot_metric's figure when it makes one


class NoFigures(ValueError):
    """The data has no figure for what was asked to be drawn."""


@contextlib.contextmanager
def style():
    """The charts' look, as a context: ``with alibiz.style(): ...``.

    Matplotlib's defaults plus fixed fonts and colours and the settings that
    make saved files reproducible, whatever style is set outside; nothing
    outside the ``with`` block is changed.
    """
    interactive = mpl.rcParams["interactive"]
    try:
        with mpl.rc_context():
            # start from matplotlib's defaults, so that a style set elsewhere
            # (a notebook's, a test harness's) cannot change the charts
            mpl.rcdefaults()
            mpl.rcParams.update(RC)
            try:
                yield
            finally:
                # a backend loaded inside the block (IPython's inline backend on the
                # first chart) switches interactive mode on: that is its setting, keep it
                interactive = mpl.rcParams["interactive"]
    finally:
        mpl.rcParams["interactive"] = interactive


# No software version or date in a saved file: the same data gives the same bytes.
METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


def save_figure(figure: Figure, stem, formats: Iterable[str] = ("png", "svg")) -> None:
    """Save ``figure`` as ``stem.png`` and ``stem.svg`` (or ``formats``), reproducibly,
    cut to what is drawn as ``bbox_inches="tight"`` cuts it.

    The figure is laid out and measured once, at the PNG's resolution, for all
    its files: left to ``savefig(bbox_inches="tight")``, every file draws the
    figure twice and the layout engine runs on each draw (four text-measuring
    passes and two extra draws for a PNG and an SVG instead of one of each).
    The figure is left as saved: at the PNG's resolution, its layout engine
    switched off. A figure on screen should be saved as a fresh copy.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save_figure(plot_metric("aidc", "revenue_yoy").figure, folder / "aidc")
    >>> sorted(p.name for p in folder.iterdir())
    ['aidc.png', 'aidc.svg']
    """
    with style():  # svg.hashsalt applies when the file is written
        figure.set_dpi(mpl.rcParams["savefig.dpi"])
        engine = figure.get_layout_engine()
        if engine is not None:
            engine.execute(figure)
            figure.set_layout_engine("none")
        area = figure.get_tightbbox(figure.canvas.get_renderer()).padded(mpl.rcParams["savefig.pad_inches"])
        for fmt in formats:
            figure.savefig(f"{stem}.{fmt}", format=fmt, bbox_inches=area, metadata=METADATA[fmt])


@dataclass(frozen=True)
class _Metric:
    name: str
    kind: str
    unit: str
    axis_label: str


def _metric(metric: str) -> _Metric:
    registry = load_metric_registry().set_index("metric")
    if metric not in registry.index:
        raise KeyError(f"unknown metric {metric!r}; known: {sorted(registry.index)}")
    row = registry.loc[metric]
    return _Metric(row["name"], row["kind"], row["unit"], row["axis_label"])


def _segment_name(segment: str) -> str:
    names = load_segments().set_index("segment")["name"]
    if segment not in names.index:
        raise KeyError(f"unknown segment {segment!r}; known: {sorted(names.index)}")
    return names[segment]


# ------------------------------------------------------------------ events


def _events_frame(events) -> pd.DataFrame:
    """Events as a frame shaped like :func:`alibiz.load_events`, from any accepted form.

    ``events`` may be ``None`` (no events), ``"default"`` (the bundled events),
    such a frame, or dates (then drawn as unlabelled reorganizations of the
    whole group, so that every chart keeps them).
    """
    if isinstance(events, str):
        if events != "default":
            raise ValueError(f"events must be 'default', a frame, dates or None, got {events!r}")
        return load_events()
    if isinstance(events, pd.DataFrame):
        return events
    dates = pd.DatetimeIndex(pd.to_datetime(list(events or []))).sort_values()
    return pd.DataFrame({"date": dates, "kind": "reorg", "title": "", "segments": "group", "first_period": None})


def _draw_events(axes: Sequence[Axes], events: pd.DataFrame) -> list[tuple[int, pd.Series]]:
    """Vertical lines on every axes, numbers above the first; returns (number, event) in order."""
    top = axes[0]
    numbered = []
    for number, (_, event) in enumerate(_within_xlim(top, events).iterrows(), start=1):
        line = REPORTING if event["kind"] == "segment_reporting" else OTHER_EVENT
        for ax in axes:
            ax.axvline(event["date"], zorder=1, **line)
        numbered.append((number, event))
    _number_events(top, numbered)
    return numbered


def _within_xlim(ax: Axes, events: pd.DataFrame) -> pd.DataFrame:
    """The events inside the x range of ``ax``: the ones drawn, in the order they are numbered."""
    lo, hi = ax.get_xlim()
    return events[(mdates.date2num(events["date"]) >= lo) & (mdates.date2num(events["date"]) <= hi)]


def _number_events(ax: Axes, numbered: list[tuple[int, pd.Series]]) -> None:
    """Numbers above the plot, staggered in fixed levels so none overlaps another."""
    fig = ax.figure
    transform = mpl.transforms.blended_transform_factory(ax.transData, ax.transAxes)
    width_px = 15 / 72 * fig.dpi  # a two-digit number in its box, with a margin
    level_ends: list[float] = []
    for number, event in numbered:
        x = ax.transData.transform((mdates.date2num(event["date"]), 0))[0]
        level = next((i for i, end in enumerate(level_ends) if end < x - width_px / 2), len(level_ends))
        if level == len(level_ends):
            level_ends.append(x + width_px / 2)
        level_ends[level] = x + width_px / 2
        box = "square,pad=0.25" if event["kind"] == "segment_reporting" else "circle,pad=0.2"
        ax.text(
            event["date"], 1.03 + 0.075 * level, str(number), transform=transform, ha="center", va="bottom",
            fontsize=7, color=INK, clip_on=False, zorder=5,
            bbox=dict(boxstyle=box, facecolor="white", edgecolor=REPORTING["color"], linewidth=0.8),
        )  # fmt: skip
        ax.plot([event["date"]] * 2, [1.0, 1.03 + 0.075 * level], transform=transform,
                clip_on=False, color=REPORTING["color"], linewidth=0.6)  # fmt: skip
    ax.set_title(ax.get_title(loc="left"), loc="left", pad=8 + 18 * len(level_ends))


# Below the axes: the x tick labels (8 pt) with their ticks and padding take
# about 17 points; text placed under the plot starts below them.
_BELOW_TICK_LABELS = -24


def _under(ax: Axes, anchor, text: str, **kwargs):
    """Text placed under ``anchor`` (a text artist), or under the x tick labels of ``ax``.

    The offsets are fixed in points, so the placement costs no layout pass.
    """
    xy, offset = ((0, 0), (0, -6)) if anchor is not None else ((0, 0), (0, _BELOW_TICK_LABELS))
    return ax.annotate(
        text, xy=xy, xycoords=anchor if anchor is not None else "axes fraction", xytext=offset,
        textcoords="offset points", ha="left", va="top", annotation_clip=False, **kwargs,
    )  # fmt: skip


def _event_key(ax: Axes, numbered: list[tuple[int, pd.Series]]):
    """The numbered events listed under the plot; returns the text (or None)."""
    if not numbered:
        return None
    lines = []
    for number, event in numbered:
        marker = "[reporting change] " if event["kind"] == "segment_reporting" else ""
        title = event["title"] if event["title"] else "event"
        lines.append(f"{number:>2}  {event['date']:%d %b %Y}  {marker}{title}")
    return _under(ax, None, "\n".join(lines), fontsize=7, color=INK, family="DejaVu Sans Mono")


# ------------------------------------------------------------------- axes


# Years between labelled ticks on a chart of more than twelve years: at most about twelve labels.
_YEARS_APART = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def _fiscal_ticks(ax: Axes, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """Quarter-end minor ticks; major ticks labelled FY25Q2, thinned to stay readable.

    Labels keep four digits (FY1799Q4) when a fiscal year of the chart falls
    outside 2000-2099, where a two-digit year would be read as another century.
    """
    quarters = fiscal.quarter_range(first, last)
    periods = [fiscal.period(q) for q in quarters]
    short = periods[0].qyear in fiscal.SHORT_YEARS and periods[-1].qyear in fiscal.SHORT_YEARS
    if len(quarters) <= 48:
        step = 1 if len(quarters) <= 12 else 2 if len(quarters) <= 20 else 4
        # anchor the labels on fiscal Q1 (30 June) so each year's label reads the same
        majors = [q for q, p in zip(quarters, periods) if (p.quarter - 1) % step == 0]
    else:  # labels on fiscal Q1 of round years: every 2, 5, 10, ... years
        apart = next((n for n in _YEARS_APART if len(quarters) / 4 / n <= 12), _YEARS_APART[-1])
        majors = [q for q, p in zip(quarters, periods) if p.quarter == 1 and p.qyear % apart == 0]
    ax.set_xticks(mdates.date2num(majors), labels=[fiscal.label(q, short=short) for q in majors])
    # a minor tick per quarter, or per fiscal year where quarters would run together
    minors = quarters if len(quarters) <= 80 else [q for q, p in zip(quarters, periods) if p.quarter == 1]
    ax.xaxis.set_minor_locator(FixedLocator(mdates.date2num(minors)))
    ax.tick_params(axis="x", which="major", labelsize=8)
    margin = pd.Timedelta(days=75)
    ax.set_xlim(first - margin, last + margin)


def _scale(metric: _Metric, values: pd.Series) -> tuple[float, str]:
    """Divisor and axis label: money in RMB bn, or RMB mn when every value is under 1 bn."""
    if metric.kind != "money":
        return 1.0, metric.axis_label
    if values.abs().max() < 1000:
        return 1.0, "RMB mn"
    return 1000.0, metric.axis_label


def _breaks(segment: str, values: pd.Series, metrics: pd.DataFrame, events: pd.DataFrame) -> list[pd.Timestamp]:
    """Quarter-end dates where the segment's definition changed: a new printed label,
    or the first quarter of a segment-reporting change that touched it."""
    rows = figures(segment, values.attrs["metric"], basis=values.attrs["basis"], metrics=metrics)
    label_changes = rows["period_end"][rows["segment_label"].ne(rows["segment_label"].shift()) & rows["segment_label"].shift().notna()]
    reporting = events[(events["kind"] == "segment_reporting") & touches(events, [segment])]
    firsts = [fiscal.quarter_end(p) for p in reporting["first_period"].dropna()]
    return sorted(set(label_changes) | set(firsts))


def _chunks(values: pd.Series, breaks: Iterable[pd.Timestamp]) -> list[pd.Series]:
    edges = [values.index[0], *[b for b in breaks if values.index[0] < b <= values.index[-1]]]
    parts = []
    for start, end in zip(edges, [*edges[1:], None]):
        part = values[values.index >= start]
        parts.append(part if end is None else part[part.index < end])
    return [p for p in parts if not p.empty]


def _source_note(ax: Axes, metrics: pd.DataFrame, shown: pd.DataFrame, anchor, ended: str = "") -> None:
    newest = fiscal.label(metrics["period_end"].max())
    secondary = int(shown["note"].fillna("").str.contains("secondary", case=False).sum())
    text = (
        "Source: Alibaba Group results announcements and filings, and outlets quoting them (alibiz dataset).\n"
        f"{secondary} of {len(shown)} figures shown come from secondary sources. Data as of {newest}. "
        "\u00d7 marks a quarter with no published figure found."
    )
    if ended:
        text += "\n" + ended
    _under(ax, anchor, text, fontsize=6.5, color="#555555")


# ------------------------------------------------------------------ drawing


def _mark_gaps(ax: Axes, missing: pd.Series, *, on_zero: bool) -> None:
    """A small grey cross for each quarter with no published figure: on the zero
    line under bars, on the bottom edge under lines. A gap is never drawn as a value."""
    dates = missing.index[missing.to_numpy()]
    if dates.empty:
        return
    transform = ax.transData if on_zero else mpl.transforms.blended_transform_factory(ax.transData, ax.transAxes)
    ax.plot(dates, [0.0 if on_zero else 0.03] * len(dates), transform=transform, linestyle="none", marker="x",
            markersize=4, color="#888888", clip_on=False, zorder=4)  # fmt: skip


def _draw_values(ax: Axes, segments: list[str], metric: str, *, basis: str, metrics, events, stitch: bool, labels=None):
    """Draw the series on ax; returns the figures shown (rows of metrics) and the first/last dates."""
    meta = _metric(metric)
    data = {s: series(s, metric, basis=basis, metrics=metrics) for s in segments}
    present = [s for s in segments if not data[s].dropna().empty]
    if not present:
        raise NoFigures(f"no {basis} figures for {metric!r} of {segments}")
    both = pd.concat([data[s] for s in present])
    divisor, ylabel = _scale(meta, both)
    first, last = both.index.min(), both.index.max()
    if meta.kind == "money" and len(present) == 1:
        values = data[present[0]] / divisor
        shown = values.dropna()
        colors = np.where(shown >= 0, PROFIT, LOSS)
        hatches = ["" if v >= 0 else "////" for v in shown]
        bars = ax.bar(shown.index, shown.to_numpy(), width=55, color=colors, edgecolor=INK, linewidth=0.4, zorder=2)
        for bar, hatch in zip(bars, hatches):
            bar.set_hatch(hatch)
        if (shown < 0).any() and (shown >= 0).any():
            ax.legend(handles=[mpl.patches.Patch(facecolor=PROFIT, edgecolor=INK, label="profit"),
                               mpl.patches.Patch(facecolor=LOSS, edgecolor=INK, hatch="////", label="loss")],
                      loc="best", fontsize=7)  # fmt: skip
    else:
        for i, segment in enumerate(present):
            color, marker, linestyle = LINES[i % len(LINES)]
            values = data[segment] / divisor
            parts = [values] if stitch else _chunks(values, _breaks(segment, values, metrics, events))
            for j, part in enumerate(parts):
                ax.plot(part.index, part.to_numpy(), color=color, marker=marker, markersize=3.5, linestyle=linestyle,
                        linewidth=1.4, label=(labels or {}).get(segment, _segment_name(segment)) if j == 0 else None,
                        zorder=3)  # fmt: skip
        if len(present) > 1:
            ax.legend(loc="best", fontsize=7)
    _mark_gaps(ax, pd.concat([data[s] for s in present], axis=1, sort=True).isna().all(axis=1), on_zero=meta.kind == "money")
    values = both / divisor
    if meta.kind == "money" or (values.min() < 0 < values.max()):
        ax.axhline(0, color=INK, linewidth=0.8, zorder=2)
    ax.set_ylabel(ylabel)
    return figures(present, metric, basis=basis, metrics=metrics), first, last


def plot_metric(
    segment: str | Sequence[str],
    metric: str,
    *,
    events="default",
    kinds: Iterable[str] | None = ("reorg", "segment_reporting"),
    event_segments: Iterable[str] | None = None,
    start=None,
    end=None,
    basis: str = "as_reported",
    stitch: bool = False,
    title: str | None = None,
    labels: dict[str, str] | None = None,
    metrics: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One metric over the quarters, with the reorganizations marked; returns the Axes.

    Growth and counts are lines with markers, money is bars (losses hatched
    and coloured apart from profits) on a zero line. ``segment`` may be a list
    (lines, one per lineage: e.g. the three consumer counts). The line breaks
    where the segment's definition changed (a new printed name or a
    segment-reporting change), unless ``stitch=True``; quarters without a
    published figure stay gaps. ``labels`` maps a segment id to its legend
    entry when several are drawn.

    ``events``: ``"default"`` (the bundled events), a frame like
    :func:`alibiz.load_events`, a list of dates, or ``None``. ``kinds``,
    ``event_segments``, ``start`` and ``end`` select among them (see
    :func:`alibiz.select_events`); by default the reorganizations and
    segment-reporting changes that touched the charted segments or the whole
    group (``kinds=None`` for every kind). ``start``/``end`` also limit the quarters drawn.
    ``basis``: ``as_reported`` (first prints), ``restated``, or ``stitched``
    (the restated figure where one exists, else the first print; see
    :func:`alibiz.analysis.figures`).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_metric("aidc", "adjusted_ebita", kinds=["reorg", "segment_reporting"])
    >>> ax.get_title(loc="left")  # titles sit on the left
    'Alibaba International Digital Commerce Group: Adjusted EBITA'
    """
    segments = [segment] if isinstance(segment, str) else list(segment)
    for name in segments:
        _segment_name(name)  # an unknown lineage is named, with the known ones
    frame = load_metrics() if metrics is None else metrics
    frame_in = _in_range(frame, start, end)
    chosen = _chart_events(segments, events, kinds, event_segments, start, end)
    with style():
        if ax is None:
            _, ax = plt.subplots(figsize=METRIC_FIGSIZE, layout="constrained")
        shown, first, last = _draw_values(
            ax, segments, metric, basis=basis, metrics=frame_in, events=chosen, stitch=stitch, labels=labels
        )
        _fiscal_ticks(ax, first, last)
        ax.set_title(title if title is not None else _default_title(segments, metric, shown))
        numbered = _draw_events([ax], chosen)
        _source_note(ax, frame, shown, _event_key(ax, numbered), _ended(segments, last, frame_in, chosen))
    fonts.check(ax.figure)  # CJK and emoji from an installed font; a warning if none has them
    return ax


def _in_range(frame: pd.DataFrame, start, end) -> pd.DataFrame:
    """The figures of the quarters ending from ``start`` to ``end`` (inclusive; None leaves a side open)."""
    if start is None and end is None:
        return frame
    lo = pd.Timestamp(start) if start is not None else frame["period_end"].min()
    hi = pd.Timestamp(end) if end is not None else frame["period_end"].max()
    return frame[(frame["period_end"] >= lo) & (frame["period_end"] <= hi)]


def _ended(segments: list[str], last, metrics: pd.DataFrame, events: pd.DataFrame) -> str:
    """Why one segment's figures stop before the data does, when a reporting change says so; else ''."""
    if len(segments) != 1 or last >= metrics["period_end"].max():
        return ""
    later = events[(events["kind"] == "segment_reporting") & (events["first_period"].fillna("") > fiscal.label(last))]
    if later.empty:
        return ""
    change = later.iloc[0]
    return (f"Last reported for {fiscal.label(last)}: from {change['first_period']} the reporting change of "
            f"{change['date']:%d %b %Y} ({change['title']}) replaced the segment.")  # fmt: skip


def _default_title(segments: list[str], metric: str, shown: pd.DataFrame) -> str:
    """'Name: Metric' for one lineage, the metric's name for several.

    The name is the one printed for the newest quarter drawn, so a chart of
    older data keeps the name its figures were published under.
    """
    name = _metric(metric).name
    if len(segments) != 1:
        return name
    newest = shown.sort_values("period_end", kind="stable")["segment_label"].iloc[-1]
    return f"{newest}: {name}"


def _choose_events(events, kinds, segments, start, end) -> pd.DataFrame:
    return select_events(_events_frame(events), kinds=kinds, segments=segments, start=start, end=end)


def _chart_events(segments: list[str], events, kinds, event_segments, start, end) -> pd.DataFrame:
    """The events :func:`plot_metric` marks on a chart of ``segments`` (before the x range trims them)."""
    if event_segments is None and "group" not in segments:
        event_segments = segments  # the group's chart takes every event
    return _choose_events(events, kinds, event_segments, start, end)


CONSUMERS = {"group": "Global", "china_ecommerce": "China", "aidc": "Overseas"}
DASHBOARD = [
    ("aidc", "revenue_yoy", "AIDC revenue growth"),
    ("aidc", "adjusted_ebita", "AIDC adjusted EBITA"),
    ("china_ecommerce", "cmr_yoy", "Customer management revenue growth"),
    (list(CONSUMERS), "aac", "Annual active consumers"),
]


def dashboard(*, events="default", kinds=("reorg", "segment_reporting"), metrics=None, fig: Figure | None = None) -> Figure:
    """The four families on one time axis with the same events; returns the Figure.

    AIDC revenue growth, AIDC adjusted EBITA, CMR growth and annual active
    consumers, one panel each, sharing the quarters and the numbered events.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> len(dashboard().axes)
    4
    """
    frame = load_metrics() if metrics is None else metrics
    chosen = _choose_events(events, kinds, None, None, None)
    with style():
        if fig is None:
            fig = plt.figure(figsize=(9, 10.5), layout="constrained")
        axes = fig.subplots(len(DASHBOARD), 1, sharex=True)
        shown_all, firsts, lasts = [], [], []
        for ax, (segment, metric, title) in zip(axes, DASHBOARD):
            segments = [segment] if isinstance(segment, str) else segment
            ax.set_title(title, fontsize=10)
            try:
                shown, first, last = _draw_values(
                    ax, segments, metric, basis="as_reported", metrics=frame, events=chosen, stitch=False, labels=CONSUMERS
                )
            except NoFigures:
                ax.text(0.5, 0.5, "no published figures in the data", transform=ax.transAxes, ha="center", color="#555555")
                continue
            shown_all.append(shown)
            firsts.append(first)
            lasts.append(last)
        if not firsts:
            raise NoFigures("no figures for any panel of the dashboard")
        _fiscal_ticks(axes[0], min(firsts), max(lasts))
        for ax in axes[:-1]:
            ax.tick_params(axis="x", which="both", labelbottom=False)
        numbered = _draw_events(list(axes), chosen)
        fig.suptitle("Alibaba Group: the four families through the reorganizations", x=0.01, ha="left", fontsize=12, fontweight="bold")
        _source_note(axes[-1], frame, pd.concat(shown_all), _event_key(axes[-1], numbered))
    fonts.check(fig)  # CJK and emoji from an installed font; a warning if none has them
    return fig


def plot_event_study(study: pd.DataFrame, *, title: str | None = None, ylabel: str | None = None, ax: Axes | None = None) -> Axes:
    """Before and after means of an :func:`alibiz.event_study`, one row per event; returns the Axes.

    A hollow marker for the mean before, a filled one for the mean after,
    joined by an arrow; events whose windows hold no figure on a side are
    listed with "no data" instead of a marker. Missing quarters are counted
    beside each row.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from alibiz.analysis import event_study
    >>> ax = plot_event_study(event_study("aidc", "revenue_yoy"))
    >>> ax.get_xlabel()
    'mean over the window'
    """
    rows = study.sort_values("date", kind="stable").reset_index(drop=True)
    with style():
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.6), layout="constrained")
        y = np.arange(len(rows))[::-1]
        for yi, row in zip(y, rows.itertuples(index=False)):
            before, after = row.mean_before, row.mean_after
            if pd.notna(before) and pd.notna(after):
                ax.annotate("", xy=(after, yi), xytext=(before, yi),
                            arrowprops=dict(arrowstyle="->", color="#777777", linewidth=1.0))  # fmt: skip
            if pd.notna(before):
                ax.plot(before, yi, marker="o", markersize=6, markerfacecolor="white", markeredgecolor=PROFIT, linestyle="none", zorder=3)
            if pd.notna(after):
                ax.plot(after, yi, marker="o", markersize=6, color=LOSS, linestyle="none", zorder=3)
            gaps = f"missing: {row.missing_before} before, {row.missing_after} after"
            if pd.isna(before) or pd.isna(after):
                gaps = "no data on one side; " + gaps
            ax.annotate(gaps, xy=(1.01, yi), xycoords=("axes fraction", "data"), va="center", fontsize=7, color="#555555",
                        annotation_clip=False)  # fmt: skip
        shorten = lambda text: text if len(text) <= 46 else text[:45].rstrip() + "\u2026"  # noqa: E731
        labels = [f"{row.date:%b %Y}  {shorten(str(row.title))}" for row in rows.itertuples(index=False)]
        ax.set_yticks(y, labels, fontsize=7.5)
        ax.grid(axis="x", color="#dddddd")
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("mean over the window")
        if ylabel:
            ax.set_xlabel(f"mean over the window ({ylabel})")
        handles = [
            mpl.lines.Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor=PROFIT, linestyle="none", label="before"),
            mpl.lines.Line2D([], [], marker="o", color=LOSS, linestyle="none", label="after"),
        ]
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=7)
        if title:
            ax.set_title(title, loc="left", pad=22)
    fonts.check(ax.figure)  # CJK and emoji from an installed font; a warning if none has them
    return ax
