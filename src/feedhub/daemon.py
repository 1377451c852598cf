"""``feedhub run``: build everything at start-up, then keep each output group fresh on its timer.

Wiring only: the work is :func:`feedhub.build.run_once`.  Jobs run one at a
time (a one-thread executor) because they share the status record and the
store connection; a build is short, so nothing waits long.  Each tick first
asks the store for its change token and skips the build when nothing changed
— except the news sitemap, which is also rebuilt exactly when its oldest
story turns ``window_hours`` old.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

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
    #: When the last store failure allows the next attempt, and the delay after that.
    backoff: float = 0.0


@dataclass
class Daemon:
    config_path: str
    config: Config
    scheduler: BlockingScheduler = field(init=False)
    states: dict[str, _GroupState] = field(default_factory=lambda: {g: _GroupState() for g in GROUPS})
    _lock: OutputLock | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _shutdown: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.config.schedule.misfire_grace},
            timezone=self.config.site.tz,
        )

    # -- one tick -------------------------------------------------------------

    def tick(self, group: str, force: bool = False) -> BuildReport | None:
        """Build *group* if the store changed (or *force*); never raises."""
        if self._stopping.is_set():
            return None
        state = self.states[group]
        store: Store | None = None
        try:
            # Opened per tick: a replaced, restored or repaired store file is picked up by itself.
            store = open_store(self.config.store.url)
            token = store.change_token()
            if not force and token == state.token:
                log.debug("%s: nothing changed (token %d), nothing built", group, token)
                return None
            report = run_once(self.config, store, _clock(), [group])
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
        state.token, state.backoff = token, 0.0
        self._log_report(report)
        if group == "news_sitemap":
            self._schedule_news_expiry(report.news_expiry)
        return report

    def _store_trouble(self, group: str, e: StoreError) -> None:
        state = self.states[group]
        state.backoff = min(BACKOFF_MAX, state.backoff * 2 or BACKOFF_START)
        state.token = None  # rebuild once the store answers again
        log.error("%s: %s; keeping the last good files, retrying in %.0f s", group, e, state.backoff)
        self.scheduler.add_job(
            self.tick, "date", run_date=_clock() + timedelta(seconds=state.backoff), args=[group, True],
            id=f"retry-{group}", replace_existing=True,
        )

    def _schedule_news_expiry(self, when: datetime | None) -> None:
        if when is None:
            return
        # A forced build at the moment the oldest story leaves the window, edits or not.
        self.scheduler.add_job(
            self.tick, "date", run_date=when + timedelta(milliseconds=5), args=["news_sitemap", True],
            id="news-expiry", replace_existing=True, misfire_grace_time=None,
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

    def schedule_jobs(self) -> None:
        cfg = self.config
        per_group = {"feeds": cfg.schedule.feeds, "news_sitemap": cfg.schedule.news_sitemap, "sitemaps": cfg.schedule.sitemaps}
        for group in GROUPS:
            trigger = make_trigger(per_group[group], cfg.site.tz, cfg.schedule.jitter)
            self.scheduler.add_job(self.tick, trigger, args=[group], id=group, replace_existing=True)

    def reload(self) -> None:
        try:
            new = load_config(self.config_path)
        except FeedhubError as e:
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
        self.schedule_jobs()
        log.info("config reloaded from %s", self.config_path)
        for group in GROUPS:
            self.scheduler.add_job(self.tick, "date", run_date=_clock(), args=[group, True], id=f"reload-{group}", replace_existing=True)

    def stop(self, signum: int, _frame: object) -> None:
        log.info("%s received: finishing the build in progress, then exiting", signal.Signals(signum).name)
        self._stopping.set()
        if self.scheduler.running and self._shutdown is None:
            # shutdown(wait=True) blocks until the running build is written; the
            # handler runs on the main thread, which must get back to the scheduler loop.
            self._shutdown = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True})
            self._shutdown.start()

    def run(self) -> int:
        self._lock = OutputLock(self.config.output_dir, "feedhub run")
        self._lock.acquire()
        try:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
            signal.signal(signal.SIGHUP, lambda *_: self.reload())
            log.info("feedhub daemon started on %s, publishing to %s", self.config_path, self.config.output_dir)
            for group in GROUPS:
                self.tick(group, force=True)
            if self._stopping.is_set():
                return 0
            self.schedule_jobs()
            self.scheduler.start()
            if self._shutdown is not None:
                self._shutdown.join()  # the lock is held until the last write is done
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
