"""JSON Feed 1.1 (issue 14): the seed read back with plain json and a JSON Schema written from the
spec (feedparser 6.0 reads no JSON Feed); byte stability; the validator's rules; `feedhub validate` and `status --links`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import SEED_PATH, SITE_TOML, make_article
from feedhub.cli import main
from feedhub.formats import get, validate_document
from feedhub.validate.jsonfeed import check_jsonfeed

NOW = "2024-06-20T12:00:00+07:00"
SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
CONFIG = SITE_TOML + """\

[output]
base_url = "https://genpi.example/feeds/"

[[feeds]]
name = "all"
formats = ["rss", "atom", "json"]
"""


def schema_errors(doc: object) -> list[str]:
    checker = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in checker.iter_errors(doc)]


class Site:
    def __init__(self, root: Path, capsys, config: str = CONFIG) -> None:
        self.root, self.out, self._capsys = root, root / "feeds", capsys
        self.config = root / "config.toml"
        self.config.write_text(config, encoding="utf-8")

    def cli(self, *args: str) -> tuple[int, list[str]]:
        code = main([args[0], "--config", str(self.config), *args[1:]])
        out, err = self._capsys.readouterr()
        return code, (out + err).splitlines()


@pytest.fixture
def site(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Site(tmp_path, capsys)
    assert s.cli("ingest", str(SEED_PATH))[0] == 0
    return s


def test_seed_feed_json_reads_back_with_caption_credit_and_related(site, seed):
    code, lines = site.cli("build", "--now", NOW)
    assert code == 0, lines
    raw = (site.out / "all" / "feed.json").read_bytes()
    doc = json.loads(raw)
    assert schema_errors(doc) == []
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["feed_url"] == "https://genpi.example/feeds/all/feed.json"
    [item] = doc["items"]
    assert item["id"] == seed["id"] and item["url"] == seed["url"]
    assert item["date_published"] == "2024-06-19T20:30:00+07:00"
    assert item["image"] == seed["images"][0]["url"]
    assert item["attachments"] == [{"url": seed["images"][0]["url"], "mime_type": "image/jpeg", "title": seed["images"][0]["caption"]}]
    ext = item["_feedhub"]
    assert ext["images"] == [{"url": seed["images"][0]["url"], "caption": seed["images"][0]["caption"], "credit": "AP Photo/Susan Walsh"}]
    assert ext["related"] == seed["related"] and len(ext["related"]) == 3
    assert item["tags"] == ["internasional", *seed["tags"]]
    assert item["content_html"] == seed["content_html"]
    # Non-ASCII is written as UTF-8, not as \u escapes.
    assert "“menyambut".encode() in raw and b"\\u201c" not in raw
    assert check_jsonfeed(raw) == []


def test_written_only_on_change_and_byte_stable(site):
    site.cli("build", "--now", NOW)
    path = site.out / "all" / "feed.json"
    first, stat = path.read_bytes(), path.stat()
    code, lines = site.cli("build", "--now", "2024-06-21T12:00:00+07:00", "--full")  # rendered again, found identical
    assert code == 0 and f"unchanged all/feed.json (1 items, {len(first)} bytes)" in lines
    assert path.read_bytes() == first and path.stat().st_mtime_ns == stat.st_mtime_ns and path.stat().st_ino == stat.st_ino
    assert first == json.dumps(json.loads(first), ensure_ascii=False, sort_keys=True, indent=2).encode() + b"\n"


def test_render_is_pure_and_leaves_out_what_rules_items_refuses(tmp_path):
    from datetime import datetime

    from feedhub.config import load_config

    (tmp_path / "c.toml").write_text(CONFIG, encoding="utf-8")
    feed = load_config(tmp_path / "c.toml").feeds[0]
    now = datetime.fromisoformat(NOW)
    good, bad = make_article(1), make_article(2, url="mailto:x@genpi.example")
    [doc] = get("json").render(feed, [good, bad], now)
    assert doc.path == "all/feed.json" and doc.kind == "json" and doc.items == 1
    assert [(x.id, x.field, x.rule) for x in doc.left_out] == [("art-2", "url", "url")]
    assert get("json").render(feed, [good, bad], now)[0].data == doc.data
    assert [i["id"] for i in json.loads(doc.data)["items"]] == ["art-1"]
    # The same articles as RSS and Atom.
    assert get("rss").render(feed, [good, bad], now)[0].items == 1


def test_an_article_without_body_gets_content_text(tmp_path):
    from datetime import datetime

    from feedhub.config import load_config

    (tmp_path / "c.toml").write_text(CONFIG, encoding="utf-8")
    feed = load_config(tmp_path / "c.toml").feeds[0]
    [doc] = get("json").render(feed, [make_article(1, content_html=None, summary=None, images=(), related=())], datetime.fromisoformat(NOW))
    [item] = json.loads(doc.data)["items"]
    assert item["content_text"] == "Artikel nomor 1" and "content_html" not in item and "_feedhub" not in item
    assert schema_errors(json.loads(doc.data)) == [] and check_jsonfeed(doc.data) == []


GOOD = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "T",
    "feed_url": "https://genpi.example/feed.json",
    "items": [{"id": "a", "content_text": "x", "url": "https://genpi.example/a", "date_published": "2024-06-19T20:30:00+07:00"}],
}


def _mutate(path: str, value: object) -> dict:
    doc = copy.deepcopy(GOOD)
    *parents, last = path.split("/")
    target: object = doc
    for p in parents:
        target = target[int(p)] if isinstance(target, list) else target[p]  # type: ignore[index]
    if value is KeyError:
        del target[last]  # type: ignore[attr-defined]
    else:
        target[last] = value  # type: ignore[index]
    return doc


@pytest.mark.parametrize(
    "path, value, rule",
    [
        ("version", KeyError, "jsonfeed.version"),
        ("title", "", "jsonfeed.title"),
        ("items", {}, "jsonfeed.items"),
        ("items/0/id", KeyError, "jsonfeed.item.id"),
        ("items/0/content_text", KeyError, "jsonfeed.item.content"),
        ("items/0/url", "/a", "jsonfeed.url"),
        ("items/0/date_published", "19 Jun 2024 20:30", "jsonfeed.date"),
        ("items/0/date_published", "2024-06-19T20:30:00", "jsonfeed.date"),
        ("items/0/tags", "one", "jsonfeed.type"),
        ("items/0/attachments", [{"url": "https://genpi.example/a.jpg"}], "jsonfeed.attachments"),
        ("items/0/authors", [{}], "jsonfeed.authors"),
        ("items/0/id", "", "jsonfeed.item.id"),
    ],
)
def test_validator_rules_agree_with_the_schema(path, value, rule):
    doc = _mutate(path, value)
    problems = check_jsonfeed(json.dumps(doc).encode())
    assert rule in {p.rule for p in problems if p.severity == "error"}, problems
    assert schema_errors(doc) != []


def test_duplicate_ids_are_an_error():
    doc = copy.deepcopy(GOOD)
    doc["items"].append({"id": "a", "content_text": "y"})
    assert [(p.rule, p.where) for p in check_jsonfeed(json.dumps(doc).encode())] == [("jsonfeed.item.id-unique", "/items/1/id")]


def test_validator_policy_is_a_warning_for_anyone_and_an_error_for_us():
    doc = _mutate("items/0/id", 7)
    assert {(p.rule, p.severity) for p in check_jsonfeed(json.dumps(doc).encode(), "spec")} == {("jsonfeed.item.id", "warning")}
    assert {(p.rule, p.severity) for p in check_jsonfeed(json.dumps(doc).encode(), "publish")} == {("jsonfeed.item.id", "error")}


@pytest.mark.parametrize("raw, rule", [(b"{", "jsonfeed.json"), (b"[]", "jsonfeed.json"), (b'{"a": NaN}', "jsonfeed.json"), (b'{"t": "\xff"}', "jsonfeed.encoding")])
def test_not_a_json_object(raw, rule):
    assert [p.rule for p in check_jsonfeed(raw)] == [rule]


def test_gate_finds_the_json_validator_through_the_registry():
    assert validate_document(json.dumps(GOOD).encode()) == []
    assert [p.rule for p in validate_document(json.dumps(_mutate("title", KeyError)).encode(), "json")] == ["jsonfeed.title"]


def test_feedhub_validate_reads_feed_json(site, tmp_path):
    site.cli("build", "--now", NOW)
    code, lines = site.cli("validate", "--now", NOW)
    assert f"{site.out / 'all' / 'feed.json'}: ok" in lines and code == 0, lines
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_mutate("items/0/date_published", "yesterday")), encoding="utf-8")
    code = main(["validate", str(bad)])
    assert code == 1


def test_status_links_prints_the_alternate_links(site):
    code, lines = site.cli("status", "--links")
    assert code == 0
    assert lines == [
        '<link rel="alternate" type="application/rss+xml" title="GenPI.co" href="https://genpi.example/feeds/all/rss.xml">',
        '<link rel="alternate" type="application/atom+xml" title="GenPI.co" href="https://genpi.example/feeds/all/atom.xml">',
        '<link rel="alternate" type="application/feed+json" title="GenPI.co" href="https://genpi.example/feeds/all/feed.json">',
    ]
