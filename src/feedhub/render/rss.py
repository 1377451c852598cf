"""RSS 2.0 (https://www.rssboard.org/rss-specification, RSS Best Practices Profile) via feedgen.

Per item: ``title``, ``link``, ``description`` (plain text), ``content:encoded`` (the HTML),
``guid isPermaLink="false"`` from the article id, ``category`` per section and tag,
``enclosure`` for a lead photo whose length and type are known, ``pubDate`` (RFC 822, the
article's own offset), ``dc:creator`` per author, one ``media:content`` per photo with its
caption and credit, and ``atom:link rel="related"`` per related story.  docs/field-mapping.md
has the full table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feedgen.feed import FeedGenerator

from .. import __version__
from ..config import GENERATOR, FeedConfig
from ..document import Document
from ..model import Article
from ._feedgen_ext import RssEntryExtension, RssFeedExtension, new_generator
from ..stylesheets import with_stylesheet
from ._hub_links import HubLinks
from ._text import item_categories, item_summary, last_change, published_only

RSS_TYPE = "application/rss+xml"


def render_rss(feed: FeedConfig, articles: Sequence[Article], now: datetime) -> Document:
    """*articles* (newest first, already filtered and limited) as one RSS 2.0 document.

    Pure: the bytes depend on *feed* and *articles* only.  *now* is accepted for a uniform
    renderer signature and ignored; channel dates come from the newest article change and
    are left out for an empty feed.
    """
    del now
    kept, warnings = published_only(articles)
    fg = new_generator(RssFeedExtension, RssEntryExtension)
    fg.title(feed.title)
    # feedgen writes the rel="self" link as atom:link and uses the last link as the channel <link>.
    fg.link(href=feed.rss_url, rel="self", type=RSS_TYPE)
    fg.link(href=feed.link, rel="alternate")
    fg.description(feed.description)
    fg.language(feed.language)
    fg.generator(f"{GENERATOR} {__version__}")
    fg.ttl(feed.ttl)
    fg.feedhub.last_change = last_change(kept)
    fg.register_extension("websub", HubLinks, atom=False)  # issue 16: atom:link rel="hub" per hub
    fg.websub.hubs = feed.hubs
    for a in kept:
        _add_item(fg, a)
    data = with_stylesheet(fg.rss_str(pretty=True), feed.rss_path, "rss", feed.stylesheet)
    return Document(path=feed.rss_path, kind="rss", data=data, items=len(kept), warnings=tuple(warnings))


def _add_item(fg: FeedGenerator, a: Article) -> None:
    fe = fg.add_entry(order="append")  # feedgen prepends by default
    fe.title(a.title)
    fe.link(href=a.url, rel="alternate")
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
    lead = a.images[0] if a.images else None
    if lead is not None and lead.length is not None and lead.type:
        # RSS allows one enclosure and requires url, length and type; every photo is in media:content.
        fe.enclosure(lead.url, str(lead.length), lead.type)
    # pubDate, dc:creator, media:content and atom:link rel="related" come from RssEntryExtension,
    # so feedgen's locale-swapping date formatter never runs.
    fe.feedhub.article = a
