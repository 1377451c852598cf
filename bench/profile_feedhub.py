"""Profiles of feedhub's side of each workload (pyinstrument), written to bench/.work/profiles/.

``python3.11 bench/run.py --profile`` runs this after the benchmark; on its own:
``bench/.venv/bin/python bench/profile_feedhub.py [ingest|w1|w2|w3|all]``.
For a sampling profile of a whole process, py-spy is installed in bench/.venv too:
``bench/.venv/bin/py-spy record -o w3.svg -- bench/.venv/bin/python bench/child.py w3 '{...}'``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import corpus
import fixtures
import workloads as w

OUT = fixtures.WORK / "profiles"


def _profile(name: str, fn, repeat: int = 1) -> Path:
    from pyinstrument import Profiler

    fn()  # warm-up
    prof = Profiler(interval=0.0005)
    prof.start()
    for _ in range(repeat):
        fn()
    prof.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.txt"
    path.write_text(prof.output_text(unicode=True, color=False, show_all=False))
    (OUT / f"{name}.html").write_text(prof.output_html())
    print(f"[profile] {path}", file=sys.stderr)
    return path


def main(p: dict, stores: dict, configs: dict, common: dict, which: str = "all") -> None:
    now = corpus.NOW
    small = p["store_n"]
    config = w.load(str(configs[small]))
    store = w.open_store(config.store.url)
    validate = w.get_validate()
    kw = w.gate_kwargs(config, now)
    if which in ("all", "w1"):
        _profile("w1-feedhub", lambda: w.w1(config, store, now, validate, kw), repeat=20)
    if which in ("all", "w2"):
        _profile("w2-feedhub", lambda: w.w2(config, store, now, validate, kw), repeat=50)
    if which in ("all", "w3"):
        n = max(p["w3_sizes"])
        c3 = w.load(str(configs[n]))
        s3 = w.open_store(c3.store.url)
        _profile(f"w3-feedhub-{n}", lambda: w.w3(c3, s3, validate, w.gate_kwargs(c3, now)))
    if which in ("all", "ingest"):
        nd = fixtures.ndjson(min(p["ingest_n"], 20_000))
        tmp = Path(tempfile.mkdtemp(dir=fixtures.WORK / "tmp"))

        def ingest_once():
            path = tmp / "p.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            w.ingest(nd, path, config)

        _profile("ingest-feedhub", ingest_once)


if __name__ == "__main__":
    from run import FULL, QUICK

    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    p = QUICK if "--quick" in sys.argv else FULL
    sizes = sorted({p["store_n"], *p["w3_sizes"]})
    stores = {n: fixtures.store(n) for n in sizes}
    tmp = fixtures.WORK / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    configs = {n: fixtures.config(f"n{n}", stores[n], tmp / f"out-n{n}") for n in sizes}
    main(p, stores, configs, {}, which)
