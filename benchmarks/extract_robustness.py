"""How the release reader fares on texts it was not written against: the 29 stored texts, perturbed.

The reader was developed on the same 29 texts its recall is measured on
(``extract_recall.py``), so this script changes them the ways text layers and
typesetting differ (line breaks, spaces, dashes, footnote markers, a lost or
repeated cell, a file cut short, names the labels do not know) and counts, for
each change, the rows still read right and the rows read WRONG: a value that
differs from what the reader gives for the untouched text or from the data.
Losing rows is allowed (with a warning); a wrong value is not. ``--seeds N``
repeats each random change with N seeds; ``--write`` puts the table into
benchmarks/README.md between its robustness markers.

    .venv/bin/python benchmarks/extract_robustness.py [--seeds 2] [--show NAME] [--write]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
import traceback
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import alibiz  # noqa: E402
from alibiz.extract import ExtractError, extract_release  # noqa: E402

RELEASES = HERE / ".releases"
KEY = ["period_end", "segment", "metric", "basis"]
START, END = "<!-- robustness:start -->", "<!-- robustness:end -->"

_GROUPED = r"(?<![\w.,(])(\d{1,3}(?:,\d{3})+)(?![\w,)])"  # a figure with thousands separators, not inside parentheses
_LOSS = r"(?<![\w(])\((\d{1,3}(?:,\d{3})+|\d\d+)\)(?![\w%])"  # '(1,389)', not a footnote '(2)'
_FIGURE = r"(?<![\w.,(])(\(\d{1,3}(?:,\d{3})+\)|\d{1,3}(?:,\d{3})+)(?![\w,)])"


def _labels_before_figures() -> re.Pattern:
    labels = set(alibiz.load_segment_labels()["segment_label"]) | {"Revenue", "Adjusted EBITA", "Customer management"}
    return re.compile("(" + "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True)) + r")(?= \(?\d)", re.I)


def _cells(token: str) -> bool:
    return bool(re.fullmatch(r"\(?-?\d[\d,]*(?:\.\d+)?\)?%?|—|N/A", token))


def _edit_rows(text: str, r: random.Random, edit, share: float = 0.3) -> str:
    """``edit(cells, r)`` applied to a share of the runs of three or more figures (table rows)."""
    pieces, out, i = re.split(r"(\s+)", text), [], 0
    while i < len(pieces):
        if not _cells(pieces[i]):
            out.append(pieces[i])
            i += 1
            continue
        j, run = i, []
        while j < len(pieces) and (_cells(pieces[j]) or not pieces[j].strip()):
            if _cells(pieces[j]):
                run.append(pieces[j])
            j += 1
        out.append(" ".join(edit(run, r)) + " " if len(run) >= 3 and r.random() < share else "".join(pieces[i:j]))
        i = j
    return "".join(out)


def _dropped(cells, r):
    k = r.randrange(len(cells))
    return cells[:k] + cells[k + 1 :]


def _repeated(cells, r):
    k = r.randrange(len(cells))
    return cells[: k + 1] + cells[k:]


def _exchanged(cells, r):
    k, cells = r.randrange(len(cells) - 1), list(cells)
    cells[k], cells[k + 1] = cells[k + 1], cells[k]
    return cells


def _thousands(separator):
    return lambda t, r: re.sub(_GROUPED, lambda m: m.group(1).replace(",", separator), t)


def _signed(sign):
    return lambda t, r: re.sub(_LOSS, sign + r"\1", re.sub(r"\((\d[\d,]*(?:\.\d+)?)\)%", sign + r"\1%", t))


PERTURBATIONS = {
    "line break between table rows": lambda t, r: re.sub(r"(\d%?\)?%?) (?=[A-Z\-])", lambda m: m.group(1) + ("\n" if r.random() < 0.8 else " "), t),
    "line break at 15% of spaces": lambda t, r: re.sub(" ", lambda m: "\n" if r.random() < 0.15 else " ", t),
    "doubled spaces": lambda t, r: re.sub(" ", lambda m: "  " if r.random() < 0.5 else " ", t),
    "no-break spaces between words and cells": lambda t, r: re.sub(" ", lambda m: "\u00a0" if r.random() < 0.5 else " ", t),
    "thin space as thousands separator": _thousands("\u2009"),
    "narrow no-break space as thousands separator": _thousands("\u202f"),
    "no-break space as thousands separator": _thousands("\u00a0"),
    "en dash for minus": _signed("\u2013"),
    "minus sign for minus": _signed("\u2212"),
    "hyphen for minus": _signed("-"),
    "footnote marker after names, run on": lambda t, r: _labels_before_figures().sub(lambda m: m.group(1) + (f"({r.randint(1, 6)})" if r.random() < 0.5 else ""), t),
    "footnote marker after names, spaced": lambda t, r: _labels_before_figures().sub(lambda m: m.group(1) + (f" ({r.randint(1, 6)})" if r.random() < 0.5 else ""), t),
    "footnote marker after figures, run on": lambda t, r: re.sub(_FIGURE, lambda m: m.group(1) + (f"({r.randint(1, 6)})" if r.random() < 0.2 else ""), t),
    "footnote marker after figures, spaced": lambda t, r: re.sub(_FIGURE, lambda m: m.group(1) + (f" ({r.randint(1, 6)})" if r.random() < 0.2 else ""), t),
    "'RMB 41,025' for 'RMB41,025'": lambda t, r: re.sub(r"RMB(?=\d)", "RMB ", t),
    "US$ column left out": lambda t, r: re.sub(r"(\(?\d[\d,]*\)? \(?\d[\d,]*\)?) \(?\d[\d,]*\)?(?= \(?\d+\)?%)", r"\1", t.replace("RMB RMB US$", "RMB RMB")),
    "segment names the labels do not know": lambda t, r: re.sub(
        r"(Cloud Intelligence Group|Cloud computing|Cainiao|Local services|Digital media and entertainment|International commerce|"
        r"AI Cloud and Compute Services|Core commerce|China commerce|All others|Taobao and Tmall Group)(?=[ (\n])",
        lambda m: m.group(1) + (" and AI" if r.random() < 0.5 else ""), t, flags=re.I),
    "a figure of a row lost": lambda t, r: _edit_rows(t, r, _dropped),
    "a figure of a row printed twice": lambda t, r: _edit_rows(t, r, _repeated),
    "two neighbouring figures exchanged": lambda t, r: _edit_rows(t, r, _exchanged),
    "cut short at a random point": lambda t, r: t[: r.randrange(len(t))],
    "cut short inside a figure": lambda t, r: t[: r.choice([m.end() for m in re.finditer(_GROUPED, t)]) - r.choice([0, 1, 2, 4])],
}


def _read(data: bytes, name: str, warnings: list[str]) -> pd.DataFrame:
    stream = io.BytesIO(data)
    stream.name = name
    return extract_release(stream, warn=warnings.append)


def measure(seeds: int, only: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    metrics = alibiz.load_metrics()
    texts = {p.name[:8]: json.loads(p.read_text(encoding="utf-8"))["text"] for p in sorted(RELEASES.glob("*-ocr.json"))}
    untouched = {digest: _read(text.encode(), digest, []) for digest, text in texts.items()}
    lines, shown = [], []
    for name, perturb in PERTURBATIONS.items():
        if only and only != name:
            continue
        count = dict(rows=0, recovered=0, wrong=0, refused=0, tracebacks=0, warnings=0)
        for seed in range(seeds):
            for digest, text in texts.items():
                cited = metrics[metrics["source"].str.contains(digest, regex=False)]
                count["rows"] += len(cited)
                warnings: list[str] = []
                try:
                    rows = _read(perturb(text, random.Random(f"{name}/{digest}/{seed}")).encode(), digest, warnings)
                except ExtractError:
                    count["refused"] += 1
                    continue
                except Exception as error:  # noqa: BLE001 - a traceback is what this counts
                    count["tracebacks"] += 1
                    shown.append(f"{name} {digest} seed {seed}: " + "".join(traceback.format_exception(error))[-600:])
                    continue
                count["warnings"] += len(warnings)
                read = rows[KEY + ["value"]]
                recovered = cited.merge(read, on=KEY, suffixes=("", "_read"))
                count["recovered"] += int((recovered["value"] == recovered["value_read"]).sum())
                against = pd.concat([read.merge(reference[KEY + ["value"]], on=KEY, suffixes=("", "_ref")) for reference in (untouched[digest], metrics)])
                wrong = against[against["value"] != against["value_ref"]].drop_duplicates(KEY)  # against the untouched reading or the data
                count["wrong"] += len(wrong)
                shown += [f"WRONG {name} {digest} seed {seed}: {w.period_end:%Y-%m-%d} {w.segment} {w.metric} {w.basis} read {w.value:g}, "
                          f"should be {w.value_ref:g}" for w in wrong.itertuples()]
        lines.append({"change": name, "data rows": count["rows"], "recovered": count["recovered"],
                      "recall %": round(100 * count["recovered"] / count["rows"], 1), "wrong": count["wrong"],
                      "files refused": count["refused"], "tracebacks": count["tracebacks"], "warnings": count["warnings"]})
    return pd.DataFrame(lines), shown


def markdown(table: pd.DataFrame, seeds: int) -> str:
    columns = list(table.columns)
    out = [f"Each change applied to all 29 texts, {seeds} seed{'s' * (seeds != 1)} each.", "",
           "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2, help="seeds per random change (default 2)")
    parser.add_argument("--show", metavar="NAME", help="only this change, and print each wrong row")
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/README.md")
    args = parser.parse_args()
    if not list(RELEASES.glob("*-ocr.json")):
        print(f"no release texts in {RELEASES}: see benchmarks/extract_recall.py", file=sys.stderr)
        return 1
    table, shown = measure(args.seeds, args.show)
    text = markdown(table, args.seeds)
    print(text)
    for line in shown if args.show or table["tracebacks"].any() else shown[:20]:
        print(line)
    if args.write:
        from extract_recall import write_between

        write_between(START, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
