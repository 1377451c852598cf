"""Google News sitemap: the last two days of stories, with their images.

What each ``<url>`` carries follows Google's current documentation
(https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap):
``loc``, ``news:news`` (``news:publication`` with ``news:name`` and ``news:language``,
``news:publication_date``, ``news:title``) and one ``image:image`` per image
(https://developers.google.com/search/docs/crawling-indexing/sitemaps/image-sitemaps).
``news:genres``, ``news:keywords``, ``news:stock_tickers`` and ``news:access`` are
no longer used by Google and are never written; ``image:caption`` was deprecated in
2022 and is written only when ``[news_sitemap] image_captions = true``.

The window is half-open: an article published at ``p`` is in it at ``now`` when
``now - window < p <= now``.  So a story exactly 48 hours old has just left, and a
story scheduled for the future is not in yet.  :func:`next_news_expiry` gives the
instant the oldest story leaves, so the daemon can rebuild exactly then.
"""

from __future__ import annotations

from ..rules.languages import news_language
from ..rules.namespaces import IMAGE_NS, NEWS_NS
from ..rules.sitemaps import MAX_IMAGES

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from ..config import NewsSitemapConfig
from ..document import Document
from ..model import Article
from ..stylesheets import with_stylesheet  # issue 16
from ._xmltext import (
    SITEMAP_NS,
    XML_DECL,
    LocCheck,
    base_url_warning,
    encode,
    escape,
    has_bad_chars,
    index_xml,
    numbered_path,
    short,
    strip_bad_chars,
    to_uri,
    w3c_datetime,
)


_URLSET_OPEN = f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}" xmlns:image="{IMAGE_NS}">\n'


def _in_window(a: Article, start: datetime, now: datetime) -> bool:
    return a.status == "published" and start < a.published <= now


def _aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError(f"now must be time-zone aware, got {now!r}")


def select_news(articles: Iterable[Article], window_hours: float, now: datetime) -> list[Article]:
    """The published articles in the window ``(now - window_hours, now]``, newest first, ties by id."""
    _aware(now)
    start = now - timedelta(hours=window_hours)
    chosen = sorted((a for a in articles if _in_window(a, start, now)), key=lambda a: a.id)
    chosen.sort(key=lambda a: a.published, reverse=True)  # stable: equal times keep id order
    return chosen


def next_news_expiry(articles: Sequence[Article], window_hours: float, now: datetime) -> datetime | None:
    """When the oldest article in the window leaves it (``published + window``), in *now*'s zone.

    None when the window is empty.  Articles published after *now* are not counted: they
    enter the window on a later rebuild, they do not make one leave.
    """
    _aware(now)
    window = timedelta(hours=window_hours)
    start = now - window
    oldest = min((a.published for a in articles if _in_window(a, start, now)), default=None)
    return None if oldest is None else (oldest + window).astimezone(now.tzinfo)


def _clean(a: Article, what: str, text: str, warnings: list[str]) -> str:
    if has_bad_chars(text):
        warnings.append(f"{a.id}: removed characters XML cannot carry from the {what}")
        return strip_bad_chars(text)
    return text


def _url_xml(a: Article, loc: str, name_xml: str, lang: str, captions: bool, warnings: list[str]) -> str | None:
    title = _clean(a, "title", a.title, warnings)
    if not title.strip():
        warnings.append(f"skipped {a.id}: empty title")
        return None
    parts = [
        "  <url>\n",
        f"    <loc>{escape(loc)}</loc>\n",
        "    <news:news>\n",
        "      <news:publication>\n",
        f"        <news:name>{name_xml}</news:name>\n",
        f"        <news:language>{lang}</news:language>\n",
        "      </news:publication>\n",
        f"      <news:publication_date>{w3c_datetime(a.published)}</news:publication_date>\n",
        f"      <news:title>{escape(title)}</news:title>\n",
        "    </news:news>\n",
    ]
    images = a.images
    if len(images) > MAX_IMAGES:
        warnings.append(f"{a.id}: kept the first {MAX_IMAGES:,} of {len(images):,} images (Google's limit)")
        images = images[:MAX_IMAGES]
    for i, img in enumerate(images):
        if not img.url.lower().startswith(("http://", "https://")):
            warnings.append(f"{a.id}: skipped images[{i}]: url {short(img.url)} is not absolute http(s)")
            continue
        parts.append(f"    <image:image>\n      <image:loc>{escape(to_uri(img.url))}</image:loc>\n")
        if captions and img.caption:
            caption = _clean(a, f"images[{i}] caption", img.caption, warnings)
            if caption:
                parts.append(f"      <image:caption>{escape(caption)}</image:caption>\n")
        parts.append("    </image:image>\n")
    parts.append("  </url>\n")
    return "".join(parts)


def _urlset(entries: Sequence[str]) -> str:
    return "".join((XML_DECL, _URLSET_OPEN, *entries, "</urlset>\n"))


def render_news_sitemap(
    cfg: NewsSitemapConfig,
    site_url: str,
    base_url: str,
    articles: Sequence[Article],
    now: datetime,
) -> list[Document]:
    """The news sitemap for an already selected window (:func:`select_news`, newest first).

    Up to ``cfg.max_urls`` stories: one ``news-sitemap`` document at ``cfg.path``.  More:
    ``<stem>-1.xml``, ``<stem>-2.xml``, … (``news-sitemap``) and, last, a
    ``news-sitemap-index`` at ``cfg.path`` listing them, each with the newest
    modification time of its stories as ``lastmod``.  An empty window gives an empty
    ``urlset`` (Google reads it as "no news now"; note sitemap.xsd wants at least one
    ``url``, see docs/sitemaps.md).

    Skipped: articles outside the window at *now* (defensive; the caller selected with the
    same *now*), URLs off the site, longer than 2,047 characters or already listed, and
    languages without an ISO 639 code.  Every skip or change is one line in the
    ``warnings`` of the document at ``cfg.path``.
    """
    _aware(now)
    start = now - timedelta(hours=cfg.window_hours)
    check = LocCheck(site_url)
    name_xml = escape(strip_bad_chars(cfg.publication_name))
    warnings: list[str] = []
    if has_bad_chars(cfg.publication_name):
        warnings.append("removed characters XML cannot carry from news_sitemap.publication_name")
    entries: list[tuple[str, datetime]] = []
    seen: dict[str, str] = {}
    for a in articles:
        if not _in_window(a, start, now):
            warnings.append(
                f"skipped {a.id}: not a published article in the {cfg.window_hours:g}-hour window at {w3c_datetime(now)}"
            )
            continue
        loc, problem = check(a.url)
        if loc is None:
            warnings.append(f"skipped {a.id}: url {short(a.url)} {problem}")
            continue
        if loc in seen:
            warnings.append(f"skipped {a.id}: url {short(a.url)} is already listed for {seen[loc]}")
            continue
        lang = news_language(a.language)
        if lang is None:
            warnings.append(f"skipped {a.id}: language {a.language!r} has no ISO 639 code for news:language")
            continue
        xml = _url_xml(a, loc, name_xml, lang, cfg.image_captions, warnings)
        if xml is not None:
            seen[loc] = a.id
            entries.append((xml, a.modified))

    size = cfg.max_urls
    if len(entries) <= size:
        text = _urlset([x for x, _ in entries])
        return [Document(cfg.path, "news-sitemap", with_stylesheet(encode(cfg.path, text), cfg.path, "news-sitemap", cfg.stylesheet), len(entries), tuple(warnings))]

    ext = ".xml.gz" if cfg.path.endswith(".gz") else ".xml"
    docs: list[Document] = []
    listed: list[tuple[str, str | None]] = []
    for n, i in enumerate(range(0, len(entries), size), start=1):
        chunk = entries[i : i + size]
        path = numbered_path(cfg.path, n, ext)
        docs.append(Document(path, "news-sitemap", with_stylesheet(encode(path, _urlset([x for x, _ in chunk])), path, "news-sitemap", cfg.stylesheet), len(chunk)))
        listed.append((path, w3c_datetime(max((m for _, m in chunk)))))
    cross = base_url_warning(site_url, base_url)
    if cross:
        warnings.append(cross)
    index = index_xml(base_url, listed)
    docs.append(Document(cfg.path, "news-sitemap-index", with_stylesheet(encode(cfg.path, index), cfg.path, "news-sitemap-index", cfg.stylesheet), len(listed), tuple(warnings)))
    return docs


__all__ = ["news_language", "next_news_expiry", "render_news_sitemap", "select_news"]
