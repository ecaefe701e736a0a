"""The progress line: on a terminal only, one line redrawn in place, erased at the end."""

import io
import os
import threading
import warnings

import pytest

from alibiz import progress
from alibiz.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture(autouse=True)
def not_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress.shutil, "get_terminal_size", lambda fallback: os.terminal_size((100, 24)))


def drawn(stream) -> list[str]:
    """The successive states of the line, as a terminal would show them."""
    return [part for part in stream.getvalue().split("\r") if part.strip()]


def test_a_terminal_sees_what_is_drawn_and_how_many_remain():
    screen = Terminal()
    with Progress(3, noun="charts", verb="drawing", label="alibiz report", stream=screen) as shown:
        shown.started("dashboard")
        shown.started("cmr_yoy")
        shown.finished("cmr_yoy")
    states = drawn(screen)
    assert [s.rstrip() for s in states] == [
        "alibiz report: 0 of 3 charts done, 3 left; drawing dashboard",
        "alibiz report: 0 of 3 charts done, 3 left; drawing dashboard, cmr_yoy",
        "alibiz report: 1 of 3 charts done, 2 left; drawing dashboard",
    ]
    assert states[2].endswith(" " * len(", cmr_yoy"))  # spaces clear the end of the longer line before it
    assert "\n" not in screen.getvalue()  # one line, redrawn in place
    assert screen.getvalue().endswith("\r" + " " * len(states[2].rstrip()) + "\r")  # erased at the end, the cursor at its start


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_nothing_under_ci_or_when_piped(monkeypatch, ci):
    piped = io.StringIO()
    with Progress(2, stream=piped) as shown:
        shown.started("a")
        shown.finished("a")
    assert piped.getvalue() == ""
    monkeypatch.setenv("CI", ci)
    screen = Terminal()
    with Progress(2, stream=screen) as shown:
        shown.started("a")
    assert screen.getvalue() == ""
    monkeypatch.setenv("CI", "false")
    assert progress.shown_on(Terminal())


def test_a_note_gets_a_line_of_its_own_and_the_progress_line_comes_back_under_it():
    screen = Terminal()
    shown = Progress(2, label="alibiz", stream=screen)
    shown.started("a")
    shown.note("alibiz: a warning")
    line, rest = screen.getvalue().split("\n")
    assert line.endswith("\ralibiz: a warning") and line.split("\r")[-2].strip() == ""  # erased, then the note
    assert rest == "\ralibiz: 0 of 2 items done, 2 left; working on a"
    piped = io.StringIO()
    Progress(2, stream=piped).note("printed even when no line is shown")
    assert piped.getvalue() == "printed even when no line is shown\n"


def test_a_line_wider_than_the_terminal_is_cut_and_names_are_escaped(monkeypatch):
    monkeypatch.setattr(progress.shutil, "get_terminal_size", lambda fallback: os.terminal_size((60, 24)))
    screen = Terminal()
    shown = Progress(9, stream=screen, enabled=True)
    shown.started("淘天集团" * 20 + "\nx")
    (state,) = drawn(screen)
    assert state.endswith("...") and progress._width(state) == 59  # CJK characters take two columns
    shown.started("two\nlines")
    assert "two\\nlines" in shown.text()


def test_many_threads_at_once():
    shown = Progress(400, stream=Terminal())

    def work(n):
        for i in range(100):
            shown.started(f"{n}-{i}")
            shown.finished(f"{n}-{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (shown.done, shown.working) == (400, [])


def test_warnings_are_printed_as_notes_of_one_line():
    piped = io.StringIO()
    shown = Progress(1, label="alibiz report", stream=piped)
    with shown.printing_warnings():
        warnings.warn("no installed font can draw 淘", UserWarning)
    assert piped.getvalue() == "alibiz report: no installed font can draw 淘\n"
