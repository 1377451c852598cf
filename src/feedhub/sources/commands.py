"""The ``import-html`` and ``import-wordpress`` commands: running them and their output (their
command lines are :mod:`.parsers`).

They print exactly what ``feedhub ingest`` prints (a ``warning:``/``rejected:`` line each on
stderr, the summary line on stdout) and exit the same way: 0, or 1 when anything was rejected;
2 when the site failed for good after what was stored (import-wordpress) or for a user's mistake.
"""

from __future__ import annotations

import argparse
import sys
from datetime import tzinfo
from pathlib import Path
from typing import Any

from ..config import Config
from ..contract import parse_article
from ..errors import ArticleError, FeedhubError
from ..ingest import IngestReport, Rejection
from ..store import open_store
from ._ingest import ingest_records, ndjson, rejection_lines
from .fetch import FetchError, FetchPolicy
from .html import PageOptions
from .pages import Pages, read_pages
from .wordpress import Run, SiteState, WordPressError, exclusive, import_site, load_state, save_state, site_url, state_path, store_lookup

EXIT_OK, EXIT_PARTIAL, EXIT_FAILED = 0, 1, 2
#: One page of 100 posts with embedded terms, authors and media is a few MiB at most.
_API_MAX_BYTES = 32 * 1024 * 1024


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
    _print_rejections(report.rejected)
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
    _print_rejections(rejected)
    return EXIT_PARTIAL if rejected else EXIT_OK


def run_import_wordpress(args: argparse.Namespace, config: Config) -> int:
    site = site_url(args.site)
    path = state_path(config.store.url, config.output_dir)
    if args.dry_run:
        return _import_wordpress(args, config, site, path)
    with exclusive(path):
        return _import_wordpress(args, config, site, path)


def _import_wordpress(args: argparse.Namespace, config: Config, site: str, path: Path) -> int:
    state = load_state(path, site)
    if args.full:
        state.modified_after = None
    report, printed = IngestReport(), []
    store = None if args.dry_run and not _store_exists(config.store.url) else open_store(config.store.url, create=not args.dry_run)
    try:
        run = Run(site, lambda _w, recs: printed.extend(recs), lambda _s: None, store_lookup(store) if store else lambda _i: None, report)
        if not args.dry_run:
            assert store is not None
            run.emit = lambda w, recs: ingest_records(w, recs, store, config.site.tz, config.site.language, report)
            run.save = lambda s: save_state(path, site, s)
        run.policy, run.per_page, run.related_labels = FetchPolicy(timeout=args.timeout, max_bytes=_API_MAX_BYTES), args.per_page, tuple(args.related_label)
        run.sweep = not args.no_deletions
        failure = _run_site(run, state)
    finally:
        if store is not None:
            store.close()
    return _wordpress_outcome(args.dry_run, report, printed, failure)


def _wordpress_outcome(dry_run: bool, report: IngestReport, printed: list[dict[str, Any]], failure: FeedhubError | None) -> int:
    if dry_run:
        sys.stdout.write(ndjson(printed, ascii_only=False).decode("utf-8", "surrogatepass"))
        code = EXIT_PARTIAL if report.rejected else EXIT_OK
        _print_rejections(report.rejected)
    else:
        code = print_report(report)
    if failure is not None:
        print(f"feedhub: {failure} (what was imported before is kept; the next run resumes from there)", file=sys.stderr)
        return EXIT_FAILED
    return code


def _run_site(run: Run, state: SiteState) -> FeedhubError | None:
    try:
        import_site(run, state)
    except (FetchError, WordPressError) as e:
        return e
    return None


def _store_exists(url: str) -> bool:
    return not url.startswith("sqlite:///") or Path(url[len("sqlite:///"):]).exists()


def _print_rejections(rejected: list[Rejection]) -> None:
    for line in (line for r in rejected for line in rejection_lines(r)):
        print(f"rejected: {line}", file=sys.stderr)
