"""The embedded SQLite store.

One row per article: the article's contract JSON in ``doc`` (so it comes back
exactly as ingested) plus the columns the queries filter and sort on.  Nothing
is ever hard-deleted: ``status = "deleted"`` is a tombstone with a fresh
``seq``, so the change counter notices it and re-ingest stays idempotent.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from ..errors import StoreError
from ..model import Article
from . import _sql
from ._reads import SqlReads
from .base import Store, StoreInfo, UpsertResult, first_line, plan_upsert
from .migrations import SCHEMA_VERSION, pending
from .records import ArticleRecord, to_record, tombstone

__all__ = ["SCHEMA_VERSION", "SQLiteStore", "open_url"]

_T = TypeVar("_T")
_STREAM_BATCH = 2000
#: SQLite's default limit on host parameters is 999 in old builds.
_IN_CHUNK = 500
#: Bytes per page of a store this module creates (measured with bench/bench_ingest_process.py).
_PAGE_SIZE = 16384
_INSERT = f"INSERT INTO articles ({_sql.UPSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPSERT = f"{_INSERT} ON CONFLICT (id) DO UPDATE SET {_sql.UPSERT_SET}"


def open_url(url: str, create: bool) -> Store:
    """``sqlite:////abs/path``, ``sqlite:///:memory:``, ``sqlite:path`` or a bare path."""
    # Typed as the protocol so mypy proves this backend implements all of it.
    if url.startswith("sqlite:///"):
        return SQLiteStore(url[len("sqlite:///"):], create=create)
    if url.startswith("sqlite:"):
        return SQLiteStore(url[len("sqlite:"):].removeprefix("//"), create=create)
    return SQLiteStore(url, create=create)


class SQLiteStore(SqlReads):
    # "+status" keeps SQLite off the status index: walking the primary key streams rows
    # in id order, where the index would make it sort the whole table before row one.
    published_filter = "+status = 'published'"
    backend = "sqlite"

    def __init__(self, path: str, *, create: bool = False) -> None:
        self.path = path
        #: Versions applied when this store was opened (``feedhub store migrate`` reports them).
        self.applied: list[int] = []
        if path != ":memory:" and not os.path.exists(path) and not create:
            raise StoreError(f"store {path}: no such file (run `feedhub ingest` first)")
        self._conn: sqlite3.Connection | None = None
        try:
            if create and path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            # isolation_level=None: we issue BEGIN ourselves so a batch is one transaction.
            self._conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            # A new file only (the size is fixed once a table exists): an article row (~2.5 KB of
            # doc) fits a 16 KiB page of the WITHOUT ROWID table, where 4 KiB pages spill every row
            # into overflow pages: ingest's SQL -30 % CPU, the file -28 %, reads cheaper too.
            self._conn.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
            # Version first: a foreign or empty file must be refused before anything writes to it.
            self._migrate(create)
            self._conn.execute("PRAGMA journal_mode=WAL")  # persistent; a no-op once set
            self._conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as e:
            self.close()
            raise StoreError(f"store {path}: {first_line(e)}") from e
        except OSError as e:  # the parent directory cannot be made
            raise StoreError(f"store {path}: cannot create: {e.strerror}: {e.filename}") from e
        except BaseException:
            self.close()
            raise

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"store {self.path}: used after close()")
        return self._conn

    def _migrate(self, create: bool) -> None:
        version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and not create:
            # An empty or foreign SQLite file would otherwise get a fresh schema and the
            # daemon would publish empty feeds over the good ones.
            raise StoreError(f"store {self.path}: not a feedhub store (run `feedhub ingest` to create one)")
        todo = pending(version, self.path)
        if not todo:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for m in todo:
                for stmt in m.sqlite:
                    self._db.execute(stmt)
            self._db.execute(f"PRAGMA user_version = {todo[-1].version}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self.applied = [m.version for m in todo]

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise StoreError(f"store {self.path}: {first_line(e)}") from e

    def _scalar(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self._query(sql, params)[0][0]

    # -- ingest ---------------------------------------------------------------

    def upsert(self, articles: Sequence[Article | ArticleRecord]) -> UpsertResult:
        rows = [a if isinstance(a, ArticleRecord) else to_record(a) for a in articles]
        return self._in_write_transaction(lambda db: self._write(db, rows))

    def mark_deleted(self, ids: Sequence[str]) -> list[str]:
        # Read and write in one transaction: a version ingested meanwhile is never overwritten
        # by a tombstone of the version before it.
        def delete(db: sqlite3.Connection) -> list[str]:
            docs: dict[str, str] = {}
            for i in range(0, len(ids), _IN_CHUNK):
                chunk = list(ids[i : i + _IN_CHUNK])
                docs.update(db.execute(f"SELECT id, doc FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk))
            self._write(db, [tombstone(doc) for doc in docs.values()])
            return [i for i in ids if i not in docs]

        return self._in_write_transaction(delete)

    def _in_write_transaction(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = work(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise StoreError(f"store {self.path}: {first_line(e)}") from e
        return result

    def _write(self, db: sqlite3.Connection, rows: list[ArticleRecord]) -> UpsertResult:
        existing = dict(self._digests(db, [r.id for r in rows]))
        seq = db.execute(_sql.CHANGE_TOKEN).fetchone()[0]
        plan = plan_upsert(rows, existing, seq)
        db.executemany("DELETE FROM article_tags WHERE article_id = ?", [(i,) for i in plan.retag])
        db.executemany("DELETE FROM article_authors WHERE article_id = ?", [(i,) for i in plan.retag])
        # Ids the store lacks (read in this same write transaction) are plain INSERTs: the upsert
        # form, which may fire the change-log trigger, makes SQLite keep a statement journal of
        # every page each row touches (16 KiB pages: spilled to a temp file, ~15 writes a row).
        db.executemany(_INSERT, [(*r[:8], s, r.doc) for r, s in plan.writes if r.id not in existing])
        db.executemany(_UPSERT, [(*r[:8], s, r.doc) for r, s in plan.writes if r.id in existing])
        tag_rows = [(t, r.id, r.published_us) for r, _ in plan.writes for t in r.tags]
        db.executemany("INSERT OR REPLACE INTO article_tags (tag, article_id, published_us) VALUES (?, ?, ?)", tag_rows)
        author_rows = [(n, r.id, r.published_us) for r, _ in plan.writes for n in r.authors]
        db.executemany("INSERT OR REPLACE INTO article_authors (author, article_id, published_us) VALUES (?, ?, ?)", author_rows)
        return plan.result

    @staticmethod
    def _digests(db: sqlite3.Connection, ids: list[str]) -> Iterator[tuple[str, bytes]]:
        for i in range(0, len(ids), _IN_CHUNK):
            chunk = ids[i : i + _IN_CHUNK]
            yield from db.execute(f"SELECT id, digest FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk)

    # -- reads ----------------------------------------------------------------

    def _stream(self, sql: str, params: Sequence[object]) -> Iterator[Any]:
        # A dedicated cursor read in batches: memory stays flat however large the table.
        try:
            cur = self._db.execute(sql, params)
            while batch := cur.fetchmany(_STREAM_BATCH):
                yield from batch
        except sqlite3.Error as e:
            raise StoreError(f"store {self.path}: {first_line(e)}") from e

    def info(self) -> StoreInfo:
        version = int(self._scalar("PRAGMA user_version"))
        return StoreInfo(self.backend, "sqlite:///" + self.path, version, self.count(None), self.count(), self.change_token())

    # -- groups: one host's OutputLock already makes this the only builder ------

    def try_lock_group(self, name: str) -> bool:
        return True

    def release_group(self, name: str) -> None:
        return None

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except sqlite3.Error:
                pass
