"""The read queries both backends run, written once with ``?`` placeholders.

PostgreSQL's driver wants ``%s``; :func:`pg` converts (no query here has a ``?``
or ``%`` of its own).
"""

from __future__ import annotations

import json
from datetime import datetime

from ..model import FeedFilter
from .records import ArticleRecord, micros

PUBLISHED = "status = 'published'"

GET = "SELECT doc FROM articles WHERE id = ?"
BETWEEN = f"SELECT doc FROM articles WHERE {PUBLISHED} AND published_us > ? AND published_us <= ? ORDER BY published_us DESC, id"
NEXT_RELEASE = f"SELECT min(published_us) FROM articles WHERE {PUBLISHED} AND published_us > ?"
CHANGE_TOKEN = "SELECT coalesce(max(seq), 0) FROM articles"
COUNT_ALL = "SELECT count(*) FROM articles"
COUNT_STATUS = "SELECT count(*) FROM articles WHERE status = ?"
RECORDS = "SELECT id, status, section, lang_key, published_us, url, lastmod, digest, doc FROM articles ORDER BY id"
UPSERT_COLUMNS = "id, status, section, lang_key, published_us, url, lastmod, digest, seq, doc"
UPSERT_SET = (
    "status = excluded.status, section = excluded.section, lang_key = excluded.lang_key, "
    "published_us = excluded.published_us, url = excluded.url, lastmod = excluded.lastmod, "
    "digest = excluded.digest, seq = excluded.seq, doc = excluded.doc"
)


def pg(sql: str) -> str:
    return sql.replace("?", "%s")


def newest(flt: FeedFilter, limit: int, until: datetime | None) -> tuple[str, list[object]]:
    """The feed query: published, matching *flt*, by *until*, newest first, ties by id."""
    where, params = ["a.status = 'published'"], list[object]()
    if until is not None:
        where.append("a.published_us <= ?")
        params.append(micros(until))
    table = "articles a"
    if flt.tag is not None:
        table = "article_tags t JOIN articles a ON a.id = t.article_id"
        where.append("t.tag = ?")
        params.append(flt.tag)
    if flt.author is not None:
        table += " JOIN article_authors w ON w.article_id = a.id"
        where.append("w.author = ?")
        params.append(flt.author)
    if flt.section is not None:
        where.append("a.section = ?")
        params.append(flt.section)
    if flt.language is not None:
        # RFC 4647 basic filtering: "zh" matches zh, zh-TW and zh-Hant-TW.
        where.append("(a.lang_key = ? OR a.lang_key LIKE ? ESCAPE '\\')")
        key = flt.language.lower()
        params += [key, key.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "-%"]
    sql = f"SELECT a.doc FROM {table} WHERE {' AND '.join(where)} ORDER BY a.published_us DESC, a.id LIMIT ?"
    return sql, [*params, limit]


def sitemap_rows(until: datetime | None, status_filter: str) -> tuple[str, tuple[int, ...]]:
    """URL and lastmod of published articles by *until*, in id order; *status_filter* lets a
    backend phrase the status test for its planner."""
    sql = f"SELECT url, lastmod FROM articles WHERE {status_filter}"
    if until is None:
        return sql + " ORDER BY id", ()
    return sql + " AND published_us <= ? ORDER BY id", (micros(until),)


def record(row: tuple[str, str, str | None, str, int, str, str, bytes, str]) -> ArticleRecord:
    """A stored row back as the record ingest built (tags come from the doc: one source)."""
    id_, status, section, lang_key, published_us, url, lastmod, digest, doc = row
    parsed = json.loads(doc)
    tags = tuple(dict.fromkeys(parsed.get("tags", ())))
    authors = tuple(dict.fromkeys(x["name"] for x in parsed.get("authors", ())))
    return ArticleRecord(id_, status, section, lang_key, published_us, url, lastmod, bytes(digest), doc, tags, authors)


#: What a feed family can be ``by``, and the query listing the values with their counts.
FACETS = {
    "section": f"SELECT section, count(*) FROM articles WHERE {PUBLISHED} AND published_us <= ? AND section IS NOT NULL GROUP BY section",
    "language": f"SELECT lang_key, count(*) FROM articles WHERE {PUBLISHED} AND published_us <= ? GROUP BY lang_key",
    "tag": (
        "SELECT t.tag, count(*) FROM article_tags t JOIN articles a ON a.id = t.article_id"
        " WHERE a.status = 'published' AND a.published_us <= ? GROUP BY t.tag"
    ),
    "author": (
        "SELECT w.author, count(*) FROM article_authors w JOIN articles a ON a.id = w.article_id"
        " WHERE a.status = 'published' AND a.published_us <= ? GROUP BY w.author"
    ),
}
