"""The read queries both backends run, written once with ``?`` placeholders.

PostgreSQL's driver wants ``%s``; :func:`pg` converts (no query here has a ``?``
or ``%`` of its own).
"""

from __future__ import annotations

import json
from datetime import datetime

from ..model import STATUSES, Facets, FeedFilter
from .records import ArticleRecord, micros

PUBLISHED = "status = 'published'"
#: The tables linking an article to each of its tags and authors, and their value column.
_LINKS = {"tag": ("article_tags", "tag"), "author": ("article_authors", "author")}

GET = "SELECT doc FROM articles WHERE id = ?"
BETWEEN = f"SELECT doc FROM articles WHERE {PUBLISHED} AND published_us > ? AND published_us <= ? ORDER BY published_us DESC, id"
NEXT_RELEASE = f"SELECT min(published_us) FROM articles WHERE {PUBLISHED} AND published_us > ?"
CHANGE_TOKEN = "SELECT coalesce(max(seq), 0) FROM articles"
COUNT_ALL = "SELECT count(*) FROM articles"
#: The current version of every article written after a change token, and every version those
#: writes replaced (the ``article_changes`` log the schema's trigger keeps).
CHANGED = "SELECT id, status, section, lang_key, published_us, doc FROM articles WHERE seq > ?"
REPLACED = "SELECT article_id, status, section, lang_key, published_us, tags, authors FROM article_changes WHERE seq > ?"
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
    """The feed query: published, matching *flt*, by *until*, newest first, ties by id.

    A tag or author feed is driven by its link table's time index (``CROSS JOIN`` fixes that
    join order in SQLite, and is a plain join elsewhere): led by the articles' time index
    instead, SQLite walked every article to find a rare tag's 50 (231 ms against 1 ms at
    100,000 articles, measured).  The link rows carry their article's ``published_us``.
    """
    links = [(table, column, value) for (table, column), value in ((_LINKS["tag"], flt.tag), (_LINKS["author"], flt.author)) if value is not None]
    where, params = ["a.status = 'published'"], list[object]()
    if links:
        table, column, value = links[0]
        source, when, order = f"{table} l0 CROSS JOIN articles a", "l0.published_us", "l0.published_us DESC, l0.article_id"
        where += ["a.id = l0.article_id", f"l0.{column} = ?"]
        params.append(value)
    else:
        source, when, order = "articles a", "a.published_us", "a.published_us DESC, a.id"
    for i, (table, column, value) in enumerate(links[1:], 1):
        source += f" JOIN {table} l{i} ON l{i}.article_id = a.id"
        where.append(f"l{i}.{column} = ?")
        params.append(value)
    if until is not None:
        where.append(f"{when} <= ?")
        params.append(micros(until))
    if flt.section is not None:
        where.append("a.section = ?")
        params.append(flt.section)
    if flt.language is not None:
        # RFC 4647 basic filtering: "zh" matches zh, zh-TW and zh-Hant-TW.
        where.append("(a.lang_key = ? OR a.lang_key LIKE ? ESCAPE '\\')")
        key = flt.language.lower()
        params += [key, key.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "-%"]
    sql = f"SELECT a.doc FROM {source} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
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


def changed_facets(row: tuple[str, str, str | None, str, int, str]) -> Facets:
    """A :data:`CHANGED` row's facets (tags and authors come from the doc, their one source)."""
    id_, status, section, lang_key, published_us, doc = row
    d = json.loads(doc)
    return _facets(id_, status, section, lang_key, published_us, d.get("tags"), d.get("authors"))


def replaced_facets(row: tuple[str, str, str | None, str, int, str | None, str | None]) -> Facets:
    """A :data:`REPLACED` row's facets."""
    id_, status, section, lang_key, published_us, tags, authors = row
    return _facets(id_, status, section, lang_key, published_us, json.loads(tags or "null"), json.loads(authors or "null"))


def _facets(id_: str, status: str, section: str | None, lang_key: str, published_us: int, tags: list[str] | None, authors: list[dict[str, str]] | None) -> Facets:
    names = tuple(a["name"] for a in authors or ())
    return Facets(id_, status, int(published_us), section, lang_key, tuple(tags or ()), names)


#: Statuses whose rows a facet count takes back out (index rows of tags and authors carry none).
_UNPUBLISHED = "(" + ", ".join(f"'{s}'" for s in STATUSES if s != "published") + ")"
_COLUMNS = {"section": "section", "language": "lang_key"}
FACETS = (*_COLUMNS, *_LINKS)


def facets(by: str, published_filter: str) -> tuple[str, str | None]:
    """The statements counting the articles published by ``?`` per distinct value of *by*.

    Sections and languages are one scan of their covering index (``+published_us`` keeps
    SQLite off the time index, which would make it read every row).  Tags and authors are
    counted from their own index, whose rows carry the time but no status, and the second
    statement counts the rows of drafts and tombstones to take back out: a scan of the link
    table is about 5x faster than joining every row to its article (100,000 articles, measured).
    """
    if by in _COLUMNS:
        column = _COLUMNS[by]
        return f"SELECT {column}, count(*) FROM articles WHERE {published_filter} AND +published_us <= ? AND {column} IS NOT NULL GROUP BY {column}", None
    table, column = _LINKS[by]
    every = f"SELECT {column}, count(*) FROM {table} WHERE +published_us <= ? GROUP BY {column}"
    unpublished = (
        f"SELECT x.{column}, count(*) FROM articles a JOIN {table} x ON x.article_id = a.id"
        f" WHERE a.status IN {_UNPUBLISHED} AND a.published_us <= ? GROUP BY x.{column}"
    )
    return every, unpublished
