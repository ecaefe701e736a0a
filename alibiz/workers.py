"""Helper processes for a command that spreads its work over the cores.

A process that runs no other thread (the command line) forks them from
itself: they start at once, with everything it has imported and loaded. One
with threads of its own (a Jupyter kernel) forks them from
:mod:`multiprocessing`'s fork server, which imports the modules they need
once (half a second for pandas and matplotlib) and is never touched by those
threads, since a fork copies only the forking thread and a lock another
thread held stays locked in the copy. Where neither exists (Windows) they are
spawned. Three habits make them fit a command line tool:

- :func:`start_early` starts the fork server, importing its modules, while
  this process still has work of its own (its imports, loading the data);
- Ctrl-C, which a terminal sends to every process of the command, is the main
  process's alone: the fork server and the helpers ignore it (no traceback
  from each), and :func:`stop` ends the helpers at once;
- a helper ends when the main process does (:func:`started`), even when the
  main process was killed outright.

>>> pool = pool_of(1)
>>> pool.submit(sum, [1, 2]).result()
3
>>> pool.shutdown()
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import contextlib
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Callable


# What the fork server imports for drawing helpers: third-party libraries only. Python 3.11's fork
# server ignores the module path it is given and looks in the current folder first, where a
# checkout of another version of alibiz (or a folder named alibiz) would be imported instead;
# alibiz itself is imported by each helper, from the main process's path.
CHART_LIBRARIES = ["pandas", "matplotlib.pyplot"]


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS, Windows


def start_method() -> str:
    """How helpers started now would start: ``"fork"`` (from this process, which runs
    no other thread, on Linux), ``"forkserver"`` (elsewhere on POSIX) or ``"spawn"``."""
    methods = multiprocessing.get_all_start_methods()
    # macOS has fork too, but its system libraries are not safe in a forked copy
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


@contextlib.contextmanager
def _ctrl_c_ignored():
    """Ctrl-C ignored while processes are started: the ignoring is inherited, so it stays ignored in them."""
    in_main_thread = threading.current_thread() is threading.main_thread()  # signals can be set only there
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main_thread else None
    try:
        yield
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, handler)


@contextlib.contextmanager
def _ctrl_c_held_back():
    """Ctrl-C held back while processes are forked, and raised here once they are.

    A process forked in the block inherits the handler that holds it back, so
    a Ctrl-C before :func:`started` runs there prints no traceback; this
    process, unlike with the signal ignored, does not lose a Ctrl-C pressed
    meanwhile.
    """
    if threading.current_thread() is not threading.main_thread():  # signals can be set only there
        yield
        return
    pressed = []
    handler = signal.signal(signal.SIGINT, lambda number, frame: pressed.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
    if pressed and callable(handler):  # the handler of the time: KeyboardInterrupt, or the caller's own
        handler(signal.SIGINT, pressed[0])


def start_early(modules: list[str]) -> None:
    """Start the fork server now, importing ``modules`` (libraries installed in the
    environment, see :data:`CHART_LIBRARIES`), with Ctrl-C ignored in it and in the
    processes it forks. Does nothing where helpers do not start from it, or once it runs."""
    if start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload(modules)
    with _ctrl_c_ignored():
        try:
            forkserver.ensure_running()
        except OSError:  # no socket or temporary folder for it: starting the helpers will say what is wrong
            pass


def pool_of(count: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """``count`` helper processes; each runs :func:`started`, then ``initializer(*initargs)``.

    Forked from this process, they are started here and now, while it still
    runs one thread (a pool would fork them on its first task, from whichever
    thread submits it).
    """
    method = start_method()
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(method), initializer=started,
                               initargs=(initializer, initargs))  # fmt: skip
    if method == "fork":
        try:
            with _ctrl_c_held_back():
                pool.submit(int).result()  # the first task forks every helper
        except BaseException:  # Ctrl-C while they started, or a helper that could not start
            stop(pool)
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return pool


def started(initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> None:
    """In a helper process: leave Ctrl-C to the main process, end with it, then ``initializer(*initargs)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a helper whose main process was killed would wait for its next task for ever
    threading.Thread(target=_end_with, args=(multiprocessing.parent_process().sentinel,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _end_with(sentinel) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def stop(pool: ProcessPoolExecutor) -> None:
    """End the helper processes at once, mid-task."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()  # pragma: no cover - Python 3.14
        return
    for process in list((pool._processes or {}).values()):  # the same, before 3.14
        process.terminate()
