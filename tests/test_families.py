"""Feed families (issue 15): ``[[feed_families]]`` by section, tag, author and language on a 3,000-article
corpus, validated by feedhub's validator, the official Atom schema, the JSON Feed schema and feedparser;
slugs and collisions; a feed appearing at ``min_articles`` and removed with its last article; the
feed index (index.json and OPML, read back by listparser) and its validators; config errors."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import listparser
import pytest

from conftest import SITE_TOML, make_article, need_schemas
from feedhub.cli import main
from feedhub.config import load_config
from feedhub.errors import ConfigError
from feedhub.families import assign_slugs, slug
from feedhub.formats import detect_kind, validate_document
from feedhub.model import Author
from feedhub.render import rss
from feedhub.serve import content_type
from feedhub.store import open_store
from oracles import atom_schema, schema_errors
from test_jsonfeed import schema_errors as jsonfeed_schema_errors

NOW = "2025-01-01T00:00:00+07:00"
BASE = "https://genpi.example/feeds/"
FAMILIES_TOML = SITE_TOML + """\

[output]
base_url = "https://genpi.example/feeds/"

[[feeds]]
name = "all"

[[feeds]]
name = "jakarta-explicit"
tag = "Jakarta"

[[feed_families]]
by = "section"
title = "GenPI.co — {value}"

[[feed_families]]
by = "tag"
limit = 20

[[feed_families]]
by = "author"
name = "penulis"
formats = ["rss", "atom", "json"]

[[feed_families]]
by = "language"
path = "bahasa/{slug}"
description = "Berita dalam bahasa {value}"
"""
SECTIONS = ("nasional", "internasional", "ekonomi", "olahraga", "teknologi", "Gaya Hidup", None)
#: Collisions (Jakarta/jakarta, São Paulo/Sao Paulo), markup, and tags with no ASCII letters at all.
TAGS = (
    "Jakarta", "jakarta", "São Paulo", "Sao Paulo", "東京", "القاهرة", "Ümlaut & <x>", "pemilu", "timnas",
    "ekonomi digital", "iklim", "bencana", "startup", "kesehatan", "pendidikan", "energi", "AI", "sepak-bola",
)
AUTHORS = ("Redaksi GenPI.co", "Dwi Pratama", "Siti Rahmawati", "Chen Wei-Ling", "王小明", "Layla Haddad", "John O'Neil")
LANGUAGES = ("id", "en", "zh-TW", "ar")


def corpus(n: int = 3000) -> list:
    """Deterministic articles: each one's fields depend only on its number."""
    out = []
    for i in range(1, n + 1):
        rng = random.Random(i)
        out.append(
            make_article(
                i,
                section=SECTIONS[i % len(SECTIONS)],
                tags=tuple(rng.sample(TAGS, rng.randint(0, 3))),
                authors=tuple(Author(name=a) for a in rng.sample(AUTHORS, rng.randint(1, 2))),
                language=LANGUAGES[rng.randrange(len(LANGUAGES))],
            )
        )
    return out


class Site:
    def __init__(self, root: Path, capsys, config: str = FAMILIES_TOML) -> None:
        self.root, self.out, self._capsys = root, root / "feeds", capsys
        self.config = root / "config.toml"
        self.config.write_text(config, encoding="utf-8")

    def store(self):
        return open_store("sqlite:///" + str(self.root / "store.sqlite3"), create=True)

    def ingest(self, articles) -> None:
        with self.store() as s:
            s.upsert(list(articles))

    def delete(self, ids) -> None:
        with self.store() as s:
            s.mark_deleted(list(ids))

    def cli(self, *args: str) -> tuple[int, list[str]]:
        code = main([args[0], "--config", str(self.config), *args[1:]])
        out, err = self._capsys.readouterr()
        return code, (out + err).splitlines()

    def build(self, now: str = NOW, code: int = 0, *more: str) -> tuple[dict[str, str], list[str]]:
        """{path: outcome} of a feeds build, in report order, and the printed lines."""
        got, lines = self.cli("build", "--only", "feeds", "--now", now, *more)
        assert got == code, lines
        outcomes = {}
        for line in lines:
            m = re.match(r"^(written|unchanged|rejected|removed)\s+(\S+) \(", line)
            if m:
                outcomes[m.group(2)] = m.group(1)
        return outcomes, lines

    def index(self) -> dict:
        return json.loads((self.out / "index.json").read_bytes())

    def status(self) -> dict:
        return json.loads((self.out / ".feedhub-status.json").read_bytes())


@pytest.fixture
def site(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return Site(tmp_path, capsys)


def _expected(articles, by: str, value: str, limit: int) -> list[str]:
    """The URLs a family feed must carry, computed here from the corpus, newest first, ties by id."""
    def has(a) -> bool:
        if by == "tag":
            return value in a.tags
        if by == "author":
            return value in {x.name for x in a.authors}
        if by == "language":
            return a.language.lower() == value or a.language.lower().startswith(value + "-")
        return a.section == value

    chosen = sorted((a for a in articles if has(a)), key=lambda a: (-a.published.timestamp(), a.id))
    return [a.url for a in chosen[:limit]]


@pytest.mark.slow
def test_families_of_every_kind_on_3000_articles_validate_read_back_and_stay_byte_stable(site):
    schemas = need_schemas()
    assert (schemas / "atom.rng").is_file()
    articles = corpus()
    site.ingest(articles)
    outcomes, _ = site.build()
    index = site.index()
    by_family: dict[str | None, list[dict]] = {}
    for entry in index["feeds"]:
        by_family.setdefault(entry["family"], []).append(entry)
    # Every distinct value got a feed: 6 sections (None has none), 18 tags, 7 authors, 4 languages.
    assert {k: len(v) for k, v in by_family.items()} == {None: 2, "section": 6, "tag": 18, "penulis": 7, "language": 4}
    kinds = {"section": "section", "tag": "tag", "penulis": "author", "language": "language"}
    limits = {"tag": 20}
    checked = 0
    for family, entries in by_family.items():
        for entry in entries if family is not None else ():
            want = _expected(articles, kinds[family], entry["value"], limits.get(family, 50))
            checked += _check_feed(site, entry, want)
    assert checked == 35 * 2 + 7  # RSS and Atom of each family feed, JSON Feed of each author
    assert all(o == "written" for o in outcomes.values()) and len(outcomes) == 2 * 2 + checked + 2
    # A second build of the same store: no feed even rendered (issue 15's plan) and, rendered in
    # full, every file unchanged; none rewritten either way.
    before = {p: p.stat().st_mtime_ns for p in site.out.rglob("*") if p.is_file() and not p.name.startswith(".")}
    again, lines = site.build()
    assert again == {} and lines[-1].startswith(f"built feeds: 0 written, 0 unchanged, 0 rejected, {len(outcomes) - 2} not rendered"), lines
    again, lines = site.build(NOW, 0, "--full")
    assert set(again) == set(outcomes) and set(again.values()) == {"unchanged"}, lines
    assert {p: p.stat().st_mtime_ns for p in before} == before
    # The plan vouches for the index only while it is on disk.
    (site.out / "feeds.opml").unlink()
    again, lines = site.build()
    assert again == {"index.json": "unchanged", "feeds.opml": "written"}, lines


def _check_feed(site: Site, entry: dict, want: list[str]) -> int:
    """Validate and read back every document of one family feed; how many were checked."""
    assert entry["title"] and entry["value"]
    checked = 0
    for fmt, url in entry["formats"].items():
        assert url.startswith(BASE)
        data = (site.out / url[len(BASE):]).read_bytes()
        assert [str(p) for p in validate_document(data, fmt, now=datetime(2025, 1, 1, tzinfo=UTC)) if p.severity == "error"] == [], url
        if fmt == "json":
            doc = json.loads(data)
            assert jsonfeed_schema_errors(doc) == [] and doc["title"] == entry["title"]
            assert [i["url"] for i in doc["items"]] == want
        else:
            if fmt == "atom":
                assert schema_errors(data, atom_schema()) == [], url
            parsed = feedparser.parse(data)
            assert not parsed.bozo, (url, parsed.get("bozo_exception"))
            assert parsed.feed.title == entry["title"]
            assert [e.link for e in parsed.entries] == want, url
        checked += 1
    return checked


def test_slugs_ascii_folded_hashed_when_nothing_is_left_and_capped():
    assert slug("São Paulo") == "sao-paulo"
    assert slug("  Ümlaut & <x>  ") == "umlaut-x"
    assert slug("John O'Neil") == "john-o-neil"
    assert slug("東京") == "x-" + "130016b259" and re.fullmatch(r"x-[0-9a-f]{10}", slug("القاهرة"))
    assert slug("東京") != slug("القاهرة")
    assert slug("a" * 100) == "a" * 80
    assert slug("a" * 79 + " bc") == "a" * 79  # capped at 80, then no dash left dangling


def test_collisions_resolved_by_code_point_order_whatever_the_input_order():
    values = ["jakarta", "Sao Paulo", "Jakarta", "São Paulo", "JAKARTA"]
    slugs, collisions = assign_slugs(values)
    assert (slugs, collisions) == assign_slugs(reversed(values))
    # "JAKARTA" < "Jakarta" < "jakarta" by code point: the first keeps the bare slug.
    assert slugs["JAKARTA"] == "jakarta" and slugs["Sao Paulo"] == "sao-paulo"
    assert re.fullmatch(r"jakarta-[0-9a-f]{6}", slugs["Jakarta"]) and re.fullmatch(r"jakarta-[0-9a-f]{6}", slugs["jakarta"])
    assert re.fullmatch(r"sao-paulo-[0-9a-f]{6}", slugs["São Paulo"])
    assert len(set(slugs.values())) == len(values)
    assert sorted((c.value, c.shared, c.keeper) for c in collisions) == [
        ("Jakarta", "jakarta", "JAKARTA"), ("São Paulo", "sao-paulo", "Sao Paulo"), ("jakarta", "jakarta", "JAKARTA"),
    ]


def test_collisions_and_hash_slugs_reported_in_build_log_and_status(site):
    site.ingest([make_article(1, tags=("jakarta", "東京")), make_article(2, tags=("Jakarta",))])
    outcomes, lines = site.build()
    assert "tag/jakarta/rss.xml" in outcomes and "tag/x-130016b259/atom.xml" in outcomes
    suffixed = [p for p in outcomes if re.fullmatch(r"tag/jakarta-[0-9a-f]{6}/rss\.xml", p)]
    assert len(suffixed) == 1
    note = f"family tag: value 'jakarta' shares the slug jakarta with 'Jakarta'; it gets {suffixed[0].split('/')[1]}"
    assert any(note in line for line in lines)  # the build's warning
    feeds = {e["value"]: e for e in site.index()["feeds"] if e["family"] == "tag"}
    assert feeds["Jakarta"]["name"] == "tag/jakarta" and feeds["東京"]["name"] == "tag/x-130016b259"
    code, lines = site.cli("status")
    assert code == 0
    assert "family tag (by tag): 3 feeds, 1 collisions, 0 skipped" in lines
    assert "  " + note in lines
    _, lines = site.build()
    assert not any("shares the slug" in line for line in lines)  # said when it changes, not every build


def test_family_feed_whose_path_an_explicit_feed_holds_is_skipped_and_reported(site):
    family = '[[feed_families]]\nby = "tag"\n'
    site.config.write_text(SITE_TOML + '[[feeds]]\nname = "all"\n\n' + family, encoding="utf-8")
    site.ingest([make_article(1, tags=("bola", "timnas"), section="olahraga"), make_article(2, tags=("bola",), section="nasional")])
    outcomes, _ = site.build()
    assert outcomes["tag/bola/rss.xml"] == outcomes["tag/bola/atom.xml"] == "written"
    # Then an explicit feed takes the family feed's RSS path: the family feed is skipped and its
    # other file removed, while the explicit feed's new file at the shared path stays.
    site.config.write_text(
        SITE_TOML + '[[feeds]]\nname = "all"\n\n[[feeds]]\nname = "olahraga"\nrss_path = "tag/bola/rss.xml"\nsection = "olahraga"\n\n' + family,
        encoding="utf-8",
    )
    outcomes, lines = site.build()
    assert outcomes["tag/bola/rss.xml"] == "written" and outcomes["tag/bola/atom.xml"] == "removed"
    assert "tag/timnas/rss.xml" not in outcomes and (site.out / "tag/timnas/rss.xml").is_file()  # no change reaches it
    assert any("family tag: value 'bola' (slug bola) skipped: its path tag/bola/rss.xml is taken by the feed 'olahraga'" in x for x in lines)
    # The explicit feed's file is its own: one item, the olahraga article.
    assert [e.link for e in feedparser.parse((site.out / "tag/bola/rss.xml").read_bytes()).entries] == [make_article(1).url]
    assert "family tag (by tag): 1 feeds, 0 collisions, 1 skipped" in site.cli("status")[1]


def test_tag_gets_a_feed_at_min_articles_and_loses_it_with_its_last_article(site):
    site.config.write_text(
        SITE_TOML + '[output]\nbase_url = "https://genpi.example/feeds/"\n\n[[feeds]]\nname = "all"\n\n'
        '[[feeds]]\nname = "iklim-explicit"\ntag = "iklim"\n\n'
        '[[feed_families]]\nby = "tag"\nmin_articles = 2\nformats = ["rss", "atom", "json"]\n',
        encoding="utf-8",
    )
    site.ingest([make_article(1, tags=("iklim", "banjir")), make_article(2, tags=("banjir",))])
    outcomes, _ = site.build()
    assert "tag/banjir/rss.xml" in outcomes and not (site.out / "tag/iklim").exists()
    assert [e["name"] for e in site.index()["feeds"]] == ["all", "iklim-explicit", "tag/banjir"]
    assert "family tag (by tag): 1 feeds, 0 collisions, 0 skipped, 1 below min_articles" in site.cli("status")[1]

    site.ingest([make_article(3, tags=("iklim",))])  # iklim's second article: now it gets a feed
    outcomes, _ = site.build()
    assert {p: outcomes[p] for p in ("tag/iklim/rss.xml", "tag/iklim/atom.xml", "tag/iklim/feed.json")} == dict.fromkeys(
        ("tag/iklim/rss.xml", "tag/iklim/atom.xml", "tag/iklim/feed.json"), "written"
    )
    assert [e["name"] for e in site.index()["feeds"]] == ["all", "iklim-explicit", "tag/banjir", "tag/iklim"]
    (site.out / "tag" / "banjir" / "notes.txt").write_text("a file feedhub never wrote", encoding="utf-8")

    site.delete(["art-1", "art-2", "art-3"])  # banjir and iklim lose every article
    outcomes, _ = site.build()
    order = list(outcomes)
    gone = [f"tag/{v}/{f}" for v in ("banjir", "iklim") for f in ("rss.xml", "atom.xml", "feed.json")]
    assert {p: outcomes[p] for p in gone} == dict.fromkeys(gone, "removed")
    # Removed only after the index that no longer lists them was published.
    assert outcomes["index.json"] == outcomes["feeds.opml"] == "written"
    assert min(order.index(p) for p in gone) > max(order.index("index.json"), order.index("feeds.opml"))
    assert [e["name"] for e in site.index()["feeds"]] == ["all", "iklim-explicit"]
    assert not (site.out / "tag/iklim").exists()
    # A file feedhub did not write stays, and with it its folder; the explicit feed is never removed.
    assert sorted(p.name for p in (site.out / "tag/banjir").iterdir()) == ["notes.txt"]
    assert (site.out / "iklim-explicit/rss.xml").is_file() and feedparser.parse((site.out / "iklim-explicit/rss.xml").read_bytes()).entries == []
    status_paths = {o["path"] for o in site.status()["outputs"]}
    assert not status_paths & set(gone) and "iklim-explicit/rss.xml" in status_paths
    assert site.status()["families"][0]["folders"] == []
    outcomes, _ = site.build()
    assert "removed" not in outcomes.values()


def test_index_held_back_while_a_new_feed_it_lists_is_rejected_and_nothing_removed_meanwhile(site, monkeypatch):
    site.ingest([make_article(1, tags=("a",)), make_article(2, tags=("b",))])
    site.build()
    index_before = (site.out / "index.json").read_bytes()
    site.delete(["art-2"])  # tag b is gone …
    site.ingest([make_article(3, tags=("c",))])  # … and tag c's first feed will be rejected
    real = rss.render_rss
    monkeypatch.setattr(rss, "render_rss", lambda feed, articles, now: replace(real(feed, articles, now), data=b"<rss") if feed.name == "tag/c" else real(feed, articles, now))
    outcomes, lines = site.build(code=1)
    assert outcomes["tag/c/rss.xml"] == outcomes["index.json"] == outcomes["feeds.opml"] == "rejected"
    assert any("not published: the feed document tag/c/rss.xml it lists was rejected" in line for line in lines)
    assert (site.out / "index.json").read_bytes() == index_before
    assert "removed" not in outcomes.values() and (site.out / "tag/b/rss.xml").is_file()
    monkeypatch.setattr(rss, "render_rss", real)
    outcomes, _ = site.build()
    assert outcomes["tag/c/rss.xml"] == outcomes["index.json"] == "written"
    assert outcomes["tag/b/rss.xml"] == outcomes["tag/b/atom.xml"] == "removed" and not (site.out / "tag/b").exists()


def test_opml_reads_back_with_listparser_and_index_json_has_its_shape(site):
    site.ingest([make_article(1, tags=("Ümlaut & <x>",), authors=(Author("王小明"),)), make_article(2, section="olahraga")])
    site.build()
    opml = listparser.parse((site.out / "feeds.opml").read_bytes())
    assert not opml.bozo, opml.get("bozo_exception")
    index = site.index()
    assert set(index) == {"version", "feeds"} and index["version"] == 1
    for entry in index["feeds"]:
        assert set(entry) == {"name", "title", "family", "value", "formats"}
        assert (entry["family"] is None) == (entry["value"] is None)
        for url in entry["formats"].values():
            assert url.startswith(BASE) and (site.out / url[len(BASE):]).is_file()
    # One subscription per feed, at its RSS document, in a folder per family.
    assert [(f.title, f.url) for f in opml.feeds] == [(e["title"], e["formats"]["rss"]) for e in index["feeds"]]
    folders = {f.url: f.categories for f in opml.feeds}
    assert folders[BASE + "tag/umlaut-x/rss.xml"] == [["tag"]]
    assert folders[BASE + "all/rss.xml"] == []
    author = next(e for e in index["feeds"] if e["family"] == "penulis" and e["value"] != "Redaksi GenPI")
    assert (author["value"], author["name"], list(author["formats"])) == ("王小明", "penulis/" + slug("王小明"), ["rss", "atom", "json"])
    # Both go through the gate as their own kinds, and `feedhub validate` recognises them.
    kinds = {o["path"]: o["kind"] for o in site.status()["outputs"]}
    assert (kinds["index.json"], kinds["feeds.opml"]) == ("feed-index-json", "opml")
    assert detect_kind((site.out / "feeds.opml").read_bytes()) == "opml"
    assert detect_kind((site.out / "index.json").read_bytes()) == "feed-index-json"
    code, lines = site.cli("validate", str(site.out / "feeds.opml"), str(site.out / "index.json"))
    assert code == 0 and lines == [f"{site.out / 'feeds.opml'}: ok", f"{site.out / 'index.json'}: ok"]
    # `feedhub serve` labels them by their kind: index.json is plain JSON, not a JSON Feed.
    assert (content_type("index.json", kinds["index.json"]), content_type("feeds.opml", kinds["feeds.opml"])) == ("application/json", "text/x-opml")


def test_validate_without_paths_checks_every_family_feed_and_the_index(site):
    site.ingest([make_article(1, tags=("a", "b")), make_article(2, tags=("b",), authors=(Author("Ana"),))])
    site.build()
    code, lines = site.cli("validate", "--now", NOW)
    assert code == 0
    checked = {Path(line.split(": ")[0]).relative_to(site.out).as_posix() for line in lines}
    assert {"tag/a/rss.xml", "tag/b/atom.xml", "penulis/ana/feed.json", "bahasa/id/rss.xml", "section/nasional/atom.xml",
            "index.json", "feeds.opml"} <= checked
    (site.out / "tag/b/rss.xml").write_bytes(b"<rss version='2.0'><channel></channel></rss>")
    code, lines = site.cli("validate", "--now", NOW)
    assert code == 1 and any(line.startswith(str(site.out / "tag/b/rss.xml") + ": error") for line in lines)


OPML_OK = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>t</title></head><body>
<outline text="f"><outline type="rss" text="x" xmlUrl="https://genpi.example/x.xml"/></outline></body></opml>"""


@pytest.mark.parametrize(
    ("mutate", "rule"),
    [
        (lambda d: d.replace(b'version="2.0"', b'version="1.0"'), "opml.version"),
        (lambda d: d.replace(b"<title>t</title>", b""), "opml.head"),
        (lambda d: d.replace(b' xmlUrl="https://genpi.example/x.xml"', b""), "opml.outline.xmlurl"),
        (lambda d: d.replace(b"https://genpi.example/x.xml", b"/x.xml"), "opml.outline.xmlurl"),
        (lambda d: d.replace(b' text="x"', b""), "opml.outline.text"),
        (lambda d: d.replace(b"</body>", b""), "xml.well-formed"),
        (lambda d: d.replace(b"<opml", b'<!DOCTYPE opml [<!ENTITY x "y">]><opml'), "xml.doctype"),
    ],
    ids=["version", "title", "no-xmlurl", "relative-xmlurl", "no-text", "not-well-formed", "doctype"],
)
def test_opml_validator_rules(mutate, rule):
    assert validate_document(OPML_OK, "opml") == []
    problems = validate_document(mutate(OPML_OK), "opml")
    assert [p.rule for p in problems if p.severity == "error"][:1] == [rule], problems


INDEX_OK = {"version": 1, "feeds": [{"name": "all", "title": "T", "family": None, "value": None, "formats": {"rss": "https://g.example/all/rss.xml"}}]}


@pytest.mark.parametrize(
    ("doc", "rule"),
    [
        ({"version": 2, "feeds": []}, "feed-index.shape"),
        ({"version": 1, "feeds": [{**INDEX_OK["feeds"][0], "title": ""}]}, "feed-index.entry"),
        ({"version": 1, "feeds": [{**INDEX_OK["feeds"][0], "family": "tag"}]}, "feed-index.family"),
        ({"version": 1, "feeds": [{**INDEX_OK["feeds"][0], "formats": {}}]}, "feed-index.formats"),
        ({"version": 1, "feeds": [{**INDEX_OK["feeds"][0], "formats": {"rss": "all/rss.xml"}}]}, "feed-index.url"),
        ({"version": 1, "feeds": INDEX_OK["feeds"] * 2}, "feed-index.name-unique"),
    ],
    ids=["version", "empty-title", "family-without-value", "no-formats", "relative-url", "duplicate-name"],
)
def test_index_json_validator_rules(doc, rule):
    assert validate_document(json.dumps(INDEX_OK).encode(), "feed-index-json") == []
    problems = validate_document(json.dumps(doc).encode(), "feed-index-json")
    assert [p.rule for p in problems] == [rule], problems


FAMILY_ERRORS = [
    ("bad-by", 'by = "colour"', 'config.toml: feed_families[0].by: must be one of "section", "tag", "author", "language", got "colour"'),
    ("no-by", 'name = "x"', "config.toml: feed_families[0].by: is required"),
    ("bad-name", 'by = "tag"\nname = "a b"', "config.toml: feed_families[0].name: must be letters, digits, '-' or '_' (it names a folder), got \"a b\""),
    ("path-without-slug", 'by = "tag"\npath = "tags/{name}"', "config.toml: feed_families[0].path: must contain {slug}, or every value would share one feed"),
    ("path-outside", 'by = "tag"\npath = "../{slug}"', 'config.toml: feed_families[0].path: must be a path inside the output dir, got "../slug"'),
    ("title-placeholder", 'by = "tag"\ntitle = "{site}: {value}"', "config.toml: feed_families[0].title: unknown placeholder {site}; known: {value}"),
    ("title-brace", 'by = "tag"\ntitle = "{value"', "config.toml: feed_families[0].title: is not a valid template (expected '}' before end of string; write {{ and }} for literal braces), got \"{value\""),
    ("min-articles", 'by = "tag"\nmin_articles = 0', "config.toml: feed_families[0].min_articles: must be a positive integer, got 0"),
    ("formats", 'by = "tag"\nformats = ["rdf"]', 'config.toml: feed_families[0].formats: unknown format "rdf"; known: rss, atom, json'),
    ("archive", 'by = "tag"\narchive = true', "config.toml: feed_families[0].archive: feed families have no archive (docs/families.md); list the feed in [[feeds]] to archive it"),
    ("unknown-key", 'by = "tag"\ntag = "x"', "config.toml: feed_families[0].tag: unknown key"),
]


@pytest.mark.parametrize(("body", "message"), [e[1:] for e in FAMILY_ERRORS], ids=[e[0] for e in FAMILY_ERRORS])
def test_family_config_errors_name_their_key(tmp_path, monkeypatch, body, message):
    monkeypatch.chdir(tmp_path)
    Path("config.toml").write_text(SITE_TOML + "[[feed_families]]\n" + body + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_config("config.toml")
    assert str(excinfo.value) == message


def test_family_config_defaults_and_duplicate_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("config.toml").write_text(SITE_TOML + '[[feed_families]]\nby = "author"\n', encoding="utf-8")
    config = load_config("config.toml")
    (family,) = config.families
    assert (family.name, family.path, family.title, family.limit, family.formats, family.min_articles) == (
        "author", "{name}/{slug}", "GenPI.co: {value}", 50, ("rss", "atom"), 1,
    )
    assert config.feed_index.enabled and (config.feed_index.json_path, config.feed_index.opml_path) == ("index.json", "feeds.opml")
    Path("config.toml").write_text(SITE_TOML, encoding="utf-8")
    assert not load_config("config.toml").feed_index.enabled  # no families: no new files for existing sites
    Path("config.toml").write_text(SITE_TOML + '[[feed_families]]\nby = "tag"\n\n[[feed_families]]\nby = "author"\nname = "tag"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r'feed_families\[1\]\.name: duplicate family name "tag"'):
        load_config("config.toml")
