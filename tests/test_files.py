"""alibiz.files: a folder of files swapped in whole, leftovers of killed runs, one file replaced atomically."""

import os
import stat
import warnings

import pytest

from alibiz import files


def test_a_staged_folder_replaces_the_old_one_whole_with_the_umasks_permissions(tmp_path):
    out = tmp_path / "view"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    umask = os.umask(0o022)
    try:
        with files.staged(out) as staging:
            assert (staging / files.STAGING_MARKER).is_file()  # marked while written into
            (staging / "new.txt").write_text("new", encoding="utf-8")
    finally:
        os.umask(umask)
    assert [p.name for p in out.iterdir()] == ["new.txt"]  # the marker is gone before the swap
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # as any folder the user makes (mkdtemp's would be 0o700)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view"]


def test_an_error_inside_leaves_the_old_folder_and_no_staging(tmp_path):
    out = tmp_path / "view"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="drawing failed"):
        with files.staged(out) as staging:
            (staging / "half.txt").write_text("half", encoding="utf-8")
            raise RuntimeError("drawing failed")
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view"]


@pytest.mark.skipif(files.fcntl is None, reason="the marker is locked with fcntl")
def test_a_killed_runs_marked_folder_is_removed_by_the_next_and_named(tmp_path):
    out = tmp_path / "view"
    left = tmp_path / f".view{files.STAGING_INFIX}0badc0de"  # what a run killed outright leaves
    left.mkdir()
    (left / files.STAGING_MARKER).write_text(files.MARKER_TEXT, encoding="utf-8")
    (left / "chart.png").write_bytes(b"half a chart")
    unmarked = tmp_path / f".view{files.STAGING_INFIX}notours1"
    unmarked.mkdir()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with files.staged(out) as staging:
            (staging / "chart.png").write_bytes(b"a chart")
    assert [str(w.message) for w in caught if w.category is files.FolderRemoved] == [
        f"removed {left}, the unfinished folder of an earlier run that was stopped"
    ]
    assert not left.exists() and unmarked.is_dir()  # never removed by its name alone


def test_write_atomic_keeps_the_files_mode_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"old")
    path.chmod(0o640)
    files.write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.csv"]  # no temporary file left


def test_an_error_between_the_two_renames_of_the_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    out = tmp_path / "view"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    replace = os.replace

    def failing(source, target):
        if str(source).startswith(str(tmp_path / f".view{files.STAGING_INFIX}")):  # the new folder into place
            raise OSError(28, "No space left on device")
        replace(source, target)

    monkeypatch.setattr(files.os, "replace", failing)
    with pytest.raises(OSError, match="No space left"):
        with files.staged(out) as staging:
            (staging / "new.txt").write_text("new", encoding="utf-8")
    assert [p.name for p in out.iterdir()] == ["old.txt"]  # "out is left as it was"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view"]
