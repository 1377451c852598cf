"""Atom 1.0 as a format: ``render.atom`` at the feed's ``atom_path``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..config import FeedConfig
from ..document import Document
from ..model import Article
from ..render import atom as renderer
from ..render._history import History
from ._xmlfeed import XmlFeedFormat
from .base import register


class AtomFormat(XmlFeedFormat):
    name = "atom"
    media_type = renderer.ATOM_TYPE

    def paths(self, feed: FeedConfig) -> list[str]:
        return [feed.atom_path]

    def render_one(self, feed: FeedConfig, articles: Sequence[Article], now: datetime, history: History | None) -> Document:
        # Looked up on the module at each call, so a test can stand in for the renderer.
        if history is None:
            return renderer.render_atom(feed, articles, now)
        return renderer.render_atom(feed, articles, now, history)


FORMAT = register(AtomFormat())
