"""The plain records that flow from the store to the renderers.

Everything here is frozen and holds already-validated data: the import
contract (:mod:`feedhub.contract`) is the only way raw JSON becomes an
:class:`Article`, and the store hands back exactly what was put in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

STATUSES = ("published", "draft", "deleted")


@dataclass(frozen=True, slots=True)
class Author:
    #: Display name, never empty.
    name: str
    #: Optional e-mail address.
    email: str | None = None
    #: Optional absolute http(s) URL of the author's page.
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    #: Absolute http(s) URL of the image file.
    url: str
    #: The photo caption ("keterangan foto"), plain text.
    caption: str | None = None
    #: The photo credit, e.g. ``AP Photo/Susan Walsh``.
    credit: str | None = None
    #: MIME type such as ``image/jpeg``.
    type: str | None = None
    #: Pixel width / height and byte length, when known.
    width: int | None = None
    height: int | None = None
    length: int | None = None


@dataclass(frozen=True, slots=True)
class RelatedLink:
    #: Absolute http(s) URL of the related story ("Baca juga").
    url: str
    #: Its headline.
    title: str


@dataclass(frozen=True, slots=True)
class Article:
    #: Stable identity; feed GUIDs and Atom ids derive from it, never from the URL.
    id: str
    #: Absolute http(s) URL of the story.
    url: str
    #: Headline exactly as the newsroom wrote it.
    title: str
    #: Time-zone aware publication time (naive input took the site zone at ingest).
    published: datetime
    #: Time-zone aware last-modification time, never before ``published``.
    updated: datetime | None = None
    #: Plain-text standfirst.
    summary: str | None = None
    #: Full body as HTML.
    content_html: str | None = None
    authors: tuple[Author, ...] = ()
    #: One section slug, e.g. ``internasional``.
    section: str | None = None
    tags: tuple[str, ...] = ()
    #: BCP 47 tag; the site language when the input had none.
    language: str = "en"
    #: The first image is the lead photo.
    images: tuple[Image, ...] = ()
    related: tuple[RelatedLink, ...] = ()
    #: ``published``, ``draft`` or ``deleted``; only published ones reach outputs.
    status: str = "published"

    @property
    def modified(self) -> datetime:
        """When the article last changed: ``updated``, else ``published``."""
        return self.updated or self.published


class SitemapRow(NamedTuple):
    """The two columns an archive sitemap needs, streamed without building Articles."""

    #: Absolute URL of the story.
    url: str
    #: W3C date-time of the last change (``updated``, else ``published``).
    lastmod: str


def article_to_dict(a: Article) -> dict[str, Any]:
    """The import-contract JSON form of *a*; ``article_from_dict`` inverts it exactly.

    Absent values (None, no items) are left out; keys keep the contract's order, which the
    store's digest of the JSON depends on.  Written out field by field: ingest calls it once
    per record, and filtering a full dict cost it twice as much.
    """
    d: dict[str, Any] = {"id": a.id, "url": a.url, "title": a.title, "published": a.published.isoformat()}
    if a.updated is not None:
        d["updated"] = a.updated.isoformat()
    if a.summary is not None:
        d["summary"] = a.summary
    if a.content_html is not None:
        d["content_html"] = a.content_html
    if a.authors:
        d["authors"] = [_author_dict(x) for x in a.authors]
    if a.section is not None:
        d["section"] = a.section
    if a.tags:
        d["tags"] = list(a.tags)
    if a.language is not None:
        d["language"] = a.language
    if a.images:
        d["images"] = [_image_dict(i) for i in a.images]
    if a.related:
        d["related"] = [{"url": r.url, "title": r.title} for r in a.related]
    if a.status is not None:
        d["status"] = a.status
    return d


def _author_dict(x: Author) -> dict[str, Any]:
    d: dict[str, Any] = {"name": x.name}
    if x.email is not None:
        d["email"] = x.email
    if x.url is not None:
        d["url"] = x.url
    return d


def _image_dict(i: Image) -> dict[str, Any]:
    d: dict[str, Any] = {"url": i.url}
    for key, value in (("caption", i.caption), ("credit", i.credit), ("type", i.type), ("width", i.width), ("height", i.height), ("length", i.length)):
        if value is not None:
            d[key] = value
    return d


def article_from_dict(d: dict[str, Any]) -> Article:
    """Rebuild an Article from ``article_to_dict`` output (trusted, already validated)."""
    upd = d.get("updated")
    return Article(
        id=d["id"],
        url=d["url"],
        title=d["title"],
        published=datetime.fromisoformat(d["published"]),
        updated=datetime.fromisoformat(upd) if upd else None,
        summary=d.get("summary"),
        content_html=d.get("content_html"),
        authors=tuple(Author(**x) for x in d.get("authors", ())),
        section=d.get("section"),
        tags=tuple(d.get("tags", ())),
        language=d["language"],
        images=tuple(Image(**x) for x in d.get("images", ())),
        related=tuple(RelatedLink(**x) for x in d.get("related", ())),
        status=d.get("status", "published"),
    )


@dataclass(frozen=True, slots=True)
class Facets:
    """What decides which feeds one version of an article is in (incremental builds, issue 15)."""

    id: str
    status: str
    #: UTC microseconds since the epoch, as stored.
    published_us: int
    section: str | None
    #: Lower-cased BCP 47 tag.
    lang_key: str
    tags: tuple[str, ...] = ()
    #: Author names.
    authors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """Which published articles a feed carries; all fields None means every article."""

    section: str | None = None
    tag: str | None = None
    language: str | None = None
    #: An author's name, exactly as written (feed families by author).
    author: str | None = None

    def matches(self, f: Facets) -> bool:
        """Whether an article with facets *f* passes this filter (status and date aside).

        The store's feed query (``store._sql.newest``) says the same in SQL; a property test
        holds the two together."""
        if self.section is not None and f.section != self.section:
            return False
        if self.tag is not None and self.tag not in f.tags:
            return False
        if self.author is not None and self.author not in f.authors:
            return False
        if self.language is None:
            return True
        # RFC 4647 basic filtering: "zh" matches zh, zh-TW and zh-Hant-TW.
        key = self.language.lower()
        return f.lang_key == key or f.lang_key.startswith(key + "-")


__all__ = [
    "Article",
    "Author",
    "Facets",
    "FeedFilter",
    "Image",
    "RelatedLink",
    "STATUSES",
    "SitemapRow",
    "article_from_dict",
    "article_to_dict",
]
