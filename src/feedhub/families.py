"""Feed families: one feed per distinct section, tag, author or language in the store (issue 15).

A ``[[feed_families]]`` entry is expanded at each build (:func:`expand`) into ordinary
:class:`~feedhub.config.FeedConfig` objects, so the renderers, the gate and the status record
treat a family feed like any ``[[feeds]]`` entry.  After the feeds and the feed index were
published, :func:`finish` removes the files of family feeds no longer produced (a value gone
from the store or below ``min_articles``): only files a family wrote in an earlier build, as the
status record remembers them, never anything else.  docs/families.md is the user's side.

Slugs: NFKD to ASCII, lower case, runs of anything but ``[a-z0-9]`` as one ``-``, at most 80
characters; a value with no ASCII letter or digit left (東京, القاهرة) gets ``x-`` and 10 hex
digits of its SHA-256.  Values sharing a slug (``Jakarta``/``jakarta``) are sorted by code
point: the first keeps it, each other gets ``-`` and 6 hex digits of its own SHA-256.  Slugs
are given over every value in the store, not only those with a feed, so a value reaching
``min_articles`` never takes an existing feed's URL.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from . import publish
from .config import Config, FamilyConfig, FeedConfig, feed_ttl
from .feed_index import render_index
from .formats import feed_paths, registered
from .formats import get as get_format
from .model import FeedFilter
from .status import FamilyStatus, save_families

if TYPE_CHECKING:
    from .build import _Gate
    from .store import Store

log = logging.getLogger("feedhub")

_SLUG_MAX = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
#: What a slug this module made looks like (bare, hashed or with a collision suffix).
_SLUG_RE = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"


def _sha(value: str, digits: int) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:digits]


def slug(value: str) -> str:
    """The URL-safe folder name of *value* (before collisions are resolved)."""
    ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").lower()
    s = _NOT_SLUG.sub("-", ascii_only).strip("-")[:_SLUG_MAX].rstrip("-")
    return s or "x-" + _sha(value, 10)


@dataclass(frozen=True, slots=True)
class Collision:
    value: str
    #: The slug it shares, and the value that keeps it.
    shared: str
    keeper: str
    #: The slug *value* gets instead.
    slug: str


def assign_slugs(values: Iterable[str]) -> tuple[dict[str, str], list[Collision]]:
    """Each value's slug, collisions resolved by code point order, and the collisions."""
    by_slug: dict[str, list[str]] = {}
    for v in sorted(set(values)):
        by_slug.setdefault(slug(v), []).append(v)
    slugs: dict[str, str] = {}
    collisions = []
    for bare, holders in by_slug.items():
        slugs[holders[0]] = bare
        for v in holders[1:]:
            slugs[v] = f"{bare}-{_sha(v, 6)}"
            collisions.append(Collision(v, bare, holders[0], slugs[v]))
    return slugs, collisions


@dataclass(frozen=True, slots=True)
class Expansion:
    #: The family feeds, in family order, then by slug.
    feeds: tuple[FeedConfig, ...] = ()
    #: Collisions and skipped values, one line each naming family, value and slug.
    notes: tuple[str, ...] = ()
    #: Per family: what ``feedhub status`` shows.
    families: tuple[FamilyStatus, ...] = ()


@dataclass(slots=True)
class _Taken:
    """Paths and names already given out in this build, with who holds them."""

    paths: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)

    def clash(self, feed: FeedConfig) -> str | None:
        if feed.name in self.names:
            return f"the feed name {feed.name!r} is taken"
        return next((f"its path {p} is taken by {self.paths[p]}" for p in feed_paths(feed) if p in self.paths), None)

    def take(self, feed: FeedConfig, holder: str) -> None:
        self.names.add(feed.name)
        self.paths.update({p: holder for p in feed_paths(feed)})


def _taken_by_config(config: Config) -> _Taken:
    taken = _Taken()
    for f in config.feeds:
        taken.take(f, f"the feed {f.name!r}")
    others = [config.news_sitemap.path, config.sitemap.path, "robots-sitemaps.txt"]
    if config.feed_index.enabled:
        others += [config.feed_index.json_path, config.feed_index.opml_path]
    taken.paths.update({p: "another output" for p in others})
    return taken


def family_feed(config: Config, family: FamilyConfig, value: str, folder_slug: str) -> FeedConfig:
    """The feed of *value* in *family*: like a ``[[feeds]]`` entry with its filter set from ``by``."""
    folder = family.folder(folder_slug)
    rss_path, atom_path = f"{folder}/rss.xml", f"{folder}/atom.xml"
    return FeedConfig(
        name=folder,
        title=family.title.format(value=value),
        description=family.description.format(value=value),
        link=config.site.url + "/",
        language=value if family.by == "language" else config.site.language,
        author=config.site.author,
        filter=FeedFilter(**{family.by: value}),
        limit=family.limit,
        rss_path=rss_path,
        atom_path=atom_path,
        rss_url=config.base_url + rss_path,
        atom_url=config.base_url + atom_path,
        ttl=feed_ttl(config.schedule),
        hubs=config.websub_hubs,
        stylesheet=config.stylesheets,
        formats=family.formats,
        family=family.name,
    )


def expand(config: Config, store: Store, now: datetime) -> Expansion:
    """Every family's feeds as of *now* (values published by then), and what was noted on the way."""
    taken = _taken_by_config(config)
    feeds: list[FeedConfig] = []
    notes: list[str] = []
    summaries = []
    for family in config.families:
        made, family_notes, summary = _expand_family(config, family, store.facet_counts(family.by, now), taken)
        feeds += made
        notes += family_notes
        summaries.append(summary)
    return Expansion(tuple(feeds), tuple(notes), tuple(summaries))


def _expand_family(
    config: Config, family: FamilyConfig, counts: list[tuple[str, int]], taken: _Taken
) -> tuple[list[FeedConfig], list[str], FamilyStatus]:
    slugs, collisions = assign_slugs(v for v, _ in counts)
    wanted = {v for v, n in counts if n >= family.min_articles}
    feeds, notes, skipped = [], [], 0
    for value in sorted(wanted, key=slugs.__getitem__):
        feed = family_feed(config, family, value, slugs[value])
        clash = taken.clash(feed)
        if clash is not None:
            notes.append(f"family {family.name}: value {value!r} (slug {slugs[value]}) skipped: {clash}")
            skipped += 1
            continue
        taken.take(feed, f"family {family.name} value {value!r}")
        feeds.append(feed)
    collided = [c for c in collisions if c.value in wanted]
    notes += [
        f"family {family.name}: value {c.value!r} shares the slug {c.shared} with {c.keeper!r}; it gets {c.slug}" for c in collided
    ]
    summary = FamilyStatus(
        name=family.name,
        by=family.by,
        feeds=len(feeds),
        collisions=len(collided),
        skipped=skipped,
        below_min=len(counts) - len(wanted),
        folders=tuple(f.name for f in feeds),
        notes=tuple(notes),
    )
    return feeds, notes, summary


def with_families(config: Config, expansion: Expansion) -> Config:
    """*config* with the family feeds after its ``[[feeds]]``."""
    return replace(config, feeds=config.feeds + expansion.feeds)


def finish(config: Config, expansion: Expansion, gate: _Gate, *, index_current: bool = False) -> bool:
    """After every feed was published: the feed index, then removal of family feeds no longer made.

    *config* already holds the family feeds (:func:`with_families`).  The index is held back
    while a feed it lists has no file yet (rejected at its first build), and nothing is removed
    until the index that no longer lists it is live, so a reader never follows a dead link.
    *index_current*: the plan vouches that the published index lists exactly these feeds, so it is
    not rendered again (``feedhub.plan``).  True when the index on disk is current.
    """
    index_ok = index_current or _publish_index(config, gate)
    recorded = gate.status.families
    previous = {f.name: f for f in recorded}
    # A value skipped this build may have left its folder to the output now at its paths.
    keep = set(_taken_by_config(config).paths)
    summaries = []
    for family, summary in zip(config.families, expansion.families, strict=True):
        stale = _stale(family, previous.get(family.name), set(summary.folders))
        if index_ok:
            _prune(stale, keep, gate)
        else:  # kept in the record, so the build that publishes the index removes them
            summary = replace(summary, folders=tuple(sorted({*summary.folders, *stale})))
        summaries.append(summary)
    if summaries != recorded:
        # Said once when they change, not at every tick of the daemon.
        for note in sorted(set(expansion.notes) - {n for f in recorded for n in f.notes}):
            log.warning("feed families: %s", note)
        save_families(gate.out, summaries)
    return index_ok


def _publish_index(config: Config, gate: _Gate) -> bool:
    """Render and publish the feed index; False when a file of it was rejected or held back."""
    docs = render_index(config, config.feeds)
    missing = next((p for f in config.feeds for p in _subscription_paths(f) if not (gate.out / p).is_file()), None) if docs else None
    held = f"not published: the feed document {missing} it lists was rejected (the previous index stays)" if missing else None
    return all([gate(doc, held).outcome != "rejected" for doc in docs])  # a list: every file is gated


def _subscription_paths(feed: FeedConfig) -> list[str]:
    return [get_format(name).paths(feed)[0] for name in feed.formats]


def _family_folder(family: FamilyConfig) -> re.Pattern[str]:
    """The folders *family* can write, as a pattern: its template with ``{slug}`` as any slug."""
    return re.compile(re.escape(family.folder("\0")).replace("\0", _SLUG_RE))


def _stale(family: FamilyConfig, previous: FamilyStatus | None, produced: set[str]) -> list[str]:
    """Folders the family made before and not now, only those its template can name (a family
    whose ``by`` changed starts afresh: what it made before is left alone)."""
    if previous is None or previous.by != family.by:
        return []
    pattern = _family_folder(family)
    return sorted(f for f in set(previous.folders) - produced if pattern.fullmatch(f))


def _prune(stale: list[str], keep: set[str], gate: _Gate) -> None:
    """Remove the feed files of the *stale* folders but any path in *keep*, then each folder (and its parents) left empty."""
    from .build import OutputResult

    file_names = _format_file_names()
    for folder in stale:
        for name in file_names:
            rel = f"{folder}/{name}"
            if rel not in keep and publish.remove(gate.out / rel, root=gate.out):
                gate.status.pop(rel, None)
                gate.report.results.append(OutputResult(rel, "", "removed", 0, 0))
        _remove_empty_folders(gate, folder)


def _format_file_names() -> list[str]:
    """The file names a family feed's formats write inside its folder (``rss.xml``, ``atom.xml``, ``feed.json``)."""
    probe = FeedConfig(
        "probe", "", "", "", "", "", FeedFilter(), 1, "probe/rss.xml", "probe/atom.xml", "", "", 1, formats=tuple(registered())
    )
    return [PurePosixPath(p).name for p in feed_paths(probe)]


def _remove_empty_folders(gate: _Gate, folder: str) -> None:
    """Remove *folder*, then its parents while empty, never the output dir; a folder holding anything else stays."""
    path = gate.out / folder
    while path != gate.out:
        try:
            path.rmdir()  # fails on a folder that is not empty, and on a link
        except OSError:
            return
        path = path.parent
