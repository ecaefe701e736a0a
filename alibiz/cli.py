"""The ``alibiz`` command: validate the data, show its coverage, regenerate the report.

    $ alibiz validate                 # the bundled data
    $ alibiz validate my_quarter.csv  # your own file, same columns
    $ alibiz coverage --segment aidc
    $ alibiz report --out reports     # every chart and index.html
    $ alibiz extract release.pdf --diff   # a results announcement's rows beside the data

Exit status: 0 when all is well, 1 when a data file is bad or missing (every
problem printed, never a traceback), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

import pandas as pd

import alibiz
from alibiz.analysis import coverage, coverage_text
from alibiz.load import LOADERS, file_kind
from alibiz.validate import DataError

BUNDLED_FILES = {
    "metrics": "metrics.csv",
    "events": "events.csv",
    "segment_labels": "segment_labels.csv",
    "annual": "annual.csv",
    "discrepancies": "discrepancies.csv",
    "metric_registry": "metric_registry.csv",
    "segments": "segments.csv",
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except DataError as error:
        print(error, file=sys.stderr)
        count = len(error.problems)
        print(f"alibiz: {count} problem{'s' * (count != 1)} found", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `alibiz coverage | head`
        return 0
    except KeyboardInterrupt:
        print("alibiz: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours: a plain message, not a traceback
        print(f"alibiz: internal error ({type(error).__name__}: {error}); please report it with the command and file that caused it", file=sys.stderr)
        return 70


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alibiz",
        description="Alibaba Group segment metrics: validate the data, show coverage, chart it.",
    )
    parser.add_argument("--version", action="version", version=f"alibiz {alibiz.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check data files and list every problem",
        description="Check data files against the data contract. With no FILE, the bundled data. "
        "Each FILE is recognised by its header (metrics, events, segment labels or annual totals).",
    )
    validate.add_argument("files", nargs="*", metavar="FILE")
    validate.set_defaults(run=_validate)

    coverage = commands.add_parser(
        "coverage",
        help="which (segment, metric) pairs have figures for which quarters",
        description="A grid of fiscal quarters: 'x' a figure as first reported, 'r' only a restated "
        "figure, '.' no figure.",
    )
    coverage.add_argument("--metrics", metavar="FILE", help="a metrics file (default: the bundled data)")
    coverage.add_argument("--segment", action="append", help="only this segment id (repeatable)")
    coverage.add_argument("--metric", action="append", help="only this metric id (repeatable)")
    coverage.set_defaults(run=_coverage)

    report = commands.add_parser(
        "report",
        help="regenerate every report chart and index.html",
        description="Draw every report chart from the data and write them, with an index.html, into DIR. "
        "The folder is replaced only once every file is written; the same data gives identical files.",
    )
    report.add_argument("--out", default="reports", metavar="DIR", help="output folder (default: reports)")
    report.add_argument("--format", default="png,svg", help="comma-separated: png, svg (default: png,svg)")
    report.add_argument("--metrics", metavar="FILE", help="a metrics file (default: the bundled data)")
    report.add_argument("--events", metavar="FILE", help="an events file (default: the bundled data)")
    report.add_argument("--jobs", type=_at_least_one, metavar="N", help="draw on N cores (default: all; 1 draws one chart at a time)")
    report.set_defaults(run=_report)

    extract = commands.add_parser(
        "extract",
        help="read a results announcement into rows of metrics.csv",
        description="Read Alibaba Group results announcements (the PDF, the 6-K's HTML exhibit or the PDF's text "
        "as .txt; told apart by their content) and write their figures as rows in the columns of metrics.csv. "
        "A segment name segment_labels.csv does not know is reported on stderr and left out.",
    )
    extract.add_argument("files", nargs="+", metavar="FILE")
    extract.add_argument("--url", help="where the release was published (goes into each row's source)")
    extract.add_argument("--metrics", metavar="FILE", help="with --diff, compare with this metrics file (default: the bundled data)")
    written = extract.add_mutually_exclusive_group()
    written.add_argument("--out", metavar="FILE", help="write the rows to FILE instead of standard output")
    written.add_argument("--diff", action="store_true", help="show each row as new, same or different from the data; exit 1 if any differs")
    written.add_argument("--append", metavar="FILE", help="add the new rows to this metrics file, after checking it whole (atomic)")
    extract.set_defaults(run=_extract)
    return parser


def _validate(args) -> int:
    checked = [(path, None) for path in args.files] or [(None, kind) for kind in BUNDLED_FILES]
    problems, summary = [], []
    for path, kind in checked:
        try:
            source = _read_once(path)
            kind = kind or file_kind(source)
            frame = LOADERS[kind](source)
        except DataError as error:
            problems.append(error.problems)
            continue
        name = BUNDLED_FILES[kind] if path is None else path
        summary.append(f"{name}: {len(frame)} rows")
    if problems:
        raise DataError(pd.concat(problems, ignore_index=True))
    print("ok: " + "; ".join(summary))
    return 0


def _read_once(path):
    """A path, or for a pipe (``<(cmd)``, ``/dev/stdin``), which can be read only once,
    its bytes in a file object of the same name: both the kind and the load read them."""
    if path is None or not os.path.exists(path) or os.path.isfile(path) or os.path.isdir(path):
        return path
    try:
        stream = io.BytesIO(Path(path).read_bytes())
    except OSError:
        return path  # the loader names the problem
    stream.name = path
    return stream


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"takes a whole number of at least 1 (got {text!r})")
    return int(text)


def _report(args) -> int:
    from alibiz import workers
    from alibiz.progress import Progress

    if (args.jobs or workers.available_cores()) > 1:  # the helpers' imports, beside this process's own
        workers.start_early(workers.CHART_LIBRARIES)
    from alibiz.report import CHARTS, FORMATS, write_report  # matplotlib is imported only for charts

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    if not formats or set(formats) - set(FORMATS):
        print(f"alibiz report: --format takes {', '.join(FORMATS)} (got {args.format!r})", file=sys.stderr)
        return 2
    try:
        with Progress(len(CHARTS), noun="charts", verb="drawing", label="alibiz report") as progress, progress.printing_warnings():
            written = write_report(args.out, formats=formats, metrics_path=args.metrics, events_path=args.events,
                                   jobs=args.jobs, progress=progress)  # fmt: skip
    except OSError as error:
        reason = error.strerror or str(error)
        print(f"alibiz report: cannot write the report to {args.out}: {reason}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} files to {args.out}/")
    return 0


def _extract(args) -> int:
    from alibiz import extract, files  # extract reads PDFs through pypdf: imported only for this command
    from alibiz.progress import Progress

    if args.url and len(args.files) > 1:
        print("alibiz extract: --url names where one release was published: give one FILE with it", file=sys.stderr)
        return 2
    if args.metrics and not args.diff:
        print("alibiz extract: --metrics goes with --diff (--append compares with the file it appends to)", file=sys.stderr)
        return 2
    unreadable: list[extract.ExtractError] = []
    with Progress(len(args.files), noun="files", verb="reading", label="alibiz extract") as progress, progress.printing_logs("pypdf"):
        # a label the data does not know, and what pypdf logs about a damaged PDF, on a line of its own above the progress line
        rows = extract.extract_releases(args.files, url=args.url, warn=progress.note, progress=progress, errors=unreadable)
    if unreadable:  # all or nothing: no rows of the readable files either
        for error in unreadable:
            print(f"alibiz extract: {error}", file=sys.stderr)
        if len(args.files) > 1:
            print(f"alibiz extract: {len(unreadable)} of {len(args.files)} files could not be read: nothing written", file=sys.stderr)
        return 1
    if args.append:
        try:
            added = extract.append(rows, args.append)
        except OSError as error:
            print(f"alibiz extract: cannot write {args.append}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(f"added {added} new row{'s' * (added != 1)} to {args.append} ({len(rows) - added} already there)")
        return 0
    if args.diff:
        compared = extract.compare(rows, alibiz.load_metrics(args.metrics))
        print(extract.diff_text(compared))
        return 1 if (compared["status"] == "different").any() else 0
    text = extract.to_csv(rows)
    if args.out:
        try:
            files.write_atomic(Path(args.out), text.encode("utf-8"))
        except OSError as error:
            print(f"alibiz extract: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(f"wrote {len(rows)} rows to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _coverage(args) -> int:
    grid = coverage(alibiz.load_metrics(args.metrics))
    segments, metrics = grid.index.get_level_values(0), grid.index.get_level_values(1)
    keep = pd.Series(True, index=grid.index)
    if args.segment:
        keep &= segments.isin(args.segment)
    if args.metric:
        keep &= metrics.isin(args.metric)
    print(coverage_text(grid[keep.to_numpy()]))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
