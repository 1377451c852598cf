"""Run the whole benchmark: ``python3.11 bench/run.py [--quick] [--profile]``.

Sets up bench/.venv itself (python3.11 -m venv; pip install -e <repo> django pyinstrument
py-spy), builds the cached inputs under bench/.work/, runs every workload with all its
contenders side by side, prints one Markdown table and writes it to bench/.work/ (and, for
a full run, into bench/README.md).  Never part of the test suite: nothing here asserts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = BENCH / ".venv"
VPY = VENV / "bin" / "python"
#: Benchmark-only packages; never feedhub dependencies.
EXTRA = ["django>=4.2,<6", "pyinstrument", "py-spy"]

FULL = dict(ingest_n=100_000, store_n=20_000, w3_sizes=[100_000, 1_000_000], idle_n=1_000_000, reps=7, w3_reps=3,
            django_big_reps=1, ingest_reps=3, idle_reps=200, e2e_reps=5)
QUICK = dict(ingest_n=10_000, store_n=20_000, w3_sizes=[20_000, 100_000], idle_n=100_000, reps=3, w3_reps=1,
             django_big_reps=1, ingest_reps=1, idle_reps=50, e2e_reps=2)


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def ensure_venv() -> None:
    """Create or refresh bench/.venv, then re-run this script inside it."""
    stamp_text = json.dumps([EXTRA, hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()])
    stamp = VENV / ".bench-stamp"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not (VPY.exists() and stamp.exists() and stamp.read_text() == stamp_text):
        log(f"setting up {VENV.relative_to(ROOT)} (python3.11 -m venv; pip install -e {ROOT.name} {' '.join(EXTRA)})")
        base = shutil.which("python3.11") or sys.executable
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VPY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", str(ROOT), *EXTRA], check=True)
        stamp.write_text(stamp_text)
    os.execv(str(VPY), [str(VPY), str(Path(__file__).resolve()), *sys.argv[1:]])


def warm(path: Path) -> None:
    """Read a store file once so every contender starts from the same (warm) page cache."""
    with open(path, "rb") as f:
        while f.read(16 << 20):
            pass


def run_w3(p: dict, stores: dict, configs: dict) -> dict:
    import limit
    import measure
    import rows

    out: dict = {"identical": {}}
    for n in p["w3_sizes"]:
        warm(stores[n])
        big = n == max(p["w3_sizes"])
        contenders = ["feedhub", "feedhub what-if", "limit", "django", "feedhub render only"]
        for rep in range(p["w3_reps"]):
            for who in contenders:
                if (who == "django" and big and rep >= p["django_big_reps"]) or (who == "feedhub render only" and rep):
                    continue
                log(f"W3 {who} n={n:,} run {rep + 1}")
                r = measure.child("w3", {"contender": who, "store": str(stores[n]), "config": str(configs[n])})
                out.setdefault(f"{who}@{n}", []).append(r)
        out["identical"][str(n)] = _w3_identical(stores[n], configs[n], limit, rows)
    return out


def _w3_identical(store_path: Path, config_path: Path, limit, rows) -> bool:
    """Compare feedhub's shards with the limit's, one shard in memory at a time."""
    import workloads as w

    config = w.load(str(config_path))
    store = w.open_store(config.store.url)
    from feedhub.render.sitemaps import render_archive

    mine = limit.w3(rows.connect(str(store_path)), config.base_url)
    try:
        for doc in render_archive(config.sitemap, config.site.url, config.base_url, store.iter_sitemap_rows()):
            path, data = next(mine)
            if path != doc.path or data != doc.data:
                return False
        return next(mine, None) is None
    finally:
        store.close()


def run_e2e(p: dict, store_path: Path) -> dict:
    import corpus
    import fixtures

    out_dir = fixtures.WORK / "tmp" / "e2e-out"
    cfg = fixtures.config("e2e", store_path, out_dir)
    exe = str(VENV / "bin" / "feedhub")
    res: dict = {"n": p["store_n"], "wall": [], "inner": [], "startup": []}
    for i in range(p["e2e_reps"]):
        shutil.rmtree(out_dir, ignore_errors=True)
        t = time.perf_counter()
        proc = subprocess.run([exe, "build", "--config", str(cfg), "--now", corpus.NOW.isoformat()], capture_output=True, text=True)
        wall = time.perf_counter() - t
        if proc.returncode not in (0, 1) or not proc.stdout.strip():
            res["error"] = f"exit {proc.returncode}: {(proc.stderr.strip().splitlines() or ['?'])[-1][:200]}"
            return res
        summary = proc.stdout.strip().splitlines()[-1]
        res["wall"].append(wall)
        res["inner"].append(float(summary.rsplit(" in ", 1)[1].split()[0]))
        res["summary"] = summary.split(": ", 1)[1].rsplit(" in ", 1)[0] + (f" (exit {proc.returncode})" if proc.returncode else "")
        t = time.perf_counter()
        subprocess.run([exe, "--version"], capture_output=True, check=True)
        res["startup"].append(time.perf_counter() - t)
    shutil.rmtree(out_dir, ignore_errors=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: smaller N, fewer repetitions (~2 min)")
    ap.add_argument("--only", help="comma-separated subset of ingest,w1,w2,w3,idle,e2e")
    ap.add_argument("--profile", action="store_true", help="also profile feedhub's workloads into bench/.work/profiles/")
    ap.add_argument("--no-readme", action="store_true", help="do not write the results into bench/README.md")
    args = ap.parse_args()
    ensure_venv()

    sys.path.insert(0, str(BENCH))
    import measure

    measure.Launcher.run([sys.executable, "-c", "pass"], dict(os.environ))  # start it while this process is small
    import fixtures
    import report

    started = time.perf_counter()
    busy0, own0 = measure.machine_busy_s(), measure.own_cpu_s()
    p = QUICK if args.quick else FULL
    mode = "python3.11 bench/run.py" + (" --quick" if args.quick else "")
    only = set(args.only.split(",")) if args.only else {"ingest", "w1", "w2", "w3", "idle", "e2e"}
    tmp = fixtures.WORK / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)

    log("preparing inputs (cached under bench/.work/)")
    # Only the stores the chosen workloads read: a --only w1 run need not build a million-row store.
    wanted = {p["store_n"]} | ({p["idle_n"]} if "idle" in only else set()) | (set(p["w3_sizes"]) if "w3" in only else set())
    sizes = sorted(wanted)
    stores = {n: fixtures.store(n) for n in sizes}
    configs = {n: fixtures.config(f"n{n}", stores[n], tmp / f"out-n{n}") for n in sizes}
    if "ingest" in only:
        fixtures.ndjson(p["ingest_n"])
    os.sync()  # a just-built store is still being written back: let that finish before anything is timed
    small = p["store_n"]
    common = {"config": str(configs[small]), "store": str(stores[small]), "tmp": str(tmp)}

    res: dict = {}
    if "ingest" in only:
        nd = fixtures.ndjson(p["ingest_n"])
        log(f"ingest {p['ingest_n']:,} articles × {p['ingest_reps']}")
        res["ingest"] = measure.child("ingest", {**common, "ndjson": str(nd), "reps": p["ingest_reps"]})
        res["ingest"]["n"] = p["ingest_n"]
    if "w1" in only:
        log(f"W1 on the {small:,} store × {p['reps']}")
        res["w1"] = measure.child("w1", {**common, "reps": p["reps"]})
        log(f"W1 first build in a fresh process × {p['reps']}")
        for _ in range(p["reps"]):
            for name, vals in measure.child("w1-first", common)["samples"].items():
                res["w1"]["samples"].setdefault(name, []).extend(vals)
    if "w2" in only:
        log(f"W2 on the {small:,} store × {p['reps']}")
        res["w2"] = measure.child("w2", {**common, "reps": p["reps"]})
    if "w3" in only:
        res["w3"] = run_w3(p, stores, configs)
    if "idle" in only:
        log(f"idle tick on the {p['idle_n']:,} store × {p['idle_reps']}")
        res["idle"] = measure.child("idle", {"config": str(configs[p["idle_n"]]), "reps": p["idle_reps"]})
        res["idle"]["n"] = p["idle_n"]
    if "e2e" in only:
        log(f"end-to-end feedhub build on the {small:,} store × {p['e2e_reps']}")
        res["e2e"] = run_e2e(p, stores[small])

    elapsed = time.perf_counter() - started
    measure.Launcher.close()
    others = max(0.0, (measure.machine_busy_s() - busy0) - (measure.own_cpu_s() - own0)) / elapsed
    name = "results-quick" if args.quick else "results"
    (fixtures.WORK / f"{name}.json").write_text(json.dumps({"mode": mode, "elapsed": elapsed, "results": res}, indent=1))
    text = report.markdown(res, report.machine(), mode, elapsed, others)
    (fixtures.WORK / f"{name}.md").write_text(text)
    print(text)
    if not args.quick and not args.no_readme and not args.only:
        report.write_readme(text)
        log("results written into bench/README.md")
    if args.profile:
        import profile_feedhub

        profile_feedhub.main(p, stores, configs, common)
    log(f"done in {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
