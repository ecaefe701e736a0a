"""Rules for the data files, checked column by column, all rows at once.

A table's rules are a :class:`Schema`: its columns, a check for each, and
checks across columns. :meth:`Schema.problems` runs them on a frame of raw
strings (as read, nothing converted) and returns every problem found, so that
the loader can reject a file naming each bad cell. Each check sees every
distinct value (or combination of values) once, so a million rows that use a
few thousand dates cost a few thousand date checks:

>>> raw = pd.DataFrame({"when": ["2024-09-30", "2024-09-31"]})
>>> Schema("demo", [Column("when", check=date)]).problems(raw)
[(1, 'when', 'is not a date YYYY-MM-DD')]

Problems are located by the frame's index: the loader indexes the raw frame
by the line each row starts on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from alibiz import fiscal

# A check takes a column's distinct raw strings and returns a message for each
# bad one, as a Series with the same index (empty when every value is fine).
Check = Callable[[pd.Series], pd.Series]
# A table check takes the Table and yields (column, messages indexed like the rows).
TableCheck = Callable[["Table"], Iterable[tuple[str, pd.Series]]]

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
            column = f" column '{_printable(row.column)}':" if row.column else ""
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


def _printable(text: str) -> str:
    """Text from a file, with control characters (line breaks among them) written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _show(value, limit: int = 60) -> str:
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


@dataclass(frozen=True)
class Column:
    """One column of a table: required in the header or optional, and its check.

    ``nonempty`` makes an empty cell a problem; an empty cell in an optional
    column is never passed to ``check``. ``many_values`` marks a column whose
    values are mostly distinct, so the loader reads it as plain strings.
    """

    name: str
    check: Check | None = None
    nonempty: bool = True
    required: bool = True
    many_values: bool = False  # mostly distinct values (numbers); its check must refuse empty and spaced values


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
        """(column, message) for each missing, unknown or repeated column name.

        A name that is a column's name with spaces around it, other capitals
        or spaces for underscores is named as that column, not as missing plus unknown.

        >>> Schema("demo", [Column("period_end")]).header_problems(["Period End"])
        [('Period End', "is not a column name: write 'period_end' (lower case, underscores)")]
        """
        found = []
        known = set(self.column_names)
        near = {name: _spelled(name) for name in header if name not in known and _spelled(name) in known}
        for name in sorted({h for h in header if header.count(h) > 1}):
            found.append((name, "column appears more than once in the header"))
        for column in self.columns:
            if column.required and column.name not in header and column.name not in near.values():
                found.append((column.name, "required column is missing"))
        expected = ", ".join(self.column_names)
        for name in header:
            if name == "":
                found.append((name, "the header has an empty column name (a trailing comma?)"))
            elif name in near:
                found.append((name, f"is not a column name: write '{near[name]}' (lower case, underscores)"))
            elif name not in known:
                found.append((name, f"unknown column (expected: {expected})"))
        return found

    def separator_problem(self, header: list[str]) -> str | None:
        """Why a header that is one field naming several columns is wrong, else None.

        >>> Schema("demo", [Column("a"), Column("b")]).separator_problem(["a;b"])
        "the header is one field: the file is separated by ';', not commas (save it as comma-separated CSV)"
        """
        if len(header) != 1:
            return None
        for separator, shown in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if len(set(header[0].split(separator)) & set(self.column_names)) > 1:
                return f"the header is one field: the file is separated by {shown}, not commas (save it as comma-separated CSV)"
        return None

    def problems(self, raw: pd.DataFrame) -> list[Problem]:
        """Every problem in a frame of raw strings, as (index label, column, message)."""
        table = Table(raw)
        found: list[Problem] = []
        for column in self.columns:
            if column.name not in raw.columns:
                continue
            codes, values = table.factorized(column.name)
            checked = None
            if column.many_values:
                # its check refuses empty and spaced values itself: name those
                # plainly, without stripping a million values that are fine
                checked = column.check(values)
                values = values[checked.index]
            # numpy's string functions: a few microseconds for a handful of categories
            text = values.to_numpy(dtype=object).astype(np.dtypes.StringDType())
            stripped = np.strings.strip(text)
            empty = stripped == ""
            spaced = ~empty & (text != stripped)
            messages = [_message(pd.Series(spaced, index=values.index), "has leading or trailing spaces")] if spaced.any() else []
            if column.nonempty and empty.any():
                messages.append(_message(pd.Series(empty, index=values.index), "is empty"))
            if column.check is not None:
                rest = ~empty & ~spaced
                if checked is not None:
                    messages.append(checked[rest])
                else:
                    messages.append(column.check(values if rest.all() else values[rest]))
            for found_here in messages:
                found.extend(table.rows_of(codes, found_here, column.name))
        for check in self.table_checks:
            for column, messages in check(table):
                found.extend((label, column, msg) for label, msg in messages.items())
        found.sort(key=lambda p: (p[0], self._order(p[1])))
        return found

    def _order(self, column: str) -> int:
        names = self.column_names
        return names.index(column) if column in names else len(names)


def _spelled(name: str) -> str:
    """A header name as the contract spells names: trimmed, lower case, underscores."""
    return re.sub(r"\s+", "_", name.strip()).lower()


class Table:
    """Raw strings with each column factorized once: checks run on distinct values.

    ``factorized(column)`` gives the code of each row and the distinct values;
    ``combos(columns)`` the distinct combinations of several columns and the
    combination of each row (``combination_of_rows`` just their number and
    the row codes, for a key whose combinations are all distinct); ``rows_of`` / ``expand`` turn messages about
    distinct values back into messages about rows.
    """

    def __init__(self, raw: pd.DataFrame):
        self.raw = raw
        self._factorized: dict[str, tuple[np.ndarray, pd.Series]] = {}

    def factorized(self, column: str) -> tuple[np.ndarray, pd.Series]:
        if column not in self._factorized:
            values = self.raw[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                codes = values.cat.codes.to_numpy()
                uniques = pd.Series(np.asarray(values.cat.categories, dtype=object), dtype="str")
            else:  # read as plain strings because most values differ: check every row
                codes, uniques = np.arange(len(values)), values.reset_index(drop=True)
            self._factorized[column] = (codes, uniques)
        return self._factorized[column]

    def combos(self, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
        """The distinct combinations of ``columns`` (a frame) and, per row, its combination."""
        positions, inverse = self._combination_codes(columns)
        combos = pd.DataFrame({c: self.factorized(c)[1].to_numpy()[pos] for c, pos in zip(columns, positions)})
        return combos, inverse

    def combination_of_rows(self, columns: list[str]) -> tuple[int, np.ndarray]:
        """How many distinct combinations of ``columns`` there are and, per row, its combination."""
        positions, inverse = self._combination_codes(columns)
        return len(positions[0]), inverse

    def _combination_codes(self, columns: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
        """Per column, the value code of each distinct combination; per row, its combination."""
        parts = [self.factorized(c) for c in columns]
        sizes = [max(len(u), 1) for _, u in parts]
        if np.prod(sizes, dtype=float) < 2**62:
            key = np.ravel_multi_index([codes for codes, _ in parts], sizes)
            inverse, unique_keys = pd.factorize(key)  # hashing, not sorting: linear time
            positions = list(np.unravel_index(unique_keys, sizes))
        else:  # too many distinct values to pack into one integer
            frame = pd.DataFrame({c: codes for c, (codes, _) in zip(columns, parts)})
            inverse, uniques = pd.factorize(pd.MultiIndex.from_frame(frame))
            positions = [uniques.get_level_values(i).to_numpy() for i in range(len(columns))]
        return positions, inverse.ravel()

    def rows_of(self, codes: np.ndarray, messages: pd.Series, column: str) -> list[Problem]:
        """(row label, column, message) for every row whose value got a message."""
        return [(label, column, msg) for label, msg in self.expand(codes, messages).items()]

    def expand(self, codes: np.ndarray, messages: pd.Series) -> pd.Series:
        """Messages about distinct values (or combinations) as messages about the rows that hold them."""
        if messages.empty:
            return pd.Series([], dtype=object)
        per_value = np.full(codes.max(initial=0) + 1, None, dtype=object)
        per_value[messages.index.to_numpy()] = messages.to_numpy()
        per_row = per_value[codes]
        rows = np.flatnonzero(pd.notna(per_row))
        return pd.Series(per_row[rows], index=self.raw.index[rows], dtype=object)


def _message(bad, message: str) -> pd.Series:
    bad = pd.Series(bad)
    return pd.Series(message, index=bad.index[bad.to_numpy(dtype=bool)], dtype=object)


# ---------------------------------------------------------------- cell checks

_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_PLAIN_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"


def parse_dates(values: pd.Series) -> pd.Series:
    """Strict ``YYYY-MM-DD`` parsing: anything else becomes NaT."""
    shaped = values.str.fullmatch(_DATE).fillna(False).astype(bool)
    return pd.to_datetime(values.where(shaped), format="%Y-%m-%d", errors="coerce")


def date(values: pd.Series) -> pd.Series:
    """A calendar date written ``YYYY-MM-DD``."""
    return _not_a_date(values, parse_dates(values).isna())


def quarter_end(values: pd.Series) -> pd.Series:
    """A date that is the last day of a fiscal quarter."""
    dates = parse_dates(values)
    not_end = dates.notna() & ~fiscal.is_quarter_end(dates)
    return pd.concat([_not_a_date(values, dates.isna()), _message(not_end, "is not a quarter end (31 Mar, 30 Jun, 30 Sep or 31 Dec)")])


def _not_a_date(values: pd.Series, bad: pd.Series) -> pd.Series:
    """The message for each value that is not a date; a spreadsheet's date and time is told apart."""
    if not bad.any():
        return _message(bad, "")
    timed = values.str.fullmatch(_DATE + r"[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?").fillna(False).astype(bool)
    return pd.concat([
        _message(bad & timed, "is a date and a time: write the date alone, YYYY-MM-DD"),
        _message(bad & ~timed, "is not a date YYYY-MM-DD"),
    ])  # fmt: skip


def fiscal_label(values: pd.Series) -> pd.Series:
    """A label like ``FY2025Q2`` (four-digit year, quarter 1 to 4)."""
    ok = values.str.fullmatch(r"FY[0-9]{4}Q[1-4]").fillna(False).astype(bool)
    return _message(~ok, "is not a fiscal quarter label like 'FY2025Q2' (quarter 1 to 4)")


PLAIN_NUMBER_CHARACTERS = b"0123456789.+-"
_NUMBER_CHARACTERS = np.zeros(256, dtype=bool)
_NUMBER_CHARACTERS[np.frombuffer(PLAIN_NUMBER_CHARACTERS + b"\n", dtype=np.uint8)] = True  # values joined by line feeds


def number(values: pd.Series) -> pd.Series:
    """A finite number written plainly: digits, an optional sign and decimal point.

    Spreadsheet habits are refused with a reason rather than guessed at,
    scientific notation among them (``3.17E+04`` may be a rounded ``31,672``).
    """
    parsed = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    plain = np.isfinite(parsed) & _only_number_characters(values)
    bad = values[~plain]
    reasons = [
        (bad.str.contains(",", regex=False), "is not a number: remove the thousands separator"),
        (bad.str.fullmatch(r"[+-]?[0-9]{1,3}(?:[ \u00a0\u202f'][0-9]{3})+(?:\.[0-9]*)?"), "is not a number: remove the thousands separator"),
        (bad.str.contains("[\u2212\u2012\u2013\u2014]"), "is not a number: write the minus sign as '-' (a typographic minus or dash was pasted)"),
        (bad.str.contains("%", regex=False), "is not a number: write percentages without '%' (29 means 29%)"),
        (bad.str.fullmatch(r"\(.*\)"), "is not a number: write a loss with a minus sign, not parentheses"),
        (bad.str.fullmatch(_PLAIN_NUMBER + r"[eE][+-]?[0-9]+"), "is not a number: write it in full, not in scientific notation (a spreadsheet may have rounded it)"),
        (bad.str.fullmatch(_PLAIN_NUMBER), "is not a finite number"),
    ]
    messages = pd.Series("is not a number", index=bad.index, dtype=object)
    for mask, message in reversed(reasons):
        messages = messages.mask(mask.fillna(False).astype(bool), message)
    return messages


def _only_number_characters(values: pd.Series) -> np.ndarray:
    """Whether each string uses only the characters of a plain number, checked on the bytes at once."""
    items = values.to_list()
    joined = "\n".join(items)
    if not joined.isascii():  # rare: fall back to a pattern per value
        return values.str.fullmatch(r"[0-9.+-]*").fillna(False).to_numpy(dtype=bool)
    buf = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    ends = np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=len(items)) + 1)
    ok = np.ones(len(items), dtype=bool)
    ok[np.searchsorted(ends, np.flatnonzero(~_NUMBER_CHARACTERS[buf]), side="right")] = False
    return ok


def one_of(allowed: Iterable[str], what: str) -> Check:
    """A check that the value is one of ``allowed``; the message lists them."""
    allowed = sorted(set(allowed))
    shown = ", ".join(allowed) if len(allowed) <= 15 else ", ".join(allowed[:15]) + ", ..."

    def check(values: pd.Series) -> pd.Series:
        unknown = ~values.isin(allowed)
        if not unknown.any():
            return _message(unknown, "")
        capitals = unknown & values.str.lower().isin(allowed)
        return pd.concat([
            f"has capitals: {what}s are lower case ('" + values[capitals].str.lower() + "')",
            _message(unknown & ~capitals, f"unknown {what} (known: {shown})"),
        ])  # fmt: skip

    return check


def list_of(allowed: Iterable[str], what: str, sep: str = ";") -> Check:
    """A check that every ``sep``-separated item is one of ``allowed``."""
    allowed = set(allowed)

    def check(values: pd.Series) -> pd.Series:
        items = values.str.split(sep).explode().str.strip()
        unknown = items[~items.isin(allowed) & (items != "")]
        names = unknown.groupby(level=0).agg(lambda s: ", ".join(sorted(set(s))))
        empty_item = (items == "").groupby(level=0).any() & (values.str.strip() != "")
        comma = values.str.contains(",", regex=False) & ~empty_item
        return pd.concat([
            _message(empty_item, f"has an empty item: separate {what}s with one '{sep}' and none at the end"),
            _message(comma, f"separate {what}s with '{sep}', not ','"),
            ("unknown " + what + ": " + names).drop(index=values.index[empty_item | comma], errors="ignore"),
        ])  # fmt: skip

    return check


def slug(values: pd.Series) -> pd.Series:
    """An id of lower-case letters, digits, '-' and '_'."""
    ok = values.str.fullmatch(r"[a-z0-9][a-z0-9_-]*").fillna(False).astype(bool)
    return _message(~ok, "is not an id (lower-case letters, digits, '-' and '_')")


# --------------------------------------------------------------- table checks


def unique_key(columns: list[str]) -> TableCheck:
    """A check that no two rows share the values of ``columns``."""
    name = ",".join(columns)

    def check(table: Table):
        distinct, inverse = table.combination_of_rows(columns)
        if distinct == len(inverse):
            return
        _, first_of_key = np.unique(inverse, return_index=True)
        first = first_of_key[inverse]
        repeated = np.flatnonzero(first != np.arange(len(inverse)))
        labels = table.raw.index
        what = "duplicate key: the same " + " + ".join(columns) + " as line "
        yield name, pd.Series([what + str(labels[first[r]]) for r in repeated], index=labels[repeated], dtype=object)

    return check


def _per_combo(columns: list[str], judge) -> Callable[[Table], pd.Series]:
    """Run ``judge`` on the distinct combinations of ``columns``; its messages, per row."""

    def run(table: Table) -> pd.Series:
        combos, inverse = table.combos(columns)
        return table.expand(inverse, judge(combos))

    return run


def matches_label(date_column: str, label_column: str) -> TableCheck:
    """A check that a fiscal label agrees with the quarter-end date beside it."""

    def judge(combos: pd.DataFrame) -> pd.Series:
        dates = parse_dates(combos[date_column])
        derived = fiscal.labels_of(dates).set_axis(combos.index)
        valid = dates.notna() & combos[label_column].str.fullmatch(r"FY[0-9]{4}Q[1-4]").fillna(False).astype(bool)
        bad = valid & (derived != combos[label_column]).fillna(False).astype(bool)
        return f"does not match {date_column} " + combos.loc[bad, date_column] + " (expected " + derived[bad] + ")"

    def check(table: Table):
        yield label_column, _per_combo([date_column, label_column], judge)(table)

    return check


def unit_of(registry: dict[str, str]) -> TableCheck:
    """A check that each row's unit is the one the metric registry gives."""

    def judge(combos: pd.DataFrame) -> pd.Series:
        expected = combos["metric"].map(registry)
        bad = expected.notna() & (combos["unit"] != expected) & (combos["unit"].str.strip() != "")
        return "metric '" + combos.loc[bad, "metric"] + "' is measured in '" + expected[bad] + "'"

    def check(table: Table):
        yield "unit", _per_combo(["metric", "unit"], judge)(table)

    return check


def not_before(column: str, earlier: str, what: str) -> TableCheck:
    """A check that the date in ``column`` is not before the date in ``earlier``."""

    def judge(combos: pd.DataFrame) -> pd.Series:
        late, early = parse_dates(combos[column]), parse_dates(combos[earlier])
        bad = (late < early).fillna(False).astype(bool)
        return f"is before {what} (" + earlier + " " + combos.loc[bad, earlier] + ")"

    def check(table: Table):
        yield column, _per_combo([column, earlier], judge)(table)

    return check


def required_when(column: str, when_column: str, value: str) -> TableCheck:
    """A check that ``column`` is filled exactly on rows where ``when_column == value``."""

    def judge(combos: pd.DataFrame) -> pd.Series:
        empty = combos[column].str.strip() == ""
        applies = combos[when_column] == value
        return pd.concat([
            _message(applies & empty, f"is required when {when_column} is '{value}'"),
            _message(~applies & ~empty, f"must be empty unless {when_column} is '{value}'"),
        ])  # fmt: skip

    def check(table: Table):
        yield column, _per_combo([column, when_column], judge)(table)

    return check
