"""Atom 1.0 (RFC 4287) via feedgen.

Per entry: a ``tag:`` URI ``id`` from the article id, ``title``, ``updated``, ``published``,
``author`` per author, ``link`` rel alternate / related / enclosure (one per photo, caption as
title), ``summary``, ``content type="html"``, ``category`` per section and tag, ``xml:lang``
and one Media RSS ``media:content`` per photo with caption and credit.  The feed carries the
site author, so every entry is covered (RFC 4287 §4.1.1).  docs/field-mapping.md has the
full table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from feedgen.feed import FeedGenerator

from .. import __version__
from ..config import GENERATOR, FeedConfig
from ..document import Document
from ..model import Article
from ._feedgen_ext import AtomEntryExtension, AtomFeedExtension, new_generator
from ..stylesheets import with_stylesheet
from ._text import item_categories, item_summary, last_change, pct, published_only, tag_uri, wire_time

ATOM_TYPE = "application/atom+xml"
#: The date part of every ``tag:`` id (RFC 4151). Fixed forever: changing it changes every id.
TAG_DATE = "2024"
#: ``updated`` of a feed with no entries: a constant, so an empty feed is byte-stable too.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)


def entry_id(feed: FeedConfig, article_id: str) -> str:
    """``tag:genpi.example,2024:<percent-encoded article id>``; never derived from the URL."""
    return tag_uri(feed.link, TAG_DATE, pct(article_id))


def feed_id(feed: FeedConfig) -> str:
    """``tag:genpi.example,2024:feed/<name>``; cannot clash with an entry id (those never hold a raw ``/``)."""
    return tag_uri(feed.link, TAG_DATE, "feed/" + pct(feed.name))


def render_atom(feed: FeedConfig, articles: Sequence[Article], now: datetime) -> Document:
    """*articles* (newest first, already filtered and limited) as one Atom 1.0 document.

    Pure: the bytes depend on *feed* and *articles* only.  *now* is accepted for a uniform
    renderer signature and ignored; the feed's ``updated`` is the newest article change,
    or :data:`EMPTY_FEED_UPDATED` when there are no entries.
    """
    del now
    kept, warnings = published_only(articles)
    fg = new_generator(AtomFeedExtension, AtomEntryExtension)
    fg.id(feed_id(feed))
    fg.title(feed.title)
    fg.updated(wire_time(last_change(kept) or EMPTY_FEED_UPDATED))
    fg.link(href=feed.atom_url, rel="self", type=ATOM_TYPE)
    fg.link(href=feed.link, rel="alternate", type="text/html")
    for hub in feed.hubs:  # issue 16: WebSub discovery
        fg.link(href=hub, rel="hub")
    fg.author(name=feed.author)
    fg.generator(GENERATOR, version=__version__)
    fg.language(feed.language)
    fg.subtitle(feed.description)
    for a in kept:
        _add_entry(fg, feed, a)
    data = with_stylesheet(fg.atom_str(pretty=True), feed.atom_path, "atom", feed.stylesheet)
    return Document(path=feed.atom_path, kind="atom", data=data, items=len(kept), warnings=tuple(warnings))


def _links(a: Article) -> list[dict[str, str]]:
    links = [{"href": a.url, "rel": "alternate", "type": "text/html"}]
    links += [{"href": r.url, "rel": "related", "title": r.title} for r in a.related]
    for image in a.images:
        link = {"href": image.url, "rel": "enclosure"}
        if image.type:
            link["type"] = image.type
        if image.caption:
            link["title"] = image.caption
        if image.length is not None:
            link["length"] = str(image.length)
        links.append(link)
    return links


def _add_entry(fg: FeedGenerator, feed: FeedConfig, a: Article) -> None:
    fe = fg.add_entry(order="append")  # feedgen prepends by default
    fe.id(entry_id(feed, a.id))
    fe.title(a.title)
    fe.updated(wire_time(a.modified))
    fe.published(wire_time(a.published))
    if a.authors:
        fe.author([{k: v for k, v in (("name", x.name), ("email", x.email), ("uri", x.url)) if v} for x in a.authors])
    if a.content_html:
        fe.content(a.content_html, type="html")
    summary = item_summary(a)
    if summary:
        fe.summary(summary)
    links = _links(a)
    # feedgen keeps the order and href but drops rel/type/title/length (its issue #135);
    # AtomEntryExtension puts them back on the same elements.
    fe.link([dict(link) for link in links])
    fe.feedhub.links = links
    categories = item_categories(a)
    if categories:
        fe.category([{"term": term} for term in categories])
    fe.feedhub.article = a
