"""Entries made once and reused (issue 15): a reused item/entry gives exactly the bytes of a fresh render.

"Fresh" is the renderer with :data:`feedhub.render._entries.ENTRIES` (and the archive page cache)
emptied before every document, so each document's items come straight out of feedgen; "reused"
renders the same documents one after the other with the caches kept, in several feeds that
share articles, RSS and Atom, with RFC 5005 archive pages.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import make_article
from feedhub import formats
from feedhub.config import FeedConfig
from feedhub.document import Document
from feedhub.formats import _xmlfeed
from feedhub.model import Article
from feedhub.render._entries import ENTRIES
from feedhub.render.atom import render_atom
from feedhub.render.rss import render_rss
from feedhub.validate import validate
from test_properties import NOW as PROPERTY_NOW
from test_properties import batch
from test_rss_atom import GOLDEN, NOW, feed_config, seed_article, xml

FORMATS = ("rss", "atom")


def _fresh() -> None:
    ENTRIES.clear()
    _xmlfeed._PAGES.clear()


@pytest.fixture(autouse=True)
def empty_caches():
    _fresh()
    yield
    _fresh()


def _feeds() -> list[FeedConfig]:
    """Feeds sharing articles; two sites, since an Atom entry's tag: id reads the feed's link host."""
    return [
        feed_config(),
        feed_config(name="nasional", title="GenPI.co — Nasional"),
        feed_config(name="arsip", archive=True, archive_size=7),
        dataclasses.replace(feed_config(name="mirror"), link="https://mirror.example/"),
    ]


def _slices(articles: list[Article]) -> list[list[Article]]:
    """The lists the feeds show: every article, every other one, a window, the same ones newest last."""
    return [articles, articles[::2], articles[3:40], articles[::-1]]


def _render_all(articles: list[Article], now: datetime, fresh: bool) -> list[Document]:
    formats.load_all()
    docs: list[Document] = []
    for feed in _feeds():
        for shown in _slices(articles):
            for name in FORMATS:
                if fresh:
                    _fresh()
                docs += formats.get(name).render(feed, shown, now)
    return docs


def _assert_identical(articles: list[Article], now: datetime) -> list[Document]:
    fresh = _render_all(articles, now, fresh=True)
    reused = _render_all(articles, now, fresh=False)
    again = _render_all(articles, now, fresh=False)  # every item now a cache hit
    assert len(fresh) == len(reused) == len(again)
    for a, b, c in zip(fresh, reused, again, strict=True):
        assert (a.path, a.items, a.left_out) == (b.path, b.items, b.left_out) == (c.path, c.items, c.left_out)
        assert a.data == b.data == c.data, a.path
    return fresh


def test_seed_reused_gives_the_golden_bytes():
    seed = seed_article()
    made = ENTRIES.created
    for _ in range(3):  # the first render fills the cache, the next two reuse it
        assert render_rss(feed_config(), [seed], NOW).data == (GOLDEN / "seed-rss.xml").read_bytes()
        assert render_atom(feed_config(), [seed], NOW).data == (GOLDEN / "seed-atom.xml").read_bytes()
    assert ENTRIES.created - made == 2


def test_shared_articles_and_archive_pages_are_byte_identical():
    articles = [make_article(n) for n in range(60, 0, -1)]
    articles[5] = dataclasses.replace(articles[5], status="draft")  # left out, and reported, from the cache too
    docs = _assert_identical(articles, NOW)
    assert any("/archive/" in d.path for d in docs) and any(d.left_out for d in docs)
    for d in docs:
        errors = [p for p in validate(d.data, d.kind, now=NOW) if p.severity == "error"]
        assert errors == [], (d.path, errors)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch())
def test_generated_articles_are_byte_identical(articles):
    # Hostile text, IRIs, every offset and future dates (clamped to now) from the property test's generator.
    _fresh()
    _assert_identical(articles, PROPERTY_NOW)


def test_one_entry_per_article_and_format_whatever_the_feeds():
    a = make_article(1)
    feeds = [feed_config(name=f"f{i}") for i in range(7)]
    made = ENTRIES.created
    for feed in feeds:
        render_rss(feed, [a], NOW)
        render_atom(feed, [a], NOW)
    assert ENTRIES.created - made == 2


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Judul baru"},
        {"summary": "Ringkasan baru."},
        {"content_html": "<p>Isi baru.</p>"},
        {"url": "https://genpi.example/berita/pindah"},
        {"tags": ("berita", "baru")},
        {"section": "ekonomi"},
        {"language": "en"},
        {"images": ()},
        {"related": ()},
        {"authors": ()},
        {"updated": datetime(2024, 6, 19, 12, 0, tzinfo=UTC)},
        # The same instant in another offset: Article equality says "equal", the written dates differ.
        {"published": make_article(1).published.astimezone(UTC)},
    ],
)
def test_a_changed_article_is_made_anew(change):
    a = make_article(1)
    b = dataclasses.replace(a, **change)
    made = ENTRIES.created
    before = (render_rss(feed_config(), [a], NOW).data, render_atom(feed_config(), [a], NOW).data)
    after = (render_rss(feed_config(), [b], NOW).data, render_atom(feed_config(), [b], NOW).data)
    assert ENTRIES.created - made == 4
    assert before != after  # (RSS items carry no language: the channel's is the feed's)
    _fresh()
    assert (render_rss(feed_config(), [b], NOW).data, render_atom(feed_config(), [b], NOW).data) == after


def test_an_atom_entry_id_follows_the_feed_link_host():
    a = make_article(1)
    mirror = dataclasses.replace(feed_config(), link="https://mirror.example/")
    ids = {xml(render_atom(feed, [a], NOW).data).findtext("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}id")
           for feed in (feed_config(), mirror)}
    assert ids == {"tag:genpi.example,2024:art-1", "tag:mirror.example,2024:art-1"}


def test_a_clamped_date_is_never_a_stale_hit():
    # updated lies after the first build's clock: written clamped to it, then truly at a later build.
    a = make_article(1, updated=datetime(2024, 6, 20, 12, 0, tzinfo=UTC))
    early, late = datetime(2024, 6, 20, 10, 0, tzinfo=UTC), datetime(2024, 6, 21, tzinfo=UTC)
    future = make_article(2, published=late + timedelta(hours=1))
    docs = {}
    for now in (early, late):
        docs[now] = (render_rss(feed_config(), [a, future], now).data, render_atom(feed_config(), [a, future], now).data)
    assert docs[early][0] != docs[late][0] and docs[early][1] != docs[late][1]
    root = xml(docs[early][1])
    updated = root.findall("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}updated")
    assert updated[0].text == "2024-06-20T10:00:00+00:00"  # early, in the offset updated was given in
    for now in (early, late):
        _fresh()
        assert (render_rss(feed_config(), [a, future], now).data, render_atom(feed_config(), [a, future], now).data) == docs[now]


def test_the_cache_is_bounded_and_forgets_the_least_recently_used():
    from feedhub.render._entries import EntryCache

    cache = EntryCache(3)
    made: list[str] = []

    def make(a: Article) -> str:
        made.append(a.id)
        return a.id

    articles = [make_article(n) for n in range(1, 5)]
    for a in articles[:3]:
        cache.get(("k", a), a, make)
    cache.get(("k", articles[0]), articles[0], make)  # 1 is now the most recent
    cache.get(("k", articles[3]), articles[3], make)  # evicts 2, the least recent
    assert len(cache) == 3
    cache.get(("k", articles[0]), articles[0], make)
    cache.get(("k", articles[1]), articles[1], make)
    assert made == ["art-1", "art-2", "art-3", "art-4", "art-2"]
