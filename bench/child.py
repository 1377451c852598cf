"""One measurement in a fresh interpreter: ``python child.py TASK '{json args}'`` prints one JSON line.

W1/W2/idle/ingest repeat in-process with the contenders interleaved (rep 1 of each,
then rep 2 of each, …) after one untimed warm-up each, so drift hits all of them alike.
W3 is one run per process so its peak RSS is its own.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import corpus
import measure
import rows

NOW = corpus.NOW


def _feed_dicts(config) -> list[dict]:
    import fixtures

    filters = {name: (key, value) for name, key, value in fixtures.FEEDS}
    return [
        dict(name=f.name, title=f.title, description=f.description, link=f.link, language=f.language, author=f.author,
             rss_url=f.rss_url, atom_url=f.atom_url, ttl=f.ttl, key=filters[f.name][0], value=filters[f.name][1])
        for f in config.feeds
    ]


def _interleave(contenders: dict, reps: int) -> dict[str, list[float]]:
    for fn in contenders.values():
        fn()  # warm-up: imports, caches, SQLite pages
    out: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(reps):
        for name, fn in contenders.items():
            gc.collect()
            t = time.perf_counter()
            fn()
            out[name].append(time.perf_counter() - t)
    return out


def task_w1(a: dict) -> dict:
    import baselines
    import limit
    import workloads as w

    config = w.load(a["config"])
    store = w.open_store(config.store.url)
    db = rows.connect(a["store"])
    validate = w.get_validate()
    kw = w.gate_kwargs(config, NOW)
    feeds = _feed_dicts(config)
    classes = baselines.django_classes()
    n = config.feeds[0].limit

    fh_docs = w.w1(config, store, NOW, validate, kw)
    lists = w.w1_query(config, store)
    info = {
        "validate": validate is not None,
        "docs": len(fh_docs),
        "items": sum(d.items for d in fh_docs),
        "bytes": sum(len(d.data) for d in fh_docs),
        "limit_identical": [d.data for d in fh_docs] == limit.w1(db, feeds, n, NOW),
        "validation_errors": w.errors(fh_docs, validate, kw)[:5],
    }
    contenders = {
        "feedhub": lambda: w.w1(config, store, NOW, validate, kw),
        "feedhub: query": lambda: w.w1_query(config, store),
        "feedhub: render": lambda: w.w1_render(config, lists, NOW),
        "feedhub: validate": lambda: w.errors(fh_docs, validate, kw),
        "feedhub cold": lambda: w.w1_cold(config, store, NOW, validate, kw),
        "feedhub: render cold": lambda: w.w1_render_cold(config, lists, NOW),
        "feedgen direct": lambda: baselines.feedgen_w1(db, feeds, n),
        "django feedgenerator": lambda: baselines.django_w1(db, feeds, n, classes),
        "limit": lambda: limit.w1(db, feeds, n, NOW),
        "plain fetch (shared by the three above)": lambda: [rows.newest(db, f["key"], f["value"], n) for f in feeds],
    }
    if validate is not None:
        tmp = Path(a["tmp"])
        contenders["feedhub run_once (writes files)"] = lambda: w.run_once_fresh(config, store, NOW, ["feeds"], tmp)
    samples = _interleave(contenders, a["reps"])
    if validate is not None:
        steady, info["steady"] = w1_steady(config, Path(a["store"]), Path(a["tmp"]), max(a["reps"], 7))
        samples["feedhub run_once, one article changed (daemon steady state)"] = steady
    return {"samples": samples, "info": info}


def w1_steady(config, store_path: Path, tmp: Path, reps: int) -> tuple[list[float], dict]:
    """The daemon's steady state: after a full build, the newest article changes (title and
    ``updated``) before each ``run_once``; only ``run_once`` is timed, on a copy of the store."""
    import dataclasses
    import shutil
    import tempfile

    import workloads as w
    from feedhub.build import run_once
    from feedhub.model import FeedFilter

    work = Path(tempfile.mkdtemp(prefix="steady-", dir=tmp))
    try:
        shutil.copyfile(store_path, work / "store.sqlite3")
        cfg = dataclasses.replace(config, output_dir=work / "out", store=dataclasses.replace(config.store, url="sqlite:///" + str(work / "store.sqlite3")))
        samples, rendered, written = [], [], []
        with w.open_store(cfg.store.url) as store:
            run_once(cfg, store, NOW, ["feeds"], full=True)
            newest = store.newest(FeedFilter(), 1, until=NOW)[0]
            for i in range(reps + 1):
                store.upsert([dataclasses.replace(newest, title=f"{newest.title} ({i})", updated=NOW - timedelta(minutes=reps + 1 - i))])
                gc.collect()
                t = time.perf_counter()
                report = run_once(cfg, store, NOW, ["feeds"])
                if i:  # the first is the warm-up, as in _interleave
                    samples.append(time.perf_counter() - t)
                    rendered.append(len(report.results))
                    written.append(report.count("written"))
        return samples, {"rendered": rendered[-1], "written": written[-1], "skipped": report.skipped}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def task_w2(a: dict) -> dict:
    import limit
    import workloads as w

    config = w.load(a["config"])
    store = w.open_store(config.store.url)
    db = rows.connect(a["store"])
    validate = w.get_validate()
    kw = w.gate_kwargs(config, NOW)
    docs = w.w2(config, store, NOW, validate, kw)
    articles = w.w2_query(config, store, NOW)
    info = {
        "validate": validate is not None,
        "docs": len(docs),
        "items": sum(d.items for d in docs),
        "images": sum(len(x.images) for x in articles),
        "bytes": sum(len(d.data) for d in docs),
        "limit_identical": len(docs) == 1 and docs[0].data == limit.w2(db, NOW),
        "validation_errors": w.errors(docs, validate, kw)[:5],
    }
    contenders = {
        "feedhub": lambda: w.w2(config, store, NOW, validate, kw),
        "feedhub: query": lambda: w.w2_query(config, store, NOW),
        "feedhub: render": lambda: w.w2_render(config, articles, NOW),
        "feedhub: validate": lambda: w.errors(docs, validate, kw),
        "limit": lambda: limit.w2(db, NOW),
        "plain fetch (the limit's query)": lambda: rows.published_between(db, NOW - timedelta(hours=48), NOW),
    }
    if validate is not None:
        tmp = Path(a["tmp"])
        contenders["feedhub run_once (writes files)"] = lambda: w.run_once_fresh(config, store, NOW, ["news_sitemap"], tmp)
    return {"samples": _interleave(contenders, a["reps"]), "info": info}


def task_w3(a: dict) -> dict:
    """One archive-sitemap run of one contender at one size; peak RSS is this process's."""
    import limit

    who = a["contender"]
    if who == "django":
        import djsite

        djsite.setup(a["store"])
        from djsite import render  # noqa: F401  (imports Django's views and templates now)
        from django.contrib.sitemaps import views  # noqa: F401
        from django.test import RequestFactory  # noqa: F401
    else:
        import workloads as w

        config = w.load(a["config"])
        validate = w.get_validate()
        kw = w.gate_kwargs(config, NOW)
    base = measure.peak_rss_mb()
    t = time.perf_counter()
    vt = 0.0
    if who == "limit":
        db = rows.connect(a["store"])
        files = size = 0
        for _, data in limit.w3(db, "https://genpi.example/feeds/"):
            files += 1
            size += len(data)
    elif who == "django":
        files = size = 0
        for _, data in render.archive(limit.gzip6):
            files += 1
            size += len(data)
    else:
        store = w.open_store(config.store.url)
        source = w.plus_status_rows(store, rows.SITEMAP_SQL) if who == "feedhub what-if" else None
        files, size, vt = w.w3(config, store, None if who == "feedhub render only" else validate, kw, source)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "validate_seconds": vt, "peak_rss_mb": measure.peak_rss_mb(), "rss_after_imports_mb": base,
            "vm_hwm_mb": measure.vm_hwm_mb(),
            "files": files, "bytes": size}


def task_idle(a: dict) -> dict:
    import workloads as w

    config = w.load(a["config"])
    t = time.perf_counter()
    w.idle_tick(config.store.url)
    first = time.perf_counter() - t
    times = []
    for _ in range(a["reps"]):
        t = time.perf_counter()
        w.idle_tick(config.store.url)
        times.append(time.perf_counter() - t)
    return {"samples": {"feedhub idle tick": times}, "info": {"first_tick_s": first}}


def task_ingest(a: dict) -> dict:
    import workloads as w

    config = w.load(a["config"])
    ndjson = Path(a["ndjson"])
    tmp = Path(a["tmp"])
    times, reports = [], []
    path = tmp / "ingest.sqlite3"
    for _ in range(a["reps"]):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        gc.collect()
        t = time.perf_counter()
        r = w.ingest(ndjson, path, config)
        times.append(time.perf_counter() - t)
        reports.append(r.summary())
    t = time.perf_counter()
    r = w.ingest(ndjson, path, config)  # again: every record unchanged
    again = time.perf_counter() - t
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return {"samples": {"feedhub ingest (new store)": times}, "info": {"summary": reports[-1], "reingest_s": again,
                                                                     "reingest_summary": r.summary()}}


def task_w1_first(a: dict) -> dict:
    """The first W1 build of a fresh interpreter (feedhub imported, nothing rendered yet), then a second."""
    import workloads as w

    config = w.load(a["config"])
    store = w.open_store(config.store.url)
    validate = w.get_validate()
    kw = w.gate_kwargs(config, NOW)
    out: dict[str, list[float]] = {}
    for name in ("feedhub first build in a fresh process", "feedhub second build, same process"):
        gc.collect()
        t = time.perf_counter()
        w.w1(config, store, NOW, validate, kw)
        out[name] = [time.perf_counter() - t]
    return {"samples": out}


TASKS = {"w1": task_w1, "w1-first": task_w1_first, "w2": task_w2, "w3": task_w3, "idle": task_idle, "ingest": task_ingest}

if __name__ == "__main__":
    result = TASKS[sys.argv[1]](json.loads(sys.argv[2]))
    print(json.dumps(result))
