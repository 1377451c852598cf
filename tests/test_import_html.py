"""``feedhub import-html`` (issue 18): article pages → import records → ``feedhub ingest``'s path.

Every fixture in tests/fixtures/pages/ maps to its stated record (``NAME.expected.json``, or for the
seed-shaped page ``samples/genpi-seed.ndjson`` itself); each broken one to one rejection line.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from conftest import seed_record
from feedhub.cli import main
from feedhub.contract import parse_article
from feedhub.errors import ArticleError
from feedhub.sources.fetch import USER_AGENT, FetchPolicy
from feedhub.sources.html import PageOptions, page_record
from feedhub.store import open_store

PAGES = Path(__file__).parent / "fixtures" / "pages"
JAKARTA = ZoneInfo("Asia/Jakarta")
SEED_ID = "genpi-2024-06-19-jepang-selandia-baru-intelijen"


def record_of(name: str, **options) -> dict:
    record, warnings = page_record((PAGES / name).read_bytes(), tz=JAKARTA, options=PageOptions(**options))
    assert warnings == []
    return record


def article(raw: dict):
    return parse_article(raw, JAKARTA, "id")[0]


def test_seed_page_imports_to_the_seed_record_field_by_field():
    got, want = article(record_of("genpi-seed.html")), article(seed_record())
    for f in dataclasses.fields(want):
        assert getattr(got, f.name) == getattr(want, f.name), f.name
    # The raw record too: the typo "Berrbagi", the curly quotes, the credit split off the caption.
    raw = record_of("genpi-seed.html")
    assert raw == seed_record()
    assert "Berrbagi" in raw["title"] and "“menyambut baik" in raw["content_html"]
    assert raw["images"][0]["credit"] == "AP Photo/Susan Walsh"
    assert [r["title"] for r in raw["related"]][0].startswith("Satelit Penelitian")
    assert "BACA JUGA" not in raw["content_html"] and "Foto:" not in raw["content_html"]


@pytest.mark.parametrize("name", ["jsonld-only", "opengraph-only", "wordpress-theme"])
def test_fixture_maps_to_its_expected_record(name):
    expected = json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
    got = record_of(f"{name}.html")
    assert got == expected
    assert article(got) == article(expected)


BROKEN = {
    "no-date.html": "id=https://city.example/news/bike-lanes: published: no publication date on the page",
    "conflicting-dates.html": "published: the page gives two dates: JSON-LD datePublished 2023-05-14T10:00:00+02:00 and article:published_time 2024-05-14T10:00:00+02:00",
    "wrong-charset.html": "(page): not utf-8 text as the page declares (byte 0x93 at offset",
    "not-html.json": "(page): not an HTML page (no HTML tags at the start)",
    "not-html.pdf": "(page): not an HTML page (binary data)",
}


@pytest.fixture
def cli(site, capsys):
    def run(*args: str) -> tuple[int, list[str], list[str]]:
        code = main(["import-html", "--config", "config.toml", *args])
        out, err = capsys.readouterr()
        return code, out.splitlines(), err.splitlines()

    return run


def stored(site: Path, article_id: str):
    store = open_store("sqlite:///" + str(site / "store.sqlite3"))
    try:
        return store.get(article_id), store.count(None)
    finally:
        store.close()


def test_import_stores_the_seed_page_like_ingest_and_is_idempotent(cli, site):
    code, out, err = cli(str(PAGES / "genpi-seed.html"))
    assert (code, out, err) == (0, ["ingested 1 (new 1, updated 0, unchanged 0), rejected 0"], [])
    got, count = stored(site, SEED_ID)
    assert count == 1 and got == article(seed_record())
    assert cli(str(PAGES / "genpi-seed.html"))[:2] == (0, ["ingested 1 (new 0, updated 0, unchanged 1), rejected 0"])


def test_an_imported_page_reaches_the_feeds_with_caption_credit_and_related_links(cli, site, capsys):
    assert cli(str(PAGES / "genpi-seed.html"))[0] == 0
    assert main(["build", "--config", "config.toml", "--now", "2024-06-20T10:00:00+07:00"]) == 0
    capsys.readouterr()
    seed = seed_record()
    for name in ("rss.xml", "atom.xml"):
        parsed = feedparser.parse((site / "feeds" / "all" / name).read_bytes())
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        (entry,) = parsed.entries
        assert (entry.title, entry.link) == (seed["title"], seed["url"])
        assert entry.media_credit[0]["content"] == "AP Photo/Susan Walsh"
        assert entry.media_content[0]["url"] == seed["images"][0]["url"]
        related = sorted(link.href for link in entry.links if link.rel == "related")
        assert related == sorted(r["url"] for r in seed["related"])


def test_each_broken_page_is_one_clear_line_and_nothing_else_is_lost(cli, site):
    huge = site / "huge.html"
    huge.write_text("<!DOCTYPE html><html><body>" + "<p>filler paragraph</p>\n" * 260_000 + "</body></html>", encoding="utf-8")
    pages = [str(PAGES / n) for n in BROKEN] + [str(huge), str(site / "missing.html"), str(PAGES / "genpi-seed.html"), str(PAGES / "jsonld-only.html")]
    code, out, err = cli(*pages)
    assert code == 1
    assert out == ["ingested 2 (new 2, updated 0, unchanged 0), rejected 7"]
    assert len(err) == 7 and all(line.startswith("rejected: ") for line in err)
    for name, reason in BROKEN.items():
        assert [line for line in err if f"/{name} " in line and reason in line], (name, err)
    assert f"rejected: {huge} (page): page is over the 5,242,880-byte limit" in err
    assert f"rejected: {site / 'missing.html'} (page): no such file" in err
    assert "Traceback" not in "\n".join(err)
    assert stored(site, SEED_ID)[1] == 2


def test_dry_run_prints_the_ndjson_and_stores_nothing(cli, site):
    code, out, err = cli("--dry-run", str(PAGES / "genpi-seed.html"), str(PAGES / "no-date.html"))
    assert code == 1
    assert [json.loads(line) for line in out] == [seed_record()]
    assert "“menyambut baik" in out[0]  # readable text, not \u escapes
    assert len(err) == 1 and "no-date.html" in err[0]
    assert not (site / "store.sqlite3").exists()


def test_dry_run_shows_what_the_contract_would_reject(cli, site, tmp_path):
    page = tmp_path / "bad-section.html"
    html = (PAGES / "jsonld-only.html").read_text(encoding="utf-8").replace('"en-GB"', '"english please"')
    page.write_text(html, encoding="utf-8")
    code, out, err = cli("--dry-run", str(page))
    assert code == 1 and len(out) == 1
    assert err == [f"rejected: {page}:1 id=https://harbour.example/business/2024/07/port-strike-ends: language: must be a BCP 47 tag such as \"id\" or \"zh-TW\", got 'english please'"]


def test_tracking_parameters_are_removed_only_when_configured():
    plain = record_of("opengraph-only.html")
    assert "utm_source" in plain["url"] and "utm_medium" in plain["related"][0]["url"]
    clean = record_of("opengraph-only.html", strip_params=("utm_*",))
    assert clean["url"] == clean["id"] == "https://tekno.example/read/2024/07/01/satelit-nano?ref=fp"
    assert clean["related"][0]["url"] == "https://tekno.example/read/2024/06/20/roket-amatir"


def _minimal(body: str, head: str = "") -> bytes:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="canonical" href="https://x.example/a">'
        f'<meta property="og:title" content="T"><meta property="article:published_time" content="2024-06-19T10:00:00">{head}</head>'
        f"<body><article>{body}</article></body></html>"
    ).encode()


def test_related_labels_are_configurable_and_case_insensitive():
    body = '<p>One.</p><p>Weiterlesen: <a href="/b">B</a></p><p><b>baca JUGA</b> <a href="/c">C</a></p><p>Two.</p>'
    default, _ = page_record(_minimal(body), tz=JAKARTA)
    assert default["related"] == [{"url": "https://x.example/c", "title": "C"}]
    assert "Weiterlesen" in default["content_html"]
    configured, _ = page_record(_minimal(body), tz=JAKARTA, options=PageOptions(related_labels=("weiterlesen",)))
    assert [r["title"] for r in configured["related"]] == ["B", "C"]
    assert configured["content_html"] == "<p>One.</p><p>Two.</p>"


def test_date_without_zone_is_read_in_the_site_time_zone_and_date_only_agrees():
    record, _ = page_record(_minimal("<p>x</p>", '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-06-19"}</script>'), tz=JAKARTA)
    # A date-only value agrees with a time on that day, and the time is kept.
    assert record["published"] == "2024-06-19T10:00:00+07:00"
    record, _ = page_record(_minimal("<p>x</p>"), tz=JAKARTA)
    assert record["published"] == "2024-06-19T10:00:00+07:00"


def test_body_links_and_images_are_made_absolute_and_site_attributes_dropped():
    body = '<p class="lead" data-track="1">See <a href="/b?x=1" onclick="t()">B</a>.</p><figure><img src="/lead.jpg"></figure><p><img src="img/c.png" style="w"> C</p>'
    record, _ = page_record(_minimal(body), tz=JAKARTA)
    assert record["content_html"] == '<p>See <a href="https://x.example/b?x=1">B</a>.</p><p><img src="https://x.example/img/c.png"> C</p>'


def test_the_story_is_the_article_with_most_paragraphs_not_a_teaser_card():
    page = _minimal("").replace(
        b"<body><article></article></body>",
        b'<body><aside><article><h1>Teaser</h1><p>t</p></article></aside><article><h2>Card</h2><p>c</p></article>'
        b"<article><h1>Story</h1><p>One.</p><p>Two.</p></article></body>",
    )
    record, _ = page_record(page, tz=JAKARTA)
    assert record["content_html"] == "<p>One.</p><p>Two.</p>"


def test_the_lead_photo_is_not_the_bylines_avatar():
    body = ('<p class="byline"><img src="/avatar.jpg" width="48" height="48"> By Sam</p>'
            '<figure><img src="/lead.jpg" width="1200"><figcaption>The scene. Photo: Sam Lee</figcaption></figure><p>Text.</p>')
    record, _ = page_record(_minimal(body), tz=JAKARTA)
    assert record["images"] == [{"url": "https://x.example/lead.jpg", "caption": "The scene.", "credit": "Sam Lee", "width": 1200}]


def _ld(**fields) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


def _bare(body: str, head: str = "") -> bytes:
    """A page with a canonical URL and a title but no date of its own."""
    return f'<html><head><link rel="canonical" href="https://x.example/b"><title>T</title>{head}</head><body><article>{body}</article></body></html>'.encode()


def test_an_unmarked_time_only_dates_a_page_that_has_nothing_better():
    updated_first = '<p>Diperbarui <time datetime="2024-06-21T09:00:00+07:00">21/6</time></p><p>Text.</p>'
    record, warnings = page_record(_bare(updated_first, _ld(datePublished="2024-06-19T20:30:00+07:00")), tz=JAKARTA)
    assert (record["published"], warnings) == ("2024-06-19T20:30:00+07:00", [])
    record, _ = page_record(_bare(updated_first), tz=JAKARTA)
    assert record["published"] == "2024-06-21T09:00:00+07:00"
    marked = '<p><time itemprop="datePublished" datetime="2024-06-21T09:00:00+07:00">21/6</time></p>'
    with pytest.raises(ArticleError, match="two dates: JSON-LD datePublished .* and <time> marked published 2024-06-21T09:00:00"):
        page_record(_bare(marked, _ld(datePublished="2024-06-19T20:30:00+07:00")), tz=JAKARTA)


def test_conflicting_modified_dates_are_a_warning_not_a_lost_page():
    head = _ld(datePublished="2024-06-19T20:30:00+07:00", dateModified="2024-06-20T08:00:00+07:00")
    head += '<meta property="article:modified_time" content="2024-06-22T08:00:00+07:00">'
    record, warnings = page_record(_bare("<p>x</p>", head), tz=JAKARTA)
    assert record["updated"] == "2024-06-20T08:00:00+07:00"
    assert warnings == ["id=https://x.example/b: updated: the page gives two dates: JSON-LD dateModified 2024-06-20T08:00:00+07:00 "
                        "and article:modified_time 2024-06-22T08:00:00+07:00; the first is used"]


def test_broken_json_ld_is_a_warning_and_the_other_sources_still_count():
    record, warnings = page_record(_minimal("<p>x</p>", '<script type="application/ld+json">{"@type": "NewsArticle",</script>'), tz=JAKARTA)
    assert record["title"] == "T"
    assert len(warnings) == 1 and warnings[0].startswith("JSON-LD block 1 is not valid JSON")


@pytest.mark.parametrize("block", ["[" * 100_000 + "]" * 100_000, '{"@type": "NewsArticle", "wordCount": ' + "9" * 5000 + "}"])
def test_json_ld_too_deep_or_too_big_is_a_warning(block):
    record, warnings = page_record(_minimal("<p>x</p>", f'<script type="application/ld+json">{block}</script>'), tz=JAKARTA)
    assert record["title"] == "T" and len(warnings) == 1 and "cannot be read" in warnings[0]


def test_declared_windows_1252_is_read_and_mislabelled_utf8_is_refused():
    page = _minimal("<p>“Quoted” café</p>").replace(b'charset="utf-8"', b'charset="iso-8859-1"')
    with pytest.raises(ArticleError, match="declares charset iso-8859-1 but the bytes are UTF-8"):
        page_record(page, tz=JAKARTA)
    record, _ = page_record(page.decode().encode("cp1252"), tz=JAKARTA)
    assert record["content_html"] == "<p>“Quoted” café</p>"


def test_page_without_any_url_or_headline_names_the_field():
    with pytest.raises(ArticleError, match=r"^url: the page names no URL"):
        page_record(b"<html><body><p>x</p></body></html>", tz=JAKARTA)
    with pytest.raises(ArticleError, match=r"^id=https://x.example/a: title: the page has no headline"):
        page_record(b'<html><head><link rel="canonical" href="https://x.example/a"></head><body><p>x</p></body></html>', tz=JAKARTA)


# --- fetching pages over HTTP (127.0.0.1 only) ---


class _Site(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    seen_agents: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.seen_agents.append(self.headers.get("User-Agent", ""))
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Site.routes, _Site.seen_agents = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", _Site
    httpd.shutdown()
    httpd.server_close()


def test_pages_are_fetched_with_a_clear_user_agent_and_limits(cli, site, server):
    base, handler = server
    seed = (PAGES / "genpi-seed.html").read_bytes()
    html = {"Content-Type": "text/html; charset=utf-8"}
    handler.routes = {
        "/seed": (301, {"Location": "/seed-final"}, b""),
        "/seed-final": (200, html, seed),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/to-ftp": (302, {"Location": "ftp://127.0.0.1/page.html"}, b""),
        "/big": (200, html, b"<html>" + b"x" * 2000 + b"</html>"),
        "/json": (200, {"Content-Type": "application/json"}, b"{}"),
        "/cp1252": (200, {"Content-Type": "text/html; charset=windows-1252"}, _minimal("<p>“x”</p>").replace(b'<meta charset="utf-8">', b"").decode().encode("cp1252")),
    }
    code, out, err = cli(f"{base}/seed", f"{base}/loop", f"{base}/to-ftp", f"{base}/json", f"{base}/cp1252", f"{base}/missing")
    assert code == 1 and out == ["ingested 2 (new 2, updated 0, unchanged 0), rejected 4"]
    assert err == [
        f"rejected: {base}/loop (page): more than 5 redirects",
        f"rejected: {base}/to-ftp (page): redirected to a non-HTTP URL 'ftp://127.0.0.1/page.html'",
        f"rejected: {base}/json (page): not an HTML page (Content-Type application/json)",
        f"rejected: {base}/missing (page): HTTP 404 Not Found",
    ]
    assert set(handler.seen_agents) == {USER_AGENT}
    assert stored(site, SEED_ID)[0] == article(seed_record())
    assert stored(site, "https://x.example/a")[0].content_html == "<p>“x”</p>"
    code, out, err = cli("--max-bytes", "1000", f"{base}/big")
    assert err == [f"rejected: {base}/big (page): response is 2,013 bytes, over the 1,000-byte limit"]


def test_fetch_policy_defaults_are_bounded():
    p = FetchPolicy()
    assert 0 < p.timeout <= 60 and 0 < p.max_redirects <= 10 and p.max_bytes <= 10 * 1024 * 1024 and "feedhub/" in p.user_agent


# --- anything at all: a record or one ArticleError, never a traceback ---

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from([
    "<p>", "</p>", "<figure><img src='/a.jpg'>", "<figcaption>Cap. Foto: X</figcaption>", "</figure>", "<time datetime='2024-06-19'>",
    "<time datetime='yesterday'>", "<h1>", "</h1>", "<a href='/b'>", "</a>", "Baca juga:", "<strong>BACA JUGA:</strong>",
    '<script type="application/ld+json">', "</script>", '{"@type": "NewsArticle", "datePublished": "2024-06-19T10:00:00"', "}",
    '{"@graph": [{"@id": "#i"}, {"@type": ["Article"], "image": {"@id": "#i"}, "author": [1, null, {"name": 2}]}]}',
    '<meta property="article:published_time" content="2024-06-20">', '<link rel="canonical" href="https://x.example/c">',
    '<meta charset="latin-1">', "<article>", "</article>", "&amp;", "“”", "\x00", "\udcff", "<!--", "-->", "<![CDATA[", "<div class='tags'>",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=40))
def test_any_page_gives_a_record_or_one_article_error(pieces):
    data = "".join(pieces).encode("utf-8", "surrogatepass")
    try:
        record, _ = page_record(data, tz=JAKARTA)
    except ArticleError:
        return
    assert record["id"] and record["url"] and record["title"] and record["published"]
