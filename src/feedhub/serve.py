"""``feedhub serve``: the output directory over HTTP, for previews and small sites.

Built on the standard library's :class:`http.server.ThreadingHTTPServer`: no new dependency, one
thread per connection, and every header is ours to choose (docs/serving.md says why not werkzeug).
Only real files inside the output directory are served: no dotfiles (the lock, the status record,
temporaries), no directory listings, nothing reached through ``..`` or a symlink pointing out.
Validators: a strong ``ETag`` from the status record's sha256 (the hash of the bytes when the
record does not vouch for the file on disk) and ``Last-Modified`` from the file's mtime, which
stays put because the publisher never rewrites unchanged bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import logging
import os
import posixpath
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .status import STATUS_NAME

try:  # Optional: brotli (Google's bindings) is offered when installed (`pip install feedhub[serve]`).
    import brotli as _brotli  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the environment
    _brotli = None

log = logging.getLogger("feedhub.serve")

#: Content types by output kind (the status record's ``kind``).
KIND_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "jsonfeed": "application/feed+json",
    "news-sitemap": "application/xml",
    "news-sitemap-index": "application/xml",
    "sitemap": "application/xml",
    "sitemap-index": "application/xml",
    "robots": "text/plain; charset=utf-8",
    # The feed index files (issue 15): plain JSON, not a JSON Feed; OPML's customary type.
    "feed-index-json": "application/json",
    "opml": "text/x-opml",
}
#: Content types by file name, for files the status record does not list (stylesheets, shards).
#: A ``.gz`` shard is served as the gzip file its URL names (``application/gzip``, no
#: ``Content-Encoding``), so clients never unpack it behind the crawler's back; see docs/serving.md.
SUFFIX_TYPES = {
    "rss.xml": "application/rss+xml",
    "atom.xml": "application/atom+xml",
    ".json": "application/feed+json",
    ".xml": "application/xml",
    ".xsl": "text/xsl",
    ".gz": "application/gzip",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
#: Chromium shows application/rss+xml and application/atom+xml as plain text (Blink treats feed
#: types as text) and so never runs their stylesheet; a browser asking for HTML gets the same bytes
#: as application/xml, a feed reader the feed type (``Vary: Accept``).
BROWSER_TYPE = "application/xml"
_FEED_TYPES = frozenset({KIND_TYPES["rss"], KIND_TYPES["atom"]})
#: Revalidate every time: a 304 costs one stat, and a hub fetching right after a ping sees new bytes.
CACHE_CONTROL = "public, no-cache"
_COMPRESSED_CACHE = 64


@dataclass(frozen=True, slots=True)
class Resource:
    """One file as it is served: its bytes and validators."""

    rel: str
    data: bytes
    #: The sha256 hex of *data* (the quoted strong ETag of the identity encoding).
    sha256: str
    mtime: float
    content_type: str

    @property
    def compressible(self) -> bool:
        return not self.content_type.startswith("application/gzip")


@dataclass(frozen=True, slots=True)
class Site:
    """What the server serves: the output directory and the WebSub links its feeds announce."""

    root: Path
    #: Public URL of the output directory (the ``rel="self"`` of each feed), ending in ``/``.
    base_url: str = ""
    #: WebSub hubs announced in a ``Link`` header on each RSS and Atom document.
    hubs: tuple[str, ...] = ()


class Files:
    """Reads files under the root, with their validators, cached by inode, size and mtime."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.root = Path(os.path.realpath(site.root))
        self._lock = threading.Lock()
        self._files: dict[str, tuple[tuple[int, int, int], Resource]] = {}
        self._status: tuple[int, dict[str, dict[str, Any]]] = (-1, {})
        self._compressed: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL path names, or None when it is outside the root, hidden or not a file."""
        # Split by hand: urlsplit would read a path starting with '//' as a host name.
        raw = unquote(url_path.split("?", 1)[0].split("#", 1)[0], errors="strict")
        parts = [p for p in raw.split("/") if p]
        if "\x00" in raw or "\\" in raw or _hidden(parts):
            return None  # '..', '.', dotfiles and temporaries all start with a dot
        real = Path(os.path.realpath(self.root.joinpath(*parts)))
        if real != self.root and self.root not in real.parents:
            return None  # a symlink pointing out of the output dir
        if _hidden(real.relative_to(self.root).parts) or not real.is_file():
            return None  # ...or to a dotfile inside it
        return real

    def load(self, path: Path) -> Resource:
        st = path.stat()
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        rel = path.relative_to(self.root).as_posix()
        with self._lock:
            hit = self._files.get(rel)
        if hit is not None and hit[0] == key:
            return hit[1]
        data = path.read_bytes()
        record = self._record(rel, st.st_mtime_ns)
        sha = record.get("sha256") if record.get("bytes") == len(data) else None
        res = Resource(rel, data, sha or hashlib.sha256(data).hexdigest(), st.st_mtime, content_type(rel, record.get("kind")))
        with self._lock:
            self._files[rel] = (key, res)
        return res

    def _record(self, rel: str, file_mtime_ns: int) -> dict[str, Any]:
        """The status record of *rel*, only when written after the file (else it may describe old bytes)."""
        try:
            st = (self.root / STATUS_NAME).stat()
        except FileNotFoundError:
            return {}
        with self._lock:
            cached_mtime, records = self._status
        if cached_mtime != st.st_mtime_ns:
            records = _read_status(self.root / STATUS_NAME)
            with self._lock:
                self._status = (st.st_mtime_ns, records)
        return records.get(rel, {}) if st.st_mtime_ns >= file_mtime_ns else {}

    def outputs(self) -> list[dict[str, Any]]:
        """The outputs the status record lists that are on disk, for the index page."""
        records = _read_status(self.root / STATUS_NAME)
        return [records[k] for k in sorted(records) if (self.root / k).is_file()]

    def compressed(self, res: Resource, coding: str) -> bytes:
        key = (res.sha256, coding)
        with self._lock:
            hit = self._compressed.get(key)
        if hit is not None:
            return hit
        if coding == "br" and _brotli is not None:
            out: bytes = _brotli.compress(res.data)
        else:
            out = gzip.compress(res.data, compresslevel=6, mtime=0)
        with self._lock:
            self._compressed[key] = out
            while len(self._compressed) > _COMPRESSED_CACHE:
                self._compressed.popitem(last=False)
        return out


def _hidden(parts: Sequence[str]) -> bool:
    return any(p.startswith(".") for p in parts)


def _read_status(path: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {str(d["path"]): d for d in raw.get("outputs", []) if isinstance(d, dict) and "path" in d}
    except (OSError, ValueError, AttributeError):
        return {}


def content_type(rel: str, kind: str | None) -> str:
    """The Content-Type of *rel*: by its output kind when known, else by its name."""
    name = posixpath.basename(rel)
    if kind in KIND_TYPES and not name.endswith(".gz"):
        return KIND_TYPES[kind]
    for suffix, ctype in SUFFIX_TYPES.items():
        if name.endswith(suffix):
            return ctype
    return "application/octet-stream"


def q_values(header: str | None) -> dict[str, float]:
    """An ``Accept``-style header as ``{name: q}`` (RFC 9110 §12.4.2; a bad q counts as 0)."""
    weights: dict[str, float] = {}
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k.lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        weights[name.strip().lower()] = q
    return weights


def choose_encoding(accept_encoding: str | None) -> str:
    """``br``, ``gzip`` or ``identity``: the best coding the client accepts (RFC 9110 §12.5.3)."""
    weights = q_values(accept_encoding)
    star = weights.get("*", 0.0)
    for coding in (("br",) if _brotli is not None else ()) + ("gzip",):
        if weights.get(coding, star) > 0:
            return coding
    return "identity"


def wants_html(accept: str | None) -> bool:
    """True for a browser navigating (``Accept: text/html,…``), false for feed readers and ``*/*``."""
    weights = q_values(accept)
    return max(weights.get("text/html", 0.0), weights.get("application/xhtml+xml", 0.0)) > 0


def etag_matches(if_none_match: str, sha256: str) -> bool:
    """True when an ``If-None-Match`` list names this content in any of its encodings (weak comparison)."""
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        opaque = tag.removeprefix("W/").strip('"')
        if opaque.split("-", 1)[0] == sha256:
            return True
    return False


def not_modified_since(if_modified_since: str, mtime: float) -> bool:
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and int(mtime) <= since.timestamp()


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD of files under the root; every other method is answered 501 by the base class."""

    server_version = "feedhub"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each response waits for a delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    files: Files  # set on the subclass made by make_server

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._respond(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(body=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)

    def _respond(self, body: bool) -> None:
        if self.path.split("?", 1)[0] in ("/", "/index.html"):
            self._send(HTTPStatus.OK, _index_page(self.files).encode(), "text/html; charset=utf-8", body)
            return
        try:
            path = self.files.resolve(self.path)
        except UnicodeDecodeError:
            path = None
        if path is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", body)
            return
        res = self.files.load(path)
        if self._not_modified(res):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._validators(res, _etag(res, "identity"))
            self.end_headers()
            return
        coding = choose_encoding(self.headers.get("Accept-Encoding")) if res.compressible else "identity"
        data = res.data if coding == "identity" else self.files.compressed(res, coding)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self._content_type(res))
        self.send_header("Content-Length", str(len(data)))
        if coding != "identity":
            self.send_header("Content-Encoding", coding)
        self._validators(res, _etag(res, coding))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _content_type(self, res: Resource) -> str:
        if res.content_type in _FEED_TYPES and wants_html(self.headers.get("Accept")):
            return BROWSER_TYPE
        return res.content_type

    def _not_modified(self, res: Resource) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since
            return etag_matches(inm, res.sha256)
        ims = self.headers.get("If-Modified-Since")
        return ims is not None and not_modified_since(ims, res.mtime)

    def _validators(self, res: Resource, etag: str) -> None:
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(res.mtime, usegmt=True))
        self.send_header("Cache-Control", CACHE_CONTROL)
        if res.content_type in _FEED_TYPES:
            self.send_header("Vary", "Accept, Accept-Encoding")
        elif res.compressible:
            self.send_header("Vary", "Accept-Encoding")
        links = _websub_links(self.files.site, res)
        if links:
            self.send_header("Link", links)

    def _send(self, status: HTTPStatus, data: bytes, ctype: str, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if body:
            self.wfile.write(data)


def _etag(res: Resource, coding: str) -> str:
    # Each encoding is its own representation, so it gets its own strong tag (RFC 9110 §8.8.3.3).
    return f'"{res.sha256}"' if coding == "identity" else f'"{res.sha256}-{coding}"'


def _websub_links(site: Site, res: Resource) -> str:
    """WebSub discovery (W3C WebSub §4): ``rel="hub"`` per hub and the feed's ``rel="self"``."""
    if not site.hubs or res.content_type not in (KIND_TYPES["rss"], KIND_TYPES["atom"]):
        return ""
    links = [f'<{hub}>; rel="hub"' for hub in site.hubs]
    links.append(f'<{site.base_url}{res.rel}>; rel="self"')
    return ", ".join(links)


def _index_page(files: Files) -> str:
    rows = []
    for rec in files.outputs():
        path = html.escape(str(rec["path"]), quote=True)
        rows.append(f'<tr><td><a href="{path}">{path}</a></td><td>{html.escape(str(rec.get("kind", "")))}</td><td>{rec.get("items", "")}</td></tr>')
    table = "\n".join(rows) or '<tr><td colspan="3">No outputs yet: run <code>feedhub build</code>.</td></tr>'
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>feedhub: feeds</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
        "<h1>Feeds and sitemaps</h1><p>Copy a feed's address into your feed reader to subscribe.</p>"
        f"<table><thead><tr><th>file</th><th>kind</th><th>items</th></tr></thead><tbody>\n{table}\n</tbody></table>"
        "</body></html>\n"
    )


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client hanging up mid-request is not the server's problem
        super().handle_error(request, client_address)


def make_server(site: Site, bind: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """A server for *site*, bound but not yet serving (``port=0`` picks a free port)."""
    handler = type("SiteHandler", (Handler,), {"files": Files(site)})
    server = _Server((bind, port), handler)
    server.daemon_threads = True
    return server


def serve(site: Site, bind: str, port: int, ready: Callable[[str], None] | None = None) -> None:
    """Serve *site* until interrupted."""
    server = make_server(site, bind, port)
    addr, real_port = server.server_address[:2]
    host = addr.decode() if isinstance(addr, bytes) else addr
    url = f"http://{host}:{real_port}/" if ":" not in host else f"http://[{host}]:{real_port}/"
    (ready or log.info)(f"serving {site.root} at {url}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
