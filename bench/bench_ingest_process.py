"""`feedhub ingest FILE` timed from outside, as the whole process a user runs (issue 15, "Ingest").

    python bench/bench_ingest_process.py [--n 100000] [--repeat 3] [--no-postgres] [--compare OLD/src]

Two corpora, cached under ``bench/.work/``: the project's own (``bench/corpus.py``, about 2.5 KB
an article) and one of about 3 KB articles with 3 % hostile titles.  For each it times, as fresh
processes: the floor (``python -c`` reading the file and ``json.loads`` on each line), then
``feedhub --config C ingest FILE`` into a new SQLite file and into a new PostgreSQL database
(``$FEEDHUB_BENCH_POSTGRES``, default ``postgresql://postgres@127.0.0.1:5432/postgres``).  Wall
time is the median of the runs; CPU is the child's user + system (workers included).  Other
processes share the machine: the load average is printed with the numbers.  Nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from bench_store import pg_database, sqlite_file  # noqa: E402

import fixtures  # noqa: E402

FLOOR = "import json, sys\nfor line in open(sys.argv[1], 'rb'):\n    json.loads(line)\n"
CONFIG = """[site]
title = "Bench"
url = "https://genpi.example"
language = "id"
timezone = "Asia/Jakarta"

[store]
url = "{url}"

[output]
dir = "{out}"
base_url = "https://genpi.example/feeds/"

[[feeds]]
name = "all"
"""
#: Share of the hostile corpus's titles that carry markup, quotes, RTL marks or emoji.
HOSTILE_SHARE = 0.03
HOSTILE_VERSION = 1


def hostile_ndjson(n: int) -> Path:
    """*n* articles of about 3 KB, 3 % with a hostile title (cached, deterministic)."""
    fixtures.WORK.mkdir(parents=True, exist_ok=True)
    path = fixtures.WORK / f"hostile3k-n{n}-v{HOSTILE_VERSION}-{corpus.version_key()}.ndjson"
    if path.exists():
        return path
    rng = random.Random(15)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for rec in corpus.records(n):
            title = rec["title"].removesuffix(next((" " + h for h in corpus.HOSTILE if rec["title"].endswith(" " + h)), ""))
            if rng.random() < HOSTILE_SHARE:
                title += " " + corpus.HOSTILE[rng.randrange(len(corpus.HOSTILE))]
            rec["title"] = title
            body = rec["content_html"]
            while len(json.dumps(rec, ensure_ascii=False).encode()) < 2_900:
                rec["content_html"] = body = body + "<p>" + corpus._sentence(rng, rec["language"]) + "</p>"
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def _run(argv: list[str], cwd: Path, src: str | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system of the child and everything it waited for) of *argv*;
    with *src*, feedhub is imported from that source tree instead."""
    env = {**os.environ, "PYTHONPATH": src} if src else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _feedhub() -> list[str]:
    script = shutil.which("feedhub", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "feedhub"]


def _ingest_once(path: Path, make: Callable[[], AbstractContextManager[str]], src: str | None = None) -> tuple[float, float, str]:
    with make() as url, tempfile.TemporaryDirectory(prefix="bench-ingest-") as d:
        config = Path(d) / "config.toml"
        config.write_text(CONFIG.format(url=url, out=Path(d) / "feeds"))
        command = [sys.executable, "-m", "feedhub"] if src else _feedhub()
        return _run([*command, "--config", str(config), "ingest", str(path)], Path(d), src)


def _row(label: str, runs: list[tuple[float, float, str]], n: int, floor: float | None) -> str:
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    ratio = f"{wall / floor:.2f}×" if floor else "1×"
    return f"| {label} | {wall:.2f} | {n / wall:,.0f} | {ratio} | {cpu:.2f} | {', '.join(f'{r[0]:.2f}' for r in runs)} |"


def bench(name: str, path: Path, n: int, repeat: int, backends: dict[str, Callable[[], AbstractContextManager[str]]], compare: str | None) -> None:
    size = path.stat().st_size / 1e6
    print(f"\n## {name}: {n:,} articles, {size:.0f} MB ({size * 1e3 / n:.1f} KB each), {os.cpu_count()} cores\n")
    print("| process | median s | articles/s | × floor | CPU s | runs (s) |")
    print("|---|---:|---:|---:|---:|---|")
    loads = [os.getloadavg()[0]]
    floor_runs = [_run([sys.executable, "-c", FLOOR, str(path)], path.parent) for _ in range(repeat)]
    floor = statistics.median(r[0] for r in floor_runs)
    print(_row("floor: python -c (read lines, json.loads each)", floor_runs, n, None), flush=True)
    summaries = []
    for backend, make in backends.items():
        runs, others = [], []
        for _ in range(repeat):  # interleaved with the other tree's runs: both see the same load
            loads.append(os.getloadavg()[0])
            runs.append(_ingest_once(path, make))
            if compare:
                others.append(_ingest_once(path, make, compare))
        summaries.append(f"{backend}: {runs[-1][2]}")
        if compare:
            print(_row(f"feedhub ingest FILE → {backend}, {compare}", others, n, floor))
        print(_row(f"feedhub ingest FILE → {backend} (new store)", runs, n, floor), flush=True)
    print(f"\n<!-- {'; '.join(summaries)} -->")
    print(f"<!-- 1-minute load average before each run: {', '.join(f'{x:.2f}' for x in loads)} -->")


def _backends(postgres: bool) -> dict[str, Callable[[], AbstractContextManager[str]]]:
    out: dict[str, Callable[[], AbstractContextManager[str]]] = {"sqlite": sqlite_file}
    if postgres:
        out["postgresql"] = pg_database
    return out


def corpora(n: int) -> Iterator[tuple[str, Path]]:
    yield "bench corpus (bench/corpus.py)", fixtures.ndjson(n)
    yield "~3 KB articles, 3 % hostile titles", hostile_ndjson(n)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-postgres", action="store_true", help="SQLite only")
    p.add_argument("--only", choices=["bench", "hostile"], help="one corpus")
    p.add_argument("--compare", metavar="SRC", help="also time feedhub imported from SRC (e.g. an older tree's src/), interleaved")
    args = p.parse_args()
    print(f"# `feedhub ingest` as a whole process ({_feedhub()[0]}), load average {os.getloadavg()}")
    for name, path in corpora(args.n):
        if args.only and not name.startswith("bench" if args.only == "bench" else "~3"):
            continue
        bench(name, path, args.n, args.repeat, _backends(not args.no_postgres), args.compare)


if __name__ == "__main__":
    main()
