"""A rendered output: what a renderer returns, the validator checks and the publisher writes."""

from __future__ import annotations

from dataclasses import dataclass

#: Every kind of output the XML validator knows, one key used in renderers, validator, status and CLI.
#: A format that is not XML adds its own kind through ``feedhub.formats`` (``json``: JSON Feed).
KINDS = ("rss", "atom", "news-sitemap", "news-sitemap-index", "sitemap", "sitemap-index", "robots")


@dataclass(frozen=True, slots=True)
class LeftOut:
    """An article a renderer did not write into one document, and why (``feedhub.rules.items``)."""

    #: The article id; None for an archive sitemap row, which carries only its URL (named in *message*).
    id: str | None
    #: The article field at fault, as the import format names it (``url``, ``language``…).
    field: str
    #: The rule's stable key (``url``, ``news-language``, ``xml-chars``…).
    rule: str
    #: One readable reason.
    message: str

    def __str__(self) -> str:
        who = f"id={self.id}: " if self.id is not None else ""
        return f"{who}{self.field}: {self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "field": self.field, "rule": self.rule, "message": self.message}


@dataclass(frozen=True, slots=True)
class Document:
    #: Path relative to the output dir, POSIX separators (``all/rss.xml``, ``sitemap-1.xml.gz``).
    path: str
    #: One of :data:`KINDS`, or the name of a registered format (``feedhub.formats``).
    kind: str
    #: The exact bytes to put on disk (gzip-compressed for ``.gz`` paths).
    data: bytes
    #: Items in it: RSS items, Atom entries, sitemap URLs or index entries.
    items: int
    #: Things the renderer changed, one readable line each (e.g. characters removed from a title).
    warnings: tuple[str, ...] = ()
    #: Articles that could not be written into this document (the rest of it is published).
    left_out: tuple[LeftOut, ...] = ()
