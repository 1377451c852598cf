"""The publishing gate: check a rendered feed or sitemap before it goes live.

::

    problems = validate(doc.data, doc.kind, now=now, site_url=config.site.url)
    if any(p.severity == "error" for p in problems):
        ...  # keep the previous file

Rules come from the specs (RSS 2.0 and the RSS Best Practices Profile, Media RSS,
RFC 4287, sitemaps.org, Google's News and Image sitemap documentation); each problem
carries a stable rule id (listed in ``feedhub.validate._rules``).  The official schemas
in ``shared/schemas`` are test oracles only and are never loaded here.

Parsing is safe by construction: documents with a DOCTYPE are refused before parsing (no
entity expansion, no external entities), the network is never used, and gzip input is
inflated with a size cap.

A sitemap or sitemap index of a given kind is first checked without building its tree
(:func:`._xml.scan`, then the regex fast path on the text): a 50,000-URL shard's tree costs
several times the memory of its text.  The tree is built only when that cannot prove the
document free of problems, and the element walk then explains them.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..rules.sitemaps import MAX_BYTES, MAX_URLS, NEWS_MAX_URLS, NEWS_WINDOW_HOURS
from ..document import KINDS
from . import _xml
from ._report import Problem, Report
from .atom import check_atom
from .robots import LOOKS_LIKE, check_robots
from .rss import check_rss
from .sitemaps import NEWS, UNTRIED, check_index, check_urlset, index_proven, urlset_proven

__all__ = ["Problem", "detect_kind", "validate"]

_MAX_BYTES = MAX_BYTES
# (namespace, kind) of each root element we know; a urlset is refined to news-sitemap below.
_ROOTS = {
    "rss": ("", "rss"),
    "feed": (_xml.ATOM_NS, "atom"),
    "urlset": (_xml.SITEMAP_NS, "sitemap"),
    "sitemapindex": (_xml.SITEMAP_NS, "sitemap-index"),
}
# Kinds that share a root element are validated alike; a mismatch is only across these.
_FAMILY = {
    "rss": "rss",
    "atom": "atom",
    "sitemap": "urlset",
    "news-sitemap": "urlset",
    "sitemap-index": "sitemapindex",
    "news-sitemap-index": "sitemapindex",
    "robots": "robots",
}
# The root element of each sitemap family, for the tree-less check.
_SITEMAP_ROOTS = {"urlset": f"{{{_xml.SITEMAP_NS}}}urlset", "sitemapindex": f"{{{_xml.SITEMAP_NS}}}sitemapindex"}


def detect_kind(data: bytes) -> str:
    """The kind of *data* (plain or gzip): one of :data:`feedhub.document.KINDS`.

    ``rss``, ``atom``, ``news-sitemap`` (a urlset with news:news), ``sitemap``,
    ``sitemap-index`` (any sitemapindex: a news index looks the same) or ``robots``.
    Raises ValueError when it is none of these.
    """
    rep = Report()
    kind = _detect(data, rep)
    if kind is None:
        raise ValueError("; ".join(str(p) for p in rep.problems()) or "not a feed, sitemap or robots.txt")
    return kind


def _detect(data: bytes, rep: Report) -> str | None:
    raw = _xml.unpack(data, _MAX_BYTES, rep)
    if raw is None:
        return None
    if _is_text(raw):
        if LOOKS_LIKE.search(raw):
            return "robots"
        rep.add("kind.unknown", "neither XML nor robots.txt")
        return None
    root = _xml.parse(raw, rep)
    if root is None:
        return None
    return _root_kind(root, rep)


_XML_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<")


def _is_text(raw: bytes) -> bool:
    return _XML_START.match(raw) is None


def _root_kind(root, rep: Report, refine: bool = True) -> str | None:
    tag = root.tag
    ns, name = (tag[1:].split("}", 1)) if tag[0] == "{" else ("", tag)
    if name not in _ROOTS:
        rep.add("kind.unknown", f"root element <{name}> is not RSS 2.0 <rss>, Atom <feed>, <urlset> or <sitemapindex>", root)
        return None
    want, kind = _ROOTS[name]
    if ns != want:
        rep.add("xml.namespace", f"<{name}> must be in {want or 'no namespace'}, not in {ns or 'no namespace'}", root)
        return None
    # A urlset is a news sitemap when it holds news:news; an empty one, when it declares the namespace.
    if refine and kind == "sitemap":
        if next(root.iter(NEWS), None) is not None or (len(root) == 0 and _xml.NEWS_NS in root.nsmap.values()):
            kind = "news-sitemap"
    return kind


def validate(
    data: bytes,
    kind: str | None = None,
    *,
    now: datetime | None = None,
    news_window_hours: float = NEWS_WINDOW_HOURS,
    news_max_urls: int = NEWS_MAX_URLS,
    max_urls: int = MAX_URLS,
    max_bytes: int = _MAX_BYTES,
    site_url: str | None = None,
) -> list[Problem]:
    """Every problem found in *data*, errors and warnings, in document order.

    *data* may be gzip.  *kind* is one of :data:`feedhub.document.KINDS`, or None to detect
    it.  *now* (time-zone aware) enables the news window check; *site_url* the same-host
    check for sitemap locs.  An empty list means the document may be published.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    rep = Report()
    raw = _xml.unpack(data, max_bytes, rep)
    if raw is None:
        return rep.problems()
    text_like = _is_text(raw)
    if kind == "robots" or (kind is None and text_like and LOOKS_LIKE.search(raw)):
        if not text_like:
            rep.add("kind.mismatch", "expected robots.txt, got XML", line=1)
        else:
            check_robots(raw, rep)
        return rep.problems()
    if text_like and LOOKS_LIKE.search(raw):
        rep.add("kind.mismatch", f"expected {kind}, got robots.txt", line=1)
        return rep.problems()
    if text_like and kind is None:
        rep.add("kind.unknown", "neither XML nor robots.txt", line=1)
        return rep.problems()
    if len(raw) > max_bytes:
        rep.add("sitemap.max-bytes", f"{len(raw):,} bytes uncompressed; the limit is {max_bytes:,} (sitemaps.org: 50 MB)")
    text = _xml.decode(raw, rep)
    if text is None:
        return rep.problems()

    def urlset_rules(kind: str) -> dict:
        # The fast path and the full walk must judge a urlset by the same limits.
        return dict(
            news=kind == "news-sitemap",
            now=now,
            news_window_hours=news_window_hours,
            news_max_urls=news_max_urls,
            max_urls=max_urls,
            site_url=site_url,
        )

    fast = UNTRIED
    family = _FAMILY[kind] if kind is not None else None
    if family in _SITEMAP_ROOTS:
        head = _xml.scan(raw)
        if head is not None and head.tag == _SITEMAP_ROOTS[family]:
            # The text is all the proof needs; should the tree be needed after all, the bytes
            # come back from it (strict UTF-8 decodes and encodes losslessly).
            raw = None
            if family == "urlset":
                proven, fast = urlset_proven(head, text, **urlset_rules(kind))
            else:
                proven, fast = index_proven(head, text, site_url=site_url)
            if proven:
                return rep.problems()
    root = _xml.parse(raw if raw is not None else text.encode("utf-8"), rep)
    if root is None:
        return rep.problems()
    found = _root_kind(root, rep, refine=kind is None)
    if found is None:
        return rep.problems()
    if kind is None:
        kind = found
    elif _FAMILY[kind] != _FAMILY[found]:
        rep.add("kind.mismatch", f"expected {kind}, but the root element <{root.tag.rpartition('}')[2]}> makes this {found}", root)
        return rep.problems()
    if kind == "rss":
        check_rss(root, rep, text)
    elif kind == "atom":
        check_atom(root, rep, text)
    elif _FAMILY[kind] == "urlset":
        check_urlset(root, text, rep, fast=fast, **urlset_rules(kind))
    else:
        check_index(root, text, rep, site_url=site_url, fast=fast)
    return rep.problems()
