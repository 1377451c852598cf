"""The files that list every feed of a site: ``index.json`` for programs, OPML 2.0 for feed readers.

A site with feed families has thousands of feeds nobody listed by hand; these two files are
how readers and aggregators find them (docs/families.md says why both).  Rendering is pure:
the same feeds give the same bytes, so an unchanged index is not rewritten.

- ``index.json``: ``{"version": 1, "feeds": [{"name", "title", "family", "value",
  "formats": {"rss": url, "atom": url, …}}]}``; ``family`` and ``value`` are null for a
  ``[[feeds]]`` entry.
- ``feeds.opml``: OPML 2.0 (http://opml.org/spec2.opml), the subscription-list form every
  reader imports: one ``<outline type="rss">`` per feed, pointing at its RSS document (else its
  first format), the ``[[feeds]]`` first, then one folder outline per family.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .config import Config, FeedConfig
from .document import Document
from .formats import get as get_format
from .formats.base import public_url
from .render._xmltext import XML_DECL
from .rules.xmlchars import escape, strip_bad_chars

#: Document kinds of the two files (the build gate and ``feedhub validate`` route on them).
JSON_KIND = "feed-index-json"
OPML_KIND = "opml"
INDEX_VERSION = 1
#: What OPML 2.0 readers subscribe to when a feed offers several formats, best first.
_OPML_PREFERENCE = ("rss", "atom")


def format_urls(feed: FeedConfig) -> dict[str, str]:
    """Each format's subscription document URL, in the feed's ``formats`` order."""
    return {name: public_url(feed, get_format(name).paths(feed)[0]) for name in feed.formats}


def family_value(feed: FeedConfig, by: str | None) -> str | None:
    """The value a family feed carries (its filter field), None for a ``[[feeds]]`` entry."""
    value = getattr(feed.filter, by) if by is not None and feed.family is not None else None
    return value if isinstance(value, str) else None


def render_json(config: Config, feeds: Sequence[FeedConfig], urls: Sequence[dict[str, str]]) -> Document:
    by = {f.name: f.by for f in config.families}
    entries: list[dict[str, Any]] = [
        {
            "name": f.name,
            "title": f.title,
            "family": f.family,
            "value": family_value(f, by.get(f.family or "")),
            "formats": u,
        }
        for f, u in zip(feeds, urls, strict=True)
    ]
    data = json.dumps({"version": INDEX_VERSION, "feeds": entries}, ensure_ascii=False, indent=1) + "\n"
    return Document(config.feed_index.json_path, JSON_KIND, data.encode("utf-8"), len(entries))


def _subscription_url(urls: dict[str, str]) -> str:
    return next((urls[n] for n in _OPML_PREFERENCE if n in urls), next(iter(urls.values())))


def _attr(text: str) -> str:
    return escape(strip_bad_chars(text))


def _outline(feed: FeedConfig, urls: dict[str, str], indent: str) -> str:
    title = _attr(feed.title)
    return (
        f'{indent}<outline type="rss" text="{title}" title="{title}"'
        f' xmlUrl="{_attr(_subscription_url(urls))}" htmlUrl="{_attr(feed.link)}"/>\n'
    )


def render_opml(config: Config, feeds: Sequence[FeedConfig], urls: Sequence[dict[str, str]]) -> Document:
    lines = [XML_DECL, '<opml version="2.0">\n', "  <head>\n"]
    lines.append(f"    <title>{_attr(config.site.title)}: feeds</title>\n")
    lines.append("    <docs>http://opml.org/spec2.opml</docs>\n  </head>\n  <body>\n")
    lines += [_outline(f, u, "    ") for f, u in zip(feeds, urls, strict=True) if f.family is None]
    for family in config.families:
        members = [(f, u) for f, u in zip(feeds, urls, strict=True) if f.family == family.name]
        if members:
            lines.append(f'    <outline text="{_attr(family.name)}" title="{_attr(family.name)}">\n')
            lines += [_outline(f, u, "      ") for f, u in members]
            lines.append("    </outline>\n")
    lines.append("  </body>\n</opml>\n")
    return Document(config.feed_index.opml_path, OPML_KIND, "".join(lines).encode("utf-8"), len(feeds))


def render_index(config: Config, feeds: Sequence[FeedConfig]) -> list[Document]:
    """Both index files for *feeds* (every feed the build publishes), when the config wants them."""
    if not config.feed_index.enabled:
        return []
    urls = [format_urls(f) for f in feeds]
    return [render_json(config, feeds, urls), render_opml(config, feeds, urls)]
