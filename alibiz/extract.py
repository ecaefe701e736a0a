"""Results announcements -> rows of ``metrics.csv``: the release reader.

:func:`extract_release` reads one of Alibaba Group's quarterly results
announcements (the PDF from the investor-relations site, the HTML exhibit of
the Form 6-K, or the PDF's text layer saved as text) and returns the figures
the dataset keeps, in exactly the columns of ``data/metrics.csv``, each row
with the release's title, date and the place in it the figure was read. The
rows are checked by the same loader as every data file before they are
returned. :func:`compare` sets them beside the data (new, same, different)
and :func:`append` adds the new ones to a metrics file, atomically.

The reader is a tokeniser and a small grammar over the text, not over its
lines: the same release reads the same whether its tables come one row a
line (pypdf) or flattened into one long run of words and numbers.

>>> import io
>>> text = ("Alibaba Group Announces June Quarter 2026 Results Hong Kong, China, August 20, 2026 - "
...         "Alibaba Group Holding Limited today announced its financial results for the quarter ended "
...         "June 30, 2026. The following table sets forth a breakdown of our revenue by segment for the "
...         "periods indicated: Three months ended June 30, 2025 2026 RMB RMB US$ YoY % Change "
...         "(in millions, except percentages) AI Labs and Applications 2,882 3,338 492 16% (1) A footnote.")
>>> rows = extract_release(io.BytesIO(text.encode()))
>>> rows[["fiscal_period", "segment", "metric", "value", "basis"]].values.tolist()
[['FY2026Q1', 'ai_labs', 'revenue', 2882.0, 'restated'], ['FY2027Q1', 'ai_labs', 'revenue', 3338.0, 'as_reported'], ['FY2027Q1', 'ai_labs', 'revenue_yoy', 16.0, 'as_reported']]
"""

from __future__ import annotations

import bisect
import csv
import html.parser
import io
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from alibiz import files, fiscal
from alibiz.load import _bytes as read_bytes
from alibiz.load import load_metric_registry, load_metrics, load_segment_labels, metrics_schema
from alibiz.validate import DataError

COLUMNS = [c.name for c in metrics_schema().columns]
CMR_SEGMENT = "china_ecommerce"  # customer management revenue is China e-commerce's, whatever the era calls it


class ExtractError(ValueError):
    """A file that cannot be read as a results announcement: one line saying why.

    ``str(error)`` reads ``FILE: reason``.
    """

    def __init__(self, name: str, reason: str):
        self.file, self.reason = name, reason
        super().__init__(f"{name}: {reason}")


# ------------------------------------------------------------ reading the file


def read_document(source) -> tuple[str, str, str]:
    """The name, kind (``pdf``, ``html`` or ``text``) and text of a document.

    ``source`` is a path or a file object opened in binary mode. The kind is
    told from the content (``%PDF`` magic, HTML tags, else UTF-8 text), never
    from the name. Raises :class:`ExtractError` for an empty, binary,
    truncated, encrypted or scanned file.

    >>> read_document(io.BytesIO(b"<html><body><p>Hello</p></body></html>"))[1:]
    ('html', 'Hello')
    """
    name, data = _bytes(source)
    if not data.strip():
        raise ExtractError(name, "is empty: give the results announcement (PDF, 6-K HTML exhibit or its text)")
    if data.lstrip()[:5] == b"%PDF-":
        return name, "pdf", _pdf_text(name, data)
    text = _decoded(name, data)
    if _looks_like_html(text):
        return name, "html", html_text(text)
    return name, "text", text


def _bytes(source) -> tuple[str, bytes]:
    """The name and bytes of a path or binary file object, read as the loader reads a data file."""
    try:
        return read_bytes(source, "")
    except DataError as error:  # a missing file, a folder, one that cannot be read: one line
        problem = error.problems.iloc[0]
        raise ExtractError(problem.file, problem.message.replace("a CSV file", "a results announcement")) from None


def _decoded(name: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise ExtractError(name, "is a binary file, not a results announcement (PDF, 6-K HTML exhibit or text)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # the 6-K exhibits of some years are Windows-1252 HTML
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ExtractError(name, "is a binary file, not a results announcement (PDF, 6-K HTML exhibit or text)") from None
    if sum(not (c.isprintable() or c.isspace()) for c in text[:4096]) > 8:
        raise ExtractError(name, "is a binary file, not a results announcement (PDF, 6-K HTML exhibit or text)")
    return text


def _pdf_text(name: str, data: bytes) -> str:
    """The text layer of a PDF, page after page, through pypdf."""
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - the [extract] extra is not installed
        raise ExtractError(name, "is a PDF: reading PDFs needs pypdf (pip install 'alibiz[extract]'), or give its text as a .txt file") from None
    if b"%%EOF" not in data[-2048:]:
        raise ExtractError(name, "is a truncated PDF (no end-of-file marker): download it again")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractError(name, "is an encrypted PDF: save an unencrypted copy (or its text as a .txt file) and read that")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever pypdf trips on in a damaged file is the file's fault
        raise ExtractError(name, f"is a damaged or truncated PDF ({type(error).__name__}): download it again") from None
    text = "\n\f\n".join(pages)  # a form feed between pages: blank to the reader, counted for the page of a warning
    if len(re.findall(r"[A-Za-z]{3,}", text)) < 20:
        raise ExtractError(name, f"is a PDF without a text layer ({len(pages)} page{'s' * (len(pages) != 1)} of images, a scan): "
                           "use the text version from the investor-relations site or the 6-K exhibit, or run OCR (e.g. ocrmypdf) first")
    return text


def _looks_like_html(text: str) -> bool:
    head = text[:4096].lower()
    return bool(re.search(r"<(?:!doctype html|html|body|table|div|p|font)\b", head))


class _HTMLText(html.parser.HTMLParser):
    """Visible text of an HTML page: a cell, a paragraph or a row ends with a break."""

    BREAKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "td", "th"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BREAKS:
            self.parts.append("\n" if tag in {"p", "div", "br", "tr", "li", "table"} else " ")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BREAKS:
            self.parts.append(" " if tag in {"td", "th"} else "\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The visible text of an HTML document, one cell after another.

    >>> html_text("<table><tr><td>Loss</td><td>(1,234</td><td>)</td><td>(5</td><td>)%</td></tr></table>").split()
    ['Loss', '(1,234)', '(5)%']
    """
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    # 6-K exhibits often set a loss's closing parenthesis and the per cent sign in cells of their own
    text = re.sub(r"\((\d[\d,.]*)\s+\)", r"(\1)", text)
    text = re.sub(r"(\d\)?)[ \t]+%", r"\1%", text)
    return re.sub(r"[ \t]*\n\s*", "\n", text).strip()


# ------------------------------------------------------------ tokens


@dataclass(frozen=True)
class Token:
    """One whitespace-separated piece of the text: a word, or a number as printed."""

    text: str
    offset: int  # where it starts in the text
    value: float | None = None  # a number: its value (losses negative)
    kind: str = "word"  # word, money, pct, blank (a dash or N/A in a table cell), unclear (a figure with a space inside)


_UNCLEAR = "\ue000"  # stands for a no-break space between digit groups: '10 721' is one figure, or two cells
_NUMBER = re.compile(rf"(\()?(-)?(\d{{1,3}}(?:[,{_UNCLEAR}]\d{{3}})+|\d+)(\.\d+)?(\))?(%)?")
_DIGIT_GROUPS = r"(?<![\d,.])\d{1,3}(?:[%s]\d{3})+(?![\d,])"
_FOOTNOTE = re.compile(r"(?:\((?:\d|[ivx]{1,3}|[a-z])\))+$")
_BLANKS = {"—", "–", "-", "N/A", "n/a", "NA", "N.A.", "nm", "n.m.", "N.M."}


def _normalized(text: str) -> str:
    """The text with the spaces, digits and dashes of typesetting made plain.

    A thin or narrow no-break space between digit groups is a thousands
    separator (``12\u2009345`` is 12,345); a no-break space there may be one
    too, or stand between two cells (``519\u00a0783``): such a figure is
    marked unclear and its row is left out. An en dash or a minus sign
    before a figure is its sign.

    >>> _normalized("12\u2009345 and 519\u00a0783 and\u00a0more") == "12,345 and 519" + _UNCLEAR + "783 and more"
    True
    >>> _normalized("\u2013356 \u221225% 2019\u20132020 \u2013 Others")
    '-356 -25% 2019–2020 – Others'
    """
    text = re.sub(_DIGIT_GROUPS % "\u2009\u202f", lambda m: re.sub("[\u2009\u202f]", ",", m.group(0)), text)
    text = re.sub(_DIGIT_GROUPS % "\u00a0", lambda m: m.group(0).replace("\u00a0", _UNCLEAR), text)
    text = unicodedata.normalize("NFKC", text)  # no-break and thin spaces, full-width digits
    text = re.sub(r"(?<!\S)[\u2012\u2013](?=\d)", "-", text)  # '–1,389', '–25%': an en or figure dash set as a minus sign
    return text.replace("\u2011", "-").replace("\u2212", "-").replace("\u2010", "-")


def _without_page_numbers(text: str) -> str:
    """The text without its page numbers: lines holding only 1, 2, 3, ... in order, after a blank line.

    A number a few pages ahead is taken too (a page the text layer lost); a
    table cell alone on its line is left unless it happens to be the next
    page's number.

    >>> _without_page_numbers("Revenue 10\\n \\n2 \\n 20\\n \\n3 \\nend").split()
    ['Revenue', '10', '20', 'end']
    """
    pieces, last, expected = [], 0, 1
    for match in re.finditer(r"(?:^|\n)[ \t\f]*(?:\n[ \t\f]*)*?(\d{1,3})[ \t]*(?=\n|$)", text):
        number = int(match.group(1))
        if number == expected and (match.start() == 0 or "\n" in match.group(0)[1:] or expected == 1):
            pieces += [text[last : match.start(1)], " "]
            last, expected = match.end(1), expected + 1
        elif expected < number <= expected + 5 and "\n" in match.group(0)[1:]:  # pages the text layer lost
            pieces += [text[last : match.start(1)], " "]
            last, expected = match.end(1), number + 1
    pieces.append(text[last:])
    return "".join(pieces)


def tokens(text: str) -> list[Token]:
    """The text as tokens: words, money amounts, percentages and blank cells.

    A footnote marker after a name or a number (``entertainment(1)``,
    ``66,637(3)``) is dropped; ``(25)%`` is -25 percent and ``(1,389)`` a loss.

    >>> [(t.text, t.value, t.kind) for t in tokens("Cloud(2) (1,389) 24 (25)% —")]
    [('Cloud', None, 'word'), ('(1,389)', -1389.0, 'money'), ('24', 24.0, 'money'), ('(25)%', -25.0, 'pct'), ('—', None, 'blank')]
    """
    found: list[Token] = []
    for match in re.finditer(r"\S+?%(?=[A-Z][a-z])|\S+", text):  # '60%Adjusted': a row's last cell run into the next name
        piece, offset = match.group(0), match.start()
        if piece == "%" and found and found[-1].kind == "money":  # '37 %'
            last = found.pop()
            found.append(Token(last.text + "%", last.offset, last.value, "pct"))
            continue
        number = _NUMBER.fullmatch(piece)
        if number is None:
            stripped = _FOOTNOTE.sub("", piece)
            number = _NUMBER.fullmatch(stripped) if stripped and stripped[0] in "(-0123456789" else None
            if number is not None and not number.group(6) and stripped[0] == "(" and not stripped.endswith(")"):
                number = None
            if number is None:
                if stripped in _BLANKS or piece in _BLANKS:
                    found.append(Token(piece, offset, None, "blank"))
                elif stripped:
                    found.append(Token(stripped, offset))
                continue
            piece = stripped
        opening, minus, digits, decimals, closing, percent = number.groups()
        if bool(opening) != bool(closing):
            found.append(Token(piece, offset))  # '(2' or '3)': a piece of prose
            continue
        if _UNCLEAR in digits:
            found.append(Token(piece, offset, None, "unclear"))
            continue
        value = float(digits.replace(",", "") + (decimals or ""))
        if opening or minus:
            value = -value
        kind = "pct" if percent else "money"
        if opening and kind == "money" and "," not in digits and not decimals and len(digits) == 1 and found and found[-1].kind in ("word", "pct"):
            continue  # '(3)' after a name or a percentage: a footnote marker on its own
        found.append(Token(piece, offset, value if value != 0 else 0.0, kind))
    for k, token in enumerate(found[:-1]):  # '- Customer management': a dash before a name marks a line, not a blank cell
        if token.kind == "blank" and token.text in ("-", "–", "•") and found[k + 1].kind == "word":
            found[k] = Token(token.text, token.offset)
    return found


# ------------------------------------------------------------ the release


@dataclass(frozen=True)
class Figure:
    """One figure read in a release, before it becomes a row."""

    names: tuple[str, ...]  # the printed name of its line, then the names it is printed under
    metric: str
    value: float
    basis: str  # as_reported (the quarter's column) or restated (the prior-year column)
    where: str  # which table or sentence it was read in
    offset: int
    in_use_only: bool = False  # its name counts only in the quarters segment_labels.csv gives it (a scope)


@dataclass
class Release:
    """What a results announcement says about itself, and the figures read in it."""

    name: str
    kind: str
    text: str
    title: str
    published: pd.Timestamp
    quarter_end: pd.Timestamp
    figures: list[Figure] = field(default_factory=list)
    unknown: list[tuple[str, int]] = field(default_factory=list)  # (printed name, offset)
    conflicts: list[tuple[str, int]] = field(default_factory=list)  # (what, offset)
    left_out: list[tuple[str, int]] = field(default_factory=list)  # (why, offset): rows of cells that cannot be read safely

    @property
    def quarter(self) -> pd.Period:
        return fiscal.period(self.quarter_end)

    @property
    def prior_end(self) -> pd.Timestamp:
        return fiscal.quarter_end(self.quarter - 4)

    def where(self, offset: int) -> str:
        """``FILE:LINE`` of a place in the text; in a PDF, its page and the line on that page."""
        if self.kind != "pdf":
            return f"{self.name}:{self.text.count(chr(10), 0, offset) + 1}"
        page_start = self.text.rfind("\f", 0, offset) + 1
        page = self.text.count("\f", 0, offset) + 1
        return f"{self.name}: page {page}, line {self.text.count(chr(10), page_start, offset)}"


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = rf"(?:{_MONTHS})\s+\d{{1,2}},\s*\d{{4}}"


def _date(text: str) -> pd.Timestamp:
    """A date as the releases print it, read field by field (a parser takes 'May 15,2025' for year 1).

    >>> _date("February 24,2022"), _date("JUNE\\n30, 2026")
    (Timestamp('2022-02-24 00:00:00'), Timestamp('2026-06-30 00:00:00'))
    """
    month, day, year = re.fullmatch(r"(\w+)\s+(\d{1,2}),\s*(\d{4})", text).groups()
    return pd.Timestamp(int(year), _MONTHS.lower().split("|").index(month.lower()) + 1, int(day))


def _release(name: str, kind: str, text: str) -> Release:
    """The release's title, date and quarter; ExtractError if it is not a results announcement."""
    head = re.sub(r"\s+", " ", text[:6000])
    quarter = re.search(rf"results for the (?:quarter|three months)(?: and (?:the )?(?:full )?fiscal year| ended and the (?:six|nine) months)? ended ({_DATE})", head, re.I)
    title = re.search(r"Alibaba Group Announces (.{5,160}?)Results(?: and Interim Results for the Six Months Ended " + _DATE + r")?", head)
    if quarter is None or title is None:
        raise ExtractError(name, "is not an Alibaba Group quarterly results announcement "
                           "(no 'Alibaba Group Announces ... Results' title and 'results for the quarter ended ...' statement)")
    after_title = head[title.end():]
    dated = re.search(rf"({_DATE})\s*[-–—]+\s*Alibaba Group", after_title) or re.search(rf"China,?\s+({_DATE})", after_title)
    if dated is None:
        raise ExtractError(name, "has no date line ('Hangzhou, China, <date> - Alibaba Group ...'): cannot tell when it was published")
    try:
        end, published = _date(quarter.group(1)), _date(dated.group(1))
    except ValueError:  # 'June 31, 2026'
        raise ExtractError(name, f"names a day that does not exist ('{quarter.group(1)}' or '{dated.group(1)}')") from None
    if not fiscal.is_quarter_end(end):
        raise ExtractError(name, f"names a quarter that ends on {end.date()}, not a fiscal quarter end")
    titled = re.match(rf"({_MONTHS}) Quarter\b.*?\b(\d{{4}})\b", title.group(1))
    if titled and (titled.group(1) != end.month_name() or int(titled.group(2)) != end.year):
        raise ExtractError(name, f"is titled '{title.group(0).strip()}' but gives its results for the quarter ended "
                           f"{quarter.group(1)}: which quarter it reports cannot be told")
    if not end < published <= end + pd.DateOffset(years=1):
        raise ExtractError(name, f"is dated {dated.group(1)}, not in the year after the quarter it reports (ended {quarter.group(1)})")
    return Release(name, kind, text, title.group(0).strip(), published, end)


# ------------------------------------------------------------ tables


@dataclass(frozen=True)
class Row:
    """A line of a table: its printed name, the names it sits under, and its cells."""

    label: str
    parents: tuple[str, ...]
    cells: tuple[Token, ...]
    offset: int
    broken: bool = False  # its cells ran on into the next row's without filling the columns
    cut: bool = False  # the text ends in it: its last figure may be cut short ('6,922' -> '6')


def _clean_label(words: list[Token]) -> str:
    label = " ".join(w.text for w in words)
    label = re.sub(r"\s*\((?:\d|[ivx]{1,3}|[a-z])\)", "", label)  # footnote markers set apart by a line break
    return label.strip(" :-•·*").strip()


def _rows(toks: list[Token], stop: Callable[[list[Token]], bool], layout: "Layout | None" = None) -> list[Row]:
    """The rows of a table whose tokens start at ``toks[0]``: each a name and the cells after it.

    A name that ends with ':' or is followed by '- name' is a heading the
    following rows sit under; a run of cells with no name of its own is the
    subtotal of the heading above (the way the releases print "China
    commerce retail / - Customer management / - Others / 110,458 ...").
    With the table's ``layout``, a cell that does not fit the row's columns
    starts the next row, which has no name; if the row had not reached its
    last column, or the cell cannot be a first column's ('7%'), both are
    marked broken (the cells do not line up).
    """
    rows, words, cells, i = [], [], [], 0
    broken = False
    heading: list[str] = []  # outermost first
    sub: str | None = None  # a name whose '- ' lines follow

    def flush():
        nonlocal sub, broken
        if not cells:
            return
        was_broken, broken = broken, False
        dash_at = [k for k, w in enumerate(words) if w.text in ("-", "•", "–")]
        label_words = words
        if dash_at:
            before = _clean_label(words[: dash_at[0]])
            if before:  # 'China E-commerce - Customer management': a name, then its first line
                sub = before
                label_words = words[dash_at[0] + 1 :]
            else:
                label_words = words[dash_at[-1] + 1 :]
        label = _clean_label(label_words)
        if not label and sub is not None:  # the subtotal of a '- ' group
            rows.append(Row(sub, tuple(heading), tuple(cells), cells[0].offset, was_broken))
            sub = None
        elif dash_at and sub is not None:
            rows.append(Row(label, tuple(heading) + (sub,), tuple(cells), (label_words or cells)[0].offset, was_broken))
        else:
            sub = None
            offset = (label_words or cells)[0].offset
            rows.append(Row(label, tuple(heading), tuple(cells), offset, was_broken))

    while i < len(toks):
        token = toks[i]
        if token.kind == "word":
            if cells:
                flush()
                words, cells = [], []
                if stop(toks[i : i + 40]):
                    break
            if token.text.endswith(":") and len(token.text) > 1 and not cells:
                name = _clean_label(words + [Token(token.text[:-1], token.offset)])
                if name and not name.lower().startswith(("less", "add")):
                    heading = [name]
                    words = []
                    sub = None
                    i += 1
                    continue
            words.append(token)
            if len(words) > 30:  # prose, not a table
                break
        else:
            if cells and layout is not None and layout.columns(tuple(cells + [token])) is None:
                misaligned = not layout.complete(tuple(cells))
                broken = broken or misaligned
                flush()
                words, cells = [], []
                broken = misaligned or layout.columns((token,)) != [0]  # a row of its own starts in the first column
            cells.append(token)
        i += 1
    else:
        ends_in_row = bool(cells)
        flush()
        if ends_in_row:
            rows[-1] = replace(rows[-1], cut=True)
    return rows


def _prose_starts(window: list[Token]) -> bool:
    """Whether tokens open a paragraph or a footnote rather than the next row."""
    words = []
    for token in window:
        if token.kind != "word":
            break
        words.append(token.text)
    if not words:
        return False
    if re.fullmatch(r"\((?:\d|[ivx]{1,3})\)", words[0]):
        return True
    if re.match(r"(?:Three|Six|Nine|Twelve) months ended|(?:Fiscal )?[Yy]ear ended", " ".join(words[:3])):
        return True  # the next table
    return len(words) > 14


_HEADER_END = re.compile(r"\(in millions,? except (?:percentages|per share|%)[^)]*\)|\(in millions\)", re.I)


@dataclass(frozen=True)
class Layout:
    """The columns of a row table: for each, ``prior``, ``current``, ``usd``, ``share`` or ``yoy``."""

    roles: tuple[str, ...]

    def kinds(self) -> tuple[str, ...]:
        return tuple("pct" if r in ("share", "yoy") else "money" for r in self.roles)

    def columns(self, cells: tuple[Token, ...]) -> list[int] | None:
        """The column of each cell, matched in order by kind (a blank or unclear cell fits any); None if they do not fit."""
        at, k, kinds = [], 0, self.kinds()
        for cell in cells:
            while k < len(kinds) and cell.kind not in ("blank", "unclear") and kinds[k] != cell.kind:
                k += 1
            if k >= len(kinds):
                return None  # more cells than columns: not a row of this table
            at.append(k)
            k += 1
        return at

    def complete(self, cells: tuple[Token, ...]) -> bool:
        """Whether the cells fit and reach the table's last column."""
        at = self.columns(cells)
        return bool(at) and at[-1] == len(self.roles) - 1

    def assign(self, cells: tuple[Token, ...]) -> dict[str, Token]:
        """Each cell with a value under its column (empty if the cells do not fit)."""
        at = self.columns(cells) or []
        return {self.roles[k]: cell for cell, k in zip(cells, at) if cell.kind not in ("blank", "unclear")}


def _layout(header: str, current_year: int) -> Layout | None:
    """The columns from a header such as ``2025 2026 RMB RMB US$ YoY % Change``; None unless its
    amounts are of ``current_year`` and the year before.

    >>> _layout("2025 2026 RMB RMB US$ YoY % Change", 2026).roles
    ('prior', 'current', 'usd', 'yoy')
    >>> _layout("2026 2026 RMB RMB US$ YoY % Change", 2026) is None
    True
    """
    years = [int(y) for y in re.findall(r"\b(20\d\d)\b", header)]
    words = re.sub(r"\(\d\)", " ", header)
    columns = re.findall(r"%\s*of\s*(?:total\s*)?revenue|YoY\s*%?\s*(?:Change|change)?|%\s*Change|US\$|RMB", words, re.I)
    money = [c for c in columns if c.upper() == "RMB"]
    if len(money) < 2 or sorted(years[: len(money)]) != [current_year - 1, current_year]:
        return None  # not the quarter's table beside the year before's
    order = ["current" if y == current_year else "prior" for y in years[: len(money)]]
    roles, m, growth = [], 0, False
    for column in columns:
        lower = column.lower()
        if lower == "rmb":
            roles.append(order[m] if m < len(order) else "other")
            m += 1
        elif lower == "us$":
            roles.append("usd")
        elif "revenue" in lower:
            roles.append("share")
        else:
            growth = True  # the growth column is the last, wherever the text layer put its heading
    if growth:
        roles.append("yoy")
    return Layout(tuple(roles))


@dataclass
class Text:
    """A release's text as tokens, with the flat string they make for searching."""

    raw: str
    toks: list[Token]
    flat: str
    starts: list[int]  # where each token starts in ``flat``

    @classmethod
    def of(cls, text: str) -> "Text":
        toks = tokens(text)
        starts, pieces, at = [], [], 0
        for token in toks:
            starts.append(at)
            pieces.append(token.text)
            at += len(token.text) + 1
        return cls(text, toks, " ".join(pieces), starts)

    def index_at(self, flat_offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, flat_offset) - 1)

    def find(self, pattern: str, start: int = 0, flags=re.I) -> re.Match | None:
        return re.compile(pattern, flags).search(self.flat, start)


def _row_table(release: Release, doc: Text, anchor: str, what: str) -> tuple[Layout | None, list[Row]]:
    """The layout and rows of the first 'Three months ended' row table after ``anchor`` (None, [] if none).

    A table found whose header does not give the quarter's and the prior
    year's columns is reported as left out.
    """
    found = doc.find(anchor)
    head = doc.find(r"Three months ended", found.end()) if found else None
    if head is None or head.start() - found.end() > 400:
        return None, []
    end = _HEADER_END.search(doc.flat, head.end(), head.end() + 400)
    layout = _layout(doc.flat[head.end() : end.start()], release.quarter_end.year) if end else None
    if layout is None:
        header = doc.flat[head.start() : end.start() if end else head.end() + 80].strip()
        release.left_out.append((f"the {what}: its header ('{header}') does not give the columns of "
                                 f"{release.quarter_end.year} and {release.quarter_end.year - 1}", doc.toks[doc.index_at(head.start())].offset))
        return None, []
    first = doc.index_at(end.end() + 1)
    if doc.starts[first] < end.end():
        first += 1
    return layout, _rows(doc.toks[first:], _prose_starts, layout)


# ------------------------------------------------------------ what each table holds


def _row_figures(release: Release, layout: Layout, rows: list[Row], money_metric: str, where: str) -> list[Figure]:
    out = []
    for row in rows:
        cells = layout.assign(row.cells)
        if row.broken:
            release.left_out.append(("a row whose figures do not line up with the table's columns", row.offset))
            continue
        if _unclear(release, row) or _cut(release, row):
            continue
        if not cells:
            continue
        disagreement = _disagreement(layout, cells)
        if disagreement:
            release.left_out.append((f"a row whose figures disagree ({disagreement})", row.offset))
            continue
        names = (row.label, *reversed(row.parents))
        metric, growth = money_metric, f"{money_metric}_yoy"
        if money_metric == "revenue" and re.fullmatch(r"customer management(?: revenue)?", row.label, re.I):
            metric, growth, names = "cmr", "cmr_yoy", names[1:]
        for role, basis, name in (("current", "as_reported", metric), ("prior", "restated", metric), ("yoy", "as_reported", growth)):
            if role in cells:
                out.append(Figure(names, name, cells[role].value, basis, where, cells[role].offset))
        if row.label.lower().startswith("consolidated"):
            break  # what follows reconciles the total to income from operations
    return out


def _disagreement(layout: Layout, cells: dict[str, Token]) -> str | None:
    """How a row's figures contradict each other, if they do: the check that no cell was lost.

    A lost cell shifts the next one into its column and the kinds still fit
    ('33,418 7,139 45%' without the quarter's 48,437). The growth a release
    prints is the change of its amounts ((current - prior) / |prior|, as the
    releases compute it for losses too), within their rounding; a row with
    no growth to check it by must have its US$ amount where the table has
    that column (a 6-K exhibit may leave the US$ cells empty).

    >>> layout = Layout(("prior", "current", "usd", "yoy"))
    >>> _disagreement(layout, layout.assign(tuple(tokens("33,418 48,437 7,139 45%"))))
    >>> _disagreement(layout, layout.assign(tuple(tokens("33,418 7,139 45%"))))
    'growth printed 45%, its amounts give -79%'
    >>> _disagreement(layout, layout.assign(tuple(tokens("687 (493) N/A"))))
    "no US$ amount beside the quarter's and no growth to check it by"
    """
    prior, current, usd, growth = (cells.get(role) for role in ("prior", "current", "usd", "yoy"))
    if prior is not None and current is not None and growth is not None and abs(prior.value) >= 1:
        if _growth_agrees(prior.value, current.value, growth.value):
            return None
        return f"growth printed {growth.text}, its amounts give {(current.value - prior.value) / abs(prior.value) * 100:.0f}%"
    if current is not None and usd is None and "usd" in layout.roles:
        return "no US$ amount beside the quarter's and no growth to check it by"
    return None


def _unclear(release: Release, row: Row) -> bool:
    """Whether the row holds a figure with a no-break space inside it (noted as left out)."""
    unclear = next((c for c in row.cells if c.kind == "unclear"), None)
    if unclear is not None:
        release.left_out.append((f"a row with '{unclear.text.replace(_UNCLEAR, ' ')}', a figure with a no-break space inside it "
                                 "(one figure, or two cells?)", row.offset))
    return unclear is not None


def _cut(release: Release, row: Row) -> bool:
    """Whether the text ends in the row, which may have lost the end of its last figure (noted as left out)."""
    if row.cut:
        release.left_out.append(("the text ends in this row (is the file cut short?)", row.offset))
    return row.cut


def _segment_rows(release: Release, doc: Text) -> list[Figure]:
    figures = []
    anchors = [
        (r"breakdown of (?:our )?revenue by segment", "revenue", "revenue-by-segment table"),
        (r"breakdown of (?:our )?adjusted EBITA by segment", "adjusted_ebita", "adjusted-EBITA-by-segment table"),
    ]
    for anchor, metric, where in anchors:
        layout, rows = _row_table(release, doc, anchor, where)
        if layout is not None:
            figures += _row_figures(release, layout, rows, metric, where)
    return figures


def _summary_rows(release: Release, doc: Text) -> list[Figure]:
    """Group revenue and adjusted EBITA, and their growth, from the summary financial results table."""
    anchor = r"QUARTER (?:AND FULL FISCAL YEAR )?(?:\d{4} )?SUMMARY FINANCIAL RESULTS|SUMMARY FINANCIAL RESULTS"
    layout, rows = _row_table(release, doc, anchor, "summary financial results table")
    figures = []
    for label, metric in (("revenue", "revenue"), ("adjusted ebita", "adjusted_ebita")):
        picked = [replace(row, label="Alibaba Group", parents=()) for row in rows if row.label.lower() == label]
        figures += _row_figures(release, layout, picked, metric, "summary financial results table")
    return figures


def _column_tables(release: Release, doc: Text) -> list[Figure]:
    """Segment revenue, adjusted EBITA and their growth from the tables with one column per
    segment (the releases up to the March 2023 quarter): a block for the quarter, one for the year before.

    A block is told by its US$ column, which only the current period's blocks have: the
    first with one is the quarter, the first without one the same quarter a year before
    (text layers often move the 'Three months ended' lines away from their blocks; the
    six-, nine- and twelve-month blocks come after the quarter's).
    """
    found = doc.find(r"selected financial information of (?:our|the) operating segments")
    if found is None:
        return []
    stop = doc.find(r"SEGMENT RESULTS|breakdown of (?:our )?revenue by segment", found.end())
    limit = stop.start() if stop else len(doc.flat)
    figures, read_blocks = [], set()
    for block in re.finditer(r"\(in millions", doc.flat[: limit]):
        if block.start() < found.end():
            continue
        end = doc.index_at(block.start())
        begin = end
        while begin > 0 and (doc.toks[begin - 1].kind == "word" or _is_year(doc.toks[begin - 1])):
            begin -= 1
        header = doc.toks[max(begin, doc.index_at(found.end())) : end]
        introduced = [k for k, t in enumerate(header) if t.text.endswith("indicated:")]
        if introduced:
            header = header[introduced[-1] + 1 :]
        header_text = " ".join(t.text for t in header)
        basis = "as_reported" if "US$" in header_text else "restated"
        if basis in read_blocks:  # a six-, nine- or twelve-month block after the quarter's two
            continue
        read_blocks.add(basis)
        name_words = _header_words(header)
        names = _column_names(name_words, release)
        currencies = [t.text for t in header if t.text in ("RMB", "US$")]
        if len(names) != currencies.count("RMB"):
            release.left_out.append((f"a segment table whose {len(names)} column heading{'s' * (len(names) != 1)} do not match "
                                     f"its {currencies.count('RMB')} RMB columns", header[0].offset if header else block.start()))
            continue
        after = re.compile(r"\)").search(doc.flat, block.end())
        rows = _rows(doc.toks[doc.index_at(after.end() + 1) if after else end + 1 :],
                     lambda w: _prose_starts(w) or " ".join(t.text for t in w[:2]) == "Three months")
        previous = None
        for row in rows:
            metric = _column_metric(row.label, previous)
            previous = metric or previous
            if metric is None:
                continue
            kind = "pct" if metric.endswith("_yoy") else "money"
            row_basis = "as_reported" if kind == "pct" else basis
            if kind == "pct" and basis != "as_reported":
                continue
            if _unclear(release, row) or _cut(release, row):
                continue
            total_at = names.index("Alibaba Group") if "Alibaba Group" in names else None
            cells = _column_cells(row, kind, len(currencies) if kind == "money" else len(names), total_at)
            if cells is None:
                release.left_out.append((f"a row whose figures do not match the segment table's {len(names)} columns "
                                         "(or do not add up to its total)", row.offset))
                continue
            for column, cell in zip(names, cells):
                if column is None or cell.kind == "blank":
                    continue
                figures.append(Figure((column,), metric, cell.value, row_basis, "segment information table", cell.offset))
    return _growth_checked(release, figures)


def _growth_checked(release: Release, figures: list[Figure]) -> list[Figure]:
    """The segment tables' figures without a column whose printed growth its two blocks' amounts contradict.

    Two neighbouring figures exchanged still add up; where the table prints
    a growth row, the quarter's amount against the year before's tells.
    """
    found = {(f.names, f.metric, f.basis): f for f in figures}
    contradicted = set()
    for (names, metric, basis), growth in found.items():
        current, prior = found.get((names, metric[: -len("_yoy")], "as_reported")), found.get((names, metric[: -len("_yoy")], "restated"))
        if metric.endswith("_yoy") and current and prior and not _growth_agrees(prior.value, current.value, growth.value):
            contradicted |= {growth, current, prior}
            release.left_out.append((f"'{names[0]}' in the segment table: growth printed {growth.value:g}%, its amounts give "
                                     f"{(current.value - prior.value) / abs(prior.value) * 100:.0f}%", growth.offset))
    return [f for f in figures if f not in contradicted]


def _growth_agrees(prior: float, current: float, growth: float) -> bool:
    """Whether a printed growth is the change from ``prior`` to ``current``, within the rounding of all three.

    The releases compute it as (current - prior) / |prior|, for losses too.

    >>> _growth_agrees(33418, 48437, 45), _growth_agrees(-3224, -13861, -330), _growth_agrees(33418, 7139, 45)
    (True, True, False)
    """
    if abs(prior) < 1:
        return True  # no growth from nothing: nothing to check
    bounds = [(c - p) / abs(p) * 100 for p in (prior - 0.5, prior + 0.5) for c in (current - 0.5, current + 0.5)]
    return min(bounds) - 1 <= growth <= max(bounds) + 1


def _column_cells(row: Row, kind: str, columns: int, total_at: int | None) -> list[Token] | None:
    """The cells of a segment table's row, one per column, or None when they cannot be matched to the columns.

    A footnote marker set apart from its figure (``41,025 (2)``) looks like a
    loss of 2: in a row of amounts the markers are dropped only when the row
    has exactly that many cells too many, and the row must add up (the
    segments and unallocated to the consolidated column, ``total_at``, within
    rounding) or it is not read at all. A percentage is never ``(2)``.
    """
    markers = [c for c in row.cells if re.fullmatch(r"\(\d\)", c.text)]
    cells = list(row.cells)
    if kind == "pct" or len(cells) - columns == len(markers):
        cells = [c for c in cells if c not in markers]
    if len(cells) != columns or any(c.kind not in (kind, "blank") for c in cells):
        return None
    if kind == "money" and total_at is not None:
        total, parts = cells[total_at].value, [c.value or 0.0 for c in cells[:total_at]]
        if total is None or abs(total - sum(parts)) > 1:
            return None
    return cells


def _is_year(token: Token) -> bool:
    return token.kind == "money" and token.text.isdigit() and 1990 <= token.value <= 2100


def _header_words(header: list[Token]) -> list[Token]:
    """The words of a segment table's heading that can be names: no date, currency or footnote."""
    text = " ".join(t.text for t in header)
    dated = re.search(rf"Three months ended (?:{_MONTHS}) \d{{1,2}},(?: \d{{4}})?", text)
    skip = set()
    if dated:
        at = 0
        for k, token in enumerate(header):
            if dated.start() <= at < dated.end():
                skip.add(k)
            at += len(token.text) + 1
    return [t for k, t in enumerate(header) if k not in skip and t.kind == "word" and t.text not in ("RMB", "US$")]


def _column_metric(label: str, previous: str | None) -> str | None:
    """The metric of a row of a segment table ('YoY% change' belongs to the row above it)."""
    label = re.sub(r"\s+", " ", label.lower())
    if label == "revenue":
        return "revenue"
    if label == "adjusted ebita":
        return "adjusted_ebita"
    if re.fullmatch(r"adjusted ebita yoy ?% change", label):
        return "adjusted_ebita_yoy"
    if re.fullmatch(r"yoy ?% change", label) and previous in ("revenue", "adjusted_ebita"):
        return f"{previous}_yoy"
    return None


_NOT_SEGMENTS = ("Unallocated", "Inter-segment elimination", "Consolidation adjustments", "Corporate and eliminations")
_GROUP_COLUMNS = ("Consolidated", "Total")


def _column_names(words: list[Token], release: Release) -> list[str | None]:
    """The column headings of a segment table, matched against the known segment names.

    Words no known name covers are one unknown column, reported and left out (None).
    """
    known = sorted(set(_labels()) | set(_NOT_SEGMENTS) | set(_GROUP_COLUMNS), key=len, reverse=True)
    texts = [re.sub(r"\(\d\)$", "", w.text) for w in words if w.text not in ("RMB", "US$", "(1)", "(2)", "(3)")]
    offsets = [w.offset for w in words if w.text not in ("RMB", "US$", "(1)", "(2)", "(3)")]
    names, i, pending = [], 0, []
    while i < len(texts):
        for label in known:
            parts = label.split()
            if [t.lower() for t in texts[i : i + len(parts)]] == [p.lower() for p in parts]:
                if pending:
                    release.unknown.append((" ".join(texts[j] for j in pending), offsets[pending[0]]))
                    names.append(None)
                    pending = []
                names.append(None if label in _NOT_SEGMENTS else "Alibaba Group" if label in _GROUP_COLUMNS else label)
                i += len(parts)
                break
        else:
            pending.append(i)
            i += 1
    if pending:
        release.unknown.append((" ".join(texts[j] for j in pending), offsets[pending[0]]))
        names.append(None)
    return names


# ------------------------------------------------------------ figure sentences


_COUNT = r"(?<!\S)(\d{1,3}(?:,\d{3})+|\d+)"  # a whole figure: '1,012 million' is not 12 million


def _sentences(release: Release, doc: Text) -> list[Figure]:
    """Figures the releases print only in their text: like-for-like growth, consumer counts."""
    flat, figures = doc.flat, []

    def add(match: re.Match | None, names, metric, scale=1.0, in_use_only=False):
        if match is not None:
            raw = match.group(1).replace(",", "")
            value = float(raw) * scale
            offset = doc.toks[doc.index_at(match.start(1))].offset
            figures.append(Figure(names, metric, value, "as_reported", "text", offset, in_use_only))

    like_for_like = r"[Ee]xcluding (?:the (?:consolidation|contribution) of |revenue from (?:the )?(?:disposed businesses of )?)?Sun Art(?: and Intime)?[^.]{0,120}?" \
                    r"(?:would have (?:grown|increased)|grew|increased|an increase of)(?: by)? (\d+)%"
    add(next((m for m in re.finditer(like_for_like, flat) if _about_the_quarter(flat, m.start())), None), ("Alibaba Group",), "revenue_yoy_lfl")
    add(re.search(rf"[Aa]nnual active consumers (?:on|of) (?:our )?China retail marketplaces (?:reached|was|were) {_COUNT} million", flat),
        ("China retail marketplaces",), "aac")
    # the Alibaba Ecosystem's consumers, June 2021 to March 2022 quarters ('over 1 billion' is a bound, not a figure)
    # (earlier releases count other scopes in such sentences, the 'Alibaba Digital Economy': those names are
    # taken only in the quarters the labels give them)
    add(re.search(r"annual active consumers (?:across|of|in) the Alibaba Ecosystem (?:reached|was|were) (?:approximately |about )?(\d+\.\d+|\d+) billion", flat),
        ("Alibaba Group",), "aac", scale=1000)
    add(re.search(rf"{_COUNT} million (?:annual active )?consumers in China(?:\d|\(\d\))?(?= |,)", flat), ("China (Alibaba Ecosystem)",), "aac", in_use_only=True)
    add(re.search(rf"{_COUNT} million (?:annual active )?consumers (?:overseas|outside (?:of )?China)", flat),
        ("Overseas (Alibaba Ecosystem)", "Overseas (Alibaba Group)"), "aac", in_use_only=True)
    return figures


def _about_the_quarter(flat: str, at: int) -> bool:
    """Whether the text before ``at`` last named the quarter, not the fiscal year or six months."""
    named = re.findall(r"quarter ended|same quarter|fiscal year|(?:six|nine|twelve) months", flat[max(0, at - 600) : at], re.I)
    return bool(named) and named[-1].lower() in ("quarter ended", "same quarter")


def _growth_sentences(release: Release, doc: Text, tables: list[Figure]) -> list[Figure]:
    """Adjusted EBITA growth of a segment that only the text prints ('Core commerce segment -
    Adjusted EBITA increased by 25% to RMB41,025 million'), kept only where the amount in the
    sentence is the one the segment's table gives for the quarter (not the fiscal year's)."""
    amounts = {(f.names[0].lower(), f.value) for f in tables if f.metric == "adjusted_ebita" and f.basis == "as_reported"}
    figures = []
    pattern = r" segment [-–] Adjusted EBITA (?P<way>increased|decreased) (?:by )?(?P<pct>\d+)% (?:year-over-year )?to RMB ?(?P<amount>[\d,]+) million"
    for match in re.finditer(pattern, doc.flat):
        before = doc.flat[max(0, match.start() - 80) : match.start()].lower()
        amount = float(match.group("amount").replace(",", ""))
        names = [name for name, value in amounts if value == amount and before.endswith(name)]
        if len(names) != 1:
            continue
        growth = float(match.group("pct")) * (-1 if match.group("way") == "decreased" else 1)
        offset = doc.toks[doc.index_at(match.start("pct"))].offset
        printed = next(f.names[0] for f in tables if f.names[0].lower() == names[0])
        figures.append(Figure((printed,), "adjusted_ebita_yoy", growth, "as_reported", "text", offset))
    return figures


# ------------------------------------------------------------ figures -> rows


@dataclass(frozen=True)
class _Label:
    segment: str
    label: str
    first: pd.Period
    last: pd.Period | None

    def in_use(self, quarter: pd.Period) -> bool:
        return self.first <= quarter and (self.last is None or quarter <= self.last)


@lru_cache(maxsize=None)
def _label_index() -> dict[str, tuple[_Label, ...]]:
    """The bundled segment labels by their lower-cased name: read once, searched without pandas."""
    index: dict[str, list[_Label]] = {}
    for row in load_segment_labels().itertuples(index=False):
        last = fiscal.period(row.last_period) if isinstance(row.last_period, str) else None
        index.setdefault(row.segment_label.lower(), []).append(_Label(row.segment, row.segment_label, fiscal.period(row.first_period), last))
    return {name: tuple(entries) for name, entries in index.items()}


def _labels() -> list[str]:
    return [entry.label for entries in _label_index().values() for entry in entries]


def _lineage(names: tuple[str, ...], metric: str, quarter: pd.Period, in_use_only: bool = False) -> tuple[str, str] | None:
    """The (segment, label) a printed name belongs to, or None if the labels do not know it.

    Customer management revenue is China e-commerce's: its name is the first of
    the names it is printed under that is a label of that lineage. A name two
    lineages share ('China commerce retail': the line, and the CMR of the years
    before the seven segments) is the line's for any other metric.
    """
    cmr = metric in ("cmr", "cmr_yoy")
    searched = names if cmr or metric == "aac" else names[:1]
    for in_use in (True,) if in_use_only else (True, False):  # a name in use in the release's quarter first, then any
        for name in searched:
            entries = [e for e in _label_index().get(name.lower(), ()) if (not cmr or e.segment == CMR_SEGMENT) and (e.in_use(quarter) or not in_use)]
            segments = list(dict.fromkeys(e.segment for e in entries))
            if len(segments) > 1 and not cmr and metric != "aac":
                segments = [s for s in segments if s != CMR_SEGMENT]
            if len(segments) == 1:
                return segments[0], next(e.label for e in entries if e.segment == segments[0])
    return None


_SKIPPED = re.compile(
    r"(?:Total )?(?:Unallocated|Inter-segment eliminations?|Consolidation adjustments|Consolidated(?: revenue| adjusted EBITA)?|Total|Others|"
    r"Direct sales(?:,)? (?:logistics )?and others|Direct sales|Income from operations|"
    r"Less: .*|Add: .*|Adjusted EBITA margin|(?:China )?Quick commerce|Global Wholesale|"
    r"Commission|Total core commerce|Total commerce|Total (?:segments|revenue)|Total segment (?:revenue|adjusted EBITA))",
    re.I,
)


def _rows_of(release: Release, source: str) -> pd.DataFrame:
    quarter = release.quarter
    published = release.published.strftime("%Y-%m-%d")
    registry = _units()
    seen: dict[tuple, tuple[Figure, dict]] = {}
    conflicts: set[tuple] = set()
    for figure in release.figures:
        printed = re.sub(r"^Total\s+", "", figure.names[0]) if figure.names else ""
        if re.fullmatch(r"Consolidated(?: revenue| adjusted EBITA)?|Total", printed, re.I):
            printed = "Alibaba Group"  # the consolidated line of a segment table is the group's figure
        names = (printed, *figure.names[1:])
        found = _lineage(names, figure.metric, quarter, figure.in_use_only)
        if found is None and figure.in_use_only:
            continue  # a count of another scope than the one the labels name for this quarter
        if found is None:
            if figure.metric in ("cmr", "cmr_yoy"):
                release.unknown.append((" / ".join(reversed(figure.names)) + " (customer management revenue)", figure.offset))
            elif not figure.names[0]:
                release.left_out.append(("a row of figures without a name (not a subtotal of the lines above it)", figure.offset))
            elif not _SKIPPED.fullmatch(figure.names[0]):
                release.unknown.append((figure.names[0], figure.offset))
            continue
        segment, label = found
        end = release.quarter_end if figure.basis == "as_reported" else release.prior_end
        key = (end, segment, figure.metric, figure.basis)
        row = {
            "period_end": end.strftime("%Y-%m-%d"),
            "fiscal_period": fiscal.label(end),
            "segment": segment,
            "segment_label": label,
            "metric": figure.metric,
            "value": figure.value,
            "unit": registry[figure.metric],
            "basis": figure.basis,
            "source": source,
            "published": published,
            "note": _note(figure),
        }
        if key in seen:
            if seen[key][0].value != figure.value:
                conflicts.add(key)
            continue
        seen[key] = (figure, row)
    for key in conflicts:
        figure = seen.pop(key)[0]
        release.conflicts.append((f"'{figure.names[0]}' {figure.metric} ({figure.basis})", figure.offset))
    frame = pd.DataFrame([row for _, row in seen.values()], columns=COLUMNS)
    return frame.sort_values("period_end", kind="stable", ignore_index=True)  # the year before first, each in reading order


def _note(figure: Figure) -> str:
    """Where in the release the figure was read, so that a person can check it there."""
    if figure.basis == "restated":
        return f"prior-year comparative in the {figure.where}, as this release prints it; read by alibiz extract"
    return f"{figure.where}; read by alibiz extract"


@lru_cache(maxsize=None)
def _units() -> dict[str, str]:
    registry = load_metric_registry()
    return dict(zip(registry["metric"], registry["unit"]))


def _source(release: Release, url: str | None) -> str:
    """A row's source: the release's title and date, and where it was published (or the file read)."""
    date = release.published.strftime("%Y-%m-%d")
    if url:
        where = f"PDF: {url}" if re.search(r"\.pdf(?:$|[?#])", url, re.I) else url
    else:
        where = f"read from the file {Path(release.name).name}"
    return f"{release.title}, company release {date} ({where})"


def read_release(source) -> Release:
    """The release in a file, its figures read but not yet rows (for tools that need the places)."""
    name, kind, text = read_document(source)
    text = _without_page_numbers(_normalized(text))
    release = _release(name, kind, text)
    doc = Text.of(text)
    tables = _summary_rows(release, doc) + _segment_rows(release, doc) + _column_tables(release, doc)
    release.figures = tables + _sentences(release, doc) + _growth_sentences(release, doc, tables)
    return release


def extract_release(source, *, url: str | None = None, warn: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The rows of ``metrics.csv`` one results announcement holds, checked like every data file.

    ``source`` is a path or a binary file object: a PDF, the 6-K's HTML
    exhibit or the text of either. ``url`` is where the release was published
    (it goes into each row's ``source``). A printed name that
    ``segment_labels.csv`` does not know is left out and reported to ``warn``
    (default: a line on stderr, ``FILE:LINE: ...``). Raises
    :class:`ExtractError` for a file that is not a readable results
    announcement.
    """
    release = read_release(source)
    if not release.figures:
        raise ExtractError(release.name, f"is {release.title!r} but holds none of the tables the reader knows "
                           "(segment tables, summary financial results): nothing read")
    rows = _rows_of(release, _source(release, url))
    report = warn or (lambda message: print(message, file=sys.stderr))
    for name, offset in _first_of_each(release.unknown):
        report(f"{release.where(offset)}: '{name}' is not in segment_labels.csv: left out (add the label to read it)")
    lines = {release.where(offset): (offset, what) for what, offset in sorted(release.left_out, reverse=True)}
    for where, (_, what) in sorted(lines.items(), key=lambda item: item[1][0]):
        report(f"{where}: {what}: left out")
    for what, offset in release.conflicts:
        report(f"{release.where(offset)}: {what} is printed with two different values: left out for a person to read")
    return validated(rows, f"rows read from {release.name}")


def _first_of_each(found: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Each name once, where it was first seen."""
    first: dict[str, int] = {}
    for name, offset in found:
        first[name] = min(offset, first.get(name, offset))
    return sorted(first.items(), key=lambda item: item[1])


def validated(rows: pd.DataFrame, name: str) -> pd.DataFrame:
    """``rows`` written as CSV and read back by the metrics loader: the same checks as any data file."""
    stream = io.BytesIO(to_csv(rows).encode("utf-8"))
    stream.name = name
    return load_metrics(stream)


def _value_text(value: float) -> str:
    return f"{value:.10g}" if value != int(value) else str(int(value))


def to_csv(rows: pd.DataFrame, header: bool = True) -> str:
    """Rows in the CSV form of ``metrics.csv`` (values as printed: ``29``, ``-2905``, ``1.5``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    for row in rows[COLUMNS].itertuples(index=False):
        cells = []
        for column, cell in zip(COLUMNS, row):
            if column == "value":
                cells.append(_value_text(float(cell)))
            elif isinstance(cell, pd.Timestamp):
                cells.append(cell.strftime("%Y-%m-%d"))
            elif cell is None or (isinstance(cell, float) and pd.isna(cell)) or cell is pd.NA:
                cells.append("")
            else:
                cells.append(str(cell))
        writer.writerow(cells)
    return out.getvalue()


def extract_releases(sources: Iterable, *, url: str | None = None, warn=None, progress=None,
                     errors: list[ExtractError] | None = None) -> pd.DataFrame:  # fmt: skip
    """The rows of several releases together, checked together (one figure per key across them all).

    ``progress`` (e.g. an :class:`alibiz.progress.Progress`) is told each
    file's name (without its folder) as its reading starts and ends. A file that cannot be read
    raises its :class:`ExtractError`; with an ``errors`` list, each such error
    is added to it instead and the other files are still read (so that every
    bad file can be named at once).
    """
    sources = list(sources)
    frames = []
    for source in sources:
        name = os.path.basename(str(getattr(source, "name", source)))
        if progress is not None:
            progress.started(name)
        try:
            frames.append(extract_release(source, url=url, warn=warn))
        except ExtractError as error:
            if errors is None:
                raise
            errors.append(error)
        finally:
            if progress is not None:
                progress.finished(name)
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    return validated(rows[COLUMNS], "rows read from " + ", ".join(str(getattr(s, "name", s)) for s in sources)) if len(frames) > 1 else rows


# ------------------------------------------------------------ against the data


def compare(rows: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Each extracted row beside the data: ``status`` new, same or different, with both values and sources.

    A restated comparative equal to the figure first printed for that quarter
    is ``same`` (the data records a restated row only where the recast moved
    the figure).

    >>> data = load_metrics()
    >>> compare(data.head(3), data)["status"].tolist()
    ['same', 'same', 'same']
    """
    key = ["period_end", "segment", "metric", "basis"]
    data = metrics[key + ["value", "source"]].rename(columns={"value": "data_value", "source": "data_source"})
    first = metrics.loc[metrics["basis"] == "as_reported", ["period_end", "segment", "metric", "value", "source"]]
    first = first.rename(columns={"value": "first_value", "source": "first_source"})
    out = rows.merge(data, on=key, how="left").merge(first, on=["period_end", "segment", "metric"], how="left")
    status = pd.Series("new", index=out.index)
    found = out["data_value"].notna()
    status[found & (out["data_value"] == out["value"])] = "same"
    status[found & (out["data_value"] != out["value"])] = "different"
    restated_as_first = ~found & (out["basis"] == "restated") & (out["first_value"] == out["value"])
    status[restated_as_first] = "same"
    out["data_value"] = out["data_value"].where(found, out["first_value"].where(restated_as_first))
    out["data_source"] = out["data_source"].where(found, out["first_source"].where(restated_as_first))
    out.insert(0, "status", status)
    return out.drop(columns=["first_value", "first_source"])


def diff_text(compared: pd.DataFrame) -> str:
    """The result of :func:`compare` for a person: one line a row, both values and sources where they differ."""
    lines = []
    for row in compared.sort_values(["status", "period_end", "segment", "metric", "basis"], key=_status_order).itertuples(index=False):
        what = f"{row.status:<9}  {row.fiscal_period}  {row.segment:<24} {row.metric:<18} {row.basis:<11} {_value_text(row.value):>8}"
        if row.status == "different":
            what += f"\n             release: {_value_text(row.value)} ({row.source})\n             data:    {_value_text(row.data_value)} ({row.data_source})"
        lines.append(what)
    counts = compared["status"].value_counts()
    lines.append(", ".join(f"{int(counts.get(s, 0))} {s}" for s in ("new", "same", "different")))
    return "\n".join(lines)


def _status_order(column: pd.Series) -> pd.Series:
    return column.map({"different": 0, "new": 1, "same": 2}) if column.name == "status" else column


def append(rows: pd.DataFrame, path) -> int:
    """Add the rows of ``rows`` that ``path`` does not hold yet, after checking the whole file; returns how many.

    Refused (DataError, nothing written) when a row differs from the file.
    The file is replaced atomically: a temporary file in the same folder,
    then ``os.replace``, so a reader sees the old file or the new one.
    """
    path = Path(path)
    existing = load_metrics(path)
    compared = compare(rows, existing)
    differing = compared[compared["status"] == "different"]
    if len(differing):
        raise DataError.single(str(path), None, "", f"{len(differing)} extracted row{'s' * (len(differing) != 1)} differ from this file: "
                               "run 'alibiz extract --diff' and settle them first; nothing was written")
    new = compared.loc[compared["status"] == "new", COLUMNS]
    if new.empty:
        return 0
    data = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in data[:4096] else b"\n"
    addition = to_csv(new, header=False).encode("utf-8").replace(b"\n", newline)
    combined = data + (b"" if data.endswith(b"\n") else newline) + addition
    stream = io.BytesIO(combined)
    stream.name = str(path)
    load_metrics(stream)  # the whole file as it would be, before anything is written
    files.write_atomic(path, combined)
    return len(new)
