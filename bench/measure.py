"""Timing helpers: samples with median / min / max, peak RSS, and child processes that report JSON."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent


@dataclass
class Samples:
    """Repeated measurements of one thing, in seconds (or any unit the caller keeps to)."""

    values: list[float] = field(default_factory=list)

    def add(self, v: float) -> None:
        self.values.append(v)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def lo(self) -> float:
        return min(self.values)

    @property
    def hi(self) -> float:
        return max(self.values)

    def to_json(self) -> list[float]:
        return self.values


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, ``getrusage(RUSAGE_SELF).ru_maxrss`` (Linux: KiB).

    Linux starts a child's ru_maxrss at the RSS of the process that forked it, so children
    are started by :class:`Launcher`, a process that stays tiny, never by the runner itself.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_hwm_mb() -> float | None:
    """The kernel's high-water mark of this process image (reset at exec): a cross-check of ru_maxrss."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


_LAUNCHER = """
import json, subprocess, sys
for line in sys.stdin:
    argv, env = json.loads(line)
    p = subprocess.run(argv, capture_output=True, text=True, env=env)
    sys.stdout.write(json.dumps([p.returncode, p.stdout, p.stderr]) + "\\n")
    sys.stdout.flush()
"""


class Launcher:
    """A small Python process, started before the runner grows, that starts every child for it."""

    _proc: subprocess.Popen | None = None

    @classmethod
    def run(cls, argv: list[str], env: dict) -> tuple[int, str, str]:
        if cls._proc is None:
            cls._proc = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
        cls._proc.stdin.write(json.dumps([argv, env]) + "\n")
        cls._proc.stdin.flush()
        rc, out, err = json.loads(cls._proc.stdout.readline())
        return rc, out, err

    @classmethod
    def close(cls) -> None:
        """Stop the launcher and wait for it, so its children's CPU time shows in RUSAGE_CHILDREN."""
        if cls._proc is not None:
            cls._proc.stdin.close()
            cls._proc.wait()
            cls._proc = None


def machine_busy_s() -> float:
    """CPU-seconds every process on the machine has used since boot (/proc/stat), for a noise check."""
    try:
        fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """CPU-seconds of this process and every child it (or the launcher) waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def child(task: str, args: dict) -> dict:
    """Run ``child.py TASK ARGS`` in a fresh interpreter (this one) and return its JSON result."""
    cmd = [sys.executable, str(BENCH / "child.py"), task, json.dumps(args)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    rc, out, err = Launcher.run(cmd, env)
    if rc != 0:
        raise RuntimeError(f"child {task} {args} failed ({rc}):\n{err[-4000:]}")
    sys.stderr.write(err)
    return json.loads(out.strip().splitlines()[-1])
