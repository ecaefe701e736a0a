"""Reading the data files: the only module that opens one.

Each loader reads a UTF-8 CSV, checks it against its schema and returns a
typed frame with every row of the file, or raises :class:`alibiz.DataError`
listing every bad row as ``FILE:LINE: column 'x': what is wrong (got 'y')``.
With no path, a loader reads the copy of the data bundled with the package.

>>> metrics = load_metrics()
>>> metrics.loc[0, ["fiscal_period", "segment", "metric"]].tolist() != []
True
"""

from __future__ import annotations

import csv
import io
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from alibiz import validate as v
from alibiz.validate import DataError

BUNDLED = "alibiz"
BASES = ("as_reported", "restated")
EVENT_KINDS = ("reorg", "leadership", "segment_reporting", "strategy")
METRIC_KINDS = ("money", "growth", "count")


# ------------------------------------------------------------ reading a file


def _read(path, schema: v.Schema) -> tuple[pd.DataFrame, str]:
    """Raw strings of a CSV, indexed by the line each row starts on, and the name to report.

    Raises DataError for a file that is missing, empty, not UTF-8 or not a
    well-formed CSV table, or whose header is wrong, listing every bad line.
    """
    name, data = _bytes(path, schema.name)
    data = data.removeprefix(b"\xef\xbb\xbf")  # Excel's UTF-8 byte order mark
    if not data.strip():
        expected = ",".join(schema.column_names)
        raise DataError.single(name, None, "", f"file is empty (expected a header row: {expected})")
    _check_text(name, data)
    header_line = data[: len(data) - len(data.lstrip(b"\r\n"))].count(b"\n") + 1
    problems = [(name, header_line, c, m, None) for c, m in schema.header_problems(_header(data))]
    try:
        lines = _layout(name, data)
    except DataError as error:
        problems += list(error.problems.itertuples(index=False, name=None))
    if problems:
        raise DataError(v.problem_frame(problems))
    raw = pd.read_csv(
        io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False,
        index_col=False, skip_blank_lines=True, encoding="utf-8",
    )  # fmt: skip
    if len(raw) != len(lines):  # pragma: no cover - a disagreement with _layout is a bug
        raise DataError.single(name, None, "", "the CSV could not be split into rows unambiguously")
    raw.index = pd.Index(lines, name="line")
    return raw, name


def _bytes(path, bundled_name: str) -> tuple[str, bytes]:
    if path is None:
        resource = resources.files(BUNDLED).joinpath("data", bundled_name)
        return f"{bundled_name} (bundled)", resource.read_bytes()
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


def _line_of(data: bytes, positions: np.ndarray) -> np.ndarray:
    newlines = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
    return np.searchsorted(newlines, positions) + 1


def _layout(name: str, data: bytes) -> np.ndarray:
    """Where each record starts and how many fields it has, found on the bytes.

    A comma or line break inside double quotes belongs to its field. Returns
    the starting line of each data record (blank lines skipped). Raises DataError listing every record whose field
    count differs from the header's, and every misplaced quote.
    """
    buf = np.frombuffer(data, np.uint8)
    size = len(buf)
    quotes = np.flatnonzero(buf == ord('"'))
    newlines = np.flatnonzero(buf == ord("\n"))
    commas = np.flatnonzero(buf == ord(","))
    quote_problems = _quote_problems(buf, quotes)
    if quote_problems:
        rows = [(name, int(line), "", msg, None) for line, msg in quote_problems]
        raise DataError(v.problem_frame(rows))
    outside = lambda pos: np.searchsorted(quotes, pos) % 2 == 0  # noqa: E731
    breaks = newlines[outside(newlines)]
    separators = commas[outside(commas)]
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [size]))
    length = ends - starts
    last = np.minimum(starts, size - 1)
    blank = (length == 0) | ((length == 1) & (buf[last] == ord("\r")))
    starts, ends = starts[~blank], ends[~blank]
    fields = np.searchsorted(separators, ends) - np.searchsorted(separators, starts) + 1
    lines = np.searchsorted(newlines, starts) + 1
    wrong = np.flatnonzero(fields != fields[0])
    if len(wrong):
        rows = [
            (name, int(lines[i]), "", f"has {int(fields[i])} fields, the header has {int(fields[0])}", None)
            for i in wrong
        ]
        raise DataError(v.problem_frame(rows))
    return lines[1:]


def _quote_problems(buf: np.ndarray, quotes: np.ndarray) -> list[tuple[int, str]]:
    """(line, message) for each line with a double quote where CSV allows none.

    After a bad quote the reading of the rest of that line is unreliable, so
    the search starts afresh on the next line: each bad line is named once.
    """
    newlines = np.flatnonzero(buf == ord("\n"))
    problems = []
    rest = quotes
    while len(rest):
        found = _first_bad_quote(buf, rest)
        if found is None:
            break
        position, message = found
        line = int(np.searchsorted(newlines, position)) + 1
        problems.append((line, message))
        next_line = newlines[line - 1] + 1 if line - 1 < len(newlines) else len(buf)
        rest = rest[np.searchsorted(rest, next_line) :]
    return problems


def _first_bad_quote(buf: np.ndarray, quotes: np.ndarray) -> tuple[int, str] | None:
    """The byte position and reason of the first misplaced quote, reading quotes in pairs."""
    prev = np.where(quotes > 0, buf[np.maximum(quotes - 1, 0)], ord("\n"))
    nxt = np.where(quotes + 1 < len(buf), buf[np.minimum(quotes + 1, len(buf) - 1)], ord("\n"))
    opening = np.arange(len(quotes)) % 2 == 0
    bad_open = opening & ~np.isin(prev, [ord(","), ord("\n"), ord('"')])
    bad_close = ~opening & ~np.isin(nxt, [ord(","), ord("\r"), ord("\n"), ord('"')])
    candidates = []
    if bad_open.any():
        candidates.append((int(quotes[bad_open.argmax()]), "has a double quote inside an unquoted field (quote the whole field and double the quote)"))
    if bad_close.any():
        candidates.append((int(quotes[bad_close.argmax()]), "has text after a closing double quote (quote the whole field and double inner quotes)"))
    if len(quotes) % 2:
        candidates.append((int(quotes[-1]), "has a quoted field that is never closed"))
    return min(candidates) if candidates else None


def _header(data: bytes) -> list[str]:
    """The names in the first non-blank line (undecodable bytes replaced)."""
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace").lstrip("\r\n")
    return next(csv.reader(io.StringIO(text)), [])


def _check(raw: pd.DataFrame, name: str, schema: v.Schema) -> None:
    problems = schema.problems(raw)
    if problems:
        rows = [(name, line, column, msg, _cell(raw, line, column)) for line, column, msg in problems]
        raise DataError(v.problem_frame(rows))


def _cell(raw: pd.DataFrame, line: int, column: str) -> str:
    """The raw text of a cell; for a key of several columns, their values joined by commas."""
    return ",".join(raw.at[line, c] for c in column.split(","))


def _typed(raw: pd.DataFrame, dates: list[str], numbers: list[str] = ()) -> pd.DataFrame:
    """Convert a checked raw frame: dates to datetime64, numbers to float64, '' to <NA>."""
    frame = raw.reset_index(drop=True)
    for column in frame.columns:
        if column in dates:
            frame[column] = v.parse_dates(frame[column])
        elif column in numbers:
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype("string").replace("", pd.NA)
    return frame


# ------------------------------------------------------------ the registries


@lru_cache(maxsize=None)
def _metric_registry() -> pd.DataFrame:
    schema = v.Schema(
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
    raw, name = _read(None, schema)
    _check(raw, name, schema)
    return _typed(raw, dates=[])


@lru_cache(maxsize=None)
def _segments() -> pd.DataFrame:
    schema = v.Schema(
        "segments.csv",
        [
            v.Column("segment", v.slug),
            v.Column("name"),
            v.Column("parent", nonempty=False),
            v.Column("description"),
        ],
        [v.unique_key(["segment"])],
    )
    raw, name = _read(None, schema)
    _check(raw, name, schema)
    return _typed(raw, dates=[])


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
            v.Column("value", v.number),
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


def annual_schema() -> v.Schema:
    """The rules of ``annual.csv``, the fiscal-year totals quarters must add up to."""
    registry = _metric_registry()
    units = dict(zip(registry["metric"], registry["unit"]))
    return v.Schema(
        "annual.csv",
        [
            v.Column("fiscal_year", _fiscal_year),
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


def _fiscal_year(values: pd.Series) -> pd.Series:
    ok = values.str.fullmatch(r"FY\d{4}").fillna(False).astype(bool)
    return v._message(~ok, "is not a fiscal year like 'FY2025'")


def _load(path, schema: v.Schema, dates: list[str], numbers: list[str] = ()) -> pd.DataFrame:
    raw, name = _read(path, schema)
    _check(raw, name, schema)
    frame = _typed(raw, dates, numbers)
    frame.attrs["source_file"] = name
    return frame


@lru_cache(maxsize=None)
def _bundled(kind: str) -> pd.DataFrame:
    return LOADERS[kind](None)


def _metrics(path) -> pd.DataFrame:
    frame = _load(path, metrics_schema(), dates=["period_end", "published"], numbers=["value"])
    frame.insert(2, "period", frame["period_end"].dt.to_period("Q-MAR"))
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

    With no ``path`` the bundled data is read; any path reads your own file
    with the same columns. Raises :class:`alibiz.DataError` listing every bad row.

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
    """Which data file a CSV is, judged by its header: metrics, events, segment_labels or annual.

    Raises DataError when the header matches none of them.
    """
    _, data = _bytes(path, "")
    header = set(_header(data))
    for kind, schema in SCHEMAS.items():
        key = {c.name for c in schema().columns if c.required}
        if key <= header or (kind == "metrics" and {"metric", "value", "period_end"} <= header):
            return kind
    markers = {"event_id": "events", "fiscal_year": "annual", "ended_by": "segment_labels", "reason": "discrepancies"}
    for column, kind in markers.items():
        if column in header:
            return kind
    return "metrics"


SCHEMAS = {
    "metrics": metrics_schema,
    "events": events_schema,
    "segment_labels": segment_labels_schema,
    "annual": annual_schema,
    "discrepancies": discrepancies_schema,
}
