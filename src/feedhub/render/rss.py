"""RSS 2.0 (https://www.rssboard.org/rss-specification, RSS Best Practices Profile) via feedgen.

Per item: ``title``, ``link``, ``description`` (plain text), ``content:encoded`` (the HTML),
``guid isPermaLink="false"`` from the article id, ``category`` per section and tag,
``enclosure`` for the lead photo (``length="0"`` when unknown, as the RSS Best Practices
Profile says; type from the URL's extension when not given; none when the type stays
unknown), ``pubDate`` (RFC 822, the article's own offset), ``dc:creator`` per author, one
``media:content`` per photo with its caption and credit, and ``atom:link rel="related"`` per
related story.  Every URL is written as a URI (``rules.urls.to_uri``); an article that cannot
be written validly is left out (``rules.items``).  docs/field-mapping.md has the full table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from feedgen.entry import FeedEntry

from .. import __version__
from ..config import GENERATOR, FeedConfig
from ..document import Document
from ..model import Article, Image
from ..rules.items import image_type
from ..rules.urls import to_uri
from ..stylesheets import with_stylesheet
from ._entries import ENTRIES, Made, append_entries, writable_made
from ._feedgen_ext import EXT, RssEntryExtension, RssFeedExtension, new_generator
from ._history import History, add_history
from ._hub_links import HubLinks
from ._text import clamp, item_categories, item_summary, last_change

RSS_TYPE = "application/rss+xml"


def render_rss(feed: FeedConfig, articles: Sequence[Article], now: datetime, history: History | None = None) -> Document:
    """*articles* (newest first, already filtered and limited) as one RSS 2.0 document.

    Pure: the bytes depend on *feed*, *articles* and, only for a date after it, *now*: every
    date written is clamped to *now*.  Channel dates come from the newest article change and
    are left out for an empty feed.
    """
    kept, left_out, items = writable_made(articles, [_made(a, now) for a in articles])
    fg = new_generator(RssFeedExtension, RssEntryExtension)
    fg.title(feed.title)
    # feedgen writes the rel="self" link as atom:link and uses the last link as the channel <link>.
    path, self_url = (history.path, history.url) if history else (feed.rss_path, feed.rss_url)
    fg.link(href=to_uri(self_url), rel="self", type=RSS_TYPE)
    fg.link(href=to_uri(feed.link), rel="alternate")
    fg.description(feed.description)
    fg.language(feed.language)
    fg.generator(f"{GENERATOR} {__version__}")
    fg.ttl(feed.ttl)
    fg.feedhub.last_change = last_change(kept, now)
    fg.register_extension("websub", HubLinks, atom=False)  # issue 16: atom:link rel="hub" per hub
    fg.websub.hubs = feed.hubs
    add_history(fg, history)  # issue 14: RFC 5005 links and fh:archive
    append_entries(fg, items)  # last: the items go where feedgen would append its own
    data = with_stylesheet(fg.rss_str(pretty=True), path, "rss", feed.stylesheet)
    return Document(path=path, kind="rss", data=data, items=len(kept), left_out=tuple(left_out))


def enclosure(image: Image) -> tuple[str, str, str] | None:
    """``(url, length, type)`` of the RSS enclosure for a lead photo, or None when its type is unknown.

    RSS requires all three attributes; the RSS Best Practices Profile says a publisher that
    cannot tell the size writes ``length="0"``
    (https://www.rssboard.org/rss-profile#element-channel-item-enclosure).
    """
    mime = image_type(image.url, image.type)
    if mime is None:
        return None
    return to_uri(image.url), str(image.length or 0), mime


def _made(a: Article, now: datetime) -> Made:
    published = clamp(a.published, now)
    # Article equality compares instants; the offset written (pubDate keeps the article's own) is keyed too.
    key = ("rss", a, published, published.utcoffset())
    return ENTRIES.get(key, a, lambda a: _item(a, now))


def _item(a: Article, now: datetime) -> Any:
    """The ``<item>`` feedgen makes for *a*, with RssEntryExtension on it as ``fg.add_entry`` would put it."""
    fe = FeedEntry()
    fe.register_extension(EXT, RssEntryExtension)
    fe.title(a.title)
    fe.link(href=to_uri(a.url), rel="alternate")
    fe.guid(a.id, permalink=False)
    description = item_summary(a)
    if not description and a.content_html:
        # feedgen writes content:encoded only next to a description; without one the HTML would
        # land in <description>. The headline keeps <description> plain text.
        description = a.title
    if description:
        fe.description(description)
    if a.content_html:
        fe.content(a.content_html)
    categories = item_categories(a)
    if categories:
        fe.category([{"term": term} for term in categories])
    # RSS allows one enclosure: the lead photo; every photo is in media:content.
    lead = enclosure(a.images[0]) if a.images else None
    if lead is not None:
        fe.enclosure(*lead)
    # pubDate, dc:creator, media:content and atom:link rel="related" come from RssEntryExtension,
    # so feedgen's locale-swapping date formatter never runs.
    fe.feedhub.article = a
    fe.feedhub.now = now
    return fe.rss_entry()
