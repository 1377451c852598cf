"""Time feedhub.validate on synthetic documents of publishing size.

    .venv/bin/python bench/bench_validate.py [--repeat N] [--no-memory]

Prints the first (cold) run, then best and median of the repeats, per document; no
assertions.  The documents mimic what
the renderers write (canonical layout), plus variants that force the element-by-element
walk (a comment defeats the fast path) and a gzip shard.  Three more come from feedhub's
own renderers: a 50-item RSS + Atom pair (``render_rss`` / ``render_atom``, articles like
``tests/conftest.py``'s), an 800-story Google News sitemap (``render_news_sitemap``) and a
50,000-URL gzip archive shard (``render_archive``).  Last, the peak RSS of validating that
shard, each run in a fresh interpreter: VmHWM after imports and reading the file, then
after ``validate``.  (ru_maxrss is printed beside it, but on Linux a child's starts at its
parent's RSS, so VmHWM is the one to read.)
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from feedhub.rules.iri import iri_problem
from feedhub.validate import validate

SITE = "https://genpi.example"
WIB = timezone(timedelta(hours=7))
NOW = datetime(2024, 6, 21, 12, 0, tzinfo=WIB)


def sitemap(n: int = 50_000) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    base = datetime(2019, 1, 1, 6, 0, tzinfo=WIB)
    for i in range(n):
        lastmod = (base + timedelta(minutes=37 * i)).isoformat()
        parts.append(f"  <url>\n    <loc>{SITE}/berita/{i // 500}/artikel-nomor-{i}-judul</loc>\n    <lastmod>{lastmod}</lastmod>\n  </url>\n")
    parts.append("</urlset>\n")
    return "".join(parts).encode()


def news_sitemap(n: int = 1000) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n'
    ]
    for i in range(n):
        pub = (NOW - timedelta(minutes=2 * i + 5)).isoformat()
        parts.append(
            f"  <url>\n    <loc>{SITE}/berita/artikel-{i}</loc>\n    <lastmod>{pub}</lastmod>\n"
            f"    <news:news>\n      <news:publication>\n        <news:name>GenPI.co</news:name>\n        <news:language>id</news:language>\n"
            f"      </news:publication>\n      <news:publication_date>{pub}</news:publication_date>\n"
            f"      <news:title>Judul berita nomor {i} &amp; lainnya</news:title>\n    </news:news>\n"
            f"    <image:image>\n      <image:loc>{SITE}/img/{i}.jpg</image:loc>\n    </image:image>\n  </url>\n"
        )
    parts.append("</urlset>\n")
    return "".join(parts).encode()


def index(n: int = 1000) -> bytes:
    body = "".join(f"  <sitemap>\n    <loc>{SITE}/sitemap-{i}.xml.gz</loc>\n    <lastmod>2024-06-19T08:00:00+07:00</lastmod>\n  </sitemap>\n" for i in range(n))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</sitemapindex>\n'.encode()


def rss(n: int = 50) -> bytes:
    items = []
    for i in range(n):
        d = (NOW - timedelta(hours=i)).strftime("%a, %d %b %Y %H:%M:%S +0700")
        items.append(
            f"<item><title>Judul {i}</title><link>{SITE}/berita/{i}</link><description>Ringkasan {i}.</description>"
            f"<content:encoded><![CDATA[<p>Isi artikel {i} yang panjang.</p>{'<p>Paragraf.</p>' * 20}]]></content:encoded>"
            f'<dc:creator>Redaksi</dc:creator><category>nasional</category><guid isPermaLink="false">art-{i}</guid><pubDate>{d}</pubDate>'
            f'<media:content url="{SITE}/img/{i}.jpg" medium="image" type="image/jpeg" width="800" height="450">'
            f'<media:description type="plain">Keterangan {i}</media:description><media:credit>GenPI/Foto</media:credit></media:content>'
            f'<atom:link rel="related" href="{SITE}/berita/terkait-{i}" title="Terkait {i}"/></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>GenPI</title>'
        f'<link>{SITE}/</link><description>Berita</description><language>id</language>'
        f'<atom:link rel="self" href="{SITE}/rss.xml" type="application/rss+xml"/>{"".join(items)}</channel></rss>'
    ).encode()


def atom(n: int = 50) -> bytes:
    entries = []
    for i in range(n):
        d = (NOW - timedelta(hours=i)).isoformat()
        entries.append(
            f'<entry><id>tag:genpi.example,2024:art-{i}</id><title>Judul {i}</title><updated>{d}</updated><published>{d}</published>'
            f'<link rel="alternate" type="text/html" href="{SITE}/berita/{i}"/><link rel="enclosure" type="image/jpeg" length="0" href="{SITE}/img/{i}.jpg"/>'
            f'<link rel="related" href="{SITE}/berita/terkait-{i}" title="Terkait"/><summary>Ringkasan {i}</summary>'
            f'<content type="html">{"&lt;p&gt;Paragraf.&lt;/p&gt;" * 20}</content><category term="nasional"/></entry>'
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="id"><id>{SITE}/atom.xml</id>'
        f'<title>GenPI</title><updated>{NOW.isoformat()}</updated><author><name>Redaksi</name></author>'
        f'<link rel="self" href="{SITE}/atom.xml"/><link rel="alternate" type="text/html" href="{SITE}/"/>{"".join(entries)}</feed>'
    ).encode()


def walk(doc: bytes) -> bytes:
    """The same document with a comment before the first entry: valid, but the fast path gives up on it."""
    for tag in (b"<url>", b"<sitemap>"):
        if tag in doc:
            return doc.replace(tag, b"<!-- forces the element walk -->" + tag, 1)
    return doc


# ---------------------------------------------------------------------------- feedhub-rendered


def _config():
    from feedhub.config import parse_config

    raw = {
        "site": {"title": "GenPI.co", "url": SITE, "language": "id", "timezone": "Asia/Jakarta"},
        "output": {"base_url": SITE + "/feeds/"},
        "feeds": [{"name": "all"}],
    }
    return parse_config(raw, "b.toml", Path("/tmp"))


def article(n: int, base: datetime = datetime(2024, 6, 19, 8, 0, tzinfo=WIB), minutes: int = 60):
    """Like tests/conftest.py's make_article, with a longer body, two images and two related links."""
    from feedhub.model import Article, Author, Image, RelatedLink

    return Article(
        id=f"art-{n}",
        url=f"{SITE}/berita/artikel-{n}",
        title=f"Artikel nomor {n} & \"lainnya\"",
        published=base + timedelta(minutes=minutes * n),
        updated=base + timedelta(minutes=minutes * n + 30) if n % 3 == 0 else None,
        summary=f"Ringkasan artikel {n}.",
        content_html="".join(f"<p>Isi artikel {n}, paragraf {k}, dengan <a href='{SITE}/x'>tautan</a>.</p>" for k in range(5)),
        authors=(Author(name="Redaksi GenPI"),) + ((Author(name="Penulis Tamu", email="tamu@genpi.example"),) if n % 2 else ()),
        section="nasional",
        tags=("berita", f"topik-{n % 7}"),
        language="id",
        images=tuple(
            Image(url=f"{SITE}/img/{n}-{k}.jpg", caption=f"Keterangan {n}-{k}", credit="GenPI/Foto", type="image/jpeg", width=800, height=450)
            for k in range(2)
        ),
        related=tuple(RelatedLink(url=f"{SITE}/berita/terkait-{n}-{k}", title=f"Terkait {n}-{k}") for k in range(2)),
    )


def feed_pair(n: int = 50) -> tuple[bytes, bytes]:
    from feedhub.render.atom import render_atom
    from feedhub.render.rss import render_rss

    feed = _config().feeds[0]
    arts = [article(i) for i in range(n, 0, -1)]
    return render_rss(feed, arts, NOW).data, render_atom(feed, arts, NOW).data


def rendered_news(n: int = 800) -> bytes:
    from feedhub.render.news_sitemap import render_news_sitemap

    config = _config()
    arts = [article(i, NOW - timedelta(hours=47), 3) for i in range(n, 0, -1)]
    [doc] = render_news_sitemap(config.news_sitemap, SITE, SITE + "/", arts, NOW)
    return doc.data


def rendered_shard(n: int = 50_000) -> bytes:
    from feedhub.model import SitemapRow
    from feedhub.render.sitemaps import render_archive

    config = _config()
    base = datetime(2019, 1, 1, 6, 0, tzinfo=WIB)
    rows = (SitemapRow(f"{SITE}/berita/{i // 500}/artikel-nomor-{i}-judul-yang-cukup-panjang", (base + timedelta(minutes=37 * i)).isoformat()) for i in range(n))
    return next(render_archive(config.sitemap, SITE, SITE + "/", rows)).data


_CHILD = """
import json, resource, sys, time
from feedhub.rules.iri import iri_problem
from feedhub.validate import validate

def hwm():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024

data = open(sys.argv[1], "rb").read()
before = (hwm(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
t = time.perf_counter()
problems = validate(data, "sitemap", max_urls=50_000, site_url=sys.argv[2])
ms = (time.perf_counter() - t) * 1000
print(json.dumps({"before": before, "after": (hwm(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "ms": ms, "problems": len(problems)}))
"""


def shard_memory(shard: bytes, runs: int) -> None:
    """Peak RSS of validate() on one gzip shard, each run in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shard.xml.gz"
        path.write_bytes(shard)
        results = [json.loads(subprocess.run([sys.executable, "-c", _CHILD, str(path), SITE], capture_output=True, text=True, check=True).stdout) for _ in range(runs)]
    med = lambda key, i: statistics.median(r[key][i] for r in results)  # noqa: E731
    print(
        f"\npeak RSS validating one {len(shard) / 1e6:.1f} MB gzip shard (50,000 urls) in a fresh process, median of {runs}:\n"
        f"  after imports + reading the file: VmHWM {med('before', 0):.1f} MB (ru_maxrss {med('before', 1):.1f})\n"
        f"  after validate():                 VmHWM {med('after', 0):.1f} MB (ru_maxrss {med('after', 1):.1f})"
        f"   validate {statistics.median(r['ms'] for r in results):.0f} ms cold, {results[0]['problems']} problems"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--memory-runs", type=int, default=5)
    ap.add_argument("--no-memory", action="store_true", help="skip the fresh-process peak-RSS measurement")
    args = ap.parse_args()
    big, news = sitemap(), news_sitemap()
    rss_doc, atom_doc = feed_pair()
    shard = rendered_shard()
    cases = [
        ("sitemap 50,000 urls", big, "sitemap"),
        ("sitemap 50,000 urls, gzip", gzip.compress(big, 6), "sitemap"),
        ("sitemap 50,000 urls, element walk", walk(big), "sitemap"),
        ("news sitemap 1,000 urls + images", news, "news-sitemap"),
        ("news sitemap 1,000 urls, element walk", walk(news), "news-sitemap"),
        ("sitemap index 1,000 entries", index(), "sitemap-index"),
        ("rss 50 items, media", rss(), "rss"),
        ("atom 50 entries", atom(), "atom"),
        ("rendered: rss 50 items", rss_doc, "rss"),
        ("rendered: atom 50 entries", atom_doc, "atom"),
        ("rendered: news sitemap 800 stories", rendered_news(), "news-sitemap"),
        ("rendered: archive shard 50,000 urls, gzip", shard, "sitemap"),
    ]
    print(f"{'document':42} {'size':>10} {'first ms':>9} {'best ms':>8} {'median ms':>10}  problems")
    for name, data, kind in cases:
        times = []
        for _ in range(args.repeat + 1):
            t = time.perf_counter()
            problems = validate(data, kind, now=NOW, site_url=SITE)
            times.append((time.perf_counter() - t) * 1000)
        errors = sum(p.severity == "error" for p in problems)
        first, rest = times[0], times[1:]
        print(f"{name:42} {len(data):>10,} {first:>9.1f} {min(rest):>8.1f} {statistics.median(rest):>10.1f}  {errors} errors, {len(problems) - errors} warnings")
    pair = []
    for _ in range(args.repeat * 4):
        t = time.perf_counter()
        validate(rss_doc, "rss", now=NOW, site_url=SITE)
        validate(atom_doc, "atom", now=NOW, site_url=SITE)
        pair.append((time.perf_counter() - t) * 1000)
    print(f"{'rendered: rss + atom pair, 50 items each':42} {len(rss_doc) + len(atom_doc):>10,} {'':>9} {min(pair):>8.2f} {statistics.median(pair):>10.2f}")
    # CPU time of the same pair: steadier than the wall clock on a shared machine.  The IRI
    # answers are forgotten before each pair, as in a build (within a pair they repeat).
    cpu = []
    for _ in range(args.repeat * 8):
        iri_problem.cache_clear()
        t = time.process_time()
        validate(rss_doc, "rss", now=NOW, site_url=SITE)
        validate(atom_doc, "atom", now=NOW, site_url=SITE)
        cpu.append((time.process_time() - t) * 1000)
    print(f"{'W1: 7 x the pair above, CPU ms':42} {'':>10} {'':>9} {7 * min(cpu):>8.2f} {7 * statistics.median(cpu):>10.2f}")
    if not args.no_memory:
        shard_memory(shard, args.memory_runs)


if __name__ == "__main__":
    main()
