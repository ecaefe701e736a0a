"""Alibaba's fiscal calendar: the year ends 31 March.

FY2025Q2 is the quarter ended 2024-09-30. Three forms of a quarter appear in
alibiz: the quarter-end date (the authority in the data), a pandas ``Period``
with ``freq="Q-MAR"``, and a label (``FY2025Q2``, or ``FY25Q2`` on charts).

>>> label("2024-09-30")
'FY2025Q2'
>>> quarter_end("FY25Q2")
Timestamp('2024-09-30 00:00:00')
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

FREQ = "Q-MAR"
_LABEL = re.compile(r"FY([0-9]{4}|[0-9]{2})Q([0-9])")


def period(value) -> pd.Period:
    """The fiscal quarter of a quarter-end date, a label, or a Period.

    >>> period("FY2025Q2")
    Period('2025Q2', 'Q-MAR')
    >>> period("2024-09-30")
    Period('2025Q2', 'Q-MAR')

    Raises ``ValueError`` for a malformed label or a date that is not the last
    day of a fiscal quarter.
    """
    if isinstance(value, pd.Period):
        if value.freqstr != FREQ:
            raise ValueError(f"period {value} has freq {value.freqstr}, expected {FREQ}")
        return value
    if isinstance(value, str) and value.upper().startswith("FY"):
        return _parse_label(value)
    try:
        date = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{value!r} is neither a fiscal label like 'FY2025Q2' nor a date") from exc
    if date.tzinfo is not None or date != date.normalize() or not is_quarter_end(date):
        raise ValueError(f"{value!r} is not a fiscal quarter end (31 Mar, 30 Jun, 30 Sep or 31 Dec)")
    return pd.Period(date, freq=FREQ)


def _parse_label(text: str) -> pd.Period:
    match = _LABEL.fullmatch(text.upper())
    if match is None:
        raise ValueError(f"{text!r} is not a fiscal quarter label like 'FY2025Q2' or 'FY25Q2'")
    year, quarter = match.groups()
    if not 1 <= int(quarter) <= 4:
        raise ValueError(f"{text!r}: quarter must be 1 to 4, got {quarter}")
    fiscal_year = int(year) if len(year) == 4 else 2000 + int(year)
    return pd.Period(year=fiscal_year, quarter=int(quarter), freq=FREQ)


SHORT_YEARS = range(2000, 2100)  # the fiscal years a two-digit label stands for (FY99 reads as 2099)


def label(value, *, short: bool = False) -> str:
    """The label of a fiscal quarter: ``FY2025Q2``, or ``FY25Q2`` with ``short=True``.

    A short label is given only for fiscal years 2000 to 2099, which is how
    ``FY25`` is read (and parsed back); other years keep four digits, so that
    ``FY99Q4`` never stands for 1799.

    >>> label(pd.Period("2025Q2", freq="Q-MAR"), short=True)
    'FY25Q2'
    >>> label("1799-03-31", short=True), label("2101-06-30", short=True)
    ('FY1799Q4', 'FY2102Q1')
    """
    p = period(value)
    year = f"{p.qyear % 100:02d}" if short and p.qyear in SHORT_YEARS else f"{p.qyear:04d}"
    return f"FY{year}Q{p.quarter}"


def quarter_end(value) -> pd.Timestamp:
    """The last day of a fiscal quarter, as a Timestamp.

    >>> quarter_end("FY2020Q1")
    Timestamp('2019-06-30 00:00:00')
    """
    return period(value).end_time.normalize()


def is_quarter_end(dates) -> np.ndarray | bool:
    """Whether each date is the last day of a calendar quarter (vectorised).

    >>> is_quarter_end(pd.to_datetime(["2024-09-30", "2024-09-29"])).tolist()
    [True, False]
    """
    stamps = pd.DatetimeIndex([dates]) if isinstance(dates, pd.Timestamp) else pd.DatetimeIndex(dates)
    result = np.asarray(stamps.is_quarter_end)
    return bool(result[0]) if isinstance(dates, pd.Timestamp) else result


def labels_of(dates) -> np.ndarray:
    """Fiscal labels for a sequence of quarter-end dates, vectorised (NaT gives None).

    >>> labels_of(np.array(["2019-06-30", "2025-03-31", "0998-12-31", "NaT"], dtype="datetime64[D]")).tolist()
    ['FY2020Q1', 'FY2025Q4', 'FY0999Q3', None]
    """
    months = np.asarray(dates, dtype="datetime64[M]")
    since_1970 = months.astype(np.int64)
    month = since_1970 % 12 + 1
    fiscal_year = since_1970 // 12 + 1970 + (month > 3)
    quarter = (month - 4) % 12 // 3 + 1
    known = ~np.isnat(months)
    labels = np.full(len(months), None, dtype=object)
    labels[known] = [f"FY{y:04d}Q{q}" for y, q in zip(fiscal_year[known].tolist(), quarter[known].tolist())]
    return labels


def quarter_range(first, last) -> pd.DatetimeIndex:
    """Every quarter-end date from ``first`` to ``last`` inclusive.

    >>> quarter_range("FY2025Q3", "FY2026Q1").strftime("%Y-%m-%d").tolist()
    ['2024-12-31', '2025-03-31', '2025-06-30']
    """
    return pd.date_range(quarter_end(first), quarter_end(last), freq="QE-DEC")
