"""[schedule] entries → APScheduler 3.x triggers."""

from __future__ import annotations

import re
from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .config import Schedule

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def crontab_weekdays(field: str) -> str:
    """Rewrite crontab day-of-week numbers (0/7 = Sunday) as names.

    APScheduler 3.x counts 0 as Monday (its issue #286), so ``1-5`` would
    silently mean Tuesday to Saturday; names mean the same to both.
    """

    def one(part: str) -> str:
        rng, _, step = part.partition("/")
        rng = re.sub(r"\d+", lambda m: _DAYS[int(m.group()) % 7], rng)
        return f"{rng}/{step}" if step else rng

    return ",".join(one(p) for p in field.split(","))


def make_trigger(schedule: Schedule, tz: tzinfo, jitter: int) -> IntervalTrigger | CronTrigger:
    if schedule.interval is not None:
        return IntervalTrigger(seconds=schedule.interval, timezone=tz, jitter=jitter or None)
    assert schedule.cron is not None
    minute, hour, day, month, dow = schedule.cron.split()
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=crontab_weekdays(dow), timezone=tz, jitter=jitter or None
    )
