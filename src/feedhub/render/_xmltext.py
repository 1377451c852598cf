"""Fast helpers for renderers that build XML as strings: escaping, URLs, dates, gzip, indexes.

Sitemaps are written by string building, not lxml (the team measured ``etree.xmlfile``
~2.4x slower on large sitemaps), so everything that makes string building safe lives here.
Hosts are compared as written: an internationalised site host must be configured in its
ASCII (punycode) form.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from gzip import GzipFile
from urllib.parse import urlsplit

from ..rules.namespaces import SITEMAP_NS
from ..rules.urls import MAX_URL as MAX_LOC
from ..rules.urls import MIN_LOC, NOT_URI, URI, origin, to_uri, url_problem
from ..rules.xmlchars import escape

#: ``NOT_URI.search``, for hot loops.
not_uri = NOT_URI.search

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'

#: The compression level for ``.xml.gz`` files; see docs/sitemaps.md for the measurements.
GZIP_LEVEL = 6


class LocCheck:
    """Decides whether a URL may be a sitemap ``loc`` on one site, and how to write it.

    A ``loc`` must be absolute, on the site's scheme, host and port, and less than 2,048
    characters once percent-encoded (the length the XSD measures: XML entities are
    serialisation, a parser sees the unescaped value).
    """

    __slots__ = ("site", "prefix", "_origin")

    def __init__(self, site_url: str) -> None:
        self.site = site_url.rstrip("/")
        self._origin = origin(self.site)
        p = urlsplit(self.site)
        #: The common case, tested with one ``startswith``: ``https://genpi.example/``.
        self.prefix = f"{p.scheme}://{p.netloc}/"

    def __call__(self, url: str) -> tuple[str | None, str | None]:
        """``(uri, None)`` when *url* may be written, else ``(None, reason)``."""
        try:
            uri = to_uri(url)
        except ValueError:  # UnicodeError included: a host IDNA cannot encode
            return None, url_problem(url) or "cannot be written as a URI"
        if not (uri.startswith(self.prefix) or self._same_origin(uri)):
            return None, f"is not on {self.site}"
        n = len(uri)
        if n > MAX_LOC:
            return None, f"is {n:,} characters, sitemaps allow at most {MAX_LOC:,}"
        if n < MIN_LOC:
            return None, f"is shorter than the {MIN_LOC} characters sitemap.xsd requires"
        if URI.fullmatch(uri) is None:  # e.g. a '%' that starts no escape: the validator's own rule
            return None, "is not a valid URI once percent-encoded (RFC 3986)"
        return uri, None

    def _same_origin(self, uri: str) -> bool:
        try:
            p = urlsplit(uri)
            if p.username is not None or p.password is not None:
                return False
            return origin(uri) == self._origin and bool(p.hostname)
        except ValueError:  # e.g. a port that is not a number
            return False


def short(url: str, limit: int = 120) -> str:
    """*url* cut for a warning line."""
    return url if len(url) <= limit else url[: limit - 1] + "…"


def w3c_datetime(dt: datetime) -> str:
    """W3C date-time with seconds and the value's own offset: ``2024-06-19T20:30:00+07:00``.

    Offsets with a seconds part (historical LMT zones) are not W3C; such values are given in UTC.
    """
    off = dt.utcoffset()
    if off is None:
        raise ValueError(f"naive datetime {dt!r}: sitemaps need a time zone")
    if off.seconds % 60 or off.microseconds:
        dt = dt.astimezone(UTC)
    return dt.isoformat(timespec="seconds")


def gzip_bytes(chunks: list[bytes] | tuple[bytes, ...], level: int = GZIP_LEVEL) -> bytes:
    """Byte-stable gzip of *chunks*: mtime 0, no file name (FLG 0), OS byte 255 "unknown"."""
    buf = io.BytesIO()
    with GzipFile(fileobj=buf, mode="wb", compresslevel=level, mtime=0, filename="") as gz:
        for c in chunks:
            gz.write(c)
    return buf.getvalue()


class GzipSink:
    """Incremental byte-stable gzip writer; holds only compressed bytes."""

    __slots__ = ("_buf", "_gz")

    def __init__(self, level: int = GZIP_LEVEL) -> None:
        self._buf = io.BytesIO()
        self._gz = GzipFile(fileobj=self._buf, mode="wb", compresslevel=level, mtime=0, filename="")

    def write(self, data: bytes) -> None:
        self._gz.write(data)

    def finish(self) -> bytes:
        self._gz.close()
        return self._buf.getvalue()


class PlainSink:
    """Same interface as :class:`GzipSink`, for uncompressed output."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._parts.append(data)

    def finish(self) -> bytes:
        return b"".join(self._parts)


def numbered_path(path: str, n: int, ext: str) -> str:
    """``news-sitemap.xml`` → ``news-sitemap-1.xml``; the directory is kept, ``.xml``/``.xml.gz`` dropped."""
    head, sep, name = path.rpartition("/")
    for suffix in (".xml.gz", ".xml"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return f"{head}{sep}{name}-{n}{ext}"





def encode(path: str, text: str, level: int = GZIP_LEVEL) -> bytes:
    """UTF-8 bytes of *text*, gzip-compressed when *path* ends in ``.gz``."""
    data = text.encode("utf-8")
    return gzip_bytes((data,), level) if path.endswith(".gz") else data


def index_xml(base_url: str, files: list[tuple[str, str | None]]) -> str:
    """A ``sitemapindex`` listing ``(relative path, lastmod or None)`` at ``base_url + path``.

    https://www.sitemaps.org/protocol.html#index
    """
    parts = [XML_DECL, f'<sitemapindex xmlns="{SITEMAP_NS}">\n']
    for path, lastmod in files:
        loc = escape(to_uri(base_url + path))
        if lastmod:
            parts.append(f"  <sitemap>\n    <loc>{loc}</loc>\n    <lastmod>{lastmod}</lastmod>\n  </sitemap>\n")
        else:
            parts.append(f"  <sitemap>\n    <loc>{loc}</loc>\n  </sitemap>\n")
    parts.append("</sitemapindex>\n")
    return "".join(parts)


def base_url_warning(site_url: str, base_url: str) -> str | None:
    """A warning when sitemap files are served from another host than the site's pages."""
    if origin(base_url) == origin(site_url.rstrip("/")):
        return None
    return (
        f"sitemap files are served from {base_url}, not from {site_url}: list them in "
        f"{site_url.rstrip('/')}/robots.txt so search engines accept them "
        "(https://www.sitemaps.org/protocol.html#sitemaps_cross_submits)"
    )
