"""RSS 2.0 with the RSS Best Practices Profile and Media RSS.

https://www.rssboard.org/rss-specification, https://www.rssboard.org/rss-profile,
https://www.rssboard.org/media-rss.  RSS has no official schema; these rules are the
specs' MUSTs plus the profile's advice that feedhub chose to enforce (a guid on every item).
"""

from __future__ import annotations

import re

from ._report import Report
from ._xml import (
    ATOM_NS,
    CONTENT_NS,
    DC_NS,
    HTTP_URL,
    LANG_RE,
    MEDIA_NS,
    MIME_RE,
    UDECIMAL_RE,
    UINT_RE,
    XWS,
    check_root_namespaces,
    local,
    rfc822_problem,
    short,
    text,
)

KNOWN_NS = frozenset({CONTENT_NS, DC_NS, MEDIA_NS, ATOM_NS})
_M = "{%s}" % MEDIA_NS
ATOM_LINK = "{%s}link" % ATOM_NS

_CHANNEL_ONCE = frozenset(
    "title link description language copyright managingEditor webMaster pubDate lastBuildDate "
    "generator docs cloud ttl image rating textInput skipHours skipDays".split()
)
_CHANNEL_MANY = frozenset({"category", "item"})
_ITEM_ONCE = frozenset("title link description author comments guid pubDate source".split())
_ITEM_MANY = frozenset({"category", "enclosure"})
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")

_MEDIA_ELEMENTS = frozenset(
    "group content rating title description keywords thumbnail category hash player credit copyright "
    "text restriction community comments comment embed param responses response backLinks backLink "
    "status price license subTitle peerLink location rights scenes scene sceneTitle sceneDescription "
    "sceneStartTime sceneEndTime starRating statistics tags".split()
)
_MEDIA_TAGS = frozenset(_M + name for name in _MEDIA_ELEMENTS)
_MEDIUMS = frozenset({"image", "audio", "video", "document", "executable"})
_MEDIA_UINT = ("fileSize", "width", "height", "duration", "channels")
_MEDIA_UDECIMAL = ("bitrate", "framerate", "samplingrate")


def check_rss(root, rep: Report, source: str | None = None) -> None:
    """Check an RSS 2.0 feed; *source*, the decoded document, lets the namespace check skip its walk."""
    check_root_namespaces(root, rep, KNOWN_NS, text=source)
    if root.get("version") != "2.0":
        rep.add("rss.version", f'<rss> must have version="2.0", not {root.get("version")!r}', root)
    channels = [c for c in root if c.tag == "channel"]
    for c in root:
        if c.tag != "channel":
            rep.add("rss.unknown-element", f"<{local(c.tag)}> is not allowed in <rss>", c)
    if len(channels) != 1:
        rep.add("rss.channel", f"<rss> must hold exactly one <channel>, found {len(channels)}", channels[1] if channels else root)
        if not channels:
            return
    ch = channels[0]
    kids, many = _children(ch, _CHANNEL_ONCE, _CHANNEL_MANY, rep)
    title = kids.get("title")
    if title is None or not text(title).strip(XWS):
        rep.add("rss.channel.title", "channel needs a non-empty <title>", title if title is not None else ch)
    link = kids.get("link")
    if link is None or not HTTP_URL.fullmatch(text(link).strip(XWS)):
        rep.add("rss.channel.link", f"channel <link> must be an absolute http(s) URL{'' if link is None else f', not {short(text(link))!r}'}", link if link is not None else ch)
    desc = kids.get("description")
    if desc is None or not text(desc).strip(XWS):
        rep.add("rss.channel.description", "channel needs a non-empty <description>", desc if desc is not None else ch)
    _common(kids, many, rep)
    for tag in ("managingEditor", "webMaster"):
        if tag in kids:
            _email(kids[tag], rep)
    if "language" in kids:
        _language(kids["language"], rep)
    ttl = kids.get("ttl")
    if ttl is not None and not UINT_RE.fullmatch(text(ttl).strip(XWS)):
        rep.add("rss.ttl", f"<ttl> must be a whole number of minutes, not {short(text(ttl))!r}", ttl)
    if "image" in kids:
        _image(kids["image"], rep)
    _atom_links(root, ch, rep)
    guids: dict[str, int] = {}
    for n, item in enumerate(many.get("item", ()), 1):
        _item(item, n, guids, rep)
    _media(root, rep)


def _children(el, once: frozenset, many: frozenset, rep: Report) -> tuple[dict, dict[str, list]]:
    """First child per RSS element name, and every child per repeatable name, in one pass.

    Namespaced children are left to their own checks.
    """
    found: dict = {}
    lists: dict[str, list] = {}
    for c in el.iterchildren("{}*"):  # no-namespace children only, picked out in C
        tag = c.tag
        if tag in once:
            if tag in found:
                rep.add("rss.duplicate", f"<{tag}> may appear only once in <{el.tag}>", c)
            else:
                found[tag] = c
        elif tag in many:
            same = lists.get(tag)
            if same is None:
                lists[tag] = [c]
            else:
                same.append(c)
        else:
            rep.add("rss.unknown-element", f"<{tag}> is not an RSS 2.0 element of <{el.tag}>", c)
    return found, lists


def _common(kids: dict, many: dict[str, list], rep: Report) -> None:
    """Checks shared by channel and item: dates and categories."""
    for tag in ("pubDate", "lastBuildDate"):
        d = kids.get(tag)
        if d is not None:
            msg = rfc822_problem(text(d))
            if msg:
                rep.add("rss.date", f"<{tag}> {msg}", d)
    for c in many.get("category", ()):
        if not text(c).strip(XWS):
            rep.add("rss.category", "<category> must not be empty", c)


def _email(el, rep: Report) -> None:
    if not _EMAIL.search(text(el)):
        rep.add("rss.email", f"<{el.tag}> should hold an e-mail address, e.g. 'desk@example.com (News Desk)'; use dc:creator for names", el)


def _language(el, rep: Report) -> None:
    v = text(el).strip(XWS)
    if not LANG_RE.fullmatch(v):
        rep.add("rss.language", f"{short(v)!r} is not a language tag such as 'id' or 'en-us'", el)


def _image(img, rep: Report) -> None:
    parts = {c.tag: c for c in img if c.tag in ("url", "title", "link", "width", "height")}
    for tag in ("url", "title", "link"):
        if tag not in parts:
            rep.add("rss.channel.image", f"channel <image> needs <{tag}>", img)
    for tag in ("url", "link"):
        if tag in parts and not HTTP_URL.fullmatch(text(parts[tag]).strip(XWS)):
            rep.add("rss.channel.image", f"image <{tag}> must be an absolute http(s) URL", parts[tag])
    for tag, most in (("width", 144), ("height", 400)):
        if tag in parts:
            v = text(parts[tag]).strip(XWS)
            if not UINT_RE.fullmatch(v) or int(v) > most:
                rep.add("rss.channel.image", f"image <{tag}> must be a whole number of pixels up to {most}", parts[tag])


def _atom_links(root, ch, rep: Report) -> None:
    selfs = [l for l in ch.iterchildren(ATOM_LINK) if l.get("rel") == "self"]
    if not selfs:
        rep.add("rss.atom-self", 'channel should identify its own URL with <atom:link rel="self" href="…" type="application/rss+xml"/> (rss-profile#namespace-elements-atom-link)', ch, severity="warning")
    for l in selfs:
        if not l.get("type"):
            rep.add("rss.atom-self", 'atom:link rel="self" needs type="application/rss+xml"', l)
    for l in root.iter(ATOM_LINK):
        href = l.get("href")
        if href is None or not HTTP_URL.fullmatch(href):
            rep.add("rss.atom-link", f"atom:link needs an absolute http(s) href{'' if href is None else f', not {short(href)!r}'}", l, attr="href")


def _item(item, n: int, guids: dict[str, int], rep: Report) -> None:
    kids, many = _children(item, _ITEM_ONCE, _ITEM_MANY, rep)
    title, desc = kids.get("title"), kids.get("description")
    if not ((title is not None and text(title).strip(XWS)) or (desc is not None and text(desc).strip(XWS))):
        rep.add("rss.item.title-or-description", "item needs a non-empty <title> or <description>", item)
    link = kids.get("link")
    if link is not None and not HTTP_URL.fullmatch(text(link).strip(XWS)):
        rep.add("rss.item.link", f"item <link> must be an absolute http(s) URL, not {short(text(link))!r}", link)
    guid = kids.get("guid")
    if guid is None:
        rep.add("rss.item.guid", "item needs a <guid> so readers can tell new items from changed ones (rss-profile#element-item-guid)", item)
    else:
        v = text(guid).strip(XWS)
        perma = guid.get("isPermaLink", "true")
        if not v:
            rep.add("rss.item.guid", "<guid> must not be empty", guid)
        elif v in guids:
            rep.add("rss.item.guid-unique", f"guid {short(v)!r} is also the guid of item {guids[v]}", guid)
        else:
            guids[v] = n
        if perma not in ("true", "false"):
            rep.add("rss.item.guid-permalink", f'isPermaLink must be "true" or "false", not {perma!r}', guid, attr="isPermaLink")
        elif perma == "true" and v and not HTTP_URL.fullmatch(v):
            rep.add("rss.item.guid-permalink", f'guid {short(v)!r} is not a URL, so it needs isPermaLink="false" (a guid is a permalink by default)', guid)
    if "author" in kids:
        _email(kids["author"], rep)
    _common(kids, many, rep)
    enclosures = many.get("enclosure", ())
    if len(enclosures) > 1:
        rep.add("rss.item.enclosure-count", "more than one <enclosure>: many readers take only the first (rss-profile#element-item-enclosure)", enclosures[1])
    for e in enclosures:
        url, length, typ = e.get("url"), e.get("length"), e.get("type")
        if url is None or not HTTP_URL.fullmatch(url):
            rep.add("rss.item.enclosure", "enclosure needs an absolute http(s) url", e, attr="url")
        if length is None or not UINT_RE.fullmatch(length):
            rep.add("rss.item.enclosure", f"enclosure length must be a byte count (0 when unknown), not {length!r}", e, attr="length")
        if typ is None or not MIME_RE.fullmatch(typ):
            rep.add("rss.item.enclosure", f"enclosure type must be a MIME type such as image/jpeg, not {typ!r}", e, attr="type")


def _media(root, rep: Report) -> None:
    check = _MEDIA_CHECKS.get
    for m in root.iter(_M + "*"):
        tag = m.tag
        fn = check(tag)
        if fn is not None:
            fn(m, tag, rep)
        elif tag not in _MEDIA_TAGS:
            rep.add("media.unknown-element", f"media:{tag[len(_M):]} is not a Media RSS element", m)


def _media_thumbnail(m, tag: str, rep: Report) -> None:
    url = m.get("url")
    if url is None or not HTTP_URL.fullmatch(url):
        rep.add("media.thumbnail.url", "media:thumbnail needs an absolute http(s) url", m, attr="url")


def _media_text(m, tag: str, rep: Report) -> None:
    t = m.get("type")
    if t is not None and t not in ("plain", "html"):
        rep.add("media.description.type", f'media:{tag[len(_M):]} type must be "plain" or "html", not {t!r}', m, attr="type")


_MEDIA_NUMBERS = tuple((attr, UINT_RE, "a whole number") for attr in _MEDIA_UINT) + tuple(
    (attr, UDECIMAL_RE, "a non-negative number") for attr in _MEDIA_UDECIMAL
)
_MEDIA_CHOICES = (("isDefault", ("true", "false")), ("expression", ("sample", "full", "nonstop")))
# What each checked attribute of media:content must be, for the one-pass test below.
_MEDIA_VALID = {
    "url": HTTP_URL.fullmatch,
    "medium": _MEDIUMS.__contains__,
    **{attr: rx.fullmatch for attr, rx, _ in _MEDIA_NUMBERS},
    **{attr: allowed.__contains__ for attr, allowed in _MEDIA_CHOICES},
    "type": MIME_RE.fullmatch,
}


def _media_content(m, tag: str, rep: Report) -> None:
    parent = m.getparent()
    if parent.tag not in ("item", _M + "group"):
        rep.add("media.content.parent", f"media:content belongs in an <item> or <media:group>, not <{local(parent.tag)}>", m)
    items = m.items()  # one call into lxml instead of one per attribute looked up below
    # The usual case first, in one pass over the attributes there are: a url, and nothing
    # checked below that is wrong.  Otherwise the checks run in their order and report.
    has_url = False
    for key, value in items:
        valid = _MEDIA_VALID.get(key)
        if valid is not None:
            if not valid(value):
                break
            has_url = has_url or key == "url"
    else:
        if has_url:
            return
    attrs = dict(items)
    url = attrs.get("url")
    if url is None or not HTTP_URL.fullmatch(url):
        rep.add("media.content.url", f"media:content needs an absolute http(s) url{'' if url is None else f', not {short(url)!r}'}", m, attr="url")
    medium = attrs.get("medium")
    if medium is not None and medium not in _MEDIUMS:
        rep.add("media.content.medium", f"medium must be one of {', '.join(sorted(_MEDIUMS))}, not {medium!r}", m, attr="medium")
    for attr, rx, what in _MEDIA_NUMBERS:
        v = attrs.get(attr)
        if v is not None and not rx.fullmatch(v):
            rep.add("media.content.number", f"media:content {attr} must be {what}, not {short(v)!r}", m, attr=attr)
    for attr, allowed in _MEDIA_CHOICES:
        v = attrs.get(attr)
        if v is not None and v not in allowed:
            rep.add("media.content.value", f"{attr} must be {' or '.join(allowed)}, not {v!r}", m, attr=attr)
    t = attrs.get("type")
    if t is not None and not MIME_RE.fullmatch(t):
        rep.add("media.content.value", f"type must be a MIME type such as image/jpeg, not {t!r}", m, attr="type")


_MEDIA_CHECKS = {
    _M + "content": _media_content,
    _M + "thumbnail": _media_thumbnail,
    _M + "description": _media_text,
    _M + "title": _media_text,
}
