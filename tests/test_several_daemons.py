"""Several ``feedhub run`` daemons sharing one PostgreSQL store and one output dir (issue 17).

Real subprocesses against a real server: the per-group advisory locks decide who
builds what, no group is ever built by two daemons at once, a SIGKILLed holder's
groups are taken over, and a server that goes away and comes back costs one
error line per outage while the last good files stay.

The share test runs on a fresh database of the test server (``pg_url``, from
``test_store.py``); the outage test stops and starts a server, so it makes its own
throwaway cluster on a free port rather than touching the machine's.  In-process
tests walk the lock decisions step by step; the shared output lock, the status
record and the host-tagged temporaries have their own small tests.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import test_store
from feedhub import daemon as daemon_module
from feedhub import publish
from feedhub.build import GROUPS
from feedhub.config import load_config
from feedhub.daemon import Daemon
from feedhub.lock import LockedError, OutputLock
from feedhub.publish import WriteError
from feedhub.status import load_trouble
from feedhub.store import open_store
from test_daemon import ARTICLE_URL, RunningDaemon, article, config_text, links, locs, read, wait_until

pg_url = test_store.pg_url
_pg_database = test_store._pg_database

#: The timers are 1 s; "within one interval" gets this much room on a busy shared machine.
TAKEOVER = 15.0
#: Every build records "pid group start|end ns" here, so the test sees who built what, when.
BUILDS_ENV = "FEEDHUB_TEST_BUILDS"

#: `feedhub run` with every tick building (a changing token) and each build recorded and
#: stretched a little, so two builds of one group at once could not go unseen.
RECORDING_RUN = """\
import os, sys, time
from feedhub import daemon
daemon.nothing_changed = lambda state, token, force: False  # every tick builds: the groups keep changing hands
fd = os.open(os.environ["FEEDHUB_TEST_BUILDS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
real_run_once = daemon.run_once
def recorded(config, store, now, groups):
    os.write(fd, f"{os.getpid()} {groups[0]} start {time.time_ns()}\\n".encode())
    time.sleep(0.3)
    try:
        return real_run_once(config, store, now, groups)
    finally:
        os.write(fd, f"{os.getpid()} {groups[0]} end {time.time_ns()}\\n".encode())
daemon.run_once = recorded
from feedhub.cli import main
sys.exit(main(sys.argv[1:]))
"""

OUTPUTS = ("all/rss.xml", "all/atom.xml", "news-sitemap.xml", "sitemap.xml", "sitemap-1.xml.gz")


def make_site(root: Path, url: str) -> Path:
    text = config_text().replace('url = "store.sqlite3"', f'url = "{url}"')
    assert url in text
    (root / "config.toml").write_text(text, encoding="utf-8")
    with open_store(url, create=True) as store:
        store.upsert([article(1, 3600), article(2, 1800), article(3, 600)])
    return root


class Daemons:
    """Starts ``feedhub run`` processes on one site; every one is killed at teardown."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.running: list[RunningDaemon] = []

    def start(self, python: list[str]) -> RunningDaemon:
        argv = [*python, "run", "--config", str(self.site / "config.toml"), "--log-format", "json", "--log-level", "debug"]
        d = RunningDaemon(argv, self.site)
        self.running.append(d)
        return d

    def close(self) -> None:
        for d in self.running:
            if d.alive:
                d.proc.kill()
            d.proc.wait(timeout=10)
        for d in self.running:
            assert d.bad_lines == [], f"stderr lines that are not JSON: {d.bad_lines[:5]}"


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Daemons]:
    started = Daemons(tmp_path)
    yield started
    started.close()


def validate(site: Path) -> None:
    check = subprocess.run([sys.executable, "-m", "feedhub", "validate", "--config", str(site / "config.toml")], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr


class KeepValidating:
    """``feedhub validate`` on the outputs over and over in a thread, while the daemons write them."""

    def __init__(self, site: Path) -> None:
        self.site, self.runs, self.failures = site, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                validate(self.site)
            except AssertionError as e:
                self.failures.append(str(e))
            self.runs += 1

    def __enter__(self) -> KeepValidating:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=120)


def status(site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedhub", "status", "--config", str(site / "config.toml")], capture_output=True, text=True, timeout=60)


# -- in-process: who builds, step by step ----------------------------------------------------------------




def test_the_lock_holder_builds_the_other_skips_and_takes_over_when_the_holders_connection_ends(tmp_path, pg_url, feedhub_log):
    site = make_site(tmp_path, pg_url)
    first, second = (Daemon(str(site / "config.toml"), load_config(site / "config.toml")) for _ in range(2))
    try:
        assert first.tick("feeds", force=True) is not None
        assert second.tick("feeds", force=True) is None  # even forced: the lock is first's
        assert second.tick("sitemaps", force=True) is not None  # a free group is anyone's
        assert first.tick("sitemaps", force=True) is None
        first._release_groups()  # what a stop does
        taken = second.tick("feeds")  # a regular tick, nothing changed in the store: built all the same
        assert taken is not None and taken.ok
        said = [r.getMessage() for r in feedhub_log.records]
        assert said.count(f"feeds: this daemon (pid {os.getpid()}) builds it now") == 2

        # The server ends second's connections: second loses its locks, first takes over, and
        # second, back on its feet, finds the group taken.
        with psycopg.connect(pg_url, autocommit=True) as raw:
            raw.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        assert second.tick("feeds", force=True) is None
        assert first.tick("feeds", force=True) is not None
        assert second.tick("feeds", force=True) is None
        errors = [r.getMessage() for r in feedhub_log.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and errors[0].startswith("feeds: store ") and "keeping the last good files" in errors[0]
        assert "feeds: store is back" in [r.getMessage() for r in feedhub_log.records]
        assert second.states["feeds"].trouble is None
    finally:
        first._release_groups()
        second._release_groups()
    validate(site)


def test_a_daemon_whose_build_fails_lets_go_of_the_group(tmp_path, pg_url, monkeypatch, feedhub_log):
    # The failed build may have left a streaming pass open on the connection: the daemon closes
    # it, and with it the lock, so the next try (its own or another daemon's) starts afresh.
    site = make_site(tmp_path, pg_url)
    first, second = (Daemon(str(site / "config.toml"), load_config(site / "config.toml")) for _ in range(2))

    def disk_full(*args, **kwargs):
        raise WriteError(site / "feeds" / "sitemap.xml", "No space left on device", 28)

    try:
        with monkeypatch.context() as m:
            m.setattr(daemon_module, "run_once", disk_full)
            assert first.tick("sitemaps", force=True) is None
        assert [r.getMessage() for r in feedhub_log.records if r.levelno >= logging.ERROR] == [
            f"sitemaps: {site / 'feeds' / 'sitemap.xml'}: cannot write: No space left on device; keeping the last good files, retrying in 2 s"
        ]
        built = second.tick("sitemaps", force=True)
        assert built is not None and built.ok
        assert first.tick("sitemaps", force=True) is None  # second holds it now
    finally:
        first._release_groups()
        second._release_groups()


# -- the output dir's lock ---------------------------------------------------------------------------


def test_daemons_on_a_shared_store_share_the_output_lock_and_keep_exclusive_takers_out(tmp_path):
    first, second = OutputLock(tmp_path, "feedhub run", shared=True), OutputLock(tmp_path, "feedhub run", shared=True)
    first.acquire()
    second.acquire()
    with pytest.raises(LockedError, match=r"already being published by feedhub run \(pid \d+\)"):
        OutputLock(tmp_path, "feedhub build").acquire()
    first.release()
    with pytest.raises(LockedError):  # one shared holder left is enough to refuse
        OutputLock(tmp_path, "feedhub build").acquire()
    second.release()
    with OutputLock(tmp_path, "feedhub build"), pytest.raises(LockedError, match=r"already being published by feedhub build"):
        OutputLock(tmp_path, "feedhub run", shared=True).acquire()


def test_a_build_leaves_another_hosts_temporaries_alone_until_they_are_an_hour_old(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    pid = dead.stdout.strip()  # gone here; on another host the same number says nothing
    other = "0" * 8 if publish.HOST_TAG != "0" * 8 else "1" * 8
    theirs = tmp_path / f".rss.xml{publish.TMP_MARK}{other}.1.{pid}"
    theirs_old = tmp_path / f".atom.xml{publish.TMP_MARK}{other}.2.{pid}"
    ours = tmp_path / f".sitemap.xml{publish.TMP_MARK}{publish.HOST_TAG}.3.{pid}"
    for p in (theirs, theirs_old, ours):
        p.write_bytes(b"<rss")
    an_hour_ago = time.time() - publish.FOREIGN_TMP_MAX_AGE_S - 60
    os.utime(theirs_old, (an_hour_ago, an_hour_ago))
    assert sorted(publish.clean_temp_files(tmp_path)) == sorted([theirs_old, ours])
    assert theirs.exists()


RECORD_TROUBLES = """\
import sys
from pathlib import Path
from feedhub.status import record_trouble
for n in range(150):
    record_trouble(Path(sys.argv[1]), f"{sys.argv[2]}-{n}", "failing", "2026-01-05T03:00:00+00:00")
"""


def test_daemons_sharing_an_output_dir_never_undo_each_others_status_entries(tmp_path):
    # Each save reads the record, changes its own entries and replaces the file: unordered
    # between processes, one would write back a record without the other's latest entry.
    writers = [subprocess.Popen([sys.executable, "-c", RECORD_TROUBLES, str(tmp_path), name]) for name in ("a", "b", "c")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    assert set(load_trouble(tmp_path)) == {f"{name}-{n}" for name in ("a", "b", "c") for n in range(150)}


# -- the build records ------------------------------------------------------------------------------


def builds(path: Path) -> dict[str, list[list[int]]]:
    """Per group, ``[pid, start_ns, end_ns or 0]`` of every build, in the order they started."""
    per_group: dict[str, list[list[int]]] = defaultdict(list)
    open_build: dict[tuple[int, str], list[int]] = {}
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for line in text.splitlines():
        pid, group, what, ns = line.split()
        key = (int(pid), group)
        if what == "start":
            open_build[key] = [int(pid), int(ns), 0]
            per_group[group].append(open_build[key])
        else:
            open_build.pop(key)[2] = int(ns)
    return per_group


def done(path: Path, group: str) -> list[list[int]]:
    return [b for b in builds(path)[group] if b[2]]


def assert_never_two_at_once(path: Path, died: dict[int, int]) -> None:
    """No build of a group starts before the previous one ended (a killed daemon's ends when it died)."""
    for group, runs in builds(path).items():
        for before, after in zip(runs, runs[1:], strict=False):
            end = before[2] or died[before[0]]
            assert after[1] >= end, f"{group}: pid {after[0]} started while pid {before[0]} was still building"


@pytest.mark.slow
def test_three_daemons_share_one_store_never_build_a_group_twice_at_once_and_take_over_from_a_killed_one(tmp_path, pg_url, daemons, monkeypatch):
    site = make_site(tmp_path, pg_url)
    log = tmp_path / "builds.log"
    monkeypatch.setenv(BUILDS_ENV, str(log))
    started = [daemons.start([sys.executable, "-c", RECORDING_RUN]) for _ in range(3)]
    for d in started:
        d.wait_message("feedhub daemon started", timeout=30)
    wait_until(lambda: all(len(done(log, g)) >= 3 for g in GROUPS), 60, "three builds of every group")
    out = site / "feeds"
    for name in OUTPUTS:
        assert (out / name).is_file(), name
    assert links(out / "all/rss.xml") == {ARTICLE_URL.format(n=n) for n in (1, 2, 3)}
    validate(site)

    # A one-off build takes no group lock, so it is refused while daemons publish here.
    build = subprocess.run([sys.executable, "-m", "feedhub", "build", "--config", str(site / "config.toml")], capture_output=True, text=True, timeout=60)
    assert build.returncode == 2 and "already being published by feedhub run" in build.stderr

    # Kill the feeds builder in the middle of a build: its connection, and its locks, die with it.
    with KeepValidating(site) as checks:
        wait_until(lambda: builds(log)["feeds"][-1][2] == 0, 30, "a feeds build in progress")
        victim_pid = builds(log)["feeds"][-1][0]
        victim = next(d for d in started if d.pid == victim_pid)
        held = {g for g in GROUPS if builds(log)[g][-1][0] == victim_pid}
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(timeout=10)
        died = time.time_ns()

        def taken_over() -> bool:
            return all(any(b[0] != victim_pid and b[1] > died and b[2] for b in builds(log)[g]) for g in held)

        wait_until(taken_over, TAKEOVER, f"another daemon building {sorted(held)} after pid {victim_pid} died")
        with open_store(pg_url) as store:
            store.upsert([article(40, seconds_ago=5)])
        url = ARTICLE_URL.format(n=40)
        wait_until(lambda: url in links(out / "all/rss.xml") and url in locs(out / "news-sitemap.xml"), TAKEOVER, "a new article published by the survivors")
        wait_until(lambda: checks.runs >= 2, 120, "the outputs validated while the work changed hands")
    assert checks.failures == []
    validate(site)

    survivors = [d for d in started if d is not victim]
    for d in survivors:
        d.proc.send_signal(signal.SIGTERM)
    for d in survivors:
        assert d.exit_code(30) == 0
        d.drain()
        assert [e["message"] for e in d.events if e["level"] == "error"] == []  # a handover is no error
        assert d.events[-1]["message"] == "feedhub daemon stopped"
    assert_never_two_at_once(log, {victim_pid: died})
    assert len({b[0] for b in builds(log)["feeds"]}) >= 2  # the work really changed hands
    validate(site)


# -- the server goes away and comes back ----------------------------------------------------------------


def _fail_or_skip(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the outage test)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayCluster:
    """A PostgreSQL cluster of its own in a temporary dir, on a free port, run as the postgres user."""

    def __init__(self) -> None:
        self.bin = self._bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="feedhub-pg-"))
        self.data, self.port = self.dir / "data", _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root
            shutil.chown(self.dir, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @staticmethod
    def _bindir() -> Path:
        """Where initdb and pg_ctl are: on PATH, else Debian's versioned dirs (newest first)."""
        found = shutil.which("initdb")
        candidates = [Path(found).resolve().parent] if found else []
        candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0, reverse=True)
        for d in candidates:
            if (d / "initdb").exists() and (d / "pg_ctl").exists():
                return d
        _fail_or_skip("no initdb/pg_ctl to make a throwaway PostgreSQL cluster (install the postgresql package)")
        raise AssertionError("unreachable")  # pragma: no cover

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"{tool} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[ThrowawayCluster]:
    c = ThrowawayCluster()
    try:
        c.start()
        yield c
    finally:
        c.destroy()


def store_errors(d: RunningDaemon) -> dict[str, int]:
    """Error lines about the store so far, per group."""
    counts: dict[str, int] = defaultdict(int)
    for e in d.events:
        group = e["message"].split(":", 1)[0]
        if e["level"] == "error" and group in GROUPS and "keeping the last good files" in e["message"]:
            counts[group] += 1
    return counts


def wait_logged(d: RunningDaemon, text: str, timeout: float) -> None:
    """*text* logged by *d*, now or before (a wait for another message may already have read it)."""
    if not any(text in e["message"] for e in d.events):
        d.wait_message(text, timeout)


def drain_events(d: RunningDaemon) -> None:
    """Read whatever the daemon has logged so far into ``d.events``."""
    try:
        d.wait_for(lambda e: False, timeout=0.2)
    except AssertionError:
        pass


@pytest.mark.slow
def test_a_store_outage_keeps_the_files_logs_once_and_publishes_again_when_the_server_is_back(tmp_path, cluster, daemons):
    site = make_site(tmp_path, cluster.url)
    out = site / "feeds"
    pair = [daemons.start([sys.executable, "-m", "feedhub"]) for _ in range(2)]
    for d in pair:
        d.wait_message("feedhub daemon started", timeout=30)
    wait_until(lambda: all((out / name).is_file() for name in OUTPUTS), 60, "every output built")
    validate(site)
    before = {name: read(out / name) for name in OUTPUTS}

    cluster.stop()
    for d in pair:  # every group of both daemons notices (holder or not: each asks for its locks)
        for group in GROUPS:
            wait_logged(d, f"{group}: still failing", 60)  # a second failed try: the retries run
    for d in pair:
        drain_events(d)
        assert store_errors(d) == dict.fromkeys(GROUPS, 1), "one error line per group per outage, not one per try"
    assert {name: read(out / name) for name in OUTPUTS} == before  # the last good files stay
    validate(site)
    during = status(site)
    assert during.returncode == 1 and "failing since" in during.stdout, during.stdout + during.stderr

    cluster.start()
    for d in pair:
        for group in GROUPS:
            wait_logged(d, f"{group}: store is back", 90)
    with open_store(cluster.url) as store:
        store.upsert([article(50, seconds_ago=5)])
    url = ARTICLE_URL.format(n=50)
    wait_until(lambda: url in links(out / "all/rss.xml") and url in locs(out / "sitemap-1.xml.gz"), 30, "a new article published after the outage")
    validate(site)
    wait_until(lambda: status(site).returncode == 0, 30, "feedhub status clear of the outage")
    for d in pair:
        drain_events(d)
        assert store_errors(d) == dict.fromkeys(GROUPS, 1)
