"""`alibiz report`: every chart and index.html, reproducible, atomic, and refusing bad data."""

import multiprocessing
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from alibiz import files, report
from conftest import HEADER, ROWS, on_a_terminal

ALIBIZ = Path(sys.executable).parent / "alibiz"
FIXTURES = Path(__file__).parent / "fixtures"


def run(*args, cwd=None):
    return subprocess.run([ALIBIZ, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two reports of the fixtures: in two processes (the default on two cores), and one chart at a time."""
    base = tmp_path_factory.mktemp("report")
    for name, jobs in (("one", ["--jobs", "2"]), ("two", ["--jobs", "1"])):
        result = run("report", "--out", base / name, "--metrics", FIXTURES / "metrics.csv", "--events", FIXTURES / "events.csv", *jobs)
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
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


def test_two_runs_are_byte_identical_on_every_core_or_one(two_runs):
    one, two = two_runs
    assert sorted(p.name for p in one.iterdir()) == sorted(p.name for p in two.iterdir())
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

    real_mkdir = files.os.mkdir

    def refuse(path, *args, **kwargs):
        if files.STAGING_INFIX in str(path):  # the staging folder, as in a folder without write permission
            raise PermissionError(13, "Permission denied")
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(files.os, "mkdir", refuse)
    status = cli.main(["report", "--out", str(tmp_path / "reports"), "--metrics", str(FIXTURES / "metrics.csv")])
    assert status == 1
    assert "cannot write the report" in capsys.readouterr().err


def test_a_run_stopped_between_the_two_renames_is_recovered(tmp_path, monkeypatch, two_charts):
    out = tmp_path / "reports"
    paths = {"metrics_path": FIXTURES / "metrics.csv", "events_path": FIXTURES / "events.csv"}
    report.write_report(out, formats=["png"], **paths)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_replace = files.os.replace
    calls = []

    def stop_after_first_rename(src, dst):
        calls.append((src, dst))
        real_replace(src, dst)
        if len(calls) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", stop_after_first_rename)
    with pytest.raises(KeyboardInterrupt):
        report.write_report(out, formats=["png"], **paths)
    monkeypatch.setattr(files.os, "replace", real_replace)
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
    photos = tmp_path / "photos"  # only file names a report has, but no report's index.html
    photos.mkdir()
    (photos / "holiday.png").write_bytes(b"mine")
    (photos / "index.html").write_text("<title>my photos</title>", encoding="utf-8")
    result = run("report", "--out", "photos", "--metrics", "data/metrics.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert "holds files that are not an alibiz report (no index.html of an alibiz report)" in result.stderr
    assert (photos / "holiday.png").read_bytes() == b"mine"


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


# ------------------------------------------------------------------ several processes, interruptions


def report_group(*args, cwd):
    """``alibiz report`` started in a process group of its own, as a shell starts a command."""
    return subprocess.Popen([ALIBIZ, "report", *map(str, args)], cwd=cwd, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def staging_folders(parent, name="reports"):
    return sorted(p for p in parent.iterdir() if p.name.startswith(f".{name}.new-"))


def wait_for_charts(parent, count, timeout=120):
    """The staging folder, once it holds ``count`` entries (the marker among them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = staging_folders(parent)
        if found and len(list(found[0].iterdir())) >= count:
            return found[0]
        time.sleep(0.02)
    raise AssertionError("the report never started writing charts")


def alive_in_group(group) -> list[int]:
    """Processes of the group that still run (zombies wait only for their parent to reap them)."""
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        state, _, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state != "Z":
            alive.append(int(entry.name))
    return alive


def wait_until_gone(group, timeout=30):
    deadline = time.monotonic() + timeout
    while alive_in_group(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive_in_group(group) == [], "processes of the report outlived it"


@pytest.fixture
def old_report(tmp_path):
    """An earlier report of three figures in tmp_path/reports, and its files' bytes."""
    (tmp_path / "m.csv").write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    result = run("report", "--out", "reports", "--metrics", "m.csv", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return {p.name: p.read_bytes() for p in (tmp_path / "reports").iterdir()}


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_ctrl_c_mid_run_exits_130_and_leaves_the_old_report_whole(tmp_path, old_report):
    """Ctrl-C reaches every process of the terminal's group: the main one and its helpers."""
    process = report_group("--out", "reports", "--jobs", "2", cwd=tmp_path)
    wait_for_charts(tmp_path, 4)  # charts drawn by both processes
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (130, "alibiz: interrupted\n")
    wait_until_gone(process.pid)
    assert {p.name: p.read_bytes() for p in (tmp_path / "reports").iterdir()} == old_report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv", "reports"]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_a_killed_run_leaves_a_marked_folder_that_the_next_run_removes_and_names(tmp_path, old_report):
    process = report_group("--out", "reports", "--jobs", "2", cwd=tmp_path)
    staging = wait_for_charts(tmp_path, 3)
    assert (staging / files.STAGING_MARKER).is_file()
    process.kill()  # SIGKILL to the main process alone: nothing of alibiz runs to clean up
    process.communicate(timeout=60)
    wait_until_gone(process.pid)  # its helpers end with it
    assert staging.is_dir()
    assert {p.name: p.read_bytes() for p in (tmp_path / "reports").iterdir()} == old_report
    result = run("report", "--out", "reports", "--metrics", "m.csv", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == f"alibiz report: removed {staging}, the unfinished folder of an earlier run that was stopped\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv", "reports"]


@pytest.mark.skipif(files.fcntl is None, reason="the marker is locked with fcntl")
def test_folders_alibiz_did_not_mark_or_a_live_run_holds_are_left_alone(tmp_path, two_charts):
    import fcntl

    unmarked = tmp_path / ".reports.new-mine"
    unmarked.mkdir()
    (unmarked / "notes.txt").write_text("mine", encoding="utf-8")
    live = tmp_path / ".reports.new-live"
    live.mkdir()
    (live / files.STAGING_MARKER).write_text(files.MARKER_TEXT, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / files.STAGING_MARKER).write_text(files.MARKER_TEXT, encoding="utf-8")
    (tmp_path / ".reports.new-link").symlink_to(elsewhere)
    with open(live / files.STAGING_MARKER, "rb") as held, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fcntl.flock(held, fcntl.LOCK_SH)  # as a run drawing into it holds it
        report.write_report(tmp_path / "reports", formats=["png"], metrics_path=FIXTURES / "metrics.csv", events_path=FIXTURES / "events.csv")
    assert not [w for w in caught if issubclass(w.category, files.FolderRemoved)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".reports.new-link", ".reports.new-live", ".reports.new-mine", "elsewhere", "reports"]
    assert (elsewhere / files.STAGING_MARKER).is_file() and (unmarked / "notes.txt").is_file()


def fails_in_a_helper(metrics, events):
    """A chart that fails when a helper process draws it, and takes a while in the main process."""
    if multiprocessing.parent_process() is not None:
        raise RuntimeError("chart failed in a helper")
    time.sleep(3)  # the main process is still on it when the helper takes the next chart
    return report._dashboard(metrics, events)


def test_a_failure_in_a_helper_process_leaves_the_old_report(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("<title>alibiz report: Alibaba Group segment metrics</title>", encoding="utf-8")
    charts = [report.Chart(f"c{i}", "fails in a helper", fails_in_a_helper, (("aidc", "revenue"),)) for i in range(2)]
    monkeypatch.setattr(report, "CHARTS", charts)
    with pytest.raises(RuntimeError, match="chart failed in a helper"):
        report.write_report(out, formats=["png"], metrics_path=FIXTURES / "metrics.csv", events_path=FIXTURES / "events.csv", jobs=2)
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_jobs_takes_a_whole_number_of_at_least_one(tmp_path):
    for bad in ("0", "-1", "two"):
        result = run("report", "--out", "r", "--jobs", bad, cwd=tmp_path)
        assert result.returncode == 2 and "--jobs: takes a whole number of at least 1" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ where the report goes


def test_a_name_too_long_for_the_file_system_is_one_line_naming_the_limit(tmp_path):
    limit = os.pathconf(tmp_path, "PC_NAME_MAX") - files.STAGING_EXTRA
    for length in (limit + 1, limit + 100):
        result = run("report", "--out", "r" * length, cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert f": the folder's name is {length} bytes long, and at most {limit} fit" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_longest_name_that_fits_works(tmp_path, two_charts):
    out = tmp_path / ("r" * (os.pathconf(tmp_path, "PC_NAME_MAX") - files.STAGING_EXTRA))
    report.write_report(out, formats=["png"], metrics_path=FIXTURES / "metrics.csv", events_path=FIXTURES / "events.csv")
    assert (out / "index.html").is_file()


def test_a_path_through_a_file_is_one_clear_line(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    for out in ("notes.txt/reports", "notes.txt/a/reports"):
        result = run("report", "--out", out, cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr == f"alibiz report: cannot write the report to {out}: {tmp_path / 'notes.txt'} is a file, not a folder\n"
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


# ------------------------------------------------------------------ progress


@pytest.mark.parametrize("ci", [None, "true"])
def test_a_terminal_sees_the_progress_line_and_a_pipe_or_ci_nothing(tmp_path, ci):
    (tmp_path / "m.csv").write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": ci} if ci else {})
    code, out, text = on_a_terminal([ALIBIZ, "report", "--out", "r", "--metrics", "m.csv"], cwd=tmp_path, env=environment)
    assert code == 0 and out == "wrote 10 files to r/\n"  # four charts, png and svg, index.html, figures.csv
    if ci:
        assert text == ""
        return
    assert "\ralibiz report: 0 of 10 charts done, 10 left" in text and "\ralibiz report: 10 of 10 charts done, 0 left" in text
    assert "; drawing aidc_revenue" in text and "\n" not in text
    assert text.endswith("\r") and text.split("\r")[-2].strip() == ""  # erased before the command's own output
    piped = run("report", "--out", "r", "--metrics", "m.csv", cwd=tmp_path)
    assert (piped.returncode, piped.stderr) == (0, "")


def test_a_folder_named_alibiz_in_the_current_folder_is_not_what_the_helpers_run(tmp_path, old_report):
    """Python 3.11's fork server looks in the current folder first: a checkout of another version
    of alibiz there was imported by the drawing processes instead of the installed one."""
    decoy = tmp_path / "alibiz"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("", encoding="utf-8")  # imports, but is not alibiz
    (decoy / "report.py").write_text("", encoding="utf-8")
    result = run("report", "--out", "fresh", "--metrics", "m.csv", "--jobs", "2", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "fresh").iterdir()} == old_report


# A process with a thread of its own (a Jupyter kernel, say) draws through the fork server.
WITH_A_THREAD = """
import threading
from alibiz import report, workers

if __name__ == "__main__":
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()
    assert workers.start_method() == "forkserver", workers.start_method()
    report.write_report("fresh", metrics_path="m.csv", jobs=2)
    stop.set()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="helpers are forked from the command itself on Linux only")
def test_the_command_forks_its_helpers_and_a_process_with_threads_uses_the_fork_server(tmp_path, old_report):
    alone = subprocess.run([sys.executable, "-c", "from alibiz import workers; print(workers.start_method())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert alone.stdout.strip() == "fork"
    decoy = tmp_path / "alibiz"  # the fork server must not import this one either
    decoy.mkdir()
    (decoy / "__init__.py").write_text("", encoding="utf-8")
    script = tmp_path / "scripts" / "draw.py"  # its own folder comes first in its path: not the decoy's
    script.parent.mkdir()
    script.write_text(WITH_A_THREAD, encoding="utf-8")
    result = subprocess.run([sys.executable, script], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "fresh").iterdir()} == old_report


# Ctrl-C pressed while the helpers are forked (here: by the helper itself, as it starts).
CTRL_C_AT_LAUNCH = """
import multiprocessing, os, signal
from alibiz import workers

def press_ctrl_c():
    os.kill(os.getppid(), signal.SIGINT)

if __name__ == "__main__":
    assert workers.start_method() == "fork", workers.start_method()
    try:
        workers.pool_of(2, press_ctrl_c)
    except KeyboardInterrupt:
        print("interrupted", len(multiprocessing.active_children()))
    else:
        print("not interrupted")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="helpers are forked from the command itself on Linux only")
def test_ctrl_c_while_the_helpers_are_forked_is_not_lost(tmp_path):
    script = tmp_path / "launch.py"
    script.write_text(CTRL_C_AT_LAUNCH, encoding="utf-8")
    result = subprocess.run([sys.executable, script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, "interrupted 0\n", "")  # no helper left running
