"""contrib/nginx.conf in a real nginx, compared with `feedhub serve` on the same directory (issue 16).

nginx runs from a temp prefix on an ephemeral 127.0.0.1 port. Without the `nginx` binary the
tests skip with the reason, unless CI is set: there they fail (.ci/apt installs it).
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, make_article
from feedhub.serve import Site
from test_serve import build, build_site, fetch, ingest, running

OUTPUTS = ["all/rss.xml", "all/atom.xml", "news-sitemap.xml", "sitemap.xml", "sitemap-1.xml.gz", "sitemap-2.xml.gz", "robots-sitemaps.txt"]


def _nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("nginx is not installed and CI is set (.ci/apt installs it)")
    pytest.skip("nginx is not installed (apt-get install -y nginx); CI installs it and runs this test")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _main_conf(prefix: Path, server_conf: Path) -> str:
    # Running as root, the workers would drop to 'nobody', which cannot read pytest's 0700 temp dirs.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {k}_temp_path {prefix / k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{user}worker_processes 1;\nerror_log {prefix / 'error.log'};\npid {prefix / 'nginx.pid'};\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n    access_log off;\n{temp}\n    include {server_conf};\n}}\n"
    )


@pytest.fixture
def nginx_and_feedhub(tmp_path) -> Iterator[tuple[object, str, str]]:
    binary = _nginx_binary()
    config = build_site(tmp_path, n=5)
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = _free_port()
    server = (REPO / "contrib" / "nginx.conf").read_text(encoding="utf-8")
    server = re.sub(r"(?m)^    listen .*;$", f"    listen 127.0.0.1:{port};", server, count=1)
    server = server.replace("/srv/feedhub/feeds", str(config.output_dir))
    (prefix / "feedhub.conf").write_text(server, encoding="utf-8")
    (prefix / "nginx.conf").write_text(_main_conf(prefix, prefix / "feedhub.conf"), encoding="utf-8")
    proc = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        _wait_for(port, proc)
        with running(Site(config.output_dir, config.base_url)) as addr:
            yield config, f"127.0.0.1:{port}", addr
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_for(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"nginx exited: {proc.stderr.read().decode(errors='replace') if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("nginx did not start listening within 15 s")


def test_same_bytes_types_last_modified_and_cache_headers(nginx_and_feedhub):
    config, nginx, ours = nginx_and_feedhub
    for path in OUTPUTS:
        n_status, n_headers, n_body = fetch(nginx, "/" + path)
        o_status, o_headers, o_body = fetch(ours, "/" + path)
        assert n_status == o_status == 200, path
        assert n_body == o_body == (config.output_dir / path).read_bytes(), path
        for name in ("content-type", "last-modified", "cache-control", "content-length"):
            assert n_headers[name] == o_headers[name], (path, name)
        assert n_headers["etag"].startswith('"') and o_headers["etag"].startswith('"'), path


def test_each_server_answers_304_to_its_own_validators_and_changes_them_together(nginx_and_feedhub):
    config, nginx, ours = nginx_and_feedhub
    tags = {}
    for addr in (nginx, ours):
        _, headers, _ = fetch(addr, "/all/rss.xml")
        tags[addr] = headers["etag"]
        assert fetch(addr, "/all/rss.xml", If_None_Match=headers["etag"])[0] == 304
        assert fetch(addr, "/all/rss.xml", If_Modified_Since=headers["last-modified"])[0] == 304
    build(config)  # nothing changed: no file is rewritten, so both validators hold
    time.sleep(1.1)  # Last-Modified has one-second resolution: a rewrite must land in a later second
    assert all(fetch(addr, "/all/rss.xml", If_None_Match=tags[addr])[0] == 304 for addr in (nginx, ours))
    ingest(config, [make_article(20)])
    build(config)
    for addr in (nginx, ours):
        status, headers, body = fetch(addr, "/all/rss.xml", If_None_Match=tags[addr])
        assert status == 200 and headers["etag"] != tags[addr] and b"Artikel nomor 20" in body
    assert fetch(nginx, "/all/rss.xml")[1]["last-modified"] == fetch(ours, "/all/rss.xml")[1]["last-modified"]


def _vary(headers: dict[str, str]) -> set[str]:
    return {v.strip().lower() for v in headers.get("vary", "").split(",") if v.strip()}


def test_both_gzip_the_documents_and_leave_the_gzip_shards_alone(nginx_and_feedhub):
    config, nginx, ours = nginx_and_feedhub
    for addr in (nginx, ours):
        _, headers, body = fetch(addr, "/sitemap.xml", Accept_Encoding="gzip")
        assert headers["content-encoding"] == "gzip" and _vary(headers) == {"accept-encoding"}
        _, headers, body = fetch(addr, "/all/atom.xml", Accept_Encoding="gzip")
        assert headers["content-encoding"] == "gzip" and _vary(headers) == {"accept", "accept-encoding"}
        assert gzip.decompress(body) == (config.output_dir / "all/atom.xml").read_bytes()
        _, headers, body = fetch(addr, "/sitemap-1.xml.gz", Accept_Encoding="gzip")
        assert "content-encoding" not in headers and headers["content-type"] == "application/gzip"
        assert body == (config.output_dir / "sitemap-1.xml.gz").read_bytes()


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
READER_ACCEPT = "application/atom+xml,application/rdf+xml,application/rss+xml,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1"


@pytest.mark.parametrize(
    ("path", "accept", "ctype"),
    [
        ("/all/rss.xml", BROWSER_ACCEPT, "application/xml"),
        ("/all/rss.xml", READER_ACCEPT, "application/rss+xml"),
        ("/all/rss.xml", "*/*", "application/rss+xml"),
        ("/all/rss.xml", "text/html;q=0, */*", "application/rss+xml"),
        ("/all/atom.xml", BROWSER_ACCEPT, "application/xml"),
        ("/all/atom.xml", READER_ACCEPT, "application/atom+xml"),
        ("/news-sitemap.xml", BROWSER_ACCEPT, "application/xml"),
    ],
)
def test_both_give_browsers_the_feeds_as_xml_and_readers_the_feed_types(nginx_and_feedhub, path, accept, ctype):
    config, nginx, ours = nginx_and_feedhub
    for addr in (nginx, ours):
        status, headers, body = fetch(addr, path, Accept=accept)
        assert (status, headers["content-type"]) == (200, ctype), addr
        assert body == (config.output_dir / path.lstrip("/")).read_bytes()
        assert headers["cache-control"] == "public, no-cache"
    assert fetch(nginx, "/.feedhub-browser/all/rss.xml")[0] == 404


def test_both_refuse_dotfiles_directories_traversal_and_symlinks_out(nginx_and_feedhub, tmp_path):
    config, nginx, ours = nginx_and_feedhub
    (tmp_path / "secret.txt").write_text("top secret", encoding="utf-8")
    (config.output_dir / "leak.txt").symlink_to(tmp_path / "secret.txt")
    for path in ("/.feedhub-status.json", "/all/", "/all", "/../config.toml", "/%2e%2e/config.toml", "/all/%2e%2e/%2e%2e/config.toml", "/leak.txt"):
        for addr in (nginx, ours):
            status, _, body = fetch(addr, path)
            assert 400 <= status < 500, (addr, path, status)
            assert b"top secret" not in body and b"[site]" not in body and b'"outputs"' not in body
