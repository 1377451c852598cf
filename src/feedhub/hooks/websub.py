"""WebSub publishing: ping each hub after a feed document changed (W3C WebSub, issue 16).

The ping is the de facto publish request: ``POST hub.mode=publish&hub.url=<feed URL>``
(form-encoded).  ``hub.topic`` carries the same URL because some hubs (flask-websub's among
them) read that name instead; hubs ignore parameters they do not know.

Each hub has its own background thread, so a slow or dead hub never delays a build or another
hub: a ping gets :data:`TIMEOUT` seconds, then :data:`RETRIES` more tries after
:data:`BACKOFF`, 2×, 4× … seconds.  A hub still failing is logged once per outage (its recovery
once too) and pinged again at the next change.  The outcome per hub is written to
``<output dir>/.feedhub-websub.json`` for ``feedhub status --json``.  At process exit (a
``feedhub build`` from cron) the pings in flight get up to :data:`EXIT_WAIT` seconds.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .. import __version__
from ..publish import atomic_write
from . import Published

log = logging.getLogger("feedhub.websub")

STATE_NAME = ".feedhub-websub.json"
#: Seconds one ping may take (connect + answer).
TIMEOUT = 3.0
#: Extra tries after the first failure, after BACKOFF, 2 × BACKOFF, 4 × BACKOFF … seconds.
RETRIES = 3
BACKOFF = 1.0
#: How long a finishing process waits for pings still in flight.
EXIT_WAIT = 5.0
#: The documents that are WebSub topics (they carry the rel="hub" links).
TOPIC_KINDS = frozenset({"rss", "atom", "json"})  # "json": the JSON Feed kind (issue 14)
USER_AGENT = f"feedhub/{__version__} (WebSub publisher)"


def ping(hub: str, topic: str, timeout: float = TIMEOUT) -> int:
    """One publish ping; the HTTP status when it is 2xx, else raises ``OSError`` (``HTTPError`` included)."""
    body = urlencode([("hub.mode", "publish"), ("hub.url", topic), ("hub.topic", topic)]).encode()
    req = urllib.request.Request(hub, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - hub URLs are http(s) by config
        status = int(resp.status)
        resp.read()
    return status


def load_state(output_dir: Path) -> dict[str, dict[str, Any]]:
    """The last ping outcome per hub (``state`` ok/down, ``last_attempt``, ``last_success``,
    ``last_status``, ``last_error``, ``failed_topics``), for ``feedhub status --json``."""
    return StateFile(output_dir).hubs


class StateFile:
    """``.feedhub-websub.json``: the last outcome per hub, shared by the hub threads."""

    def __init__(self, output_dir: Path) -> None:
        self.path = output_dir / STATE_NAME
        self._lock = threading.Lock()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.hubs: dict[str, dict[str, Any]] = dict(raw.get("hubs", {}))
        except (OSError, ValueError, AttributeError):
            self.hubs = {}

    def get(self, hub: str) -> dict[str, Any]:
        with self._lock:
            return dict(self.hubs.get(hub, {}))

    def update(self, hub: str, **fields: Any) -> None:
        with self._lock:
            self.hubs[hub] = self.hubs.get(hub, {}) | fields
            doc = {"version": 1, "hubs": self.hubs}
            try:
                atomic_write(self.path, (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode())
            except OSError as e:  # the record is for monitoring; losing one update must not stop the pings
                log.warning("websub: cannot write %s: %s", self.path, e.strerror)


class HubWorker:
    """One hub's queue of topics and the thread that pings them."""

    def __init__(self, hub: str, state: StateFile) -> None:
        self.hub = hub
        self.state = state
        self._cond = threading.Condition()
        self._pending: dict[str, None] = {}  # topics in arrival order, each once
        self._busy = False
        self._thread: threading.Thread | None = None

    def submit(self, topics: Sequence[str]) -> None:
        with self._cond:
            self._pending.update(dict.fromkeys(topics))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"websub {self.hub}", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._pending))
                topics, self._pending, self._busy = list(self._pending), {}, True
            try:
                self._deliver(topics)
            except Exception:  # keep the thread alive for the next change, whatever broke
                log.exception("websub: pinging %s failed unexpectedly", self.hub)
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _deliver(self, topics: list[str]) -> None:
        failed: list[tuple[str, str]] = []
        status = 0
        for topic in topics:
            ok, detail = self._ping_with_retries(topic)
            if ok:
                status = int(detail)
            else:
                failed.append((topic, detail))
        self._record(topics, status, failed)

    def _ping_with_retries(self, topic: str) -> tuple[bool, str]:
        error = ""
        for attempt in range(RETRIES + 1):
            if attempt:
                time.sleep(BACKOFF * 2 ** (attempt - 1))
            try:
                return True, str(ping(self.hub, topic))
            except urllib.error.HTTPError as e:
                error = f"HTTP {e.code} {e.reason}"
            except (OSError, ValueError) as e:  # refused, timed out, DNS, a malformed URL
                error = str(getattr(e, "reason", None) or e) or type(e).__name__
        return False, error

    def _record(self, topics: list[str], status: int, failed: list[tuple[str, str]]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        was_down = self.state.get(self.hub).get("state") == "down"
        if failed:
            topic, error = failed[0]
            if not was_down:
                log.warning("websub: hub %s unreachable (%s for %s); it is pinged again at the next change", self.hub, error, topic)
            self.state.update(self.hub, state="down", last_attempt=now, last_error=error, failed_topics=[t for t, _ in failed])
            return
        if was_down:
            log.info("websub: hub %s is back (HTTP %d)", self.hub, status)
        self.state.update(self.hub, state="ok", last_attempt=now, last_success=now, last_status=status, last_error=None, failed_topics=[])
        log.debug("websub: pinged %s for %d topic(s)", self.hub, len(topics))


class Pinger:
    """The ``after_publish`` hook: queue the changed feeds' URLs for every hub."""

    def __init__(self, output_dir: Path, hubs: Sequence[str]) -> None:
        self.state = StateFile(output_dir)
        self.workers = [HubWorker(hub, self.state) for hub in hubs]

    def __call__(self, docs: Sequence[Published]) -> None:
        topics = [d.url for d in docs if d.kind in TOPIC_KINDS]
        if topics:
            for worker in self.workers:
                worker.submit(topics)

    def drain(self, timeout: float = EXIT_WAIT) -> bool:
        """Wait (at most *timeout* seconds in all) until every hub has had its pings; False when some are still going."""
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            left = deadline - time.monotonic()
            if left <= 0 or not worker.idle(left):
                return False
        return True


_PINGERS: dict[tuple[Path, tuple[str, ...]], Pinger] = {}
_PINGERS_LOCK = threading.Lock()


def pinger_for(output_dir: Path, hubs: Sequence[str]) -> Pinger:
    """The process's one pinger for *output_dir* and *hubs*, so outage state and threads persist across builds."""
    key = (output_dir, tuple(hubs))
    with _PINGERS_LOCK:
        pinger = _PINGERS.get(key)
        if pinger is None:
            pinger = _PINGERS[key] = Pinger(output_dir, hubs)
            atexit.register(pinger.drain, EXIT_WAIT)
        return pinger
