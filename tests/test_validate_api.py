"""The public surface of feedhub.validate: Problem, detect_kind, kinds, limits, ordering."""

from __future__ import annotations

import ast
import dataclasses
import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import feedhub.validate
from feedhub.document import KINDS
from feedhub.validate import Problem, detect_kind, validate
from test_validate import ATOM, BASES, INDEX, NEWS, NOW, NS_NEWS, NS_SITEMAP, ROBOTS, RSS, SITE, SITEMAP, check, edit

PACKAGE = Path(feedhub.validate.__file__).parent


def test_problem_str():
    assert str(Problem("rss.item.guid-unique", "guid 'x' is also the guid of item 1", 12, "/rss/channel/item[3]/guid")) == (
        "line 12 /rss/channel/item[3]/guid: rss.item.guid-unique: guid 'x' is also the guid of item 1"
    )
    assert str(Problem("xml.gzip", "gzip data is truncated", None, None)) == "xml.gzip: gzip data is truncated"
    assert str(Problem("robots.syntax", "bad", 3, None, "warning")) == "line 3: robots.syntax: bad"


def test_problem_is_frozen():
    p = Problem("a", "b", 1, None)
    assert p.severity == "error"
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.rule = "c"


def test_where_counts_same_named_siblings():
    doc = edit(RSS, ('<guid isPermaLink="false">art-1</guid>', f"<guid>{SITE}/berita/artikel-2</guid>"))
    [p] = check(doc, "rss")
    assert (p.rule, p.where, p.line) == ("rss.item.guid-unique", "/rss/channel/item[2]/guid", 33)


@pytest.mark.parametrize("kind", BASES)
def test_detect_kind(kind):
    data = BASES[kind].encode()
    assert detect_kind(data) == kind
    assert detect_kind(gzip.compress(data)) == kind


def test_detect_kind_news_needs_news_elements():
    plain_with_ns = SITEMAP.replace(f'<urlset xmlns="{NS_SITEMAP}">', f'<urlset xmlns="{NS_SITEMAP}" xmlns:news="{NS_NEWS}">')
    assert detect_kind(plain_with_ns.encode()) == "sitemap"
    empty_news = f'<urlset xmlns="{NS_SITEMAP}" xmlns:news="{NS_NEWS}"/>'
    assert detect_kind(empty_news.encode()) == "news-sitemap"


@pytest.mark.parametrize("data", [b"<html/>", b"hello world", b"<rss", gzip.compress(b"", mtime=0)[:5]])
def test_detect_kind_refuses(data):
    with pytest.raises(ValueError):
        detect_kind(data)


def test_text_that_is_not_robots():
    assert [p.rule for p in validate(b"hello world")] == ["kind.unknown"]
    assert [p.rule for p in validate(b"hello world", "rss")] == ["xml.well-formed"]


def test_every_kind_is_accepted():
    for kind in KINDS:
        validate(b"", kind)  # problems, not exceptions


def test_bad_arguments():
    with pytest.raises(ValueError):
        validate(SITEMAP.encode(), "html")
    with pytest.raises(ValueError):
        validate(NEWS.encode(), "news-sitemap", now=datetime(2024, 6, 20, 12, 0))


@pytest.mark.parametrize(
    "data, kind",
    [(ATOM, "rss"), (RSS, "atom"), (SITEMAP, "sitemap-index"), (INDEX, "news-sitemap"), (SITEMAP, "robots"), (ROBOTS, "sitemap")],
)
def test_kind_mismatch(data, kind):
    assert [p.rule for p in check(data, kind)] == ["kind.mismatch"]


def test_kinds_sharing_a_root_are_validated_alike():
    assert check(INDEX, "news-sitemap-index") == check(INDEX, "sitemap-index") == []
    assert check(NEWS, "sitemap") == []  # news elements are checked, just not required
    assert {p.rule for p in check(SITEMAP, "news-sitemap")} == {"news.news"}


def test_problems_per_rule_are_capped():
    urls = "".join(f"<url><loc>{SITE}/b/{i}</loc><lastmod>2024-13-01</lastmod></url>" for i in range(60))
    problems = check(f'<urlset xmlns="{NS_SITEMAP}">{urls}</urlset>', "sitemap")
    assert [p.rule for p in problems] == ["sitemap.lastmod"] * 26
    assert problems[-1].message.startswith("35 more") and problems[-1].line is None
    assert [p.line for p in problems[:-1]] == [1] * 25


def test_problems_come_in_line_order():
    doc = edit(RSS, ("<ttl>15</ttl>", "<ttl>x</ttl>"), ("<category>nasional</category>", "<category/>"), ('version="2.0"', 'version="2"'))
    lines = [p.line for p in check(doc, "rss")]
    assert lines == sorted(lines) and len(lines) == 3


@pytest.mark.parametrize(
    "published, ok",
    [
        (NOW - timedelta(hours=48), True),
        (NOW - timedelta(hours=48, seconds=1), False),
        (NOW + timedelta(minutes=10), True),
        (NOW + timedelta(minutes=11), False),
    ],
)
def test_news_window_edges(published, ok):
    doc = edit(NEWS, ("2024-06-19T13:00:00Z", published.astimezone(UTC).isoformat().replace("+00:00", "Z")))
    assert (check(doc, "news-sitemap") == []) is ok


def test_news_window_needs_a_clock_and_follows_the_setting():
    old = edit(NEWS, ("2024-06-19T13:00:00Z", "2020-01-01T00:00:00Z"))
    assert validate(old.encode(), "news-sitemap") == []
    assert check(NEWS, "news-sitemap", news_window_hours=1) != []


@pytest.mark.parametrize(
    "site, ok",
    [(SITE, True), (SITE + "/", True), ("https://GENPI.example:443", True), ("http://genpi.example", False), ("https://genpi.example:8443", False), ("https://www.genpi.example", False)],
)
def test_same_site_compares_scheme_host_and_port(site, ok):
    problems = check(SITEMAP, "sitemap", site_url=site)
    assert (problems == []) is ok
    assert {p.rule for p in problems} <= {"sitemap.loc-host"}


def test_validate_reaches_no_further_than_document():
    """Validation sits at the end of store -> render -> validate: it imports only feedhub.document and the rules."""
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                assert node.module == "document" or node.module.startswith("rules"), f"{path.name} imports ..{node.module}"
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("feedhub") or node.module == "feedhub.document", path.name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("feedhub") for a in node.names), path.name


def test_validate_never_loads_the_official_schemas():
    """Messages may cite sitemap.xsd; nothing may load a schema (they are not shipped)."""
    for path in PACKAGE.glob("*.py"):
        text = path.read_text()
        for api in ("XMLSchema(", "RelaxNG(", "Schematron(", "etree.parse(", "open("):
            assert api not in text, f"{path.name}: {api}"
