"""The ``import-html`` and ``import-wordpress`` command lines, apart from the commands: every
``feedhub`` command builds them, and the importers (lxml, the fetcher) are imported only when
one of them runs (:mod:`.commands`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .limits import MAX_PAGE_BYTES, PER_PAGE


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    s = sub.add_parser(
        "import-html", parents=[common], help="import article pages (files or URLs)",
        description="Read article pages (JSON-LD, OpenGraph, the HTML itself), map each to the import format and ingest it as `feedhub ingest` does.",
    )
    s.add_argument("sources", nargs="+", metavar="URL_OR_FILE", help="an article page: a file or an http(s) URL")
    _add_common_options(s)
    s.add_argument("--related-label", action="append", default=[], metavar="TEXT", help="another label that starts a related-links block (repeatable)")
    s.add_argument("--strip-param", action="append", default=[], metavar="NAME", help="remove this query parameter from the page's URLs, e.g. 'utm_*' (repeatable)")
    s.add_argument("--max-bytes", type=_bounded(1, 1 << 40), default=MAX_PAGE_BYTES, metavar="N", help=f"refuse pages larger than this (default: {MAX_PAGE_BYTES:,})")

    s = sub.add_parser(
        "import-wordpress", parents=[common], help="import posts from a WordPress site's REST API",
        description="Read the posts changed since the last run from SITE_URL/wp-json/wp/v2/posts, turn trashed or deleted ones into "
        "deletions, and ingest them as `feedhub ingest` does. The checkpoint is kept per site in wordpress-state.json beside the store.",
    )
    s.add_argument("site", metavar="SITE_URL", help="the WordPress site, e.g. https://news.example")
    _add_common_options(s)
    s.add_argument("--per-page", type=_bounded(1, PER_PAGE), default=PER_PAGE, metavar="N", help=f"posts per request, 1-{PER_PAGE} (default: {PER_PAGE})")
    s.add_argument("--related-label", action="append", default=[], metavar="TEXT", help="another label that starts a related-links block in a post (repeatable)")
    s.add_argument("--full", action="store_true", help="read every post again, not only those changed since the last run")
    s.add_argument("--no-deletions", action="store_true", help="skip the id listing that finds trashed and deleted posts")


def _add_common_options(s: argparse.ArgumentParser) -> None:
    s.add_argument("--dry-run", action="store_true", help="print the NDJSON that would be ingested; store nothing")
    s.add_argument("--timeout", type=_seconds, default=20.0, metavar="SECONDS", help="per connection and read (default: 20)")


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {value:,}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600 seconds, got {text}")
    return value
