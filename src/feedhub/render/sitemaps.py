"""Archive sitemaps (every published article) with their index, and the robots.txt lines.

https://www.sitemaps.org/protocol.html: a sitemap holds at most 50,000 URLs and
50 MB (52,428,800 bytes) uncompressed; a sitemap index lists the files, each with
its ``lastmod``.  :func:`render_archive` streams: it reads rows as the store yields
them and hands out each shard as soon as it is full, so memory holds one shard,
never the archive.

A shard whose entries are the ones its published file was rendered from is not
rendered again (issue 15): each shard's digest is folded from its text as it is
planned, and :meth:`ArchiveSitemap.outputs` asks the caller whether the file on disk
came from that digest before compressing anything (:class:`Unchanged`).

Search engines no longer take pings (Google retired its ping endpoint in 2023):
the index is announced through robots.txt (:func:`render_robots`), never pinged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import NamedTuple, Protocol

from .. import __version__
from ..config import SitemapConfig
from ..document import Document, LeftOut
from ..model import SitemapRow
from ..rules.items import RULE_LOC
from ..rules.namespaces import SITEMAP_NS
from ..rules.sitemaps import MAX_INDEX_ENTRIES
from ..rules.urls import to_uri
from ..rules.xmlchars import escape
from ._archive_batch import ANY, BATCH, LASTMOD, URL, W3C, batch_newest, entries, fold, is_plain, lastmod_facts, odd_urls
from ._xmltext import (
    GZIP_LEVEL,
    XML_DECL,
    GzipSink,
    LocCheck,
    PlainSink,
    base_url_warning,
    encode,
    index_xml,
    numbered_path,
    short,
    w3c_datetime,
)

#: Warning lines kept per document; the rest are counted in one summary line.
MAX_WARNINGS = 100

_HEAD = (XML_DECL + f'<urlset xmlns="{SITEMAP_NS}">\n').encode()
_TAIL = b"</urlset>\n"
_FIXED = len(_HEAD) + len(_TAIL)
#: How a row's skip note starts; such rows are reported as left out, not as warnings.
_SKIPPED = "skipped url "

class Reuse(Protocol):
    """What the caller knows of the published files (a renderer does no I/O)."""

    def recorded(self, path: str) -> bool:
        """Whether a digest is recorded for *path*: only then is its shard held back uncompressed
        until its digest is known (else it streams into the compressor, as in a full render)."""

    def reusable(self, path: str, digest: str) -> bool:
        """Whether the published file at *path* was rendered from *digest*."""


def _digest() -> hashlib._Hash:
    # A change detector, not a signature: SHA-1 runs at 1.3 GB/s here (SHA-NI), blake2b at
    # 0.16 GB/s, against gzip's 0.06 GB/s, so folding every shard's text costs a full build little.
    return hashlib.sha1(usedforsecurity=False)


class Unchanged(NamedTuple):
    """A document not rendered because its published file came from the same digest.

    Everything a :class:`Document` says but its bytes: the report and the status need
    the same items, warnings and left-out rows a full render gives.
    """

    path: str
    kind: str
    items: int
    digest: str
    warnings: tuple[str, ...] = ()
    left_out: tuple[LeftOut, ...] = ()


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


class _Held:
    """A sink that keeps what it is given, to be compressed only if the shard turns out changed.

    Replayed into the real sink in the same pieces, so the bytes equal a streamed render's.
    """

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)


class _Shard:
    """The open shard: its compressor, entries not yet handed to it, count, size, newest lastmod
    and the digest of every byte handed over."""

    __slots__ = ("sink", "pending", "count", "size", "newest", "hash", "gzip")

    def __init__(self, gzip: bool, held: bool = False) -> None:
        self.gzip = gzip
        self.sink: GzipSink | PlainSink | _Held = _Held() if held else self._sink()
        # The sink's kind and level are part of the digest: the same text gives other bytes under
        # another.  So is the feedhub version: a shard kept from an older release was checked by
        # its validator, and is rendered and checked again after an upgrade.
        self.hash = _digest()
        self.hash.update(f"feedhub {__version__}\n".encode())
        self.hash.update(f"gzip {GZIP_LEVEL}\n".encode() if gzip else b"plain\n")
        self._put(_HEAD)
        self.pending: list[str] = []
        self.count = 0
        self.size = _FIXED
        self.newest: str | None = None

    def _sink(self) -> GzipSink | PlainSink:
        return GzipSink(GZIP_LEVEL) if self.gzip else PlainSink()

    def _put(self, data: bytes) -> None:
        self.hash.update(data)
        self.sink.write(data)

    def write(self, text: str) -> None:
        """Hand *text* to the compressor after whatever is still pending."""
        if self.pending:
            self._put("".join(self.pending).encode("utf-8"))
            self.pending.clear()
        if text:
            self._put(text.encode("utf-8"))

    def add(self, text: str, lastmod: str) -> None:
        """One entry, through the pending list (flushed every ``BATCH`` entries)."""
        self.pending.append(text)
        self.count += 1
        self.size += len(text)
        if lastmod:
            self.newest = fold(self.newest, (lastmod,))
        if len(self.pending) == BATCH:
            self.write("")

    def close(self) -> str:
        """Write the tail; the shard's digest, of its sink and uncompressed bytes.

        Warnings and left-out rows are not in it: they are noted afresh as the rows are planned,
        whether the shard is then compressed or not."""
        self.write("")
        self._put(_TAIL)
        return self.hash.hexdigest()

    @property
    def held(self) -> bool:
        return isinstance(self.sink, _Held)

    def finish(self) -> bytes:
        """The shard's bytes (a held shard is compressed now, from the same pieces)."""
        if isinstance(self.sink, _Held):
            sink = self._sink()
            for part in self.sink.parts:
                sink.write(part)
            return sink.finish()
        return self.sink.finish()


class _Planned(NamedTuple):
    """A batch of rows as entries: their text, how many, their lastmods, notes and lastmod facts."""

    text: str
    n: int
    lastmods: Sequence[str]
    notes: list[str]
    facts: int


class ArchiveSitemap:
    """The archive as sitemaps.org shards plus their index (the shape of Django's ``Sitemap``:
    a location and a lastmod per row, paginated by ``max_urls`` and ``max_bytes``).

    :meth:`entry` is the per-row rule.  Rows are read in batches of up to ``BATCH``; a batch
    that ``_archive_batch`` proves plain is written as one text, and only its unusual rows take
    :meth:`entry` (the batch path writes the same bytes and warnings; the tests hold it to a
    per-row reference).
    """

    def __init__(self, cfg: SitemapConfig, site_url: str, base_url: str, clamp: LastmodClamp | None = None) -> None:
        self.cfg, self.site_url, self.base_url, self.clamp = cfg, site_url, base_url, clamp
        self.check = LocCheck(site_url)
        self.warn = _Warnings()
        #: ``(path, newest lastmod)`` of every shard handed out so far.
        self.listed: list[tuple[str, str | None]] = []
        #: The digest of every output handed out so far (rendered or not), by path.
        self.digests: dict[str, str] = {}

    # -- the per-row rule --------------------------------------------------------------------

    def location(self, url: str, note: Callable[[str], None]) -> str | None:
        """*url* as an escaped ``loc``, or None (noted) when it cannot be one."""
        loc, problem = (url, None) if is_plain(url, self.check.prefix) else self.check(url)
        if loc is None:
            note(f"skipped url {short(url)}: {problem}")
            return None
        if "&" in loc or "'" in loc:  # the only markup characters a percent-encoded URI can still hold
            loc = escape(loc)
        return loc

    def entry(self, url: str, lastmod: str, note: Callable[[str], None]) -> tuple[str | None, str]:
        """One row's ``<url>`` entry (None: skipped) and its lastmod ("" when left out)."""
        loc = self.location(url, note)
        if loc is None:
            return None, ""
        if W3C.match(lastmod):
            text = f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod></url>\n"
        else:
            note(f"url {short(url)}: left out lastmod {short(lastmod, 40)!r}, not a W3C date")
            text, lastmod = f"<url><loc>{loc}</loc></url>\n", ""
        if _FIXED + len(text) > self.cfg.max_bytes:  # ASCII only: characters are bytes
            note(f"skipped url {short(url)}: does not fit in sitemap.max_bytes = {self.cfg.max_bytes:,} even alone")
            return None, ""
        return text, lastmod

    # -- batches -------------------------------------------------------------------------------

    def plan(self, chunk: list[SitemapRow]) -> _Planned:
        """A batch as entries: proven-plain runs written in bulk, the odd rows through :meth:`entry`."""
        urls, lastmods = list(map(URL, chunk)), list(map(LASTMOD, chunk))
        odd, amp = odd_urls(urls, self.check.prefix)
        facts = lastmod_facts(lastmods)
        if facts is None:
            odd, facts = {*odd, *(i for i, lastmod in enumerate(lastmods) if not W3C.match(lastmod))}, ANY
        if not odd:
            return _Planned(entries(urls, lastmods, amp), len(urls), lastmods, [], facts)
        return self._plan_mixed(urls, lastmods, sorted(odd), amp, facts)

    def _plan_mixed(self, urls: list[str], lastmods: list[str], odd: list[int], amp: bool, facts: int) -> _Planned:
        """Plain runs in bulk, each odd row (index in *odd*) through :meth:`entry`."""
        parts: list[str] = []
        kept: list[str] = []
        notes: list[str] = []
        start = 0
        for i in [*odd, len(urls)]:
            if start < i:  # the plain run before this odd row
                parts.append(entries(urls[start:i], lastmods[start:i], amp))
                kept += lastmods[start:i]
            if i < len(urls):
                text, lastmod = self.entry(urls[i], lastmods[i], notes.append)
                parts.append(text or "")
                kept += [lastmod] if lastmod else []
            start = i + 1
        count = len(urls) - sum(1 for part in parts if not part)
        return _Planned("".join(parts), count, kept, notes, facts)

    def _read(self, it: Iterator[SitemapRow], shard: _Shard) -> list[SitemapRow]:
        """The next rows: a batch the open shard can still take, or one row once it is full, so a
        shard closed by ``max_urls`` is handed out as the next URL arrives."""
        room = self.cfg.max_urls - shard.count
        chunk = list(islice(it, min(BATCH, room) if room > 0 else 1))
        return self.clamp.rows(chunk) if self.clamp is not None and chunk else chunk

    def _take_whole(self, chunk: list[SitemapRow], shard: _Shard) -> bool:
        """Write a batch in one piece when it fits the open shard whole; False leaves it to rows."""
        if shard.count >= self.cfg.max_urls:
            return False
        planned = self.plan(chunk)
        if shard.size + len(planned.text) > self.cfg.max_bytes:
            return False
        # Fits whole: no row can close the shard (count stays within max_urls too).
        shard.write(planned.text)
        for line in planned.notes:
            self.warn.add(line)
        shard.count += planned.n
        shard.size += len(planned.text)
        shard.newest = batch_newest(shard.newest, planned.lastmods, planned.facts)
        return True

    # -- documents -----------------------------------------------------------------------------

    def documents(self, rows: Iterable[SitemapRow]) -> Iterator[Document]:
        """Shards as they fill, then the index (see :func:`render_archive`)."""
        for out in self.outputs(rows):
            assert isinstance(out, Document)  # nothing is kept without a reuse test
            yield out

    def outputs(self, rows: Iterable[SitemapRow], reuse: Reuse | None = None) -> Iterator[Document | Unchanged]:
        """:meth:`documents`, except that a shard or index whose digest *reuse* accepts for its
        path comes out :class:`Unchanged`, neither compressed nor handed to the validator.

        Shards split exactly as in a full render (this is that render, minus the compression),
        so a row added early moves every later shard's rows and changes their digests.
        :attr:`digests` holds every output's digest for the caller to record.
        """
        it = iter(rows)
        shard = self._open(reuse)
        while chunk := self._read(it, shard):
            if self._take_whole(chunk, shard):
                continue
            for url, lastmod in chunk:
                text, lastmod = self.entry(url, lastmod, self.warn.add)
                if text is None:
                    continue
                if shard.count == self.cfg.max_urls or shard.size + len(text) > self.cfg.max_bytes:
                    yield self._close(shard, reuse)
                    shard = self._open(reuse)
                shard.add(text, lastmod)
        if shard.count or not self.listed:
            yield self._close(shard, reuse)
        yield self._index(reuse)

    def _next_path(self) -> str:
        return numbered_path(self.cfg.path, len(self.listed) + 1, ".xml.gz" if self.cfg.gzip else ".xml")

    def _open(self, reuse: Reuse | None) -> _Shard:
        return _Shard(self.cfg.gzip, held=reuse is not None and reuse.recorded(self._next_path()))

    def _close(self, shard: _Shard, reuse: Reuse | None) -> Document | Unchanged:
        path = self._next_path()
        self.listed.append((path, shard.newest))
        digest = self.digests[path] = shard.close()
        warnings, left_out = self.warn.take()
        if reuse is not None and shard.held and reuse.reusable(path, digest):
            return Unchanged(path, "sitemap", shard.count, digest, warnings, left_out)
        return Document(path, "sitemap", shard.finish(), shard.count, warnings, left_out)

    def _index(self, reuse: Reuse | None) -> Document | Unchanged:
        warnings = []
        cross = base_url_warning(self.site_url, self.base_url)
        if cross:
            warnings.append(cross)
        if len(self.listed) > MAX_INDEX_ENTRIES:
            warnings.append(f"the index lists {len(self.listed):,} sitemaps, more than the {MAX_INDEX_ENTRIES:,} sitemaps.org allows")
        text = index_xml(self.base_url, self.listed)
        # A few lines per shard to write out: only the compression and validation are worth skipping.
        listed = _digest()
        listed.update(f"{self.cfg.path} {GZIP_LEVEL}\n{text}".encode("utf-8", "surrogatepass"))
        digest = self.digests[self.cfg.path] = listed.hexdigest()
        if reuse is not None and reuse.reusable(self.cfg.path, digest):
            return Unchanged(self.cfg.path, "sitemap-index", len(self.listed), digest, tuple(warnings))
        index = encode(self.cfg.path, text)
        return Document(self.cfg.path, "sitemap-index", index, len(self.listed), tuple(warnings))


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
    needs at least one ``sitemap`` (siteindex.xsd).  Rows whose URL is off the site, too
    long or not a URI, or that cannot fit in ``max_bytes`` even alone, are left out
    (``Document.left_out`` of their shard); a ``lastmod`` that is not a W3C date is left out
    with a warning.  With *clamp*, a ``lastmod`` after the build's ``now`` is written as
    ``now`` (:class:`LastmodClamp`).

    *rows* are ``(url, lastmod)`` pairs (:class:`SitemapRow` or plain tuples), streamed:
    memory holds one shard, never the archive.
    """
    return ArchiveSitemap(cfg, site_url, base_url, clamp).documents(rows)


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


__all__ = ["ArchiveSitemap", "LastmodClamp", "Reuse", "Unchanged", "render_archive", "render_robots"]
