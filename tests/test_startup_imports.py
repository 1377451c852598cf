"""`feedhub ingest` (and every command's start-up) imports only what it uses (issue 15, "Ingest"):
the scheduler, the importers and lxml's HTML parser, the status record and the IRI regexes cost
every short ingest a few tenths of a second before this."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import SITE_TOML

# Runs the command a user runs, then reports what the process holds.
_PROBE = """
import json, sys
from feedhub import cli
code = cli.main(sys.argv[1:])
from feedhub.rules import iri
print(json.dumps({"code": code, "modules": sorted(sys.modules), "iri_compiled": iri.fast.cache_info().currsize}))
"""
NOT_FOR_INGEST = ("apscheduler", "asyncio", "lxml.html", "feedhub.sources.commands", "feedhub.sources.html", "feedhub.sources.wordpress", "feedhub.status", "feedhub.daemon")


def _probe(cwd, *argv: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_ingest_imports_neither_scheduler_nor_importers(tmp_path, seed):
    (tmp_path / "config.toml").write_text(SITE_TOML, encoding="utf-8")
    (tmp_path / "a.ndjson").write_text(json.dumps(seed, ensure_ascii=False) + "\n", encoding="utf-8")
    out = _probe(tmp_path, "--config", str(tmp_path / "config.toml"), "ingest", str(tmp_path / "a.ndjson"))
    assert out["code"] == 0
    assert "feedhub.store" in out["modules"]  # the probe saw a real ingest
    held = [m for m in out["modules"] if m.startswith(NOT_FOR_INGEST)]
    assert held == []
    assert out["iri_compiled"] == 0


def test_a_cron_schedule_is_still_checked_when_the_config_is_read(tmp_path):
    # APScheduler is imported late now; a bad cron line must still fail the config.
    (tmp_path / "config.toml").write_text(SITE_TOML + '\n[schedule]\nfeeds = "61 * * * *"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "feedhub", "--config", str(tmp_path / "config.toml"), "status"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "schedule" in done.stderr and "cron" in done.stderr
