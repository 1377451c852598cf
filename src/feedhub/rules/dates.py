"""Which dates an article may carry, and how the date forms a newsroom writes are read.

Every accepted date must be writable in RFC 822 (RSS ``pubDate``) and RFC 3339 (Atom, sitemaps):
a four-digit year, an offset in whole minutes, and room for the renderers' window arithmetic.
The import contract reads dates here; the renderers and the validator import the same range.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from dateutil import parser as dateutil_parser

#: The earliest and latest instants an article date may hold (UTC, latest excluded).  Before the
#: Unix epoch nothing is news; far before year 9999 so that adding a window or an offset never
#: overflows ``datetime``.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
#: The offsets real time zones use (UTC-12:00 on Baker Island to UTC+14:00 on Kiritimati).
MIN_OFFSET = timedelta(hours=-12)
MAX_OFFSET = timedelta(hours=14)

#: Zone abbreviations read as fixed offsets: Indonesia's three zones, the UTC spellings, and
#: the US zones RFC 822 section 5.1 names.  Any other abbreviation is ambiguous (IST is India,
#: Israel or Ireland; CST is also China) and is refused rather than guessed.
ZONES: dict[str, timedelta] = {
    "WIB": timedelta(hours=7),
    "WITA": timedelta(hours=8),
    "WIT": timedelta(hours=9),
    "UTC": timedelta(0),
    "GMT": timedelta(0),
    "UT": timedelta(0),
    "Z": timedelta(0),
    "EST": timedelta(hours=-5),
    "EDT": timedelta(hours=-4),
    "CST": timedelta(hours=-6),
    "CDT": timedelta(hours=-5),
    "MST": timedelta(hours=-7),
    "MDT": timedelta(hours=-6),
    "PST": timedelta(hours=-8),
    "PDT": timedelta(hours=-7),
}

_YEAR = re.compile(r"\d{4}")
# "UTC+7" as people write it means seven hours ahead of UTC; dateutil reads it the POSIX way
# (seven hours behind), so the form is rewritten to a plain numeric offset first.
_NAMED_OFFSET = re.compile(r"\b(?:UTC|GMT|UT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\b")
_DEFAULT_A, _DEFAULT_B = datetime(2000, 1, 1), datetime(2001, 2, 2)


#: The reason :class:`DateProblem` gives for text that is no date at all.
UNREADABLE = "cannot read date"


class DateProblem(ValueError):
    """A date that cannot be read, or names a zone or an instant feedhub cannot use; ``str`` is the reason."""


def read_datetime(value: str) -> datetime:
    """*value* in ISO 8601 or RFC 2822 (and the forms dateutil reads with a four-digit year);
    naive when it names no zone.  Raises :class:`DateProblem` with the reason."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        dt = _read_free_form(value)
    problem = offset_problem(dt)
    if problem is not None:
        raise DateProblem(problem)
    return dt


def parse_datetime(value: str) -> datetime | None:
    """:func:`read_datetime`, or None when it cannot be used (for callers with their own message)."""
    try:
        return read_datetime(value)
    except DateProblem:
        return None


def offset_problem(dt: datetime) -> str | None:
    """Why the offset of *dt* cannot be written; None when it can (or *dt* is naive)."""
    try:
        offset = dt.utcoffset()
    except ValueError:  # a tzinfo returning 24 h or more
        return "has an offset of 24 hours or more"
    if offset is None:
        return None
    if offset % timedelta(minutes=1):
        return f"has an offset with seconds ({_hhmm(offset)}); offsets are whole minutes"
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        return f"has offset {_hhmm(offset)}; real zones lie between -12:00 and +14:00"
    return None


def range_problem(dt: datetime) -> str | None:
    """Why aware *dt* is outside the dates feedhub publishes; None when inside."""
    if dt < EARLIEST:
        return "is before 1970-01-01T00:00:00Z"
    if dt >= LATEST:
        return "is after 8999-12-31T23:59:59Z"
    return None


def _read_free_form(value: str) -> datetime:
    # dateutil fills missing parts from today's date ("10" becomes the 10th of this month,
    # "June 2024" the current day of June 2024), so demand a four-digit year, then parse
    # against two different defaults: a value lacking its month or day reads differently.
    if not _YEAR.search(value):
        raise DateProblem(UNREADABLE)
    text = _NAMED_OFFSET.sub(_numeric_offset, value)
    try:
        dt = dateutil_parser.parse(text, default=_DEFAULT_A, tzinfos=_zone)
        same = dt == dateutil_parser.parse(text, default=_DEFAULT_B, tzinfos=_zone)
    except DateProblem:
        raise
    except (ValueError, OverflowError, TypeError):
        raise DateProblem(UNREADABLE) from None
    if not same:
        raise DateProblem(UNREADABLE)
    return dt


def _numeric_offset(m: re.Match[str]) -> str:
    sign, hours, minutes = m.group(1), int(m.group(2)), m.group(3) or "00"
    return f"{sign}{hours:02d}{minutes}"


def _zone(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's ``tzinfos`` hook: a numeric offset wins; a name must be one of :data:`ZONES`."""
    if offset is not None:
        if abs(offset) >= 86400:
            raise DateProblem(f"has offset {_hhmm(timedelta(seconds=offset))}; real zones lie between -12:00 and +14:00")
        return timezone(timedelta(seconds=offset))
    if name is None:
        return None
    known = ZONES.get(name)
    if known is None:
        raise DateProblem(f"names time zone {name!r}, which feedhub does not read (write an offset such as +07:00, or one of {', '.join(ZONES)})")
    return timezone(known)


def _hhmm(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes, seconds = divmod(int(abs(offset).total_seconds()), 60)
    text = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{text}:{seconds:02d}" if seconds else text
