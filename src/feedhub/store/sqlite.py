"""The embedded SQLite store.

One row per article: the article's contract JSON in ``doc`` (so it comes back
exactly as ingested) plus the columns the queries filter and sort on.  Nothing
is ever hard-deleted: ``status = "deleted"`` is a tombstone with a fresh
``seq``, so the change counter notices it and re-ingest stays idempotent.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Iterator, Sequence

from ..errors import StoreError
from ..model import Article, FeedFilter, SitemapRow, article_from_dict
from . import UpsertResult
from .records import ArticleRecord, micros, to_record

SCHEMA_VERSION = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_STREAM_BATCH = 2000

_SCHEMA_V1 = """
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    section TEXT,
    lang_key TEXT NOT NULL,          -- lower-cased BCP 47 tag, for RFC 4647 basic filtering
    published_us INTEGER NOT NULL,   -- UTC microseconds since the epoch: exact ordering and windows
    url TEXT NOT NULL,
    lastmod TEXT NOT NULL,           -- W3C date-time of updated-else-published, ready for sitemaps
    digest BLOB NOT NULL,            -- hash of doc: unchanged re-ingest writes nothing
    seq INTEGER NOT NULL,            -- change counter value of the last write
    doc TEXT NOT NULL                -- the article as import-contract JSON
) WITHOUT ROWID;
CREATE INDEX articles_by_seq ON articles (seq);
CREATE INDEX articles_by_time ON articles (status, published_us DESC, id);
CREATE INDEX articles_by_section ON articles (section, status, published_us DESC, id);
CREATE INDEX articles_by_lang ON articles (lang_key, status, published_us DESC, id);
CREATE TABLE article_tags (
    tag TEXT NOT NULL,
    article_id TEXT NOT NULL,
    published_us INTEGER NOT NULL,
    PRIMARY KEY (tag, article_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_by_article ON article_tags (article_id);
CREATE INDEX article_tags_by_time ON article_tags (tag, published_us DESC, article_id);
"""

#: Migrations from version N-1 to N; a later release appends here.
_MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1}

_UPSERT = """
INSERT INTO articles (id, status, section, lang_key, published_us, url, lastmod, digest, seq, doc)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    status = excluded.status, section = excluded.section, lang_key = excluded.lang_key,
    published_us = excluded.published_us, url = excluded.url, lastmod = excluded.lastmod,
    digest = excluded.digest, seq = excluded.seq, doc = excluded.doc
"""




class SQLiteStore:
    def __init__(self, path: str, *, create: bool = False) -> None:
        self.path = path
        if path != ":memory:" and not os.path.exists(path) and not create:
            raise StoreError(f"store {path}: no such file (run `feedhub ingest` first)")
        self._db: sqlite3.Connection | None = None
        try:
            if create and path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            # isolation_level=None: we issue BEGIN ourselves so a batch is one transaction.
            self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            # Version first: a foreign or empty file must be refused before anything writes to it.
            self._migrate(create)
            self._db.execute("PRAGMA journal_mode=WAL")  # persistent; a no-op once set
            self._db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as e:
            self.close()
            raise StoreError(f"store {path}: {e}") from e
        except OSError as e:  # the parent directory cannot be made
            raise StoreError(f"store {path}: cannot create: {e.strerror}: {e.filename}") from e
        except BaseException:
            self.close()
            raise

    def _migrate(self, create: bool) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and not create:
            # An empty or foreign SQLite file would otherwise get a fresh schema and the
            # daemon would publish empty feeds over the good ones.
            raise StoreError(f"store {self.path}: not a feedhub store (run `feedhub ingest` to create one)")
        if version > SCHEMA_VERSION:
            raise StoreError(f"store {self.path}: schema version {version} is newer than this feedhub ({SCHEMA_VERSION}); upgrade feedhub")
        if version == SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in filter(str.strip, _MIGRATIONS[v].split(";")):
                    self._db.execute(stmt)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise StoreError(f"store {self.path}: {e}") from e

    # -- ingest ---------------------------------------------------------------

    def upsert(self, articles: Sequence[Article | ArticleRecord]) -> UpsertResult:
        rows = [a if isinstance(a, ArticleRecord) else to_record(a) for a in articles]
        new = updated = unchanged = 0
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                existing: dict[str, bytes] = {}
                ids = [r.id for r in rows]
                for i in range(0, len(ids), 500):
                    chunk = ids[i : i + 500]
                    q = f"SELECT id, digest FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
                    existing.update(db.execute(q, chunk).fetchall())
                seq = db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]
                writes, retag = [], []
                tags: dict[str, list[tuple[str, str, int]]] = {}  # id → tag rows of its last version
                for r in rows:
                    old = existing.get(r.id)
                    if old == r.digest:
                        unchanged += 1
                        continue
                    if old is None:
                        new += 1
                    else:
                        updated += 1
                        retag.append((r.id,))
                    existing[r.id] = r.digest  # a repeated id later in the batch compares against this version
                    seq += 1
                    writes.append((r.id, r.status, r.section, r.lang_key, r.published_us, r.url, r.lastmod, r.digest, seq, r.doc))
                    tags[r.id] = [(t, r.id, r.published_us) for t in r.tags]
                if retag:
                    db.executemany("DELETE FROM article_tags WHERE article_id = ?", retag)
                db.executemany(_UPSERT, writes)
                tag_rows = [row for per_article in tags.values() for row in per_article]
                db.executemany("INSERT OR REPLACE INTO article_tags (tag, article_id, published_us) VALUES (?, ?, ?)", tag_rows)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise StoreError(f"store {self.path}: {e}") from e
        return UpsertResult(new, updated, unchanged)

    def mark_deleted(self, ids: Sequence[str]) -> list[str]:
        docs: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            docs.update(self._query(f"SELECT id, doc FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        self.upsert([replace(article_from_dict(json.loads(doc)), status="deleted") for doc in docs.values()])
        return [i for i in ids if i not in docs]

    # -- reads ----------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        rows = self._query("SELECT doc FROM articles WHERE id = ?", (article_id,))
        return article_from_dict(json.loads(rows[0][0])) if rows else None

    def newest(self, flt: FeedFilter, limit: int, until: datetime | None = None) -> list[Article]:
        where, params = ["a.status = 'published'"], []
        if until is not None:
            where.append("a.published_us <= ?")
            params.append(micros(until))
        table = "articles a"
        if flt.tag is not None:
            table = "article_tags t JOIN articles a ON a.id = t.article_id"
            where.append("t.tag = ?")
            params.append(flt.tag)
        if flt.section is not None:
            where.append("a.section = ?")
            params.append(flt.section)
        if flt.language is not None:
            # RFC 4647 basic filtering: "zh" matches zh, zh-TW and zh-Hant-TW.
            where.append("(a.lang_key = ? OR a.lang_key LIKE ? ESCAPE '\\')")
            key = flt.language.lower()
            params += [key, key.replace("_", "\\_").replace("%", "\\%") + "-%"]
        sql = f"SELECT a.doc FROM {table} WHERE {' AND '.join(where)} ORDER BY a.published_us DESC, a.id LIMIT ?"
        return [article_from_dict(json.loads(d)) for (d,) in self._query(sql, (*params, limit))]

    def published_between(self, start: datetime, end: datetime) -> list[Article]:
        sql = (
            "SELECT doc FROM articles WHERE status = 'published' AND published_us > ? AND published_us <= ? "
            "ORDER BY published_us DESC, id"
        )
        return [article_from_dict(json.loads(d)) for (d,) in self._query(sql, (micros(start), micros(end)))]

    def iter_sitemap_rows(self, until: datetime | None = None) -> Iterator[SitemapRow]:
        # A dedicated cursor read in batches: memory stays flat however large the table.
        try:
            # "+status" keeps SQLite off the status index: walking the primary key streams rows
            # in id order, where the index would make it sort the whole table before row one.
            sql = "SELECT url, lastmod FROM articles WHERE +status = 'published'"
            params: tuple[int, ...] = ()
            if until is not None:
                sql, params = sql + " AND published_us <= ?", (micros(until),)
            cur = self._db.execute(sql + " ORDER BY id", params)
            while True:
                batch = cur.fetchmany(_STREAM_BATCH)
                if not batch:
                    return
                for url, lastmod in batch:
                    yield SitemapRow(url, lastmod)
        except sqlite3.Error as e:
            raise StoreError(f"store {self.path}: {e}") from e

    def next_published_after(self, moment: datetime) -> datetime | None:
        row = self._query("SELECT min(published_us) FROM articles WHERE status = 'published' AND published_us > ?", (micros(moment),))
        return None if row[0][0] is None else _EPOCH + timedelta(microseconds=row[0][0])

    def change_token(self) -> int:
        return self._query("SELECT coalesce(max(seq), 0) FROM articles")[0][0]

    def count(self, status: str | None = "published") -> int:
        if status is None:
            return self._query("SELECT count(*) FROM articles")[0][0]
        return self._query("SELECT count(*) FROM articles WHERE status = ?", (status,))[0][0]

    def close(self) -> None:
        try:
            if self._db is not None:
                self._db.close()
        except sqlite3.Error:
            pass
