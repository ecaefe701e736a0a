"""PDFs of the stored release texts, for measuring the reader's PDF path (benchmarks only).

The copies in ``benchmarks/.releases/`` hold each release's text layer page by
page (``page_texts``), not its PDF, and the company's PDFs are not kept. This
renders each page back into a PDF with fpdf2 (DejaVu Sans, as matplotlib ships
it), laid out the way the releases lay out their pages: prose in lines, one
table row a line, the row's name at the left and each figure a separate text
run in a right-aligned column. Pages whose text layer kept its lines keep
them; pages whose layer was flattened into one run of words get their lines
back from where rows start (a figure followed by a name, a '- ' line, a
'Three months ended' heading) and prose is wrapped at about 125 characters.
``pypdf`` then has to find the words, the spaces between the columns and the
line ends again, as it does in a real PDF. What this cannot reproduce: the
company's fonts, kerning and column positions, headings set in several lines
per column, and text drawn out of reading order.

    .venv/bin/python benchmarks/release_pdf.py   # writes benchmarks/.releases/pdf/HASH.pdf
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RELEASES = HERE / ".releases"
OUT = RELEASES / "pdf"

_CELL = re.compile(r"(?:\(?-?[\d,]+(?:\.\d+)?\)?%?(?:\(\d\))*|—|–|-|N/A|\(\d\))")
_WIDTH = 125  # characters of prose on a line
_LINE_KEPT = 25  # a page with more line breaks than this kept its lines


def _is_cell(token: str) -> bool:
    return bool(_CELL.fullmatch(token))


def lines_of(page: str) -> list[str]:
    """The page's lines: as the text layer kept them, or rebuilt (a table row a line, prose wrapped)."""
    if page.count("\n") > _LINE_KEPT:
        return [line.rstrip() for line in page.split("\n")]
    words = page.split()
    lines, line = [], []
    for k, word in enumerate(words):
        last = line[-1] if line else None
        after = words[k + 1] if k + 1 < len(words) else ""
        starts = last is not None and (
            (_is_cell(last) and not _is_cell(word) and (word[0].isupper() or word in ("-", "•", "\uf0b7") or word.startswith("(")))
            or (word in ("-", "–", "•") and after[:1].isalpha())  # '- Customer management'
            or (last.endswith("%") and _is_cell(last) and _is_cell(word) and not word.endswith("%"))  # a nameless subtotal
            or (word in ("Three", "Six", "Nine", "Twelve") and after == "months")
            or word.startswith("(in")
            or last.endswith("indicated:")
        )
        if line and (starts or len(" ".join(line + [word])) > _WIDTH):
            lines.append(" ".join(line))
            line = []
        line.append(word)
    if line:
        lines.append(" ".join(line))
    return lines


def _row(line: str) -> tuple[str, list[str]] | None:
    """(name, figures) when the line is a table row: a name and at least two figures after it."""
    words = line.split()
    k = len(words)
    while k > 0 and _is_cell(words[k - 1]):
        k -= 1
    return (" ".join(words[:k]), words[k:]) if k > 0 and len(words) - k >= 2 else None


def render(pages: list[str], column_mm: float = 14.0) -> bytes:
    """A PDF of the pages: A4, 6.5 pt type, a line every 3.4 mm, figures in ``column_mm`` columns."""
    import logging

    import matplotlib
    from fpdf import FPDF

    logging.getLogger("fpdf").setLevel(logging.ERROR)  # glyphs DejaVu lacks (private-use bullets, a few CJK words) are dropped
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", size=6.5)
    pdf.set_auto_page_break(False)
    for page in pages:
        pdf.add_page()
        y = 10.0
        for line in lines_of(page):
            if y > 285:  # more lines than the page holds: go on on the next
                pdf.add_page()
                y = 10.0
            row = _row(line)
            if row is not None:
                name, figures = row
                pdf.set_xy(10, y)
                pdf.cell(80, 3.2, name)
                for n, figure in enumerate(figures):  # the last column at the right margin, drawn left to right
                    pdf.set_xy(200 - (len(figures) - n) * column_mm, y)
                    pdf.cell(column_mm, 3.2, figure, align="R")
            elif line.strip():
                pdf.set_xy(10, y)
                pdf.cell(190, 3.2, line.strip())
            y += 3.4
    return bytes(pdf.output())


def write_pdfs() -> list[Path]:
    """One PDF per ``HASH-ocr.json`` copy, in ``benchmarks/.releases/pdf/`` (git-ignored)."""
    OUT.mkdir(exist_ok=True)
    written = []
    for source in sorted(RELEASES.glob("*-ocr.json")):
        document = json.loads(source.read_text(encoding="utf-8"))
        target = OUT / f"{source.name.split('-')[0]}.pdf"
        target.write_bytes(render(document["page_texts"]))
        written.append(target)
    return written


if __name__ == "__main__":
    paths = write_pdfs()
    print(f"wrote {len(paths)} PDFs to {OUT}", file=sys.stderr)
