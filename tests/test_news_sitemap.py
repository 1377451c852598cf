"""Google News sitemap: window selection, rules of each <url>, splitting, escaping, schemas.

usp read-backs over a real HTTP server live in test_sitemaps.py (one server helper).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from conftest import JAKARTA, make_article, seed_record
from feedhub.config import NewsSitemapConfig, parse_config
from feedhub.model import Image, article_from_dict
from feedhub.render.news_sitemap import news_language, next_news_expiry, render_news_sitemap
from oracles import schema_errors, siteindex_schema, urlset_schema

SITE = "https://genpi.example"
BASE = "https://genpi.example/"
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
}
#: make_article(n) is published n hours after 2024-06-19T08:00+07:00.
NOW = datetime(2024, 6, 21, 8, 0, tzinfo=JAKARTA)
EMPTY_URLSET_ERROR = (
    "Missing child element(s). Expected is one of "
    "( ##other{http://www.sitemaps.org/schemas/sitemap/0.9}*, {http://www.sitemaps.org/schemas/sitemap/0.9}url )."
)


def news_cfg(**overrides) -> NewsSitemapConfig:
    cfg = parse_config({"site": {"title": "GenPI.co", "url": SITE, "language": "id"}}, "test.toml", Path(".")).news_sitemap
    return dataclasses.replace(cfg, **overrides)


def at(age: timedelta, n: int = 1, **kw):
    """An article published *age* before NOW."""
    return make_article(n, published=NOW - age, **kw)


def render(articles, cfg=None, now=NOW):
    return render_news_sitemap(cfg or news_cfg(), SITE, BASE, articles, now)


def tree(doc) -> etree._Element:
    return etree.fromstring(doc.data)


def listed(articles, hours: float = 48, now=NOW) -> list[str]:
    """Ids of the articles the news sitemap at *now* lists: the renderer applies the window itself."""
    (doc,) = render(articles, news_cfg(window_hours=hours), now)
    by_url = {a.url: a.id for a in articles}
    return [by_url[loc] for loc in tree(doc).xpath("s:url/s:loc/text()", namespaces=NS)]


def assert_valid_urlset(doc) -> None:
    assert doc.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert schema_errors(doc.data, urlset_schema()) == []


# --- the window ---------------------------------------------------------------------------


def test_seed_article_is_in_the_window_one_day_later_and_gone_three_days_later():
    seed = article_from_dict(seed_record())
    assert seed.published.isoformat() == "2024-06-19T20:30:00+07:00"

    day_after = datetime(2024, 6, 20, 10, 0, tzinfo=JAKARTA)
    (doc,) = render([seed], now=day_after)
    assert_valid_urlset(doc)
    t = tree(doc)
    assert t.xpath("s:url/s:loc/text()", namespaces=NS) == [seed.url]
    assert t.xpath("//news:publication_date/text()", namespaces=NS) == ["2024-06-19T20:30:00+07:00"]
    assert t.xpath("//news:title/text()", namespaces=NS) == [seed.title]
    assert t.xpath("//news:language/text()", namespaces=NS) == ["id"]
    assert t.xpath("//image:loc/text()", namespaces=NS) == ["https://genpi.example/img/2024/06/19/kishida.jpg"]

    three_days = datetime(2024, 6, 22, 10, 0, tzinfo=JAKARTA)
    assert listed([seed], now=three_days) == []


@pytest.mark.parametrize(
    ("age", "inside"),
    [
        (timedelta(hours=47, minutes=59), True),
        (timedelta(hours=47, minutes=59, seconds=59, microseconds=999_999), True),
        (timedelta(hours=48), False),  # the edge: exactly 48 h old has just left
        (timedelta(hours=48, minutes=1), False),
        (timedelta(0), True),  # published right now
        (timedelta(seconds=-1), False),  # scheduled for the future: not in yet
    ],
)
def test_window_edges(age, inside):
    assert (listed([at(age)]) != []) is inside


def test_window_compares_instants_across_offsets():
    utc_article = make_article(1, published=(NOW - timedelta(hours=47, minutes=59)).astimezone(UTC))
    assert listed([utc_article]) == [utc_article.id]
    assert listed([utc_article], now=NOW.astimezone(timezone(timedelta(hours=-5)))) == [utc_article.id]


def test_only_published_articles_are_selected():
    arts = [at(timedelta(hours=1), 1), at(timedelta(hours=1), 2, status="draft"), at(timedelta(hours=1), 3, status="deleted")]
    assert listed(arts) == ["art-1"]


def test_shorter_configured_window():
    arts = [at(timedelta(hours=5, minutes=59), 1), at(timedelta(hours=6), 2)]
    assert listed(arts, hours=6) == ["art-1"]


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        render([], now=NOW.replace(tzinfo=None))


# --- next_news_expiry ----------------------------------------------------------------------


def test_next_news_expiry_is_when_the_oldest_article_leaves():
    arts = [at(timedelta(hours=2), 1), at(timedelta(hours=30, minutes=15), 2), at(timedelta(hours=50), 3)]
    expiry = next_news_expiry(arts, 48, NOW)
    assert expiry == NOW + timedelta(hours=17, minutes=45)
    assert expiry.utcoffset() == NOW.utcoffset()
    # a rebuild scheduled exactly then no longer lists it; a moment before it still did
    assert listed(arts, now=expiry) == ["art-1"]
    assert listed(arts, now=expiry - timedelta(microseconds=1)) == ["art-1", "art-2"]


def test_next_news_expiry_ignores_future_drafts_and_other_offsets():
    oldest_utc = (NOW - timedelta(hours=40)).astimezone(UTC)
    arts = [
        make_article(1, published=NOW + timedelta(hours=1)),  # future
        make_article(2, published=NOW - timedelta(hours=45), status="draft"),
        make_article(3, published=oldest_utc),
        make_article(4, published=NOW - timedelta(hours=39)),
    ]
    assert next_news_expiry(arts, 48, NOW) == NOW + timedelta(hours=8)


def test_next_news_expiry_of_an_empty_window_is_none():
    assert next_news_expiry([], 48, NOW) is None
    assert next_news_expiry([at(timedelta(hours=49))], 48, NOW) is None


# --- one <url> ------------------------------------------------------------------------------


def test_url_carries_exactly_the_current_google_news_fields():
    images = tuple(Image(url=f"https://cdn.genpi.example/img/{i}.jpg", caption=f"Foto {i}") for i in range(3))
    a = at(timedelta(hours=1), 1, images=images)
    (doc,) = render([a])
    assert_valid_urlset(doc)
    (url,) = tree(doc).xpath("s:url", namespaces=NS)
    assert [etree.QName(c).localname for c in url] == ["loc", "news", "image", "image", "image"]
    (news,) = url.xpath("news:news", namespaces=NS)
    assert [etree.QName(c).localname for c in news] == ["publication", "publication_date", "title"]
    assert [etree.QName(c).localname for c in news[0]] == ["name", "language"]
    assert news.xpath("news:publication/news:name/text()", namespaces=NS) == ["GenPI.co"]
    # images may live on a CDN host; captions are off by default (deprecated 2022)
    assert url.xpath("image:image/image:loc/text()", namespaces=NS) == [i.url for i in images]
    assert url.xpath("image:image/*[local-name() != 'loc']", namespaces=NS) == []


def test_deprecated_news_tags_are_never_written():
    a = at(timedelta(hours=1), 1, tags=("ekonomi", "saham"), section="bisnis")
    (doc,) = render([a], news_cfg(image_captions=True))
    t = tree(doc)
    for tag in ("genres", "keywords", "stock_tickers", "access"):
        assert t.xpath(f"//news:{tag}", namespaces=NS) == []
        assert f"news:{tag}".encode() not in doc.data


def test_captions_only_when_enabled_and_then_with_the_caption_text():
    images = (
        Image(url="https://genpi.example/a.jpg", caption="Presiden & menteri <rapat>"),
        Image(url="https://genpi.example/b.jpg"),
    )
    a = at(timedelta(hours=1), 1, images=images)
    (off,) = render([a])
    assert tree(off).xpath("//image:caption", namespaces=NS) == []
    assert b"caption" not in off.data
    (on,) = render([a], news_cfg(image_captions=True))
    assert_valid_urlset(on)
    assert tree(on).xpath("//image:caption/text()", namespaces=NS) == ["Presiden & menteri <rapat>"]
    assert len(tree(on).xpath("//image:image", namespaces=NS)) == 2


def test_at_most_1000_images_per_url():
    images = tuple(Image(url=f"https://genpi.example/img/{i}.jpg") for i in range(1001))
    (doc,) = render([at(timedelta(hours=1), 1, images=images)])
    assert_valid_urlset(doc)
    assert len(tree(doc).xpath("//image:image", namespaces=NS)) == 1000
    assert doc.warnings == ("art-1: kept the first 1,000 of 1,001 images (Google's limit)",)


def test_publication_date_keeps_the_articles_own_offset_with_seconds():
    arts = [
        make_article(1, published=datetime(2024, 6, 20, 13, 30, 0, 999, tzinfo=JAKARTA)),
        make_article(2, published=datetime(2024, 6, 20, 6, 0, 5, tzinfo=UTC)),
        make_article(3, published=datetime(2024, 6, 20, 1, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))),
    ]
    (doc,) = render(arts)
    assert tree(doc).xpath("//news:publication_date/text()", namespaces=NS) == [
        "2024-06-20T13:30:00+07:00",
        "2024-06-20T06:00:05+00:00",
        "2024-06-20T01:00:00-03:30",
    ]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("id", "id"),
        ("id-ID", "id"),
        ("in", "id"),
        ("en-US", "en"),
        ("EN-gb", "en"),
        ("fil", "fil"),
        ("zh-TW", "zh-tw"),
        ("zh-HK", "zh-tw"),
        ("zh-Hant", "zh-tw"),
        ("zh-Hant-TW", "zh-tw"),
        ("zh-Hant-CN", "zh-tw"),
        ("zh", "zh-cn"),
        ("zh-CN", "zh-cn"),
        ("zh-Hans", "zh-cn"),
        ("zh-Hans-HK", "zh-cn"),
        ("zh-SG", "zh-cn"),
        ("x-klingon", None),
    ],
)
def test_news_language_mapping(tag, expected):
    assert news_language(tag) == expected


def test_zh_tw_article_gets_zh_tw_and_validates():
    (doc,) = render([at(timedelta(hours=1), 1, language="zh-TW", title="日本與紐西蘭同意情報共享協議")])
    assert_valid_urlset(doc)
    assert tree(doc).xpath("//news:language/text()", namespaces=NS) == ["zh-tw"]
    assert tree(doc).xpath("//news:title/text()", namespaces=NS) == ["日本與紐西蘭同意情報共享協議"]


def test_hostile_text_is_escaped_and_read_back_intact():
    title = "Tom & Jerry <b>\"kabur\"</b> it's ]]> <![CDATA[x]]> &amp; 😀 \u2028"
    name = "Koran & <Co> \"Ltd\" ]]>"
    (doc,) = render([at(timedelta(hours=1), 1, title=title)], news_cfg(publication_name=name))
    assert_valid_urlset(doc)
    assert b"<![CDATA[" not in doc.data and "😀".encode() in doc.data  # escaped, not wrapped; UTF-8, not char refs
    t = tree(doc)
    assert t.xpath("//news:title/text()", namespaces=NS) == [title]
    assert t.xpath("//news:name/text()", namespaces=NS) == [name]
    assert doc.warnings == ()


def test_characters_xml_cannot_carry_are_removed_with_a_warning():
    (doc,) = render([at(timedelta(hours=1), 7, title="Banjir\x0b Jakarta\x00")])
    assert_valid_urlset(doc)
    assert tree(doc).xpath("//news:title/text()", namespaces=NS) == ["Banjir Jakarta"]
    assert doc.warnings == ("art-7: removed characters XML cannot carry from the title",)


# --- loc rules -----------------------------------------------------------------------------


def test_off_host_url_is_left_out_and_named():
    arts = [at(timedelta(hours=1), 1), at(timedelta(hours=2), 17, url="https://other.example/x")]
    (doc,) = render(arts)
    assert_valid_urlset(doc)
    assert doc.items == 1
    assert b"other.example" not in doc.data
    assert doc.warnings == ()
    assert [str(x) for x in doc.left_out] == ["id=art-17: url: https://other.example/x is not on https://genpi.example [sitemap-loc]"]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://genpi.example/x", False),  # other scheme
        ("https://genpi.example:8443/x", False),  # other port
        ("https://evil.genpi.example/x", False),
        ("https://genpi.example.evil.example/x", False),
        ("https://genpi.example@evil.example/x", False),
        ("https://GENPI.example:443/x", True),  # same origin, spelled differently
        ("https://genpi.example", True),
    ],
)
def test_origin_check(url, ok):
    (doc,) = render([at(timedelta(hours=1), 1, url=url), at(timedelta(hours=2), 2)])
    assert_valid_urlset(doc)
    assert (doc.items == 2) is ok
    assert [x.id for x in doc.left_out] == ([] if ok else ["art-1"])


def test_loc_must_be_shorter_than_2048_characters_after_percent_encoding():
    head = SITE + "/"
    fits = head + "a" * (2047 - len(head))
    too_long = head + "a" * (2048 - len(head))
    encoded_too_long = head + "é" * 400 + "a" * (2047 - len(head) - 6 * 400 + 1000)  # short as text, long as a URI
    assert len(encoded_too_long) < 2048
    arts = [at(timedelta(hours=h), h, url=u) for h, u in ((1, fits), (2, too_long), (3, encoded_too_long))]
    (doc,) = render(arts)
    assert_valid_urlset(doc)
    assert tree(doc).xpath("//s:loc/text()", namespaces=NS) == [fits]
    assert [(x.id, x.field, x.rule) for x in doc.left_out] == [("art-2", "url", "sitemap-loc"), ("art-3", "url", "sitemap-loc")]
    assert "is 2,048 characters, sitemaps allow at most 2,047" in doc.left_out[0].message


def test_non_ascii_and_markup_characters_in_urls_are_encoded():
    url, image = "https://genpi.example/berita/kafé?a=1&b='2'", Image(url="https://genpi.example/foto ü.jpg")
    a = at(timedelta(hours=1), 1, url=url, images=(image,))
    (doc,) = render([a])
    assert_valid_urlset(doc)
    assert b"<loc>https://genpi.example/berita/kaf%C3%A9?a=1&amp;b=&apos;2&apos;</loc>" in doc.data
    assert tree(doc).xpath("//image:loc/text()", namespaces=NS) == ["https://genpi.example/foto%20%C3%BC.jpg"]


def test_duplicate_urls_are_listed_once():
    arts = [at(timedelta(hours=1), 1), at(timedelta(hours=2), 2, url="https://genpi.example/berita/artikel-1")]
    (doc,) = render(arts)
    assert doc.items == 1
    assert [str(x) for x in doc.left_out] == [
        "id=art-2: url: https://genpi.example/berita/artikel-1 is already listed for art-1 [sitemap-loc]"
    ]


def test_articles_outside_the_window_are_not_rendered_even_if_passed():
    (doc,) = render([at(timedelta(hours=1), 1), at(timedelta(hours=49), 2)])
    assert doc.items == 1
    assert [str(x) for x in doc.left_out] == [
        "id=art-2: published: not a published article in the 48-hour window at 2024-06-21T08:00:00+07:00 [news-window]"
    ]


# --- files -----------------------------------------------------------------------------------


def test_empty_window_gives_an_empty_urlset():
    (doc,) = render([])
    assert (doc.path, doc.kind, doc.items, doc.warnings) == ("news-sitemap.xml", "news-sitemap", 0, ())
    t = tree(doc)
    assert t.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset" and len(t) == 0
    # sitemap.xsd asks for at least one <url>; an empty urlset breaks only that (docs/sitemaps.md)
    assert [e.split(": ", 1)[1].split("': ", 1)[1] for e in schema_errors(doc.data, urlset_schema())] == [EMPTY_URLSET_ERROR]


def test_1000_articles_fit_one_file():
    arts = [make_article(i, published=NOW - timedelta(seconds=i)) for i in range(1000)]
    (doc,) = render(arts)
    assert (doc.path, doc.kind, doc.items) == ("news-sitemap.xml", "news-sitemap", 1000)
    assert_valid_urlset(doc)


def test_index_lastmod_is_never_after_now():
    # A future updated (a CMS clock ahead) is written as now; publication dates are never after now.
    arts = [make_article(i, published=NOW - timedelta(seconds=i)) for i in range(3)]
    arts[1] = dataclasses.replace(arts[1], updated=NOW + timedelta(days=2))
    docs = render(arts, news_cfg(max_urls=2))
    idx = tree(docs[-1])
    assert idx.xpath("s:sitemap/s:lastmod/text()", namespaces=NS) == ["2024-06-21T08:00:00+07:00", "2024-06-21T07:59:58+07:00"]
    assert max(d for doc in docs[:-1] for d in tree(doc).xpath("//news:publication_date/text()", namespaces=NS)) <= NOW.isoformat()


def test_1001_articles_split_into_two_files_and_an_index():
    arts = [make_article(i, published=NOW - timedelta(seconds=i)) for i in range(1001)]  # newest first
    docs = render(arts)
    assert [(d.path, d.kind, d.items) for d in docs] == [
        ("news-sitemap-1.xml", "news-sitemap", 1000),
        ("news-sitemap-2.xml", "news-sitemap", 1),
        ("news-sitemap.xml", "news-sitemap-index", 2),
    ]
    for d in docs[:2]:
        assert_valid_urlset(d)
    assert schema_errors(docs[2].data, siteindex_schema()) == []
    idx = tree(docs[2])
    assert idx.xpath("s:sitemap/s:loc/text()", namespaces=NS) == [BASE + "news-sitemap-1.xml", BASE + "news-sitemap-2.xml"]
    # each file's lastmod is the newest change among its stories
    assert idx.xpath("s:sitemap/s:lastmod/text()", namespaces=NS) == ["2024-06-21T08:00:00+07:00", "2024-06-21T07:43:20+07:00"]
    assert tree(docs[1]).xpath("//s:loc/text()", namespaces=NS) == ["https://genpi.example/berita/artikel-1000"]


def test_lower_configured_cap_and_nested_path():
    arts = [at(timedelta(hours=i), i) for i in range(1, 8)]
    docs = render(arts, news_cfg(max_urls=3, path="news/google.xml"))
    assert [(d.path, d.items) for d in docs] == [
        ("news/google-1.xml", 3),
        ("news/google-2.xml", 3),
        ("news/google-3.xml", 1),
        ("news/google.xml", 3),
    ]
    assert tree(docs[-1]).xpath("s:sitemap/s:loc/text()", namespaces=NS) == [f"{BASE}news/google-{i}.xml" for i in (1, 2, 3)]
    assert [a for d in docs[:3] for a in tree(d).xpath("//s:loc/text()", namespaces=NS)] == [a.url for a in arts]


def test_skipped_articles_do_not_count_against_the_cap():
    arts = [at(timedelta(hours=1), 1, url="https://other.example/1"), at(timedelta(hours=2), 2), at(timedelta(hours=3), 3)]
    docs = render(arts, news_cfg(max_urls=2))
    assert [(d.kind, d.items) for d in docs] == [("news-sitemap", 2)]
    assert [x.id for x in docs[0].left_out] == ["art-1"]


def test_rebuilds_are_byte_stable():
    arts = [at(timedelta(hours=i), i) for i in range(1, 6)]
    assert render(arts, news_cfg(max_urls=2)) == render(list(arts), news_cfg(max_urls=2))
    assert render(arts) == render(arts)
