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

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice

from ..config import SitemapConfig
from ..document import Document, LeftOut
from ..model import SitemapRow
from ..rules.items import RULE_LOC
from ..rules.namespaces import SITEMAP_NS
from ..rules.sitemaps import MAX_INDEX_ENTRIES
from ..rules.urls import MAX_URL as MAX_LOC
from ..rules.urls import MIN_LOC, to_uri
from ..rules.xmlchars import escape
from ._archive_batch import ANY, BATCH, LASTMOD, URL, W3C, batch_newest, entries, fold, lastmod_facts, odd_urls
from ._xmltext import (
    GZIP_LEVEL,
    XML_DECL,
    GzipSink,
    LocCheck,
    PlainSink,
    base_url_warning,
    encode,
    index_xml,
    not_uri,
    numbered_path,
    short,
    w3c_datetime,
)

#: Warning lines kept per document; the rest are counted in one summary line.
MAX_WARNINGS = 100

_HEAD = (XML_DECL + f'<urlset xmlns="{SITEMAP_NS}">\n').encode()
_TAIL = b"</urlset>\n"
#: How a row's skip note starts; such rows are reported as left out, not as warnings.
_SKIPPED = "skipped url "
class LastmodClamp:
    """Rewrites a ``lastmod`` after *now* to *now* (in its own offset) and remembers the earliest one.

    Nothing written may be dated in the future; :attr:`next` tells the build when the first
    clamped value becomes true, so the archive is rebuilt then.  Checked by text first: a
    lastmod whose local time is a day or more before *now* cannot be after it, whatever its
    offset, so nearly every batch costs one ``max`` and one string comparison.
    """

    __slots__ = ("now", "next", "_safe")

    def __init__(self, now: datetime) -> None:
        self.now = now
        #: The earliest lastmod after *now* seen so far.
        self.next: datetime | None = None
        self._safe = (now.astimezone(UTC) - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%S")

    def rows(self, chunk: list[SitemapRow]) -> list[SitemapRow]:
        if not chunk or max(map(LASTMOD, chunk))[:19] <= self._safe:
            return chunk
        return [self._row(row) for row in chunk]

    def _row(self, row: SitemapRow) -> SitemapRow:
        url, lastmod = row
        if lastmod[:19] <= self._safe:
            return row
        try:
            dt = datetime.fromisoformat(lastmod)
        except ValueError:  # not a date: the renderer leaves it out with a warning
            return row
        if dt.tzinfo is None:  # a date alone: midnight UTC, as W3C reads it
            dt = dt.replace(tzinfo=UTC)
        if dt <= self.now:
            return row
        self.next = dt if self.next is None else min(self.next, dt)
        return SitemapRow(url, w3c_datetime(self.now.astimezone(dt.tzinfo)))


class _Warnings:
    """A shard's warnings and left-out rows, each kept up to :data:`MAX_WARNINGS` and counted beyond."""

    __slots__ = ("lines", "more", "left", "more_left")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.more = 0
        self.left: list[LeftOut] = []
        self.more_left = 0

    def add(self, line: str) -> None:
        if line.startswith(_SKIPPED):
            # A row carries no article id: the URL, in the message, names it.
            if len(self.left) < MAX_WARNINGS:
                self.left.append(LeftOut(None, "url", RULE_LOC, line[len(_SKIPPED):]))
            else:
                self.more_left += 1
        elif len(self.lines) < MAX_WARNINGS:
            self.lines.append(line)
        else:
            self.more += 1

    def take(self) -> tuple[tuple[str, ...], tuple[LeftOut, ...]]:
        out = self.lines + ([f"… and {self.more:,} more changed"] if self.more else [])
        if self.more_left:
            out.append(f"… and {self.more_left:,} more URLs left out")
        left = tuple(self.left)
        self.lines, self.more, self.left, self.more_left = [], 0, [], 0
        return tuple(out), left


def render_archive(
    cfg: SitemapConfig,
    site_url: str,
    base_url: str,
    rows: Iterable[SitemapRow],
    clamp: LastmodClamp | None = None,
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

    *rows* are ``(url, lastmod)`` pairs (:class:`SitemapRow` or plain tuples), read in
    batches of up to 2,048 (``BATCH``), never more than the open shard can still take; once
    it is full, one at a time, so a shard closed by ``max_urls`` is handed out as the next
    URL arrives (one closed by ``max_bytes``, up to a batch later).  Each batch is checked as
    a whole (:func:`odd_urls`, :func:`lastmod_facts`) and written as one text.  Only its
    unusual rows, and a whole batch that might not fit in ``max_bytes``, take the per-row
    path (``entry``), which is the rule: the batch path writes the same bytes and warnings.

    With *clamp*, a ``lastmod`` after the build's ``now`` is written as ``now``
    (:class:`LastmodClamp`).
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
        warnings, left_out = warn.take()
        return Document(path, "sitemap", sink.finish(), count, warnings, left_out)

    prefix, w3c, shortest, longest = check.prefix, W3C.match, MIN_LOC, MAX_LOC

    def entry(url: str, lastmod: str, note: Callable[[str], None]) -> tuple[str | None, str]:
        """One row's ``<url>`` entry (None: skipped) and its lastmod ("" when left out)."""
        # Fast path (nearly every row): already a plain URI on the site, of a sane length.
        if not_uri(url) is None and url.startswith(prefix) and shortest <= len(url) <= longest and "%" not in url and "#" not in url:
            loc = url
        else:
            loc, problem = check(url)
            if loc is None:
                note(f"skipped url {short(url)}: {problem}")
                return None, ""
        if "&" in loc or "'" in loc:  # the only markup characters a percent-encoded URI can still hold
            loc = escape(loc)
        if w3c(lastmod):
            text = f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod></url>\n"
        else:
            note(f"url {short(url)}: left out lastmod {short(lastmod, 40)!r}, not a W3C date")
            text, lastmod = f"<url><loc>{loc}</loc></url>\n", ""
        if fixed + len(text) > max_bytes:  # ASCII only: characters are bytes
            note(f"skipped url {short(url)}: does not fit in sitemap.max_bytes = {max_bytes:,} even alone")
            return None, ""
        return text, lastmod

    def plan(chunk: list[SitemapRow]) -> tuple[str, int, Sequence[str], list[str], int]:
        """A batch's entries as text, how many, their lastmods, the warnings and the lastmod facts."""
        urls, lastmods = list(map(URL, chunk)), list(map(LASTMOD, chunk))
        odd, amp = odd_urls(urls, prefix)
        facts = lastmod_facts(lastmods)
        if facts is None:
            odd, facts = {*odd, *(i for i, lastmod in enumerate(lastmods) if not w3c(lastmod))}, ANY
        if not odd:
            return entries(urls, lastmods, amp), len(urls), lastmods, [], facts
        parts: list[str] = []
        kept: list[str] = []
        notes: list[str] = []
        count = start = 0
        for i in sorted(odd):
            if start < i:
                parts.append(entries(urls[start:i], lastmods[start:i], amp))
                kept += lastmods[start:i]
                count += i - start
            text, lastmod = entry(urls[i], lastmods[i], notes.append)
            if text is not None:
                parts.append(text)
                count += 1
                if lastmod:
                    kept.append(lastmod)
            start = i + 1
        if start < len(urls):
            parts.append(entries(urls[start:], lastmods[start:], amp))
            kept += lastmods[start:]
            count += len(urls) - start
        return "".join(parts), count, kept, notes, facts

    sink = new_sink()
    batch: list[str] = []
    count = 0
    size = fixed
    newest: str | None = None
    it = iter(rows)
    while True:
        if count < max_urls:
            chunk = list(islice(it, min(BATCH, max_urls - count)))
            if not chunk:
                break
            if clamp is not None:
                chunk = clamp.rows(chunk)
            text, n, lastmods, notes, facts = plan(chunk)
            if size + len(text) <= max_bytes:
                # Fits whole: no row can close the shard (count stays within max_urls too).
                if batch:
                    sink.write("".join(batch).encode("utf-8"))
                    batch.clear()
                sink.write(text.encode("utf-8"))
                for line in notes:
                    warn.add(line)
                count += n
                size += len(text)
                newest = batch_newest(newest, lastmods, facts)
                continue
        else:
            # The shard is full: read one row at a time, so that it is closed (and handed out)
            # as the next URL arrives, before any further row is read.
            chunk = list(islice(it, 1))
            if not chunk:
                break
            if clamp is not None:
                chunk = clamp.rows(chunk)
        for url, lastmod in chunk:
            text, lastmod = entry(url, lastmod, warn.add)
            if text is None:
                continue
            n = len(text)
            if count == max_urls or size + n > max_bytes:
                yield close(sink, batch, count, newest)
                sink, batch, count, size, newest = new_sink(), [], 0, fixed, None
            batch.append(text)
            count += 1
            size += n
            if lastmod:
                newest = fold(newest, (lastmod,))
            if len(batch) == BATCH:
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


__all__ = ["LastmodClamp", "render_archive", "render_robots"]
