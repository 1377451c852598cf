"""The usual Atom entry, proven valid in one pass (see :func:`_entry_proven`)."""

from __future__ import annotations

from collections.abc import Callable

from lxml.etree import _Element

from ..rules.emails import is_addr_spec
from ..rules.iri import iri_problem
from ..rules.languages import LANG_RE
from ._atom_names import _A, _ATTRS, _ENTRY_ONCE, _NAMES, _NO_ATTRS, _REQUIRED, _TEXT_CONSTRUCTS, _Ids, _Kids
from ._xml import DATETIME_RE, MIME_RE, XWS

# atom._entry's walk costs a few calls per element; a feed is mostly entries of a few usual
# shapes.  _entry_proven says, in one pass and one call per child, that the walk would find
# nothing; anything it is not sure of (any attribute or child it does not expect, a
# repeated id, content that needs a summary) sends the entry to the walk, which reports.
# bench/bench_validate.py: without it the atom half of W1 takes about 0.25 ms (10 %) more
# per feed.  tests/test_validate_shortcuts.py holds both to the same answers.


def _bare(c: _Element, attrs: frozenset[str] = _NO_ATTRS) -> bool:
    """No children, and no attributes but *attrs*."""
    return not len(c) and attrs.issuperset(c.keys())


def _link_ok(c: _Element) -> bool:
    # The commonest element of a feed (five per entry here), so no helper calls: which
    # attributes are there is read once, values only if present.
    keys: list[str] = c.keys()  # type: ignore[assignment]  # the stubs say str | bytes; lxml gives str
    if "href" not in keys or len(c) or not _LINK_ATTRS.issuperset(keys) or iri_problem(c.get("href") or ""):
        return False
    if "type" in keys and MIME_RE.fullmatch(c.get("type") or "") is None:
        return False
    return "hreflang" not in keys or LANG_RE.fullmatch(c.get("hreflang") or "") is not None


def _category_ok(c: _Element) -> bool:
    scheme = c.get("scheme")
    return _bare(c, _ATTRS["category"]) and c.get("term") is not None and (scheme is None or iri_problem(scheme) is None)


def _date_ok(c: _Element) -> bool:
    return _bare(c) and DATETIME_RE.fullmatch(c.text or "") is not None


def _id_ok(c: _Element) -> bool:
    return _bare(c) and bool(c.text) and iri_problem(c.text or "", absolute=True) is None


def _text_ok(c: _Element) -> bool:
    return _bare(c, _TYPE_ONLY) and c.get("type", "text") in ("text", "html")


def _content_ok(c: _Element) -> bool:
    """Inline text or HTML: never needs a summary (RFC 4287 §4.1.1.1)."""
    return _bare(c, _TYPE_ONLY) and c.get("type", "text") in ("text", "html")


def _person_ok(c: _Element) -> bool:
    if c.keys() or (c.text and c.text.strip(XWS)):
        return False
    names = []
    for part in c:  # one pass: the parts' proofs and has_text's look at their tails
        if part.tail and part.tail.strip(XWS):
            return False
        names.append(_proven_part(part))
    return None not in names and names.count("name") == 1 and names.count("uri") <= 1 and names.count("email") <= 1


def _proven_part(c: _Element) -> str | None:
    """The Atom name of a person part when its proof holds, "" for an extension, None when unproven."""
    name = _NAMES.get(c.tag)
    if name is None:
        return None if c.tag.startswith(_A) else ""
    prove = _PART_PROOFS.get(name)
    return name if prove is not None and prove(c) else None


_TYPE_ONLY = frozenset({"type"})
_LINK_ATTRS = _ATTRS["link"]
_PART_PROOFS: dict[str, Callable[[_Element], bool]] = {
    "name": _bare,
    "uri": lambda c: _bare(c) and iri_problem(c.text or "") is None,
    "email": lambda c: _bare(c) and is_addr_spec(c.text or ""),
}
_PROOFS: dict[str, Callable[[_Element], bool]] = {
    "link": _link_ok,
    "category": _category_ok,
    "updated": _date_ok,
    "published": _date_ok,
    "id": _id_ok,
    **{n: _text_ok for n in _TEXT_CONSTRUCTS & _ENTRY_ONCE},  # not subtitle: a feed's only
    "author": _person_ok,
    "contributor": _person_ok,
    "content": _content_ok,
}


def _entry_proven(entry: _Element, n: int, feed_author: bool, ids: _Ids) -> bool:
    """True when _entry would find nothing wrong with *entry*; its id is then recorded in *ids*."""
    # Qualified attributes (xml:lang, xml:base: checked for the whole feed) are fine.
    if any(key[0] != "{" for key in entry.attrib) or (entry.text and entry.text.strip(XWS)):
        return False
    found: _Kids = {}
    for c in entry:
        if c.tail and c.tail.strip(XWS):  # has_text's other half, without a second pass over the children
            return False
        tag = c.tag
        name = _NAMES.get(tag)
        if name is None:
            if tag.startswith(_A):
                return False
            continue  # an extension
        prove = _PROOFS.get(name)
        if prove is None or not prove(c):
            return False
        found.setdefault(name, []).append(c)
    return _entry_shape_ok(found, feed_author) and _new_id(found, n, ids)


def _entry_shape_ok(found: _Kids, feed_author: bool) -> bool:
    """Cardinality, the author rule, and content or one alternate link per type and hreflang."""
    # Plain loops: this runs once per entry, and generator expressions cost more than the checks.
    for name in _REQUIRED:
        if len(found.get(name, ())) != 1:
            return False
    for name, els in found.items():
        if len(els) > 1 and name in _ENTRY_ONCE:
            return False
    if not (feed_author or "author" in found):
        return False
    alternates = _alternate_keys(found.get("link", []))
    return len(set(alternates)) == len(alternates) and ("content" in found or bool(alternates))


def _alternate_keys(links: list[_Element]) -> list[tuple[str | None, str | None]]:
    return [(link.get("type"), link.get("hreflang")) for link in links if link.get("rel", "alternate") == "alternate"]


def _new_id(found: _Kids, n: int, ids: _Ids) -> bool:
    """Record the entry's id, when no entry before had it (a repeat is the walk's to judge)."""
    v = found["id"][0].text or ""
    if v in ids:
        return False
    ids[v] = (n, found["updated"][0].text or "")
    return True
