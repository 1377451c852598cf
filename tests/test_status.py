"""`feedhub status`: the state record next to the outputs, as a table and as JSON (issue 5)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import replace

import pytest
from lxml import etree

from conftest import TWO_FEEDS_TOML, make_article
from feedhub import publish
from feedhub.cli import main
from feedhub.render import atom
from feedhub.status import STATUS_NAME
from feedhub.store import open_store

NOW = "2024-06-20T12:00:00+07:00"
NOW_UTC = "2024-06-20T05:00:00+00:00"
LATER = "2024-06-20T13:30:00+07:00"
LATER_UTC = "2024-06-20T06:30:00+00:00"
CONFIG = TWO_FEEDS_TOML + """\
[sitemap]
max_urls = 4
"""
FIELDS = {"path", "kind", "items", "bytes", "sha256", "written_at", "built_at", "validation", "problems", "left_out", "digest"}


@pytest.fixture
def site(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    store = open_store("sqlite:///" + str(tmp_path / "store.sqlite3"), create=True)
    store.upsert([make_article(n, section="olahraga" if n % 3 == 0 else "nasional") for n in range(1, 11)])
    store.close()
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert err == "" or argv[0] == "build", err
    return code, out


def status_json(capsys) -> tuple[int, dict]:
    code, out = run(capsys, "status", "--json")
    return code, json.loads(out)


def _count_items(path) -> int:
    data = path.read_bytes()
    if path.suffix == ".txt":
        return data.count(b"Sitemap: ")
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    root = etree.fromstring(data)
    name = etree.QName(root).localname
    child = {"rss": "channel/item", "feed": "{http://www.w3.org/2005/Atom}entry",
             "urlset": "{http://www.sitemaps.org/schemas/sitemap/0.9}url",
             "sitemapindex": "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemap"}[name]
    return len(root.findall(child))


def test_status_json_describes_every_output_on_disk(site, capsys):
    assert run(capsys, "build", "--now", NOW)[0] == 0

    code, doc = status_json(capsys)

    assert code == 0
    out = site / "feeds"
    assert doc["output_dir"] == str(out)
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".") and p.suffix != ".xsl")
    assert [o["path"] for o in doc["outputs"]] == on_disk
    kinds = {o["path"]: o["kind"] for o in doc["outputs"]}
    assert kinds == {
        "all/atom.xml": "atom", "all/rss.xml": "rss", "olahraga/atom.xml": "atom", "olahraga/rss.xml": "rss",
        "news-sitemap.xml": "news-sitemap", "robots-sitemaps.txt": "robots", "sitemap.xml": "sitemap-index",
        "sitemap-1.xml.gz": "sitemap", "sitemap-2.xml.gz": "sitemap", "sitemap-3.xml.gz": "sitemap",
    }
    for o in doc["outputs"]:
        path = out / o["path"]
        data = path.read_bytes()
        assert set(o) == FIELDS
        assert o["sha256"] == hashlib.sha256(data).hexdigest()
        assert o["bytes"] == len(data) == path.stat().st_size
        assert o["items"] == _count_items(path), o["path"]
        assert (o["written_at"], o["built_at"]) == (NOW_UTC, NOW_UTC)
        assert (o["validation"], o["problems"]) == ("ok", [])
    items = {o["path"]: o["items"] for o in doc["outputs"]}
    assert (items["all/rss.xml"], items["olahraga/atom.xml"], items["sitemap.xml"], items["sitemap-3.xml.gz"]) == (10, 3, 3, 2)


def test_unchanged_build_keeps_written_time_and_moves_built_time(site, capsys):
    run(capsys, "build", "--now", NOW)
    store = open_store("sqlite:///" + str(site / "store.sqlite3"))
    store.upsert([replace(make_article(3, section="olahraga"), title="Judul baru")])
    store.close()

    assert run(capsys, "build", "--now", LATER)[0] == 0

    outputs = {o["path"]: o for o in status_json(capsys)[1]["outputs"]}
    assert outputs["all/rss.xml"]["written_at"] == LATER_UTC  # holds the new title
    assert outputs["sitemap.xml"]["written_at"] == NOW_UTC  # same bytes: not rewritten
    assert {o["built_at"] for o in outputs.values()} == {LATER_UTC}


def test_status_table(site, capsys):
    run(capsys, "build", "--now", NOW)

    code, out = run(capsys, "status")

    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["output", "kind", "items", "bytes", "written", "(UTC)", "built", "(UTC)", "validation"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert len(rows) == len(lines) - 1 == 10
    size = (site / "feeds" / "all" / "rss.xml").stat().st_size
    assert rows["all/rss.xml"] == ["all/rss.xml", "rss", "10", str(size), "2024-06-20", "05:00:00", "2024-06-20", "05:00:00", "ok"]
    # Columns line up: every row is as wide as its header allows.
    starts = [m.start() for m in re.finditer(r"\S+(?: \(UTC\))?", lines[0])]
    for line in lines[1:]:
        assert all(line[s - 1] == " " and line[s] != " " for s in starts[1:]), line


def test_failed_validation_shown_and_exits_one(site, capsys, monkeypatch):
    run(capsys, "build", "--now", NOW)
    good = (site / "feeds" / "all" / "atom.xml").read_bytes()
    real = atom.render_atom

    def no_entry_ids(feed, articles, now):
        doc = real(feed, articles, now)
        return replace(doc, data=re.sub(rb"<entry([^>]*)>\s*<id>[^<]*</id>", rb"<entry\1>", doc.data)) if feed.name == "all" else doc

    monkeypatch.setattr(atom, "render_atom", no_entry_ids)
    # --full: no store change, so an incremental build would not render the feeds at all.
    assert run(capsys, "build", "--now", LATER, "--full")[0] == 1

    code, doc = status_json(capsys)
    assert code == 1
    rec = next(o for o in doc["outputs"] if o["path"] == "all/atom.xml")
    assert rec["validation"] == "failed"
    assert rec["problems"] and all("atom.entry.id" in p and re.search(r"line \d+ /feed/entry\[\d+\]", p) for p in rec["problems"])
    # The rest of the record still describes the last good file, which is what is on disk.
    assert rec["sha256"] == hashlib.sha256(good).hexdigest() and rec["bytes"] == len(good)
    assert (rec["written_at"], rec["built_at"]) == (NOW_UTC, LATER_UTC)
    others = [o for o in doc["outputs"] if o["path"] != "all/atom.xml"]
    assert {o["validation"] for o in others} == {"ok"}

    code, out = run(capsys, "status")
    assert code == 1
    row = next(line for line in out.splitlines() if line.startswith("all/atom.xml "))
    assert row.split()[-1] == "failed"
    assert f"all/atom.xml: {rec['problems'][0]}" in out.splitlines()

    monkeypatch.setattr(atom, "render_atom", real)
    # Without --full: the plan knows the rejected feed still needs its render.
    run(capsys, "build", "--now", LATER)
    assert status_json(capsys)[0] == 0


def test_status_record_is_replaced_atomically(site, capsys):
    run(capsys, "build", "--now", NOW)
    out = site / "feeds"
    raw = json.loads((out / STATUS_NAME).read_text(encoding="utf-8"))
    assert raw["version"] == 1
    assert list(out.rglob(f"*{publish.TMP_MARK}*")) == []


def test_status_only_groups_built_are_updated(site, capsys):
    run(capsys, "build", "--now", NOW)
    run(capsys, "build", "--now", LATER, "--only", "feeds", "--full")

    outputs = {o["path"]: o for o in status_json(capsys)[1]["outputs"]}
    assert outputs["all/rss.xml"]["built_at"] == LATER_UTC
    assert outputs["sitemap.xml"]["built_at"] == NOW_UTC
    assert len(outputs) == 10


# -- planted links and parallel groups (issue 11) ------------------------------------------------


def test_a_link_planted_at_the_status_file_is_replaced_not_written_through(site, capsys):
    out = site / "feeds"
    out.mkdir()
    victim = site / "precious.txt"
    victim.write_text("not feedhub's\n", encoding="utf-8")
    (out / STATUS_NAME).symlink_to(victim)
    assert run(capsys, "build", "--now", NOW)[0] == 0
    assert victim.read_text(encoding="utf-8") == "not feedhub's\n"
    assert not (out / STATUS_NAME).is_symlink()
    assert status_json(capsys)[0] == 0


def test_a_link_planted_at_the_lock_is_refused_and_its_target_kept(site, capsys):
    out = site / "feeds"
    out.mkdir()
    victim = site / "precious.txt"
    victim.write_text("not feedhub's\n", encoding="utf-8")
    (out / ".feedhub.lock").symlink_to(victim)
    code = main(["build", "--now", NOW])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("feedhub: ") and len(err.splitlines()) == 1
    assert "cannot open the lock file: it is a symlink" in err
    assert victim.read_text(encoding="utf-8") == "not feedhub's\n"


def test_two_groups_saving_from_their_own_snapshots_keep_each_others_entries(site):
    from feedhub.status import OutputStatus, load_status, save_status

    out = site / "feeds"
    out.mkdir()
    save_status(out, {"a.xml": OutputStatus("a.xml", "rss", 1, 1, "x", None, NOW_UTC, "ok"), "gone.xml": OutputStatus("gone.xml", "rss", 1, 1, "x", None, NOW_UTC, "ok")})
    feeds, sitemaps = load_status(out), load_status(out)  # two builds start from the same record
    feeds["a.xml"] = replace(feeds["a.xml"], built_at=LATER_UTC)
    sitemaps["b.xml"] = OutputStatus("b.xml", "sitemap", 2, 2, "y", None, LATER_UTC, "ok")
    sitemaps.pop("gone.xml")
    save_status(out, feeds)
    save_status(out, sitemaps)
    after = load_status(out)
    assert sorted(after) == ["a.xml", "b.xml"]
    assert after["a.xml"].built_at == LATER_UTC


def test_trouble_is_shown_and_exits_one_until_cleared(site, capsys):
    from feedhub.status import clear_trouble, load_trouble, record_trouble

    run(capsys, "build", "--now", NOW)
    out = site / "feeds"
    record_trouble(out, "feeds", "feeds/all/rss.xml: cannot write: No space left on device", NOW_UTC)
    record_trouble(out, "feeds", "the same outage, later", LATER_UTC)
    assert load_trouble(out)["feeds"].since == NOW_UTC  # when it began

    code, doc = status_json(capsys)
    assert code == 1 and doc["trouble"] == {"feeds": {"since": NOW_UTC, "message": "the same outage, later"}}
    code, text = run(capsys, "status")
    assert code == 1 and "feeds: failing since 2024-06-20 05:00:00 UTC: the same outage, later" in text.splitlines()

    run(capsys, "build", "--now", LATER, "--only", "sitemaps")  # another group's good build keeps it
    assert status_json(capsys)[0] == 1
    clear_trouble(out, "feeds")
    assert status_json(capsys)[0] == 0
    record_trouble(out, "feeds", "again", LATER_UTC)
    run(capsys, "build", "--now", LATER)  # the group's own good build clears it
    assert status_json(capsys)[0] == 0
