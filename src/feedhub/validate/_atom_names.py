"""The names Atom's checks share: elements by where they may stand, and their attributes (RFC 4287)."""

from __future__ import annotations

from lxml.etree import _Element

from ..rules.namespaces import ATOM_NS

_A = f"{{{ATOM_NS}}}"
_FEED_ONCE = frozenset(["generator", "icon", "id", "logo", "rights", "subtitle", "title", "updated"])
_MANY = frozenset(["author", "category", "contributor", "link"])
_ENTRY_ONCE = frozenset(["content", "id", "published", "rights", "source", "summary", "title", "updated"])
_ENTRY_ALLOWED = _ENTRY_ONCE | _MANY
_REQUIRED = ("id", "title", "updated")
_REQUIRED_SET = frozenset(_REQUIRED)
_TEXT_CONSTRUCTS = frozenset({"title", "subtitle", "rights", "summary"})
_PLAIN = ("text", "html", "xhtml")
_NO_ATTRS: frozenset[str] = frozenset()
_ATTRS = {
    "link": frozenset(["href", "rel", "type", "hreflang", "title", "length"]),
    "category": frozenset({"term", "scheme", "label"}),
    "generator": frozenset({"uri", "version"}),
    "content": frozenset({"type", "src"}),
    **{t: frozenset({"type"}) for t in _TEXT_CONSTRUCTS},
}
# Local name of every Atom element any rule names: one dict lookup per child instead of a
# prefix test and a slice.  Other Atom names are found the slow way (and reported).
_NAMES = {_A + n: n for n in _FEED_ONCE | _MANY | _ENTRY_ONCE | {"entry", "feed", "name", "uri", "email"}}

_Kids = dict[str, list[_Element]]
_Ids = dict[str, tuple[int, str | None]]
