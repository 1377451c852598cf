"""The output-format registry (issue 14): config names formats, the builder, `feedhub validate` and
`status --links` find them there, and a format added from outside the package is built like the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SITE_TOML, make_article
from feedhub.cli import main
from feedhub.config import load_config
from feedhub.document import Document
from feedhub.errors import ConfigError
from feedhub.formats import MODULES, base, feed_paths, get, registered
from feedhub.store import open_store
from feedhub.validate._report import Problem

NOW = "2024-06-20T12:00:00+07:00"
OUTPUT = '\n[output]\nbase_url = "https://genpi.example/feeds/"\n'


def _config(tmp_path: Path, feeds: str):
    path = tmp_path / "c.toml"
    path.write_text(SITE_TOML + OUTPUT + feeds, encoding="utf-8")
    return load_config(path)


def test_registry_lists_every_module_in_order():
    assert MODULES == ("rss", "atom", "jsonfeed")
    assert list(registered()) == ["rss", "atom", "json"]
    assert {name: f.media_type for name, f in registered().items()} == {
        "rss": "application/rss+xml",
        "atom": "application/atom+xml",
        "json": "application/feed+json",
    }


def test_default_formats_are_rss_and_atom(tmp_path):
    feed = _config(tmp_path, '[[feeds]]\nname = "all"\n').feeds[0]
    assert feed.formats == ("rss", "atom")
    assert feed_paths(feed) == ["all/rss.xml", "all/atom.xml"]


@pytest.mark.parametrize(
    "value, message",
    [
        ('["rss", "gemini"]', 'unknown format "gemini"; known: rss, atom, json'),
        ('["rss", "rss"]', "must name at least one format, each once"),
        ("[]", "must name at least one format, each once"),
        ('"rss"', "must be a list of format names"),
        ("[1]", "unknown format 1"),
    ],
)
def test_bad_formats_are_config_errors_naming_the_key(tmp_path, value, message):
    with pytest.raises(ConfigError) as e:
        _config(tmp_path, f'[[feeds]]\nname = "all"\n\n[[feeds]]\nname = "b"\nformats = {value}\n')
    assert "feeds[1].formats" in str(e.value) and message in str(e.value)


def test_a_path_another_format_writes_is_refused(tmp_path):
    with pytest.raises(ConfigError, match='two outputs share the path "all/feed.json"'):
        _config(tmp_path, '[[feeds]]\nname = "all"\nrss_path = "all/feed.json"\nformats = ["rss", "json"]\n')


def test_each_format_renders_documents_of_its_kind_at_its_paths(tmp_path):
    from datetime import datetime

    feed = _config(tmp_path, '[[feeds]]\nname = "all"\nformats = ["json", "rss", "atom"]\n').feeds[0]
    assert feed_paths(feed) == ["all/feed.json", "all/rss.xml", "all/atom.xml"]
    for name in feed.formats:
        fmt = get(name)
        docs = fmt.render(feed, [make_article(1), make_article(2)], datetime.fromisoformat(NOW))
        assert [(d.path, d.kind, d.items) for d in docs] == [(fmt.paths(feed)[0], name, 2)]
        assert base.validate_document(docs[0].data, name) == []
        assert base.detect_kind(docs[0].data) == name


class TextFormat:
    """A format from outside the package: one class, one register() call."""

    name = "txt"
    media_type = "text/plain"
    xml = False

    def paths(self, feed):
        return [f"{feed.name}/headlines.lst"]

    def check_article(self, article):
        return None

    def render(self, feed, articles, now):
        text = "HEADLINES\n" + "".join(f"{a.title}\n" for a in articles)
        return [Document(self.paths(feed)[0], self.name, text.encode(), len(articles))]

    def sniff(self, raw):
        return raw.startswith(b"HEADLINES\n")

    def check(self, raw, profile):
        return [] if raw.strip() else [Problem("txt.empty", "no headline", None, None)]


def test_a_registered_format_is_configured_built_validated_and_linked(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(base._REGISTRY, "txt", TextFormat())
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(SITE_TOML + OUTPUT + '[[feeds]]\nname = "all"\nformats = ["atom", "txt"]\n', encoding="utf-8")
    store = open_store("sqlite:///" + str(tmp_path / "store.sqlite3"), create=True)
    store.upsert([make_article(1), make_article(2)])
    store.close()
    assert main(["build", "--config", str(config), "--now", NOW]) == 0
    out = tmp_path / "feeds"
    assert (out / "all" / "headlines.lst").read_text() == "HEADLINES\nArtikel nomor 2\nArtikel nomor 1\n"
    assert not (out / "all" / "rss.xml").exists()
    status = json.loads((out / ".feedhub-status.json").read_text())
    assert {o["path"]: o["kind"] for o in status["outputs"]}["all/headlines.lst"] == "txt"
    capsys.readouterr()
    assert main(["status", "--config", str(config), "--links"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        '<link rel="alternate" type="text/plain" title="GenPI.co" href="https://genpi.example/feeds/all/headlines.lst">'
    )
    assert main(["validate", "--config", str(config), "--now", NOW]) == 0
    assert f"{out / 'all' / 'headlines.lst'}: ok" in capsys.readouterr().out
