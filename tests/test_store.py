"""The store, written against the :class:`feedhub.store.Store` protocol (issues 2, 13, 17).

Every test taking the ``store`` or ``store_url`` fixture runs once per backend in
``BACKENDS``: SQLite in a temporary file, PostgreSQL in a database of the test process's own,
emptied before each test (so parallel runs never collide), and dropped at the end.  The
server is ``$FEEDHUB_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``,
the one ``.ci/postgres`` provides).  Without a server the PostgreSQL cases skip
with the reason, except under ``CI``, where they fail: CI must test both.
Tests about the SQLite file itself (WAL, schema version, corrupt files) take
``sqlite_path`` instead.
"""

from __future__ import annotations

import collections.abc
import inspect
import os
import sqlite3
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import JAKARTA, make_article, seed_record
from feedhub.contract import parse_article
from feedhub.errors import StoreError
from feedhub.model import Author, FeedFilter, SitemapRow, article_to_dict
from feedhub.store import UpsertResult, open_store
from feedhub.store.migrations import CHANGE_LOG_SPAN, MIGRATIONS, SCHEMA_VERSION
from feedhub.store.records import micros

BACKENDS = ["sqlite", "postgresql"]
ALL = FeedFilter()
UTC = UTC
ADMIN_URL = os.environ.get("FEEDHUB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin():
    """An autocommit connection to the test server's maintenance database, or skip/fail saying why."""
    try:
        import psycopg
    except ImportError as e:  # pragma: no cover - psycopg is a test extra
        reason = f"psycopg not installed: {e}"
    else:
        try:
            return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
        except psycopg.Error as e:
            reason = f"no PostgreSQL at {ADMIN_URL}: {str(e).strip().splitlines()[0]}"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must test PostgreSQL: run .ci/postgres first)", pytrace=False)
    pytest.skip(f"{reason} (start one with .ci/postgres)")


@pytest.fixture(scope="session")
def _pg_database():
    """A database of this test process's own, created once and dropped at the end (see ``pg_url``)."""
    names: list[str] = []
    yield names
    if names:
        admin = _admin()
        admin.execute(f'DROP DATABASE IF EXISTS "{names[0]}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_url(_pg_database):
    """The URL of an empty database no other test uses meanwhile.

    Each test process has one database; every test starts by ending whatever sessions are still
    connected to it (their advisory locks go with them) and dropping everything in it.  Creating
    a database per test cost about a second each on a busy machine (PostgreSQL 15 copies the
    template through its WAL).
    """
    admin = _admin()
    try:
        if not _pg_database:
            _pg_database.append(f"feedhub_test_{uuid.uuid4().hex[:16]}")
            admin.execute(f'CREATE DATABASE "{_pg_database[0]}"')
        url = ADMIN_URL.rsplit("/", 1)[0] + "/" + _pg_database[0]
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (_pg_database[0],))
    finally:
        admin.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")
    return url


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "s.sqlite3")
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    raise AssertionError(f"no fixture for backend {request.param}")  # pragma: no cover


@pytest.fixture
def store(store_url):
    with open_store(store_url, create=True) as s:
        yield s


@pytest.fixture
def sqlite_path(tmp_path):
    return tmp_path / "s.sqlite3"


def ids(articles):
    return [a.id for a in articles]


def seed_article():
    article, warnings = parse_article(seed_record(), ZoneInfo("Asia/Jakarta"), "id")
    assert warnings == []
    return article


# -- upsert, get, change token ----------------------------------------------------


def test_seed_round_trips_through_the_store_unchanged(store):
    article = seed_article()
    assert store.upsert([article]) == UpsertResult(new=1)
    got = store.get(article.id)
    assert got == article
    # Field by field, including the ones equality would forgive (the offset of the dates).
    assert article_to_dict(got) == {**seed_record(), "status": "published"}
    assert got.published.utcoffset() == timedelta(hours=7)
    assert store.newest(ALL, 10) == [article]


def test_every_field_round_trips(store):
    a = make_article(
        1,
        updated=datetime(2024, 6, 20, 1, 2, 3, 456789, tzinfo=UTC),
        authors=(),
        tags=("b", "a", "Ümlaut & <x>"),
        language="zh-Hant-TW",
        images=(make_article(1).images[0], replace(make_article(2).images[0], caption=None, credit=None, type=None, width=None, height=None, length=123)),
        related=(),
        section=None,
        summary=None,
        content_html="<p>]]&gt; “😀”</p>",
    )
    store.upsert([a])
    got = store.get(a.id)
    assert got == a
    assert article_to_dict(got) == article_to_dict(a)
    assert got.updated.utcoffset() == timedelta(0)


def test_get_unknown_id_is_none(store):
    assert store.get("nope") is None


def test_reingest_same_articles_changes_nothing(store):
    batch = [make_article(n) for n in range(1, 6)]
    assert store.upsert(batch) == UpsertResult(new=5)
    token = store.change_token()
    assert store.upsert(batch) == UpsertResult(unchanged=5)
    assert store.change_token() == token
    assert store.count() == 5


def test_changed_article_replaces_old(store):
    store.upsert([make_article(1), make_article(2)])
    token = store.change_token()
    changed = make_article(1, title="Judul baru", tags=("baru",))
    assert store.upsert([changed, make_article(2)]) == UpsertResult(updated=1, unchanged=1)
    assert store.change_token() > token
    assert store.get("art-1") == changed
    assert store.count() == 2
    assert ids(store.newest(ALL, 10)) == ["art-2", "art-1"]
    assert ids(store.newest(FeedFilter(tag="berita"), 10)) == ["art-2"]  # the old tag is gone
    assert ids(store.newest(FeedFilter(tag="baru"), 10)) == ["art-1"]


def test_same_id_twice_in_one_upsert_keeps_only_the_last_version(store):
    first = make_article(1, tags=("lama",))
    last = make_article(1, tags=("baru",), title="Versi terakhir")
    store.upsert([first, last])
    assert store.get("art-1") == last
    assert store.count() == 1
    assert ids(store.newest(ALL, 10)) == ["art-1"]
    assert store.newest(FeedFilter(tag="lama"), 10) == []
    assert ids(store.newest(FeedFilter(tag="baru"), 10)) == ["art-1"]


def test_change_token_is_monotonic(store):
    tokens = [store.change_token()]
    assert isinstance(tokens[0], int)

    def step(articles, *, changes: bool):
        store.upsert(articles)
        tokens.append(store.change_token())
        assert (tokens[-1] > tokens[-2]) if changes else (tokens[-1] == tokens[-2])

    step([make_article(1)], changes=True)
    step([make_article(1)], changes=False)
    step([make_article(2), make_article(3)], changes=True)
    step([make_article(2, title="baru")], changes=True)
    step([make_article(3, status="deleted")], changes=True)
    step([make_article(3, status="deleted")], changes=False)
    step([make_article(3)], changes=True)  # republished
    step([make_article(3, status="draft")], changes=True)
    step([], changes=False)


def test_data_and_token_persist_across_reopen(store_url):
    s = open_store(store_url, create=True)
    s.upsert([make_article(1), make_article(2, status="draft")])
    token = s.change_token()
    s.close()
    s = open_store(store_url)
    try:
        assert s.change_token() == token
        assert s.get("art-1") == make_article(1)
        assert (s.count(), s.count("draft"), s.count(None)) == (1, 1, 2)
    finally:
        s.close()


# -- what the queries return ---------------------------------------------------------


def _every_query_ids(store) -> dict[str, list[str]]:
    window = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    return {
        "newest": ids(store.newest(ALL, 100)),
        "section": ids(store.newest(FeedFilter(section="nasional"), 100)),
        "tag": ids(store.newest(FeedFilter(tag="berita"), 100)),
        "language": ids(store.newest(FeedFilter(language="id"), 100)),
        "between": ids(store.published_between(*window)),
        "sitemap": ["art-" + r.url.rsplit("-", 1)[1] for r in store.iter_sitemap_rows()],  # make_article URLs end in -n
    }


def test_deleted_article_leaves_every_query(store):
    store.upsert([make_article(1), make_article(2)])
    assert _every_query_ids(store)["newest"] == ["art-2", "art-1"]
    assert store.upsert([make_article(1, status="deleted")]) == UpsertResult(updated=1)
    queries = _every_query_ids(store)
    assert queries == dict.fromkeys(queries, ["art-2"])
    assert store.count() == 1
    gone = store.get("art-1")
    assert gone is None or gone.status == "deleted"


def test_drafts_never_returned(store):
    store.upsert([make_article(1, status="draft"), make_article(2), make_article(3, status="draft")])
    queries = _every_query_ids(store)
    assert queries == dict.fromkeys(queries, ["art-2"])
    assert (store.count(), store.count("draft"), store.count(None)) == (1, 2, 3)


def test_newest_is_newest_first_with_limit(store):
    store.upsert([make_article(n) for n in (3, 1, 5, 2, 4)])
    assert ids(store.newest(ALL, 10)) == ["art-5", "art-4", "art-3", "art-2", "art-1"]
    assert ids(store.newest(ALL, 2)) == ["art-5", "art-4"]


def test_newest_orders_by_instant_not_by_local_time(store):
    # 10:00 in Jakarta is 03:00 UTC: older than 04:00 UTC although "10" > "04".
    jakarta = make_article(1, published=datetime(2024, 6, 19, 10, 0, tzinfo=JAKARTA))
    utc = make_article(2, published=datetime(2024, 6, 19, 4, 0, tzinfo=UTC))
    store.upsert([jakarta, utc])
    assert ids(store.newest(ALL, 10)) == ["art-2", "art-1"]


def test_newest_ties_broken_by_id(store):
    when = datetime(2024, 6, 19, 20, 30, tzinfo=JAKARTA)
    same_instant_other_offset = when.astimezone(UTC)
    store.upsert(
        [
            make_article(1, id="b", published=when),
            make_article(2, id="c", published=same_instant_other_offset),
            make_article(3, id="a", published=when),
            make_article(4, id="z", published=when - timedelta(microseconds=1)),
        ]
    )
    assert ids(store.newest(ALL, 10)) == ["a", "b", "c", "z"]
    assert ids(store.newest(ALL, 2)) == ["a", "b"]


def test_article_whose_published_changed_moves_in_newest_order(store):
    store.upsert([make_article(n) for n in (1, 2, 3)])
    assert ids(store.newest(ALL, 10)) == ["art-3", "art-2", "art-1"]
    moved = make_article(1, published=make_article(9).published)
    assert store.upsert([moved]) == UpsertResult(updated=1)
    assert ids(store.newest(ALL, 10)) == ["art-1", "art-3", "art-2"]
    assert store.newest(ALL, 1) == [moved]
    window = (make_article(8).published, make_article(9).published)
    assert ids(store.published_between(*window)) == ["art-1"]


def test_section_filter(store):
    store.upsert([make_article(1, section="olahraga"), make_article(2), make_article(3, section="olahraga"), make_article(4, section=None)])
    assert ids(store.newest(FeedFilter(section="olahraga"), 10)) == ["art-3", "art-1"]
    assert ids(store.newest(FeedFilter(section="nasional"), 10)) == ["art-2"]
    assert store.newest(FeedFilter(section="teknologi"), 10) == []


def test_tag_filter(store):
    store.upsert(
        [
            make_article(1, tags=("Jepang", "intelijen")),
            make_article(2, tags=()),
            make_article(3, tags=("Jepang",)),
            make_article(4, tags=("Selandia Baru", "Jepang", "Jepang")),
        ]
    )
    assert ids(store.newest(FeedFilter(tag="Jepang"), 10)) == ["art-4", "art-3", "art-1"]
    assert ids(store.newest(FeedFilter(tag="Jepang"), 2)) == ["art-4", "art-3"]
    assert ids(store.newest(FeedFilter(tag="Selandia Baru"), 10)) == ["art-4"]
    assert store.newest(FeedFilter(tag="Korea"), 10) == []
    assert ids(store.newest(FeedFilter(tag="Jepang", section="nasional"), 10)) == ["art-4", "art-3", "art-1"]
    assert store.newest(FeedFilter(tag="Jepang", section="olahraga"), 10) == []


def test_language_filter_is_rfc4647_basic_and_case_insensitive(store):
    store.upsert(
        [
            make_article(1, language="zh-TW"),
            make_article(2, language="zh"),
            make_article(3, language="zh-Hant-TW"),
            make_article(4, language="zhx"),
            make_article(5, language="en"),
            make_article(6, language="ZH-tw"),
        ]
    )

    def lang(tag):
        return ids(store.newest(FeedFilter(language=tag), 10))

    assert lang("zh") == ["art-6", "art-3", "art-2", "art-1"]
    assert lang("ZH") == lang("zh")
    assert lang("zh-TW") == ["art-6", "art-1"]
    assert lang("zh-tw") == ["art-6", "art-1"]
    assert lang("zh-Hant") == ["art-3"]
    assert lang("en") == ["art-5"]
    assert lang("e") == []
    assert lang("zh_") == [] and lang("z%") == []  # LIKE wildcards are not wildcards here
    assert store.get("art-1").language == "zh-TW"  # the tag itself is kept as written


def test_published_between_start_exclusive_end_inclusive(store):
    store.upsert([make_article(n) for n in range(1, 6)])
    start, end = make_article(2).published, make_article(4).published
    assert ids(store.published_between(start, end)) == ["art-4", "art-3"]
    tick = timedelta(microseconds=1)
    assert ids(store.published_between(start - tick, end)) == ["art-4", "art-3", "art-2"]
    assert ids(store.published_between(start, end - tick)) == ["art-3"]
    # The same edges given in another zone.
    assert ids(store.published_between(start.astimezone(UTC), end.astimezone(UTC))) == ["art-4", "art-3"]
    assert store.published_between(end, end) == []


def test_published_between_ties_by_id_and_skips_drafts(store):
    when = datetime(2024, 6, 19, 12, 0, tzinfo=UTC)
    store.upsert([make_article(1, id="b", published=when), make_article(2, id="a", published=when), make_article(3, id="c", published=when, status="draft")])
    assert ids(store.published_between(when - timedelta(hours=1), when)) == ["a", "b"]


# -- the streaming pass ----------------------------------------------------------


def test_sitemap_rows_ordered_by_id_with_lastmod(store):
    store.upsert(
        [
            make_article(2, id="b"),
            make_article(1, id="a", updated=datetime(2024, 6, 21, 10, 0, 0, 999, tzinfo=JAKARTA)),
            make_article(3, id="c", status="draft"),
            make_article(4, id="0"),
        ]
    )
    rows = list(store.iter_sitemap_rows())
    assert rows == [
        SitemapRow(make_article(4).url, "2024-06-19T12:00:00+07:00"),
        SitemapRow(make_article(1).url, "2024-06-21T10:00:00+07:00"),
        SitemapRow(make_article(2).url, "2024-06-19T10:00:00+07:00"),
    ]


def test_sitemap_rows_stream_lazily_from_a_large_store(store):
    store.upsert([make_article(n) for n in range(1, 10_001)])
    assert store.count() == 10_000
    rows = store.iter_sitemap_rows()
    assert isinstance(rows, collections.abc.Iterator)
    assert iter(rows) is rows
    first = next(rows)  # only the first row is asked for
    assert first.url == make_article(1).url  # "art-1" sorts first
    if inspect.isgenerator(rows):
        assert inspect.getgeneratorstate(rows) == inspect.GEN_SUSPENDED
    # Abandoning the pass leaves the store usable.
    if hasattr(rows, "close"):
        rows.close()
    store.upsert([make_article(10_001)])
    urls = [r.url for r in store.iter_sitemap_rows()]
    assert len(urls) == 10_001
    expected = [make_article(n).url for n in sorted(range(1, 10_002), key=lambda n: f"art-{n}")]
    assert urls == expected


def test_empty_store_queries(store):
    assert store.newest(ALL, 10) == []
    assert store.published_between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)) == []
    assert list(store.iter_sitemap_rows()) == []
    assert store.count() == 0
    assert store.upsert([]) == UpsertResult()


# -- opening: files, schema, corruption, WAL ---------------------------------------


def test_sqlite_store_is_a_real_file_on_disk(sqlite_path):
    s = open_store("sqlite:///" + str(sqlite_path), create=True)
    s.upsert([make_article(1)])
    s.close()
    assert sqlite_path.is_file()
    assert sqlite_path.read_bytes()[:16] == b"SQLite format 3\x00"
    raw = sqlite3.connect(sqlite_path)
    try:
        assert raw.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    finally:
        raw.close()


def test_create_makes_missing_parent_directories(tmp_path):
    path = tmp_path / "a" / "b" / "s.sqlite3"
    open_store("sqlite:///" + str(path), create=True).close()
    assert path.is_file()


def test_missing_file_without_create_is_store_error(sqlite_path):
    with pytest.raises(StoreError) as excinfo:
        open_store("sqlite:///" + str(sqlite_path))
    assert str(sqlite_path) in str(excinfo.value)
    assert "no such file" in str(excinfo.value)
    assert not sqlite_path.exists()


@pytest.mark.parametrize("content", [b"", "foreign"], ids=["zero-bytes", "foreign-sqlite"])
def test_non_feedhub_file_without_create_is_refused_and_left_untouched(sqlite_path, content):
    if content == "foreign":
        db = sqlite3.connect(sqlite_path)
        db.execute("CREATE TABLE notes (x)")
        db.commit()
        db.close()
    else:
        sqlite_path.write_bytes(content)
    before = sqlite_path.read_bytes()
    with pytest.raises(StoreError, match="not a feedhub store"):
        open_store("sqlite:///" + str(sqlite_path))
    assert sqlite_path.read_bytes() == before
    assert sorted(p.name for p in sqlite_path.parent.iterdir()) == [sqlite_path.name]


@pytest.mark.parametrize("create", [False, True])
def test_corrupt_file_is_store_error_and_left_untouched(sqlite_path, create):
    garbage = bytes(range(256)) * 64 + os.urandom(4096)
    sqlite_path.write_bytes(garbage)
    with pytest.raises(StoreError) as excinfo:
        open_store("sqlite:///" + str(sqlite_path), create=create)
    assert not isinstance(excinfo.value, sqlite3.Error)
    assert isinstance(excinfo.value.__cause__, sqlite3.Error)
    assert str(sqlite_path) in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert sqlite_path.read_bytes() == garbage
    assert sorted(p.name for p in sqlite_path.parent.iterdir()) == [sqlite_path.name]


def test_store_that_cannot_be_created_is_store_error(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(StoreError) as excinfo:
        open_store("sqlite:///" + str(tmp_path / "afile" / "sub" / "s.sqlite3"), create=True)
    assert "afile" in str(excinfo.value)


def test_directory_as_store_is_store_error(tmp_path):
    with pytest.raises(StoreError):
        open_store("sqlite:///" + str(tmp_path), create=True)


def test_unsupported_scheme_is_store_error():
    with pytest.raises(StoreError, match="unsupported scheme 'mysql'"):
        open_store("mysql://localhost/feedhub")


def test_schema_version_is_recorded(sqlite_path):
    open_store("sqlite:///" + str(sqlite_path), create=True).close()
    raw = sqlite3.connect(sqlite_path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
    finally:
        raw.close()


def test_newer_schema_version_is_refused(sqlite_path):
    s = open_store("sqlite:///" + str(sqlite_path), create=True)
    s.upsert([make_article(1)])
    s.close()
    raw = sqlite3.connect(sqlite_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError) as excinfo:
        open_store("sqlite:///" + str(sqlite_path))
    message = str(excinfo.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message and "newer" in message and "upgrade feedhub" in message
    raw = sqlite3.connect(sqlite_path)
    try:  # refused, not migrated or truncated
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert raw.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    finally:
        raw.close()


def test_journal_mode_is_wal(sqlite_path):
    s = open_store("sqlite:///" + str(sqlite_path), create=True)
    s.upsert([make_article(1)])
    raw = sqlite3.connect(sqlite_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()
        s.close()


def test_reader_reads_while_a_writer_holds_a_write_transaction(sqlite_path):
    url = "sqlite:///" + str(sqlite_path)
    s = open_store(url, create=True)
    s.upsert([make_article(1), make_article(2)])
    writer = sqlite3.connect(sqlite_path, isolation_level=None, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE articles SET status = 'draft'")
        # The write lock is held and uncommitted: readers see the last commit without waiting.
        reader = open_store(url)
        try:
            assert ids(reader.newest(ALL, 10)) == ["art-2", "art-1"]
            assert ids(s.newest(ALL, 10)) == ["art-2", "art-1"]
            assert len(list(reader.iter_sitemap_rows())) == 2
            writer.execute("COMMIT")
            assert reader.count() == 0
        finally:
            reader.close()
    finally:
        writer.close()
        s.close()


def test_write_blocked_by_another_writer_is_store_error(sqlite_path):
    url = "sqlite:///" + str(sqlite_path)
    s = open_store(url, create=True)
    s._db.execute("PRAGMA busy_timeout = 0")  # private, SQLite-only: fail at once instead of after the 10 s wait
    writer = sqlite3.connect(sqlite_path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError) as excinfo:
            s.upsert([make_article(1)])
        assert isinstance(excinfo.value.__cause__, sqlite3.Error)
    finally:
        writer.close()
    assert s.upsert([make_article(1)]) == UpsertResult(new=1)  # nothing half-done, usable again
    s.close()


def test_future_dated_articles_wait_until_their_time(store):
    # make_article(n) is published n hours after 2024-06-19 08:00 +07:00.
    store.upsert([make_article(n) for n in (1, 2, 3)])
    at_2 = make_article(2).published
    assert ids(store.newest(FeedFilter(), 10, until=at_2)) == ["art-2", "art-1"]
    assert ids(store.newest(FeedFilter(section="nasional"), 10, until=at_2)) == ["art-2", "art-1"]
    assert ids(store.newest(FeedFilter(tag="berita"), 10, until=at_2)) == ["art-2", "art-1"]
    assert [r.url for r in store.iter_sitemap_rows(until=at_2)] == [make_article(n).url for n in (1, 2)]
    assert store.next_published_after(at_2) == make_article(3).published
    assert store.next_published_after(make_article(3).published) is None


def test_next_published_after_ignores_drafts_and_deleted(store):
    store.upsert([make_article(1), make_article(2, status="draft"), make_article(3, status="deleted")])
    assert store.next_published_after(make_article(1).published) is None


def test_sitemap_stream_walks_the_primary_key_without_sorting(sqlite_path):
    # A temp B-tree for ORDER BY means the whole table is sorted before the first row comes back.
    store = open_store("sqlite:///" + str(sqlite_path), create=True)
    try:
        store.upsert([make_article(n) for n in range(1, 50)])
        captured = []
        store._db.set_trace_callback(captured.append)
        rows = store.iter_sitemap_rows(until=make_article(40).published)
        next(rows)
        store._db.set_trace_callback(None)
        (sql,) = [s for s in captured if s.lstrip().upper().startswith("SELECT")]
        plan = " ".join(r[-1] for r in store._db.execute("EXPLAIN QUERY PLAN " + sql.replace("?", "0")))
        assert "TEMP B-TREE" not in plan, plan
        assert "SCAN articles" in plan, plan
    finally:
        store.close()


# -- lifecycle, tombstones, records, groups (issues 13 and 17) ------------------------


def test_with_block_closes_the_store(store_url):
    with open_store(store_url, create=True) as s:
        s.upsert([make_article(1)])
        assert s.count() == 1
    with pytest.raises(StoreError, match="used after close"):
        s.count()
    s.close()  # closing twice is fine
    with open_store(store_url) as again:
        assert again.count() == 1


def test_with_block_closes_on_error(store_url):
    with pytest.raises(RuntimeError), open_store(store_url, create=True) as s:
        raise RuntimeError("boom")
    with pytest.raises(StoreError, match="used after close"):
        s.change_token()


def test_mark_deleted_makes_tombstones_and_returns_unknown_ids(store):
    store.upsert([make_article(n) for n in (1, 2, 3)])
    token = store.change_token()
    assert store.mark_deleted(["art-1", "nope", "art-3", "other"]) == ["nope", "other"]
    assert store.change_token() > token
    assert ids(store.newest(ALL, 10)) == ["art-2"]
    assert (store.count(), store.count("deleted"), store.count(None)) == (1, 2, 3)
    assert store.get("art-1") == make_article(1, status="deleted")
    # Idempotent, and the same tombstone an ingest of status "deleted" makes.
    token = store.change_token()
    assert store.mark_deleted(["art-1"]) == []
    assert store.upsert([make_article(3, status="deleted")]) == UpsertResult(unchanged=1)
    assert store.change_token() == token
    assert store.mark_deleted([]) == []


def test_iter_records_returns_every_status_in_id_order(store):
    store.upsert([make_article(2, tags=("b", "a")), make_article(1, status="draft"), make_article(3, status="deleted")])
    records = list(store.iter_records())
    assert [r.id for r in records] == ["art-1", "art-2", "art-3"]
    assert [r.status for r in records] == ["draft", "published", "deleted"]
    assert records[1].tags == ("b", "a")
    # Written back as they are, they change nothing.
    assert store.upsert(records) == UpsertResult(unchanged=3)


def test_ids_sort_by_code_point_on_every_backend(store):
    # The archive sitemap's order must not depend on the backend or the server's locale.
    names = ["b", "B", "a-2", "a_1", "a10", "a9", "é", "e", "z", "中文", "Ω", "😀", " space"]
    store.upsert([make_article(n, id=name) for n, name in enumerate(names, 1)])
    assert [r.id for r in store.iter_records()] == sorted(names)
    by_url = {make_article(n).url: name for n, name in enumerate(names, 1)}
    assert [by_url[r.url] for r in store.iter_sitemap_rows()] == sorted(names)


def test_info_reports_version_counts_and_token(store):
    store.upsert([make_article(1), make_article(2, status="draft")])
    info = store.info()
    assert (info.schema_version, info.articles, info.published, info.change_token) == (SCHEMA_VERSION, 2, 1, store.change_token())
    assert info.backend in BACKENDS
    assert "***" not in info.url


def test_group_locks_are_exclusive_per_group_between_connections(store_url):
    with open_store(store_url, create=True) as a, open_store(store_url) as b:
        assert a.try_lock_group("feeds") is True
        assert a.try_lock_group("feeds") is True  # asking again for a held group is fine
        if store_url.startswith("sqlite"):
            # One host's output lock already serialises SQLite builders.
            assert b.try_lock_group("feeds") is True
            return
        assert b.try_lock_group("feeds") is False
        assert b.try_lock_group("sitemaps") is True
        assert a.try_lock_group("sitemaps") is False
        a.release_group("feeds")
        a.release_group("feeds")  # not held any more: a no-op
        assert b.try_lock_group("feeds") is True
        assert a.try_lock_group("feeds") is False
        b.close()  # a dead daemon's connection ends: its groups are free
        assert a.try_lock_group("feeds") is True
        assert a.try_lock_group("sitemaps") is True


def test_changes_since_gives_every_version_written_and_replaced(store):
    # Incremental builds (issue 15) need where an article was, not only where it is.
    store.upsert([make_article(1, section="a", tags=("x", "y"), authors=(Author("Ana"), Author("Budi"))), make_article(2)])
    token = store.change_token()
    assert store.changes_since(token) == []

    store.upsert([make_article(1, section="b", tags=("z",), language="en-US")])
    store.mark_deleted(["art-2"])
    store.upsert([make_article(3)])
    got = sorted(store.changes_since(token), key=lambda f: (f.id, f.status, f.section or ""))
    one_old, one_new = sorted((f for f in got if f.id == "art-1"), key=lambda f: f.section or "")
    assert (one_old.section, one_old.tags, one_old.authors, one_old.lang_key) == ("a", ("x", "y"), ("Ana", "Budi"), "id")
    assert (one_new.section, one_new.tags, one_new.authors, one_new.lang_key) == ("b", ("z",), ("Redaksi GenPI",), "en-us")
    assert sorted(f.status for f in got if f.id == "art-2") == ["deleted", "published"]
    assert [f.status for f in got if f.id == "art-3"] == ["published"]
    assert all(f.published_us == micros(make_article(int(f.id[4:])).published) for f in got)


def test_changes_since_refuses_a_token_it_cannot_answer_for(store):
    store.upsert([make_article(1)])
    assert store.changes_since(store.change_token() + 5) is None  # a token of another store
    assert store.changes_since(store.change_token() - CHANGE_LOG_SPAN - 1) is None


def test_change_token_is_one_indexed_query(store):
    # The daemon asks this on every idle tick: it must not scan the table, however large.
    from feedhub.store import _sql

    store.upsert([make_article(n) for n in range(1, 200)])
    if store.backend == "sqlite":
        plan = " ".join(r[-1] for r in store._db.execute("EXPLAIN QUERY PLAN " + _sql.CHANGE_TOKEN))
        assert "USING COVERING INDEX articles_by_seq" in plan, plan
    else:
        store._db.execute("ANALYZE articles")
        plan = " ".join(r[0] for r in store._db.execute("EXPLAIN " + _sql.CHANGE_TOKEN))
        assert "Index Only Scan Backward using articles_by_seq" in plan, plan


# -- choosing the backend -------------------------------------------------------------


def test_bare_path_and_sqlite_forms_open_the_same_file(tmp_path):
    path = tmp_path / "s.sqlite3"
    with open_store(str(path), create=True) as s:
        s.upsert([make_article(1)])
    for url in (str(path), "sqlite:///" + str(path), "sqlite:" + str(path)):
        with open_store(url) as s:
            assert s.backend == "sqlite" and s.count() == 1, url


def _open_in_memory(url, create):
    from feedhub.store.sqlite import SQLiteStore

    return SQLiteStore(":memory:", create=create)


def test_a_registered_scheme_opens_its_backend(monkeypatch):
    from feedhub.store import base

    monkeypatch.setattr(base, "_BACKENDS", dict(base._BACKENDS))
    base.register_backend("memtest", "test_store:_open_in_memory")
    with open_store("memtest://anything", create=True) as s:
        assert s.upsert([make_article(1)]) == UpsertResult(new=1)


def test_a_backend_whose_driver_is_missing_is_one_line_store_error(monkeypatch):
    from feedhub.store import base

    monkeypatch.setattr(base, "_BACKENDS", dict(base._BACKENDS))
    base.register_backend("nodriver", "feedhub_no_such_driver:open_url")
    with pytest.raises(StoreError, match="needs the Python package 'feedhub_no_such_driver'") as excinfo:
        open_store("nodriver://u:pw@host/db")
    assert "pw" not in str(excinfo.value)


@pytest.mark.parametrize("ci", [True, False], ids=["CI-fails", "local-skips"])
def test_unreachable_postgres_fails_under_ci_and_skips_locally(request, monkeypatch, ci):
    # The fixture itself, in this process: a pytest run in a subprocess (as before) cost 5 s a case.
    monkeypatch.setitem(globals(), "ADMIN_URL", "postgresql://postgres@127.0.0.1:1/postgres")  # nothing listens on port 1
    if ci:
        monkeypatch.setenv("CI", "true")
    else:
        monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception if ci else pytest.skip.Exception) as excinfo:
        request.getfixturevalue("pg_url")
    if ci:
        assert "CI must test PostgreSQL" in str(excinfo.value)
    else:
        assert "no PostgreSQL at postgresql://postgres@127.0.0.1:1/postgres" in str(excinfo.value)


def test_store_modules_import_one_way():
    """Issue 13: the package no longer imports its backends, nor a backend the package."""
    import ast
    from pathlib import Path

    import feedhub.store

    folder = Path(feedhub.store.__file__).parent
    submodules = {p.stem for p in folder.glob("*.py")}
    backends = {"sqlite", "postgres"}
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level != 1:
                continue
            targets = {node.module} if node.module else {a.name for a in node.names}
            # "from . import X" must name a module, never something the package re-exports.
            assert targets <= submodules, (path.name, targets)
            if path.stem not in backends:
                assert not targets & backends, f"{path.name} imports a backend: {targets & backends}"


def test_a_failed_batch_writes_nothing_and_the_store_stays_usable(store):
    store.upsert([make_article(1)])
    token = store.change_token()
    from feedhub.store.records import to_record

    broken = to_record(make_article(3))._replace(url=None)  # NOT NULL: the database refuses the row
    with pytest.raises(StoreError) as excinfo:
        store.upsert([make_article(2), broken])
    assert excinfo.value.__cause__ is not None
    assert "\n" not in str(excinfo.value)
    assert store.change_token() == token and store.count(None) == 1  # all or nothing
    assert store.upsert([make_article(2), make_article(3)]) == UpsertResult(new=2)


def test_mark_deleted_of_many_ids_in_one_call(store):
    store.upsert([make_article(n) for n in range(1, 1201)])
    asked = [f"art-{n}" for n in range(100, 1301)]  # 1,101 known, 100 unknown
    assert store.mark_deleted(asked) == [f"art-{n}" for n in range(1201, 1301)]
    assert (store.count(), store.count("deleted")) == (99, 1101)
    assert ids(store.newest(FeedFilter(tag="berita"), 200)) == [f"art-{n}" for n in range(99, 0, -1)]


# -- author index and facet counts (feed families, issue 15) ---------------------


def _by(*names):
    return tuple(Author(name=n) for n in names)


def test_author_filter_follows_updates_and_deletes(store):
    store.upsert(
        [
            make_article(1, authors=_by("Ana", "Budi")),
            make_article(2, authors=_by("Budi")),
            make_article(3, authors=_by("Ana", "Ana")),
            make_article(4, authors=()),
        ]
    )
    assert ids(store.newest(FeedFilter(author="Ana"), 10)) == ["art-3", "art-1"]
    assert ids(store.newest(FeedFilter(author="Budi"), 1)) == ["art-2"]
    assert ids(store.newest(FeedFilter(author="Budi", tag="berita"), 10)) == ["art-2", "art-1"]
    assert store.newest(FeedFilter(author="ana"), 10) == []  # a name is matched exactly
    store.upsert([make_article(2, authors=_by("Citra"))])  # Budi no longer wrote art-2
    assert ids(store.newest(FeedFilter(author="Budi"), 10)) == ["art-1"]
    store.mark_deleted(["art-1"])
    assert store.newest(FeedFilter(author="Budi"), 10) == []
    assert ids(store.newest(FeedFilter(author="Citra"), 10)) == ["art-2"]


def test_facet_counts_by_each_kind_in_code_point_order(store):
    store.upsert(
        [
            make_article(1, section="nasional", tags=("Jakarta", "jakarta", "São Paulo"), authors=_by("Ana"), language="id"),
            make_article(2, section="Olahraga", tags=("Jakarta", "東京"), authors=_by("Ana", "Zoë"), language="zh-TW"),
            make_article(3, section="nasional", tags=("Jakarta",), authors=_by("Budi"), language="id"),
            make_article(4, section=None, tags=("Jakarta", "draft-only"), authors=_by("Ana"), language="en", status="draft"),
            make_article(5, section="ekonomi", tags=("Sao Paulo",), authors=_by("Ana"), language="en"),
        ]
    )
    far = datetime(2030, 1, 1, tzinfo=UTC)
    assert store.facet_counts("section", far) == [("Olahraga", 1), ("ekonomi", 1), ("nasional", 2)]
    assert store.facet_counts("tag", far) == [("Jakarta", 3), ("Sao Paulo", 1), ("São Paulo", 1), ("jakarta", 1), ("東京", 1)]
    assert store.facet_counts("author", far) == [("Ana", 3), ("Budi", 1), ("Zoë", 1)]
    assert store.facet_counts("language", far) == [("en", 1), ("id", 2), ("zh-tw", 1)]
    # Only what is published by *until*: art-3 (n=3) and art-5 are later than this moment.
    until = make_article(2).published
    assert store.facet_counts("author", until) == [("Ana", 2), ("Zoë", 1)]
    store.mark_deleted(["art-1", "art-2"])
    assert store.facet_counts("tag", far) == [("Jakarta", 1), ("Sao Paulo", 1)]
    with pytest.raises(ValueError, match="expected one of"):
        store.facet_counts("colour", far)


def test_author_migration_backfills_the_authors_of_an_older_store(store_url):
    with open_store(store_url, create=True) as s:
        s.upsert([make_article(1, authors=_by("Ana", "Budi")), make_article(2, authors=_by("Ana")), make_article(3, authors=())])
        s.mark_deleted(["art-2"])
    _before_authors(store_url)
    with open_store(store_url) as s:
        assert s.applied == [AUTHORS_VERSION]
        assert ids(s.newest(FeedFilter(author="Ana"), 10)) == ["art-1"]
        assert ids(s.newest(FeedFilter(author="Budi"), 10)) == ["art-1"]
        assert s.facet_counts("author", datetime(2030, 1, 1, tzinfo=UTC)) == [("Ana", 1), ("Budi", 1)]
        s.mark_deleted(["art-1"])  # the backfilled rows are kept like written ones
        assert s.newest(FeedFilter(author="Ana"), 10) == []


#: The schema version that adds the author index (looked up, not assumed: versions are merged in order).
AUTHORS_VERSION = next(m.version for m in MIGRATIONS if "author" in m.description)


def _before_authors(url):
    """Make *url* a store of the version before the author index: no author table, that version recorded."""
    if url.startswith("sqlite:///"):
        raw = sqlite3.connect(url[len("sqlite:///"):])
        with raw:
            raw.execute("DROP TABLE article_authors")
            raw.execute(f"PRAGMA user_version = {AUTHORS_VERSION - 1}")
        raw.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as raw:
        raw.execute("DROP TABLE article_authors")
        raw.execute("UPDATE feedhub_schema SET version = %s", (AUTHORS_VERSION - 1,))
