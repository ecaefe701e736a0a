"""The command line as a user runs it: the installed console script, in a subprocess."""

import subprocess
import sys
from pathlib import Path

import pytest

import alibiz
from conftest import HEADER, ROWS

# the console script pip installed beside this interpreter
ALIBIZ = Path(sys.executable).parent / "alibiz"


def run(*args, cwd=None):
    assert ALIBIZ.exists(), "install the package (pip install -e '.[test]') to get the alibiz command"
    return subprocess.run([ALIBIZ, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_validate_bundled_data_from_outside_the_repository(tmp_path):
    result = run("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: metrics.csv: ")
    assert len(result.stdout.splitlines()) == 1


def test_validate_a_good_file(write_csv, metrics_text):
    result = run("validate", write_csv(metrics_text()))
    assert result.returncode == 0
    assert result.stdout.strip().endswith("metrics.csv: 3 rows")


def test_validate_a_bad_file_lists_every_problem_without_traceback(write_csv, metrics_text):
    path = write_csv(metrics_text([ROWS[0].replace("31672", "x"), ROWS[1].replace(",aidc,", ",nope,")]))
    result = run("validate", path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:2: column 'value': is not a number")
    assert lines[1].startswith(f"{path}:3: column 'segment': unknown segment id")
    assert lines[-1] == "alibiz: 2 problems found"


def test_validate_several_files_reports_each(write_csv, metrics_text, tmp_path):
    good = write_csv(metrics_text(), "good.csv")
    bad = write_csv(HEADER + "\n" + ROWS[0].replace("FY2025Q2", "FY2025Q3") + "\n", "bad.csv")
    result = run("validate", good, bad, tmp_path / "missing.csv")
    assert result.returncode == 1
    assert f"{bad}:2: column 'fiscal_period': does not match" in result.stderr
    assert f"{tmp_path / 'missing.csv'}: no such file" in result.stderr


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00garbage", b"a,b\n1,2\n"])
def test_garbage_never_shows_a_traceback(write_csv, content):
    result = run("validate", write_csv(content))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_usage_errors_exit_2():
    assert run("validate", "--bogus").returncode == 2
    assert run("frobnicate").returncode == 2
    assert run().returncode == 2


def test_help_and_version():
    assert "validate" in run("--help").stdout
    assert run("--version").stdout.strip() == f"alibiz {alibiz.__version__}"


def test_coverage_shows_quarters_and_gaps(write_csv, metrics_text):
    result = run("coverage", "--metrics", write_csv(metrics_text()))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["FY25"]
    assert "aidc  revenue " in result.stdout
    row = next(line for line in lines if line.startswith("aidc  revenue "))
    assert row.split()[-2:] == ["x", "1/1"]


def test_coverage_filters_by_segment_and_metric():
    result = run("coverage", "--segment", "aidc", "--metric", "revenue")
    assert result.returncode == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("aidc")]
    assert len(rows) == 1 and rows[0].startswith("aidc  revenue ")


@pytest.mark.parametrize(
    "raised, status, message",
    [(RuntimeError("boom"), 70, "alibiz: internal error (RuntimeError: boom); please report it"), (KeyboardInterrupt(), 130, "alibiz: interrupted")],
)
def test_an_unexpected_error_is_a_message_not_a_traceback(monkeypatch, capsys, write_csv, metrics_text, raised, status, message):
    from alibiz import cli

    def fail(path):
        raise raised

    monkeypatch.setitem(cli.LOADERS, "metrics", fail)
    assert cli.main(["validate", str(write_csv(metrics_text()))]) == status
    err = capsys.readouterr().err
    assert err.startswith(message) and "Traceback" not in err


def test_validate_reads_a_pipe_once(write_csv, metrics_text):
    """A pipe can be read only once, yet both the file's kind and its rows are read from it."""
    with open(write_csv(metrics_text()), "rb") as stdin:
        result = subprocess.run([ALIBIZ, "validate", "/dev/stdin"], stdin=stdin, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok: /dev/stdin: 3 rows\n"


def test_every_output_line_names_the_file_even_when_its_name_has_a_line_break(write_csv, metrics_text):
    path = write_csv(metrics_text([ROWS[0].replace("31672", "x"), ROWS[1].replace(",aidc,", ",nope,")]), name="two\nlines.csv")
    result = run("validate", path)
    assert result.returncode == 1
    shown = str(path).replace("\n", "\\n")
    assert [line.startswith(f"{shown}:") for line in result.stderr.splitlines()] == [True, True, False]
