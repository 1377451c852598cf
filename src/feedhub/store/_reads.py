"""The reads both SQL backends answer with the same statements (``_sql``), written once.

A backend supplies how to run a statement (``_query``, ``_scalar``, ``_stream``) and the
filter that keeps its archive walk on the primary key; everything else here is shared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from ..model import Article, Facets, FeedFilter, SitemapRow, article_from_dict
from . import _sql
from .base import StoreLifecycle
from .migrations import CHANGE_LOG_SPAN
from .records import ArticleRecord, from_micros, micros


class SqlReads(StoreLifecycle):
    #: The ``WHERE`` term for published rows in the archive walk (it decides the plan).
    published_filter: str = _sql.PUBLISHED

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        raise NotImplementedError

    def _scalar(self, sql: str, params: Sequence[object] = ()) -> Any:
        raise NotImplementedError

    def _stream(self, sql: str, params: Sequence[object]) -> Iterator[Any]:
        raise NotImplementedError

    def get(self, article_id: str) -> Article | None:
        rows = self._query(_sql.GET, (article_id,))
        return article_from_dict(json.loads(rows[0][0])) if rows else None

    def newest(self, flt: FeedFilter, limit: int, until: datetime | None = None) -> list[Article]:
        sql, params = _sql.newest(flt, limit, until)
        return [article_from_dict(json.loads(d)) for (d,) in self._query(sql, params)]

    def facet_counts(self, by: str, until: datetime) -> list[tuple[str, int]]:
        if by not in _sql.FACETS:
            raise ValueError(f"cannot count articles by {by!r}; expected one of {', '.join(_sql.FACETS)}")
        every, unpublished = _sql.facets(by, self.published_filter)
        at = (micros(until),)
        counts = {value: int(n) for value, n in self._query(every, at)}
        for value, n in self._query(unpublished, at) if unpublished else ():
            counts[value] -= int(n)
        # Sorted here, not by the database: code point order whatever a backend's collation.
        return sorted((value, n) for value, n in counts.items() if n > 0)

    def published_between(self, start: datetime, end: datetime) -> list[Article]:
        return [article_from_dict(json.loads(d)) for (d,) in self._query(_sql.BETWEEN, (micros(start), micros(end)))]

    def iter_sitemap_rows(self, until: datetime | None = None) -> Iterator[SitemapRow]:
        sql, params = _sql.sitemap_rows(until, self.published_filter)
        for url, lastmod in self._stream(sql, params):
            yield SitemapRow(url, lastmod)

    def iter_records(self) -> Iterator[ArticleRecord]:
        for row in self._stream(_sql.RECORDS, ()):
            yield _sql.record(row)

    def next_published_after(self, moment: datetime) -> datetime | None:
        us = self._scalar(_sql.NEXT_RELEASE, (micros(moment),))
        return None if us is None else from_micros(us)

    def changes_since(self, token: int) -> list[Facets] | None:
        current = self.change_token()
        if not 0 <= current - token <= CHANGE_LOG_SPAN:
            return None  # another store, or older than the log reaches back
        changed = [_sql.changed_facets(row) for row in self._query(_sql.CHANGED, (token,))]
        return changed + [_sql.replaced_facets(row) for row in self._query(_sql.REPLACED, (token,))]

    def change_token(self) -> int:
        return int(self._scalar(_sql.CHANGE_TOKEN))

    def count(self, status: str | None = "published") -> int:
        if status is None:
            return int(self._scalar(_sql.COUNT_ALL))
        return int(self._scalar(_sql.COUNT_STATUS, (status,)))
