"""[schedule] → APScheduler 3.x triggers: crontab's weekdays and the trigger for each kind of entry."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from feedhub.config import Schedule
from feedhub.schedule import crontab_weekdays, make_trigger

JAKARTA = ZoneInfo("Asia/Jakarta")
SUNDAY = datetime(2024, 6, 16, 0, 0, tzinfo=JAKARTA)


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("1-5", "mon-fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("*", "*"),
        ("*/2", "tue,thu,sat-sun"),  # crontab: Sunday, Tuesday, Thursday, Saturday
        ("0-6", "*"),
        ("1-7", "*"),
        ("1-5/2", "mon,wed,fri"),
        ("5-7", "fri-sun"),
        ("0,6", "sat-sun"),
        ("1,3", "mon,wed"),
        ("mon-fri", "mon-fri"),
        ("SUN", "sun"),
    ],
)
def test_crontab_weekdays_become_names(field, names):
    assert crontab_weekdays(field) == names


@pytest.mark.parametrize("field", ["6-1", "8", "monday", "1-5/0", "", "1-"])
def test_crontab_weekdays_refuse_what_crontab_does_not_mean(field):
    with pytest.raises(ValueError):
        crontab_weekdays(field)


def fire_days(trigger, start: datetime = SUNDAY, n: int = 8) -> list[int]:
    """Crontab day numbers (0 = Sunday) of the trigger's next *n* runs after *start*."""
    days, previous, now = [], None, start
    for _ in range(n):
        previous = now = trigger.get_next_fire_time(previous, now)
        days.append(now.isoweekday() % 7)
    return days


@pytest.mark.parametrize(
    ("dow", "days"),
    [
        ("1-5", {1, 2, 3, 4, 5}),
        ("0", {0}),
        ("7", {0}),
        ("*/2", {0, 2, 4, 6}),
        ("1-5/2", {1, 3, 5}),
        ("0-6", {0, 1, 2, 3, 4, 5, 6}),
        ("6,0", {0, 6}),
    ],
)
def test_cron_trigger_fires_on_the_days_crontab_means(dow, days):
    trigger = make_trigger(Schedule(cron=f"30 6 * * {dow}"), JAKARTA, 0)
    assert set(fire_days(trigger, n=2 * len(days))) == days


def test_cron_trigger_in_the_site_time_zone():
    trigger = make_trigger(Schedule(cron="30 6 * * 1-5"), JAKARTA, 0)
    assert isinstance(trigger, CronTrigger)
    assert trigger.jitter is None
    first = trigger.get_next_fire_time(None, SUNDAY)
    assert first == datetime(2024, 6, 17, 6, 30, tzinfo=JAKARTA)  # Monday, Jakarta time
    assert first.utcoffset() == timedelta(hours=7)


def test_interval_trigger():
    trigger = make_trigger(Schedule(interval=30), JAKARTA, 0)
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.interval == timedelta(seconds=30)
    assert trigger.jitter is None
    first = trigger.get_next_fire_time(None, SUNDAY)
    assert trigger.get_next_fire_time(first, first) == first + timedelta(seconds=30)


def test_jitter_is_passed_to_both_kinds():
    assert make_trigger(Schedule(interval=120), JAKARTA, 5).jitter == 5
    assert make_trigger(Schedule(cron="*/5 * * * *"), JAKARTA, 5).jitter == 5
