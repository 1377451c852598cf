"""`feedhub serve`: types, validators, 304s, HEAD, compression and path safety (issue 16).

A real build into a temp dir, the real server on an ephemeral 127.0.0.1 port, real sockets.
The helpers here (``build_site``, ``running``, ``fetch``) are shared by the nginx, WebSub and
browser tests.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.utils import formatdate
from pathlib import Path

import brotli
import pytest

from conftest import JAKARTA, SITE_TOML, make_article
from feedhub.build import run_once
from feedhub.config import Config, load_config
from feedhub.serve import Site, make_server
from feedhub.store import open_store

NOW = datetime(2024, 6, 20, 12, 0, tzinfo=JAKARTA)
SITE_CONFIG = SITE_TOML + """\

[output]
base_url = "{base_url}"

[[feeds]]
name = "all"

[sitemap]
max_urls = 2
{extra}"""


def build_site(root: Path, extra: str = "", base_url: str = "https://genpi.example/feeds/", n: int = 3, now: datetime = NOW) -> Config:
    """config.toml + store with *n* articles under *root*, built once into ``root/feeds``."""
    path = root / "config.toml"
    path.write_text(SITE_CONFIG.format(base_url=base_url, extra=extra), encoding="utf-8")
    config = load_config(path)
    ingest(config, [make_article(i) for i in range(1, n + 1)])
    build(config, now)
    return config


def ingest(config: Config, articles: list) -> None:
    store = open_store(config.store.url, create=True)
    try:
        store.upsert(articles)
    finally:
        store.close()


def build(config: Config, now: datetime = NOW):
    store = open_store(config.store.url)
    try:
        return run_once(config, store, now)
    finally:
        store.close()


@contextmanager
def running(site: Site) -> Iterator[str]:
    """The server for *site* on an ephemeral port in a thread; yields ``host:port``."""
    server = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def fetch(addr: str, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One request with *path* sent as is (no client-side normalisation of ``..``)."""
    host, port = addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        resp = conn.getresponse()
        headers: dict[str, str] = {}
        for k, v in resp.getheaders():  # a repeated header is one comma-separated list (RFC 9110 §5.3)
            headers[k.lower()] = f"{headers[k.lower()]}, {v}" if k.lower() in headers else v
        return resp.status, headers, resp.read()
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[Config, str]]:
    config = build_site(tmp_path)
    with running(Site(config.output_dir, config.base_url)) as addr:
        yield config, addr


def _status(config: Config) -> dict[str, dict]:
    raw = json.loads((config.output_dir / ".feedhub-status.json").read_text(encoding="utf-8"))
    return {d["path"]: d for d in raw["outputs"]}


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("all/rss.xml", "application/rss+xml"),
        ("all/atom.xml", "application/atom+xml"),
        ("news-sitemap.xml", "application/xml"),
        ("sitemap.xml", "application/xml"),
        ("sitemap-1.xml.gz", "application/gzip"),
        ("robots-sitemaps.txt", "text/plain; charset=utf-8"),
    ],
)
def test_each_output_has_its_type_its_bytes_and_the_status_sha256_as_etag(served, path, ctype):
    config, addr = served
    status, headers, body = fetch(addr, "/" + path)
    disk = (config.output_dir / path).read_bytes()
    assert status == 200
    assert headers["content-type"] == ctype
    assert body == disk
    assert headers["etag"] == f'"{_status(config)[path]["sha256"]}"' == f'"{hashlib.sha256(disk).hexdigest()}"'
    assert headers["last-modified"] == formatdate((config.output_dir / path).stat().st_mtime, usegmt=True)
    assert "content-encoding" not in headers


def test_gzip_shard_is_served_as_the_gzip_file_never_re_encoded(served):
    config, addr = served
    status, headers, body = fetch(addr, "/sitemap-1.xml.gz", Accept_Encoding="gzip, br")
    assert status == 200 and headers["content-type"] == "application/gzip"
    assert "content-encoding" not in headers
    assert body == (config.output_dir / "sitemap-1.xml.gz").read_bytes()
    assert gzip.decompress(body).startswith(b"<?xml")


def test_304_on_if_none_match_and_on_if_modified_since(served):
    _config, addr = served
    _, first, _ = fetch(addr, "/all/rss.xml")
    status, headers, body = fetch(addr, "/all/rss.xml", If_None_Match=first["etag"])
    assert (status, body) == (304, b"")
    assert headers["etag"] == first["etag"] and headers["last-modified"] == first["last-modified"]
    assert fetch(addr, "/all/rss.xml", If_None_Match=f'"x", W/{first["etag"]}')[0] == 304
    assert fetch(addr, "/all/rss.xml", If_Modified_Since=first["last-modified"])[0] == 304
    assert fetch(addr, "/all/rss.xml", If_None_Match='"0000"')[0] == 200
    assert fetch(addr, "/all/rss.xml", If_Modified_Since="Mon, 01 Jan 2001 00:00:00 GMT")[0] == 200
    # If-None-Match decides when both are sent (RFC 9110 §13.2.2).
    assert fetch(addr, "/all/rss.xml", If_None_Match='"0000"', If_Modified_Since=first["last-modified"])[0] == 200


def test_a_rebuild_with_a_new_article_changes_etag_and_a_rebuild_without_keeps_the_304(served):
    config, addr = served
    _, first, _ = fetch(addr, "/all/atom.xml")
    build(config)
    assert fetch(addr, "/all/atom.xml", If_None_Match=first["etag"])[0] == 304
    ingest(config, [make_article(9)])
    build(config)
    status, headers, body = fetch(addr, "/all/atom.xml", If_None_Match=first["etag"])
    assert status == 200 and headers["etag"] != first["etag"]
    assert b"Artikel nomor 9" in body


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
READER_ACCEPT = "application/atom+xml,application/rdf+xml,application/rss+xml,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1"


@pytest.mark.parametrize(("path", "feed_type"), [("/all/rss.xml", "application/rss+xml"), ("/all/atom.xml", "application/atom+xml")])
def test_a_browser_gets_the_feed_as_application_xml_so_it_runs_the_stylesheet(served, path, feed_type):
    _config, addr = served
    _, browser, browser_body = fetch(addr, path, Accept=BROWSER_ACCEPT)
    _, reader, reader_body = fetch(addr, path, Accept=READER_ACCEPT)
    assert browser["content-type"] == "application/xml" and reader["content-type"] == feed_type
    assert fetch(addr, path, Accept="text/html;q=0, */*")[1]["content-type"] == feed_type
    assert browser_body == reader_body and browser["etag"] == reader["etag"]
    assert browser["vary"] == reader["vary"] == "Accept, Accept-Encoding"
    assert fetch(addr, "/sitemap.xml", Accept=BROWSER_ACCEPT)[1]["vary"] == "Accept-Encoding"


def test_head_has_the_get_headers_and_no_body(served):
    _config, addr = served
    _, get_headers, get_body = fetch(addr, "/all/rss.xml")
    status, headers, body = fetch(addr, "/all/rss.xml", method="HEAD")
    assert status == 200 and body == b""
    for name in ("content-type", "content-length", "etag", "last-modified"):
        assert headers[name] == get_headers[name]
    assert int(headers["content-length"]) == len(get_body)


def test_gzip_and_brotli_are_negotiated_for_the_uncompressed_documents(served):
    config, addr = served
    disk = (config.output_dir / "all/rss.xml").read_bytes()
    _, plain, _ = fetch(addr, "/all/rss.xml")
    status, headers, body = fetch(addr, "/all/rss.xml", Accept_Encoding="gzip")
    assert status == 200 and headers["content-encoding"] == "gzip" and gzip.decompress(body) == disk
    assert headers["vary"] == "Accept, Accept-Encoding" and headers["etag"] != plain["etag"]
    _, headers, body = fetch(addr, "/all/rss.xml", Accept_Encoding="gzip;q=0.5, br")
    assert headers["content-encoding"] == "br" and brotli.decompress(body) == disk
    _, headers, body = fetch(addr, "/all/rss.xml", Accept_Encoding="br;q=0, gzip;q=0")
    assert "content-encoding" not in headers and body == disk
    # The compressed representation's tag revalidates too.
    _, gz, _ = fetch(addr, "/all/rss.xml", Accept_Encoding="gzip")
    assert fetch(addr, "/all/rss.xml", Accept_Encoding="gzip", If_None_Match=gz["etag"])[0] == 304


@pytest.mark.parametrize(
    "path",
    [
        "/../config.toml",
        "/%2e%2e/config.toml",
        "/%2E%2E/store.sqlite3",
        "/all/..%2f..%2fconfig.toml",
        "/all/%2e%2e/%2e%2e/config.toml",
        "/..%5cconfig.toml",
        "/.feedhub-status.json",
        "/%2efeedhub-status.json",
        "/.feedhub.lock",
        "/all/",
        "/all",
        "/nothing.xml",
        "/all/rss.xml%00.txt",
        "/%ff%fe",
        "//etc/passwd",
    ],
)
def test_nothing_outside_the_output_dir_no_dotfiles_no_listing(served, path):
    _config, addr = served
    status, headers, body = fetch(addr, path)
    assert status == 404, path
    assert b"<?xml" not in body and b"[site]" not in body


def test_symlinks_pointing_out_are_refused_and_inside_ones_served(served, tmp_path):
    config, addr = served
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    (config.output_dir / "leak.txt").symlink_to(secret)
    (config.output_dir / "up").symlink_to(tmp_path, target_is_directory=True)
    (config.output_dir / "alias.xml").symlink_to(config.output_dir / "all" / "rss.xml")
    (config.output_dir / "status.json").symlink_to(config.output_dir / ".feedhub-status.json")
    assert fetch(addr, "/leak.txt")[0] == 404
    assert fetch(addr, "/up/secret.txt")[0] == 404
    assert fetch(addr, "/up/config.toml")[0] == 404
    assert fetch(addr, "/status.json")[0] == 404
    status, _, body = fetch(addr, "/alias.xml")
    assert status == 200 and body == (config.output_dir / "all/rss.xml").read_bytes()


def test_index_page_lists_the_feeds_with_links(served):
    _config, addr = served
    status, headers, body = fetch(addr, "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode()
    for path in ("all/rss.xml", "all/atom.xml", "news-sitemap.xml", "sitemap.xml"):
        assert f'<a href="{path}">{path}</a>' in page
    assert "subscribe" in page


def test_other_methods_are_refused(served):
    _config, addr = served
    assert fetch(addr, "/all/rss.xml", method="POST")[0] == 501
    assert fetch(addr, "/all/rss.xml", method="DELETE")[0] == 501


def test_a_status_record_older_than_the_file_is_not_trusted_for_the_etag(served):
    config, addr = served
    path = config.output_dir / "all" / "rss.xml"
    data = path.read_bytes().replace(b"Artikel nomor 1", b"Artikel nomor X")
    path.write_bytes(data)  # as if a build had replaced the file and not yet saved the status record
    st = (config.output_dir / ".feedhub-status.json").stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    _, headers, body = fetch(addr, "/all/rss.xml")
    assert body == data and headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'


def test_websub_link_header_on_feeds_only(tmp_path):
    config = build_site(tmp_path, extra='\n[websub]\nhubs = ["https://hub.example/"]\n')
    with running(Site(config.output_dir, config.base_url, config.websub_hubs)) as addr:
        _, headers, _ = fetch(addr, "/all/atom.xml")
        assert headers["link"] == '<https://hub.example/>; rel="hub", <https://genpi.example/feeds/all/atom.xml>; rel="self"'
        assert "link" not in fetch(addr, "/sitemap.xml")[1]


def test_cli_serve_prints_its_address_and_serves(tmp_path):
    config = build_site(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "feedhub", "serve", "--config", str(tmp_path / "config.toml"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"serving {config.output_dir} at http://127.0.0.1:"), line
        addr = line.strip().rsplit("/", 2)[-2]
        status, headers, body = fetch(addr, "/all/rss.xml")
        assert status == 200 and body == (config.output_dir / "all/rss.xml").read_bytes()
    finally:
        proc.terminate()
        proc.wait(10)


def test_cli_serve_on_a_busy_port_is_one_line_and_exit_2(tmp_path):
    config = build_site(tmp_path)
    with running(Site(config.output_dir)) as addr:
        port = addr.rsplit(":", 1)[1]
        proc = subprocess.run(
            [sys.executable, "-m", "feedhub", "serve", "--config", str(tmp_path / "config.toml"), "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and f"cannot listen on 127.0.0.1:{port}" in proc.stderr
