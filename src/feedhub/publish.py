"""Putting validated bytes on disk so readers only ever see whole files.

Write to a temporary file in the target's directory, fsync it, ``os.replace``
it onto the target, fsync the directory.  Bytes equal to what is on disk are
not written at all, so mtime, inode, ETag and Last-Modified stay put and feed
readers get their 304s.  Temporary names start with a dot and end in
``.feedhub-tmp.<pid>`` so they are never served under an output name, and a
build cleans up what a killed build left behind.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

TMP_MARK = ".feedhub-tmp."


def same_bytes(path: Path, data: bytes) -> bool:
    """True when *path* holds exactly *data* (size checked first: usually no read needed)."""
    try:
        if path.stat().st_size != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except FileNotFoundError:
        return False


def atomic_write(path: Path, data: bytes) -> None:
    """Replace *path* with *data* in one step, durable once this returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    _fsync_dir(path.parent)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically write *data* unless *path* already holds it; True when written."""
    if same_bytes(path, data):
        return False
    atomic_write(path, data)
    return True


def remove(path: Path) -> bool:
    """Delete an output that is no longer produced (a shard beyond the new count)."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    _fsync_dir(path.parent)
    return True


def clean_temp_files(root: Path) -> list[Path]:
    """Remove temporary files left by builds whose process is gone."""
    removed = []
    if not root.is_dir():
        return removed
    for p in root.rglob(f".*{TMP_MARK}*"):
        pid = p.name.rsplit(".", 1)[-1]
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue  # another live build is writing it right now
        if _unlink(p):
            removed.append(p)
    return removed


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
