"""Property: whatever the import contract accepts, every output is published and valid, and holds
every article that can be written into it (issue 10).

Hypothesis generates raw import records (every BCP 47 tag shape, ``und``, private use, extreme
dates and offsets, every image/related combination, hostile text, IRIs and IDN hosts); the ones
``feedhub.contract.parse_article`` accepts go into a real (in-memory) store and through the
build's renderers and its validation gate.  Each
example mixes 65 articles from 13 drawn records (about 80 % pass the contract), so the default
100 examples run over 5,000 accepted articles.
``FEEDHUB_PROPERTY_EXAMPLES=N`` runs N examples instead (the opt-in large run).
"""

from __future__ import annotations

import gzip
import os
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import JAKARTA, REPO, SITE_TOML
from feedhub import build
from feedhub.config import parse_config
from feedhub.contract import parse_article
from feedhub.document import Document
from feedhub.errors import ArticleError
from feedhub.model import Article
from feedhub.render.sitemaps import LastmodClamp
from feedhub.store import Store, open_store
from feedhub.validate import validate

NOW = datetime(2024, 6, 20, 12, 0, tzinfo=JAKARTA)
EXAMPLES = int(os.environ.get("FEEDHUB_PROPERTY_EXAMPLES", "100"))
#: Records hypothesis draws per example, and articles mixed from them (about 80 % pass the contract).
DRAWN, BATCH = 13, 65
CONFIG = parse_config(
    tomllib.loads(SITE_TOML + """
[output]
base_url = "https://genpi.example/feeds/"

[[feeds]]
name = "all"
limit = 70

[sitemap]
max_urls = 10
"""),
    "property.toml",
    REPO,
)
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}

# --- generators ---------------------------------------------------------------------------------

#: Text that tries everything XML and readers trip on: markup, CDATA ends, RTL and bidi controls,
#: emoji, combining marks, C0 controls (the contract strips those), non-characters, entities as text.
#: Drawn whole from a pool (one choice each), so that 5,000 articles take seconds, not minutes.
HOSTILE_TEXTS = [
    "Berita", "&", "&amp;", "<b>tebal</b>", "]]>", "a]]>b<![CDATA[x]]>", "مرحبا بالعالم", "שלום עולם", "😀🎉",
    "e\u0301", "\u202eevil\u202c", "\ufeffbom", "ctrl\x01\x0b\x1f", "nul\x00", "'\"quotes\"'", "日本語テキスト",
    "\ufffe\uffff", "tab\tnl\nr\r", "  ", "x" * 400, "<script>alert(1)</script>", "&#0;&#x1;", "&nbsp;", "\U0001F600" * 5,
    "Ж" * 50, "\u200f\u200e", "%zz %20", "{}|^`", "--", "?a=1&b=2", "\U00010348",
]
HOSTILE = st.one_of(st.sampled_from(HOSTILE_TEXTS), st.text(max_size=6))
TITLE = st.builds(lambda a, b: f"T {a}{b}", st.sampled_from(HOSTILE_TEXTS), HOSTILE)
HOSTS = st.sampled_from(["genpi.example", "GENPI.example:443", "bücher.example", "xn--bcher-kva.example", "other.example", "[2001:db8::1]", "genpi.example:8443"])
PATH = st.sampled_from(
    ["", "a", "berita/1", "ü/1", "日本/情報", "a b", "x<y>\"z", "%C3%BC", "%25zz", "a'b&c", "~user/(1)", "😀", "ا", "a:b@c", "{x}|^`", "x" * 2030]
)
URL = st.builds(
    lambda scheme, host, path, q: f"{scheme}://{host}/{path}{q}",
    st.sampled_from(["https", "http"]), HOSTS, PATH, st.sampled_from(["", "?a=1&b=ü", "#frag", "?q=<>\"x"]),
)
SITE_URL = st.builds(lambda path, n: f"https://genpi.example/{path}-{n}", PATH, st.integers(0, 9))
#: Every shape LANG_RE (BCP 47 as xml:lang spells it) allows: 1-8 letters, then 1-8 letters-or-digits
#: subtags, built from pieces (``st.from_regex`` costs ~7 ms a draw).
LANGS = st.one_of(
    st.sampled_from(
        ["id", "en", "en-US", "zh-TW", "zh-Hant-HK", "zh", "und", "mul", "zxx", "x-genpi", "i-klingon", "qaa", "ar", "xx",
         "sgn-BE-FR", "de-CH-1901", "en-a-bbb-x-ccc", "ID", "in", "iw", "zh-cmn-Hans-CN", "abcdefgh-12345678"]
    ),
    st.builds(
        lambda primary, rest: "-".join([primary, *rest]),
        st.sampled_from(["en", "ZH", "und", "x", "i", "qaa", "sgn", "abcdefgh", "Q", "fil", "yue"]),
        st.lists(st.sampled_from(["a", "zz", "Latn", "419", "1901", "x", "u", "co", "phonebk", "12345678", "0", "Hant"]), max_size=4),
    ),
)
OFFSETS = st.sampled_from(
    [timedelta(0), timedelta(hours=7), timedelta(hours=-12), timedelta(hours=14), timedelta(hours=5, minutes=45),
     timedelta(hours=-3, minutes=-30), timedelta(hours=7, minutes=7, seconds=12)]
)
RECENT = st.builds(lambda s, off: (NOW - timedelta(seconds=s)).astimezone(timezone(off)), st.integers(-3 * 3600, 4 * 86400), OFFSETS)
EXTREME = st.builds(
    lambda dt, off: dt.replace(tzinfo=timezone(off)),
    st.sampled_from([datetime(1, 1, 2), datetime(1, 1, 1, 12), datetime(999, 12, 31), datetime(1969, 12, 31, 23, 59, 59),
                     datetime(2000, 2, 29), datetime(2024, 6, 20, 5, 0), datetime(9999, 12, 30), datetime(2038, 1, 19, 3, 14, 8)]),
    OFFSETS,
)
WHEN = st.one_of(RECENT, RECENT, EXTREME)
IMAGE = st.fixed_dictionaries(
    {"url": st.one_of(URL, st.sampled_from(["https://genpi.example/a.jpg", "https://genpi.example/b.PNG", "https://genpi.example/c", "https://genpi.example/d.avif?x=1"]))},
    optional={
        "caption": HOSTILE,
        "credit": HOSTILE,
        "type": st.sampled_from(["image/jpeg", "image/png", "image/webp"]),
        "width": st.integers(0, 10_000),
        "height": st.integers(0, 10_000),
        "length": st.integers(0, 10**9),
    },
)
RELATED = st.fixed_dictionaries({"url": URL, "title": TITLE})
AUTHOR = st.fixed_dictionaries({"name": TITLE}, optional={"email": st.just("a@genpi.example"), "url": URL})


@st.composite
def record(draw: st.DrawFn, i: int) -> dict[str, Any]:
    published = draw(WHEN)
    rec: dict[str, Any] = {
        "id": f"p-{i}-" + draw(st.sampled_from(["", "a", "ü/😀", "&<>", "x" * 400, "a b", "%41"])),
        "url": draw(st.one_of(SITE_URL, SITE_URL, URL)),
        "title": draw(TITLE),
        "published": published.isoformat(),
        "language": draw(LANGS),
        "status": draw(st.sampled_from(["published"] * 8 + ["draft", "deleted"])),
    }
    if draw(st.booleans()) and published.year < 9999:  # an updated 10 days after 9999-12-30 has no datetime
        rec["updated"] = (published + timedelta(seconds=draw(st.integers(0, 10 * 86400)))).isoformat()
    optional = {
        "summary": HOSTILE,
        "content_html": st.one_of(HOSTILE.map(lambda t: f"<p>{t}</p>"), HOSTILE, st.just("<figure><img src=x></figure>")),
        "images": st.lists(IMAGE, max_size=3),
        "related": st.lists(RELATED, max_size=2),
        "authors": st.lists(AUTHOR, max_size=2),
        "tags": st.lists(TITLE, max_size=2),
        "section": st.sampled_from(["nasional", "olahraga", "tekno_logi"]),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            rec[key] = draw(strategy)
    return rec


def _mix(records: list[dict[str, Any]], i: int) -> dict[str, Any]:
    """Article *i* of a batch: one drawn record with the URL, photos, related links and language
    of others (generating every field per article costs hypothesis ~0.2 s per 50).  Dates stay
    with their record, so ``updated`` is never before ``published``."""
    n = len(records)
    rec = dict(records[i % n])
    rec["id"] = f"m{i}-{rec['id']}"
    for key, step in (("url", 3), ("images", 5), ("related", 7), ("language", 11)):
        donor = records[(i * step + i // n) % n]
        if key in donor:
            rec[key] = donor[key]
        else:
            rec.pop(key, None)
    return rec


@st.composite
def batch(draw: st.DrawFn) -> list[Article]:
    records = [draw(record(i)) for i in range(DRAWN)]
    articles = []
    for i in range(BATCH):
        try:
            articles.append(parse_article(_mix(records, i), ZoneInfo("Asia/Jakarta"), "id")[0])
        except (ArticleError, OverflowError):
            continue  # refused at ingest: never reaches a store
    return articles


# --- the property ---------------------------------------------------------------------------------


def _xml(doc: Document) -> bytes:
    return gzip.decompress(doc.data) if doc.path.endswith(".gz") else doc.data


def _documents(store: Store) -> Iterator[Document]:
    """Every document a full build renders, as the build renders it."""
    yield from build._feed_documents(CONFIG, store, NOW, [])
    yield from build._news_documents(CONFIG, store, NOW, [])[0]
    yield from build._archive_documents(CONFIG, store, LastmodClamp(NOW))


def _check(docs: list[Document], articles: list[Article]) -> None:
    for doc in docs:
        # Exactly the build gate's check: a document that passes it is published.
        problems = validate(doc.data, doc.kind, **build.validation_options(CONFIG, doc.kind, NOW))
        assert [str(p) for p in problems if p.severity == "error"] == [], doc.path
    by_path = {d.path: d for d in docs}
    due = [a for a in articles if a.status == "published" and a.published <= NOW]
    for path in ("all/rss.xml", "all/atom.xml"):
        doc = by_path[path]
        # Everything the contract accepts can be a feed item.
        assert (doc.left_out, doc.items) == ((), len(due)), doc.left_out
        parsed = feedparser.parse(doc.data)
        assert not parsed.bozo, (path, parsed.bozo_exception)
        assert len(parsed.entries) == doc.items
    news = by_path["news-sitemap.xml"]
    window = [a for a in due if NOW - timedelta(hours=48) < a.published]
    assert {x.rule for x in news.left_out} <= {"news-language", "sitemap-loc"}, news.left_out
    assert news.items + len(news.left_out) == len(window)
    shards = [d for d in docs if d.kind == "sitemap"]
    listed = sum(len(etree.fromstring(_xml(d)).findall("s:url", NS)) for d in shards)
    assert listed == sum(d.items for d in shards)
    assert listed + sum(len(d.left_out) for d in shards) == len(due)
    assert all(x.rule == "sitemap-loc" for d in shards for x in d.left_out)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch())
def test_every_output_is_published_valid_and_complete(articles):
    store = open_store("sqlite:///:memory:", create=True)
    try:
        store.upsert(articles)
        docs = list(_documents(store))
    finally:
        store.close()
    _check(docs, articles)
