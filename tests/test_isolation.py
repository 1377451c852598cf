"""One bad article never stalls an output (issue 10): it is left out where it cannot be written,
named in the build report and in ``status --json``, and every output is still published and valid.

The articles are upserted straight into the store, as a store filled under older import rules
(or by another tool) would hold them: the import contract refuses most of these today.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from conftest import JAKARTA, make_article
from feedhub.model import Image, RelatedLink
from feedhub.validate import validate
from test_build import Site

NOW = datetime(2024, 6, 20, 12, 0, tzinfo=JAKARTA)
#: Every output of the two-feed site, with its kind for the validator.
OUTPUTS = {
    "all/rss.xml": "rss",
    "all/atom.xml": "atom",
    "olahraga/rss.xml": "rss",
    "olahraga/atom.xml": "atom",
    "news-sitemap.xml": "news-sitemap",
    "sitemap-1.xml.gz": "sitemap",
    "sitemap.xml": "sitemap-index",
}
FEEDS = ("all/rss.xml", "all/atom.xml")
SITEMAPS = ("news-sitemap.xml", "sitemap-1.xml.gz")
BAD_ID = "art-30"


def _bad(**fields) -> object:
    # Published two hours before NOW: inside the news window and every feed.
    return make_article(30, published=NOW - timedelta(hours=2), **fields)


#: (case, the bad article's fields, outputs it cannot be written into, (field, rule) named)
CASES = [
    ("und", dict(language="und"), ("news-sitemap.xml",), ("language", "news-language")),
    ("private-use", dict(language="x-genpi"), ("news-sitemap.xml",), ("language", "news-language")),
    ("userinfo", dict(url="https://user:pw@genpi.example/p"), FEEDS + SITEMAPS, ("url", None)),
    ("bad-escape", dict(url="https://genpi.example/%zz"), FEEDS + SITEMAPS, ("url", None)),
    ("2048-chars", dict(url="https://genpi.example/" + "a" * (2048 - 22)), SITEMAPS, ("url", "sitemap-loc")),
    ("control-char", dict(title="Judul\x01rusak"), FEEDS, ("title", "xml-chars")),
    ("bad-image-url", dict(images=(Image(url="https://genpi.example/%zz.jpg"),)), FEEDS + ("news-sitemap.xml",), ("images[0].url", "url")),
]


def _text(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _status(site: Site) -> dict[str, dict]:
    code, lines = site.cli("status", "--json")
    assert code == 0
    return {o["path"]: o for o in json.loads("\n".join(lines))["outputs"]}


def _assert_every_output_published_and_valid(site: Site, outcomes: dict[str, str]) -> None:
    for path, kind in OUTPUTS.items():
        assert outcomes[path] == "written", path
        data = (site.out / path).read_bytes()
        errors = [p for p in validate(data, kind, now=NOW, site_url="https://genpi.example") if p.severity == "error"]
        assert errors == [], path
    for path in FEEDS:
        assert feedparser.parse((site.out / path).read_bytes()).bozo == 0


@pytest.mark.parametrize("fields, cannot, named", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_article_is_left_out_only_where_it_cannot_be_written(tmp_path, capsys, fields, cannot, named):
    site = Site(tmp_path, capsys, max_urls=50)
    bad = _bad(**fields)
    site.ingest([make_article(n, published=NOW - timedelta(hours=n + 3)) for n in range(1, 4)] + [bad])
    code, outcomes, lines = site.build(now=NOW.isoformat())

    assert code == 0, lines
    _assert_every_output_published_and_valid(site, outcomes)
    guid = f"<guid isPermaLink=\"false\">{BAD_ID}</guid>".encode()
    for path in OUTPUTS:
        text = _text(site.out / path)
        if path in cannot:
            assert guid not in text and bad.title.encode() not in text, path
        elif path in FEEDS:
            assert f"{BAD_ID}<".encode() in text, path
        elif path in SITEMAPS:
            assert bad.url.encode() in text, path
    # The build report names the output, the article (sitemap rows carry only their URL), field and rule.
    field, rule = named
    for path in cannot:
        at = lines.index(next(line for line in lines if line.split()[1:2] == [path]))
        left = [line for line in lines[at + 1:] if line.startswith("  warning: left out ")]
        assert left and (BAD_ID in left[0] or path.startswith("sitemap")), (path, lines)
        assert f"{field}: " in left[0] and (rule is None or f"[{rule}]" in left[0]), left[0]
    status = _status(site)
    for path in OUTPUTS:
        left_out = status[path]["left_out"]
        assert bool(left_out) is (path in cannot), path
        if left_out and not path.startswith("sitemap"):
            assert (left_out[0]["id"], left_out[0]["field"]) == (BAD_ID, field)


def test_a_ten_megabyte_title_costs_no_output(tmp_path, capsys):
    # Over libxml2's 10,000,000-byte text node: no parser without huge_tree reads it.
    site = Site(tmp_path, capsys, max_urls=50)
    huge = _bad(title="Judul " * (10 * 1024 * 1024 // 6))
    site.ingest([make_article(1, published=NOW - timedelta(hours=5)), huge])
    code, outcomes, lines = site.build(now=NOW.isoformat())
    assert code == 0, lines
    _assert_every_output_published_and_valid(site, outcomes)
    assert [x["rule"] for x in _status(site)["all/rss.xml"]["left_out"]] == ["text-size"]
    assert [x["rule"] for x in _status(site)["news-sitemap.xml"]["left_out"]] == ["text-size"]
    # The archive sitemap has no title: the article is listed there.
    assert huge.url.encode() in _text(site.out / "sitemap-1.xml.gz")


def test_a_title_just_under_the_text_node_limit_is_written(tmp_path, capsys):
    site = Site(tmp_path, capsys, max_urls=50)
    big = _bad(title="x" * 9_999_000)
    site.ingest([big])
    code, outcomes, lines = site.build(now=NOW.isoformat())
    assert code == 0, lines
    _assert_every_output_published_and_valid(site, outcomes)
    assert all(not o["left_out"] for o in _status(site).values())


def test_the_status_table_lists_left_out_articles(tmp_path, capsys):
    site = Site(tmp_path, capsys, max_urls=50)
    site.ingest([make_article(1, published=NOW - timedelta(hours=5)), _bad(language="und")])
    assert site.build(now=NOW.isoformat())[0] == 0
    code, lines = site.cli("status")
    assert code == 0
    assert any(line.startswith("news-sitemap.xml: left out id=art-30: language: ") and "[news-language]" in line for line in lines), lines


# --- dates after the build's now are clamped -----------------------------------------------------


def test_a_future_updated_is_written_as_now_until_it_is_reached(tmp_path, capsys):
    site = Site(tmp_path, capsys, max_urls=50)
    later = NOW + timedelta(hours=3)
    site.ingest([make_article(1, published=NOW - timedelta(hours=5)), _bad(updated=later)])
    code, _, _ = site.build(now=NOW.isoformat())
    assert code == 0

    rss = etree.fromstring((site.out / "all/rss.xml").read_bytes())
    assert rss.findtext("channel/lastBuildDate") == "Thu, 20 Jun 2024 12:00:00 +0700"
    atom = etree.fromstring((site.out / "all/atom.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom", "s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert atom.findtext("a:updated", namespaces=ns) == "2024-06-20T12:00:00+07:00"
    assert atom.xpath("a:entry[1]/a:updated/text()", namespaces=ns) == ["2024-06-20T12:00:00+07:00"]
    shard = etree.fromstring(_text(site.out / "sitemap-1.xml.gz"))
    assert max(shard.xpath("//s:lastmod/text()", namespaces=ns)) == "2024-06-20T12:00:00+07:00"
    index = etree.fromstring((site.out / "sitemap.xml").read_bytes())
    assert index.xpath("//s:lastmod/text()", namespaces=ns) == ["2024-06-20T12:00:00+07:00"]

    # The build says when the real value is reached; the daemon rebuilds then (next_release).
    from feedhub.build import run_once
    from feedhub.config import load_config
    from feedhub.store import open_store

    config = load_config(site.config)
    with_store = open_store(config.store.url)
    try:
        report = run_once(config, with_store, NOW)
        assert report.next_unclamp == later and report.next_release == later
        report = run_once(config, with_store, later)
    finally:
        with_store.close()
    assert report.ok and report.next_unclamp is None
    atom = etree.fromstring((site.out / "all/atom.xml").read_bytes())
    assert atom.findtext("a:updated", namespaces=ns) == later.isoformat()


# --- IRIs are written as URIs everywhere -----------------------------------------------------------


def test_iris_are_written_as_uris_in_rss_and_atom(tmp_path, capsys):
    site = Site(tmp_path, capsys, max_urls=50)
    iri = 'https://genpi.example/ü/1?q=<>"x'
    art = _bad(
        url=iri,
        images=(Image(url="https://bücher.example/foto ü.jpg"),),
        related=(RelatedLink(url="https://bücher.example/baca/ü", title="Baca juga"),),
    )
    site.ingest([art])
    code, outcomes, lines = site.build(now=NOW.isoformat())
    assert code == 0, lines
    _assert_every_output_published_and_valid(site, outcomes)
    want = {
        "https://genpi.example/%C3%BC/1?q=%3C%3E%22x",
        "https://xn--bcher-kva.example/foto%20%C3%BC.jpg",
        "https://xn--bcher-kva.example/baca/%C3%BC",
    }
    for path in FEEDS:
        text = (site.out / path).read_text(encoding="utf-8")
        for uri in want:
            assert uri in text, (path, uri)
        assert "bücher" not in text and "/ü" not in text, path
