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

    # A counter keeps two groups' temporaries apart; the pid stays last for the clean-up's liveness check.
    (name,) = seen
    assert name.startswith(f".sitemap-1.xml.gz{publish.TMP_MARK}") and name.endswith(f".{os.getpid()}")
    assert name.rsplit(".", 2)[-2].isdigit()


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


# -- planted symlinks (issue 11): nothing is written or truncated outside the output dir -----------


@pytest.fixture
def planted(tmp_path):
    """An output dir ``out`` and, beside it, a folder and a file a link may point at."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    victim = elsewhere / "precious.txt"
    victim.write_bytes(b"not feedhub's\n")
    return out, elsewhere, victim


def test_a_symlinked_subfolder_leaving_the_output_dir_is_refused(planted):
    out, elsewhere, _ = planted
    (out / "teknologi").symlink_to(elsewhere)
    with pytest.raises(publish.WriteError, match=r"teknologi/rss\.xml: cannot write: it resolves to .*elsewhere/rss\.xml, outside the output dir"):
        publish.write_if_changed(out / "teknologi" / "rss.xml", b"<rss/>", root=out)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["precious.txt"]


def test_a_symlinked_subfolder_inside_the_output_dir_is_fine(planted):
    out, _, _ = planted
    (out / "real").mkdir()
    (out / "alias").symlink_to(out / "real")
    assert publish.write_if_changed(out / "alias" / "rss.xml", b"<rss/>", root=out)
    assert (out / "real" / "rss.xml").read_bytes() == b"<rss/>"


def test_a_symlinked_output_dir_itself_is_allowed(planted):
    out, elsewhere, _ = planted
    (out / "feeds").symlink_to(elsewhere)  # deployments often link /var/www/feeds -> /srv/feeds
    root = out / "feeds"
    assert publish.write_if_changed(root / "all" / "rss.xml", b"<rss/>", root=root)
    assert (elsewhere / "all" / "rss.xml").read_bytes() == b"<rss/>"


def test_a_link_at_the_target_leaving_the_dir_is_refused_and_its_target_untouched(planted):
    out, _, victim = planted
    (out / "rss.xml").symlink_to(victim)
    with pytest.raises(publish.WriteError, match="outside the output dir"):
        publish.write_if_changed(out / "rss.xml", b"<rss/>", root=out)
    assert victim.read_bytes() == b"not feedhub's\n"
    assert (out / "rss.xml").is_symlink()


def test_a_link_at_the_target_inside_the_dir_is_replaced_not_written_through(planted):
    out, _, _ = planted
    (out / "other.xml").write_bytes(b"other output\n")
    (out / "rss.xml").symlink_to(out / "other.xml")
    assert publish.write_if_changed(out / "rss.xml", b"other output\n", root=out)  # a link never counts as "same bytes"
    assert not (out / "rss.xml").is_symlink() and (out / "rss.xml").read_bytes() == b"other output\n"
    assert (out / "other.xml").read_bytes() == b"other output\n"


def test_a_link_planted_at_the_temp_name_is_removed_not_followed(planted, monkeypatch):
    out, _, victim = planted
    monkeypatch.setattr(publish, "_counter", iter([7]))
    tmp = out / f".rss.xml{publish.TMP_MARK}{publish.HOST_TAG}.7.{os.getpid()}"
    tmp.symlink_to(victim)
    publish.atomic_write(out / "rss.xml", b"<rss/>", root=out)
    assert (out / "rss.xml").read_bytes() == b"<rss/>"
    assert victim.read_bytes() == b"not feedhub's\n"
    assert not tmp.is_symlink() and _temps(out) == []


def test_a_write_error_is_one_line_naming_the_file_and_keeps_the_last_good_file(tmp_path, monkeypatch):
    import errno as errno_module

    target = tmp_path / "rss.xml"
    target.write_bytes(b"last good\n")

    def full(fd, data):
        raise OSError(errno_module.ENOSPC, os.strerror(errno_module.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(publish.WriteError) as e:
        publish.write_if_changed(target, b"new\n", root=tmp_path)
    assert str(e.value) == f"{target}: cannot write: No space left on device"
    assert e.value.code == errno_module.ENOSPC and isinstance(e.value, OSError)
    assert target.read_bytes() == b"last good\n" and _temps(tmp_path) == []


def test_clean_up_keeps_a_temp_another_thread_of_this_process_is_writing(tmp_path):
    busy = tmp_path / f".rss.xml{publish.TMP_MARK}1.{os.getpid()}"
    busy.write_bytes(b"partial")
    with publish._in_flight_lock:
        publish._in_flight.add(busy)
    try:
        assert publish.clean_temp_files(tmp_path) == []
    finally:
        with publish._in_flight_lock:
            publish._in_flight.discard(busy)
    assert publish.clean_temp_files(tmp_path) == [busy]
