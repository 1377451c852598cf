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
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator

from ..document import LeftOut
from ..model import Article
from ..rules.items import ItemProblem, feed_item_problem
from ._text import writable

#: Items plus entries kept by this process.  An entry element is about its content's size plus
#: ~2 KB of tree (bench corpus: ~6 KB for an RSS item, ~7 KB for an Atom entry), so the bound is
#: some 8,192 × 7 KB ≈ 60 MB: the newest articles of a few thousand feeds in both formats.
ENTRY_CACHE_SIZE = 8192
#: The name :class:`AppendEntries` is registered under; feedgen sets it as an attribute.
APPEND = "entries"


@dataclass(frozen=True, slots=True)
class Made:
    """One article in one format: the ``rules.items`` verdict, and the element when it is writable."""

    problem: ItemProblem | None
    element: Any = None  # lxml ships no types for _Element here; mypy sees Any either way


class EntryCache:
    """A bounded LRU of :class:`Made`, shared by every build of the process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._made: OrderedDict[Hashable, Made] = OrderedDict()
        # The daemon may render groups from more than one thread; the LRU's reordering is not atomic.
        self._lock = threading.Lock()
        #: feedgen entries created by this process: what the cache saves, counted where it is spent.
        self.created = 0

    def get(self, key: Hashable, article: Article, make: Callable[[Article], Any]) -> Made:
        with self._lock:
            found = self._made.get(key)
            if found is not None:
                self._made.move_to_end(key)
                return found
        problem = feed_item_problem(article)
        made = Made(problem) if problem is not None else Made(None, make(article))
        with self._lock:
            if made.element is not None:
                self.created += 1
            self._made[key] = made
            if len(self._made) > self.size:
                self._made.popitem(last=False)
        return made

    def clear(self) -> None:
        with self._lock:
            self._made.clear()

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
            channel.append(deepcopy(el))
        return rss

    def extend_atom(self, feed: Any) -> Any:
        for el in self.elements:
            feed.append(deepcopy(el))
        return feed


def append_entries(fg: FeedGenerator, elements: list[Any]) -> None:
    """Register :class:`AppendEntries` on *fg* (after every other extension) with *elements*."""
    fg.register_extension(APPEND, AppendEntries, atom=True, rss=True)
    fg.entries.elements = elements
