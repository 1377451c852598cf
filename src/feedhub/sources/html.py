"""Article pages → import records (``feedhub import-html``).

Each field comes from the most trusted source that has it: JSON-LD ``NewsArticle``/``Article``/
``ReportageNewsArticle``, then ``<meta>`` (OpenGraph, ``article:``, description), then the HTML
itself (``<h1>``, ``<time>``, the lead photo's ``<figure>``/caption paragraph, the body paragraphs,
"Baca juga" blocks, tag links).  A page that cannot become a record raises :class:`ArticleError`
naming the field and why, so one bad page costs only itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from ..contract import parse_datetime
from ..errors import ArticleError
from . import _structured as ld
from ._body import Body, read_body
from ._charset import decode_page
from ._text import related_pattern, slug, split_credit, squash, strip_params
from .limits import MAX_PAGE_BYTES as MAX_PAGE_BYTES

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_DATE_ONLY = re.compile(r"\s*\d{4}-\d{2}-\d{2}\s*")
_PARSER = lxml_html.HTMLParser(remove_comments=True, no_network=True, huge_tree=False)


@dataclass(frozen=True, slots=True)
class PageOptions:
    #: Extra labels that start a related-links block, beside :data:`feedhub.sources._text.RELATED_LABELS`.
    related_labels: tuple[str, ...] = ()
    #: Query parameters removed from every URL of the record (``utm_*``, ``fbclid``); none by default.
    strip_params: tuple[str, ...] = ()
    max_bytes: int = MAX_PAGE_BYTES


@dataclass(slots=True)
class _Sources:
    """Everything one page offers, before the fields are chosen."""

    article: dict[str, Any]
    meta: dict[str, list[str]]
    body: Body
    root: lxml_html.HtmlElement


def page_record(
    data: bytes, *, tz: tzinfo, options: PageOptions = PageOptions(), base_url: str | None = None,
    content_type: str | None = None, charset: str | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """One page's import record and the warnings met on the way (skipped JSON-LD, unused dates)."""
    if len(data) > options.max_bytes:
        raise ArticleError(None, "(page)", f"page is {len(data):,} bytes, over the {options.max_bytes:,}-byte limit")
    if content_type and content_type not in _HTML_TYPES:
        raise ArticleError(None, "(page)", f"not an HTML page (Content-Type {content_type})")
    text = decode_page(data, charset)
    warnings: list[str] = []
    src = _parse(text, warnings, options, base_url)
    base = base_url or _base(src)
    record = _identity(src, base, options)
    record.update(_dates(src, tz, record["id"], warnings))
    record.update(_descriptive(src))
    record.update(_media(src, base))
    return _finish(record, options), warnings


def _parse(text: str, warnings: list[str], options: PageOptions, fetched: str | None) -> _Sources:
    try:
        root = lxml_html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError) as e:
        raise ArticleError(None, "(page)", f"not an HTML page ({e})") from None
    article = ld.json_ld_article(root, warnings) or {}
    meta = ld.metas(root)
    base = _pick(_attr(root, "//base/@href"), fetched, _canonical(root), ld.first(meta, "og:url"))
    body = read_body(root, base, related_pattern(options.related_labels))
    return _Sources(article, meta, body, root)


def _attr(root: lxml_html.HtmlElement, path: str) -> str | None:
    value = str(root.xpath(f"string({path})")).strip()
    return value or None


def _canonical(root: lxml_html.HtmlElement) -> str | None:
    return _attr(root, "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href")


def _base(src: _Sources) -> str | None:
    return _canonical(src.root) or ld.first(src.meta, "og:url") or ld.url(src.article.get("mainEntityOfPage")) or ld.url(src.article.get("url"))


def _pick(*values: Any) -> Any:
    """The first value that is not None or empty: the trust order of the sources, in one place."""
    return next((v for v in values if v), None)


def _identity(src: _Sources, base: str | None, options: PageOptions) -> dict[str, Any]:
    a = src.article
    canonical = _pick(_canonical(src.root), ld.first(src.meta, "og:url"))
    url = _pick(ld.url(a.get("mainEntityOfPage")), ld.url(a.get("url")), canonical, base)
    if url is None:
        raise ArticleError(None, "url", "the page names no URL (no JSON-LD url/mainEntityOfPage, no canonical link, no og:url)")
    url = strip_params(urljoin(base or "", url), options.strip_params)
    rid = ld.identifier(a.get("identifier"))
    if rid is None:
        rid = strip_params(urljoin(base or "", canonical), options.strip_params) if canonical else url
    title = _pick(ld.text(a.get("headline")), ld.first(src.meta, "og:title"), src.body.headline, squash(src.root.findtext(".//title") or ""))
    if title is None:
        raise ArticleError(rid, "title", "the page has no headline (no JSON-LD headline, og:title, <h1> or <title>)")
    return {"id": rid, "url": url, "title": title}


def _dates(src: _Sources, tz: tzinfo, rid: str, warnings: list[str]) -> dict[str, Any]:
    published = _agreed(
        rid, "published", tz, warnings,
        [("JSON-LD datePublished", ld.text(src.article.get("datePublished"))),
         ("article:published_time", ld.first(src.meta, "article:published_time", "datepublished")),
         ("<time> marked published", src.body.published)],
    )
    if published is None:
        # An unmarked <time> is only a hint ("Updated 10:02" often comes first): never a conflict.
        published = _agreed(rid, "published", tz, warnings, [("<time datetime>", src.body.first_time)])
    if published is None:
        raise ArticleError(rid, "published", "no publication date on the page (looked for JSON-LD datePublished, article:published_time, <time datetime>)")
    updated = _agreed(
        rid, "updated", tz, warnings,
        [("JSON-LD dateModified", ld.text(src.article.get("dateModified"))),
         ("article:modified_time", ld.first(src.meta, "article:modified_time", "og:updated_time", "datemodified"))],
        strict=False,
    )
    out = {"published": published.isoformat()}
    if updated is not None and updated != published:
        out["updated"] = updated.isoformat()
    return out


_Dated = tuple[str, datetime, bool]  # where, the moment, whether only a date was given


def _agreed(rid: str, field: str, tz: tzinfo, warnings: list[str], found: list[tuple[str, str | None]], *, strict: bool = True) -> datetime | None:
    """The date the page's sources give for *field*.  Two that name different moments are an
    error when *strict* (guessing would publish the story at the wrong time), else a warning and
    the more trusted one.  A date-only value agrees with any time that day, and the time is kept."""
    chosen: _Dated | None = None
    for this in _readable(rid, field, tz, warnings, found):
        if chosen is None or (chosen[2] and not this[2] and _same_day(chosen[1], this[1])):
            chosen = this
        elif not _agree(chosen, this):
            problem = f"the page gives two dates: {chosen[0]} {chosen[1].isoformat()} and {this[0]} {this[1].isoformat()}"
            if strict:
                raise ArticleError(rid, field, problem)
            warnings.append(f"id={rid}: {field}: {problem}; the first is used")
    return chosen[1] if chosen else None


def _readable(rid: str, field: str, tz: tzinfo, warnings: list[str], found: list[tuple[str, str | None]]) -> list[_Dated]:
    out = []
    for where, value in found:
        if value is None:
            continue
        dt = parse_datetime(value)
        if dt is None:
            warnings.append(f"id={rid}: {field}: cannot read {where} {value!r}; ignored")
            continue
        out.append((where, dt if dt.tzinfo is not None else dt.replace(tzinfo=tz), bool(_DATE_ONLY.fullmatch(value))))
    return out


def _same_day(day: datetime, moment: datetime) -> bool:
    return moment.astimezone(day.tzinfo).date() == day.date()


def _agree(a: _Dated, b: _Dated) -> bool:
    if a[2]:
        return _same_day(a[1], b[1])
    if b[2]:
        return _same_day(b[1], a[1])
    return a[1] == b[1]


def _descriptive(src: _Sources) -> dict[str, Any]:
    a, m = src.article, src.meta
    section = _pick(ld.text(a.get("articleSection")), ld.first(m, "article:section"))
    language = _pick(ld.text(a.get("inLanguage")), ld.first(m, "og:locale"), src.root.get("lang"))
    meta_authors = [{"name": n} for n in m.get("author", []) if "://" not in n]
    return {
        "summary": _pick(ld.text(a.get("description")), ld.first(m, "og:description", "description")),
        "authors": _pick(ld.authors(a.get("author")), meta_authors, src.body.authors),
        "section": slug(section) if section else None,
        "tags": _pick(ld.keywords(a.get("keywords")), m.get("article:tag"), ld.keywords(ld.first(m, "news_keywords")), src.body.tags),
        "language": language.replace("_", "-") if language else None,
    }


def _media(src: _Sources, base: str | None) -> dict[str, Any]:
    images = _images(src)
    for image in images:
        image["url"] = urljoin(base or "", image["url"])
        if image.get("caption") and not image.get("credit"):
            image["caption"], image["credit"] = split_credit(image["caption"])
    return {"content_html": _pick(src.body.content_html, _body_text(src.article)), "images": images, "related": src.body.related}


def _images(src: _Sources) -> list[dict[str, Any]]:
    """The lead photo only: JSON-LD often lists one photo in three crops, which are not three photos."""
    og = _og_image(src.meta)
    images = ld.images(src.article.get("image"))[:1] or og
    lead = src.body.lead
    if not images:
        return [dict(lead)] if lead is not None else []
    if og and og[0]["url"] == images[0]["url"]:
        _fill(images[0], og[0], ("type", "width", "height", "caption"))
    if lead is not None:
        # The HTML caption and credit are the photo's whatever crop the structured data points
        # at; the HTML's width and height only fit the same file.
        same = lead["url"] == images[0]["url"]
        _fill(images[0], lead, ("caption", "credit", "width", "height") if same else ("caption", "credit"))
    return images


def _og_image(meta: dict[str, list[str]]) -> list[dict[str, Any]]:
    link = ld.first(meta, "og:image:secure_url", "og:image", "og:image:url", "twitter:image")
    if link is None:
        return []
    return [{
        "url": link, "caption": ld.first(meta, "og:image:alt"), "type": ld.first(meta, "og:image:type"),
        "width": ld.count(ld.first(meta, "og:image:width")), "height": ld.count(ld.first(meta, "og:image:height")),
    }]


def _fill(image: dict[str, Any], other: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if image.get(key) is None and other.get(key) is not None:
            image[key] = other[key]


def _body_text(article: dict[str, Any]) -> str | None:
    """JSON-LD ``articleBody`` (plain text) as paragraphs, for pages whose HTML body is not found."""
    from html import escape

    body = ld.text(article.get("articleBody"))
    if body is None:
        return None
    return "".join(f"<p>{escape(squash(p), quote=False)}</p>" for p in re.split(r"\n\s*\n", body) if p.strip())


def _finish(record: dict[str, Any], options: PageOptions) -> dict[str, Any]:
    """Drop empty fields (the contract's "absent"), clean link parameters where configured."""
    for image in record.get("images", []):
        for key in [k for k, v in image.items() if v is None]:
            del image[key]
    if options.strip_params:
        for link in record.get("related", []):
            link["url"] = strip_params(link["url"], options.strip_params)
    order = ("id", "url", "title", "published", "updated", "summary", "content_html", "authors", "section", "tags", "language", "images", "related")
    return {k: record[k] for k in order if record.get(k) not in (None, [], "")}
