"""``feedhub import-html``: files and URLs of article pages → import records, one per page.

A page that cannot be read or mapped costs only itself: it becomes one rejection naming the page,
the field and the reason, and the other pages go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from ..errors import ArticleError
from ..ingest import Rejection
from .fetch import FetchError, FetchPolicy, fetch
from .html import PageOptions, page_record


@dataclass(slots=True)
class Pages:
    #: (where, record): the page's path or URL and its import record.
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Loaded:
    data: bytes
    base_url: str | None = None
    content_type: str | None = None
    charset: str | None = None


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def read_pages(sources: list[str], tz: tzinfo, options: PageOptions, policy: FetchPolicy) -> Pages:
    pages = Pages()
    for source in sources:
        try:
            loaded = _load(source, options, policy)
            record, warnings = page_record(
                loaded.data, tz=tz, options=options, base_url=loaded.base_url, content_type=loaded.content_type, charset=loaded.charset
            )
        except ArticleError as e:
            pages.rejected.append(Rejection(source, e))
            continue
        pages.records.append((source, record))
        pages.warnings.extend(f"{source} {w}" for w in warnings)
    return pages


def _load(source: str, options: PageOptions, policy: FetchPolicy) -> _Loaded:
    if is_url(source):
        try:
            r = fetch(source, policy)
        except FetchError as e:
            raise ArticleError(None, "(page)", e.reason) from None
        return _Loaded(r.body, r.url, r.content_type or None, r.charset)
    try:
        with open(source, "rb") as f:
            data = f.read(options.max_bytes + 1)
    except FileNotFoundError:
        raise ArticleError(None, "(page)", "no such file") from None
    except OSError as e:
        raise ArticleError(None, "(page)", f"cannot read: {e.strerror}") from None
    if len(data) > options.max_bytes:
        raise ArticleError(None, "(page)", f"page is over the {options.max_bytes:,}-byte limit")
    return _Loaded(data)
