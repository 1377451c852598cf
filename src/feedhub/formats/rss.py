"""RSS 2.0 as a format: ``render.rss`` at the feed's ``rss_path``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..config import FeedConfig
from ..document import Document
from ..model import Article
from ..render import rss as renderer
from ..render._history import History
from ._xmlfeed import XmlFeedFormat
from .base import register


class RssFormat(XmlFeedFormat):
    name = "rss"
    media_type = renderer.RSS_TYPE

    def paths(self, feed: FeedConfig) -> list[str]:
        return [feed.rss_path]

    def render_one(self, feed: FeedConfig, articles: Sequence[Article], now: datetime, history: History | None) -> Document:
        # Looked up on the module at each call, so a test can stand in for the renderer.
        if history is None:
            return renderer.render_rss(feed, articles, now)
        return renderer.render_rss(feed, articles, now, history)


FORMAT = register(RssFormat())
