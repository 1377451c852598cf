"""Batch checks for the archive sitemap renderer: prove a whole batch of rows plain.

:func:`feedhub.render.sitemaps.render_archive` hands each batch of store rows here;
what these checks prove (plain URLs on the site, well-formed lastmods, the batch's
newest lastmod) lets it write the batch as one string, and only the rows they cannot
prove go through the per-row path.  Output is byte-identical either way (the tests
compare against a reference copy of the per-row algorithm).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import compress
from operator import itemgetter

from ..rules.urls import MAX_URL as MAX_LOC
from ..rules.urls import MIN_LOC
from ._xmltext import not_uri

#: Rows checked together (~0.3 MB of text): the unit of the batch checks and of each write to the compressor.
BATCH = 2048
#: A W3C date, or date-time with seconds and zone (https://www.w3.org/TR/NOTE-datetime) — the
#: forms both the W3C note and sitemap.xsd's xsd:date | xsd:dateTime accept.
_W3C_FORM = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2}))?"
)
W3C = re.compile(_W3C_FORM + r"\Z")
#: Newline-joined lastmods that are all W3C.
_W3C_LINES = re.compile(rf"(?:{_W3C_FORM}\n)*{_W3C_FORM}")
#: A W3C value that is also a real instant ``datetime.fromisoformat`` reads exactly: years
#: 1000-8999 (no overflow when offsets are applied), real months, days (never 29 February), hours,
#: minutes, seconds and offsets, at most 6 fraction digits (it truncates the rest).
_EXACT = re.compile(
    r"[1-8][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    r"(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]))?\Z"
)

URL, LASTMOD = itemgetter(0), itemgetter(1)
#: Characters a plain-looking URL may hold that only ``rules.urls.url_problem`` can judge
#: (``%zz``, a second ``#``): rows holding them take the per-row path.
_NEEDS_RULE, _FRAGMENT = "%", "#"
#: ``"</loc><lastmod>".join((url, lastmod))``: the middle of one entry.
_MIDDLE = "</loc><lastmod>".join
#: The ASCII characters :func:`not_uri` accepts, as bytes (derived from it, so the two cannot differ).
_URI_BYTES = bytes(c for c in range(128) if not_uri(chr(c)) is None)
#: Every digit to "0" and "+" to "-": the layout of a lastmod ("0000-00-00T00:00:00-00:00").
_LAYOUT = bytes.maketrans(b"0123456789+", b"0000000000-")
#: A digit to its value (0-9), so that a column of digits can be read as the bytes of one big integer.
_VALUE = bytes.maketrans(b"0123456789", bytes(range(10)))
_MONTHS = bytes(range(1, 13))
_HOURS = bytes(range(24))
_SIXTY = bytes(range(60))
#: Day 1-28 -> 0, 29-30 -> 1, 31 -> 2, anything else -> 9; month: February -> 0, 30 days -> 1, 31 days -> 2.
_DAY_CLASS = bytes(0 if 1 <= d <= 28 else 1 if d in (29, 30) else 2 if d == 31 else 9 for d in range(256))
_MONTH_CLASS = bytes(0 if m == 2 else 1 if m in (4, 6, 9, 11) else 2 for m in range(256))
#: day class * 3 + month class for the real dates (29 February is left to the exact path).
_REAL_DAYS = bytes((0, 1, 2, 4, 5, 8))

#: What :func:`lastmod_facts` says about a batch's lastmods, besides "all W3C".
ANY = 0  # W3C, nothing more proven: the shard's newest is folded row by row
_ONE_ZONE = 1  # real instants, one layout, one offset: string order is time order
_ZONES = 2  # real instants, one layout, several offsets, none negative
_ZONES_WEST = 3  # the same with a negative offset among them


def _instant(w3c: str) -> datetime:
    dt = datetime.fromisoformat(w3c)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _later(a: str, b: str) -> bool:
    """Whether W3C time *a* is after *b* (different offsets or layouts: compare instants)."""
    try:
        return _instant(a) > _instant(b)
    except ValueError:  # shaped like a date but not one (month 13): keep the current value
        return False


def fold(newest: str | None, lastmods: Iterable[str]) -> str | None:
    """The shard's newest lastmod after *lastmods*, one at a time: the reference rule."""
    for lastmod in lastmods:
        if newest is None:
            newest = lastmod
        elif len(lastmod) == len(newest) and lastmod[-6:] == newest[-6:]:
            if lastmod > newest:  # same layout and offset: string order is time order
                newest = lastmod
        elif _later(lastmod, newest):
            newest = lastmod
    return newest


def batch_newest(newest: str | None, lastmods: Sequence[str], facts: int) -> str | None:
    """:func:`fold` over a batch, computed in bulk when *facts* allows it (same result).

    Needs the current *newest* to be None or a real instant (``_EXACT``), else it folds.
    ``_ONE_ZONE``: the fold compares the batch's values with one another as strings only, and
    string order is their time order; so it ends on ``fold(newest, [max string])``.
    ``_ZONES``: every value is a real instant with at most 6 fraction digits, so each of the
    fold's comparisons (strings for the same layout and offset, else instants) agrees with
    comparing exact instants, and the fold ends on the first value with the latest instant.
    That one is found without a ``datetime`` per row: only values whose local time is within
    the offsets' spread of the string-largest one can be as late as it.
    """
    if not lastmods:
        return newest
    if facts == ANY or not (newest is None or _EXACT.match(newest)):
        return fold(newest, lastmods)
    top = max(lastmods)  # the latest local time
    if facts != _ONE_ZONE:
        # Only a value whose local time is at least the top's instant plus the smallest offset can
        # be as late as the top: pick those by string, then compare their instants.
        dt = datetime.fromisoformat(top)
        off = dt.utcoffset() or timedelta(0)  # never None: these facts need an offset on every value
        floor = dt.replace(tzinfo=None) - off - (timedelta(hours=24) if facts == _ZONES_WEST else timedelta(0))
        at_least = floor.isoformat(timespec="seconds").__le__
        candidates = list(filter(at_least, lastmods))
        instants = list(map(datetime.fromisoformat, candidates))
        top = candidates[instants.index(max(instants))]
    return fold(newest, (top,))


def _column(data: bytes, at: int, step: int) -> int:
    """Digits at *at* of every row, each as one byte of a big integer."""
    return int.from_bytes(data[at::step].translate(_VALUE), "big")


def _two_digits(data: bytes, at: int, step: int, n: int) -> bytes:
    """The two-digit numbers at *at* of every row, one byte each (lanes never carry: 9*10+9 < 256)."""
    return (_column(data, at, step) * 10 + _column(data, at + 1, step)).to_bytes(n, "big")


def lastmod_facts(lastmods: list[str]) -> int | None:
    """None unless every lastmod is W3C; else one of ``ANY``, ``_ONE_ZONE``, ``_ZONES``, ``_ZONES_WEST``.

    The common case, every value of one length, is proven with bytes operations over the whole
    batch: one layout for all rows, then its numbers column by column.
    """
    n = len(lastmods)
    joined = "\n".join(lastmods)
    size = len(lastmods[0])
    step = size + 1
    if size >= 10 and len(joined) == n * step - 1 and joined.isascii():
        data = joined.encode("ascii")
        layouts = data.translate(_LAYOUT)
        layout = layouts[:size]
        dashes = b"-" * n
        if (
            layouts == (layout + b"\n") * (n - 1) + layout
            and W3C.match(layout.decode("ascii"))
            and data[4::step] == dashes  # "-" there in the layout may have been a "+"
            and data[7::step] == dashes
        ):
            return _zones(data, layout, n, size, step)
    if joined.count("\n") == n - 1 and _W3C_LINES.fullmatch(joined):
        return ANY
    return None


def _dates_real(data: bytes, n: int, step: int) -> bool:
    """Whether every row's date part is a real date in years 1000-8999 (29 February left to the exact path)."""
    if data[0::step].translate(None, b"12345678"):
        return False
    month = _two_digits(data, 5, step, n)
    if month.translate(None, _MONTHS):
        return False
    day = _two_digits(data, 8, step, n)
    combined = int.from_bytes(day.translate(_DAY_CLASS), "big") * 3 + int.from_bytes(month.translate(_MONTH_CLASS), "big")
    return not combined.to_bytes(n, "big").translate(None, _REAL_DAYS)


def _times_real(data: bytes, n: int, size: int, step: int, utc: bool) -> bool:
    """Whether every row's hours, minutes, seconds and (unless *utc*) offset are in range."""
    ranges = [(11, _HOURS), (14, _SIXTY), (17, _SIXTY)]
    if not utc:
        ranges += [(size - 5, _HOURS), (size - 2, _SIXTY)]
    return not any(_two_digits(data, at, step, n).translate(None, allowed) for at, allowed in ranges)


def _zones(data: bytes, layout: bytes, n: int, size: int, step: int) -> int:
    """For rows of one W3C layout: ``ANY`` unless every value is a real instant (see ``_EXACT``)."""
    if not _dates_real(data, n, step):
        return ANY
    if size == 10:  # dates: midnight UTC
        return _ONE_ZONE
    utc = layout.endswith(b"Z")
    if not _times_real(data, n, size, step, utc):
        return ANY
    if utc:
        return _ONE_ZONE
    zone = [data[at::step] for at in range(size - 6, size)]
    if all(c.count(c[0]) == n for c in zone):
        return _ONE_ZONE
    if size > 32:  # more than 6 fraction digits: instants would be truncated, unlike strings
        return ANY
    return _ZONES_WEST if b"-" in zone[0] else _ZONES


def is_plain(url: str, prefix: str) -> bool:
    """The per-row fast path's test: only characters a URI may hold literally, on *prefix*,
    ``MIN_LOC`` to ``MAX_LOC`` long, and no ``%`` or ``#`` (only ``rules.urls`` can judge those)."""
    return (
        not_uri(url) is None and url.startswith(prefix) and MIN_LOC <= len(url) <= MAX_LOC
        and _NEEDS_RULE not in url and _FRAGMENT not in url
    )


def _rows_where(urls: list[str], test: Callable[[str], bool]) -> set[int]:
    return {i for i, url in enumerate(urls) if test(url)}


def _non_ascii(urls: list[str]) -> tuple[set[int], list[str]]:
    """The rows holding non-ASCII (e.g. a path to percent-encode), and the other URLs."""
    flags = bytes(map(str.isascii, urls))
    odd = set()
    at = flags.find(0)
    while at != -1:
        odd.add(at)
        at = flags.find(0, at + 1)
    return odd, list(compress(urls, flags))


def _unusual(urls: list[str], plain: list[str], joined: str, prefix: str) -> set[int]:
    """Rows of a batch made of URI characters only that are off *prefix*, of an odd length, or hold % or #."""
    if not plain:
        return set()
    odd: set[int] = set()
    if not (joined.startswith(prefix) and joined.count("\n" + prefix) == len(plain) - 1):
        odd |= _rows_where(urls, lambda url: not url.startswith(prefix))
    if max(map(len, plain)) > MAX_LOC or (len(prefix) < MIN_LOC and min(map(len, plain)) < MIN_LOC):
        odd |= _rows_where(urls, lambda url: not MIN_LOC <= len(url) <= MAX_LOC)
    if _NEEDS_RULE in joined or _FRAGMENT in joined:
        odd |= _rows_where(urls, lambda url: _NEEDS_RULE in url or _FRAGMENT in url)
    return odd


def odd_urls(urls: list[str], prefix: str) -> tuple[set[int], bool]:
    """Rows whose URL the per-row path must see, and whether any URL holds ``&`` or ``'``.

    Every other URL passes :func:`is_plain`, here proven for the whole batch with a few passes
    over the joined text.
    """
    joined = "\n".join(urls)
    odd: set[int] = set()
    plain = urls
    if not joined.isascii():
        odd, plain = _non_ascii(urls)
        joined = "\n".join(plain)
    # What is left after deleting every URI character is the separators alone: no other
    # character, and no newline inside a URL (so the counts in _unusual are counts of rows).
    if "\n" in prefix or joined.encode("ascii").translate(None, _URI_BYTES) != b"\n" * (len(plain) - 1):
        return _rows_where(urls, lambda url: not is_plain(url, prefix)), True
    return odd | _unusual(urls, plain, joined, prefix), "&" in joined or "'" in joined


def entries(urls: Sequence[str], lastmods: Sequence[str], amp: bool) -> str:
    """``<url>`` entries for plain URLs with W3C lastmods (the same text the per-row path writes)."""
    text = "<url><loc>" + "</lastmod></url>\n<url><loc>".join(map(_MIDDLE, zip(urls, lastmods, strict=True))) + "</lastmod></url>\n"
    if amp:  # the only markup characters a plain URI can hold; lastmods and tags hold neither
        text = text.replace("&", "&amp;").replace("'", "&apos;")
    return text
