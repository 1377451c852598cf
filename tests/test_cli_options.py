"""Issue 10's command-line items and issue 11's clock items, run in-process through ``main``."""

from __future__ import annotations

import json

import pytest

from conftest import SITE_TOML, make_article
from feedhub.cli import main
from feedhub.status import STATUS_NAME
from feedhub.store import open_store

NOW = "2024-06-20T12:00:00+07:00"


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    store = open_store("sqlite:///" + str(tmp_path / "store.sqlite3"), create=True)
    store.upsert([make_article(n) for n in (1, 2, 3)])
    store.close()
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, ""), err
    assert len(err.splitlines()) == 1 and err.startswith("feedhub: ") and "Traceback" not in err
    return err.strip()


# -- global options before or after the command ----------------------------------------------------


@pytest.mark.parametrize("before", [True, False], ids=["before-command", "after-command"])
def test_config_before_or_after_the_command(site, capsys, before):
    assert run(capsys, "build", "--config", "site.toml", "--now", NOW)[0] == 0
    argv = ["--config", "site.toml", "status", "--json"] if before else ["status", "--json", "--config", "site.toml"]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    assert json.loads(out)["output_dir"] == str(site / "feeds")


def test_the_option_after_the_command_wins(site, capsys):
    (site / "other.toml").write_text(SITE_TOML + '\n[output]\ndir = "elsewhere"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", "site.toml", "status", "--json", "--config", "other.toml")
    assert code == 0 and json.loads(out)["output_dir"] == str(site / "elsewhere")


@pytest.mark.parametrize("before", [True, False], ids=["before-command", "after-command"])
def test_log_options_before_or_after_the_command(site, capsys, before):
    opts = ["--log-format", "json", "--log-level", "debug"]
    argv = [*opts, "build", "--config", "site.toml", "--now", NOW] if before else ["build", "--config", "site.toml", "--now", NOW, *opts]
    code, out, err = run(capsys, *argv)
    assert code == 0 and out.splitlines()[-1].startswith("built ")
    import logging

    logger = logging.getLogger("feedhub")
    assert logger.level == logging.DEBUG
    assert type(logger.handlers[0].formatter).__name__ == "JsonFormatter"


def test_global_option_without_a_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--config", "site.toml"])
    assert e.value.code == 2


# -- one-line mistakes ---------------------------------------------------------------------------


def test_validate_a_missing_file_is_one_line_exit_2(tmp_path, capsys):
    err = one_line_error(capsys, "validate", str(tmp_path / "MISSING.xml"))
    assert err == f"feedhub: {tmp_path / 'MISSING.xml'}: no such file"


def test_status_help_has_a_description(capsys):
    with pytest.raises(SystemExit):
        main(["status", "--help"])
    out = capsys.readouterr().out
    assert "Show what each output holds" in out and "Exit 1 when" in " ".join(out.split())


def test_validate_path_has_help_text(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    assert "a feed, sitemap or robots.txt file" in " ".join(capsys.readouterr().out.split())


def test_a_build_without_a_store_makes_no_output_dir(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(SITE_TOML, encoding="utf-8")
    assert "no such file" in one_line_error(capsys, "build")
    assert not (tmp_path / "feeds").exists()
    assert not (tmp_path / "store.sqlite3").exists()


def test_disabled_groups_are_not_named_in_the_summary(site, capsys):
    text = SITE_TOML + "\n[news_sitemap]\nenabled = false\n\n[sitemap]\nenabled = false\n"
    (site / "site.toml").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "build", "--config", "site.toml", "--now", NOW)
    assert code == 0
    assert out.splitlines()[-1].startswith("built feeds: 2 written, 0 unchanged, 0 rejected in ")
    assert not (site / "feeds" / "news-sitemap.xml").exists()


# -- the clock -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    ["9999-12-31T23:59:59+00:00", "0001-01-02T00:00:00Z", "0001-01-01T00:00:00+05:00", "1969-12-31T23:59:59Z", "9000-01-01T00:00:00Z"],
)
def test_now_outside_the_sane_range_is_one_line_exit_2(site, capsys, now):
    err = one_line_error(capsys, "build", "--config", "site.toml", "--now", now)
    assert err.startswith("feedhub: --now: must lie between 1970-01-01 and 9000-01-01") or "cannot read date" in err
    assert not (site / "feeds" / STATUS_NAME).exists()


def test_now_at_the_ends_of_the_range_builds(site, capsys):
    assert run(capsys, "build", "--config", "site.toml", "--now", "1970-01-01T00:00:00Z")[0] == 0
    assert run(capsys, "build", "--config", "site.toml", "--now", "8999-12-31T23:59:59Z")[0] == 0


def test_now_in_the_past_writes_only_with_force(site, capsys):
    assert run(capsys, "build", "--config", "site.toml", "--now", NOW)[0] == 0
    rss = site / "feeds" / "all" / "rss.xml"
    good = rss.read_bytes()
    assert b"artikel-3" in good

    err = one_line_error(capsys, "build", "--config", "site.toml", "--now", "1970-01-01T00:00:00Z")
    assert "before the last build (2024-06-20T05:00:00+00:00)" in err and "--force" in err
    assert rss.read_bytes() == good

    # Within the tolerance (a clock a minute behind) is not "the past".
    assert run(capsys, "build", "--config", "site.toml", "--now", "2024-06-20T11:59:00+07:00")[0] == 0

    code, out, _ = run(capsys, "build", "--config", "site.toml", "--now", "1970-01-01T00:00:00Z", "--force")
    assert code == 0 and b"artikel-3" not in rss.read_bytes()


def test_a_build_that_cannot_write_is_one_line_and_status_shows_it(site, capsys, monkeypatch):
    import errno
    import os

    assert run(capsys, "build", "--config", "site.toml", "--now", NOW)[0] == 0
    real_write = os.write

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    store = open_store("sqlite:///" + str(site / "store.sqlite3"))
    store.upsert([make_article(4)])
    store.close()
    err = one_line_error(capsys, "build", "--config", "site.toml", "--now", "2024-06-20T13:00:00+07:00")
    assert err.endswith("all/rss.xml: cannot write: No space left on device")
    monkeypatch.setattr(os, "write", real_write)

    code, out, _ = run(capsys, "status", "--config", "site.toml", "--json")
    assert code == 1 and "No space left on device" in json.loads(out)["trouble"]["feeds"]["message"]
    assert run(capsys, "build", "--config", "site.toml", "--now", "2024-06-20T13:00:00+07:00")[0] == 0
    code, out, _ = run(capsys, "status", "--config", "site.toml", "--json")
    assert code == 0 and json.loads(out)["trouble"] == {}
