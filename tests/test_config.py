"""config.toml: the working example loads; every mistake names the key and the problem (issue 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from feedhub.cli import main
from feedhub.config import find_config_path, load_config
from feedhub.errors import ConfigError
from feedhub.model import FeedFilter

SITE = """\
[site]
title = "GenPI.co"
url = "https://genpi.example"
language = "id"
timezone = "Asia/Jakarta"
"""

FEEDS = """
[[feeds]]
name = "all"

[[feeds]]
name = "internasional"
section = "internasional"

[[feeds]]
name = "teknologi"
section = "teknologi"
"""


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load_text(text: str):
    Path("config.toml").write_text(text, encoding="utf-8")
    return load_config("config.toml")


def test_repo_config_loads():
    c = load_config(REPO / "config.toml")
    assert c.site.title == "GenPI.co"
    assert c.site.url == "https://genpi.example"
    assert (c.site.language, c.site.timezone) == ("id", "Asia/Jakarta")
    assert str(c.site.tz) == "Asia/Jakarta"
    assert c.store.url == "sqlite:///" + str((REPO / "feedhub.sqlite3").resolve())
    assert c.output_dir == (REPO / "feeds").resolve()
    assert c.base_url == "https://genpi.example/feeds/"
    assert [f.name for f in c.feeds] == ["all", "internasional", "teknologi", "olahraga"]
    assert c.feeds[0].filter == FeedFilter()
    assert c.feeds[0].limit == 50
    assert c.feeds[1].filter == FeedFilter(section="internasional")
    assert c.feeds[1].title == "GenPI.co Internasional"
    assert (c.feeds[1].rss_path, c.feeds[1].atom_path) == ("internasional/rss.xml", "internasional/atom.xml")
    assert c.feeds[1].rss_url == "https://genpi.example/feeds/internasional/rss.xml"
    assert (c.news_sitemap.window_hours, c.news_sitemap.max_urls, c.news_sitemap.image_captions) == (48.0, 1000, False)
    assert (c.sitemap.max_urls, c.sitemap.gzip) == (50000, True)
    assert c.schedule.feeds.interval == 60 and c.schedule.sitemaps.interval == 3600
    assert (c.schedule.jitter, c.schedule.misfire_grace) == (0, 300)
    assert c.feeds[0].ttl == 1


def test_minimal_config_gets_defaults(in_tmp):
    c = load_text('[site]\ntitle = "T"\nurl = "https://example.org/"\n')
    assert c.site.url == "https://example.org"
    assert (c.site.language, c.site.timezone, c.site.author, c.site.description) == ("en", "UTC", "T", "T")
    assert [f.name for f in c.feeds] == ["all"]
    assert c.base_url == "https://example.org/"
    assert c.store.url == "sqlite:///" + str(in_tmp.resolve() / "feedhub.sqlite3")


# (test id, config text, the whole message)
ERRORS = [
    ("unknown-top-key", 'colour = "red"\n' + SITE, "config.toml: colour: unknown key"),
    ("unknown-site-key", SITE + 'titel = "x"\n', "config.toml: site.titel: unknown key"),
    ("unknown-feed-key", SITE + '[[feeds]]\nname = "all"\nsectoin = "x"\n', "config.toml: feeds[0].sectoin: unknown key"),
    ("unknown-schedule-key", SITE + '[schedule]\nfeed = "1m"\n', "config.toml: schedule.feed: unknown key"),
    ("unknown-table", SITE + "[sitemaps]\ngzip = true\n", "config.toml: sitemaps: unknown key"),
    ("title-not-string", SITE.replace('title = "GenPI.co"', "title = 5"), "config.toml: site.title: must be a string, got 5"),
    ("site-not-table", 'site = "GenPI.co"\n', 'config.toml: site: must be a table, got "GenPI.co"'),
    ("gzip-not-bool", SITE + '[sitemap]\ngzip = "yes"\n', 'config.toml: sitemap.gzip: must be true or false, got "yes"'),
    ("feeds-not-list", 'feeds = "all"\n' + SITE, 'config.toml: feeds: must be a list of [[feeds]] tables, got "all"'),
    ("feeds-empty", "feeds = []\n" + SITE, "config.toml: feeds: must list at least one feed"),
    ("limit-ten", SITE + FEEDS + 'limit = "ten"\n', 'config.toml: feeds[2].limit: must be a positive integer, got "ten"'),
    ("limit-zero", SITE + FEEDS + "limit = 0\n", "config.toml: feeds[2].limit: must be a positive integer, got 0"),
    ("limit-bool", SITE + FEEDS + "limit = true\n", "config.toml: feeds[2].limit: must be a positive integer, got true"),
    ("limit-float", SITE + FEEDS + "limit = 2.5\n", "config.toml: feeds[2].limit: must be a positive integer, got 2.5"),
    ("limit-too-big", SITE + FEEDS + "limit = 20000\n", "config.toml: feeds[2].limit: must be at most 10000, got 20000"),
    (
        "bad-timezone",
        SITE.replace("Asia/Jakarta", "Asia/Jakarte"),
        'config.toml: site.timezone: unknown time zone "Asia/Jakarte" (use an IANA name such as "Asia/Jakarta")',
    ),
    (
        "timezone-path",
        SITE.replace("Asia/Jakarta", "../../etc/passwd"),
        'config.toml: site.timezone: unknown time zone "../../etc/passwd" (use an IANA name such as "Asia/Jakarta")',
    ),
    ("site-url-no-scheme", SITE.replace("https://genpi.example", "genpi.example"), 'config.toml: site.url: must be an absolute http(s) URL, got "genpi.example"'),
    ("site-url-missing", SITE.replace('url = "https://genpi.example"\n', ""), "config.toml: site.url: is required"),
    (
        "base-url-ftp",
        SITE + '[output]\nbase_url = "ftp://genpi.example/feeds/"\n',
        'config.toml: output.base_url: must be an absolute http(s) URL, got "ftp://genpi.example/feeds/"',
    ),
    ("bad-language", SITE.replace('language = "id"', 'language = "Indonesian"'), 'config.toml: site.language: must be a BCP 47 language tag such as "id" or "zh-TW", got "Indonesian"'),
    ("schedule-not-string", SITE + "[schedule]\nfeeds = 5\n", 'config.toml: schedule.feeds: must be an interval such as "2m" or a cron expression, got 5'),
    ("schedule-zero", SITE + '[schedule]\nsitemaps = "0m"\n', 'config.toml: schedule.sitemaps: interval must be longer than zero, got "0m"'),
    ("jitter-bool", SITE + "[schedule]\njitter = true\n", 'config.toml: schedule.jitter: must be an interval such as "5s", got true'),
    ("jitter-word", SITE + '[schedule]\njitter = "sometimes"\n', 'config.toml: schedule.jitter: must be an interval such as "5s", got "sometimes"'),
    ("window-too-long", SITE + "[news_sitemap]\nwindow_hours = 72\n", "config.toml: news_sitemap.window_hours: must be more than 0 and at most 48 (Google News takes two days), got 72"),
    ("duplicate-feed-names", SITE + '[[feeds]]\nname = "all"\n[[feeds]]\nname = "all"\n', 'config.toml: feeds[1].name: duplicate feed name "all"'),
    ("feed-name-path", SITE + '[[feeds]]\nname = "../all"\n', "config.toml: feeds[0].name: must be letters, digits, '-' or '_' (it names a folder), got \"../all\""),
    ("rss-path-escapes", SITE + '[[feeds]]\nname = "all"\nrss_path = "../rss.xml"\n', 'config.toml: feeds[0].rss_path: must be a path inside the output dir, got "../rss.xml"'),
    ("shared-output-path", SITE + '[[feeds]]\nname = "all"\nrss_path = "sitemap.xml"\n', 'config.toml: two outputs share the path "sitemap.xml"'),
    # Issue 11: an output at feedhub's own names would defeat the one-writer lock or the status record.
    *(
        (f"reserved-{key}-{value}", SITE + text.format(value), f"config.toml: {where}: must not name a file or folder starting with '.'"
         f' (those are feedhub\'s own: .feedhub.lock, .feedhub-status.json, temporaries), got "{value}"')
        for value in (".feedhub.lock", ".feedhub-status.json", ".hidden/rss.xml", "all/.rss.xml.feedhub-tmp.1.2")
        for key, where, text in (
            ("rss", "feeds[0].rss_path", '[[feeds]]\nname = "all"\nrss_path = "{}"\n'),
            ("atom", "feeds[0].atom_path", '[[feeds]]\nname = "all"\natom_path = "{}"\n'),
            ("news", "news_sitemap.path", '[news_sitemap]\npath = "{}"\n'),
            ("sitemap", "sitemap.path", '[sitemap]\npath = "{}"\n'),
        )
    ),
    (
        "feed-at-a-shard-name",
        SITE + '[[feeds]]\nname = "all"\natom_path = "sitemap-2.xml.gz"\n',
        'config.toml: the feed path "sitemap-2.xml.gz" collides with the numbered parts of "sitemap.xml"',
    ),
    (
        "feed-at-a-news-part-name",
        SITE + '[[feeds]]\nname = "all"\nrss_path = "news-sitemap-1.xml"\n',
        'config.toml: the feed path "news-sitemap-1.xml" collides with the numbered parts of "news-sitemap.xml"',
    ),
]


@pytest.mark.parametrize(("text", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_config_error_names_key_and_problem(in_tmp, text, message):
    with pytest.raises(ConfigError) as excinfo:
        load_text(text)
    assert str(excinfo.value) == message


def test_bad_schedule_names_key_and_cron_problem(in_tmp):
    with pytest.raises(ConfigError) as excinfo:
        load_text(SITE + '[schedule]\nfeeds = "every minute"\n')
    e = excinfo.value
    assert e.key == "schedule.feeds"
    assert str(e) == 'config.toml: schedule.feeds: is neither an interval ("30s", "2m", "1h") nor a cron expression with 5 fields, got "every minute"'


def test_bad_cron_field_names_key_and_problem(in_tmp):
    with pytest.raises(ConfigError) as excinfo:
        load_text(SITE + '[schedule]\nsitemaps = "61 * * * *"\n')
    assert str(excinfo.value).startswith('config.toml: schedule.sitemaps: is neither an interval ("30s", "2m", "1h") nor a valid cron expression: ')
    assert "\n" not in str(excinfo.value)


@pytest.mark.parametrize("cron", ["0 6 * * 7", "* * * * 5-7", "0 6 * * 0"])
def test_crontab_sunday_numbers_accepted(in_tmp, cron):
    # crontab counts 0 and 7 as Sunday; APScheduler 3 alone would refuse 7.
    assert load_text(SITE + f'[schedule]\nsitemaps = "{cron}"\n').schedule.sitemaps.cron == cron


def test_zero_misfire_grace_refused(in_tmp):
    with pytest.raises(ConfigError) as excinfo:
        load_text(SITE + '[schedule]\nmisfire_grace = "0s"\n')
    assert excinfo.value.key == "schedule.misfire_grace"


def test_cron_schedule_accepted(in_tmp):
    c = load_text(SITE + '[schedule]\nsitemaps = "15 3 * * *"\n')
    assert (c.schedule.sitemaps.cron, c.schedule.sitemaps.interval) == ("15 3 * * *", None)


def test_config_error_carries_its_parts(in_tmp):
    with pytest.raises(ValueError) as excinfo:  # ConfigError is also a ValueError
        load_text(SITE + FEEDS + 'limit = "ten"\n')
    e = excinfo.value
    assert isinstance(e, ConfigError)
    assert (e.source, e.key, e.problem) == ("config.toml", "feeds[2].limit", 'must be a positive integer, got "ten"')


def test_missing_file(in_tmp):
    with pytest.raises(ConfigError) as excinfo:
        load_config("nope.toml")
    assert str(excinfo.value) == "nope.toml: no such file (use --config PATH or FEEDHUB_CONFIG)"


def test_invalid_toml(in_tmp):
    with pytest.raises(ConfigError) as excinfo:
        load_text(SITE + "[[feeds]\nname = 'all'\n")
    assert str(excinfo.value).startswith("config.toml: not valid TOML: ")
    assert excinfo.value.key == ""


def test_directory_as_config(in_tmp):
    (in_tmp / "conf.d").mkdir()
    with pytest.raises(ConfigError) as excinfo:
        load_config("conf.d")
    assert str(excinfo.value).startswith("conf.d: cannot read: ")


# -- paths ------------------------------------------------------------------------------


def test_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "config.toml").write_text(SITE + '[store]\nurl = "data/s.sqlite3"\n[output]\ndir = "public/feeds"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    c = load_config("../site/config.toml")
    assert c.source == "../site/config.toml"
    assert c.base_dir == site.resolve()
    assert c.store.url == "sqlite:///" + str(site.resolve() / "data" / "s.sqlite3")
    assert c.output_dir == site.resolve() / "public" / "feeds"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///rel/s.sqlite3", "sqlite:///{site}/rel/s.sqlite3"),
        ("sqlite:////abs/s.sqlite3", "sqlite:////abs/s.sqlite3"),
        ("/abs/s.sqlite3", "sqlite:////abs/s.sqlite3"),
        ("postgresql://feedhub@db/feedhub", "postgresql://feedhub@db/feedhub"),
    ],
)
def test_store_url_forms(tmp_path, url, expected):
    (tmp_path / "config.toml").write_text(SITE + f'[store]\nurl = "{url}"\n', encoding="utf-8")
    c = load_config(tmp_path / "config.toml")
    assert c.store.url == expected.format(site=tmp_path.resolve())


# -- which file: --config, then FEEDHUB_CONFIG, then ./config.toml ----------------------


def test_find_config_path_order(monkeypatch):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    assert find_config_path(None) == "config.toml"
    monkeypatch.setenv("FEEDHUB_CONFIG", "/etc/feedhub/env.toml")
    assert find_config_path(None) == "/etc/feedhub/env.toml"
    assert find_config_path("flag.toml") == "flag.toml"


@pytest.fixture
def three_configs(tmp_path, monkeypatch):
    """./config.toml, an env config and a flag config, each with its own output dir and store."""
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    for name in ("cwd", "env", "flag"):
        d = tmp_path / name
        d.mkdir()
        (d / "config.toml").write_text(SITE + f'[output]\ndir = "{name}-out"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path / "cwd")
    return tmp_path


def _status_dir(capsys, *args) -> str:
    assert main(["status", *args]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no builds recorded in ")
    return Path(out.split(" in ", 1)[1].split(" yet")[0]).name


def test_cwd_config_used_last(three_configs, capsys):
    assert _status_dir(capsys) == "cwd-out"


def test_feedhub_config_beats_cwd(three_configs, capsys, monkeypatch):
    monkeypatch.setenv("FEEDHUB_CONFIG", str(three_configs / "env" / "config.toml"))
    assert _status_dir(capsys) == "env-out"


def test_config_flag_beats_feedhub_config(three_configs, capsys, monkeypatch):
    monkeypatch.setenv("FEEDHUB_CONFIG", str(three_configs / "env" / "config.toml"))
    assert _status_dir(capsys, "--config", str(three_configs / "flag" / "config.toml")) == "flag-out"


def test_config_flag_chooses_the_store_for_ingest(three_configs, capsys, monkeypatch):
    monkeypatch.setenv("FEEDHUB_CONFIG", str(three_configs / "env" / "config.toml"))
    (three_configs / "a.ndjson").write_text("", encoding="utf-8")
    assert main(["ingest", "--config", str(three_configs / "flag" / "config.toml"), str(three_configs / "a.ndjson")]) == 0
    assert (three_configs / "flag" / "feedhub.sqlite3").exists()
    assert not (three_configs / "env" / "feedhub.sqlite3").exists()
    assert not (three_configs / "cwd" / "feedhub.sqlite3").exists()


def test_no_config_anywhere_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("FEEDHUB_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["status"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "feedhub: config.toml: no such file (use --config PATH or FEEDHUB_CONFIG)\n"


def test_missing_feedhub_config_file_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(SITE, encoding="utf-8")
    monkeypatch.setenv("FEEDHUB_CONFIG", "gone.toml")
    assert main(["status"]) == 2  # an explicit choice that is missing is not silently replaced
    assert capsys.readouterr().err == "feedhub: gone.toml: no such file (use --config PATH or FEEDHUB_CONFIG)\n"
