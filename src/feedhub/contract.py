"""The import contract: one raw JSON object → one validated :class:`Article` (or a deletion).

Every problem of a record is collected and raised together as :class:`ArticleError`
(``e.problems``), each naming the id, the field and the reason.  Characters XML 1.0
forbids are removed (never rejected) and reported as warnings, so a stray control
character from a CMS does not cost a story.  The limits live in :mod:`feedhub.rules.limits`,
the date rules in :mod:`feedhub.rules.dates`.
"""

from __future__ import annotations

import functools
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Literal, TypeVar, overload

from .errors import ArticleError, article_error, shown_id
from .model import STATUSES, Article, Author, Image, RelatedLink
from .rules.dates import UNREADABLE, DateProblem, parse_datetime, range_problem, read_datetime
from .rules.emails import is_addr_spec
from .rules.languages import is_language_tag
from .rules.limits import MAX_COUNT, MAX_DEPTH, MAX_LIST_ITEMS, MAX_LONG_TEXT, MAX_SHORT_TEXT
from .rules.urls import MAX_URL, url_problem
from .rules.xmlchars import NOT_XML

MAX_ID = 512
_MIME_RE = re.compile(r"^[\w.+-]+/[\w.+-]+$")
_SECTION_RE = re.compile(r"^[\w-]+$")
#: An ``updated`` this far ahead of ingest's clock is a CMS clock a little fast, not worth a warning.
FUTURE_TOLERANCE = timedelta(minutes=5)
#: The fields a full record needs and a deletion by id leaves out.
_CONTENT_FIELDS = ("url", "title", "published")
_T = TypeVar("_T")
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 80


@dataclass(frozen=True, slots=True)
class Deletion:
    """``{"id": …, "status": "deleted"}`` without url, title and published: delete by id."""

    #: The id to mark deleted.
    id: str


class _Reader:
    """Field access for one record: each reader raises the field's first problem as ArticleError."""

    __slots__ = ("id", "warnings", "problems", "strip", "tz", "language")

    def __init__(self, article_id: str, strip: bool, site_tz: tzinfo, site_language: str) -> None:
        self.id, self.strip = article_id, strip
        #: The site's zone (for dates without one) and language (for records without one).
        self.tz, self.language = site_tz, site_language
        self.warnings: list[str] = []
        self.problems: list[ArticleError] = []

    def fail(self, field: str, reason: str) -> ArticleError:
        return ArticleError(self.id, field, reason)

    def attempt(self, read: Callable[[_Reader, str, Any], _T], field: str, value: Any) -> _T | None:
        """``read(self, field, value)``, or None with its problem noted, so the next field is read too."""
        try:
            return read(self, field, value)
        except ArticleError as e:
            self.problems.append(e)
            return None

    def clean(self, field: str, value: str) -> str:
        if not self.strip:
            return value
        cleaned, n = NOT_XML.subn("", value)
        if n:
            self.warnings.append(f"id={shown_id(self.id)}: {field}: removed {n} character{'s' if n > 1 else ''} XML 1.0 forbids")
        return cleaned

    @overload
    def text(self, field: str, value: Any, *, required: Literal[True], nonblank: bool = ..., limit: int = ...) -> str: ...

    @overload
    def text(self, field: str, value: Any, *, required: bool = ..., nonblank: bool = ..., limit: int = ...) -> str | None: ...

    def text(self, field: str, value: Any, *, required: bool = False, nonblank: bool = False, limit: int = MAX_SHORT_TEXT) -> str | None:
        if value is None:
            if required:
                raise self.fail(field, "is required")
            return None
        if type(value) is not str or len(value) > limit:
            raise self._not_text(field, value, limit)
        text = self.clean(field, value) if self.strip else value
        if (required or nonblank) and not text.strip():
            raise self.fail(field, "must not be empty")
        return text

    def _not_text(self, field: str, value: Any, limit: int) -> ArticleError:
        if not isinstance(value, str):
            return self.fail(field, f"must be a string, got {_type(value)}")
        return self.fail(field, f"is {len(value):,} characters long; at most {limit:,}")

    def required(self, field: str, value: Any) -> str:
        return self.text(field, value, required=True)

    def optional(self, field: str, value: Any) -> str | None:
        return self.text(field, value)

    def long_text(self, field: str, value: Any) -> str | None:
        return self.text(field, value, limit=MAX_LONG_TEXT)

    def nonblank(self, field: str, value: Any) -> str | None:
        return self.text(field, value, nonblank=True)

    def url(self, field: str, value: Any) -> str:
        v = self.text(field, value, required=True, limit=MAX_LONG_TEXT)
        problem = _url_problem(v)
        if problem is not None:
            raise self.fail(field, f"{problem}, got {_short(v)}")
        return v

    def optional_url(self, field: str, value: Any) -> str | None:
        return None if value is None else self.url(field, value)

    def count(self, field: str, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            raise self.fail(field, f"must be a non-negative integer (at most {MAX_COUNT:,}), got {_short(value)}")
        return value

    def published(self, field: str, value: Any) -> datetime | None:
        return self.date(field, value, required=True)

    def updated(self, field: str, value: Any) -> datetime | None:
        return self.date(field, value, required=False)

    def date(self, field: str, value: Any, *, required: bool) -> datetime | None:
        v = self.text(field, value, required=required)
        if v is None:
            return None
        try:
            dt = read_datetime(v)
        except DateProblem as e:
            raise self.fail(field, f"{UNREADABLE} {_short(v)}" if str(e) == UNREADABLE else f"{_short(v)} {e}") from None
        dt = dt if dt.tzinfo is not None else dt.replace(tzinfo=self.tz)
        problem = range_problem(dt)
        if problem is not None:
            raise self.fail(field, f"{_short(v)} {problem}")
        return dt

    def items(self, field: str, value: Any, read: Callable[[_Reader, str, Any], _T]) -> tuple[_T, ...]:
        """Each item of a list read by ``read(self, field[i], item)``; every bad item is noted."""
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problems.append(self.fail(field, f"must be a list, got {_type(value)}"))
            return ()
        if len(value) > MAX_LIST_ITEMS:
            self.problems.append(self.fail(field, f"has {len(value):,} items; at most {MAX_LIST_ITEMS:,}"))
            return ()
        read_items = []
        for i, item in enumerate(value):
            try:
                read_items.append(read(self, f"{field}[{i}]", item))
            except ArticleError as e:
                self.problems.append(e)
        return tuple(read_items)

    def obj(self, field: str, value: Any, known: frozenset[str]) -> dict[str, Any]:
        """An object of a list (level 3 of the record): its own fields are read by the caller."""
        if not isinstance(value, dict):
            raise self.fail(field, f"must be an object, got {_type(value)}")
        if not known.issuperset(value):  # the usual case skips the call and the set
            _unknown_fields(self, value, known, 3, f"{field}.")
        return value


# -- one function per field ------------------------------------------------------------


def _status(r: _Reader, field: str, value: Any) -> str:
    if value is None:  # null means absent, as for every other optional field
        return "published"
    if value not in STATUSES:
        raise r.fail(field, f"must be one of {', '.join(STATUSES)}, got {_short(value)}")
    return str(value)


def _language(r: _Reader, field: str, value: Any) -> str:
    language = r.nonblank(field, value) or r.language
    if not is_language_tag(language):
        raise r.fail(field, f'must be a BCP 47 tag such as "id" or "zh-TW", got {_short(language)}')
    return language


def _section(r: _Reader, field: str, value: Any) -> str | None:
    section = r.nonblank(field, value)
    if section is not None and not _SECTION_RE.match(section):
        raise r.fail(field, f"must be one slug (letters, digits, '-', '_'), got {_short(section)}")
    return section


def _author(r: _Reader, field: str, value: Any) -> Author:
    a = r.obj(field, value, _AUTHOR_KEYS)
    email = r.nonblank(f"{field}.email", a.get("email"))
    if email is not None and not is_addr_spec(email):
        # atom:email MUST be an addr-spec: accepting more would cost the Atom feeds this article.
        raise r.fail(f"{field}.email", f"must be a plain e-mail address such as redaksi@genpi.co (no name or comment), got {_short(email)}")
    return Author(name=r.required(f"{field}.name", a.get("name")), email=email, url=r.optional_url(f"{field}.url", a.get("url")))


def _image(r: _Reader, field: str, value: Any) -> Image:
    im = r.obj(field, value, _IMAGE_KEYS)
    mime = r.nonblank(f"{field}.type", im.get("type"))
    if mime is not None and not _MIME_RE.match(mime):
        raise r.fail(f"{field}.type", f"must be a MIME type such as image/jpeg, got {_short(mime)}")
    return Image(
        url=r.url(f"{field}.url", im.get("url")),
        caption=r.optional(f"{field}.caption", im.get("caption")),
        credit=r.optional(f"{field}.credit", im.get("credit")),
        type=mime,
        width=r.count(f"{field}.width", im.get("width")),
        height=r.count(f"{field}.height", im.get("height")),
        length=r.count(f"{field}.length", im.get("length")),
    )


def _related(r: _Reader, field: str, value: Any) -> RelatedLink:
    rl = r.obj(field, value, _RELATED_KEYS)
    return RelatedLink(url=r.url(f"{field}.url", rl.get("url")), title=r.required(f"{field}.title", rl.get("title")))


def _dates(r: _Reader, raw: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    published = r.attempt(_Reader.published, "published", raw.get("published"))
    updated = r.attempt(_Reader.updated, "updated", raw.get("updated"))
    if published is not None and updated is not None and updated < published:
        r.problems.append(r.fail("updated", f"is before published ({updated.isoformat()} < {published.isoformat()})"))
    return published, updated


def _unknown_fields(r: _Reader, obj: dict[str, Any], known: frozenset[str], level: int, prefix: str = "") -> None:
    """Unknown fields are ignored, but not without bounds: nested deeper than :data:`MAX_DEPTH`
    levels counting from the record (*obj* sits at *level*), they reject it.  The contract's own
    fields nest three levels at most, so only unknown ones need the walk; JSON deeper than json's
    recursion limit never gets here (ingest refuses it while decoding)."""
    for key in obj.keys() - known:
        value = obj[key]
        if isinstance(value, list | dict) and _deeper_than(value, MAX_DEPTH - level):
            r.problems.append(r.fail(prefix + _shorten(repr(key)[1:-1], 60), f"nested deeper than {MAX_DEPTH} levels"))


def _deeper_than(value: list[Any] | dict[str, Any], limit: int) -> bool:
    """Whether arrays and objects nest more than *limit* levels (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        children = v.values() if isinstance(v, dict) else v if isinstance(v, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _lists(r: _Reader, raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "tags": r.items("tags", raw.get("tags"), _Reader.required),
        "authors": r.items("authors", raw.get("authors"), _author),
        "images": r.items("images", raw.get("images"), _image),
        "related": r.items("related", raw.get("related"), _related),
    }


# -- the record ---------------------------------------------------------------------------


def read_id(raw: Any) -> str:
    """The record's id; an unreadable one rejects the record at once (nothing else can be named)."""
    if not isinstance(raw, dict):
        raise ArticleError(None, "(record)", f"must be a JSON object, got {_type(raw)}")
    rid = raw.get("id")
    if rid is None:
        raise ArticleError(None, "id", "is required")
    if not isinstance(rid, str):
        raise ArticleError(None, "id", f"must be a string, got {_type(rid)}")
    if not rid.strip():
        raise ArticleError(None, "id", "must not be empty")
    if len(rid) > MAX_ID:
        raise ArticleError(_shorten(rid, 40), "id", f"longer than {MAX_ID} characters")
    if NOT_XML.search(rid):
        # Stripping would silently change the identity; the newsroom must fix it.
        raise ArticleError(rid, "id", "contains characters XML 1.0 forbids")
    return rid


def parse_record(raw: Any, site_tz: tzinfo, site_language: str, *, strip: bool = True, now: datetime | None = None) -> tuple[Article | Deletion, list[str]]:
    """:func:`parse_article`, or a :class:`Deletion` for a bare ``{"id", "status": "deleted"}``."""
    rid = read_id(raw)
    if raw.get("status") == "deleted" and all(raw.get(k) is None for k in _CONTENT_FIELDS):
        return Deletion(rid), []
    return _article(_Reader(rid, strip, site_tz, site_language), raw, now)


def parse_article(raw: Any, site_tz: tzinfo, site_language: str, *, strip: bool = True, now: datetime | None = None) -> tuple[Article, list[str]]:
    """Validate one import record; returns the article and its warnings.

    Raises :class:`ArticleError` holding every problem found (``e.problems``).  *strip* False
    skips the per-field search for XML-illegal characters; only for a record whose raw line
    :func:`feedhub.ingest_read.may_hold_illegal` cleared.  With *now*, an ``updated`` time after it
    is a warning (renderers write the build time instead until then).
    """
    return _article(_Reader(read_id(raw), strip, site_tz, site_language), raw, now)


def _article(r: _Reader, raw: dict[str, Any], now: datetime | None) -> tuple[Article, list[str]]:
    published, updated = _dates(r, raw)
    if not _KNOWN.issuperset(raw):
        _unknown_fields(r, raw, _KNOWN, 1)
    values: dict[str, Any] = {
        "url": r.attempt(_Reader.url, "url", raw.get("url")),
        "title": r.attempt(_Reader.required, "title", raw.get("title")),
        "summary": r.attempt(_Reader.long_text, "summary", raw.get("summary")),
        "content_html": r.attempt(_Reader.long_text, "content_html", raw.get("content_html")),
        "section": r.attempt(_section, "section", raw.get("section")),
        "language": r.attempt(_language, "language", raw.get("language")),
        "status": r.attempt(_status, "status", raw.get("status")),
        **_lists(r, raw),
    }
    if r.problems or published is None:  # published is None only with its problem noted
        raise article_error(sorted(r.problems, key=_field_order))
    if now is not None and updated is not None and updated > now + FUTURE_TOLERANCE:
        r.warnings.append(f"id={shown_id(r.id)}: updated: {updated.isoformat()} is in the future; outputs show the build time until then")
    return Article(id=r.id, published=published, updated=updated, **values), r.warnings


_ORDER = {f: i for i, f in enumerate(("url", "title", "published", "updated", "summary", "content_html", "authors", "section", "tags", "language", "images", "related", "status"))}
_KNOWN = frozenset(("id", *_ORDER))
_AUTHOR_KEYS = frozenset(("name", "email", "url"))
_IMAGE_KEYS = frozenset(("url", "caption", "credit", "type", "width", "height", "length"))
_RELATED_KEYS = frozenset(("url", "title"))


def _field_order(e: ArticleError) -> int:
    """Problems in the order the contract table lists the fields (as the record usually has them)."""
    return _ORDER.get(e.field.split("[", 1)[0].split(".", 1)[0], len(_ORDER))


@functools.lru_cache(maxsize=4096)
def _cached_url_problem(url: str) -> str | None:
    return url_problem(url)


def _url_problem(url: str) -> str | None:
    """:func:`url_problem`, remembered for URLs that recur (author pages, related stories) and
    short enough that the cache stays small."""
    return _cached_url_problem(url) if len(url) <= MAX_URL else url_problem(url)


def _type(v: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number", float: "a number"}
    return names.get(type(v), "null" if v is None else type(v).__name__)


def _shorten(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _short(v: Any) -> str:
    return repr(_shorten(v, 80)) if isinstance(v, str) else repr(_REPR.repr(v))


__all__ = ["Deletion", "MAX_ID", "parse_article", "parse_datetime", "parse_record", "read_id"]
