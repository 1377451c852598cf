"""An article as a backend stores it: the contract JSON plus the columns queries use.

Building it (serialising, hashing) is pure and backend-neutral, so ingest can do it
in a worker process and hand the store rows that cost only the SQL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from ..model import Article, Facets, article_from_dict, article_to_dict

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# check_circular off: a doc is a fresh tree of plain values, and the check costs a dict entry per container.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


class ArticleRecord(NamedTuple):
    id: str
    status: str
    section: str | None
    #: Lower-cased BCP 47 tag, for RFC 4647 basic filtering.
    lang_key: str
    #: UTC microseconds since the epoch: exact ordering and windows.
    published_us: int
    url: str
    #: W3C date-time of updated-else-published, ready for sitemaps.
    lastmod: str
    #: Hash of doc: an unchanged re-ingest writes nothing.
    digest: bytes
    #: The article as import-contract JSON; ``article_from_dict(json.loads(doc))`` gives it back.
    doc: str
    #: Distinct tags, in order.
    tags: tuple[str, ...]
    #: Distinct author names, in order (author feeds).
    authors: tuple[str, ...] = ()


def from_micros(us: int) -> datetime:
    """The UTC instant of *us* microseconds since the epoch (the inverse of :func:`micros`)."""
    return _EPOCH + timedelta(microseconds=us)


def micros(dt: datetime) -> int:
    d = dt - _EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def to_record(a: Article) -> ArticleRecord:
    doc = _ENCODE(article_to_dict(a))
    return ArticleRecord(
        id=a.id,
        status=a.status,
        section=a.section,
        lang_key=a.language.lower(),
        published_us=micros(a.published),
        url=a.url,
        lastmod=a.modified.isoformat(timespec="seconds"),
        digest=hashlib.blake2b(doc.encode(), digest_size=16).digest(),
        doc=doc,
        tags=tuple(dict.fromkeys(a.tags)),
        authors=tuple(dict.fromkeys(x.name for x in a.authors)),
    )


def tombstone(doc: str) -> ArticleRecord:
    """The stored article *doc* as status deleted: the record a re-ingest with ``status: deleted`` makes."""
    return to_record(replace(article_from_dict(json.loads(doc)), status="deleted"))


def facets(a: Article) -> Facets:
    """What decides which feeds *a* is in, in the form the store's change log gives it."""
    return Facets(a.id, a.status, micros(a.published), a.section, a.language.lower(), a.tags, tuple(x.name for x in a.authors))
