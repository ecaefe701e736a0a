"""Shared fixtures: the fixture data loaded, a small valid metrics file to corrupt, one rule at a time; a command run on a terminal."""

import os
import subprocess
from pathlib import Path

import pytest

import alibiz

FIXTURES = Path(__file__).parent / "fixtures"

HEADER = "period_end,fiscal_period,segment,segment_label,metric,value,unit,basis,source,published,note"
ROWS = [
    '2024-09-30,FY2025Q2,aidc,Alibaba International Digital Commerce Group,revenue,31672,RMB_mn,as_reported,"Alibaba Group Announces September Quarter 2024 Results, 2024-11-15",2024-11-15,',
    '2024-09-30,FY2025Q2,aidc,Alibaba International Digital Commerce Group,revenue_yoy,29,pct,as_reported,"Alibaba Group Announces September Quarter 2024 Results, 2024-11-15",2024-11-15,',
    '2024-09-30,FY2025Q2,aidc,Alibaba International Digital Commerce Group,adjusted_ebita,-2905,RMB_mn,as_reported,"Alibaba Group Announces September Quarter 2024 Results, 2024-11-15",2024-11-15,loss',
]


@pytest.fixture(scope="module")
def metrics():
    """The test fixtures' metrics (tests/fixtures/metrics.csv), loaded."""
    return alibiz.load_metrics(FIXTURES / "metrics.csv")


@pytest.fixture(scope="module")
def events():
    """The test fixtures' events (tests/fixtures/events.csv), loaded."""
    return alibiz.load_events(FIXTURES / "events.csv")


@pytest.fixture
def write_csv(tmp_path):
    """Write text (or bytes) to a CSV file in a temporary folder and return its path."""

    def write(content, name="metrics.csv"):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return write


@pytest.fixture
def metrics_text():
    """A valid three-row metrics file; ``metrics_text(row=..., replace=(old, new))`` corrupts one row."""

    def make(rows=None):
        return "\n".join([HEADER, *(ROWS if rows is None else rows)]) + "\n"

    return make


def on_a_terminal(command, *, cwd, env=None, timeout=120):
    """Run ``command`` with its stderr on a pseudo-terminal; returns (exit code, stdout, what the terminal showed)."""
    import pty

    terminal, screen = pty.openpty()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=screen, text=True)
    os.close(screen)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the command ended: the terminal is closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(terminal)
    out, _ = process.communicate(timeout=timeout)
    return process.returncode, out, shown.decode()
