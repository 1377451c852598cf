"""Putting validated bytes on disk so readers only ever see whole files.

Write to a temporary file in the target's directory, fsync it, ``os.replace``
it onto the target, fsync the directory.  Bytes equal to what is on disk are
not written at all, so mtime, inode, ETag and Last-Modified stay put and feed
readers get their 304s.  Temporary names start with a dot and end in
``.feedhub-tmp.<host>.<n>.<pid>`` so they are never served under an output name, and a
build cleans up what a killed build left behind.

Symlinks: the output dir itself may be one (``feeds -> /srv/feeds``), but
nothing below it is followed to a place outside it.  A target whose resolved
location leaves the output dir is refused; temporary files are created with
``O_EXCL | O_NOFOLLOW`` after removing whatever sits at their name, and
``os.replace`` swaps a link planted at the target for the file instead of
writing through it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import FeedhubError

TMP_MARK = ".feedhub-tmp."
#: Temporary names carry their host: daemons on several hosts may share one output dir (a
#: PostgreSQL store), and a pid says nothing about another host's processes.
HOST_TAG = hashlib.blake2s(socket.gethostname().encode(), digest_size=4).hexdigest()
#: Another host's temporary older than this is a leftover of a build that died there.
FOREIGN_TMP_MAX_AGE_S = 3600.0

#: Temporary files this process is writing right now (groups build in parallel threads).
_in_flight: set[Path] = set()
_in_flight_lock = threading.Lock()
_counter = iter(range(1, 1 << 62))


class WriteError(FeedhubError, OSError):
    """An output could not be written (disk full, permissions, a path leaving the output dir)."""

    def __init__(self, path: Path, reason: str, code: int | None = None) -> None:
        #: The file that was being written.
        self.path = path
        #: ``errno`` of the underlying failure, when there was one.
        self.code = code
        super().__init__(f"{path}: cannot write: {reason}")


def same_bytes(path: Path, data: bytes) -> bool:
    """True when *path* is a regular file holding exactly *data* (a symlink never is)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False  # missing, or a link planted at the name: rewrite it
    with os.fdopen(fd, "rb") as f:
        if os.fstat(f.fileno()).st_size != len(data):
            return False
        return f.read() == data


def check_inside(root: Path, path: Path) -> None:
    """Refuse *path* when its resolved location (links followed) leaves *root*."""
    real_root = root.resolve()
    real = path.resolve()
    if real != real_root and not real.is_relative_to(real_root):
        raise WriteError(path, f"it resolves to {real}, outside the output dir {real_root} (a symlink?)")


def atomic_write(path: Path, data: bytes, root: Path | None = None) -> None:
    """Replace *path* with *data* in one step, durable once this returns.

    With *root* (the output dir), a *path* that resolves outside it is refused
    before anything is created.  Every failure is a :class:`WriteError`.
    """
    if root is not None:
        check_inside(root, path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if root is not None:
            check_inside(root, path)  # mkdir may have followed a link planted meanwhile
        _write_and_replace(path, data)
        _fsync_dir(path.parent)
    except WriteError:
        raise
    except OSError as e:
        raise WriteError(path, e.strerror or str(e), e.errno) from e


def _write_and_replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}{TMP_MARK}{HOST_TAG}.{next(_counter)}.{os.getpid()}")
    with _in_flight_lock:
        _in_flight.add(tmp)
    try:
        _unlink(tmp)  # whatever sits at the name (a planted link) goes; O_EXCL then creates ours
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    finally:
        with _in_flight_lock:
            _in_flight.discard(tmp)


def write_if_changed(path: Path, data: bytes, root: Path | None = None) -> bool:
    """Atomically write *data* unless *path* already holds it; True when written."""
    if root is not None:
        check_inside(root, path)
    if same_bytes(path, data):
        return False
    atomic_write(path, data, root)
    return True


def remove(path: Path, root: Path | None = None) -> bool:
    """Delete an output that is no longer produced (a shard beyond the new count)."""
    if root is not None:
        check_inside(root, path.parent)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as e:
        raise WriteError(path, e.strerror or str(e), e.errno) from e
    _fsync_dir(path.parent)
    return True


def clean_temp_files(root: Path, found: set[str] | None = None) -> list[Path]:
    """Remove temporary files left by builds whose process is gone (or by this one, failed).

    *found* receives the relative path of every other file: the one walk of the output dir a
    build makes (the plan asks it which outputs are on disk, 10,000 files at a large site)."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for p in _temp_files(root, found):
        pid = p.name.rsplit(".", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # another live build is writing it right now
        if _foreign_and_recent(p):
            continue  # another host's build may be writing it right now
        with _in_flight_lock:
            if p in _in_flight:
                continue  # another group of this process is writing it right now
        if _unlink(p):
            removed.append(p)
    return removed


def _temp_files(root: Path, found: set[str] | None, prefix: str = "") -> Iterator[Path]:
    # Linked folders are not descended into (as rglob did not); scandir's entries already know
    # their type, so a 10,000-file tree costs no stat per file.
    try:
        with os.scandir(root) as entries:
            listed = list(entries)
    except OSError:
        return
    for e in listed:
        if e.is_dir(follow_symlinks=False):
            yield from _temp_files(Path(e.path), found, prefix + e.name + "/")
        elif e.name.startswith(".") and TMP_MARK in e.name:
            yield Path(e.path)
        elif found is not None:
            found.add(prefix + e.name)


def _foreign_and_recent(p: Path) -> bool:
    host = p.name.split(TMP_MARK, 1)[-1].split(".")
    if len(host) != 3 or host[0] == HOST_TAG:
        return False
    try:
        return time.time() - p.lstat().st_mtime < FOREIGN_TMP_MAX_AGE_S
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno == errno.EPERM
    return True


def _unlink(p: Path) -> bool:
    try:
        p.unlink()
        return True
    except FileNotFoundError:
        return False


def _fsync_dir(d: Path) -> None:
    # The rename is only durable once the directory entry is on disk.
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
