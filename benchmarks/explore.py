"""The explorer's redraw after a control change against plot_metric drawing the same chart from scratch.

    python benchmarks/explore.py           # 21 interleaved runs of each; rewrites its table in benchmarks/README.md
    python benchmarks/explore.py --quick   # 7 runs; prints the table, leaves the README alone

Both sides start from the data already loaded and end with the chart's pixels
encoded as a PNG, as a notebook shows them:

- redraw: a control of an open explorer changes (the lineage menu, the metric
  menu, the basis buttons); the kernel runs the change (plot_metric on the
  explorer's figure, the rows table, the hover targets) and the canvas draws
  and encodes its image as ipympl sends it to a browser that is connected;
- from scratch: ``plot_metric`` with the same options makes its figure, which
  is drawn and saved as PNG (what the inline backend displays), then closed.

It also sweeps the mouse 12 pixels across one plotted point, as matplotlib's
motion events arrive from the browser, and counts the canvas renders the
hover asks for (each one a full render sent to the browser): the goal is one.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backend_bases import MouseEvent  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import HERE, machine, medians  # noqa: E402

import alibiz  # noqa: E402
from alibiz import plotting  # noqa: E402

# each scenario flips one control between two values, so that every run is a real change
SCENARIOS = [
    ("lineage menu", "_lineage", ["aidc", "cloud"], {"metric": "revenue_yoy"}),
    ("metric menu", "_metric_menu", ["revenue", "revenue_yoy"], {"segment": "aidc"}),
    ("basis buttons", "_basis", ["as_reported", "stitched"], {"segment": "aidc", "metric": "revenue"}),
]


def bench(repeats: int) -> list[dict]:
    metrics, events = alibiz.load_metrics(), alibiz.load_events()
    rows = []
    for name, control, values, state in SCENARIOS:
        ex = alibiz.explore(metrics=metrics, events=events, **state)
        ex._canvas.syncing_data_url = False  # as once a browser has connected: only the image goes out
        turn = iter(range(10**9))

        def redraw():
            value = values[next(turn) % 2]
            start = time.perf_counter()
            getattr(ex, control).value = value
            ex._canvas.draw()  # what the front end's draw request runs: render, then send the PNG diff
            return time.perf_counter() - start

        flips = iter(range(10**9))

        def from_scratch():
            value = values[next(flips) % 2]
            options = {**ex.plot_options, control_option(control): value}
            start = time.perf_counter()
            figure = plotting.plot_metric(**options).figure
            figure.savefig(io.BytesIO(), format="png", dpi=figure.dpi)
            plt.close(figure)
            return time.perf_counter() - start

        redraw(), from_scratch()  # warm both paths once (fonts, caches)
        redraw_s, scratch_s = medians(redraw, from_scratch, repeats=repeats)
        rows.append({"control": name, "redraw_s": redraw_s, "scratch_s": scratch_s, "ratio": redraw_s / scratch_s})
    return rows


def hover_sweep(repeats: int) -> dict:
    """Renders and time for the mouse crossing one point in 12 one-pixel moves (the panel filled once)."""
    ex = alibiz.explore("aidc", "revenue_yoy")
    ex._canvas.syncing_data_url = False
    renders = []

    def render():  # what draw_idle leads to: the front end asks for a draw, the kernel renders and sends it
        renders.append(1)
        ex._canvas.draw()

    ex._canvas.draw_idle = render
    ex.figure.draw_without_rendering()
    x, y = ex._display_xy(ex._points.iloc[[0]])[0]

    def sweep():
        renders.clear()
        ex._shown = None  # the mouse arrives from outside the point
        start = time.perf_counter()
        for dx in range(-6, 6):
            ex._canvas.callbacks.process("motion_notify_event", MouseEvent("motion_notify_event", ex._canvas, x + dx, y))
        return time.perf_counter() - start

    sweep()  # warm
    (seconds,) = medians(sweep, repeats=repeats)
    return {"renders": len(renders), "sweep_s": seconds}


def control_option(control: str) -> str:
    return {"_lineage": "segment", "_metric_menu": "metric", "_basis": "basis"}[control]


def table(rows: list[dict], hover: dict, repeats: int) -> str:
    lines = [
        f"Machine: {machine()}; medians of {repeats} interleaved runs.",
        "",
        "| control changed | plot_metric from scratch | explorer redraw | ratio | goal |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(f"| {row['control']} | {row['scratch_s'] * 1000:.0f} ms | {row['redraw_s'] * 1000:.0f} ms | {row['ratio']:.2f} | <= 1 |")
    lines += [
        "",
        "| hover | canvas renders | time | goal |",
        "| --- | --- | --- | --- |",
        f"| mouse crosses one point in 12 one-pixel moves | {hover['renders']} | {hover['sweep_s'] * 1000:.0f} ms | 1 render |",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 runs; print only")
    args = parser.parse_args()
    repeats = 7 if args.quick else 21
    text = table(bench(repeats), hover_sweep(repeats), repeats)
    print(text)
    if not args.quick:
        readme = HERE / "README.md"
        old = readme.read_text(encoding="utf-8")
        new = re.sub(r"(<!-- explore:start -->\n).*?(<!-- explore:end -->)", lambda m: m.group(1) + text + m.group(2), old, flags=re.S)
        readme.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
