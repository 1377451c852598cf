"""Render the bench corpus with every output group and record (or check) each file's sha256.

A refactor of a renderer must not change a byte for unchanged inputs; this is how that is
shown.  Record a manifest before the change, then check against it after:

    .venv/bin/python bench/compare_outputs.py --save /tmp/before.json      # on the old commit
    .venv/bin/python bench/compare_outputs.py --check /tmp/before.json     # on the new one

``--check`` prints one line per output that differs (or is missing/new) and exits 1 when any
does.  Intended changes (enclosure ``length="0"``, clamped dates, IRIs written as URIs) show up
here by design; ``--diff DIR`` keeps the rendered files so they can be diffed by hand.
The corpus is the one of ``bench/corpus.py`` (article ``i`` depends only on ``i``); the
archive shards are capped at 5,000 URLs so several shards and batch boundaries are exercised.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from fixtures import FEED_LIMIT, FEEDS  # noqa: E402

from feedhub.build import run_once  # noqa: E402
from feedhub.config import load_config  # noqa: E402
from feedhub.contract import parse_article  # noqa: E402
from feedhub.store import open_store  # noqa: E402

SHARD_URLS = 5_000
#: Articles per archive page of the ``arsip`` feed.
ARCHIVE_PAGE = 1_000


def _config_text(store: Path, out: Path) -> str:
    lines = [
        "[site]", 'title = "GenPI.co"', f'url = "{corpus.SITE}"', 'language = "id"',
        'timezone = "Asia/Jakarta"', 'author = "Redaksi GenPI.co"',
        "[store]", f'url = "{store}"',
        "[output]", f'dir = "{out}"', f'base_url = "{corpus.SITE}/feeds/"',
    ]
    for name, key, value in FEEDS:
        lines += ["[[feeds]]", f'name = "{name}"', f"limit = {FEED_LIMIT}"]
        if key:
            lines.append(f'{key} = "{value}"')
    # RFC 5005 archive pages of the whole corpus: the same articles again, in pages.
    lines += ["[[feeds]]", 'name = "arsip"', f"limit = {FEED_LIMIT}", "archive = true", f"archive_size = {ARCHIVE_PAGE}"]
    lines += ["[news_sitemap]", "max_urls = 1000", "[sitemap]", f"max_urls = {SHARD_URLS}", "gzip = true"]
    return "\n".join(lines) + "\n"


def render(n: int, work: Path) -> dict[str, str]:
    """Build every output of the first *n* corpus articles into *work*; ``{path: sha256}``."""
    out = work / "feeds"
    cfg_path = work / "config.toml"
    cfg_path.write_text(_config_text(work / "store.sqlite3", out), encoding="utf-8")
    config = load_config(cfg_path)
    tz = ZoneInfo("Asia/Jakarta")
    store = open_store(config.store.url, create=True)
    try:
        batch = [parse_article(rec, tz, "id")[0] for rec in corpus.records(n)]
        store.upsert(batch)
        report = run_once(config, store, corpus.NOW)
    finally:
        store.close()
    if not report.ok:
        print("\n".join(report.lines()), file=sys.stderr)
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def compare(before: dict[str, str], after: dict[str, str]) -> list[str]:
    lines = []
    for path in sorted(before.keys() | after.keys()):
        if path not in after:
            lines.append(f"missing  {path}")
        elif path not in before:
            lines.append(f"new      {path}")
        elif before[path] != after[path]:
            lines.append(f"changed  {path}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=20_000, help="corpus articles (default 20,000)")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--save", type=Path, help="write the manifest here")
    what.add_argument("--check", type=Path, help="compare with this manifest")
    ap.add_argument("--diff", type=Path, help="also copy the rendered files into this directory")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = render(args.n, Path(tmp))
        if args.diff:
            shutil.copytree(Path(tmp) / "feeds", args.diff, dirs_exist_ok=True)
    if args.save:
        args.save.write_text(json.dumps({"n": args.n, "outputs": manifest}, indent=1) + "\n", encoding="utf-8")
        print(f"{len(manifest)} outputs recorded in {args.save}")
        return 0
    saved = json.loads(args.check.read_text(encoding="utf-8"))
    if saved["n"] != args.n:
        print(f"the manifest was made with -n {saved['n']}", file=sys.stderr)
        return 2
    diff = compare(saved["outputs"], manifest)
    print("\n".join(diff) if diff else f"all {len(manifest)} outputs identical")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
