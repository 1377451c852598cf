"""WebSub discovery in RSS: one ``atom:link rel="hub"`` per hub in the channel (issue 16).

feedgen 1.0.0 writes only the ``rel="self"`` link as ``atom:link`` in RSS (every other link
becomes the channel ``<link>``), so the hub links come from this extension, right after self.
Atom needs none of this: feedgen writes any ``rel`` there.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseExtension
from lxml import etree

from ..rules.namespaces import ATOM_NS


class HubLinks(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    def __init__(self) -> None:
        self.hubs: tuple[str, ...] = ()

    def extend_rss(self, rss: Any) -> Any:
        channel = rss.find("channel")
        self_link = channel.find(f"{{{ATOM_NS}}}link[@rel='self']")
        at = channel.index(self_link) + 1 if self_link is not None else len(channel)
        for i, hub in enumerate(self.hubs):
            channel.insert(at + i, etree.Element(f"{{{ATOM_NS}}}link", href=hub, rel="hub"))
        return rss
