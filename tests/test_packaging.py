"""The installed copy of the data is complete: build the wheel, unpack it, load from it."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import alibiz

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = sorted(p.name for p in (ROOT / "data").glob("*.csv")) + ["README.md"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, ROOT],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (path,) = out.glob("alibiz-*.whl")
    return path


def test_wheel_holds_every_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"alibiz/data/{name}" for name in DATA_FILES} <= names
    assert not any("staging" in name for name in names)


def test_data_loads_from_a_non_editable_install(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    script = (
        "import alibiz, sys; "
        "print(alibiz.__file__); "
        "print(len(alibiz.load_metrics()), len(alibiz.load_events()), "
        "len(alibiz.load_segment_labels()), len(alibiz.load_annual()))"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, check=True)
    where, counts = result.stdout.splitlines()
    assert Path(where).is_relative_to(tmp_path)
    expected = [len(alibiz.load_metrics()), len(alibiz.load_events()), len(alibiz.load_segment_labels()), len(alibiz.load_annual())]
    assert counts.split() == [str(n) for n in expected]
