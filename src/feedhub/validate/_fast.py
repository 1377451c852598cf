"""A fast path for sitemaps in the canonical shape feedhub writes.

It proves with a few passes over the document text that every entry is valid and returns
the values the cross-entry checks need, or returns None when it cannot prove that; then
:mod:`.sitemaps` walks the tree, which is also what explains any problem.  Walking 50,000
url elements in Python costs several times the parse; these passes cost less than it.

Why the text can stand in for the tree: the same bytes were parsed as well-formed XML
first, with the DOCTYPE refused.  Record patterns hold ``<`` only as the start of their
own literal tags, none of which begins with ``<!`` or ``<?``; so when the root's content,
from the end of its start tag to its end tag, is nothing but whitespace and record
matches, it holds no comment, CDATA section or processing instruction, and then every
``<`` in it starts a tag (character data and attribute values cannot hold a literal
``<``).  Hence the root's children are exactly those records, in order, with exactly the
children the pattern names.  The pattern allows no attributes, so nothing below the root
can rebind a prefix; the root's own bindings are checked here.  Anything else in the
content - a comment, an attribute, another element - is caught by the catch-all group and
the walk takes over.

Values are captured raw, their references resolved (without a DOCTYPE only the five
predefined entities and character references exist), and checked column by column with
the patterns the tree walk uses.  tests/test_validate_fastpath.py holds both paths to the
same answers, on crafted and on randomly damaged documents.

The records are matched a slice of 64 KB or so at a time, each cut just after a record's
end tag (see :func:`_slices`), so a 50,000-URL shard never has all its rows in memory at
once: only the locs and publication dates that the checks across entries need.
Only the root's tag, prefix and namespaces are read from *root*, so the root element alone
(:func:`._xml.scan`) serves as well as the tree's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import filterfalse

from lxml.etree import _Element

from ..rules.languages import news_language_problem as language_problem
from ..rules.namespaces import IMAGE_NS, NEWS_NS, SITEMAP_NS, XSI_NS
from ..rules.sitemaps import MAX_IMAGES
from ..rules.urls import MAX_URL as MAX_LOC
from ..rules.urls import MIN_LOC, URI
from ._xml import CHANGEFREQS, NEWS_DATE_RE, W3C_RE, XWS

# Leading whitespace is consumed inside the match: far fewer failed attempts between records.
_URL_HEAD = (
    r"\s*(?:<url>\s*<loc>([^<]*)</loc>\s*"
    r"(?:<lastmod>([^<]+)</lastmod>\s*)?(?:<changefreq>([^<]+)</changefreq>\s*)?(?:<priority>([^<]+)</priority>\s*)?"
)
_NEWS = (
    r"(?:<news:news>\s*<news:publication>\s*<news:name>([^<]*)</news:name>\s*"
    r"<news:language>([^<]+)</news:language>\s*</news:publication>\s*"
    r"<news:publication_date>([^<]+)</news:publication_date>\s*<news:title>([^<]*)</news:title>\s*</news:news>\s*)?"
)
_IMAGES = r"((?:<image:image>\s*<image:loc>[^<]*</image:loc>\s*</image:image>\s*)*)"
# The last group catches any non-space character outside a record: one means "not proven".
_URLS_PLAIN = re.compile(rf"{_URL_HEAD}</url>|(\S))", re.A)
_URLS_EXT = re.compile(rf"{_URL_HEAD}{_NEWS}{_IMAGES}</url>|(\S))", re.A)
_SITEMAPS = re.compile(r"\s*(?:<sitemap>\s*<loc>([^<]*)</loc>\s*(?:<lastmod>([^<]+)</lastmod>\s*)?</sitemap>|(\S))", re.A)
_IMAGE_LOC = re.compile(r"<image:loc>([^<]*)</image:loc>")
_START = {
    name: re.compile(rf"<{name}(?:[ \t\r\n]+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*>", re.A)
    for name in ("urlset", "sitemapindex")
}
_URLSET_PREFIXES = {None: SITEMAP_NS, "news": NEWS_NS, "image": IMAGE_NS, "xsi": XSI_NS}
_INDEX_PREFIXES = {None: SITEMAP_NS, "xsi": XSI_NS}
_CHANGEFREQS = CHANGEFREQS | {""}  # "" = absent
# A subset of the decimals from 0 to 1 that the tree walk accepts.
_PRIORITY = re.compile(r"0(?:\.[0-9]+)?|1(?:\.0+)?|\.[0-9]+")
_ORIGIN = re.compile(r"(?i:https?)://[^/?#\s]+/")
# Characters that may follow "scheme://host/" anywhere in a URI without further thought:
# RFC 3986 pchar without "%" escapes, plus "/" and "?".  "%" is checked separately, "#" is not here.
_SAFE = (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%\n")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def urlset(root: _Element, text: str, *, news: bool) -> tuple[list[str], list[str | None]] | None:
    """``(locs, publication dates)`` of a proven-valid urlset, else None."""
    body = _body(root, text, "urlset", _URLSET_PREFIXES)
    ext = "news" in root.nsmap or "image" in root.nsmap
    if body is None or (news and not ext):  # no news namespace, so no news:news: let the walk say so per url
        return None
    locs: list[str] = []
    pubs: list[str | None] = []
    for rows in _slices(_URLS_EXT if ext else _URLS_PLAIN, text, *body, "</url>"):
        part = _url_rows(rows, ext, news)
        if part is None:
            return None
        locs += part
        pubs += _pubs(rows, ext)
    return locs, pubs


def _pubs(rows: list[tuple[str, ...]], ext: bool) -> list[str | None]:
    return [r[6] or None for r in rows] if ext else [None] * len(rows)


def _url_rows(rows: list[tuple[str, ...]], ext: bool, news: bool) -> list[str] | None:
    """The locs of one slice of url records, when every record is proven valid."""
    stray = 9 if ext else 4  # the catch-all group
    if any(r[stray] for r in rows) or (ext and not _news_ok(rows, news)) or not _values_ok(rows):
        return None
    return _locs([r[0] for r in rows])


def _values_ok(rows: list[tuple[str, ...]]) -> bool:
    if not _lastmods_ok([r[1] for r in rows]) or not {r[2] for r in rows} <= _CHANGEFREQS:
        return False
    return all(_PRIORITY.fullmatch(v) for v in {r[3] for r in rows} - {""})


def index(root: _Element, text: str) -> list[str] | None:
    """The locs of a proven-valid sitemapindex, else None."""
    body = _body(root, text, "sitemapindex", _INDEX_PREFIXES)
    if body is None:
        return None
    locs: list[str] = []
    for rows in _slices(_SITEMAPS, text, *body, "</sitemap>"):
        if any(r[2] for r in rows) or not _lastmods_ok([r[1] for r in rows]):
            return None
        part = _locs([r[0] for r in rows])
        if part is None:
            return None
        locs += part
    return locs


_SLICE = 1 << 16


def _slices(pattern: re.Pattern[str], text: str, start: int, end: int, close: str) -> Iterator[list[tuple[str, ...]]]:
    """``pattern.findall(text, start, end)``, a slice of 64 to 128 KB at a time.

    Each slice ends just after a *close* tag where one is within reach.  Whenever the
    content is nothing but records, the rows are then one findall's: values cannot hold
    "<", so every *close* in it ends a record.  A cut anywhere else (a record over 64 KB)
    leaves half records, which fail like any other stray text, so the walk takes over: a
    slice never proves what the whole would not (slices of whole records make a whole of
    whole records).  The bound matters on broken input: past a record that does not match,
    findall gives one catch-all row per character, and a slice keeps those few.
    """
    while start < end:
        reach = min(start + 2 * _SLICE, end)
        cut = text.find(close, min(start + _SLICE, reach), reach)
        cut = reach if cut == -1 else cut + len(close)
        yield pattern.findall(text, start, cut)
        start = cut


def _body(root: _Element, text: str, name: str, prefixes: dict[str | None, str]) -> tuple[int, int] | None:
    """Start and end offsets of the root's content (see the module doc for why that is enough)."""
    if root.prefix is not None or any(prefixes.get(p) != uri for p, uri in root.nsmap.items()):
        return None
    pos = text.find("<" + name)
    m = _START[name].match(text, pos) if pos != -1 else None
    end = text.rfind("</" + name)
    if m is None or end < m.end():
        return None
    return m.end(), end


_REF = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _unescape(v: str) -> str:
    """Resolve the references a DOCTYPE-less well-formed document can hold."""
    if "&" not in v:
        return v
    return _REF.sub(lambda m: chr(int(m[1], 16)) if m[1] else chr(int(m[2])) if m[2] else _NAMED[m[3]], v)


def _lastmods_ok(values: list[str]) -> bool:
    # No reference can make a W3C date, so a raw value that matches is the value.
    return next(filterfalse(W3C_RE.fullmatch, filter(None, values)), None) is None


def _news_ok(rows: list[tuple[str, ...]], news: bool) -> bool:
    if not all(_news_row_ok(r, news) for r in rows):
        return False
    return not any(language_problem(_unescape(v)) for v in {r[5] for r in rows if r[6]})


def _news_row_ok(r: tuple[str, ...], news: bool) -> bool:
    if r[6]:
        if not (_unescape(r[4]).strip(XWS) and _unescape(r[7]).strip(XWS) and NEWS_DATE_RE.fullmatch(r[6])):
            return False
    elif news:
        return False
    return not r[8] or _images_ok(r[8])


def _images_ok(images: str) -> bool:
    locs = _IMAGE_LOC.findall(images)
    return len(locs) <= MAX_IMAGES and all(URI.fullmatch(_unescape(v)) for v in locs)


def _locs(raw_locs: list[str]) -> list[str] | None:
    """The loc values, when every one is provably a valid sitemap loc."""
    if not raw_locs:
        return raw_locs
    locs = list(map(_unescape, raw_locs)) if any("&" in v for v in raw_locs) else raw_locs
    if min(map(len, locs)) < MIN_LOC or max(map(len, locs)) > MAX_LOC:
        return None
    if _all_plain(locs):
        return locs
    return locs if all(map(URI.fullmatch, locs)) else None


def _all_plain(locs: list[str]) -> bool:
    """True when every loc is one valid "scheme://host/" and then only safe characters: a valid URI.

    Checked on all of them at once, in C: the common case of a shard.
    """
    m = _ORIGIN.match(locs[0])
    if m is None or not URI.fullmatch(m.group(0)):
        return False
    joined = "\n" + "\n".join(locs)
    prefix = "\n" + m.group(0)
    # No loc holds a newline (the count of separators says so) and each starts with the prefix.
    if not (joined.count(prefix) == len(locs) == joined.count("\n") and joined.isascii()):
        return False
    return not joined.encode("ascii").translate(None, _SAFE) and not _BAD_ESCAPE.search(joined)
