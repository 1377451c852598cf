"""Archive sitemaps + index + robots lines; and usp reading the whole published tree over real HTTP."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import http.server
import threading
import tracemalloc
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from lxml import etree
from usp.tree import sitemap_tree_for_homepage
from usp.web_client.requests_client import RequestsWebClient

from conftest import JAKARTA, make_article
from feedhub.config import SitemapConfig, parse_config
from feedhub.document import Document
from feedhub.model import Image, SitemapRow
from feedhub.render.news_sitemap import render_news_sitemap, select_news
from feedhub.render.sitemaps import render_archive, render_robots
from oracles import schema_errors, siteindex_schema, urlset_schema

SITE = "https://genpi.example"
BASE = "https://genpi.example/"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
LM = "2024-06-19T20:30:00+07:00"


def config(site: str = SITE, **sitemap):
    cfg = parse_config({"site": {"title": "GenPI.co", "url": site, "language": "id"}}, "test.toml", Path("."))
    return dataclasses.replace(cfg, sitemap=dataclasses.replace(cfg.sitemap, **sitemap))


def archive_cfg(**overrides) -> SitemapConfig:
    return config(**overrides).sitemap


def rows(n: int, start: int = 0, site: str = SITE) -> Iterator[SitemapRow]:
    base = datetime(2024, 1, 1, tzinfo=JAKARTA)
    for i in range(start, start + n):
        yield SitemapRow(f"{site}/berita/artikel-{i}", (base + timedelta(minutes=i)).isoformat(timespec="seconds"))


def render(rs, cfg: SitemapConfig | None = None, base: str = BASE) -> list[Document]:
    return list(render_archive(cfg or archive_cfg(), SITE, base, rs))


def xml_of(doc: Document) -> bytes:
    return gzip.decompress(doc.data) if doc.path.endswith(".gz") else doc.data


def locs(doc: Document) -> list[str]:
    return etree.fromstring(xml_of(doc)).xpath("//s:loc/text()", namespaces=NS)


def lastmods(doc: Document) -> list[str]:
    return etree.fromstring(xml_of(doc)).xpath("//s:lastmod/text()", namespaces=NS)


def assert_valid(docs: list[Document]) -> None:
    for d in docs:
        data = xml_of(d)
        assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        schema = siteindex_schema() if d.kind.endswith("index") else urlset_schema()
        assert schema_errors(data, schema) == [], d.path


# --- shards and index -------------------------------------------------------------------------


def test_small_archive_is_one_gzip_shard_and_an_index():
    docs = render(rows(3))
    assert [(d.path, d.kind, d.items) for d in docs] == [("sitemap-1.xml.gz", "sitemap", 3), ("sitemap.xml", "sitemap-index", 1)]
    assert_valid(docs)
    assert locs(docs[0]) == [f"{SITE}/berita/artikel-{i}" for i in range(3)]
    assert lastmods(docs[0]) == ["2024-01-01T00:00:00+07:00", "2024-01-01T00:01:00+07:00", "2024-01-01T00:02:00+07:00"]
    assert locs(docs[1]) == [BASE + "sitemap-1.xml.gz"]
    assert lastmods(docs[1]) == ["2024-01-01T00:02:00+07:00"]


def test_gzip_header_is_byte_stable_without_time_or_name():
    (shard, _) = render(rows(3))
    header = shard.data[:10]
    assert header[:3] == b"\x1f\x8b\x08"  # gzip magic, deflate
    assert header[3] == 0  # FLG: no FNAME, no FCOMMENT, no FEXTRA
    assert header[4:8] == b"\x00\x00\x00\x00"  # MTIME 0
    assert header[9] == 255  # OS "unknown": the same on every platform
    assert b"sitemap" not in shard.data[:64]
    assert gzip.decompress(shard.data).startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset')


def test_rebuilds_are_byte_identical():
    first = render(rows(25), archive_cfg(max_urls=10))
    again = render(rows(25), archive_cfg(max_urls=10))
    assert [d.data for d in first] == [d.data for d in again]
    assert first == again


def test_split_by_max_urls_with_each_shards_newest_lastmod():
    cfg = archive_cfg(max_urls=10)
    docs = render(rows(25), cfg)
    assert [(d.path, d.items) for d in docs] == [
        ("sitemap-1.xml.gz", 10),
        ("sitemap-2.xml.gz", 10),
        ("sitemap-3.xml.gz", 5),
        ("sitemap.xml", 3),
    ]
    assert_valid(docs)
    assert [u for d in docs[:3] for u in locs(d)] == [r.url for r in rows(25)]
    assert locs(docs[3]) == [f"{BASE}sitemap-{i}.xml.gz" for i in (1, 2, 3)]
    assert lastmods(docs[3]) == ["2024-01-01T00:09:00+07:00", "2024-01-01T00:19:00+07:00", "2024-01-01T00:24:00+07:00"]


def test_shard_lastmod_is_the_latest_instant_across_offsets():
    rs = [
        SitemapRow(f"{SITE}/a", "2024-06-19T23:00:00+07:00"),  # 16:00Z, largest as a string
        SitemapRow(f"{SITE}/b", "2024-06-19T17:00:00Z"),  # 17:00Z, the latest
        SitemapRow(f"{SITE}/c", "2024-06-19T12:30:00-04:00"),  # 16:30Z
        SitemapRow(f"{SITE}/d", "2024-06-19"),  # date only
    ]
    docs = render(rs)
    assert_valid(docs)
    assert lastmods(docs[-1]) == ["2024-06-19T17:00:00Z"]


def test_exactly_50000_rows_per_shard_with_the_real_limits():
    cfg = archive_cfg()
    assert (cfg.max_urls, cfg.max_bytes, cfg.gzip) == (50_000, 50 * 1024 * 1024, True)
    docs = render(rows(50_001), cfg)
    assert [(d.path, d.kind, d.items) for d in docs] == [
        ("sitemap-1.xml.gz", "sitemap", 50_000),
        ("sitemap-2.xml.gz", "sitemap", 1),
        ("sitemap.xml", "sitemap-index", 2),
    ]
    assert_valid(docs)
    assert locs(docs[1]) == [f"{SITE}/berita/artikel-50000"]


def test_split_by_max_bytes_closes_a_shard_before_it_would_overflow():
    all_rows = list(rows(40))
    max_bytes = 1500
    docs = render(all_rows, archive_cfg(max_bytes=max_bytes, gzip=False))
    shards = docs[:-1]
    assert len(shards) > 3 and all(d.path.endswith(".xml") for d in shards)
    assert_valid(docs)
    assert [u for d in shards for u in locs(d)] == [r.url for r in all_rows]
    for this, following in zip(shards, shards[1:]):
        assert len(this.data) <= max_bytes
        first = following.data.split(b"\n")[2] + b"\n"  # the next shard's first <url> line
        assert first.startswith(b"<url>") and len(this.data) + len(first) > max_bytes
    assert len(shards[-1].data) <= max_bytes


def test_max_bytes_is_inclusive():
    (exact,) = render(rows(2), archive_cfg(gzip=False))[:-1]
    docs = render(rows(2), archive_cfg(gzip=False, max_bytes=len(exact.data)))
    assert [d.items for d in docs] == [2, 1]
    docs = render(rows(2), archive_cfg(gzip=False, max_bytes=len(exact.data) - 1))
    assert [d.items for d in docs] == [1, 1, 2]


def test_a_url_that_cannot_fit_even_alone_is_skipped():
    long_url = SITE + "/" + "x" * 500
    docs = render([SitemapRow(long_url, LM), *rows(2)], archive_cfg(gzip=False, max_bytes=300))
    assert [d.items for d in docs[:-1]] == [1, 1]
    assert docs[0].warnings[0].startswith(f"skipped url {long_url[:119]}…: does not fit in sitemap.max_bytes = 300")


def test_zero_rows_give_one_empty_shard_so_the_index_stays_valid():
    docs = render(iter(()))
    assert [(d.path, d.kind, d.items) for d in docs] == [("sitemap-1.xml.gz", "sitemap", 0), ("sitemap.xml", "sitemap-index", 1)]
    # siteindex.xsd needs at least one <sitemap>: the index is valid
    assert schema_errors(docs[1].data, siteindex_schema()) == []
    assert locs(docs[1]) == [BASE + "sitemap-1.xml.gz"] and lastmods(docs[1]) == []
    # the shard is an empty urlset: well-formed, and sitemap.xsd's only complaint is the missing <url>
    root = etree.fromstring(xml_of(docs[0]))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset" and len(root) == 0
    (err,) = schema_errors(xml_of(docs[0]), urlset_schema())
    assert "urlset': Missing child element(s)" in err


def test_uncompressed_shards_and_a_nested_index_path():
    docs = render(rows(3), archive_cfg(gzip=False, path="maps/archive.xml"))
    assert [d.path for d in docs] == ["maps/archive-1.xml", "maps/archive.xml"]
    assert docs[0].data.startswith(b"<?xml")
    assert locs(docs[1]) == [BASE + "maps/archive-1.xml"]
    assert_valid(docs)


def test_streams_one_shard_at_a_time():
    consumed = 0

    def counting():
        nonlocal consumed
        for r in rows(35):
            consumed += 1
            yield r

    it = render_archive(archive_cfg(max_urls=10), SITE, BASE, counting())
    first = next(it)
    assert (first.items, consumed) == (10, 11)  # the 11th row is what closed the shard
    assert [d.kind for d in it] == ["sitemap"] * 3 + ["sitemap-index"]


def test_peak_memory_does_not_grow_with_the_number_of_rows():
    cfg = archive_cfg(max_urls=1_000)

    def peak(n: int) -> int:
        tracemalloc.start()
        try:
            for _ in render_archive(cfg, SITE, BASE, rows(n)):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(5_000), peak(50_000)  # 5 vs 50 shards; keeping the rows would cost ~10x
    assert large < small * 1.25, (small, large)


# --- loc rules -------------------------------------------------------------------------------


def test_off_host_and_overlong_urls_are_skipped_with_warnings():
    head = SITE + "/"
    rs = [
        SitemapRow("https://other.example/x", LM),
        SitemapRow(head + "a" * (2047 - len(head)), LM),
        SitemapRow(head + "b" * (2048 - len(head)), LM),
        SitemapRow("http://genpi.example/insecure", LM),
    ]
    docs = render(rs)
    assert_valid(docs)
    assert locs(docs[0]) == [rs[1].url]
    assert docs[0].warnings == (
        "skipped url https://other.example/x: is not on https://genpi.example",
        f"skipped url {rs[2].url[:119]}…: is 2,048 characters, sitemaps allow at most 2,047",
        "skipped url http://genpi.example/insecure: is not on https://genpi.example",
    )


def test_warnings_per_shard_are_capped():
    bad = (SitemapRow(f"https://other.example/{i}", LM) for i in range(150))
    (shard, _) = render(bad)
    assert len(shard.warnings) == 101 and shard.warnings[-1] == "… and 50 more skipped or changed"


def test_urls_are_percent_encoded_and_entity_escaped():
    rs = [SitemapRow(f"{SITE}/cari?q=kafé&hal=2&x='1'", LM), SitemapRow(f"{SITE}/a b<c>", LM)]
    docs = render(rs, archive_cfg(gzip=False))
    assert_valid(docs)
    assert b"<loc>https://genpi.example/cari?q=kaf%C3%A9&amp;hal=2&amp;x=&apos;1&apos;</loc>" in docs[0].data
    assert locs(docs[0]) == [f"{SITE}/cari?q=kaf%C3%A9&hal=2&x='1'", f"{SITE}/a%20b%3Cc%3E"]


def test_a_lastmod_that_is_not_w3c_is_left_out():
    bad = ["19 June 2024", "<x>", "2024-06-19T17:00+07:00", "2024-06-19T17:00:00", "2024-06-19+07:00", "２０２４-06-19"]
    docs = render([SitemapRow(f"{SITE}/{i}", lm) for i, lm in enumerate(bad)])
    assert_valid(docs)
    assert lastmods(docs[0]) == [] and lastmods(docs[1]) == []
    assert len(docs[0].warnings) == len(bad)


def test_index_warns_when_files_are_served_from_another_host():
    docs = render(rows(1), base="https://cdn.genpi.example/feeds/")
    assert locs(docs[-1]) == ["https://cdn.genpi.example/feeds/sitemap-1.xml.gz"]
    assert "robots.txt" in docs[-1].warnings[0]
    assert render(rows(1))[-1].warnings == ()


# --- robots ----------------------------------------------------------------------------------


def test_robots_lines():
    doc = render_robots([BASE + "sitemap.xml", BASE + "news-sitemap.xml", BASE + "sitemap.xml"])
    assert (doc.path, doc.kind, doc.items) == ("robots-sitemaps.txt", "robots", 2)
    assert doc.data == b"Sitemap: https://genpi.example/sitemap.xml\nSitemap: https://genpi.example/news-sitemap.xml\n"
    with pytest.raises(ValueError, match="absolute"):
        render_robots(["sitemap.xml"])


# --- usp over real HTTP ----------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving tmp_path/www; yields its root URL without the slash."""
    www = tmp_path / "www"
    www.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


class _LocalOnlyClient(RequestsWebClient):
    """usp's own requests client, recording every URL and refusing anything but 127.0.0.1."""

    def __init__(self) -> None:
        session = requests.Session()
        session.trust_env = False  # no proxy from the environment
        super().__init__(session=session)
        self.fetched: list[str] = []

    def get(self, url: str):
        self.fetched.append(url)
        assert urlsplit(url).hostname == "127.0.0.1", f"usp tried the outside network: {url}"
        return super().get(url)


def publish(www: Path, docs: list[Document]) -> None:
    for d in docs:
        target = www / d.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(d.data)


def test_usp_reads_archive_and_news_trees_over_http(server):
    site, www = server
    base = site + "/feeds/"
    cfg = config(site=site, max_urls=40)
    now = datetime(2024, 6, 21, 8, 0, tzinfo=JAKARTA)

    archive = list(render_archive(cfg.sitemap, site, base, rows(100, site=site)))
    images = lambda i: tuple(Image(url=f"{site}/img/{i}-{k}.jpg") for k in range(i % 3))  # 0, 1 or 2 each
    news_arts = [
        make_article(i, url=f"{site}/news/{i}", published=now - timedelta(minutes=i), images=images(i), title=f"Berita {i} & 😀")
        for i in range(1, 8)
    ]
    news_cfg = dataclasses.replace(cfg.news_sitemap, max_urls=3)
    news = render_news_sitemap(news_cfg, site, base, select_news(news_arts, 48, now), now)
    robots = render_robots([base + cfg.sitemap.path, base + news_cfg.path])
    assert [d.kind for d in news] == ["news-sitemap"] * 3 + ["news-sitemap-index"]
    assert_valid(archive + news)

    publish(www / "feeds", archive + news)
    (www / "robots.txt").write_bytes(b"User-agent: *\nAllow: /\n" + robots.data)

    client = _LocalOnlyClient()
    tree = sitemap_tree_for_homepage(site + "/", web_client=client, use_known_paths=False)

    pages = list(tree.all_pages())
    assert len(pages) == 100 + 7
    by_url = {p.url: p for p in pages}
    assert set(by_url) == {r.url for r in rows(100, site=site)} | {a.url for a in news_arts}
    stories = [p.news_story for p in pages if p.news_story]
    assert len(stories) == 7
    assert {s.title for s in stories} == {a.title for a in news_arts}
    assert {s.publication_name for s in stories} == {"GenPI.co"}
    assert {s.publication_language for s in stories} == {"id"}
    assert by_url[f"{site}/news/1"].news_story.publish_date == now - timedelta(minutes=1)
    assert sum(len(p.images or ()) for p in pages) == sum(len(a.images) for a in news_arts) == 7
    assert by_url[f"{site}/berita/artikel-5"].last_modified == datetime(2024, 1, 1, 0, 5, tzinfo=JAKARTA)

    # robots.txt -> 2 indexes -> 3 archive shards (gzip) + 3 news files, all from 127.0.0.1
    assert client.fetched[0] == site + "/robots.txt"
    assert sorted(client.fetched[1:]) == sorted(
        [base + "sitemap.xml", base + "news-sitemap.xml"]
        + [f"{base}sitemap-{i}.xml.gz" for i in (1, 2, 3)]
        + [f"{base}news-sitemap-{i}.xml" for i in (1, 2, 3)]
    )
    assert not any(type(s).__name__ == "InvalidSitemap" for s in tree.all_sitemaps())


def test_usp_reads_an_empty_news_sitemap_and_an_empty_archive(server):
    site, www = server
    cfg = config(site=site)
    now = datetime(2024, 6, 21, 8, 0, tzinfo=JAKARTA)
    docs = [
        *render_archive(cfg.sitemap, site, site + "/", iter(())),
        *render_news_sitemap(cfg.news_sitemap, site, site + "/", [], now),
    ]
    publish(www, docs)
    (www / "robots.txt").write_bytes(render_robots([f"{site}/sitemap.xml", f"{site}/news-sitemap.xml"]).data)

    client = _LocalOnlyClient()
    tree = sitemap_tree_for_homepage(site + "/", web_client=client, use_known_paths=False)
    assert list(tree.all_pages()) == []
    assert not any(type(s).__name__ == "InvalidSitemap" for s in tree.all_sitemaps())
    assert len(client.fetched) == 4  # robots.txt, index, empty shard, empty news sitemap
