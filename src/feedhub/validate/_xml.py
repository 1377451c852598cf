"""Getting safely from bytes to a tree, and the value checks every format shares.

The compiled value patterns here are the single definition of a valid loc, date and so
on: the tree walk and the sitemap fast path (:mod:`._fast`) both use them.
"""

from __future__ import annotations

import codecs
import re
import zlib
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, cast
from urllib.parse import urlsplit

from lxml import etree
from lxml.etree import _Element

from ..rules.namespaces import (
    XML_NS,
)
from ..rules.urls import HTTP_URL, MIN_LOC, URI, origin
from ..rules.urls import MAX_URL as MAX_LOC
from ..rules.xmlchars import MAX_TEXT_BYTES
from ._report import Report

# ---------------------------------------------------------------------------- bytes → tree


def unpack(data: bytes, max_bytes: int, rep: Report) -> bytes | None:
    """*data* gunzipped if it is gzip, never inflating more than ``max_bytes + 1`` bytes."""
    if data[:2] != b"\x1f\x8b":
        return data
    parts: list[bytes] = []
    size = 0
    rest = data
    try:
        # A loop because gzip allows several members back to back (RFC 1952 §2.2).
        while rest[:2] == b"\x1f\x8b":
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            part = d.decompress(rest, max_bytes + 1 - size)
            size += len(part)
            if size > max_bytes:
                rep.add("sitemap.max-bytes", f"gzip data inflates to more than {max_bytes:,} bytes; not inflated further (sitemaps.org: at most 50 MB uncompressed)")
                return None
            if not d.eof:
                rep.add("xml.gzip", "gzip data is truncated")
                return None
            parts.append(part)
            rest = d.unused_data
    except zlib.error as e:
        rep.add("xml.gzip", f"gzip data is corrupt: {e}")
        return None
    if rest.strip(b"\x00"):
        rep.add("xml.gzip", "gzip data is followed by bytes that are not gzip")
        return None
    return parts[0] if len(parts) == 1 else b"".join(parts)


_DECL_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
# A DOCTYPE can only stand in the prolog: after the XML declaration, comments, PIs and space.
# The PI and comment bodies cannot run past their first end mark: no backtracking through the document.
_PROLOG = r"(?:\s|<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->)*<!DOCTYPE"
_PROLOG_DOCTYPE = re.compile(r"\A\ufeff?" + _PROLOG)
_PROLOG_DOCTYPE_BYTES = re.compile(rb"\A(?:\xef\xbb\xbf)?" + _PROLOG.encode())
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _declared(data: bytes) -> str:
    """The encoding *data* says it is in (XML 1.0 §4.3.3, Appendix F): BOM, then declaration, else UTF-8."""
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    m = _DECL_ENCODING.match(data)
    return m.group(1).decode("ascii", "replace") if m else "utf-8"


def decode(data: bytes, rep: Report) -> tuple[str, str] | None:
    """``(text, codec)``: the document decoded as it declares (XML 1.0 §4.3.3), or None and a problem."""
    name = _declared(data)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        rep.add("xml.encoding", f"declared encoding {short(name)!r} is not one this validator can read (XML 1.0 §4.3.3)", line=1)
        return None
    if codec != "utf-8":
        rep.add("xml.utf8", f"the document is in {name}; feedhub writes UTF-8 only", line=1)
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError as e:
        rep.add("xml.encoding", f"byte {data[e.start]:#04x} at offset {e.start:,} is not {name} (XML 1.0 §4.3.3)", line=data.count(b"\n", 0, e.start) + 1)
        return None


def _tree_parser() -> etree.XMLParser:
    """The parser settings that make parsing safe: no entity expansion, no DTD, no network,
    and libxml2's size limits (huge_tree=False).  scan() uses exactly these too."""
    # Comments, PIs and whitespace-only text between elements mean nothing to any rule here;
    # dropping them keeps every walk simple (el.text is the whole text) and the tree small.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True, remove_blank_text=True)


def parse(data: bytes, rep: Report, text: str | None = None) -> _Element | None:
    """The root element, or None (and a problem) when the bytes are not safe, well-formed XML.

    *text* is *data* decoded (:func:`decode`): the DOCTYPE is looked for there, whatever
    the encoding (without it, in *data* as UTF-8).
    """
    m = _PROLOG_DOCTYPE.match(text if text is not None else data.decode("utf-8", "replace"))
    if m:
        # Rejected before parsing: entity declarations are how billion-laughs and XXE work.
        rep.add("xml.doctype", "DOCTYPE declarations are not allowed (entity expansion and external entities are attack vectors)", line=m.group(0).count("\n") + 1)
        return None
    try:
        root = etree.fromstring(data, _tree_parser())
    except etree.XMLSyntaxError as e:
        rep.add("xml.well-formed", f"not well-formed XML: {e.msg}", line=e.lineno)
        return None
    if root.getroottree().docinfo.internalDTD is not None:  # belt and braces; the scan above should catch it
        rep.add("xml.doctype", "DOCTYPE declarations are not allowed", line=1)
        return None
    return root


class _NoTree:
    """A parser target that only wants to hear of a DOCTYPE: libxml2 checks the document, no tree is built.

    Without start/end/data methods lxml registers no callbacks for elements and text, so the
    parse runs at libxml2's speed and in constant memory.
    """

    __slots__ = ("seen_doctype",)

    def __init__(self) -> None:
        self.seen_doctype = False

    def doctype(self, name: str | None, pubid: str | None, system: str | None) -> None:
        self.seen_doctype = True

    def close(self) -> bool:
        return True


# The prolog (BOM, XML declaration, comments, PIs, space; a DOCTYPE never gets here) and the
# root's start tag, in a document already known to be well-formed.  Attribute values may hold
# ">", never the quote that delimits them.
_ROOT_START = re.compile(
    rb"(?:\xef\xbb\xbf)?(?:\s|<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->)*"
    rb"<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*(/?)>"
)
#: libxml2's limit on one text node without huge_tree (XML_MAX_TEXT_LENGTH).  Only the tree
#: builder enforces it, so a tree-less parse has to be told.
MAX_TEXT = MAX_TEXT_BYTES
# From a "<" at least MAX_TEXT bytes without another "<": the only place a text node that long
# can be, in content without comments, PIs or CDATA sections (those could join text around them).
_LONG_TEXT = re.compile(rb"<[^<]{%d}" % MAX_TEXT)


def scan(data: bytes) -> _Element | None:
    """The root element on its own (no children), or None; checks *data* without building its tree.

    The root comes back only when parse() would accept *data* as well (else None, and parse()
    says what is wrong), provided the caller knows from the text two things that only lxml's
    tree builder enforces (the sitemap fast path proves both): the root's content holds no
    comment, PI or CDATA section, so that the text-node limit (MAX_TEXT) can be checked here
    on the raw bytes, and elements nest fewer than 256 deep.  The safety settings are
    parse()'s: the DOCTYPE scan first, then no entities, DTD or network, huge_tree=False.
    """
    if _PROLOG_DOCTYPE_BYTES.match(data):
        return None
    target = _NoTree()
    # The stubs' ParserTarget wants start/end/data: leaving them out is the point (see _NoTree).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, target=cast(Any, target))
    try:
        etree.fromstring(data, parser)
    except etree.LxmlError:
        return None
    # parse() refuses on any error-level entry (namespace errors do not stop libxml2, only
    # lxml's tree parse); a warning would not, but any entry at all sends this to parse().
    if target.seen_doctype or len(parser.error_log):
        return None
    if len(data) > MAX_TEXT and _LONG_TEXT.search(data):
        return None
    m = _ROOT_START.match(data)
    if m is None:
        return None
    # The prolog and the start tag, closed on the spot: the same root, with its namespaces and attributes.
    head = data[: m.end()] if m.group(1) else data[: m.end() - 1] + b"/>"
    try:
        return etree.fromstring(head, _tree_parser())
    except etree.LxmlError:
        return None


_XMLNS = re.compile("xmlns")  # the regex engine finds a literal faster than str.count does


def check_root_namespaces(root: _Element, rep: Report, known: frozenset[str], exempt: frozenset[str] = frozenset(), text: str | None = None) -> None:
    """Every namespace used is declared on the root: legal anywhere, but some feed readers only look there.

    *exempt* ones (XHTML inside Atom content, conventionally declared on its div) pass.
    *text*, the document *root* was parsed from, usually spares the walk: see below.
    (*known*, the namespaces the format's checks read, is kept for the callers' sake.)
    """
    # Each namespace declaration is an attribute spelled "xmlns" or "xmlns:…" (no reference
    # can stand in an attribute name), each of the root's own bindings is one.  So when the
    # text holds no more "xmlns" than the root has bindings, nothing below the root declares
    # a namespace, and every namespace in use is bound on the root (or is xml:'s).
    if text is not None and len(_XMLNS.findall(text)) == len(root.nsmap):
        return
    declared = set(root.nsmap.values()) | exempt | {XML_NS}
    first: dict[str, _Element] = {}
    for el in root.iter(etree.Element):
        for name in (el.tag, *el.attrib):
            ns = name[1 : name.index("}")] if name[0] == "{" else None
            if ns is not None and ns not in declared and ns not in first:
                first[ns] = el
    for ns, el in first.items():
        rep.add("xml.namespace-root", f"namespace {ns} is declared below the root element; some readers look only at the root", el)


def text(el: _Element) -> str:
    """The element's own text (comments are removed at parse time, so it is all of it)."""
    return el.text or ""


#: XML's whitespace (Python's str.strip/isspace would also take U+00A0 and friends).
XWS = " \t\n\r"


def has_text(el: _Element) -> bool:
    """True when *el* has non-whitespace text outside its child elements (mixed content)."""
    if el.text and el.text.strip(XWS):
        return True
    return any(c.tail and c.tail.strip(XWS) for c in el)


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def qn(el: _Element) -> str:
    """The element's name as written: ``news:title``, ``loc``."""
    name = el.tag.rpartition("}")[2]
    return f"{el.prefix}:{name}" if el.prefix else name


# ---------------------------------------------------------------------------- URLs

WHITESPACE = re.compile(r"\s")


def loc_problem(v: str) -> tuple[str, str] | None:
    """``(rule, message)`` for a bad sitemap/index loc, else None."""
    if WHITESPACE.search(v):
        return "sitemap.loc-whitespace", f"loc {short(v)!r} contains whitespace"
    if not HTTP_URL.fullmatch(v):
        return "sitemap.loc-absolute", f"loc {short(v)!r} is not an absolute http(s) URL"
    if not URI.fullmatch(v):
        return "sitemap.loc-escaped", f"loc {short(v)!r} is not a valid URI: percent-encode non-ASCII and unsafe characters (RFC 3986, sitemaps.org entity escaping)"
    if not MIN_LOC <= len(v) <= MAX_LOC:
        return "sitemap.loc-length", f"loc is {len(v):,} characters; sitemaps.org allows {MIN_LOC} to {MAX_LOC:,} (less than 2,048)"
    return None


def off_site(urls: list[str], site_url: str) -> list[int]:
    """Indexes of *urls* (valid URLs, so without whitespace) not on *site_url*'s scheme, host and port."""
    want = origin(site_url)
    p = urlsplit(site_url)
    prefix = f"{p.scheme}://{p.netloc}/"
    # All on the site, counted in C: the first starts with the prefix, and so does every one
    # after a separator (one joined copy of the URLs, not two: a shard's are megabytes).
    if not urls or (urls[0].startswith(prefix) and "\n".join(urls).count("\n" + prefix) == len(urls) - 1):
        return []
    bad = []
    for i, u in enumerate(urls):
        if u.startswith(prefix):  # the common case without parsing
            continue
        try:
            if origin(u) == want:
                continue
        except ValueError:
            pass
        bad.append(i)
    return bad


def short(v: str, limit: int = 100) -> str:
    return v if len(v) <= limit else v[: limit - 1] + "…"


# ---------------------------------------------------------------------------- dates

# Calendar-exact date: months have their days, 29 February only in leap years; no year 0000
# (XML Schema has none).
DATE = (
    r"(?:(?!0000)\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))"
    r"|(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
_HM = r"(?:[01]\d|2[0-3]):[0-5]\d"
_SEC = r":[0-5]\d(?:\.\d+)?"
# Real offsets run from -12:00 to +14:00; XML Schema allows no more than ±14:00.
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))"

#: W3C Datetime (w3.org/TR/NOTE-datetime): YYYY, YYYY-MM, YYYY-MM-DD, or a date-time with zone.
W3C = rf"(?:(?!0000)\d{{4}}(?:-(?:0[1-9]|1[0-2]))?|{DATE}(?:T{_HM}(?:{_SEC})?{_TZ})?)"
#: RFC 3339 date-time as RFC 4287 §3.3 narrows it: upper-case T and Z, seconds, a zone.
DATETIME = rf"{DATE}T{_HM}{_SEC}{_TZ}"

#: Google News publication_date: a complete date, or one with hours and minutes (seconds
#: optional) and a zone, as W3C Datetime spells them.
NEWS_DATE = rf"{DATE}(?:T{_HM}(?:{_SEC})?{_TZ})?"

W3C_RE = re.compile(W3C, re.A)
NEWS_DATE_RE = re.compile(NEWS_DATE, re.A)
DATETIME_RE = re.compile(DATETIME, re.A)
_DT_PARTS = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:Z|([+-])(\d\d):(\d\d))", re.A)


def parse_datetime(v: str) -> datetime:
    """A value that matched :data:`DATETIME` as an aware datetime."""
    m = _DT_PARTS.fullmatch(v)
    if m is None:
        raise ValueError(f"not an RFC 3339 date-time: {v!r}")
    y, mo, d, h, mi, s, frac, sign, oh, om = m.groups()
    tz = UTC
    if sign:
        off = timedelta(hours=int(oh), minutes=int(om))
        tz = timezone(-off if sign == "-" else off)
    micro = int((frac or "0")[:6].ljust(6, "0"))
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=tz)


_RFC822 = re.compile(
    r"(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s*,\s*)?(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d\d|\d{4})"
    r"\s+(\d\d):(\d\d)(?::(\d\d))?\s*([A-Za-z]+|[+-]\d{4})",
    re.A,
)
# RFC 822 §3.1.4: a comment in parentheses may stand between any two tokens (no nesting here).
_COMMENT = re.compile(r"\([^()]*\)")
_MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
#: RFC 822 §5.1 zones: UT, GMT, the US zones and the military letters (all but J).
_ZONES = {"GMT", "UT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"} | (set("ABCDEFGHIKLMNOPQRSTUVWXYZ"))


def _rfc822_match(v: str) -> re.Match[str] | None:
    return _RFC822.fullmatch((_COMMENT.sub(" ", v) if "(" in v else v).strip())


def rfc822_problem(v: str) -> str | None:
    """Why *v* is not an RFC 822 date as RSS 2.0 allows it (two- or four-digit years), or None."""
    return rfc822_check(v)[0]


def rfc822_check(v: str) -> tuple[str | None, bool]:
    """:func:`rfc822_problem`, and whether the year has two digits, in one match."""
    m = _rfc822_match(v)
    return _rfc822_problem(v, m), m is not None and len(m.group(4)) == 2


def _rfc822_problem(v: str, m: re.Match[str] | None) -> str | None:
    if not m:
        return f"{short(v)!r} is not an RFC 822 date such as 'Wed, 19 Jun 2024 08:00:00 +0700'"
    dow, day, mon, year, hh, mm, ss, zone = m.groups()
    if zone not in _ZONES and zone[0] not in "+-":
        return f"{short(v)!r}: zone {zone!r} is not UT, GMT, a US zone, a military letter or a numeric offset (RFC 822 §5.1)"
    weekday = _weekday(_full_year(year), mon, day)
    if weekday is None or not _real_time(hh, mm, ss):
        return f"{short(v)!r} is not a real date and time"
    if dow and _DAYS[weekday] != dow:
        return f"{short(v)!r}: {day} {mon} {year} is a {_DAYS[weekday]}, not a {dow}"
    return None


def _real_time(hh: str, mm: str, ss: str | None) -> bool:
    # Every number here is ASCII digits of a fixed width, so comparing the strings compares the numbers.
    return hh <= "23" and mm <= "59" and (ss is None or ss <= "59")


def _full_year(year: str) -> str:
    # RFC 2822 §4.3: a two-digit year is 2000-2049 below 50, else 1950-1999.
    if len(year) == 4:
        return year
    return ("20" if year < "50" else "19") + year


@lru_cache(maxsize=1024)
def _weekday(year: str, mon: str, day: str) -> int | None:
    """Monday 0 … Sunday 6, or None when there is no such day (a feed's items share a few days)."""
    try:
        return date(int(year), _MONTHS[mon], int(day)).weekday()
    except ValueError:
        return None


# ---------------------------------------------------------------------------- other values

#: type "/" subtype, optional parameters (RFC 2045 tokens).
MIME_RE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(?:\s*;.*)?", re.S)
UINT_RE = re.compile(r"\d+", re.A)
UDECIMAL_RE = re.compile(r"\d+(?:\.\d*)?|\.\d+", re.A)
#: sitemaps.org changefreq values, exactly (the XSD enumerates them without whitespace folding).
CHANGEFREQS = frozenset(["always", "hourly", "daily", "weekly", "monthly", "yearly", "never"])
#: xsd:decimal's lexical space.
DECIMAL_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.A)
