"""WebSub publishing (issue 16): a real hub end to end, and a dead hub that must not matter.

The hub and the subscriber are flask-websub's (nobody on this project wrote them), its celery
tasks run eagerly, and everything listens on 127.0.0.1: the subscriber registers with the hub,
feedhub ingests and builds a new article, the ping reaches the hub, the hub fetches the feed
from `feedhub serve` and delivers it to the subscriber.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest
from celery import Celery
from flask import Flask
from flask_websub.hub import Hub, SQLite3HubStorage
from flask_websub.subscriber import SQLite3SubscriberStorage, SQLite3TempSubscriberStorage, Subscriber
from werkzeug.serving import make_server as make_wsgi_server

from conftest import make_article
from feedhub.hooks import websub
from feedhub.serve import Site
from feedhub.serve import make_server as make_feed_server
from test_serve import build, build_site, ingest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(server) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _hub_app(tmp_path) -> Flask:
    app = Flask("hub")
    app.config["PUBLISH_SUPPORTED"] = True
    celery = Celery("hub", broker="memory://", backend="cache+memory://")
    celery.conf.task_always_eager = True
    hub = Hub(SQLite3HubStorage(str(tmp_path / "hub.sqlite3")), celery, REQUEST_TIMEOUT=5, BACKOFF_BASE=0.1, MAX_ATTEMPTS=2)
    app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))
    return app


class _Inbox:
    def __init__(self) -> None:
        self.confirmed = threading.Event()
        self.cond = threading.Condition()
        self.bodies: list[tuple[float, bytes]] = []

    def wait_for(self, needle: bytes, timeout: float) -> tuple[float, bytes] | None:
        with self.cond:
            self.cond.wait_for(lambda: any(needle in b for _, b in self.bodies), timeout)
            return next(((t, b) for t, b in self.bodies if needle in b), None)


def _subscriber_app(tmp_path, inbox: _Inbox) -> tuple[Flask, Subscriber]:
    app = Flask("subscriber")
    app.config["AUTO_SET_SECRET"] = False  # no secret over plain http (flask-websub refuses one)
    sub = Subscriber(SQLite3SubscriberStorage(str(tmp_path / "sub.sqlite3")), SQLite3TempSubscriberStorage(str(tmp_path / "subtmp.sqlite3")))
    app.register_blueprint(sub.build_blueprint(url_prefix="/callbacks"))

    @sub.add_success_handler
    def confirmed(topic_url, callback_id, mode):
        inbox.confirmed.set()

    @sub.add_listener
    def delivered(topic_url, callback_id, body):
        with inbox.cond:
            inbox.bodies.append((time.perf_counter(), body))
            inbox.cond.notify_all()

    return app, sub


def test_real_hub_delivers_a_new_article_to_a_subscriber(tmp_path, record_property, capsys):
    hub_server = make_wsgi_server("127.0.0.1", 0, _hub_app(tmp_path), threaded=True)
    hub_url = f"http://127.0.0.1:{hub_server.server_port}/hub"
    inbox = _Inbox()
    sub_app, subscriber = _subscriber_app(tmp_path, inbox)
    sub_server = make_wsgi_server("127.0.0.1", 0, sub_app, threaded=True)
    feed_port = _free_port()
    base_url = f"http://127.0.0.1:{feed_port}/"
    config = build_site(tmp_path, extra=f'\n[websub]\nhubs = ["{hub_url}"]\n', base_url=base_url)
    topic = base_url + "all/atom.xml"
    assert f'<link href="{hub_url}" rel="hub"/>'.encode() in (config.output_dir / "all/atom.xml").read_bytes()
    feed_server = make_feed_server(Site(config.output_dir, config.base_url, config.websub_hubs), "127.0.0.1", feed_port)
    with _serving(hub_server), _serving(sub_server), _serving(feed_server):
        websub.pinger_for(config.output_dir, config.websub_hubs).drain(10)  # the first build's pings
        with sub_app.test_request_context(base_url=f"http://127.0.0.1:{sub_server.server_port}/"):
            subscriber.subscribe(topic_url=topic, hub_url=hub_url, lease_seconds=600)
        assert inbox.confirmed.wait(10), "the hub never verified the subscription"

        started = time.perf_counter()
        ingest(config, [make_article(12, title="Gempa terkini: laporan langsung")])
        report = build(config)
        built = time.perf_counter()
        got = inbox.wait_for(b"Gempa terkini", timeout=20)

    assert report.ok and ("all/atom.xml", "written") in [(r.path, r.outcome) for r in report.results]
    assert got is not None, "the subscriber never received the new article"
    delivered_at, body = got
    parsed = feedparser.parse(body)
    assert not parsed.bozo and parsed.entries[0].title == "Gempa terkini: laporan langsung"
    state = json.loads((config.output_dir / websub.STATE_NAME).read_text(encoding="utf-8"))["hubs"][hub_url]
    assert state["state"] == "ok" and state["last_status"] == 202
    ms = (delivered_at - started) * 1000
    record_property("ingest_to_delivery_ms", round(ms, 1))
    with capsys.disabled():
        print(f"\nWebSub ingest -> delivery: {ms:.0f} ms (build {1000 * (built - started):.0f} ms)")


class _HeldHub(BaseHTTPRequestHandler):
    """A hub that takes the ping and does not answer until the test releases it."""

    arrived = threading.Event()
    release = threading.Event()

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).arrived.set()
        type(self).release.wait(30)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_hanging_hub_neither_delays_nor_fails_the_build(tmp_path):
    hub = ThreadingHTTPServer(("127.0.0.1", 0), _HeldHub)
    hub_url = f"http://127.0.0.1:{hub.server_address[1]}/"
    with _serving(hub):
        config = build_site(tmp_path, extra=f'\n[websub]\nhubs = ["{hub_url}"]\n')
        assert _HeldHub.arrived.wait(10), "the build never pinged the hub"
        # The build has returned while its ping is still waiting for the hub's answer.
        assert not _HeldHub.release.is_set()
        assert (config.output_dir / "all/rss.xml").is_file()
        _HeldHub.release.set()
        assert websub.pinger_for(config.output_dir, config.websub_hubs).drain(10)
    state = json.loads((config.output_dir / websub.STATE_NAME).read_text(encoding="utf-8"))["hubs"][hub_url]
    assert state["state"] == "ok" and state["last_status"] == 204


def test_a_dead_hub_is_logged_once_per_outage_and_its_recovery_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(websub, "BACKOFF", 0.01)
    port = _free_port()
    hub_url = f"http://127.0.0.1:{port}/"
    caplog.set_level(logging.INFO, logger="feedhub.websub")
    config = build_site(tmp_path, extra=f'\n[websub]\nhubs = ["{hub_url}"]\n')
    pinger = websub.pinger_for(config.output_dir, config.websub_hubs)
    assert pinger.drain(10)
    for n in (20, 21):  # two more changes while the hub is still down
        ingest(config, [make_article(n)])
        assert build(config).ok
        assert pinger.drain(10)
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1 and hub_url in warnings[0].getMessage()
    state = json.loads((config.output_dir / websub.STATE_NAME).read_text(encoding="utf-8"))["hubs"][hub_url]
    assert state["state"] == "down" and state["last_error"] and config.base_url + "all/rss.xml" in state["failed_topics"]

    hub = ThreadingHTTPServer(("127.0.0.1", port), _OkHub)
    with _serving(hub):
        ingest(config, [make_article(22)])
        assert build(config).ok
        assert pinger.drain(10)
    assert sum("is back" in r.getMessage() for r in caplog.records) == 1
    topics = {t for t in _OkHub.topics}
    assert {config.base_url + "all/rss.xml", config.base_url + "all/atom.xml"} <= topics
    state = json.loads((config.output_dir / websub.STATE_NAME).read_text(encoding="utf-8"))["hubs"][hub_url]
    assert state["state"] == "ok" and state["failed_topics"] == []


class _OkHub(BaseHTTPRequestHandler):
    topics: list[str] = []

    def do_POST(self):  # noqa: N802
        from urllib.parse import parse_qs

        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        assert form["hub.mode"] == ["publish"] and self.headers["Content-Type"] == "application/x-www-form-urlencoded"
        type(self).topics.extend(form["hub.url"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_unchanged_documents_are_not_pinged(tmp_path):
    hub = ThreadingHTTPServer(("127.0.0.1", 0), _OkHub)
    with _serving(hub):
        config = build_site(tmp_path, extra=f'\n[websub]\nhubs = ["http://127.0.0.1:{hub.server_address[1]}/"]\n')
        pinger = websub.pinger_for(config.output_dir, config.websub_hubs)
        assert pinger.drain(10)
        before = len(_OkHub.topics)
        report = build(config)
        assert pinger.drain(10)
    assert report.count("written") == 0
    assert len(_OkHub.topics) == before


def test_a_cli_build_gets_its_pings_out_before_the_process_ends(tmp_path):
    hub = ThreadingHTTPServer(("127.0.0.1", 0), _OkHub)
    with _serving(hub):
        hub_url = f"http://127.0.0.1:{hub.server_address[1]}/"
        config = build_site(tmp_path, extra=f'\n[websub]\nhubs = ["{hub_url}"]\n', n=0)
        websub.pinger_for(config.output_dir, config.websub_hubs).drain(10)
        before = len(_OkHub.topics)
        ingest(config, [make_article(5)])
        proc = subprocess.run(
            [sys.executable, "-m", "feedhub", "build", "--config", str(tmp_path / "config.toml"), "--now", "2024-06-20T12:00:00+07:00"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 0, proc.stderr
    # The daemon thread would die with the process; the exit hook lets the pings finish first.
    assert set(_OkHub.topics[before:]) == {config.base_url + "all/rss.xml", config.base_url + "all/atom.xml"}
    state = json.loads((config.output_dir / websub.STATE_NAME).read_text(encoding="utf-8"))["hubs"][hub_url]
    assert state["state"] == "ok"
    # The operator sees the same per-hub outcome in `feedhub status --json`.
    status = subprocess.run(
        [sys.executable, "-m", "feedhub", "status", "--json", "--config", str(tmp_path / "config.toml")], capture_output=True, text=True, timeout=60
    )
    assert json.loads(status.stdout)["websub"][hub_url]["state"] == "ok"


@pytest.mark.parametrize("bad", ['"not a url"', '["ftp://hub.example/"]', "[1]"])
def test_bad_hub_config_is_one_line_naming_the_key(tmp_path, bad):
    from feedhub.cli import main

    (tmp_path / "config.toml").write_text(f'[site]\ntitle = "T"\nurl = "https://t.example"\n[websub]\nhubs = {bad}\n', encoding="utf-8")
    assert main(["status", "--config", str(tmp_path / "config.toml")]) == 2
