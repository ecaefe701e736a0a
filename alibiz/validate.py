"""Rules for the data files, checked column by column, all rows at once.

A table's rules are a :class:`Schema`: its columns, a check for each, and
checks across columns. :meth:`Schema.problems` runs them on a :class:`Table`
of raw strings (as read, nothing converted) and returns every problem found,
so that the loader can reject a file naming each bad cell. Each column check
sees every distinct value once, so a million rows that use a few thousand
dates cost a few thousand date checks; checks across columns convert each
column's distinct values once and compare the rows through their codes:

>>> schema = Schema("demo", [Column("when", check=date)])
>>> raw = pd.DataFrame({"when": ["2024-09-30", "2024-09-31"]})
>>> schema.problems(schema.table(raw))
[(1, 'when', 'is not a date YYYY-MM-DD')]

Checks work on numpy arrays, not pandas Series: they run on a handful of
distinct values, where a pandas call costs far more than the work it does.
Problems are located by the frame's index: the loader indexes the raw frame
by the line each row starts on.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from alibiz import fiscal

# A check takes a column's distinct raw strings (an object array) and returns
# an object array of the same length: the message for each bad value, None
# for each good one.
Check = Callable[[np.ndarray], np.ndarray]
Problem = tuple[int, str, str]  # (line, column, message)
# A table check takes the Table and returns problems about its rows.
TableCheck = Callable[["Table"], list[Problem]]


LEFT = "text-align:left;vertical-align:top"  # a cell of DataError's table (JupyterLab right-aligns cells)


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
            file = _printable(row.file)  # a file name may hold a line break too
            where = f"{file}:{row.line}" if pd.notna(row.line) else file
            column = f" column '{_printable(row.column)}':" if row.column else ""
            got = f" (got {_show(row.got)})" if row.got is not None and not pd.isna(row.got) else ""
            lines.append(f"{where}:{column} {_printable(row.message)}{got}")  # a message may quote the file
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Every problem as a table, for a notebook (``str(error)`` stays the text above).

        >>> f'<td style="{LEFT}">bad.csv</td>' in DataError.single("bad.csv", 3, "value", "is not a number", "n/a")._repr_html_()
        True
        """
        count = len(self.problems)
        rows = []
        for row in self.problems.itertuples(index=False):
            line = "" if pd.isna(row.line) else str(int(row.line))
            got = _show(row.got) if row.got is not None and not pd.isna(row.got) else ""
            cells = [_printable(row.file), line, _printable(row.column or ""), _printable(row.message), got]
            rows.append("<tr>" + "".join(f'<td style="{LEFT}">{html.escape(c)}</td>' for c in cells) + "</tr>")
        head = "".join(f'<th style="{LEFT}">{h}</th>' for h in ("file", "line", "column", "problem", "got"))
        files = ", ".join(html.escape(_printable(f)) for f in dict.fromkeys(self.problems["file"]))
        return (f"<p><strong>DataError</strong>: {count} problem{'' if count == 1 else 's'} in {files}</p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")  # fmt: skip

    @classmethod
    def single(cls, file: str, line: int | None, column: str, message: str, got=None) -> "DataError":
        """An error with one problem, for things wrong with the file as a whole."""
        return cls(problem_frame([(file, line, column, message, got)]))


def problem_frame(rows: list[tuple]) -> pd.DataFrame:
    """Problems as the frame :class:`DataError` carries."""
    return pd.DataFrame(rows, columns=["file", "line", "column", "message", "got"])


def _printable(text: str) -> str:
    """Text from a file, with control characters (line breaks among them) written as escapes."""
    text = str(text)
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
    # (checked value by value, without looking for repeats)


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
        counts = Counter(header)
        for name in sorted(name for name, count in counts.items() if count > 1 and name != ""):
            found.append((name, "column appears more than once in the header"))
        present = set(header) | set(near.values())
        for column in self.columns:
            if column.required and column.name not in present:
                found.append((column.name, "required column is missing"))
        expected = ", ".join(self.column_names)
        for name in header:
            if name in near:
                found.append((name, f"is not a column name: write '{near[name]}' (lower case, underscores)"))
            elif name not in known and name != "":
                found.append((name, f"unknown column (expected: {expected})"))
        if counts[""]:  # one message, however many trailing commas
            many = f"{counts['']} empty column names (trailing commas?)" if counts[""] > 1 else "an empty column name (a trailing comma?)"
            found.append(("", f"the header has {many}"))
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

    def table(self, raw: pd.DataFrame) -> Table:
        """A frame of raw strings as a :class:`Table` of this schema's columns."""
        return Table(raw, many_values={c.name for c in self.columns if c.many_values})

    def problems(self, table: Table) -> list[Problem]:
        """Every problem in a table of raw strings, as (index label, column, message)."""
        found: list[Problem] = []
        for column in self.columns:
            if column.name in table.columns:
                codes, values = table.factorized(column.name)
                found += table.rows_of(codes, _column_messages(column, values), column.name)
        for check in self.table_checks:
            found += check(table)
        found.sort(key=lambda p: (p[0], self._order(p[1])))
        return found

    def _order(self, column: str) -> int:
        names = self.column_names
        return names.index(column) if column in names else len(names)


def _column_messages(column: Column, values: np.ndarray) -> np.ndarray:
    """The message for each distinct value of a column (None where it is fine).

    An empty value is only 'empty' and a spaced one only 'spaced': the
    column's check sees neither, except the check of a column of many values,
    which refuses them itself; only its refused values are then looked at
    again, so that a million good numbers are not stripped.
    """
    if column.many_values:
        messages = column.check(values)
        looked_at = np.flatnonzero(_has_message(messages))
        values = values[looked_at]
    text = values.astype(np.dtypes.StringDType())  # numpy's string functions: microseconds, not a pandas call
    stripped = np.strings.strip(text)
    empty = stripped == ""
    spaced = ~empty & (text != stripped)
    if column.many_values:
        found = messages[looked_at]
    elif column.check is not None:
        rest = ~empty & ~spaced
        found = _none(len(values))
        found[rest] = column.check(values if rest.all() else values[rest])
    else:
        found = _none(len(values))
    for i in np.flatnonzero(spaced):
        found[i] = _spaced(values[i])
    items = values.tolist()
    if _CONTROL.search("\n".join(items)):  # one search for the column; a line feed is allowed, so it joins
        for i, value in enumerate(items):
            control = _CONTROL.search(value)
            if control:  # invisible, and an SVG or XML file cannot hold it
                found[i] = f"contains a control character (U+{ord(control.group()):04X}): delete it"
    found[empty] = "is empty" if column.nonempty else None
    if column.many_values:
        messages[looked_at] = found
        return messages
    return found


def _spaced(value: str) -> str:
    """The message for a value with blanks around it: spaces, or line breaks, which look alike in a cell."""
    around = value[: len(value) - len(value.lstrip())] + value[len(value.rstrip()) :]
    return "has a line break at its start or end" if "\n" in around or "\r" in around else "has leading or trailing spaces"


def _spelled(name: str) -> str:
    """A header name as the contract spells names: trimmed, lower case, underscores."""
    return re.sub(r"\s+", "_", name.strip()).lower()


class Table:
    """Raw strings with each column factorized once: checks, and the loader's
    conversions, run on distinct values.

    A column comes as strings or as a categorical of strings (a column that
    is already float64 was converted, and checked, by the reader: it is no
    longer text and is left out); ``many_values`` names the columns whose
    values mostly differ, which are taken value by value.
    ``factorized(column)`` gives the code of each row and the distinct values
    (an object array); ``each(column, convert)`` a conversion of the distinct
    values, made once, and ``per_row`` spreads any such array to the rows;
    ``combination_of_rows`` numbers the distinct combinations of several
    columns. ``rows_of`` turns messages about distinct values into problems
    of the rows that hold them, ``flagged`` names rows picked by a mask.
    """

    def __init__(self, raw: pd.DataFrame, many_values: set[str] = frozenset()):
        self.raw = raw
        self.many_values = many_values
        self.labels = raw.index.to_numpy()
        self.columns = {name: values for name, values in raw.items() if values.dtype != "float64"}
        self._factorized: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._converted: dict[tuple[str, Callable], np.ndarray] = {}

    def factorized(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in self._factorized:
            values = self.columns[column]
            if isinstance(values.dtype, pd.CategoricalDtype):  # factorized by the CSV reader
                codes = values.cat.codes.to_numpy()
                uniques = np.asarray(values.cat.categories, dtype=object)
            elif column in self.many_values:
                codes, uniques = np.arange(len(values)), values.to_numpy(dtype=object)
            else:
                codes, uniques = pd.factorize(values.to_numpy(dtype=object))
            self._factorized[column] = (codes, uniques)
        return self._factorized[column]

    def each(self, column: str, convert: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``convert`` of the column's distinct values (dates parsed, say), made once per table."""
        if (column, convert) not in self._converted:
            self._converted[column, convert] = convert(self.factorized(column)[1])
        return self._converted[column, convert]

    def per_row(self, column: str, per_value: np.ndarray) -> np.ndarray:
        """An array about the column's distinct values, spread to the rows that hold them."""
        return per_value[self.factorized(column)[0]]

    def combination_of_rows(self, columns: list[str]) -> tuple[int, np.ndarray]:
        """How many distinct combinations of ``columns`` there are and, per row, its combination."""
        parts = [self.factorized(c) for c in columns]
        sizes = [max(len(u), 1) for _, u in parts]
        possible = np.prod(sizes, dtype=float)
        if possible >= 2**62:  # too many distinct values to pack into one integer
            frame = pd.DataFrame({c: codes for c, (codes, _) in zip(columns, parts)})
            inverse, uniques = pd.factorize(pd.MultiIndex.from_frame(frame))
            return len(uniques), inverse
        key = np.ravel_multi_index([codes for codes, _ in parts], sizes)
        if possible > 4 * len(key):
            inverse, uniques = pd.factorize(key)  # hashing, not sorting: linear time
            return len(uniques), inverse
        present = np.zeros(int(possible), dtype=bool)  # few possible combinations: mark those present
        present[key] = True
        numbers = np.cumsum(present) - 1
        return int(numbers[-1]) + 1, numbers[key]

    def rows_of(self, codes: np.ndarray, messages: np.ndarray, column: str) -> list[Problem]:
        """(row label, column, message) for every row whose value (or combination) got a message."""
        bad = _has_message(messages)
        if not bad.any():
            return []
        rows = np.flatnonzero(bad[codes])
        return list(zip(self.labels[rows].tolist(), [column] * len(rows), messages[codes[rows]].tolist()))

    def flagged(self, bad: np.ndarray, column: str, message: Callable[[int], str]) -> list[Problem]:
        """(row label, column, ``message(row)``) for each row (by position) where ``bad``."""
        rows = np.flatnonzero(bad)
        return [(label, column, message(row)) for label, row in zip(self.labels[rows].tolist(), rows.tolist())]


def _none(size: int) -> np.ndarray:
    """An array of ``size`` messages, none yet."""
    return np.full(size, None, dtype=object)


def _has_message(messages: np.ndarray) -> np.ndarray:
    return np.not_equal(messages, None)


def _flag(bad: np.ndarray, message: str, messages: np.ndarray | None = None) -> np.ndarray:
    """``message`` where ``bad``; elsewhere the given messages, or None."""
    messages = _none(len(bad)) if messages is None else messages
    messages[bad] = message
    return messages


def _blank(values: np.ndarray) -> np.ndarray:
    """Whether each value is empty or only spaces."""
    return np.strings.strip(values.astype(np.dtypes.StringDType())) == ""


def _fullmatch(pattern: re.Pattern, values: np.ndarray) -> np.ndarray:
    """Whether each value matches ``pattern`` in full (one regex call per distinct value)."""
    return np.fromiter((pattern.fullmatch(value) is not None for value in values), dtype=bool, count=len(values))


# ---------------------------------------------------------------- cell checks

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab and line breaks, which a cell may hold
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_PLAIN_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"  # unambiguous: linear time on a long run of digits
_DATE_ONLY = re.compile(_DATE)
_DATE_AND_TIME = re.compile(_DATE + r"[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?")
_FISCAL_LABEL = re.compile(r"FY[0-9]{4}Q[1-4]")
_FISCAL_YEAR = re.compile(r"FY[0-9]{4}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


def parse_dates(values: np.ndarray) -> np.ndarray:
    """Strict ``YYYY-MM-DD`` parsing to ``datetime64[D]``: anything else becomes NaT.

    >>> parse_dates(np.array(["2024-09-30", "2024-09-31", "30/09/2024"], dtype=object)).tolist()
    [datetime.date(2024, 9, 30), None, None]
    """
    dates = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    shaped = np.flatnonzero(_fullmatch(_DATE_ONLY, values))
    try:
        dates[shaped] = values[shaped].astype("datetime64[D]")
    except ValueError:  # a day that does not exist (2024-09-31): parse one by one
        for i in shaped:
            try:
                dates[i] = np.datetime64(values[i], "D")
            except ValueError:
                pass
    return dates


def date(values: np.ndarray) -> np.ndarray:
    """A calendar date written ``YYYY-MM-DD``."""
    return _not_a_date(values, np.isnat(parse_dates(values)))


def quarter_end(values: np.ndarray) -> np.ndarray:
    """A date that is the last day of a fiscal quarter."""
    dates = parse_dates(values)
    bad = np.isnat(dates)
    not_end = ~bad & ~fiscal.is_quarter_end(dates)
    return _flag(not_end, "is not a quarter end (31 Mar, 30 Jun, 30 Sep or 31 Dec)", _not_a_date(values, bad))


def _not_a_date(values: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """The message for each value that is not a date; a spreadsheet's date and time is told apart."""
    messages = _none(len(values))
    for i in np.flatnonzero(bad):
        timed = _DATE_AND_TIME.fullmatch(values[i]) is not None
        messages[i] = "is a date and a time: write the date alone, YYYY-MM-DD" if timed else "is not a date YYYY-MM-DD"
    return messages


def fiscal_label(values: np.ndarray) -> np.ndarray:
    """A label like ``FY2025Q2`` (four-digit year, quarter 1 to 4)."""
    return _flag(~_fullmatch(_FISCAL_LABEL, values), "is not a fiscal quarter label like 'FY2025Q2' (quarter 1 to 4)")


PLAIN_NUMBER_CHARACTERS = b"0123456789.+-"
_NUMBER_CHARACTERS = np.zeros(256, dtype=bool)
_NUMBER_CHARACTERS[np.frombuffer(PLAIN_NUMBER_CHARACTERS + b"\n", dtype=np.uint8)] = True  # values joined by line feeds
_NUMBER_REASONS = [  # the first that fits a refused value says why
    (re.compile(r".*,.*", re.S), "is not a number: remove the thousands separator"),
    (re.compile(r"[+-]?[0-9]{1,3}(?:[ \u00a0\u202f'][0-9]{3})+(?:\.[0-9]*)?"), "is not a number: remove the thousands separator"),
    (re.compile(".*[\u2212\u2012\u2013\u2014].*", re.S), "is not a number: write the minus sign as '-' (a typographic minus or dash was pasted)"),
    (re.compile(r".*%.*", re.S), "is not a number: write percentages without '%' (29 means 29%)"),
    (re.compile(r"\(.*\)"), "is not a number: write a loss with a minus sign, not parentheses"),
    (re.compile(_PLAIN_NUMBER + r"[eE][+-]?[0-9]+"), "is not a number: write it in full, not in scientific notation (a spreadsheet may have rounded it)"),
    (re.compile(_PLAIN_NUMBER), "is too large to be a number"),
]


def number(values: np.ndarray) -> np.ndarray:
    """A finite number written plainly: digits, an optional sign and decimal point.

    Spreadsheet habits are refused with a reason rather than guessed at,
    scientific notation among them (``3.17E+04`` may be a rounded ``31,672``).
    """
    parsed = np.asarray(pd.to_numeric(values, errors="coerce"), dtype="float64")
    plain = np.isfinite(parsed) & _only_number_characters(values)
    messages = _none(len(values))
    for i in np.flatnonzero(~plain):
        messages[i] = next((message for pattern, message in _NUMBER_REASONS if pattern.fullmatch(values[i])), "is not a number")
    return messages


def _only_number_characters(values: np.ndarray) -> np.ndarray:
    """Whether each string uses only the characters of a plain number, checked on the bytes at once."""
    items = values.tolist()
    joined = "\n".join(items)
    if not joined.isascii():  # rare: a pattern per value
        return _fullmatch(re.compile(r"[0-9.+-]*"), values)
    buf = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    ends = np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=len(items)) + 1)
    ok = np.ones(len(items), dtype=bool)
    ok[np.searchsorted(ends, np.flatnonzero(~_NUMBER_CHARACTERS[buf]), side="right")] = False
    return ok


def one_of(allowed: Iterable[str], what: str) -> Check:
    """A check that the value is one of ``allowed``; the message lists them."""
    allowed = set(allowed)
    listed = sorted(allowed)
    shown = ", ".join(listed) if len(listed) <= 15 else ", ".join(listed[:15]) + ", ..."

    def check(values: np.ndarray) -> np.ndarray:
        messages = _none(len(values))
        for i, value in enumerate(values):
            if value not in allowed:
                lower = value.lower()
                capitals = lower in allowed
                messages[i] = f"has capitals: write the {what} in lower case ('{lower}')" if capitals else f"unknown {what} (known: {shown})"
        return messages

    return check


def list_of(allowed: Iterable[str], what: str, sep: str = ";") -> Check:
    """A check that every ``sep``-separated item is one of ``allowed``."""
    allowed = set(allowed)

    def why(value: str) -> str | None:
        items = [item.strip() for item in value.split(sep)]
        if "" in items and value.strip() != "":
            return f"has an empty item: separate {what}s with one '{sep}' and none at the end"
        if "," in value:
            return f"separate {what}s with '{sep}', not ','"
        unknown = sorted({item for item in items if item not in allowed and item != ""})
        if unknown and all(item.lower() in allowed for item in unknown):
            return f"has capitals: write each {what} in lower case ('{sep.join(items).lower()}')"
        return f"unknown {what}: " + ", ".join(unknown) if unknown else None

    def check(values: np.ndarray) -> np.ndarray:
        return np.array([why(value) for value in values], dtype=object)

    return check


def fiscal_year(values: np.ndarray) -> np.ndarray:
    """A fiscal year like ``FY2025``."""
    return _flag(~_fullmatch(_FISCAL_YEAR, values), "is not a fiscal year like 'FY2025'")


def slug(values: np.ndarray) -> np.ndarray:
    """An id of lower-case letters, digits, '-' and '_'."""
    return _flag(~_fullmatch(_SLUG, values), "is not an id (lower-case letters, digits, '-' and '_')")


# --------------------------------------------------------------- table checks


def unique_key(columns: list[str]) -> TableCheck:
    """A check that no two rows share the values of ``columns``."""
    name = ",".join(columns)
    what = "duplicate key: the same " + " + ".join(columns) + " as line "

    def check(table: Table) -> list[Problem]:
        distinct, inverse = table.combination_of_rows(columns)
        if distinct == len(inverse):
            return []
        _, first_of_key = np.unique(inverse, return_index=True)
        first = first_of_key[inverse]
        repeated = np.flatnonzero(first != np.arange(len(inverse)))
        lines, firsts = table.labels[repeated].tolist(), table.labels[first[repeated]].tolist()
        return [(line, name, what + str(first_line)) for line, first_line in zip(lines, firsts)]

    return check


def matches_label(date_column: str, label_column: str) -> TableCheck:
    """A check that a fiscal label agrees with the quarter-end date beside it."""

    def check(table: Table) -> list[Problem]:
        derived = fiscal.labels_of(table.each(date_column, parse_dates))  # per distinct date; None if not a date
        label_codes, labels = table.factorized(label_column)
        code = {label: i for i, label in enumerate(labels.tolist())}
        expected = np.array([code.get(label, -1) for label in derived], dtype=np.int64)  # -1: a label no row has
        bad = (
            table.per_row(date_column, np.not_equal(derived, None))
            & table.per_row(label_column, _fullmatch(_FISCAL_LABEL, labels))
            & (table.per_row(date_column, expected) != label_codes)
        )
        date_codes, dates = table.factorized(date_column)
        return table.flagged(
            bad, label_column, lambda row: f"does not match {date_column} {dates[date_codes[row]]} (expected {derived[date_codes[row]]})"
        )

    return check


def unit_of(registry: dict[str, str]) -> TableCheck:
    """A check that each row's unit is the one the metric registry gives."""

    def check(table: Table) -> list[Problem]:
        metric_codes, metrics = table.factorized("metric")
        unit_codes, units = table.factorized("unit")
        code = {unit: i for i, unit in enumerate(units.tolist())}
        registered = [registry.get(metric) for metric in metrics.tolist()]
        expected = np.array([code.get(unit, -1) for unit in registered], dtype=np.int64)  # -1: a unit no row has
        bad = (
            table.per_row("metric", np.not_equal(registered, None))
            & ~table.per_row("unit", table.each("unit", _blank))
            & (table.per_row("metric", expected) != unit_codes)
        )
        return table.flagged(
            bad, "unit", lambda row: f"metric '{metrics[metric_codes[row]]}' is measured in '{registered[metric_codes[row]]}'"
        )

    return check


def not_before(column: str, earlier: str, what: str) -> TableCheck:
    """A check that the date in ``column`` is not before the date in ``earlier``."""

    def check(table: Table) -> list[Problem]:
        late = table.per_row(column, table.each(column, parse_dates))
        early = table.per_row(earlier, table.each(earlier, parse_dates))
        codes, values = table.factorized(earlier)
        return table.flagged(late < early, column, lambda row: f"is before {what} ({earlier} {values[codes[row]]})")  # NaT compares False

    return check


def required_when(column: str, when_column: str, value: str) -> TableCheck:
    """A check that ``column`` is filled exactly on rows where ``when_column == value``."""

    def check(table: Table) -> list[Problem]:
        empty = table.per_row(column, table.each(column, _blank))
        applies = table.per_row(when_column, table.factorized(when_column)[1] == value)
        required, forbidden = f"is required when {when_column} is '{value}'", f"must be empty unless {when_column} is '{value}'"
        return table.flagged(applies == empty, column, lambda row: required if applies[row] else forbidden)

    return check
