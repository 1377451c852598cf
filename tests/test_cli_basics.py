"""The command line's shape: help on every command, exit codes, one-line user errors (issue 2)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from conftest import SITE_TOML
from feedhub import __version__, cli
from feedhub.cli import main

EXPECTED_COMMANDS = {"ingest", "build", "validate", "run", "status", "serve", "store"}  # serve: issue 16, store: issue 17

CONFIG = SITE_TOML
EXPECTED_COMMANDS |= {"import-html", "import-wordpress"}  # issue 18


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli._parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def _command_help() -> dict[str, str]:
    parser = cli._parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {a.dest: a.help for a in action._choices_actions}


def test_the_commands_are_the_documented_ones():
    assert set(_subcommands()) == EXPECTED_COMMANDS


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main([command, "--help"])
    assert excinfo.value.code == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith(f"usage: feedhub {command} ")
    assert "--config PATH" in out  # every command takes --config
    assert _command_help()[command], f"{command} has no one-line help in `feedhub --help`"


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["--help"])
    assert excinfo.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps long help lines
    for command, text in _command_help().items():
        assert command in out and text in out


def test_version(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])
    assert excinfo.value.code == 0
    assert capsys.readouterr().out == f"feedhub {__version__}\n"


@pytest.mark.parametrize(
    "argv",
    [["publish"], [], ["ingest"], ["status", "--colour"], ["build", "--only", "rss"], ["ingest", "--log-level", "loud", "x"]],
    ids=["unknown-command", "no-command", "ingest-without-file", "unknown-option", "bad-choice", "bad-log-level"],
)
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: feedhub")
    assert "Traceback" not in err


# -- user errors: one line on stderr, exit 2, no traceback -- from the real command ----------


def _run(args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "FEEDHUB_CONFIG"}
    return subprocess.run([sys.executable, "-m", "feedhub", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _assert_one_line_error(p, *fragments):
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("feedhub: ")
    for f in fragments:
        assert f in lines[0]


@pytest.mark.parametrize("command", ["status", "ingest"])
def test_missing_config_is_one_line(tmp_path, command):
    args = [command] + (["a.ndjson"] if command == "ingest" else [])
    _assert_one_line_error(_run(args, tmp_path), "config.toml: no such file")


@pytest.mark.parametrize("command", ["status", "ingest"])
def test_bad_config_is_one_line(tmp_path, command):
    (tmp_path / "config.toml").write_text(CONFIG + '\n[[feeds]]\nname = "all"\nlimit = "ten"\n', encoding="utf-8")
    args = [command] + (["a.ndjson"] if command == "ingest" else [])
    p = _run(args, tmp_path)
    _assert_one_line_error(p)
    assert p.stderr == 'feedhub: config.toml: feeds[0].limit: must be a positive integer, got "ten"\n'


def test_ingest_store_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "config.toml").write_text(CONFIG.replace('"store.sqlite3"', '"blocker/store.sqlite3"'), encoding="utf-8")
    (tmp_path / "blocker").write_text("a file where the store's directory should be")
    (tmp_path / "a.ndjson").write_text("", encoding="utf-8")
    _assert_one_line_error(_run(["ingest", "a.ndjson"], tmp_path), "blocker")


def test_ingest_corrupt_store_is_one_line(tmp_path):
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "store.sqlite3").write_bytes(b"not a database at all " * 100)
    (tmp_path / "a.ndjson").write_text("", encoding="utf-8")
    _assert_one_line_error(_run(["ingest", "a.ndjson"], tmp_path), "store.sqlite3", "not a database")


def test_ingest_unsupported_store_scheme_is_one_line(tmp_path):
    (tmp_path / "config.toml").write_text(CONFIG.replace('"store.sqlite3"', '"mysql://db/feedhub"'), encoding="utf-8")
    (tmp_path / "a.ndjson").write_text("", encoding="utf-8")
    _assert_one_line_error(_run(["ingest", "a.ndjson"], tmp_path), "unsupported scheme")


def test_status_without_builds_is_not_an_error(tmp_path):
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    p = _run(["status"], tmp_path)
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout.startswith("no builds recorded in ")
    assert not (tmp_path / "store.sqlite3").exists()  # status never creates a store


def test_build_with_missing_store_is_one_line(tmp_path):
    pytest.importorskip("feedhub.build", exc_type=ImportError, reason="build/render/validate still being written")
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    _assert_one_line_error(_run(["build"], tmp_path), "store.sqlite3", "no such file")
    assert not (tmp_path / "store.sqlite3").exists()  # build never creates an empty store
