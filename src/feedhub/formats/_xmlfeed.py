"""What RSS and Atom share as formats: rules.items' feed check, RFC 5005 history and the XML validator."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from datetime import datetime

from ..config import FeedConfig
from ..document import Document
from ..model import Article
from ..render._history import History
from ..rules.items import ItemProblem, feed_item_problem
from ..validate import Problem, Profile, validate
from ._history import Page, split

#: Archive pages rendered by this process, by everything their bytes depend on: a full page
#: rarely changes, and a daemon re-rendering a long history every feeds build spent its time here.
_PAGES: OrderedDict[Hashable, Document] = OrderedDict()
#: About 100 KB a page: at most some 50 MB however long the histories.
PAGE_CACHE_SIZE = 512


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
        return [self._render_page(feed, page, now) for page in pages]

    def _render_page(self, feed: FeedConfig, page: Page, now: datetime) -> Document:
        """An archive page from :data:`_PAGES` when nothing it depends on changed.

        A page's bytes depend on *now* only through a date after it (written clamped), so pages
        with such a date are always rendered anew.
        """
        if not page.history.archive or any(a.modified > now for a in page.articles):
            return self.render_one(feed, page.articles, now, page.history)
        key = (self.name, feed, tuple(page.articles), page.history)
        doc = _PAGES.get(key)
        if doc is None:
            doc = _PAGES[key] = self.render_one(feed, page.articles, now, page.history)
            if len(_PAGES) > PAGE_CACHE_SIZE:
                _PAGES.popitem(last=False)
        else:
            _PAGES.move_to_end(key)
        return doc

    def check_article(self, article: Article) -> ItemProblem | None:
        return feed_item_problem(article)

    def sniff(self, raw: bytes) -> bool:
        # The XML validator tells RSS from Atom by the root element.
        return False

    def check(self, raw: bytes, profile: Profile) -> list[Problem]:
        return validate(raw, self.name, profile=profile)
