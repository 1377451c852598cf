"""What a sane ``now`` is, and when the clock has gone back behind the last build.

Only the CLI and the daemon read the clock; both pass it through these checks
before a build, so a clock in the past never replaces good outputs with empty
ones and no date arithmetic of a build can overflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

# A build's ``now`` must lie in the range every article date does (rules.dates): far from
# ``datetime.min``/``max``, so every window and due-time computation stays representable.
from .rules.dates import EARLIEST, LATEST

#: How far ``now`` may lie behind the newest recorded build before publishing is held
#: (NTP steps and a few seconds between hosts are fine).
TOLERANCE = timedelta(minutes=5)


def wall_clock() -> datetime:
    return datetime.now(UTC)


def out_of_range(now: datetime) -> str | None:
    """Why *now* (aware) cannot be a build's moment, or None when it can."""
    if EARLIEST <= now < LATEST:
        return None
    return f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}, got {now.isoformat()}"


def newest(moments: Iterable[str | None]) -> datetime | None:
    """The latest of some ISO 8601 times (unreadable or missing ones are skipped)."""
    best: datetime | None = None
    for text in moments:
        try:
            t = datetime.fromisoformat(text) if text else None
        except ValueError:
            continue
        if t is not None and t.tzinfo is not None and (best is None or t > best):
            best = t
    return best


def behind(now: datetime, last_build: datetime | None, tolerance: timedelta = TOLERANCE) -> bool:
    """True when *now* is earlier than *last_build* by more than *tolerance*."""
    return last_build is not None and now < last_build - tolerance
