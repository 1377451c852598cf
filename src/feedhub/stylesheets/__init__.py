"""XSL stylesheets that make the feeds and sitemaps readable in a browser (issue 16).

Each RSS, Atom, news sitemap and sitemap index carries ``<?xml-stylesheet type="text/xsl"
href="…"?>`` (a relative href, so the link works wherever the output dir is served) and the
stylesheets are published at the top of the output dir.  Feed readers and crawlers ignore the
processing instruction; a browser that still runs XSLT shows a page instead of raw XML.
``[output] stylesheets = false`` turns both off.  The archive sitemaps get none yet: the shards
are gzip files (or held to a byte limit), and the index is held byte for byte to a reference
renderer in tests/test_sitemaps.py (``feedhub-sitemap.xsl`` already renders a sitemap index).
"""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path

from .. import publish

log = logging.getLogger("feedhub.stylesheets")

FEED_XSL = "feedhub-feed.xsl"
SITEMAP_XSL = "feedhub-sitemap.xsl"
#: The stylesheet each output kind links to.
FOR_KIND = {
    "rss": FEED_XSL,
    "atom": FEED_XSL,
    "news-sitemap": SITEMAP_XSL,
    "news-sitemap-index": SITEMAP_XSL,
}


def href(path: str, kind: str) -> str | None:
    """The stylesheet link of the document at *path* (relative to the output dir), or None."""
    name = FOR_KIND.get(kind)
    if name is None or path.endswith(".gz"):
        return None
    return "../" * path.count("/") + name


def with_stylesheet(data: bytes, path: str, kind: str, enabled: bool) -> bytes:
    """*data* with the stylesheet processing instruction right after its XML declaration."""
    link = href(path, kind) if enabled else None
    if link is None:
        return data
    pi = f'<?xml-stylesheet type="text/xsl" href="{link}"?>\n'.encode()
    if data.startswith(b"<?xml "):
        end = data.index(b"?>") + 2
        end += data[end:end + 1] == b"\n"
        return data[:end] + pi + data[end:]
    return pi + data


def stylesheet_bytes() -> dict[str, bytes]:
    """The packaged stylesheets by file name."""
    here = files(__package__)
    return {name: here.joinpath(name).read_bytes() for name in (FEED_XSL, SITEMAP_XSL)}


def publish_stylesheets(output_dir: Path, enabled: bool) -> list[str]:
    """Put the stylesheets beside the outputs (or take ours away when disabled); the names changed."""
    changed = []
    for name, data in stylesheet_bytes().items():
        target = output_dir / name
        try:
            if publish.write_if_changed(target, data) if enabled else publish.remove(target):
                changed.append(name)
        except OSError as e:  # the outputs are already published; a missing stylesheet only costs the browser view
            log.warning("cannot publish %s: %s", target, e.strerror)
    return changed
