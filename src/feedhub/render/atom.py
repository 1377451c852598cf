"""Atom 1.0 (RFC 4287) via feedgen.

Per entry: a ``tag:`` URI ``id`` from the article id, ``title``, ``updated``, ``published``,
``author`` per author, ``link`` rel alternate / related / enclosure (one per photo, caption as
title), ``summary``, ``content type="html"``, ``category`` per section and tag, ``xml:lang``
and one Media RSS ``media:content`` per photo with caption and credit.  The feed carries the
site author, so every entry is covered (RFC 4287 §4.1.1).  An entry with neither summary nor
content gets the headline as summary.  Every URL is written as a URI (``rules.urls.to_uri``);
an article that cannot be written validly is left out (``rules.items``).  docs/field-mapping.md
has the full table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from feedgen.entry import FeedEntry

from .. import __version__
from ..config import GENERATOR, FeedConfig
from ..document import Document
from ..model import Article
from ..rules.urls import to_uri
from ..stylesheets import with_stylesheet
from ._entries import ENTRIES, Made, append_entries, writable_made
from ._feedgen_ext import EXT, AtomEntryExtension, AtomFeedExtension, new_generator
from ._history import History, add_history
from ._text import clamp, item_categories, item_summary, last_change, pct, tag_uri, wire_time

ATOM_TYPE = "application/atom+xml"
#: The date part of every ``tag:`` id (RFC 4151). Fixed forever: changing it changes every id.
TAG_DATE = "2024"
#: ``updated`` of a feed with no entries: a constant, so an empty feed is byte-stable too.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


def entry_id(feed: FeedConfig, article_id: str) -> str:
    """``tag:genpi.example,2024:<percent-encoded article id>``; never derived from the URL."""
    return tag_uri(feed.link, TAG_DATE, pct(article_id))


def feed_id(feed: FeedConfig) -> str:
    """``tag:genpi.example,2024:feed/<name>``; cannot clash with an entry id (those never hold a raw ``/``)."""
    return tag_uri(feed.link, TAG_DATE, "feed/" + pct(feed.name))


def render_atom(feed: FeedConfig, articles: Sequence[Article], now: datetime, history: History | None = None) -> Document:
    """*articles* (newest first, already filtered and limited) as one Atom 1.0 document.

    Pure: the bytes depend on *feed*, *articles* and, only for a date after it, *now*: every
    date written is clamped to *now*.  The feed's ``updated`` is the newest article change,
    or :data:`EMPTY_FEED_UPDATED` when there are no entries.
    """
    kept, left_out, entries = writable_made(articles, [_made(feed, a, now) for a in articles])
    fg = new_generator(AtomFeedExtension, AtomEntryExtension)
    fg.id(feed_id(feed))
    fg.title(feed.title)
    fg.updated(wire_time(last_change(kept, now) or EMPTY_FEED_UPDATED))
    path, self_url = (history.path, history.url) if history else (feed.atom_path, feed.atom_url)
    fg.link(href=to_uri(self_url), rel="self", type=ATOM_TYPE)
    fg.link(href=to_uri(feed.link), rel="alternate", type="text/html")
    for hub in feed.hubs:  # issue 16: WebSub discovery
        fg.link(href=to_uri(hub), rel="hub")
    fg.author(name=feed.author)
    fg.generator(GENERATOR, version=__version__)
    fg.language(feed.language)
    fg.subtitle(feed.description)
    add_history(fg, history)  # issue 14: RFC 5005 links and fh:archive
    append_entries(fg, entries)  # last: the entries go where feedgen would append its own
    data = with_stylesheet(fg.atom_str(pretty=True), path, "atom", feed.stylesheet)
    return Document(path=path, kind="atom", data=data, items=len(kept), left_out=tuple(left_out))


def _links(a: Article) -> list[dict[str, str]]:
    links = [{"href": to_uri(a.url), "rel": "alternate", "type": "text/html"}]
    links += [{"href": to_uri(r.url), "rel": "related", "title": r.title} for r in a.related]
    for image in a.images:
        link = {"href": to_uri(image.url), "rel": "enclosure"}
        if image.type:
            link["type"] = image.type
        if image.caption:
            link["title"] = image.caption
        if image.length is not None:
            link["length"] = str(image.length)
        links.append(link)
    return links


def _author(name: str, email: str | None, url: str | None) -> dict[str, str]:
    fields = {"name": name, "email": email, "uri": to_uri(url) if url else None}
    return {k: v for k, v in fields.items() if v}


def _made(feed: FeedConfig, a: Article, now: datetime) -> Made:
    updated, published = clamp(a.modified, now), clamp(a.published, now)
    # Article equality compares instants; the offsets written are keyed too.  The tag: id reads feed.link.
    key = ("atom", feed.link, a, updated, updated.utcoffset(), published, published.utcoffset())
    return ENTRIES.get(key, a, lambda a: _entry(feed, a, updated, published))


def _entry(feed: FeedConfig, a: Article, updated: datetime, published: datetime) -> Any:
    """The ``<entry>`` feedgen makes for *a*, with AtomEntryExtension on it as ``fg.add_entry`` would put it."""
    fe = FeedEntry()
    fe.register_extension(EXT, AtomEntryExtension)
    fe.id(entry_id(feed, a.id))
    fe.title(a.title)
    fe.updated(wire_time(updated))
    fe.published(wire_time(published))
    if a.authors:
        fe.author([_author(x.name, x.email, x.url) for x in a.authors])
    if a.content_html:
        fe.content(a.content_html, type="html")
    summary = item_summary(a)
    if not summary and not a.content_html:
        # Readers show the summary in lists; RSS already falls back to the headline.
        summary = a.title
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
    return fe.atom_entry()
