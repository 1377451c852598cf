"""Cached benchmark inputs under bench/.work/: NDJSON corpora, SQLite stores, config files.

Everything is keyed by N and the corpus version (:func:`corpus.version_key`) plus feedhub's
store schema version, built into a temporary name and renamed when complete, so an
interrupted run never leaves a half-built cache behind.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import corpus

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work"
#: Articles per SQLiteStore.upsert call when building a cached store.
BUILD_BATCH = 20_000

#: The seven feeds of W1 (name, filter key, filter value): the front page, five sections,
#: one tag feed and one language feed exercise every query path of Store.newest.
FEEDS = (
    ("all", None, None),
    ("nasional", "section", "nasional"),
    ("internasional", "section", "internasional"),
    ("ekonomi", "section", "ekonomi"),
    ("teknologi", "section", "teknologi"),
    ("pemilu", "tag", "pemilu"),
    ("english", "language", "en"),
)
FEED_LIMIT = 50


def _log(msg: str) -> None:
    print(f"  [fixtures] {msg}", file=sys.stderr, flush=True)


def ndjson(n: int) -> Path:
    """The NDJSON file of the first *n* corpus articles (cached)."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"corpus-n{n}-{corpus.version_key()}.ndjson"
    if not path.exists():
        t = time.perf_counter()
        corpus.write_ndjson(path, n)
        _log(f"wrote {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    return path


def store(n: int) -> Path:
    """A SQLite store holding the first *n* corpus articles (cached).

    Built through the import contract (``parse_article``) and ``SQLiteStore.upsert`` in
    batches of :data:`BUILD_BATCH`: the same rows `feedhub ingest` writes, without the
    NDJSON round trip.
    """
    from zoneinfo import ZoneInfo

    from feedhub.contract import parse_article
    from feedhub.store.sqlite import SCHEMA_VERSION, SQLiteStore

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"store-n{n}-{corpus.version_key()}-s{SCHEMA_VERSION}.sqlite3"
    if path.exists():
        return path
    tmp = path.with_name(path.name + ".building")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    t = time.perf_counter()
    tz = ZoneInfo("Asia/Jakarta")
    st = SQLiteStore(str(tmp), create=True)
    batch = []
    done = 0
    for rec in corpus.records(n):
        batch.append(parse_article(rec, tz, "id")[0])
        if len(batch) == BUILD_BATCH:
            st.upsert(batch)
            done += len(batch)
            batch = []
            if done % 200_000 == 0:
                _log(f"store n={n:,}: {done:,} articles in {time.perf_counter() - t:.0f} s")
    if batch:
        st.upsert(batch)
    st.close()
    os.replace(tmp, path)
    _log(f"built {path.name} ({path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t:.1f} s")
    return path


def config(name: str, store_path: Path, output_dir: Path) -> Path:
    """A feedhub config.toml for the benchmark site, reading *store_path*, writing to *output_dir*."""
    d = WORK / "configs"
    d.mkdir(parents=True, exist_ok=True)
    lines = [
        "[site]",
        'title = "GenPI.co"',
        f'url = "{corpus.SITE}"',
        'description = "Berita terkini Indonesia dan dunia"',
        'language = "id"',
        'timezone = "Asia/Jakarta"',
        'author = "Redaksi GenPI.co"',
        "[store]",
        f'url = "{store_path}"',
        "[output]",
        f'dir = "{output_dir}"',
        f'base_url = "{corpus.SITE}/feeds/"',
    ]
    for feed, key, value in FEEDS:
        lines += ["[[feeds]]", f'name = "{feed}"', f"limit = {FEED_LIMIT}"]
        if key:
            lines.append(f'{key} = "{value}"')
    lines += [
        "[news_sitemap]",
        'publication_name = "GenPI.co"',
        "window_hours = 48",
        "max_urls = 1000",
        "[sitemap]",
        "max_urls = 50000",
        "gzip = true",
        "[schedule]",
        'feeds = "2m"',
        'news_sitemap = "2m"',
        'sitemaps = "1h"',
    ]
    path = d / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
