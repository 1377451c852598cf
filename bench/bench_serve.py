"""`feedhub serve` throughput: ``python bench/bench_serve.py [--requests 10000] [--seconds 5] [--clients 2]``.

Builds a 50-article feed into a temp dir, starts ``feedhub serve`` as its own process on an
ephemeral 127.0.0.1 port, and measures requests/s from this process (keep-alive HTTP/1.1
connections, one per client thread) for:

- ``304``: ``If-None-Match`` with the current ETag (what a polite aggregator sends);
- ``full``: the whole RSS document, identity encoding;
- ``full gzip``: the same with ``Accept-Encoding: gzip`` (compressed once, then cached);
- ``304 again``: the first measure repeated, to show how much of the spread is the machine.

Each run stops at ``--requests`` or ``--seconds``, whichever comes first. Prints only; no asserts.
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from test_serve import build_site  # noqa: E402 - the test helpers build a real site


def _client(addr: str, path: str, headers: dict[str, str], deadline: float, budget: list[int], counts: list[int], lock: threading.Lock) -> None:
    host, port = addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    n = 0
    while time.perf_counter() < deadline:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        n += 1
    conn.close()
    with lock:
        counts.append(n)


def measure(addr: str, path: str, headers: dict[str, str], requests: int, seconds: float, clients: int) -> tuple[int, float]:
    lock = threading.Lock()
    budget, counts = [requests], []
    start = time.perf_counter()
    threads = [threading.Thread(target=_client, args=(addr, path, headers, start + seconds, budget, counts, lock)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return sum(counts), elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = build_site(Path(tmp), n=50)
        size = (config.output_dir / "all" / "rss.xml").stat().st_size
        proc = subprocess.Popen(
            [sys.executable, "-m", "feedhub", "serve", "--config", str(Path(tmp) / "config.toml"), "--port", "0", "--log-level", "warning"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            addr = proc.stdout.readline().strip().rsplit("/", 2)[-2]
            conn = http.client.HTTPConnection(*addr.split(":"))
            conn.request("GET", "/all/rss.xml")
            etag = conn.getresponse().getheader("ETag") or ""
            conn.close()
            print(f"feed: all/rss.xml, 50 items, {size} bytes; {args.clients} keep-alive clients; bound {args.requests} requests / {args.seconds} s")
            for label, headers in (("full", {}), ("304", {"If-None-Match": etag}), ("full gzip", {"Accept-Encoding": "gzip"}), ("304 again", {"If-None-Match": etag})):
                n, elapsed = measure(addr, "/all/rss.xml", headers, args.requests, args.seconds, args.clients)
                print(f"{label:<10} {n:>6} requests in {elapsed:5.2f} s = {n / elapsed:8.0f} requests/s")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
