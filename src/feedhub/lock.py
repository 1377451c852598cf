"""One publisher per output directory.

``fcntl.flock`` on ``<output dir>/.feedhub.lock``: the kernel drops the lock
when the holder dies, so a crash never leaves a stale lock behind; the file
keeps the holder's pid and role only so the refusal can name it.

Daemons sharing a PostgreSQL store take it *shared*: several of them may
publish to one output dir (the store's per-group locks decide who builds
what), while an exclusive taker (``feedhub build``, a SQLite daemon) is refused.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from .errors import FeedhubError

LOCK_NAME = ".feedhub.lock"


class LockedError(FeedhubError):
    """Another feedhub process publishes to this output directory."""


class OutputLock:
    def __init__(self, output_dir: Path, role: str, *, shared: bool = False) -> None:
        self.path = output_dir / LOCK_NAME
        self.role = role
        self.shared = shared
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # O_NOFOLLOW: a link planted at the lock's name would have its target truncated.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            reason = "it is a symlink (remove it; feedhub never follows one there)" if e.errno == errno.ELOOP else e.strerror
            raise FeedhubError(f"{self.path}: cannot open the lock file: {reason}") from e
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise LockedError(f"{self.path.parent} is already being published by {holder}; stop it first") from None
        try:
            os.ftruncate(fd, 0)  # a shared holder names only the latest of them: enough for a refusal
            os.pwrite(fd, f"{self.role} (pid {os.getpid()})\n".encode(), 0)
        except OSError:
            pass  # a full disk: the holder's name only serves the refusal message; the flock is what counts
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            if not self.shared:  # other shared holders may still be there to be named
                os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
