"""Writing files whole or not at all, and the figures table every written CSV of figures uses.

A single file (``metrics.csv`` after ``alibiz extract --append``) is written
to a temporary file beside it and moved over it (:func:`write_atomic`). A
folder of files (a report, a saved view of the explorer) is written into a
staging folder beside it, ``.NAME.new-XXXXXXXX``, and swapped in only when
every file is there (:func:`staged`): a reader, or a crash, sees the old
folder whole or the new one. A staging folder holds a marker while it is
written into, and every process writing into it holds a shared lock on the
marker; a run killed outright leaves it behind, and the next run removes it
(only a marked folder no process holds, never one by its name alone).

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "view"
>>> with staged(out) as staging:
...     _ = (staging / "a.txt").write_text("a")
>>> sorted(p.name for p in out.iterdir())
['a.txt']
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

try:
    import fcntl  # locks the marker of a folder being written into (POSIX)
except ImportError:  # pragma: no cover - Windows
    fcntl = None

STAGING_INFIX = ".new-"  # a folder is written in '.NAME.new-XXXXXXXX' beside NAME (8 random characters)
STAGING_EXTRA = len(".") + len(STAGING_INFIX) + 8  # what that name adds to NAME
STAGING_MARKER = ".alibiz-unfinished"  # inside it while it is written into: how alibiz knows its own
MARKER_TEXT = ("alibiz writes files in this folder and moves it into place when every file is written.\n"
               "If this file is still here, that run was stopped; the next run that writes there removes the folder.\n")  # fmt: skip


class FolderRemoved(UserWarning):
    """The unfinished folder of an earlier run (stopped before it could clean up) was removed."""


# ------------------------------------------------------------------ one file


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    A symbolic link is followed (its target is replaced, the link stays), and a
    file without write permission is refused (PermissionError) rather than
    replaced behind its owner's back.
    """
    path = Path(path).resolve()
    if path.exists() and not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "Permission denied (the file is read-only)", str(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        else:  # a new file gets the permissions the umask gives
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


# ---------------------------------------------------------- a folder of files


def check_place(out: Path, longest_file: int) -> None:
    """Refuse, in one line, a place a folder cannot be written to: a folder above it that
    is missing or a file, or a name or path too long for the file system
    (``longest_file``: the longest name of a file to be written in it, in bytes).

    Raises FileNotFoundError, NotADirectoryError or OSError (ENAMETOOLONG) with the reason.
    """
    for folder in out.parents:  # the nearest existing one says what is wrong
        if folder.is_dir():
            if folder != out.parent:
                raise FileNotFoundError(f"the folder {out.parent} does not exist")
            break
        if folder.exists():
            raise NotADirectoryError(errno.ENOTDIR, f"{folder} is a file, not a folder")
    name_max, path_max = (_limit(out.parent, which, default) for which, default in (("PC_NAME_MAX", 255), ("PC_PATH_MAX", 4096)))
    name = len(os.fsencode(out.name))
    if name + STAGING_EXTRA > name_max:
        raise OSError(errno.ENAMETOOLONG, f"the folder's name is {name} bytes long, and at most {name_max - STAGING_EXTRA} fit: "
                      f"this file system takes names of up to {name_max} bytes, and the files are first written beside it in "
                      f"'.NAME{STAGING_INFIX}' and 8 more characters")  # fmt: skip
    path = len(os.fsencode(out.parent)) + 1 + name + STAGING_EXTRA + 1 + max(longest_file, len(STAGING_MARKER))
    if path >= path_max:
        raise OSError(errno.ENAMETOOLONG, f"the path is too long: its files' paths would take {path} bytes, and this "
                      f"file system takes paths of under {path_max}")  # fmt: skip


def _limit(folder: Path, which: str, default: int) -> int:
    try:
        return os.pathconf(folder, which)
    except (OSError, ValueError, AttributeError):  # not a POSIX system, or no such limit
        return default


def check_replaceable(out: Path, *, what: str, short: str, not_earlier: Callable[[Path, list[Path]], list[str]]) -> None:
    """Refuse, before anything is touched, a place that would not simply be replaced: a
    file, a symbolic link, the current folder (or one holding it), or a folder that is
    not an earlier ``what`` ("an alibiz report"; ``short``: "the report").
    ``not_earlier(out, entries)`` names what makes a folder not one (nothing: it is one).

    Raises NotADirectoryError or FileExistsError with a reason to show the user.
    """
    if out.is_symlink():
        raise FileExistsError(errno.EEXIST, f"is a symbolic link: give the folder it points to ({os.path.realpath(out)})")
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder: nothing was changed")
    if out.is_dir() and Path.cwd().resolve().is_relative_to(out.resolve()):
        raise FileExistsError(errno.EEXIST, f"is the current folder or holds it: give {short} a folder of its own")
    entries = sorted(out.iterdir()) if out.is_dir() else []
    others = not_earlier(out, entries) if entries else []
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise FileExistsError(errno.EEXIST, f"holds files that are not {what} ({shown}): nothing was changed; give a new or empty folder")


def recover(out: Path) -> None:
    """Put back the previous folder if a run was stopped between the two renames of the swap."""
    if not out.exists() and _old(out).is_dir():
        os.replace(_old(out), out)


def _old(out: Path) -> Path:
    return out.with_name(f".{out.name}.old")


@contextlib.contextmanager
def staged(out: Path):
    """A fresh staging folder beside ``out``, marked, that replaces ``out`` when the block ends without error.

    Unfinished folders of earlier runs are removed first (each said in a
    :class:`FolderRemoved` warning); on an error the staging folder is removed
    and ``out`` is left as it was. The staging folder gets the permissions the
    umask gives, like any folder the user makes.
    """
    out = Path(out).absolute()
    recover(out)
    remove_unfinished(out)
    staging = out.parent / f".{out.name}{STAGING_INFIX}{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        marker = staging / STAGING_MARKER
        marker.write_text(MARKER_TEXT, encoding="utf-8")
        handle = hold(marker)
        try:
            yield staging
        finally:
            marker.unlink(missing_ok=True)
            if handle is not None:
                handle.close()
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def hold(marker: Path):
    """Open ``marker`` and take a shared lock on it (where the system has locks); returns the file.

    A process that writes into a staging folder holds its marker for as long as it runs.
    """
    if fcntl is None:  # pragma: no cover - Windows: a file open in a process cannot be deleted there
        return None
    handle = open(marker, "rb")
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def remove_unfinished(out: Path) -> None:
    """Remove the staging folders of earlier runs that were killed (SIGKILL, a power cut): only
    those with alibiz's marker inside, and only when no process still holds the marker."""
    for folder in sorted(out.parent.glob(glob.escape(f".{out.name}{STAGING_INFIX}") + "*")):
        marker = folder / STAGING_MARKER
        if folder.is_symlink() or not folder.is_dir() or marker.is_symlink() or not marker.is_file():
            continue  # not one alibiz marked: never removed by its name alone
        if fcntl is None:  # pragma: no cover - Windows
            warnings.warn(FolderRemoved(f"{folder} is the unfinished folder of an earlier run; delete it if no other alibiz is writing there"), stacklevel=5)
            continue
        with open(marker, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a run is writing into it now
            shutil.rmtree(folder, ignore_errors=True)
        warnings.warn(FolderRemoved(f"removed {folder}, the unfinished folder of an earlier run that was stopped"), stacklevel=5)


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging``: the old folder stays whole until the new one is.

    Two renames: ``out`` -> ``.out.old``, then the new folder -> ``out``. A run
    stopped between them leaves the old folder whole in ``.out.old``, and the
    next run puts it back before it starts.
    """
    if not out.exists():
        os.replace(staging, out)
        return
    shutil.rmtree(_old(out), ignore_errors=True)
    os.replace(out, _old(out))
    try:
        os.replace(staging, out)
    except BaseException:  # an error or Ctrl-C between the two: the old folder goes back at once
        os.replace(_old(out), out)
        raise
    shutil.rmtree(_old(out))


# ------------------------------------------------------------ the figures table

FIGURES_COLUMNS = ["fiscal_period", "period_end", "segment", "segment_label", "metric", "value", "unit",
                   "basis", "source", "published", "note"]  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_figures_csv(rows: pd.DataFrame, path: Path) -> None:
    """Write figures with their sources as ``figures.csv`` (:func:`figures_table`), values as written."""
    figures_table(rows).to_csv(path, index=False, lineterminator="\n", float_format=as_written)


def figures_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Figures with their sources in figures.csv's columns, dates as text, safe for a spreadsheet."""
    table = rows[FIGURES_COLUMNS].assign(
        period_end=rows["period_end"].dt.strftime("%Y-%m-%d"), published=rows["published"].dt.strftime("%Y-%m-%d")
    )
    return spreadsheet_safe(table)


def as_written(value: float) -> str:
    """A figure in the fewest digits that read back as the same number, never in
    scientific notation (which alibiz refuses): 31672, -2905, 0.123456789012.

    >>> [as_written(v) for v in (31672.0, -2905.0, 123456789012.0, 0.123456789012)]
    ['31672', '-2905', '123456789012', '0.123456789012']
    """
    return np.format_float_positional(value, trim="-")


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would read as a formula get a leading apostrophe.

    Numbers stay numbers (a loss of -2905 is a value, not a formula).

    >>> spreadsheet_safe(pd.DataFrame({"a": ["=1+1", "ok", "@SUM(A1)"], "n": [-1.0, 2.0, 3.0]}))["a"].tolist()
    ["'=1+1", 'ok', "'@SUM(A1)"]
    """
    safe = table.copy()
    for column in safe.columns:
        if pd.api.types.is_string_dtype(safe[column]) or safe[column].dtype == object:
            text = safe[column]
            risky = text.fillna("").astype(str).str.startswith(FORMULA_STARTS)
            safe[column] = text.where(~risky, "'" + text.astype(str))
    return safe
