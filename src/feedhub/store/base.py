"""The store interface every backend implements, and how a URL picks the backend.

Lifecycle: ``with open_store(url) as store:`` opens (and, with ``create=True``,
creates or migrates) the store and closes it on the way out; ``close()`` may be
called more than once.  One store object belongs to one thread at a time.

Datetimes: every datetime given to or returned by a store is timezone-aware;
instants are compared in UTC, and an article comes back with the offsets it was
ingested with.

Errors: a backend never lets its driver's exceptions out.  Whatever the
database says (missing file, wrong schema, server down, lock timeout) becomes
:class:`~feedhub.errors.StoreError`, a one-line message naming the store, with
the driver's exception as ``__cause__``.  Every method below may raise it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import NamedTuple, Protocol, Self
from urllib.parse import urlsplit, urlunsplit

from ..errors import StoreError
from ..model import Article, Facets, FeedFilter, SitemapRow
from .records import ArticleRecord


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


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What ``feedhub store info`` shows."""

    #: ``sqlite`` or ``postgresql``.
    backend: str
    #: The store's URL without any password.
    url: str
    #: Schema version the store is at (see :mod:`feedhub.store.migrations`).
    schema_version: int
    #: Articles in any status, tombstones included.
    articles: int
    #: Articles a build can publish.
    published: int
    #: The current :meth:`Store.change_token`.
    change_token: int


class Store(Protocol):
    """Where articles live between ingest and build.  Each method says who calls it."""

    def __enter__(self) -> Store: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None: ...

    def close(self) -> None:
        """Release the connection (and with it any group lock); idempotent."""

    def upsert(self, articles: Sequence[Article | ArticleRecord]) -> UpsertResult:
        """Insert or replace by id in one transaction (ingest); unchanged articles are not touched.

        Ingest passes :class:`ArticleRecord` rows built by :func:`~feedhub.store.records.to_record`
        in its workers.  Of an id given twice, the last version wins."""

    def mark_deleted(self, ids: Sequence[str]) -> list[str]:
        """Make the known *ids* tombstones (``status = "deleted"``, a fresh change token) in one
        transaction (ingest); returns the ids the store does not hold, in the order given."""

    def get(self, article_id: str) -> Article | None:
        """One article in any status, or None (ingest round-trip, tests)."""

    def newest(self, flt: FeedFilter, limit: int, until: datetime | None = None) -> list[Article]:
        """The newest *limit* published articles matching *flt* and published by *until*,
        newest first, ties by id (feeds)."""

    def facet_counts(self, by: str, until: datetime) -> list[tuple[str, int]]:
        """Each distinct ``section``, ``tag``, ``author`` (name) or ``language`` (lower-cased tag)
        among articles published by *until*, with how many carry it, in code point order of the
        value (feed families).  ValueError for another *by*."""

    def published_between(self, start: datetime, end: datetime) -> list[Article]:
        """Published articles with ``start < published <= end``, newest first, ties by id (news sitemap)."""

    def iter_sitemap_rows(self, until: datetime | None = None) -> Iterator[SitemapRow]:
        """URL and lastmod of every article published by *until*, ordered by id (code point order
        on every backend), streamed in flat memory (archive sitemaps).  Close an abandoned pass."""

    def iter_records(self) -> Iterator[ArticleRecord]:
        """Every article in any status as stored, ordered by id, streamed (``feedhub store copy``)."""

    def next_published_after(self, moment: datetime) -> datetime | None:
        """When the next future-dated published article comes due (the daemon rebuilds then)."""

    def changes_since(self, token: int) -> list[Facets] | None:
        """The facets of every article version written after change token *token* and of every
        version those writes replaced, in no order (incremental builds); None when the store
        cannot tell (its log does not reach back that far, or *token* is from another store)."""

    def change_token(self) -> int:
        """A number that grows with every change to any article; one indexed query (idle ticks)."""

    def count(self, status: str | None = "published") -> int:
        """How many articles (in *status*, or all)."""

    def info(self) -> StoreInfo:
        """Version, counts and change token (``feedhub store info``)."""

    def try_lock_group(self, name: str) -> bool:
        """Take the lock on output group *name* for this connection without waiting; False when
        another holds it.  PostgreSQL: a session advisory lock, freed by :meth:`release_group` or
        when the connection ends (a killed daemon frees its groups).  SQLite: always True, since
        one host's output lock already makes the daemon the only builder."""

    def release_group(self, name: str) -> None:
        """Give up the lock :meth:`try_lock_group` took; a no-op when not held."""


class StoreLifecycle:
    """``with`` support for backends: the block closes the store however it ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class UpsertPlan(NamedTuple):
    """What one upsert batch must write, decided the same way on every backend."""

    result: UpsertResult
    #: (record, its change counter value), the last version of each changed id only.
    writes: list[tuple[ArticleRecord, int]]
    #: Ids whose old tag (and author) rows must go before the new ones are written.
    retag: list[str]


def plan_upsert(rows: Sequence[ArticleRecord], existing: Mapping[str, bytes], seq: int) -> UpsertPlan:
    """Classify *rows* against the digests the store holds; *seq* is the current change counter.

    A repeated id compares against its earlier version in the batch, so ``[v1, v2]`` of a new id
    counts one new and one updated, as two separate upserts would."""
    known = dict(existing)
    new = updated = unchanged = 0
    writes: dict[str, tuple[ArticleRecord, int]] = {}
    retag: set[str] = set()
    for r in rows:
        old = known.get(r.id)
        if old == r.digest:
            unchanged += 1
            continue
        if old is None:
            new += 1
        else:
            updated += 1
            if r.id in existing:
                retag.add(r.id)
        known[r.id] = r.digest
        seq += 1
        writes.pop(r.id, None)  # keeps dict order = order of the last write, so seq stays increasing
        writes[r.id] = (r, seq)
    return UpsertPlan(UpsertResult(new, updated, unchanged), list(writes.values()), sorted(retag))


#: Scheme → "module:function" of the opener, imported only when a URL asks for it, so the
#: package never imports a backend (or its driver) it does not use.
_BACKENDS: dict[str, str] = {
    "sqlite": "feedhub.store.sqlite:open_url",
    "postgresql": "feedhub.store.postgres:open_url",
    "postgres": "feedhub.store.postgres:open_url",
}

Opener = Callable[[str, bool], Store]


def register_backend(scheme: str, opener: str) -> None:
    """Make ``scheme://…`` URLs open with *opener* (``"package.module:function"``)."""
    _BACKENDS[scheme] = opener


def open_store(url: str, *, create: bool = False) -> Store:
    """The backend for *url*: ``sqlite:////abs/path`` (or a bare path), ``postgresql://user@host:5432/db``.

    *create* makes a missing SQLite file and applies pending migrations to an empty database;
    without it an empty or foreign database is refused rather than published from."""
    scheme = url.split(":", 1)[0].lower() if "://" in url or url.startswith("sqlite:") else "sqlite"
    target = _BACKENDS.get(scheme)
    if target is None:
        raise StoreError(f"store url {redact(url)!r}: unsupported scheme {scheme!r} (supported: {', '.join(sorted(_BACKENDS))})")
    module, _, function = target.partition(":")
    try:
        opener: Opener = getattr(importlib.import_module(module), function)
    except ModuleNotFoundError as e:  # the driver is an optional extra
        raise StoreError(f"store url {redact(url)!r}: the {scheme} backend needs the Python package {e.name!r} (pip install 'feedhub[postgres]')") from e
    return opener(url, create)


def redact(url: str) -> str:
    """*url* without its password, for messages and ``store info``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def first_line(error: BaseException) -> str:
    """A driver message as one line (server errors come with DETAIL and HINT lines)."""
    text = str(error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__
