"""The publisher: atomic replace, write only on change, temporary-file clean-up (issue 5)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from feedhub import publish


def _temps(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(f"*{publish.TMP_MARK}*"))


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# -- atomic_write ---------------------------------------------------------------------------


def test_atomic_write_creates_file_and_folders_and_leaves_no_temp(tmp_path):
    target = tmp_path / "feeds" / "all" / "rss.xml"

    publish.atomic_write(target, b"<rss/>\n")

    assert target.read_bytes() == b"<rss/>\n"
    assert _temps(tmp_path) == []
    assert sorted(p.name for p in target.parent.iterdir()) == ["rss.xml"]


def test_atomic_write_replaces_in_one_step_an_open_reader_keeps_the_old_file(tmp_path):
    target = tmp_path / "rss.xml"
    target.write_bytes(b"old complete document\n")
    old_inode = target.stat().st_ino

    with open(target, "rb") as reader:
        publish.atomic_write(target, b"new complete document, longer\n")
        # A reader that opened the file before the swap reads the old file to its end.
        assert reader.read() == b"old complete document\n"

    assert target.read_bytes() == b"new complete document, longer\n"
    assert target.stat().st_ino != old_inode  # a new file was renamed over it, not rewritten in place
    assert _temps(tmp_path) == []


def test_atomic_write_fsyncs_the_file_and_then_its_directory(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def spy(fd):
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    publish.atomic_write(tmp_path / "a.xml", b"x")

    assert synced == ["file", "dir"]


def test_atomic_write_failing_replace_keeps_the_target_and_removes_the_temp(tmp_path, monkeypatch):
    target = tmp_path / "rss.xml"
    target.write_bytes(b"last good\n")

    def boom(src, dst):
        raise OSError("disk trouble")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk trouble"):
        publish.atomic_write(target, b"new\n")

    assert target.read_bytes() == b"last good\n"
    assert _temps(tmp_path) == []


def test_temp_name_is_hidden_and_never_an_output_name(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    publish.atomic_write(tmp_path / "sitemap-1.xml.gz", b"x")

    assert seen == [f".sitemap-1.xml.gz{publish.TMP_MARK}{os.getpid()}"]


# -- write_if_changed -----------------------------------------------------------------------


def test_write_if_changed_equal_bytes_do_not_touch_the_file(tmp_path):
    target = tmp_path / "atom.xml"
    publish.atomic_write(target, b"<feed/>\n")
    os.utime(target, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))  # a known, old mtime
    before = target.stat()

    assert publish.write_if_changed(target, b"<feed/>\n") is False

    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert _temps(tmp_path) == []


def test_write_if_changed_writes_different_bytes_of_the_same_size(tmp_path):
    target = tmp_path / "atom.xml"
    target.write_bytes(b"<feed>a</feed>")

    assert publish.write_if_changed(target, b"<feed>b</feed>") is True

    assert target.read_bytes() == b"<feed>b</feed>"
    assert _temps(tmp_path) == []


def test_write_if_changed_writes_a_missing_file(tmp_path):
    target = tmp_path / "news-sitemap.xml"
    assert publish.write_if_changed(target, b"<urlset/>") is True
    assert target.read_bytes() == b"<urlset/>"


# -- remove ---------------------------------------------------------------------------------


def test_remove(tmp_path):
    shard = tmp_path / "sitemap-3.xml.gz"
    shard.write_bytes(b"x")
    assert publish.remove(shard) is True
    assert not shard.exists()
    assert publish.remove(shard) is False


# -- clean_temp_files -----------------------------------------------------------------------


def test_clean_temp_files_removes_dead_temps_and_keeps_a_live_writers(tmp_path):
    (tmp_path / "all").mkdir()
    dead = tmp_path / "all" / f".rss.xml{publish.TMP_MARK}{_dead_pid()}"
    mine = tmp_path / f".sitemap.xml{publish.TMP_MARK}{os.getpid()}"  # our own leftover (an earlier failed write)
    keep = [tmp_path / "all" / "rss.xml", tmp_path / ".feedhub-status.json", tmp_path / ".feedhub.lock"]
    for p in [dead, mine, *keep]:
        p.write_bytes(b"partial")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = tmp_path / f".atom.xml{publish.TMP_MARK}{live.pid}"
        busy.write_bytes(b"being written")

        removed = publish.clean_temp_files(tmp_path)

        assert sorted(removed) == sorted([dead, mine])
        assert not dead.exists() and not mine.exists()
        assert busy.exists()
        assert all(p.exists() for p in keep)
    finally:
        live.kill()
        live.wait()

    # Once the writer is gone, its temp goes with the next clean-up.
    assert publish.clean_temp_files(tmp_path) == [busy]
    assert _temps(tmp_path) == []


def test_clean_temp_files_on_a_missing_dir(tmp_path):
    assert publish.clean_temp_files(tmp_path / "nope") == []
