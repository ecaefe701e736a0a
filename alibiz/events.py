"""Events and segment lineage: which reorganizations to mark, and what a segment was called when.

>>> reorgs = select_events(kinds=["reorg"], start="2021-01-01", end="2021-12-31")
>>> reorgs["date"].dt.strftime("%Y-%m-%d").tolist()
['2021-12-06']
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from alibiz.load import EVENT_KINDS, load_events, load_segment_labels


def select_events(
    events: pd.DataFrame | None = None,
    *,
    kinds: Iterable[str] | None = None,
    segments: Iterable[str] | None = None,
    start=None,
    end=None,
) -> pd.DataFrame:
    """Events filtered by kind, by the segments they touched, and by date range (inclusive).

    ``events`` defaults to the bundled events; ``segments`` keeps an event
    that touched any of them or the whole group.

    >>> len(select_events(kinds=["segment_reporting"])) >= 3
    True
    """
    frame = load_events() if events is None else events
    keep = pd.Series(True, index=frame.index)
    if kinds is not None:
        kinds = list(kinds)
        unknown = sorted(set(kinds) - set(EVENT_KINDS))
        if unknown:
            raise ValueError(f"unknown event kind(s) {unknown}; known: {list(EVENT_KINDS)}")
        keep &= frame["kind"].isin(kinds)
    if segments is not None:
        keep &= touches(frame, set(segments) | {"group"})
    if start is not None:
        keep &= frame["date"] >= pd.Timestamp(start)
    if end is not None:
        keep &= frame["date"] <= pd.Timestamp(end)
    return frame[keep].sort_values("date", kind="stable").reset_index(drop=True)


def touches(events: pd.DataFrame, segments: Iterable[str]) -> pd.Series:
    """Whether each event's ``segments`` list names any of ``segments`` (whole ids, not substrings).

    >>> touches(pd.DataFrame({"segments": ["aidc;cloud", "aidc_retail"]}), ["aidc"]).tolist()
    [True, False]
    """
    wanted = set(segments)
    named = events["segments"].fillna("").str.split(";")
    return named.map(lambda ids: bool(wanted & {i.strip() for i in ids})).astype(bool)


def labels_of_segment(segment: str) -> pd.DataFrame:
    """The names a lineage was printed under, oldest first, with the quarters each was used.

    >>> labels_of_segment("aidc")["segment_label"].tolist()[-1]
    'Alibaba International Digital Commerce Group'
    """
    table = load_segment_labels()
    rows = table[table["segment"] == segment]
    if rows.empty:
        raise KeyError(f"no labels recorded for segment {segment!r}")
    return rows.sort_values("first_period", kind="stable").reset_index(drop=True)
