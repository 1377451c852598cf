"""The SQLite store's page size: 16 KiB for a new file (an article row fits one page of the
WITHOUT ROWID table instead of spilling into overflow pages); a store made before keeps its own."""

from __future__ import annotations

import sqlite3

from conftest import make_article
from feedhub.store import open_store


def _page_size(path) -> int:
    raw = sqlite3.connect(path)
    try:
        return int(raw.execute("PRAGMA page_size").fetchone()[0])
    finally:
        raw.close()


def test_a_new_store_has_16_kib_pages_and_keeps_wal(tmp_path):
    path = tmp_path / "s.sqlite3"
    with open_store(f"sqlite:///{path}", create=True) as s:
        s.upsert([make_article(i) for i in range(1, 4)])
    assert _page_size(path) == 16384
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_an_existing_store_keeps_its_page_size_and_its_articles(tmp_path):
    path = tmp_path / "old.sqlite3"
    with open_store(f"sqlite:///{path}", create=True) as s:
        s.upsert([make_article(1), make_article(2)])
    raw = sqlite3.connect(path, isolation_level=None)
    for stmt in ("PRAGMA journal_mode=DELETE", "PRAGMA page_size=4096", "VACUUM", "PRAGMA journal_mode=WAL"):
        raw.execute(stmt)
    raw.close()
    assert _page_size(path) == 4096
    with open_store(f"sqlite:///{path}") as s:
        result = s.upsert([make_article(2), make_article(3)])
        assert (result.new, result.unchanged) == (1, 1)
        assert [s.get(make_article(i).id) for i in (1, 2, 3)] == [make_article(i) for i in (1, 2, 3)]
    assert _page_size(path) == 4096
