"""Helper processes for a command that spreads its work over the cores.

They are forked from :mod:`multiprocessing`'s fork server, which imports the
modules they need once (half a second for pandas and matplotlib) and is never
touched by this process's threads; where there is no fork server (Windows)
they are spawned. Three habits make them fit a command line tool:

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
import signal
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


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def start_early(modules: list[str]) -> None:
    """Start the fork server now, importing ``modules`` (libraries installed in the
    environment, see :data:`CHART_LIBRARIES`), with Ctrl-C ignored in it and in the
    processes it forks. Does nothing where there is no fork server, or once it runs."""
    if _context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload(modules)
    in_main_thread = threading.current_thread() is threading.main_thread()  # signals can be set only there
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main_thread else None  # stays ignored in a child
    try:
        forkserver.ensure_running()
    except OSError:  # no socket or temporary folder for it: starting the helpers will say what is wrong
        pass
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, handler)


def pool_of(count: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """``count`` helper processes; each runs :func:`started`, then ``initializer(*initargs)``."""
    return ProcessPoolExecutor(count, mp_context=_context(), initializer=started, initargs=(initializer, initargs))


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
