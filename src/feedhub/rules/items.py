"""Can this article be written validly into this output?  Per-format checks from the other rules.

The import contract already refuses what no output can carry, but a store may hold articles
accepted under older rules (or written by another tool).  A renderer asks these checks before
an article enters a document and leaves out only that article, naming the field and the rule,
so one bad story never costs the whole document at the validation gate.

Each check returns the first problem found, or None.  Rule names are stable keys shown in the
build report and ``feedhub status --json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..model import Article
from .languages import is_language_tag, news_language
from .urls import URI, to_uri
from .xmlchars import MAX_TEXT_BYTES, escape, has_bad_chars

#: An article, image, related or author URL that cannot be written as a URI (:func:`writable_url_problem`).
RULE_URL = "url"
#: Text holding characters XML 1.0 forbids (``rules.xmlchars``); feeds cannot write it at all.
RULE_XML_CHARS = "xml-chars"
#: ``xml:lang`` must be a BCP 47 tag (``rules.languages.LANG_RE``).
RULE_LANGUAGE = "language"
#: Google News wants an ISO 639 code (``rules.languages.news_language``); ``und`` and ``x-…`` have none.
RULE_NEWS_LANGUAGE = "news-language"
#: A text longer than one XML text node may be for parsers without ``huge_tree`` (:data:`MAX_TEXT_BYTES`).
RULE_TEXT_SIZE = "text-size"
#: A headline that is empty once trimmed.
RULE_TITLE = "title"
#: A sitemap ``loc``: on the site, at most 2,047 characters (``rules.urls``).
RULE_LOC = "sitemap-loc"
#: Only ``published`` articles are written.
RULE_STATUS = "status"
#: Google News lists the stories of the last ``window_hours`` (at most 48) only.
RULE_NEWS_WINDOW = "news-window"


#: Image types an RSS ``enclosure`` may take from the URL's extension when the article gives none.
#: A fixed table, not :mod:`mimetypes`, whose answer depends on the machine's mime.types.
IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
}


def image_type(url: str, given: str | None) -> str | None:
    """*given*, else the type :data:`IMAGE_TYPES` has for the extension of *url*'s path, else None."""
    if given:
        return given
    _, dot, ext = urlsplit(url).path.rpartition(".")
    return IMAGE_TYPES.get(ext.lower()) if dot else None




def text_size_problem(text: str) -> str | None:
    """Why *text* is too long for one XML text node, or None."""
    if len(text) * 6 <= MAX_TEXT_BYTES:  # even all "&quot;" would fit: no need to escape it
        return None
    size = len(escape(text).encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        return f"is {size:,} bytes escaped; one XML text node may hold at most {MAX_TEXT_BYTES:,} (libxml2)"
    return None


@dataclass(frozen=True, slots=True)
class ItemProblem:
    """Why an article cannot be written into one output."""

    #: The article field, as the import format names it (``url``, ``images[0].url``, ``language``).
    field: str
    #: One of the ``RULE_*`` keys above.
    rule: str
    #: One readable reason.
    message: str


def _url_fields(a: Article, *, related: bool, authors: bool) -> Iterator[tuple[str, str]]:
    yield "url", a.url
    for i, image in enumerate(a.images):
        yield f"images[{i}].url", image.url
    if related:
        for i, link in enumerate(a.related):
            yield f"related[{i}].url", link.url
    if authors:
        for i, author in enumerate(a.authors):
            if author.url is not None:
                yield f"authors[{i}].url", author.url


def _feed_texts(a: Article) -> Iterator[tuple[str, str | None]]:
    """Every text a feed item writes (RSS and Atom write the same ones, Atom adds e-mail)."""
    yield from (("id", a.id), ("title", a.title), ("summary", a.summary), ("content_html", a.content_html))
    yield "section", a.section
    yield from ((f"tags[{i}]", t) for i, t in enumerate(a.tags))
    for i, author in enumerate(a.authors):
        yield from ((f"authors[{i}].name", author.name), (f"authors[{i}].email", author.email))
    for i, image in enumerate(a.images):
        yield from ((f"images[{i}].caption", image.caption), (f"images[{i}].credit", image.credit))
        yield f"images[{i}].type", image.type
    yield from ((f"related[{i}].title", link.title) for i, link in enumerate(a.related))


def writable_url_problem(url: str) -> str | None:
    """Why *url* cannot be written into a feed or sitemap as a URI (``rules.urls.to_uri``); None when it can.

    Looser than the import contract's ``url_problem`` on purpose: white space or a length over
    the sitemap limit can still be written validly into a feed (percent-encoded; sitemaps check
    their own length).  What no encoding mends is refused: no http(s) host, a user name or
    password, a host IDNA cannot encode, a ``%`` that starts no escape.
    """
    try:
        uri = to_uri(url)
        parts = urlsplit(uri)
        host, _port = parts.hostname, parts.port
    except ValueError:  # UnicodeError included
        return "cannot be written as a URI (its host or port cannot be encoded)"
    if parts.scheme.lower() not in ("http", "https") or not host:
        return "must be an absolute http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "must not hold a user name or password (it would be published)"
    if URI.fullmatch(uri) is None:
        return "is not a valid URI once percent-encoded (RFC 3986)"
    return None


def _first_url_problem(fields: Iterator[tuple[str, str]]) -> ItemProblem | None:
    for name, url in fields:
        problem = writable_url_problem(url)
        if problem is not None:
            return ItemProblem(name, RULE_URL, problem)
    return None


def _text_problem(name: str, text: str | None) -> ItemProblem | None:
    if not text:
        return None
    if has_bad_chars(text):
        return ItemProblem(name, RULE_XML_CHARS, "holds characters XML 1.0 forbids")
    too_long = text_size_problem(text)
    return ItemProblem(name, RULE_TEXT_SIZE, too_long) if too_long else None


def _status_problem(a: Article) -> ItemProblem | None:
    if a.status != "published":
        return ItemProblem("status", RULE_STATUS, f"status is {a.status!r}; only published articles are written")
    return None


def _title_problem(a: Article) -> ItemProblem | None:
    if not a.title.strip():
        return ItemProblem("title", RULE_TITLE, "is empty")
    return None


def feed_item_problem(a: Article) -> ItemProblem | None:
    """Why *a* cannot be an RSS item or an Atom entry; None when it can."""
    found = _status_problem(a) or _title_problem(a)
    found = found or _first_url_problem(_url_fields(a, related=True, authors=True))
    if found:
        return found
    for name, text in _feed_texts(a):
        found = _text_problem(name, text)
        if found:
            return found
    if not is_language_tag(a.language):
        return ItemProblem("language", RULE_LANGUAGE, f"{a.language!r} is not a BCP 47 language tag")
    return None


def news_item_problem(a: Article) -> ItemProblem | None:
    """Why *a* cannot be a Google News sitemap ``<url>``; None when it can.

    The window and the site host are the renderer's (they depend on the build, not the article);
    characters XML forbids are removed from the title there, with a warning.
    """
    found = _status_problem(a) or _title_problem(a)
    found = found or _first_url_problem(_url_fields(a, related=False, authors=False))
    if found:
        return found
    too_long = text_size_problem(a.title)
    if too_long:
        return ItemProblem("title", RULE_TEXT_SIZE, too_long)
    if news_language(a.language) is None:
        return ItemProblem(
            "language", RULE_NEWS_LANGUAGE, f"{a.language!r} has no ISO 639 code for news:language (Google News)"
        )
    return None


__all__ = [
    "IMAGE_TYPES",
    "ItemProblem",
    "MAX_TEXT_BYTES",
    "RULE_LANGUAGE",
    "RULE_LOC",
    "RULE_NEWS_LANGUAGE",
    "RULE_NEWS_WINDOW",
    "RULE_STATUS",
    "RULE_TEXT_SIZE",
    "RULE_TITLE",
    "RULE_URL",
    "RULE_XML_CHARS",
    "feed_item_problem",
    "image_type",
    "text_size_problem",
    "writable_url_problem",
    "news_item_problem",
]
