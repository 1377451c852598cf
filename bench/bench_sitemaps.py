"""Archive sitemap speed and memory: ``python bench/bench_sitemaps.py``.

Renders 100,000 and 1,000,000 generated rows (realistic news URLs, ~100 characters)
into gzip shards + index, each size in its own subprocess so peak RSS is its own,
and compares gzip levels 1 / 6 / 9 on one full 50,000-URL shard.  Prints only; no asserts.
"""

from __future__ import annotations

import gzip
import random
import resource
import subprocess
import sys
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


def rows(n: int, seed: int = 1):
    """*n* SitemapRows, generated lazily (the store streams too)."""
    from feedhub.model import SitemapRow

    rnd = random.Random(seed)
    base = datetime(2015, 1, 1, tzinfo=timezone(timedelta(hours=7)))
    for i in range(n):
        slug = "-".join(rnd.choices(WORDS, k=8))
        lastmod = (base + timedelta(minutes=5 * i)).isoformat(timespec="seconds")
        yield SitemapRow(f"{SITE}/{SECTIONS[i % 7]}/{slug}-{i}", lastmod)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(n: int) -> None:
    from feedhub.config import SitemapConfig
    from feedhub.render.sitemaps import render_archive

    cfg = SitemapConfig(max_urls=50_000, max_bytes=50 * 1024 * 1024, gzip=True, path="sitemap.xml", enabled=True)
    before = rss_mb()
    t0 = time.perf_counter()
    for _ in rows(n):
        pass
    t_gen = time.perf_counter() - t0

    t0 = time.perf_counter()
    shards = out = 0
    for doc in render_archive(cfg, SITE, SITE + "/", rows(n)):
        shards += doc.kind == "sitemap"
        out += len(doc.data)
    t = time.perf_counter() - t0
    print(
        f"{n:>9,} rows: {shards} shards + index, {out / 1e6:6.1f} MB gz, "
        f"{t:5.2f} s total incl. {t_gen:4.2f} s row generation -> render {t - t_gen:5.2f} s "
        f"({(t - t_gen) / n * 1e6:4.2f} us/row); peak RSS {rss_mb():5.1f} MB (after imports {before:5.1f} MB)"
    )


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
    if len(sys.argv) == 3 and sys.argv[1] == "--rows":
        child(int(sys.argv[2]))
        return
    if sys.argv[1:] == ["--levels"]:
        levels()
        return
    me = str(Path(__file__).resolve())
    print(f"python {sys.version.split()[0]}")
    subprocess.run([sys.executable, me, "--levels"], check=True)
    for n in (100_000, 1_000_000):
        subprocess.run([sys.executable, me, "--rows", str(n)], check=True)


if __name__ == "__main__":
    main()
