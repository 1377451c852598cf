"""`feedhub validate [PATH...]`: the publishing gate's validator on files already on disk (issue 5).

Our own outputs, and hand-written files of another site (``other.example``) broken one
rule family at a time.
"""

from __future__ import annotations

import gzip
import subprocess
import sys

import pytest

from conftest import TWO_FEEDS_TOML, make_article
from feedhub.cli import main
from feedhub.store import open_store

NOW = "2024-06-20T12:00:00+07:00"
CONFIG = TWO_FEEDS_TOML + """\
[sitemap]
max_urls = 4
"""

RSS = """\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Other News</title>
    <link>https://other.example/</link>
    <description>Someone else's feed</description>
    <atom:link href="https://other.example/rss.xml" rel="self" type="application/rss+xml"/>
    <item>
      <title>First story</title>
      <link>https://other.example/news/1</link>
      <guid isPermaLink="false">story-1</guid>
      <pubDate>Wed, 19 Jun 2024 20:30:00 +0700</pubDate>
    </item>
  </channel>
</rss>
"""
ATOM = """\
<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>tag:other.example,2024:feed</id>
  <title>Other News</title>
  <updated>2024-06-19T20:30:00+07:00</updated>
  <author><name>Desk</name></author>
  <link rel="self" href="https://other.example/atom.xml"/>
  <entry>
    <id>tag:other.example,2024:story-1</id>
    <title>First story</title>
    <updated>2024-06-19T20:30:00+07:00</updated>
    <link rel="alternate" type="text/html" href="https://other.example/news/1"/>
  </entry>
</feed>
"""
SITEMAP = """\
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://other.example/news/1</loc><lastmod>2024-06-19T20:30:00+07:00</lastmod></url>
  <url><loc>https://other.example/news/2</loc></url>
</urlset>
"""
NEWS = """\
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://other.example/news/1</loc>
    <news:news>
      <news:publication><news:name>Other News</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2024-06-19T20:30:00+07:00</news:publication_date>
      <news:title>First story</news:title>
    </news:news>
  </url>
</urlset>
"""
INDEX = """\
<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://other.example/sitemap-1.xml.gz</loc><lastmod>2024-06-19T20:30:00+07:00</lastmod></sitemap>
</sitemapindex>
"""
GOOD = {"rss.xml": RSS, "atom.xml": ATOM, "sitemap.xml": SITEMAP, "news.xml": NEWS, "index.xml": INDEX}

#: (file name, good document, text to replace, replacement, rule, where it is reported)
BROKEN = [
    ("not-well-formed.xml", RSS, "</channel>\n</rss>", "", "xml.well-formed", "line 15"),
    ("no-guid.xml", RSS, '<guid isPermaLink="false">story-1</guid>', "", "rss.item.guid", "line 8 /rss/channel/item"),
    ("no-entry-id.xml", ATOM, "<id>tag:other.example,2024:story-1</id>", "", "atom.entry.id", "line 8 /feed/entry"),
    ("rss-date.xml", RSS, "Wed, 19 Jun 2024 20:30:00 +0700", "2024-06-19 20:30", "rss.date", "line 12 /rss/channel/item/pubDate"),
    ("atom-date.xml", ATOM, "<updated>2024-06-19T20:30:00+07:00</updated>\n  <author>", "<updated>19/06/2024</updated>\n  <author>", "atom.date", "line 5 /feed/updated"),
    ("relative-link.xml", RSS, "<link>https://other.example/news/1", "<link>/news/1", "rss.item.link", "line 10 /rss/channel/item/link"),
    ("relative-loc.xml", SITEMAP, "<loc>https://other.example/news/2", "<loc>/news/2", "sitemap.loc-absolute", "line 4 /urlset/url[2]/loc"),
    ("news-no-publication.xml", NEWS, "<news:publication><news:name>Other News</news:name><news:language>en</news:language></news:publication>", "", "news.publication", "line 5 /urlset/url/news:news"),
    ("index-relative.xml", INDEX, "https://other.example/sitemap-1", "sitemap-1", "sitemap.loc-absolute", "line 3 /sitemapindex/sitemap/loc"),
]


def run(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A directory with no config.toml at all: anyone's files need none."""
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def site(tmp_path, monkeypatch, capsys):
    """A site built as of NOW: feeds, news sitemap, three gzip shards and their index."""
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    store = open_store("sqlite:///" + str(tmp_path / "store.sqlite3"), create=True)
    store.upsert([make_article(n, section="olahraga" if n % 3 == 0 else "nasional") for n in range(1, 11)])
    store.close()
    assert main(["build", "--now", NOW]) == 0
    capsys.readouterr()
    return tmp_path


def outputs(site) -> list[str]:
    out = site / "feeds"
    return sorted(str(p) for p in out.rglob("*") if p.is_file() and not p.name.startswith(".") and p.suffix != ".xsl")  # .xsl: issue 16


# -- our outputs ----------------------------------------------------------------------------


def test_without_paths_validates_every_output_of_the_config(site, capsys):
    code, lines, err = run(capsys, "--now", NOW)

    assert (code, err) == (0, "")
    assert lines == [f"{p}: ok" for p in outputs(site)]
    assert len(lines) == 10  # 4 feeds, news sitemap, 3 shards, index, robots lines
    assert any(line.endswith(".xml.gz: ok") for line in lines)


def test_each_output_by_path(site, capsys):
    paths = outputs(site)
    code, lines, _ = run(capsys, "--now", NOW, *paths)
    assert code == 0
    assert lines == [f"{p}: ok" for p in paths]


def test_without_paths_applies_the_builds_site_checks(site, capsys):
    # A file under an output name that strays off the site: fine by the specs, not for this site.
    shard = site / "feeds" / "sitemap-2.xml.gz"
    shard.write_bytes(gzip.compress(SITEMAP.encode()))

    code, lines, _ = run(capsys, "--now", NOW)
    assert code == 1
    bad = [line for line in lines if not line.endswith(": ok")]
    assert len(bad) == 2 and len(lines) == 9 + 2  # nine files fine, two problems in the tenth
    assert bad[0].startswith(f"{shard}: error: line 3 /urlset/url[1]/loc: sitemap.loc-host: ")
    assert bad[1].startswith(f"{shard}: error: line 4 /urlset/url[2]/loc: sitemap.loc-host: ")

    # Named by path it is judged by the specs' rules only, like anyone's file.
    assert run(capsys, "--now", NOW, str(shard))[:2] == (0, [f"{shard}: ok"])


def test_without_paths_and_without_outputs_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    code, lines, err = run(capsys)
    assert (code, lines) == (2, [])
    assert err.startswith("feedhub: no outputs in ") and len(err.splitlines()) == 1


def test_stale_news_sitemap_fails_against_the_clock(site, capsys):
    # Built for 2024: judged as of today every story has left the 48-hour window.
    code, lines, _ = run(capsys)
    assert code == 1
    news = [line for line in lines if "news-sitemap.xml" in line]
    assert news and all(": error: " in line and "news.window" in line for line in news)


# -- anyone's files -------------------------------------------------------------------------


def test_good_files_of_another_site(elsewhere, capsys):
    for name, text in GOOD.items():
        (elsewhere / name).write_text(text, encoding="utf-8")
    (elsewhere / "sitemap.xml.gz").write_bytes(gzip.compress(SITEMAP.encode()))
    names = [*GOOD, "sitemap.xml.gz"]

    code, lines, err = run(capsys, "--now", NOW, *names)

    assert (code, err) == (0, "")
    assert lines == [f"{n}: ok" for n in names]


@pytest.mark.parametrize("name, good, old, new, rule, place", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_one_line_per_problem_exit_one(elsewhere, capsys, name, good, old, new, rule, place):
    assert good.count(old) == 1
    (elsewhere / name).write_text(good.replace(old, new), encoding="utf-8")

    code, lines, err = run(capsys, "--now", NOW, "--profile", "publish", name)

    assert (code, err) == (1, "")
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{name}: error: {place}: {rule}: "), lines[0]


def test_gzip_sitemap_problems_are_reported_at_the_uncompressed_line(elsewhere, capsys):
    (elsewhere / "bad-lastmod.xml.gz").write_bytes(gzip.compress(SITEMAP.replace("2024-06-19T20:30:00+07:00", "yesterday").encode()))
    (elsewhere / "truncated.xml.gz").write_bytes(gzip.compress(SITEMAP.encode())[:60])

    code, lines, _ = run(capsys, "bad-lastmod.xml.gz", "truncated.xml.gz")

    assert code == 1
    assert lines[0].startswith("bad-lastmod.xml.gz: error: line 3 /urlset/url[1]/lastmod: sitemap.lastmod: ")
    assert lines[1] == "truncated.xml.gz: error: xml.gzip: gzip data is truncated"
    assert len(lines) == 2


def test_warnings_alone_exit_zero(elsewhere, capsys):
    (elsewhere / "rss.xml").write_text(RSS.replace('<atom:link href="https://other.example/rss.xml" rel="self" type="application/rss+xml"/>', ""), encoding="utf-8")
    code, lines, _ = run(capsys, "rss.xml")
    assert code == 0
    assert len(lines) == 1 and lines[0].startswith("rss.xml: warning: line 3 /rss/channel: rss.atom-self: ")


def test_every_file_is_checked_good_bad_and_missing(elsewhere, capsys):
    (elsewhere / "good.xml").write_text(ATOM, encoding="utf-8")
    (elsewhere / "bad.xml").write_text(ATOM.replace("<title>Other News</title>", ""), encoding="utf-8")

    # (a missing PATH is a user mistake: one line, exit 2; tests/test_cli_options.py)
    code, lines, err = run(capsys, "good.xml", "bad.xml", str(elsewhere))

    assert (code, err) == (1, "")
    assert lines[0] == "good.xml: ok"
    assert lines[1].startswith("bad.xml: error: line 2 /feed: atom.feed.title: ")
    assert lines[2] == f"{elsewhere}: cannot read: Is a directory"
    assert len(lines) == 3


def test_a_missing_path_is_one_line_on_stderr(elsewhere, capsys):
    (elsewhere / "good.xml").write_text(ATOM, encoding="utf-8")
    code, lines, err = run(capsys, "good.xml", "missing.xml")
    assert (code, lines, err) == (2, [], "feedhub: missing.xml: no such file\n")


def test_a_missing_guid_is_a_warning_for_anyones_feed_and_an_error_for_ours(elsewhere, capsys):
    (elsewhere / "feed.xml").write_text(RSS.replace('<guid isPermaLink="false">story-1</guid>', ""), encoding="utf-8")
    code, lines, _ = run(capsys, "feed.xml")
    assert code == 0 and [line.split(": ")[1:4:2] for line in lines] == [["warning", "rss.item.guid-missing"]]
    code, lines, _ = run(capsys, "--profile", "publish", "feed.xml")
    assert code == 1 and [line.split(": ")[1:4:2] for line in lines] == [["error", "rss.item.guid"]]


def test_a_huge_plain_file_is_refused_before_it_is_read(elsewhere, capsys, monkeypatch):
    from pathlib import Path

    huge = elsewhere / "huge.xml"
    with huge.open("wb") as f:
        f.truncate(51 * 1024 * 1024)  # sparse: no disk, and nothing is read
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read a file over the cap"))
    code, lines, _ = run(capsys, "huge.xml")
    assert code == 1 and lines == [f"huge.xml: error: sitemap.max-bytes: {51 * 1024 * 1024:,} bytes; the limit is 52,428,800 (sitemaps.org: 50 MB); not read"]


def test_not_a_feed_at_all(elsewhere, capsys):
    (elsewhere / "page.html").write_text("<html><body>hi</body></html>", encoding="utf-8")
    code, lines, _ = run(capsys, "page.html")
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("page.html: error: line 1 /html: kind.unknown: ")


def test_subprocess_validate_exit_codes(elsewhere):
    (elsewhere / "good.xml").write_text(NEWS, encoding="utf-8")
    (elsewhere / "bad.xml").write_text(NEWS.replace("<news:title>First story</news:title>", ""), encoding="utf-8")
    cmd = [sys.executable, "-m", "feedhub", "validate", "--now", NOW]

    good = subprocess.run([*cmd, "good.xml"], cwd=elsewhere, capture_output=True, text=True, timeout=60)
    bad = subprocess.run([*cmd, "good.xml", "bad.xml"], cwd=elsewhere, capture_output=True, text=True, timeout=60)

    assert (good.returncode, good.stdout, good.stderr) == (0, "good.xml: ok\n", "")
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[0] == "good.xml: ok"
    assert bad.stdout.splitlines()[1].startswith("bad.xml: error: ") and "news.title" in bad.stdout
