"""alibiz: Alibaba Group's segment metrics as pandas frames, charted against its reorganizations.

>>> import alibiz
>>> aidc = alibiz.series("aidc", "revenue_yoy")
>>> aidc.loc["2024-09-30"]
np.float64(29.0)
"""

from alibiz.analysis import (
    coverage,
    coverage_text,
    ebita_margin,
    event_study,
    event_window,
    growth_from_levels,
    latest_figures,
    quarter_on_quarter,
    reconcile,
    series,
    stitched,
    trailing_twelve_months,
)
from alibiz.events import select_events
from alibiz.fiscal import label, period, quarter_end
from alibiz.load import (
    load_annual,
    load_discrepancies,
    load_events,
    load_metric_registry,
    load_metrics,
    load_segment_labels,
    load_segments,
)
from alibiz.validate import DataError

# Charts need matplotlib: imported on first use, so `import alibiz` stays light.
_PLOTTING = ("plot_metric", "plot_event_study", "dashboard", "style")
# The explorer needs ipywidgets and ipympl (the notebooks extra) too. Its module is
# alibiz.explorer: a submodule named explore would replace this function once imported.
_EXPLORER = ("explore",)
# The release reader sits at the top of the data flow: imported on first use too.
_EXTRACT = ("extract_release", "ExtractError")


def __getattr__(name):
    if name in _PLOTTING:
        from alibiz import plotting

        return getattr(plotting, name)
    if name in _EXPLORER:
        from alibiz import explorer

        return getattr(explorer, name)
    if name in _EXTRACT:
        from alibiz import extract

        return getattr(extract, name)
    if name == "__version__":  # read from the installed metadata only when asked
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("alibiz")
        except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            return "0+unknown"
    raise AttributeError(f"module 'alibiz' has no attribute {name!r}")


__all__ = [
    "DataError",
    "coverage",
    "coverage_text",
    "dashboard",
    "ebita_margin",
    "event_study",
    "ExtractError",
    "extract_release",
    "event_window",
    "explore",
    "growth_from_levels",
    "latest_figures",
    "load_discrepancies",
    "quarter_on_quarter",
    "reconcile",
    "stitched",
    "trailing_twelve_months",
    "plot_metric",
    "style",
    "label",
    "load_annual",
    "load_events",
    "load_metric_registry",
    "load_metrics",
    "load_segment_labels",
    "load_segments",
    "period",
    "plot_event_study",
    "quarter_end",
    "select_events",
    "series",
]
