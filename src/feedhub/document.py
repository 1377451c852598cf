"""A rendered output: what a renderer returns, the validator checks and the publisher writes."""

from __future__ import annotations

from dataclasses import dataclass

#: Every kind of output, one key used in renderers, validator, status and CLI.
KINDS = ("rss", "atom", "news-sitemap", "news-sitemap-index", "sitemap", "sitemap-index", "robots")


@dataclass(frozen=True, slots=True)
class Document:
    #: Path relative to the output dir, POSIX separators (``all/rss.xml``, ``sitemap-1.xml.gz``).
    path: str
    #: One of :data:`KINDS`.
    kind: str
    #: The exact bytes to put on disk (gzip-compressed for ``.gz`` paths).
    data: bytes
    #: Items in it: RSS items, Atom entries, sitemap URLs or index entries.
    items: int
    #: Things the renderer skipped or changed, one readable line each (e.g. an off-host URL).
    warnings: tuple[str, ...] = ()
