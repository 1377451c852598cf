"""Archive sitemap speed and memory: ``python bench/bench_sitemaps.py [--sizes 100000,1000000]``.

Renders generated rows (realistic news URLs, ~100 characters) into gzip shards + index, each
size and row mix in its own subprocess so peak RSS is its own, and compares gzip levels
1 / 4 / 6 / 9 on one full 50,000-URL shard.  Prints only; no asserts.

Two row mixes:

- ``one zone``: every lastmod in +07:00, ascending, every URL plain ASCII;
- ``newsroom``: like bench/corpus.py (the W3 corpus): newest first, lastmods in five UTC
  offsets (+07:00 55 %, +00:00 20 %, +08:00 15 %, -05:00 5 %, +03:00 5 %), 30 % of them
  updated up to three days later, and 1 % of URLs with a non-ASCII path to percent-encode.

Per run:

- ``streamed``: rows generated lazily, as the store streams them; render time is the total
  minus the time to generate the rows alone, and peak RSS (after imports) is this pass's;
- ``gz`` and ``plain``: the same rows from a prebuilt list, timed with nothing to subtract,
  written gzip-compressed (level 6, as published) and uncompressed (the Python work alone).

``--unchanged`` (issue 15) times the archive a build makes when no row changed: every shard's
digest matches the one recorded at the last build, so nothing is compressed (nor, in a build,
validated).  The recorded digests come from a full render in another process; the rows are a
prebuilt list (generation is not subtracted, so load on the machine cannot make it negative),
and the full render of the same list (``gz``) is timed beside it.

``--builds 100000,1000000`` times whole archive builds on the bench stores (``fixtures.store``,
built and cached on first use): ``run_once(groups=["sitemaps"])`` reading the store, validating
and publishing, once with ``full=True`` into an empty output dir, then twice with nothing changed
(the daemon's steady state), each in its own process for its own peak RSS.
"""

from __future__ import annotations

import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

SITE = "https://genpi.example"
SECTIONS = ("nasional", "internasional", "ekonomi", "olahraga", "teknologi", "gaya-hidup", "otomotif")
WORDS = (
    "jepang selandia baru menyetujui perjanjian berbagi intelijen presiden menteri harga beras naik "
    "timnas indonesia menang piala banjir jakarta gempa bumi pemilu kpu rupiah saham bank sentral "
    "listrik kendaraan baterai festival budaya bali wisata pantai kereta cepat bandung"
).split()
#: (UTC offset in hours, weight) as in bench/corpus.py
ZONES = ((7, 55), (0, 20), (8, 15), (-5, 5), (3, 5))
MIXES = ("one zone", "newsroom")


def rows(n: int, mix: str = "one zone", seed: int = 1):
    """*n* SitemapRows, generated lazily (the store streams too)."""
    from feedhub.model import SitemapRow

    rnd = random.Random(seed)
    if mix == "one zone":
        base = datetime(2015, 1, 1, tzinfo=timezone(timedelta(hours=7)))
        for i in range(n):
            slug = "-".join(rnd.choices(WORDS, k=8))
            lastmod = (base + timedelta(minutes=5 * i)).isoformat(timespec="seconds")
            yield SitemapRow(f"{SITE}/{SECTIONS[i % 7]}/{slug}-{i}", lastmod)
        return
    zones = [timezone(timedelta(hours=h)) for h, _ in ZONES]
    weights = [w for _, w in ZONES]
    now = datetime(2024, 6, 20, 5, 0, tzinfo=timezone.utc)
    for i in range(n):
        slug = "-".join(rnd.choices(WORDS, k=rnd.randint(4, 8)))
        if rnd.random() < 0.01:
            slug += "-日本-情報"
        t = now - timedelta(seconds=216 * i)
        if rnd.random() < 0.3:
            t += timedelta(minutes=rnd.randrange(3 * 24 * 60))
        lastmod = t.astimezone(rnd.choices(zones, weights)[0]).isoformat(timespec="seconds")
        yield SitemapRow(f"{SITE}/{SECTIONS[i % 7]}/{slug}-{i}", lastmod)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _render(cfg, source) -> tuple[float, int, int]:
    from feedhub.render.sitemaps import render_archive

    t0 = time.perf_counter()
    shards = out = 0
    for doc in render_archive(cfg, SITE, SITE + "/", source):
        shards += doc.kind == "sitemap"
        out += len(doc.data)
    return time.perf_counter() - t0, shards, out


def child(n: int, mix: str) -> None:
    from feedhub.config import SitemapConfig

    gz = SitemapConfig(max_urls=50_000, max_bytes=50 * 1024 * 1024, gzip=True, path="sitemap.xml", enabled=True)
    plain = SitemapConfig(max_urls=50_000, max_bytes=50 * 1024 * 1024, gzip=False, path="sitemap.xml", enabled=True)
    before = rss_mb()
    t0 = time.perf_counter()
    for _ in rows(n, mix):
        pass
    t_gen = time.perf_counter() - t0
    t, shards, out = _render(gz, rows(n, mix))
    peak = rss_mb()
    built = list(rows(n, mix))
    t_gz = min(_render(gz, built)[0] for _ in range(2))
    t_plain = min(_render(plain, built)[0] for _ in range(2))
    us = 1e6 / n
    print(
        f"{n:>9,} rows, {mix:8s}: {shards} shards + index, {out / 1e6:5.1f} MB gz | "
        f"streamed {t - t_gen:5.2f} s ({(t - t_gen) * us:4.2f} us/row; {t:5.2f} s - {t_gen:4.2f} s generation) | "
        f"gz {t_gz:5.2f} s ({t_gz * us:4.2f} us/row) | plain {t_plain:5.2f} s ({t_plain * us:4.2f} us/row) | "
        f"peak RSS {peak:5.1f} MB (after imports {before:5.1f} MB)",
        flush=True,
    )


def _config():
    from feedhub.config import SitemapConfig

    return SitemapConfig(max_urls=50_000, max_bytes=50 * 1024 * 1024, gzip=True, path="sitemap.xml", enabled=True)


def digests(n: int, mix: str, into: str) -> None:
    """A full render's digests by path, as the status record keeps them."""
    from feedhub.render.sitemaps import ArchiveSitemap

    archive = ArchiveSitemap(_config(), SITE, SITE + "/")
    for _ in archive.documents(rows(n, mix)):
        pass
    Path(into).write_text(json.dumps(archive.digests))


def unchanged(n: int, mix: str, recorded_at: str) -> None:
    """Every shard and the index proven unchanged against *recorded_at*: time (from a prebuilt row
    list, as ``gz``, best of two) and peak RSS, with the full render of the same list beside it."""
    from feedhub.render.sitemaps import ArchiveSitemap, Unchanged

    recorded = json.loads(Path(recorded_at).read_text())
    before = rss_mb()
    built = list(rows(n, mix))

    class Record:
        def recorded(self, path: str) -> bool:
            return path in recorded

        def reusable(self, path: str, digest: str) -> bool:
            return recorded.get(path) == digest

    def kept_pass() -> tuple[float, int]:
        t0 = time.perf_counter()
        outs = list(ArchiveSitemap(_config(), SITE, SITE + "/").outputs(built, Record()))
        return time.perf_counter() - t0, sum(isinstance(out, Unchanged) for out in outs)

    t, kept = min(kept_pass() for _ in range(2))
    peak = rss_mb()
    t_full = min(_render(_config(), built)[0] for _ in range(2))
    print(
        f"{n:>9,} rows, {mix:8s}: unchanged: {kept} of {len(recorded)} kept | {t:5.2f} s ({t * 1e6 / n:4.2f} us/row) "
        f"against gz {t_full:5.2f} s | peak RSS {peak:5.1f} MB with the row list (after imports {before:5.1f} MB)",
        flush=True,
    )


def build(kind: str, config_path: str) -> None:
    """One archive build of the bench store (``full`` or ``incremental``): time, outcomes, peak RSS."""
    from datetime import UTC

    from measure import vm_hwm_mb  # ru_maxrss would start at the parent's, which may have built the store

    from feedhub.build import run_once
    from feedhub.config import load_config
    from feedhub.store import open_store

    config = load_config(Path(config_path))
    before = vm_hwm_mb() or 0.0
    with open_store(config.store.url) as store:
        t0 = time.perf_counter()
        report = run_once(config, store, datetime(2026, 1, 1, tzinfo=UTC), ["sitemaps"], full=kind == "full")
        t = time.perf_counter() - t0
    counts = ", ".join(f"{report.count(o)} {o}" for o in ("written", "unchanged", "rejected"))
    print(f"  {kind:11s} build: {t:5.2f} s | {counts} | peak RSS (VmHWM) {vm_hwm_mb() or 0.0:5.1f} MB (after imports {before:5.1f} MB)", flush=True)


def builds(sizes: list[int]) -> None:
    import shutil

    import fixtures

    me = str(Path(__file__).resolve())
    for n in sizes:
        out = fixtures.WORK / "tmp" / f"archive-n{n}"
        shutil.rmtree(out, ignore_errors=True)
        config = fixtures.config(f"archive-n{n}", fixtures.store(n), out)
        print(f"{n:>9,} articles:", flush=True)
        for kind in ("full", "incremental", "incremental"):
            subprocess.run([sys.executable, me, "--build", kind, str(config)], check=True)


def levels() -> None:
    from feedhub.config import SitemapConfig
    from feedhub.render._xmltext import gzip_bytes
    from feedhub.render.sitemaps import render_archive

    cfg = SitemapConfig(max_urls=50_000, max_bytes=50 * 1024 * 1024, gzip=False, path="sitemap.xml", enabled=True)
    shard = next(render_archive(cfg, SITE, SITE + "/", rows(50_000))).data
    print(f"one 50,000-URL shard: {len(shard) / 1e6:.2f} MB uncompressed")
    for level in (1, 4, 6, 9):
        best = min(_timed(gzip_bytes, (shard,), level) for _ in range(3))
        size = len(gzip_bytes((shard,), level))
        assert gzip.decompress(gzip_bytes((shard,), level)) == shard
        print(f"  gzip level {level}: {best * 1000:6.1f} ms, {size / 1e6:5.2f} MB ({size / len(shard):.1%})")


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--rows":
        child(int(sys.argv[2]), sys.argv[3])
        return
    if len(sys.argv) == 5 and sys.argv[1] in ("--digests", "--kept"):
        (digests if sys.argv[1] == "--digests" else unchanged)(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--build":
        build(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--builds":
        builds([int(s) for s in sys.argv[2].split(",")])
        return
    if sys.argv[1:] == ["--levels"]:
        levels()
        return
    args = sys.argv[1:]
    only_unchanged = "--unchanged" in args
    args = [a for a in args if a != "--unchanged"]
    sizes = [100_000, 1_000_000]
    if len(args) == 2 and args[0] == "--sizes":
        sizes = [int(s) for s in args[1].split(",")]
    me = str(Path(__file__).resolve())
    print(f"python {sys.version.split()[0]}")
    if not only_unchanged:
        subprocess.run([sys.executable, me, "--levels"], check=True)
    for n in sizes:
        for mix in MIXES:
            subprocess.run([sys.executable, me, "--rows", str(n), mix], check=True)
            with tempfile.NamedTemporaryFile(suffix=".json") as f:
                subprocess.run([sys.executable, me, "--digests", str(n), mix, f.name], check=True)
                subprocess.run([sys.executable, me, "--kept", str(n), mix, f.name], check=True)


if __name__ == "__main__":
    main()
