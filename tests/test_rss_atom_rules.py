"""RSS and Atom rules one at a time: hostile text, photos, authors, order, dates, ids, namespaces, locale."""

from __future__ import annotations

import dataclasses
import locale
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import feedparser
import pytest

from conftest import JAKARTA, make_article, seed_record
from feedhub.contract import parse_article
from feedhub.model import Author, Image, RelatedLink
from feedhub.render.atom import render_atom
from feedhub.render.rss import render_rss
from oracles import atom_schema, schema_errors
from test_rss_atom import NOW, NS, assert_atom_schematron_rules, atom, feed_config, rss, seed_article, texts, xml

RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
HOSTILE = "Tom & Jerry <b>bold</b> ]]> \"double\" 'single' “curly” ‘quotes’ 🦊👩‍👩‍👧 مرحبا بالعالم שלום עולם"
HOSTILE_HTML = "<p>a &amp; b &lt; c ]]&gt; and a raw ]]> too, \"q\" 🦊 مرحبا שלום</p><script>if (a < b && c) {}</script>"


def atom_valid(data: bytes) -> None:
    assert schema_errors(data, atom_schema()) == []
    assert_atom_schematron_rules(xml(data))


def item(data: bytes):
    (it,) = xml(data).xpath("/rss/channel/item")
    return it


def entry(data: bytes):
    (en,) = xml(data).xpath("/a:feed/a:entry", namespaces=NS)
    return en


# --- hostile text ------------------------------------------------------------------------------


def _hostile_article():
    return make_article(
        title=HOSTILE,
        summary=HOSTILE,
        content_html=HOSTILE_HTML,
        authors=(Author(name=HOSTILE),),
        tags=("<&>", HOSTILE),
        images=(Image(url="https://genpi.example/img/a.jpg?x=1&y=2", caption=HOSTILE, credit='Foto: "Ali" & <Co> ]]>'),),
        related=(RelatedLink(url="https://genpi.example/b?p=1&q=2", title=HOSTILE),),
    )


def test_hostile_text_survives_rss_intact():
    a = _hostile_article()
    data = rss([a])
    assert b"CDATA" not in data and b"]]>" not in data
    it = item(data)
    assert texts(it, "title") == texts(it, "description") == [HOSTILE]
    assert texts(it, "content:encoded") == [HOSTILE_HTML]
    assert texts(it, "dc:creator") == [HOSTILE]
    assert texts(it, "category") == ["nasional", "<&>", HOSTILE]
    assert texts(it, "media:content/media:description") == [HOSTILE]
    assert texts(it, "media:content/media:credit") == ['Foto: "Ali" & <Co> ]]>']
    assert it.xpath("media:content/@url", namespaces=NS) == ["https://genpi.example/img/a.jpg?x=1&y=2"]
    assert it.xpath("atom:link[@rel='related']/@title", namespaces=NS) == [HOSTILE]
    assert it.xpath("atom:link[@rel='related']/@href", namespaces=NS) == ["https://genpi.example/b?p=1&q=2"]
    d = feedparser.parse(data)
    assert d.bozo == 0, d.get("bozo_exception")
    assert d.entries[0].title == HOSTILE
    # feedparser's sanitizer drops the <script>; everything else comes back as written.
    assert d.entries[0].content[0].value == HOSTILE_HTML.split("<script>")[0]
    assert d.entries[0].media_credit[0]["content"] == 'Foto: "Ali" & <Co> ]]>'


def test_hostile_text_survives_atom_intact():
    a = _hostile_article()
    data = atom([a])
    assert b"CDATA" not in data and b"]]>" not in data
    atom_valid(data)
    en = entry(data)
    assert texts(en, "a:title") == texts(en, "a:summary") == [HOSTILE]
    assert texts(en, "a:content") == [HOSTILE_HTML]
    assert texts(en, "a:author/a:name") == [HOSTILE]
    assert en.xpath("a:category/@term", namespaces=NS) == ["nasional", "<&>", HOSTILE]
    assert en.xpath("a:link[@rel='related']/@title", namespaces=NS) == [HOSTILE]
    assert en.xpath("a:link[@rel='enclosure']/@title", namespaces=NS) == [HOSTILE]
    assert texts(en, "media:content/media:description") == [HOSTILE]
    d = feedparser.parse(data)
    assert d.bozo == 0, d.get("bozo_exception")
    assert d.entries[0].title == HOSTILE


def test_text_with_control_characters_is_rendered_once_the_contract_strips_them():
    raw = seed_record()
    raw["title"] = "Jepang\x00 dan\x07 Selandia\x1b Baru\ufffe"
    raw["images"][0]["caption"] = "Kishida\x0b di Tokyo\x0c"
    raw["related"][0]["title"] = "Satelit\x08 Eropa"
    a, warnings = parse_article(raw, ZoneInfo("Asia/Jakarta"), "id")
    assert len(warnings) == 3
    for data in (rss([a]), atom([a])):
        root = xml(data)
        assert root.xpath("//*[local-name()='title'][contains(., 'Selandia')]/text()") == ["Jepang dan Selandia Baru"]
        assert texts(root, "//media:description") == ["Kishida di Tokyo"]
        assert root.xpath("//*[local-name()='link'][@rel='related'][1]/@title") == ["Satelit Eropa"]
    atom_valid(atom([a]))
    assert feedparser.parse(rss([a])).bozo == 0


def test_right_to_left_and_emoji_bytes_are_utf8_not_character_references():
    a = make_article(title="שלום 🦊 مرحبا")
    for data in (rss([a]), atom([a])):
        assert "שלום 🦊 مرحبا".encode() in data
        assert b"&#" not in data


# --- photos ------------------------------------------------------------------------------------

PHOTOS = (
    Image(url="https://genpi.example/img/1.jpg", caption="Satu", credit="AP Photo/Susan Walsh", type="image/jpeg", width=1200, height=675),
    Image(url="https://genpi.example/img/2.png", caption="Dua", credit="Reuters", type="image/png", length=40960),
    Image(url="https://genpi.example/img/3.webp"),
)


def test_every_photo_is_its_own_media_content_never_a_group():
    a = make_article(images=PHOTOS)
    for data, it in ((rss([a]), item(rss([a]))), (atom([a]), entry(atom([a])))):
        assert xml(data).xpath("//media:group", namespaces=NS) == []
        contents = it.xpath("media:content", namespaces=NS)
        assert [c.get("url") for c in contents] == [p.url for p in PHOTOS]
        assert [c.get("medium") for c in contents] == ["image"] * 3
        assert [c.findtext("{http://search.yahoo.com/mrss/}description") for c in contents] == ["Satu", "Dua", None]
        assert [c.findtext("{http://search.yahoo.com/mrss/}credit") for c in contents] == ["AP Photo/Susan Walsh", "Reuters", None]
        assert dict(contents[1].attrib) == {"url": PHOTOS[1].url, "medium": "image", "type": "image/png", "fileSize": "40960"}
        assert dict(contents[2].attrib) == {"url": PHOTOS[2].url, "medium": "image"}
    d = feedparser.parse(rss([a]))
    assert [m["url"] for m in d.entries[0].media_content] == [p.url for p in PHOTOS]
    assert [c["content"] for c in d.entries[0].media_credit] == ["AP Photo/Susan Walsh", "Reuters"]


def test_atom_has_one_enclosure_link_per_photo_with_the_caption_as_title():
    a = make_article(images=PHOTOS)
    data = atom([a])
    atom_valid(data)
    links = [dict(x.attrib) for x in entry(data).xpath("a:link[@rel='enclosure']", namespaces=NS)]
    assert links == [
        {"href": PHOTOS[0].url, "rel": "enclosure", "type": "image/jpeg", "title": "Satu"},
        {"href": PHOTOS[1].url, "rel": "enclosure", "type": "image/png", "title": "Dua", "length": "40960"},
        {"href": PHOTOS[2].url, "rel": "enclosure"},
    ]


def test_rss_enclosure_for_the_lead_photo_length_0_when_unknown():
    # RSS Best Practices Profile: a publisher that cannot tell the size writes length="0".
    (unknown_length, *_) = PHOTOS
    it = item(rss([make_article(images=PHOTOS)]))
    assert [dict(e.attrib) for e in it.xpath("enclosure")] == [
        {"url": unknown_length.url, "length": "0", "type": unknown_length.type}
    ]
    lead = Image(url="https://genpi.example/img/lead.jpg", type="image/jpeg", length=123456, caption="Lead")
    it = item(rss([make_article(images=(lead,) + PHOTOS)]))
    assert [dict(e.attrib) for e in it.xpath("enclosure")] == [{"url": lead.url, "length": "123456", "type": "image/jpeg"}]
    d = feedparser.parse(rss([make_article(images=PHOTOS)]))
    assert d.bozo == 0 and [(e.href, e.length) for e in d.entries[0].enclosures] == [(unknown_length.url, "0")]


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://genpi.example/img/a.JPG", "image/jpeg"),
        ("https://genpi.example/img/a.jpeg?w=800", "image/jpeg"),
        ("https://genpi.example/img/a.png", "image/png"),
        ("https://genpi.example/img/a.gif", "image/gif"),
        ("https://genpi.example/img/a.webp", "image/webp"),
        ("https://genpi.example/img/a.avif", "image/avif"),
        ("https://genpi.example/img/lead", None),
        ("https://genpi.example/img/a.svg", None),
        ("https://genpi.example/img.jpg/lead", None),
    ],
)
def test_rss_enclosure_type_from_a_known_image_extension_else_none(url, expected):
    it = item(rss([make_article(images=(Image(url=url, length=5),))]))
    got = [(e.get("type"), e.get("length")) for e in it.xpath("enclosure")]
    assert got == ([(expected, "5")] if expected else [])


def test_article_without_photos():
    a = make_article(images=())
    r, at = rss([a]), atom([a])
    assert xml(r).xpath("//media:content", namespaces=NS) == [] and xml(r).xpath("//enclosure") == []
    assert xml(at).xpath("//media:content | //a:link[@rel='enclosure']", namespaces=NS) == []
    atom_valid(at)
    assert feedparser.parse(r).bozo == 0


# --- authors -----------------------------------------------------------------------------------


def test_multiple_authors():
    authors = (Author(name="Ani Lestari", email="ani@genpi.example", url="https://genpi.example/penulis/ani"), Author(name="Budi"))
    a = make_article(authors=authors)
    it = item(rss([a]))
    assert texts(it, "dc:creator") == ["Ani Lestari", "Budi"]
    assert it.xpath("author") == []  # RSS <author> must be an e-mail address; dc:creator carries names
    data = atom([a])
    atom_valid(data)
    en = entry(data)
    assert [(texts(x, "a:name"), texts(x, "a:email"), texts(x, "a:uri")) for x in en.xpath("a:author", namespaces=NS)] == [
        (["Ani Lestari"], ["ani@genpi.example"], ["https://genpi.example/penulis/ani"]),
        (["Budi"], [], []),
    ]
    assert [x.name for x in feedparser.parse(data).entries[0].authors] == ["Ani Lestari", "Budi"]


def test_article_without_authors_is_covered_by_the_feed_author():
    data = atom([make_article(authors=())])
    atom_valid(data)
    assert entry(data).xpath("a:author", namespaces=NS) == []
    assert texts(xml(data), "a:author/a:name") == ["GenPI.co"]
    assert item(rss([make_article(authors=())])).xpath("dc:creator", namespaces=NS) == []


# --- feed config -------------------------------------------------------------------------------


def test_section_feed_gets_its_own_self_urls_title_paths_and_id():
    feed = feed_config(name="internasional", section="internasional")
    a = seed_article()
    r, at = render_rss(feed, [a], NOW), render_atom(feed, [a], NOW)
    assert (r.path, r.kind, r.items) == ("internasional/rss.xml", "rss", 1)
    assert (at.path, at.kind, at.items) == ("internasional/atom.xml", "atom", 1)
    ch = xml(r.data).xpath("/rss/channel")[0]
    assert texts(ch, "title") == ["GenPI.co: internasional"]
    assert ch.xpath("atom:link[@rel='self']/@href", namespaces=NS) == ["https://genpi.example/feeds/internasional/rss.xml"]
    root = xml(at.data)
    assert texts(root, "a:title") == ["GenPI.co: internasional"]
    assert texts(root, "a:id") == ["tag:genpi.example,2024:feed/internasional"]
    assert root.xpath("a:link[@rel='self']/@href", namespaces=NS) == ["https://genpi.example/feeds/internasional/atom.xml"]
    atom_valid(at.data)


def test_feed_title_description_language_and_paths_from_config():
    feed = feed_config(name="sport", tag="olahraga", title="GenPI Olahraga", description="Berita olahraga", language="en",
                       rss_path="sport.rss", atom_path="x/sport.atom")
    r, at = render_rss(feed, [], NOW), render_atom(feed, [], NOW)
    assert (r.path, at.path) == ("sport.rss", "x/sport.atom")
    ch = xml(r.data).xpath("/rss/channel")[0]
    assert (texts(ch, "title"), texts(ch, "description"), texts(ch, "language")) == (["GenPI Olahraga"], ["Berita olahraga"], ["en"])
    assert ch.xpath("atom:link/@href", namespaces=NS) == ["https://genpi.example/feeds/sport.rss"]
    root = xml(at.data)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert texts(root, "a:subtitle") == ["Berita olahraga"]
    assert root.xpath("a:link[@rel='self']/@href", namespaces=NS) == ["https://genpi.example/feeds/x/sport.atom"]


def test_entry_language_comes_from_the_article_feed_language_from_config():
    data = atom([make_article(1, language="en"), make_article(2, language="zh-TW")])
    assert xml(data).get("{http://www.w3.org/XML/1998/namespace}lang") == "id"
    assert xml(data).xpath("a:entry/@xml:lang", namespaces=NS) == ["en", "zh-TW"]
    atom_valid(data)


# --- order, stability, empty -------------------------------------------------------------------


def test_input_order_is_kept_exactly_including_id_tie_breaks():
    same = datetime(2024, 6, 19, 12, 0, tzinfo=JAKARTA)
    arts = [
        make_article(9),
        make_article(5, id="tie-a", published=same),
        make_article(6, id="tie-b", published=same),
        make_article(7, id="tie-c", published=same.astimezone(UTC)),  # same instant, other offset
        make_article(1),
    ]
    ids = [a.id for a in arts]
    assert texts(xml(rss(arts)), "/rss/channel/item/guid") == ids
    assert [i.rsplit(":", 1)[1] for i in texts(xml(atom(arts)), "/a:feed/a:entry/a:id")] == ids
    # The renderer never re-sorts: whatever order it is handed is the order written.
    assert texts(xml(rss(arts[::-1])), "/rss/channel/item/guid") == ids[::-1]
    assert [e.id for e in feedparser.parse(rss(arts)).entries] == ids


def test_bytes_are_stable_across_renders_and_independent_of_now():
    arts = [seed_article(), make_article(2, images=PHOTOS), make_article(3, authors=())]
    feed = feed_config()
    later = NOW + timedelta(days=400, seconds=7)
    for render in (render_rss, render_atom):
        first = render(feed, arts, NOW)
        assert render(feed, arts, NOW) == first
        assert render(feed, arts, later).data == first.data
        assert render(feed, [], NOW).data == render(feed, [], later).data


def test_channel_dates_come_from_the_newest_change_not_the_first_item():
    newest_published = make_article(1, published=datetime(2024, 6, 19, 10, 0, tzinfo=JAKARTA))
    edited_later = make_article(2, published=datetime(2024, 6, 19, 8, 0, tzinfo=JAKARTA), updated=datetime(2024, 6, 20, 9, 15, tzinfo=JAKARTA))
    arts = [newest_published, edited_later]
    ch = xml(rss(arts)).xpath("/rss/channel")[0]
    assert texts(ch, "lastBuildDate") == texts(ch, "pubDate") == ["Thu, 20 Jun 2024 09:15:00 +0700"]
    assert texts(xml(atom(arts)), "a:updated") == ["2024-06-20T09:15:00+07:00"]


def test_empty_feed_is_valid_and_dated_by_a_constant():
    feed = feed_config()
    r, at = render_rss(feed, [], NOW), render_atom(feed, [], NOW)
    assert r.items == at.items == 0
    d = feedparser.parse(r.data)
    assert d.bozo == 0 and d.entries == [] and d.feed.title == "GenPI.co"
    ch = xml(r.data).xpath("/rss/channel")[0]
    assert ch.xpath("lastBuildDate | pubDate | item") == []
    atom_valid(at.data)
    assert texts(xml(at.data), "a:updated") == ["1970-01-01T00:00:00+00:00"]
    assert feedparser.parse(at.data).bozo == 0


def test_unpublished_articles_are_left_out_and_named():
    arts = [make_article(1), make_article(2, status="draft"), make_article(3, status="deleted")]
    for doc in (render_rss(feed_config(), arts, NOW), render_atom(feed_config(), arts, NOW)):
        assert doc.items == 1
        assert [(x.id, x.field, x.rule) for x in doc.left_out] == [("art-2", "status", "status"), ("art-3", "status", "status")]
    assert texts(xml(rss(arts)), "//guid") == ["art-1"]


# --- descriptions ------------------------------------------------------------------------------


def test_description_falls_back_to_a_plain_text_excerpt_of_the_body():
    body = "<p>Kalimat <b>pertama</b> &amp; kedua.</p><p>" + "kata " * 200 + "</p><script>var x = 1 < 2;</script>"
    a = make_article(summary=None, content_html=body)
    (desc,) = texts(item(rss([a])), "description")
    assert desc.startswith("Kalimat pertama & kedua. kata kata")
    assert desc.endswith("…") and len(desc) <= 301 and "<" not in desc and "var x" not in desc
    assert texts(entry(atom([a])), "a:summary") == [desc]
    assert texts(item(rss([a])), "content:encoded") == [body]


def test_article_with_neither_summary_nor_body():
    a = make_article(summary=None, content_html=None)
    it = item(rss([a]))
    assert it.xpath("description | content:encoded", namespaces=NS) == []
    data = atom([a])
    atom_valid(data)  # the rel="alternate" link stands in for content (RFC 4287 §4.1.2)
    # Readers list entries by their summary: the headline stands in, as in RSS with an empty body.
    assert entry(data).xpath("a:content", namespaces=NS) == []
    assert texts(entry(data), "a:summary") == [a.title]
    assert feedparser.parse(rss([a])).bozo == 0


def test_body_without_text_keeps_description_plain_and_content_encoded():
    a = make_article(summary=None, content_html='<figure><img src="https://genpi.example/img/x.jpg"></figure>')
    it = item(rss([a]))
    assert texts(it, "description") == [a.title]
    assert texts(it, "content:encoded") == [a.content_html]
    assert entry(atom([a])).xpath("a:summary", namespaces=NS) == []


# --- dates and time zones ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "published, rfc822, rfc3339",
    [
        (datetime(2024, 6, 19, 20, 30, tzinfo=ZoneInfo("Asia/Jakarta")), "Wed, 19 Jun 2024 20:30:00 +0700", "2024-06-19T20:30:00+07:00"),
        (datetime(2024, 6, 19, 20, 30, tzinfo=JAKARTA), "Wed, 19 Jun 2024 20:30:00 +0700", "2024-06-19T20:30:00+07:00"),
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "Tue, 02 Jan 2024 03:04:05 +0000", "2024-01-02T03:04:05+00:00"),
        (datetime(2024, 6, 19, 9, 0, tzinfo=ZoneInfo("America/St_Johns")), "Wed, 19 Jun 2024 09:00:00 -0230", "2024-06-19T09:00:00-02:30"),
        # Jakarta's local mean time (+07:07:12) has seconds, which neither format can carry: written as UTC.
        (datetime(1900, 1, 1, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta")), "Mon, 01 Jan 1900 04:52:48 +0000", "1900-01-01T04:52:48+00:00"),
    ],
)
def test_dates_keep_their_offset_and_denote_the_stored_instant(published, rfc822, rfc3339):
    updated = published + timedelta(hours=5, minutes=1)
    a = make_article(published=published, updated=updated)
    (pub,) = texts(item(rss([a])), "pubDate")
    assert pub == rfc822 and RFC822.match(pub)
    assert parsedate_to_datetime(pub) == published
    en = entry(atom([a]))
    assert texts(en, "a:published") == [rfc3339]
    assert datetime.fromisoformat(texts(en, "a:published")[0]) == published
    assert datetime.fromisoformat(texts(en, "a:updated")[0]) == updated
    d_rss, d_atom = feedparser.parse(rss([a])), feedparser.parse(atom([a]))
    utc = published.astimezone(UTC).timetuple()[:6]
    assert d_rss.entries[0].published_parsed[:6] == d_atom.entries[0].published_parsed[:6] == utc


def test_naive_input_read_in_the_site_zone_keeps_plus_0700():
    raw = seed_record() | {"published": "2024-06-19 20:30:00", "updated": "2024-06-19T23:59:59"}
    a, _ = parse_article(raw, ZoneInfo("Asia/Jakarta"), "id")
    assert texts(item(rss([a])), "pubDate") == ["Wed, 19 Jun 2024 20:30:00 +0700"]
    ch = xml(rss([a])).xpath("/rss/channel")[0]
    assert texts(ch, "lastBuildDate") == ["Wed, 19 Jun 2024 23:59:59 +0700"]
    assert texts(entry(atom([a])), "a:updated") == ["2024-06-19T23:59:59+07:00"]


def test_every_rss_date_is_rfc822_with_a_four_digit_year():
    arts = [make_article(n) for n in range(1, 4)] + [make_article(9, published=datetime(999, 3, 4, 5, 6, tzinfo=UTC))]
    dates = texts(xml(rss(arts)), "//pubDate | //lastBuildDate")
    assert len(dates) == 6 and all(RFC822.match(d) for d in dates)
    assert "Mon, 04 Mar 0999 05:06:00 +0000" in dates


# --- identity ----------------------------------------------------------------------------------


def test_guid_and_atom_id_come_from_the_article_id_not_the_url():
    a = make_article(1)
    moved = dataclasses.replace(a, url="https://genpi.example/berita/judul-baru-setelah-diedit")
    for art in (a, moved):
        it = item(rss([art]))
        assert texts(it, "guid") == ["art-1"] and it.xpath("guid/@isPermaLink") == ["false"]
        assert texts(it, "link") == [art.url]
        assert texts(entry(atom([art])), "a:id") == ["tag:genpi.example,2024:art-1"]
    assert feedparser.parse(rss([moved])).entries[0].guidislink is False


def test_any_article_id_becomes_a_valid_tag_uri():
    a = make_article(id="berita/2024 06?x=ü&y=<1>#z")
    data = atom([a])
    atom_valid(data)
    (tag,) = texts(entry(data), "a:id")
    assert tag == "tag:genpi.example,2024:berita%2F2024%2006%3Fx%3D%C3%BC%26y%3D%3C1%3E%23z"
    assert re.fullmatch(r"tag:[a-z0-9.-]+,\d{4}:[A-Za-z0-9._~%-]+", tag)
    assert texts(item(rss([a])), "guid") == ["berita/2024 06?x=ü&y=<1>#z"]
    # Entry ids never contain a raw "/", so none can equal the feed id.
    assert texts(xml(data), "a:id") == ["tag:genpi.example,2024:feed/all"]


# --- namespaces, locale ------------------------------------------------------------------------


def _rich_articles():
    return [seed_article(), make_article(2, images=PHOTOS, authors=(Author("A"), Author("B")))]


def test_all_namespaces_are_declared_on_the_root_only():
    for data, expected in (
        (rss(_rich_articles()), {"atom": NS["atom"], "content": NS["content"], "dc": NS["dc"], "media": NS["media"]}),
        (atom(_rich_articles()), {None: NS["a"], "media": NS["media"]}),
        (rss([]), {"atom": NS["atom"], "content": NS["content"], "dc": NS["dc"], "media": NS["media"]}),
    ):
        root = xml(data)
        assert root.nsmap == expected
        assert all(el.nsmap == expected for el in root.iter())
        head_end = data.rindex(b"?>", 0, data.index(b"xmlns")) + 2  # after the XML declaration and the stylesheet PI
        root_tag = data[data.index(b"<", head_end) : data.index(b">", head_end)]
        assert data.count(b"xmlns") == root_tag.count(b"xmlns") == len(expected)


def test_rendering_never_touches_the_process_locale(monkeypatch):
    before = locale.setlocale(locale.LC_ALL)

    def forbidden(*args):
        raise AssertionError(f"locale.setlocale{args} called while rendering")

    monkeypatch.setattr(locale, "setlocale", forbidden)
    arts = _rich_articles()
    render_rss(feed_config(), arts, NOW)
    render_atom(feed_config(), arts, NOW)
    render_rss(feed_config(), [], NOW)
    monkeypatch.undo()
    assert locale.setlocale(locale.LC_ALL) == before
