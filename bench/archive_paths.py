"""Does the archive's batch path (``render/_archive_batch.py``) pay?  ``python bench/archive_paths.py [N] [MIX]``

Renders N rows (default 1,000,000, mix ``newsroom`` as in bench_sitemaps.py) with
:class:`ArchiveSitemap` as published (batches proven plain, odd rows per row) and with a
subclass that sends every row through the same per-row rule (``ArchiveSitemap.entry``), checks
that both give the same documents, and prints three interleaved timings of each.  Prints only.
"""

from __future__ import annotations

import hashlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sitemaps import rows  # noqa: E402

from feedhub.config import parse_config  # noqa: E402
from feedhub.document import Document  # noqa: E402
from feedhub.model import SitemapRow  # noqa: E402
from feedhub.render.sitemaps import ArchiveSitemap, LastmodClamp, _Shard  # noqa: E402

SITE = "https://genpi.example"
NOW = datetime(2024, 6, 20, 12, tzinfo=UTC)


class PerRow(ArchiveSitemap):
    """Every row through :meth:`ArchiveSitemap.entry`: what the archive would be without batches."""

    def _take_whole(self, chunk: list[SitemapRow], shard: _Shard) -> bool:
        return False


def _digest(docs: list[Document]) -> str:
    h = hashlib.sha256()
    for d in docs:
        h.update(repr((d.path, d.items, d.warnings, d.left_out)).encode() + d.data)
    return h.hexdigest()[:16]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    mix = sys.argv[2] if len(sys.argv) > 2 else "newsroom"
    cfg = parse_config({"site": {"title": "G", "url": SITE}}, "bench.toml", Path(".")).sitemap
    data = list(rows(n, mix))
    times: dict[str, list[float]] = {"batched": [], "per row": []}
    digests = {}
    for _ in range(3):
        for name, cls in (("batched", ArchiveSitemap), ("per row", PerRow)):
            t = time.perf_counter()
            docs = list(cls(cfg, SITE, SITE + "/", LastmodClamp(NOW)).documents(data))
            times[name].append(time.perf_counter() - t)
            digests[name] = _digest(docs)
    print(f"{n:,} rows, {mix}: same documents: {digests['batched'] == digests['per row']}")
    for name, ts in times.items():
        print(f"{name:8} best {min(ts):.2f} s  ({', '.join(f'{t:.2f}' for t in ts)})")


if __name__ == "__main__":
    main()
