"""config.toml → typed, frozen config objects.

Every problem names the file, the key and what is wrong, as one line
(``config.toml: feeds[2].limit: must be a positive integer, got "ten"``).
Paths in the file are relative to the file itself.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._toml_table import Table, show
from .rules.languages import is_language_tag
from .rules.sitemaps import MAX_BYTES, MAX_URLS, NEWS_MAX_URLS, NEWS_WINDOW_HOURS
from .errors import ConfigError
from .model import FeedFilter

GENERATOR = "feedhub"
DEFAULT_CONFIG_NAME = "config.toml"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str
    #: Scheme and host every sitemap ``loc`` must stay on, e.g. ``https://genpi.example``.
    url: str
    description: str
    #: BCP 47 default language for articles that name none.
    language: str
    #: IANA zone name; naive article dates are read in it.
    timezone: str
    #: Site-level author so every Atom entry is covered (RFC 4287 §4.1.1).
    author: str

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class StoreConfig:
    #: ``sqlite:////abs/path.sqlite3`` (plain relative paths are resolved) or a server URL.
    url: str


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """One ``[[feeds]]`` entry, resolved so a renderer needs nothing else."""

    name: str
    title: str
    description: str
    #: The site's home page (channel ``link``, Atom ``rel="alternate"``).
    link: str
    language: str
    author: str
    filter: FeedFilter
    limit: int
    #: Output paths relative to the output dir.
    rss_path: str
    atom_path: str
    #: Public URLs of the two documents (``atom:link rel="self"``).
    rss_url: str
    atom_url: str
    #: RSS ``ttl`` in minutes, from the feeds schedule.
    ttl: int


@dataclass(frozen=True, slots=True)
class NewsSitemapConfig:
    publication_name: str
    window_hours: float
    max_urls: int
    #: Relative to the output dir; the index when the window needs several files.
    path: str
    #: Emit the deprecated ``image:caption`` (off by default, Google dropped it in 2022).
    image_captions: bool
    enabled: bool


@dataclass(frozen=True, slots=True)
class SitemapConfig:
    max_urls: int
    max_bytes: int
    gzip: bool
    #: The archive sitemap index, relative to the output dir.
    path: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class Schedule:
    """Either every ``interval`` seconds or a crontab expression."""

    interval: int | None = None
    cron: str | None = None

    @property
    def approx_seconds(self) -> int:
        return self.interval if self.interval is not None else 3600


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    feeds: Schedule
    news_sitemap: Schedule
    sitemaps: Schedule
    #: Random delay added to each run so many sites do not hit one store together.
    jitter: int
    #: How late a run may still start after a pause (APScheduler's default of 1 s drops runs).
    misfire_grace: int


@dataclass(frozen=True, slots=True)
class Config:
    #: The file this came from (as the user named it) and its directory.
    source: str
    base_dir: Path
    site: SiteConfig
    store: StoreConfig
    output_dir: Path
    #: Public URL of the output dir, ending in ``/``.
    base_url: str
    feeds: tuple[FeedConfig, ...]
    news_sitemap: NewsSitemapConfig
    sitemap: SitemapConfig
    schedule: ScheduleConfig

    def enabled_groups(self, groups: Iterable[str]) -> list[str]:
        """Those of *groups* this config builds (a disabled sitemap group is not built or named)."""
        off = {"news_sitemap"} if not self.news_sitemap.enabled else set()
        if not self.sitemap.enabled:
            off.add("sitemaps")
        return [g for g in groups if g not in off]


def find_config_path(explicit: str | None) -> str:
    """``--config`` first, then ``$FEEDHUB_CONFIG``, then ``./config.toml``."""
    return explicit or os.environ.get("FEEDHUB_CONFIG") or DEFAULT_CONFIG_NAME


def load_config(path: str | os.PathLike[str]) -> Config:
    source = str(path)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(source, "", "no such file (use --config PATH or FEEDHUB_CONFIG)") from None
    except OSError as e:
        raise ConfigError(source, "", f"cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(source, "", f"not valid TOML: {e}") from None
    return parse_config(raw, source, Path(path).resolve().parent)


def _http_url(t: Table, name: str, default: Any = ...) -> Any:
    v = t.text(name, default)
    if v is None:
        return None
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise t.fail(name, f"must be an absolute http(s) URL, got {show(v)}")
    return v


def _language(t: Table, name: str, default: Any = ...) -> Any:
    v = t.text(name, default)
    if v is not None and not is_language_tag(v):
        raise t.fail(name, f"must be a BCP 47 language tag such as \"id\" or \"zh-TW\", got {show(v)}")
    return v


def parse_schedule(value: Any, t: Table, name: str) -> Schedule:
    if not isinstance(value, str):
        raise t.fail(name, f'must be an interval such as "2m" or a cron expression, got {show(value)}')
    m = _INTERVAL_RE.match(value)
    if m:
        seconds = int(m.group(1)) * _UNITS[m.group(2)]
        if seconds <= 0:
            raise t.fail(name, f"interval must be longer than zero, got {show(value)}")
        return Schedule(interval=seconds)
    # Checked by building the daemon's own trigger, so crontab's weekday numbering
    # (7 = Sunday) is judged the way the daemon will run it.
    from .schedule import make_trigger  # schedule.py imports this module

    if len(value.split()) != 5:
        raise t.fail(name, f'is neither an interval ("30s", "2m", "1h") nor a cron expression with 5 fields, got {show(value)}')
    try:
        make_trigger(Schedule(cron=value), ZoneInfo("UTC"), 0)
    except ValueError as e:
        raise t.fail(name, f'is neither an interval ("30s", "2m", "1h") nor a valid cron expression: {e}') from None
    return Schedule(cron=value)


def _positive_seconds(t: Table, name: str, default: str) -> int:
    v = _seconds(t, name, default)
    if v < 1:
        raise t.fail(name, "must be at least 1s (APScheduler needs a grace period)")
    return v


def _seconds(t: Table, name: str, default: str) -> int:
    v = t.get(name, (str, int), default, 'an interval such as "5s"')
    if isinstance(v, int):
        if v < 0:
            raise t.fail(name, f"must not be negative, got {v}")
        return v
    m = _INTERVAL_RE.match(v)
    if not m:
        raise t.fail(name, f'must be an interval such as "5s", got {show(v)}')
    return int(m.group(1)) * _UNITS[m.group(2)]


def _rel_path(t: Table, name: str, default: str) -> str:
    v = t.text(name, default)
    p = Path(v)
    if p.is_absolute() or ".." in p.parts:
        raise t.fail(name, f"must be a path inside the output dir, got {show(v)}")
    return p.as_posix()


def parse_config(raw: dict[str, Any], source: str, base_dir: Path) -> Config:
    root = Table(source, "", raw)

    s = root.sub("site")
    site_url = _http_url(s, "url").rstrip("/")
    tzname = s.text("timezone", "UTC")
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise s.fail("timezone", f"unknown time zone {show(tzname)} (use an IANA name such as \"Asia/Jakarta\")") from None
    site_title = s.text("title")
    site = SiteConfig(
        title=site_title,
        url=site_url,
        description=s.text("description", site_title),
        language=_language(s, "language", "en"),
        timezone=tzname,
        author=s.text("author", site_title),
    )
    s.finish()

    st = root.sub("store")
    store_url = st.text("url", "feedhub.sqlite3")
    st.finish()
    store = StoreConfig(url=_resolve_store_url(store_url, base_dir))

    o = root.sub("output")
    output_dir = (base_dir / o.text("dir", "feeds")).resolve()
    base_url = _http_url(o, "base_url", site_url + "/")
    if not base_url.endswith("/"):
        base_url += "/"
    o.finish()

    sc = root.sub("schedule")
    schedule = ScheduleConfig(
        feeds=parse_schedule(sc.data.get("feeds", "2m"), sc, "feeds"),
        news_sitemap=parse_schedule(sc.data.get("news_sitemap", "2m"), sc, "news_sitemap"),
        sitemaps=parse_schedule(sc.data.get("sitemaps", "1h"), sc, "sitemaps"),
        jitter=_seconds(sc, "jitter", "0s"),
        misfire_grace=_positive_seconds(sc, "misfire_grace", "5m"),
    )
    sc.used.update({"feeds", "news_sitemap", "sitemaps"})
    sc.finish()
    ttl = max(1, (schedule.feeds.approx_seconds + 59) // 60)

    raw_feeds = root.get("feeds", list, [{"name": "all"}], "a list of [[feeds]] tables")
    if not raw_feeds:
        raise root.fail("feeds", "must list at least one feed")
    feeds: list[FeedConfig] = []
    names: set[str] = set()
    for i, rf in enumerate(raw_feeds):
        f = Table(source, f"feeds[{i}]", rf)
        name = f.text("name")
        if not _NAME_RE.match(name):
            raise f.fail("name", f"must be letters, digits, '-' or '_' (it names a folder), got {show(name)}")
        if name in names:
            raise f.fail("name", f"duplicate feed name {show(name)}")
        names.add(name)
        flt = FeedFilter(section=f.text("section", None), tag=f.text("tag", None), language=_language(f, "language", None))
        rss_path = _rel_path(f, "rss_path", f"{name}/rss.xml")
        atom_path = _rel_path(f, "atom_path", f"{name}/atom.xml")
        if rss_path == atom_path:
            raise f.fail("atom_path", "must differ from rss_path")
        default_title = site.title if flt == FeedFilter() else f"{site.title}: {name}"
        feeds.append(
            FeedConfig(
                name=name,
                title=f.text("title", default_title),
                description=f.text("description", site.description),
                link=site.url + "/",
                language=flt.language or site.language,
                author=site.author,
                filter=flt,
                limit=f.positive_int("limit", 50, maximum=10_000),
                rss_path=rss_path,
                atom_path=atom_path,
                rss_url=base_url + rss_path,
                atom_url=base_url + atom_path,
                ttl=ttl,
            )
        )
        f.finish()

    n = root.sub("news_sitemap")
    news = NewsSitemapConfig(
        publication_name=n.text("publication_name", site.title),
        window_hours=_window(n),
        max_urls=n.positive_int("max_urls", NEWS_MAX_URLS, maximum=NEWS_MAX_URLS),
        path=_rel_path(n, "path", "news-sitemap.xml"),
        image_captions=n.get("image_captions", bool, False),
        enabled=n.get("enabled", bool, True),
    )
    n.finish()

    a = root.sub("sitemap")
    sitemap = SitemapConfig(
        max_urls=a.positive_int("max_urls", MAX_URLS, maximum=MAX_URLS),
        max_bytes=a.positive_int("max_bytes", MAX_BYTES, maximum=MAX_BYTES),
        gzip=a.get("gzip", bool, True),
        path=_rel_path(a, "path", "sitemap.xml"),
        enabled=a.get("enabled", bool, True),
    )
    a.finish()
    root.finish()

    paths = [p for fc in feeds for p in (fc.rss_path, fc.atom_path)] + [news.path, sitemap.path]
    seen: set[str] = set()
    for p in paths:
        if p in seen:
            raise ConfigError(source, "", f"two outputs share the path {show(p)}")
        seen.add(p)

    return Config(
        source=source,
        base_dir=base_dir,
        site=site,
        store=store,
        output_dir=output_dir,
        base_url=base_url,
        feeds=tuple(feeds),
        news_sitemap=news,
        sitemap=sitemap,
        schedule=schedule,
    )


def _window(t: Table) -> float:
    v = t.get("window_hours", (int, float), NEWS_WINDOW_HOURS, "a number of hours")
    if v <= 0 or v > NEWS_WINDOW_HOURS:
        raise t.fail("window_hours", f"must be more than 0 and at most 48 (Google News takes two days), got {v}")
    return float(v)


def _resolve_store_url(url: str, base_dir: Path) -> str:
    """Plain paths and ``sqlite:///relative`` become ``sqlite:////absolute``; server URLs pass through."""
    if "://" not in url:
        return "sqlite:///" + str((base_dir / url).resolve())
    if url.startswith("sqlite:///"):
        rest = url[len("sqlite:///"):]
        if rest == ":memory:":
            return url
        return "sqlite:///" + str((base_dir / rest).resolve())
    return url


