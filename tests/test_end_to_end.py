"""The seed article through the real command line, on the repo's own config.toml.

ingest → build --now → files on disk, read back with the official schemas, feedparser
and lxml: what a newcomer running the README's first command gets.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys

import feedparser
import pytest
from lxml import etree

from conftest import REPO, SEED_PATH, seed_record
from oracles import atom_schema, schema_errors, siteindex_schema, urlset_schema

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "media": "http://search.yahoo.com/mrss/",
    "atom": "http://www.w3.org/2005/Atom",
}
SEED = seed_record()


def feedhub(site, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "feedhub", args[0], "--config", str(site / "config.toml"), *args[1:]],
        capture_output=True, text=True, timeout=120, cwd=site,
    )


@pytest.fixture
def site(tmp_path):
    shutil.copy(REPO / "config.toml", tmp_path / "config.toml")
    r = feedhub(tmp_path, "ingest", str(SEED_PATH))
    assert (r.returncode, r.stdout) == (0, "ingested 1 (new 1, updated 0, unchanged 0), rejected 0\n"), r.stderr
    return tmp_path


def test_seed_in_the_news_sitemap_the_next_morning_and_gone_three_days_later(site):
    r = feedhub(site, "build", "--now", "2024-06-20T10:00:00+07:00")
    assert r.returncode == 0, r.stdout + r.stderr
    news = (site / "feeds" / "news-sitemap.xml").read_bytes()
    assert schema_errors(news, urlset_schema()) == []
    doc = etree.fromstring(news)
    assert doc.xpath("//sm:url/sm:loc/text()", namespaces=NS) == [SEED["url"]]
    assert doc.xpath("//news:title/text()", namespaces=NS) == [SEED["title"]]  # typo "Berrbagi" kept
    assert doc.xpath("//news:publication_date/text()", namespaces=NS) == ["2024-06-19T20:30:00+07:00"]
    assert doc.xpath("//news:language/text()", namespaces=NS) == ["id"]
    assert doc.xpath("//image:image/image:loc/text()", namespaces=NS) == [SEED["images"][0]["url"]]

    r = feedhub(site, "build", "--now", "2024-06-22T10:00:00+07:00")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "written   news-sitemap.xml (0 items" in r.stdout
    doc = etree.fromstring((site / "feeds" / "news-sitemap.xml").read_bytes())
    assert doc.tag == f"{{{NS['sm']}}}urlset" and len(doc) == 0
    # The archive keeps it.
    index = (site / "feeds" / "sitemap.xml").read_bytes()
    assert schema_errors(index, siteindex_schema()) == []
    shard = gzip.decompress((site / "feeds" / "sitemap-1.xml.gz").read_bytes())
    assert schema_errors(shard, urlset_schema()) == []
    assert etree.fromstring(shard).xpath("//sm:loc/text()", namespaces=NS) == [SEED["url"]]


@pytest.mark.parametrize("feed", ["all", "internasional"])
def test_seed_feeds_carry_caption_credit_and_related_links(site, feed):
    r = feedhub(site, "build", "--now", "2024-06-20T10:00:00+07:00")
    assert r.returncode == 0, r.stdout + r.stderr
    image, related = SEED["images"][0], SEED["related"]
    for name in ("rss.xml", "atom.xml"):
        data = (site / "feeds" / feed / name).read_bytes()
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        (entry,) = parsed.entries
        assert (entry.title, entry.link) == (SEED["title"], SEED["url"])
        assert entry.published_parsed[:5] == (2024, 6, 19, 13, 30)  # 20:30 +07:00 is 13:30 UTC
        assert entry.media_credit[0]["content"] == "AP Photo/Susan Walsh"
        assert entry.media_content[0]["url"] == image["url"]
        doc = etree.fromstring(data)
        assert doc.xpath("//media:content/media:description/text()", namespaces=NS) == [image["caption"]]
        links = doc.xpath("//atom:link[@rel='related'] | //*[local-name()='link'][@rel='related']", namespaces=NS)
        assert sorted((link.get("href"), link.get("title")) for link in links) == sorted((x["url"], x["title"]) for x in related)
    assert schema_errors((site / "feeds" / feed / "atom.xml").read_bytes(), atom_schema()) == []


def test_section_feed_without_matching_articles_is_still_valid(site):
    r = feedhub(site, "build", "--now", "2024-06-20T10:00:00+07:00")
    assert r.returncode == 0
    atom = (site / "feeds" / "olahraga" / "atom.xml").read_bytes()
    assert schema_errors(atom, atom_schema()) == []
    rss = feedparser.parse((site / "feeds" / "olahraga" / "rss.xml").read_bytes())
    assert rss.bozo == 0 and rss.entries == []
    assert feedhub(site, "validate", "--now", "2024-06-20T10:00:00+07:00").returncode == 0
    # Judged by today's clock, the 2024 story has left Google's window: the news sitemap is stale.
    stale = feedhub(site, "validate")
    assert stale.returncode == 1
    assert [line.split(": ", 2)[1] for line in stale.stdout.splitlines() if ": error: " in line] == ["error"]
    assert "news.window" in stale.stdout and "news-sitemap.xml: error:" in stale.stdout
