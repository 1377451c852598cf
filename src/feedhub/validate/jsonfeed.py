"""JSON Feed 1.1 validator (https://www.jsonfeed.org/version/1.1/), for the build gate and ``feedhub validate``.

Checks what the spec requires: a JSON object in UTF-8, a known ``version``, a ``title``,
an ``items`` list whose items each have an ``id`` (unique in the feed) and ``content_html`` or
``content_text``; the types of the fields it defines; URLs that are absolute http(s); dates in
RFC 3339; authors with a name, URL or avatar; attachments with ``url`` and ``mime_type``.
Keys starting with ``_`` are extensions and are not checked.  The ``publish`` profile adds
feedhub's policy: version 1.1, a ``feed_url``, ids that are strings.

Problems carry a JSON Pointer (``/items/3/id``) as their place, and rule ids ``jsonfeed.*``.
"""

from __future__ import annotations

import json
from typing import Any

from ..rules import jsonfeed as spec
from ..rules.items import writable_url_problem
from ..rules.sitemaps import MAX_BYTES
from ._report import Problem
from ._rules import Profile


def looks_like_json(raw: bytes) -> bool:
    """A document that starts (after a BOM and white space) with ``{``."""
    return raw.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1] == b"{"


class _Found:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.problems: list[Problem] = []

    def add(self, rule: str, where: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(rule, message, None, where, severity))

    def policy(self, rule: str, where: str, message: str) -> None:
        """A finding that only feedhub's policy makes an error (a warning for anyone's feed)."""
        self.add(rule, where, message, "error" if self.profile == "publish" else "warning")


def check_jsonfeed(raw: bytes, profile: Profile = "publish") -> list[Problem]:
    """Every problem in *raw* as a JSON Feed; an empty list means it may be published."""
    found = _Found(profile)
    doc = _parse(raw, found)
    if doc is not None:
        _check_feed(doc, found)
    return found.problems


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def _parse(raw: bytes, found: _Found) -> dict[str, Any] | None:
    # The cap every document feedhub reads is held to (a feed is far smaller than a sitemap).
    if len(raw) > MAX_BYTES:
        found.add("jsonfeed.size", "", f"{len(raw):,} bytes; feedhub reads at most {MAX_BYTES:,}")
        return None
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as e:
        found.add("jsonfeed.encoding", "", f"not UTF-8 (byte {e.start}); JSON Feed is JSON, which is UTF-8 (RFC 8259 §8.1)")
        return None
    except ValueError as e:
        found.add("jsonfeed.json", "", f"not well-formed JSON: {e}")
        return None
    if not isinstance(doc, dict):
        found.add("jsonfeed.json", "", "the top level must be an object")
        return None
    return doc


def _check_feed(doc: dict[str, Any], found: _Found) -> None:
    version = doc.get("version")
    if version not in spec.VERSIONS:
        found.add("jsonfeed.version", "/version", f"must be {spec.VERSION_1_1!r}, got {version!r}")
    elif version != spec.VERSION_1_1:
        found.policy("jsonfeed.version", "/version", f"feedhub writes {spec.VERSION_1_1!r}")
    _required_text(doc, "title", "", found)
    if "feed_url" not in doc:
        found.policy("jsonfeed.feed-url", "/feed_url", "missing; the spec says it SHOULD be present so readers can find the feed again")
    _strings(doc, spec.FEED_STRINGS, "", found)
    _urls(doc, spec.FEED_URLS, "", found)
    _authors(doc, "", found)
    if "expired" in doc and not isinstance(doc["expired"], bool):
        found.add("jsonfeed.type", "/expired", "must be true or false")
    items = doc.get("items")
    if not isinstance(items, list):
        found.add("jsonfeed.items", "/items", "required, and must be a list")
        return
    seen: set[str] = set()
    for i, item in enumerate(items):
        _check_item(item, f"/items/{i}", seen, found)


def _required_text(obj: dict[str, Any], key: str, at: str, found: _Found) -> None:
    v = obj.get(key)
    if not isinstance(v, str) or not v.strip():
        found.add(f"jsonfeed.{key}", f"{at}/{key}", "required, a non-empty string")


def _strings(obj: dict[str, Any], keys: tuple[str, ...], at: str, found: _Found) -> None:
    for key in keys:
        if key in obj and not isinstance(obj[key], str):
            found.add("jsonfeed.type", f"{at}/{key}", f"must be a string, got {type(obj[key]).__name__}")


def _url(v: Any, where: str, found: _Found) -> None:
    problem = "must be a string" if not isinstance(v, str) else writable_url_problem(v)
    if problem:
        found.add("jsonfeed.url", where, problem)


def _urls(obj: dict[str, Any], keys: tuple[str, ...], at: str, found: _Found) -> None:
    for key in keys:
        if key in obj:
            _url(obj[key], f"{at}/{key}", found)


def _authors(obj: dict[str, Any], at: str, found: _Found) -> None:
    authors = obj.get("authors")
    if authors is None:
        return
    if not isinstance(authors, list):
        found.add("jsonfeed.authors", f"{at}/authors", "must be a list of author objects")
        return
    for i, author in enumerate(authors):
        where = f"{at}/authors/{i}"
        if not isinstance(author, dict) or not any(k in author for k in ("name", "url", "avatar")):
            found.add("jsonfeed.authors", where, "an author object must have at least a name, url or avatar")
            continue
        _strings(author, ("name",), where, found)
        _urls(author, ("url", "avatar"), where, found)


def _check_item(item: Any, at: str, seen: set[str], found: _Found) -> None:
    if not isinstance(item, dict):
        found.add("jsonfeed.item", at, "an item must be an object")
        return
    _item_id(item, at, seen, found)
    if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
        found.add("jsonfeed.item.content", at, "needs content_html or content_text (a string)")
    _strings(item, spec.ITEM_STRINGS, at, found)
    _urls(item, spec.ITEM_URLS, at, found)
    _dates(item, at, found)
    _authors(item, at, found)
    tags = item.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        found.add("jsonfeed.type", f"{at}/tags", "must be a list of strings")
    _attachments(item, at, found)


def _item_id(item: dict[str, Any], at: str, seen: set[str], found: _Found) -> None:
    v = item.get("id")
    if v is None or (isinstance(v, str) and not v):
        found.add("jsonfeed.item.id", f"{at}/id", "required, a unique non-empty string")
        return
    if not isinstance(v, str):
        found.policy("jsonfeed.item.id", f"{at}/id", f"must be a string (readers coerce {type(v).__name__} ids)")
    key = str(v)
    if key in seen:
        found.add("jsonfeed.item.id-unique", f"{at}/id", f"id {key!r} is used by an earlier item")
    seen.add(key)


def _dates(item: dict[str, Any], at: str, found: _Found) -> None:
    for key in ("date_published", "date_modified"):
        v = item.get(key)
        if v is not None and not (isinstance(v, str) and spec.RFC3339.fullmatch(v)):
            found.add("jsonfeed.date", f"{at}/{key}", f"must be an RFC 3339 date-time, got {v!r}")


def _attachments(item: dict[str, Any], at: str, found: _Found) -> None:
    attachments = item.get("attachments")
    if attachments is None:
        return
    if not isinstance(attachments, list):
        found.add("jsonfeed.attachments", f"{at}/attachments", "must be a list")
        return
    for i, x in enumerate(attachments):
        _attachment(x, f"{at}/attachments/{i}", found)


def _attachment(x: Any, where: str, found: _Found) -> None:
    if not isinstance(x, dict) or not isinstance(x.get("mime_type"), str) or "url" not in x:
        found.add("jsonfeed.attachments", where, "an attachment needs url and mime_type")
        return
    _url(x["url"], f"{where}/url", found)
    size = x.get("size_in_bytes")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        found.add("jsonfeed.type", f"{where}/size_in_bytes", "must be a whole number of bytes")
