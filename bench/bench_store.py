"""Store backends side by side: ingest rate, idle-tick query, archive streaming memory (issue 17).

    python bench/bench_store.py ingest [--n 100000]      NDJSON -> store, SQLite vs PostgreSQL
    python bench/bench_store.py stream [--rows 1000000]  peak RSS of the archive pass, change-token latency

PostgreSQL: ``$FEEDHUB_BENCH_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``,
what ``.ci/postgres`` provides); each run works in its own database and drops it.  The corpus is
``bench/corpus.py`` (cached under ``bench/.work/``).  Nothing here asserts: it prints numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixtures  # noqa: E402

from feedhub.store import open_store  # noqa: E402
from feedhub.store.records import ArticleRecord  # noqa: E402

ADMIN = os.environ.get("FEEDHUB_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
TZ = ZoneInfo("Asia/Jakarta")


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    import psycopg

    name = f"feedhub_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield ADMIN.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-store-") as d:
        yield "sqlite:///" + str(Path(d) / "store.sqlite3")


BACKENDS = {"sqlite": sqlite_file, "postgresql": pg_database}


# -- ingest -------------------------------------------------------------------------------


def _ingest(url: str, path: Path) -> tuple[float, str]:
    from feedhub.ingest import ingest_files

    with open_store(url, create=True) as store:
        t = time.perf_counter()
        report = ingest_files([str(path)], store, TZ, "id")
        return time.perf_counter() - t, report.summary()


def _records(path: Path, n: int) -> list[ArticleRecord]:
    from feedhub.contract import parse_article
    from feedhub.store.records import to_record

    out = []
    with open(path, encoding="utf-8") as f:
        for line in itertools.islice(f, n):
            article, _ = parse_article(json.loads(line), TZ, "id")
            out.append(to_record(article))
    return out


def _server_cpu(store: object) -> float:
    """CPU seconds the local PostgreSQL backend serving *store* has used (0 for SQLite)."""
    conn = getattr(store, "_conn", None)
    pid = getattr(getattr(conn, "info", None), "backend_pid", None)
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _upsert_only(url: str, records: list[ArticleRecord], batch: int = 10_000) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of this process plus the database server process: the
    second does not depend on what else the machine is running."""
    with open_store(url, create=True) as store:
        t, cpu, server = time.perf_counter(), time.process_time(), _server_cpu(store)
        for i in range(0, len(records), batch):
            store.upsert(records[i : i + batch])
        return time.perf_counter() - t, time.process_time() - cpu + _server_cpu(store) - server


def bench_ingest(n: int, repeat: int) -> None:
    path = fixtures.ndjson(n)
    size = path.stat().st_size / 1e6
    print(f"## NDJSON -> store, {n:,} articles ({size:.0f} MB), {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}\n")
    print("| backend | what | best s | articles/s | runs (s) |")
    print("|---|---|---:|---:|---|")
    records = _records(path, min(n, 50_000))
    for backend, make in BACKENDS.items():
        rows: dict[str, list[float]] = {"feedhub ingest (new)": [], "re-ingest (all unchanged)": [], "store.upsert only (prepared records, new)": [],
                                        "store.upsert only: CPU s, client + server": []}
        for _ in range(repeat):
            with make() as url:
                secs, summary = _ingest(url, path)
                rows["feedhub ingest (new)"].append(secs)
                rows["re-ingest (all unchanged)"].append(_ingest(url, path)[0])
            with make() as url:
                wall, cpu = _upsert_only(url, records)
                rows["store.upsert only (prepared records, new)"].append(wall * n / len(records))
                rows["store.upsert only: CPU s, client + server"].append(cpu * n / len(records))
        for what, runs in rows.items():
            best = min(runs)
            print(f"| {backend} | {what} | {best:.2f} | {n / best:,.0f} | {', '.join(f'{r:.2f}' for r in runs)} |")
        print(f"<!-- {backend}: {summary} -->")


# -- streaming ---------------------------------------------------------------------------


def _synthetic(n: int) -> Iterator[list[ArticleRecord]]:
    """*n* small published records in batches: the archive pass reads only url and lastmod."""
    doc = json.dumps({"id": "x", "url": "u", "title": "t", "published": "2024-06-19T08:00:00+07:00", "tags": []})
    for start in range(0, n, 10_000):
        yield [
            ArticleRecord(f"art-{i:08d}", "published", "nasional", "id", 1_718_758_800_000_000 + i, f"https://genpi.example/berita/artikel-{i:08d}",
                          "2024-06-19T08:00:00+07:00", i.to_bytes(16, "big"), doc, ())
            for i in range(start, min(n, start + 10_000))
        ]


def _child(url: str, mode: str, limit: int) -> None:
    """One measurement in a fresh process, so ru_maxrss is this pass's peak alone."""
    with open_store(url) as store:
        store.change_token()  # connection and driver fully loaded before the baseline
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        rows = store.iter_sitemap_rows()
        if mode == "list":  # the contender: what a non-streaming read would hold
            count = len(list(itertools.islice(rows, limit)))
        else:
            count = sum(1 for _ in itertools.islice(rows, limit))
        secs = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": count, "seconds": secs, "base_kb": base, "peak_kb": peak}))


def _measure(url: str, mode: str, limit: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "_child", url, mode, str(limit)], check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out))


def _token_ms(url: str, runs: int = 200) -> float:
    with open_store(url) as store:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            store.change_token()
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bench_stream(n: int) -> None:
    print(f"\n## Archive pass over {n:,} published rows: peak RSS of the reading process\n")
    print("| backend | read | rows | s | rows/s | RSS before MB | peak MB | growth MB | change_token ms (median) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend, make in BACKENDS.items():
        with make() as url:
            with open_store(url, create=True) as store:
                t = time.perf_counter()
                for batch in _synthetic(n):
                    store.upsert(batch)
                fill = time.perf_counter() - t
            token = _token_ms(url)
            for mode, limit in (("stream", n // 10), ("stream", n), ("list", n)):
                m = _measure(url, mode, limit)
                print(f"| {backend} | {'iter_sitemap_rows' if mode == 'stream' else 'list(...) (contender)'} | {m['rows']:,.0f} | {m['seconds']:.2f} | "
                      f"{m['rows'] / m['seconds']:,.0f} | {m['base_kb'] / 1024:.0f} | {m['peak_kb'] / 1024:.0f} | {(m['peak_kb'] - m['base_kb']) / 1024:.0f} | {token:.3f} |")
            print(f"<!-- {backend}: filled {n:,} rows in {fill:.0f} s ({n / fill:,.0f}/s) -->")


def main() -> None:
    if sys.argv[1:2] == ["_child"]:
        _child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["ingest", "stream", "all"])
    p.add_argument("--n", type=int, default=100_000, help="articles to ingest (default 100,000)")
    p.add_argument("--rows", type=int, default=1_000_000, help="rows for the archive pass (default 1,000,000)")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    if args.what in ("ingest", "all"):
        bench_ingest(args.n, args.repeat)
    if args.what in ("stream", "all"):
        bench_stream(args.rows)


if __name__ == "__main__":
    main()
