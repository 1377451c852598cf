"""Plain reads of a feedhub SQLite store for the contenders that are not feedhub.

The same SQL the store runs (so every contender gets the same items in the same
order), but returning the stored contract JSON as plain dicts: no Article objects, no
date parsing.  Read-only; opened with ``mode=ro`` so a benchmark can never change a store.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def newest(db: sqlite3.Connection, key: str | None, value: str | None, limit: int) -> list[dict]:
    """``Store.newest`` for one filter (``section``, ``tag`` or ``language``) as dicts."""
    table, where, params = "articles a", ["a.status = 'published'"], []
    if key == "tag":
        table = "article_tags t JOIN articles a ON a.id = t.article_id"
        where.append("t.tag = ?")
        params.append(value)
    elif key == "section":
        where.append("a.section = ?")
        params.append(value)
    elif key == "language":
        where.append("(a.lang_key = ? OR a.lang_key LIKE ? ESCAPE '\\')")
        params += [value.lower(), value.lower() + "-%"]
    sql = f"SELECT a.doc FROM {table} WHERE {' AND '.join(where)} ORDER BY a.published_us DESC, a.id LIMIT ?"
    loads = json.loads
    return [loads(d) for (d,) in db.execute(sql, (*params, limit))]


def _micros(dt: datetime) -> int:
    d = dt - _EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def published_between(db: sqlite3.Connection, start: datetime, end: datetime) -> list[dict]:
    """``Store.published_between`` as dicts, newest first."""
    sql = (
        "SELECT doc FROM articles WHERE status = 'published' AND published_us > ? AND published_us <= ? "
        "ORDER BY published_us DESC, id"
    )
    loads = json.loads
    return [loads(d) for (d,) in db.execute(sql, (_micros(start), _micros(end)))]


#: The archive rows in id order.  The unary ``+`` keeps SQLite off ``articles_by_time``: without it
#: the planner (no ANALYZE statistics) walks that index and sorts every row in a temp b-tree.
SITEMAP_SQL = "SELECT url, lastmod FROM articles WHERE +status = 'published' ORDER BY id"
