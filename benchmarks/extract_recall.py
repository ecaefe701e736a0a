"""How much of the data the release reader recovers, release by release, and how fast.

The data holds about a thousand rows read from 29 results announcements whose
text is kept in the public repository coattail/Earnings-Image-Studio
(``data/cache/document-parser/parsed/HASH-ocr.json``: JSON with the PDF's text
layer in ``text``). Put copies of those files in ``benchmarks/.releases/``
(git-ignored: they are not ours to commit) and run

    .venv/bin/python benchmarks/extract_recall.py [--missing] [--write]

For each release it feeds the JSON's text to ``alibiz.extract_release`` and
compares (quarter, segment, metric, basis, value) with the rows of
``data/metrics.csv`` whose source cites that file: recall (rows recovered with
the same value), rows whose value differs (must be none), and rows the reader
gives that the data took from another source or not at all. Then it times
reading all the texts against one ``alibiz report`` in the same run.
``--missing`` lists every row not recovered; ``--write`` puts the table into
benchmarks/README.md between its extract markers.

``--pdf`` reads PDFs instead: each text rendered back into a PDF by
``benchmarks/release_pdf.py`` (the company's PDFs are not stored; see that
module for what the rendering keeps and what it cannot), so that the figures
go through pypdf and the reader's PDF path; its table has markers of its own.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import alibiz  # noqa: E402
from alibiz.extract import compare, extract_release  # noqa: E402

RELEASES = HERE / ".releases"
KEY = ["period_end", "segment", "metric", "basis"]
MARKERS = {False: ("<!-- extract:start -->", "<!-- extract:end -->"), True: ("<!-- extract-pdf:start -->", "<!-- extract-pdf:end -->")}


def release_files() -> list[Path]:
    return sorted(RELEASES.glob("*-ocr.json"))


def read(path: Path, warnings: list[str], pdf: bool = False) -> pd.DataFrame:
    """The rows of one copy: its flattened text, or (``pdf``) the PDF rendered from its pages."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if pdf:
        return extract_release(RELEASES / "pdf" / f"{path.name.split('-')[0]}.pdf", url=document.get("url"), warn=warnings.append)
    stream = io.BytesIO(document["text"].encode("utf-8"))
    stream.name = path.name
    return extract_release(stream, url=document.get("url"), warn=warnings.append)


def recall_table(show_missing: bool, pdf: bool = False) -> tuple[pd.DataFrame, list[str]]:
    metrics = alibiz.load_metrics()
    lines, warnings = [], []
    for path in release_files():
        digest = path.name.split("-")[0]
        cited = metrics[metrics["source"].str.contains(digest, regex=False)]
        rows = read(path, warnings, pdf)
        merged = cited.merge(rows[KEY + ["value"]], on=KEY, how="left", suffixes=("", "_read"))
        recovered = int((merged["value"] == merged["value_read"]).sum())
        differing = merged[merged["value_read"].notna() & (merged["value"] != merged["value_read"])]
        against_all = compare(rows, metrics)
        elsewhere = against_all[against_all["status"] == "different"]
        quarter = rows.loc[rows["basis"] == "as_reported", "fiscal_period"].max() if len(rows) else "?"
        lines.append({
            "release": digest[:4],
            "quarter": quarter,
            "data rows": len(cited),
            "recovered": recovered,
            "recall %": round(100 * recovered / len(cited), 1) if len(cited) else float("nan"),
            "differ": len(differing),
            "differ (all data)": len(elsewhere),
            "read": len(rows),
            "new": int((against_all["status"] == "new").sum()),
        })
        if show_missing:
            for row in merged[merged["value_read"].isna()].itertuples():
                print(f"  missing {digest[:4]} {row.fiscal_period} {row.segment} {row.metric} {row.basis} {row.value:g} ({row.segment_label})")
            for row in differing.itertuples():
                print(f"  DIFFERS {digest[:4]} {row.fiscal_period} {row.segment} {row.metric} {row.basis} data {row.value:g} read {row.value_read:g}")
            for row in elsewhere.itertuples():
                print(f"  differs from other source {digest[:4]} {row.fiscal_period} {row.segment} {row.metric} {row.basis} data {row.data_value:g} read {row.value:g}")
            for row in against_all[against_all["status"] == "new"].itertuples():
                print(f"  new {digest[:4]} {row.fiscal_period} {row.segment} {row.metric} {row.basis} {row.value:g} ({row.segment_label}; {row.note})")
    return pd.DataFrame(lines).sort_values("quarter", ignore_index=True), warnings


def timings(repeats: int = 3, pdf: bool = False) -> dict[str, float]:
    """Seconds to read every release text or PDF (best of ``repeats``), and one `alibiz report` in a subprocess."""
    texts = []
    for path in release_files():
        if pdf:
            texts.append((path.name, (RELEASES / "pdf" / f"{path.name.split('-')[0]}.pdf").read_bytes()))
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        texts.append((path.name, document["text"].encode("utf-8")))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for name, data in texts:
            stream = io.BytesIO(data)
            stream.name = name
            extract_release(stream, warn=lambda message: None)
        best = min(best, time.perf_counter() - start)
    alibiz_command = Path(sys.executable).parent / "alibiz"
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run([str(alibiz_command), "report", "--out", str(Path(folder) / "reports")], check=True, capture_output=True)
        report = time.perf_counter() - start
    return {"files": len(texts), "extract_s": best, "report_s": report, "kind": "PDFs" if pdf else "texts", "repeats": repeats}


def markdown(table: pd.DataFrame, timing: dict[str, float] | None) -> str:
    columns = list(table.columns)
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in table.itertuples(index=False):
        out.append("| " + " | ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in row) + " |")
    total_cited, total_recovered = int(table["data rows"].sum()), int(table["recovered"].sum())
    out.append(f"| all | | {total_cited} | {total_recovered} | {100 * total_recovered / max(total_cited, 1):.1f} | "
               f"{int(table['differ'].sum())} | {int(table['differ (all data)'].sum())} | {int(table['read'].sum())} | {int(table['new'].sum())} |")
    if timing:
        out.append("")
        out.append(f"Reading all {timing['files']} {timing['kind']}: {timing['extract_s']:.2f} s (best of {timing['repeats']}); one `alibiz report`: "
                   f"{timing['report_s']:.2f} s; ratio {timing['extract_s'] / timing['report_s']:.2f} (goal: below 1).")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="store_true", help="list every row not recovered, and every differing one")
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/README.md")
    parser.add_argument("--no-timing", action="store_true", help="skip the timing against alibiz report")
    parser.add_argument("--pdf", action="store_true", help="read PDFs rendered from the texts (benchmarks/release_pdf.py) instead")
    args = parser.parse_args()
    if not release_files():
        print(f"no release texts in {RELEASES}: copy the HASH-ocr.json files there (see this script's docstring)", file=sys.stderr)
        return 1
    if args.pdf:
        from release_pdf import write_pdfs

        write_pdfs()
    table, warnings = recall_table(args.missing, args.pdf)
    for warning in warnings:
        print("  warn", warning)
    timing = None if args.no_timing else timings(pdf=args.pdf)
    text = markdown(table, timing)
    print(text)
    if args.write:
        write_between(*MARKERS[args.pdf], text)
    return 0


def write_between(start: str, end: str, text: str) -> None:
    """Put ``text`` into benchmarks/README.md between the markers (at its end the first time)."""
    readme = HERE / "README.md"
    current = readme.read_text(encoding="utf-8")
    block = f"{start}\n{text}\n{end}"
    updated = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, current, flags=re.S)
    readme.write_text(updated if start in current else current.rstrip("\n") + "\n\n" + block + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
