"""Time feedhub.validate on synthetic documents of publishing size.

    .venv/bin/python bench/bench_validate.py [--repeat N]

Prints the first (cold) run, then best and median of the repeats, per document; no
assertions.  The documents mimic what
the renderers write (canonical layout), plus variants that force the element-by-element
walk (a comment defeats the fast path) and a gzip shard.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from datetime import datetime, timedelta, timezone

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    big, news = sitemap(), news_sitemap()
    cases = [
        ("sitemap 50,000 urls", big, "sitemap"),
        ("sitemap 50,000 urls, gzip", gzip.compress(big, 6), "sitemap"),
        ("sitemap 50,000 urls, element walk", walk(big), "sitemap"),
        ("news sitemap 1,000 urls + images", news, "news-sitemap"),
        ("news sitemap 1,000 urls, element walk", walk(news), "news-sitemap"),
        ("sitemap index 1,000 entries", index(), "sitemap-index"),
        ("rss 50 items, media", rss(), "rss"),
        ("atom 50 entries", atom(), "atom"),
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


if __name__ == "__main__":
    main()
