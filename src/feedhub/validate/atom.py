"""Atom 1.0 (RFC 4287, https://www.rfc-editor.org/rfc/rfc4287).

Covers what the RFC's Appendix B schema checks (elements, cardinality, attributes, dates,
text constructs) plus the RFC's prose MUSTs the schema cannot express: the author rule,
absolute and unique ids, one alternate link per type and hreflang, and summaries.
"""

from __future__ import annotations

import re

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
_XHTML_DIV = "{%s}div" % XHTML_NS
_LANG = "{%s}lang" % XML_NS

_FEED_ONCE = frozenset("generator icon id logo rights subtitle title updated".split())
_MANY = frozenset("author category contributor link".split())
_ENTRY_ONCE = frozenset("content id published rights source summary title updated".split())
_REQUIRED = ("id", "title", "updated")
_TEXT_CONSTRUCTS = frozenset({"title", "subtitle", "rights", "summary"})
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


def check_atom(root, rep: Report) -> None:
    check_root_namespaces(root, rep, KNOWN_NS, exempt=frozenset({XHTML_NS}))
    _langs(root, rep)
    kids = _children(root, _FEED_ONCE, _MANY | {"entry"}, rep)
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


def _children(el, once: frozenset, many: frozenset, rep: Report) -> dict[str, list]:
    """Atom children of *el* by local name; foreign ones are extensions and allowed anywhere."""
    out: dict[str, list] = {}
    for c in el:
        tag = c.tag
        if not tag.startswith(_A):
            continue
        name = tag[len(_A) :]
        if name in once or name in many:
            out.setdefault(name, []).append(c)
        else:
            rep.add("atom.unknown-element", f"atom:{name} is not allowed in atom:{el.tag[len(_A):]}", c)
    for name in once:
        if len(out.get(name, ())) > 1 and name not in _REQUIRED:
            rep.add("atom.cardinality", f"atom:{name} may appear only once in atom:{el.tag[len(_A):]}", out[name][1])
    if has_text(el):
        rep.add("atom.stray-text", f"text directly inside atom:{el.tag[len(_A):]} is not allowed", el)
    _attributes(el, rep)
    return out


def _required(el, kids: dict, what: str, rep: Report) -> None:
    for name in _REQUIRED:
        found = kids.get(name, [])
        if len(found) != 1:
            rep.add(f"atom.{what}.{name}", f"atom:{what} needs exactly one atom:{name}, found {len(found)}", found[1] if found else el)


def _members(kids: dict[str, list], rep: Report) -> None:
    """Check every child element by what it is."""
    for name, els in kids.items():
        for el in els:
            if name != "source" and name not in ("author", "contributor"):
                _attributes(el, rep)
            if name == "id":
                v = text(el)
                if len(el):
                    rep.add("atom.id", "atom:id holds text only, an IRI", el[0])
                elif not _IRI.fullmatch(v):
                    rep.add("atom.id", f"atom:id must be an absolute IRI such as 'tag:example.com,2024:1' or a URL, not {short(v)!r}", el)
            elif name in ("updated", "published"):
                v = text(el).strip(XWS)
                if len(el) or not DATETIME_RE.fullmatch(v):
                    rep.add("atom.date", f"atom:{name} {short(v)!r} is not an RFC 3339 date-time with upper-case T and a zone, e.g. 2024-06-19T08:00:00+07:00 (RFC 4287 §3.3)", el)
            elif name in _TEXT_CONSTRUCTS:
                _text_construct(el, rep)
            elif name in ("author", "contributor"):
                _person(el, rep)
            elif name == "link":
                _link(el, rep)
            elif name == "category":
                if not el.get("term"):
                    rep.add("atom.category.term", "atom:category needs a non-empty term", el)
                _no_atom_children(el, rep)
            elif name in ("icon", "logo", "generator"):
                if len(el):
                    rep.add("atom.text", f"atom:{name} holds text only", el[0])
            elif name == "content":
                _content(el, rep)
            elif name == "source":
                src = _children(el, _FEED_ONCE, _MANY, rep)
                for tag in _REQUIRED:
                    if len(src.get(tag, ())) > 1:
                        rep.add("atom.cardinality", f"atom:{tag} may appear only once in atom:source", src[tag][1])
                _members(src, rep)


def _attributes(el, rep: Report) -> None:
    allowed = _ATTRS.get(el.tag[len(_A) :], frozenset())
    for name in el.attrib:
        if name[0] != "{" and name not in allowed:
            rep.add("atom.attribute", f"attribute {name!r} is not defined on atom:{el.tag[len(_A):]} (RFC 4287)", el, attr=name)


def _no_atom_children(el, rep: Report) -> None:
    for c in el:
        if c.tag.startswith(_A):
            rep.add("atom.unknown-element", f"atom:{c.tag[len(_A):]} is not allowed in atom:{el.tag[len(_A):]}", c)


def _xhtml(el, rep: Report, rule: str) -> None:
    kids = list(el)
    if len(kids) != 1 or kids[0].tag != _XHTML_DIV or has_text(el):
        rep.add(rule, 'type="xhtml" content must be exactly one xhtml:div (RFC 4287 §3.1.1.3)', el)
        return
    for d in kids[0].iterdescendants():
        if not d.tag.startswith("{%s}" % XHTML_NS):
            rep.add(rule, f"<{d.tag}> inside the xhtml:div is not XHTML", d)
            return


def _text_construct(el, rep: Report) -> None:
    t = el.get("type", "text")
    if t == "xhtml":
        _xhtml(el, rep, "atom.text")
    elif t not in ("text", "html"):
        rep.add("atom.text", f'type must be "text", "html" or "xhtml", not {t!r} (RFC 4287 §3.1.1)', el, attr="type")
    elif len(el):
        rep.add("atom.text", f'type="{t}" holds no elements; escape markup as text (RFC 4287 §3.1.1)', el[0])


def _person(el, rep: Report) -> None:
    parts: dict[str, list] = {}
    for c in el:
        name = c.tag[len(_A) :] if c.tag.startswith(_A) else None
        if name is None:
            continue
        if name not in _PERSON:
            rep.add("atom.unknown-element", f"atom:{name} is not allowed in atom:{el.tag[len(_A):]}", c)
            continue
        parts.setdefault(name, []).append(c)
        _attributes(c, rep)
        if len(c):
            rep.add("atom.text", f"atom:{name} holds text only", c)
    if len(parts.get("name", ())) != 1:
        rep.add("atom.person", f"atom:{el.tag[len(_A):]} needs exactly one atom:name", el)
    for name in ("uri", "email"):
        if len(parts.get(name, ())) > 1:
            rep.add("atom.person", f"atom:{name} may appear only once in a person", parts[name][1])
    for e in parts.get("email", ()):
        if not _EMAIL.fullmatch(text(e)):
            rep.add("atom.person", f"atom:email {short(text(e))!r} is not an e-mail address", e)
    if has_text(el):
        rep.add("atom.stray-text", f"text directly inside atom:{el.tag[len(_A):]} is not allowed", el)
    _attributes(el, rep)


def _link(el, rep: Report) -> None:
    if el.get("href") is None:
        rep.add("atom.link.href", "atom:link needs an href (RFC 4287 §4.2.7.1)", el)
    t = el.get("type")
    if t is not None and not MIME_RE.fullmatch(t):
        rep.add("atom.link.type", f"link type must be a MIME media type such as text/html, not {t!r}", el, attr="type")
    lang = el.get("hreflang")
    if lang is not None and not LANG_RE.fullmatch(lang):
        rep.add("atom.lang", f"hreflang {lang!r} is not a language tag (RFC 3066)", el, attr="hreflang")
    _no_atom_children(el, rep)


def _content(el, rep: Report) -> None:
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


def _needs_summary(content) -> bool:
    """RFC 4287 §4.1.1.1: out-of-line content, or content that is neither text nor XML."""
    if content.get("src") is not None:
        return True
    t = (content.get("type") or "text").split(";")[0].strip().lower()
    if t in ("text", "html", "xhtml") or "/" not in t:
        return False
    return not (t.startswith("text/") or t.endswith("/xml") or t.endswith("+xml"))


def _entry(entry, n: int, feed_author: bool, ids: dict[str, int], rep: Report) -> None:
    kids = _children(entry, _ENTRY_ONCE, _MANY, rep)
    _required(entry, kids, "entry", rep)
    _members(kids, rep)
    for el in kids.get("id", [])[:1]:
        v = text(el)
        if v in ids:
            rep.add("atom.entry.id-unique", f"entry id {short(v)!r} is also the id of entry {ids[v]} (RFC 4287 §4.2.6)", el)
        else:
            ids[v] = n
    # §4.1.2 would accept an author in atom:source, but §4.1.1 still wants one in every
    # entry of a feed that has none itself.
    if not feed_author and "author" not in kids:
        rep.add("atom.author", "entry has no atom:author and neither has the feed (RFC 4287 §4.1.1)", entry)
    links = kids.get("link", [])
    content = kids.get("content", [None])[0]
    if content is None and not any(l.get("rel", "alternate") == "alternate" for l in links):
        rep.add("atom.entry.alternate", 'an entry without atom:content needs a <link rel="alternate"> (RFC 4287 §4.1.1)', entry)
    if content is not None and _needs_summary(content) and "summary" not in kids:
        rep.add("atom.entry.summary", "an entry with out-of-line or binary content needs an atom:summary (RFC 4287 §4.1.1.1)", entry)
    _alternates(links, rep)


def _alternates(links: list, rep: Report) -> None:
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
    for el in root.iter():
        v = el.get(_LANG)
        if v is None or (v == "" and not el.tag.startswith(_A)):
            continue
        if not LANG_RE.fullmatch(v):
            rep.add("atom.lang", f"xml:lang {v!r} is not a language tag (RFC 3066)", el, attr=_LANG)
