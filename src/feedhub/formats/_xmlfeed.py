"""What RSS and Atom share as formats: rules.items' feed check, RFC 5005 history and the XML validator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..config import FeedConfig
from ..document import Document
from ..model import Article
from ..render._history import History
from ..rules.items import ItemProblem, feed_item_problem
from ..validate import Problem, Profile, validate
from ._history import split


class XmlFeedFormat:
    """Base of the XML feed formats; a subclass names itself and says how it renders one document and where."""

    name = ""
    media_type = ""
    xml = True

    def paths(self, feed: FeedConfig) -> list[str]:
        raise NotImplementedError

    def render_one(self, feed: FeedConfig, articles: Sequence[Article], now: datetime, history: History | None) -> Document:
        raise NotImplementedError

    def render(self, feed: FeedConfig, articles: Sequence[Article], now: datetime) -> list[Document]:
        """The feed's document; with ``archive = true`` its subscription document and every archive page
        (*articles* is then the whole history, newest first)."""
        if not feed.archive:
            return [self.render_one(feed, articles[: feed.limit], now, None)]
        pages = split(feed, self.name, self.paths(feed)[0], articles, self.check_article)
        return [self.render_one(feed, page.articles, now, page.history) for page in pages]

    def check_article(self, article: Article) -> ItemProblem | None:
        return feed_item_problem(article)

    def sniff(self, raw: bytes) -> bool:
        # The XML validator tells RSS from Atom by the root element.
        return False

    def check(self, raw: bytes, profile: Profile) -> list[Problem]:
        return validate(raw, self.name, profile=profile)
