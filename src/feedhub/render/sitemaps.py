"""Archive sitemaps (every published article) with their index, and the robots.txt lines.

https://www.sitemaps.org/protocol.html: a sitemap holds at most 50,000 URLs and
50 MB (52,428,800 bytes) uncompressed; a sitemap index lists the files, each with
its ``lastmod``.  :func:`render_archive` streams: it reads rows as the store yields
them and hands out each shard as soon as it is full, so memory holds one shard,
never the archive.

Search engines no longer take pings (Google retired its ping endpoint in 2023):
the index is announced through robots.txt (:func:`render_robots`), never pinged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone

from ..config import SitemapConfig
from ..document import Document
from ..model import SitemapRow
from ._xmltext import (
    GZIP_LEVEL,
    MAX_LOC,
    MIN_LOC,
    SITEMAP_NS,
    XML_DECL,
    GzipSink,
    LocCheck,
    PlainSink,
    base_url_warning,
    encode,
    escape,
    index_xml,
    not_uri,
    numbered_path,
    short,
    to_uri,
)

#: sitemaps.org: "no more than 50,000 Sitemaps" in one index.
MAX_INDEX_ENTRIES = 50_000
#: Warning lines kept per document; the rest are counted in one summary line.
MAX_WARNINGS = 100

_HEAD = (XML_DECL + f'<urlset xmlns="{SITEMAP_NS}">\n').encode()
_TAIL = b"</urlset>\n"
#: Entries joined before one write to the compressor (~0.5 MB of text).
_BATCH = 4096
#: A W3C date, or date-time with seconds and zone (https://www.w3.org/TR/NOTE-datetime) — the
#: forms both the W3C note and sitemap.xsd's xsd:date | xsd:dateTime accept.
_W3C = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2}))?\Z"
)


def _instant(w3c: str) -> datetime:
    dt = datetime.fromisoformat(w3c)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _later(a: str, b: str) -> bool:
    """Whether W3C time *a* is after *b* (different offsets or layouts: compare instants)."""
    try:
        return _instant(a) > _instant(b)
    except ValueError:  # shaped like a date but not one (month 13): keep the current value
        return False


class _Warnings:
    __slots__ = ("lines", "more")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.more = 0

    def add(self, line: str) -> None:
        if len(self.lines) < MAX_WARNINGS:
            self.lines.append(line)
        else:
            self.more += 1

    def take(self) -> tuple[str, ...]:
        out = self.lines + ([f"… and {self.more:,} more skipped or changed"] if self.more else [])
        self.lines, self.more = [], 0
        return tuple(out)


def render_archive(
    cfg: SitemapConfig,
    site_url: str,
    base_url: str,
    rows: Iterable[SitemapRow],
) -> Iterator[Document]:
    """Yield archive sitemap shards as they fill, then the index at ``cfg.path``.

    Shards are ``<stem>-1.xml.gz``, ``<stem>-2.xml.gz``, … (``.xml`` when ``cfg.gzip`` is
    false), kind ``sitemap``, in row order; each holds at most ``cfg.max_urls`` URLs and
    ``cfg.max_bytes`` uncompressed bytes (a shard is closed before a URL would break
    either).  The index (kind ``sitemap-index``) comes last and lists every shard at
    ``base_url + path`` with the newest ``lastmod`` in it.

    No rows at all still gives one shard, an empty ``urlset``, because a sitemap index
    needs at least one ``sitemap`` (siteindex.xsd).  Rows whose URL is off the site or
    too long, or that cannot fit in ``max_bytes`` even alone, are skipped; a ``lastmod``
    that is not a W3C date is left out.  Each shows as a warning on its shard.
    """
    check = LocCheck(site_url)
    ext = ".xml.gz" if cfg.gzip else ".xml"
    max_urls, max_bytes = cfg.max_urls, cfg.max_bytes
    fixed = len(_HEAD) + len(_TAIL)
    warn = _Warnings()
    listed: list[tuple[str, str | None]] = []

    def new_sink() -> GzipSink | PlainSink:
        sink = GzipSink(GZIP_LEVEL) if cfg.gzip else PlainSink()
        sink.write(_HEAD)
        return sink

    def close(sink: GzipSink | PlainSink, batch: list[str], count: int, newest: str | None) -> Document:
        if batch:
            sink.write("".join(batch).encode("utf-8"))
        sink.write(_TAIL)
        path = numbered_path(cfg.path, len(listed) + 1, ext)
        listed.append((path, newest))
        return Document(path, "sitemap", sink.finish(), count, warn.take())

    sink = new_sink()
    batch: list[str] = []
    count = 0
    size = fixed
    newest: str | None = None
    prefix, w3c, shortest, longest = check.prefix, _W3C.match, MIN_LOC, MAX_LOC
    for url, lastmod in rows:
        # Fast path (nearly every row): already a plain URI on the site, of a sane length.
        if not_uri(url) is None and url.startswith(prefix) and shortest <= len(url) <= longest:
            loc = url
        else:
            loc, problem = check(url)
            if loc is None:
                warn.add(f"skipped url {short(url)}: {problem}")
                continue
        if "&" in loc or "'" in loc:  # the only markup characters a percent-encoded URI can still hold
            loc = escape(loc)
        if w3c(lastmod):
            entry = f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod></url>\n"
        else:
            warn.add(f"url {short(url)}: left out lastmod {short(lastmod, 40)!r}, not a W3C date")
            entry, lastmod = f"<url><loc>{loc}</loc></url>\n", ""
        n = len(entry)  # ASCII only: characters are bytes
        if fixed + n > max_bytes:
            warn.add(f"skipped url {short(url)}: does not fit in sitemap.max_bytes = {max_bytes:,} even alone")
            continue
        if count == max_urls or size + n > max_bytes:
            yield close(sink, batch, count, newest)
            sink, batch, count, size, newest = new_sink(), [], 0, fixed, None
        batch.append(entry)
        count += 1
        size += n
        if lastmod:
            if newest is None:
                newest = lastmod
            elif len(lastmod) == len(newest) and lastmod[-6:] == newest[-6:]:
                if lastmod > newest:  # same layout and offset: string order is time order
                    newest = lastmod
            elif _later(lastmod, newest):
                newest = lastmod
        if len(batch) == _BATCH:
            sink.write("".join(batch).encode("utf-8"))
            batch.clear()
    if count or not listed:
        yield close(sink, batch, count, newest)

    index_warnings = []
    cross = base_url_warning(site_url, base_url)
    if cross:
        index_warnings.append(cross)
    if len(listed) > MAX_INDEX_ENTRIES:
        index_warnings.append(
            f"the index lists {len(listed):,} sitemaps, more than the {MAX_INDEX_ENTRIES:,} sitemaps.org allows"
        )
    index = encode(cfg.path, index_xml(base_url, listed))
    yield Document(cfg.path, "sitemap-index", index, len(listed), tuple(index_warnings))


def render_robots(sitemap_urls: Sequence[str]) -> Document:
    """``Sitemap: <url>`` lines for an operator to paste into the site's robots.txt.

    https://www.sitemaps.org/protocol.html#submit_robots: the URL must be absolute.
    Duplicates are dropped, order kept.  Nothing is pinged.
    """
    lines: list[str] = []
    for u in dict.fromkeys(sitemap_urls):
        uri = to_uri(u)
        if not uri.lower().startswith(("http://", "https://")):
            raise ValueError(f"robots.txt Sitemap lines need absolute http(s) URLs, got {u!r}")
        lines.append(f"Sitemap: {uri}\n")
    return Document("robots-sitemaps.txt", "robots", "".join(lines).encode("utf-8"), len(lines))


__all__ = ["render_archive", "render_robots"]
