"""``feedhub run``: build everything at start-up, then keep each output group fresh on its timer.

Wiring only: the work is :func:`feedhub.build.run_once`.  Jobs run one at a
time (a one-thread executor) because they share the status record and the
store connection; a build is short, so nothing waits long.  Each tick first
asks the store for its change token and skips the build when nothing changed
— except the news sitemap, which is also rebuilt exactly when its oldest
story turns ``window_hours`` old.

Signal handlers only hand the signal over to a thread: they run between two
bytecodes of the main thread, which may hold the scheduler's locks.  A stop
shuts the scheduler down without waiting for its executor (a build that ends
by scheduling its follow-up would otherwise wait for the scheduler's lock
forever), then waits for the build in progress itself.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from .build import GROUPS, BuildReport, run_once
from .config import Config, load_config
from .errors import FeedhubError, StoreError
from .lock import OutputLock
from .schedule import make_trigger
from .store import Store, open_store

log = logging.getLogger("feedhub.daemon")

#: Store trouble: first retry after this many seconds, doubling up to the cap.
BACKOFF_START, BACKOFF_MAX = 2.0, 300.0


def _clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class _GroupState:
    #: Store change token the last successful build of this group saw.
    token: int | None = None
    #: Delay before the next retry while the store is in trouble; 0 while it answers.
    backoff: float = 0.0
    #: While the store is in trouble, regular ticks leave it alone until this retry.
    retry_at: datetime | None = None


@dataclass
class Daemon:
    config_path: str
    config: Config
    scheduler: BlockingScheduler = field(init=False)
    states: dict[str, _GroupState] = field(default_factory=lambda: {g: _GroupState() for g in GROUPS})
    _lock: OutputLock | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _started: threading.Event = field(default_factory=threading.Event)
    #: Held by whatever builds or reloads; a stop waits for it before the lock is released.
    _busy: threading.Lock = field(default_factory=threading.Lock)
    _signals: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)

    def __post_init__(self) -> None:
        self.scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.config.schedule.misfire_grace},
            timezone=self.config.site.tz,
        )
        self.scheduler.add_listener(lambda _event: self._started.set(), EVENT_SCHEDULER_STARTED)

    # -- one tick -------------------------------------------------------------

    def tick(self, group: str, force: bool = False) -> BuildReport | None:
        """Build *group* if the store changed (or *force*); never raises."""
        with self._busy:
            if self._stopping.is_set():
                return None
            return self._tick(group, force)

    def _tick(self, group: str, force: bool) -> BuildReport | None:
        config, state = self.config, self.states[group]  # one config for the whole build, even across a reload
        if not force and state.retry_at is not None and _clock() < state.retry_at:
            log.debug("%s: store in trouble, next try at %s", group, state.retry_at.isoformat(timespec="seconds"))
            return None
        store: Store | None = None
        try:
            # Opened per tick: a replaced, restored or repaired store file is picked up by itself.
            store = open_store(config.store.url)
            token = store.change_token()
            if not force and token == state.token:
                log.debug("%s: nothing changed (token %d), nothing built", group, token)
                return None
            report = run_once(config, store, _clock(), [group])
        except StoreError as e:
            self._store_trouble(group, e)
            return None
        except FeedhubError as e:
            log.error("%s: %s", group, e)
            return None
        except Exception:
            log.exception("%s: unexpected error; the next tick runs as usual", group)
            return None
        finally:
            if store is not None:
                store.close()
        if state.backoff:
            log.info("%s: store is back", group)
        state.token, state.backoff, state.retry_at = token, 0.0, None
        self._log_report(report)
        due = [t for t in (report.next_release, report.news_expiry if group == "news_sitemap" else None) if t]
        self._schedule_due(group, min(due) if due else None)
        return report

    def _store_trouble(self, group: str, e: StoreError) -> None:
        state = self.states[group]
        state.backoff = min(BACKOFF_MAX, state.backoff * 2 or BACKOFF_START)
        state.retry_at = _clock() + timedelta(seconds=state.backoff)
        state.token = None  # rebuild once the store answers again
        log.error("%s: %s; keeping the last good files, retrying in %.0f s", group, e, state.backoff)
        self.scheduler.add_job(
            self.tick, "date", run_date=state.retry_at, args=[group, True],
            id=f"retry-{group}", replace_existing=True, misfire_grace_time=None,
        )

    def _schedule_due(self, group: str, when: datetime | None) -> None:
        """A forced build when *group* changes with no store edit: a scheduled story comes
        due, or (news sitemap) the oldest story leaves the window."""
        job_id = f"due-{group}"
        if when is None:
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
            return
        self.scheduler.add_job(
            self.tick, "date", run_date=when + timedelta(milliseconds=5), args=[group, True],
            id=job_id, replace_existing=True, misfire_grace_time=None,
        )

    def _log_report(self, report: BuildReport) -> None:
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

    # -- life cycle -----------------------------------------------------------

    @staticmethod
    def triggers(config: Config) -> dict[str, BaseTrigger]:
        s = config.schedule
        per_group = {"feeds": s.feeds, "news_sitemap": s.news_sitemap, "sitemaps": s.sitemaps}
        return {g: make_trigger(per_group[g], config.site.tz, s.jitter) for g in GROUPS}

    def schedule_jobs(self, triggers: dict[str, BaseTrigger]) -> None:
        for group, trigger in triggers.items():
            self.scheduler.add_job(
                self.tick, trigger, args=[group], id=group, replace_existing=True, misfire_grace_time=self.config.schedule.misfire_grace
            )

    def reload(self) -> None:
        with self._busy:
            if not self._stopping.is_set():
                self._reload()

    def _reload(self) -> None:
        try:
            new = load_config(self.config_path)
            triggers = self.triggers(new)
        except (FeedhubError, ValueError) as e:
            log.error("config reload failed, keeping the running config: %s", e)
            return
        if new.output_dir != self.config.output_dir:
            lock = OutputLock(new.output_dir, "feedhub run")
            try:
                lock.acquire()
            except FeedhubError as e:
                log.error("config reload failed, keeping the running config: %s", e)
                return
            if self._lock:
                self._lock.release()
            self._lock = lock
        self.config = new
        for state in self.states.values():
            state.token = None
        self.schedule_jobs(triggers)
        log.info("config reloaded from %s", self.config_path)
        for group in GROUPS:
            self.scheduler.add_job(self.tick, "date", run_date=_clock(), args=[group, True], id=f"reload-{group}", replace_existing=True)

    def _on_signal(self, signum: int, _frame: object) -> None:
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
        triggers = self.triggers(self.config)
        self._lock = OutputLock(self.config.output_dir, "feedhub run")
        self._lock.acquire()
        try:
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(signum, self._on_signal)
            threading.Thread(target=self._handle_signals, name="feedhub-signals", daemon=True).start()
            log.info("feedhub daemon started (pid %d) on %s, publishing to %s", os.getpid(), self.config_path, self.config.output_dir)
            for group in GROUPS:
                self.tick(group, force=True)
            if not self._stopping.is_set():
                self.schedule_jobs(triggers)
                self.scheduler.start()  # returns once the signal thread shut it down
            with self._busy:
                pass  # the build in progress has written its files; later ones see _stopping
            log.info("feedhub daemon stopped")
            return 0
        finally:
            if self._lock:
                self._lock.release()


def run_daemon(config_path: str, *, once: bool = False) -> int:
    config = load_config(config_path)
    if once:
        with OutputLock(config.output_dir, "feedhub run --once"):
            store = open_store(config.store.url)
            try:
                report = run_once(config, store, _clock())
            finally:
                store.close()
        print("\n".join(report.lines()))
        return 0 if report.ok else 1
    return Daemon(config_path, config).run()
