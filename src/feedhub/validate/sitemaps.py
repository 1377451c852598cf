"""Sitemaps (``urlset``), Google News sitemaps and sitemap indexes.

https://www.sitemaps.org/protocol.html.  A document first goes through :mod:`._fast`,
which proves the common, canonical shape valid in a few regex passes; anything else
(or anything it cannot prove) is walked element by element here, which is also what
produces every per-element problem.  Checks across entries (unique, on-site, counts,
news window) run on the extracted values, whichever path produced them.

:func:`sitemap_proven` runs the same checks without the tree (the root alone, from
:func:`._xml.scan`) and says whether the document is free of problems; only when it may
not be does the caller build the tree and call :func:`check_sitemap`.  The fast path pays
at the README's workloads (a 50,000-URL shard: about 0.25 s instead of 0.8 s; an
800-story news sitemap: 8 ms instead of 40 ms), so it stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from lxml import etree
from lxml.etree import _Element

from ..rules.namespaces import IMAGE_NS, NEWS_NS, SITEMAP_NS, XSI_NS
from ..rules.sitemaps import MAX_IMAGES, MAX_INDEX_ENTRIES
from . import _fast
from ._news import IMAGE, NEWS, PUBLICATION_DATE, check_image, check_news
from ._report import Report
from ._xml import (
    CHANGEFREQS,
    DECIMAL_RE,
    W3C_RE,
    XWS,
    loc_problem,
    local,
    off_site,
    parse_datetime,
    qn,
    short,
)

_S = f"{{{SITEMAP_NS}}}"
URL, SITEMAP = _S + "url", _S + "sitemap"
URLSET, SITEMAPINDEX = _S + "urlset", _S + "sitemapindex"
LOC, LASTMOD, CHANGEFREQ, PRIORITY = _S + "loc", _S + "lastmod", _S + "changefreq", _S + "priority"

_KNOWN_NS = frozenset({SITEMAP_NS, NEWS_NS, IMAGE_NS})
_URL_ORDER = {LOC: 0, LASTMOD: 1, CHANGEFREQ: 2, PRIORITY: 3}
_SITEMAP_ORDER = {LOC: 0, LASTMOD: 1}
#: Clocks differ a little between the CMS and the build host; this much "future" is not an error.
NEWS_SKEW = timedelta(minutes=10)
_NEWS_DATE_PATH = f"{NEWS}/{PUBLICATION_DATE}"
_INDEX_HOST_NOTE = "; search engines accept it only if robots.txt on the site lists it"


@dataclass(frozen=True, slots=True)
class Limits:
    """What a urlset or index is held to beyond its own content (validate()'s options)."""

    #: The news window's reference time (aware), or None for no window check.
    now: datetime | None
    news_window_hours: float
    news_max_urls: int
    max_urls: int
    #: The site every loc must be on, or None for no host check.
    site_url: str | None


#: ``fast=`` default of check_sitemap: the fast path has not been tried yet.
UNTRIED: Any = object()


def sitemap_proven(head: _Element | None, text: str, news: bool, family: str, limits: Limits) -> tuple[bool, Any]:
    """``(True, _)`` when the checks would find nothing, decided from the root alone and the text.

    *head* is the root alone, from :func:`._xml.scan` (no tree); the records come from :mod:`._fast`.  The
    second item is the fast path's result, for check_sitemap(fast=...) when the answer is False.
    """
    if head is None or head.tag != (URLSET if family == "urlset" else SITEMAPINDEX) or _foreign_root_attributes(head):
        return False, UNTRIED
    if family == "urlset":
        fast = _fast.urlset(head, text, news=news)
        return fast is not None and _urlset_clean(*fast, news, limits), fast
    locs = _fast.index(head, text)
    if locs is None or not 0 < len(locs) <= MAX_INDEX_ENTRIES:
        return False, locs
    return next(_across(locs, limits.site_url, "index.loc-host", _INDEX_HOST_NOTE), None) is None, locs


def _urlset_clean(locs: list[str], pubs: list[str | None], news: bool, limits: Limits) -> bool:
    n = len(locs)
    if n == 0 or n > limits.max_urls or (news and n > limits.news_max_urls):
        return False
    if next(_across(locs, limits.site_url, "sitemap.loc-host", ""), None) is not None:
        return False
    return not (news and limits.now is not None and next(_window(pubs, limits.now, limits.news_window_hours), None) is not None)


def check_sitemap(root: _Element, text: str, rep: Report, news: bool, family: str, limits: Limits, fast: Any = UNTRIED) -> None:
    """Check a urlset (*family* ``urlset``) or a sitemapindex and report every problem.

    *fast* is what :func:`sitemap_proven` found, so the fast path does not run twice.
    """
    if family == "urlset":
        _check_urlset(root, text, rep, news, limits, _fast.urlset(root, text, news=news) if fast is UNTRIED else fast)
    else:
        _check_index(root, rep, limits.site_url, _fast.index(root, text) if fast is UNTRIED else fast)


def _check_urlset(root: _Element, text: str, rep: Report, news: bool, limits: Limits, fast: tuple[list[str], list[str | None]] | None) -> None:
    _root_attributes(root, rep, "sitemap.structure")
    url_at: Callable[[int], _Element]
    locs: Sequence[str | None]
    pubs: list[str | None]
    if fast is not None:
        locs, pubs = fast
        url_at = root.__getitem__  # _fast proved every child of the root is a url, in order
    else:
        walk = _Walk(root, rep, "sitemap.structure")
        urls = walk.entries(URL)
        rows = [walk.url(u, news) for u in urls]
        locs, pubs = [r[0] for r in rows], [r[1] for r in rows]
        url_at = urls.__getitem__
    _urlset_counts(root, len(locs), rep, news, limits)
    for i, rule, message in _across(locs, limits.site_url, "sitemap.loc-host", ""):
        rep.add(rule, message, url_at(i).find(LOC))
    if news and limits.now is not None:
        for i, message in _window(pubs, limits.now, limits.news_window_hours):
            rep.add("news.window-stale", message, url_at(i).find(_NEWS_DATE_PATH))


def _urlset_counts(root: _Element, n: int, rep: Report, news: bool, limits: Limits) -> None:
    if n == 0:
        rep.add("sitemap.empty", "the urlset has no url entries", root)
    if n > limits.max_urls:
        rep.add("sitemap.max-urls", f"{n:,} url entries; the limit is {limits.max_urls:,} (sitemaps.org allows at most 50,000 per file)", root)
    if news and n > limits.news_max_urls:
        rep.add("news.max-urls", f"{n:,} url entries; a news sitemap may hold at most {limits.news_max_urls:,} (Google News)", root)


def _check_index(root: _Element, rep: Report, site_url: str | None, fast: list[str] | None) -> None:
    _root_attributes(root, rep, "index.structure")
    at: Callable[[int], _Element]
    if fast is not None:
        locs: list[str | None] = list(fast)
        at = root.__getitem__
    else:
        walk = _Walk(root, rep, "index.structure")
        entries = walk.entries(SITEMAP)
        locs = [walk.sitemap(e) for e in entries]
        at = entries.__getitem__
    n = len(locs)
    if n == 0:
        rep.add("index.empty", "the sitemapindex lists no sitemaps", root)
    if n > MAX_INDEX_ENTRIES:
        rep.add("index.max-entries", f"{n:,} sitemap entries; sitemaps.org allows at most {MAX_INDEX_ENTRIES:,} per index", root)
    # Sitemaps served from another host are legal when robots.txt lists them, hence a warning.
    for i, rule, message in _across(locs, site_url, "index.loc-host", _INDEX_HOST_NOTE):
        rep.add(rule, message, at(i).find(LOC))


# ---------------------------------------------------------------------------- element walk


def _foreign_root_attributes(root: _Element) -> list[str]:
    return [name for name in cast(list[str], root.keys()) if not name.startswith("{" + XSI_NS)]


def _root_attributes(root: _Element, rep: Report, rule: str) -> None:
    for name in _foreign_root_attributes(root):
        rep.add(rule, f"attribute {local(name)!r} is not allowed on <{qn(root)}>", root, attr=name)


# Attributes where the schemas allow none, found in one pass (in C) rather than per element
# in Python.  The root's own attributes are checked on their own.
_ATTRIBUTE_OWNERS = etree.XPath(f"/*//@*[namespace-uri() != '{XSI_NS}']/..")
_FAMILY_RULE = {NEWS_NS: "news.structure", IMAGE_NS: "image.structure"}


def _stray_text(el: _Element) -> bool:
    return bool(el.text and el.text.strip(XWS))


def _ns(el: _Element) -> str:
    tag = el.tag
    return tag[1 : tag.index("}")] if tag[0] == "{" else ""


class _Walk:
    """The element-by-element check; it reports everything the fast path cannot explain."""

    __slots__ = ("root", "rep", "rule", "declared", "undeclared")

    def __init__(self, root: _Element, rep: Report, rule: str) -> None:
        self.root, self.rep, self.rule = root, rep, rule
        self.declared = set(root.nsmap.values())
        self.undeclared: set[str] = set()
        owners: list[_Element] = _ATTRIBUTE_OWNERS(root)  # type: ignore[assignment]
        for el in owners:
            ns = _ns(el)
            if ns not in _KNOWN_NS:
                continue  # extensions are not ours to judge
            for name in cast(list[str], el.keys()):
                if not name.startswith("{" + XSI_NS):
                    rep.add(_FAMILY_RULE.get(ns, rule), f"attribute {local(name)!r} is not allowed on <{qn(el)}>", el, attr=name)

    def entries(self, tag: str) -> list[_Element]:
        """The root's *tag* children (url or sitemap); anything else there is reported."""
        found = []
        stray = _stray_text(self.root)
        for c in self.root:
            stray = stray or bool(c.tail and c.tail.strip(XWS))
            if c.tag == tag:
                found.append(c)
            elif c.tag.startswith(_S):
                self.rep.add(self.rule, f"<{qn(c)}> is not allowed in <{qn(self.root)}>; only <{local(tag)}>", c)
            else:
                self.foreign(c)
        if stray:
            self.rep.add(self.rule, f"text directly inside <{qn(self.root)}> is not allowed", self.root)
        return found

    def extension(self, el: _Element) -> None:
        """Extensions declared below the root: legal, but some readers look only there."""
        ns = _ns(el)
        if ns and ns not in self.declared and ns not in self.undeclared:
            self.undeclared.add(ns)
            self.rep.add("xml.namespace-root", f"namespace {ns} is not declared on the root element", el)

    def foreign(self, el: _Element) -> None:
        self.extension(el)
        ns = _ns(el) or "no namespace"
        self.rep.add(
            "sitemap.foreign",
            f"<{qn(el)}> ({ns}) is not a Google News or Image extension here; search engines may ignore it and sitemap.xsd rejects it unless its schema is loaded",
            el,
        )

    def _children(self, el: _Element, order: dict[str, int], loc_rule: str) -> tuple[dict[str, _Element], list[_Element]]:
        """Sitemap-namespace children of a url/sitemap entry by tag, and the extension children."""
        found: dict[str, _Element] = {}
        ext: list[_Element] = []
        last = -1
        stray = _stray_text(el)
        for c in el:
            stray = stray or bool(c.tail and c.tail.strip(XWS))
            pos = order.get(c.tag)
            if pos is None:
                self._unordered(el, c, ext)
            elif c.tag in found:
                self.rep.add(loc_rule if c.tag == LOC else self.rule, f"<{local(c.tag)}> may appear only once in <{local(el.tag)}>", c)
            else:
                self._ordered(c, order, pos < last or bool(ext))
                last = max(last, pos)
                found[c.tag] = c
        if stray:
            self.rep.add(self.rule, f"text directly inside <{local(el.tag)}> is not allowed", el)
        if LOC not in found:
            self.rep.add(loc_rule, f"<{local(el.tag)}> has no <loc>", el)
        self._lastmod(found.get(LASTMOD))
        return found, ext

    def _unordered(self, el: _Element, c: _Element, ext: list[_Element]) -> None:
        if c.tag.startswith(_S):
            self.rep.add(self.rule, f"<{local(c.tag)}> is not allowed in <{local(el.tag)}>", c)
        else:
            ext.append(c)

    def _ordered(self, c: _Element, order: dict[str, int], misplaced: bool) -> None:
        if misplaced:
            self.rep.add(self.rule, f"<{local(c.tag)}> is out of order: the schema wants {', '.join(local(t) for t in order)}, then extensions", c)
        if len(c):
            self.rep.add(self.rule, f"<{local(c.tag)}> holds text only, not elements", c)

    def _lastmod(self, lastmod: _Element | None) -> None:
        if lastmod is None or len(lastmod):
            return
        # XML Schema collapses whitespace around a date before checking it, so do we.
        v = (lastmod.text or "").strip(XWS)
        if not W3C_RE.fullmatch(v):
            self.rep.add("sitemap.lastmod", f"lastmod {short(v)!r} is not a W3C date-time (YYYY-MM-DD, or e.g. 2024-06-19T08:00:00+07:00)", lastmod)

    def _loc(self, found: dict[str, _Element]) -> str | None:
        el = found.get(LOC)
        if el is None or len(el):
            return None
        v = el.text or ""
        bad = loc_problem(v)
        if bad:
            self.rep.add(bad[0], bad[1], el)
            return None
        return v

    def url(self, u: _Element, news: bool) -> tuple[str | None, str | None]:
        """Check one url; return its loc and news publication date when those are valid."""
        found, ext = self._children(u, _URL_ORDER, "sitemap.url.loc")
        self._values(found)
        news_els, images = self._extensions(ext)
        if news and not news_els:
            self.rep.add("news.news", "url has no news:news; every entry of a news sitemap needs one", u)
        for extra in news_els[1:]:
            self.rep.add("news.news", "url has more than one news:news", extra)
        pubs = [check_news(n, self.rep) for n in news_els]
        if len(images) > MAX_IMAGES:
            self.rep.add("image.max", f"{len(images):,} image:image in one url; Google reads at most {MAX_IMAGES:,}", images[MAX_IMAGES])
        for img in images:
            check_image(img, self.rep)
        return self._loc(found), pubs[0] if pubs else None

    def _values(self, found: dict[str, _Element]) -> None:
        cf = found.get(CHANGEFREQ)
        if cf is not None and (cf.text or "") not in CHANGEFREQS:
            self.rep.add("sitemap.changefreq", f"changefreq {short(cf.text or '')!r} is not one of {', '.join(sorted(CHANGEFREQS))}", cf)
        pr = found.get(PRIORITY)
        if pr is not None:
            v = (pr.text or "").strip(XWS)
            if not (DECIMAL_RE.fullmatch(v) and 0 <= Decimal(v) <= 1):
                self.rep.add("sitemap.priority", f"priority {short(v)!r} is not a decimal from 0.0 to 1.0", pr)

    def _extensions(self, ext: list[_Element]) -> tuple[list[_Element], list[_Element]]:
        """The news:news and image:image children; any other extension is reported."""
        news_els, images = [], []
        for c in ext:
            if c.tag == NEWS:
                self.extension(c)
                news_els.append(c)
            elif c.tag == IMAGE:
                self.extension(c)
                images.append(c)
            else:
                self.foreign(c)
        return news_els, images

    def sitemap(self, e: _Element) -> str | None:
        """Check one sitemap entry of an index; return its loc when valid."""
        found, ext = self._children(e, _SITEMAP_ORDER, "index.loc")
        for c in ext:
            self.foreign(c)
        return self._loc(found)


# ---------------------------------------------------------------------------- across entries


def _across(locs: Sequence[str | None], site_url: str | None, host_rule: str, note: str) -> Iterator[tuple[int, str, str]]:
    """``(entry index, rule, message)`` for each duplicate and off-site loc (None = invalid, skipped)."""
    idx = [i for i, v in enumerate(locs) if v is not None] if None in locs else range(len(locs))
    vals: list[str] = [v for v in locs if v is not None]
    if len(set(vals)) != len(vals):
        yield from _duplicates(idx, vals)
    if site_url:
        for j in off_site(vals, site_url):
            yield idx[j], host_rule, f"{short(vals[j])} is not on {site_url}{note}"


def _duplicates(idx: Sequence[int], vals: list[str]) -> Iterator[tuple[int, str, str]]:
    first: dict[str, int] = {}
    for i, v in zip(idx, vals, strict=True):
        if v in first:
            yield i, "sitemap.loc-unique", f"{short(v)} is listed twice (first in entry {first[v] + 1:,})"
        else:
            first[v] = i


def _instant(v: str) -> datetime:
    """A news publication date (a W3C date or date-time, see :data:`._xml.NEWS_DATE_RE`) as an aware datetime.

    ``fromisoformat`` (in C) reads every such date-time the way parse_datetime does,
    fractions past microseconds cut off alike; the regex is the fallback should it ever
    refuse one.  A date alone is taken as midnight UTC: Google gives no zone for it.
    """
    if len(v) == 10:
        return datetime.fromisoformat(v).replace(tzinfo=UTC)
    try:
        return datetime.fromisoformat(v)
    except ValueError:
        return parse_datetime(v)


def _window(pubs: list[str | None], now: datetime, hours: float) -> Iterator[tuple[int, str]]:
    """``(entry index, message)`` for each publication date outside the news window."""
    oldest, newest = now - timedelta(hours=hours), now + NEWS_SKEW
    for i, p in enumerate(pubs):
        if p is None:
            continue
        dt = _instant(p)
        if dt < oldest:
            yield i, f"published {p}, more than {hours:g} hours before {now.isoformat()}; Google News only takes articles from the last two days"
        elif dt > newest:
            yield i, f"published {p}, in the future (now is {now.isoformat()})"
