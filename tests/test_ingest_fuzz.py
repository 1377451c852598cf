"""Hostile files through the whole ingest path (issue 11): no traceback, every record accepted or
rejected with a reason, and what was accepted comes back from the store equal and writable.

Each example is a file: one good record, then hostile lines (wrong types, huge and nested values,
every date form and offset, invalid UTF-8, BOM, CRLF, surrogates, duplicate ids, deletions).
The suite runs a few hundred files (thousands of records); ``FEEDHUB_FUZZ_EXAMPLES=200000``
runs that many files instead (docs/import.md gives the figures of such a run).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from unittest import mock
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedhub import ingest
from feedhub.contract import Deletion, parse_record
from feedhub.errors import ArticleError
from feedhub.model import Article
from feedhub.rules import dates, limits
from feedhub.rules.urls import url_problem
from feedhub.rules.xmlchars import NOT_XML
from feedhub.store import open_store

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)
EXAMPLES = int(os.environ.get("FEEDHUB_FUZZ_EXAMPLES", "0"))
SUITE = settings(
    max_examples=EXAMPLES or 100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    derandomize=not EXAMPLES,  # the suite is repeatable; an opt-in run explores
    database=None,  # a failing example is printed in full; nothing is left in the working tree
)

# -- values ---------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "", " ", "\t\n", "Judul", "\x00", "a\x01b", "\ud800", "x\udfff", "\ufffe", "\uffff", "]]>", "<b>&amp;</b>", "😀🇮🇩",
    "\u202eevil", "\ufeff", "x" * (limits.MAX_SHORT_TEXT + 1), "https://genpi.example/a", "https://user:pw@genpi.example/p",
    "https://genpi.example/%zz", "https://bücher.example/ü?q=<>\"x", "javascript:alert(1)", "https://genpi.example/" + "a" * 2048,
]
ZONE_NAMES = [*dates.ZONES, "IST", "CET", "JST", "XYZ", "wib", "Asia/Jakarta"]
texts = st.one_of(st.text(max_size=20), st.sampled_from(HOSTILE_TEXT))


_DATE_FORMS = [
    "{iso}", "{iso}Z", "{iso}{sign}{hh}:{mm}", "{iso}{sign}{hh}{mm}", "{rfc} {sign}{hh}{mm}", "{rfc} {zone}",
    "{words} UTC{sign}{h}", "{short}", "{junk}",
]


@st.composite
def date_texts(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
    minutes = draw(st.one_of(st.integers(-12 * 60, 14 * 60), st.integers(-100 * 60, 100 * 60)))
    return draw(st.sampled_from(_DATE_FORMS)).format(
        iso=moment.isoformat(),
        sign="-" if minutes < 0 else "+",
        hh=f"{abs(minutes) // 60:02d}",
        mm=f"{abs(minutes) % 60:02d}",
        h=abs(minutes) // 60,
        rfc=moment.strftime("%a, %d %b %Y %H:%M:%S"),
        zone=ZONE_NAMES[minutes % len(ZONE_NAMES)],
        words=moment.strftime("%B %d %Y %I:%M%p"),
        short=moment.strftime("%d %b %H:%M"),
        junk=["kemarin", "yesterday", "10", "2024", "June 2024", "2024-02-30T10:00:00", "9" * 30][minutes % 7],
    )


NESTED = [[], {}, [[[]]], {"a": {"b": {"c": [1, 2, {"d": None}]}}}, [1, "x", None, True, 1.5], {"id": "x", "url": 5}]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), texts, date_texts())
json_values = st.one_of(scalars, st.lists(scalars, max_size=3), st.sampled_from(NESTED))


def _object(keys: list[str]) -> st.SearchStrategy[dict[str, object]]:
    return st.dictionaries(st.sampled_from(keys), st.one_of(texts, json_values, st.integers(-5, 2**40)), max_size=len(keys))


FIELD_VALUES = {
    "url": texts,
    "title": texts,
    "published": date_texts(),
    "updated": date_texts(),
    "summary": texts,
    "content_html": texts,
    "section": st.sampled_from(["internasional", "luar negeri", "", "a/b"]),
    "language": st.sampled_from(["id", "en", "zh-TW", "und", "x-private", "zh_TW", "", "indonesian"]),
    "status": st.sampled_from(["published", "draft", "deleted", "Published", None, 1]),
    "tags": st.lists(texts, max_size=4),
    "authors": st.lists(_object(["name", "email", "url"]), max_size=3),
    "images": st.lists(_object(["url", "caption", "credit", "type", "width", "height", "length"]), max_size=3),
    "related": st.lists(_object(["url", "title"]), max_size=3),
}


def good_record(n: int) -> dict[str, object]:
    return {
        "id": f"art-{n}",
        "url": f"https://genpi.example/berita/{n}",
        "title": f"Judul {n}",
        "published": "2024-06-19T20:30:00+07:00",
        "images": [{"url": f"https://genpi.example/img/{n}.jpg", "caption": "Foto"}],
    }


@st.composite
def records(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(0, 12))  # a small pool of ids: duplicates within a file are common
    if draw(st.integers(0, 9)) == 0:
        return {"id": f"art-{n}", "status": "deleted"}
    rec = good_record(n)
    for name in draw(st.lists(st.sampled_from([*FIELD_VALUES, "id", "extra"]), max_size=4)):
        strategy = FIELD_VALUES.get(name, json_values)
        rec[name] = draw(strategy)
    return rec


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    rec = draw(records())
    text = json.dumps(rec, ensure_ascii=draw(st.booleans()))
    line = text.encode("utf-8", "surrogatepass")  # a raw surrogate is not UTF-8: that record is rejected
    # An oversized record costs a few MB of test data: rare here, the size limit has its own tests.
    damage = draw(st.sampled_from(["none"] * 24 + ["bytes", "cut", "deep", "huge-int", "array", "crlf", "blank"] * 3 + ["big"]))
    if damage == "bytes":
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"])) + line[at:]
    elif damage == "cut":
        line = line[: draw(st.integers(0, len(line)))]
    elif damage == "deep":
        depth = draw(st.sampled_from([limits.MAX_DEPTH - 1, limits.MAX_DEPTH, 5000, 100_000]))
        line = line[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
    elif damage == "huge-int":
        line = line[:-1] + b', "n": ' + b"9" * draw(st.sampled_from([4300, 4301, 20_000])) + b"}"
    elif damage == "array":
        line = b"[" + line + b"]"
    elif damage == "big":
        line = line[:-1] + b', "pad": "' + b"x" * limits.MAX_RECORD_BYTES + b'"}'
    return line.replace(b"\n", b" ") + (b"\r\n" if damage == "crlf" else b"\n") + (b"\n" if damage == "blank" else b"")


@st.composite
def files(draw: st.DrawFn) -> bytes:
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    first = json.dumps(good_record(100)).encode() + b"\n"  # so the file is NDJSON, not "not JSON at all"
    return bom + first + b"".join(draw(st.lists(lines(), min_size=12, max_size=40)))


# -- the oracle -------------------------------------------------------------------------------


def expected_store(data: bytes, rejected_lines: set[int]) -> dict[str, Article]:
    """What the store must hold: each accepted line applied in file order."""
    held: dict[str, Article] = {}
    for lineno, line in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), 1):
        if not line.strip() or lineno in rejected_lines:
            continue
        result, _ = parse_record(json.loads(line.decode("utf-8"), strict=False), JAKARTA, "id", now=NOW)
        if isinstance(result, Deletion):
            if result.id in held:
                held[result.id] = replace(held[result.id], status="deleted")
        else:
            held[result.id] = result
    return held


def assert_writable(a: Article) -> None:
    """What every renderer relies on for an accepted article."""
    for dt in filter(None, (a.published, a.updated)):
        assert dates.EARLIEST <= dt < dates.LATEST
        assert dates.offset_problem(dt) is None
        assert datetime.fromisoformat(dt.isoformat()) == dt
        assert format_datetime(dt)[-5:] == dt.strftime("%z")
        assert dt + timedelta(days=2) > dt  # window arithmetic never overflows
    for url in [a.url, *(i.url for i in a.images), *(r.url for r in a.related), *(x.url for x in a.authors if x.url)]:
        assert url_problem(url) is None
    texts_ = [a.title, a.summary or "", a.content_html or "", *a.tags, *(i.caption or "" for i in a.images)]
    assert not any(NOT_XML.search(t) for t in texts_)
    assert len(a.title) <= limits.MAX_SHORT_TEXT


def run_file(data: bytes) -> None:
    store = open_store("sqlite:///:memory:", create=True)
    try:
        report = _ingest(data, store)
        rejected = {int(r.where.rsplit(":", 1)[1]) for r in report.rejected}
        records_in_file = sum(1 for line in data.split(b"\n") if line.strip())
        assert report.ingested + report.deleted + report.unknown + len(report.rejected) == records_in_file
        for r in report.rejected:
            assert r.error.problems and all(p.reason and "feedhub bug" not in p.reason for p in r.error.problems), r
            assert all("\n" not in line for line in r.lines())
        held = expected_store(data, rejected)
        for article_id, article in held.items():
            assert store.get(article_id) == article
            assert_writable(article)
        assert store.count(None) == len(held)
    finally:
        store.close()


def _ingest(data: bytes, store: object) -> ingest.IngestReport:
    report = ingest.IngestReport()
    site = ingest._Site(JAKARTA, "id", NOW)
    ingest._Batches(store, report).ingest("fuzz.ndjson", ingest._prepared("fuzz.ndjson", io.BytesIO(data), site))  # type: ignore[arg-type]
    return report


# -- the runs ---------------------------------------------------------------------------------


@SUITE
@given(files())
def test_hostile_files_in_process(data: bytes) -> None:
    run_file(data)


@settings(SUITE, max_examples=max(EXAMPLES // 50, 8))
@given(files())
def test_hostile_files_in_worker_processes(data: bytes) -> None:
    # Every size counts as large here, and blocks are small: many of them, out of order.
    with mock.patch.object(ingest, "PARALLEL_BYTES", 0), mock.patch.object(ingest, "WORKERS", 2), mock.patch.object(ingest, "_BLOCK_BYTES", 512):
        store = open_store("sqlite:///:memory:", create=True)
        fd, path = tempfile.mkstemp(suffix=".ndjson")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            report = ingest.ingest_files([path], store, JAKARTA, "id", now=NOW)
            in_process = _ingest(data, open_store("sqlite:///:memory:", create=True))
            assert _rejections(report) == _rejections(in_process)
            assert (report.ingested, report.deleted, report.unknown) == (in_process.ingested, in_process.deleted, in_process.unknown)
        finally:
            os.unlink(path)
            store.close()


def _rejections(report: ingest.IngestReport) -> list[tuple[str, list[str]]]:
    return [(r.where.rsplit(":", 1)[1], [str(p) for p in r.error.problems]) for r in report.rejected]


def test_an_unforeseen_failure_costs_one_record_and_says_it_is_a_bug() -> None:
    data = json.dumps(good_record(1)).encode() + b"\n" + json.dumps(good_record(2)).encode() + b"\n"
    real = ingest.to_record

    def flaky(article: Article) -> object:
        if article.id == "art-2":
            raise OverflowError("boom")
        return real(article)

    with mock.patch.object(ingest, "to_record", flaky):
        report = _ingest(data, open_store("sqlite:///:memory:", create=True))
    assert report.ingested == 1
    assert [str(r) for r in report.rejected] == ["fuzz.ndjson:2 id=art-2: (record): cannot be processed (OverflowError); this is a feedhub bug, please report it"]
    assert isinstance(report.rejected[0].error, ArticleError)
