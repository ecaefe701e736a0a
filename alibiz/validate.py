"""Rules for the data files, checked column by column, all rows at once.

A table's rules are a :class:`Schema`: its columns, a check for each, and
checks across columns. :meth:`Schema.problems` runs them on a frame of raw
strings (as read, nothing converted) and returns every problem found, so that
the loader can reject a file naming each bad cell:

>>> raw = pd.DataFrame({"when": ["2024-09-30", "2024-09-31"]})
>>> Schema("demo", [Column("when", check=date)]).problems(raw)
[(1, 'when', 'is not a date YYYY-MM-DD')]

Problems are located by the frame's index: the loader indexes the raw frame
by the line each row starts on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from alibiz import fiscal

# A check takes the column's raw strings and returns a message for each bad
# row, as a Series with the rows' index (empty when every row is fine).
Check = Callable[[pd.Series], pd.Series]
# A table check takes the whole raw frame and returns (rows, column, messages).
TableCheck = Callable[[pd.DataFrame], Iterable[tuple[str, pd.Series]]]

Problem = tuple[int, str, str]  # (line, column, message)


class DataError(ValueError):
    """A data file broke the rules: every problem, one per line.

    ``str(error)`` reads ``FILE:LINE: column 'x': what is wrong (got 'y')``
    for each bad cell; ``error.problems`` holds the same as a DataFrame with
    columns ``file``, ``line``, ``column``, ``message``, ``got``.
    """

    def __init__(self, problems: pd.DataFrame):
        self.problems = problems.reset_index(drop=True)
        super().__init__(self._text())

    def _text(self) -> str:
        lines = []
        for row in self.problems.itertuples(index=False):
            where = f"{row.file}:{row.line}" if pd.notna(row.line) else f"{row.file}"
            column = f" column '{row.column}':" if row.column else ""
            got = f" (got {_show(row.got)})" if row.got is not None and not pd.isna(row.got) else ""
            lines.append(f"{where}:{column} {row.message}{got}")
        return "\n".join(lines)

    @classmethod
    def single(cls, file: str, line: int | None, column: str, message: str, got=None) -> "DataError":
        """An error with one problem, for things wrong with the file as a whole."""
        return cls(problem_frame([(file, line, column, message, got)]))


def problem_frame(rows: list[tuple]) -> pd.DataFrame:
    """Problems as the frame :class:`DataError` carries."""
    return pd.DataFrame(rows, columns=["file", "line", "column", "message", "got"])


def _show(value, limit: int = 60) -> str:
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


@dataclass(frozen=True)
class Column:
    """One column of a table: required in the header or optional, and its check.

    ``nonempty`` makes an empty cell a problem; an empty cell in an optional
    column is never passed to ``check``.
    """

    name: str
    check: Check | None = None
    nonempty: bool = True
    required: bool = True


@dataclass(frozen=True)
class Schema:
    """The columns of one kind of data file and the checks that span columns."""

    name: str
    columns: list[Column]
    table_checks: list[TableCheck] = field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def header_problems(self, header: list[str]) -> list[tuple[str, str]]:
        """(column, message) for each missing, unknown or repeated column name."""
        found = []
        known = set(self.column_names)
        for name in sorted({h for h in header if header.count(h) > 1}):
            found.append((name, "column appears more than once in the header"))
        for column in self.columns:
            if column.required and column.name not in header:
                found.append((column.name, "required column is missing"))
        expected = ", ".join(self.column_names)
        for name in header:
            if name not in known:
                found.append((name, f"unknown column (expected: {expected})"))
        return found

    def problems(self, raw: pd.DataFrame) -> list[Problem]:
        """Every problem in a frame of raw strings, as (index label, column, message)."""
        found: list[Problem] = []

        def add(column: str, messages: pd.Series) -> None:
            found.extend((int(pos), column, msg) for pos, msg in messages.items())

        for column in self.columns:
            if column.name not in raw.columns:
                continue
            values = raw[column.name]
            empty = values.str.strip() == ""
            if column.nonempty:
                add(column.name, _message(empty, "is empty"))
            spaced = ~empty & (values != values.str.strip())
            add(column.name, _message(spaced, "has leading or trailing spaces"))
            if column.check is not None:
                filled = values[~empty & ~spaced]
                add(column.name, column.check(filled))
        for check in self.table_checks:
            for column, messages in check(raw):
                add(column, messages)
        found.sort(key=lambda p: (p[0], self._order(p[1])))
        return found

    def _order(self, column: str) -> int:
        names = self.column_names
        return names.index(column) if column in names else len(names)


def _message(bad, message: str) -> pd.Series:
    bad = pd.Series(bad)
    return pd.Series(message, index=bad.index[bad.to_numpy(dtype=bool)], dtype=object)


# ---------------------------------------------------------------- cell checks

_DATE = r"\d{4}-\d{2}-\d{2}"
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def parse_dates(values: pd.Series) -> pd.Series:
    """Strict ``YYYY-MM-DD`` parsing: anything else becomes NaT."""
    shaped = values.str.fullmatch(_DATE).fillna(False).astype(bool)
    return pd.to_datetime(values.where(shaped), format="%Y-%m-%d", errors="coerce")


def date(values: pd.Series) -> pd.Series:
    """A calendar date written ``YYYY-MM-DD``."""
    return _message(parse_dates(values).isna(), "is not a date YYYY-MM-DD")


def quarter_end(values: pd.Series) -> pd.Series:
    """A date that is the last day of a fiscal quarter."""
    dates = parse_dates(values)
    bad_date = _message(dates.isna(), "is not a date YYYY-MM-DD")
    not_end = dates.notna() & ~fiscal.is_quarter_end(dates)
    return pd.concat([bad_date, _message(not_end, "is not a quarter end (31 Mar, 30 Jun, 30 Sep or 31 Dec)")])


def fiscal_label(values: pd.Series) -> pd.Series:
    """A label like ``FY2025Q2`` (four-digit year, quarter 1 to 4)."""
    ok = values.str.fullmatch(r"FY\d{4}Q[1-4]").fillna(False).astype(bool)
    return _message(~ok, "is not a fiscal quarter label like 'FY2025Q2' (quarter 1 to 4)")


def number(values: pd.Series) -> pd.Series:
    """A finite number written plainly: digits, an optional sign, point and exponent.

    Spreadsheet habits are refused with a reason rather than guessed at.
    """
    plain = values.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    # 1e999 is a plain number that is not finite
    plain &= np.isfinite(pd.to_numeric(values.where(plain), errors="coerce").fillna(0))
    reasons = [
        (values.str.contains(",", regex=False), "is not a number: remove the thousands separator"),
        (values.str.contains("%", regex=False), "is not a number: write percentages without '%' (29 means 29%)"),
        (values.str.fullmatch(r"\(.*\)"), "is not a number: write a loss with a minus sign, not parentheses"),
        (values.str.fullmatch(_NUMBER).fillna(False).astype(bool), "is not a finite number"),
    ]
    messages = pd.Series("is not a number", index=values.index, dtype=object)
    for mask, message in reversed(reasons):
        messages = messages.mask(mask.fillna(False).astype(bool), message)
    return messages[~plain]


def one_of(allowed: Iterable[str], what: str) -> Check:
    """A check that the value is one of ``allowed``; the message lists them."""
    allowed = sorted(set(allowed))
    shown = ", ".join(allowed) if len(allowed) <= 15 else ", ".join(allowed[:15]) + ", ..."

    def check(values: pd.Series) -> pd.Series:
        return _message(~values.isin(allowed), f"unknown {what} (known: {shown})")

    return check


def list_of(allowed: Iterable[str], what: str, sep: str = ";") -> Check:
    """A check that every ``sep``-separated item is one of ``allowed``."""
    allowed = set(allowed)

    def check(values: pd.Series) -> pd.Series:
        items = values.str.split(sep).explode().str.strip()
        unknown = items[~items.isin(allowed)]
        if unknown.empty:
            return _message(pd.Series(False, index=values.index), "")
        names = unknown.groupby(level=0).agg(lambda s: ", ".join(sorted(set(s))))
        return "unknown " + what + ": " + names

    return check


def slug(values: pd.Series) -> pd.Series:
    """An id of lower-case letters, digits, '-' and '_'."""
    ok = values.str.fullmatch(r"[a-z0-9][a-z0-9_-]*").fillna(False).astype(bool)
    return _message(~ok, "is not an id (lower-case letters, digits, '-' and '_')")


# --------------------------------------------------------------- table checks


def unique_key(columns: list[str]) -> TableCheck:
    """A check that no two rows share the values of ``columns``."""
    name = ",".join(columns)

    def check(raw: pd.DataFrame):
        key = raw[columns]
        repeated = key.duplicated(keep="first")
        if not repeated.any():
            return
        lines = key.index.to_series(index=range(len(key)))
        first = lines.groupby([key[c].to_numpy() for c in columns], sort=False).transform("min")
        first.index = key.index
        first_line = first[repeated.to_numpy()]
        yield name, "duplicate key: the same " + " + ".join(columns) + " as line " + first_line.astype(str)

    return check


def matches_label(date_column: str, label_column: str) -> TableCheck:
    """A check that a fiscal label agrees with the quarter-end date beside it."""

    def check(raw: pd.DataFrame):
        dates = parse_dates(raw[date_column])
        derived = fiscal.labels_of(dates).set_axis(raw.index)
        valid = dates.notna() & raw[label_column].str.fullmatch(r"FY\d{4}Q[1-4]").fillna(False).astype(bool)
        bad = valid & (derived != raw[label_column]).fillna(False).astype(bool)
        yield label_column, (
            f"does not match {date_column} " + raw.loc[bad, date_column] + " (expected " + derived[bad] + ")"
        )

    return check


def unit_of(registry: dict[str, str]) -> TableCheck:
    """A check that each row's unit is the one the metric registry gives."""

    def check(raw: pd.DataFrame):
        expected = raw["metric"].map(registry)
        bad = expected.notna() & (raw["unit"] != expected) & (raw["unit"].str.strip() != "")
        yield "unit", "metric '" + raw.loc[bad, "metric"] + "' is measured in '" + expected[bad] + "'"

    return check


def not_before(column: str, earlier: str, what: str) -> TableCheck:
    """A check that the date in ``column`` is not before the date in ``earlier``."""

    def check(raw: pd.DataFrame):
        late, early = parse_dates(raw[column]), parse_dates(raw[earlier])
        bad = (late < early).fillna(False).astype(bool)
        yield column, f"is before {what} (" + earlier + " " + raw.loc[bad, earlier] + ")"

    return check


def required_when(column: str, when_column: str, value: str) -> TableCheck:
    """A check that ``column`` is filled exactly on rows where ``when_column == value``."""

    def check(raw: pd.DataFrame):
        empty = raw[column].str.strip() == ""
        applies = raw[when_column] == value
        yield column, _message(applies & empty, f"is required when {when_column} is '{value}'")
        yield column, _message(~applies & ~empty, f"must be empty unless {when_column} is '{value}'")

    return check
