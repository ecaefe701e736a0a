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
    (out / "stale.png").write_bytes(b"old")  # a chart an older version drew
    (out / "index.html").write_text("<title>alibiz report: Alibaba Group segment metrics</title>", encoding="utf-8")
    report.write_report(out, formats=["png"], metrics_path=FIXTURES / "metrics.csv", events_path=FIXTURES / "events.csv")
    names = {p.name for p in out.iterdir()}
    assert "stale.png" not in names and "index.html" in names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_a_failure_mid_run_leaves_the_old_report(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "old.png").write_bytes(b"old")
    (out / "index.html").write_text("<title>alibiz report: Alibaba Group segment metrics</title>", encoding="utf-8")

    def boom(metrics, events):
        raise RuntimeError("chart failed")

    broken = report.Chart("broken", "fails", boom, (("aidc", "revenue"),))
    monkeypatch.setattr(report, "CHARTS", [*report.CHARTS[1:3], broken])
    with pytest.raises(RuntimeError):
        report.write_report(out, formats=["png"], metrics_path=FIXTURES / "metrics.csv", events_path=FIXTURES / "events.csv")
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "old.png"]
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
    assert f"Made with alibiz from {metrics} and {FIXTURES / 'events.csv'}." in index  # the files it was made from


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


def test_a_folder_that_is_not_a_report_is_never_replaced(tmp_path):
    """The report replaces its folder whole: one holding anything else (the data files, say) is refused untouched."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "metrics.csv").write_text(HEADER + "\n" + ROWS[0] + "\n", encoding="utf-8")
    (data / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("report", "--out", "data", "--metrics", "data/metrics.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "alibiz report: cannot write the report to data: holds files that are not an alibiz report (metrics.csv, notes.txt): nothing was changed; give a new or empty folder\n"
    assert sorted(p.name for p in data.iterdir()) == ["metrics.csv", "notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


@pytest.mark.parametrize("out", [".", ""], ids=["dot", "empty"])
def test_the_current_folder_is_never_replaced(tmp_path, out):
    (tmp_path / "precious.txt").write_text("mine", encoding="utf-8")
    result = run("report", "--out", out, "--format", "png", cwd=tmp_path)
    assert result.returncode == 1
    assert "is the current folder or holds it: give the report a folder of its own" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.txt"]


def test_a_file_or_a_symbolic_link_as_the_folder_is_refused_untouched(tmp_path):
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    for out, reason in [("afile", "is a file, not a folder"), ("link", "is a symbolic link: give the folder it points to")]:
        result = run("report", "--out", out, "--format", "png", cwd=tmp_path)
        assert result.returncode == 1 and reason in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "link", "real"]
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine" and list((tmp_path / "real").iterdir()) == []


def test_a_report_left_between_its_two_renames_is_put_back_even_when_the_run_then_fails(tmp_path):
    old = tmp_path / ".reports.old"
    old.mkdir()
    (old / "index.html").write_text("<title>alibiz report</title>", encoding="utf-8")
    (tmp_path / "bad.csv").write_text(HEADER + "\n" + ROWS[0].replace("31672", "x") + "\n", encoding="utf-8")
    result = run("report", "--out", "reports", "--metrics", "bad.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "reports"]


def test_a_metrics_file_of_only_a_header_is_a_clear_error(tmp_path):
    (tmp_path / "empty.csv").write_text(HEADER + "\n", encoding="utf-8")
    result = run("report", "--out", "r", "--metrics", "empty.csv", cwd=tmp_path)
    assert (result.returncode, result.stderr.splitlines()[0]) == (1, "empty.csv: has no figures (only a header): there is nothing to chart")
    assert run("coverage", "--metrics", "empty.csv", cwd=tmp_path).stdout == "no figures match\n"


def test_dollar_signs_in_labels_are_drawn_as_written(tmp_path):
    """matplotlib reads '$...$' as a formula: '$\\foo$' stopped the report; 'US$1 and US$2' came out garbled."""
    rows = [ROWS[0].replace("Alibaba International Digital Commerce Group", "AIDC $\\foo$ US$1 and US$2")]
    (tmp_path / "m.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run("report", "--out", "r", "--metrics", "m.csv", "--format", "svg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
