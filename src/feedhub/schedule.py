"""[schedule] entries → APScheduler 3.x triggers.

Imports nothing of feedhub's: the config reads its ``[schedule]`` values with
:func:`parse_schedule`, and a cron line is judged by building the trigger the
daemon will run, so crontab's weekday numbering is checked the daemon's way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a trigger is made: APScheduler costs every command's start-up ~0.1 s
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

_INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_NEITHER = 'is neither an interval ("30s", "2m", "1h")'


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class Schedule:
    """Either every ``interval`` seconds or a crontab expression."""

    interval: int | None = None
    cron: str | None = None

    @property
    def approx_seconds(self) -> int:
        return self.interval if self.interval is not None else 3600


def interval_seconds(text: str) -> int | None:
    """``"30s"``, ``"2m"``, ``"1h"``, ``"1d"`` in seconds; None when *text* is not such an interval."""
    m = _INTERVAL_RE.match(text)
    return int(m.group(1)) * _UNITS[m.group(2)] if m else None


def parse_schedule(text: str) -> Schedule:
    """An interval or a 5-field crontab line; ValueError says what is wrong."""
    seconds = interval_seconds(text)
    if seconds is not None:
        if seconds <= 0:
            raise ValueError(f"interval must be longer than zero, got {_quoted(text)}")
        return Schedule(interval=seconds)
    if len(text.split()) != 5:
        raise ValueError(f"{_NEITHER} nor a cron expression with 5 fields, got {_quoted(text)}")
    try:
        make_trigger(Schedule(cron=text), UTC, 0)
    except ValueError as e:
        raise ValueError(f"{_NEITHER} nor a valid cron expression: {e}") from None
    return Schedule(cron=text)

#: Crontab numbering: 0 (and 7) is Sunday.
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
#: APScheduler's week, Monday first: the order runs are written in.
_WEEK = (1, 2, 3, 4, 5, 6, 0)
_PART = re.compile(r"^(\*|\w+)(?:-(\w+))?(?:/(\d+))?$")


def crontab_weekdays(field: str) -> str:
    """Rewrite a crontab day-of-week field (0 and 7 = Sunday) as day names.

    APScheduler 3.x counts 0 as Monday (its issue #286), so ``1-5`` would
    silently mean Tuesday to Saturday and ``*/2`` Monday, Wednesday, Friday,
    Sunday.  The field is expanded to the days crontab means and written as
    names, which mean the same to both: ``1-5`` → ``mon-fri``, ``*/2`` →
    ``tue,thu,sat-sun``, ``0-6`` → ``*``.
    """
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.split(","):
        days.update(_crontab_days(part))
    if len(days) == 7:
        return "*"
    runs: list[list[int]] = []
    for d in (d for d in _WEEK if d in days):
        if runs and _WEEK.index(d) == _WEEK.index(runs[-1][-1]) + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ",".join(_DAYS[r[0]] if len(r) == 1 else f"{_DAYS[r[0]]}-{_DAYS[r[-1]]}" for r in runs)


def _crontab_days(part: str) -> set[int]:
    """The days (0 = Sunday) one comma-separated part of a crontab day-of-week field means."""
    m = _PART.match(part.strip().lower())
    if not m:
        raise ValueError(f"day of week: cannot read {part!r}")
    first, last, step = m.groups()
    if first == "*":
        lo, hi = 0, 6
    else:
        lo = _day(first)
        hi = _day(last) if last else 6 if step else lo  # "1/2" runs to Saturday
    if lo > hi or (step is not None and int(step) == 0):
        raise ValueError(f"day of week: bad range {part!r}")
    return {d % 7 for d in range(lo, hi + 1, int(step or 1))}


def _day(token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token in _DAYS:
        return _DAYS.index(token)
    raise ValueError(f"day of week: {token!r} is not 0-7 or a day name")


def make_trigger(schedule: Schedule, tz: tzinfo, jitter: int) -> IntervalTrigger | CronTrigger:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if schedule.interval is not None:
        return IntervalTrigger(seconds=schedule.interval, timezone=tz, jitter=jitter or None)
    assert schedule.cron is not None
    minute, hour, day, month, dow = schedule.cron.split()
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=crontab_weekdays(dow), timezone=tz, jitter=jitter or None
    )
