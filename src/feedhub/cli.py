"""The ``feedhub`` command: thin wiring from arguments to the library.

A user's mistake (bad config, bad file, unreachable store) is one line on
stderr and exit status 2; a run that worked but rejected something (records,
outputs) exits 1.  Only unexpected bugs show a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Sequence

from . import __version__
from .config import Config, find_config_path, load_config
from .errors import FeedhubError
from .logs import setup_logging

log = logging.getLogger("feedhub")

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="config file (default: $FEEDHUB_CONFIG, then ./config.toml)")
    common.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"], help="log detail (default: info)")
    common.add_argument("--log-format", default="text", choices=["text", "json"], help="log lines as text or JSON (default: text)")

    p = argparse.ArgumentParser(prog="feedhub", description="Publish a newsroom's articles as RSS 2.0, Atom 1.0 and Google News / archive sitemaps.")
    p.add_argument("--version", action="version", version=f"feedhub {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    s = sub.add_parser("ingest", parents=[common], help="load articles (NDJSON or a JSON array) into the store", description="Validate articles and upsert them into the store by id. '-' reads stdin.")
    s.add_argument("files", nargs="+", metavar="FILE", help="NDJSON or JSON-array file, or - for stdin")

    s = sub.add_parser("build", parents=[common], help="build every output once now", description="Render, validate and publish every output once.")
    s.add_argument("--now", metavar="ISO", help="build as of this moment (ISO 8601; default: the clock)")
    s.add_argument("--only", action="append", choices=["feeds", "news_sitemap", "sitemaps"], help="build only this group (repeatable)")

    s = sub.add_parser("validate", parents=[common], help="validate feed and sitemap files on disk", description="Check RSS, Atom, sitemap, news sitemap and sitemap index files (plain or .gz), ours or anyone's, by the specs' rules. Without paths: every output of the config, with the same site and limit checks as the build.")
    s.add_argument("paths", nargs="*", metavar="PATH")
    s.add_argument("--now", metavar="ISO", help="judge the news window as of this moment (default: the clock; without an offset: the site time zone, or UTC when PATHs are given)")

    s = sub.add_parser("run", parents=[common], help="run the scheduler daemon in the foreground", description="Build every output at start-up, then keep them fresh on the [schedule] timers. SIGTERM/SIGINT stop it; SIGHUP reloads the config.")
    s.add_argument("--once", action="store_true", help="build once and exit (for cron)")

    s = sub.add_parser("status", parents=[common], help="show what each output holds and how its last build went")
    s.add_argument("--json", action="store_true", help="print JSON for monitoring")
    return p


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
        return datetime.now(timezone.utc)
    dt = parse_datetime(value)
    if dt is None:
        raise FeedhubError(f"--now: cannot read date {value!r} (use ISO 8601, e.g. 2024-06-20T10:00:00+07:00)")
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest import ingest_files
    from .store import open_store

    config = _config(args)
    store = open_store(config.store.url, create=True)
    try:
        report = ingest_files(args.files, store, config.site.tz, config.site.language, now=datetime.now(timezone.utc))
    finally:
        store.close()
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for line in (line for r in report.rejected for line in r.lines()):
        print(f"rejected: {line}", file=sys.stderr)
    print(report.summary())
    return EXIT_PARTIAL if report.rejected else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from .build import GROUPS, run_once
    from .lock import OutputLock
    from .store import open_store

    config = _config(args)
    now = _parse_now(args.now, config.site.tz)
    with OutputLock(config.output_dir, "feedhub build"):
        store = open_store(config.store.url)
        try:
            report = run_once(config, store, now, args.only or GROUPS)
        finally:
            store.close()
    print("\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_PARTIAL


def cmd_validate(args: argparse.Namespace) -> int:
    from .build import validation_options
    from .validate import detect_kind, validate

    paths = [Path(p) for p in args.paths]
    config = None
    if not paths:
        config = _config(args)
        paths = _config_outputs(config)
        if not paths:
            raise FeedhubError(f"no outputs in {config.output_dir} yet (run `feedhub build` first)")
    now = _parse_now(args.now, config.site.tz if config else timezone.utc)
    errors = 0
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as e:
            print(f"{path}: cannot read: {e.strerror}")
            errors += 1
            continue
        kind = "robots" if path.suffix == ".txt" else None
        if config is None:
            # Anyone's file: the specs' rules only; our config (its host, its limits) is not read.
            problems = validate(data, kind, now=now)
        else:
            # Our outputs: exactly the options of the build gate.
            try:
                kind = kind or detect_kind(data)
            except ValueError:
                pass  # validate() below reports why
            problems = validate(data, kind, **validation_options(config, kind, now))
        for p in problems:
            print(f"{path}: {p.severity}: {p}")
        n = sum(p.severity == "error" for p in problems)
        errors += n
        if not problems:
            print(f"{path}: ok")
    return EXIT_PARTIAL if errors else EXIT_OK


def _config_outputs(config: Config) -> list[Path]:
    from .status import load_status

    out = config.output_dir
    known = {p for f in config.feeds for p in (f.rss_path, f.atom_path)}
    known |= {config.news_sitemap.path, config.sitemap.path, "robots-sitemaps.txt"}
    known |= set(load_status(out))
    return [out / p for p in sorted(known) if (out / p).is_file()]


def cmd_run(args: argparse.Namespace) -> int:
    from .daemon import run_daemon

    return run_daemon(find_config_path(args.config), once=args.once)


def cmd_status(args: argparse.Namespace) -> int:
    from .status import format_table, load_status

    config = _config(args)
    outputs = load_status(config.output_dir)
    if args.json:
        from dataclasses import asdict

        print(json.dumps({"output_dir": str(config.output_dir), "outputs": [asdict(outputs[k]) for k in sorted(outputs)]}, ensure_ascii=False, indent=2))
    elif not outputs:
        print(f"no builds recorded in {config.output_dir} yet (run `feedhub build`)")
    else:
        print(format_table(outputs))
    return EXIT_PARTIAL if any(s.validation != "ok" for s in outputs.values()) else EXIT_OK


_COMMANDS = {"ingest": cmd_ingest, "build": cmd_build, "validate": cmd_validate, "run": cmd_run, "status": cmd_status}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
