"""What a user would write instead of feedhub for W1: python-feedgen directly, or Django's feedgenerator.

Both read the same items through the same SQL (:mod:`rows`) and write RSS 2.0 + Atom 1.0
with the same fields feedhub writes, as far as each library allows without patching it
(feedgen: its ``media`` and ``dc`` extensions; Django: a subclass adding elements in
``add_item_elements``, the way Django's docs extend a feed).  No validation.
"""

from __future__ import annotations

from datetime import datetime

import rows
from limit import summary

MEDIA_NS = "http://search.yahoo.com/mrss/"


def _dt(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _categories(d: dict) -> list[str]:
    return list(dict.fromkeys(([d["section"]] if d.get("section") else []) + d.get("tags", [])))


# --- python-feedgen, the obvious script ------------------------------------------------------


def feedgen_feed(feed: dict, items: list[dict]) -> tuple[bytes, bytes]:
    """One FeedGenerator, both formats from it (feedgen's own README pattern)."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.load_extension("media")
    fg.load_extension("dc")
    fg.id(f"tag:genpi.example,2024:feed/{feed['name']}")
    fg.title(feed["title"])
    fg.author(name=feed["author"])
    fg.link(href=feed["rss_url"], rel="self")
    fg.link(href=feed["link"], rel="alternate")
    fg.description(feed["description"])
    fg.language(feed["language"])
    fg.ttl(feed["ttl"])
    for d in items:
        fe = fg.add_entry(order="append")
        fe.guid(d["id"], permalink=False)  # guid() also sets the Atom id, so id() comes second
        fe.id(f"tag:genpi.example,2024:{d['id']}")
        fe.title(d["title"])
        fe.link(href=d["url"], rel="alternate")
        for r in d.get("related", ()):
            fe.link(href=r["url"], rel="related", title=r["title"])
        fe.description(summary(d) or d["title"])
        if d.get("content_html"):
            fe.content(d["content_html"], type="html")
        fe.published(_dt(d["published"]))
        fe.updated(_dt(d.get("updated") or d["published"]))
        fe.author([{k: v for k, v in (("name", a["name"]), ("email", a.get("email"))) if v} for a in d.get("authors", ())])
        for a in d.get("authors", ()):
            fe.dc.dc_creator(a["name"], replace=False)
        cats = _categories(d)
        if cats:
            fe.category([{"term": c} for c in cats])
        images = d.get("images", ())
        if images and "length" in images[0] and images[0].get("type"):
            fe.enclosure(images[0]["url"], str(images[0]["length"]), images[0]["type"])
        for im in images:
            fe.media.content(url=im["url"], medium="image", type=im.get("type"), fileSize=str(im["length"]) if "length" in im else None,
                             width=str(im["width"]) if "width" in im else None, height=str(im["height"]) if "height" in im else None)
    return fg.rss_str(pretty=True), fg.atom_str(pretty=True)


def feedgen_w1(db, feeds: list[dict], limit: int) -> list[bytes]:
    out = []
    for f in feeds:
        out += feedgen_feed(f, rows.newest(db, f["key"], f["value"], limit))
    return out


# --- Django's feedgenerator ----------------------------------------------------------------


def _media_elements(handler, item: dict) -> None:
    for im in item["images"]:
        attrs = {"url": im["url"], "medium": "image"}
        for src, dst in (("type", "type"), ("length", "fileSize"), ("width", "width"), ("height", "height")):
            if src in im:
                attrs[dst] = str(im[src])
        handler.startElement("media:content", attrs)
        if im.get("caption"):
            handler.addQuickElement("media:description", im["caption"], {"type": "plain"})
        if im.get("credit"):
            handler.addQuickElement("media:credit", im["credit"], {"role": "photographer", "scheme": "urn:ebu"})
        handler.endElement("media:content")


def django_classes():
    from django.utils import feedgenerator as fgen

    class MediaRss(fgen.Rss201rev2Feed):
        def rss_attributes(self):
            attrs = super().rss_attributes()
            attrs.update({"xmlns:media": MEDIA_NS, "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
                          "xmlns:dc": "http://purl.org/dc/elements/1.1/"})
            return attrs

        def add_item_elements(self, handler, item):
            super().add_item_elements(handler, item)
            if item.get("content_html"):
                handler.addQuickElement("content:encoded", item["content_html"])
            for name in item["creators"][1:]:
                handler.addQuickElement("dc:creator", name)
            _media_elements(handler, item)
            for r in item["related"]:
                handler.addQuickElement("atom:link", None, {"rel": "related", "href": r["url"], "title": r["title"]})

    class MediaAtom(fgen.Atom1Feed):
        def root_attributes(self):
            attrs = super().root_attributes()
            attrs["xmlns:media"] = MEDIA_NS
            return attrs

        def add_item_elements(self, handler, item):
            super().add_item_elements(handler, item)
            if item.get("content_html"):
                handler.addQuickElement("content", item["content_html"], {"type": "html"})
            for r in item["related"]:
                handler.addQuickElement("link", None, {"rel": "related", "href": r["url"], "title": r["title"]})
            _media_elements(handler, item)

    return fgen, MediaRss, MediaAtom


def django_feed(classes, feed: dict, items: list[dict]) -> tuple[bytes, bytes]:
    fgen, MediaRss, MediaAtom = classes
    out = []
    for cls, self_url in ((MediaRss, feed["rss_url"]), (MediaAtom, feed["atom_url"])):
        f = cls(title=feed["title"], link=feed["link"], description=feed["description"], language=feed["language"],
                feed_url=self_url, author_name=feed["author"], feed_guid=f"tag:genpi.example,2024:feed/{feed['name']}", ttl=str(feed["ttl"]))
        for d in items:
            images = d.get("images", [])
            creators = [a["name"] for a in d.get("authors", ())]
            if cls is MediaRss:
                lead = images[0] if images and "length" in images[0] and images[0].get("type") else None
                enclosures = [fgen.Enclosure(lead["url"], str(lead["length"]), lead["type"])] if lead else []
            else:
                enclosures = [fgen.Enclosure(im["url"], str(im.get("length", "")), im.get("type", "")) for im in images]
            f.add_item(
                title=d["title"], link=d["url"], description=summary(d) or d["title"], unique_id=d["id"],
                unique_id_is_permalink=False, pubdate=_dt(d["published"]), updateddate=_dt(d.get("updated") or d["published"]),
                author_name=creators[0] if creators else None, categories=_categories(d), enclosures=enclosures,
                content_html=d.get("content_html"), creators=creators, images=images, related=d.get("related", []),
            )
        out.append(f.writeString("utf-8").encode())
    return out[0], out[1]


def django_w1(db, feeds: list[dict], limit: int, classes=None) -> list[bytes]:
    classes = classes or django_classes()
    out = []
    for f in feeds:
        out += django_feed(classes, f, rows.newest(db, f["key"], f["value"], limit))
    return out
