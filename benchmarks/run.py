"""Measure alibiz against its floors and write the results table into benchmarks/README.md.

    python benchmarks/run.py              # everything (about five minutes)
    python benchmarks/run.py --quick      # fewer repeats, no 1M rows, no test-suite run
    python benchmarks/run.py --load-only  # only the loader, table printed, README untouched

Each figure is a ratio measured side by side in one run (the median of
several runs of each, interleaved), so the machine's speed cancels out:

- ``import alibiz`` against ``import pandas``, and a process loading the
  bundled figures against one reading them with ``pandas.read_csv``;
- ``alibiz.load_metrics`` (full validation) against ``pandas.read_csv`` of the
  same synthetic valid file, at 1 thousand, 100 thousand and 1 million rows,
  with peak memory against the loaded frame's size;
- ``alibiz report`` against its own figures, unpickled and saved by bare
  matplotlib (and, for reference, against plain bars and lines of the same data);
- ``alibiz report`` on every core against ``alibiz report --jobs 1``;
- the whole test suite's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"


def timings(*timed, repeats: int) -> list[list[float]]:
    """Every time of each timed callable, run in turn so that drift hits all of them."""
    runs = [[] for _ in timed]
    for _ in range(repeats):
        for run, time_it in zip(runs, timed):
            run.append(time_it())
    return runs


def medians(*timed, repeats: int) -> list[float]:
    """Medians of timed callables, run in turn so that drift hits all of them."""
    return [statistics.median(run) for run in timings(*timed, repeats=repeats)]


# Imports are timed from compiled bytecode, as pip installs a package: with
# PYTHONDONTWRITEBYTECODE set, alibiz's source (unlike pandas', compiled at
# install) would be compiled again on every run, about 20-30 ms.
WITH_BYTECODE = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run_python(code: str) -> float:
    """Wall time of a fresh interpreter running ``code``."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tempfile.gettempdir(), env=WITH_BYTECODE)
    return time.perf_counter() - start


def synthetic_metrics(rows: int) -> Path:
    """A valid metrics file of ``rows`` rows (made once, kept in benchmarks/.data)."""
    path = DATA / f"metrics_{rows}.csv"
    if path.exists():
        return path
    import numpy as np
    import pandas as pd

    import alibiz

    DATA.mkdir(exist_ok=True)
    registry = alibiz.load_metric_registry()
    segments = alibiz.load_segments()["segment"]
    per_quarter = len(segments) * len(registry) * 2
    quarters = pd.period_range("1800Q1", periods=rows // per_quarter + 1, freq="Q-MAR")
    keys = pd.MultiIndex.from_product(
        [quarters, segments, registry["metric"], ["as_reported", "restated"]], names=["q", "s", "m", "b"]
    ).to_frame(index=False).iloc[:rows]
    frame = pd.DataFrame({
        "period_end": keys["q"].dt.end_time.dt.strftime("%Y-%m-%d"),
        "fiscal_period": "FY" + keys["q"].dt.qyear.astype(str) + "Q" + keys["q"].dt.quarter.astype(str),
        "segment": keys["s"], "segment_label": "Alibaba International Digital Commerce Group",
        "metric": keys["m"], "value": np.round(np.arange(len(keys)) * 1.5 - 7, 1),
        "unit": keys["m"].map(dict(zip(registry["metric"], registry["unit"]))), "basis": keys["b"],
        "source": "Alibaba Group Announces September Quarter 2024 Results, Business Wire 2024-11-15 (https://example.org/r)",
        "published": (keys["q"].dt.end_time + pd.Timedelta(days=45)).dt.strftime("%Y-%m-%d"), "note": "",
    })  # fmt: skip
    frame.to_csv(path, index=False)
    return path


MEMORY_PROBE = """
import json, sys, tracemalloc, alibiz, pandas as pd
path, how = sys.argv[1], sys.argv[2]
tracemalloc.start()
frame = alibiz.load_metrics(path) if how == "alibiz" else pd.read_csv(path)
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"peak": peak, "frame": int(frame.memory_usage(deep=True).sum())}))
"""


def memory(path: Path, how: str) -> dict:
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path), how], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


BUNDLED_METRICS = ROOT / "data" / "metrics.csv"


def bench_import(repeats: int) -> dict:
    """``import alibiz`` against ``import pandas``, and the whole process that loads the bundled
    figures against the one that reads the same file with ``read_csv``, all interleaved."""
    run_python("import alibiz")  # writes alibiz's bytecode, if it is not there yet
    pandas, alibiz, read, load = medians(
        lambda: run_python("import pandas"), lambda: run_python("import alibiz"),
        lambda: run_python(f"import pandas; pandas.read_csv({str(BUNDLED_METRICS)!r})"),
        lambda: run_python("import alibiz; alibiz.load_metrics()"), repeats=repeats,
    )  # fmt: skip
    return {"pandas_s": pandas, "alibiz_s": alibiz, "ratio": alibiz / pandas,
            "read_csv_process_s": read, "load_process_s": load, "process_ratio": load / read}  # fmt: skip


def bench_load(rows: int, repeats: int) -> dict:
    import pandas as pd

    import alibiz

    path = synthetic_metrics(rows)

    def timed(load):
        def run():
            start = time.perf_counter()
            frame = load(path)
            elapsed = time.perf_counter() - start
            assert len(frame) == rows
            return elapsed

        return run

    floor, ours = medians(timed(pd.read_csv), timed(alibiz.load_metrics), repeats=repeats)
    mem = memory(path, "alibiz")
    return {"rows": rows, "read_csv_s": floor, "load_metrics_s": ours, "ratio": ours / floor,
            "peak_mb": mem["peak"] / 2**20, "frame_mb": mem["frame"] / 2**20,
            "memory_ratio": mem["peak"] / mem["frame"], "us_per_row": ours / rows * 1e6}  # fmt: skip


def bare_matplotlib_report(out: Path) -> None:
    """A lower floor: the report's data drawn as plain bars and lines and saved, nothing more."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import alibiz
    from alibiz.report import CHARTS

    metrics = alibiz.load_metrics()
    for chart in CHARTS:
        panels: dict[str, list[str]] = {}  # one panel per metric, a line or bars per segment
        for segment, metric in chart.figures:
            panels.setdefault(metric, []).append(segment)
        fig, axes = plt.subplots(len(panels), 1, figsize=(9, 4.2 * len(panels)), squeeze=False)
        for ax, (metric, segments) in zip(axes[:, 0], panels.items()):
            for segment in segments:
                values = alibiz.series(segment, metric, metrics=metrics)
                if values.empty:
                    continue
                (ax.bar if metric in ("revenue", "adjusted_ebita") else ax.plot)(values.index, values.to_numpy())
        for fmt in ("png", "svg"):
            fig.savefig(out / f"{chart.name}.{fmt}", dpi=150, bbox_inches="tight")
        plt.close(fig)


FIGURES = DATA / "report_figures.pickle"


def pickle_report_figures() -> None:
    """The report's figures as alibiz draws them, pickled (untimed) with the settings they are saved with."""
    import pickle

    import alibiz
    from alibiz import plotting
    from alibiz.report import CHARTS

    metrics, events = alibiz.load_metrics(), alibiz.load_events()
    with plotting.style():
        figures = [(chart.name, chart.draw(metrics, events)) for chart in CHARTS]
    DATA.mkdir(exist_ok=True)
    FIGURES.write_bytes(pickle.dumps({"rc": dict(plotting.RC), "figures": figures}))


def bare_matplotlib_same_figures(out: Path) -> None:
    """The floor: the report's own figures, unpickled and saved by matplotlib alone, its default way."""
    import pickle

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    saved = pickle.loads(FIGURES.read_bytes())
    assert "alibiz" not in sys.modules, "the floor must not run alibiz code"
    matplotlib.rcParams.update(saved["rc"])
    for name, fig in saved["figures"]:
        for fmt in ("png", "svg"):
            fig.savefig(out / f"{name}.{fmt}", bbox_inches="tight")
        plt.close(fig)


def bench_report(repeats: int) -> dict:
    pickle_report_figures()

    def in_a_fresh_folder(command):
        """Wall time of ``command(folder)`` run in a fresh interpreter, writing into a new temporary folder."""

        def run():
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                subprocess.run(command(Path(tmp)), check=True, capture_output=True)
                return time.perf_counter() - start

        return run

    floor = in_a_fresh_folder(lambda tmp: [sys.executable, __file__, "--floor-report", str(tmp)])
    same = in_a_fresh_folder(lambda tmp: [sys.executable, __file__, "--floor-same-figures", str(tmp)])
    # one chart at a time, as the floors draw them; then on every core, the command's default
    ours = in_a_fresh_folder(lambda tmp: [sys.executable, "-m", "alibiz.cli", "report", "--out", str(tmp / "r"), "--jobs", "1"])
    parallel = in_a_fresh_folder(lambda tmp: [sys.executable, "-m", "alibiz.cli", "report", "--out", str(tmp / "r")])
    runs = timings(floor, same, ours, parallel, repeats=repeats)
    floor_s, same_s, ours_s, parallel_s = (statistics.median(run) for run in runs)
    each = [p / s for s, p in zip(runs[2], runs[3])]  # the runs were interleaved: each pair side by side
    return {"matplotlib_s": floor_s, "same_figures_s": same_s, "report_s": ours_s, "parallel_s": parallel_s,
            "ratio": ours_s / floor_s, "same_ratio": ours_s / same_s, "parallel_ratio": parallel_s / ours_s,
            "parallel_range": (min(each), max(each)), "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()}  # fmt: skip


def bench_suite() -> dict:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    return {"seconds": elapsed, "summary": re.sub(r"\x1b\[[0-9;]*m", "", summary), "returncode": result.returncode}


def machine() -> str:
    import matplotlib
    import numpy
    import pandas

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:  # pandas reads text into pyarrow-backed strings when pyarrow is installed: a faster floor
        from importlib.metadata import version

        arrow = f"pyarrow {version('pyarrow')}"
    except ImportError:
        arrow = "no pyarrow"
    return (f"{cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GiB; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, pandas {pandas.__version__}, numpy {numpy.__version__}, "
            f"matplotlib {matplotlib.__version__}, {arrow}")  # fmt: skip


LOAD_GOALS = {100_000: 1.4}  # the goal of each size's load against read_csv, where it is not 1.5


def table(results: dict) -> str:
    lines = ["| measure | floor | alibiz | ratio | goal |", "| --- | --- | --- | --- | --- |"]
    imp = results.get("import")
    if imp:
        lines.append(f"| `import alibiz` vs `import pandas` | {imp['pandas_s']:.3f} s | {imp['alibiz_s']:.3f} s | {imp['ratio']:.2f} | <= 1.10 |")
        lines.append(
            f"| process: `import alibiz; alibiz.load_metrics()` vs `import pandas; pandas.read_csv(...)`, bundled data "
            f"| {imp['read_csv_process_s']:.3f} s | {imp['load_process_s']:.3f} s | {imp['process_ratio']:.2f} | <= 1.10 |"
        )
    for load in results["load"]:
        lines.append(
            f"| `load_metrics`, {load['rows']:,} rows vs `read_csv` | {load['read_csv_s']:.3f} s | {load['load_metrics_s']:.3f} s "
            f"| {load['ratio']:.2f} | <= {LOAD_GOALS.get(load['rows'], 1.5)} |"
        )
    for load in results["load"]:
        lines.append(
            f"| peak memory of `load_metrics`, {load['rows']:,} rows, vs the frame | {load['frame_mb']:.1f} MiB | "
            f"{load['peak_mb']:.1f} MiB | {load['memory_ratio']:.2f} | <= 2 |"
        )
    if len(results["load"]) > 1:
        per_row = ", ".join(f"{l['us_per_row']:.2f} µs/row at {l['rows']:,}" for l in results["load"])
        lines.append(f"| time per row (linear growth) | | {per_row} | | flat |")
    rep = results.get("report")
    if rep:
        lines.append(
            f"| `alibiz report` vs its own figures saved by bare matplotlib | {rep['same_figures_s']:.2f} s "
            f"| {rep['report_s']:.2f} s | {rep['same_ratio']:.2f} | <= 1.2 |"
        )
        lines.append(f"| `alibiz report` vs plain bars and lines of the same data | {rep['matplotlib_s']:.2f} s | {rep['report_s']:.2f} s | {rep['ratio']:.2f} | |")
        low, high = rep["parallel_range"]
        lines.append(
            f"| `alibiz report` on every core ({rep['cores']}) vs `--jobs 1` | {rep['report_s']:.2f} s | {rep['parallel_s']:.2f} s "
            f"| {rep['parallel_ratio']:.2f} (runs {low:.2f}-{high:.2f}) | <= 0.65 on 2 cores |"
        )
    suite = results.get("suite")
    if suite:
        lines.append(f"| whole test suite, wall time | | {suite['seconds']:.0f} s ({suite['summary']}) | | < 120 s |")
    return "\n".join(lines)


def write_readme(results: dict) -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = f"Machine: {results['machine']}.\n\n{table(results)}\n"
    text = re.sub(r"(<!-- results:start -->\n).*?(<!-- results:end -->)", lambda m: m.group(1) + block + m.group(2), text, flags=re.S)
    readme.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; no 1M rows; no test suite")
    parser.add_argument("--load-only", action="store_true", help="only load_metrics; print the table, leave the README alone")
    parser.add_argument("--report-only", action="store_true", help="only alibiz report; print the table, leave the README alone")
    parser.add_argument("--import-only", action="store_true", help="only the imports; print the table, leave the README alone")
    parser.add_argument("--floor-report", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--floor-same-figures", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_report:
        bare_matplotlib_report(Path(args.floor_report))
        return
    if args.floor_same_figures:
        bare_matplotlib_same_figures(Path(args.floor_same_figures))
        return
    sizes = [1_000, 100_000] if args.quick else [1_000, 100_000, 1_000_000]
    only = args.load_only or args.report_only or args.import_only
    results = {"machine": machine(), "load": []}
    if not (args.load_only or args.report_only):  # a fresh interpreter's start varies by tens of milliseconds: many runs
        results["import"] = bench_import(7 if args.quick else 21)
    # a small load takes milliseconds and the machine's noise is as large: more runs where they are cheap
    load_repeats = {1_000: 51, 100_000: 11, 1_000_000: 5} if not args.quick else {1_000: 15, 100_000: 5}
    if not (args.report_only or args.import_only):
        results["load"] = [bench_load(rows, load_repeats[rows]) for rows in sizes]
    if not (args.load_only or args.import_only):
        results["report"] = bench_report(3 if args.quick else 7)
    if not (args.quick or only):
        results["suite"] = bench_suite()
    print(f"Machine: {results['machine']}.\n")
    print(table(results))
    if not only:
        write_readme(results)


if __name__ == "__main__":
    main()
