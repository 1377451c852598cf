"""The feed-family workload (issue 15): 100,000 articles, 5,000 tag feeds, 300 author feeds and
the section feeds, RSS + Atom, published through ``run_once`` as the daemon does.

Measured, each in a fresh interpreter so caches and peak RSS are the workload's own:

- **full build** into an empty output dir (``full=True``): wall time, peak RSS, documents, bytes;
- **one changed article**, the daemon's steady state: a process that already ran one ``run_once``
  with nothing changed (imports done, store open, as a running daemon), then one article's title
  changes and ``run_once`` publishes every feed it is in; wall time, documents rendered and written;
- the same change built by a **fresh** ``run_once`` process (what ``feedhub build`` costs);
- **idle tick**: ``open_store`` + ``change_token`` + ``close`` (what the daemon does when nothing
  changed), and a ``run_once`` with nothing changed (the plan alone).

Nothing here asserts; the numbers go to stdout and ``bench/.work/families.json``.

    python3.11 bench/bench_families.py [--n 100000] [--tags 5000] [--authors 300]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import corpus  # noqa: E402

TAG_LIMIT = AUTHOR_LIMIT = 20
SECTION_LIMIT = ALL_LIMIT = 50


def tag_name(k: int) -> str:
    return f"topik-{k:04d}" if k % 10 else f"Topik {k} Spesial"  # every tenth tag needs its slug made


def family_record(rec: dict, i: int, tags: int, authors: int) -> dict:
    """A corpus record with its tags and authors drawn from *tags* and *authors* names (Zipf-like:
    a few big tags, a long tail of small ones, as a newsroom's tag list looks)."""
    rng = random.Random(i * 7919 + 17)
    k = rng.randint(1, 4)
    picked = {min(int(tags * rng.random() ** 2.2), tags - 1) for _ in range(k)}
    rec = dict(rec)
    rec["tags"] = sorted(tag_name(t) for t in picked)
    rec["authors"] = [{"name": f"Penulis {a:03d}"} for a in sorted({rng.randrange(authors) for _ in range(rng.randint(1, 2))})]
    return rec


def build_store(path: Path, n: int, tags: int, authors: int) -> None:
    from zoneinfo import ZoneInfo

    from feedhub.contract import parse_article
    from feedhub.store import open_store

    tz = ZoneInfo("Asia/Jakarta")
    tmp = path.with_name(path.name + ".building")
    tmp.unlink(missing_ok=True)
    t = time.perf_counter()
    with open_store(str(tmp), create=True) as store:
        batch = []
        for i, rec in enumerate(corpus.records(n)):
            batch.append(parse_article(family_record(rec, i, tags, authors), tz, "id")[0])
            if len(batch) == 20_000:
                store.upsert(batch)
                batch = []
        if batch:
            store.upsert(batch)
    os.replace(tmp, path)
    print(f"  built {path.name} in {time.perf_counter() - t:.0f} s", file=sys.stderr)


def write_config(path: Path, store_path: Path, out: Path) -> None:
    path.write_text(
        f"""[site]
title = "GenPI.co"
url = "{corpus.SITE}"
language = "id"
timezone = "Asia/Jakarta"

[store]
url = "{store_path}"

[output]
dir = "{out}"
base_url = "{corpus.SITE}/feeds/"

[[feeds]]
name = "all"
limit = {ALL_LIMIT}

[[feed_families]]
by = "section"
title = "GenPI.co — {{value}}"
limit = {SECTION_LIMIT}

[[feed_families]]
by = "tag"
title = "GenPI.co — {{value}}"
limit = {TAG_LIMIT}

[[feed_families]]
by = "author"
title = "GenPI.co — {{value}}"
limit = {AUTHOR_LIMIT}
""",
        encoding="utf-8",
    )


# --- the child: one measurement in a fresh interpreter ---------------------------------------


def child(mode: str, config_path: str) -> dict:
    from feedhub.build import run_once
    from feedhub.config import load_config
    from feedhub.store import open_store

    config = load_config(config_path)
    now = corpus.NOW
    result: dict = {"mode": mode, "rss_after_imports_mb": _rss_mb()}
    with open_store(config.store.url) as store:
        if mode == "full":
            t = time.perf_counter()
            report = run_once(config, store, now, ["feeds"], full=True)
            result |= {"full_s": time.perf_counter() - t, "full_docs": len(report.results), "full_written": report.count("written"),
                       "full_bytes": sum(r.bytes for r in report.results), "rejected": report.count("rejected")}
        if mode == "daemon":
            # A running daemon: imports done, store open, a tick with nothing changed (the plan alone).
            t = time.perf_counter()
            report = run_once(config, store, now, ["feeds"])
            result |= {"idle_run_once_s": time.perf_counter() - t, "idle_rendered": len(report.results)}
        if mode in ("daemon", "fresh-change"):
            result["changed_id"] = _change_one(store)
            t = time.perf_counter()
            report = run_once(config, store, now, ["feeds"])
            result |= {"change_s": time.perf_counter() - t, "change_rendered": len(report.results),
                       "change_written": report.count("written"), "change_skipped": report.skipped}
    if mode == "daemon":
        ticks = []
        for _ in range(50):
            t = time.perf_counter()
            with open_store(config.store.url) as store:
                store.change_token()
            ticks.append(time.perf_counter() - t)
        result["idle_tick_ms"] = sorted(ticks)[len(ticks) // 2] * 1000
    result["peak_rss_mb"] = _rss_mb()
    return result


def _change_one(store) -> str:
    """Retitle the newest article that has the most tags: it is in "all", its section, each tag
    and each author feed."""
    import dataclasses

    newest = store.newest(__import__("feedhub.model", fromlist=["FeedFilter"]).FeedFilter(), 50, until=corpus.NOW)
    a = max(newest, key=lambda x: (len(x.tags) + len(x.authors), x.published))
    store.upsert([dataclasses.replace(a, title=a.title + " (diperbarui)")])
    return a.id


def _rss_mb() -> float:
    """Peak RSS of this process since its exec (VmHWM): ``ru_maxrss`` starts a child at the RSS
    of the process that forked it, here the one that built the store."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the parent ---------------------------------------------------------------------------------


def run_child(mode: str, config_path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(config_path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--tags", type=int, default=5_000)
    p.add_argument("--authors", type=int, default=300)
    p.add_argument("--child", nargs=2)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    WORK.mkdir(exist_ok=True)
    master = WORK / f"families-n{args.n}-t{args.tags}-a{args.authors}-{corpus.version_key()}.sqlite3"
    if not master.exists():
        build_store(master, args.n, args.tags, args.authors)
    runs = {}
    work, snapshot = WORK / "families-run", WORK / "families-built"
    for mode in ("full", "daemon", "fresh-change"):
        # Each change starts from the tree, store and plan record the full build left.
        shutil.rmtree(work, ignore_errors=True)
        if mode == "full":
            work.mkdir()
            shutil.copyfile(master, work / "store.sqlite3")
            write_config(work / "config.toml", work / "store.sqlite3", work / "feeds")
        else:
            shutil.copytree(snapshot, work, symlinks=True)
        runs[mode] = run_child(mode, work / "config.toml")
        print(f"  {mode}: {runs[mode]}", file=sys.stderr)
        if mode == "full":
            shutil.rmtree(snapshot, ignore_errors=True)
            shutil.copytree(work, snapshot, symlinks=True)
    (WORK / "families.json").write_text(json.dumps(runs, indent=1))
    f, d, c = runs["full"], runs["daemon"], runs["fresh-change"]
    print(f"| family workload, {args.n:,} articles, {args.tags:,} tags, {args.authors} authors | measured |")
    print("|---|---|")
    print(f"| full build (fresh process, empty output, `full=True`) | {f['full_s']:.1f} s, {f['full_docs']:,} documents, {f['full_bytes'] / 1e6:.0f} MB, peak RSS {f['peak_rss_mb']:.0f} MB |")
    print(f"| one article changed, running daemon | {d['change_s'] * 1000:.0f} ms: {d['change_written']} written of {d['change_rendered']} rendered, {d['change_skipped']:,} not rendered |")
    print(f"| one article changed, fresh process (`feedhub build` minus start-up) | {c['change_s'] * 1000:.0f} ms ({c['change_written']} written) |")
    print(f"| nothing changed, running daemon: `run_once` (the plan alone) | {d['idle_run_once_s'] * 1000:.0f} ms, {d['idle_rendered']} rendered |")
    print(f"| idle tick (open_store + change_token + close) | {d['idle_tick_ms']:.2f} ms |")

if __name__ == "__main__":
    main()
