"""What only the PostgreSQL store does: its schema table, server errors, the server-side
cursor, writers that serialise, and locks that die with their connection (issue 17).

The shared behaviour is in ``test_store.py``, which runs against both backends; the
``pg_url`` fixture (a fresh database per test) comes from there.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import psycopg
import pytest

import test_store
from conftest import make_article
from feedhub.errors import StoreError
from feedhub.store import UpsertResult, open_store
from feedhub.store.migrations import SCHEMA_VERSION

# The backends' fixtures, defined once in test_store.py.
pg_url = test_store.pg_url
_pg_database = test_store._pg_database


def _raw(url):
    return psycopg.connect(url, autocommit=True)


def test_empty_database_without_create_is_refused_and_left_empty(pg_url):
    with pytest.raises(StoreError, match=r"not a feedhub store \(run `feedhub store migrate`"):
        open_store(pg_url)
    with _raw(pg_url) as raw:
        assert raw.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)


def test_create_records_the_schema_version_once(pg_url):
    with open_store(pg_url, create=True) as s:
        assert s.applied == list(range(1, SCHEMA_VERSION + 1))
    with open_store(pg_url, create=True) as s:
        assert s.applied == []  # nothing left to do
    with _raw(pg_url) as raw:
        assert raw.execute("SELECT version FROM feedhub_schema").fetchall() == [(SCHEMA_VERSION,)]


def test_newer_schema_version_is_refused_untouched(pg_url):
    with open_store(pg_url, create=True) as s:
        s.upsert([make_article(1)])
    with _raw(pg_url) as raw:
        raw.execute("UPDATE feedhub_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1} is newer .* upgrade feedhub"):
        open_store(pg_url, create=True)
    with _raw(pg_url) as raw:
        assert raw.execute("SELECT version FROM feedhub_schema").fetchone() == (SCHEMA_VERSION + 1,)
        assert raw.execute("SELECT count(*) FROM articles").fetchone() == (1,)


def test_unreachable_server_is_one_line_store_error_without_the_password():
    # Port 1 on the loopback: nothing listens there, so the refusal is immediate.
    with pytest.raises(StoreError) as excinfo:
        open_store("postgresql://feedhub:s3cret@127.0.0.1:1/feedhub")
    message = str(excinfo.value)
    assert "s3cret" not in message and "feedhub:***@127.0.0.1:1" in message
    assert "\n" not in message
    assert isinstance(excinfo.value.__cause__, psycopg.OperationalError)


def test_missing_database_is_store_error(pg_url):
    with pytest.raises(StoreError, match="does not exist") as excinfo:
        open_store(pg_url + "_missing", create=True)
    assert isinstance(excinfo.value.__cause__, psycopg.Error)


def test_server_error_mid_session_is_store_error_and_the_next_open_works(pg_url):
    with open_store(pg_url, create=True) as s:
        s.upsert([make_article(1)])
        with _raw(pg_url) as raw:
            pid = s._db.info.backend_pid
            raw.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StoreError) as excinfo:
            s.change_token()
        assert isinstance(excinfo.value.__cause__, psycopg.Error)
        assert "\n" not in str(excinfo.value)
    with open_store(pg_url) as again:
        assert again.count() == 1


def test_sitemap_rows_come_from_a_server_side_cursor(pg_url):
    with open_store(pg_url, create=True) as s:
        s.upsert([make_article(n) for n in range(1, 12_001)])
        rows = s.iter_sitemap_rows()
        next(rows)
        with _raw(pg_url) as raw:
            # The other session sees ours inside a transaction, not idle: the cursor is open.
            (state,) = raw.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (s._db.info.backend_pid,)).fetchone()
        assert state == "idle in transaction"
        (cursors,) = s._db.execute("SELECT count(*) FROM pg_cursors WHERE name = 'feedhub_stream'").fetchone()
        assert cursors == 1
        rows.close()
        # The abandoned pass ended its transaction and cursor.
        assert s._db.execute("SELECT count(*) FROM pg_cursors").fetchone() == (0,)
        assert s._db.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert sum(1 for _ in s.iter_sitemap_rows()) == 12_000


def test_concurrent_writers_hand_out_tokens_in_commit_order(pg_url):
    """A token a reader has seen never hides a row committed later (the daemon's idle check)."""
    with open_store(pg_url, create=True) as a, open_store(pg_url) as b:
        a.upsert([make_article(1)])
        # Hold the write lock in a's transaction while b tries to write.
        with a._db.transaction():
            a._db.execute("SELECT pg_advisory_xact_lock(%s)", (_write_key(),))
            done = threading.Event()
            t = threading.Thread(target=lambda: (b.upsert([make_article(2)]), done.set()))
            t.start()
            assert not done.wait(0.5)  # b waits for the lock instead of taking a token below a's
            a._db.execute("UPDATE articles SET seq = seq + 100")  # a "commits" a later change
        t.join(10)
        assert done.is_set()
    with open_store(pg_url) as s:
        seqs = dict(s._db.execute("SELECT id, seq FROM articles").fetchall())
    assert seqs["art-2"] > seqs["art-1"]


def _write_key():
    from feedhub.store.postgres import _WRITE_KEY

    return _WRITE_KEY


def test_a_killed_process_frees_its_group_locks(pg_url):
    open_store(pg_url, create=True).close()
    code = (
        "import sys, time; from feedhub.store import open_store\n"
        f"s = open_store({pg_url!r}); assert s.try_lock_group('feeds'); print('locked', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        with open_store(pg_url) as s:
            assert s.try_lock_group("feeds") is False
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            # The server notices the dead connection on its own schedule: wait for it, bounded.
            deadline = time.monotonic() + 10
            while not s.try_lock_group("feeds"):
                assert time.monotonic() < deadline, "the killed session's lock was never freed"
                time.sleep(0.05)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_upsert_of_a_batch_larger_than_a_copy_buffer(pg_url):
    big = [make_article(n, content_html="<p>" + "isi berita " * 2000 + "</p>") for n in range(1, 201)]
    with open_store(pg_url, create=True) as s:
        assert s.upsert(big) == UpsertResult(new=200)
        assert s.upsert(big) == UpsertResult(unchanged=200)
        assert s.get("art-200") == big[-1]



def test_sitemap_stream_walks_the_primary_key_without_sorting(pg_url):
    # A Sort node means the server orders the whole table before the first row comes back.
    from feedhub.store import _sql

    until = make_article(1500).published
    with open_store(pg_url, create=True) as s:
        s.upsert([make_article(n) for n in range(1, 2000)])
        rows = s.iter_sitemap_rows(until=until)
        next(rows)
        # Inside the pass's transaction, with its settings: the plan of the query it runs.
        (statement,) = s._db.execute("SELECT statement FROM pg_cursors WHERE name = 'feedhub_stream'").fetchone()
        sql, params = _sql.sitemap_rows(until, _sql.PUBLISHED)
        assert _sql.pg(sql).replace("%s", "$1") in statement
        plan = "\n".join(r[0] for r in s._db.execute("EXPLAIN DECLARE c CURSOR FOR " + _sql.pg(sql), params))
        rows.close()
    assert "Index Scan using articles_pkey" in plan, plan
    assert "Sort" not in plan, plan


def test_a_held_group_is_confirmed_on_the_server_each_time(pg_url):
    with open_store(pg_url, create=True) as a, open_store(pg_url) as b:
        assert a.try_lock_group("feeds") and a.try_lock_group("feeds")
        with _raw(pg_url) as raw:
            (held,) = raw.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s", (a._db.info.backend_pid,)).fetchone()
            assert held == 1  # asked twice, locked once
            raw.execute("SELECT pg_terminate_backend(%s)", (a._db.info.backend_pid,))
        # a's connection is gone and its lock with it: a must not go on believing it holds the group.
        with pytest.raises(StoreError):
            a.try_lock_group("feeds")
        deadline = time.monotonic() + 10
        while not b.try_lock_group("feeds"):
            assert time.monotonic() < deadline, "the terminated session's lock was never freed"
            time.sleep(0.05)
