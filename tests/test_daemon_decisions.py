"""The daemon's decisions, in-process with an injected clock (issue 13), and issue 11's host faults.

What is due, what changed, backoff, the clock guard, disk-full and parallel groups
are driven through :meth:`Daemon.tick` and the plain decision functions without a
subprocess or a running scheduler: a due job is found in the scheduler's pending
jobs and run by hand at the moment the clock is set to.  Signals and the lock are
left to the subprocess tests in ``test_daemon.py``.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import subprocess
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedhub import daemon as daemon_module
from feedhub import publish
from feedhub.build import BuildReport, run_once
from feedhub.cli import cmd_status
from feedhub.clock import TOLERANCE, behind
from feedhub.config import load_config
from feedhub.daemon import (
    BACKOFF_MAX,
    BACKOFF_START,
    Daemon,
    GroupState,
    next_backoff,
    next_due,
    note_failure,
    note_reachable,
    note_success,
    nothing_changed,
    shared_store,
    triggers,
    waiting_for_retry,
)
from feedhub.errors import FeedhubError
from feedhub.logs import JsonFormatter
from feedhub.status import load_status, load_trouble
from test_daemon import ARTICLE_URL, add, article, config_text, links, locs, snapshot

T0 = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)


class Clock:
    """The daemon's clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(config_text(window_hours=1), encoding="utf-8")
    add(tmp_path, *(at(n, T0 - timedelta(minutes=m)) for n, m in ((1, 50), (2, 30), (3, 10))))
    return tmp_path


def at(n: int, published: datetime):
    return replace(article(n), published=published)


@pytest.fixture
def log(feedhub_log):
    return feedhub_log


def make_daemon(site: Path, clock: Clock) -> Daemon:
    return Daemon(str(site / "config.toml"), load_config(site / "config.toml"), clock=clock)


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def pending(d: Daemon, job_id: str):
    """The job *job_id* as last (re)scheduled (before start, replaced jobs are still listed)."""
    return [j for j in d.scheduler.get_jobs() if j.id == job_id][-1]


def status_of(site: Path, capsys) -> tuple[int, str]:
    """``feedhub status`` without main(), whose setup_logging() would unhook the log capture."""
    code = cmd_status(argparse.Namespace(config=str(site / "config.toml"), json=False))
    return code, capsys.readouterr().out


# -- the decisions, as plain functions ------------------------------------------------------------


def test_backoff_doubles_from_two_seconds_to_five_minutes():
    seen, b = [], 0.0
    for _ in range(10):
        b = next_backoff(b)
        seen.append(b)
    assert seen == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert (BACKOFF_START, BACKOFF_MAX) == (2.0, 300.0)


def test_a_regular_tick_waits_for_the_retry_a_forced_one_does_not():
    state = GroupState()
    assert not waiting_for_retry(state, T0, force=False)
    assert note_failure(state, "store", "store gone", T0) is True
    assert state.retry_at == T0 + timedelta(seconds=2) and state.token is None
    assert waiting_for_retry(state, T0 + timedelta(seconds=1), force=False)
    assert not waiting_for_retry(state, T0 + timedelta(seconds=1), force=True)
    assert not waiting_for_retry(state, T0 + timedelta(seconds=2), force=False)


def test_one_error_line_per_outage_a_new_error_is_news_again():
    state = GroupState()
    assert note_failure(state, "write", "disk full", T0)
    assert not note_failure(state, "write", "disk full", T0)
    assert note_failure(state, "store", "store gone", T0)
    assert state.backoff == 8
    assert note_success(state, 7) == "store"
    assert (state.token, state.backoff, state.retry_at, state.trouble) == (7, 0.0, None, None)
    assert note_success(state, 8) is None


def test_a_store_outage_is_one_line_whatever_the_server_says_in_turn():
    state = GroupState()
    assert note_failure(state, "store", "store x: terminating connection due to administrator command", T0)
    assert not note_failure(state, "store", "store x: connection refused", T0)
    assert not note_failure(state, "store", "store x: the database system is starting up", T0)
    assert note_failure(state, "write", "feeds/all/rss.xml: cannot write: No space left on device", T0)
    assert note_failure(state, "store", "store x: connection refused", T0)  # a store outage after a write one is news


def test_a_reachable_store_ends_a_store_outage_only():
    state = GroupState()
    assert not note_reachable(state)
    note_failure(state, "store", "store gone", T0)
    assert note_reachable(state)
    assert (state.backoff, state.retry_at, state.trouble, state.token) == (0.0, None, None, None)
    assert not note_reachable(state)  # said once
    note_failure(state, "write", "disk full", T0)
    assert not note_reachable(state) and state.trouble == "disk full"  # the disk is still full


@pytest.mark.parametrize(("url", "shared"), [
    ("feedhub.sqlite3", False), ("/srv/feedhub/store.sqlite3", False), ("sqlite:////srv/s.sqlite3", False),
    ("SQLITE:///s.sqlite3", False), ("postgresql://feedhub@db:5432/feedhub", True), ("postgres://db/feedhub", True),
])
def test_only_a_server_store_is_shared_between_daemons(url, shared):
    assert shared_store(url) is shared


def test_nothing_changed_unless_forced_or_the_token_moved():
    state = GroupState(token=5)
    assert nothing_changed(state, 5, force=False)
    assert not nothing_changed(state, 5, force=True)
    assert not nothing_changed(state, 6, force=False)


def test_next_due_is_the_earlier_of_a_release_and_the_news_expiry():
    report = BuildReport(now=T0, groups=("news_sitemap",), news_expiry=T0 + timedelta(hours=1), next_release=T0 + timedelta(hours=2))
    assert next_due(report, "news_sitemap") == T0 + timedelta(hours=1)
    assert next_due(report, "feeds") == T0 + timedelta(hours=2)  # the news expiry is the news sitemap's only
    assert next_due(BuildReport(now=T0, groups=("feeds",)), "feeds") is None


def test_the_clock_is_behind_only_beyond_the_tolerance():
    assert not behind(T0, None)
    assert not behind(T0 - TOLERANCE, T0)
    assert behind(T0 - TOLERANCE - timedelta(seconds=1), T0)


def test_disabled_groups_get_no_timer(site):
    (site / "config.toml").write_text(config_text() + "\n[sitemap]\nenabled = false\n", encoding="utf-8")
    assert set(triggers(load_config(site / "config.toml"))) == {"feeds", "news_sitemap"}


# -- ticks with an injected clock -----------------------------------------------------------------


def test_an_idle_tick_writes_nothing(site, log):
    d = make_daemon(site, Clock(T0))
    for group in ("feeds", "news_sitemap", "sitemaps"):
        report = d.tick(group, force=True)
        assert report is not None and report.ok
    before = snapshot(site / "feeds")
    assert {"all/rss.xml", "news-sitemap.xml", "sitemap.xml", ".feedhub-status.json"} <= set(before)
    d.clock.now = T0 + timedelta(minutes=1)
    for group in ("feeds", "news_sitemap", "sitemaps"):
        assert d.tick(group) is None
    assert snapshot(site / "feeds") == before
    assert [r.getMessage().split(" (token")[0] for r in log.records[-3:]] == [f"{g}: nothing changed" for g in ("feeds", "news_sitemap", "sitemaps")]


def test_the_build_log_line_carries_its_counts(site, log):
    d = make_daemon(site, Clock(T0))
    d.tick("feeds", force=True)
    (record,) = [r for r in log.records if r.getMessage().startswith("built ")]
    doc = json.loads(JsonFormatter().format(record))
    assert doc["message"].startswith("built feeds: 2 written, 0 unchanged, 0 rejected in ")
    assert (doc["level"], doc["logger"], doc["groups"], doc["written"], doc["unchanged"], doc["rejected"]) == ("info", "feedhub.daemon", ["feeds"], 2, 0, 0)
    assert isinstance(doc["seconds"], float)


def test_news_sitemap_drops_an_article_when_it_turns_window_hours_old(site):
    clock = Clock(T0)
    d = make_daemon(site, clock)
    news = site / "feeds" / "news-sitemap.xml"
    report = d.tick("news_sitemap", force=True)
    assert report is not None and locs(news) == {ARTICLE_URL.format(n=n) for n in (1, 2, 3)}
    expiry = T0 - timedelta(minutes=50) + timedelta(hours=1)  # article 1 leaves first
    assert report.news_expiry == expiry

    job = pending(d, "due-news_sitemap")
    assert job.trigger.run_date == expiry + timedelta(milliseconds=5)
    assert (job.args, job.executor) == (("news_sitemap", True), "news_sitemap")

    clock.now = expiry + timedelta(milliseconds=5)
    assert job.func(*job.args) is not None
    assert locs(news) == {ARTICLE_URL.format(n=n) for n in (2, 3)}
    assert pending(d, "due-news_sitemap").trigger.run_date == T0 - timedelta(minutes=30) + timedelta(hours=1, milliseconds=5)


def test_a_scheduled_story_appears_when_it_comes_due_without_a_store_change(site):
    clock = Clock(T0)
    add(site, at(60, T0 + timedelta(hours=2)))
    d = make_daemon(site, clock)
    url, rss = ARTICLE_URL.format(n=60), site / "feeds" / "all" / "rss.xml"
    d.tick("feeds", force=True)
    assert url not in links(rss)
    job = pending(d, "due-feeds")
    assert job.trigger.run_date == T0 + timedelta(hours=2, milliseconds=5)

    clock.now = T0 + timedelta(hours=2, milliseconds=5)
    assert d.tick("feeds") is None  # the store did not change: a regular tick builds nothing
    assert job.func(*job.args) is not None
    assert url in links(rss)


# -- store and write trouble: one error line per outage, backoff, status shows it ------------------


def test_store_trouble_backs_off_and_recovers(site, log):
    clock = Clock(T0)
    d = make_daemon(site, clock)
    d.tick("feeds", force=True)
    before = snapshot(site / "feeds")
    (site / "store.sqlite3").rename(site / "away.sqlite3")

    assert d.tick("feeds", force=True) is None
    assert d.states["feeds"].backoff == BACKOFF_START
    retry = pending(d, "retry-feeds")
    assert (retry.trigger.run_date, retry.args, retry.executor) == (T0 + timedelta(seconds=2), ("feeds", True), "feeds")
    assert d.tick("feeds") is None  # a regular tick before the retry leaves the store alone
    for expected in (4, 8, 16):
        d.tick("feeds", force=True)
        assert d.states["feeds"].backoff == expected
    (line,) = errors(log)
    assert "no such file" in line and line.endswith("keeping the last good files, retrying in 2 s")
    assert snapshot(site / "feeds").keys() == before.keys()
    assert "no such file" in load_trouble(site / "feeds")["feeds"].message

    (site / "away.sqlite3").rename(site / "store.sqlite3")
    report = d.tick("feeds", force=True)
    assert report is not None and report.ok
    assert "feeds: store is back" in log.text
    assert load_trouble(site / "feeds") == {}


def _disk_full(monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)


def test_disk_full_is_one_error_line_per_outage_with_backoff_and_status_exit_1(site, log, monkeypatch, capsys):
    clock = Clock(T0)
    d = make_daemon(site, clock)
    for group in ("feeds", "news_sitemap", "sitemaps"):
        d.tick(group, force=True)
    before = snapshot(site / "feeds")
    add(site, at(70, T0 - timedelta(minutes=1)))

    _disk_full(monkeypatch)
    for _ in range(4):
        assert d.tick("feeds", force=True) is None
    assert d.states["feeds"].backoff == 16
    (line,) = errors(log)
    assert line == f"feeds: {site / 'feeds' / 'all' / 'rss.xml'}: cannot write: No space left on device; keeping the last good files, retrying in 2 s"
    assert not [r for r in log.records if r.exc_info]  # no traceback
    after = snapshot(site / "feeds")
    assert {k: v for k, v in after.items() if not k.startswith(".")} == {k: v for k, v in before.items() if not k.startswith(".")}
    monkeypatch.undo()

    code, out = status_of(site, capsys)
    assert code == 1 and "feeds: failing since 2026-01-05 03:00:00 UTC: " in out

    report = d.tick("feeds", force=True)
    assert report is not None and report.ok
    assert ARTICLE_URL.format(n=70) in links(site / "feeds" / "all" / "rss.xml")
    assert "feeds: outputs can be written again" in log.text
    assert status_of(site, capsys)[0] == 0


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A real 512 KiB file system to fill up (needs root, as CI has)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_a_really_full_file_system(site, small_tmpfs, log, capsys):
    (site / "config.toml").write_text(config_text(window_hours=1).replace('dir = "feeds"', f'dir = "{small_tmpfs / "feeds"}"'), encoding="utf-8")
    clock = Clock(T0)
    d = make_daemon(site, clock)
    for group in ("feeds", "news_sitemap", "sitemaps"):
        assert d.tick(group, force=True) is not None
    out = small_tmpfs / "feeds"
    good = (out / "all" / "rss.xml").read_bytes()
    filler = small_tmpfs / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        with pytest.raises(OSError) as e:
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    assert e.value.errno == errno.ENOSPC

    add(site, at(80, T0 - timedelta(minutes=1)))
    assert d.tick("feeds", force=True) is None
    assert d.tick("feeds", force=True) is None
    (line,) = errors(log)
    assert line.endswith("cannot write: No space left on device; keeping the last good files, retrying in 2 s")
    assert (out / "all" / "rss.xml").read_bytes() == good
    assert not list(out.rglob(f"*{publish.TMP_MARK}*"))
    # The status record was rewritten in the blocks it had: status shows the failure.
    code, text = status_of(site, capsys)
    assert code == 1 and "No space left on device" in text

    filler.unlink()
    assert d.tick("feeds", force=True) is not None
    assert ARTICLE_URL.format(n=80) in links(out / "all" / "rss.xml")
    assert status_of(site, capsys)[0] == 0


# -- the clock guard ----------------------------------------------------------------------------------


def test_a_clock_gone_back_holds_publishing_once_logged_until_it_catches_up(site, log):
    clock = Clock(T0)
    d = make_daemon(site, clock)
    d.tick("feeds", force=True)
    before = snapshot(site / "feeds")

    clock.now = datetime(1970, 1, 1, tzinfo=UTC)
    for group in ("feeds", "news_sitemap", "feeds"):
        assert d.tick(group, force=True) is None
    (line,) = errors(log)
    assert line == "the clock (1970-01-01T00:00:00+00:00) is behind the last build (2026-01-05T03:00:00+00:00): holding publishing until it catches up"
    assert snapshot(site / "feeds") == before

    clock.now = T0 - TOLERANCE  # within the tolerance: publishing again, and a build (the hold forgot the token)
    report = d.tick("feeds")
    assert report is not None and "the clock caught up with the last build: publishing again" in log.text


def test_a_new_daemon_takes_the_last_build_from_the_status_record(site, log):
    assert run_once(load_config(site / "config.toml"), open_store_of(site), T0, ["feeds"]).ok
    d = make_daemon(site, Clock(T0 - timedelta(days=1)))
    assert d.clock_guard.last_build == T0
    assert d.tick("feeds", force=True) is None and "holding publishing" in errors(log)[0]


def open_store_of(site: Path):
    from feedhub.store import open_store

    return open_store("sqlite:///" + str(site / "store.sqlite3"))


# -- groups do not wait behind each other ------------------------------------------------------------


def test_a_blocked_archive_build_does_not_delay_the_feeds(site, monkeypatch):
    clock = Clock(T0)
    d = make_daemon(site, clock)
    entered, release = threading.Event(), threading.Event()

    def archive_blocks(config, store, now, groups):
        if list(groups) == ["sitemaps"]:
            entered.set()
            assert release.wait(timeout=60), "never released"
        return run_once(config, store, now, groups)

    monkeypatch.setattr(daemon_module, "run_once", archive_blocks)
    results: dict[str, object] = {}
    archive = threading.Thread(target=lambda: results.setdefault("sitemaps", d.tick("sitemaps", force=True)))
    archive.start()
    try:
        assert entered.wait(timeout=60)
        clock.now = T0 + timedelta(minutes=1)
        feeds = threading.Thread(target=lambda: results.setdefault("feeds", d.tick("feeds", force=True)))
        feeds.start()
        feeds.join(timeout=60)  # a deadlock guard only: with one lock for all groups this never returns
        assert not feeds.is_alive(), "the feeds build waited behind the archive build"
        assert results["feeds"] is not None and archive.is_alive()  # the archive build is still held
    finally:
        release.set()
        archive.join(timeout=60)
    assert results["sitemaps"] is not None
    # Both builds' status entries survive, each from its own snapshot of the record.
    recorded = load_status(site / "feeds")
    assert recorded["all/rss.xml"].built_at == "2026-01-05T03:01:00+00:00"
    assert recorded["sitemap.xml"].built_at == "2026-01-05T03:00:00+00:00"


def test_each_group_has_its_own_executor(site):
    d = make_daemon(site, Clock(T0))
    d.schedule_jobs(triggers(d.config))
    jobs = {j.id: j.executor for j in d.scheduler.get_jobs()}
    assert jobs == {"feeds": "feeds", "news_sitemap": "news_sitemap", "sitemaps": "sitemaps"}
    pools = {id(d.scheduler._executors[name]) for name in jobs}
    assert len(pools) == 3 and id(d.scheduler._executors["default"]) not in pools


# -- reload and signal hand-over, in-process ----------------------------------------------------------


def test_reload_with_a_bad_config_keeps_the_running_one(site, log):
    d = make_daemon(site, Clock(T0))
    running = d.config
    (site / "config.toml").write_text("[site\ntitle = ", encoding="utf-8")
    d.reload()
    assert d.config is running
    assert "config reload failed, keeping the running config: " in errors(log)[0]


def test_reload_applies_a_changed_config_and_rebuilds_every_enabled_group(site, log):
    d = make_daemon(site, Clock(T0))
    d.schedule_jobs(triggers(d.config))
    d.states["feeds"].token = 3
    (site / "config.toml").write_text(config_text(feeds=("all", "nasional")) + "\n[sitemap]\nenabled = false\n", encoding="utf-8")
    d.reload()
    assert [f.name for f in d.config.feeds] == ["all", "nasional"]
    assert d.states["feeds"].token is None
    jobs = {j.id for j in d.scheduler.get_jobs()}
    assert {"feeds", "news_sitemap", "reload-feeds", "reload-news_sitemap"} <= jobs
    assert "sitemaps" not in jobs and "reload-sitemaps" not in jobs
    assert "config reloaded from" in log.text


def test_reload_to_another_output_dir_moves_the_lock(site, log):
    d = make_daemon(site, Clock(T0))
    d._lock = daemon_module.OutputLock(d.config.output_dir, "feedhub run")
    d._lock.acquire()
    try:
        (site / "config.toml").write_text(config_text().replace('dir = "feeds"', 'dir = "moved"'), encoding="utf-8")
        d.reload()
        assert d.config.output_dir == site / "moved" and d._lock.path == site / "moved" / ".feedhub.lock"
        assert (site / "feeds" / ".feedhub.lock").read_text() == ""  # released
    finally:
        d._lock.release()


def test_a_stop_signal_is_handed_over_and_stops_the_next_build(site):
    import signal

    d = make_daemon(site, Clock(T0))
    d._on_signal(signal.SIGHUP, None)
    assert not d._stopping.is_set() and d._signals.get_nowait() == signal.SIGHUP
    d._on_signal(signal.SIGTERM, None)
    assert d._stopping.is_set() and d._signals.get_nowait() == signal.SIGTERM
    assert d.tick("feeds", force=True) is None
    assert not (site / "feeds" / "all" / "rss.xml").exists()


def test_run_once_with_the_clock_behind_the_last_build_publishes_nothing(site, capsys):
    future = datetime.now(UTC) + timedelta(days=1)
    assert run_once(load_config(site / "config.toml"), open_store_of(site), future, ["feeds"]).ok
    before = snapshot(site / "feeds")
    with pytest.raises(FeedhubError, match=r"the clock \(.*\) is behind the last build \(.*\): not publishing"):
        daemon_module.run_daemon(str(site / "config.toml"), once=True)
    after = snapshot(site / "feeds")
    assert {k: after[k] for k in before} == before and set(after) - set(before) <= {".feedhub.lock"}
