"""The documentation shows the data as it is."""

import re
from pathlib import Path

from alibiz.analysis import coverage, coverage_text

README = Path(__file__).resolve().parents[1] / "data" / "README.md"


def test_data_readme_coverage_grid_is_current():
    text = README.read_text(encoding="utf-8")
    shown = re.search(r"<!-- coverage:start -->\n```\n(.*?)```\n<!-- coverage:end -->", text, re.S)
    assert shown, "data/README.md lost its coverage markers"
    assert shown.group(1) == coverage_text(coverage()) + "\n", (
        "data/README.md's coverage grid is stale: replace it with the output of `alibiz coverage`"
    )
