"""The report: every chart, and an index.html that shows them with the events and sources.

:func:`write_report` draws everything into a fresh folder beside the target
and swaps it in only when all files are written, so a reader (or a crash)
sees either the old complete report or the new one. Files are reproducible:
the same data gives byte-identical PNG, SVG and HTML.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "reports"
>>> sorted(p.name for p in write_report(out, formats=["png"]))[:2]
['aac.png', 'aidc_adjusted_ebita.png']
"""

from __future__ import annotations

import errno
import html
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import matplotlib

if "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # the command line draws off screen; a notebook (the explorer) keeps its backend

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from alibiz import fiscal, plotting  # noqa: E402
from alibiz.load import load_events, load_metrics  # noqa: E402
from alibiz.validate import DataError  # noqa: E402

FORMATS = ("png", "svg")
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
}


@dataclass(frozen=True)
class Chart:
    """One report chart: its file name, caption, and how to draw it."""

    name: str
    caption: str
    draw: Callable[[pd.DataFrame, pd.DataFrame], plt.Figure]
    figures: tuple[tuple[str, str], ...]  # the (segment, metric) pairs it draws


def _single(segment: str, metric: str, **kwargs) -> Callable:
    def draw(metrics: pd.DataFrame, events: pd.DataFrame) -> plt.Figure:
        return plotting.plot_metric(segment, metric, metrics=metrics, events=events, **kwargs).figure

    return draw


CHARTS = [
    Chart("dashboard", "The four families on one time axis: AIDC revenue growth, AIDC adjusted EBITA, "
          "customer management revenue growth and annual active consumers, with the reorganizations.",
          lambda m, e: plotting.dashboard(metrics=m, events=e),
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


def write_report(out, *, formats: Iterable[str] = FORMATS, metrics_path=None, events_path=None) -> list[Path]:
    """Write every chart and ``index.html`` into ``out``; returns the files written.

    The data is loaded (and validated) first: a bad file raises
    :class:`alibiz.DataError` before anything is written.
    """
    formats = list(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise ValueError(f"formats must be among {list(FORMATS)}, got {formats}")
    out = Path(out).absolute()
    if not out.parent.is_dir():
        raise FileNotFoundError(f"the folder {out.parent} does not exist")
    _recover(out)
    _check_replaceable(out)
    metrics = load_metrics(metrics_path)
    events = load_events(events_path)
    if metrics.empty:
        raise DataError.single(metrics.attrs["source_file"], None, "", "has no figures (only a header): there is nothing to chart")
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        missing = []
        for chart in CHARTS:
            try:
                figure = chart.draw(metrics, events)
            except plotting.NoFigures:
                missing.append(chart.name)  # the data has nothing to draw: say so in the index
                continue
            try:
                with plotting.style():  # svg.hashsalt applies when the file is written
                    area = _layout_once(figure)
                    for fmt in formats:
                        path = staging / f"{chart.name}.{fmt}"
                        figure.savefig(path, format=fmt, bbox_inches=area, metadata=METADATA[fmt])
            finally:
                plt.close(figure)
        (staging / "index.html").write_text(_index_html(metrics, events, formats, missing), encoding="utf-8")
        _figures_csv(metrics).to_csv(staging / "figures.csv", index=False, lineterminator="\n", float_format=_as_written)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out.iterdir())


def _layout_once(figure: plt.Figure) -> Bbox:
    """Lay the figure out and measure it once, at the PNG's resolution, for all its files.

    Left to ``savefig(bbox_inches="tight")``, every file draws the figure twice
    and the layout engine runs on each draw: four text-measuring layout passes
    and two extra draws for a PNG and an SVG instead of one of each. Returns
    the area to save: the tight box around everything drawn, padded as
    ``savefig`` pads it.
    """
    figure.set_dpi(plt.rcParams["savefig.dpi"])
    engine = figure.get_layout_engine()
    if engine is not None:
        engine.execute(figure)
        figure.set_layout_engine("none")
    tight = figure.get_tightbbox(figure.canvas.get_renderer())
    return tight.padded(plt.rcParams["savefig.pad_inches"])


def _check_replaceable(out: Path) -> None:
    """Refuse, before anything is touched, a place the report would not simply replace:
    a file, a symbolic link, the current folder (or one holding it), or a folder
    holding anything alibiz did not write there (the data files, say).

    Raises NotADirectoryError or FileExistsError with a reason to show the user.
    """
    if out.is_symlink():
        raise FileExistsError(errno.EEXIST, f"is a symbolic link: give the folder it points to ({os.path.realpath(out)})")
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder: nothing was changed")
    if out.is_dir() and Path.cwd().resolve().is_relative_to(out.resolve()):
        raise FileExistsError(errno.EEXIST, "is the current folder or holds it: give the report a folder of its own, e.g. reports")
    entries = list(out.iterdir()) if out.is_dir() else []
    if entries and not _is_a_report(out, entries):
        others = sorted(p.name for p in entries if not _report_file(p)) or ["no index.html of an alibiz report"]
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise FileExistsError(errno.EEXIST, f"holds files that are not an alibiz report ({shown}): nothing was changed; give a new or empty folder")


def _report_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink() and (path.suffix in (".png", ".svg") or path.name in ("index.html", "figures.csv"))


def _is_a_report(out: Path, entries: list[Path]) -> bool:
    """Whether a folder holds an earlier report and nothing else: charts, figures.csv and
    an index.html with the report's title (a chart an older version drew counts too)."""
    index = out / "index.html"
    return all(_report_file(p) for p in entries) and index.is_file() and REPORT_TITLE in index.read_text(encoding="utf-8", errors="replace")


def _old(out: Path) -> Path:
    return out.with_name(f".{out.name}.old")


def _recover(out: Path) -> None:
    """Put back the previous report if a run was stopped between the two renames of the swap."""
    if not out.exists() and _old(out).is_dir():
        os.replace(_old(out), out)


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging``: the old report stays whole until the new one is.

    Two renames: ``out`` -> ``.out.old``, then the new folder -> ``out``. A run
    stopped between them leaves the old report whole in ``.out.old``, and the
    next run puts it back before it starts.
    """
    if not out.exists():
        os.replace(staging, out)
        return
    shutil.rmtree(_old(out), ignore_errors=True)
    os.replace(out, _old(out))
    os.replace(staging, out)
    shutil.rmtree(_old(out))


# --------------------------------------------------------------------- csv

REPORT_TITLE = "alibiz report"  # in index.html's title: how a folder is known for an earlier report
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _figures_csv(metrics: pd.DataFrame) -> pd.DataFrame:
    """The figures behind the charts, for a spreadsheet: text cells cannot start a formula."""
    return figures_table(metrics[_drawn(metrics, {pair for chart in CHARTS for pair in chart.figures})])


def figures_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Figures with their sources in figures.csv's columns, dates as text, safe for a spreadsheet."""
    columns = ["fiscal_period", "period_end", "segment", "segment_label", "metric", "value", "unit",
               "basis", "source", "published", "note"]  # fmt: skip
    table = rows[columns].assign(
        period_end=rows["period_end"].dt.strftime("%Y-%m-%d"), published=rows["published"].dt.strftime("%Y-%m-%d")
    )
    return spreadsheet_safe(table)


def _as_written(value: float) -> str:
    """A figure in the fewest digits that read back as the same number, never in
    scientific notation (which alibiz refuses): 31672, -2905, 0.123456789012.

    >>> [_as_written(v) for v in (31672.0, -2905.0, 123456789012.0, 0.123456789012)]
    ['31672', '-2905', '123456789012', '0.123456789012']
    """
    return np.format_float_positional(value, trim="-")


def _drawn(metrics: pd.DataFrame, pairs: set[tuple[str, str]]) -> pd.Series:
    """Which rows hold one of the (segment, metric) pairs."""
    return pd.Series([(s, m) in pairs for s, m in zip(metrics["segment"], metrics["metric"])], index=metrics.index)


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would read as a formula get a leading apostrophe.

    Numbers stay numbers (a loss of -2905 is a value, not a formula).

    >>> spreadsheet_safe(pd.DataFrame({"a": ["=1+1", "ok", "@SUM(A1)"], "n": [-1.0, 2.0, 3.0]}))["a"].tolist()
    ["'=1+1", 'ok', "'@SUM(A1)"]
    """
    safe = table.copy()
    for column in safe.columns:
        if pd.api.types.is_string_dtype(safe[column]) or safe[column].dtype == object:
            text = safe[column]
            risky = text.fillna("").astype(str).str.startswith(FORMULA_STARTS)
            safe[column] = text.where(~risky, "'" + text.astype(str))
    return safe


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
