"""``feedhub run``: build everything at start-up, then keep each output group fresh on its timer.

Wiring only: the work is :func:`feedhub.build.run_once`, and every decision
(is a retry due, did anything change, how long to back off, what comes due
next, is the clock behind the last build) is a plain function below, tested
in-process with an injected clock.

Each output group runs on its own one-thread executor, so a slow archive
sitemap never delays the feeds or the news sitemap; a group never runs twice at
once, and groups write disjoint files (the shared status record merges each
build's changes under a lock).  Each tick first asks the store for its change
token and skips the build when nothing changed — except the news sitemap,
which is also rebuilt exactly when its oldest story turns ``window_hours`` old.

Several daemons may share one PostgreSQL store and one output dir: each keeps
one connection per group, and builds a group only while that connection holds
the group's advisory lock (:meth:`Store.try_lock_group`), reading the build
through it, so a lost connection fails the build rather than letting two
daemons publish at once.  A daemon that dies frees its groups with its
connections; the others take them at their next tick.  With SQLite the lock is
always granted and the output dir's exclusive file lock keeps one daemon.

Store trouble and write trouble (disk full, a refused path) are one error line
per outage, retried with backoff; the last good files stay and ``feedhub
status`` shows the failure until the group builds again.

Signal handlers only hand the signal over to a thread: they run between two
bytecodes of the main thread, which may hold the scheduler's locks.  A stop
shuts the scheduler down without waiting for its executors (a build that ends
by scheduling its follow-up would otherwise wait for the scheduler's lock
forever), then waits for the builds in progress itself.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from urllib.parse import urlsplit

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from . import status
from .build import GROUPS, BuildReport, run_once
from .clock import behind, wall_clock
from .config import Config, load_config
from .errors import FeedhubError, StoreError
from .lock import OutputLock
from .publish import WriteError
from .schedule import make_trigger
from .store import Store, open_store

log = logging.getLogger("feedhub.daemon")

#: Store or write trouble: first retry after this many seconds, doubling up to the cap.
BACKOFF_START, BACKOFF_MAX = 2.0, 300.0


@dataclass
class GroupState:
    #: Store change token the last successful build of this group saw.
    token: int | None = None
    #: Delay before the next retry while in trouble; 0 while all is well.
    backoff: float = 0.0
    #: While in trouble, regular ticks leave the group alone until this retry.
    retry_at: datetime | None = None
    #: The error of the outage in progress (``store`` or ``write`` kind), None while all is well.
    trouble: str | None = None
    trouble_kind: str = ""


# -- decisions: plain functions of a group's state and the clock ----------------------------------


def waiting_for_retry(state: GroupState, now: datetime, force: bool) -> bool:
    """A regular tick during an outage waits for the scheduled retry."""
    return not force and state.retry_at is not None and now < state.retry_at


def nothing_changed(state: GroupState, token: int, force: bool) -> bool:
    return not force and token == state.token


def next_backoff(backoff: float) -> float:
    return min(BACKOFF_MAX, backoff * 2 or BACKOFF_START)


def note_failure(state: GroupState, kind: str, message: str, now: datetime) -> bool:
    """Back off after a failed tick; True when it is news (a new outage or another error) worth an error line.

    A server going down says several things in turn (connection terminated, refused, starting up):
    for the store, one outage is one line whatever it says; a write error names its file, so
    another file or reason is news."""
    news = state.trouble_kind != kind if kind == "store" else state.trouble != message
    state.backoff = next_backoff(state.backoff)
    state.retry_at = now + timedelta(seconds=state.backoff)
    state.token = None  # rebuild once it works again
    state.trouble, state.trouble_kind = message, kind
    return news


def note_success(state: GroupState, token: int) -> str | None:
    """Reset after a good build; the kind of the outage that just ended, if any."""
    ended = state.trouble_kind if state.trouble is not None else None
    state.token, state.backoff, state.retry_at, state.trouble, state.trouble_kind = token, 0.0, None, None, ""
    return ended


def note_reachable(state: GroupState) -> bool:
    """The store answered (this daemon may still not hold the group): end a store outage; True if one ended."""
    if state.trouble_kind != "store":
        return False
    state.backoff, state.retry_at, state.trouble, state.trouble_kind = 0.0, None, None, ""
    return True


def shared_store(url: str) -> bool:
    """A server store (not the SQLite file) may be shared by daemons on several hosts."""
    return urlsplit(url).scheme.lower() not in ("", "sqlite")


def next_due(report: BuildReport, group: str) -> datetime | None:
    """When *group* changes with no store edit: a scheduled story comes due, or (news) the oldest story ages out."""
    due = [t for t in (report.next_release, report.news_expiry if group == "news_sitemap" else None) if t]
    return min(due) if due else None


def triggers(config: Config) -> dict[str, BaseTrigger]:
    """One timer per enabled group."""
    s = config.schedule
    per_group = {"feeds": s.feeds, "news_sitemap": s.news_sitemap, "sitemaps": s.sitemaps}
    return {g: make_trigger(per_group[g], config.site.tz, s.jitter) for g in config.enabled_groups(GROUPS)}


def log_report(report: BuildReport) -> None:
    """One summary line per build (its counts as JSON fields), then each rejection and warning."""
    level = logging.INFO if report.ok else logging.ERROR
    extra = {"fields": {
        "groups": list(report.groups),
        "written": report.count("written"), "unchanged": report.count("unchanged"),
        "rejected": report.count("rejected"), "seconds": round(report.seconds, 4),
    }}
    log.log(level, report.summary(), extra=extra)
    for r in report.results:
        if r.outcome == "rejected":
            for p in r.problems:
                log.error("rejected %s: %s (the last good file stays)", r.path, p)
        elif r.outcome in ("written", "removed"):
            log.debug("%s %s (%d items, %d bytes)", r.outcome, r.path, r.items, r.bytes)
        for w in r.warnings:
            log.warning("%s: %s", r.path, w)


@dataclass
class ClockGuard:
    """Holds publishing while the clock lies behind the newest recorded build; says so once."""

    #: The ``now`` of the newest build recorded in the output dir.
    last_build: datetime | None = None
    _held: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def holds(self, now: datetime) -> bool:
        held = behind(now, self.last_build)
        with self._lock:
            was_held, self._held = self._held, held
        if held and not was_held:
            assert self.last_build is not None
            log.error(
                "the clock (%s) is behind the last build (%s): holding publishing until it catches up",
                now.isoformat(timespec="seconds"), self.last_build.isoformat(timespec="seconds"),
            )
        elif was_held and not held:
            log.info("the clock caught up with the last build: publishing again")
        return held

    def built(self, now: datetime) -> None:
        with self._lock:
            if self.last_build is None or now > self.last_build:
                self.last_build = now


# -- the daemon ------------------------------------------------------------------------------------


@dataclass
class Daemon:
    config_path: str
    config: Config
    #: Read once per tick; tests pass their own.
    clock: Callable[[], datetime] = wall_clock
    scheduler: BlockingScheduler = field(init=False)
    states: dict[str, GroupState] = field(default_factory=lambda: {g: GroupState() for g in GROUPS})
    clock_guard: ClockGuard = field(default_factory=ClockGuard)
    _lock: OutputLock | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _started: threading.Event = field(default_factory=threading.Event)
    #: Held while a group builds; a stop or reload takes them all.
    _building: dict[str, threading.Lock] = field(default_factory=lambda: {g: threading.Lock() for g in GROUPS})
    _signals: queue.SimpleQueue[int] = field(default_factory=queue.SimpleQueue)
    #: Shared store: each group's own connection, holding that group's lock for the daemon's life.
    _kept: dict[str, Store] = field(default_factory=dict)
    #: Groups whose lock this daemon holds (always all of them on SQLite).
    _holding: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        # One executor per group: a slow group never waits behind, or delays, another.
        executors = {"default": ThreadPoolExecutor(max_workers=1)} | {g: ThreadPoolExecutor(max_workers=1) for g in GROUPS}
        self.scheduler = BlockingScheduler(
            executors=executors,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.config.schedule.misfire_grace},
            timezone=self.config.site.tz,
        )
        self.scheduler.add_listener(lambda _event: self._started.set(), EVENT_SCHEDULER_STARTED)
        self.clock_guard.last_build = status.last_build(self.config.output_dir)

    @contextmanager
    def _all_groups(self) -> Iterator[None]:
        """Wait for every build in progress and keep new ones out (always taken in GROUPS order)."""
        with ExitStack() as stack:
            for group in GROUPS:
                stack.enter_context(self._building[group])
            yield

    # -- one tick -------------------------------------------------------------

    def tick(self, group: str, force: bool = False) -> BuildReport | None:
        """Build *group* if the store changed (or *force*); never raises."""
        with self._building[group]:
            if self._stopping.is_set():
                return None
            return self._tick(group, force)

    def _tick(self, group: str, force: bool) -> BuildReport | None:
        config, state, now = self.config, self.states[group], self.clock()  # one config per build, even across a reload
        if waiting_for_retry(state, now, force):
            assert state.retry_at is not None
            log.debug("%s: in trouble, next try at %s", group, state.retry_at.isoformat(timespec="seconds"))
            return None
        if self.clock_guard.holds(now):
            state.token = None  # build as soon as the clock has caught up
            return None
        try:
            built = self._build(group, config, now, force)
        except StoreError as e:
            self._trouble(group, "store", e, now)
            return None
        except WriteError as e:
            self._trouble(group, "write", e, now)
            return None
        except FeedhubError as e:
            log.error("%s: %s", group, e)
            return None
        except Exception:
            log.exception("%s: unexpected error; the next tick runs as usual", group)
            return None
        if built is None:
            return None
        token, report = built
        self._built(group, token, report)
        return report

    def _build(self, group: str, config: Config, now: datetime, force: bool) -> tuple[int, BuildReport] | None:
        """The store's change token and the build's report; None when this tick builds nothing."""
        store = self._store_for(group, config.store.url)
        try:
            if not self._claim(group, store, config.store.url):
                return None
            token = store.change_token()
            if nothing_changed(self.states[group], token, force):
                log.debug("%s: nothing changed (token %d), nothing built", group, token)
                return None
            return token, run_once(config, store, now, [group])
        except BaseException:
            # A lost connection took the group's lock with it; any other failure may have left a
            # streaming pass open on the connection. Either way the next try starts afresh.
            self._drop_store(group)
            raise
        finally:
            if group not in self._kept:
                store.close()

    def _store_for(self, group: str, url: str) -> Store:
        """The store a tick of *group* reads.

        SQLite: opened per tick, so a replaced, restored or repaired file is picked up by itself.
        A shared store: the group's kept connection, which holds the group's lock; the build reads
        through it too, so a connection lost mid-build fails that build instead of publishing
        beside the daemon that took the lock over."""
        if not shared_store(url):
            return open_store(url)
        store = self._kept.get(group)
        if store is None:
            store = self._kept[group] = open_store(url)
        return store

    def _drop_store(self, group: str) -> None:
        store = self._kept.pop(group, None)
        self._holding.discard(group)
        if store is not None:
            store.close()

    def _release_groups(self) -> None:
        """Close every kept connection: the server frees their group locks for the other daemons."""
        for group in list(self._kept):
            self._drop_store(group)

    def _claim(self, group: str, store: Store, url: str) -> bool:
        """Whether this daemon builds *group* now; False while another daemon holds its lock."""
        got = store.try_lock_group(group)  # always True on SQLite
        state = self.states[group]
        if note_reachable(state):
            log.info("%s: store is back", group)
            self._note_status(status.clear_trouble, group)
        if got and group not in self._holding:
            self._holding.add(group)
            state.token = None  # build at once: the files are this daemon's to keep fresh from now on
            if shared_store(url):
                log.info("%s: this daemon (pid %d) builds it now", group, os.getpid())
        elif not got:
            if group in self._holding:
                self._holding.discard(group)
                log.info("%s: another daemon builds it now", group)
            log.debug("%s: another daemon holds its lock, nothing built", group)
        return got

    def _built(self, group: str, token: int, report: BuildReport) -> None:
        ended = note_success(self.states[group], token)
        if ended:
            log.info("%s: %s", group, "store is back" if ended == "store" else "outputs can be written again")
            self._note_status(status.clear_trouble, group)
        self.clock_guard.built(report.now)
        log_report(report)
        self._schedule_due(group, next_due(report, group))

    def _trouble(self, group: str, kind: str, e: FeedhubError, now: datetime) -> None:
        state = self.states[group]
        if note_failure(state, kind, str(e), now):
            log.error("%s: %s; keeping the last good files, retrying in %.0f s", group, e, state.backoff)
        else:
            log.debug("%s: still failing, retrying in %.0f s", group, state.backoff)
        self._note_status(status.record_trouble, group, str(e), now.isoformat(timespec="seconds"))
        assert state.retry_at is not None
        self.scheduler.add_job(
            self.tick, "date", run_date=state.retry_at, args=[group, True], executor=group,
            id=f"retry-{group}", replace_existing=True, misfire_grace_time=None,
        )

    def _note_status(self, change: Callable[..., None], *args: str) -> None:
        try:
            change(self.config.output_dir, *args)
        except OSError as e:  # the record is a courtesy; the log line above already said it
            log.debug("status record not updated: %s", e)

    def _schedule_due(self, group: str, when: datetime | None) -> None:
        """A forced build of *group* at *when* (see :func:`next_due`)."""
        job_id = f"due-{group}"
        if when is None:
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
            return
        self.scheduler.add_job(
            self.tick, "date", run_date=when + timedelta(milliseconds=5), args=[group, True], executor=group,
            id=job_id, replace_existing=True, misfire_grace_time=None,
        )

    # -- life cycle -----------------------------------------------------------

    def schedule_jobs(self, group_triggers: dict[str, BaseTrigger]) -> None:
        for group in GROUPS:
            if group not in group_triggers:
                if self.scheduler.get_job(group):
                    self.scheduler.remove_job(group)
                continue
            self.scheduler.add_job(
                self.tick, group_triggers[group], args=[group], id=group, name=f"{group} build", executor=group,
                replace_existing=True, misfire_grace_time=self.config.schedule.misfire_grace,
            )

    def reload(self) -> None:
        with self._all_groups():
            if not self._stopping.is_set():
                self._reload()

    def _reload(self) -> None:
        try:
            new = load_config(self.config_path)
            new_triggers = triggers(new)
        except (FeedhubError, ValueError) as e:
            log.error("config reload failed, keeping the running config: %s", e)
            return
        if new.output_dir != self.config.output_dir and not self._move_lock(new):
            return
        if new.store.url != self.config.store.url:
            self._release_groups()
        self.config = new
        for state in self.states.values():
            state.token = None
        self.schedule_jobs(new_triggers)
        log.info("config reloaded from %s", self.config_path)
        for group in new_triggers:
            self.scheduler.add_job(
                self.tick, "date", run_date=self.clock(), args=[group, True], executor=group, id=f"reload-{group}", replace_existing=True
            )

    def _move_lock(self, new: Config) -> bool:
        lock = OutputLock(new.output_dir, "feedhub run", shared=shared_store(new.store.url))
        try:
            lock.acquire()
        except FeedhubError as e:
            log.error("config reload failed, keeping the running config: %s", e)
            return False
        if self._lock:
            self._lock.release()
        self._lock = lock
        self.clock_guard.last_build = status.last_build(new.output_dir)
        return True

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        # Only hand over (SimpleQueue.put is safe in a signal handler); _stopping stops the next build at once.
        if signum != signal.SIGHUP:
            self._stopping.set()
        self._signals.put(signum)

    def _handle_signals(self) -> None:
        while True:
            signum = self._signals.get()
            if signum == signal.SIGHUP:
                log.info("SIGHUP received: reloading %s", self.config_path)
                self.scheduler.add_job(self.reload, id="reload", replace_existing=True)  # runs between builds
                continue
            log.info("%s received: finishing the build in progress, then exiting", signal.Signals(signum).name)
            self._started.wait()  # run() returns by itself when the stop came before the scheduler started
            self.scheduler.shutdown(wait=False)
            return

    def run(self) -> int:
        group_triggers = triggers(self.config)
        # Shared store: a shared flock, so the daemons of one host coexist (the group locks decide
        # who builds what) while a one-off `feedhub build`, which takes no group lock, is refused.
        self._lock = OutputLock(self.config.output_dir, "feedhub run", shared=shared_store(self.config.store.url))
        self._lock.acquire()
        try:
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(signum, self._on_signal)
            threading.Thread(target=self._handle_signals, name="feedhub-signals", daemon=True).start()
            log.info("feedhub daemon started (pid %d) on %s, publishing to %s", os.getpid(), self.config_path, self.config.output_dir)
            for group in group_triggers:
                self.tick(group, force=True)
            if not self._stopping.is_set():
                self.schedule_jobs(group_triggers)
                self.scheduler.start()  # returns once the signal thread shut it down
            with self._all_groups():
                pass  # the builds in progress have written their files; later ones see _stopping
            log.info("feedhub daemon stopped")
            return 0
        finally:
            self._release_groups()
            if self._lock:
                self._lock.release()


def run_daemon(config_path: str, *, once: bool = False) -> int:
    config = load_config(config_path)
    if once:
        store = open_store(config.store.url)  # before the lock: no store makes no output dir
        try:
            with OutputLock(config.output_dir, "feedhub run --once"):
                now, last = wall_clock(), status.last_build(config.output_dir)
                if behind(now, last):
                    raise FeedhubError(f"the clock ({now.isoformat(timespec='seconds')}) is behind the last build ({last}): not publishing")
                report = run_once(config, store, now, config.enabled_groups(GROUPS))
        finally:
            store.close()
        print("\n".join(report.lines()))
        return 0 if report.ok else 1
    return Daemon(config_path, config).run()
