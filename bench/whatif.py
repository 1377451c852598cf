"""What-if measurements of proposed fixes, by monkeypatching feedhub in this process only (src/ untouched).

    bench/.venv/bin/python bench/whatif.py [ingest|w1|w2|w3|w3mem|all]

Run it after ``run.py`` (it reuses the cached stores); ``all`` runs each section in its own
process.  Each line is one variant, a median of a few runs; within a section the variants are
cumulative.  Nothing here is feedhub's code: it is evidence for the proposals in README.md
("Findings").
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import corpus
import fixtures
import limit
import rows
import workloads as w

NOW = corpus.NOW


def _median(fn, reps: int) -> float:
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def _config(n: int):
    return w.load(str(fixtures.config(f"n{n}", fixtures.store(n), fixtures.WORK / "tmp" / f"out-n{n}")))


INGEST_VARIANTS = (
    "as is",
    "contract._Reader.url: regex fast path for plain http(s) URLs",
    "+ ingest.read_records: encode() instead of _BAD_BYTES.search per line",
    "+ store: articles as a rowid table (rows of ~2.3 KB)",
    "+ ingest.BATCH 2,000 → 10,000",
)


def _patch_ingest(level: int) -> None:
    """Apply the first *level* ingest fixes (cumulative) to this process."""
    from urllib.parse import urlsplit

    from feedhub import contract, ingest as ing
    from feedhub.store import sqlite as sq

    if level >= 1:
        ws = re.compile(r"\s")
        plain = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][!#-;=?-\[\]_a-z~%]*)?\Z")

        def url(self, field, value, *, required=True):
            if type(value) is str and len(value) <= contract.MAX_URL and plain.match(value):
                return value  # ASCII, no space or control character, http(s) with a host
            v = self.text(field, value, required=required)
            if v is None:
                return None
            if len(v) > contract.MAX_URL:
                raise self.fail(field, "too long")
            try:
                parts = urlsplit(v)
                host = parts.hostname
            except ValueError as e:
                raise self.fail(field, str(e)) from None
            if parts.scheme not in ("http", "https") or not host:
                raise self.fail(field, "not an absolute http(s) URL")
            if ws.search(v):
                raise self.fail(field, "white space")
            return v

        contract._Reader.url = url
    if level >= 2:
        bad = ing._BAD_BYTES

        class Bad:
            @staticmethod
            def search(line):
                try:
                    line.encode("utf-8")  # fails exactly on the surrogates surrogateescape produced
                    return None
                except UnicodeEncodeError:
                    return bad.search(line)

        ing._BAD_BYTES = Bad
    if level >= 3:
        sq._MIGRATIONS[1] = sq._SCHEMA_V1.replace(") WITHOUT ROWID;\nCREATE INDEX articles_by_seq", ");\nCREATE INDEX articles_by_seq")
    if level >= 4:
        ing.BATCH = 10_000


def ingest_once(level: int, n: int) -> float:
    _patch_ingest(level)
    nd = fixtures.ndjson(n)
    config = _config(20_000)
    path = fixtures.WORK / "tmp" / f"whatif-{level}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    t = time.perf_counter()
    w.ingest(nd, path, config)
    dt = time.perf_counter() - t
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return dt


def ingest(n: int = 20_000, reps: int = 3) -> None:
    times: dict[int, list[float]] = {i: [] for i in range(len(INGEST_VARIANTS))}
    for _ in range(reps):  # interleaved, each run a fresh process
        for level in times:
            out = subprocess.run([sys.executable, __file__, "ingest-once", str(level), str(n)], capture_output=True, text=True, check=True)
            times[level].append(float(out.stdout.strip().splitlines()[-1]))
    print(f"ingest {n:,} articles (NDJSON → new SQLite store), median of {reps} fresh processes:")
    for level, label in enumerate(INGEST_VARIANTS):
        print(f"  {label:72s} {n / statistics.median(times[level]):8,.0f} articles/s")


def w1() -> None:
    from feedhub.render import _text, atom, rss

    config = _config(20_000)
    store = w.open_store(config.store.url)
    lists = w.w1_query(config, store)
    arts = [a for lst in lists for a in lst]
    print("W1 render phase (7 feeds × 50, RSS + Atom), ms:")
    print(f"  {'as is (both formats)':72s} {_median(lambda: w.w1_render(config, lists, NOW), 9) * 1000:8.1f}")
    rss_only = _median(lambda: [rss.render_rss(f, a, NOW) for f, a in zip(config.feeds, lists)], 9)
    atom_only = _median(lambda: [atom.render_atom(f, a, NOW) for f, a in zip(config.feeds, lists)], 9)
    print(f"  {'  RSS only / Atom only':72s} {rss_only * 1000:5.1f} / {atom_only * 1000:.1f}")
    summ = _median(lambda: [_text.item_summary(a) for a in arts], 9)
    no_summary = sum(1 for a in arts if not (a.summary and a.summary.strip()))
    print(f"  {f'  item_summary for the {len(arts)} items (called once per format: ×2)':72s} {summ * 1000:8.1f}"
          f"   ({no_summary} without a summary → HTMLParser excerpt)")
    validate = w.get_validate()
    if validate:
        kw = w.gate_kwargs(config, NOW)
        docs = w.w1_render(config, lists, NOW)
        for kind in ("rss", "atom"):
            t = _median(lambda: [validate(d.data, d.kind, **kw) for d in docs if d.kind == kind], 9)
            print(f"  {'validate, ' + kind + ' documents only':72s} {t * 1000:8.1f}")


def w2() -> None:
    from datetime import datetime

    from feedhub.validate import sitemaps as vs

    config = _config(20_000)
    store = w.open_store(config.store.url)
    articles = w.w2_query(config, store, NOW)
    doc = w.w2_render(config, articles, NOW)[0]
    validate = w.get_validate()
    kw = w.gate_kwargs(config, NOW)
    print("W2 phases (≈790 articles in the 48-hour window), ms:")
    print(f"  {'Store.published_between (full docs → Articles)':72s} {_median(lambda: w.w2_query(config, store, NOW), 9) * 1000:8.1f}")
    db = rows.connect(str(fixtures.store(20_000)))
    print(f"  {'  the same rows as plain dicts (json.loads only)':72s} {_median(lambda: rows.published_between(db, NOW - timedelta(hours=48), NOW), 9) * 1000:8.1f}")
    print(f"  {'render_news_sitemap':72s} {_median(lambda: w.w2_render(config, articles, NOW), 9) * 1000:8.1f}")
    if validate is None:
        return
    print(f"  {'validate, as is':72s} {_median(lambda: validate(doc.data, doc.kind, **kw), 9) * 1000:8.1f}")
    slow = vs.parse_datetime

    def fast(v):
        try:
            return datetime.fromisoformat(v)  # C; the value already matched the W3C pattern
        except ValueError:
            return slow(v)

    vs.parse_datetime = fast
    print(f"  {'validate, window check with datetime.fromisoformat':72s} {_median(lambda: validate(doc.data, doc.kind, **kw), 9) * 1000:8.1f}")


def w3(n: int = 1_000_000) -> None:
    config = _config(n)
    store = w.open_store(config.store.url)
    print(f"W3 render only (no validate), {n:,} articles, s:")

    def run(source=None):
        return w.w3(config, store, None, {}, source() if source else None)

    print(f"  {'as is':72s} {_median(run, 1):8.2f}")
    plus = lambda: w.plus_status_rows(store, rows.SITEMAP_SQL)  # noqa: E731
    print(f"  {'iter_sitemap_rows with WHERE +status (scan in key order, no sort)':72s} {_median(lambda: run(plus), 1):8.2f}")
    db = rows.connect(str(fixtures.store(n)))

    def scan():
        k = 0
        for _ in db.execute(rows.SITEMAP_SQL):
            k += 1
        return k

    print(f"  {'  for scale: the +status scan alone (plain sqlite3 cursor, no work per row)':72s} {_median(scan, 1):8.2f}")
    sample = "".join(f"<url><loc>{u}</loc><lastmod>{m}</lastmod></url>\n" for u, m in db.execute(rows.SITEMAP_SQL + " LIMIT 50000")).encode()
    gz = _median(lambda: limit.gzip6(sample), 3) * n / 50_000
    print(f"  {'  for scale: gzip level 6 of all shards (one 50,000-URL shard × N/50,000)':72s} {gz:8.2f}")


def w3mem() -> None:
    """Memory steps of validating one full 50,000-URL shard, in a fresh process that only reads it from disk."""
    shard_path = fixtures.WORK / "tmp" / "shard-50000.xml.gz"
    if not shard_path.exists():
        from feedhub.render.sitemaps import render_archive

        config = _config(100_000)
        store = w.open_store(config.store.url)
        shard_path.write_bytes(next(render_archive(config.sitemap, config.site.url, config.base_url, store.iter_sitemap_rows())).data)
        store.close()
    for step in ("w3mem-steps", "w3mem-alt"):
        out = subprocess.run([sys.executable, __file__, step, str(shard_path)], capture_output=True, text=True, check=True)
        print(out.stdout, end="")


def w3mem_steps(shard_path: str) -> None:
    import resource

    from lxml import etree

    from feedhub.validate import _fast, _xml, validate
    from feedhub.validate._report import Report

    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    shard = Path(shard_path).read_bytes()
    print("W3 validator memory on one 50,000-URL shard (peak RSS of a fresh process, MB):")
    print(f"  {'imports + the gzip shard (' + format(len(shard) / 1e6, '.1f') + ' MB)':64s} {peak():7.1f}")
    raw = _xml.unpack(shard, 50 * 1024 * 1024, Report())
    print(f"  {'+ unpacked bytes (' + format(len(raw) / 1e6, '.1f') + ' MB)':64s} {peak():7.1f}")
    text = raw.decode("utf-8")
    print(f"  {'+ decoded str':64s} {peak():7.1f}")
    root = _xml.parse(raw, Report())
    print(f"  {'+ lxml tree (_xml.parse)':64s} {peak():7.1f}")
    found = _fast.urlset(root, text, news=False)
    print(f"  {'+ _fast.urlset (findall rows, locs)':64s} {peak():7.1f}   (proved valid: {found is not None})")
    del root, found, text
    t = time.perf_counter()
    validate(shard, "sitemap", max_urls=50_000, site_url="https://genpi.example")
    print(f"  {'after a whole validate() call too':64s} {peak():7.1f}   ({(time.perf_counter() - t) * 1000:.0f} ms)")


def w3mem_alt(shard_path: str) -> None:
    """The proposal: well-formedness through a parser target (no tree) and the fast-path regex streamed."""
    import resource

    from lxml import etree

    from feedhub.validate import _fast, _xml
    from feedhub.validate._report import Report

    class Target:
        root = None

        def start(self, tag, attrib, nsmap=None):
            if self.root is None:
                self.root = (tag, dict(nsmap or {}))

        def end(self, tag):
            pass

        def data(self, d):
            pass

        def close(self):
            return self.root

    shard = Path(shard_path).read_bytes()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    raw = _xml.unpack(shard, 50 * 1024 * 1024, Report())
    text = raw.decode("utf-8")
    parser = etree.XMLParser(target=Target(), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(raw, parser)
    n = bad = 0
    for m in _fast._URLS_PLAIN.finditer(text, text.index(">", text.index("<urlset")) + 1, text.rindex("</urlset")):
        n += 1
        bad += m.group(5) is not None
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {'proposal: parser target (no tree) + finditer, same regex':64s} {peak:7.1f}   "
          f"({dt * 1000:.0f} ms; from {base:.1f}; {n:,} urls, root {root[0].split(chr(125))[-1]})")


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which == "ingest-once":
        print(ingest_once(int(sys.argv[2]), int(sys.argv[3])))
        sys.exit()
    if which == "w3mem-steps":
        w3mem_steps(sys.argv[2])
        sys.exit()
    if which == "w3mem-alt":
        w3mem_alt(sys.argv[2])
        sys.exit()
    if which == "all":  # each section in its own process: one section's heap must not slow the next
        for name in ("ingest", "w1", "w2", "w3", "w3mem"):
            subprocess.run([sys.executable, __file__, name], check=True)
        sys.exit()
    (fixtures.WORK / "tmp").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    for name, fn in (("ingest", ingest), ("w1", w1), ("w2", w2), ("w3", w3), ("w3mem", w3mem)):
        if which in ("all", name):
            fn()
