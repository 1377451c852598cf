"""The limit: feedhub's exact output bytes written the fastest plain way (string joins, no validation).

Each function reads the store with plain SQL (:mod:`rows`) and writes, by hand, the
bytes feedhub publishes for the same items; ``run.py`` checks they are byte-identical
before timing anything.  Shortcuts that hold for this corpus only are named as such.
"""

from __future__ import annotations

import html
import re
import struct
import zlib
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

import corpus
import rows

SITE = "https://genpi.example"
HOST = "genpi.example"
GENERATOR, VERSION = "feedhub", "0.1.0"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_XML_DECL_LXML = "<?xml version='1.0' encoding='UTF-8'?>\n"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
_TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)[^>]*>")
_SPACE = re.compile(r"\s+")
_SAFE_ID = re.compile(r"[A-Za-z0-9_.~-]+\Z")
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"
# feedhub.rules.urls.to_uri: what a URI may hold literally, and what its path/query/fragment keep.
_NOT_URI = re.compile(r"[^\x21\x23-\x3b\x3d\x3f-\x5a\x5f\x61-\x7a\x7e]")
_IRI_SAFE = "!#$%&'()*+,/:;=?@~"
#: feedhub.rules.items.IMAGE_TYPES for the extensions the corpus uses.
_IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
                "avif": "image/avif"}
#: Every W1 feed is ``<name>/rss.xml`` / ``<name>/atom.xml``: the stylesheet is one level up.
_FEED_PI = '<?xml-stylesheet type="text/xsl" href="../feedhub-feed.xsl"?>\n'


def esc(s: str) -> str:
    """lxml's text escaping."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if "\r" in s:
        s = s.replace("\r", "&#13;")
    return s


def attr(s: str) -> str:
    """lxml's attribute escaping."""
    s = esc(s)
    if '"' in s:
        s = s.replace('"', "&quot;")
    if "\n" in s:
        s = s.replace("\n", "&#10;")
    if "\t" in s:
        s = s.replace("\t", "&#9;")
    return s


def to_uri(url: str) -> str:
    """An IRI as feedhub writes it: IDNA host, the rest percent-encoded (a URI comes back unchanged)."""
    if _NOT_URI.search(url) is None:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if not netloc.isascii():
        netloc = (parts.hostname or "").encode("idna").decode("ascii") + (f":{parts.port}" if parts.port is not None else "")
    rest = url[len(parts.scheme) + 3 + len(parts.netloc):]
    return f"{parts.scheme}://{netloc}{quote(rest, safe=_IRI_SAFE)}"


def clamp(iso: str, now: datetime) -> str:
    """*iso*, or *now* in its offset when it lies after *now*: feedhub writes no date after the build."""
    dt = datetime.fromisoformat(iso)
    return iso if dt <= now else now.astimezone(dt.tzinfo).isoformat()


def rfc822(iso: str) -> str:
    dt = datetime.fromisoformat(iso)
    minutes = int(dt.utcoffset().total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    return (f"{_DAYS[dt.weekday()]}, {dt.day:02d} {_MONTHS[dt.month - 1]} {dt.year:04d} "
            f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} {sign}{hh:02d}{mm:02d}")


def _text(body: str) -> str:
    # Corpus shortcut: bodies hold only <p> (a block: a space) and inline a/em/strong.
    t = _TAG.sub(lambda m: " " if m.group(2) == "p" else "", body)
    return _SPACE.sub(" ", html.unescape(t)).strip()


def summary(d: dict) -> str | None:
    s = d.get("summary")
    if s and s.strip():
        return s
    body = d.get("content_html")
    if not body:
        return None
    text = _text(body)
    if len(text) <= 300:
        return text or None
    cut = text[:301]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 150 else text[:300]
    return cut.rstrip(" ,;:.-–—") + "…"


def _categories(d: dict) -> list[str]:
    seen = dict.fromkeys(t for t in ([d["section"]] if d.get("section") else []) + d.get("tags", []) if t and t.strip())
    return list(seen)


def _last_change(items: list[dict], now: datetime) -> datetime | None:
    last = max((datetime.fromisoformat(d.get("updated") or d["published"]) for d in items), default=None)
    return last if last is None or last <= now else now.astimezone(last.tzinfo)


def _media(out: list[str], images: list[dict], pad: str) -> None:
    for im in images:
        a = f'{pad}<media:content url="{attr(to_uri(im["url"]))}" medium="image"'
        if "type" in im:
            a += f' type="{attr(im["type"])}"'
        if "length" in im:
            a += f' fileSize="{im["length"]}"'
        if "width" in im:
            a += f' width="{im["width"]}"'
        if "height" in im:
            a += f' height="{im["height"]}"'
        cap, cred = im.get("caption"), im.get("credit")
        if not cap and not cred:
            out.append(a + "/>\n")
            continue
        out.append(a + ">\n")
        if cap:
            out.append(f'{pad}  <media:description type="plain">{esc(cap)}</media:description>\n')
        if cred:
            out.append(f'{pad}  <media:credit role="photographer" scheme="urn:ebu">{esc(cred)}</media:credit>\n')
        out.append(f"{pad}</media:content>\n")


_RSS_OPEN = (
    _XML_DECL_LXML
    + _FEED_PI
    + '<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" version="2.0">\n'
    "  <channel>\n"
)


def _enclosure(images: list[dict]) -> str | None:
    """The lead photo as feedhub's RSS enclosure: ``length="0"`` when unknown, type from the extension."""
    if not images:
        return None
    lead = images[0]
    mime = lead.get("type")
    if not mime:
        _, dot, ext = urlsplit(lead["url"]).path.rpartition(".")
        mime = _IMAGE_TYPES.get(ext.lower()) if dot else None
    if mime is None:
        return None
    return f'      <enclosure url="{attr(to_uri(lead["url"]))}" length="{lead.get("length") or 0}" type="{attr(mime)}"/>\n'


def rss(feed: dict, items: list[dict], now: datetime = corpus.NOW) -> bytes:
    out = [_RSS_OPEN, f"    <title>{esc(feed['title'])}</title>\n", f"    <link>{esc(feed['link'])}</link>\n",
           f"    <description>{esc(feed['description'])}</description>\n",
           f'    <atom:link href="{attr(feed["rss_url"])}" rel="self" type="application/rss+xml"/>\n',
           "    <docs>http://www.rssboard.org/rss-specification</docs>\n",
           f"    <generator>{GENERATOR} {VERSION}</generator>\n", f"    <language>{esc(feed['language'])}</language>\n"]
    last = _last_change(items, now)
    if last is not None:
        stamp = rfc822(last.isoformat())
        out.append(f"    <lastBuildDate>{stamp}</lastBuildDate>\n    <pubDate>{stamp}</pubDate>\n")
    out.append(f"    <ttl>{feed['ttl']}</ttl>\n")
    for d in items:
        out.append(f"    <item>\n      <title>{esc(d['title'])}</title>\n      <link>{esc(to_uri(d['url']))}</link>\n")
        desc, body = summary(d), d.get("content_html")
        if not desc and body:
            desc = d["title"]
        if desc:
            out.append(f"      <description>{esc(desc)}</description>\n")
        if body:
            out.append(f"      <content:encoded>{esc(body)}</content:encoded>\n")
        out.append(f'      <guid isPermaLink="false">{esc(d["id"])}</guid>\n')
        for c in _categories(d):
            out.append(f"      <category>{esc(c)}</category>\n")
        images = d.get("images", ())
        lead = _enclosure(images)
        if lead:
            out.append(lead)
        out.append(f"      <pubDate>{rfc822(clamp(d['published'], now))}</pubDate>\n")
        for au in d.get("authors", ()):
            out.append(f"      <dc:creator>{esc(au['name'])}</dc:creator>\n")
        _media(out, images, "      ")
        for r in d.get("related", ()):
            out.append(f'      <atom:link rel="related" href="{attr(to_uri(r["url"]))}" title="{attr(r["title"])}"/>\n')
        out.append("    </item>\n")
    out.append("  </channel>\n</rss>\n")
    return "".join(out).encode()


def _tag_id(specific: str) -> str:
    return f"tag:{HOST},2024:{specific if _SAFE_ID.match(specific) else quote(specific, safe='')}"


def atom(feed: dict, items: list[dict], now: datetime = corpus.NOW) -> bytes:
    last = _last_change(items, now)
    updated = last.isoformat() if last is not None else "1970-01-01T00:00:00+00:00"
    out = [_XML_DECL_LXML, _FEED_PI,
           f'<feed xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom" xml:lang="{attr(feed["language"])}">\n',
           f"  <id>tag:{HOST},2024:feed/{quote(feed['name'], safe='')}</id>\n", f"  <title>{esc(feed['title'])}</title>\n",
           f"  <updated>{updated}</updated>\n", f"  <author>\n    <name>{esc(feed['author'])}</name>\n  </author>\n",
           f'  <link href="{attr(feed["atom_url"])}" rel="self" type="application/atom+xml"/>\n',
           f'  <link href="{attr(feed["link"])}" rel="alternate" type="text/html"/>\n',
           f'  <generator version="{VERSION}">{GENERATOR}</generator>\n', f"  <subtitle>{esc(feed['description'])}</subtitle>\n"]
    for d in items:
        # Corpus shortcut: stored times are already RFC 3339 with whole-minute offsets.
        out.append(f'  <entry xml:lang="{attr(d["language"])}">\n    <id>{esc(_tag_id(d["id"]))}</id>\n'
                   f"    <title>{esc(d['title'])}</title>\n    <updated>{clamp(d.get('updated') or d['published'], now)}</updated>\n")
        for au in d.get("authors", ()):
            out.append(f"    <author>\n      <name>{esc(au['name'])}</name>\n")
            if "email" in au:
                out.append(f"      <email>{esc(au['email'])}</email>\n")
            if "url" in au:
                out.append(f"      <uri>{esc(to_uri(au['url']))}</uri>\n")
            out.append("    </author>\n")
        body = d.get("content_html")
        if body:
            out.append(f'    <content type="html">{esc(body)}</content>\n')
        out.append(f'    <link href="{attr(to_uri(d["url"]))}" rel="alternate" type="text/html"/>\n')
        for r in d.get("related", ()):
            out.append(f'    <link href="{attr(to_uri(r["url"]))}" rel="related" title="{attr(r["title"])}"/>\n')
        images = d.get("images", ())
        for im in images:
            a = f'    <link href="{attr(to_uri(im["url"]))}" rel="enclosure"'
            if im.get("type"):
                a += f' type="{attr(im["type"])}"'
            if im.get("caption"):
                a += f' title="{attr(im["caption"])}"'
            if "length" in im:
                a += f' length="{im["length"]}"'
            out.append(a + "/>\n")
        s = summary(d)
        if s:
            out.append(f"    <summary>{esc(s)}</summary>\n")
        for c in _categories(d):
            out.append(f'    <category term="{attr(c)}"/>\n')
        out.append(f"    <published>{clamp(d['published'], now)}</published>\n")
        _media(out, images, "    ")
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode()


def w1(db, feeds: list[dict], limit: int, now: datetime = corpus.NOW) -> list[bytes]:
    """RSS + Atom for every feed (*feeds*: plain dicts of the FeedConfig fields plus the filter)."""
    out = []
    for f in feeds:
        items = rows.newest(db, f["key"], f["value"], limit)
        out.append(rss(f, items, now))
        out.append(atom(f, items, now))
    return out


# --- W2: Google News sitemap -------------------------------------------------------------

_NEWS_OPEN = (
    _XML_DECL + '<?xml-stylesheet type="text/xsl" href="feedhub-sitemap.xsl"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
    'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n'
)
_NEWS_LANG = {"id": "id", "en": "en", "en-US": "en", "zh-TW": "zh-tw", "ar": "ar"}  # corpus shortcut


def sesc(s: str) -> str:
    """feedhub's sitemap escaping (``'`` too)."""
    return esc(s).replace('"', "&quot;").replace("'", "&apos;")


def uri(url: str) -> str:
    return url if url.isascii() and " " not in url else quote(url, safe=_URI_SAFE)


def w2(db, now: datetime, publication: str = "GenPI.co") -> bytes:
    items = rows.published_between(db, now - timedelta(hours=48), now)
    name = sesc(publication)
    out = [_NEWS_OPEN]
    for d in items:  # corpus shortcut: every URL is on the site, every title non-empty and clean
        out.append(
            f"  <url>\n    <loc>{sesc(uri(d['url']))}</loc>\n    <news:news>\n      <news:publication>\n"
            f"        <news:name>{name}</news:name>\n        <news:language>{_NEWS_LANG[d['language']]}</news:language>\n"
            f"      </news:publication>\n      <news:publication_date>{d['published']}</news:publication_date>\n"
            f"      <news:title>{sesc(d['title'])}</news:title>\n    </news:news>\n"
        )
        for im in d.get("images", ()):
            out.append(f"    <image:image>\n      <image:loc>{sesc(uri(im['url']))}</image:loc>\n    </image:image>\n")
        out.append("  </url>\n")
    out.append("</urlset>\n")
    return "".join(out).encode()


# --- W3: archive sitemaps + index, gzip ----------------------------------------------------

_SM_OPEN = _XML_DECL + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'


def gzip6(data: bytes) -> bytes:
    """Byte-stable gzip as feedhub writes it (mtime 0, no name, OS 255), in one deflate call."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def w3(db, base_url: str, per_file: int = 50_000, sink=None):
    """Yield (path, gzip bytes) for every shard, then the index.  Corpus shortcut: all lastmods are W3C."""
    cur = db.execute(rows.SITEMAP_SQL)
    listed = []
    while True:
        batch = cur.fetchmany(per_file)
        if not batch:
            break
        parts = [_SM_OPEN]
        newest = None
        for url, lastmod in batch:
            if not url.isascii() or " " in url:
                url = quote(url, safe=_URI_SAFE)
            if "&" in url or "'" in url:
                url = url.replace("&", "&amp;").replace("'", "&apos;")
            parts.append(f"<url><loc>{url}</loc><lastmod>{lastmod}</lastmod></url>\n")
            if newest is None or (lastmod > newest if lastmod[-6:] == newest[-6:] else
                                  datetime.fromisoformat(lastmod) > datetime.fromisoformat(newest)):
                newest = lastmod
        parts.append("</urlset>\n")
        path = f"sitemap-{len(listed) + 1}.xml.gz"
        listed.append((path, newest))
        yield path, gzip6("".join(parts).encode())
    idx = [_XML_DECL, '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for path, lastmod in listed:
        idx.append(f"  <sitemap>\n    <loc>{base_url}{path}</loc>\n    <lastmod>{lastmod}</lastmod>\n  </sitemap>\n")
    idx.append("</sitemapindex>\n")
    yield "sitemap.xml", "".join(idx).encode()
