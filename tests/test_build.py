"""`feedhub build`: the validation gate, write only on change, stale shards (issue 5).

Real stores, real files, the real CLI called in-process; renderers are monkeypatched only
to force a broken document through the gate.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import TWO_FEEDS_TOML, make_article
from feedhub import publish
from feedhub.cli import main
from feedhub.lock import OutputLock
from feedhub.render import rss, sitemaps
from feedhub.store import open_store

NOW = "2024-06-20T12:00:00+07:00"
CONFIG = TWO_FEEDS_TOML + """\
[sitemap]
max_urls = {max_urls}
"""


class Site:
    """A site directory: config.toml, a store, ``feeds/``; runs the CLI in-process."""

    def __init__(self, root: Path, capsys, max_urls: int = 3) -> None:
        self.root = root
        self.out = root / "feeds"
        self.config = root / "config.toml"
        self.config.write_text(CONFIG.format(max_urls=max_urls), encoding="utf-8")
        self._capsys = capsys

    def ingest(self, articles) -> None:
        store = open_store("sqlite:///" + str(self.root / "store.sqlite3"), create=True)
        try:
            store.upsert(list(articles))
        finally:
            store.close()

    def cli(self, *args: str) -> tuple[int, list[str]]:
        code = main([args[0], "--config", str(self.config), *args[1:]])
        out, _ = self._capsys.readouterr()
        return code, out.splitlines()

    def build(self, *args: str, now: str = NOW) -> tuple[int, dict[str, str], list[str]]:
        """Exit code, {output path: outcome} and the printed lines."""
        code, lines = self.cli("build", "--now", now, *args)
        outcomes = {}
        for line in lines:
            m = re.match(r"^(written|unchanged|rejected|removed)\s+(\S+) \(", line)
            if m:
                outcomes[m.group(2)] = m.group(1)
        return code, outcomes, lines

    def files(self) -> dict[str, Path]:
        """Every output on disk (dot files are ours: lock, status, temporaries)."""
        return {p.relative_to(self.out).as_posix(): p for p in sorted(self.out.rglob("*")) if p.is_file() and not p.name.startswith(".") and p.suffix != ".xsl"}  # stylesheets: issue 16

    def stats(self) -> dict[str, tuple[int, int, bytes]]:
        return {k: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for k, p in self.files().items()}

    def status(self) -> dict[str, dict]:
        raw = json.loads((self.out / ".feedhub-status.json").read_text(encoding="utf-8"))
        return {o["path"]: o for o in raw["outputs"]}


@pytest.fixture
def site(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    s = Site(tmp_path, capsys)
    s.ingest(make_article(n) for n in range(1, 9))  # art-1 … art-8, section nasional
    return s


def _age_files(site: Site) -> None:
    """Give every output an old mtime, so "not touched" cannot pass by clock granularity."""
    for p in site.files().values():
        os.utime(p, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))


def _without_first_guid(doc):
    return replace(doc, data=re.sub(rb"<guid[^>]*>[^<]*</guid>", b"", doc.data, count=1))


def _truncated(doc):
    return replace(doc, data=doc.data[: len(doc.data) // 2])


# -- the validation gate --------------------------------------------------------------------


@pytest.mark.parametrize(
    "break_doc, rule, place",
    [
        (_without_first_guid, "rss.item.guid", re.compile(r"line \d+ /rss/channel/item\[1\]")),
        (_truncated, "xml.well-formed", re.compile(r"line \d+")),
    ],
    ids=["missing-guid", "not-well-formed"],
)
def test_rejected_document_keeps_last_good_file_others_published(site, monkeypatch, break_doc, rule, place):
    assert site.build()[0] == 0
    _age_files(site)
    before = site.stats()
    site.ingest([make_article(9, section="olahraga")])  # every feed and sitemap changes

    real = rss.render_rss

    def broken(feed, articles, now):
        doc = real(feed, articles, now)
        return break_doc(doc) if feed.name == "all" else doc

    monkeypatch.setattr(rss, "render_rss", broken)
    code, outcomes, lines = site.build()

    assert code == 1
    assert outcomes["all/rss.xml"] == "rejected"
    at = next(i for i, line in enumerate(lines) if line.startswith("rejected  all/rss.xml ("))
    problem = lines[at + 1]  # the rule and the place, right under the output's line
    assert problem.startswith("  error: ") and rule in problem and place.search(problem), problem
    # The last good file is still there, byte for byte, not even touched.
    after = site.stats()
    assert after["all/rss.xml"] == before["all/rss.xml"]
    # Every other output is published.
    changed = {"all/atom.xml", "olahraga/rss.xml", "olahraga/atom.xml", "news-sitemap.xml", "sitemap-3.xml.gz", "sitemap.xml"}
    assert {k for k, v in outcomes.items() if v == "written"} == changed
    assert {k for k, v in outcomes.items() if v == "unchanged"} == set(before) - changed - {"all/rss.xml"}
    assert b"art-9" in site.files()["all/atom.xml"].read_bytes()
    assert b"art-9" in site.files()["olahraga/rss.xml"].read_bytes()
    assert lines[-1].startswith("built feeds, news_sitemap, sitemaps: ") and "1 rejected" in lines[-1]
    # The status record says what failed and still describes the file on disk.
    rec = site.status()["all/rss.xml"]
    assert rec["validation"] == "failed"
    assert any(rule in p for p in rec["problems"])
    assert rec["sha256"] == hashlib.sha256(before["all/rss.xml"][2]).hexdigest()
    assert site.cli("status")[0] == 1

    # Renderer fixed: the next build publishes it and the status is clean again.
    monkeypatch.setattr(rss, "render_rss", real)
    code, outcomes, _ = site.build()
    assert code == 0
    assert outcomes["all/rss.xml"] == "written"
    assert b"art-9" in site.files()["all/rss.xml"].read_bytes()
    assert site.status()["all/rss.xml"]["validation"] == "ok"
    assert site.status()["all/rss.xml"]["problems"] == []
    assert site.cli("status")[0] == 0


def test_rejected_on_the_first_build_leaves_the_output_absent(site, monkeypatch):
    real = rss.render_rss
    monkeypatch.setattr(rss, "render_rss", lambda feed, articles, now: _truncated(real(feed, articles, now)))

    code, outcomes, _ = site.build()

    assert code == 1
    assert outcomes["all/rss.xml"] == outcomes["olahraga/rss.xml"] == "rejected"
    assert "all/rss.xml" not in site.files() and "olahraga/rss.xml" not in site.files()
    assert {"all/atom.xml", "olahraga/atom.xml", "news-sitemap.xml", "sitemap.xml"} <= set(site.files())
    rec = site.status()["all/rss.xml"]
    assert (rec["validation"], rec["bytes"], rec["sha256"], rec["written_at"]) == ("failed", 0, "", None)
    assert list(site.out.rglob(f"*{publish.TMP_MARK}*")) == []


def test_news_sitemap_is_not_held_to_the_archive_shard_limit(site):
    # sitemap.max_urls = 3 bounds archive shards; the news sitemap has its own limit (1,000).
    code, outcomes, _ = site.build()
    assert code == 0
    assert outcomes["news-sitemap.xml"] == "written"
    assert site.files()["news-sitemap.xml"].read_bytes().count(b"<url>") == 8


# -- write only on change -------------------------------------------------------------------


def test_unchanged_build_keeps_every_file_untouched(site):
    assert site.build()[0] == 0
    _age_files(site)
    before = site.stats()

    # No store change: the feeds are not even rendered (issue 15), the sitemaps are rendered and
    # found identical.  --full renders everything and still writes nothing.
    code, outcomes, lines = site.build(now="2024-06-20T12:05:00+07:00")
    feeds = {p for p in before if p.endswith(("rss.xml", "atom.xml", "feed.json"))}
    assert code == 0 and feeds
    assert set(outcomes) == set(before) - feeds
    assert set(outcomes.values()) == {"unchanged"}
    assert site.stats() == before  # same inode, same mtime, same bytes
    assert lines[-1].startswith(
        f"built feeds, news_sitemap, sitemaps: 0 written, {len(before) - len(feeds)} unchanged, 0 rejected, {len(feeds)} not rendered (no change reaches them) in "
    )

    code, outcomes, lines = site.build("--full", now="2024-06-20T12:06:00+07:00")
    assert code == 0
    assert set(outcomes) == set(before)
    assert set(outcomes.values()) == {"unchanged"}
    assert site.stats() == before
    assert lines[-1].startswith(f"built feeds, news_sitemap, sitemaps: 0 written, {len(before)} unchanged, 0 rejected in ")


def _shard_with(site: Site, url: bytes) -> str:
    hits = [k for k, p in site.files().items() if re.fullmatch(r"sitemap-\d+\.xml\.gz", k) and url in gzip.decompress(p.read_bytes())]
    assert len(hits) == 1
    return hits[0]


def test_changed_article_rewrites_only_the_affected_outputs(site):
    assert site.build()[0] == 0
    _age_files(site)
    before = site.stats()
    art = make_article(3)
    site.ingest([replace(art, title="Judul baru", updated=art.published.replace(hour=23))])

    code, outcomes, _ = site.build()

    shard = _shard_with(site, b"/berita/artikel-3<")
    affected = {"all/rss.xml", "all/atom.xml", "news-sitemap.xml", shard, "sitemap.xml"}
    assert code == 0
    assert {k for k, v in outcomes.items() if v == "written"} == affected
    # The olahraga feed cannot hold article 3 (another section): not even rendered (issue 15).
    assert {k for k, v in outcomes.items() if v == "unchanged"} == set(before) - affected - {"olahraga/rss.xml", "olahraga/atom.xml"}
    assert "olahraga/rss.xml" in before and "olahraga/rss.xml" not in outcomes
    after = site.stats()
    for k in set(before) - affected:
        assert after[k] == before[k], k
    for k in affected:
        assert after[k][0] != before[k][0], k  # a new file swapped in
    assert b"Judul baru" in after["all/rss.xml"][2]


def test_build_removes_temp_files_a_killed_build_left(site):
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    (site.out / "all").mkdir(parents=True)
    leftover = site.out / "all" / f".rss.xml{publish.TMP_MARK}{p.pid}"
    leftover.write_bytes(b"<rss version='2.0'><chan")

    assert site.build()[0] == 0

    assert not leftover.exists()
    assert list(site.out.rglob(f"*{publish.TMP_MARK}*")) == []


def test_build_refused_while_another_publisher_holds_the_lock(site, capsys):
    with OutputLock(site.out, "feedhub run"):
        code = main(["build", "--config", str(site.config), "--now", NOW])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("feedhub: ") and "feedhub run (pid " in err and len(err.splitlines()) == 1
    assert site.files() == {}


# -- numbered shards ------------------------------------------------------------------------


def _index_locs(site: Site) -> list[str]:
    return re.findall(r"<loc>https://genpi\.example/feeds/([^<]+)</loc>", site.files()["sitemap.xml"].read_text(encoding="utf-8"))


def _delete(site: Site, numbers) -> None:
    site.ingest(replace(make_article(n), status="deleted") for n in numbers)


def test_stale_shards_removed_after_the_new_index_is_published(site, monkeypatch):
    assert site.build()[0] == 0
    assert _index_locs(site) == ["sitemap-1.xml.gz", "sitemap-2.xml.gz", "sitemap-3.xml.gz"]
    _delete(site, range(3, 9))  # 8 → 2 articles: 3 shards → 1

    real_remove = publish.remove
    index_at_removal = []

    def spy(path):
        index_at_removal.append((path.name, _index_locs(site)))
        return real_remove(path)

    monkeypatch.setattr(publish, "remove", spy)
    code, outcomes, lines = site.build()

    assert code == 0
    assert index_at_removal == [("sitemap-2.xml.gz", ["sitemap-1.xml.gz"]), ("sitemap-3.xml.gz", ["sitemap-1.xml.gz"])]
    assert (outcomes["sitemap-2.xml.gz"], outcomes["sitemap-3.xml.gz"]) == ("removed", "removed")
    assert "removed   sitemap-2.xml.gz (no longer needed)" in lines
    assert lines.index("removed   sitemap-2.xml.gz (no longer needed)") > lines.index(next(x for x in lines if x.startswith("written   sitemap.xml ")))
    assert "2 removed" in lines[-1]
    assert {k for k in site.files() if k.startswith("sitemap")} == {"sitemap.xml", "sitemap-1.xml.gz"}
    assert {k for k in site.status() if k.startswith("sitemap")} == {"sitemap.xml", "sitemap-1.xml.gz"}


def test_rejected_index_removes_nothing(site, monkeypatch):
    assert site.build()[0] == 0
    before = site.stats()
    _delete(site, range(3, 9))
    real = sitemaps.ArchiveSitemap.outputs

    def relative_locs(*args):
        for doc in real(*args):
            if doc.kind == "sitemap-index":
                doc = replace(doc, data=doc.data.replace(b"https://genpi.example/feeds/", b"/feeds/"))
            yield doc

    monkeypatch.setattr(sitemaps.ArchiveSitemap, "outputs", relative_locs)
    code, outcomes, lines = site.build()

    assert code == 1
    assert outcomes["sitemap.xml"] == "rejected"
    assert "removed" not in outcomes.values()
    after = site.stats()
    for k in ("sitemap.xml", "sitemap-2.xml.gz", "sitemap-3.xml.gz"):
        assert after[k] == before[k], k
    assert outcomes["sitemap-1.xml.gz"] == "written"  # the shard itself was fine
    assert site.status()["sitemap.xml"]["validation"] == "failed"


def test_index_held_back_when_one_of_its_shards_is_rejected(site, monkeypatch):
    assert site.build()[0] == 0
    before = site.stats()
    site.ingest([make_article(9, id="art-40")])  # sorts into the second shard: it is rendered again
    real = sitemaps.ArchiveSitemap.outputs

    def bad_second_shard(*args):
        for doc in real(*args):
            yield _truncated(doc) if doc.path == "sitemap-2.xml.gz" else doc

    monkeypatch.setattr(sitemaps.ArchiveSitemap, "outputs", bad_second_shard)
    code, outcomes, lines = site.build()

    assert code == 1
    assert outcomes["sitemap-2.xml.gz"] == outcomes["sitemap.xml"] == "rejected"
    assert "  error: not published: its part sitemap-2.xml.gz was rejected (the previous index and parts stay)" in lines
    assert site.stats()["sitemap.xml"] == before["sitemap.xml"]
    assert site.stats()["sitemap-2.xml.gz"] == before["sitemap-2.xml.gz"]


def test_news_sitemap_parts_removed_when_the_window_fits_one_file_again(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    site = Site(tmp_path, capsys)
    site.config.write_text(site.config.read_text() + "\n[news_sitemap]\nmax_urls = 3\n", encoding="utf-8")
    site.ingest(make_article(n) for n in range(1, 8))
    assert site.build("--only", "news_sitemap")[0] == 0
    assert set(site.files()) == {"news-sitemap.xml", "news-sitemap-1.xml", "news-sitemap-2.xml", "news-sitemap-3.xml"}

    _delete(site, range(3, 8))
    code, outcomes, _ = site.build("--only", "news_sitemap")

    assert code == 0
    assert outcomes == {"news-sitemap.xml": "written", "news-sitemap-1.xml": "removed", "news-sitemap-2.xml": "removed", "news-sitemap-3.xml": "removed"}
    assert set(site.files()) == {"news-sitemap.xml"}
    assert b"<urlset" in site.files()["news-sitemap.xml"].read_bytes()


@pytest.mark.parametrize("index", ["sitemap.xml.gz", "maps/archive.xml"])
def test_stale_shards_removed_for_other_index_paths(tmp_path, capsys, monkeypatch, index):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    site = Site(tmp_path, capsys)
    site.config.write_text(site.config.read_text() + f'path = "{index}"\n', encoding="utf-8")
    site.ingest(make_article(n) for n in range(1, 9))
    folder, _, name = index.rpartition("/")
    stem = name.removesuffix(".gz").removesuffix(".xml")
    shard = (folder + "/" if folder else "") + stem + "-{}.xml.gz"
    assert site.build("--only", "sitemaps")[0] == 0
    assert {shard.format(n) for n in (1, 2, 3)} | {index} <= set(site.files())

    _delete(site, range(3, 9))
    code, outcomes, _ = site.build("--only", "sitemaps")

    assert code == 0
    assert (outcomes[shard.format(2)], outcomes[shard.format(3)]) == ("removed", "removed")
    assert {shard.format(1), index} <= set(site.files())
    assert not {shard.format(2), shard.format(3)} & set(site.files())


def test_future_dated_article_stays_out_until_its_time(tmp_path, capsys):
    site = Site(tmp_path, capsys)
    now = make_article(2).published  # articles 1..2 are due, 3 is scheduled an hour later
    site.ingest([make_article(n) for n in (1, 2, 3)])
    code, _, _ = site.build(now=now.isoformat())
    assert code == 0
    everything = b"".join(p.read_bytes() if p.suffix != ".gz" else gzip.decompress(p.read_bytes()) for p in site.out.rglob("*.xml*"))
    assert make_article(2).url.encode() in everything
    assert make_article(3).url.encode() not in everything
    code, _, _ = site.build(now=make_article(3).published.isoformat())
    assert code == 0
    assert make_article(3).url.encode() in (site.out / "all" / "rss.xml").read_bytes()
    assert make_article(3).url.encode() in (site.out / "news-sitemap.xml").read_bytes()
