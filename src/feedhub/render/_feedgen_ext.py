"""feedgen 1.0.0 extensions that fill its gaps (see docs/feedgen.md for each one).

Everything here works on the lxml elements feedgen hands to ``extend_rss`` /
``extend_atom``; nothing edits serialized text.  The renderers configure the
extension instances through ``fg.feedhub`` / ``entry.feedhub`` (feedgen sets the
registered name as an attribute).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from ..model import Article, Image
from ..rules.namespaces import ATOM_NS, CONTENT_NS, DC_NS, MEDIA_NS, XML_NS
from ..rules.urls import to_uri
from ._text import clamp, rfc822

XML_LANG = f"{{{XML_NS}}}lang"

#: Every namespace an RSS document uses, all declared on ``<rss>``.
RSS_NAMESPACES = {"atom": ATOM_NS, "content": CONTENT_NS, "dc": DC_NS, "media": MEDIA_NS}
#: Namespaces an Atom document uses besides its own default one, declared on ``<feed>``.
ATOM_NAMESPACES = {"media": MEDIA_NS}

#: The name extensions are registered under: ``fg.feedhub``, ``entry.feedhub``.
EXT = "feedhub"

# The link attributes feedgen 1.0.0 drops from Atom entry links (its issue #135), in output order.
_LINK_ATTRS = ("rel", "type", "hreflang", "title", "length")
# No public setter accepts None, and the default is now(), formatted through a locale swap.
_RSS_BUILD_DATE_FIELD = "_FeedGenerator__rss_lastBuildDate"


def new_generator(feed_ext: type[BaseExtension], entry_ext: type[BaseEntryExtension]) -> FeedGenerator:
    """A FeedGenerator with our extension registered and no clock-stamped RSS ``lastBuildDate``."""
    fg = FeedGenerator()
    if not hasattr(fg, _RSS_BUILD_DATE_FIELD):
        raise RuntimeError("feedgen changed its internals; re-check docs/feedgen.md before upgrading it")
    # feedgen's only lastBuildDate path runs util.formatRFC2822, which calls locale.setlocale(LC_ALL, "C")
    # and back: a process-wide change. Clear it; RssFeedExtension writes lastBuildDate itself.
    setattr(fg, _RSS_BUILD_DATE_FIELD, None)
    fg.register_extension(EXT, feed_ext, entry_ext)
    return fg


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    el = etree.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def media_content(parent: Any, image: Image) -> None:
    """One Media RSS ``media:content`` per photo, caption and credit inside (never a ``media:group``)."""
    attrs = {"url": to_uri(image.url), "medium": "image"}
    if image.type:
        attrs["type"] = image.type
    if image.length is not None:
        attrs["fileSize"] = str(image.length)
    if image.width is not None:
        attrs["width"] = str(image.width)
    if image.height is not None:
        attrs["height"] = str(image.height)
    content = _sub(parent, f"{{{MEDIA_NS}}}content", **attrs)
    if image.caption:
        _sub(content, f"{{{MEDIA_NS}}}description", image.caption, type="plain")
    if image.credit:
        # role "photographer" is from the EBU role list, Media RSS's default scheme; named explicitly.
        _sub(content, f"{{{MEDIA_NS}}}credit", image.credit, role="photographer", scheme="urn:ebu")


class RssFeedExtension(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    """Channel: every namespace on ``<rss>``, and ``lastBuildDate``/``pubDate`` without a locale swap."""

    def __init__(self) -> None:
        #: The newest article change, or None for an empty feed (then both dates are left out).
        self.last_change: datetime | None = None

    def extend_ns(self) -> dict[str, str]:
        return dict(RSS_NAMESPACES)

    def extend_rss(self, rss: Any) -> Any:
        if self.last_change is None:
            return rss
        channel = rss.find("channel")
        stamp = rfc822(self.last_change)
        anchor = channel.find("language")
        at = channel.index(anchor) + 1 if anchor is not None else len(channel)
        for i, name in enumerate(("lastBuildDate", "pubDate")):
            el = etree.Element(name)
            el.text = stamp
            channel.insert(at + i, el)
        return rss


class RssEntryExtension(BaseEntryExtension):  # type: ignore[misc]  # feedgen ships no types
    """Item: ``pubDate``, ``dc:creator``, Media RSS photos and ``atom:link rel="related"``."""

    def __init__(self) -> None:
        self.article: Article | None = None
        #: The build's clock: no date written lies after it.
        self.now: datetime | None = None

    def extend_rss(self, item: Any) -> Any:
        a = self.article
        if a is None or self.now is None:
            return item
        _sub(item, "pubDate", rfc822(clamp(a.published, self.now)))
        for author in a.authors:
            _sub(item, f"{{{DC_NS}}}creator", author.name)
        for image in a.images:
            media_content(item, image)
        for rel in a.related:
            _sub(item, f"{{{ATOM_NS}}}link", rel="related", href=to_uri(rel.url), title=rel.title)
        return item


class AtomFeedExtension(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    """Feed: declares the Media RSS namespace on ``<feed>``."""

    def extend_ns(self) -> dict[str, str]:
        return dict(ATOM_NAMESPACES)


class AtomEntryExtension(BaseEntryExtension):  # type: ignore[misc]  # feedgen ships no types
    """Entry: ``xml:lang``, the link attributes feedgen drops, Media RSS photos."""

    def __init__(self) -> None:
        self.article: Article | None = None
        #: The same link dicts given to ``entry.link()``, in the same order.
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: Any) -> Any:
        a = self.article
        if a is None:
            return entry
        entry.set(XML_LANG, a.language)
        emitted = entry.findall("link")
        if [e.get("href") for e in emitted] != [link["href"] for link in self.links]:
            raise RuntimeError("feedgen changed how it writes entry links; re-check docs/feedgen.md")
        for el, link in zip(emitted, self.links, strict=True):
            for name in _LINK_ATTRS:
                if link.get(name) is not None:
                    el.set(name, link[name])
        for image in a.images:
            media_content(entry, image)
        return entry
