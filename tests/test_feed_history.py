"""RFC 5005 feed history (issue 14) on a 3,000-article corpus: walking prev-archive from the
subscription document with feedparser reaches every article, archive pages are disjoint and
immutable (inode and mtime unchanged by a new article), a filled page adds one file, every
document passes the gate and a rebuild is byte-identical."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from conftest import SITE_TOML, make_article
from feedhub.cli import main
from feedhub.config import load_config
from feedhub.errors import ConfigError
from feedhub.formats import validate_document
from feedhub.render.atom import entry_id
from feedhub.store import open_store

CORPUS = 3000
BASE = "https://genpi.example/feeds/"
CONFIG = SITE_TOML + f"""
[output]
base_url = "{BASE}"

[[feeds]]
name = "all"
archive = true
formats = ["rss", "atom", "json"]
"""


def _now(n: int) -> str:
    """A build time just after article *n* was published (make_article: one per hour)."""
    return (make_article(n).published + timedelta(minutes=30)).isoformat()


class History:
    def __init__(self, root: Path, capsys) -> None:
        self.root, self.out, self.capsys = root, root / "feeds", capsys
        self.config = root / "config.toml"
        self.config.write_text(CONFIG, encoding="utf-8")

    def ingest(self, numbers) -> None:
        store = open_store("sqlite:///" + str(self.root / "store.sqlite3"), create=True)
        try:
            store.upsert([make_article(n) for n in numbers])
        finally:
            store.close()

    def build(self, now: str) -> dict[str, str]:
        code = main(["build", "--config", str(self.config), "--now", now])
        lines = self.capsys.readouterr().out.splitlines()
        assert code == 0, lines
        return {line.split()[1]: line.split()[0] for line in lines[:-1] if not line.startswith(" ")}

    def pages(self) -> dict[str, tuple[int, int, bytes]]:
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in sorted((self.out / "all" / "archive").iterdir())}

    def walk(self, start: str) -> list[list[str]]:
        """Entry ids of the subscription document, then of each archive page along prev-archive."""
        docs, url, seen = [], BASE + start, set()
        while url is not None:
            assert url.startswith(BASE) and url not in seen
            seen.add(url)
            # Only ids and links are read: feedparser's HTML sanitizing of every body is skipped (most of its time).
            parsed = feedparser.parse((self.out / url.removeprefix(BASE)).read_bytes(), sanitize_html=False, resolve_relative_uris=False)
            assert not parsed.bozo, (url, parsed.get("bozo_exception"))
            docs.append([e.id for e in parsed.entries])
            url = next((link.href for link in parsed.feed.links if link.rel == "prev-archive"), None)
        return docs


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    """The store is filled and built once (the build is what every test starts from); each test copies both."""
    root = tmp_path_factory.mktemp("corpus")
    store = open_store("sqlite:///" + str(root / "store.sqlite3"), create=True)
    store.upsert([make_article(n) for n in range(1, CORPUS + 1)])
    store.close()
    code = main(["build", "--config", str(History(root, None).config), "--now", _now(CORPUS)])
    assert code == 0
    return root


@pytest.fixture
def history(corpus_dir, tmp_path, capsys, monkeypatch):
    import shutil

    shutil.copy(corpus_dir / "store.sqlite3", tmp_path / "store.sqlite3")
    # The status record comes along: a build of the copy sees the same last build as the original would.
    shutil.copytree(corpus_dir / "feeds", tmp_path / "feeds", symlinks=True)
    monkeypatch.chdir(tmp_path)
    return History(tmp_path, capsys)


@pytest.mark.slow  # the 3,000-article history corpus: CI runs it, `-m 'not slow'` skips it
def test_walking_prev_archive_yields_every_article_once(history):
    feed = load_config(history.config).feeds[0]
    store_ids = [f"art-{n}" for n in range(1, CORPUS + 1)]
    for start, to_id in (("all/rss.xml", str), ("all/atom.xml", lambda i: entry_id(feed, i))):
        current, *pages = history.walk(start)
        assert len(current) == feed.limit == 50
        assert [len(p) for p in pages] == [100] * 30
        archived = [i for page in pages for i in page]
        # Every article exactly once across the archive pages; the subscription document's newest
        # 50 are on the newest page too (RFC 5005 §4: a reader merges by id).
        assert sorted(archived) == sorted(to_id(i) for i in store_ids)
        assert set(current) <= set(archived)
        assert pages[0][0] == to_id(f"art-{CORPUS}") and pages[-1][-1] == to_id("art-1")


@pytest.mark.slow  # the 3,000-article history corpus: CI runs it, `-m 'not slow'` skips it
def test_every_page_is_marked_linked_and_passes_the_gate(history):
    now = datetime.fromisoformat(_now(CORPUS))
    pages = history.pages()
    assert len(pages) == 60
    for name, (_, _, data) in pages.items():
        fmt, number = name.removesuffix(".xml").split("-")
        assert b"<fh:archive/>" in data and b'rel="current"' in data
        assert (b'rel="prev-archive"' in data) is (number != "1")
        assert (b'rel="next-archive"' in data) is (number != "30")
        problems = validate_document(data, fmt, now=now, site_url="https://genpi.example")
        assert [p for p in problems if p.severity == "error"] == [], (name, problems)
    for sub in ("rss.xml", "atom.xml"):
        data = (history.out / "all" / sub).read_bytes()
        assert b"fh:archive" not in data and b'rel="prev-archive"' in data and b"-30.xml" in data
    assert main(["validate", "--config", str(history.config), "--now", _now(CORPUS)]) == 0


@pytest.mark.slow  # the 3,000-article history corpus: CI runs it, `-m 'not slow'` skips it
def test_a_new_article_rewrites_only_the_subscription_documents(history):
    before = history.pages()
    history.ingest([CORPUS + 1])
    outcomes = history.build(_now(CORPUS + 1))
    assert {p for p, o in outcomes.items() if o == "written" and p.startswith("all/")} == {"all/rss.xml", "all/atom.xml", "all/feed.json"}
    assert history.pages() == before  # inode, mtime and bytes of all 60 pages


@pytest.mark.slow  # the 3,000-article history corpus: CI runs it, `-m 'not slow'` skips it
def test_a_full_page_adds_exactly_one_file_per_format(history):
    before = history.pages()
    history.ingest(range(CORPUS + 1, CORPUS + 101))
    history.build(_now(CORPUS + 100))
    after = history.pages()
    assert set(after) - set(before) == {"rss-31.xml", "atom-31.xml"}
    changed = {name for name in before if after[name] != before[name]}
    # Only the former newest page changes: it gains its next-archive link, nothing else.
    assert changed == {"rss-30.xml", "atom-30.xml"}
    for name in changed:
        old, new = before[name][2].splitlines(), after[name][2].splitlines()
        added = [line for line in new if line not in old]
        assert len(new) == len(old) + 1 and len(added) == 1 and b'rel="next-archive"' in added[0] and b"-31.xml" in added[0]
    assert len(history.walk("all/rss.xml")) == 1 + 31


@pytest.mark.slow  # the 3,000-article history corpus: CI runs it, `-m 'not slow'` skips it
def test_a_deleted_article_shrinks_its_page_chain_and_stale_pages_go(history):
    from dataclasses import replace

    store = open_store("sqlite:///" + str(history.root / "store.sqlite3"))
    store.upsert([replace(make_article(n), status="deleted") for n in range(1, 101)])
    store.close()
    outcomes = history.build(_now(CORPUS))
    assert outcomes["all/archive/rss-30.xml"] == "removed" and outcomes["all/archive/atom-30.xml"] == "removed"
    current, *pages = history.walk("all/rss.xml")
    assert len(pages) == 29 and "art-1" not in {i for p in pages for i in p}


@pytest.mark.slow  # the 3,000-article history corpus: CI runs it, `-m 'not slow'` skips it
def test_a_rebuild_from_nothing_is_byte_identical(history):
    import shutil

    before = {k: v[2] for k, v in history.pages().items()}
    subs = {p: (history.out / "all" / p).read_bytes() for p in ("rss.xml", "atom.xml")}
    shutil.rmtree(history.out)
    history.build(_now(CORPUS))
    assert {k: v[2] for k, v in history.pages().items()} == before
    assert {p: (history.out / "all" / p).read_bytes() for p in ("rss.xml", "atom.xml")} == subs


def test_archive_settings_are_checked(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(SITE_TOML + '[[feeds]]\nname = "all"\narchive = true\narchive_size = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.archive_size: must be a positive integer"):
        load_config(path)
    path.write_text(SITE_TOML + '[[feeds]]\nname = "all"\narchive = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.archive: must be true or false"):
        load_config(path)
    path.write_text(SITE_TOML + '[[feeds]]\nname = "all"\n', encoding="utf-8")
    feed = load_config(path).feeds[0]
    assert (feed.archive, feed.archive_size) == (False, 100)


def test_an_unchanged_page_is_not_rendered_again_and_a_changed_one_is(tmp_path):
    from dataclasses import replace

    from feedhub.formats import get

    path = tmp_path / "c.toml"
    path.write_text(CONFIG.replace("archive = true", "archive = true\narchive_size = 2\nlimit = 1"), encoding="utf-8")
    feed = load_config(path).feeds[0]
    now = datetime.fromisoformat(_now(5))
    articles = [make_article(n) for n in range(5, 0, -1)]
    first = get("rss").render(feed, articles, now)
    assert [d.path for d in first] == ["all/archive/rss-1.xml", "all/archive/rss-2.xml", "all/rss.xml"]
    again = get("rss").render(feed, articles, now)
    assert again[0] is first[0] and again[1] is first[1]  # from the page cache
    edited = [*articles[:4], replace(articles[4], title="Judul baru")]  # art-1 is on page 1
    third = get("rss").render(feed, edited, now)
    assert third[1] is first[1] and b"Judul baru" in third[0].data and b"Judul baru" not in first[0].data
