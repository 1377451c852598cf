"""Validators for the feed index files (``feedhub.feed_index``): OPML 2.0 and ``index.json``.

OPML (http://opml.org/spec2.opml): safe, well-formed XML (the same parser and DOCTYPE refusal
as every feed), root ``<opml version="2.0">``, a ``<head>`` with a ``<title>``, a ``<body>``,
and every subscription outline (one with ``xmlUrl`` or ``type="rss"``) with a ``text`` and an
absolute http(s) ``xmlUrl``, as spec2 §"Subscription lists" requires.

``index.json``: a JSON object ``{"version": 1, "feeds": [...]}`` whose entries each have a
``name`` and ``title`` (strings), ``family`` and ``value`` (a string or null, both or neither)
and ``formats`` (an object of format name → absolute URL, at least one); names are unique.

Problems carry rule ids ``opml.*`` and ``feed-index.*``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lxml.etree import _Element

from ..rules.items import writable_url_problem
from ..rules.sitemaps import MAX_BYTES
from . import _xml
from ._report import Problem, Report
from ._rules import Profile
from .jsonfeed import looks_like_json

_OPML_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<opml[\s>]", re.S)


def looks_like_opml(raw: bytes) -> bool:
    """A document whose root element (after the declaration and comments) is ``<opml>``."""
    return _OPML_START.match(raw[:4096]) is not None


def looks_like_index(raw: bytes) -> bool:
    """A JSON object that says it is a feed index (JSON Feed has ``items``, not ``feeds``)."""
    if not looks_like_json(raw):
        return False
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError:
        return False
    return isinstance(doc, dict) and "feeds" in doc and "items" not in doc


def _problem(rule: str, where: str | None, message: str) -> Problem:
    return Problem(rule, message, None, where, "error")


def check_opml(raw: bytes, profile: Profile = "publish") -> list[Problem]:
    """Every problem in *raw* as an OPML 2.0 subscription list; empty means it may be published."""
    if len(raw) > MAX_BYTES:
        return [_problem("opml.size", None, f"{len(raw):,} bytes; feedhub reads at most {MAX_BYTES:,}")]
    rep = Report(profile)
    root = _xml.parse(raw, rep)
    if root is None:
        return rep.problems()
    found: list[Problem] = []
    if root.tag != "opml":
        return [_problem("opml.root", "/" + str(root.tag), "the root element must be <opml> (no namespace)")]
    if root.get("version") != "2.0":
        found.append(_problem("opml.version", "/opml/@version", f"must be \"2.0\", got {root.get('version')!r}"))
    head, body = root.find("head"), root.find("body")
    title = head.find("title") if head is not None else None
    if title is None or not (title.text or "").strip():
        found.append(_problem("opml.head", "/opml/head/title", "a <head> with a non-empty <title> is required"))
    if body is None:
        found.append(_problem("opml.body", "/opml/body", "a <body> is required"))
    else:
        found += _outlines(body)
    return found


def _outlines(body: _Element) -> list[Problem]:
    found = []
    for i, outline in enumerate(body.iter("outline"), 1):
        where = f"/opml/body//outline[{i}]"
        if not (outline.get("text") or "").strip():
            found.append(_problem("opml.outline.text", where, "every outline needs a text attribute (spec2 §outline)"))
        if outline.get("type") == "rss" or outline.get("xmlUrl") is not None:
            url = outline.get("xmlUrl")
            problem = "missing" if url is None else writable_url_problem(url)
            if problem:
                found.append(_problem("opml.outline.xmlurl", where + "/@xmlUrl", f"a subscription needs an absolute http(s) xmlUrl: {problem}"))
    return found


def check_index_json(raw: bytes, profile: Profile = "publish") -> list[Problem]:
    """Every problem in *raw* as feedhub's ``index.json``; *profile* changes nothing (it is our own format)."""
    if len(raw) > MAX_BYTES:
        return [_problem("feed-index.size", None, f"{len(raw):,} bytes; feedhub reads at most {MAX_BYTES:,}")]
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError as e:  # UnicodeDecodeError is one
        return [_problem("feed-index.json", None, f"not UTF-8 JSON: {e}")]
    if not isinstance(doc, dict) or doc.get("version") != 1 or not isinstance(doc.get("feeds"), list):
        return [_problem("feed-index.shape", "", 'must be an object {"version": 1, "feeds": [...]}')]
    found: list[Problem] = []
    names: set[str] = set()
    for i, entry in enumerate(doc["feeds"]):
        found += _entry(entry, f"/feeds/{i}", names)
    return found


def _entry(entry: Any, at: str, names: set[str]) -> list[Problem]:
    if not isinstance(entry, dict):
        return [_problem("feed-index.entry", at, "each feed must be an object")]
    found = [_problem("feed-index.entry", f"{at}/{k}", "required, a non-empty string") for k in ("name", "title") if not _text(entry.get(k))]
    if entry.get("name") in names:
        found.append(_problem("feed-index.name-unique", f"{at}/name", f"name {entry.get('name')!r} is listed twice"))
    names.add(str(entry.get("name")))
    family, value = entry.get("family"), entry.get("value")
    if not all(v is None or _text(v) for v in (family, value)) or (family is None) != (value is None):
        found.append(_problem("feed-index.family", at, "family and value are both strings (a family feed) or both null"))
    formats = entry.get("formats")
    if not isinstance(formats, dict) or not formats:
        return [*found, _problem("feed-index.formats", f"{at}/formats", "an object of format name → URL, at least one")]
    for name, url in formats.items():
        problem = "must be a string" if not isinstance(url, str) else writable_url_problem(url)
        if problem:
            found.append(_problem("feed-index.url", f"{at}/formats/{name}", problem))
    return found


def _text(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())
