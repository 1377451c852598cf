"""Results → one Markdown report: machine, table, targets.  Also writes it into bench/README.md."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import zlib
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
START, END = "<!-- results:start -->", "<!-- results:end -->"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in ("feedhub", "feedgen", "lxml", "Django", "python-dateutil"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    from lxml import etree

    versions["libxml2"] = ".".join(map(str, etree.LIBXML_VERSION))
    versions["SQLite"] = sqlite3.sqlite_version
    versions["zlib"] = zlib.ZLIB_RUNTIME_VERSION
    commit = "unknown"
    try:
        commit = subprocess.run(["git", "-C", str(BENCH), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(BENCH), "status", "--porcelain", "--", "../src"], capture_output=True, text=True).stdout
        commit += " (src/ has uncommitted changes)" if dirty.strip() else ""
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "versions": versions,
        "commit": commit,
    }


def _fmt(seconds: float, unit: str) -> str:
    if unit == "ms":
        v = seconds * 1000
        return f"{v:.2f}" if v < 10 else f"{v:.1f}"
    return f"{seconds:.2f}"


def _row(workload: str, name: str, values: list[float], unit: str, ref: float | None, note: str = "") -> str:
    med = statistics.median(values)
    ratio = f"{ref / med:.2f}×" if ref is not None and med > 0 else ""
    span = f"{_fmt(min(values), unit)}–{_fmt(max(values), unit)}"
    return f"| {workload} | {name} | {_fmt(med, unit)} {unit} | {span} | {len(values)} | {ratio} | {note} |"


def _med(values: list[float]) -> float:
    return statistics.median(values)


def table(res: dict) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The results table lines, and (target, measured, verdict) triples."""
    lines = [
        "| workload | contender | median | min–max | runs | feedhub ÷ this | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    targets: list[tuple[str, str, str]] = []

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**MISSED**"

    if "ingest" in res:
        r = res["ingest"]
        n = r["n"]
        vals = r["samples"]["feedhub ingest (new store)"]
        rate = n / _med(vals)
        lines.append(_row(f"ingest {n:,} NDJSON → SQLite", "feedhub ingest_files", vals, "s", None,
                          f"**{rate:,.0f} articles/s** (best {n / min(vals):,.0f}); {r['info']['summary']}"))
        again = r["info"]["reingest_s"]
        lines.append(f"| ingest {n:,} again (all unchanged) | feedhub ingest_files | {again:.2f} s | | 1 | | {n / again:,.0f} articles/s |")
        targets.append(("ingest ≥ 10,000 articles/s into SQLite", f"{rate:,.0f} articles/s", verdict(rate >= 10_000)))

    for key, label in (("w1", "W1 7 feeds × 50, RSS+Atom"), ("w2", "W2 Google News sitemap")):
        if key not in res:
            continue
        r = res[key]
        s = r["samples"]
        fh = _med(s["feedhub"])
        info = r["info"]
        for name, vals in s.items():
            note = ""
            if name == "feedhub":
                note = (f"query + render + validate; {info['docs']} docs, {info['items']} items, {info['bytes'] / 1e6:.2f} MB"
                        + ("" if info["validate"] else "; **feedhub.validate missing: not validated**"))
                if "feedhub cold" in s:
                    note += "; warm: items made by an earlier build (a daemon's steady state)"
            elif name in ("feedhub cold", "feedhub: render cold"):
                note = "first build: entry and archive-page caches emptied before each run"
            elif name.startswith("feedhub first build"):
                note = "query + render + validate, one per fresh interpreter (imports done, nothing rendered)"
            elif name.startswith("feedhub second build"):
                note = "the same interpreter right after: items reused"
            elif name == "limit":
                note = "byte-identical to feedhub" if info["limit_identical"] else "**bytes differ from feedhub**"
            elif name.startswith("feedhub run_once, one article changed"):
                st = info["steady"]
                note = (f"incremental: {st['rendered']} documents rendered ({st['written']} written), {st['skipped']} not rendered;"
                        " atomic writes, status and plan records")
            elif name.startswith("feedhub run_once"):
                note = "fresh output dir: atomic write + fsync per file, status file"
            is_phase = name.startswith(("feedhub:", "plain fetch"))
            lines.append(_row(label, name, vals, "ms", None if (name.startswith("feedhub") or is_phase) else fh, note))
        lim = _med(s["limit"])
        if key == "w1":
            fg = _med(s["feedgen direct"])
            targets.append(("W1 (with validation) no slower than feedgen direct",
                            f"{fh * 1000:.1f} ms vs {fg * 1000:.1f} ms ({fh / fg:.2f}×)", verdict(fh <= fg)))
            steady_name = "feedhub run_once, one article changed (daemon steady state)"
            if steady_name in s:
                steady = _med(s[steady_name])
                targets.append(("W1 daemon steady state (one article changed) within 2× of the limit",
                                f"{steady * 1000:.1f} ms vs {lim * 1000:.1f} ms ({steady / lim:.2f}×)", verdict(steady / lim <= 2)))
            if "feedhub cold" in s:
                cold = _med(s["feedhub cold"])
                targets.append(("W1 cold (first build, caches empty) no slower than feedgen direct",
                                f"{cold * 1000:.1f} ms vs {fg * 1000:.1f} ms ({cold / fg:.2f}×)", verdict(cold <= fg)))
        else:
            targets.append(("W2 (with validation) no slower than feedgen direct", "feedgen has no news sitemap", "n/a"))
        targets.append((f"{key.upper()} (with validation) within 2× of the limit", f"{fh / lim:.2f}× the limit", verdict(fh / lim <= 2)))
        if info.get("validation_errors"):
            targets.append((f"{key.upper()} documents pass feedhub's validator", "; ".join(info["validation_errors"]), "**errors**"))

    if "w3" in res:
        r = res["w3"]
        sizes = sorted({int(k.split("@")[1]) for k in r if "@" in k})
        big = sizes[-1]
        for n in sizes:
            fh = _med([x["seconds"] for x in r[f"feedhub@{n}"]])
            for who in ("feedhub", "feedhub render only", "feedhub what-if", "limit", "django"):
                runs = r.get(f"{who}@{n}")
                if not runs:
                    continue
                vals = [x["seconds"] for x in runs]
                rss = max(x["peak_rss_mb"] for x in runs)
                base = min(x["rss_after_imports_mb"] for x in runs)
                note = f"peak RSS {rss:.0f} MB (after imports {base:.0f}); {runs[0]['files']} files, {runs[0]['bytes'] / 1e6:.1f} MB gz"
                name = {"feedhub": "feedhub", "limit": "limit", "django": "Django sitemaps",
                        "feedhub render only": "feedhub: render only (validate skipped)",
                        "feedhub what-if": "what-if: feedhub with `+status` in its sitemap query"}[who]
                if who == "feedhub":
                    note += f"; validate {_med([x['validate_seconds'] for x in runs]):.2f} s of it"
                    hwm = [x.get("vm_hwm_mb") for x in runs if x.get("vm_hwm_mb")]
                    if hwm:
                        note += f"; VmHWM {max(hwm):.0f} MB"
                if who == "limit":
                    note += "; byte-identical to feedhub" if r.get("identical", {}).get(str(n), True) else "; **bytes differ**"
                ref = None if who in ("feedhub", "feedhub render only") else fh
                lines.append(_row(f"W3 archive sitemaps, {n:,} articles", name, vals, "s", ref, note))
        fh_big = _med([x["seconds"] for x in r[f"feedhub@{big}"]])
        lim_big = _med([x["seconds"] for x in r[f"limit@{big}"]])
        targets.append((f"W3 within 2× of the limit ({big:,})", f"{fh_big / lim_big:.2f}× the limit", verdict(fh_big / lim_big <= 2)))
        for n in sizes:
            if f"django@{n}" in r:
                fh_n = _med([x["seconds"] for x in r[f"feedhub@{n}"]])
                dj = _med([x["seconds"] for x in r[f"django@{n}"]])
                targets.append((f"W3 ≥ 4× faster than Django's sitemaps ({n:,})", f"{dj / fh_n:.2f}× faster", verdict(dj / fh_n >= 4)))
        rss = {n: max(x["peak_rss_mb"] for x in r[f"feedhub@{n}"]) for n in sizes}
        targets.append((f"W3 peak RSS < 100 MB at {big:,}", f"{rss[big]:.0f} MB", verdict(rss[big] < 100)))
        growth = rss[big] - rss[sizes[0]]
        targets.append(("W3 peak RSS not growing with N", f"{rss[sizes[0]]:.0f} MB at {sizes[0]:,} → {rss[big]:.0f} MB at {big:,} ({growth:+.1f} MB)",
                        verdict(growth < max(5.0, 0.1 * rss[sizes[0]]))))

    if "idle" in res:
        r = res["idle"]
        vals = r["samples"]["feedhub idle tick"]
        lines.append(_row(f"idle tick, {r['n']:,}-article store", "open_store + change_token + close", vals, "ms", None,
                          f"first tick in a new process {r['info']['first_tick_s'] * 1000:.2f} ms"))
        targets.append((f"idle tick < 20 ms at {r['n']:,}", f"{_med(vals) * 1000:.2f} ms", verdict(_med(vals) < 0.020)))

    if "e2e" in res:
        r = res["e2e"]
        if r.get("error"):
            lines.append(f"| end-to-end `feedhub build`, {r['n']:,} | subprocess | failed | | | | {r['error']} |")
        else:
            lines.append(_row(f"end-to-end `feedhub build`, {r['n']:,}", "`feedhub build` (fresh interpreter)", r["wall"], "s", None,
                              f"run_once itself {_med(r['inner']):.2f} s; {r['summary']}"))
            lines.append(_row("", "`feedhub --version` (interpreter + CLI start only)", r["startup"], "s", None, ""))
    return lines, targets


def markdown(res: dict, mach: dict, mode: str, elapsed: float, others: float | None = None) -> str:
    lines, targets = table(res)
    v = mach["versions"]
    busy = ""
    if others is not None:
        busy = (f" Other processes used {others:.2f} of the {mach['nproc']} cores on average during the run"
                + ("; absolute times are noisier than the ratios (contenders are interleaved)." if others > 0.1 else "."))
    out = [
        f"Run `{mode}` on {mach['date']}, commit {mach['commit']}, {elapsed / 60:.1f} min in all.{busy}",
        "",
        f"Machine: {mach['nproc']} cores, {mach['cpu']}, {mach['memory']} RAM, {mach['os']}; Python {mach['python']}; "
        + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        "Times are medians of the runs shown, min–max beside them. \"feedhub ÷ this\" is feedhub's median over this "
        "contender's: above 1 feedhub is slower, below 1 it is faster. `feedhub: …` rows are feedhub's phases, "
        "timed separately.",
        "",
        *lines,
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        *[f"| {t} | {m} | {verdict} |" for t, m, verdict in targets],
    ]
    return "\n".join(out) + "\n"


def write_readme(text: str) -> None:
    readme = BENCH / "README.md"
    body = readme.read_text(encoding="utf-8")
    if START not in body or END not in body:
        return
    head, rest = body.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{text}{END}{tail}", encoding="utf-8")
