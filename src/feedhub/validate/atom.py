"""Atom 1.0 (RFC 4287, https://www.rfc-editor.org/rfc/rfc4287).

Covers what the RFC's Appendix B schema checks (elements, cardinality, attributes, dates,
text constructs) plus the RFC's prose MUSTs the schema cannot express: the author rule,
absolute and unique ids, one alternate link per type and hreflang, and summaries.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable

from lxml import etree
from lxml.etree import _Element

from ..rules.emails import is_addr_spec
from ..rules.iri import iri_problem
from ..rules.languages import LANG_RE
from ..rules.namespaces import ATOM_NS, DC_NS, MEDIA_NS, XHTML_NS, XML_NS
from ._atom_entry import _entry_proven
from ._atom_names import (
    _A,
    _ATTRS,
    _ENTRY_ALLOWED,
    _ENTRY_ONCE,
    _FEED_ONCE,
    _MANY,
    _NAMES,
    _NO_ATTRS,
    _PLAIN,
    _REQUIRED,
    _REQUIRED_SET,
    _TEXT_CONSTRUCTS,
    _Ids,
    _Kids,
)
from ._report import Report
from ._xml import DATETIME_RE, MIME_RE, XWS, check_root_namespaces, has_text, local, short, text

KNOWN_NS = frozenset({ATOM_NS, MEDIA_NS, DC_NS})
_XHTML = f"{{{XHTML_NS}}}"
_XHTML_DIV = _XHTML + "div"
_LANG = f"{{{XML_NS}}}lang"
_EXEMPT = frozenset({XHTML_NS})

#: MIME composite types (RFC 2045 §5.1, RFC 4289 §4.2.6).
_COMPOSITE = re.compile(r"\s*(?:multipart|message)/", re.I)
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}", re.A)
_XML_SPACE = re.compile(r"[ \t\r\n]+")
#: Every xml:lang and xml:base value in the document, in one pass in C.
_XML_LANGS = etree.XPath("//@xml:lang", smart_strings=False)
_XML_BASES = etree.XPath("//@xml:base/..")
_BASE = f"{{{XML_NS}}}base"



def check_atom(root: _Element, rep: Report, source: str | None = None) -> None:
    """Check an Atom feed; *source*, the decoded document, lets the namespace check skip its walk."""
    check_root_namespaces(root, rep, KNOWN_NS, exempt=_EXEMPT, text=source)
    _langs(root, rep)
    if source is None or "base=" in source:  # no xml:base anywhere: no walk for it
        _bases(root, rep)
    _attributes(root, "feed", rep)
    kids = _children(root, "feed", _FEED_ONCE, _FEED_ONCE | _MANY | {"entry"}, rep)
    entries = kids.pop("entry", [])
    if entries:
        for c in entries[0].itersiblings():
            if c.tag != _A + "entry":
                rep.add("atom.order", f"<{local(c.tag)}> comes after the first entry; feed metadata goes before the entries (RFC 4287 Appendix B)", c)
    _required(root, kids, "feed", rep)
    _members(kids, rep)
    links = kids.get("link", [])
    if not any(link.get("rel") == "self" for link in links):
        rep.add("atom.self", 'feed should have <link rel="self" href="…"/> with its own URL (RFC 4287 §4.2.7.2)', root)
    _alternates(links, rep)
    ids: _Ids = {}
    for n, entry in enumerate(entries, 1):
        _entry(entry, n, bool(kids.get("author")), ids, rep)


def _children(el: _Element, what: str, once: frozenset[str], allowed: frozenset[str], rep: Report) -> _Kids:
    """Atom children of *el* (atom:*what*) by local name; foreign ones are extensions and allowed anywhere."""
    out: _Kids = {}
    # The walk below runs for every element of a feed: names are looked up in one dict, and
    # stray text is spotted on the way (has_text would walk the children again).
    stray = bool(el.text and el.text.strip(XWS))
    for c in el:
        if c.tail and not stray:
            stray = bool(c.tail.strip(XWS))
        name = _NAMES.get(c.tag) or _atom_name(c)
        if name is None:
            continue
        if name in allowed:
            out.setdefault(name, []).append(c)
        else:
            rep.add("atom.unknown-element", f"atom:{name} is not allowed in atom:{what}", c)
    _cardinality(out, once, what, rep)
    if stray:
        rep.add("atom.stray-text", f"text directly inside atom:{what} is not allowed", el)
    return out


def _cardinality(out: _Kids, once: frozenset[str], what: str, rep: Report) -> None:
    for name, found in out.items():
        if len(found) > 1 and name in once and name not in _REQUIRED_SET:
            rep.add("atom.cardinality", f"atom:{name} may appear only once in atom:{what}", found[1])


def _atom_name(c: _Element) -> str | None:
    """The local name of an Atom element, None for anything else (an extension)."""
    return c.tag[len(_A) :] if c.tag.startswith(_A) else None


def _required(el: _Element, kids: _Kids, what: str, rep: Report) -> None:
    for name in _REQUIRED:
        found = kids.get(name, ())
        if len(found) != 1:
            rep.add(f"atom.{what}.{name}", f"atom:{what} needs exactly one atom:{name}, found {len(found)}", found[1] if found else el)


def _members(kids: _Kids, rep: Report) -> None:
    """Check every child element by what it is (its attributes here, for all of them)."""
    for name, els in kids.items():
        check = _MEMBER[name]
        for el in els:
            _attributes(el, name, rep)
            check(el, name, rep)


def _id(el: _Element, name: str, rep: Report) -> None:
    v = el.text or ""
    why = iri_problem(v, absolute=True) if v else "is empty"
    if len(el):
        rep.add("atom.id", "atom:id holds text only, an IRI", el[0])
    elif why:
        rep.add("atom.id", f"atom:id must be an absolute IRI such as 'tag:example.com,2024:1' or a URL; {short(v)!r} {why} (RFC 4287 §4.2.6)", el)


def _date(el: _Element, name: str, rep: Report) -> None:
    v = el.text or ""
    if len(el) or not DATETIME_RE.fullmatch(v):
        rep.add("atom.date", f"atom:{name} {short(v)!r} is not an RFC 3339 date-time with upper-case T and a zone and nothing around it, e.g. 2024-06-19T08:00:00+07:00 (RFC 4287 §3.3)", el)


def _text_construct(el: _Element, name: str, rep: Report) -> None:
    t = el.get("type", "text")
    if t == "xhtml":
        _xhtml(el, rep, "atom.text")
    elif t not in ("text", "html"):
        rep.add("atom.text", f'type must be "text", "html" or "xhtml", not {t!r} (RFC 4287 §3.1.1)', el, attr="type")
    elif len(el):
        rep.add("atom.text", f'type="{t}" holds no elements; escape markup as text (RFC 4287 §3.1.1)', el[0])


def _text_only(el: _Element, name: str, rep: Report) -> None:
    if len(el):
        rep.add("atom.text", f"atom:{name} holds text only", el[0])


def _iri_text(el: _Element, name: str, rep: Report) -> None:
    """atom:icon, atom:logo, atom:uri: text only, an IRI reference (RFC 4287 §4.2.5, §4.2.8, §3.2.2)."""
    _text_only(el, name, rep)
    _iri(el.text or "", f"atom:{name}", el, rep)


def _iri(v: str, what: str, el: _Element, rep: Report, attr: str | None = None) -> None:
    why = iri_problem(v)
    if why:
        rep.add("atom.iri", f"{what} {short(v)!r} {why}", el, attr=attr)


def _generator(el: _Element, name: str, rep: Report) -> None:
    _text_only(el, name, rep)
    uri = el.get("uri")
    if uri is not None:
        _iri(uri, "generator uri", el, rep, "uri")


def _category(el: _Element, name: str, rep: Report) -> None:
    if el.get("term") is None:
        rep.add("atom.category.term", "atom:category needs a term", el)
    scheme = el.get("scheme")
    if scheme is not None:
        _iri(scheme, "category scheme", el, rep, "scheme")
    _no_atom_children(el, name, rep)


def _source(el: _Element, name: str, rep: Report) -> None:
    src = _children(el, name, _FEED_ONCE, _FEED_ONCE | _MANY, rep)
    for tag in _REQUIRED:
        if len(src.get(tag, ())) > 1:
            rep.add("atom.cardinality", f"atom:{tag} may appear only once in atom:source", src[tag][1])
    _members(src, rep)


def _attributes(el: _Element, name: str, rep: Report) -> None:
    """Attributes without a namespace that RFC 4287 does not define on atom:*name* (which *el* is)."""
    keys: list[str] = el.keys()  # type: ignore[assignment]  # the stubs say str | bytes; lxml gives str
    if not keys:
        return
    allowed = _ATTRS.get(name, _NO_ATTRS)
    if allowed.issuperset(keys):
        return
    for key in keys:
        if key[0] != "{" and key not in allowed:
            rep.add("atom.attribute", f"attribute {key!r} is not defined on atom:{name} (RFC 4287)", el, attr=key)


def _no_atom_children(el: _Element, name: str, rep: Report) -> None:
    if not len(el):
        return
    for c in el.iterchildren(_A + "*"):
        rep.add("atom.unknown-element", f"atom:{local(c.tag)} is not allowed in atom:{name}", c)


def _xhtml(el: _Element, rep: Report, rule: str) -> None:
    kids = list(el)
    if len(kids) != 1 or kids[0].tag != _XHTML_DIV or has_text(el):
        rep.add(rule, 'type="xhtml" content must be exactly one xhtml:div (RFC 4287 §3.1.1.3)', el)
        return
    for d in kids[0].iterdescendants():
        if not d.tag.startswith(_XHTML):
            rep.add("atom.xhtml-foreign", f"<{local(d.tag)}> inside the xhtml:div is not XHTML; readers may drop it (RFC 4287 §3.1.1.3)", d)
            return


def _person(el: _Element, what: str, rep: Report) -> None:
    parts: _Kids = {}
    for c in el:
        name = _NAMES.get(c.tag) or _atom_name(c)
        if name is None:
            continue
        if name not in _PERSON:
            rep.add("atom.unknown-element", f"atom:{name} is not allowed in atom:{what}", c)
            continue
        parts.setdefault(name, []).append(c)
        _attributes(c, name, rep)
        _PERSON[name](c, name, rep)
    if len(parts.get("name", ())) != 1:
        rep.add("atom.person", f"atom:{what} needs exactly one atom:name", el)
    for name in ("uri", "email"):
        if len(parts.get(name, ())) > 1:
            rep.add("atom.person", f"atom:{name} may appear only once in a person", parts[name][1])
    if has_text(el):
        rep.add("atom.stray-text", f"text directly inside atom:{what} is not allowed", el)


def _email(el: _Element, name: str, rep: Report) -> None:
    _text_only(el, name, rep)
    if not is_addr_spec(v := el.text or ""):
        rep.add("atom.email", f"atom:email {short(v)!r} is not an e-mail address (an RFC 2822 addr-spec: no name, no comment, no space)", el)


_PERSON: dict[str, Callable[[_Element, str, Report], None]] = {"name": _text_only, "uri": _iri_text, "email": _email}


def _link(el: _Element, name: str, rep: Report) -> None:
    href, t, lang = el.get("href"), el.get("type"), el.get("hreflang")
    if href is None:
        rep.add("atom.link.href", "atom:link needs an href (RFC 4287 §4.2.7.1)", el)
    else:
        _iri(href, "link href", el, rep, "href")
    if t is not None and not MIME_RE.fullmatch(t):
        rep.add("atom.link.type", f"link type must be a MIME media type such as text/html, not {t!r}", el, attr="type")
    if lang is not None and not LANG_RE.fullmatch(lang):
        rep.add("atom.lang", f"hreflang {lang!r} is not a language tag (RFC 3066)", el, attr="hreflang")
    _no_atom_children(el, name, rep)


def _content(el: _Element, name: str, rep: Report) -> None:
    t, src = el.get("type"), el.get("src")
    if t is not None and t not in _PLAIN and not MIME_RE.fullmatch(t):
        rep.add("atom.content", f'content type must be "text", "html", "xhtml" or a MIME type, not {t!r} (RFC 4287 §4.1.3.1)', el, attr="type")
    elif t is not None and _COMPOSITE.match(t):
        rep.add("atom.content", f"content type {t!r} is a composite type, which atom:content must not have (RFC 4287 §4.1.3.1)", el, attr="type")
    elif src is not None:
        _out_of_line(el, t, src, rep)
    else:
        _inline(el, t or "text", rep)


def _out_of_line(el: _Element, t: str | None, src: str, rep: Report) -> None:
    _iri(src, "content src", el, rep, "src")
    if t in _PLAIN:
        rep.add("atom.content", f'atom:content with src needs a MIME type, not type="{t}" (RFC 4287 §4.1.3.1)', el, attr="type")
    if len(el) or (el.text or "").strip(XWS):
        rep.add("atom.content", "atom:content with src must be empty (RFC 4287 §4.1.3.2)", el)


def _inline(el: _Element, t: str, rep: Report) -> None:
    """RFC 4287 §4.1.3.3: what inline content of each type may hold."""
    base = t.split(";")[0].strip(XWS).lower()
    if base == "xhtml":
        _xhtml(el, rep, "atom.content")
    elif _is_xml_type(base):
        return  # any markup
    elif len(el):
        rep.add("atom.content", f'type="{t}" content holds no elements; escape markup as text (RFC 4287 §4.1.3.3)', el[0])
    elif base not in ("text", "html") and not base.startswith("text/") and not _is_base64(el.text or ""):
        rep.add("atom.content", f'type="{t}" content must be Base64 (RFC 4287 §4.1.3.3 item 6, RFC 3548 §3)', el)


def _is_xml_type(t: str) -> bool:
    return t.endswith(("/xml", "+xml", "-xml"))


def _is_base64(v: str) -> bool:
    data = _XML_SPACE.sub("", v)
    if len(data) % 4 or not _BASE64.fullmatch(data):
        return False
    try:
        binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error:
        return False
    return True


#: The check for each Atom child by local name (every name _children can return).
_MEMBER: dict[str, Callable[[_Element, str, Report], None]] = {
    "id": _id,
    "updated": _date,
    "published": _date,
    **{n: _text_construct for n in _TEXT_CONSTRUCTS},
    "author": _person,
    "contributor": _person,
    "link": _link,
    "category": _category,
    "icon": _iri_text,
    "logo": _iri_text,
    "generator": _generator,
    "content": _content,
    "source": _source,
}


def _needs_summary(content: _Element) -> bool:
    """RFC 4287 §4.1.1.1: out-of-line content, or content that is neither text nor XML."""
    if content.get("src") is not None:
        return True
    t = (content.get("type") or "text").split(";")[0].strip().lower()
    if t in _PLAIN or "/" not in t:
        return False
    return not (t.startswith("text/") or _is_xml_type(t))


def _entry(entry: _Element, n: int, feed_author: bool, ids: _Ids, rep: Report) -> None:
    if _entry_proven(entry, n, feed_author, ids):
        return
    _attributes(entry, "entry", rep)
    kids = _children(entry, "entry", _ENTRY_ONCE, _ENTRY_ALLOWED, rep)
    _required(entry, kids, "entry", rep)
    _members(kids, rep)
    _entry_id(kids, n, ids, rep)
    # §4.1.2 would accept an author in atom:source, but §4.1.1 still wants one in every
    # entry of a feed that has none itself.
    if not feed_author and "author" not in kids:
        rep.add("atom.author", "entry has no atom:author and neither has the feed (RFC 4287 §4.1.1)", entry)
    links = kids.get("link", [])
    content = kids.get("content", [None])[0]
    if content is None and not any(link.get("rel", "alternate") == "alternate" for link in links):
        rep.add("atom.entry.alternate", 'an entry without atom:content needs a <link rel="alternate"> (RFC 4287 §4.1.1)', entry)
    if content is not None and _needs_summary(content) and "summary" not in kids:
        rep.add("atom.entry.summary", "an entry with out-of-line or binary content needs an atom:summary (RFC 4287 §4.1.1.1)", entry)
    _alternates(links, rep)


def _entry_id(kids: _Kids, n: int, ids: _Ids, rep: Report) -> None:
    """Entries that share an id are one entry (§4.1.1); their updated should differ."""
    if not kids.get("id"):
        return
    el = kids["id"][0]
    v = text(el)
    updated = text(kids["updated"][0]) if kids.get("updated") else None
    seen = ids.get(v)
    if seen is None:
        ids[v] = (n, updated)
    elif rep.publish:
        rep.add("atom.entry.id-unique", f"entry id {short(v)!r} is also the id of entry {seen[0]}", el)
    elif seen[1] == updated:
        rep.add("atom.entry.id-repeat", f"entry id {short(v)!r} is also the id of entry {seen[0]}, with the same atom:updated; a new version should have a new one (RFC 4287 §4.1.1)", el)


def _alternates(links: list[_Element], rep: Report) -> None:
    seen = set()
    for link in links:
        if link.get("rel", "alternate") != "alternate":
            continue
        key = (link.get("type"), link.get("hreflang"))
        if key in seen:
            rep.add("atom.link.alternate-duplicate", f"a second alternate link with type={key[0]!r} and hreflang={key[1]!r} (RFC 4287 §4.1.1)", link)
        seen.add(key)


def _langs(root: _Element, rep: Report) -> None:
    """xml:lang anywhere: a language tag, or empty ("no language", XML 1.0 §2.12)."""
    values: list[str] = _XML_LANGS(root)  # type: ignore[assignment]
    if all(v == "" or LANG_RE.fullmatch(v) for v in values):
        return
    for el in root.iter():
        v = el.get(_LANG)
        if v and not LANG_RE.fullmatch(v):
            rep.add("atom.lang", f"xml:lang {v!r} is not a language tag (BCP 47)", el, attr=_LANG)


def _bases(root: _Element, rep: Report) -> None:
    """xml:base anywhere: an IRI reference (RFC 4287 §2, RFC 3987)."""
    owners: list[_Element] = _XML_BASES(root)  # type: ignore[assignment]
    for el in owners:
        _iri(el.get(_BASE) or "", "xml:base", el, rep, _BASE)
