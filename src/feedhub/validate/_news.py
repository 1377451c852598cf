"""The Google News and Google Image extensions inside a ``url`` element.

https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap
https://developers.google.com/search/docs/crawling-indexing/sitemaps/image-sitemaps
"""

from __future__ import annotations

from lxml.etree import _Element

from ..rules.languages import news_language_problem as language_problem
from ..rules.namespaces import IMAGE_NS, NEWS_NS
from ._report import Report
from ._xml import NEWS_DATE_RE, XWS, has_text, loc_problem, local, qn, short

_N = f"{{{NEWS_NS}}}"
_I = f"{{{IMAGE_NS}}}"
NEWS = _N + "news"
IMAGE = _I + "image"
PUBLICATION_DATE = _N + "publication_date"

# Positions in the news schema's sequence; the deprecated ones are still allowed there.
_NEWS_ORDER = {
    _N + "publication": 0,
    _N + "access": 1,
    _N + "genres": 2,
    PUBLICATION_DATE: 3,
    _N + "title": 4,
    _N + "keywords": 5,
    _N + "stock_tickers": 6,
}
_NEWS_DEPRECATED = {_N + "access", _N + "genres", _N + "keywords", _N + "stock_tickers"}
_PUB_ORDER = {_N + "name": 0, _N + "language": 1}
_IMAGE_ORDER = {_I + "loc": 0, _I + "caption": 1, _I + "geo_location": 2, _I + "title": 3, _I + "license": 4}


def _children(el: _Element, order: dict[str, int], rep: Report, rule: str) -> dict[str, _Element]:
    """First child per known tag; unknown, repeated and out-of-order children are *rule* problems."""
    found: dict[str, _Element] = {}
    last = -1
    for c in el:
        pos = order.get(c.tag)
        if pos is None:
            rep.add(rule, f"<{qn(c)}> is not allowed in <{qn(el)}>", c)
            continue
        if c.tag in found:
            rep.add(rule, f"<{qn(c)}> may appear only once here", c)
        else:
            if pos < last:
                rep.add(rule, f"<{qn(c)}> is out of order (the schema's sequence is {', '.join(local(t) for t in order)})", c)
            last = max(last, pos)
            found[c.tag] = c
        if len(c) and c.tag != _N + "publication":
            rep.add(rule, f"<{qn(c)}> holds text only, not elements", c)
    if has_text(el):
        rep.add(rule, f"text directly inside <{qn(el)}> is not allowed", el)
    return found  # attributes: found for the whole document by sitemaps._Walk


def _filled(el: _Element | None) -> bool:
    return el is not None and bool((el.text or "").strip(XWS))


def check_news(n: _Element, rep: Report) -> str | None:
    """Check one ``news:news``; return its publication date when that is valid."""
    kids = _children(n, _NEWS_ORDER, rep, "news.structure")
    for tag in _NEWS_DEPRECATED.intersection(kids):
        rep.add("news.deprecated", f"news:{local(tag)} is no longer used by Google News; leave it out", kids[tag])
    pub = kids.get(_N + "publication")
    if pub is None:
        rep.add("news.publication", "news:news needs a news:publication with news:name and news:language", n)
    else:
        _publication(pub, rep)
    title = kids.get(_N + "title")
    if not _filled(title):
        rep.add("news.title", "news:news needs a non-empty news:title", title if title is not None else n)
    date = kids.get(PUBLICATION_DATE)
    if date is None:
        rep.add("news.publication-date", "news:news needs a news:publication_date", n)
        return None
    v = (date.text or "").strip(XWS)
    if not NEWS_DATE_RE.fullmatch(v):
        rep.add("news.publication-date", f"news:publication_date {short(v)!r} is not a W3C date (2024-06-19) or date-time with zone (2024-06-19T08:00:00+07:00)", date)
        return None
    return v


def _publication(pub: _Element, rep: Report) -> None:
    p = _children(pub, _PUB_ORDER, rep, "news.structure")
    name, lang = p.get(_N + "name"), p.get(_N + "language")
    if not _filled(name):
        rep.add("news.name", "news:publication needs a non-empty news:name (the publication's name as in Google News)", name if name is not None else pub)
    if lang is None:
        rep.add("news.language", "news:publication needs a news:language", pub)
        return
    msg = language_problem(lang.text or "")
    if msg:
        rep.add("news.language", msg, lang)


def check_image(img: _Element, rep: Report) -> None:
    kids = _children(img, _IMAGE_ORDER, rep, "image.structure")
    for tag in kids.keys() - {_I + "loc"}:
        rep.add("image.deprecated", f"image:{local(tag)} is no longer used by Google; leave it out", kids[tag])
    loc = kids.get(_I + "loc")
    if loc is None:
        rep.add("image.loc", "image:image needs an image:loc", img)
        return
    v = loc.text or ""
    bad = loc_problem(v)
    if bad and bad[0] != "sitemap.loc-length":
        rep.add("image.loc", "image:" + bad[1], loc)
