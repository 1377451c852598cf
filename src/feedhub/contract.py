"""The import contract: one raw JSON object → one validated :class:`Article`.

Each broken field raises :class:`ArticleError` naming the id, the field and the
reason.  Characters XML 1.0 forbids are removed (never rejected) and reported
as warnings, so a stray control character from a CMS does not cost a story.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any

from dateutil import parser as dateutil_parser

from .errors import ArticleError
from .model import STATUSES, Article, Author, Image, RelatedLink
from .rules.languages import is_language_tag
from .rules.urls import url_problem
from .rules.xmlchars import NOT_XML

MAX_ID = 512
_MIME_RE = re.compile(r"^[\w.+-]+/[\w.+-]+$")
_SECTION_RE = re.compile(r"^[\w-]+$")
_YEAR_RE = re.compile(r"\d{4}")

_DEFAULT_A, _DEFAULT_B = datetime(2000, 1, 1), datetime(2001, 2, 2)


class _Reader:
    """Field access for one record, collecting strip warnings as it goes."""

    __slots__ = ("raw", "id", "warnings", "strip")

    def __init__(self, raw: dict[str, Any], article_id: str | None, strip: bool = True) -> None:
        self.raw, self.id, self.strip = raw, article_id, strip
        self.warnings: list[str] = []

    def fail(self, field: str, reason: str) -> ArticleError:
        return ArticleError(self.id, field, reason)

    def clean(self, field: str, value: str) -> str:
        if not self.strip:
            return value
        cleaned, n = NOT_XML.subn("", value)
        if n:
            who = f"id={self.id}: " if self.id else ""
            self.warnings.append(f"{who}{field}: removed {n} character{'s' if n > 1 else ''} XML 1.0 forbids")
        return cleaned

    def text(self, field: str, value: Any, *, required: bool = False, nonblank: bool = False) -> str | None:
        if value is None:
            if required:
                raise self.fail(field, "is required")
            return None
        if not isinstance(value, str):
            raise self.fail(field, f"must be a string, got {_type(value)}")
        value = self.clean(field, value)
        if (required or nonblank) and not value.strip():
            raise self.fail(field, "must not be empty")
        return value

    def url(self, field: str, value: Any, *, required: bool = True) -> str | None:
        v = self.text(field, value, required=required)
        if v is None:
            return None
        problem = url_problem(v)
        if problem is not None:
            raise self.fail(field, f"{problem}, got {_short(v)}")
        return v

    def count(self, field: str, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(field, f"must be a non-negative integer, got {_short(value)}")
        return value

    def date(self, field: str, value: Any, tz: tzinfo, *, required: bool) -> datetime | None:
        v = self.text(field, value, required=required)
        if v is None:
            return None
        dt = parse_datetime(v)
        if dt is None:
            raise self.fail(field, f"cannot read date {_short(v)}")
        return dt if dt.tzinfo is not None else dt.replace(tzinfo=tz)

    def items(self, field: str, value: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(field, f"must be a list, got {_type(value)}")
        return value

    def obj(self, field: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(field, f"must be an object, got {_type(value)}")
        return value


def parse_datetime(value: str) -> datetime | None:
    """ISO 8601 first (fast), then RFC 2822 and friends via python-dateutil; None if unreadable."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    # dateutil fills missing parts from today's date ("10" becomes the 10th of this month,
    # "June 2024" the current day of June 2024), so demand a four-digit year, then parse
    # against two different defaults: a value lacking its month or day reads differently.
    if not _YEAR_RE.search(value):
        return None
    try:
        dt = dateutil_parser.parse(value, default=_DEFAULT_A)
        if dt != dateutil_parser.parse(value, default=_DEFAULT_B):
            return None
        return dt
    except (ValueError, OverflowError):
        return None


def parse_article(raw: Any, site_tz: tzinfo, site_language: str, *, strip: bool = True) -> tuple[Article, list[str]]:
    """Validate one import record; returns the article and any strip warnings.

    *strip* False skips the per-field search for XML-illegal characters; only for a
    record whose raw line :func:`feedhub.ingest.may_hold_illegal` cleared.
    """
    if not isinstance(raw, dict):
        raise ArticleError(None, "(record)", f"must be a JSON object, got {_type(raw)}")
    rid = raw.get("id")
    if rid is None:
        raise ArticleError(None, "id", "is required")
    if not isinstance(rid, str):
        raise ArticleError(None, "id", f"must be a string, got {_type(rid)}")
    if not rid.strip():
        raise ArticleError(None, "id", "must not be empty")
    if NOT_XML.search(rid):
        # Stripping would silently change the identity; the newsroom must fix it.
        raise ArticleError(repr(rid)[1:-1], "id", "contains characters XML 1.0 forbids")
    if len(rid) > MAX_ID:
        raise ArticleError(rid[:40] + "…", "id", f"longer than {MAX_ID} characters")
    r = _Reader(raw, rid, strip)

    url = r.url("url", raw.get("url"))
    title = r.text("title", raw.get("title"), required=True)
    published = r.date("published", raw.get("published"), site_tz, required=True)
    updated = r.date("updated", raw.get("updated"), site_tz, required=False)
    assert published is not None
    if updated is not None and updated < published:
        raise r.fail("updated", f"is before published ({updated.isoformat()} < {published.isoformat()})")

    status = raw.get("status")
    if status is None:  # null means absent, as for every other optional field
        status = "published"
    if status not in STATUSES:
        raise r.fail("status", f"must be one of {', '.join(STATUSES)}, got {_short(status)}")

    language = r.text("language", raw.get("language"), nonblank=True) or site_language
    if not is_language_tag(language):
        raise r.fail("language", f"must be a BCP 47 tag such as \"id\" or \"zh-TW\", got {_short(language)}")

    section = r.text("section", raw.get("section"), nonblank=True)
    if section is not None and not _SECTION_RE.match(section):
        raise r.fail("section", f"must be one slug (letters, digits, '-', '_'), got {_short(section)}")

    tags = []
    for i, t in enumerate(r.items("tags", raw.get("tags"))):
        tags.append(r.text(f"tags[{i}]", t, required=True))

    authors = []
    for i, a in enumerate(r.items("authors", raw.get("authors"))):
        f = f"authors[{i}]"
        a = r.obj(f, a)
        email = r.text(f"{f}.email", a.get("email"), nonblank=True)
        if email is not None and "@" not in email:
            raise r.fail(f"{f}.email", f"not an e-mail address: {_short(email)}")
        authors.append(
            Author(name=r.text(f"{f}.name", a.get("name"), required=True), email=email, url=r.url(f"{f}.url", a.get("url"), required=False))
        )

    images = []
    for i, im in enumerate(r.items("images", raw.get("images"))):
        f = f"images[{i}]"
        im = r.obj(f, im)
        mime = r.text(f"{f}.type", im.get("type"), nonblank=True)
        if mime is not None and not _MIME_RE.match(mime):
            raise r.fail(f"{f}.type", f"must be a MIME type such as image/jpeg, got {_short(mime)}")
        images.append(
            Image(
                url=r.url(f"{f}.url", im.get("url")),
                caption=r.text(f"{f}.caption", im.get("caption")),
                credit=r.text(f"{f}.credit", im.get("credit")),
                type=mime,
                width=r.count(f"{f}.width", im.get("width")),
                height=r.count(f"{f}.height", im.get("height")),
                length=r.count(f"{f}.length", im.get("length")),
            )
        )

    related = []
    for i, rl in enumerate(r.items("related", raw.get("related"))):
        f = f"related[{i}]"
        rl = r.obj(f, rl)
        related.append(RelatedLink(url=r.url(f"{f}.url", rl.get("url")), title=r.text(f"{f}.title", rl.get("title"), required=True)))

    article = Article(
        id=rid,
        url=url,
        title=title,
        published=published,
        updated=updated,
        summary=r.text("summary", raw.get("summary")),
        content_html=r.text("content_html", raw.get("content_html")),
        authors=tuple(authors),
        section=section,
        tags=tuple(tags),
        language=language,
        images=tuple(images),
        related=tuple(related),
        status=status,
    )
    return article, r.warnings


def _type(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number", float: "a number"}.get(
        type(v), "null" if v is None else type(v).__name__
    )


def _short(v: Any) -> str:
    s = v if isinstance(v, str) else repr(v)
    return repr(s if len(s) <= 80 else s[:77] + "...")
