"""Derived series: one metric of one lineage over the quarters, ready to chart.

>>> s = series("aidc", "adjusted_ebita")
>>> s.attrs["unit"]
'RMB_mn'
"""

from __future__ import annotations

import pandas as pd

from alibiz import fiscal
from alibiz.load import BASES, load_metric_registry, load_metrics


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
    ``basis`` picks ``as_reported`` (first prints, the default) or ``restated``.
    ``attrs`` carry the unit, the as-printed labels and the fiscal labels.

    >>> series("aidc", "revenue").loc["2024-09-30"]
    np.float64(31672.0)
    """
    frame = load_metrics() if metrics is None else metrics
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}, got {basis!r}")
    registry = load_metric_registry().set_index("metric")
    if metric not in registry.index:
        raise KeyError(f"unknown metric {metric!r}; known: {sorted(registry.index)}")
    rows = frame[(frame["segment"] == segment) & (frame["metric"] == metric) & (frame["basis"] == basis)]
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
    quarters = [fiscal.label(p) for p in fiscal.quarter_range(frame["period_end"].min(), frame["period_end"].max())]
    reported = frame.assign(mark=frame["basis"].map({"as_reported": "x", "restated": "r"}))
    # 'x' sorts after 'r': the max is 'x' wherever a first print exists
    grid = reported.pivot_table(index=["segment", "metric"], columns="fiscal_period", values="mark", aggfunc="max")
    return grid.reindex(columns=quarters).fillna("").rename_axis(columns="fiscal_period")
