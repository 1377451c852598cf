"""Atom 1.0 (RFC 4287, https://www.rfc-editor.org/rfc/rfc4287).

Covers what the RFC's Appendix B schema checks (elements, cardinality, attributes, dates,
text constructs) plus the RFC's prose MUSTs the schema cannot express: the author rule,
absolute and unique ids, one alternate link per type and hreflang, and summaries.
"""

from __future__ import annotations

import re

from lxml import etree

from ._report import Report
from ._xml import (
    ATOM_NS,
    DATETIME_RE,
    DC_NS,
    LANG_RE,
    MEDIA_NS,
    MIME_RE,
    XHTML_NS,
    XML_NS,
    XWS,
    check_root_namespaces,
    has_text,
    short,
    text,
)

KNOWN_NS = frozenset({ATOM_NS, MEDIA_NS, DC_NS})
_A = "{%s}" % ATOM_NS
_XHTML = "{%s}" % XHTML_NS
_XHTML_DIV = _XHTML + "div"
_LANG = "{%s}lang" % XML_NS
_EXEMPT = frozenset({XHTML_NS})

_FEED_ONCE = frozenset("generator icon id logo rights subtitle title updated".split())
_MANY = frozenset("author category contributor link".split())
_ENTRY_ONCE = frozenset("content id published rights source summary title updated".split())
_REQUIRED = ("id", "title", "updated")
_TEXT_CONSTRUCTS = frozenset({"title", "subtitle", "rights", "summary"})
_NO_ATTRS: frozenset[str] = frozenset()
_ATTRS = {
    "link": frozenset("href rel type hreflang title length".split()),
    "category": frozenset({"term", "scheme", "label"}),
    "generator": frozenset({"uri", "version"}),
    "content": frozenset({"type", "src"}),
    **{t: frozenset({"type"}) for t in _TEXT_CONSTRUCTS},
}
_PERSON = {"name": 0, "uri": 1, "email": 2}
#: An absolute IRI: a scheme, a colon, no whitespace (RFC 3987 §2.2, RFC 4287 §4.2.6).
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")
_EMAIL = re.compile(r".+@.+", re.S)
# Local name of every Atom element any rule here names: one dict lookup per child instead
# of a prefix test and a slice.  Other Atom names are found the slow way (and reported).
_NAMES = {_A + n: n for n in _FEED_ONCE | _MANY | _ENTRY_ONCE | {"entry", "feed"} | set(_PERSON)}
#: Every xml:lang value in the document, in one pass in C.
_XML_LANGS = etree.XPath("//@xml:lang", smart_strings=False)


def check_atom(root, rep: Report, source: str | None = None) -> None:
    """Check an Atom feed; *source*, the decoded document, lets the namespace check skip its walk."""
    check_root_namespaces(root, rep, KNOWN_NS, exempt=_EXEMPT, text=source)
    _langs(root, rep)
    kids = _children(root, "feed", _FEED_ONCE, _FEED_ONCE | _MANY | {"entry"}, rep)
    entries = kids.pop("entry", [])
    if entries:
        for c in entries[0].itersiblings():
            if c.tag != _A + "entry":
                rep.add("atom.order", f"<{c.tag.rpartition('}')[2]}> comes after the first entry; feed metadata goes before the entries (RFC 4287 Appendix B)", c)
    _required(root, kids, "feed", rep)
    _members(kids, rep)
    feed_author = bool(kids.get("author"))
    links = kids.get("link", [])
    if not any(l.get("rel") == "self" for l in links):
        rep.add("atom.self", 'feed should have <link rel="self" href="…"/> with its own URL (RFC 4287 §4.2.7.2)', root)
    _alternates(links, rep)
    ids: dict[str, int] = {}
    for n, entry in enumerate(entries, 1):
        _entry(entry, n, feed_author, ids, rep)


def _children(el, what: str, once: frozenset, allowed: frozenset, rep: Report) -> dict[str, list]:
    """Atom children of *el* (atom:*what*) by local name; foreign ones are extensions and allowed anywhere."""
    out: dict[str, list] = {}
    repeated = False
    stray = bool(el.text and el.text.strip(XWS))
    for c in el:
        tail = c.tail
        if tail and not stray and tail.strip(XWS):
            stray = True
        tag = c.tag
        name = _NAMES.get(tag)
        if name is None:
            if not tag.startswith(_A):
                continue
            name = tag[len(_A) :]
        if name in allowed:
            found = out.get(name)
            if found is None:
                out[name] = [c]
            else:
                found.append(c)
                repeated = repeated or name in once
        else:
            rep.add("atom.unknown-element", f"atom:{name} is not allowed in atom:{what}", c)
    if repeated:
        for name in once:
            if len(out.get(name, ())) > 1 and name not in _REQUIRED:
                rep.add("atom.cardinality", f"atom:{name} may appear only once in atom:{what}", out[name][1])
    if stray:
        rep.add("atom.stray-text", f"text directly inside atom:{what} is not allowed", el)
    _attributes(el, what, rep)
    return out


def _required(el, kids: dict, what: str, rep: Report) -> None:
    for name in _REQUIRED:
        found = kids.get(name, ())
        if len(found) != 1:
            rep.add(f"atom.{what}.{name}", f"atom:{what} needs exactly one atom:{name}, found {len(found)}", found[1] if found else el)


def _members(kids: dict[str, list], rep: Report) -> None:
    """Check every child element by what it is."""
    for name, els in kids.items():
        check = _MEMBER[name]
        for el in els:
            check(el, name, rep)


def _id(el, name: str, rep: Report) -> None:
    _attributes(el, name, rep)
    if len(el):
        rep.add("atom.id", "atom:id holds text only, an IRI", el[0])
    elif not _IRI.fullmatch(v := el.text or ""):
        rep.add("atom.id", f"atom:id must be an absolute IRI such as 'tag:example.com,2024:1' or a URL, not {short(v)!r}", el)


def _date(el, name: str, rep: Report) -> None:
    _attributes(el, name, rep)
    v = (el.text or "").strip(XWS)
    if len(el) or not DATETIME_RE.fullmatch(v):
        rep.add("atom.date", f"atom:{name} {short(v)!r} is not an RFC 3339 date-time with upper-case T and a zone, e.g. 2024-06-19T08:00:00+07:00 (RFC 4287 §3.3)", el)


def _text_construct(el, name: str, rep: Report) -> None:
    _attributes(el, name, rep)
    t = el.get("type", "text")
    if t == "xhtml":
        _xhtml(el, rep, "atom.text")
    elif t not in ("text", "html"):
        rep.add("atom.text", f'type must be "text", "html" or "xhtml", not {t!r} (RFC 4287 §3.1.1)', el, attr="type")
    elif len(el):
        rep.add("atom.text", f'type="{t}" holds no elements; escape markup as text (RFC 4287 §3.1.1)', el[0])


def _text_only(el, name: str, rep: Report) -> None:
    _attributes(el, name, rep)
    if len(el):
        rep.add("atom.text", f"atom:{name} holds text only", el[0])


def _category(el, name: str, rep: Report) -> None:
    _attributes(el, name, rep)
    if not el.get("term"):
        rep.add("atom.category.term", "atom:category needs a non-empty term", el)
    _no_atom_children(el, name, rep)


def _source(el, name: str, rep: Report) -> None:
    src = _children(el, name, _FEED_ONCE, _FEED_ONCE | _MANY, rep)
    for tag in _REQUIRED:
        if len(src.get(tag, ())) > 1:
            rep.add("atom.cardinality", f"atom:{tag} may appear only once in atom:source", src[tag][1])
    _members(src, rep)


def _attributes(el, name: str, rep: Report, keys: list[str] | None = None) -> None:
    """Attributes without a namespace that RFC 4287 does not define on atom:*name* (which *el* is).

    *keys* are ``el.keys()`` when the caller has them already.
    """
    if keys is None:
        keys = el.keys()
    if keys:
        allowed = _ATTRS.get(name, _NO_ATTRS)
        if allowed.issuperset(keys):
            return
        for key in keys:
            if key[0] != "{" and key not in allowed:
                rep.add("atom.attribute", f"attribute {key!r} is not defined on atom:{name} (RFC 4287)", el, attr=key)


def _no_atom_children(el, name: str, rep: Report) -> None:
    if len(el):
        for c in el:
            if c.tag.startswith(_A):
                rep.add("atom.unknown-element", f"atom:{c.tag[len(_A):]} is not allowed in atom:{name}", c)


def _xhtml(el, rep: Report, rule: str) -> None:
    kids = list(el)
    if len(kids) != 1 or kids[0].tag != _XHTML_DIV or has_text(el):
        rep.add(rule, 'type="xhtml" content must be exactly one xhtml:div (RFC 4287 §3.1.1.3)', el)
        return
    for d in kids[0].iterdescendants():
        if not d.tag.startswith(_XHTML):
            rep.add(rule, f"<{d.tag}> inside the xhtml:div is not XHTML", d)
            return


def _person(el, what: str, rep: Report) -> None:
    parts: dict[str, list] = {}
    stray = bool(el.text and el.text.strip(XWS))
    for c in el:
        tail = c.tail
        if tail and not stray and tail.strip(XWS):
            stray = True
        tag = c.tag
        name = _NAMES.get(tag)
        if name is None:
            if not tag.startswith(_A):
                continue
            name = tag[len(_A) :]
        if name not in _PERSON:
            rep.add("atom.unknown-element", f"atom:{name} is not allowed in atom:{what}", c)
            continue
        found = parts.get(name)
        if found is None:
            parts[name] = [c]
        else:
            found.append(c)
        _attributes(c, name, rep)
        if len(c):
            rep.add("atom.text", f"atom:{name} holds text only", c)
    if len(parts.get("name", ())) != 1:
        rep.add("atom.person", f"atom:{what} needs exactly one atom:name", el)
    for name in ("uri", "email"):
        if len(parts.get(name, ())) > 1:
            rep.add("atom.person", f"atom:{name} may appear only once in a person", parts[name][1])
    for e in parts.get("email", ()):
        if not _EMAIL.fullmatch(text(e)):
            rep.add("atom.person", f"atom:email {short(text(e))!r} is not an e-mail address", e)
    if stray:
        rep.add("atom.stray-text", f"text directly inside atom:{what} is not allowed", el)
    _attributes(el, what, rep)


def _link(el, name: str, rep: Report) -> None:
    keys = el.keys()  # which attributes are there: a get() only for those
    _attributes(el, name, rep, keys)
    if "href" not in keys:
        rep.add("atom.link.href", "atom:link needs an href (RFC 4287 §4.2.7.1)", el)
    if "type" in keys and not MIME_RE.fullmatch(t := el.get("type")):
        rep.add("atom.link.type", f"link type must be a MIME media type such as text/html, not {t!r}", el, attr="type")
    if "hreflang" in keys and not LANG_RE.fullmatch(lang := el.get("hreflang")):
        rep.add("atom.lang", f"hreflang {lang!r} is not a language tag (RFC 3066)", el, attr="hreflang")
    _no_atom_children(el, name, rep)


def _content(el, name: str, rep: Report) -> None:
    _attributes(el, name, rep)
    t, src = el.get("type"), el.get("src")
    if src is not None:
        if t in ("text", "html", "xhtml") or (t is not None and not MIME_RE.fullmatch(t)):
            rep.add("atom.content", f'atom:content with src needs a MIME type, not type="{t}" (RFC 4287 §4.1.3.1)', el, attr="type")
        if len(el) or (el.text or "").strip(XWS):
            rep.add("atom.content", "atom:content with src must be empty (RFC 4287 §4.1.3.2)", el)
    elif t == "xhtml":
        _xhtml(el, rep, "atom.content")
    elif t in (None, "text", "html"):
        if len(el):
            rep.add("atom.content", f'type="{t or "text"}" content holds no elements; escape markup as text', el[0])
    elif not MIME_RE.fullmatch(t):
        rep.add("atom.content", f'content type must be "text", "html", "xhtml" or a MIME type, not {t!r} (RFC 4287 §4.1.3.1)', el, attr="type")


#: The check for each Atom child by local name (every name _children can return).
_MEMBER = {
    "id": _id,
    "updated": _date,
    "published": _date,
    **{n: _text_construct for n in _TEXT_CONSTRUCTS},
    "author": _person,
    "contributor": _person,
    "link": _link,
    "category": _category,
    "icon": _text_only,
    "logo": _text_only,
    "generator": _text_only,
    "content": _content,
    "source": _source,
}


def _needs_summary(content) -> bool:
    """RFC 4287 §4.1.1.1: out-of-line content, or content that is neither text nor XML."""
    if content.get("src") is not None:
        return True
    t = (content.get("type") or "text").split(";")[0].strip().lower()
    if t in ("text", "html", "xhtml") or "/" not in t:
        return False
    return not (t.startswith("text/") or t.endswith("/xml") or t.endswith("+xml"))


def _entry(entry, n: int, feed_author: bool, ids: dict[str, int], rep: Report) -> None:
    if _entry_proven(entry, n, feed_author, ids):
        return
    kids = _children(entry, "entry", _ENTRY_ONCE, _ENTRY_ALLOWED, rep)
    _required(entry, kids, "entry", rep)
    _members(kids, rep)
    for el in kids.get("id", ())[:1]:
        v = text(el)
        if v in ids:
            rep.add("atom.entry.id-unique", f"entry id {short(v)!r} is also the id of entry {ids[v]} (RFC 4287 §4.2.6)", el)
        else:
            ids[v] = n
    # §4.1.2 would accept an author in atom:source, but §4.1.1 still wants one in every
    # entry of a feed that has none itself.
    if not feed_author and "author" not in kids:
        rep.add("atom.author", "entry has no atom:author and neither has the feed (RFC 4287 §4.1.1)", entry)
    links = kids.get("link", ())
    content = kids.get("content", (None,))[0]
    if content is None and not any(l.get("rel", "alternate") == "alternate" for l in links):
        rep.add("atom.entry.alternate", 'an entry without atom:content needs a <link rel="alternate"> (RFC 4287 §4.1.1)', entry)
    if content is not None and _needs_summary(content) and "summary" not in kids:
        rep.add("atom.entry.summary", "an entry with out-of-line or binary content needs an atom:summary (RFC 4287 §4.1.1.1)", entry)
    _alternates(links, rep)


# ---------------------------------------------------------------------------- the usual entry, in one pass

_ENTRY_ALLOWED = _ENTRY_ONCE | _MANY
_LINK_ATTRS = _ATTRS["link"]
_CATEGORY_ATTRS = _ATTRS["category"]
_CONTENT_ATTRS = _ATTRS["content"]
_TEXT_ATTRS = frozenset({"type"})
_PLAIN_TEXT = (None, "text", "html")


def _entry_proven(entry, n: int, feed_author: bool, ids: dict[str, int]) -> bool:
    """True when _entry would find nothing wrong with *entry*; its id is then recorded in *ids*.

    The same checks as _children, _required, _members and the rest of _entry, in one pass
    over the children and for the shapes an entry usually has.  Anything else (an attribute
    it does not expect, xhtml text, atom:source, out-of-line or other content, children in
    links and categories) and any problem return False, before *ids* is touched: then the
    full check runs and reports, in its own order.  tests/test_validate_shortcuts.py holds
    the two to the same answers.
    """
    if (entry.text and entry.text.strip(XWS)) or any(key[0] != "{" for key in entry.keys()):
        return False
    seen = set()  # the once-only children met so far
    author = alternate = False
    content = entry_id = None
    alternates = set()
    for c in entry:
        tail = c.tail
        if tail and tail.strip(XWS):
            return False
        tag = c.tag
        name = _NAMES.get(tag)
        if name is None:
            if tag.startswith(_A):
                return False
            continue  # an extension
        if name in _ENTRY_ONCE:
            if name in seen:
                return False
            seen.add(name)
        elif name not in _MANY:
            return False
        keys = c.keys()
        if name == "link":
            if not _LINK_ATTRS.issuperset(keys) or "href" not in keys or len(c):
                return False
            if "type" in keys and not MIME_RE.fullmatch(c.get("type")):
                return False
            if "hreflang" in keys and not LANG_RE.fullmatch(c.get("hreflang")):
                return False
            if "rel" not in keys or c.get("rel") == "alternate":
                key = (c.get("type"), c.get("hreflang"))
                if key in alternates:
                    return False
                alternates.add(key)
                alternate = True
        elif name == "category":
            if not _CATEGORY_ATTRS.issuperset(keys) or not c.get("term") or len(c):
                return False
        elif name == "updated" or name == "published":
            if keys or len(c) or not DATETIME_RE.fullmatch((c.text or "").strip(XWS)):
                return False
        elif name == "id":
            entry_id = c.text or ""
            if keys or len(c) or not _IRI.fullmatch(entry_id) or entry_id in ids:
                return False
        elif name == "author" or name == "contributor":
            if keys or not _person_proven(c):
                return False
            author = author or name == "author"
        elif name == "content":
            # Inline text or HTML only: never needs a summary (RFC 4287 §4.1.1.1).
            if not _CONTENT_ATTRS.issuperset(keys) or "src" in keys or c.get("type") not in _PLAIN_TEXT or len(c):
                return False
            content = c
        elif name in _TEXT_CONSTRUCTS:
            if not _TEXT_ATTRS.issuperset(keys) or c.get("type", "text") not in ("text", "html") or len(c):
                return False
        else:  # atom:source
            return False
    if not {"id", "title", "updated"} <= seen or not (feed_author or author) or (content is None and not alternate):
        return False
    ids[entry_id] = n
    return True


def _person_proven(el) -> bool:
    """True when _person would find nothing wrong with *el*, whose own attributes the caller checked."""
    if el.text and el.text.strip(XWS):
        return False
    count = {"name": 0, "uri": 0, "email": 0}
    for c in el:
        tail = c.tail
        if tail and tail.strip(XWS):
            return False
        tag = c.tag
        name = _NAMES.get(tag)
        if name is None:
            if tag.startswith(_A):
                return False
            continue
        if name not in count or c.keys() or len(c):
            return False
        count[name] += 1
        if name == "email" and not _EMAIL.fullmatch(c.text or ""):
            return False
    return count["name"] == 1 and count["uri"] <= 1 and count["email"] <= 1


def _alternates(links, rep: Report) -> None:
    seen = set()
    for l in links:
        if l.get("rel", "alternate") != "alternate":
            continue
        key = (l.get("type"), l.get("hreflang"))
        if key in seen:
            rep.add("atom.link.alternate-duplicate", f"a second alternate link with type={key[0]!r} and hreflang={key[1]!r} (RFC 4287 §4.1.1)", l)
        seen.add(key)


def _langs(root, rep: Report) -> None:
    """xml:lang anywhere: a language tag; empty ("unknown", XML 1.0 §2.12) only outside Atom's own elements."""
    # Every value a language tag (the usual case, and "" is not one): nothing to report.
    if all(map(LANG_RE.fullmatch, _XML_LANGS(root))):
        return
    for el in root.iter():
        v = el.get(_LANG)
        if v is None or (v == "" and not el.tag.startswith(_A)):
            continue
        if not LANG_RE.fullmatch(v):
            rep.add("atom.lang", f"xml:lang {v!r} is not a language tag (RFC 3066)", el, attr=_LANG)
