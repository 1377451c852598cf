"""Issue 11's load: ingest-to-published delay of the news sitemap while the daemon runs.

A store of N articles (default 200,000, about 400 a day, newest now), a real ``feedhub run``
subprocess on 2 s timers for the feeds and the news sitemap (the archive on ``--sitemaps``),
and a writer upserting ``--rate`` changed articles per second for ``--seconds``: each second one
brand-new story plus edits of random recent ones.  The delay of a second's batch is the time
from its upsert to the first news-sitemap file (by its mtime) holding that second's new story.

Also counted from the daemon's JSON log: builds per group, archive build time, and APScheduler's
"maximum number of running instances reached" warnings (a group waiting behind another).

    .venv/bin/python bench/bench_daemon_load.py --seconds 60
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/bench_daemon_load.py   # another feedhub

Nothing here asserts; it prints one JSON document of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

from feedhub.model import Article, Author
from feedhub.store import open_store

SITE = "https://genpi.example"
SECTIONS = ("nasional", "internasional", "ekonomi", "olahraga", "teknologi")
SM_LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
SPACING = timedelta(seconds=216)  # 400 stories a day


def config(sitemaps_every: str) -> str:
    return f"""\
[site]
title = "GenPI.co"
url = "{SITE}"
language = "id"
timezone = "Asia/Jakarta"

[store]
url = "store.sqlite3"

[[feeds]]
name = "all"
""" + "".join(f'\n[[feeds]]\nname = "{s}"\nsection = "{s}"\n' for s in SECTIONS) + f"""
[schedule]
feeds = "2s"
news_sitemap = "2s"
sitemaps = "{sitemaps_every}"
"""


def story(n: int, published: datetime, edit: int = 0) -> Article:
    title = f"Berita nomor {n}" + (f" (ralat {edit})" if edit else "")
    return Article(
        id=f"s-{n}", url=f"{SITE}/berita/{n}", title=title, published=published,
        updated=published + timedelta(seconds=edit) if edit else None,
        summary=f"Ringkasan berita {n}.", authors=(Author(name="Redaksi"),),
        section=SECTIONS[n % len(SECTIONS)], language="id",
    )


def fill(site: Path, count: int, now: datetime) -> None:
    store = open_store("sqlite:///" + str(site / "store.sqlite3"), create=True)
    try:
        batch: list[Article] = []
        for n in range(count):
            batch.append(story(n, now - SPACING * (n + 1)))
            if len(batch) == 10_000:
                store.upsert(batch)
                batch = []
        if batch:
            store.upsert(batch)
    finally:
        store.close()


class LogReader(threading.Thread):
    """Counts the daemon's JSON log events."""

    def __init__(self, stream) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.builds: dict[str, list[float]] = {}
        #: Skipped runs per group: its previous build was still running.
        self.skipped: dict[str, int] = {}
        self.started = threading.Event()

    def run(self) -> None:
        for line in self.stream:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            msg = e.get("message", "")
            if msg.startswith("built "):
                for g in e.get("groups", []):
                    self.builds.setdefault(g, []).append(e.get("seconds", 0.0))
                if set(self.builds) >= {"feeds", "news_sitemap", "sitemaps"}:
                    self.started.set()
            elif "maximum number of running instances reached" in msg:
                # 'Execution of job "feeds build (trigger: …)" skipped: …' (the job name is the group's)
                group = msg.split('"', 2)[1].split(" ", 1)[0] if '"' in msg else "?"
                self.skipped[group] = self.skipped.get(group, 0) + 1


def watch_news(out: Path, sent: dict[str, float], seen: dict[str, float], stop: threading.Event) -> None:
    """Record, for each marker URL, the mtime of the first news-sitemap file (or part) holding it.

    Past 1,000 stories in the window the news sitemap becomes an index of parts
    (``news-sitemap-1.xml`` …): every ``news-sitemap*.xml`` is watched.
    """
    last: dict[Path, tuple[int, int]] = {}
    while not stop.is_set():
        for path in out.glob("news-sitemap*.xml"):
            try:
                st = path.stat()
                if last.get(path) == (st.st_ino, st.st_mtime_ns):
                    continue
                last[path] = (st.st_ino, st.st_mtime_ns)
                locs = {e.text for e in etree.fromstring(path.read_bytes()).iter(SM_LOC)}
            except (FileNotFoundError, etree.XMLSyntaxError):
                continue
            for url in sent.keys() - seen.keys():
                if url in locs:
                    seen[url] = st.st_mtime
        time.sleep(0.02)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=200_000)
    ap.add_argument("--rate", type=int, default=50, help="changed articles per second")
    ap.add_argument("--seconds", type=int, default=300, help="how long the writer runs")
    ap.add_argument("--sitemaps", default="2s", help="the archive group's schedule")
    ap.add_argument("--keep", action="store_true", help="keep the temporary site (store and outputs)")
    args = ap.parse_args()

    site = Path(tempfile.mkdtemp(prefix="feedhub-load-"))
    try:
        print(json.dumps(run(args, site), indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(site, ignore_errors=True)


def run(args: argparse.Namespace, site: Path) -> dict[str, object]:
    (site / "config.toml").write_text(config(args.sitemaps), encoding="utf-8")
    now = datetime.now(UTC)
    t = time.monotonic()
    fill(site, args.articles, now)
    fill_s = time.monotonic() - t

    proc = subprocess.Popen(
        [sys.executable, "-m", "feedhub", "run", "--config", str(site / "config.toml"), "--log-format", "json"],
        cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )
    reader = LogReader(proc.stderr)
    reader.start()
    if not reader.started.wait(timeout=600):
        proc.kill()
        raise SystemExit("the daemon did not finish its start-up builds")

    rng = random.Random(11)
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=watch_news, args=(site / "feeds", sent, seen, stop), daemon=True)
    watcher.start()
    store = open_store("sqlite:///" + str(site / "store.sqlite3"))
    next_id, start = args.articles, time.time()
    try:
        for second in range(args.seconds):
            fresh = story(next_id, datetime.now(UTC) - timedelta(seconds=1))
            edits = [story(k, now - SPACING * (k + 1), edit=second + 1) for k in rng.sample(range(400), args.rate - 1)]
            store.upsert([fresh, *edits])
            sent[fresh.url] = time.time()
            next_id += 1
            time.sleep(max(0.0, start + second + 1 - time.time()))
        deadline = time.time() + 60
        while len(seen) < len(sent) and time.time() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        store.close()
        proc.terminate()
        proc.wait(timeout=120)
    delays = sorted(seen[u] - sent[u] for u in seen)
    archive = reader.builds.get("sitemaps", [])
    return {
        "articles": args.articles, "rate_per_s": args.rate, "seconds": args.seconds, "sitemaps_schedule": args.sitemaps,
        "store_fill_s": round(fill_s, 1),
        "news_delay_s": {
            "batches": len(sent), "published": len(delays),
            "p50": round(statistics.median(delays), 2) if delays else None,
            "p95": round(delays[int(0.95 * (len(delays) - 1))], 2) if delays else None,
            "max": round(delays[-1], 2) if delays else None,
        },
        "builds": {g: len(v) for g, v in sorted(reader.builds.items())},
        "archive_build_s": {"median": round(statistics.median(archive), 2), "max": round(max(archive), 2)} if archive else None,
        "max_instances_warnings": dict(sorted(reader.skipped.items())),
    }


if __name__ == "__main__":
    main()
