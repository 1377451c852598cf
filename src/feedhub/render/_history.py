"""RFC 5005 feed history in RSS and Atom: the ``atom:link`` relations and ``<fh:archive/>`` (issue 14).

feedgen writes no ``fh`` element and, in RSS, no ``atom:link`` but ``rel="self"``, so this
extension adds them to both formats, right after the self link (where readers look for links).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseExtension
from lxml import etree

from ..rules.namespaces import ATOM_NS, FH_NS


@dataclass(frozen=True, slots=True)
class History:
    """Where one document of an archived feed sits (RFC 5005 §3, §4)."""

    #: This document's path and public URL (its ``rel="self"``).
    path: str
    url: str
    #: An archive page (``<fh:archive/>``, a ``current`` link), not the subscription document.
    archive: bool
    #: The next older archive page, the next newer one, the subscription document.
    prev_archive: str | None = None
    next_archive: str | None = None
    current: str | None = None

    def links(self) -> list[tuple[str, str]]:
        rels = (("current", self.current), ("prev-archive", self.prev_archive), ("next-archive", self.next_archive))
        return [(rel, href) for rel, href in rels if href is not None]


class HistoryLinks(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    def __init__(self) -> None:
        self.history: History | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NS} if self.history is not None and self.history.archive else {}

    def _add(self, parent: Any, link_tag: str) -> None:
        if self.history is None:
            return
        self_link = parent.find(f"{link_tag}[@rel='self']")
        at = parent.index(self_link) + 1 if self_link is not None else len(parent)
        # SubElement takes the prefixes the root declares (no ns0: redeclarations); insert then moves it.
        elements = [etree.SubElement(parent, f"{{{FH_NS}}}archive")] if self.history.archive else []
        elements += [etree.SubElement(parent, link_tag, rel=rel, href=href) for rel, href in self.history.links()]
        for i, el in enumerate(elements):
            parent.insert(at + i, el)

    def extend_rss(self, rss: Any) -> Any:
        self._add(rss.find("channel"), f"{{{ATOM_NS}}}link")
        return rss

    def extend_atom(self, feed: Any) -> Any:
        # feedgen builds Atom elements without a namespace and writes xmlns as an attribute.
        self._add(feed, "link")
        return feed


def add_history(fg: Any, history: History | None) -> None:
    """Give an archive page or subscription document its RFC 5005 links and ``fh:archive``."""
    if history is not None:
        fg.register_extension("history", HistoryLinks, atom=True, rss=True)
        fg.history.history = history
