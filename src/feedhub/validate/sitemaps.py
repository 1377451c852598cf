"""Sitemaps (``urlset``), Google News sitemaps and sitemap indexes.

https://www.sitemaps.org/protocol.html.  A document first goes through :mod:`._fast`,
which proves the common, canonical shape valid in a few regex passes; anything else
(or anything it cannot prove) is walked element by element here, which is also what
produces every per-element problem.  Checks across entries (unique, on-site, counts,
news window) run on the extracted values, whichever path produced them.

:func:`urlset_proven` and :func:`index_proven` run the same checks without the tree (the
root alone, from :func:`._xml.scan`) and say whether the document is free of problems;
only when it may not be does the caller build the tree and call :func:`check_urlset` or
:func:`check_index`, handing over the fast path's result so it is not computed twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from lxml import etree

from . import _fast
from ..rules.namespaces import IMAGE_NS, NEWS_NS, SITEMAP_NS, XSI_NS
from ..rules.sitemaps import MAX_IMAGES, MAX_INDEX_ENTRIES
from ._news import IMAGE, NEWS, PUBLICATION_DATE, check_image, check_news
from ._report import Report
from ._xml import (
    CHANGEFREQS,
    DECIMAL_RE,
    W3C_RE,
    XWS,
    local,
    loc_problem,
    off_site,
    parse_datetime,
    qn,
    short,
)

_S = "{%s}" % SITEMAP_NS
URL, SITEMAP = _S + "url", _S + "sitemap"
LOC, LASTMOD, CHANGEFREQ, PRIORITY = _S + "loc", _S + "lastmod", _S + "changefreq", _S + "priority"

_KNOWN_NS = frozenset({SITEMAP_NS, NEWS_NS, IMAGE_NS})
_URL_ORDER = {LOC: 0, LASTMOD: 1, CHANGEFREQ: 2, PRIORITY: 3}
_SITEMAP_ORDER = {LOC: 0, LASTMOD: 1}
#: Clocks differ a little between the CMS and the build host; this much "future" is not an error.
NEWS_SKEW = timedelta(minutes=10)
_NEWS_DATE_PATH = f"{NEWS}/{PUBLICATION_DATE}"
_INDEX_HOST_NOTE = "; search engines accept it only if robots.txt on the site lists it"
#: ``fast=`` default of the checks below: the fast path has not been tried yet.
UNTRIED = object()


def urlset_proven(
    head,
    text: str,
    *,
    news: bool,
    now: datetime | None,
    news_window_hours: float,
    news_max_urls: int,
    max_urls: int,
    site_url: str | None,
) -> tuple[bool, tuple[list[str], list[str | None]] | None]:
    """``(True, _)`` when check_urlset would find nothing, decided from the root alone and the text.

    *head* is the root element without its children (:func:`._xml.scan`).  The second item
    is the fast path's result, for check_urlset(fast=...) when the answer is False.
    """
    fast = _fast.urlset(head, text, news=news)
    if fast is None or _foreign_root_attributes(head):
        return False, fast
    locs, pubs = fast
    n = len(locs)
    if n == 0 or n > max_urls or (news and n > news_max_urls):
        return False, fast
    if next(_across(locs, site_url, "sitemap.loc-host", ""), None) is not None:
        return False, fast
    if news and now is not None and next(_window(pubs, now, news_window_hours), None) is not None:
        return False, fast
    return True, fast


def index_proven(head, text: str, *, site_url: str | None) -> tuple[bool, list[str] | None]:
    """:func:`urlset_proven` for a sitemapindex."""
    locs = _fast.index(head, text)
    if locs is None or _foreign_root_attributes(head) or not 0 < len(locs) <= MAX_INDEX_ENTRIES:
        return False, locs
    return next(_across(locs, site_url, "index.loc-host", _INDEX_HOST_NOTE), None) is None, locs


def check_urlset(
    root,
    text: str,
    rep: Report,
    *,
    news: bool,
    now: datetime | None,
    news_window_hours: float,
    news_max_urls: int,
    max_urls: int,
    site_url: str | None,
    fast=UNTRIED,
) -> None:
    _root_attributes(root, rep, "sitemap.structure")
    if fast is UNTRIED:
        fast = _fast.urlset(root, text, news=news)
    if fast is not None:
        locs, pubs = fast
        url_at = root.__getitem__  # _fast proved every child of the root is a url, in order
    else:
        walk = _Walk(root, rep, "sitemap.structure")
        urls = walk.entries(URL)
        locs, pubs = [], []
        for u in urls:
            loc, pub = walk.url(u, news)
            locs.append(loc)
            pubs.append(pub)
        url_at = urls.__getitem__
    n = len(locs)
    if n == 0:
        rep.add("sitemap.empty", "the urlset has no url entries (sitemap.xsd requires at least one)", root)
    if n > max_urls:
        rep.add("sitemap.max-urls", f"{n:,} url entries; the limit is {max_urls:,} (sitemaps.org allows at most 50,000 per file)", root)
    if news and n > news_max_urls:
        rep.add("news.max-urls", f"{n:,} url entries; a news sitemap may hold at most {news_max_urls:,} (Google News)", root)
    for i, rule, message in _across(locs, site_url, "sitemap.loc-host", ""):
        rep.add(rule, message, url_at(i).find(LOC))
    if news and now is not None:
        for i, message in _window(pubs, now, news_window_hours):
            rep.add("news.window", message, url_at(i).find(_NEWS_DATE_PATH))


def check_index(root, text: str, rep: Report, *, site_url: str | None, fast=UNTRIED) -> None:
    _root_attributes(root, rep, "index.structure")
    locs = _fast.index(root, text) if fast is UNTRIED else fast
    if locs is not None:
        at = root.__getitem__
    else:
        walk = _Walk(root, rep, "index.structure")
        entries = walk.entries(SITEMAP)
        locs = [walk.sitemap(e) for e in entries]
        at = entries.__getitem__
    n = len(locs)
    if n == 0:
        rep.add("index.empty", "the sitemapindex lists no sitemaps (siteindex.xsd requires at least one)", root)
    if n > MAX_INDEX_ENTRIES:
        rep.add("index.max-entries", f"{n:,} sitemap entries; sitemaps.org allows at most {MAX_INDEX_ENTRIES:,} per index", root)
    # Sitemaps served from another host are legal when robots.txt lists them, hence a warning.
    for i, rule, message in _across(locs, site_url, "index.loc-host", _INDEX_HOST_NOTE):
        rep.add(rule, message, at(i).find(LOC))


# ---------------------------------------------------------------------------- element walk


def _foreign_root_attributes(root) -> list[str]:
    return [name for name in root.attrib if not name.startswith("{" + XSI_NS)]


def _root_attributes(root, rep: Report, rule: str) -> None:
    for name in _foreign_root_attributes(root):
        rep.add(rule, f"attribute {local(name)!r} is not allowed on <{qn(root)}>", root, attr=name)


# Attributes where the schemas allow none, found in one pass (in C) rather than per element
# in Python.  The root's own attributes are checked on their own.
_ATTRIBUTE_OWNERS = etree.XPath(f"/*//@*[namespace-uri() != '{XSI_NS}']/..")
_FAMILY_RULE = {NEWS_NS: "news.structure", IMAGE_NS: "image.structure"}


def _stray_text(el) -> bool:
    return bool(el.text and el.text.strip(XWS))


class _Walk:
    """The element-by-element check; it reports everything the fast path cannot explain."""

    __slots__ = ("root", "rep", "rule", "declared", "undeclared")

    def __init__(self, root, rep: Report, rule: str) -> None:
        self.root, self.rep, self.rule = root, rep, rule
        self.declared = set(root.nsmap.values())
        self.undeclared: set[str] = set()
        for el in _ATTRIBUTE_OWNERS(root):
            ns = el.tag[1 : el.tag.index("}")] if el.tag[0] == "{" else ""
            if ns not in _KNOWN_NS:
                continue  # extensions are not ours to judge
            for name in el.attrib:
                if not name.startswith("{" + XSI_NS):
                    rep.add(_FAMILY_RULE.get(ns, rule), f"attribute {local(name)!r} is not allowed on <{qn(el)}>", el, attr=name)

    def entries(self, tag: str) -> list:
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

    def extension(self, el) -> None:
        """Extensions should be declared on the root like everything else (some readers look only there)."""
        ns = el.tag[1 : el.tag.index("}")] if el.tag[0] == "{" else ""
        if ns and ns not in self.declared and ns not in self.undeclared:
            self.undeclared.add(ns)
            severity = "error" if ns in _KNOWN_NS else "warning"
            self.rep.add("xml.namespace-root", f"namespace {ns} is not declared on the root element", el, severity=severity)

    def foreign(self, el) -> None:
        self.extension(el)
        ns = el.tag[1 : el.tag.index("}")] if el.tag[0] == "{" else "no namespace"
        self.rep.add(
            "sitemap.foreign",
            f"<{qn(el)}> ({ns}) is not a Google News or Image extension here; search engines may ignore it and sitemap.xsd rejects it unless its schema is loaded",
            el,
        )

    def _children(self, el, order: dict[str, int], loc_rule: str) -> tuple[dict, list]:
        """Sitemap-namespace children of a url/sitemap entry by tag, and the extension children."""
        found: dict[str, object] = {}
        ext: list = []
        last = -1
        rep, rule = self.rep, self.rule
        stray = _stray_text(el)
        for c in el:
            tag = c.tag
            stray = stray or bool(c.tail and c.tail.strip(XWS))
            pos = order.get(tag)
            if pos is None:
                if tag.startswith(_S):
                    rep.add(rule, f"<{local(tag)}> is not allowed in <{local(el.tag)}>", c)
                else:
                    ext.append(c)
                continue
            if tag in found:
                rep.add(loc_rule if tag == LOC else rule, f"<{local(tag)}> may appear only once in <{local(el.tag)}>", c)
                continue
            if pos < last or ext:
                rep.add(rule, f"<{local(tag)}> is out of order: the schema wants {', '.join(local(t) for t in order)}, then extensions", c)
            last = max(last, pos)
            found[tag] = c
            if len(c):
                rep.add(rule, f"<{local(tag)}> holds text only, not elements", c)
        if stray:
            rep.add(rule, f"text directly inside <{local(el.tag)}> is not allowed", el)
        if LOC not in found:
            rep.add(loc_rule, f"<{local(el.tag)}> has no <loc>", el)
        lastmod = found.get(LASTMOD)
        if lastmod is not None and not len(lastmod):
            # XML Schema collapses whitespace around a date before checking it, so do we.
            v = (lastmod.text or "").strip(XWS)
            if not W3C_RE.fullmatch(v):
                rep.add("sitemap.lastmod", f"lastmod {short(v)!r} is not a W3C date-time (YYYY-MM-DD, or e.g. 2024-06-19T08:00:00+07:00)", lastmod)
        return found, ext

    def _loc(self, found: dict) -> str | None:
        el = found.get(LOC)
        if el is None or len(el):
            return None
        v = el.text or ""
        bad = loc_problem(v)
        if bad:
            self.rep.add(bad[0], bad[1], el)
            return None
        return v

    def url(self, u, news: bool) -> tuple[str | None, str | None]:
        """Check one url; return its loc and news publication date when those are valid."""
        rep = self.rep
        found, ext = self._children(u, _URL_ORDER, "sitemap.url.loc")
        cf = found.get(CHANGEFREQ)
        if cf is not None and (cf.text or "") not in CHANGEFREQS:
            rep.add("sitemap.changefreq", f"changefreq {short(cf.text or '')!r} is not one of {', '.join(sorted(CHANGEFREQS))}", cf)
        pr = found.get(PRIORITY)
        if pr is not None:
            v = (pr.text or "").strip(XWS)
            if not (DECIMAL_RE.fullmatch(v) and 0 <= Decimal(v) <= 1):
                rep.add("sitemap.priority", f"priority {short(v)!r} is not a decimal from 0.0 to 1.0", pr)
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
        if news and not news_els:
            rep.add("news.news", "url has no news:news; every entry of a news sitemap needs one", u)
        for extra in news_els[1:]:
            rep.add("news.news", "url has more than one news:news", extra)
        pubs = [check_news(n, rep) for n in news_els]
        if len(images) > MAX_IMAGES:
            rep.add("image.max", f"{len(images):,} image:image in one url; Google reads at most {MAX_IMAGES:,}", images[MAX_IMAGES])
        for img in images:
            check_image(img, rep)
        return self._loc(found), pubs[0] if pubs else None

    def sitemap(self, e) -> str | None:
        """Check one sitemap entry of an index; return its loc when valid."""
        found, ext = self._children(e, _SITEMAP_ORDER, "index.loc")
        for c in ext:
            self.foreign(c)
        return self._loc(found)


# ---------------------------------------------------------------------------- across entries


def _across(locs: list, site_url: str | None, host_rule: str, note: str) -> Iterator[tuple[int, str, str]]:
    """``(entry index, rule, message)`` for each duplicate and off-site loc (None = invalid, skipped)."""
    if None in locs:
        idx = [i for i, v in enumerate(locs) if v is not None]
        vals = [locs[i] for i in idx]
    else:
        idx, vals = range(len(locs)), locs
    if len(set(vals)) != len(vals):
        first: dict[str, int] = {}
        for i, v in zip(idx, vals):
            if v in first:
                yield i, "sitemap.loc-unique", f"{short(v)} is listed twice (first in entry {first[v] + 1:,})"
            else:
                first[v] = i
    if site_url:
        for j in off_site(vals, site_url):
            yield idx[j], host_rule, f"{short(vals[j])} is not on {site_url}{note}"


def _instant(v: str) -> datetime:
    """A value that matched :data:`._xml.DATETIME` as an aware datetime.

    ``fromisoformat`` (in C) reads every such value the way parse_datetime does, fractions
    past microseconds cut off alike; the regex is the fallback should it ever refuse one.
    """
    try:
        return datetime.fromisoformat(v)
    except ValueError:
        return parse_datetime(v)


def _window(pubs: list, now: datetime, hours: float) -> Iterator[tuple[int, str]]:
    """``(entry index, message)`` for each publication date outside the news window."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    oldest, newest = now - timedelta(hours=hours), now + NEWS_SKEW
    for i, p in enumerate(pubs):
        if p is None:
            continue
        dt = _instant(p)
        if dt < oldest:
            yield i, f"published {p}, more than {hours:g} hours before {now.isoformat()}; Google News only takes articles from the last two days"
        elif dt > newest:
            yield i, f"published {p}, in the future (now is {now.isoformat()})"
