"""Text and date helpers shared by the RSS and Atom renderers (no locale, no clock)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from ..document import LeftOut
from ..model import Article
from ..rules.items import ItemProblem

#: Longest plain-text excerpt made from an article body, in characters (before the "…").
EXCERPT_CHARS = 300

# Elements whose text is not prose, and elements that end a run of words.
_SKIP = frozenset({"script", "style", "template", "noscript", "head", "title", "iframe", "object", "svg", "math"})
_BREAK = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
     "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
     "td", "th", "tr", "ul"}
)
_SPACE = re.compile(r"\s+")


def wire_time(dt: datetime) -> datetime:
    """*dt* as written to a feed: whole-minute offsets are kept, anything else becomes UTC.

    RFC 822 (``+0700``) and RFC 3339 (``+07:00``) offsets have no seconds; historic
    zone offsets such as LMT ``+07:07:12`` would otherwise come out malformed.
    """
    off = dt.utcoffset()
    if off is None:
        raise ValueError(f"naive datetime {dt.isoformat()} reached a renderer (the import contract makes them aware)")
    if off % timedelta(minutes=1):
        return dt.astimezone(UTC)
    return dt


def rfc822(dt: datetime) -> str:
    """``Wed, 19 Jun 2024 20:30:00 +0700``: RFC 822 with a four-digit year, the article's own offset.

    :func:`email.utils.format_datetime` uses fixed English names, so no ``locale.setlocale``
    happens (feedgen's formatter swaps the process-wide locale, see docs/feedgen.md).
    """
    return format_datetime(wire_time(dt))


def clamp(dt: datetime, now: datetime) -> datetime:
    """*dt*, or *now* in *dt*'s offset when *dt* lies after it: nothing written is dated in the future.

    An ``updated`` ahead of the build (a CMS clock, a typo) would otherwise put channel
    ``lastBuildDate``, Atom ``updated`` and sitemap ``lastmod`` in the future (the W3C feed
    validator's "ImplausibleDate").  The build reports when the real value is reached.
    """
    return dt if dt <= now else now.astimezone(dt.tzinfo)


def tag_uri(site_url: str, date: str, specific: str) -> str:
    """``tag:genpi.example,2024:<specific>`` (RFC 4151) for the host of *site_url*."""
    host = urlsplit(site_url).hostname
    if not host:
        raise ValueError(f"no host in {site_url!r}")
    return f"tag:{host},{date}:{specific}"


def pct(s: str) -> str:
    """*s* percent-encoded (UTF-8) so that only URI-unreserved characters remain."""
    return quote(s, safe="")


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BREAK:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BREAK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The readable text of an HTML fragment, entities decoded, whitespace collapsed."""
    p = _TextOnly()
    p.feed(html)
    p.close()
    return _SPACE.sub(" ", "".join(p.parts)).strip()


def excerpt(html: str, limit: int = EXCERPT_CHARS) -> str:
    """A plain-text excerpt of *html*: at most *limit* characters, cut at a word, ``…`` added when cut."""
    text = html_text(html)
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > limit // 2 else text[:limit]
    return cut.rstrip(" ,;:.-–—") + "…"


# --- Per-article decisions both renderers share (Django's item_* checklist as plain functions) ---


def writable(
    articles: Sequence[Article], problem: Callable[[Article], ItemProblem | None]
) -> tuple[list[Article], list[LeftOut]]:
    """The articles *problem* finds nothing wrong with, order kept, and the ones left out."""
    kept: list[Article] = []
    left_out: list[LeftOut] = []
    for a in articles:
        found = problem(a)
        if found is None:
            kept.append(a)
        else:
            left_out.append(LeftOut(a.id, found.field, found.rule, found.message))
    return kept, left_out


def last_change(articles: Sequence[Article], now: datetime) -> datetime | None:
    """The newest ``updated``-else-``published`` time, clamped to *now*; None for no articles."""
    newest = max((a.modified for a in articles), default=None)
    return None if newest is None else clamp(newest, now)


def next_unclamp(articles: Iterable[Article], now: datetime) -> datetime | None:
    """The earliest ``updated`` after *now*: when a clamped date becomes true and the output changes."""
    return min((a.modified for a in articles if a.modified > now), default=None)


def item_summary(a: Article) -> str | None:
    """Plain text: the summary, else an excerpt of the body, else None."""
    if a.summary and a.summary.strip():
        return a.summary
    if a.content_html:
        return excerpt(a.content_html) or None
    return None


def item_categories(a: Article) -> list[str]:
    """The section, then the tags; exact duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for term in ((a.section,) if a.section else ()) + a.tags:
        if term and term.strip():
            seen.setdefault(term, None)
    return list(seen)
