"""Which feeds a build renders: only those a change since the last build can reach (issue 15).

A feed's documents depend on its config, on the versions of the articles in its newest N (its
whole history when archived) and, only through a date after it, on the clock.  Each feeds build
leaves a *mark* per feed in ``<output dir>/.feedhub-plan.json``: a digest of the feed's config,
its *floor* (the oldest article of a full newest-N query) and whether a date was clamped to the
clock.  The next build asks the store for every article version written since the change token
it recorded, and every version those writes replaced (``Store.changes_since``), adds the articles
that came due since its clock, and renders a feed only when one of them passes the feed's filter
at or above its floor: the only way an article can enter, leave or change a newest N.

Anything the plan cannot vouch for means a render: no record, another feedhub version or store,
the clock going back, a change log that does not reach back, a file missing on disk.  A wrong skip
would leave a stale document; a wrong render costs only time, and the gate still writes nothing
when the bytes are the same.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import __version__
from .config import FeedConfig
from .formats import feed_paths
from .model import Article, Facets
from .publish import WriteError, atomic_write
from .status import read_record
from .store import Store
from .store.records import facets, from_micros, micros

STATE_NAME = ".feedhub-plan.json"
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class FeedMark:
    """What the last build rendered of one feed, as far as the next build's decision needs."""

    config: str
    #: ``(published_us, id)`` of the last article of a newest-N query that came back full; an
    #: article sorting after it cannot be in the feed.  None: any matching article can be.
    floor: tuple[int, str] | None
    #: Some date was written clamped to the build's clock, so the bytes move with the clock.
    clamped: bool


@functools.lru_cache(maxsize=1 << 16)
def config_digest(feed: FeedConfig) -> str:
    """Everything of the feed's config its bytes depend on, and the feedhub that wrote them."""
    return hashlib.blake2b(f"{__version__}\0{feed!r}".encode(), digest_size=12).hexdigest()


def mark(feed: FeedConfig, articles: Sequence[Article], now: datetime) -> FeedMark:
    """The mark of *feed* rendered from *articles* (its newest-N query, newest first) at *now*."""
    full = not feed.archive and len(articles) >= feed.limit
    floor = (micros(articles[-1].published), articles[-1].id) if full and articles else None
    return FeedMark(config_digest(feed), floor, any(a.modified > now for a in articles))


@dataclass(slots=True)
class Plan:
    """One feeds build's decision and the marks it leaves for the next one."""

    out: Path
    store_url: str
    now: datetime
    #: The files in the output dir when the build started (relative paths).
    files: set[str]
    #: Marks carried over from the last build; the build replaces those it renders.
    marks: dict[str, FeedMark] = field(default_factory=dict)
    #: :func:`feeds_key` of the feed list the published feed index lists, when it was published.
    index: str | None = None

    def todo(self, feeds: Sequence[FeedConfig], store: Store, full: bool) -> list[FeedConfig]:
        """The feeds to render, in config order: all of them on a full build or without a usable record."""
        state = None if full else _load(self.out, self.store_url)
        if state is None or micros(self.now) < state[1]:
            return list(feeds)
        token, last_now_us, self.marks, self.index = state
        changed = store.changes_since(token)
        if changed is None:
            self.marks = {}
            return list(feeds)
        released = [facets(a) for a in store.published_between(from_micros(last_now_us).astimezone(self.now.tzinfo), self.now)]
        reached = _reached(feeds, self.marks, [*changed, *released], micros(self.now))
        return [f for f in feeds if f.name in reached or self._unsure(f)]

    def _unsure(self, feed: FeedConfig) -> bool:
        m = self.marks.get(feed.name)
        if m is None or m.clamped or m.config != config_digest(feed):
            return True
        return not all(p in self.files for p in feed_paths(feed))

    def rendered(self, feed: FeedConfig, articles: Sequence[Article], published: bool) -> None:
        """Record the feed's new mark, or forget it when a document was not published (render it again)."""
        if published:
            self.marks[feed.name] = mark(feed, articles, self.now)
        else:
            self.marks.pop(feed.name, None)

    def save(self, token: int, feeds: Iterable[FeedConfig]) -> None:
        """Record the marks of *feeds* (feeds no longer configured are dropped) as of change *token*."""
        names = {f.name for f in feeds}
        record = {
            "format": _FORMAT,
            "feedhub": __version__,
            "store": self.store_url,
            "token": token,
            "now_us": micros(self.now),
            "feeds": {n: [m.config, list(m.floor) if m.floor else None, m.clamped] for n, m in self.marks.items() if n in names},
            "index": self.index,
        }
        try:
            atomic_write(self.out / STATE_NAME, json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
        except WriteError:
            (self.out / STATE_NAME).unlink(missing_ok=True)  # a stale record would skip feeds wrongly


def feeds_key(feeds: Sequence[FeedConfig], *context: object) -> str:
    """One digest of the feed list, in order, and *context* (the rest of the config the feed
    index reads): everything ``index.json`` and the OPML are made of."""
    h = hashlib.blake2b(f"{__version__}\0{context!r}\n".encode(), digest_size=12)
    for f in feeds:
        h.update(f"{f.name}\0{config_digest(f)}\n".encode())
    return h.hexdigest()


def _load(out: Path, store_url: str) -> tuple[int, int, dict[str, FeedMark], str | None] | None:
    try:
        record = read_record(out / STATE_NAME)
        if record["format"] != _FORMAT or record["feedhub"] != __version__ or record["store"] != store_url:
            return None
        marks = {n: FeedMark(c, (int(f[0]), str(f[1])) if f else None, bool(k)) for n, (c, f, k) in record["feeds"].items()}
        index = record.get("index")
        return int(record["token"]), int(record["now_us"]), marks, index if isinstance(index, str) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _reached(feeds: Sequence[FeedConfig], marks: dict[str, FeedMark], versions: list[Facets], now_us: int) -> set[str]:
    """Names of the feeds one of *versions* can enter, leave or change."""
    index = _FeedIndex(feeds)
    reached: set[str] = set()
    for v in versions:
        if v.status != "published" or v.published_us > now_us:
            continue  # in no feed, before or after
        for feed in index.candidates(v):
            m = marks.get(feed.name)
            if feed.name not in reached and feed.filter.matches(v) and (m is None or _at_or_above(v, m.floor)):
                reached.add(feed.name)
    return reached


def _at_or_above(v: Facets, floor: tuple[int, str] | None) -> bool:
    # Feeds order newest first, ties by id: (published desc, id asc).
    return floor is None or v.published_us > floor[0] or (v.published_us == floor[0] and v.id <= floor[1])


class _FeedIndex:
    """Feeds by their most selective filter field, so a change looks at the feeds it can match,
    not at all 5,000 of a tag family."""

    def __init__(self, feeds: Sequence[FeedConfig]) -> None:
        self.by: dict[tuple[str, str], list[FeedConfig]] = defaultdict(list)
        for f in feeds:
            flt = f.filter
            key = next(((k, v) for k, v in (("tag", flt.tag), ("author", flt.author), ("section", flt.section)) if v is not None), None)
            if key is None and flt.language is not None:
                key = ("lang", flt.language.lower())
            self.by[key or ("all", "")].append(f)

    def candidates(self, v: Facets) -> Iterable[FeedConfig]:
        keys = [("all", ""), ("section", v.section or "")]
        keys += [("tag", t) for t in v.tags] + [("author", a) for a in v.authors]
        parts = v.lang_key.split("-")
        keys += [("lang", "-".join(parts[:i])) for i in range(1, len(parts) + 1)]
        for k in keys:
            yield from self.by.get(k, ())
