"""Inputs built to be slow: each is refused with its problems named, in time that grows with
its size, never with its square (the adversarial cases that once took minutes or hours)."""

import subprocess
import sys

import numpy as np
import pytest

import alibiz
from conftest import HEADER, ROWS

VALIDATE = "import sys, alibiz.cli; sys.exit(alibiz.cli.main(['validate', sys.argv[1]]))"


def validate_in_a_subprocess(path):
    """``alibiz validate`` with a timeout: a regression to quadratic time fails instead of hanging CI."""
    # at these sizes linear time is about a second; quadratic time was minutes to hours
    return subprocess.run([sys.executable, "-c", VALIDATE, str(path)], capture_output=True, text=True, timeout=90)


@pytest.mark.parametrize(
    "value, message",
    [("1" * 1_000_000, "is too large to be a number"), ("1" * 1_000_000 + "x", "is not a number")],
    ids=["a million digits", "a million digits and a letter"],
)
def test_a_very_long_number_is_refused(write_csv, metrics_text, value, message):
    result = validate_in_a_subprocess(write_csv(metrics_text([ROWS[0].replace("31672", value)])))
    assert result.returncode == 1
    assert f":2: column 'value': {message} (got '111" in result.stderr


def test_a_header_of_many_empty_names_is_one_problem(write_csv, metrics_text):
    result = validate_in_a_subprocess(write_csv(HEADER + "," * 200_000 + "\n" + ROWS[0] + "\n"))
    assert result.returncode == 1
    assert ":1: the header has 200000 empty column names (trailing commas?)" in result.stderr


def test_a_header_of_many_unknown_names_names_each_once(write_csv):
    extra = [f"x{i}" for i in range(50_000)]
    result = validate_in_a_subprocess(write_csv(",".join([HEADER, *extra]) + "\n"))
    assert result.returncode == 1
    assert result.stderr.count("unknown column") == 50_000


def test_finding_many_misplaced_quotes_looks_at_each_quote_a_few_times(write_csv, metrics_text, monkeypatch):
    """Each bad line's quotes are found by looking ahead a little, not at the rest of the file."""
    rows = [ROWS[0].replace("Digital Commerce", 'Digital "Commerce')] * 5_000
    looked_at = []
    first_bad_quote = alibiz.load._first_bad_quote
    monkeypatch.setattr("alibiz.load._first_bad_quote", lambda buf, quotes: looked_at.append(len(quotes)) or first_bad_quote(buf, quotes))
    with pytest.raises(alibiz.DataError) as error:
        alibiz.load_metrics(write_csv(metrics_text(rows)))
    assert len(error.value.problems) == 5_000
    quotes = 3 * 5_000  # the misplaced one and the two around the source
    assert np.sum(looked_at) < 10 * quotes
