"""`feedhub ingest` end to end: files → the real CLI → the store (issue 2).

Most tests call ``feedhub.cli.main`` in-process (fast, captured with capsys);
the ``test_subprocess_*`` ones run ``python -m feedhub`` for real.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from conftest import SITE_TOML, make_article
from feedhub import ingest
from feedhub.cli import main
from feedhub.model import FeedFilter, article_to_dict
from feedhub.store import open_store

CONFIG = SITE_TOML


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A site directory with its config.toml, as the working directory."""
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


@pytest.fixture
def cli(site, capsys):
    """Run ``feedhub ingest --config config.toml ARGS``; returns (exit code, stdout lines, stderr lines)."""

    def run(*args: str) -> tuple[int, list[str], list[str]]:
        code = main(["ingest", "--config", "config.toml", *args])
        out, err = capsys.readouterr()
        return code, out.splitlines(), err.splitlines()

    return run


@contextmanager
def opened(site: Path):
    """The site's store, read after the command finished."""
    store = open_store("sqlite:///" + str(site / "store.sqlite3"))
    try:
        yield store
    finally:
        store.close()


def record(n: int, **overrides) -> dict:
    return {**article_to_dict(make_article(n)), **overrides}


def write_ndjson(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def summary(new=0, updated=0, unchanged=0, rejected=0) -> str:
    return f"ingested {new + updated + unchanged} (new {new}, updated {updated}, unchanged {unchanged}), rejected {rejected}"


def assert_one_line_user_error(code, out, err):
    assert code == 2
    assert out == []
    assert len(err) == 1, err
    assert err[0].startswith("feedhub: ")
    assert "Traceback" not in err[0]


# -- the summary and the rejection lines -------------------------------------------------


def test_all_good_exits_zero(cli, site):
    write_ndjson(site / "articles.ndjson", [record(n) for n in range(1, 4)])
    code, out, err = cli("articles.ndjson")
    assert (code, out, err) == (0, [summary(new=3)], [])
    with opened(site) as store:
        assert store.count() == 3
        assert store.get("art-2") == make_article(2)


def test_summary_and_rejection_lines_exact(cli, site):
    write_ndjson(site / "first.ndjson", [record(n) for n in range(1, 9)])
    assert cli("first.ndjson")[0] == 0
    records = []
    for n in range(1, 1001):
        r = record(n)
        if n <= 8:
            r["title"] = f"Judul diperbarui {n}"
        if n == 17:
            r["published"] = "kemarin"
        if n == 500:
            r["url"] = "/berita/500"
        records.append(r)
    write_ndjson(site / "articles.ndjson", records)

    code, out, err = cli("articles.ndjson")

    assert code == 1
    assert out == ["ingested 998 (new 990, updated 8, unchanged 0), rejected 2"]
    assert err == [
        "rejected: articles.ndjson:17 id=art-17: published: cannot read date 'kemarin'",
        "rejected: articles.ndjson:500 id=art-500: url: must be an absolute http(s) URL, got '/berita/500'",
    ]
    with opened(site) as store:
        assert store.count() == 998
        assert store.get("art-17") is None and store.get("art-500") is None
        assert store.get("art-1").title == "Judul diperbarui 1"
        assert store.get("art-999") == make_article(999)


def test_good_records_stored_when_others_rejected(cli, site):
    write_ndjson(site / "a.ndjson", [{"title": "tanpa id"}, record(1), record(2, tags="berita"), record(3), "bukan objek"])
    code, out, err = cli("a.ndjson")
    assert code == 1
    assert out == [summary(new=2, rejected=3)]
    assert err == [
        "rejected: a.ndjson:1 id: is required",
        "rejected: a.ndjson:3 id=art-2: tags: must be a list, got a string",
        "rejected: a.ndjson:5 (record): must be a JSON object, got a string",
    ]
    with opened(site) as store:
        assert sorted(a.id for a in store.newest(FeedFilter(), 10)) == ["art-1", "art-3"]


def test_only_rejections_still_exit_one(cli, site):
    write_ndjson(site / "a.ndjson", [record(1, published="10")])
    code, out, err = cli("a.ndjson")
    assert (code, out) == (1, [summary(rejected=1)])
    assert err == ["rejected: a.ndjson:1 id=art-1: published: cannot read date '10'"]


def test_broken_json_line_rejected_with_its_id_and_the_rest_stored(cli, site):
    good = json.dumps(record(1))
    broken = json.dumps(record(2))[:-10]
    (site / "a.ndjson").write_text(f"{good}\n{broken}\n{json.dumps(record(3))}\n", encoding="utf-8")
    code, out, err = cli("a.ndjson")
    assert (code, out) == (1, [summary(new=2, rejected=1)])
    assert len(err) == 1
    assert err[0].startswith("rejected: a.ndjson:2 id=art-2: (record): not valid JSON: ")


def test_empty_file(cli, site):
    (site / "empty.ndjson").write_text("\n\n", encoding="utf-8")
    assert cli("empty.ndjson") == (0, [summary()], [])


def test_several_files_in_one_command(cli, site):
    write_ndjson(site / "a.ndjson", [record(1), record(2)])
    write_ndjson(site / "b.ndjson", [record(3), record(2, title="baru"), record(4, url="x")])
    code, out, err = cli("a.ndjson", "b.ndjson")
    assert code == 1
    assert out == [summary(new=3, updated=1, rejected=1)]
    assert err == ["rejected: b.ndjson:3 id=art-4: url: must be an absolute http(s) URL, got 'x'"]


# -- idempotency, updates, deletion ------------------------------------------------------


def test_reingest_is_idempotent(cli, site):
    path = write_ndjson(site / "a.ndjson", [record(n) for n in range(1, 6)] + [record(6, published="2024-06-19T20:30:00")])
    assert cli("a.ndjson") == (0, [summary(new=6)], [])
    with opened(site) as store:
        token = store.change_token()
        before = [store.get(f"art-{n}") for n in range(1, 7)]
    assert cli(str(path)) == (0, [summary(unchanged=6)], [])
    with opened(site) as store:
        assert store.change_token() == token
        assert [store.get(f"art-{n}") for n in range(1, 7)] == before


def test_update_counted_and_stored(cli, site):
    write_ndjson(site / "a.ndjson", [record(1), record(2)])
    cli("a.ndjson")
    with opened(site) as store:
        token = store.change_token()
    write_ndjson(site / "b.ndjson", [record(1), record(2, title="Judul koreksi", updated="2024-06-20T08:00:00+07:00")])
    assert cli("b.ndjson") == (0, [summary(updated=1, unchanged=1)], [])
    with opened(site) as store:
        assert store.change_token() > token
        assert store.get("art-2").title == "Judul koreksi"


def test_deletion_removes_article_from_queries(cli, site):
    write_ndjson(site / "a.ndjson", [record(1), record(2)])
    cli("a.ndjson")
    write_ndjson(site / "del.ndjson", [record(1, status="deleted")])
    assert cli("del.ndjson") == (0, [summary(updated=1)], [])
    with opened(site) as store:
        assert [a.id for a in store.newest(FeedFilter(), 10)] == ["art-2"]
        assert store.count() == 1
    # Deleting again is a no-op like any unchanged record.
    assert cli("del.ndjson") == (0, [summary(unchanged=1)], [])


def test_duplicate_id_within_one_file_last_version_wins(cli, site):
    first = record(1, tags=["lama"])
    last = record(1, tags=["baru"], title="Versi terakhir")
    write_ndjson(site / "a.ndjson", [first, record(2), last])
    assert cli("a.ndjson") == (0, [summary(new=2, updated=1)], [])
    with opened(site) as store:
        assert store.count() == 1 + 1
        assert store.get("art-1").title == "Versi terakhir"
        assert store.newest(FeedFilter(tag="lama"), 10) == []
        assert [a.id for a in store.newest(FeedFilter(tag="baru"), 10)] == ["art-1"]


def test_identical_duplicate_within_one_file_counts_unchanged(cli, site):
    write_ndjson(site / "a.ndjson", [record(1), record(1)])
    assert cli("a.ndjson") == (0, [summary(new=1, unchanged=1)], [])


def test_batch_larger_than_ingest_batch_all_stored(cli, site, monkeypatch):
    monkeypatch.setattr(ingest, "BATCH", 200)
    n = 500
    assert n > 2 * ingest.BATCH  # several transactions, a partial last one
    write_ndjson(site / "big.ndjson", (record(i) for i in range(1, n + 1)))
    assert cli("big.ndjson") == (0, [summary(new=n)], [])
    with opened(site) as store:
        assert store.count() == n
        assert store.get("art-1") == make_article(1)
        assert store.get(f"art-{n}") == make_article(n)
        assert len(list(store.iter_sitemap_rows())) == n
    assert cli("big.ndjson") == (0, [summary(unchanged=n)], [])


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "worker-processes"])
def test_worker_processes_report_and_store_exactly_what_in_process_ingest_does(cli, site, monkeypatch, workers):
    monkeypatch.setattr(ingest, "PARALLEL_BYTES", 0)  # every file counts as large
    monkeypatch.setattr(ingest, "WORKERS", workers)
    monkeypatch.setattr(ingest, "_BLOCK_BYTES", 1500)  # many blocks, so order across workers matters
    lines = [json.dumps(record(n), ensure_ascii=False) for n in range(1, 60)]
    lines[9] = json.dumps(record(10, published="kemarin"))
    lines[19] = '{"id": "art-20", "title": broken'
    lines[29] = json.dumps(record(30, title="Judul\x01"))
    lines[39] = json.dumps(record(1, title="Versi baru"))  # art-1 again, later in the file
    (site / "big.ndjson").write_bytes(("\n".join(lines) + "\n").encode())
    code, out, err = cli("big.ndjson")
    assert code == 1
    assert out == [summary(new=56, updated=1, rejected=2)]  # 59 lines: 2 rejected, art-1 twice
    assert err == [
        "warning: big.ndjson:30 id=art-30: title: removed 1 character XML 1.0 forbids",
        "rejected: big.ndjson:10 id=art-10: published: cannot read date 'kemarin'",
        "rejected: big.ndjson:20 id=art-20: (record): not valid JSON: Expecting value at column 27",
    ]
    with opened(site) as store:
        assert store.count() == 56
        assert store.get("art-1").title == "Versi baru"
        assert store.get("art-59") == make_article(59)


# -- input formats ---------------------------------------------------------------------


def test_json_array_with_line_numbers(cli, site):
    bad = json.dumps(record(2, url="/relatif"), indent=2).replace("\n", "\n  ")
    text = "[\n" f"  {json.dumps(record(1))},\n" f"  {bad},\n" f"  {json.dumps(record(3, title=''))}, {json.dumps(record(4))}\n" "]\n"
    (site / "a.json").write_text(text, encoding="utf-8")
    code, out, err = cli("a.json")
    assert code == 1
    assert out == [summary(new=2, rejected=2)]
    line_of_3 = text.splitlines().index(next(line for line in text.splitlines() if '"art-3"' in line)) + 1
    assert err == [
        "rejected: a.json:3 id=art-2: url: must be an absolute http(s) URL, got '/relatif'",
        f"rejected: a.json:{line_of_3} id=art-3: title: must not be empty",
    ]


def test_line_numbers_count_leading_and_blank_lines(cli, site):
    text = "\n\n" + json.dumps(record(1)) + "\n\n" + json.dumps(record(2, title=" ")) + "\r\n"
    (site / "a.ndjson").write_text(text, encoding="utf-8", newline="")
    assert cli("a.ndjson") == (1, [summary(new=1, rejected=1)], ["rejected: a.ndjson:5 id=art-2: title: must not be empty"])
    arr = "\n\n\n[\n" + json.dumps(record(3)) + ",\n" + json.dumps(record(4, title=" ")) + "\n]"
    (site / "a.json").write_text(arr, encoding="utf-8")
    assert cli("a.json") == (1, [summary(new=1, rejected=1)], ["rejected: a.json:6 id=art-4: title: must not be empty"])


def test_utf8_bom_accepted(cli, site):
    (site / "bom.ndjson").write_bytes(b"\xef\xbb\xbf" + (json.dumps(record(1)) + "\n").encode())
    (site / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps([record(2)]).encode())
    assert cli("bom.ndjson", "bom.json") == (0, [summary(new=2)], [])


def test_stdin_dash(cli, site, monkeypatch):
    text = json.dumps(record(1)) + "\n" + json.dumps(record(2, published="kemarin")) + "\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code, out, err = cli("-")
    assert (code, out) == (1, [summary(new=1, rejected=1)])
    assert err == ["rejected: <stdin>:2 id=art-2: published: cannot read date 'kemarin'"]
    with opened(site) as store:
        assert store.get("art-1") == make_article(1)


def test_illegal_characters_stripped_with_warning(cli, site):
    line = json.dumps(record(1, title="Judul\x00 ini", images=[{"url": "https://genpi.example/1.jpg", "caption": "Foto\x1f"}]))
    assert "\\u0000" in line  # as JSON sends it
    (site / "a.ndjson").write_text(line + "\n", encoding="utf-8")
    code, out, err = cli("a.ndjson")
    assert (code, out) == (0, [summary(new=1)])
    assert err == [
        "warning: a.ndjson:1 id=art-1: title: removed 1 character XML 1.0 forbids",
        "warning: a.ndjson:1 id=art-1: images[0].caption: removed 1 character XML 1.0 forbids",
    ]
    with opened(site) as store:
        a = store.get("art-1")
        assert (a.title, a.images[0].caption) == ("Judul ini", "Foto")


@pytest.mark.parametrize(
    ("title", "how"),
    [
        ("Judul\x01 ini", "raw"),  # a CMS that writes control characters unescaped
        ("Judul\x01 ini", "escaped"),
        ("Judul\b ini", "escaped"),
        ("Judul\ufffe ini", "raw"),
        ("Judul\ud800 ini", "escaped"),
    ],
    ids=["raw-c0", "escaped-c0", "backspace", "raw-fffe", "lone-surrogate"],
)
def test_every_spelling_of_an_illegal_character_is_stripped_not_fatal(cli, site, title, how):
    line = json.dumps(record(1, title=title), ensure_ascii=(how == "escaped"))
    if how == "raw":
        line = line.replace(json.dumps(title, ensure_ascii=False)[1:-1], title)  # json.dumps escapes C0 anyway
        assert title[5] in line
    (site / "a.ndjson").write_text(line + "\n", encoding="utf-8", errors="surrogatepass")
    code, out, err = cli("a.ndjson")
    assert (code, out) == (0, [summary(new=1)])
    assert err == ["warning: a.ndjson:1 id=art-1: title: removed 1 character XML 1.0 forbids"]
    with opened(site) as store:
        assert store.get("art-1").title == "Judul ini"


def test_clean_lines_skip_the_per_field_search_but_keep_the_text(cli, site):
    hostile = "“Kutipan” & <b>tebal</b> ]]> \t tab, emoji 😀, عربى"
    write_ndjson(site / "a.ndjson", [record(1, title=hostile, summary=hostile)])
    code, out, err = cli("a.ndjson")
    assert (code, out, err) == (0, [summary(new=1)], [])
    with opened(site) as store:
        assert store.get("art-1").title == hostile


# -- user errors: one line, exit 2, nothing written --------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not json\nat all\n", "notes.txt: not JSON (expected one object per line or a JSON array)"),
        (b"id,url,title\nart-1,https://genpi.example/1,Judul\n", "notes.txt: not JSON (expected one object per line or a JSON array)"),
        (b'[{"id": "art-1"},\n{"id": ', "notes.txt:2: not valid JSON: Expecting value"),
        (gzip.compress(b'{"id": "art-1"}\n' * 50), "notes.txt: not UTF-8 text"),
    ],
    ids=["text", "csv", "broken-array", "gzip"],
)
def test_not_json_file_is_one_line_and_nothing_stored(cli, site, content, message):
    (site / "notes.txt").write_bytes(content)
    code, out, err = cli("notes.txt")
    assert_one_line_user_error(code, out, err)
    assert err[0].startswith(f"feedhub: {message}")
    with opened(site) as store:
        assert store.count(None) == 0


def test_non_utf8_line_mid_file_costs_only_that_record(cli, site):
    good = [json.dumps(record(n), ensure_ascii=False).encode() for n in range(1, 4)]
    broken = json.dumps(record(9, title="Judul \u00e9")).encode().replace(b"\\u00e9", b"\xe9")
    (site / "mixed.ndjson").write_bytes(b"\n".join([good[0], good[1], broken, good[2]]) + b"\n")
    code, out, err = cli("mixed.ndjson")
    assert code == 1
    assert out == [summary(new=3, rejected=1)]
    assert err == ["rejected: mixed.ndjson:3 id=art-9: (record): not UTF-8 text"]
    with opened(site) as store:
        assert store.count() == 3 and store.get("art-9") is None


def test_not_json_file_after_a_good_one_stores_nothing(cli, site):
    write_ndjson(site / "good.ndjson", [record(1)])
    (site / "notes.txt").write_text("bukan json\n", encoding="utf-8")
    code, out, err = cli("good.ndjson", "notes.txt")
    assert_one_line_user_error(code, out, err)
    with opened(site) as store:
        assert store.count(None) == 0


def test_missing_file_is_one_line_and_nothing_stored(cli, site):
    write_ndjson(site / "good.ndjson", [record(1)])
    code, out, err = cli("good.ndjson", "nope.ndjson")
    assert_one_line_user_error(code, out, err)
    assert err == ["feedhub: nope.ndjson: no such file"]
    with opened(site) as store:
        assert store.count(None) == 0


def test_directory_given_as_file(cli, site):
    (site / "dir").mkdir()
    code, out, err = cli("dir")
    assert_one_line_user_error(code, out, err)
    assert err[0].startswith("feedhub: dir: cannot read")


def test_corrupt_store_is_one_line_and_left_untouched(cli, site):
    garbage = os.urandom(8192)
    (site / "store.sqlite3").write_bytes(garbage)
    write_ndjson(site / "a.ndjson", [record(1)])
    code, out, err = cli("a.ndjson")
    assert_one_line_user_error(code, out, err)
    assert str(site / "store.sqlite3") in err[0]
    assert (site / "store.sqlite3").read_bytes() == garbage


def test_bad_config_is_one_line(cli, site):
    (site / "config.toml").write_text(CONFIG.replace('timezone = "Asia/Jakarta"', 'timezone = "Asia/Jakarte"'), encoding="utf-8")
    write_ndjson(site / "a.ndjson", [record(1)])
    code, out, err = cli("a.ndjson")
    assert_one_line_user_error(code, out, err)
    assert err[0].startswith('feedhub: config.toml: site.timezone: unknown time zone "Asia/Jakarte"')
    assert not (site / "store.sqlite3").exists()


# -- the real command ----------------------------------------------------------------------


def _run(args, cwd, stdin=None):
    env = {k: v for k, v in os.environ.items() if k != "FEEDHUB_CONFIG"}
    return subprocess.run([sys.executable, "-m", "feedhub", *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120)


def test_subprocess_ingest_with_tmp_config(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "config.toml").write_text(CONFIG, encoding="utf-8")
    write_ndjson(site / "articles.ndjson", [record(1), record(2), record(3, published="kemarin")])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    p = _run(["ingest", "--config", str(site / "config.toml"), str(site / "articles.ndjson")], cwd=elsewhere)

    assert p.returncode == 1
    assert p.stdout == summary(new=2, rejected=1) + "\n"
    assert p.stderr == f"rejected: {site / 'articles.ndjson'}:3 id=art-3: published: cannot read date 'kemarin'\n"
    assert list(elsewhere.iterdir()) == []  # the store sits next to the config, not in the cwd
    with opened(site) as store:
        assert store.count() == 2

    p = _run(["ingest", "--config", str(site / "config.toml"), "-"], cwd=elsewhere, stdin=json.dumps(record(1)) + "\n" + json.dumps(record(4)) + "\n")
    assert (p.returncode, p.stdout, p.stderr) == (0, summary(new=1, unchanged=1) + "\n", "")


def test_subprocess_user_errors_have_no_traceback(tmp_path):
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not json\n", encoding="utf-8")
    for args in (["ingest", "notes.txt"], ["ingest", "nope.ndjson"]):
        p = _run(args, cwd=tmp_path)
        assert p.returncode == 2, p.stderr
        assert p.stdout == ""
        assert len(p.stderr.splitlines()) == 1 and p.stderr.startswith("feedhub: "), p.stderr
    (tmp_path / "store.sqlite3").write_bytes(os.urandom(4096))
    (tmp_path / "a.ndjson").write_text(json.dumps(record(1)) + "\n", encoding="utf-8")
    p = _run(["ingest", "a.ndjson"], cwd=tmp_path)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert len(p.stderr.splitlines()) == 1 and "store.sqlite3" in p.stderr


# -- nothing in a record can cost the file (issue 11) ----------------------------------------------

def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


HOSTILE_LINES = [
    # (line bytes, the rejection line that must name it, or None when the record is accepted)
    (json.dumps(record(11, published="2024-06-19T20:30:00+25:00")), "id=art-11: published: '2024-06-19T20:30:00+25:00' has offset +25:00"),
    (json.dumps(record(12, published="2024-06-19T20:30:00+2400")), "id=art-12: published: '2024-06-19T20:30:00+2400' has offset +24:00"),
    (json.dumps(record(13, published="2024-06-19T20:30:00-9999")), "id=art-13: published: '2024-06-19T20:30:00-9999' has offset"),
    (json.dumps(record(14, published="June 19 2024 8:30pm UTC+30")), "id=art-14: published: 'June 19 2024 8:30pm UTC+30' has offset +30:00"),
    (json.dumps(record(15, extra=0)).replace('"extra": 0', '"extra": ' + "9" * 5000), "id=art-15: (record): holds a number of more than 4,300 digits"),
    (json.dumps(record(16, images=[{"url": "https://genpi.example/1.jpg", "width": 0}])).replace('"width": 0', '"width": ' + "7" * 4301), "id=art-16: (record): holds a number"),
    ("[" * 100_000 + "]" * 100_000, "(record): nested deeper than 32 levels"),
    (json.dumps(record(17, extra=_nested(40))), "id=art-17: extra: nested deeper than 32 levels"),
    (json.dumps(record(18, title="x" * 10_000_000)), "id=art-18: (record): is 10,"),
    (json.dumps(record(19, published="Wed, 19 Jun 2024 20:30:00 CET")), "id=art-19: published: 'Wed, 19 Jun 2024 20:30:00 CET' names time zone 'CET'"),
    (json.dumps(record(20, published="Wed, 19 Jun 2024 20:30:00 EST")), None),
    (json.dumps(record(21, published="Wed, 19 Jun 2024 20:30:00 WIB")), None),
]


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "worker-processes"])
def test_hostile_records_cost_only_themselves(cli, site, monkeypatch, workers):
    monkeypatch.setattr(ingest, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(ingest, "WORKERS", workers)
    monkeypatch.setattr(ingest, "_BLOCK_BYTES", 700)
    lines = [json.dumps(record(1))] + [line for line, _ in HOSTILE_LINES] + [json.dumps(record(2))]
    (site / "a.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("a.ndjson")
    expected = [(n, why) for n, (_, why) in enumerate(HOSTILE_LINES, 2) if why]
    assert code == 1
    assert out == [summary(new=4, rejected=len(expected))]
    assert len(err) == len(expected)
    for line, (n, why) in zip(err, expected, strict=True):
        assert line.startswith(f"rejected: a.ndjson:{n} {why}"), line
        assert len(line) < 400
    with opened(site) as store:
        assert store.get("art-2") == make_article(2)
        assert store.get("art-20").published == datetime(2024, 6, 20, 1, 30, tzinfo=UTC)
        assert store.get("art-21").published == datetime(2024, 6, 19, 13, 30, tzinfo=UTC)


def test_file_over_four_mib_in_worker_processes_keeps_its_good_records(cli, site, monkeypatch):
    monkeypatch.setattr(ingest, "WORKERS", 2)
    good = [json.dumps(record(n, summary="Ringkasan. " * 60)) for n in range(1, 4001)]
    good[1000] = HOSTILE_LINES[0][0]  # an offset of 25 h, deep in a worker's chunk
    good[1500] = "[" * 100_000
    (site / "big.ndjson").write_text("\n".join(good) + "\n", encoding="utf-8")
    assert (site / "big.ndjson").stat().st_size >= ingest.PARALLEL_BYTES
    code, out, err = cli("big.ndjson")
    assert (code, out) == (1, [summary(new=3998, rejected=2)])
    assert [e.split(" (record)")[0].split(" id=")[0] for e in err] == ["rejected: big.ndjson:1001", "rejected: big.ndjson:1501"]


def test_a_large_pipe_is_prepared_in_worker_processes_too(cli, site, monkeypatch):
    # stdin's size is unknown until read: the first 4 MiB decide, as a file's size does.
    monkeypatch.setattr(ingest, "WORKERS", 2)
    real_prepare = ingest._prepare

    def noting_process(*args):  # runs in whichever process prepares the record
        lineno, result, warnings = real_prepare(*args)
        return lineno, result, [*warnings, f"prepared by {os.getpid()}"]

    monkeypatch.setattr(ingest, "_prepare", noting_process)
    lines = [json.dumps(record(n, summary="Ringkasan. " * 60)) for n in range(1, 4001)]
    lines[2999] = json.dumps(record(3000, published="kemarin"))
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) >= ingest.PARALLEL_BYTES
    (site / "big.ndjson").write_bytes(data)
    # A real pipe from another process (a thread's write end would be inherited by the workers).
    with subprocess.Popen(["cat", "big.ndjson"], stdout=subprocess.PIPE) as feeder:
        assert feeder.stdout is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(feeder.stdout))
        code, out, err = cli("-")
    assert (code, out) == (1, [summary(new=3999, rejected=1)])
    assert [e for e in err if e.startswith("rejected")] == ["rejected: <stdin>:3000 id=art-3000: published: cannot read date 'kemarin'"]
    preparers = {e.rsplit(" ", 1)[1] for e in err if "prepared by" in e}
    assert len([e for e in err if "prepared by" in e]) == 3999  # every stored record, once
    assert preparers - {str(os.getpid())}, "no record was prepared in a worker process"
    with opened(site) as store:
        assert store.count(None) == 3999
        assert store.get("art-4000").title == make_article(4000).title


def test_json_array_element_too_deep_or_too_large_costs_that_element(cli, site):
    deep = "[" * 100_000 + "]" * 100_000
    huge = '{"id": "art-9", "x": ' + "9" * 5000 + "}"
    text = "[\n" + json.dumps(record(1)) + ",\n" + deep + ",\n" + huge + ",\n" + json.dumps(record(2)) + "\n]\n"
    (site / "a.json").write_text(text, encoding="utf-8")
    code, out, err = cli("a.json")
    assert (code, out) == (1, [summary(new=2, rejected=2)])
    assert err == [
        "rejected: a.json:3 (record): nested deeper than 32 levels",
        "rejected: a.json:4 id=art-9: (record): holds a number of more than 4,300 digits",
    ]


# -- NDJSON or JSON array: not decided by line 1 alone (issue 11) ------------------------------------


def test_non_utf8_first_line_costs_only_that_line(cli, site):
    (site / "a.ndjson").write_bytes(b"\xff\n" + json.dumps(record(1)).encode() + b"\n")
    assert cli("a.ndjson") == (1, [summary(new=1, rejected=1)], ["rejected: a.ndjson:1 (record): not UTF-8 text"])


def test_non_json_first_lines_then_records(cli, site):
    (site / "a.ndjson").write_bytes(b"garbage\n\n" + json.dumps(record(1)).encode() + b"\n")
    code, out, err = cli("a.ndjson")
    assert (code, out) == (1, [summary(new=1, rejected=1)])
    assert err[0].startswith("rejected: a.ndjson:1 (record): not valid JSON")


def test_array_first_line_in_ndjson_costs_only_that_record(cli, site):
    (site / "a.ndjson").write_text("[1]\n" + json.dumps(record(1)) + "\n" + json.dumps(record(2)) + "\n", encoding="utf-8")
    assert cli("a.ndjson") == (1, [summary(new=2, rejected=1)], ["rejected: a.ndjson:1 (record): must be a JSON object, got a list"])


def test_one_line_array_and_array_with_extra_data(cli, site):
    (site / "one.json").write_text(json.dumps([record(1), record(2)]) + "\n", encoding="utf-8")
    assert cli("one.json") == (0, [summary(new=2)], [])
    (site / "extra.json").write_text(json.dumps([record(3)]) + " x\n", encoding="utf-8")
    code, out, err = cli("extra.json")
    assert_one_line_user_error(code, out, err)
    assert err == ["feedhub: extra.json:1: not valid JSON: Extra data"]
    # Two lines, each a whole array: two NDJSON records, each judged on its own.
    (site / "two.ndjson").write_text(json.dumps([record(3)]) + "\n" + json.dumps(record(4)) + "\n", encoding="utf-8")
    assert cli("two.ndjson") == (1, [summary(new=1, rejected=1)], ["rejected: two.ndjson:1 (record): must be a JSON object, got a list"])


# -- every problem of a record, delete by id, future updates (issue 10) --------------------------------


def test_every_problem_of_a_record_is_one_line_each(cli, site):
    write_ndjson(site / "a.ndjson", [record(1), record(2, url="genpi.example/2", title="", published="yesterday")])
    code, out, err = cli("a.ndjson")
    assert (code, out) == (1, [summary(new=1, rejected=1)])
    assert err == [
        "rejected: a.ndjson:2 id=art-2: url: must be an absolute http(s) URL, got 'genpi.example/2'",
        "rejected: a.ndjson:2 id=art-2: title: must not be empty",
        "rejected: a.ndjson:2 id=art-2: published: cannot read date 'yesterday'",
    ]


def test_delete_by_id_alone(cli, site):
    write_ndjson(site / "a.ndjson", [record(1), record(2)])
    cli("a.ndjson")
    with opened(site) as store:
        token = store.change_token()
    write_ndjson(site / "del.ndjson", [{"id": "art-1", "status": "deleted"}, {"id": "art-99", "status": "deleted"}])
    code, out, err = cli("del.ndjson")
    assert code == 0
    assert out == ["ingested 0 (new 0, updated 0, unchanged 0), deleted 1 (1 not in the store), rejected 0"]
    assert err == ["warning: del.ndjson:2 id=art-99: status: deleted, but the store has no such article"]
    with opened(site) as store:
        assert store.change_token() > token
        assert store.get("art-1").status == "deleted" and store.get("art-1").title == make_article(1).title
        assert [a.id for a in store.newest(FeedFilter(), 10)] == ["art-2"]
        assert store.get("art-99") is None


def test_delete_then_reinsert_in_one_file_keeps_file_order(cli, site):
    write_ndjson(site / "a.ndjson", [record(1), {"id": "art-1", "status": "deleted"}, record(2), {"id": "art-2", "status": "deleted"}, record(2, title="Kembali")])
    code, out, _ = cli("a.ndjson")
    assert code == 0
    assert out == ["ingested 3 (new 2, updated 1, unchanged 0), deleted 2 (0 not in the store), rejected 0"]
    with opened(site) as store:
        assert store.get("art-1").status == "deleted"
        assert store.get("art-2").status == "published" and store.get("art-2").title == "Kembali"


def test_future_updated_warns_and_is_stored(cli, site):
    write_ndjson(site / "a.ndjson", [record(1, updated="2999-01-01T00:00:00+07:00")])
    code, out, err = cli("a.ndjson")
    assert (code, out) == (0, [summary(new=1)])
    assert err == ["warning: a.ndjson:1 id=art-1: updated: 2999-01-01T00:00:00+07:00 is in the future; outputs show the build time until then"]


def test_stored_dates_of_hostile_forms_can_be_written(cli, site):
    forms = ["Wed, 19 Jun 2024 20:30:00 PDT", "2024-06-19T20:30:00-12:00", "2024-06-19T20:30:00+14:00", "19 Jun 2024 20:30 UTC+7"]
    write_ndjson(site / "a.ndjson", [record(n, published=f) for n, f in enumerate(forms, 1)])
    assert cli("a.ndjson")[0] == 0
    with opened(site) as store:
        for n in range(1, len(forms) + 1):
            a = store.get(f"art-{n}")
            assert format_datetime(a.published) and a.published.isoformat()
        assert store.get("art-1").published == datetime(2024, 6, 20, 3, 30, tzinfo=UTC)  # PDT is UTC-7
        assert store.get("art-4").published == datetime(2024, 6, 19, 13, 30, tzinfo=UTC)


def test_array_broken_after_many_good_elements_stores_nothing(cli, site):
    text = "[\n" + ",\n".join(json.dumps(record(n)) for n in range(1, 30)) + ",\n{\"id\": \n"
    (site / "a.json").write_text(text, encoding="utf-8")
    code, out, err = cli("a.json")
    assert_one_line_user_error(code, out, err)
    assert err[0].startswith("feedhub: a.json:32: not valid JSON: Expecting value")
    with opened(site) as store:
        assert store.count(None) == 0
