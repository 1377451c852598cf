"""``feedhub run``: the real daemon as a subprocess on a temporary site with 1 s timers.

Only what needs a real process is here: the timers end to end, signals, the
one-writer lock and ``--once``.  The daemon's decisions (what is due, what
changed, backoff, the clock guard, disk full, parallel groups) are tested
in-process with an injected clock in ``test_daemon_decisions.py``.

Its stderr (``--log-format json --log-level debug``) is read by a thread into a
queue; tests wait for log events and file contents with deadlines, never with
fixed sleeps.  Every daemon is killed at teardown, and every line it logged must
have been JSON.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from conftest import make_article
from feedhub import daemon as daemon_module
from feedhub.build import run_once
from feedhub.config import load_config
from feedhub.daemon import Daemon
from feedhub.errors import FeedhubError
from feedhub.lock import LOCK_NAME, OutputLock
from feedhub.logs import JsonFormatter
from feedhub.model import article_to_dict
from feedhub.store import open_store

#: Generous bound for anything that should happen "within one interval" (1 s) or "at once".
SOON = 6.0

ARTICLE_URL = "https://genpi.example/berita/artikel-{n}"


def config_text(*, window_hours: float = 48, news_every: str = "1s", feeds: tuple[str, ...] = ("all",)) -> str:
    feed_tables = "".join(
        f'\n[[feeds]]\nname = "{name}"\n' + ("" if name == "all" else f'section = "{name}"\n') for name in feeds
    )
    return f"""\
[site]
title = "GenPI.co"
url = "https://genpi.example"
language = "id"
timezone = "Asia/Jakarta"

[store]
url = "store.sqlite3"

[output]
dir = "feeds"

[news_sitemap]
window_hours = {window_hours}

[schedule]
feeds = "1s"
news_sitemap = "{news_every}"
sitemaps = "1s"
misfire_grace = "5s"
{feed_tables}"""


def article(n: int, seconds_ago: float = 60.0):
    """Article *n* (section ``nasional``), published *seconds_ago* before now."""
    return make_article(n, published=datetime.now(UTC) - timedelta(seconds=seconds_ago))


def add(site: Path, *articles) -> None:
    store = open_store("sqlite:///" + str(site / "store.sqlite3"), create=True)
    try:
        store.upsert(list(articles))
    finally:
        store.close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(config_text(), encoding="utf-8")
    add(tmp_path, article(1, 3600), article(2, 1800), article(3, 600))
    return tmp_path


# -- reading the outputs --------------------------------------------------------------------


def read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return b""
    return gzip.decompress(data) if path.suffix == ".gz" else data


def locs(path: Path) -> set[str]:
    """The ``<loc>`` URLs of a sitemap (plain or gzip); empty when the file is missing."""
    data = read(path)
    if not data:
        return set()
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    return {e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}


def links(path: Path) -> set[str]:
    """The entry links of an RSS or Atom feed, read back with feedparser."""
    data = read(path)
    if not data:
        return set()
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.bozo_exception
    return {e.link for e in parsed.entries}


def snapshot(out: Path) -> dict[str, tuple[int, int, int]]:
    """inode, mtime and size of every file in the output dir, dot files included."""
    return {p.relative_to(out).as_posix(): (s.st_ino, s.st_mtime_ns, s.st_size) for p in sorted(out.rglob("*")) if p.is_file() for s in [p.stat()]}


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.1f} s: {what}")
        time.sleep(0.05)


def lock_is_free(out: Path) -> bool:
    fd = os.open(out / LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops our flock too
    return True


# -- the daemon under test ------------------------------------------------------------------


class RunningDaemon:
    """A ``feedhub run`` subprocess whose JSON log events can be awaited."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8"
        )
        self.pid = self.proc.pid
        #: Every event read so far, and stderr lines that were not JSON.
        self.events: list[dict] = []
        self.bad_lines: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self._lines.put(line)
        self._lines.put(None)

    def _take(self, timeout: float) -> dict | None:
        line = self._lines.get(timeout=timeout)
        if line is None:
            self._lines.put(None)  # stays at the end for later waits
            return None
        try:
            event = json.loads(line)
        except ValueError:
            self.bad_lines.append(line)
            return {}
        self.events.append(event)
        return event

    def wait_for(self, match: Callable[[dict], bool], timeout: float = SOON, what: str = "") -> dict:
        """The next event (not read before) that *match*es; fails at the deadline or when the daemon exits."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self._take(max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {what or 'matching'} log event within {timeout:.1f} s; last: {self.events[-5:]}") from None
            if event is None:
                raise AssertionError(f"daemon exited ({self.proc.wait()}) before {what or 'a matching event'}; last: {self.events[-5:]}")
            if event and match(event):
                return event

    def wait_message(self, text: str, timeout: float = SOON, level: str | None = None) -> dict:
        return self.wait_for(lambda e: text in e["message"] and (level is None or e["level"] == level), timeout, repr(text))

    def wait_built(self, *groups: str, timeout: float = SOON) -> list[dict]:
        """The next build event of each group, in any order."""
        pending, found = set(groups), []
        deadline = time.monotonic() + timeout
        while pending:
            found.append(self.wait_for(lambda e, want=frozenset(pending): bool(set(e.get("groups", ())) & want), deadline - time.monotonic(), f"builds of {pending}"))
            pending -= set(found[-1]["groups"])
        return found

    def exit_code(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def drain(self) -> None:
        """Read what is left once the process has ended (for the JSON check)."""
        self._reader.join(timeout=5)
        while self._take(0.0) is not None:
            pass

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


@pytest.fixture
def start(site: Path):
    """Start ``feedhub run`` on the site's config; killed at teardown, its log checked to be all JSON."""
    started: list[RunningDaemon] = []

    def start_daemon(*, python: list[str] | None = None) -> RunningDaemon:
        argv = [*(python or [sys.executable, "-m", "feedhub"]), "run", "--config", str(site / "config.toml"), "--log-format", "json", "--log-level", "debug"]
        d = RunningDaemon(argv, site)
        started.append(d)
        return d

    yield start_daemon
    for d in started:
        if d.alive:
            d.proc.kill()
        d.proc.wait(timeout=10)
        try:
            d.drain()
        except queue.Empty:
            pass
    for d in started:
        assert d.bad_lines == [], f"stderr lines that are not JSON: {d.bad_lines[:5]}"


def started_and_built(d: RunningDaemon) -> RunningDaemon:
    d.wait_message("feedhub daemon started")
    d.wait_built("feeds", "news_sitemap", "sitemaps")
    return d


# -- outputs, freshness, logs ---------------------------------------------------------------


def test_outputs_appear_and_a_new_article_shows_up_within_one_interval(site, start):
    d = started_and_built(start())
    out = site / "feeds"
    for name in ("all/rss.xml", "all/atom.xml", "news-sitemap.xml", "sitemap.xml", "sitemap-1.xml.gz", "robots-sitemaps.txt"):
        assert (out / name).is_file(), name
    assert links(out / "all/rss.xml") == {ARTICLE_URL.format(n=n) for n in (1, 2, 3)}

    record = article_to_dict(article(40, seconds_ago=5))
    (site / "new.ndjson").write_text(json.dumps(record) + "\n", encoding="utf-8")
    ingest = subprocess.run(
        [sys.executable, "-m", "feedhub", "ingest", "--config", str(site / "config.toml"), str(site / "new.ndjson")],
        capture_output=True, text=True, timeout=30,
    )
    assert ingest.returncode == 0, ingest.stderr

    url = ARTICLE_URL.format(n=40)
    wait_until(lambda: url in links(out / "all/rss.xml"), SOON, "article in the RSS feed")
    wait_until(lambda: url in links(out / "all/atom.xml"), SOON, "article in the Atom feed")
    wait_until(lambda: url in locs(out / "news-sitemap.xml"), SOON, "article in the news sitemap")
    wait_until(lambda: url in locs(out / "sitemap-1.xml.gz"), SOON, "article in the archive sitemap")
    assert d.alive


# -- one daemon per output dir --------------------------------------------------------------


def test_a_second_daemon_is_refused_naming_the_first(site, start):
    first = started_and_built(start())
    argv = [sys.executable, "-m", "feedhub", "run", "--config", str(site / "config.toml")]
    second = subprocess.run(argv, cwd=site, capture_output=True, text=True, timeout=SOON + 10)
    assert second.returncode == 2
    assert f"already being published by feedhub run (pid {first.pid})" in second.stderr
    assert len(second.stderr.splitlines()) == 1
    build = subprocess.run([sys.executable, "-m", "feedhub", "build", "--config", str(site / "config.toml")], capture_output=True, text=True, timeout=30)
    assert build.returncode == 2 and f"(pid {first.pid})" in build.stderr
    assert first.alive


def test_an_output_dir_that_cannot_be_made_is_a_one_line_error(tmp_path):
    (tmp_path / "feeds").write_text("a file where the output dir should be", encoding="utf-8")
    with pytest.raises(FeedhubError, match=r"feeds/\.feedhub\.lock: cannot open the lock file: File exists$"):
        OutputLock(tmp_path / "feeds", "feedhub run").acquire()


# -- signals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_signal_exits_zero_leaving_valid_files_and_the_lock_free(site, start, signum):
    d = started_and_built(start())
    add(site, article(60))
    d.wait_built("feeds", "news_sitemap")
    d.proc.send_signal(signum)
    assert d.exit_code(SOON) == 0
    d.drain()
    assert d.events[-1]["message"] == "feedhub daemon stopped"

    out = site / "feeds"
    assert ARTICLE_URL.format(n=60) in links(out / "all/rss.xml") and ARTICLE_URL.format(n=60) in links(out / "all/atom.xml")
    assert ARTICLE_URL.format(n=60) in locs(out / "news-sitemap.xml")
    check = subprocess.run([sys.executable, "-m", "feedhub", "validate", "--config", str(site / "config.toml")], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not list(out.rglob("*.feedhub-tmp.*"))

    assert lock_is_free(out)
    started_and_built(start())  # a new daemon takes over


SLOW_NEWS_BUILD = """\
import logging, sys, time
from feedhub import build, daemon
daemon.nothing_changed = lambda state, token, force: False  # every tick builds
news = build._news_documents
def slow(*args):
    logging.getLogger("feedhub.test").info("slow news build")
    time.sleep(1.0)
    return news(*args)
build._news_documents = slow
from feedhub.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_sigterm_during_a_scheduled_build_lets_it_finish_then_exits(site, start):
    # The news build ends by scheduling its expiry job; a stop must not deadlock on that.
    d = start(python=[sys.executable, "-c", SLOW_NEWS_BUILD])
    d.wait_message("slow news build")  # the start-up build, on the main thread
    d.wait_message("slow news build")  # a timer's build, on the executor
    d.proc.send_signal(signal.SIGTERM)
    assert d.exit_code(SOON) == 0
    d.drain()
    messages = [e["message"] for e in d.events]
    stop = messages.index("SIGTERM received: finishing the build in progress, then exiting")
    assert any(m.startswith("built news_sitemap") for m in messages[stop:])
    assert messages[-1] == "feedhub daemon stopped"
    assert lock_is_free(site / "feeds")


def test_sighup_with_a_bad_config_keeps_the_running_one(site, start):
    d = started_and_built(start())
    (site / "config.toml").write_text("[site\ntitle = ", encoding="utf-8")
    d.proc.send_signal(signal.SIGHUP)
    e = d.wait_message("config reload failed, keeping the running config", level="error")
    assert "config.toml: not valid TOML" in e["message"]
    add(site, article(70))
    wait_until(lambda: ARTICLE_URL.format(n=70) in links(site / "feeds/all/rss.xml"), SOON, "a new article published by the old config")
    assert d.alive


def test_sighup_with_a_changed_config_applies_it(site, start):
    d = started_and_built(start())
    (site / "config.toml").write_text(config_text(feeds=("all", "nasional")), encoding="utf-8")
    d.proc.send_signal(signal.SIGHUP)
    d.wait_message("config reloaded from")
    expected = {ARTICLE_URL.format(n=n) for n in (1, 2, 3)}
    # RSS is written before Atom: waiting for RSS alone and then reading Atom raced the build.
    wait_until(lambda: links(site / "feeds/nasional/rss.xml") == links(site / "feeds/nasional/atom.xml") == expected, SOON, "the new feed")
    assert d.alive


# -- --once -----------------------------------------------------------------------------------


def test_once_builds_and_exits(site):
    argv = [sys.executable, "-m", "feedhub", "run", "--once", "--config", str(site / "config.toml")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("built feeds, news_sitemap, sitemaps: 6 written, 0 unchanged, 0 rejected in ")
    assert links(site / "feeds/all/rss.xml") == {ARTICLE_URL.format(n=n) for n in (1, 2, 3)}
    assert lock_is_free(site / "feeds")


# -- in-process: the paths a subprocess cannot reach cheaply ------------------------------------


@pytest.fixture
def daemon_log(feedhub_log):
    return feedhub_log


def test_an_unexpected_error_is_logged_with_its_traceback_and_the_next_tick_runs(site, monkeypatch, daemon_log):
    d = Daemon(str(site / "config.toml"), load_config(site / "config.toml"))

    def broken(*args, **kwargs):
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(daemon_module, "run_once", broken)
    assert d.tick("feeds") is None
    (record,) = [r for r in daemon_log.records if r.exc_info]
    assert record.getMessage() == "feeds: unexpected error; the next tick runs as usual"
    assert "RuntimeError: renderer bug" in json.loads(JsonFormatter().format(record))["traceback"]

    monkeypatch.setattr(daemon_module, "run_once", run_once)
    report = d.tick("feeds")
    assert report is not None and report.ok and report.count("written") == 2
