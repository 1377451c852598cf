"""SIGKILL at chosen points of real `feedhub build` processes never leaves a broken output (issue 5).

A store of ~20,000 articles, several feeds, a news sitemap split into parts and an archive
of gzip shards.  Between kills some articles change and new ones arrive, so every build has
real work to do.  Each build runs under a small wrapper that kills its own process with
SIGKILL at a point chosen from the publisher's write sequence (issue 13: not from timing
luck): right after the n-th temporary file is created, half-way through writing one, after
its fsync, or after the n-th ``os.replace`` before the directory is synced.  After each kill
every file under an output name must parse and validate; temporaries must be hidden
dot-files; an index must never list a file that is not there.  A last, clean build removes
the leftovers.  Slow (about 20 s): ``pytest -m "not slow"`` skips it.
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
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from conftest import make_article
from feedhub.publish import TMP_MARK
from feedhub.store import open_store
from feedhub.validate import validate
from oracles import atom_schema, schema_errors, siteindex_schema, urlset_schema

SEED = 20240619
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


#: Runs ``feedhub`` with os.open/os.write/os.fsync/os.replace watched: at the chosen point of the
#: write sequence (``$KILL_AT`` = ``step:n``) the process SIGKILLs itself, as a crash would.
KILLING_FEEDHUB = """\
import os, signal, sys
from feedhub.publish import TMP_MARK
step, nth = os.environ["KILL_AT"].split(":")
seen = {"created": 0, "synced": 0, "replaced": 0}
temps = set()
real_open, real_write, real_fsync, real_replace = os.open, os.write, os.fsync, os.replace

def reached(name):
    seen[name] += 1
    if name == step and seen[name] == int(nth):
        os.kill(os.getpid(), signal.SIGKILL)

def open_(path, flags, mode=0o777, **kw):
    fd = real_open(path, flags, mode, **kw)
    if TMP_MARK in os.fspath(path):
        temps.add(fd)
        reached("created")
    return fd

def write_(fd, data):
    # Half-way through writing the n-th temporary file.
    if fd in temps and step == "half-written" and seen["created"] == int(nth) and len(data) > 1:
        real_write(fd, bytes(memoryview(data)[: len(data) // 2]))
        os.kill(os.getpid(), signal.SIGKILL)
    return real_write(fd, data)

def fsync_(fd):
    real_fsync(fd)
    if fd in temps:
        temps.discard(fd)
        reached("synced")

def replace_(src, dst, **kw):
    real_replace(src, dst, **kw)
    reached("replaced")

os.open, os.write, os.fsync, os.replace = open_, write_, fsync_, replace_
from feedhub.cli import main
sys.exit(main(sys.argv[1:]))
"""
#: The kill points: every step of an atomic write, early and late in a build's write sequence.
KILL_POINTS = [(step, n) for n in (1, 3, 6) for step in ("created", "half-written", "synced", "replaced")]


def build(site: Path, out: str, kill_at: tuple[str, int] | None = None) -> subprocess.Popen:
    args = ["build", "--config", str(site / f"{out}.toml"), "--now", NOW.isoformat()]
    if kill_at is None:
        argv, env = [sys.executable, "-m", "feedhub", *args], None
    else:
        argv, env = [sys.executable, "-c", KILLING_FEEDHUB, *args], {**os.environ, "KILL_AT": f"{kill_at[0]}:{kill_at[1]}"}
    return subprocess.Popen(argv, cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


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


@pytest.mark.slow
def test_sigkill_at_every_step_of_the_write_sequence_never_leaves_a_broken_output(tmp_path):
    rng = random.Random(SEED)
    (tmp_path / "feeds.toml").write_text(CONFIG.format(out="feeds"), encoding="utf-8")
    store = open_store("sqlite:///" + str(tmp_path / "store.sqlite3"), create=True)
    store.upsert([article(n) for n in range(1, ARTICLES + 1)])
    next_id = ARTICLES + 1

    out = tmp_path / "feeds"
    checker = Checker(out)
    left_temps = 0
    try:
        for i, kill_at in enumerate(KILL_POINTS):
            if i:  # the first build starts from nothing; later ones have edits and new stories to write
                edits = [article(rng.randint(1, next_id - 1), edit=i) for _ in range(40)]
                fresh = [article(n) for n in range(next_id, next_id + 15)]
                next_id += 15
                store.upsert(edits + fresh)
            proc = build(tmp_path, "feeds", kill_at)
            code = proc.wait(timeout=120)
            err = proc.stderr.read().decode(errors="replace")
            proc.stderr.close()
            assert code == -signal.SIGKILL, f"round {i}: the build ended ({code}) before {kill_at}: {err}"
            left_temps += checker.check(f"after kill {i} at {kill_at}") > 0
    finally:
        store.close()

    final = build(tmp_path, "feeds")
    assert final.wait(timeout=120) == 0, final.stderr.read()
    final.stderr.close()
    assert checker.check("after the clean build") == 0
    status = json.loads((out / ".feedhub-status.json").read_text(encoding="utf-8"))
    assert {o["validation"] for o in status["outputs"]} == {"ok"}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".") and p.suffix != ".xsl"}
    assert {o["path"] for o in status["outputs"]} == on_disk
    # Kills after "created", "half-written" and "synced" leave a temporary behind (then cleaned up).
    assert left_temps == sum(step != "replaced" for step, _ in KILL_POINTS)
