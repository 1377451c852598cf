"""feedhub.validate, rule by rule: one valid document per kind, one broken sample per rule.

Every sample is a small edit of a hand-written valid document (``edit`` insists that the
text it replaces is there, so a sample cannot silently turn into the valid document).  The
same table feeds three tests: the rule is reported, every rule has a sample, and - for
Atom, sitemaps and indexes - the official schema agrees with us (see ``WHY`` for the
samples where it cannot, and the test that proves those really disagree).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import pytest
from lxml import etree

from conftest import JAKARTA, need_schemas
from feedhub.validate import validate
from feedhub.validate._rules import RULES
from oracles import atom_schema, schema_errors, siteindex_schema, urlset_schema

SITE = "https://genpi.example"
NOW = datetime(2024, 6, 20, 12, 0, tzinfo=JAKARTA)
NS_SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NS_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
NS_IMAGE = "http://www.google.com/schemas/sitemap-image/1.1"

# ---------------------------------------------------------------------------- valid documents

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>GenPI.co</title>
    <link>{SITE}/</link>
    <description>Berita terkini</description>
    <language>id</language>
    <atom:link rel="self" href="{SITE}/rss.xml" type="application/rss+xml"/>
    <lastBuildDate>Thu, 20 Jun 2024 11:00:00 +0700</lastBuildDate>
    <ttl>15</ttl>
    <image><url>{SITE}/logo.png</url><title>GenPI.co</title><link>{SITE}/</link><width>144</width></image>
    <category>berita</category>
    <item>
      <title>Artikel nomor 1</title>
      <link>{SITE}/berita/artikel-1</link>
      <description>Ringkasan artikel 1.</description>
      <content:encoded><![CDATA[<!DOCTYPE html><p>Isi &amp; artikel 1.</p>]]></content:encoded>
      <dc:creator>Redaksi GenPI</dc:creator>
      <category>nasional</category>
      <guid isPermaLink="false">art-1</guid>
      <pubDate>Wed, 19 Jun 2024 09:00:00 +0700</pubDate>
      <enclosure url="{SITE}/img/1.jpg" length="12345" type="image/jpeg"/>
      <media:content url="{SITE}/img/1.jpg" medium="image" type="image/jpeg" width="800" height="450">
        <media:description type="plain">Keterangan foto 1</media:description>
        <media:credit>GenPI/Foto</media:credit>
      </media:content>
      <atom:link rel="related" href="{SITE}/berita/terkait-1" title="Terkait 1"/>
    </item>
    <item>
      <title>Artikel nomor 2</title>
      <link>{SITE}/berita/artikel-2</link>
      <guid>{SITE}/berita/artikel-2</guid>
      <pubDate>Wed, 19 Jun 2024 10:00:00 GMT</pubDate>
    </item>
  </channel>
</rss>
"""

ATOM = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="id">
  <id>{SITE}/atom.xml</id>
  <title>GenPI.co</title>
  <subtitle type="html">Berita &lt;b&gt;terkini&lt;/b&gt;</subtitle>
  <updated>2024-06-20T11:00:00+07:00</updated>
  <author><name>Redaksi GenPI</name><email>redaksi@genpi.example</email></author>
  <link rel="self" type="application/atom+xml" href="{SITE}/atom.xml"/>
  <link rel="alternate" type="text/html" href="{SITE}/"/>
  <generator uri="https://genpi.example/feedhub" version="0.1">feedhub</generator>
  <category term="berita"/>
  <entry>
    <id>tag:genpi.example,2024:art-1</id>
    <title>Artikel nomor 1</title>
    <updated>2024-06-19T09:30:00+07:00</updated>
    <published>2024-06-19T09:00:00+07:00</published>
    <author><name>Budi</name></author>
    <link rel="alternate" type="text/html" href="{SITE}/berita/artikel-1"/>
    <link rel="enclosure" type="image/jpeg" length="12345" href="{SITE}/img/1.jpg"/>
    <link rel="related" href="{SITE}/berita/terkait-1" title="Terkait 1"/>
    <summary>Ringkasan artikel 1.</summary>
    <content type="html">&lt;p&gt;Isi artikel 1.&lt;/p&gt;</content>
    <category term="nasional" label="Nasional"/>
    <media:thumbnail url="{SITE}/img/1-small.jpg"/>
  </entry>
  <entry>
    <id>tag:genpi.example,2024:art-2</id>
    <title type="text">Artikel nomor 2</title>
    <updated>2024-06-19T10:00:00Z</updated>
    <link href="{SITE}/berita/artikel-2"/>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Isi <b>artikel</b> 2.</p></div></content>
  </entry>
</feed>
"""

SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="{NS_SITEMAP}">
  <url>
    <loc>{SITE}/berita/artikel-1</loc>
    <lastmod>2024-06-19T09:30:00+07:00</lastmod>
    <changefreq>daily</changefreq>
    <priority>0.8</priority>
  </url>
  <url>
    <loc>{SITE}/berita/artikel-2?halaman=2&amp;urut=baru</loc>
    <lastmod>2024-06-19</lastmod>
  </url>
</urlset>
"""

NEWS = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="{NS_SITEMAP}" xmlns:news="{NS_NEWS}" xmlns:image="{NS_IMAGE}">
  <url>
    <loc>{SITE}/berita/artikel-1</loc>
    <lastmod>2024-06-20T09:30:00+07:00</lastmod>
    <news:news>
      <news:publication>
        <news:name>GenPI.co</news:name>
        <news:language>id</news:language>
      </news:publication>
      <news:publication_date>2024-06-20T09:00:00+07:00</news:publication_date>
      <news:title>Artikel nomor 1 &amp; "kutipan"</news:title>
    </news:news>
    <image:image>
      <image:loc>{SITE}/img/1.jpg</image:loc>
    </image:image>
  </url>
  <url>
    <loc>{SITE}/berita/artikel-2</loc>
    <news:news>
      <news:publication>
        <news:name>GenPI.co</news:name>
        <news:language>id</news:language>
      </news:publication>
      <news:publication_date>2024-06-19T13:00:00Z</news:publication_date>
      <news:title>Artikel nomor 2</news:title>
    </news:news>
  </url>
</urlset>
"""

INDEX = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="{NS_SITEMAP}">
  <sitemap>
    <loc>{SITE}/sitemap-1.xml.gz</loc>
    <lastmod>2024-06-20T11:00:00+07:00</lastmod>
  </sitemap>
  <sitemap>
    <loc>{SITE}/sitemap-2.xml.gz</loc>
  </sitemap>
</sitemapindex>
"""

ROBOTS = f"User-agent: *\nDisallow: /cari\n\n# feedhub\nSitemap: {SITE}/sitemap-index.xml\nSitemap: {SITE}/news-sitemap.xml\n"

BASES = {"rss": RSS, "atom": ATOM, "sitemap": SITEMAP, "news-sitemap": NEWS, "sitemap-index": INDEX, "robots": ROBOTS}


def edit(base: str, *changes: tuple[str, str], count: int = 1) -> str:
    """*base* with each ``(old, new)`` applied; *old* must be there (else the sample is a lie)."""
    for old, new in changes:
        assert old in base, f"sample edit does not apply: {old!r}"
        base = base.replace(old, new, count)
    return base


def check(data: bytes | str, kind: str | None, **kw):
    """validate() as the build calls it: with a clock and the site URL."""
    if isinstance(data, str):
        data = data.encode()
    kw.setdefault("now", NOW)
    kw.setdefault("site_url", SITE)
    return validate(data, kind, **kw)


def errors(problems) -> list:
    return [p for p in problems if p.severity == "error"]


# ---------------------------------------------------------------------------- the table

#: Why a sample stays out of the schema agreement test.
STRICTER = "stricter than the schema"  # the spec text says more than the XSD/RNG can
LOOSER = "looser than the schema"  # we warn where the schema fails
NOT_SCHEMA = "not a schema question"  # bytes, parsing, limits, clock


@dataclass(frozen=True)
class Sample:
    id: str
    kind: str
    text: str | bytes
    rule: str
    #: None: in the agreement set.  Otherwise (STRICTER/LOOSER/NOT_SCHEMA, reason).
    why: tuple[str, str] | None = None
    kwargs: dict = field(default_factory=dict)

    @property
    def data(self) -> bytes:
        return self.text.encode() if isinstance(self.text, str) else self.text


def S(id, kind, changes, rule, why=None, count=1, **kw) -> Sample:
    text = edit(BASES[kind], *changes, count=count) if isinstance(changes, list) else changes
    return Sample(id, kind, text, rule, why, kw)


def _news_many_images(n: int) -> str:
    img = f"<image:image><image:loc>{SITE}/img/x.jpg</image:loc></image:image>"
    return edit(NEWS, ("</image:image>\n  </url>", "</image:image>" + img * n + "\n  </url>"))


def _index_entries(n: int) -> str:
    body = "".join(f"<sitemap><loc>{SITE}/sitemap-{i}.xml</loc></sitemap>" for i in range(n))
    return f'<sitemapindex xmlns="{NS_SITEMAP}">{body}</sitemapindex>'


_BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10))
    + "]>\n<rss version=\"2.0\"><channel><title>&lol9;</title></channel></rss>\n"
)

SAMPLES: list[Sample] = [
    # --- any document
    S("gzip-truncated", "sitemap", gzip.compress(SITEMAP.encode())[:-12], "xml.gzip", (NOT_SCHEMA, "not XML at all")),
    S("encoding-declared", "sitemap", [('encoding="UTF-8"', 'encoding="ISO-8859-1"')], "sitemap.encoding", (NOT_SCHEMA, "bytes, before any XML")),
    S("encoding-not-utf8", "rss", [('encoding="UTF-8"', 'encoding="ISO-8859-1"')], "xml.utf8"),
    S("encoding-unknown", "rss", [('encoding="UTF-8"', 'encoding="x-no-such"')], "xml.encoding"),
    S("encoding-bytes", "sitemap", SITEMAP.encode().replace(b"artikel-1", b"artikel-\xe9"), "xml.encoding", (NOT_SCHEMA, "bytes, before any XML")),
    S("doctype", "rss", _BILLION_LAUGHS, "xml.doctype", (NOT_SCHEMA, "refused before parsing")),
    S("well-formed", "sitemap", [("</lastmod>", "</lastmodd>")], "xml.well-formed", (NOT_SCHEMA, "the oracle cannot parse it either")),
    S("root-namespace", "sitemap", [(f' xmlns="{NS_SITEMAP}"', "")], "xml.namespace"),
    S("namespace-root", "rss", [(' xmlns:media="http://search.yahoo.com/mrss/"', ""), ("<media:content ", '<media:content xmlns:media="http://search.yahoo.com/mrss/" ')], "publish.namespace-root"),
    S("namespace-root-unknown", "rss", [("<ttl>", '<x:y xmlns:x="urn:example:x">1</x:y><ttl>')], "publish.namespace-root"),
    S("namespace-root-spec", "rss", [("<ttl>", '<x:y xmlns:x="urn:example:x">1</x:y><ttl>')], "xml.namespace-root", profile="spec"),
    S("kind-unknown", "rss", "<html><body/></html>", "kind.unknown", (NOT_SCHEMA, "no schema for <html>")),
    S("kind-mismatch", "rss", ATOM, "kind.mismatch", (NOT_SCHEMA, "an Atom feed published as RSS")),
    S("max-bytes", "sitemap", [], "sitemap.max-bytes", (NOT_SCHEMA, "a size limit"), max_bytes=200),
    # --- RSS 2.0 (no official schema: never in the agreement set)
    S("rss-version", "rss", [('version="2.0"', 'version="0.91"')], "rss.version"),
    S("rss-two-channels", "rss", [("</channel>", "</channel><channel><title>x</title></channel>")], "rss.channel"),
    S("rss-channel-title", "rss", [("<title>GenPI.co</title>", "<title> </title>")], "rss.channel.title"),
    S("rss-channel-link", "rss", [(f"<link>{SITE}/</link>", "<link>/index.html</link>")], "rss.channel.link"),
    S("rss-channel-description", "rss", [("<description>Berita terkini</description>", "")], "rss.channel.description"),
    S("rss-channel-image", "rss", [(f"<title>GenPI.co</title><link>{SITE}/</link>", "<title>GenPI.co</title>")], "rss.channel.image"),
    S("rss-duplicate", "rss", [("<ttl>15</ttl>", "<ttl>15</ttl><ttl>30</ttl>")], "rss.duplicate"),
    S("rss-unknown", "rss", [("<ttl>15</ttl>", "<ttl>15</ttl><updated>today</updated>")], "rss.unknown-element"),
    S("rss-language", "rss", [("<language>id</language>", "<language>bahasa indonesia</language>")], "rss.language"),
    S("rss-date-year", "rss", [("19 Jun 2024 09:00:00", "19 Jun 24 09:00:00")], "rss.date-year4"),
    S("rss-date-year-spec", "rss", [("19 Jun 2024 09:00:00", "19 Jun 24 09:00:00")], "rss.date-year", profile="spec"),
    S("rss-date-zone", "rss", [("10:00:00 GMT", "10:00:00")], "rss.date"),
    S("rss-date-weekday", "rss", [("Wed, 19 Jun 2024 09", "Fri, 19 Jun 2024 09")], "rss.date"),
    S("rss-ttl", "rss", [("<ttl>15</ttl>", "<ttl>soon</ttl>")], "rss.ttl"),
    S("rss-category", "rss", [("<category>nasional</category>", "<category></category>")], "rss.category"),
    S("rss-email", "rss", [("<ttl>", "<managingEditor>Redaksi</managingEditor><ttl>")], "rss.email"),
    S("rss-self-missing", "rss", [(f'<atom:link rel="self" href="{SITE}/rss.xml" type="application/rss+xml"/>', "")], "rss.atom-self"),
    S("rss-self-type", "rss", [(' type="application/rss+xml"', "")], "rss.atom-self-type"),
    S("rss-atom-link", "rss", [(f'href="{SITE}/berita/terkait-1"', 'href="terkait 1"')], "rss.atom-link"),
    S("rss-docs", "rss", [("<ttl>", "<docs>the RSS spec</docs><ttl>")], "rss.docs"),
    S("rss-cloud", "rss", [("<ttl>", '<cloud domain="rpc.example" port="0" path="/RPC2" registerProcedure="x.y" protocol="xml-rpc"/><ttl>')], "rss.cloud"),
    S("rss-skip-hours", "rss", [("<ttl>", "<skipHours><hour>24</hour></skipHours><ttl>")], "rss.skip-hours"),
    S("rss-skip-days", "rss", [("<ttl>", "<skipDays><day>Funday</day></skipDays><ttl>")], "rss.skip-days"),
    S("rss-text-input", "rss", [("<ttl>", "<textInput><title>Cari</title></textInput><ttl>")], "rss.text-input"),
    S("rss-item-empty", "rss", [("<title>Artikel nomor 2</title>", "")], "rss.item.title-or-description"),
    S("rss-item-link", "rss", [(f"<link>{SITE}/berita/artikel-1</link>", "<link>berita/artikel-1</link>")], "rss.item.link"),
    S("rss-item-guid", "rss", [('<guid isPermaLink="false">art-1</guid>', "")], "rss.item.guid"),
    S("rss-item-guid-spec", "rss", [('<guid isPermaLink="false">art-1</guid>', "")], "rss.item.guid-missing", profile="spec"),
    S("rss-guid-unique", "rss", [(f"<guid>{SITE}/berita/artikel-2</guid>", f"<guid>{SITE}/berita/artikel-2</guid>"), ('<guid isPermaLink="false">art-1</guid>', f"<guid>{SITE}/berita/artikel-2</guid>")], "rss.item.guid-unique"),
    S("rss-guid-permalink", "rss", [(' isPermaLink="false"', "")], "rss.item.guid-permalink"),
    S("rss-guid-permalink-value", "rss", [('isPermaLink="false"', 'isPermaLink="no"')], "rss.item.guid-permalink"),
    S("rss-enclosure", "rss", [('length="12345"', 'length="12 KB"')], "rss.item.enclosure"),
    S("rss-enclosure-count", "rss", [("<enclosure ", f'<enclosure url="{SITE}/a.mp3" length="0" type="audio/mpeg"/><enclosure ')], "rss.item.enclosure-count"),
    S("media-url", "rss", [(f'<media:content url="{SITE}/img/1.jpg"', '<media:content url="img/1.jpg"')], "media.content.url"),
    S("media-medium", "rss", [('medium="image"', 'medium="picture"')], "media.content.medium"),
    S("media-number", "rss", [('width="800"', 'width="800px"')], "media.content.number"),
    S("media-value", "rss", [('medium="image"', 'medium="image" isDefault="yes"')], "media.content.value"),
    S("media-parent", "rss", [("<ttl>", f'<media:content url="{SITE}/img/logo.png"/><ttl>')], "media.content.parent"),
    S("media-description-type", "rss", [('type="plain"', 'type="text"')], "media.description.type"),
    S("media-thumbnail", "rss", [("<media:credit>", "<media:thumbnail/><media:credit>")], "media.thumbnail.url"),
    S("media-unknown", "rss", [("<media:credit>", "<media:caption>x</media:caption><media:credit>")], "media.unknown-element"),
    # --- Atom (RFC 4287)
    S("atom-feed-id", "atom", [(f"<id>{SITE}/atom.xml</id>", "")], "atom.feed.id"),
    S("atom-feed-title", "atom", [("<title>GenPI.co</title>", "<title>GenPI.co</title><title>GenPI</title>")], "atom.feed.title"),
    S("atom-feed-updated", "atom", [("<updated>2024-06-20T11:00:00+07:00</updated>", "")], "atom.feed.updated"),
    S("atom-entry-id", "atom", [("<id>tag:genpi.example,2024:art-2</id>", "")], "atom.entry.id"),
    S("atom-entry-title", "atom", [("<title>Artikel nomor 1</title>", "")], "atom.entry.title"),
    S("atom-entry-updated", "atom", [("<updated>2024-06-19T10:00:00Z</updated>", "<updated>2024-06-19T10:00:00Z</updated><updated>2024-06-19T11:00:00Z</updated>")], "atom.entry.updated"),
    S("atom-id-relative", "atom", [("<id>tag:genpi.example,2024:art-1</id>", "<id>art-1</id>")], "atom.id", (STRICTER, "RFC 4287 §4.2.6 wants an IRI; the schema's atomUri is any text")),
    S("atom-id-child", "atom", [("<id>tag:genpi.example,2024:art-1</id>", "<id>tag:genpi.example,2024:<b/>art-1</id>")], "atom.id"),
    S("atom-date-format", "atom", [("<published>2024-06-19T09:00:00+07:00", "<published>2024-06-19 09:00:00+07:00")], "atom.date"),
    S("atom-date-no-zone", "atom", [("<published>2024-06-19T09:00:00+07:00", "<published>2024-06-19T09:00:00")], "atom.date", (STRICTER, "RFC 3339 needs a zone; xsd:dateTime does not")),
    S("atom-author", "atom", [("<author><name>Redaksi GenPI</name><email>redaksi@genpi.example</email></author>", "")], "atom.author"),
    S("atom-id-unique", "atom", [("<id>tag:genpi.example,2024:art-2</id>", "<id>tag:genpi.example,2024:art-1</id>")], "atom.entry.id-unique", (STRICTER, "RFC 4287 §4.2.6 prose; no schema can say it")),
    S("atom-id-repeat", "atom", [("<id>tag:genpi.example,2024:art-2</id>", "<id>tag:genpi.example,2024:art-1</id>"), ("<updated>2024-06-19T10:00:00Z</updated>", "<updated>2024-06-19T09:30:00+07:00</updated>")], "atom.entry.id-repeat", profile="spec"),
    S("atom-iri", "atom", [(f'href="{SITE}/berita/terkait-1"', 'href="terkait 1"')], "atom.iri", (STRICTER, "the schema's atomUri is any text")),
    S("atom-email", "atom", [("<email>redaksi@genpi.example</email>", "<email>redaksi@genpi.example (Redaksi)</email>")], "atom.email", (STRICTER, "the schema's email pattern is looser than RFC 2822")),
    S("atom-xhtml-foreign", "atom", [("<b>artikel</b>", '<svg xmlns="http://www.w3.org/2000/svg"/>')], "atom.xhtml-foreign"),
    S("atom-alternate", "atom", [(f'<link href="{SITE}/berita/artikel-2"/>', f'<link rel="related" href="{SITE}/berita/artikel-2"/>'), ('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Isi <b>artikel</b> 2.</p></div></content>', "")], "atom.entry.alternate"),
    S("atom-summary", "atom", [('<summary>Ringkasan artikel 1.</summary>', ""), ('<content type="html">&lt;p&gt;Isi artikel 1.&lt;/p&gt;</content>', f'<content type="video/mp4" src="{SITE}/v/1.mp4"/>')], "atom.entry.summary", (STRICTER, "RFC 4287 §4.1.1.1 prose; not in the schema")),
    S("atom-link-href", "atom", [(f'<link rel="related" href="{SITE}/berita/terkait-1" title="Terkait 1"/>', '<link rel="related" title="Terkait 1"/>')], "atom.link.href"),
    S("atom-link-type", "atom", [('<link rel="alternate" type="text/html" href="https://genpi.example/"/>', '<link rel="alternate" type="html" href="https://genpi.example/"/>')], "atom.link.type"),
    S("atom-alternate-duplicate", "atom", [(f'<link rel="alternate" type="text/html" href="{SITE}/"/>', f'<link rel="alternate" type="text/html" href="{SITE}/"/><link type="text/html" href="{SITE}/beranda"/>')], "atom.link.alternate-duplicate", (STRICTER, "RFC 4287 §4.1.1 prose; not in the schema")),
    S("atom-content-markup", "atom", [('<content type="html">&lt;p&gt;Isi artikel 1.&lt;/p&gt;</content>', '<content type="html"><p>Isi artikel 1.</p></content>')], "atom.content"),
    S("atom-content-src-type", "atom", [('<content type="html">&lt;p&gt;Isi artikel 1.&lt;/p&gt;</content>', f'<content type="html" src="{SITE}/berita/artikel-1"/>')], "atom.content"),
    S("atom-text-xhtml", "atom", [('<title type="text">Artikel nomor 2</title>', '<title type="xhtml">Artikel nomor 2</title>')], "atom.text"),
    S("atom-category-term", "atom", [('<category term="nasional" label="Nasional"/>', '<category label="Nasional"/>')], "atom.category.term"),
    S("atom-person", "atom", [("<author><name>Budi</name></author>", "<author><email>budi@genpi.example</email></author>")], "atom.person"),
    S("atom-cardinality", "atom", [("<summary>Ringkasan artikel 1.</summary>", "<summary>Ringkasan artikel 1.</summary><summary>Lagi</summary>")], "atom.cardinality"),
    S("atom-unknown", "atom", [("<category term=\"berita\"/>", "<category term=\"berita\"/><description>x</description>")], "atom.unknown-element"),
    S("atom-attribute", "atom", [('<category term="berita"/>', '<category term="berita" lang="id"/>')], "atom.attribute"),
    S("atom-order", "atom", [("</feed>", "<rights>GenPI</rights></feed>")], "atom.order"),
    S("atom-stray-text", "atom", [("<generator ", "Judul<generator ")], "atom.stray-text"),
    S("atom-self", "atom", [(f'<link rel="self" type="application/atom+xml" href="{SITE}/atom.xml"/>', "")], "atom.self"),
    S("atom-lang", "atom", [('xml:lang="id"', 'xml:lang="id_ID"')], "atom.lang"),
    # --- sitemaps.org
    S("sitemap-empty", "sitemap", f'<urlset xmlns="{NS_SITEMAP}"></urlset>', "sitemap.empty", (LOOSER, "the XSD wants one url; an empty news sitemap is normal on a quiet day")),
    S("sitemap-order", "sitemap", [("<changefreq>daily</changefreq>\n    <priority>0.8</priority>", "<priority>0.8</priority>\n    <changefreq>daily</changefreq>")], "sitemap.structure"),
    S("sitemap-unknown", "sitemap", [("<priority>0.8</priority>", "<priority>0.8</priority><title>x</title>")], "sitemap.structure"),
    S("sitemap-attribute", "sitemap", [("<url>", '<url id="1">')], "sitemap.structure"),
    S("sitemap-text", "sitemap", [("</priority>", "</priority>teks")], "sitemap.structure"),
    S("sitemap-no-loc", "sitemap", [(f"<loc>{SITE}/berita/artikel-1</loc>", "")], "sitemap.url.loc"),
    S("sitemap-two-locs", "sitemap", [(f"<loc>{SITE}/berita/artikel-1</loc>", f"<loc>{SITE}/berita/artikel-1</loc><loc>{SITE}/berita/artikel-9</loc>")], "sitemap.url.loc"),
    S("loc-relative", "sitemap", [(f"<loc>{SITE}/berita/artikel-1</loc>", "<loc>/berita/artikel-1</loc>")], "sitemap.loc-absolute", (STRICTER, "xsd:anyURI takes relative references")),
    S("loc-ftp", "sitemap", [(f"<loc>{SITE}/berita/artikel-1</loc>", "<loc>ftp://genpi.example/berita/artikel-1</loc>")], "sitemap.loc-absolute", (STRICTER, "xsd:anyURI takes any scheme")),
    S("loc-space", "sitemap", [("artikel-1</loc>", "artikel 1</loc>")], "sitemap.loc-whitespace", (STRICTER, "libxml2 escapes spaces before checking anyURI")),
    S("loc-non-ascii", "sitemap", [("artikel-1</loc>", "artikel-é</loc>")], "sitemap.loc-escaped", (STRICTER, "xsd:anyURI takes IRIs; sitemaps.org wants them escaped")),
    S("loc-bad-escape", "sitemap", [("artikel-1</loc>", "artikel-%zz</loc>")], "sitemap.loc-escaped"),
    S("loc-short", "sitemap", [(f"<loc>{SITE}/berita/artikel-1</loc>", "<loc>http://a.io</loc>")], "sitemap.loc-length", site_url=None),
    S("loc-long", "sitemap", [("artikel-1</loc>", "artikel-1" + "x" * 2048 + "</loc>")], "sitemap.loc-length"),
    S("loc-host", "sitemap", [(f"<loc>{SITE}/berita/artikel-1</loc>", "<loc>https://lain.example/berita/artikel-1</loc>")], "sitemap.loc-host", (STRICTER, "the schema knows nothing of our site")),
    S("loc-unique", "sitemap", [("artikel-2?halaman=2&amp;urut=baru", "artikel-1")], "sitemap.loc-unique"),
    S("lastmod-date", "sitemap", [("<lastmod>2024-06-19</lastmod>", "<lastmod>2023-02-29</lastmod>")], "sitemap.lastmod"),
    S("lastmod-no-zone", "sitemap", [("<lastmod>2024-06-19</lastmod>", "<lastmod>2024-06-19T10:00:00</lastmod>")], "sitemap.lastmod", (STRICTER, "W3C Datetime needs a zone with a time; xsd:dateTime does not")),
    S("changefreq", "sitemap", [("<changefreq>daily</changefreq>", "<changefreq>Daily</changefreq>")], "sitemap.changefreq"),
    S("priority", "sitemap", [("<priority>0.8</priority>", "<priority>1.5</priority>")], "sitemap.priority"),
    S("max-urls", "sitemap", [], "sitemap.max-urls", (NOT_SCHEMA, "a configured limit"), max_urls=1),
    S("foreign", "sitemap", [("</priority>", '</priority><video:video xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"/>')], "sitemap.foreign", (LOOSER, "strict wildcards fail without the video schema"), profile="spec"),
    # --- Google News and Image
    S("news-missing", "news-sitemap", [("<news:news>\n      <news:publication>\n        <news:name>GenPI.co</news:name>\n        <news:language>id</news:language>\n      </news:publication>\n      <news:publication_date>2024-06-19T13:00:00Z</news:publication_date>\n      <news:title>Artikel nomor 2</news:title>\n    </news:news>", "")], "news.news", (STRICTER, "news:news is optional in a urlset")),
    S("news-order", "news-sitemap", [("<news:publication_date>2024-06-20T09:00:00+07:00</news:publication_date>\n      <news:title>Artikel nomor 1 &amp; \"kutipan\"</news:title>", "<news:title>Artikel nomor 1</news:title>\n      <news:publication_date>2024-06-20T09:00:00+07:00</news:publication_date>")], "news.structure"),
    S("news-publication", "news-sitemap", [("<news:publication>\n        <news:name>GenPI.co</news:name>\n        <news:language>id</news:language>\n      </news:publication>", "")], "news.publication"),
    S("news-name-missing", "news-sitemap", [("<news:name>GenPI.co</news:name>", "")], "news.name"),
    S("news-name-empty", "news-sitemap", [("<news:name>GenPI.co</news:name>", "<news:name> </news:name>")], "news.name", (STRICTER, "xsd:string may be blank")),
    S("news-language-case", "news-sitemap", [("<news:language>id</news:language>", "<news:language>ID</news:language>")], "news.language"),
    S("news-language-unknown", "news-sitemap", [("<news:language>id</news:language>", "<news:language>in</news:language>")], "news.language", (STRICTER, "'in' (old Indonesian code) fits [a-z]{2,3} but is not ISO 639-1")),
    S("news-language-zh", "news-sitemap", [("<news:language>id</news:language>", "<news:language>zh</news:language>")], "news.language", (STRICTER, "Google wants zh-cn or zh-tw for Chinese")),
    S("news-date-format", "news-sitemap", [("2024-06-20T09:00:00+07:00</news:publication_date>", "20 Juni 2024</news:publication_date>")], "news.publication-date"),
    S("news-date-month", "news-sitemap", [("2024-06-20T09:00:00+07:00</news:publication_date>", "2024-06</news:publication_date>")], "news.publication-date"),
    S("news-title-missing", "news-sitemap", [("<news:title>Artikel nomor 2</news:title>", "")], "news.title"),
    S("news-title-empty", "news-sitemap", [("<news:title>Artikel nomor 2</news:title>", "<news:title></news:title>")], "news.title", (STRICTER, "xsd:string may be empty")),
    S("news-window-old", "news-sitemap", [("2024-06-19T13:00:00Z</news:publication_date>", "2024-06-17T13:00:00Z</news:publication_date>")], "news.window", (NOT_SCHEMA, "depends on the clock")),
    S("news-window-future", "news-sitemap", [("2024-06-20T09:00:00+07:00</news:publication_date>", "2024-06-20T12:30:00+07:00</news:publication_date>")], "news.window", (NOT_SCHEMA, "depends on the clock")),
    S("news-window-spec", "news-sitemap", [("2024-06-19T13:00:00Z</news:publication_date>", "2024-06-17T13:00:00Z</news:publication_date>")], "news.window-stale", (NOT_SCHEMA, "depends on the clock"), profile="spec"),
    S("news-max-urls", "news-sitemap", [], "news.max-urls", (NOT_SCHEMA, "a configured limit"), news_max_urls=1),
    S("news-deprecated", "news-sitemap", [("<news:title>Artikel nomor 2</news:title>", "<news:title>Artikel nomor 2</news:title><news:keywords>politik, pemilu</news:keywords>")], "news.deprecated"),
    S("image-loc-missing", "news-sitemap", [(f"<image:loc>{SITE}/img/1.jpg</image:loc>", "")], "image.loc"),
    S("image-loc-relative", "news-sitemap", [(f"<image:loc>{SITE}/img/1.jpg</image:loc>", "<image:loc>img/1.jpg</image:loc>")], "image.loc", (STRICTER, "xsd:anyURI takes relative references")),
    S("image-max", "news-sitemap", _news_many_images(1000), "image.max", (STRICTER, "the 1,000 limit is in the schema's prose only")),
    S("image-order", "news-sitemap", [(f"<image:loc>{SITE}/img/1.jpg</image:loc>", f"<image:caption>Foto</image:caption><image:loc>{SITE}/img/1.jpg</image:loc>")], "image.structure"),
    S("image-deprecated", "news-sitemap", [(f"<image:loc>{SITE}/img/1.jpg</image:loc>", f"<image:loc>{SITE}/img/1.jpg</image:loc><image:caption>Foto</image:caption>")], "image.deprecated"),
    # --- sitemap index
    S("index-empty", "sitemap-index", f'<sitemapindex xmlns="{NS_SITEMAP}"/>', "index.empty", (LOOSER, "the XSD wants one sitemap; an empty index only warns")),
    S("index-order", "sitemap-index", [(f"<loc>{SITE}/sitemap-1.xml.gz</loc>\n    <lastmod>2024-06-20T11:00:00+07:00</lastmod>", f"<lastmod>2024-06-20T11:00:00+07:00</lastmod>\n    <loc>{SITE}/sitemap-1.xml.gz</loc>")], "index.structure"),
    S("index-loc", "sitemap-index", [(f"<loc>{SITE}/sitemap-2.xml.gz</loc>", "")], "index.loc"),
    S("index-loc-host", "sitemap-index", [(f"<loc>{SITE}/sitemap-2.xml.gz</loc>", "<loc>https://cdn.genpi.example/sitemap-2.xml.gz</loc>")], "index.loc-host"),
    S("index-lastmod", "sitemap-index", [("2024-06-20T11:00:00+07:00", "2024-06-20T25:00:00+07:00")], "sitemap.lastmod"),
    S("index-max", "sitemap-index", _index_entries(50_001), "index.max-entries", (NOT_SCHEMA, "a count limit the XSD only mentions")),
    # --- robots.txt
    S("robots-encoding", "robots", ROBOTS.encode() + b"# caf\xe9\n", "robots.encoding"),
    S("robots-max-bytes", "robots", "#" * 600_000 + "\n" + ROBOTS, "robots.max-bytes"),
    S("robots-syntax", "robots", [("Disallow: /cari", "Disallow /cari")], "robots.syntax"),
    S("robots-sitemap-url", "robots", [(f"Sitemap: {SITE}/news-sitemap.xml", "Sitemap: /news-sitemap.xml")], "robots.sitemap-url"),
    S("robots-no-sitemap", "robots", "User-agent: *\nDisallow:\n", "robots.no-sitemap"),
]


# ---------------------------------------------------------------------------- oracles

_SCHEMATRON_NS = {"s": "http://www.ascc.net/xml/schematron"}
_ATOM_NS = {"atom": "http://www.w3.org/2005/Atom"}


@cache
def _atom_schematron() -> list[tuple[str, str]]:
    """The RFC's own Schematron asserts, read from atom.rng (RELAX NG skips them)."""
    rng = etree.parse(str(need_schemas() / "atom.rng"))
    return [(r.get("context"), a.get("test")) for r in rng.iterfind(".//s:rule", _SCHEMATRON_NS) for a in r.iterfind("s:assert", _SCHEMATRON_NS)]


def official_errors(data: bytes, kind: str) -> list[str]:
    """What the official schemas say about *data*; empty means valid."""
    if kind == "atom":
        found = schema_errors(data, atom_schema())
        doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
        for context, test in _atom_schematron():
            for node in doc.xpath(f"descendant-or-self::{context}", namespaces=_ATOM_NS):
                if not node.xpath(f"boolean({test})", namespaces=_ATOM_NS):
                    found.append(f"{node.sourceline}: schematron: {test}")
        return found
    if kind in ("sitemap", "news-sitemap"):
        return schema_errors(data, urlset_schema())
    return schema_errors(data, siteindex_schema())


SCHEMA_KINDS = ("atom", "sitemap", "news-sitemap", "sitemap-index")
AGREEMENT = [s for s in SAMPLES if s.kind in SCHEMA_KINDS and s.why is None]
EXCLUDED = [s for s in SAMPLES if s.kind in SCHEMA_KINDS and s.why and s.why[0] in (STRICTER, LOOSER)]

# ---------------------------------------------------------------------------- tests


@pytest.mark.parametrize("kind", BASES)
def test_valid_documents_have_no_problems(kind):
    assert check(BASES[kind], kind) == []


@pytest.mark.parametrize("kind", BASES)
def test_valid_documents_detected_without_kind(kind):
    assert check(BASES[kind], None) == []


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_valid_documents_pass_the_official_schema(kind):
    assert official_errors(BASES[kind].encode(), kind) == []


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_rule_is_reported(sample):
    problems = check(sample.data, sample.kind, **sample.kwargs)
    found = {p.rule for p in problems}
    assert sample.rule in found, [str(p) for p in problems]
    severity = {p.severity for p in problems if p.rule == sample.rule}
    assert severity == {RULES[sample.rule].severity}


def test_every_rule_has_a_sample():
    assert sorted(set(RULES) - {s.rule for s in SAMPLES}) == []


def test_publish_rules_stay_silent_under_spec():
    for s in SAMPLES:
        if RULES[s.rule].profile == "publish":
            kw = {**s.kwargs, "profile": "spec"}
            assert s.rule not in {p.rule for p in check(s.data, s.kind, **kw)}, s.id


def test_sample_ids_are_unique():
    ids = [s.id for s in SAMPLES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("sample", AGREEMENT + [Sample(f"valid-{k}", k, BASES[k], "") for k in SCHEMA_KINDS], ids=lambda s: s.id)
def test_agrees_with_official_schema(sample):
    ours = errors(check(sample.data, sample.kind, **sample.kwargs))
    theirs = official_errors(sample.data, sample.kind)
    assert (ours == []) == (theirs == []), f"ours: {[str(p) for p in ours]}\nschema: {theirs}"


@pytest.mark.parametrize("sample", EXCLUDED, ids=lambda s: s.id)
def test_excluded_samples_really_disagree(sample):
    """Each exclusion from the agreement test is needed, and in the stated direction."""
    ours = errors(check(sample.data, sample.kind, **sample.kwargs))
    theirs = official_errors(sample.data, sample.kind)
    if sample.why[0] == STRICTER:
        assert ours and theirs == [], theirs
    else:
        assert ours == [] and theirs, [str(p) for p in ours]
