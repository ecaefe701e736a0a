"""A progress line for commands that work through many items (charts, files).

On a terminal it shows, on one line of stderr redrawn in place, what is being
worked on and how many items remain; the line is erased when the work ends.
Piped, redirected, or under CI (the ``CI`` environment variable set to
anything but ``0`` or ``false``) it prints nothing, so logs and pipes get only
the command's own output. Safe to call from several threads.

>>> import io
>>> piped = io.StringIO()  # not a terminal: nothing is drawn
>>> with Progress(10, noun="charts", verb="drawing", label="alibiz report", stream=piped) as progress:
...     progress.started("dashboard")
...     progress.started("cmr_yoy")
...     progress.finished("cmr_yoy")
...     progress.text()
'alibiz report: 1 of 10 charts done, 9 left; drawing dashboard'
>>> piped.getvalue()
''
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import threading
import unicodedata
import warnings


def shown_on(stream) -> bool:
    """Whether a progress line belongs on ``stream``: a terminal, and not under CI."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


class Progress:
    """``total`` items worked through: call :meth:`started` and :meth:`finished` with each
    item's name, :meth:`note` for any other line to print, and :meth:`close` (or leave the
    ``with`` block) at the end.

    ``enabled``: None (the default) shows the line only where :func:`shown_on` says so.
    Disabled, nothing is written except the notes, each on its own line.
    """

    def __init__(self, total: int, *, noun: str = "items", verb: str = "working on", label: str = "alibiz",
                 stream=None, enabled: bool | None = None):  # fmt: skip
        self.total, self.noun, self.verb, self.label = total, noun, verb, label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = shown_on(self.stream) if enabled is None else enabled
        self.done = 0
        self.working: list[str] = []  # in the order they were started
        self._shown_width = 0  # columns of the line now on the screen
        self._lock = threading.Lock()

    def started(self, item: str) -> None:
        with self._lock:
            self.working.append(_printable(item))
            self._draw()

    def finished(self, item: str) -> None:
        with self._lock:
            item = _printable(item)
            if item in self.working:
                self.working.remove(item)
            self.done += 1
            self._draw()

    def note(self, message: str) -> None:
        """Print ``message`` on a line of its own (the progress line, if shown, moves below it)."""
        with self._lock:
            self._erase()
            self._write(message + "\n")
            self._draw()

    @contextlib.contextmanager
    def printing_warnings(self):
        """A context in which each warning is printed as a note, ``label: message``, one line."""
        with warnings.catch_warnings():
            warnings.showwarning = lambda message, *_, **__: self.note(f"{self.label}: {message}")
            yield

    @contextlib.contextmanager
    def printing_logs(self, name: str):
        """A context in which what the library logger ``name`` logs (warnings and worse,
        as Python prints them when nothing is configured: the message alone) is printed as a note."""
        logger = logging.getLogger(name)
        handler = _NoteHandler(self)
        logger.addHandler(handler)
        propagate, logger.propagate = logger.propagate, False  # said once, here
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate

    def close(self) -> None:
        """Erase the progress line; later calls draw nothing."""
        with self._lock:
            self._erase()
            self.enabled = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def text(self) -> str:
        """The line as it reads now (whether or not it is shown)."""
        left = self.total - self.done
        doing = f"; {self.verb} {', '.join(self.working)}" if self.working else ""
        return f"{self.label}: {self.done} of {self.total} {self.noun} done, {left} left{doing}"  # cut from the end to fit

    def _draw(self) -> None:
        if not self.enabled:
            return
        columns = shutil.get_terminal_size((80, 24)).columns - 1  # the last column would wrap the line
        line = _fit(self.text(), columns)
        width = _width(line)
        # spaces, not an escape sequence, clear what a longer line left: any terminal understands them
        self._write("\r" + line + " " * max(self._shown_width - width, 0))
        self._shown_width = width

    def _erase(self) -> None:
        if self.enabled and self._shown_width:
            self._write("\r" + " " * self._shown_width + "\r")
            self._shown_width = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the work goes on without the line
            self.enabled = False


class _NoteHandler(logging.Handler):
    def __init__(self, progress: Progress):
        super().__init__(logging.WARNING)  # what logging's last resort prints
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.progress.note(self.format(record))
        except Exception:  # noqa: BLE001 - logging's own habit: a record that cannot be shown is not an error
            self.handleError(record)


def _printable(text: str) -> str:
    """``text`` with control characters escaped (a file name may hold a line break)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _char_width(c: str) -> int:
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (CJK characters take two)."""
    return sum(_char_width(c) for c in text)


def _fit(text: str, columns: int) -> str:
    """``text`` cut to ``columns``, ending in '...' when cut.

    >>> _fit("drawing dashboard", 12), _fit("淘天集团 report", 9)
    ('drawing d...', '淘天...')
    """
    if _width(text) <= columns:
        return text
    kept, width = [], 0
    for c in text:
        if width + _char_width(c) > columns - 3:
            break
        kept.append(c)
        width += _char_width(c)
    return "".join(kept) + "..."
