"""Incremental builds (issue 15): after any sequence of ingests, updates, deletes and clock moves,
the tree an incremental build leaves equals a full rebuild's, byte for byte.

Hypothesis draws the sequences over a dozen ids, three sections, two tags, four languages and
dates around the clock (scheduled stories, ``updated`` after the build, ties on ``published``),
with feeds small enough (2–4 items) that articles keep crossing their newest-N floor.  After every
step (tag and author families included: feeds appear and disappear) the same store is built twice: incrementally into one output dir that lives through the
whole sequence, and with ``full=True`` into a fresh empty dir.
"""

from __future__ import annotations

import dataclasses
import tempfile
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import JAKARTA, SITE_TOML, make_article
from feedhub.build import run_once
from feedhub.config import parse_config
from feedhub.formats import feed_paths
from feedhub.model import Author, FeedFilter
from feedhub.plan import STATE_NAME, Plan
from feedhub.store import open_store
from feedhub.store.records import facets

NOW = datetime(2024, 6, 20, 12, 0, tzinfo=JAKARTA)
FEEDS_TOML = """
[output]
base_url = "https://genpi.example/feeds/"

[[feeds]]
name = "all"
limit = 4
formats = ["rss", "atom", "json"]

[[feeds]]
name = "a"
section = "a"
limit = 2

[[feeds]]
name = "b-en"
section = "b"
language = "en"
limit = 2

[[feeds]]
name = "x"
tag = "x"
limit = 3

[[feeds]]
name = "zh"
language = "zh"
limit = 2

[[feeds]]
name = "history"
archive = true
archive_size = 3
limit = 3

[sitemap]
max_urls = 4
"""
FAMILIES_TOML = """
[[feed_families]]
by = "tag"
limit = 2
min_articles = 2

[[feed_families]]
by = "author"
limit = 2
"""

IDS = st.integers(0, 11)
UPSERT = st.tuples(
    st.just("upsert"),
    IDS,
    st.sampled_from(["a", "b", None]),
    st.sampled_from([(), ("x",), ("y",), ("x", "y")]),
    st.sampled_from(["id", "en", "en-US", "zh-TW"]),
    st.integers(-40, 6),  # published, hours from the first clock: some scheduled ahead of it
    st.sampled_from([None, 1, 30]),  # updated, hours after published: some after the clock
    st.sampled_from(["published", "draft"]),
    st.integers(0, 2),  # a title version: the same placement with other text
    st.sampled_from([("Ana",), ("Budi",), ("Ana", "Budi")]),
)
STEP = st.one_of(UPSERT, st.tuples(st.just("delete"), IDS), st.tuples(st.just("clock"), st.sampled_from([0, 1, 5, 20])))


def _article(op: tuple) -> object:
    _, n, section, tags, lang, hours, updated, status, version, authors = op
    published = NOW + timedelta(hours=hours)
    return make_article(
        n,
        authors=tuple(Author(a) for a in authors),
        title=f"Artikel {n} v{version}",
        section=section,
        tags=tags,
        language=lang,
        published=published,
        updated=published + timedelta(hours=updated) if updated is not None else None,
        status=status,
    )


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(".")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=3, max_size=9))
def test_incremental_tree_equals_a_full_rebuild_after_every_step(steps):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = parse_config(tomllib.loads(SITE_TOML + FEEDS_TOML + FAMILIES_TOML), "incremental.toml", root)
        now = NOW
        with open_store(str(root / "store.sqlite3"), create=True) as store:
            for i, step in enumerate(steps):
                if step[0] == "upsert":
                    store.upsert([_article(step)])
                elif step[0] == "delete":
                    store.mark_deleted([f"art-{step[1]}"])
                else:
                    now += timedelta(hours=step[1])
                incremental = run_once(config, store, now)
                fresh = dataclasses.replace(config, output_dir=root / f"full-{i}")
                full = run_once(fresh, store, now, full=True)
                assert incremental.ok and full.ok
                assert _tree(config.output_dir) == _tree(fresh.output_dir), f"after step {i}: {step}"


def test_a_change_renders_only_the_feeds_it_can_reach(tmp_path):
    config = parse_config(tomllib.loads(SITE_TOML + FEEDS_TOML), "incremental.toml", tmp_path)
    with open_store(str(tmp_path / "store.sqlite3"), create=True) as store:
        store.upsert([make_article(n, section="a" if n % 2 else "b", tags=("x",) if n % 3 == 0 else (), language="en") for n in range(10)])
        first = run_once(config, store, NOW, ["feeds"])
        assert first.skipped == 0 and first.count("written") > 0

        # Nothing changed: nothing rendered, nothing written.
        idle = run_once(config, store, NOW + timedelta(minutes=1), ["feeds"])
        assert idle.results == [] and idle.skipped == sum(len(feed_paths(f)) for f in config.feeds)

        # art-1 gets a new title.  It is below the floor of "all" (art-9..art-6) and of "a"
        # (art-9, art-7), in neither "b-en", "x" nor "zh": only the archived feed holds it.
        store.upsert([make_article(1, section="a", language="en", title="Baru")])
        one = run_once(config, store, NOW + timedelta(minutes=2), ["feeds"])
        assert {r.path.split("/")[0] for r in one.results} == {"history"}
        assert b"Baru" in b"".join(p.read_bytes() for p in (config.output_dir / "history").rglob("*.xml"))

        # The newest article changes section: it leaves "a", b-en gains it, and its item changes
        # in "all", "x" (its category) and the history; "zh" cannot hold it, before or after.
        store.upsert([make_article(9, section="b", language="en", tags=("x",))])
        moved = run_once(config, store, NOW + timedelta(minutes=3), ["feeds"])
        assert {r.path.split("/")[0] for r in moved.results} == {"all", "a", "b-en", "x", "history"}
        assert b"art-9" not in (config.output_dir / "a" / "rss.xml").read_bytes()
        assert b"art-9" in (config.output_dir / "b-en" / "rss.xml").read_bytes()


def test_a_missing_or_unreadable_record_means_a_full_build(tmp_path):
    config = parse_config(tomllib.loads(SITE_TOML + FEEDS_TOML), "incremental.toml", tmp_path)
    with open_store(str(tmp_path / "store.sqlite3"), create=True) as store:
        store.upsert([make_article(n) for n in range(3)])
        run_once(config, store, NOW, ["feeds"])
        state = config.output_dir / STATE_NAME
        assert state.is_file()
        state.write_bytes(b"{not json")
        again = run_once(config, store, NOW + timedelta(minutes=1), ["feeds"])
        assert again.skipped == 0 and {r.outcome for r in again.results} == {"unchanged"}
        # A deleted output is rendered again even though nothing changed in the store.
        (config.output_dir / "x" / "atom.xml").unlink()
        third = run_once(config, store, NOW + timedelta(minutes=2), ["feeds"])
        assert {r.path for r in third.results} == {"x/rss.xml", "x/atom.xml"}
        assert (config.output_dir / "x" / "atom.xml").is_file()


@given(
    st.builds(
        FeedFilter,
        st.sampled_from([None, "a", "b"]),
        st.sampled_from([None, "x", "y"]),
        st.sampled_from([None, "en", "zh", "zh-tw", "EN"]),
        st.sampled_from([None, "Ana", "Budi"]),
    ),
    st.lists(UPSERT, min_size=1, max_size=8),
)
@settings(max_examples=40, deadline=None)
def test_the_plans_filter_agrees_with_the_stores_query(flt, ops):
    """``FeedFilter.matches`` (the plan) and ``store.newest`` (SQL) select the same articles."""
    with tempfile.TemporaryDirectory() as tmp, open_store(str(Path(tmp) / "s.sqlite3"), create=True) as store:
        articles = {a.id: a for a in map(_article, ops)}
        store.upsert(list(articles.values()))
        far = NOW + timedelta(days=30)
        by_sql = {a.id for a in store.newest(flt, 1000, until=far)}
        by_plan = {a.id for a in articles.values() if a.status == "published" and flt.matches(facets(a))}
        assert by_sql == by_plan


def test_plan_without_a_record_renders_everything(tmp_path):
    config = parse_config(tomllib.loads(SITE_TOML + FEEDS_TOML), "incremental.toml", tmp_path)
    with open_store(str(tmp_path / "store.sqlite3"), create=True) as store:
        plan = Plan(tmp_path, config.store.url, NOW, set())
        assert plan.todo(config.feeds, store, full=False) == list(config.feeds)
