"""RSS items and Atom entries made once by feedgen and reused by every feed that shows them (issue 15).

The same article sits in ``all``, its section, each of its tags and each author feed, and a
daemon rebuilds the same newest articles every cycle.  feedgen makes each item/entry once
(``FeedEntry.rss_entry()`` / ``atom_entry()`` with feedhub's entry extension on it); the lxml
element is kept here, keyed by everything its bytes depend on, together with the
``rules.items`` verdict.  A document is still feedgen's: :class:`AppendEntries`, registered
last on a FeedGenerator that holds no feedgen entries, appends a deep copy of each kept
element where feedgen appends its own (feedgen 1.0.0 runs feed extensions, in registration
order, right before it appends entries), and lxml reconciles namespace prefixes on append
exactly as it does for a fresh entry.  docs/feedgen.md, "Entries made once".
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator

from ..document import LeftOut
from ..model import Article
from ..rules.items import ItemProblem, feed_item_problem
from ._text import writable

#: Items plus entries kept by this process (and as many item-check verdicts).  Measured on the
#: bench corpus (~5 KB of HTML an article): ~11.6 KB of process memory an entry, key included,
#: so the bound is about 4,096 × 11.6 KB ≈ 48 MB: both formats of the newest ~2,000 articles.
ENTRY_CACHE_SIZE = 4096
#: The name :class:`AppendEntries` is registered under; feedgen sets it as an attribute.
APPEND = "entries"


@dataclass(frozen=True, slots=True)
class Made:
    """One article in one format: the ``rules.items`` verdict, and the element when it is writable."""

    problem: ItemProblem | None
    element: Any = None  # lxml ships no types for _Element here; mypy sees Any either way


class _Key:
    """A cache key hashed once: an Article's hash walks every field, and an LRU hit looks the key up twice."""

    __slots__ = ("hash", "parts")

    def __init__(self, parts: Hashable) -> None:
        self.parts = parts
        self.hash = hash(parts)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self.hash == other.hash and self.parts == other.parts


class _Lru:
    """A bounded map that forgets the least recently used key first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[_Key, Made] = OrderedDict()

    def get(self, key: _Key) -> Made | None:
        # pop and put back (not get and move_to_end): a hit compares keys once, not twice; the
        # keys hold Articles, and a build's are new objects, compared field by field.
        found = self._items.pop(key, None)
        if found is not None:
            self._items[key] = found
        return found

    def put(self, key: _Key, made: Made) -> None:
        self._items[key] = made
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class EntryCache:
    """Items/entries by everything their bytes depend on, and ``rules.items`` verdicts by article.

    The verdict depends on the article only, so RSS and Atom share it: one check per article.
    """

    def __init__(self, size: int) -> None:
        self._made = _Lru(size)
        self._checked = _Lru(size)
        # The daemon may render groups from more than one thread; the LRU's reordering is not atomic.
        self._lock = threading.Lock()
        #: feedgen entries created by this process: what the cache saves, counted where it is spent.
        self.created = 0

    def get(self, parts: Hashable, article: Article, make: Callable[[Article], Any]) -> Made:
        key = _Key(parts)
        with self._lock:
            found = self._made.get(key)
        if found is not None:
            return found
        problem = self._problem(article)
        made = Made(problem) if problem is not None else Made(None, make(article))
        with self._lock:
            self.created += made.element is not None
            self._made.put(key, made)
        return made

    def _problem(self, article: Article) -> ItemProblem | None:
        key = _Key(article)
        with self._lock:
            found = self._checked.get(key)
        if found is None:
            found = Made(feed_item_problem(article))
            with self._lock:
                self._checked.put(key, found)
        return found.problem

    def clear(self) -> None:
        with self._lock:
            self._made.clear()
            self._checked.clear()

    def __len__(self) -> int:
        return len(self._made)


ENTRIES = EntryCache(ENTRY_CACHE_SIZE)


def writable_made(articles: Sequence[Article], made: Sequence[Made]) -> tuple[list[Article], list[LeftOut], list[Any]]:
    """The kept articles, the left-out ones (as ``writable`` reports them) and the kept elements, order kept."""
    verdicts = {id(a): m for a, m in zip(articles, made, strict=True)}
    kept, left_out = writable(articles, lambda a: verdicts[id(a)].problem)
    return kept, left_out, [verdicts[id(a)].element for a in kept]


class AppendEntries(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    """Feed extension, registered last: appends copies of the cached elements where feedgen appends entries."""

    def __init__(self) -> None:
        self.elements: list[Any] = []

    def extend_rss(self, rss: Any) -> Any:
        channel = rss.find("channel")
        for el in self.elements:
            # A copy: the cached element stays a tree of its own, never moved into a document.
            # lxml's __copy__ is its deepcopy (element, descendants, tail) without copy.deepcopy's memo.
            channel.append(el.__copy__())
        return rss

    def extend_atom(self, feed: Any) -> Any:
        for el in self.elements:
            feed.append(el.__copy__())
        return feed


def append_entries(fg: FeedGenerator, elements: list[Any]) -> None:
    """Register :class:`AppendEntries` on *fg* (after every other extension) with *elements*."""
    fg.register_extension(APPEND, AppendEntries, atom=True, rss=True)
    fg.entries.elements = elements
