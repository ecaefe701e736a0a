"""The report: every chart, and an index.html that shows them with the events and sources.

:func:`write_report` draws everything into a fresh folder beside the target
and swaps it in only when all files are written, so a reader (or a crash)
sees either the old complete report or the new one. Files are reproducible:
the same data gives byte-identical PNG, SVG and HTML, drawn in one process
or several (``jobs=``).

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "reports"
>>> sorted(p.name for p in write_report(out, formats=["png"]))[:2]
['aac.png', 'aidc_adjusted_ebita.png']
"""

from __future__ import annotations

import collections
import functools
import html
import sys
import threading
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import matplotlib

if "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # the command line draws off screen; a notebook (the explorer) keeps its backend

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from alibiz import files, fiscal, fonts, plotting, workers  # noqa: E402
from alibiz.load import load_events, load_metrics  # noqa: E402
from alibiz.validate import DataError  # noqa: E402

FORMATS = ("png", "svg")


@dataclass(frozen=True)
class Chart:
    """One report chart: its file name, caption, and how to draw it."""

    name: str
    caption: str
    draw: Callable[[pd.DataFrame, pd.DataFrame], plt.Figure]
    figures: tuple[tuple[str, str], ...]  # the (segment, metric) pairs it draws


def _plot_single(segment, metric: str, metrics: pd.DataFrame, events: pd.DataFrame, **kwargs) -> plt.Figure:
    return plotting.plot_metric(segment, metric, metrics=metrics, events=events, **kwargs).figure


def _single(segment, metric: str, **kwargs) -> Callable:
    # a partial of a module-level function, not a closure: a chart is sent to the drawing processes by pickle
    return functools.partial(_plot_single, segment, metric, **kwargs)


def _dashboard(metrics: pd.DataFrame, events: pd.DataFrame) -> plt.Figure:
    return plotting.dashboard(metrics=metrics, events=events)


CHARTS = [
    Chart("dashboard", "The four families on one time axis: AIDC revenue growth, AIDC adjusted EBITA, "
          "customer management revenue growth and annual active consumers, with the reorganizations.",
          _dashboard,
          (("aidc", "revenue_yoy"), ("aidc", "adjusted_ebita"), ("china_ecommerce", "cmr_yoy"),
           ("group", "aac"), ("china_ecommerce", "aac"), ("aidc", "aac"))),
    Chart("aidc_revenue_yoy", "International commerce / AIDC: revenue growth year over year, as first reported.",
          _single("aidc", "revenue_yoy"), (("aidc", "revenue_yoy"),)),
    Chart("aidc_revenue", "International commerce / AIDC: segment revenue, as first reported.",
          _single("aidc", "revenue"), (("aidc", "revenue"),)),
    Chart("aidc_adjusted_ebita", "International commerce / AIDC: adjusted EBITA, the investment years and the turn.",
          _single("aidc", "adjusted_ebita"), (("aidc", "adjusted_ebita"),)),
    Chart("cmr_yoy", "Customer management revenue growth: China commerce retail, then China commerce, "
          "Taobao and Tmall Group, Alibaba China E-commerce Group (the line breaks where the scope changed).",
          _single("china_ecommerce", "cmr_yoy", title="Customer management revenue growth"),
          (("china_ecommerce", "cmr_yoy"),)),
    Chart("aac", "Annual active consumers: China retail marketplaces, then the Alibaba Ecosystem globally, "
          "in China and overseas, until the disclosure stopped.",
          _single(list(plotting.CONSUMERS), "aac", labels=plotting.CONSUMERS, title="Annual active consumers"),
          tuple((segment, "aac") for segment in plotting.CONSUMERS)),
    Chart("cloud_revenue_yoy", "Cloud: revenue growth year over year.",
          _single("cloud", "revenue_yoy"), (("cloud", "revenue_yoy"),)),
    Chart("cloud_adjusted_ebita", "Cloud: adjusted EBITA.", _single("cloud", "adjusted_ebita"), (("cloud", "adjusted_ebita"),)),
    Chart("group_revenue", "Alibaba Group: revenue.", _single("group", "revenue"), (("group", "revenue"),)),
    Chart("group_revenue_yoy", "Alibaba Group: revenue growth year over year.",
          _single("group", "revenue_yoy"), (("group", "revenue_yoy"),)),
]  # fmt: skip


def write_report(out, *, formats: Iterable[str] = FORMATS, metrics_path=None, events_path=None, jobs: int | None = 1,
                 progress=None) -> list[Path]:  # fmt: skip
    """Write every chart and ``index.html`` into ``out``; returns the files written.

    The data is loaded (and validated) first: a bad file raises
    :class:`alibiz.DataError` before anything is written. ``jobs``: how many
    processes draw the charts (this one and ``jobs - 1`` more), ``None`` for
    every core; the files are the same either way. Called with ``jobs > 1``
    from a script, guard the call with ``if __name__ == "__main__":``, as
    :mod:`multiprocessing` requires. ``progress`` (e.g. an
    :class:`alibiz.progress.Progress`) is told each chart's name as its
    drawing starts and ends. Removing the unfinished folder of an earlier run
    that was stopped is said in a :class:`alibiz.files.FolderRemoved` warning.
    """
    formats = list(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise ValueError(f"formats must be among {list(FORMATS)}, got {formats}")
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    jobs = min(workers.available_cores() if jobs is None else jobs, max(len(CHARTS), 1))
    out = Path(out).absolute()
    files.check_place(out, LONGEST_FILE)
    files.recover(out)
    files.check_replaceable(out, what="an alibiz report", short="the report", not_earlier=_not_a_report)
    if jobs > 1:
        workers.start_early(workers.CHART_LIBRARIES)  # the helpers' imports, while this process loads the data
    metrics = load_metrics(metrics_path)
    events = load_events(events_path)
    if metrics.empty:
        raise DataError.single(metrics.attrs["source_file"], None, "", "has no figures (only a header): there is nothing to chart")
    with files.staged(out) as staging:
        drawn = _draw_all(CHARTS, _Job(metrics, events, formats, staging), jobs, progress)
        missing = [d.name for d in drawn if not d.drawn]  # the data has nothing to draw: the index says so
        (staging / "index.html").write_text(_index_html(metrics, events, formats, missing), encoding="utf-8")
        files.write_figures_csv(metrics[_drawn(metrics, {pair for chart in CHARTS for pair in chart.figures})], staging / "figures.csv")
    for category, message in dict.fromkeys(w for d in drawn for w in d.warnings):
        warnings.warn(message, category, stacklevel=2)  # each once, wherever it was drawn
    glyphs = "".join(dict.fromkeys("".join(d.glyphs for d in drawn)))
    if glyphs:
        warnings.warn(fonts.MissingGlyphs(glyphs), stacklevel=2)  # one warning for the whole report
    return sorted(out.iterdir())


# ----------------------------------------------------------------- drawing


@dataclass(frozen=True)
class _Job:
    """What every chart of one report is drawn from, and where its files go."""

    metrics: pd.DataFrame
    events: pd.DataFrame
    formats: list[str]
    staging: Path


@dataclass(frozen=True)
class _Drawn:
    """One chart's outcome: whether it was drawn, characters no font had, other warnings raised."""

    name: str
    drawn: bool
    glyphs: str = ""
    warnings: list[tuple[type[Warning], str]] = field(default_factory=list)


def _draw_chart(chart: Chart, job: _Job) -> _Drawn:
    """Draw one chart and save its files into the staging folder.

    Warnings are caught and returned rather than printed: a drawing process
    would print them in the middle of the progress line, once per chart.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # matplotlib's warning per missing glyph: alibiz says it once for the whole report
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        try:
            figure = chart.draw(job.metrics, job.events)
        except plotting.NoFigures:
            return _Drawn(chart.name, drawn=False)
        try:
            plotting.save_figure(figure, job.staging / chart.name, job.formats)
        finally:
            plt.close(figure)
    glyphs = "".join(w.message.characters for w in caught if isinstance(w.message, fonts.MissingGlyphs))
    others = [(w.category, str(w.message)) for w in caught if not isinstance(w.message, fonts.MissingGlyphs)]
    return _Drawn(chart.name, drawn=True, glyphs=glyphs, warnings=others)


def _draw_all(charts: list[Chart], job: _Job, jobs: int, progress) -> list[_Drawn]:
    """Draw every chart, here and in ``jobs - 1`` other processes; returns the outcomes in chart order.

    All take the next chart from one queue, in the list's order (the
    dashboard, the longest to draw, first). Each other process is fed by a
    thread of this one that waits for its chart. On any error or Ctrl-C the
    other processes are stopped before this returns, so that nothing writes
    into the staging folder any more.
    """
    queue, lock, failures, drawn = collections.deque(charts), threading.Lock(), [], {}

    def take() -> Chart | None:
        with lock:
            return queue.popleft() if queue and not failures else None

    def draw(chart: Chart, how: Callable[[], _Drawn]) -> None:
        if progress is not None:
            progress.started(chart.name)
        drawn[chart.name] = how()
        if progress is not None:
            progress.finished(chart.name)

    def feed(pool: ProcessPoolExecutor) -> None:
        try:
            while (chart := take()) is not None:
                draw(chart, lambda: pool.submit(_draw_in_helper, chart).result())
        except BaseException as error:  # raised in this thread by the helper's chart, or a helper that died
            with lock:
                failures.append(error)

    chart = take()  # this process is ready now: it starts on the longest chart
    pool = workers.pool_of(jobs - 1, _helper_starts, (job,)) if jobs > 1 and len(charts) > 1 else None
    feeders = [threading.Thread(target=feed, args=(pool,), daemon=True) for _ in range(jobs - 1)] if pool else []
    try:
        for feeder in feeders:
            feeder.start()
        while chart is not None:
            draw(chart, lambda: _draw_chart(chart, job))
            chart = take()
        for feeder in feeders:
            feeder.join()
    except BaseException:
        with lock:
            queue.clear()
        if pool is not None:
            workers.stop(pool)
        for feeder in feeders:
            feeder.join()
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if failures:
        raise failures[0]
    return [drawn[c.name] for c in charts]


_JOB: _Job | None = None  # in a helper process: the report it draws charts of
_MARKER = None  # ... and the staging folder's marker, locked for as long as the process lives


def _helper_starts(job: _Job) -> None:
    global _JOB, _MARKER
    _JOB, _MARKER = job, files.hold(job.staging / files.STAGING_MARKER)


def _draw_in_helper(chart: Chart) -> _Drawn:
    return _draw_chart(chart, _JOB)


# ------------------------------------------------------------------ the folder

LONGEST_FILE = max(len(f"{c.name}.png") for c in CHARTS)
REPORT_TITLE = "alibiz report"  # in index.html's title: how a folder is known for an earlier report


def _report_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink() and (path.suffix in (".png", ".svg") or path.name in ("index.html", "figures.csv"))


def _not_a_report(out: Path, entries: list[Path]) -> list[str]:
    """What makes a folder not an earlier report (nothing: it is one): files other than
    charts, figures.csv and index.html (a chart an older version drew counts as one), or
    an index.html without the report's title."""
    others = [p.name for p in entries if not _report_file(p)]
    index = out / "index.html"
    if not others and not (index.is_file() and REPORT_TITLE in index.read_text(encoding="utf-8", errors="replace")):
        others = ["no index.html of an alibiz report"]
    return others


def _drawn(metrics: pd.DataFrame, pairs: set[tuple[str, str]]) -> pd.Series:
    """Which rows hold one of the (segment, metric) pairs."""
    return pd.Series([(s, m) in pairs for s, m in zip(metrics["segment"], metrics["metric"])], index=metrics.index)


# -------------------------------------------------------------------- html


def _index_html(metrics: pd.DataFrame, events: pd.DataFrame, formats: list[str], missing: list[str]) -> str:
    image = "png" if "png" in formats else formats[0]
    as_of = fiscal.label(metrics["period_end"].max())
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{REPORT_TITLE}: Alibaba Group segment metrics</title>",
        "<style>body{font-family:sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "img{max-width:100%;border:1px solid #ddd}figure{margin:2rem 0}table{border-collapse:collapse;font-size:.85rem}"
        "td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}"
        "details{font-size:.8rem;margin-top:.5rem}</style>",
        "</head><body>",
        "<h1>Alibaba Group: segment metrics and reorganizations</h1>",
        f"<p>Data as of <strong>{e(as_of)}</strong> (quarter ended {metrics['period_end'].max():%Y-%m-%d}); "
        f"{len(metrics)} published figures. Quarters without a published figure are left as gaps. "
        "Figures are as first reported unless a chart says otherwise.</p>",
    ]
    for chart in CHARTS:
        shown = metrics[_drawn(metrics, set(chart.figures)) & (metrics["basis"] == "as_reported")]
        sources = shown.groupby("source", sort=True)["fiscal_period"].agg(lambda s: ", ".join(sorted(set(s))))
        items = "".join(f"<li>{e(source)}: {e(quarters)}</li>" for source, quarters in sources.items())
        if chart.name in missing:
            parts.append(f'<figure id="{chart.name}"><p><em>No published figures for this chart in the data.</em></p>'
                         f"<figcaption>{e(chart.caption)}</figcaption></figure>")  # fmt: skip
            continue
        parts.append(
            f'<figure id="{chart.name}"><img src="{chart.name}.{image}" alt="{e(chart.caption)}">'
            f"<figcaption>{e(chart.caption)}</figcaption>"
            f"<details><summary>Sources of the {len(shown)} figures</summary><ul>{items}</ul></details></figure>"
        )
    parts.append("<h2>Events</h2><table><tr><th>date</th><th>kind</th><th>event</th><th>segments</th><th>source</th></tr>")
    for row in events.sort_values("date", kind="stable").itertuples(index=False):
        effective = f" (effective {row.effective_date:%Y-%m-%d})" if pd.notna(row.effective_date) else ""
        first = f" First quarter on the new basis: {row.first_period}." if pd.notna(row.first_period) else ""
        parts.append(
            f"<tr><td>{row.date:%Y-%m-%d}{e(effective)}</td><td>{e(row.kind)}</td>"
            f"<td><strong>{e(row.title)}</strong><br>{e(row.summary)}{e(first)}</td>"
            f"<td>{e(str(row.segments).replace(';', ', '))}</td><td>{e(row.source)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        '<p>The figures behind these charts, with their sources: <a href="figures.csv">figures.csv</a>. '
        f"Made with alibiz from {e(metrics.attrs['source_file'])} and {e(events.attrs['source_file'])}.</p></body></html>"
    )
    return "\n".join(parts) + "\n"
