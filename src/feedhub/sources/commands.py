"""The ``import-html`` and ``import-wordpress`` commands: argument parsing and output only.

They print exactly what ``feedhub ingest`` prints (a ``warning:``/``rejected:`` line each on
stderr, the summary line on stdout) and exit the same way: 0, or 1 when anything was rejected.
"""

from __future__ import annotations

import argparse
import sys
from datetime import tzinfo

from ..config import Config
from ..contract import parse_article
from ..errors import ArticleError
from ..ingest import IngestReport, Rejection
from ..store import open_store
from ._ingest import ingest_records, ndjson
from .fetch import FetchPolicy
from .html import MAX_PAGE_BYTES, PageOptions
from .pages import Pages, read_pages

EXIT_OK, EXIT_PARTIAL = 0, 1


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    s = sub.add_parser(
        "import-html", parents=[common], help="import article pages (files or URLs)",
        description="Read article pages (JSON-LD, OpenGraph, the HTML itself), map each to the import format and ingest it as `feedhub ingest` does.",
    )
    s.add_argument("sources", nargs="+", metavar="URL_OR_FILE", help="an article page: a file or an http(s) URL")
    _add_common_options(s)
    s.add_argument("--related-label", action="append", default=[], metavar="TEXT", help="another label that starts a related-links block (repeatable)")
    s.add_argument("--strip-param", action="append", default=[], metavar="NAME", help="remove this query parameter from the page's URLs, e.g. 'utm_*' (repeatable)")
    s.add_argument("--max-bytes", type=int, default=MAX_PAGE_BYTES, metavar="N", help=f"refuse pages larger than this (default: {MAX_PAGE_BYTES:,})")


def _add_common_options(s: argparse.ArgumentParser) -> None:
    s.add_argument("--dry-run", action="store_true", help="print the NDJSON that would be ingested; store nothing")
    s.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS", help="per connection and read (default: 20)")


def run_import_html(args: argparse.Namespace, config: Config) -> int:
    options = PageOptions(tuple(args.related_label), tuple(args.strip_param), args.max_bytes)
    policy = FetchPolicy(timeout=args.timeout, max_bytes=args.max_bytes)
    pages = read_pages(args.sources, config.site.tz, options, policy)
    if args.dry_run:
        return _dry_run(pages, config.site.tz, config.site.language)
    report = IngestReport(rejected=list(pages.rejected), warnings=list(pages.warnings))
    store = open_store(config.store.url, create=True)
    try:
        for where, record in pages.records:
            ingest_records(where, [record], store, config.site.tz, config.site.language, report)
    finally:
        store.close()
    return print_report(report)


def print_report(report: IngestReport) -> int:
    """``feedhub ingest``'s output and exit status for *report*."""
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for r in report.rejected:
        print(f"rejected: {r}", file=sys.stderr)
    print(report.summary())
    return EXIT_PARTIAL if report.rejected else EXIT_OK


def _dry_run(pages: Pages, tz: tzinfo, language: str) -> int:
    """The NDJSON on stdout; what the contract or the page reading would reject on stderr."""
    rejected = list(pages.rejected)
    for where, record in pages.records:
        try:
            parse_article(record, tz, language)
        except ArticleError as e:
            rejected.append(Rejection(f"{where}:1", e))
    sys.stdout.write(ndjson([r for _, r in pages.records], ascii_only=False).decode("utf-8", "surrogatepass"))
    for w in pages.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for r in rejected:
        print(f"rejected: {r}", file=sys.stderr)
    return EXIT_PARTIAL if rejected else EXIT_OK
