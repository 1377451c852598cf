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

from collections.abc import Sequence
from datetime import datetime, timedelta

from ..config import NewsSitemapConfig
from ..document import Document, LeftOut
from ..model import Article
from ..rules.items import RULE_LOC, RULE_NEWS_WINDOW, RULE_TITLE, news_item_problem
from ..rules.languages import news_language
from ..rules.namespaces import IMAGE_NS, NEWS_NS, SITEMAP_NS
from ..rules.sitemaps import MAX_IMAGES
from ..rules.urls import to_uri
from ..rules.xmlchars import escape, has_bad_chars, strip_bad_chars
from ..stylesheets import with_stylesheet  # issue 16
from ._text import clamp
from ._xmltext import XML_DECL, LocCheck, base_url_warning, encode, index_xml, numbered_path, short, w3c_datetime

_URLSET_OPEN = f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}" xmlns:image="{IMAGE_NS}">\n'


def _in_window(a: Article, start: datetime, now: datetime) -> bool:
    return a.status == "published" and start < a.published <= now


def _aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError(f"now must be time-zone aware, got {now!r}")


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


def _images_xml(a: Article, captions: bool, warnings: list[str]) -> list[str]:
    images = a.images
    if len(images) > MAX_IMAGES:
        warnings.append(f"{a.id}: kept the first {MAX_IMAGES:,} of {len(images):,} images (Google's limit)")
        images = images[:MAX_IMAGES]
    parts = []
    for i, img in enumerate(images):
        parts.append(f"    <image:image>\n      <image:loc>{escape(to_uri(img.url))}</image:loc>\n")
        if captions and img.caption:
            caption = _clean(a, f"images[{i}] caption", img.caption, warnings)
            if caption:
                parts.append(f"      <image:caption>{escape(caption)}</image:caption>\n")
        parts.append("    </image:image>\n")
    return parts


def _url_xml(a: Article, loc: str, name_xml: str, title: str, captions: bool, warnings: list[str]) -> str:
    lang = news_language(a.language)
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
        *_images_xml(a, captions, warnings),
        "  </url>\n",
    ]
    return "".join(parts)


def _urlset(entries: Sequence[str]) -> str:
    return "".join((XML_DECL, _URLSET_OPEN, *entries, "</urlset>\n"))


class _Selection:
    """The ``<url>`` entries of one news sitemap, with what was changed and what was left out."""

    def __init__(self, cfg: NewsSitemapConfig, site_url: str, now: datetime) -> None:
        self.cfg, self.now = cfg, now
        self.start = now - timedelta(hours=cfg.window_hours)
        self.check = LocCheck(site_url)
        self.name_xml = escape(strip_bad_chars(cfg.publication_name))
        self.warnings: list[str] = []
        if has_bad_chars(cfg.publication_name):
            self.warnings.append("removed characters XML cannot carry from news_sitemap.publication_name")
        self.left_out: list[LeftOut] = []
        #: ``(entry text, modification time)`` per story written.
        self.entries: list[tuple[str, datetime]] = []
        self._seen: dict[str, str] = {}

    def _problem(self, a: Article) -> tuple[str, str, str] | None:
        """``(field, rule, reason)`` when *a* cannot be a ``<url>`` here."""
        if not _in_window(a, self.start, self.now):
            window = f"{self.cfg.window_hours:g}-hour window at {w3c_datetime(self.now)}"
            return "published", RULE_NEWS_WINDOW, f"not a published article in the {window}"
        problem = news_item_problem(a)
        if problem is not None:
            return problem.field, problem.rule, problem.message
        loc, reason = self.check(a.url)
        if loc is None:
            return "url", RULE_LOC, f"{short(a.url)} {reason}"
        if loc in self._seen:
            return "url", RULE_LOC, f"{short(a.url)} is already listed for {self._seen[loc]}"
        return None

    def add(self, a: Article) -> None:
        problem = self._problem(a)
        title = "" if problem else _clean(a, "title", a.title, self.warnings)
        if problem is None and not title.strip():
            problem = "title", RULE_TITLE, "is empty once characters XML cannot carry are removed"
        if problem is not None:
            self.left_out.append(LeftOut(a.id, *problem))
            return
        loc = to_uri(a.url)
        self._seen[loc] = a.id
        self.entries.append((_url_xml(a, loc, self.name_xml, title, self.cfg.image_captions, self.warnings), a.modified))


def render_news_sitemap(
    cfg: NewsSitemapConfig,
    site_url: str,
    base_url: str,
    articles: Sequence[Article],
    now: datetime,
) -> list[Document]:
    """The news sitemap of the window ``(now - window_hours, now]`` (*articles* newest first).

    Up to ``cfg.max_urls`` stories: one ``news-sitemap`` document at ``cfg.path``.  More:
    ``<stem>-1.xml``, ``<stem>-2.xml``, … (``news-sitemap``) and, last, a
    ``news-sitemap-index`` at ``cfg.path`` listing them, each with the newest
    modification time of its stories (clamped to *now*) as ``lastmod``.  An empty window
    gives an empty ``urlset`` (Google reads it as "no news now"; note sitemap.xsd wants at
    least one ``url``, see docs/sitemaps.md).

    Left out (``Document.left_out`` of the document at ``cfg.path``): articles outside the
    window at *now*, URLs off the site, longer than 2,047 characters or already listed, and
    whatever ``rules.items.news_item_problem`` finds (``und``, private-use languages…).
    Characters XML cannot carry are removed from titles and captions, with a warning.
    """
    _aware(now)
    sel = _Selection(cfg, site_url, now)
    for a in articles:
        sel.add(a)
    entries, size = sel.entries, cfg.max_urls
    if len(entries) <= size:
        text = _urlset([x for x, _ in entries])
        return [Document(cfg.path, "news-sitemap", with_stylesheet(encode(cfg.path, text), cfg.path, "news-sitemap", cfg.stylesheet), len(entries), tuple(sel.warnings), tuple(sel.left_out))]

    ext = ".xml.gz" if cfg.path.endswith(".gz") else ".xml"
    docs: list[Document] = []
    listed: list[tuple[str, str | None]] = []
    for n, i in enumerate(range(0, len(entries), size), start=1):
        chunk = entries[i : i + size]
        path = numbered_path(cfg.path, n, ext)
        docs.append(Document(path, "news-sitemap", with_stylesheet(encode(path, _urlset([x for x, _ in chunk])), path, "news-sitemap", cfg.stylesheet), len(chunk)))
        listed.append((path, w3c_datetime(clamp(max(m for _, m in chunk), now))))
    cross = base_url_warning(site_url, base_url)
    if cross:
        sel.warnings.append(cross)
    index = index_xml(base_url, listed)
    docs.append(Document(cfg.path, "news-sitemap-index", with_stylesheet(encode(cfg.path, index), cfg.path, "news-sitemap-index", cfg.stylesheet), len(listed), tuple(sel.warnings), tuple(sel.left_out)))
    return docs


__all__ = ["news_language", "next_news_expiry", "render_news_sitemap"]
