"""The publishing gate: check a rendered feed or sitemap before it goes live.

::

    problems = validate(doc.data, doc.kind, profile="publish", now=now, site_url=config.site.url)
    if any(p.severity == "error" for p in problems):
        ...  # keep the previous file

Two profiles (``docs/validation.md``): ``spec`` judges anyone's document by the specs alone
(an error only for a MUST), ``publish`` adds feedhub's own policy for its outputs.

Rules come from the specs (RSS 2.0 and the RSS Best Practices Profile, Media RSS,
RFC 4287, sitemaps.org, Google's News and Image sitemap documentation); each problem
carries a stable rule id (listed, with its profile and the spec sentence behind it, in
``feedhub.validate._rules``).  The official schemas
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
from dataclasses import dataclass
from datetime import datetime

from lxml.etree import _Element

from ..document import KINDS
from ..rules.namespaces import ATOM_NS, NEWS_NS, SITEMAP_NS
from ..rules.sitemaps import MAX_BYTES, MAX_URLS, NEWS_MAX_URLS, NEWS_WINDOW_HOURS
from . import _xml
from ._news import NEWS
from ._report import Problem, Report
from ._rules import PROFILES, Profile
from .atom import check_atom
from .robots import LOOKS_LIKE, check_robots
from .rss import check_rss
from .sitemaps import UNTRIED, Limits, check_sitemap, sitemap_proven

__all__ = ["Problem", "Profile", "detect_kind", "validate"]

# (namespace, kind) of each root element we know; a urlset is refined to news-sitemap below.
_ROOTS = {
    "rss": ("", "rss"),
    "feed": (ATOM_NS, "atom"),
    "urlset": (SITEMAP_NS, "sitemap"),
    "sitemapindex": (SITEMAP_NS, "sitemap-index"),
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


def detect_kind(data: bytes) -> str:
    """The kind of *data* (plain or gzip): one of :data:`feedhub.document.KINDS`.

    ``rss``, ``atom``, ``news-sitemap`` (a urlset with news:news), ``sitemap``,
    ``sitemap-index`` (any sitemapindex: a news index looks the same) or ``robots``.
    Raises ValueError when it is none of these.
    """
    rep = Report("spec")
    kind = _detect(data, rep)
    if kind is None:
        raise ValueError("; ".join(str(p) for p in rep.problems()) or "not a feed, sitemap or robots.txt")
    return kind


def _detect(data: bytes, rep: Report) -> str | None:
    raw = _xml.unpack(data, MAX_BYTES, rep)
    if raw is None:
        return None
    if _is_text(raw):
        if LOOKS_LIKE.search(raw):
            return "robots"
        rep.add("kind.unknown", "neither XML nor robots.txt")
        return None
    decoded = _xml.decode(raw, rep)
    root = _xml.parse(raw, rep, decoded[0]) if decoded is not None else None
    return None if root is None else _root_kind(root, rep)


# A document that starts like XML: a BOM (UTF-8 or UTF-16), white space, then "<".
_XML_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<|\xff\xfe|\xfe\xff")


def _is_text(raw: bytes) -> bool:
    return _XML_START.match(raw) is None


def _root_kind(root: _Element, rep: Report, refine: bool = True) -> str | None:
    tag = root.tag
    ns, name = (tag[1:].split("}", 1)) if tag[0] == "{" else ("", tag)
    if name not in _ROOTS:
        rep.add("kind.unknown", f"root element <{name}> is not RSS 2.0 <rss>, Atom <feed>, <urlset> or <sitemapindex>", root)
        return None
    want, kind = _ROOTS[name]
    if ns != want:
        rep.add("xml.namespace", f"<{name}> must be in {want or 'no namespace'}, not in {ns or 'no namespace'}", root)
        return None
    return "news-sitemap" if refine and kind == "sitemap" and _is_news(root) else kind


def _is_news(urlset: _Element) -> bool:
    """A urlset is a news sitemap when it holds news:news; an empty one, when it declares the namespace."""
    if len(urlset) == 0:
        return NEWS_NS in urlset.nsmap.values()
    return next(urlset.iter(NEWS), None) is not None


@dataclass(slots=True)
class _Job:
    """One validate() call: what was asked, and the document's text."""

    kind: str | None
    limits: Limits
    #: The bytes, until a UTF-8 sitemap's are let go (see _check_xml).
    raw: bytes | None
    text: str
    codec: str

    def data(self) -> bytes:
        # Strict UTF-8 decodes and encodes losslessly (a BOM included), so the bytes come back.
        return self.raw if self.raw is not None else self.text.encode("utf-8")


def validate(
    data: bytes,
    kind: str | None = None,
    *,
    profile: Profile = "publish",
    now: datetime | None = None,
    news_window_hours: float = NEWS_WINDOW_HOURS,
    news_max_urls: int = NEWS_MAX_URLS,
    max_urls: int = MAX_URLS,
    max_bytes: int = MAX_BYTES,
    site_url: str | None = None,
) -> list[Problem]:
    """Every problem found in *data*, errors and warnings, in document order.

    *data* may be gzip.  *kind* is one of :data:`feedhub.document.KINDS`, or None to detect
    it.  *profile* is ``publish`` (the build gate's: the specs plus feedhub's own policy) or
    ``spec`` (the specs only, for anyone's documents).  *now* (time-zone aware) enables the
    news window check; *site_url* the same-host check for sitemap locs.  No error in the
    list means the document may be published.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    rep = Report(profile)
    raw = _xml.unpack(data, max_bytes, rep)
    if raw is not None and not _text_document(raw, kind, rep):
        if len(raw) > max_bytes:
            rep.add("sitemap.max-bytes", f"{len(raw):,} bytes uncompressed; the limit is {max_bytes:,} (sitemaps.org: 50 MB)")
        decoded = _xml.decode(raw, rep)
        if decoded is not None:
            job = _Job(kind, Limits(now, news_window_hours, news_max_urls, max_urls, site_url), raw, *decoded)
            del raw  # the job holds the bytes now, and may let them go
            _check_xml(job, rep)
    return rep.problems()


def _text_document(raw: bytes, kind: str | None, rep: Report) -> bool:
    """Check *raw* when it is robots.txt or not XML at all; False when it is for the XML checks."""
    text_like = _is_text(raw)
    robots = bool(text_like and LOOKS_LIKE.search(raw))
    if kind == "robots":
        if text_like:
            check_robots(raw, rep)
        else:
            rep.add("kind.mismatch", "expected robots.txt, got XML", line=1)
        return True
    if robots:
        if kind is None:
            check_robots(raw, rep)
        else:
            rep.add("kind.mismatch", f"expected {kind}, got robots.txt", line=1)
        return True
    if text_like and kind is None:
        rep.add("kind.unknown", "neither XML nor robots.txt", line=1)
        return True
    return False


def _check_xml(job: _Job, rep: Report) -> None:
    family = _FAMILY[job.kind] if job.kind is not None else None
    fast = UNTRIED
    if family in ("urlset", "sitemapindex") and job.codec == "utf-8":
        # The common case is proven from the text alone, without building the tree.
        head = _xml.scan(job.data())
        # A 50,000-URL shard's bytes are megabytes: the proof needs only the text.
        job.raw = None
        proven, fast = sitemap_proven(head, job.text, job.kind == "news-sitemap", family, job.limits)
        if proven:
            return
    root = _xml.parse(job.data(), rep, job.text)
    if root is not None:
        _check_tree(root, job, fast, rep)


def _check_tree(root: _Element, job: _Job, fast: object, rep: Report) -> None:
    kind = _kind_of(root, job.kind, rep)
    if kind is None:
        return
    if kind == "rss":
        check_rss(root, rep, job.text)
    elif kind == "atom":
        check_atom(root, rep, job.text)
    else:
        if job.codec != "utf-8":
            rep.add("sitemap.encoding", f"the document is in {job.codec}; sitemaps must be UTF-8 (sitemaps.org)", line=1)
        check_sitemap(root, job.text, rep, kind == "news-sitemap", _FAMILY[kind], job.limits, fast)


def _kind_of(root: _Element, asked: str | None, rep: Report) -> str | None:
    """The kind to check *root* as: the one asked for, when the root element agrees."""
    found = _root_kind(root, rep, refine=asked is None)
    if found is None or asked is None:
        return found
    if _FAMILY[asked] != _FAMILY[found]:
        rep.add("kind.mismatch", f"expected {asked}, but the root element <{root.tag.rpartition('}')[2]}> makes this {found}", root)
        return None
    return asked
