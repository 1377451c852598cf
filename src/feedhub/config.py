"""config.toml → typed, frozen config objects.

Every problem names the file, the key and what is wrong, as one line
(``config.toml: feeds[2].limit: must be a positive integer, got "ten"``).
Paths in the file are relative to the file itself.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import tzinfo
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._toml_table import Table, show
from .errors import ConfigError
from .lock import LOCK_NAME
from .model import FeedFilter
from .rules.languages import is_language_tag
from .rules.sitemaps import MAX_BYTES, MAX_URLS, NEWS_MAX_URLS, NEWS_WINDOW_HOURS
from .schedule import Schedule as Schedule
from .schedule import interval_seconds, parse_schedule

GENERATOR = "feedhub"
DEFAULT_CONFIG_NAME = "config.toml"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


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
    # --- issue 16: WebSub hubs (``atom:link rel="hub"``) and the XSL stylesheet link.
    hubs: tuple[str, ...] = ()
    stylesheet: bool = False
    # --- issue 14: the output formats written for this feed (``feedhub.formats`` names).
    formats: tuple[str, ...] = ("rss", "atom")
    #: RFC 5005 archived feed: immutable pages of ``archive_size`` articles under ``<name>/archive/``.
    archive: bool = False
    archive_size: int = 100
    # --- issue 15: the ``[[feed_families]]`` name of a feed made by a family (None: a ``[[feeds]]`` entry).
    family: str | None = None


#: What a feed family can be ``by`` (the article field whose distinct values get a feed each).
FAMILY_KINDS = ("section", "tag", "author", "language")


@dataclass(frozen=True, slots=True)
class FamilyConfig:
    """One ``[[feed_families]]`` entry: one feed per distinct value of ``by`` in the store
    (:mod:`feedhub.families` expands it at build time; docs/families.md)."""

    #: One of :data:`FAMILY_KINDS`.
    by: str
    #: Unique among families; letters, digits, ``-``, ``_``.
    name: str
    #: Folder template with ``{slug}`` (and optionally ``{name}``), relative to the output dir.
    path: str
    #: Title and description templates with ``{value}``.
    title: str
    description: str
    limit: int
    formats: tuple[str, ...]
    #: Values carried by fewer published articles get no feed.
    min_articles: int

    def folder(self, slug: str) -> str:
        return self.path.format(name=self.name, slug=slug)


@dataclass(frozen=True, slots=True)
class FeedIndexConfig:
    """``[output] feed_index``: the files listing every feed for readers and aggregators."""

    enabled: bool = False
    #: ``{"version": 1, "feeds": [...]}`` for machines, relative to the output dir.
    json_path: str = "index.json"
    #: OPML 2.0, what feed readers import.
    opml_path: str = "feeds.opml"


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
    #: Link the XSL stylesheet (issue 16).
    stylesheet: bool = False


@dataclass(frozen=True, slots=True)
class SitemapConfig:
    max_urls: int
    max_bytes: int
    gzip: bool
    #: The archive sitemap index, relative to the output dir.
    path: str
    enabled: bool


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
    # --- serve/WebSub (issue 16) ---
    #: WebSub hubs pinged after a feed changes and announced in every RSS and Atom document.
    websub_hubs: tuple[str, ...] = ()
    #: Publish the XSL stylesheets beside the outputs and link them from each document.
    stylesheets: bool = True
    # --- feed families (issue 15) ---
    families: tuple[FamilyConfig, ...] = ()
    feed_index: FeedIndexConfig = FeedIndexConfig()

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


def _schedule(t: Table, name: str, default: str) -> Schedule:
    t.used.add(name)
    value = t.data.get(name, default)
    if not isinstance(value, str):
        raise t.fail(name, f'must be an interval such as "2m" or a cron expression, got {show(value)}')
    try:
        return parse_schedule(value)
    except ValueError as e:
        raise t.fail(name, str(e)) from None


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
    seconds = interval_seconds(v)
    if seconds is None:
        raise t.fail(name, f'must be an interval such as "5s", got {show(v)}')
    return seconds


def _rel_path(t: Table, name: str, default: str) -> str:
    return _inside_output(t, name, t.text(name, default))


def _inside_output(t: Table, name: str, v: str) -> str:
    p = Path(v)
    if p.is_absolute() or ".." in p.parts:
        raise t.fail(name, f"must be a path inside the output dir, got {show(v)}")
    if any(part.startswith(".") for part in p.parts):
        # The lock, the status record and temporary files are all dot names.
        from .status import STATUS_NAME  # here only: status imports the publisher

        raise t.fail(name, f"must not name a file or folder starting with '.' (those are feedhub's own: {LOCK_NAME}, {STATUS_NAME}, temporaries), got {show(v)}")
    return p.as_posix()


def parse_config(raw: dict[str, Any], source: str, base_dir: Path) -> Config:
    root = Table(source, "", raw)
    site = _parse_site(root.sub("site"))
    store = _parse_store(root.sub("store"), base_dir)
    output_table = root.sub("output")
    stylesheets = _stylesheets(output_table)
    feed_index = _feed_index(output_table, bool(raw.get("feed_families")))
    output_dir, base_url = _parse_output(output_table, base_dir, site.url)
    websub_hubs = _websub_hubs(root.sub("websub"))
    schedule = _parse_schedule_table(root.sub("schedule"))
    # Hubs and stylesheet links are written by the renderers, which see only a feed's own config.
    feeds = tuple(replace(f, hubs=websub_hubs, stylesheet=stylesheets) for f in _parse_feeds(root, site, base_url, schedule))
    news = replace(_parse_news_sitemap(root.sub("news_sitemap"), site), stylesheet=stylesheets)
    sitemap = _parse_sitemap(root.sub("sitemap"))
    families = _parse_families(root, site)
    root.finish()
    _check_distinct_paths(source, feeds, news, sitemap, feed_index)
    return Config(
        source=source,
        base_dir=base_dir,
        site=site,
        store=store,
        output_dir=output_dir,
        base_url=base_url,
        feeds=feeds,
        news_sitemap=news,
        sitemap=sitemap,
        schedule=schedule,
        websub_hubs=websub_hubs,
        stylesheets=stylesheets,
        families=families,
        feed_index=feed_index,
    )


def _stylesheets(t: Table) -> bool:
    """``[output] stylesheets``: publish the XSL stylesheets and link them (issue 16; on by default)."""
    return bool(t.get("stylesheets", bool, True))


def _websub_hubs(t: Table) -> tuple[str, ...]:
    """``[websub] hubs``: absolute http(s) hub URLs (issue 16)."""
    hubs = t.get("hubs", list, [], "a list of hub URLs")
    for i, hub in enumerate(hubs):
        parts = urlsplit(hub) if isinstance(hub, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise t.fail(f"hubs[{i}]", f"must be an absolute http(s) URL, got {show(hub)}")
    t.finish()
    return tuple(hubs)


def _parse_site(site_table: Table) -> SiteConfig:
    site_url = _http_url(site_table, "url").rstrip("/")
    tzname = site_table.text("timezone", "UTC")
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise site_table.fail("timezone", f"unknown time zone {show(tzname)} (use an IANA name such as \"Asia/Jakarta\")") from None
    site_title = site_table.text("title")
    site = SiteConfig(
        title=site_title,
        url=site_url,
        description=site_table.text("description", site_title),
        language=_language(site_table, "language", "en"),
        timezone=tzname,
        author=site_table.text("author", site_title),
    )
    site_table.finish()
    return site


def _parse_store(store_table: Table, base_dir: Path) -> StoreConfig:
    store_url = store_table.text("url", "feedhub.sqlite3")
    store_table.finish()
    return StoreConfig(url=_resolve_store_url(store_url, base_dir))


def _parse_output(output_table: Table, base_dir: Path, site_url: str) -> tuple[Path, str]:
    output_dir = (base_dir / output_table.text("dir", "feeds")).resolve()
    base_url = _http_url(output_table, "base_url", site_url + "/")
    if not base_url.endswith("/"):
        base_url += "/"
    output_table.finish()
    return output_dir, base_url


def _parse_schedule_table(schedule_table: Table) -> ScheduleConfig:
    schedule = ScheduleConfig(
        feeds=_schedule(schedule_table, "feeds", "2m"),
        news_sitemap=_schedule(schedule_table, "news_sitemap", "2m"),
        sitemaps=_schedule(schedule_table, "sitemaps", "1h"),
        jitter=_seconds(schedule_table, "jitter", "0s"),
        misfire_grace=_positive_seconds(schedule_table, "misfire_grace", "5m"),
    )
    schedule_table.finish()
    return schedule


def feed_ttl(schedule: ScheduleConfig) -> int:
    """RSS ``ttl`` in minutes: how often the feeds are rebuilt, rounded up."""
    return max(1, (schedule.feeds.approx_seconds + 59) // 60)


def _parse_feeds(root: Table, site: SiteConfig, base_url: str, schedule: ScheduleConfig) -> tuple[FeedConfig, ...]:
    feed_tables = root.get("feeds", list, [{"name": "all"}], "a list of [[feeds]] tables")
    if not feed_tables:
        raise root.fail("feeds", "must list at least one feed")
    ttl = feed_ttl(schedule)
    feeds: list[FeedConfig] = []
    for i, raw_feed in enumerate(feed_tables):
        feed = _parse_feed(Table(root.source, f"feeds[{i}]", raw_feed), site, base_url, ttl)
        if any(f.name == feed.name for f in feeds):
            raise ConfigError(root.source, f"feeds[{i}].name", f"duplicate feed name {show(feed.name)}")
        feeds.append(feed)
    return tuple(feeds)


def _parse_feed(feed_table: Table, site: SiteConfig, base_url: str, ttl: int) -> FeedConfig:
    name = feed_table.text("name")
    if not _NAME_RE.match(name):
        raise feed_table.fail("name", f"must be letters, digits, '-' or '_' (it names a folder), got {show(name)}")
    flt = FeedFilter(section=feed_table.text("section", None), tag=feed_table.text("tag", None), language=_language(feed_table, "language", None))
    rss_path = _rel_path(feed_table, "rss_path", f"{name}/rss.xml")
    atom_path = _rel_path(feed_table, "atom_path", f"{name}/atom.xml")
    if rss_path == atom_path:
        raise feed_table.fail("atom_path", "must differ from rss_path")
    default_title = site.title if flt == FeedFilter() else f"{site.title}: {name}"
    feed = FeedConfig(
        name=name,
        title=feed_table.text("title", default_title),
        description=feed_table.text("description", site.description),
        link=site.url + "/",
        language=flt.language or site.language,
        author=site.author,
        filter=flt,
        limit=feed_table.positive_int("limit", 50, maximum=10_000),
        rss_path=rss_path,
        atom_path=atom_path,
        rss_url=base_url + rss_path,
        atom_url=base_url + atom_path,
        ttl=ttl,
        formats=_formats(feed_table),
        archive=feed_table.get("archive", bool, False),
        archive_size=feed_table.positive_int("archive_size", 100, maximum=10_000),
    )
    feed_table.finish()
    return feed


def _formats(t: Table) -> tuple[str, ...]:
    """``formats = [...]``: registered format names, each once (the registry is imported late:
    the format modules import this one)."""
    from .formats import registered

    names = t.get("formats", list, ["rss", "atom"], "a list of format names")
    known = registered()
    for v in names:
        if not isinstance(v, str) or v not in known:
            raise t.fail("formats", f"unknown format {show(v)}; known: {', '.join(known)}")
    if not names or len(set(names)) != len(names):
        raise t.fail("formats", "must name at least one format, each once")
    return tuple(names)


def _parse_news_sitemap(news_table: Table, site: SiteConfig) -> NewsSitemapConfig:
    news = NewsSitemapConfig(
        publication_name=news_table.text("publication_name", site.title),
        window_hours=_window(news_table),
        max_urls=news_table.positive_int("max_urls", NEWS_MAX_URLS, maximum=NEWS_MAX_URLS),
        path=_rel_path(news_table, "path", "news-sitemap.xml"),
        image_captions=news_table.get("image_captions", bool, False),
        enabled=news_table.get("enabled", bool, True),
    )
    news_table.finish()
    return news


def _parse_sitemap(sitemap_table: Table) -> SitemapConfig:
    sitemap = SitemapConfig(
        max_urls=sitemap_table.positive_int("max_urls", MAX_URLS, maximum=MAX_URLS),
        max_bytes=sitemap_table.positive_int("max_bytes", MAX_BYTES, maximum=MAX_BYTES),
        gzip=sitemap_table.get("gzip", bool, True),
        path=_rel_path(sitemap_table, "path", "sitemap.xml"),
        enabled=sitemap_table.get("enabled", bool, True),
    )
    sitemap_table.finish()
    return sitemap


def _check_distinct_paths(
    source: str, feeds: tuple[FeedConfig, ...], news: NewsSitemapConfig, sitemap: SitemapConfig, feed_index: FeedIndexConfig
) -> None:
    """No two outputs at one path, and no feed at a name a sitemap set numbers its parts with."""
    from .formats import feed_paths as paths_of

    feed_paths = [p for fc in feeds for p in paths_of(fc)]
    seen: set[str] = set()
    index_paths = [feed_index.json_path, feed_index.opml_path] if feed_index.enabled else []
    for p in [*feed_paths, news.path, sitemap.path, *index_paths]:
        if p in seen:
            raise ConfigError(source, "", f"two outputs share the path {show(p)}")
        seen.add(p)
    for index in (news.path, sitemap.path):
        stem = PurePosixPath(index).name.removesuffix(".gz").removesuffix(".xml")
        part = re.compile(rf"^{re.escape(stem)}-\d+\.xml(\.gz)?$")
        for p in feed_paths:
            if PurePosixPath(p).parent == PurePosixPath(index).parent and part.match(PurePosixPath(p).name):
                raise ConfigError(source, "", f"the feed path {show(p)} collides with the numbered parts of {show(index)}")


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




def _feed_index(t: Table, has_families: bool) -> FeedIndexConfig:
    """``[output] feed_index``: on by default once a family makes feeds nobody listed by hand."""
    index = FeedIndexConfig(
        enabled=t.get("feed_index", bool, has_families),
        json_path=_rel_path(t, "feed_index_json", "index.json"),
        opml_path=_rel_path(t, "feed_index_opml", "feeds.opml"),
    )
    if index.json_path == index.opml_path:
        raise t.fail("feed_index_opml", "must differ from feed_index_json")
    return index


def _parse_families(root: Table, site: SiteConfig) -> tuple[FamilyConfig, ...]:
    tables = root.get("feed_families", list, [], "a list of [[feed_families]] tables")
    families: list[FamilyConfig] = []
    for i, raw_family in enumerate(tables):
        family = _parse_family(Table(root.source, f"feed_families[{i}]", raw_family), site)
        if any(f.name == family.name for f in families):
            raise ConfigError(root.source, f"feed_families[{i}].name", f"duplicate family name {show(family.name)}")
        families.append(family)
    return tuple(families)


def _parse_family(t: Table, site: SiteConfig) -> FamilyConfig:
    by = t.text("by")
    if by not in FAMILY_KINDS:
        raise t.fail("by", f"must be one of {', '.join(show(k) for k in FAMILY_KINDS)}, got {show(by)}")
    name = t.text("name", by)
    if not _NAME_RE.match(name):
        raise t.fail("name", f"must be letters, digits, '-' or '_' (it names a folder), got {show(name)}")
    if "archive" in t.data:
        raise t.fail("archive", "feed families have no archive (docs/families.md); list the feed in [[feeds]] to archive it")
    family = FamilyConfig(
        by=by,
        name=name,
        path=_template(t, "path", "{name}/{slug}", {"name", "slug"}, required="slug").rstrip("/"),
        title=_template(t, "title", _literal(site.title) + ": {value}", {"value"}),
        description=_template(t, "description", _literal(site.description), {"value"}),
        limit=t.positive_int("limit", 50, maximum=10_000),
        formats=_formats(t),
        min_articles=t.positive_int("min_articles", 1),
    )
    _inside_output(t, "path", family.folder("slug"))
    t.finish()
    return family


def _literal(text: str) -> str:
    """*text* as a template that formats to itself (a site title may hold braces)."""
    return text.replace("{", "{{").replace("}", "}}")


def _template(t: Table, key: str, default: str, allowed: set[str], required: str | None = None) -> str:
    """A ``str.format`` template using only *allowed* names (``{value}``), checked now rather than at build time."""
    v = t.text(key, default)
    try:
        names = {field for _, field, _, _ in string.Formatter().parse(v) if field is not None}
    except ValueError as e:
        raise t.fail(key, f"is not a valid template ({e}; write {{{{ and }}}} for literal braces), got {show(v)}") from None
    unknown = sorted(names - allowed)
    if unknown:
        raise t.fail(key, f"unknown placeholder {{{unknown[0]}}}; known: {', '.join('{' + a + '}' for a in sorted(allowed))}")
    if required is not None and required not in names:
        raise t.fail(key, f"must contain {{{required}}}, or every value would share one feed")
    return str(v)
