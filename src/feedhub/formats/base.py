"""The output-format protocol and its registry (issue 14).

A format is one object: its name (the ``formats = [...]`` key in ``[[feeds]]`` and the
:class:`~feedhub.document.Document` kind), the media type a site advertises it under, the paths
it writes for a feed, how it renders a feed's articles, which articles it must leave out, and how
its documents are validated.  The builder, the CLI, the status record and ``feedhub validate``
look formats up here, so a new format is one module that calls :func:`register`, plus its line in
``feedhub.formats.MODULES``, plus its tests (the way Django's syndication framework takes a
``feed_type``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..config import FeedConfig
    from ..document import Document
    from ..model import Article
    from ..rules.items import ItemProblem
    from ..validate import Problem, Profile


class Format(Protocol):
    #: The config name and the document kind (``rss``, ``atom``, ``json``).
    name: str
    #: What ``<link rel="alternate" type=…>`` advertises.
    media_type: str
    #: False for a format the XML validator cannot read: ``validate()`` hands its documents
    #: to :meth:`check` and asks :meth:`sniff` when the kind is not given.
    xml: bool

    def paths(self, feed: FeedConfig) -> list[str]:
        """Every path this format writes for *feed*, the subscription document first."""
        ...

    def check_article(self, article: Article) -> ItemProblem | None:
        """Why *article* cannot be written in this format (``feedhub.rules.items``), or None."""
        ...

    def render(self, feed: FeedConfig, articles: Sequence[Article], now: datetime) -> list[Document]:
        """*articles* (newest first, filtered and limited) as this format's documents; pure."""
        ...

    def sniff(self, raw: bytes) -> bool:
        """Whether *raw* looks like this format (only asked of formats that are not XML)."""
        ...

    def check(self, raw: bytes, profile: Profile) -> list[Problem]:
        """Every problem in *raw* (only asked of formats that are not XML)."""
        ...


_REGISTRY: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    """Add *fmt* under its name; a second format of the same name is a programming error."""
    if fmt.name in _REGISTRY and _REGISTRY[fmt.name] is not fmt:
        raise ValueError(f"two output formats named {fmt.name!r}")
    _REGISTRY[fmt.name] = fmt
    return fmt


def registered() -> dict[str, Format]:
    """Every format by name, in registration order (``feedhub.formats.MODULES``)."""
    from . import load_all

    load_all()
    return dict(_REGISTRY)


def get(name: str) -> Format:
    """The format called *name*; KeyError naming the known ones otherwise."""
    # A registered format stays registered: the import walk of registered() is for a miss only
    # (a build asks once per feed and format, thousands of times with feed families).
    fmt = _REGISTRY.get(name)
    if fmt is not None:
        return fmt
    known = registered()
    if name not in known:
        raise KeyError(f"unknown output format {name!r}; known: {', '.join(known)}")
    return known[name]


def feed_paths(feed: FeedConfig) -> list[str]:
    """Every path the feed's formats write, in its ``formats`` order."""
    return [p for name in feed.formats for p in get(name).paths(feed)]


def public_url(feed: FeedConfig, path: str) -> str:
    """The public URL of *path*: the config resolves ``rss_url`` as the base URL plus ``rss_path``."""
    base = feed.rss_url[: len(feed.rss_url) - len(feed.rss_path)]
    return base + path


def alternate_links(feed: FeedConfig) -> list[str]:
    """The ``<link rel="alternate">`` lines a site pastes into its ``<head>`` for *feed*."""
    from html import escape

    lines = []
    for name in feed.formats:
        fmt = get(name)
        href = public_url(feed, fmt.paths(feed)[0])
        lines.append(
            f'<link rel="alternate" type="{fmt.media_type}" title="{escape(feed.title)}" href="{escape(href)}">'
        )
    return lines


def _own_checker(data: bytes, kind: str | None) -> Format | None:
    """The registered non-XML format that owns *data*: named by *kind*, else recognised by its
    ``sniff``; None for what the XML validator checks (``feedhub.validate`` imports no format)."""
    others = [f for f in registered().values() if not f.xml]
    if kind is not None:
        return next((f for f in others if f.name == kind), None)
    return next((f for f in others if f.sniff(data)), None)


def _index_kind(data: bytes, kind: str | None) -> str | None:
    """``opml`` or ``feed-index-json`` when *data* is (or is asked to be) a feed index file (issue 15)."""
    from ..feed_index import JSON_KIND, OPML_KIND
    from ..validate.feed_index import looks_like_index, looks_like_opml

    if kind is not None:
        return kind if kind in (JSON_KIND, OPML_KIND) else None
    if looks_like_opml(data):
        return OPML_KIND
    return JSON_KIND if looks_like_index(data) else None


def validate_document(data: bytes, kind: str | None = None, *, profile: Profile = "publish", **options: Any) -> list[Problem]:
    """Every problem in *data*: the build gate's and ``feedhub validate``'s one entry.

    A format that is not XML checks its own documents, and so do the feed index files;
    every other kind goes to :func:`feedhub.validate.validate` with *options* (its clock,
    site and limits).
    """
    from ..validate import validate
    from ..validate.feed_index import check_index_json, check_opml

    index = _index_kind(data, kind)
    if index is not None:
        return check_opml(data, profile) if index == "opml" else check_index_json(data, profile)
    fmt = _own_checker(data, kind)
    if fmt is not None:
        return fmt.check(data, profile)
    return validate(data, kind, profile=profile, **options)


def detect_kind(data: bytes) -> str:
    """The kind of *data*: a registered non-XML format's name, else what the XML validator finds."""
    from ..validate import detect_kind as detect_xml

    index = _index_kind(data, None)
    if index is not None:
        return index
    fmt = _own_checker(data, None)
    return fmt.name if fmt is not None else detect_xml(data)
