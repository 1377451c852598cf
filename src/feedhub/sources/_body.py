"""What the HTML itself says: headline, byline time, lead photo with caption and credit, the body
paragraphs, related-link blocks and tags.  Used when the structured data is silent, and always for
the body, the related links and the caption, which structured data rarely carries.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urljoin

from lxml.html import HtmlElement, tostring

from ._text import split_credit, squash

#: Block elements kept in ``content_html``; everything else beside them (scripts, ads, share
#: buttons, forms) is page furniture.
BODY_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "pre", "table", "figure"})
#: Not the story: links and paragraphs in these belong to the site around it.
FURNITURE = frozenset({"header", "nav", "footer", "aside", "form"})
#: Presentation attributes that mean nothing outside the site's own stylesheet and scripts.
_DROP_ATTRS = re.compile(r"^(?:class|id|style|data-.*|on.*)$")
_UPDATED_CLASS = re.compile(r"updated|modified", re.I)
_CAPTION_CLASS = re.compile(r"caption|keterangan|credit", re.I)
_TAG_CLASS = re.compile(r"(?:^|[\s_-])tags?(?:$|[\s_-](?:list|links|box|wrap))", re.I)
_MIN_PHOTO_PX = 120
_RELATED_HOLDERS = ("p", "div", "aside", "section", "li", "ul", "span", "strong")


@dataclass(slots=True)
class Body:
    headline: str | None = None
    #: A time marked as the publication time (itemprop, hAtom).
    published: str | None = None
    #: The first ``<time datetime>`` of the story, marked or not.
    first_time: str | None = None
    authors: list[dict[str, str]] = field(default_factory=list)
    lead: dict[str, Any] | None = None
    content_html: str | None = None
    related: list[dict[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def elements(el: HtmlElement, path: str) -> list[HtmlElement]:
    """*path*'s element results (the stubs type xpath() as any XPath result)."""
    return [e for e in cast(list[Any], el.xpath(path)) if isinstance(e, HtmlElement)]


def read_body(root: HtmlElement, base: str | None, related_re: re.Pattern[str]) -> Body:
    scope = _scope(root)
    body = Body(_first_text(scope, ".//h1"), _marked_time(scope), _first_time(scope), _byline(scope))
    blocks = related_blocks(scope, related_re)
    body.related = related_links(blocks, base)
    skip: set[HtmlElement] = set(blocks)
    lead = _lead_photo(scope, base)
    if lead is not None:
        body.lead, lead_elements = lead
        skip.update(lead_elements)
    body.content_html = content_html(_container(scope, skip), skip, base)
    body.tags = _tags(scope)
    return body


def _scope(root: HtmlElement) -> HtmlElement:
    """The story's own part of the page: the ``<article>`` with most paragraphs (teaser cards are
    ``<article>`` s too), else ``<main>``, else ``<body>``."""
    articles = elements(root, "//article[not(ancestor::header or ancestor::nav or ancestor::footer or ancestor::aside)]")
    if articles:
        return max(articles, key=lambda a: len(elements(a, ".//p")))  # max() keeps the first of equals
    for path in ("//main", "//body"):
        found = elements(root, path)
        if found:
            return found[0]
    return root


def _in_furniture(el: HtmlElement, scope: HtmlElement) -> bool:
    for parent in el.iterancestors():
        if parent is scope:
            return False
        if parent.tag in FURNITURE:
            return True
    return False


def _first_text(scope: HtmlElement, path: str) -> str | None:
    for el in elements(scope, path):
        if not _in_furniture(el, scope) and squash(el.text_content()):
            return squash(el.text_content())
    return None


def _marked_time(scope: HtmlElement) -> str | None:
    """A publication time the markup names as such: ``itemprop="datePublished"`` or hAtom's
    ``class="published"`` (WordPress themes)."""
    path = ".//*[@itemprop='datePublished'] | .//time[contains(concat(' ', normalize-space(@class), ' '), ' published ')]"
    for el in elements(scope, path):
        value = el.get("datetime") or el.get("content")
        if value:
            return str(value).strip()
    return None


def _first_time(scope: HtmlElement) -> str | None:
    """The story's first ``<time datetime>`` that is not marked as an update: a weak hint, used
    only when nothing else dates the page."""
    for el in scope.iter("time"):
        value = el.get("datetime")
        if value and not _UPDATED_CLASS.search(el.get("class") or "") and not _in_furniture(el, scope):
            return str(value).strip()
    return None


def _byline(scope: HtmlElement) -> list[dict[str, str]]:
    names = [squash(el.text_content()) for el in elements(scope, ".//*[contains(concat(' ', @rel, ' '), ' author ') or @itemprop='author']")]
    return [{"name": n} for n in dict.fromkeys(names) if n]


def _leading_text(el: HtmlElement) -> str:
    """The words a block starts with: its own text, else its first child's (``<strong>BACA JUGA:</strong>``)."""
    own = (el.text or "").strip()
    if own:
        return own
    children = [c for c in el if isinstance(c.tag, str)]
    return squash(children[0].text_content()) if children else ""


def related_blocks(scope: HtmlElement, related_re: re.Pattern[str]) -> list[HtmlElement]:
    found: list[HtmlElement] = []
    for el in scope.iter(*_RELATED_HOLDERS):
        if any(a in found for a in el.iterancestors()) or not elements(el, ".//a[@href]"):
            continue
        if related_re.match(_leading_text(el)):
            found.append(el)
    return found


def related_links(blocks: list[HtmlElement], base: str | None) -> list[dict[str, str]]:
    links: dict[str, str] = {}
    for block in blocks:
        for a in elements(block, ".//a[@href]"):
            title = squash(a.text_content())
            href = urljoin(base or "", (a.get("href") or "").strip())
            if title and href not in links:
                links[href] = title
    return [{"url": u, "title": t} for u, t in links.items()]


def _lead_photo(scope: HtmlElement, base: str | None) -> tuple[dict[str, Any], list[HtmlElement]] | None:
    """The first photo of the story with its caption: a ``<figure>`` + ``<figcaption>``, or an image
    followed by a caption paragraph.  Returns the image and the elements to keep out of the body."""
    img = next((i for i in scope.iter("img") if i.get("src") and not _is_icon(i) and not _in_furniture(i, scope)), None)
    if img is None:
        return None
    image = _image(img, base)
    figure = next(img.iterancestors("figure"), None)
    caption_el = figure.find(".//figcaption") if figure is not None else _caption_after(img)
    if caption_el is not None:
        image["caption"], image["credit"] = split_credit(caption_el.text_content())
    return image, [e for e in (figure, caption_el) if e is not None]


def _is_icon(img: HtmlElement) -> bool:
    """An avatar, a logo or a share button: declared smaller than any lead photo."""
    sizes = [str(img.get(a) or "").strip() for a in ("width", "height")]
    return any(v.isdigit() and int(v) < _MIN_PHOTO_PX for v in sizes)


def _image(img: HtmlElement, base: str | None) -> dict[str, Any]:
    image: dict[str, Any] = {"url": urljoin(base or "", str(img.get("src")).strip())}
    for attr in ("width", "height"):
        value = str(img.get(attr) or "").strip()
        if value.isdigit():
            image[attr] = int(value)
    return image


def _caption_after(img: HtmlElement) -> HtmlElement | None:
    """A caption paragraph right after the image (or after the wrapper holding only the image)."""
    nxt = _outermost_wrapper(img).getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    if nxt is None or nxt.tag not in ("p", "div", "span", "small"):
        return None
    has_credit = split_credit(nxt.text_content())[1] is not None
    return nxt if has_credit or _CAPTION_CLASS.search(nxt.get("class") or "") else None


def _outermost_wrapper(el: HtmlElement) -> HtmlElement:
    """*el*, or the outermost ancestor that holds nothing else (``<div class="photo"><img></div>``)."""
    parent = el.getparent()
    while parent is not None and len(parent) == 1 and not squash(parent.text_content()):
        el, parent = parent, parent.getparent()
    return el


def _container(scope: HtmlElement, skip: set[HtmlElement]) -> HtmlElement | None:
    """The element holding most of the story's paragraphs."""
    parents = Counter(p.getparent() for p in scope.iter("p") if p not in skip and not _in_furniture(p, scope) and squash(p.text_content()))
    best = parents.most_common(1)
    return best[0][0] if best else None


def _kept(child: HtmlElement, skip: set[HtmlElement]) -> bool:
    if not isinstance(child.tag, str) or child.tag not in BODY_BLOCKS or child in skip:
        return False
    if child.tag == "figure":
        return True
    return bool(squash(child.text_content())) and not any(d in skip for d in child.iterdescendants())


def content_html(container: HtmlElement | None, skip: set[HtmlElement], base: str | None = None) -> str | None:
    """The story's blocks as HTML, without related blocks, the lead photo and site attributes;
    links and images made absolute against *base*, since a feed reader has no page to resolve them."""
    if container is None:
        return None
    parts = []
    for child in container:
        if _kept(child, skip):
            clean = copy.deepcopy(child)
            for el in clean.iter():
                for name in [a for a in el.attrib if _DROP_ATTRS.match(a)]:
                    del el.attrib[name]
            if base:
                clean.make_links_absolute(base, resolve_base_href=False, handle_failures="ignore")
            parts.append(tostring(clean, encoding="unicode", with_tail=False))
    return "".join(parts) or None


def _tags(scope: HtmlElement) -> list[str]:
    links = elements(scope, ".//a[contains(concat(' ', normalize-space(@rel), ' '), ' tag ')]")
    if not links:
        boxes = [el for el in scope.iter() if isinstance(el.tag, str) and _TAG_CLASS.search(el.get("class") or "")]
        links = [a for box in boxes for a in box.iter("a")]
    return list(dict.fromkeys(t for a in links if (t := squash(a.text_content()))))
