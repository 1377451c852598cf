"""Archive shards whose rows did not change are not rendered (issue 15), and an incremental
archive equals a full one byte for byte.

Each step changes a real SQLite store, builds the archive incrementally into one output dir
(kept from step to step) and fully (``run_once(full=True)``) into a fresh one, and compares the
two trees.  Small shards (5 URLs, or a ``max_bytes`` that holds 3) make boundaries move: a new id
sorting first shifts every later shard.  The renderer's outputs are watched to prove which
shards were rendered: exactly those whose bytes changed.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import JAKARTA, SITE_TOML, make_article
from feedhub.build import BuildReport, run_once
from feedhub.config import Config, parse_config
from feedhub.document import Document
from feedhub.render import sitemaps
from feedhub.status import load_status
from feedhub.store import Store, open_store
from oracles import schema_errors, siteindex_schema, urlset_schema

NOW = datetime(2024, 6, 21, 12, 0, tzinfo=JAKARTA)
#: Three entries of ~100 bytes and the urlset around them: shards split by size, not count.
THREE_BY_BYTES = 110 + 3 * 104


def _config(root: Path, out: str, limits: str) -> Config:
    text = SITE_TOML + f'\n[output]\ndir = "{out}"\nbase_url = "https://genpi.example/feeds/"\n\n[sitemap]\n{limits}\n'
    return parse_config(tomllib.loads(text), "incremental.toml", root)


@dataclass
class Builds:
    store: Store
    inc: Config
    full: Config
    #: Paths the renderer handed out rendered (Document) and not rendered (Unchanged), last build.
    rendered: list[str]
    kept: list[str]

    def tree(self, config: Config) -> dict[str, bytes]:
        out = config.output_dir
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(".")}

    def step(self, now: datetime = NOW) -> tuple[BuildReport, dict[str, bytes], dict[str, bytes]]:
        """An incremental build, then a full one from nothing; (incremental report, before, after)."""
        before = self.tree(self.inc)
        self.rendered.clear()
        self.kept.clear()
        report = run_once(self.inc, self.store, now, ["sitemaps"])
        watched = (list(self.rendered), list(self.kept))
        shutil.rmtree(self.full.output_dir, ignore_errors=True)
        full = run_once(self.full, self.store, now, ["sitemaps"], full=True)
        self.rendered[:], self.kept[:] = watched
        after = self.tree(self.inc)
        assert report.ok and full.ok
        assert after == self.tree(self.full)
        # The report says what a full render says: items, bytes, warnings and left-out rows per output.
        assert _said(report) == _said(full)
        return report, before, after


def _said(report: BuildReport) -> dict[str, tuple[object, ...]]:
    return {r.path: (r.kind, r.items, r.bytes, r.warnings, r.left_out) for r in report.results if r.outcome != "removed"}


@pytest.fixture(params=["max_urls = 5", f"max_urls = 50\nmax_bytes = {THREE_BY_BYTES}"], ids=["by-count", "by-bytes"])
def builds(request, tmp_path, monkeypatch) -> Builds:
    store = open_store(str(tmp_path / "store.sqlite3"), create=True)
    request.addfinalizer(store.close)
    b = Builds(store, _config(tmp_path, "inc", request.param), _config(tmp_path, "full", request.param), [], [])
    real = sitemaps.ArchiveSitemap.outputs

    def watched(self, rows, reuse=None):
        for out in real(self, rows, reuse):
            (b.rendered if isinstance(out, Document) else b.kept).append(out.path)
            yield out

    monkeypatch.setattr(sitemaps.ArchiveSitemap, "outputs", watched)
    return b


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {p for p in after if p.startswith("sitemap") and before.get(p) != after[p]}


def _articles(ns):
    return [make_article(n, id=f"art-{n:02d}") for n in ns]


def test_incremental_archive_equals_a_full_one_after_inserts_updates_and_deletes(builds):
    store = builds.store
    # An off-site URL is left out of its shard: the kept shard must still report it.
    store.upsert([*_articles(range(10, 28)), make_article(30, id="art-13x", url="https://other.example/x")])

    steps = [
        ("first build", lambda: None),
        ("nothing changed", lambda: None),
        ("a later lastmod at the end", lambda: store.upsert([make_article(26, id="art-26", updated=NOW - timedelta(hours=1))])),
        ("a URL changes, not its lastmod", lambda: store.upsert([make_article(12, id="art-12", url="https://genpi.example/berita/baru-12")])),
        ("a longer URL early on", lambda: store.upsert([make_article(11, id="art-11", url="https://genpi.example/berita/" + "panjang-" * 8)])),
        # Left out either way: the shard's bytes stay, its left-out row in the report changes.
        ("an off-site URL changes", lambda: store.upsert([make_article(30, id="art-13x", url="https://other.example/y")])),
        ("a new id sorts first", lambda: store.upsert(_articles([0]))),
        ("a deletion in the middle", lambda: store.mark_deleted(["art-15"])),
        ("deletions at the end drop a shard", lambda: store.mark_deleted(["art-23", "art-24", "art-25", "art-26", "art-27"])),
        ("nothing changed again", lambda: None),
    ]
    for name, change in steps:
        change()
        report, before, after = builds.step()
        outcomes = {r.path: r.outcome for r in report.results}
        changed = _changed(before, after)
        # Rendered exactly when the bytes change; every other shard and the index are left unrendered.
        assert set(builds.rendered) == changed, name
        assert {p for p, o in outcomes.items() if o == "written" and p.startswith("sitemap")} == changed, name
        assert set(builds.kept) == {p for p in after if p.startswith("sitemap")} - changed, name
        if name.startswith("nothing"):
            assert builds.rendered == [], name
        if name == "a new id sorts first":
            # Every shard moved by one row: none could be kept.
            assert builds.kept == [] and changed == {p for p in after if p.startswith("sitemap")}, name
        if name == "deletions at the end drop a shard":
            assert "removed" in outcomes.values(), name
    left_out = [r.left_out for r in report.results if r.left_out]
    assert [[x.message for x in lo] for lo in left_out] and all(r.outcome == "unchanged" for r in report.results if r.left_out)
    for path, data in builds.tree(builds.inc).items():
        if path.startswith("sitemap-"):
            assert schema_errors(gzip.decompress(data), urlset_schema()) == [], path
        elif path == "sitemap.xml":
            assert schema_errors(data, siteindex_schema()) == [], path


def test_a_clamped_lastmod_is_rendered_again_when_now_moves(builds):
    # updated after now is written as now: the shard holding it changes with every build until then.
    builds.store.upsert([*_articles(range(10, 20)), make_article(21, id="art-21", updated=NOW + timedelta(hours=3))])
    builds.step()
    report, before, after = builds.step(NOW + timedelta(hours=1))
    # The last shard (art-21's) and the index, which lists its lastmod.
    last = max((p for p in after if p.startswith("sitemap-")), key=lambda p: int(p[8:-7]))
    assert _changed(before, after) == set(builds.rendered) == {last, "sitemap.xml"}
    assert report.next_unclamp == NOW + timedelta(hours=3)


def test_a_shard_changed_or_gone_on_disk_is_rendered_and_written_again(builds):
    builds.store.upsert(_articles(range(10, 22)))
    builds.step()
    out = builds.inc.output_dir
    (out / "sitemap-1.xml.gz").write_bytes(b"not what was published")
    (out / "sitemap-2.xml.gz").unlink()
    (out / "sitemap-3.xml.gz").unlink()
    (out / ".elsewhere.gz").write_bytes((builds.full.output_dir / "sitemap-3.xml.gz").read_bytes())
    os.symlink(out / ".elsewhere.gz", out / "sitemap-3.xml.gz")  # the same bytes, but through a link

    report, _, _ = builds.step()

    outcomes = {r.path: r.outcome for r in report.results}
    assert {p: outcomes[p] for p in ("sitemap-1.xml.gz", "sitemap-2.xml.gz", "sitemap-3.xml.gz")} == dict.fromkeys(
        ("sitemap-1.xml.gz", "sitemap-2.xml.gz", "sitemap-3.xml.gz"), "written"
    )
    assert not (out / "sitemap-3.xml.gz").is_symlink()
    assert "sitemap.xml" in builds.kept


def test_full_renders_every_shard_and_records_digests_an_old_record_lacks(builds):
    builds.store.upsert(_articles(range(10, 22)))
    builds.step()
    status = load_status(builds.inc.output_dir)
    shards = sorted(p for p in status if p.startswith("sitemap"))
    assert all(status[p].digest for p in shards)
    # A record written before digests existed: nothing can be proven unchanged, so all is rendered.
    record = builds.inc.output_dir / ".feedhub-status.json"
    record.write_text(record.read_text().replace('"digest": "', '"digest_was": "').replace('"digest": null', '"digest_was": null'))
    assert all(s.digest is None for s in load_status(builds.inc.output_dir).values())
    builds.rendered.clear()
    run_once(builds.inc, builds.store, NOW, ["sitemaps"])
    assert sorted(builds.rendered) == shards and builds.kept == []
    assert all(load_status(builds.inc.output_dir)[p].digest == status[p].digest for p in shards)

    builds.rendered.clear()
    report = run_once(builds.inc, builds.store, NOW, ["sitemaps"], full=True)
    assert sorted(builds.rendered) == shards and builds.kept == []
    assert {r.outcome for r in report.results} == {"unchanged"}


def test_only_shards_with_a_recorded_digest_wait_for_it_the_rest_stream_as_in_a_full_render():
    from feedhub.config import SitemapConfig
    from feedhub.model import SitemapRow

    cfg = SitemapConfig(max_urls=5, max_bytes=50 * 1024 * 1024, gzip=True, path="sitemap.xml", enabled=True)
    rows = [SitemapRow(f"https://genpi.example/berita/{n}", "2024-06-19T20:30:00+07:00") for n in range(12)]
    full = list(sitemaps.ArchiveSitemap(cfg, "https://genpi.example", "https://genpi.example/").documents(rows))

    class OnlyTheSecond:
        asked: list[str] = []

        def recorded(self, path: str) -> bool:
            return path == "sitemap-2.xml.gz"

        def reusable(self, path: str, digest: str) -> bool:
            self.asked.append(path)
            return path == "sitemap-2.xml.gz"

    reuse = OnlyTheSecond()
    outs = list(sitemaps.ArchiveSitemap(cfg, "https://genpi.example", "https://genpi.example/").outputs(rows, reuse))
    # A shard with no record streams into the compressor and is never offered for reuse; the index
    # (a few lines, rendered anyway) always is.
    assert reuse.asked == ["sitemap-2.xml.gz", "sitemap.xml"]
    assert [type(o).__name__ for o in outs] == ["Document", "Unchanged", "Document", "Document"]
    assert [o.data for o in outs if isinstance(o, Document)] == [full[0].data, full[2].data, full[3].data]
