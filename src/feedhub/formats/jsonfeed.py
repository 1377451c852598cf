"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) at ``<feed>/feed.json``.

Per item: ``id`` (the article id, never the URL), ``url``, ``title``, ``content_html`` (else
``content_text`` from the summary or headline: the spec wants one of them), ``summary``,
``date_published`` / ``date_modified`` (RFC 3339, the article's own offset, clamped to the
build time like every feed date), ``authors``, ``tags`` (section then tags), ``language``,
``image`` (the lead photo) and ``attachments`` for photos with a known type.  Captions,
credits and related links have no JSON Feed field: they go in the ``_feedhub`` extension
object (spec §"Extensions").  The same articles as RSS and Atom are left out
(``rules.items.feed_item_problem``), so the three documents of a feed list the same stories.

Byte-stable: sorted keys, fixed indentation and separators, UTF-8 with non-ASCII unescaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..config import FeedConfig
from ..document import Document
from ..model import Article, Author, Image
from ..render._text import clamp, item_categories, item_summary, wire_time, writable
from ..rules import jsonfeed as spec
from ..rules.items import ItemProblem, feed_item_problem, image_type
from ..rules.urls import to_uri
from ..validate import Problem, Profile
from ..validate.jsonfeed import check_jsonfeed, looks_like_json
from .base import public_url, register


def rfc3339(dt: datetime, now: datetime) -> str:
    """*dt* clamped to *now*, in its own offset, whole seconds (``2024-06-19T20:30:00+07:00``)."""
    return wire_time(clamp(dt, now)).isoformat(timespec="seconds")


def _author(x: Author) -> dict[str, str]:
    # JSON Feed authors have no e-mail field; a name and a page are what readers show.
    out = {"name": x.name}
    if x.url:
        out["url"] = to_uri(x.url)
    return out


def _attachment(image: Image) -> dict[str, Any] | None:
    mime = image_type(image.url, image.type)
    if mime is None:
        return None
    out: dict[str, Any] = {"url": to_uri(image.url), "mime_type": mime}
    if image.caption:
        out["title"] = image.caption
    if image.length:
        out["size_in_bytes"] = image.length
    return out


def _extension(a: Article) -> dict[str, Any]:
    images = []
    for image in a.images:
        entry = {"url": to_uri(image.url)}
        entry.update({k: v for k, v in (("caption", image.caption), ("credit", image.credit)) if v})
        images.append(entry)
    related = [{"url": to_uri(r.url), "title": r.title} for r in a.related]
    return {k: v for k, v in (("images", images), ("related", related)) if v}


def _texts(a: Article) -> dict[str, Any]:
    summary = item_summary(a)
    # The spec requires content_html or content_text; readers show content_text as is.
    out: dict[str, Any] = {"content_html": a.content_html} if a.content_html else {"content_text": summary or a.title}
    if summary:
        out["summary"] = summary
    return out


def _media(a: Article) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if a.images:
        out["image"] = to_uri(a.images[0].url)
    attachments = [x for x in map(_attachment, a.images) if x is not None]
    if attachments:
        out["attachments"] = attachments
    ext = _extension(a)
    if ext:
        out[spec.EXTENSION] = ext
    return out


def _item(a: Article, now: datetime) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": a.id,
        "url": to_uri(a.url),
        "title": a.title,
        "date_published": rfc3339(a.published, now),
        "language": a.language,
    }
    item.update(_texts(a))
    if a.updated is not None:
        item["date_modified"] = rfc3339(a.updated, now)
    if a.authors:
        item["authors"] = [_author(x) for x in a.authors]
    tags = item_categories(a)
    if tags:
        item["tags"] = tags
    item.update(_media(a))
    return item


def dumps(doc: dict[str, Any]) -> bytes:
    """The one serialisation: the same object always gives the same bytes."""
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2, separators=(",", ": "))
    return (text + "\n").encode("utf-8")


class JsonFeedFormat:
    name = "json"
    media_type = spec.MEDIA_TYPE
    xml = False

    def paths(self, feed: FeedConfig) -> list[str]:
        return [f"{feed.name}/{spec.FILE_NAME}"]

    def check_article(self, article: Article) -> ItemProblem | None:
        return feed_item_problem(article)

    def render(self, feed: FeedConfig, articles: Sequence[Article], now: datetime) -> list[Document]:
        path = self.paths(feed)[0]
        # With archive = true the builder passes the whole history; JSON Feed keeps the newest.
        kept, left_out = writable(articles[: feed.limit], self.check_article)
        doc: dict[str, Any] = {
            "version": spec.VERSION_1_1,
            "title": feed.title,
            "home_page_url": to_uri(feed.link),
            "feed_url": to_uri(public_url(feed, path)),
            "description": feed.description,
            "language": feed.language,
            "authors": [{"name": feed.author}],
            "items": [_item(a, now) for a in kept],
        }
        if feed.hubs:
            doc["hubs"] = [{"type": "WebSub", "url": to_uri(h)} for h in feed.hubs]
        return [Document(path=path, kind=self.name, data=dumps(doc), items=len(kept), left_out=tuple(left_out))]

    def sniff(self, raw: bytes) -> bool:
        return looks_like_json(raw)

    def check(self, raw: bytes, profile: Profile) -> list[Problem]:
        return check_jsonfeed(raw, profile)


FORMAT = register(JsonFeedFormat())
