"""Derived series: one metric of one lineage over the quarters, ready to chart.

>>> s = series("aidc", "adjusted_ebita")
>>> s.attrs["unit"]
'RMB_mn'
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alibiz import fiscal
from alibiz.load import BASES, load_events, load_metric_registry, load_metrics


SERIES_BASES = (*BASES, "stitched")


def figures(segment, metric: str, *, basis: str = "as_reported", metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows behind :func:`series` (and behind a chart): one lineage's (or several's) figures of one metric.

    ``basis``: ``as_reported`` (first prints), ``restated``, or ``stitched``:
    per quarter the restated figure where a later release recast it, else the
    first print (:func:`stitched`'s ``prefer_restated`` rule). Each row keeps
    its own ``basis``, label and source; rows come in time order.

    >>> rows = figures("aidc", "revenue", basis="stitched")
    >>> sorted(set(rows["basis"]))
    ['as_reported', 'restated']
    """
    frame = load_metrics() if metrics is None else metrics
    if basis not in SERIES_BASES:
        raise ValueError(f"basis must be one of {SERIES_BASES}, got {basis!r}")
    known = load_metric_registry()["metric"]
    if metric not in set(known):
        raise KeyError(f"unknown metric {metric!r}; known: {sorted(known)}")
    segments = [segment] if isinstance(segment, str) else list(segment)
    rows = frame[frame["segment"].isin(segments) & (frame["metric"] == metric)]
    if basis != "stitched":
        return rows[rows["basis"] == basis].sort_values("period_end", kind="stable")
    rank = rows["basis"].map({"restated": 0, "as_reported": 1})
    ranked = rows.assign(_rank=rank).sort_values(["period_end", "_rank"], kind="stable")
    chosen = ranked.drop_duplicates(["segment", "period_end"]).drop(columns="_rank")
    return chosen.sort_index().sort_values("period_end", kind="stable")  # in a quarter, in file order


def series(
    segment: str,
    metric: str,
    *,
    basis: str = "as_reported",
    metrics: pd.DataFrame | None = None,
) -> pd.Series:
    """One metric of one lineage, indexed by quarter-end date, gaps kept as NaN.

    The index runs over every quarter from the first figure to the last, so a
    quarter with no published figure is present and NaN (a chart shows the gap).
    ``basis`` picks ``as_reported`` (first prints, the default), ``restated``
    or ``stitched`` (see :func:`figures`).
    ``attrs`` carry the unit, the as-printed labels and the fiscal labels.

    >>> series("aidc", "revenue").loc["2024-09-30"]
    np.float64(31672.0)
    """
    rows = figures(segment, metric, basis=basis, metrics=metrics)
    registry = load_metric_registry().set_index("metric")
    values = rows.set_index("period_end")["value"].sort_index()
    if not values.empty:
        values = values.reindex(pd.DatetimeIndex(fiscal.quarter_range(values.index[0], values.index[-1]), name="period_end"))
    else:
        values.index = pd.DatetimeIndex([], name="period_end")
    values.name = f"{segment}.{metric}"
    values.attrs = {
        "segment": segment,
        "metric": metric,
        "basis": basis,
        "unit": registry.loc[metric, "unit"],
        "labels": sorted(set(rows["segment_label"].dropna())),
    }
    return values


def coverage(metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which (segment, metric) pairs have figures for which fiscal quarters.

    One row per (segment, metric), one column per fiscal quarter from the first
    to the last in the data; a cell is ``"x"`` where a figure as first reported
    exists, ``"r"`` where only a restated one does, ``""`` where none does.

    >>> grid = coverage()
    >>> grid.loc[("aidc", "revenue"), "FY2025Q2"]
    'x'
    """
    frame = load_metrics() if metrics is None else metrics
    if frame.empty:  # a file of only a header: no pairs, no quarters
        index = pd.MultiIndex.from_arrays([[], []], names=["segment", "metric"])
        return CoverageGrid(pd.DataFrame(index=index, columns=pd.Index([], name="fiscal_period"), dtype=object))
    quarters = [fiscal.label(p) for p in fiscal.quarter_range(frame["period_end"].min(), frame["period_end"].max())]
    reported = frame.assign(mark=frame["basis"].map({"as_reported": "x", "restated": "r"}))
    # 'x' sorts after 'r': the max is 'x' wherever a first print exists
    grid = reported.pivot_table(index=["segment", "metric"], columns="fiscal_period", values="mark", aggfunc="max")
    return CoverageGrid(grid.reindex(columns=quarters, fill_value="").fillna("").rename_axis(columns="fiscal_period"))


_QUARTER = re.compile(r"FY[0-9]{4}Q[1-4]")  # a coverage grid's column
COVERAGE_COLOURS = {"x": ("#0072B2", "white", "first print"), "r": ("#9ecae1", "#222222", "restated only"),
                    "": ("#f2f2f2", "#222222", "no figure")}  # fmt: skip


class CoverageGrid(pd.DataFrame):
    """The frame :func:`coverage` returns: a notebook shows it as a coloured grid.

    A plain DataFrame in every other way: its text is a DataFrame's, and
    anything computed from it (``grid.loc["aidc"]``) is a plain DataFrame;
    ``CoverageGrid(frame)`` colours such a selection again.

    >>> "first print" in coverage()._repr_html_()
    True
    """

    @property
    def _constructor(self):
        return pd.DataFrame

    def _repr_html_(self) -> str:
        if self.empty:
            return "<p><em>No figures match.</em></p>"
        quarters = all(isinstance(q, str) and _QUARTER.fullmatch(q) for q in self.columns)
        if not quarters or not all(isinstance(v, str) and v in COVERAGE_COLOURS for v in self.to_numpy(dtype=object).ravel()):
            return super()._repr_html_()  # not marks by quarter (a transposed or recomputed grid): a plain table
        e = html.escape
        years = [f"FY{q[2:6]}" for q in self.columns]
        spans = list(dict.fromkeys(years))
        levels = self.index.nlevels
        head = f'<tr><th colspan="{levels}"></th>' + "".join(f'<th colspan="{years.count(y)}">{y}</th>' for y in spans) + "<th></th></tr>"
        head += "<tr>" + "".join(f"<th>{e(str(name or ''))}</th>" for name in self.index.names)
        head += "".join(f"<th>{e(q[-1])}</th>" for q in self.columns) + "<th>n</th></tr>"
        body = []
        for key, row in self.iterrows():
            names = "".join(f'<td style="text-align:left">{e(str(k))}</td>' for k in (key if isinstance(key, tuple) else (key,)))
            cells = "".join(
                f'<td style="background:{COVERAGE_COLOURS[v][0]};color:{COVERAGE_COLOURS[v][1]}" title="{e(q)}: {COVERAGE_COLOURS[v][2]}">{e(v)}</td>'
                if v else f'<td style="background:{COVERAGE_COLOURS[""][0]}"></td>'
                for q, v in row.items()
            )
            body.append(f"<tr>{names}{cells}<td>{int((row != '').sum())}/{len(row)}</td></tr>")
        key = " ".join(f'<span style="background:{bg};color:{fg};padding:0 4px">{mark or "&nbsp;"}</span> {name}'
                       for mark, (bg, fg, name) in COVERAGE_COLOURS.items())  # fmt: skip
        return (f'<table style="font-size:0.75rem;text-align:center"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'
                f'<p style="font-size:0.8rem">{key}</p>')  # fmt: skip


def coverage_text(grid: pd.DataFrame | None = None) -> str:
    """The coverage grid as text: a column a quarter, grouped by fiscal year.

    Marks: 'x' first print, 'r' restated only, '.' no figure; the last column
    counts the quarters with a figure. This is what ``alibiz coverage`` prints.

    >>> print(coverage_text().splitlines()[1][:15])
    segment  metric
    """
    grid = coverage() if grid is None else grid
    if grid.empty:
        return "no figures match"
    # FY25 for fiscal years 2000-2099; four digits when any year falls outside (FY99 would read as 2099),
    # each year's column then as wide as its label
    short = all(int(q[2:6]) in fiscal.SHORT_YEARS for q in grid.columns)
    years = [f"FY{q[4:6]}" if short else q[:6] for q in grid.columns]
    width = max(len("segment  metric"), *(len(f"{s}  {m}") for s, m in grid.index)) + 2  # the heading fits too
    spans, line_years, line_quarters = [], "", ""
    for year in dict.fromkeys(years):
        quarters = [q[-1] for q, y in zip(grid.columns, years) if y == year]
        columns = len(quarters) + 1 if short else max(len(quarters), len(year)) + 1
        line_years += f"{year:<{columns}}"
        line_quarters += f"{''.join(quarters):<{columns}}"
        spans.append((len(quarters), columns))
    lines = [" " * width + line_years.rstrip(), f"{'segment  metric':<{width}}" + line_quarters + "n"]
    for (segment, metric), row in grid.iterrows():
        marks, start = "", 0
        for span, columns in spans:
            marks += f"{''.join(v or '.' for v in row.iloc[start : start + span]):<{columns}}"
            start += span
        filled = int((row != "").sum())
        lines.append(f"{segment + '  ' + metric:<{width}}{marks}{filled}/{len(row)}")
    lines.append("x first print   r restated only   . no figure")
    return "\n".join(lines)


def latest_figures(quarter=None, *, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """The figures of one quarter (default: the newest), a row per segment, a column per metric.

    First prints only; empty where nothing was published.

    >>> latest_figures("FY2025Q2").loc["aidc", "revenue"]
    np.float64(31672.0)
    """
    frame = load_metrics() if metrics is None else metrics
    end = frame["period_end"].max() if quarter is None else fiscal.quarter_end(quarter)
    rows = frame[(frame["period_end"] == end) & (frame["basis"] == "as_reported")]
    table = rows.pivot_table(index="segment", columns="metric", values="value", aggfunc="first")
    order = [m for m in load_metric_registry()["metric"] if m in table.columns]
    table = table[order].rename_axis(index="segment", columns=None)
    table.attrs = {"fiscal_period": fiscal.label(end)}
    return table


# ------------------------------------------------------------ event windows


@dataclass(frozen=True)
class EventWindow:
    """A metric before and after one event.

    ``before`` and ``after`` hold the quarters used (fiscal labels) and their
    values, NaN where no figure was published; the means ignore those, and
    ``missing_before`` / ``missing_after`` count them, so a thin window says so.
    """

    date: pd.Timestamp
    transition: str
    before: pd.Series
    after: pd.Series
    include_transition: bool

    @property
    def mean_before(self) -> float:
        return float(self.before.mean())

    @property
    def mean_after(self) -> float:
        return float(self.after.mean())

    @property
    def change(self) -> float:
        return self.mean_after - self.mean_before

    @property
    def missing_before(self) -> int:
        return int(self.before.isna().sum())

    @property
    def missing_after(self) -> int:
        return int(self.after.isna().sum())

    def _repr_html_(self) -> str:
        """The two sides as a table, quarter by quarter, for a notebook.

        >>> "<td>FY2023Q2</td>" in event_window("aidc", "revenue_yoy", "2023-03-28", quarters=2)._repr_html_()
        True
        """
        side = "opens the after side" if self.include_transition else "belongs to neither side"
        number = lambda v: "no figure" if pd.isna(v) else f"{v:g}"  # noqa: E731
        rows = []
        for i in range(max(len(self.before), len(self.after))):
            cells = []
            for values in (self.before, self.after):
                cells += [values.index[i], number(values.iloc[i])] if i < len(values) else ["", ""]
            rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
        change = "no change in the mean: a side has no figure" if pd.isna(self.change) else f"change in the mean {self.change:g}"
        summary = [("mean", number(self.mean_before), number(self.mean_after)),
                   ("missing", self.missing_before, self.missing_after)]  # fmt: skip
        for name, before, after in summary:
            rows.append(f"<tr><th>{name}</th><td>{before}</td><th>{name}</th><td>{after}</td></tr>")
        return (
            f"<p><strong>Event window</strong> around {self.date:%d %b %Y}: the transition quarter "
            f"{html.escape(self.transition)} {side}; {change}</p>"
            '<table><thead><tr><th colspan="2">before</th><th colspan="2">after</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )


def _event_date(event) -> pd.Timestamp:
    """The date of an event row, an event id, or a date."""
    if isinstance(event, pd.Series):
        return pd.Timestamp(event["date"])
    if isinstance(event, str):
        dates = load_events().set_index("event_id")["date"]
        if event in dates.index:
            return pd.Timestamp(dates[event])
    try:
        return pd.Timestamp(event)
    except ValueError:
        raise KeyError(f"{event!r} is neither an event id nor a date") from None


def event_window(
    segment: str,
    metric: str,
    event,
    quarters: int = 4,
    *,
    include_transition: bool = False,
    basis: str = "as_reported",
    metrics: pd.DataFrame | None = None,
) -> EventWindow:
    """Compare a metric in the ``quarters`` quarters before an event with those after it.

    ``event`` is an event row, an event id or a date. The fiscal quarter that
    contains the date is the transition quarter: by default it belongs to
    neither side, "before" is the ``quarters`` quarters ending just before it
    and "after" the ``quarters`` quarters starting just after it. With
    ``include_transition=True`` the transition quarter opens the "after" side.
    A quarter with no figure stays in the window as NaN and is counted as missing.

    >>> w = event_window("aidc", "revenue_yoy", "2023-03-28", quarters=2)
    >>> w.transition, list(w.before.index), list(w.after.index)
    ('FY2023Q4', ['FY2023Q2', 'FY2023Q3'], ['FY2024Q1', 'FY2024Q2'])
    """
    if quarters < 1:
        raise ValueError(f"quarters must be at least 1, got {quarters}")
    date = _event_date(event)
    transition = pd.Period(date, freq=fiscal.FREQ)
    values = series(segment, metric, basis=basis, metrics=metrics)
    by_period = pd.Series(values.to_numpy(), index=values.index.to_period(fiscal.FREQ), dtype="float64")
    first_after = transition if include_transition else transition + 1
    before = [transition - quarters + i for i in range(quarters)]
    after = [first_after + i for i in range(quarters)]

    def pick(periods):
        return pd.Series([by_period.get(p, np.nan) for p in periods], index=[fiscal.label(p) for p in periods], dtype="float64")

    return EventWindow(date, fiscal.label(transition), pick(before), pick(after), include_transition)


def event_study(
    segment: str,
    metric: str,
    events: pd.DataFrame | None = None,
    quarters: int = 4,
    *,
    include_transition: bool = False,
    basis: str = "as_reported",
    metrics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`event_window` for each event: one row per event.

    ``events`` defaults to the bundled reorganizations and segment-reporting
    changes. Columns: ``event_id``, ``date``, ``title``, ``transition``, the
    first and last quarter of each side, ``mean_before``, ``mean_after``,
    ``change``, ``missing_before``, ``missing_after``.

    >>> study = event_study("aidc", "revenue_yoy", quarters=2)
    >>> {"transition", "mean_before", "mean_after", "change"} <= set(study.columns)
    True
    """
    from alibiz.events import select_events

    chosen = select_events(kinds=["reorg", "segment_reporting"]) if events is None else events
    rows = []
    for _, event in chosen.iterrows():
        w = event_window(segment, metric, event, quarters, include_transition=include_transition, basis=basis, metrics=metrics)
        rows.append({
            "event_id": event.get("event_id"), "date": w.date, "title": event.get("title"),
            "transition": w.transition,
            "before": f"{w.before.index[0]}-{w.before.index[-1]}", "after": f"{w.after.index[0]}-{w.after.index[-1]}",
            "mean_before": w.mean_before, "mean_after": w.mean_after, "change": w.change,
            "missing_before": w.missing_before, "missing_after": w.missing_after,
        })  # fmt: skip
    return pd.DataFrame(rows)


# ------------------------------------------------- growth and reconciliation

# level metric -> the growth metric printed beside it
GROWTH_OF = {"revenue": "revenue_yoy", "cmr": "cmr_yoy", "adjusted_ebita": "adjusted_ebita_yoy"}


def growth_from_levels(segment: str, metric: str = "revenue", *, basis: str = "as_reported", metrics=None) -> pd.Series:
    """Year-over-year growth in percent, computed from printed levels of one basis.

    NaN where either level is missing, and where the year-earlier level is
    zero or negative (growth of a loss is not a percentage).

    >>> g = growth_from_levels("group", "revenue")
    >>> round(g.loc["2024-09-30"], 1)
    np.float64(5.2)
    """
    levels = series(segment, metric, basis=basis, metrics=metrics)
    prior = levels.shift(4)
    growth = (levels / prior.where(prior > 0) - 1) * 100
    growth.attrs = {**levels.attrs, "metric": GROWTH_OF.get(metric, f"{metric}_yoy"), "unit": "pct"}
    return growth


def _half_unit(note) -> float:
    """How far a printed level may be from the true figure, in RMB million, judging by its note."""
    text = str(note) if pd.notna(note) else ""
    if "rounded to RMB 1 bn" in text:
        return 500.0
    if "rounded to RMB 0.1 bn" in text or "rounded" in text:
        return 50.0
    return 0.5


def reconcile(metrics=None, *, discrepancies=None) -> pd.DataFrame:
    """Printed growth beside growth computed from printed levels, every quarter where both exist.

    For each (segment, quarter) with a printed growth rate (first print) and
    both levels, computes ``level / year-earlier level - 1``. The year-earlier
    level is the restated one where a later release recast it (as the release
    itself compared against it), else its first print; ``prior_basis`` says
    which. ``difference`` is computed minus printed, in percentage points.
    ``flagged`` marks a difference beyond rounding: half a point for the
    printed rate, plus what the levels' own rounding allows (a level "rounded
    to RMB 0.1 bn" may be 50 million off). ``explained`` gives the reason: the
    year-earlier level printed under another segment name (a different basis:
    the release compared against a restated figure this data lacks), or the
    reason recorded in ``data/discrepancies.csv``.

    >>> table = reconcile()
    >>> table[table["flagged"] & table["explained"].isna()].empty
    True
    """
    from alibiz.load import load_discrepancies

    frame = load_metrics() if metrics is None else metrics
    known = load_discrepancies() if discrepancies is None else discrepancies
    reasons = known.set_index(["period_end", "segment", "metric"])["reason"]
    keyed = frame.set_index(["period_end", "segment", "metric", "basis"])
    rows = []
    for level_metric, growth_metric in GROWTH_OF.items():
        printed = frame[(frame["metric"] == growth_metric) & (frame["basis"] == "as_reported")]
        for row in printed.itertuples(index=False):
            end, segment = row.period_end, row.segment
            prior_end = fiscal.quarter_end(fiscal.period(end) - 4)
            current = keyed.loc[(end, segment, level_metric, "as_reported")] if (end, segment, level_metric, "as_reported") in keyed.index else None
            prior_basis = next((b for b in ("restated", "as_reported") if (prior_end, segment, level_metric, b) in keyed.index), None)
            if current is None or prior_basis is None:
                continue
            prior = keyed.loc[(prior_end, segment, level_metric, prior_basis)]
            if prior["value"] <= 0:
                continue
            computed = (current["value"] / prior["value"] - 1) * 100
            low = ((current["value"] - _half_unit(current["note"])) / (prior["value"] + _half_unit(prior["note"])) - 1) * 100
            high = ((current["value"] + _half_unit(current["note"])) / (prior["value"] - _half_unit(prior["note"])) - 1) * 100
            flagged = not (low - 0.5 <= row.value <= high + 0.5)
            explained = reasons.get((end, segment, growth_metric))
            if explained is None and prior["segment_label"] != current["segment_label"]:
                explained = (
                    f"year-earlier level printed as '{prior['segment_label']}', this quarter as "
                    f"'{current['segment_label']}': the release compared against a recast figure not in the data"
                )
            rows.append({
                "period_end": end, "fiscal_period": row.fiscal_period, "segment": segment,
                "metric": growth_metric, "printed": row.value, "computed": round(computed, 2),
                "difference": round(computed - row.value, 2), "level": current["value"],
                "prior_level": prior["value"], "prior_basis": prior_basis, "flagged": flagged,
                "explained": explained if flagged else None,
            })  # fmt: skip
    columns = ["period_end", "fiscal_period", "segment", "metric", "printed", "computed", "difference",
               "level", "prior_level", "prior_basis", "flagged", "explained"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).sort_values(["segment", "metric", "period_end"]).reset_index(drop=True)


# ----------------------------------------------------------- stitched series

STITCH_RULES = ("prefer_restated", "as_reported")


def stitched(segment: str, metric: str, *, rule: str = "prefer_restated", metrics=None) -> pd.DataFrame:
    """One lineage as a continuous series across segment-reporting changes.

    Per quarter, ``rule="prefer_restated"`` takes the restated figure where a
    later release recast the quarter (closest to today's definitions) and the
    first print elsewhere; ``rule="as_reported"`` takes first prints only.
    Returns a frame indexed by quarter end with ``value``, ``basis``,
    ``segment_label``, ``source`` and ``seam`` (True where the printed segment
    name differs from the previous quarter's: the definition changed there).

    >>> s = stitched("aidc", "revenue")
    >>> s.loc["2024-09-30", "value"], s.loc["2024-09-30", "basis"]
    (np.float64(31672.0), 'as_reported')
    """
    if rule not in STITCH_RULES:
        raise ValueError(f"rule must be one of {STITCH_RULES}, got {rule!r}")
    chosen = figures(segment, metric, basis="stitched" if rule == "prefer_restated" else "as_reported", metrics=metrics)
    chosen = chosen.set_index("period_end")
    out = chosen[["value", "basis", "segment_label", "source"]]
    if not out.empty:
        out = out.reindex(pd.DatetimeIndex(fiscal.quarter_range(out.index[0], out.index[-1]), name="period_end"))
    labels = out["segment_label"].ffill()
    out = out.assign(seam=labels.ne(labels.shift()) & labels.shift().notna())
    out.attrs = {"segment": segment, "metric": metric, "rule": rule}
    return out


# ------------------------------------------------------------ derived metrics


def ebita_margin(segment: str, *, basis: str = "as_reported", metrics=None) -> pd.Series:
    """Adjusted EBITA as a percent of revenue, same quarter and basis (NaN unless both exist).

    >>> round(ebita_margin("aidc").loc["2024-09-30"], 1)
    np.float64(-9.2)
    """
    ebita = series(segment, "adjusted_ebita", basis=basis, metrics=metrics)
    revenue = series(segment, "revenue", basis=basis, metrics=metrics)
    margin = (ebita / revenue.where(revenue > 0) * 100).dropna(how="all")
    margin = margin.reindex(ebita.index.union(revenue.index))
    margin.name = f"{segment}.adjusted_ebita_margin"
    margin.attrs = {"segment": segment, "metric": "adjusted_ebita_margin", "basis": basis, "unit": "pct"}
    return margin


def trailing_twelve_months(segment: str, metric: str, *, basis: str = "as_reported", metrics=None) -> pd.Series:
    """Sum of the last four quarters of a money metric; NaN unless all four were published.

    >>> ttm = trailing_twelve_months("group", "revenue")
    >>> ttm.loc["2025-03-31"] > 900_000
    np.True_
    """
    values = series(segment, metric, basis=basis, metrics=metrics)
    if values.attrs["unit"] != "RMB_mn":
        raise ValueError(f"trailing sums are for money metrics; {metric!r} is in {values.attrs['unit']!r}")
    total = values.rolling(4, min_periods=4).sum()
    total.name = f"{segment}.{metric}_ttm"
    total.attrs = {**values.attrs, "metric": f"{metric}_ttm"}
    return total


def quarter_on_quarter(segment: str, metric: str, *, basis: str = "as_reported", metrics=None) -> pd.Series:
    """Change from the previous quarter: percent for levels, percentage points for rates.

    NaN where either quarter is missing (a gap is never bridged).

    >>> round(quarter_on_quarter("group", "revenue").loc["2024-12-31"], 1)
    np.float64(18.5)
    """
    values = series(segment, metric, basis=basis, metrics=metrics)
    if values.attrs["unit"] == "pct":
        change, unit = values - values.shift(1), "pp"
    else:
        change, unit = (values / values.shift(1).where(values.shift(1) > 0) - 1) * 100, "pct"
    change.name = f"{segment}.{metric}_qoq"
    change.attrs = {**values.attrs, "metric": f"{metric}_qoq", "unit": unit}
    return change
