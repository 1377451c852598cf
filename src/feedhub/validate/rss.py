"""RSS 2.0 with the RSS Best Practices Profile and Media RSS.

https://www.rssboard.org/rss-specification, https://www.rssboard.org/rss-profile,
https://www.rssboard.org/media-rss.  RSS has no official schema.  Errors are the spec's
requirements; the profile's advice is a warning, except where feedhub's publish profile
makes it its own policy (a guid on every item, four-digit years, a typed self link).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml.etree import _Element

from ..rules._iso639 import ISO639_1
from ..rules.iri import iri_problem
from ..rules.languages import LANG_RE
from ..rules.namespaces import ATOM_NS, CONTENT_NS, DC_NS, MEDIA_NS
from ..rules.urls import HTTP_URL
from ._report import Report
from ._xml import MIME_RE, UDECIMAL_RE, UINT_RE, XWS, check_root_namespaces, local, rfc822_check, short, text

KNOWN_NS = frozenset({CONTENT_NS, DC_NS, MEDIA_NS, ATOM_NS})
_M = f"{{{MEDIA_NS}}}"
ATOM_LINK = f"{{{ATOM_NS}}}link"

_CHANNEL_ONCE = frozenset(
    ["title", "link", "description", "language", "copyright", "managingEditor", "webMaster", "pubDate", "lastBuildDate", "generator", "docs", "cloud", "ttl", "image", "rating", "textInput", "skipHours", "skipDays"]
)
_CHANNEL_MANY = frozenset({"category", "item"})
_ITEM_ONCE = frozenset(["title", "link", "description", "author", "comments", "guid", "pubDate", "source"])
_ITEM_MANY = frozenset({"category", "enclosure"})
_EMAIL = re.compile(r"[^\s@()<>]+@[^\s@()<>]+\.[^\s@()<>]+")
_CLOUD_ATTRS = ("domain", "port", "path", "registerProcedure", "protocol")
_POSITIVE = re.compile(r"[1-9][0-9]*", re.A)
_HOURS = frozenset(str(h) for h in range(24))
_DAY_NAMES = frozenset(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
_TEXT_INPUT = ("title", "description", "name", "link")

_Kids = dict[str, _Element]
_Many = dict[str, list[_Element]]


def check_rss(root: _Element, rep: Report, source: str | None = None) -> None:
    """Check an RSS 2.0 feed; *source*, the decoded document, lets the namespace check skip its walk."""
    check_root_namespaces(root, rep, KNOWN_NS, text=source)
    if root.get("version") != "2.0":
        rep.add("rss.version", f'<rss> must have version="2.0", not {root.get("version")!r}', root)
    channel = _channel(root, rep)
    if channel is None:
        return
    kids, many = _children(channel, _CHANNEL_ONCE, _CHANNEL_MANY, rep)
    _channel_required(channel, kids, rep)
    _common(kids, many, rep)
    for tag, check in _CHANNEL_CHECKS.items():
        if tag in kids:
            check(kids[tag], rep)
    _atom_links(root, channel, rep)
    guids: dict[str, int] = {}
    for n, item in enumerate(many.get("item", ()), 1):
        _item(item, n, guids, rep)
    _media(root, rep)


def _channel(root: _Element, rep: Report) -> _Element | None:
    channels = []
    for c in root.iterchildren("{}*"):  # namespaced children are extensions
        if c.tag == "channel":
            channels.append(c)
        else:
            rep.add("rss.unknown-element", f"<{c.tag}> is not allowed in <rss>; extensions must be in a namespace", c)
    if len(channels) != 1:
        rep.add("rss.channel", f"<rss> must hold exactly one <channel>, found {len(channels)}", channels[1] if channels else root)
    return channels[0] if channels else None


def _children(el: _Element, once: frozenset[str], many: frozenset[str], rep: Report) -> tuple[_Kids, _Many]:
    """First child per RSS element name, and every child per repeatable name, in one pass.

    Namespaced children are left to their own checks.
    """
    found: _Kids = {}
    lists: _Many = {}
    for c in el.iterchildren("{}*"):  # no-namespace children only, picked out in C
        tag = c.tag
        if tag in many:
            lists.setdefault(tag, []).append(c)
        elif tag not in once:
            rep.add("rss.unknown-element", f"<{tag}> is not an RSS 2.0 element of <{el.tag}>; extensions must be in a namespace", c)
        elif tag in found:
            rep.add("rss.duplicate", f"<{tag}> may appear only once in <{el.tag}>", c)
        else:
            found[tag] = c
    return found, lists


def _filled(el: _Element | None) -> bool:
    return el is not None and bool(text(el).strip(XWS))


def _channel_required(ch: _Element, kids: _Kids, rep: Report) -> None:
    title, link, desc = kids.get("title"), kids.get("link"), kids.get("description")
    if not _filled(title):
        rep.add("rss.channel.title", "channel needs a non-empty <title>", title if title is not None else ch)
    if link is None:
        rep.add("rss.channel.link", "channel needs a <link> to its web site", ch)
    else:
        _url(link, "rss.channel.link", rep)
    if not _filled(desc):
        rep.add("rss.channel.description", "channel needs a non-empty <description>", desc if desc is not None else ch)


def _url(el: _Element, rule: str, rep: Report) -> bool:
    """Report *el*'s text under *rule* unless it is an absolute URL (any scheme: ftp: and mailto: too)."""
    v = text(el).strip(XWS)
    why = iri_problem(v, absolute=True) if v else "is empty"
    if why:
        rep.add(rule, f"<{el.tag}> must be an absolute URL; {short(v)!r} {why}", el)
    return why is None


def _common(kids: _Kids, many: _Many, rep: Report) -> None:
    """Checks shared by channel and item: dates and categories."""
    for tag in ("pubDate", "lastBuildDate"):
        d = kids.get(tag)
        if d is not None:
            _date(d, tag, rep)
    for c in many.get("category", ()):
        if not text(c).strip(XWS):
            rep.add("rss.category", "<category> is empty", c)


def _date(d: _Element, tag: str, rep: Report) -> None:
    v = text(d)
    msg, short_year = rfc822_check(v)
    if msg:
        rep.add("rss.date", f"<{tag}> {msg}", d)
    elif short_year:
        rep.add("rss.date-year", f"<{tag}> {short(v)!r} has a two-digit year; RSS 2.0 prefers four", d)


def _email(el: _Element, rep: Report) -> None:
    if not _EMAIL.search(text(el)):
        rep.add("rss.email", f"<{el.tag}> must hold an e-mail address, e.g. 'desk@example.com (News Desk)'; use dc:creator for names", el)


def _language(el: _Element, rep: Report) -> None:
    v = text(el).strip(XWS)
    primary = v.split("-", 1)[0].lower()
    known = (len(primary) == 2 and primary in ISO639_1) or len(primary) == 3 or primary in ("i", "x")
    if not (LANG_RE.fullmatch(v) and known):
        rep.add("rss.language", f"{short(v)!r} is not a language tag such as 'id' or 'en-us' (an ISO 639 code first)", el)


def _ttl(el: _Element, rep: Report) -> None:
    if not UINT_RE.fullmatch(text(el).strip(XWS)):
        rep.add("rss.ttl", f"<ttl> must be a whole number of minutes, not {short(text(el))!r}", el)


def _docs(el: _Element, rep: Report) -> None:
    _url(el, "rss.docs", rep)


def _image(img: _Element, rep: Report) -> None:
    parts = {c.tag: c for c in img.iterchildren("url", "title", "link", "width", "height")}
    for tag in ("url", "title", "link"):
        if tag not in parts:
            rep.add("rss.channel.image", f"channel <image> needs <{tag}>", img)
    for tag in ("url", "link"):
        if tag in parts:
            _url(parts[tag], "rss.channel.image", rep)
    for tag, most in (("width", 144), ("height", 400)):
        if tag in parts:
            v = text(parts[tag]).strip(XWS)
            if not UINT_RE.fullmatch(v) or int(v) > most:
                rep.add("rss.channel.image", f"image <{tag}> must be a whole number of pixels up to {most}", parts[tag])


def _cloud(el: _Element, rep: Report) -> None:
    missing = [a for a in _CLOUD_ATTRS if not el.get(a)]
    if missing:
        rep.add("rss.cloud", f"<cloud> needs {', '.join(missing)} (domain, port, path, registerProcedure and protocol)", el)
    port = el.get("port")
    if port and not _POSITIVE.fullmatch(port.strip(XWS)):
        rep.add("rss.cloud", f"<cloud> port must be a positive whole number, not {short(port)!r}", el, attr="port")


def _skip_hours(el: _Element, rep: Report) -> None:
    hours = list(el.iterchildren("hour"))
    if len(hours) > 24:
        rep.add("rss.skip-hours", f"<skipHours> holds {len(hours)} hours; at most 24", hours[24])
    for h in hours:
        if text(h).strip(XWS) not in _HOURS:
            rep.add("rss.skip-hours", f"<hour> must be a number from 0 to 23, not {short(text(h))!r}", h)


def _skip_days(el: _Element, rep: Report) -> None:
    days = list(el.iterchildren("day"))
    if len(days) > 7:
        rep.add("rss.skip-days", f"<skipDays> holds {len(days)} days; at most seven", days[7])
    for d in days:
        if text(d).strip(XWS) not in _DAY_NAMES:
            rep.add("rss.skip-days", f"<day> must be Monday … Sunday, not {short(text(d))!r}", d)


def _text_input(el: _Element, rep: Report) -> None:
    parts = {c.tag: c for c in el.iterchildren(*_TEXT_INPUT)}
    missing = [t for t in _TEXT_INPUT if t not in parts]
    if missing:
        rep.add("rss.text-input", f"<textInput> needs {', '.join(missing)} (title, description, name and link)", el)
    if "link" in parts:
        _url(parts["link"], "rss.text-input", rep)


_CHANNEL_CHECKS: dict[str, Callable[[_Element, Report], None]] = {
    "managingEditor": _email,
    "webMaster": _email,
    "language": _language,
    "ttl": _ttl,
    "docs": _docs,
    "image": _image,
    "cloud": _cloud,
    "skipHours": _skip_hours,
    "skipDays": _skip_days,
    "textInput": _text_input,
}


def _atom_links(root: _Element, ch: _Element, rep: Report) -> None:
    selfs = [link for link in ch.iterchildren(ATOM_LINK) if link.get("rel") == "self"]
    if not selfs:
        rep.add("rss.atom-self", 'channel should identify its own URL with <atom:link rel="self" href="…" type="application/rss+xml"/> (rss-profile#namespace-elements-atom-link)', ch)
    for link in selfs:
        if not link.get("type"):
            rep.add("rss.atom-self-type", 'atom:link rel="self" needs type="application/rss+xml"', link)
    for link in root.iter(ATOM_LINK):
        href = link.get("href")
        why = "is missing" if href is None else iri_problem(href)
        if why:
            rep.add("rss.atom-link", f"atom:link href {short(href or '')!r} {why} (RFC 4287 §4.2.7.1)", link, attr="href")


def _item(item: _Element, n: int, guids: dict[str, int], rep: Report) -> None:
    kids, many = _children(item, _ITEM_ONCE, _ITEM_MANY, rep)
    if not (_filled(kids.get("title")) or _filled(kids.get("description"))):
        rep.add("rss.item.title-or-description", "item needs a non-empty <title> or <description>", item)
    if "link" in kids:
        _url(kids["link"], "rss.item.link", rep)
    guid = kids.get("guid")
    if guid is None or not text(guid).strip(XWS):
        rep.add("rss.item.guid-missing", "item has no <guid>, so readers cannot tell new items from changed ones (rss-profile#element-item-guid)", guid if guid is not None else item)
    else:
        _guid(guid, n, guids, rep)
    if "author" in kids:
        _email(kids["author"], rep)
    _common(kids, many, rep)
    _enclosures(many.get("enclosure", []), rep)


def _guid(guid: _Element, n: int, guids: dict[str, int], rep: Report) -> None:
    v = text(guid).strip(XWS)
    if v in guids:
        rep.add("rss.item.guid-unique", f"guid {short(v)!r} is also the guid of item {guids[v]}", guid)
    else:
        guids[v] = n
    perma = guid.get("isPermaLink", "true")
    if perma not in ("true", "false"):
        rep.add("rss.item.guid-permalink", f'isPermaLink must be "true" or "false", not {perma!r}', guid, attr="isPermaLink")
    elif perma == "true" and iri_problem(v, absolute=True):
        rep.add("rss.item.guid-permalink", f'guid {short(v)!r} is not a URL, so it needs isPermaLink="false" (a guid is a permalink by default)', guid)


def _enclosures(enclosures: list[_Element], rep: Report) -> None:
    if len(enclosures) > 1:
        rep.add("rss.item.enclosure-count", "more than one <enclosure>: many readers take only the first (rss-profile#element-item-enclosure)", enclosures[1])
    for e in enclosures:
        url, length, typ = e.get("url"), e.get("length"), e.get("type")
        if url is None or not HTTP_URL.fullmatch(url):
            rep.add("rss.item.enclosure", "enclosure needs an http url (RSS 2.0: 'The url must be an http url')", e, attr="url")
        if length is None or not UINT_RE.fullmatch(length):
            rep.add("rss.item.enclosure", f"enclosure length must be a byte count (0 when unknown), not {length!r}", e, attr="length")
        if typ is None or not MIME_RE.fullmatch(typ):
            rep.add("rss.item.enclosure", f"enclosure type must be a MIME type such as image/jpeg, not {typ!r}", e, attr="type")


# ---------------------------------------------------------------------------- Media RSS

_MEDIA_ELEMENTS = frozenset(
    ["group", "content", "rating", "title", "description", "keywords", "thumbnail", "category", "hash", "player", "credit", "copyright", "text", "restriction", "community", "comments", "comment", "embed", "param", "responses", "response", "backLinks", "backLink", "status", "price", "license", "subTitle", "peerLink", "location", "rights", "scenes", "scene", "sceneTitle", "sceneDescription", "sceneStartTime", "sceneEndTime", "starRating", "statistics", "tags"]
)
_MEDIA_TAGS = frozenset(_M + name for name in _MEDIA_ELEMENTS)
_MEDIUMS = frozenset({"image", "audio", "video", "document", "executable"})
_PLAYER = _M + "player"


def _media(root: _Element, rep: Report) -> None:
    for m in root.iter(_M + "*"):
        check = _MEDIA_CHECKS.get(m.tag)
        if check is not None:
            check(m, rep)
        elif m.tag not in _MEDIA_TAGS:
            rep.add("media.unknown-element", f"media:{local(m.tag)} is not a Media RSS element", m)


def _media_thumbnail(m: _Element, rep: Report) -> None:
    url = m.get("url")
    why = "is missing" if url is None else iri_problem(url, absolute=True)
    if why:
        rep.add("media.thumbnail.url", f"media:thumbnail url {short(url or '')!r} {why}", m, attr="url")


def _media_text(m: _Element, rep: Report) -> None:
    t = m.get("type")
    if t is not None and t not in ("plain", "html"):
        rep.add("media.description.type", f'media:{local(m.tag)} type must be "plain" or "html", not {t!r}', m, attr="type")


def _media_content(m: _Element, rep: Report) -> None:
    parent = m.getparent()
    if parent is not None and parent.tag not in ("item", _M + "group"):
        rep.add("media.content.parent", f"media:content belongs in an <item> or <media:group>, not <{local(parent.tag)}>", m)
    attrs: dict[str, str] = dict(m.items())  # type: ignore[arg-type]  # the stubs say str | bytes; lxml gives str
    _media_url(m, attrs.get("url"), parent, rep)
    # Only the attributes that are there are looked at: one dict lookup each.
    for key, value in attrs.items():
        check = _MEDIA_ATTRS.get(key)
        if check is not None and not check[0](value):
            rep.add(check[1], f"media:content {key} must be {check[2]}, not {short(value)!r}", m, attr=key)


_MEDIA_ATTRS: dict[str, tuple[Callable[[str], object], str, str]] = {
    "medium": (_MEDIUMS.__contains__, "media.content.medium", "one of " + ", ".join(sorted(_MEDIUMS))),
    **{a: (UINT_RE.fullmatch, "media.content.number", "a whole number") for a in ("fileSize", "width", "height", "duration", "channels")},
    **{a: (UDECIMAL_RE.fullmatch, "media.content.number", "a non-negative number") for a in ("bitrate", "framerate", "samplingrate")},
    "isDefault": (("true", "false").__contains__, "media.content.value", "true or false"),
    "expression": (("sample", "full", "nonstop").__contains__, "media.content.value", "sample, full or nonstop"),
    "type": (MIME_RE.fullmatch, "media.content.value", "a MIME type such as image/jpeg"),
}


def _media_url(m: _Element, url: str | None, parent: _Element | None, rep: Report) -> None:
    """Media RSS: "If [url is] not included, a <media:player> element must be specified"."""
    if url is None:
        if m.find(_PLAYER) is None and (parent is None or parent.find(_PLAYER) is None):
            rep.add("media.content.url", "media:content needs a url, or a media:player", m)
        return
    why = iri_problem(url, absolute=True)
    if why:
        rep.add("media.content.url", f"media:content url {short(url)!r} {why}", m, attr="url")


_MEDIA_CHECKS: dict[str, Callable[[_Element, Report], None]] = {
    _M + "content": _media_content,
    _M + "thumbnail": _media_thumbnail,
    _M + "description": _media_text,
    _M + "title": _media_text,
}
