"""SIGKILL at random moments of real `feedhub build` processes never leaves a broken output (issue 5).

A store of ~20,000 articles, several feeds, a news sitemap split into parts and an archive
of gzip shards, so a build spends most of its time writing files.  Between kills some
articles change and new ones arrive, so every build has real work to do.  After each kill
every file under an output name must parse and validate; temporaries must be hidden
dot-files; an index must never list a file that is not there.  A last, clean build removes
the leftovers.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lxml import etree

from conftest import make_article
from feedhub.publish import TMP_MARK
from feedhub.store import open_store
from feedhub.validate import validate
from oracles import atom_schema, schema_errors, siteindex_schema, urlset_schema

SEED = 20240619
ROUNDS = 36
ARTICLES = 20_000
NOW = datetime(2024, 6, 20, 12, 0, tzinfo=timezone(timedelta(hours=7)))
WINDOW_HOURS = 12
SECTIONS = ("nasional", "olahraga", "teknologi", "internasional")
CONFIG = f"""\
[site]
title = "GenPI.co"
url = "https://genpi.example"
timezone = "Asia/Jakarta"

[store]
url = "store.sqlite3"

[output]
dir = "{{out}}"
base_url = "https://genpi.example/feeds/"

[[feeds]]
name = "all"
limit = 200

[[feeds]]
name = "nasional"
section = "nasional"
limit = 100

[[feeds]]
name = "olahraga"
section = "olahraga"
limit = 100

[[feeds]]
name = "teknologi"
section = "teknologi"
limit = 100

[news_sitemap]
window_hours = {WINDOW_HOURS}
max_urls = 200

[sitemap]
max_urls = 1000
"""
#: Every name an output of this config may have.
OUTPUT_NAME = re.compile(
    r"(all|nasional|olahraga|teknologi)/(rss|atom)\.xml|news-sitemap(-\d+)?\.xml|sitemap\.xml|sitemap-\d+\.xml\.gz|robots-sitemaps\.txt"
)
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def article(n: int, rng: random.Random | None = None, edit: int = 0):
    """Article *n*, published *n* minutes before NOW; an *edit* changes its title and lastmod."""
    a = make_article(n, published=NOW - timedelta(minutes=n), section=SECTIONS[n % len(SECTIONS)], images=())
    if edit:
        a = replace(a, title=f"{a.title} (edit {edit})", updated=a.published + timedelta(seconds=edit))
    return a


def build(site: Path, out: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "feedhub", "build", "--config", str(site / f"{out}.toml"), "--now", NOW.isoformat()],
        cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw,
    )


class Checker:
    """Validates what is on disk; remembers documents already checked (by content)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.checked: set[str] = set()

    def check(self, when: str) -> int:
        """Check every file; return how many temporary files a killed build left."""
        temps = 0
        for p in [p for p in self.out.rglob("*") if p.is_file()]:
            rel = p.relative_to(self.out).as_posix()
            if TMP_MARK in p.name:
                assert p.name.startswith("."), f"{when}: temporary file not hidden: {rel}"
                temps += 1
                continue
            if p.name.startswith("."):
                continue  # the lock and the status record
            if p.suffix == ".xsl":  # the stylesheets beside the outputs (issue 16): replaced atomically, always whole
                assert p.read_bytes().rstrip().endswith(b"</xsl:stylesheet>"), f"{when}: broken stylesheet {rel}"
                continue
            assert OUTPUT_NAME.fullmatch(rel), f"{when}: unexpected file under an output name: {rel}"
            self._check_output(rel, p.read_bytes(), when)
        status = self.out / ".feedhub-status.json"
        if status.exists():
            json.loads(status.read_text(encoding="utf-8"))  # replaced atomically too: always whole
        for index in ("sitemap.xml", "news-sitemap.xml"):
            self._check_index_targets(index, when)
        return temps

    def _check_output(self, rel: str, data: bytes, when: str) -> None:
        digest = hashlib.sha256(rel.encode() + b"\0" + data).hexdigest()
        if digest in self.checked:
            return
        kind = "robots" if rel.endswith(".txt") else None
        errors = [str(p) for p in validate(data, kind, now=NOW, news_window_hours=WINDOW_HOURS) if p.severity == "error"]
        assert not errors, f"{when}: {rel} is not valid: {errors[:3]}"
        if kind is None:
            xml = gzip.decompress(data) if rel.endswith(".gz") else data
            root = etree.fromstring(xml, PARSER)
            schema = None
            if root.tag == "{http://www.w3.org/2005/Atom}feed":
                schema = atom_schema()
            elif root.tag == SM + "sitemapindex":
                schema = siteindex_schema()
            elif root.tag == SM + "urlset" and len(root):  # sitemap.xsd wants at least one url
                schema = urlset_schema()
            if schema is not None:
                assert schema_errors(xml, schema) == [], f"{when}: {rel} fails the official schema"
        self.checked.add(digest)

    def _check_index_targets(self, name: str, when: str) -> None:
        path = self.out / name
        if not path.exists():
            return
        root = etree.fromstring(path.read_bytes(), PARSER)
        if root.tag != SM + "sitemapindex":
            return
        for loc in root.iter(SM + "loc"):
            target = loc.text.removeprefix("https://genpi.example/feeds/")
            assert (self.out / target).is_file(), f"{when}: {name} lists {target}, which is not there"


def _wait_for_a_write(proc: subprocess.Popen, out: Path) -> None:
    """Return once a temporary file is being written in *out* (or the build has ended)."""
    folders = [out, *(out / f for f in ("all", "nasional", "olahraga", "teknologi"))]
    while proc.poll() is None:
        for folder in folders:
            try:
                if any(TMP_MARK in name for name in os.listdir(folder)):
                    return
            except FileNotFoundError:
                pass


def test_sigkill_at_random_moments_never_leaves_a_broken_output(tmp_path):
    rng = random.Random(SEED)
    for out in ("feeds", "warmup"):
        (tmp_path / f"{out}.toml").write_text(CONFIG.format(out=out), encoding="utf-8")
    store = open_store("sqlite:///" + str(tmp_path / "store.sqlite3"), create=True)
    store.upsert([article(n) for n in range(1, ARTICLES + 1)])
    next_id = ARTICLES + 1

    # How long a whole build takes here, into a directory of its own: kills land within it.
    started = time.monotonic()
    warm = build(tmp_path, "warmup")
    assert warm.wait(timeout=60) == 0, warm.stderr.read()
    duration = time.monotonic() - started

    out = tmp_path / "feeds"
    checker = Checker(out)
    killed = left_temps = 0
    try:
        for i in range(ROUNDS):
            if i:  # the first build starts from nothing; later ones have edits and new stories to write
                edits = [article(rng.randint(1, next_id - 1), edit=i) for _ in range(40)]
                fresh = [article(n) for n in range(next_id, next_id + 15)]
                next_id += 15
                store.upsert(edits + fresh)
            proc = build(tmp_path, "feeds")
            time.sleep(rng.uniform(0.0, duration * 1.1))
            if i % 2:
                # Every other round: from that random moment on, wait for the next file being written.
                # Writes are a small part of a build, so blind kills seldom land inside one.
                _wait_for_a_write(proc, out)
            proc.send_signal(signal.SIGKILL)
            code = proc.wait(timeout=60)
            assert code in (0, -signal.SIGKILL), proc.stderr.read()
            killed += code == -signal.SIGKILL
            proc.stderr.close()
            left_temps += checker.check(f"after kill {i} ({'mid-build' if code else 'after the build ended'})") > 0
    finally:
        store.close()

    final = build(tmp_path, "feeds")
    assert final.wait(timeout=60) == 0, final.stderr.read()
    final.stderr.close()
    assert checker.check("after the clean build") == 0
    status = json.loads((out / ".feedhub-status.json").read_text(encoding="utf-8"))
    assert {o["validation"] for o in status["outputs"]} == {"ok"}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".") and p.suffix != ".xsl"}
    assert {o["path"] for o in status["outputs"]} == on_disk
    # The test did what it says: builds killed in flight, some in the middle of writing a file.
    assert killed >= ROUNDS // 4, f"only {killed} of {ROUNDS} kills interrupted a build"
    assert left_temps > 0, "no kill landed while a file was being written"
    print(f"{killed}/{ROUNDS} builds killed mid-way, {left_temps} of them mid-write; {len(checker.checked)} documents checked")
