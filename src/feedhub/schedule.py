"""[schedule] entries → APScheduler 3.x triggers."""

from __future__ import annotations

import re
from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .config import Schedule

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
        days.update(d % 7 for d in range(lo, hi + 1, int(step or 1)))
    if len(days) == 7:
        return "*"
    runs: list[list[int]] = []
    for d in (d for d in _WEEK if d in days):
        if runs and _WEEK.index(d) == _WEEK.index(runs[-1][-1]) + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ",".join(_DAYS[r[0]] if len(r) == 1 else f"{_DAYS[r[0]]}-{_DAYS[r[-1]]}" for r in runs)


def _day(token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token in _DAYS:
        return _DAYS.index(token)
    raise ValueError(f"day of week: {token!r} is not 0-7 or a day name")


def make_trigger(schedule: Schedule, tz: tzinfo, jitter: int) -> IntervalTrigger | CronTrigger:
    if schedule.interval is not None:
        return IntervalTrigger(seconds=schedule.interval, timezone=tz, jitter=jitter or None)
    assert schedule.cron is not None
    minute, hour, day, month, dow = schedule.cron.split()
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=crontab_weekdays(dow), timezone=tz, jitter=jitter or None
    )
