"""Where articles live between ingest and build.

:class:`Store` is the small interface every backend implements; the SQLite
file is the embedded default and a server backend (PostgreSQL) must pass the
same tests (``tests/test_store.py`` is written against the protocol).
Driver errors never leave a backend raw: they become :class:`StoreError`
with the original as ``__cause__``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator, Protocol, Sequence

from ..errors import StoreError
from ..model import Article, FeedFilter, SitemapRow
from .records import ArticleRecord, to_record


@dataclass(frozen=True, slots=True)
class UpsertResult:
    #: Articles the store did not have before.
    new: int = 0
    #: Articles whose content changed (including a status change to deleted).
    updated: int = 0
    #: Articles identical to what the store held: nothing was written for them.
    unchanged: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(self.new + other.new, self.updated + other.updated, self.unchanged + other.unchanged)


class Store(Protocol):
    def upsert(self, articles: Sequence[Article | ArticleRecord]) -> UpsertResult:
        """Insert or replace by id in one transaction (ingest); unchanged articles are not touched.

        Ingest passes :class:`ArticleRecord` rows built by :func:`to_record` in its workers."""

    def mark_deleted(self, ids: Sequence[str]) -> list[str]:
        """Mark each known id deleted, a tombstone exactly as an upsert with status=deleted would
        (so the change token moves); returns the ids the store did not know (ingest's delete by id)."""

    def get(self, article_id: str) -> Article | None:
        """One article in any status, or None (ingest round-trip, tests)."""

    def newest(self, flt: FeedFilter, limit: int, until: datetime | None = None) -> list[Article]:
        """The newest *limit* published articles matching *flt* and published by *until*,
        newest first, ties by id (feeds)."""

    def published_between(self, start: datetime, end: datetime) -> list[Article]:
        """Published articles with ``start < published <= end``, newest first, ties by id (news sitemap)."""

    def iter_sitemap_rows(self, until: datetime | None = None) -> Iterator[SitemapRow]:
        """URL and lastmod of every article published by *until*, ordered by id, streamed (archive sitemaps)."""

    def next_published_after(self, moment: datetime) -> datetime | None:
        """When the next future-dated published article comes due (the daemon rebuilds then)."""

    def change_token(self) -> int:
        """A number that grows with every change to any article; one indexed query (idle ticks)."""

    def count(self, status: str | None = "published") -> int:
        """How many articles (in *status*, or all)."""

    def close(self) -> None: ...


def open_store(url: str, *, create: bool = False) -> Store:
    """The backend for *url* (``sqlite:////abs/path``); *create* makes a missing SQLite file."""
    if url.startswith("sqlite:///"):
        from .sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///"):], create=create)
    scheme = url.split("://", 1)[0]
    raise StoreError(f"store url {url!r}: unsupported scheme {scheme!r} (supported: sqlite)")


__all__ = ["ArticleRecord", "Store", "StoreError", "UpsertResult", "open_store", "to_record"]
