"""Shared fixtures: article builders, the seed sample and the official-schema oracles."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feedhub.model import Article, Author, Image, RelatedLink

REPO = Path(__file__).resolve().parent.parent
SEED_PATH = REPO / "samples" / "genpi-seed.ndjson"
#: The official schemas (test oracles only): $FEEDHUB_SCHEMAS, else ../shared/schemas beside the clone.
SCHEMAS = Path(os.environ.get("FEEDHUB_SCHEMAS") or REPO.parent / "shared" / "schemas")
JAKARTA = timezone(timedelta(hours=7))
#: The GenPI sample site with its store beside the config: how most test configs start.
SITE_TOML = """\
[site]
title = "GenPI.co"
url = "https://genpi.example"
language = "id"
timezone = "Asia/Jakarta"

[store]
url = "store.sqlite3"
"""
#: SITE_TOML with public output URLs, the all-articles feed and one section feed.
TWO_FEEDS_TOML = SITE_TOML + """\

[output]
base_url = "https://genpi.example/feeds/"

[[feeds]]
name = "all"

[[feeds]]
name = "olahraga"
section = "olahraga"
"""


def need_schemas() -> Path:
    """The schema folder, or skip the calling test with the reason (a bare clone has none)."""
    if not (SCHEMAS / "sitemap.xsd").is_file():
        pytest.skip(f"official schemas not found at {SCHEMAS} (set FEEDHUB_SCHEMAS to run the schema oracles)")
    return SCHEMAS


def seed_record() -> dict:
    """The raw JSON of the real GenPI article."""
    return json.loads(SEED_PATH.read_text(encoding="utf-8").splitlines()[0])


def make_article(n: int = 1, **overrides) -> Article:
    """A valid published article; ``n`` varies id, URL, title and time (n hours after a fixed base)."""
    base = datetime(2024, 6, 19, 8, 0, tzinfo=JAKARTA)
    fields = dict(
        id=f"art-{n}",
        url=f"https://genpi.example/berita/artikel-{n}",
        title=f"Artikel nomor {n}",
        published=base + timedelta(hours=n),
        summary=f"Ringkasan artikel {n}.",
        content_html=f"<p>Isi artikel {n}.</p>",
        authors=(Author(name="Redaksi GenPI"),),
        section="nasional",
        tags=("berita",),
        language="id",
        images=(Image(url=f"https://genpi.example/img/{n}.jpg", caption=f"Keterangan {n}", credit="GenPI/Foto", type="image/jpeg", width=800, height=450),),
        related=(RelatedLink(url=f"https://genpi.example/berita/terkait-{n}", title=f"Terkait {n}"),),
    )
    fields.update(overrides)
    return Article(**fields)


@pytest.fixture
def seed() -> dict:
    return seed_record()


@pytest.fixture
def feedhub_log(caplog):
    """caplog that hears the "feedhub" logger even after setup_logging() stopped it propagating."""
    logger = logging.getLogger("feedhub")
    old = logger.level, logger.propagate
    logger.addHandler(caplog.handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield caplog
    logger.removeHandler(caplog.handler)
    logger.setLevel(old[0])
    logger.propagate = old[1]


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A working directory holding the sample site's config.toml (SITE_TOML), as the CLI finds it; test modules with a site of their own override it."""
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(SITE_TOML, encoding="utf-8")
    return tmp_path
