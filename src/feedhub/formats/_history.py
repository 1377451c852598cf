"""RFC 5005 archived feeds (issue 14): which articles go on which archive page, and its links.

Pages are cut from the feed's whole history, oldest first, on a stable key: publication time,
then id (the store's order).  Page 1 holds the oldest ``archive_size`` articles, page 2 the
next ones, and so on; only a full page is written.  A new article therefore lands after every
full page: it changes the subscription document only, and when the open part reaches
``archive_size`` one new page appears.  A full page's bytes never change unless an article
on it (or before it: a deletion or a back-dated story shifts the later pages) changes.

The subscription document keeps the feed's newest ``limit`` articles, or every article not on a
full page when those are more, so walking ``prev-archive`` from it reaches every article.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..config import FeedConfig
from ..model import Article
from ..render._history import History
from ..rules.items import ItemProblem
from .base import public_url

#: ``limit`` for the store when a feed keeps its history: every article.
EVERY_ARTICLE = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Page:
    """One document of an archived feed: its articles (newest first) and its place."""

    articles: list[Article]
    history: History


def archive_folder(feed: FeedConfig) -> str:
    return f"{feed.name}/archive"


def archive_path(feed: FeedConfig, fmt: str, number: int) -> str:
    return f"{archive_folder(feed)}/{fmt}-{number}.xml"


def is_archive_page(name: str, fmt: str) -> bool:
    """Whether the file *name* in the archive folder is a page of format *fmt* (``rss-12.xml``)."""
    stem, dash, number = name.removesuffix(".xml").rpartition("-")
    return name.endswith(".xml") and dash == "-" and stem == fmt and number.isdigit()


def split(
    feed: FeedConfig, fmt: str, current_path: str, articles: Sequence[Article], problem: Callable[[Article], ItemProblem | None]
) -> list[Page]:
    """Archive pages 1…n, then the subscription document (published last: it links to them), for *articles* (the whole history, newest first).

    Articles *problem* refuses take no place on a page (the renderer names them on the subscription
    document, or on the page they would be on), so a bad story does not shift the pages.
    """
    writable = [a for a in articles if problem(a) is None]
    oldest_first = writable[::-1]
    size = feed.archive_size
    full = len(oldest_first) // size
    pages = [oldest_first[i * size : (i + 1) * size][::-1] for i in range(full)]
    current_url = public_url(feed, current_path)
    url = [public_url(feed, archive_path(feed, fmt, n)) for n in range(1, full + 1)]
    open_part = len(oldest_first) - full * size
    newest = writable[: max(feed.limit, open_part)]
    out = []
    for i, page in enumerate(pages):
        history = History(
            archive_path(feed, fmt, i + 1),
            url[i],
            archive=True,
            prev_archive=url[i - 1] if i > 0 else None,
            next_archive=url[i + 1] if i + 1 < full else None,
            current=current_url,
        )
        out.append(Page(page, history))
    out.append(Page(newest, History(current_path, current_url, archive=False, prev_archive=url[-1] if url else None)))
    return out
