"""``feedhub store migrate | info | copy`` (issue 17), on both backends, in-process."""

from __future__ import annotations

import json

import test_store
from conftest import SITE_TOML, make_article
from feedhub.cli import main
from feedhub.model import article_to_dict
from feedhub.store import UpsertResult, open_store
from feedhub.store.copy import checksum
from feedhub.store.migrations import SCHEMA_VERSION

# The backends' fixtures, defined once in test_store.py.
pg_url = test_store.pg_url
_pg_database = test_store._pg_database
store_url = test_store.store_url


def _articles():
    return [
        make_article(1),
        make_article(2, status="draft", tags=("b", "a")),
        make_article(3, status="deleted"),
        make_article(4, id="中文-ü", title="“😀” & <x>", language="zh-TW"),
        *[make_article(n) for n in range(5, 40)],
    ]


def test_migrate_creates_then_reports_up_to_date(store_url, capsys):
    assert main(["store", "migrate", "--url", store_url]) == 0
    assert capsys.readouterr().out.strip().endswith(f"schema version {SCHEMA_VERSION} (applied {', '.join(map(str, range(1, SCHEMA_VERSION + 1)))})")
    assert main(["store", "migrate", "--url", store_url]) == 0
    assert capsys.readouterr().out.strip().endswith(f"schema version {SCHEMA_VERSION} (up to date)")
    with open_store(store_url) as s:
        assert s.count(None) == 0


def test_info_text_and_json(store_url, capsys):
    with open_store(store_url, create=True) as s:
        s.upsert(_articles())
        token = s.change_token()
    assert main(["store", "info", "--url", store_url]) == 0
    out = capsys.readouterr().out
    assert f"schema version {SCHEMA_VERSION}, 39 articles (37 published), change token {token}" in out
    assert main(["store", "info", "--json", "--url", store_url]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["schema_version"], info["articles"], info["published"], info["change_token"]) == (SCHEMA_VERSION, 39, 37, token)


def test_info_reads_the_config_store(tmp_path, monkeypatch, capsys):
    (tmp_path / "config.toml").write_text(SITE_TOML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["store", "migrate"]) == 0
    capsys.readouterr()
    assert main(["store", "info", "--config", str(tmp_path / "config.toml")]) == 0
    assert "0 articles" in capsys.readouterr().out


def test_info_of_a_missing_store_is_one_line_error(tmp_path, capsys):
    assert main(["store", "info", "--url", str(tmp_path / "none.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err


def test_copy_between_backends_is_exact(tmp_path, pg_url, capsys):
    first, back = "sqlite:///" + str(tmp_path / "a.sqlite3"), str(tmp_path / "b.sqlite3")
    with open_store(first, create=True) as s:
        s.upsert(_articles())
        want = checksum(s.iter_records())
    assert main(["store", "copy", first, pg_url]) == 0
    assert main(["store", "copy", pg_url, back]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"copied 39 articles; count and checksum verified (blake2b {want[1][:16]})"] * 2
    for url in (pg_url, back):
        with open_store(url) as s:
            assert checksum(s.iter_records()) == want
            assert (s.count(), s.count("draft"), s.count("deleted")) == (37, 1, 1)
            assert s.get("中文-ü") == _articles()[3]
            assert s.upsert(_articles()) == UpsertResult(unchanged=39)  # digests came along


def test_copy_into_a_store_that_holds_articles_is_refused(tmp_path, capsys):
    src, dst = str(tmp_path / "a.sqlite3"), str(tmp_path / "b.sqlite3")
    for url, n in ((src, 1), (dst, 2)):
        with open_store(url, create=True) as s:
            s.upsert([make_article(n)])
    assert main(["store", "copy", src, dst]) == 2
    assert "already holds 1 articles; copy needs an empty store" in capsys.readouterr().err
    with open_store(dst) as s:
        assert [r.id for r in s.iter_records()] == ["art-2"]


def test_copy_from_a_missing_store_creates_nothing(tmp_path, capsys):
    assert main(["store", "copy", str(tmp_path / "none.sqlite3"), str(tmp_path / "b.sqlite3")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not (tmp_path / "b.sqlite3").exists()


def test_copy_detects_a_destination_that_does_not_match(tmp_path, monkeypatch, capsys):
    from feedhub.store import copy as copy_module

    src, dst = str(tmp_path / "a.sqlite3"), str(tmp_path / "b.sqlite3")
    with open_store(src, create=True) as s:
        s.upsert(_articles())
    monkeypatch.setattr(copy_module, "BATCH", 10)
    original = copy_module.copy_store

    def lossy(source, dest, where):
        # A destination that silently drops a row: the verification must notice.
        dest_upsert = dest.upsert
        dest.upsert = lambda rows: dest_upsert(rows[1:])
        return original(source, dest, where)

    monkeypatch.setattr(copy_module, "copy_store", lossy)
    assert main(["store", "copy", src, dst]) == 2
    err = capsys.readouterr().err
    assert "copy does not match the source" in err and "35 articles" in err and "source: 39" in err


def test_ingest_and_build_publish_the_same_bytes_on_either_backend(tmp_path, pg_url, capsys):
    """The whole path (ingest, every output group) from PostgreSQL equals the SQLite one, byte for byte."""
    import random

    from conftest import SEED_PATH, TWO_FEEDS_TOML

    rng = random.Random(17)
    lines = [SEED_PATH.read_text(encoding="utf-8").strip()]
    for n in range(1, 120):
        a = make_article(n, id=f"berita-{rng.randrange(10**6):06d}-{n}", section=rng.choice(["olahraga", "nasional"]), status=rng.choice(["published"] * 8 + ["draft", "deleted"]))
        lines.append(json.dumps(article_to_dict(a), ensure_ascii=False))
    outputs = {}
    for backend, url in (("sqlite", "store.sqlite3"), ("postgresql", pg_url)):
        site = tmp_path / backend
        site.mkdir()
        (site / "articles.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (site / "config.toml").write_text(TWO_FEEDS_TOML.replace('url = "store.sqlite3"', f'url = "{url}"'), encoding="utf-8")
        config = ["--config", str(site / "config.toml")]
        assert main(["ingest", str(site / "articles.ndjson"), *config]) == 0
        assert main(["build", "--now", "2024-06-24T00:00:00+07:00", *config]) == 0
        out = site / "feeds"
        outputs[backend] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(".")}
    capsys.readouterr()
    assert len(outputs["sqlite"]) >= 6
    assert outputs["sqlite"]["sitemap-1.xml.gz"] and outputs["sqlite"]["all/rss.xml"].count(b"<item>") == 50
    assert outputs["postgresql"] == outputs["sqlite"]
