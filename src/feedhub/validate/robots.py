"""robots.txt as feedhub writes it: ``Sitemap: <absolute URL>`` lines for search engines.

https://www.rfc-editor.org/rfc/rfc9309 (the format), https://www.sitemaps.org/protocol.html#submit_robots
"""

from __future__ import annotations

import re

from ._report import Report
from ._xml import loc_problem

#: Google reads the first 500 KiB of a robots.txt and ignores the rest.
MAX_BYTES = 500 * 1024
_LINES = re.compile(r"\r\n|\r|\n")
_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
LOOKS_LIKE = re.compile(rb"^[ \t]*(?:sitemap|user-agent|allow|disallow|crawl-delay)[ \t]*:", re.I | re.M)


def check_robots(data: bytes, rep: Report) -> None:
    if len(data) > MAX_BYTES:
        rep.add("robots.max-bytes", f"{len(data):,} bytes; search engines read only the first {MAX_BYTES:,} (RFC 9309 §2.5)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        rep.add("robots.encoding", f"byte {data[e.start]:#04x} at offset {e.start:,} is not UTF-8 (RFC 9309 §2.3)", line=data.count(b"\n", 0, e.start) + 1)
        return
    sitemaps = 0
    for n, line in enumerate(_LINES.split(text), 1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        field, sep, value = body.partition(":")
        if not sep or not _FIELD.fullmatch(field.strip()):
            rep.add("robots.syntax", f"{body[:80]!r} is not a `field: value` line", line=n)
            continue
        if field.strip().lower() == "sitemap":
            sitemaps += 1
            bad = loc_problem(value.strip())
            if bad:
                rep.add("robots.sitemap-url", "Sitemap: " + bad[1].removeprefix("loc "), line=n)
    if not sitemaps:
        rep.add("robots.no-sitemap", "no `Sitemap: <absolute URL>` line")
