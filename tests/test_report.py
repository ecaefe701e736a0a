"""`alibiz report`: every chart and index.html, reproducible, atomic, and refusing bad data."""

import subprocess
import sys
from pathlib import Path

import pytest

from alibiz import report
from conftest import HEADER, ROWS

ALIBIZ = Path(sys.executable).parent / "alibiz"
FIXTURES = Path(__file__).parent / "fixtures"


def run(*args, cwd=None):
    return subprocess.run([ALIBIZ, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    for name in ("one", "two"):
        result = run("report", "--out", base / name, "--metrics", FIXTURES / "metrics.csv", "--events", FIXTURES / "events.csv")
        assert result.returncode == 0, result.stderr
    return base / "one", base / "two"


def test_every_chart_in_both_formats_and_an_index(two_runs):
    one, _ = two_runs
    names = {p.name for p in one.iterdir()}
    for chart in report.CHARTS:
        assert {f"{chart.name}.png", f"{chart.name}.svg"} <= names
    assert "index.html" in names
    assert {"dashboard", "aidc_revenue_yoy", "aidc_adjusted_ebita", "cmr_yoy", "aac", "cloud_revenue_yoy", "group_revenue"} <= {
        c.name for c in report.CHARTS
    }


def test_index_shows_each_chart_events_as_of_and_sources(two_runs):
    index = (two_runs[0] / "index.html").read_text(encoding="utf-8")
    for chart in report.CHARTS:
        assert f'src="{chart.name}.png"' in index
    assert "Data as of <strong>FY2026Q4</strong>" in index
    assert "Diversified governance" in index
    assert "Sources of the" in index


def test_two_runs_are_byte_identical(two_runs):
    one, two = two_runs
    for path in one.iterdir():
        assert path.read_bytes() == (two / path.name).read_bytes(), path.name


def test_no_version_or_date_in_the_files(two_runs):
    import matplotlib

    for path in two_runs[0].iterdir():
        data = path.read_bytes()
        assert matplotlib.__version__.encode() not in data, path.name
        assert b"2026-11" not in data, path.name


def test_a_bad_data_file_is_refused_and_nothing_is_written(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + ROWS[0].replace("31672", "31672x") + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("report", "--out", out, "--metrics", bad)
    assert result.returncode == 1
    assert f"{bad}:2: column 'value'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_an_existing_report_is_replaced_whole(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "stale.png").write_bytes(b"old")
    report.write_report(out, formats=["png"], metrics_path=FIXTURES / "metrics.csv", events_path=FIXTURES / "events.csv")
    names = {p.name for p in out.iterdir()}
    assert "stale.png" not in names and "index.html" in names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_a_failure_mid_run_leaves_the_old_report(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "old.png").write_bytes(b"old")

    def boom(metrics, events):
        raise RuntimeError("chart failed")

    broken = report.Chart("broken", "fails", boom, ("aidc",), ("revenue",))
    monkeypatch.setattr(report, "CHARTS", [*report.CHARTS[:2], broken])
    with pytest.raises(RuntimeError):
        report.write_report(out, formats=["png"], metrics_path=FIXTURES / "metrics.csv", events_path=FIXTURES / "events.csv")
    assert [p.name for p in out.iterdir()] == ["old.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_format_must_be_png_or_svg(tmp_path):
    result = run("report", "--out", tmp_path / "r", "--format", "gif")
    assert result.returncode == 2
    assert "--format" in result.stderr
