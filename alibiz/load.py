"""Reading the data files: the only module that opens one.

Each loader reads a UTF-8 CSV, checks it against its schema and returns a
typed frame with every row of the file, or raises :class:`alibiz.DataError`
listing every bad row as ``FILE:LINE: column 'x': what is wrong (got 'y')``.
With no path, a loader reads the copy of the data bundled with the package;
a file object opened in binary mode is read like a path.

>>> metrics = load_metrics()
>>> metrics.loc[0, ["fiscal_period", "segment", "metric"]].tolist() != []
True
"""

from __future__ import annotations

import csv
import io
import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from alibiz import fiscal
from alibiz import validate as v
from alibiz.validate import DataError

BUNDLED = "alibiz"
BASES = ("as_reported", "restated")
EVENT_KINDS = ("reorg", "leadership", "segment_reporting", "strategy")
METRIC_KINDS = ("money", "growth", "count")


# ------------------------------------------------------------ reading a file


def _read(path, schema: v.Schema, numbers: list[str] = ()) -> tuple[pd.DataFrame, str]:
    """Raw strings of a CSV, indexed by the line each row starts on, and the name to report.

    In a file of more than about 5,000 rows, columns with few distinct values
    come back as categoricals of their raw strings (parsed and hashed once by
    pandas' C reader), the others as strings; in a smaller file, where making
    categoricals costs more than it saves, every column as plain strings.
    A column of ``numbers`` whose every cell is plainly written (see
    :func:`_plain_numbers`) comes back as float64, converted by the reader.
    For a large file the reader starts at once, in a second thread, and reads
    the file itself while this thread reads and scans the bytes.
    Raises DataError for a file that is missing, empty, not UTF-8 or not a
    well-formed CSV table, or whose header is wrong, listing every bad line.
    """
    with ThreadPoolExecutor(max_workers=1) as beside:
        # pandas' reader tokenizes beside the byte scan: both release the GIL for most of their work
        early = _start_early(path, schema, numbers, beside)
        name, data = _bytes(path, schema.name)
        size = len(data)
        data = data.removeprefix(b"\xef\xbb\xbf")  # Excel's UTF-8 byte order mark
        header, header_line = _whole_file_checks(name, data, schema)
        problems = [(name, header_line, c, m, None) for c, m in schema.header_problems(header)]
        try:
            layout = _layout(name, data)
        except DataError as error:
            problems += list(error.problems.itertuples(index=False, name=None))
        if problems:
            _check_text(name, data)  # bad bytes explain bad structure: name them first
            raise DataError(v.problem_frame(problems))
        dtypes = _dtypes(header, schema, numbers, size)
        numeric = [c for c, dtype in dtypes.items() if dtype == "float64"]
        plain = all(_plain_numbers(data, layout, header.index(c)) for c in numeric)
        if early is not None and early.dtypes == dtypes and not layout.spaced:
            raw = _decoded(name, data, early.parsing.result)
            _check_unchanged(name, path, early.stat, size)
        else:  # a small file (parsing it here costs less than starting a thread), a header the first
            # bytes did not settle, or a record that starts with a space (see _parse)
            raw = _decoded(name, data, _parse, io.BytesIO(data), dtypes, layout)
    if raw is None or not plain or not all(np.isfinite(raw[c].to_numpy()).all() for c in numeric):
        # a cell written otherwise ('1e5', ' 7'), one the reader would not convert ('1.2.3')
        # or one that overflows: read the column as text, and the checks name the cell
        dtypes = _dtypes(header, schema, (), size)
        raw = _decoded(name, data, _parse, io.BytesIO(data), dtypes, layout)
    inferred = {c: "str" for c, dtype in raw.dtypes.items() if _categories_converted(dtype)}
    if inferred:
        raw = _decoded(name, data, _parse, io.BytesIO(data), dtypes | inferred, layout)
    if len(raw) != len(layout.lines):  # pragma: no cover - a disagreement with _layout is a bug
        raise DataError.single(name, None, "", "the CSV could not be split into rows unambiguously")
    raw.index = pd.Index(layout.lines, name="line")
    return raw, name


_CATEGORICALS_ABOVE = 1 << 20  # bytes: about 5,000 rows of metrics, where categoricals start to pay


def _dtypes(header: list[str], schema: v.Schema, numbers: list[str], size: int) -> dict[str, object]:
    """How pandas' reader should read each column of a file of ``size`` bytes.

    Text as categoricals in a large file (as strings where values mostly
    differ), as plain strings in a small one; ``numbers`` as float64 unless
    in the last column, whose cells :func:`_plain_numbers` cannot check.
    """
    many = {c.name for c in schema.columns if c.many_values}
    large = size > _CATEGORICALS_ABOVE
    dtypes = {c: ("str" if c in many else "category") if large else object for c in header}
    return dtypes | {c: "float64" for c in numbers if c in header[:-1]}


class _EarlyParse(NamedTuple):
    """A reader started on a large file before its bytes were read: with what dtypes, on what file."""

    parsing: Future
    dtypes: dict[str, object]
    stat: os.stat_result


def _start_early(path, schema: v.Schema, numbers: list[str], beside: ThreadPoolExecutor) -> _EarlyParse | None:
    """Start pandas' reader on a large file at once, its header read from the first bytes.

    The reader then reads the file while this thread reads it too, instead of
    waiting for the bytes. Nothing is started for a small or bundled file, or
    for a header with problems (which the checks of the whole file will name).
    """
    if not isinstance(path, (str, os.PathLike)):  # the bundled data, or a file object
        return None
    try:
        stat = os.stat(path)
        if stat.st_size <= _CATEGORICALS_ABOVE:
            return None
        with open(path, "rb") as handle:
            header = _header(handle.read(1 << 16))
    except OSError:
        return None  # reading the bytes names the problem
    if schema.header_problems(header) or schema.separator_problem(header):
        return None
    dtypes = _dtypes(header, schema, numbers, stat.st_size)
    return _EarlyParse(beside.submit(_parse, path, dtypes), dtypes, stat)


def _check_unchanged(name: str, path, before: os.stat_result, size: int) -> None:
    """Refuse a file that changed between the reader's read and the byte scan's."""
    try:
        after = os.stat(path)
    except OSError:
        after = None
    if after is None or size != before.st_size or (after.st_ino, after.st_size, after.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):
        raise DataError.single(name, None, "", "changed while it was being read: load it again once it is saved")


def _whole_file_checks(name: str, data: bytes, schema: v.Schema) -> tuple[list[str], int]:
    """The header's names and line, once the file is known to be a text table at all.

    Raises DataError, with one message where one says it all, for a file that
    is empty, UTF-16, not UTF-8, has old Mac line ends, starts with Excel's
    ``sep=`` line, or is separated by something other than commas.
    """
    if re.search(rb"\S", data) is None:
        expected = ",".join(schema.column_names)
        raise DataError.single(name, None, "", f"file is empty (expected a header row: {expected})")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # one message, not a NUL per character
        raise DataError.single(name, 1, "", "is UTF-16 text (Excel's 'Unicode Text'): save the file as 'CSV UTF-8'")
    if b"\x00" in data:
        _check_text(name, data)
    if b"\r" in data:
        _check_line_ends(name, data)
    header = _header(data)
    header_line = data.count(b"\n", 0, _header_start(data)) + 1
    if re.fullmatch(r"sep=.?", ",".join(header)):
        raise DataError.single(name, header_line, "", "is Excel's 'sep=' line, not the header: delete it so that the header is the first line")
    wrong_separator = schema.separator_problem(header)
    if wrong_separator:  # every row would be one field too: one message says it all
        _check_text(name, data)
        raise DataError.single(name, header_line, "", wrong_separator)
    return header, header_line


def _parse(source, dtypes: dict[str, object], layout: Layout | None = None) -> pd.DataFrame | None:
    """The CSV (a path, or bytes in a BytesIO) read by pandas' C reader; None if a
    float64 column has a cell it cannot convert.

    Skipping blank lines, the reader loses the spaces or tabs that start a
    record when they end its 256 KiB buffer (it looks back for the line's
    start only within the buffer): ' 2024-06-30' would come back as
    '2024-06-30'. So when the ``layout`` has a record that starts with a space
    or tab, the reader keeps blank lines, as rows of empty cells, and they
    are dropped here by position.
    """
    keep_blank_lines = layout is not None and layout.spaced
    try:
        with open(source, "rb") if isinstance(source, (str, os.PathLike)) else source as handle:
            frame = pd.read_csv(
                handle, dtype=dtypes, keep_default_na=False, na_filter=False, index_col=False, encoding="utf-8",
                skip_blank_lines=not keep_blank_lines, skiprows=layout.lines_before_header if keep_blank_lines else None,
            )  # fmt: skip
    except ValueError as error:
        if "float64" in dtypes.values() and not isinstance(error, UnicodeDecodeError):
            return None
        raise
    if keep_blank_lines and len(frame) == len(layout.blank_rows):  # else _read names the disagreement
        frame = frame[~layout.blank_rows]
    return frame


def _decoded(name: str, data: bytes, read, *args) -> pd.DataFrame | None:
    """``read(*args)``, pandas' reader or its result; bytes it could not decode
    are named as lines that are not UTF-8."""
    try:
        return read(*args)
    except UnicodeDecodeError:
        _check_text(name, data)
        raise  # pragma: no cover - _check_text raises for any undecodable byte


def _categories_converted(dtype) -> bool:
    """Whether pandas' reader turned a categorical column's text into numbers or booleans.

    It does so when every distinct value reads as one ('007' and '3.17E+04'
    become 7 and 31700.0), which would hide what the cell says: such a column
    is read again as text.
    """
    return isinstance(dtype, pd.CategoricalDtype) and not pd.api.types.is_string_dtype(dtype.categories)


def _bytes(path, bundled_name: str) -> tuple[str, bytes]:
    if path is None:
        resource = resources.files(BUNDLED).joinpath("data", bundled_name)
        return f"{bundled_name} (bundled)", resource.read_bytes()
    if hasattr(path, "read"):  # a file object: io.BytesIO, sys.stdin.buffer, a file opened with 'rb'
        name, data = str(getattr(path, "name", "<stream>")), path.read()
        if not isinstance(data, bytes):
            raise TypeError(f"{name}: open the file in binary mode ('rb'): alibiz decodes it as UTF-8 itself")
        return name, data
    name = os.fspath(path)
    try:
        return name, Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError.single(name, None, "", "no such file") from None
    except IsADirectoryError:
        raise DataError.single(name, None, "", "is a directory, not a CSV file") from None
    except OSError as exc:
        raise DataError.single(name, None, "", f"cannot be read ({exc.strerror})") from None


def _check_text(name: str, data: bytes) -> None:
    """Reject bytes that are not UTF-8 text, naming every bad line."""
    rows = []
    if b"\x00" in data:
        nul_lines = np.unique(_line_of(data, np.flatnonzero(np.frombuffer(data, np.uint8) == 0)))
        rows += [(name, int(n), "", "contains a NUL byte: not a text CSV file", None) for n in nul_lines]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        for number, line in enumerate(data.split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = line[exc.start : exc.start + 1].hex()
                rows.append((name, number, "", f"is not UTF-8 text (byte 0x{bad} at position {exc.start + 1}); save the file as UTF-8", None))
    if rows:
        raise DataError(v.problem_frame(sorted(rows, key=lambda r: r[1])))


def _check_line_ends(name: str, data: bytes) -> None:
    """Reject carriage returns that do not end a line with a line feed (CR-only files)."""
    buf = np.frombuffer(data, np.uint8)
    returns = np.flatnonzero(buf == _RETURN)
    lone = returns[(returns + 1 >= len(buf)) | (buf[np.minimum(returns + 1, len(buf) - 1)] != _NEWLINE)]
    if len(lone):
        rows = [
            (name, int(line), "", "has a carriage return without a line feed (old Mac line ends, or one inside a cell): save the file with LF or CRLF line ends and no carriage return in a cell", None)
            for line in np.unique(_line_of(data, lone))
        ]
        raise DataError(v.problem_frame(rows))


def _line_of(data: bytes, positions: np.ndarray) -> np.ndarray:
    newlines = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
    return np.searchsorted(newlines, positions) + 1


_CHUNK = 1 << 18  # bytes scanned at a time: small enough to stay in the processor's cache
_QUOTE, _COMMA, _NEWLINE, _RETURN, _SPACE, _TAB = (ord(c) for c in '",\n\r \t')


def _positions(buf: np.ndarray, *found: int) -> list[np.ndarray]:
    """Positions of every occurrence of each byte, in order: one pass over the data,
    a cache-sized chunk at a time, looking for all the bytes in each chunk."""
    positions = [[] for _ in found]
    for start in range(0, len(buf), _CHUNK):
        chunk = buf[start : start + _CHUNK]
        for byte, where in zip(found, positions):
            where.append(np.flatnonzero(chunk == byte) + start)
    return [np.concatenate(where) if where else np.zeros(0, dtype=np.int64) for where in positions]


def _layout(name: str, data: bytes) -> Layout:
    """Where each data record starts (line and byte), found on the bytes, all records at once.

    A comma or line break inside double quotes belongs to its field; blank
    lines are skipped but counted. Raises DataError listing every record whose
    field count differs from the header's, and every misplaced quote.
    """
    buf = np.frombuffer(data, np.uint8)
    quotes, newlines, commas = _positions(buf, _QUOTE, _NEWLINE, _COMMA)
    quote_problems = _quote_problems(buf, quotes, newlines)
    if quote_problems:
        raise DataError(v.problem_frame([(name, line, "", msg, None) for line, msg in quote_problems]))
    opening, closing = quotes[0::2], quotes[1::2]  # well placed, so they pair up
    # a line break between a pair of quotes is part of a field, not the end of a record
    # (one search for all the quotes, in order, costs less than one for each side)
    inside = np.searchsorted(newlines, quotes)
    first_inside, after_inside = inside[0::2], inside[1::2]
    spans = after_inside > first_inside
    if spans.any():
        depth = np.zeros(len(newlines) + 1, dtype=np.int64)
        np.add.at(depth, first_inside[spans], 1)
        np.add.at(depth, after_inside[spans], -1)
        break_index = np.flatnonzero(np.cumsum(depth[:-1]) == 0)  # into `newlines`
        breaks = newlines[break_index]
        record_of_opening = np.searchsorted(breaks, opening)
    else:  # every line feed ends a record: an opening quote's record is the count of line feeds before it
        break_index, breaks, record_of_opening = np.arange(len(newlines)), newlines, first_inside
    starts, ends = np.append(0, breaks + 1), np.append(breaks, len(buf))
    # separators per record: every comma in it, less those between its quotes
    commas_before_end = np.searchsorted(commas, ends)
    per_record = np.diff(commas_before_end, prepend=0)
    commas_before_quote = np.searchsorted(commas, quotes)
    quoted = commas_before_quote[1::2] - commas_before_quote[0::2]
    per_record -= np.bincount(record_of_opening, weights=quoted, minlength=len(ends)).astype(np.int64)
    fields = per_record + 1
    lines = np.append(1, break_index + 2)
    length = ends - starts
    blank = (length == 0) | ((length == 1) & (buf[np.minimum(starts, len(buf) - 1)] == _RETURN))
    fields, lines = fields[~blank], lines[~blank]
    wrong = np.flatnonzero(fields != fields[0])
    if len(wrong):
        record_starts, record_ends = starts[~blank], ends[~blank]
        rows = [
            (name, int(lines[i]), "", _wrong_field_count(data[record_starts[i] : record_ends[i]], int(fields[i]), int(fields[0])), None)
            for i in wrong
        ]
        raise DataError(v.problem_frame(rows))
    first_comma = np.append(0, commas_before_end[:-1])  # a record starts after a line feed, not a comma
    data_starts = starts[~blank][1:]
    header_at = int(np.argmax(~blank))
    # the reader's rows when it keeps blank lines: every record after the header but the empty one after a final line feed
    rows = blank[header_at + 1 : len(blank) - (length[-1] == 0)]
    spaced = bool(np.isin(buf[data_starts], (_SPACE, _TAB)).any())
    return Layout(lines[1:], data_starts, first_comma[~blank][1:], commas, quotes, spaced, rows, int(lines[0]) - 1)


def _wrong_field_count(record: bytes, fields: int, expected: int) -> str:
    """Why a record does not have the header's number of fields."""
    if not record.strip():
        return "is a line of only spaces or tabs, not a blank line: delete it"
    return f"has {fields} field{'s' * (fields != 1)}, the header has {expected}"


class Layout(NamedTuple):
    """Where the records of a well-formed CSV are: what :func:`_layout` found on the bytes."""

    lines: np.ndarray  # the line each data record starts on
    starts: np.ndarray  # the byte each data record starts at
    first_comma: np.ndarray  # the index in `commas` of each data record's first comma
    commas: np.ndarray  # the position of every comma, quoted or not
    quotes: np.ndarray  # the position of every double quote
    spaced: bool  # whether a data record starts with a space or a tab
    blank_rows: np.ndarray  # for each record after the header, whether it is a blank line
    lines_before_header: int  # blank lines before the header


_PLAIN_NUMBER_WIDTH = 32  # characters: a longer cell is read as text, not checked one position at a time
_PLAIN_NUMBER_BYTES = np.zeros(256, dtype=bool)
_PLAIN_NUMBER_BYTES[np.frombuffer(v.PLAIN_NUMBER_CHARACTERS, dtype=np.uint8)] = True


def _plain_numbers(data: bytes, layout: Layout, column: int) -> bool:
    r"""Whether every cell of a column, not the last, is a non-empty run of at most 32 of ``0-9 . + -``.

    Such a column can be converted by the CSV reader itself, without a string
    per cell: the reader refuses what is not a number ('1.2.3'), and what it
    would accept but alibiz refuses (spaces, '1e5', 'inf') is made of other
    characters. A record with a double quote before the cell's end answers
    False, and the column is then read as text and checked cell by cell.

    >>> data = b"a,b,c\n1,-2.5,x\n3,4,y\n"
    >>> _plain_numbers(data, _layout("demo.csv", data), 1)
    True
    >>> data = b"a,b,c\n1,2e5,x\n"
    >>> _plain_numbers(data, _layout("demo.csv", data), 1)
    False
    """
    if len(layout.starts) == 0:
        return False
    buf = np.frombuffer(data, np.uint8)
    first = layout.first_comma
    left = layout.commas[first + column - 1] + 1 if column else layout.starts
    right = layout.commas[first + column]
    next_quote = np.searchsorted(layout.quotes, layout.starts)
    quoted_before = next_quote < len(layout.quotes)
    quoted_before[quoted_before] = layout.quotes[next_quote[quoted_before]] < right[quoted_before]
    width = right - left
    if quoted_before.any() or (width <= 0).any() or width.max() > _PLAIN_NUMBER_WIDTH:
        return False
    ok = np.ones(len(left), dtype=bool)
    narrowest = int(width.min())
    for offset in range(int(width.max())):  # one pass per character position, not per cell
        plain = _PLAIN_NUMBER_BYTES.take(buf.take(left + offset, mode="clip"))
        ok &= plain if offset < narrowest else plain | (offset >= width)  # past a cell's end: the next field's bytes
    return bool(ok.all())


def _quote_problems(buf: np.ndarray, quotes: np.ndarray, newlines: np.ndarray) -> list[tuple[int, str]]:
    """(line, message) for each line with a double quote where CSV allows none, given
    the positions of every quote and every line feed.

    After a bad quote the reading of the rest of that line is unreliable, so
    the search starts afresh on the next line: each bad line is named once.
    """
    found = _next_bad_quote(buf, quotes)
    if found is None:
        return []
    problems = []
    rest = quotes
    while found is not None:
        position, message = found
        line = int(np.searchsorted(newlines, position)) + 1
        problems.append((line, message))
        next_line = newlines[line - 1] + 1 if line - 1 < len(newlines) else len(buf)
        rest = rest[np.searchsorted(rest, next_line) :]
        found = _next_bad_quote(buf, rest)
    return problems


def _next_bad_quote(buf: np.ndarray, quotes: np.ndarray) -> tuple[int, str] | None:
    """:func:`_first_bad_quote`, looking at the first 8, 128, 2048... quotes before all of them,
    so that finding each of many bad quotes costs the distance to it, not the rest of the file
    (and a file without one costs a fifteenth more than one look at all its quotes)."""
    size = 8
    while size < len(quotes):  # an even count of the first quotes pairs them as all the quotes do
        found = _first_bad_quote(buf, quotes[:size])
        if found is not None:
            return found
        size *= 16
    return _first_bad_quote(buf, quotes) if len(quotes) else None


_OPENS_AFTER = np.zeros(256, dtype=bool)
_OPENS_AFTER[[_COMMA, _NEWLINE, _QUOTE]] = True
_CLOSES_BEFORE = np.zeros(256, dtype=bool)
_CLOSES_BEFORE[[_COMMA, _RETURN, _NEWLINE, _QUOTE]] = True


def _first_bad_quote(buf: np.ndarray, quotes: np.ndarray) -> tuple[int, str] | None:
    """The byte position and reason of the first misplaced quote, reading quotes in pairs."""
    opening, closing = quotes[0::2], quotes[1::2]
    # the start and the end of the data count as line breaks
    before = np.where(opening > 0, buf[np.maximum(opening - 1, 0)], _NEWLINE)
    after = np.where(closing + 1 < len(buf), buf[np.minimum(closing + 1, len(buf) - 1)], _NEWLINE)
    bad_open = np.flatnonzero(~_OPENS_AFTER[before])
    bad_close = np.flatnonzero(~_CLOSES_BEFORE[after])
    candidates = []
    if len(bad_open):
        candidates.append((int(opening[bad_open[0]]), "has a double quote inside an unquoted field (quote the whole field and double the quote)"))
    if len(bad_close):
        candidates.append((int(closing[bad_close[0]]), "has text after a closing double quote (quote the whole field and double inner quotes)"))
    if len(quotes) % 2:
        candidates.append((int(quotes[-1]), "has a quoted field that is never closed"))
    return min(candidates) if candidates else None


def _header_start(data: bytes) -> int:
    """Where the first non-blank line starts."""
    return re.match(rb"[\r\n]*", data).end()


def _header(data: bytes) -> list[str]:
    """The names in the first non-blank line (undecodable bytes replaced)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    start = _header_start(data)
    end = data.find(b"\n", start)
    line = data[start : end if end >= 0 else len(data)].decode("utf-8", errors="replace")
    try:
        return next(csv.reader([line]), [])
    except csv.Error:  # a header no CSV reader can split: compare its raw pieces
        return line.split(",")


def _check(table: v.Table, name: str, schema: v.Schema) -> None:
    problems = schema.problems(table)
    repeated = set(_repeated_header(table.raw[list(table.columns)])) if problems else set()
    if repeated:  # two exports joined: one message for the row instead of one per cell
        problems = sorted(
            [(line, "", "repeats the header (two files joined?): delete the line") for line in repeated]
            + [problem for problem in problems if problem[0] not in repeated],
            key=lambda problem: problem[0],  # stable: a line's problems stay in column order
        )
    if problems:
        rows = [(name, line, column, msg, _cell(table.raw, line, column) if column else None) for line, column, msg in problems]
        raise DataError(v.problem_frame(rows))


def _repeated_header(raw: pd.DataFrame) -> pd.Index:
    """The lines of the rows that spell out the header's column names."""
    if raw.empty:
        return raw.index
    is_header = np.logical_and.reduce([(raw[c] == c).to_numpy(dtype=bool) for c in raw.columns])
    return raw.index[is_header]


def _cell(raw: pd.DataFrame, line: int, column: str) -> str:
    """The raw text of a cell; for a key of several columns, their values joined by commas."""
    return ",".join(str(raw.at[line, c]) for c in column.split(","))


def _typed(table: v.Table, dates: list[str], numbers: list[str] = ()) -> pd.DataFrame:
    """Convert a checked table of raw strings: dates to datetime64, numbers to float64,
    text to strings with '' as NaN. Each distinct value of a column is converted once."""
    text = pd.api.types.pandas_dtype("str")  # looked up once, not per column: a registry search each time
    columns = {}
    for column in table.raw.columns:
        if column not in table.columns:  # converted to float64 by the reader
            columns[column] = table.raw[column].to_numpy()
            continue
        codes, distinct = table.factorized(column)
        if column in dates:
            converted = table.each(column, v.parse_dates).astype("datetime64[us]")  # parsed once for the checks too
        elif column in numbers:
            converted = distinct.astype("float64")
        else:
            converted = pd.array(np.where(distinct == "", None, distinct), dtype=text)
        columns[column] = converted if column in table.many_values else converted.take(codes)
    return pd.DataFrame(columns, copy=False)


# ------------------------------------------------------------ the registries


METRIC_REGISTRY = v.Schema(
    "metric_registry.csv",
    [
        v.Column("metric", v.slug),
        v.Column("name"),
        v.Column("unit"),
        v.Column("kind", v.one_of(METRIC_KINDS, "kind")),
        v.Column("axis_label"),
        v.Column("description"),
    ],
    [v.unique_key(["metric"])],
)
SEGMENTS = v.Schema(
    "segments.csv",
    [v.Column("segment", v.slug), v.Column("name"), v.Column("parent", nonempty=False), v.Column("description")],
    [v.unique_key(["segment"])],
)


@lru_cache(maxsize=None)
def _metric_registry() -> pd.DataFrame:
    return _load(None, METRIC_REGISTRY, dates=[])


@lru_cache(maxsize=None)
def _segments() -> pd.DataFrame:
    return _load(None, SEGMENTS, dates=[])


def load_metric_registry() -> pd.DataFrame:
    """The metric ids, each with its name, unit, kind (money, growth, count) and meaning.

    >>> load_metric_registry().set_index("metric").loc["aac", "unit"]
    'mn_consumers'
    """
    return _metric_registry().copy()


def load_segments() -> pd.DataFrame:
    """The segment lineage ids (``aidc``, ``cloud``, ...), with parent and meaning.

    >>> "aidc" in set(load_segments()["segment"])
    True
    """
    return _segments().copy()


# ------------------------------------------------------------ the data files


@lru_cache(maxsize=None)  # built from the bundled registries, which do not change
def metrics_schema() -> v.Schema:
    """The rules of ``metrics.csv`` (the data contract in ``data/README.md``)."""
    registry = _metric_registry()
    units = dict(zip(registry["metric"], registry["unit"]))
    return v.Schema(
        "metrics.csv",
        [
            v.Column("period_end", v.quarter_end),
            v.Column("fiscal_period", v.fiscal_label),
            v.Column("segment", v.one_of(_segments()["segment"], "segment id")),
            v.Column("segment_label"),
            v.Column("metric", v.one_of(units, "metric id")),
            v.Column("value", v.number, many_values=True),
            v.Column("unit"),
            v.Column("basis", v.one_of(BASES, "basis")),
            v.Column("source"),
            v.Column("published", v.date),
            v.Column("note", nonempty=False, required=False),
        ],
        [
            v.matches_label("period_end", "fiscal_period"),
            v.unit_of(units),
            v.not_before("published", "period_end", "the quarter ended"),
            v.unique_key(["period_end", "segment", "metric", "basis"]),
        ],
    )


@lru_cache(maxsize=None)  # built from the bundled registries, which do not change
def events_schema() -> v.Schema:
    """The rules of ``events.csv``."""
    segment_ids = _segments()["segment"]
    return v.Schema(
        "events.csv",
        [
            v.Column("event_id", v.slug),
            v.Column("date", v.date),
            v.Column("effective_date", v.date, nonempty=False),
            v.Column("kind", v.one_of(EVENT_KINDS, "event kind")),
            v.Column("title"),
            v.Column("summary"),
            v.Column("segments", v.list_of(segment_ids, "segment id")),
            v.Column("first_period", v.fiscal_label, nonempty=False),
            v.Column("source"),
            v.Column("published", v.date),
            v.Column("note", nonempty=False, required=False),
        ],
        [
            v.unique_key(["event_id"]),
            v.required_when("first_period", "kind", "segment_reporting"),
        ],
    )


@lru_cache(maxsize=None)  # built from the bundled registries, which do not change
def segment_labels_schema() -> v.Schema:
    """The rules of ``segment_labels.csv``, the lineage of as-printed names."""
    return v.Schema(
        "segment_labels.csv",
        [
            v.Column("segment", v.one_of(_segments()["segment"], "segment id")),
            v.Column("segment_label"),
            v.Column("first_period", v.fiscal_label),
            v.Column("last_period", v.fiscal_label, nonempty=False),
            v.Column("ended_by", v.slug, nonempty=False),
            v.Column("note", nonempty=False, required=False),
        ],
        [v.unique_key(["segment", "segment_label"])],
    )


@lru_cache(maxsize=None)  # built from the bundled registries, which do not change
def annual_schema() -> v.Schema:
    """The rules of ``annual.csv``, the fiscal-year totals quarters must add up to."""
    registry = _metric_registry()
    units = dict(zip(registry["metric"], registry["unit"]))
    return v.Schema(
        "annual.csv",
        [
            v.Column("fiscal_year", v.fiscal_year),
            v.Column("segment", v.one_of(_segments()["segment"], "segment id")),
            v.Column("segment_label"),
            v.Column("metric", v.one_of(units, "metric id")),
            v.Column("value", v.number),
            v.Column("unit"),
            v.Column("source"),
            v.Column("published", v.date),
            v.Column("note", nonempty=False, required=False),
        ],
        [v.unit_of(units), v.unique_key(["fiscal_year", "segment", "metric"])],
    )


@lru_cache(maxsize=None)  # built from the bundled registries, which do not change
def discrepancies_schema() -> v.Schema:
    """The rules of ``discrepancies.csv``: known differences between printed and computed growth."""
    return v.Schema(
        "discrepancies.csv",
        [
            v.Column("period_end", v.quarter_end),
            v.Column("segment", v.one_of(_segments()["segment"], "segment id")),
            v.Column("metric", v.one_of(_metric_registry()["metric"], "metric id")),
            v.Column("reason"),
        ],
        [v.unique_key(["period_end", "segment", "metric"])],
    )


def _load(path, schema: v.Schema, dates: list[str], numbers: list[str] = ()) -> pd.DataFrame:
    return _loaded(path, schema, dates, numbers)[0]


def _loaded(path, schema: v.Schema, dates: list[str], numbers: list[str] = ()) -> tuple[pd.DataFrame, v.Table]:
    """The typed frame of a checked file, and the table of its raw strings."""
    raw, name = _read(path, schema, numbers)
    table = schema.table(raw)
    _check(table, name, schema)
    frame = _typed(table, dates, numbers)
    frame.attrs["source_file"] = name
    return frame, table


@lru_cache(maxsize=None)
def _bundled(kind: str) -> pd.DataFrame:
    return LOADERS[kind](None)


def _metrics(path) -> pd.DataFrame:
    frame, table = _loaded(path, metrics_schema(), dates=["period_end", "published"], numbers=["value"])
    quarters = pd.PeriodIndex(table.each("period_end", v.parse_dates), freq=fiscal.FREQ).array  # per distinct date
    frame.insert(2, "period", table.per_row("period_end", quarters))
    return frame


def _events(path) -> pd.DataFrame:
    return _load(path, events_schema(), dates=["date", "effective_date", "published"])


def _segment_labels(path) -> pd.DataFrame:
    return _load(path, segment_labels_schema(), dates=[])


def _annual(path) -> pd.DataFrame:
    return _load(path, annual_schema(), dates=["published"], numbers=["value"])


def _discrepancies(path) -> pd.DataFrame:
    return _load(path, discrepancies_schema(), dates=["period_end"])


LOADERS = {
    "metric_registry": lambda path: _load(path, METRIC_REGISTRY, dates=[]),
    "segments": lambda path: _load(path, SEGMENTS, dates=[]),
    "metrics": _metrics,
    "events": _events,
    "segment_labels": _segment_labels,
    "annual": _annual,
    "discrepancies": _discrepancies,
}


def _cached_or_read(kind: str, path) -> pd.DataFrame:
    return _bundled(kind).copy() if path is None else LOADERS[kind](path)


def load_metrics(path=None) -> pd.DataFrame:
    """Segment metrics, one row per published figure (the long format of ``metrics.csv``).

    Columns: ``period_end`` (datetime64, the quarter's last day), ``fiscal_period``
    (``FY2025Q2``; sorts chronologically), ``period`` (pandas Period, Q-MAR),
    ``segment`` (lineage id), ``segment_label`` (the name as printed), ``metric``,
    ``value`` (float64), ``unit``, ``basis`` (``as_reported`` or ``restated``),
    ``source``, ``published`` (datetime64) and ``note``.

    With no ``path`` the bundled data is read; any path, or a file object
    opened in binary mode (``sys.stdin.buffer``, ``io.BytesIO``), reads your
    own file with the same columns. Raises :class:`alibiz.DataError` listing
    every bad row.

    >>> m = load_metrics()
    >>> m.query("segment == 'aidc' and metric == 'revenue' and fiscal_period == 'FY2025Q2'")["value"].iloc[0]
    np.float64(31672.0)
    """
    return _cached_or_read("metrics", path)


def load_events(path=None) -> pd.DataFrame:
    """Reorganizations, leadership changes, segment-reporting changes and strategic moves.

    Columns: ``event_id``, ``date`` (announced), ``effective_date``, ``kind``
    (reorg, leadership, segment_reporting, strategy), ``title``, ``summary``,
    ``segments`` (lineage ids joined by ';'), ``first_period`` (first quarter on
    a new reporting basis), ``source``, ``published``, ``note``.

    >>> events = load_events()
    >>> sorted(set(events["kind"])) == ['leadership', 'reorg', 'segment_reporting', 'strategy']
    True
    """
    return _cached_or_read("events", path)


def load_segment_labels(path=None) -> pd.DataFrame:
    """The lineage table: each as-printed segment name, its lineage id and when it was used.

    >>> labels = load_segment_labels()
    >>> set(labels.loc[labels["segment"] == "aidc", "segment_label"]) >= {"International commerce"}
    True
    """
    return _cached_or_read("segment_labels", path)


def load_annual(path=None) -> pd.DataFrame:
    """Fiscal-year totals from the annual filings, to check that quarters add up.

    >>> "FY2024" in set(load_annual()["fiscal_year"])
    True
    """
    return _cached_or_read("annual", path)


def load_discrepancies(path=None) -> pd.DataFrame:
    """Known differences between printed growth and growth computed from levels, with reasons.

    >>> list(load_discrepancies().columns)
    ['period_end', 'segment', 'metric', 'reason']
    """
    return _cached_or_read("discrepancies", path)


def file_kind(path) -> str:
    """Which data file a CSV is: the kind whose columns its header shares most.

    A header that matches none is taken for a metrics file, so that its
    problems are reported against that contract. A file object is read
    and rewound, ready for the loader.
    """
    start = path.tell() if hasattr(path, "read") else None
    _, data = _bytes(path, "")
    if start is not None:
        path.seek(start)
    header = set(_header(data))
    shared = {kind: len(header & set(schema().column_names)) for kind, schema in SCHEMAS.items()}
    return max(shared, key=lambda kind: (shared[kind], kind == "metrics"))


SCHEMAS = {
    "metric_registry": lambda: METRIC_REGISTRY,
    "segments": lambda: SEGMENTS,
    "metrics": metrics_schema,
    "events": events_schema,
    "segment_labels": segment_labels_schema,
    "annual": annual_schema,
    "discrepancies": discrepancies_schema,
}
