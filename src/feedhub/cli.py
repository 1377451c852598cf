"""The ``feedhub`` command: thin wiring from arguments to the library.

A user's mistake (bad config, bad file, unreachable store) is one line on
stderr and exit status 2; a run that worked but rejected something (records,
outputs) exits 1.  Only unexpected bugs show a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .clock import behind, out_of_range, wall_clock
from .config import Config, find_config_path, load_config
from .errors import FeedhubError
from .logs import setup_logging
from .rules.dates import EARLIEST, LATEST

if TYPE_CHECKING:  # the commands import their modules lazily, so `feedhub --help` starts fast
    from .build import BuildReport
    from .store import Store
    from .validate import Profile

log = logging.getLogger("feedhub")

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


#: Options every command takes, before or after the command name, and their defaults.
GLOBAL_DEFAULTS = {"config": None, "log_level": "info", "log_format": "text"}


def _add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Add --config, --log-level, --log-format to *parser*.

    The command's copies default to SUPPRESS: argparse copies a subparser's
    defaults over the main parser's values, which would drop a
    ``feedhub --config C status``.
    """
    def default(name: str) -> object:
        return GLOBAL_DEFAULTS[name] if defaults else argparse.SUPPRESS

    parser.add_argument("--config", metavar="PATH", default=default("config"), help="config file (default: $FEEDHUB_CONFIG, then ./config.toml)")
    parser.add_argument("--log-level", default=default("log_level"), choices=["debug", "info", "warning", "error"], help="log detail (default: info)")
    parser.add_argument("--log-format", default=default("log_format"), choices=["text", "json"], help="log lines as text or JSON (default: text)")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(common, defaults=False)

    p = argparse.ArgumentParser(prog="feedhub", description="Publish a newsroom's articles as RSS 2.0, Atom 1.0 and Google News / archive sitemaps.")
    p.add_argument("--version", action="version", version=f"feedhub {__version__}")
    _add_global_options(p, defaults=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    s = sub.add_parser("ingest", parents=[common], help="load articles (NDJSON or a JSON array) into the store", description="Validate articles and upsert them into the store by id. '-' reads stdin.")
    s.add_argument("files", nargs="+", metavar="FILE", help="NDJSON or JSON-array file, or - for stdin")

    s = sub.add_parser("build", parents=[common], help="build every output once now", description="Render, validate and publish every output once.")
    s.add_argument("--now", metavar="ISO", help="build as of this moment (ISO 8601; default: the clock)")
    s.add_argument("--only", action="append", choices=["feeds", "news_sitemap", "sitemaps"], help="build only this group (repeatable)")
    s.add_argument("--force", action="store_true", help="publish even when --now (or the clock) lies before the last recorded build")
    s.add_argument("--full", action="store_true", help="render every document, not only those a change since the last build can reach (same bytes)")

    s = sub.add_parser("validate", parents=[common], help="validate feed and sitemap files on disk", description="Check RSS, Atom, sitemap, news sitemap and sitemap index files (plain or .gz), ours or anyone's. With PATHs: the specs' rules only (profile spec: an error is a MUST of the spec, a SHOULD is a warning). Without paths: every output of the config, with the build gate's rules (profile publish: the specs plus feedhub's own policy, its site and limits).")
    s.add_argument("paths", nargs="*", metavar="PATH", help="a feed, sitemap or robots.txt file, plain or .gz (default: the config's own outputs)")
    s.add_argument("--profile", choices=["spec", "publish"], help="spec: what the specs require; publish: plus feedhub's own policy (default: spec with PATHs, publish without)")
    s.add_argument("--now", metavar="ISO", help="judge the news window as of this moment (default: the clock; without an offset: the site time zone, or UTC when PATHs are given)")

    s = sub.add_parser("run", parents=[common], help="run the scheduler daemon in the foreground", description="Build every output at start-up, then keep them fresh on the [schedule] timers. SIGTERM/SIGINT stop it; SIGHUP reloads the config.")
    s.add_argument("--once", action="store_true", help="build once and exit (for cron)")
    # import-html / import-wordpress (issue 18): parsers and commands live in feedhub.sources.
    from .sources.parsers import add_parsers as add_import_parsers

    add_import_parsers(sub, common)

    s = sub.add_parser("status", parents=[common], help="show what each output holds and how its last build went", description="Show what each output holds (items, bytes, when written and built) and how its last validation and write went. Exit 1 when an output failed validation or the last write or store access failed.")
    s.add_argument("--json", action="store_true", help="print JSON for monitoring")
    s.add_argument("--links", action="store_true", help='print each feed\'s <link rel="alternate"> lines for the site\'s <head>')

    # --- serve (issue 16) ---
    s = sub.add_parser("serve", parents=[common], help="serve the output dir over HTTP (previews, small sites)", description="Serve the output directory with feed content types, ETag/Last-Modified, 304s and gzip/brotli. No directory listing, no dotfiles, nothing outside the output dir.")
    s.add_argument("--bind", default="127.0.0.1", metavar="ADDR", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8080, metavar="N", help="port (default: 8080; 0 picks a free one)")
    _store_parser(sub, common)
    return p


def _store_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("store", parents=[common], help="migrate, inspect or copy the article store", description="Create or migrate the store, show what it holds, or copy it to another backend (docs/store.md).")
    # The actions take the common options too; SUPPRESS keeps them from resetting a value given before the action.
    leaf = argparse.ArgumentParser(add_help=False)
    for action in common._actions:
        leaf.add_argument(*action.option_strings, dest=action.dest, default=argparse.SUPPRESS, choices=action.choices, metavar=action.metavar, help=action.help)
    url_help = "store URL (default: [store] url of the config)"
    actions = s.add_subparsers(dest="store_action", metavar="ACTION", required=True)
    a = actions.add_parser("migrate", parents=[leaf], help="create the store or bring its schema up to date")
    a.add_argument("--url", metavar="URL", help=url_help)
    a = actions.add_parser("info", parents=[leaf], help="show the schema version, article count and change token")
    a.add_argument("--url", metavar="URL", help=url_help)
    a.add_argument("--json", action="store_true", help="print JSON")
    a = actions.add_parser("copy", parents=[leaf], help="copy every article into an empty store and verify count and checksum")
    a.add_argument("src", metavar="SRC_URL", help="store to read (sqlite:///path, a path, postgresql://user@host:5432/db)")
    a.add_argument("dst", metavar="DST_URL", help="empty store to fill (created when missing)")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(args.log_level, args.log_format)
    try:
        return _COMMANDS[args.command](args)
    except FeedhubError as e:
        print(f"feedhub: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _config(args: argparse.Namespace) -> Config:
    return load_config(find_config_path(args.config))


def _parse_now(value: str | None, tz: tzinfo) -> datetime:
    from .contract import parse_datetime

    if value is None:
        return wall_clock()
    try:
        dt = parse_datetime(value)
    except (ValueError, OverflowError):
        dt = None
    if dt is None:
        raise FeedhubError(f"--now: cannot read date {value!r} (use ISO 8601, e.g. 2024-06-20T10:00:00+07:00)")
    dt = dt if dt.tzinfo else dt.replace(tzinfo=tz)
    try:
        problem = out_of_range(dt)
    except OverflowError:  # an offset that pushes year 1 or 9999 past datetime's range
        problem = f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}, got {value!r}"
    if problem:
        raise FeedhubError(f"--now: {problem}")
    return dt


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest import ingest_files
    from .store import open_store

    config = _config(args)
    with open_store(config.store.url, create=True) as store:
        report = ingest_files(args.files, store, config.site.tz, config.site.language, now=wall_clock())
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for line in (line for r in report.rejected for line in r.lines()):
        print(f"rejected: {line}", file=sys.stderr)
    print(report.summary())
    return EXIT_PARTIAL if report.rejected else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from .build import GROUPS
    from .lock import OutputLock
    from .store import open_store

    config = _config(args)
    now = _parse_now(args.now, config.site.tz)
    groups = config.enabled_groups(args.only or GROUPS)
    store = open_store(config.store.url)  # before the lock: a build without a store makes no output dir
    try:
        with OutputLock(config.output_dir, "feedhub build"):
            _refuse_going_back(config, now, args.force, "--now" if args.now else "the clock")
            report = _build_noting_trouble(config, store, now, groups, args.full)
    finally:
        store.close()
    print("\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_PARTIAL


def _build_noting_trouble(config: Config, store: Store, now: datetime, groups: list[str], full: bool) -> BuildReport:
    """run_once, with a write failure recorded for `feedhub status` (and cleared by a good build)."""
    from .build import run_once
    from .publish import WriteError
    from .status import clear_trouble, record_trouble

    try:
        report = run_once(config, store, now, groups, full=full)
    except WriteError as e:
        for group in groups:
            with contextlib.suppress(OSError):
                record_trouble(config.output_dir, group, str(e), now.isoformat(timespec="seconds"))
        raise
    for group in groups:
        clear_trouble(config.output_dir, group)
    return report


def _refuse_going_back(config: Config, now: datetime, force: bool, source: str) -> None:
    from .status import last_build

    last = last_build(config.output_dir)
    if not force and behind(now, last):
        assert last is not None
        raise FeedhubError(
            f"{source} ({now.isoformat()}) is before the last build ({last.isoformat()}); a clock in the past would"
            " replace good outputs with older ones: pass --force to publish as of that moment anyway"
        )


def cmd_validate(args: argparse.Namespace) -> int:
    paths, config = _validate_targets(args)
    profile: Profile = args.profile or ("publish" if config else "spec")
    now = _parse_now(args.now, config.site.tz if config else UTC)
    errors = [_validate_file(path, config, profile, now) for path in paths]
    return EXIT_PARTIAL if any(errors) else EXIT_OK


def _validate_targets(args: argparse.Namespace) -> tuple[list[Path], Config | None]:
    """The PATHs given (each must exist), or else the config's own outputs and the config."""
    paths = [Path(p) for p in args.paths]
    if paths:
        missing = next((p for p in paths if not p.exists()), None)
        if missing is not None:
            raise FeedhubError(f"{missing}: no such file")
        return paths, None
    config = _config(args)
    paths = _config_outputs(config)
    if not paths:
        raise FeedhubError(f"no outputs in {config.output_dir} yet (run `feedhub build` first)")
    return paths, config


def _read_capped(path: Path) -> bytes | None:
    """The file's bytes, or None (and the reason printed) when it cannot be read or is over the cap."""
    from .rules.sitemaps import MAX_BYTES

    try:
        # A plain file over the cap is refused before it is read (gzip input is capped as it inflates).
        size = path.stat().st_size
        if size <= MAX_BYTES:
            return path.read_bytes()
    except OSError as e:
        print(f"{path}: cannot read: {e.strerror}")
        return None
    print(f"{path}: error: sitemap.max-bytes: {size:,} bytes; the limit is {MAX_BYTES:,} (sitemaps.org: 50 MB); not read")
    return None


def _validate_file(path: Path, config: Config | None, profile: Profile, now: datetime) -> int:
    """Print what is wrong with one file; return its number of errors."""
    from .build import validation_options
    from .formats import detect_kind
    from .formats import validate_document as validate

    data = _read_capped(path)
    if data is None:
        return 1
    kind = "robots" if path.suffix == ".txt" else None
    if config is None:
        # Anyone's file: our config (its host, its limits) is not read.
        problems = validate(data, kind, profile=profile, now=now)
    else:
        # Our outputs: exactly the options of the build gate.
        try:
            kind = kind or detect_kind(data)
        except ValueError:
            pass  # validate() below reports why
        problems = validate(data, kind, profile=profile, **validation_options(config, kind, now))
    for p in problems:
        print(f"{path}: {p.severity}: {p}")
    if not problems:
        print(f"{path}: ok")
    return sum(p.severity == "error" for p in problems)


def _config_outputs(config: Config) -> list[Path]:
    from .status import load_status

    out = config.output_dir
    from .formats import feed_paths

    known = {p for f in config.feeds for p in feed_paths(f)}
    known |= {config.news_sitemap.path, config.sitemap.path, "robots-sitemaps.txt"}
    if config.feed_index.enabled:
        known |= {config.feed_index.json_path, config.feed_index.opml_path}
    # The status record lists every output the last build wrote, family feeds included.
    known |= set(load_status(out))
    return [out / p for p in sorted(known) if (out / p).is_file()]


def cmd_run(args: argparse.Namespace) -> int:
    from .daemon import run_daemon

    return run_daemon(find_config_path(args.config), once=args.once)


def cmd_import_html(args: argparse.Namespace) -> int:
    from .sources.commands import run_import_html

    return run_import_html(args, _config(args))


def cmd_import_wordpress(args: argparse.Namespace) -> int:
    from .sources.commands import run_import_wordpress

    return run_import_wordpress(args, _config(args))


def cmd_status(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .hooks.websub import load_state
    from .status import family_lines, format_table, load_families, load_status, load_trouble

    config = _config(args)
    if getattr(args, "links", False):  # a Namespace built by hand (tests, other callers) has no --links
        from .status import alternate_links

        print("\n".join(alternate_links(config)))
        return EXIT_OK
    outputs = load_status(config.output_dir)
    trouble = load_trouble(config.output_dir)
    families = load_families(config.output_dir)
    if args.json:
        doc: dict[str, object] = {"output_dir": str(config.output_dir), "outputs": [asdict(outputs[k]) for k in sorted(outputs)]}
        doc["trouble"] = {g: asdict(t) for g, t in sorted(trouble.items())}
        doc["websub"] = load_state(config.output_dir)
        doc["families"] = [asdict(f) for f in families]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    elif not outputs and not trouble:
        print(f"no builds recorded in {config.output_dir} yet (run `feedhub build`)")
    else:
        print("\n".join([format_table(outputs, trouble), *family_lines(families)]))
    failed = trouble or any(s.validation != "ok" for s in outputs.values())
    return EXIT_PARTIAL if failed else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import Site, serve

    config = _config(args)
    site = Site(root=config.output_dir, base_url=config.base_url, hubs=config.websub_hubs)
    try:
        serve(site, args.bind, args.port, ready=lambda msg: print(msg, flush=True))
    except OSError as e:
        raise FeedhubError(f"serve: cannot listen on {args.bind}:{args.port}: {e.strerror}") from None
    return EXIT_OK


def cmd_store(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .store import open_store
    from .store.copy import copy_store

    if args.store_action == "copy":
        with open_store(args.src) as src, open_store(args.dst, create=True) as dst:
            copied = copy_store(src, dst, args.dst)
        print(f"copied {copied.articles:,} articles; count and checksum verified (blake2b {copied.checksum[:16]})")
        return EXIT_OK
    url = args.url or _config(args).store.url
    with open_store(url, create=args.store_action == "migrate") as store:
        info = store.info()
        applied = getattr(store, "applied", [])
    if args.store_action == "migrate":
        done = f"applied {', '.join(map(str, applied))}" if applied else "up to date"
        print(f"store {info.url}: schema version {info.schema_version} ({done})")
    elif args.json:
        print(json.dumps(asdict(info), indent=2))
    else:
        print(f"store {info.url} ({info.backend}): schema version {info.schema_version}, "
              f"{info.articles:,} articles ({info.published:,} published), change token {info.change_token}")
    return EXIT_OK


_COMMANDS = {"ingest": cmd_ingest, "build": cmd_build, "validate": cmd_validate, "run": cmd_run, "status": cmd_status, "serve": cmd_serve, "store": cmd_store}

_COMMANDS |= {"import-html": cmd_import_html, "import-wordpress": cmd_import_wordpress}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
