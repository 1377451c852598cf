"""feedhub's side of every workload, through its public pieces.

W1/W2 are what ``run_once`` does for one group minus the disk: store query → renderer →
``feedhub.validate.validate`` with the same arguments the build gate passes.  ``run_once``
itself (with atomic writes and fsync into a fresh directory) is measured beside it.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from feedhub.config import Config, load_config
from feedhub.model import SitemapRow
from feedhub.render.atom import render_atom
from feedhub.render.news_sitemap import render_news_sitemap
from feedhub.render.rss import render_rss
from feedhub.render.sitemaps import render_archive
from feedhub.store import open_store


def get_validate():
    """``feedhub.validate.validate``, or None while that package has not landed."""
    try:
        from feedhub.validate import validate
    except ImportError:
        return None
    return validate


def gate_kwargs(config: Config, now: datetime) -> dict:
    """The keyword arguments ``build.run_once``'s gate passes to ``validate``."""
    return dict(
        now=now,
        news_window_hours=config.news_sitemap.window_hours,
        news_max_urls=config.news_sitemap.max_urls,
        max_urls=config.sitemap.max_urls,
        max_bytes=config.sitemap.max_bytes,
        site_url=config.site.url,
    )


def load(config_path: str) -> Config:
    return load_config(config_path)


def errors(docs, validate, kw) -> list[str]:
    """Every error-severity problem the validator finds in *docs* (empty without a validator)."""
    if validate is None:
        return []
    out = []
    for d in docs:
        out += [f"{d.path}: {p}" for p in validate(d.data, d.kind, **kw) if p.severity == "error"]
    return out


# --- W1 ------------------------------------------------------------------------------------


def w1_query(config: Config, store) -> list:
    return [store.newest(f.filter, f.limit) for f in config.feeds]


def w1_render(config: Config, lists: list, now: datetime) -> list:
    docs = []
    for feed, articles in zip(config.feeds, lists):
        docs.append(render_rss(feed, articles, now))
        docs.append(render_atom(feed, articles, now))
    return docs


def w1(config: Config, store, now: datetime, validate, kw: dict) -> list:
    """All seven feeds, RSS + Atom, validated: returns the documents."""
    docs = w1_render(config, w1_query(config, store), now)
    errors(docs, validate, kw)
    return docs


def empty_render_caches() -> None:
    """Forget every rendered item/entry and archive page of this process: the next build renders as a first one.

    A no-op on a feedhub without the caches (the bench also runs against older commits).
    """
    try:
        from feedhub.formats import _xmlfeed
        from feedhub.render._entries import ENTRIES
    except ImportError:
        return
    ENTRIES.clear()
    _xmlfeed._PAGES.clear()


def w1_cold(config: Config, store, now: datetime, validate, kw: dict) -> list:
    """W1 as a first build: every item made by feedgen again (the caches emptied, imports and SQLite pages warm)."""
    empty_render_caches()
    return w1(config, store, now, validate, kw)


def w1_render_cold(config: Config, lists: list, now: datetime) -> list:
    empty_render_caches()
    return w1_render(config, lists, now)


# --- W2 ------------------------------------------------------------------------------------


def w2_query(config: Config, store, now: datetime) -> list:
    return store.published_between(now - timedelta(hours=config.news_sitemap.window_hours), now)


def w2_render(config: Config, articles: list, now: datetime) -> list:
    return render_news_sitemap(config.news_sitemap, config.site.url, config.base_url, articles, now)


def w2(config: Config, store, now: datetime, validate, kw: dict) -> list:
    docs = w2_render(config, w2_query(config, store, now), now)
    errors(docs, validate, kw)
    return docs


# --- W3 ------------------------------------------------------------------------------------


def w3(config: Config, store, validate, kw: dict, rows=None) -> tuple[int, int, float]:
    """Stream every shard and the index, validating each as the build gate would.

    Returns (files, bytes, seconds spent in validate).  *rows* replaces the store's row
    stream (the what-if measurement); by default it is ``store.iter_sitemap_rows()``.
    """
    import time

    files = size = 0
    vt = 0.0
    source = store.iter_sitemap_rows() if rows is None else rows
    for doc in render_archive(config.sitemap, config.site.url, config.base_url, source):
        files += 1
        size += len(doc.data)
        if validate is not None:
            t = time.perf_counter()
            errors([doc], validate, kw)
            vt += time.perf_counter() - t
    return files, size, vt


def plus_status_rows(store, sql: str):
    """What-if only: the store's own connection, the sitemap query written with ``+status``."""
    cur = store._db.execute(sql)
    while True:
        batch = cur.fetchmany(2000)
        if not batch:
            return
        for url, lastmod in batch:
            yield SitemapRow(url, lastmod)


# --- run_once, idle tick, ingest -------------------------------------------------------------


def run_once_fresh(config: Config, store, now: datetime, groups: list[str], tmp_root: Path):
    """``build.run_once`` into a new empty output directory (every file really written)."""
    from feedhub.build import run_once

    out = Path(tempfile.mkdtemp(prefix="out-", dir=tmp_root))
    try:
        return run_once(dataclasses.replace(config, output_dir=out), store, now, groups)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def idle_tick(store_url: str) -> int:
    """What ``Daemon.tick`` does before deciding there is nothing to build."""
    store = open_store(store_url)
    try:
        return store.change_token()
    finally:
        store.close()


def ingest(ndjson: Path, store_path: Path, config: Config):
    from feedhub.ingest import ingest_files

    store = open_store(f"sqlite:///{store_path}", create=True)
    try:
        return ingest_files([str(ndjson)], store, config.site.tz, config.site.language)
    finally:
        store.close()
