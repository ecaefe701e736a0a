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


@pytest.fixture
def two_charts(monkeypatch):
    """The safety tests need a report, not every chart in it: two charts keep them quick."""
    monkeypatch.setattr(report, "CHARTS", report.CHARTS[1:3])


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


def test_an_existing_report_is_replaced_whole(tmp_path, two_charts):
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

    broken = report.Chart("broken", "fails", boom, (("aidc", "revenue"),))
    monkeypatch.setattr(report, "CHARTS", [*report.CHARTS[1:3], broken])
    with pytest.raises(RuntimeError):
        report.write_report(out, formats=["png"], metrics_path=FIXTURES / "metrics.csv", events_path=FIXTURES / "events.csv")
    assert [p.name for p in out.iterdir()] == ["old.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_format_must_be_png_or_svg(tmp_path):
    result = run("report", "--out", tmp_path / "r", "--format", "gif")
    assert result.returncode == 2
    assert "--format" in result.stderr


def test_figures_csv_holds_the_charted_figures_and_cannot_start_a_formula(two_runs, tmp_path):
    import csv

    with open(two_runs[0] / "figures.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {"value", "source", "published"} <= set(rows[0])
    assert any(r["value"] == "-2905" for r in rows)  # numbers as published, losses stay numbers
    text_columns = [c for c in rows[0] if c != "value"]
    assert not any(r[c].startswith(("=", "+", "-", "@")) for r in rows for c in text_columns)


def test_formula_text_is_neutralised(tmp_path):
    metrics = tmp_path / "m.csv"
    metrics.write_text(HEADER + "\n" + ROWS[0].replace('"Alibaba Group Announces', '"=HYPERLINK(""x"")+Alibaba Group Announces') + "\n", encoding="utf-8")
    report.write_report(tmp_path / "out", formats=["png"], metrics_path=metrics, events_path=FIXTURES / "events.csv")
    text = (tmp_path / "out" / "figures.csv").read_text(encoding="utf-8")
    assert "\"'=HYPERLINK" in text and ",=HYPERLINK" not in text
    # a file with one figure still gets a report; charts it cannot draw say so
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "No published figures for this chart" in index and 'src="aidc_revenue.png"' in index


def test_missing_parent_folder_is_a_clear_error(tmp_path):
    result = run("report", "--out", tmp_path / "no" / "such" / "reports")
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_unwritable_folder_is_a_clear_error(tmp_path, monkeypatch, capsys):
    from alibiz import cli

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(report.tempfile, "mkdtemp", refuse)
    status = cli.main(["report", "--out", str(tmp_path / "reports"), "--metrics", str(FIXTURES / "metrics.csv")])
    assert status == 1
    assert "cannot write the report" in capsys.readouterr().err


def test_a_run_stopped_between_the_two_renames_is_recovered(tmp_path, monkeypatch, two_charts):
    out = tmp_path / "reports"
    paths = {"metrics_path": FIXTURES / "metrics.csv", "events_path": FIXTURES / "events.csv"}
    report.write_report(out, formats=["png"], **paths)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_replace = report.os.replace
    calls = []

    def stop_after_first_rename(src, dst):
        calls.append((src, dst))
        real_replace(src, dst)
        if len(calls) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(report.os, "replace", stop_after_first_rename)
    with pytest.raises(KeyboardInterrupt):
        report.write_report(out, formats=["png"], **paths)
    monkeypatch.setattr(report.os, "replace", real_replace)
    assert not out.exists() and (tmp_path / ".reports.old").is_dir()  # the old report is whole, aside
    report.write_report(out, formats=["png"], **paths)  # the next run puts it back, then replaces it
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]
