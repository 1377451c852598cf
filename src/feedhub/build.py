"""One build: store → renderers → validation gate → atomic publish → status record.

This is the only module that knows the whole chain; the CLI and the daemon
call :func:`run_once` and print its report.  A document that fails
validation is never written: the last good file stays and the report says
which rule failed where.  The other outputs are still published.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from . import families, publish
from .config import Config, FeedConfig
from .document import Document, LeftOut
from .formats import feed_paths, validate_document
from .formats import get as get_format
from .formats._history import EVERY_ARTICLE, archive_folder, is_archive_page
from .model import Article
from .plan import Plan, feeds_key
from .render import news_sitemap, sitemaps
from .render._text import next_unclamp
from .status import OutputStatus, load_status, save_status
from .store import Store
from .store.base import redact
from .validate import Problem

#: Output groups the scheduler runs on their own timers; one key used in config and logs.
GROUPS = ("feeds", "news_sitemap", "sitemaps")


@dataclass(frozen=True, slots=True)
class OutputResult:
    path: str
    kind: str
    #: ``written``, ``unchanged``, ``rejected`` or ``removed`` (a shard no longer needed).
    outcome: str
    items: int
    bytes: int
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: Articles the renderer could not write into this output (the rest of it was published).
    left_out: tuple[LeftOut, ...] = ()


@dataclass(slots=True)
class BuildReport:
    now: datetime
    groups: tuple[str, ...]
    results: list[OutputResult] = field(default_factory=list)
    seconds: float = 0.0
    #: When the news sitemap next changes with no new article (the oldest one ages out).
    news_expiry: datetime | None = None
    #: When an output next changes with no store change: a future-dated article comes due, or
    #: a future ``updated`` that was written clamped to ``now`` becomes true (:attr:`next_unclamp`).
    #: The daemon schedules a forced build of every group at this moment.
    next_release: datetime | None = None
    #: The earliest ``updated`` after ``now`` among the articles built (written as ``now`` until then).
    next_unclamp: datetime | None = None
    #: Documents not even rendered: no change since the last build could reach them (``feedhub.plan``).
    skipped: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def ok(self) -> bool:
        return self.count("rejected") == 0

    def lines(self) -> list[str]:
        """One line per output and problem, then the summary (what `feedhub build` prints)."""
        out = []
        for r in self.results:
            detail = f"{r.items} items, {r.bytes} bytes" if r.outcome != "removed" else "no longer needed"
            out.append(f"{r.outcome:<9} {r.path} ({detail})")
            out.extend(f"  error: {p}" for p in r.problems)
            out.extend(f"  warning: {w}" for w in r.warnings)
        out.append(self.summary())
        return out

    def summary(self) -> str:
        parts = [f"{self.count(o)} {o}" for o in ("written", "unchanged", "rejected")]
        if self.count("removed"):
            parts.append(f"{self.count('removed')} removed")
        if self.skipped:
            parts.append(f"{self.skipped} not rendered (no change reaches them)")
        return f"built {', '.join(self.groups)}: {', '.join(parts)} in {self.seconds:.2f} s"


def _warnings(doc: Document | sitemaps.Unchanged, problems: Iterable[Problem]) -> tuple[str, ...]:
    """The renderer's warnings, one per left-out article (so the build report and the daemon's
    log name each once), then the validator's."""
    left_out = tuple(f"left out {x}" for x in doc.left_out)
    return doc.warnings + left_out + tuple(str(p) for p in problems if p.severity != "error")


class _Gate:
    """Validates each document, publishes it when it passes and records the outcome."""

    def __init__(self, config: Config, now: datetime, report: BuildReport, full: bool = False) -> None:
        self.config, self.now, self.report = config, now, report
        #: Render every document, whatever the last build's record says (``feedhub build --full``).
        self.full = full
        #: Saves the feeds plan record; run only after the status record is saved, so a build
        #: killed in between leaves the older plan (more renders), never a plan ahead of the status.
        self.save_plan: Callable[[], None] | None = None
        #: Every file in the output dir when the build started (relative paths).
        self.files: set[str] = set()
        self.out = config.output_dir
        self.status = load_status(self.out)
        self.built_at = now.astimezone(UTC).isoformat(timespec="seconds")

    def __call__(self, doc: Document, held_back: str | None = None) -> OutputResult:
        problems = validate_document(doc.data, doc.kind, **validation_options(self.config, doc.kind, self.now))
        errors = tuple(str(p) for p in problems if p.severity == "error")
        if held_back and not errors:
            errors = (held_back,)
        warnings = _warnings(doc, problems)
        left_out = tuple(x.as_dict() for x in doc.left_out)
        if errors:
            result = OutputResult(doc.path, doc.kind, "rejected", doc.items, len(doc.data), errors, warnings, doc.left_out)
            self._failed(doc, errors, left_out)
        else:
            written = publish.write_if_changed(self.out / doc.path, doc.data, root=self.out)
            outcome = "written" if written else "unchanged"
            result = OutputResult(doc.path, doc.kind, outcome, doc.items, len(doc.data), (), warnings, doc.left_out)
            self._passed(doc, written, left_out)
        self.report.results.append(result)
        return result

    def _failed(self, doc: Document, errors: tuple[str, ...], left_out: tuple[dict[str, str | None], ...]) -> None:
        prev = self.status.get(doc.path)
        if prev is not None:
            self.status[doc.path] = replace(
                prev, built_at=self.built_at, validation="failed", problems=errors, left_out=left_out
            )
        else:
            self.status[doc.path] = OutputStatus(
                doc.path, doc.kind, 0, 0, "", None, self.built_at, "failed", errors, left_out
            )

    def _passed(self, doc: Document, written: bool, left_out: tuple[dict[str, str | None], ...]) -> None:
        prev = self.status.get(doc.path)
        written_at = prev.written_at if prev is not None and prev.written_at and not written else self.built_at
        self.status[doc.path] = OutputStatus(
            path=doc.path,
            kind=doc.kind,
            items=doc.items,
            bytes=len(doc.data),
            sha256=hashlib.sha256(doc.data).hexdigest(),
            written_at=written_at,
            built_at=self.built_at,
            validation="ok",
            left_out=left_out,
        )


def run_once(config: Config, store: Store, now: datetime, groups: Iterable[str] = GROUPS, *, full: bool = False) -> BuildReport:
    """Build *groups* as of *now* and publish every document that validates.

    Only the documents a change since the last build can reach are rendered (``feedhub.plan``,
    and archive shards whose text the status record proves unchanged); *full* renders all of
    them, and gives the same bytes."""
    started = time.perf_counter()
    chosen = tuple(g for g in GROUPS if g in set(groups))
    report = BuildReport(now=now, groups=chosen)
    out = config.output_dir
    out.mkdir(parents=True, exist_ok=True)
    files: set[str] = set()
    publish.clean_temp_files(out, files)
    gate = _Gate(config, now, report, full)
    gate.files = files
    try:
        # Articles dated after now (scheduled stories) stay out of every output until then.
        release = store.next_published_after(now)
        unclamp = [build(config, store, gate) for group, build in _BUILDERS.items() if group in chosen]
        report.next_unclamp = _earliest(*unclamp)
        report.next_release = _earliest(release, report.next_unclamp)
    finally:
        save_status(out, gate.status)
        report.seconds = time.perf_counter() - started
    if gate.save_plan is not None:
        gate.save_plan()
    # --- issue 16: the XSL stylesheets beside the outputs, then the after_publish hooks
    # (WebSub) on the documents actually written; neither blocks nor fails the build.
    from .hooks import after_publish
    from .stylesheets import publish_stylesheets

    publish_stylesheets(out, config.stylesheets)
    after_publish(config, [(r.path, r.kind) for r in report.results if r.outcome == "written"])
    return report


def _earliest(*moments: datetime | None) -> datetime | None:
    return min((t for t in moments if t is not None), default=None)


def _build_feeds(config: Config, store: Store, gate: _Gate) -> datetime | None:
    """The feeds a change can reach (every feed on a full build); the earliest future ``updated``
    among their articles (written clamped until then)."""
    token = store.change_token()
    # Family feeds join the [[feeds]]; the feed index and removals follow them (families.py).
    expansion = families.expand(config, store, gate.now)
    config = families.with_families(config, expansion)
    feeds = config.feeds
    planner = Plan(gate.out, redact(config.store.url), gate.now, gate.files)  # the record is in the public output dir
    todo = planner.todo(feeds, store, gate.full)
    unclamp: list[datetime | None] = []
    for feed in todo:
        articles = _feed_articles(store, feed, gate.now)
        unclamp.append(next_unclamp(articles, gate.now))
        published = [_publish_feed(feed, fmt, get_format(fmt).render(feed, articles, gate.now), gate) for fmt in feed.formats]
        planner.rendered(feed, articles, all(published))
    rendered = {f.name for f in todo}
    gate.report.skipped += sum(len(feed_paths(f)) for f in feeds if f.name not in rendered)
    index_key = feeds_key(feeds, config.site, config.base_url, config.feed_index)
    index_paths = (config.feed_index.json_path, config.feed_index.opml_path)
    current = not gate.full and planner.index == index_key and all(p in gate.files for p in index_paths)
    planner.index = index_key if families.finish(config, expansion, gate, index_current=current) else None
    gate.save_plan = lambda: planner.save(token, feeds)
    return _earliest(*unclamp)


def _feed_articles(store: Store, feed: FeedConfig, now: datetime) -> list[Article]:
    # An archived feed (RFC 5005) is rendered from its whole history.
    return store.newest(feed.filter, EVERY_ARTICLE if feed.archive else feed.limit, until=now)


def _publish_feed(feed: FeedConfig, fmt: str, docs: list[Document], gate: _Gate) -> bool:
    """One format's documents of one feed: RFC 5005 archive pages first, the subscription document last.

    The subscription document is held back when a page was rejected (its ``prev-archive`` chain
    would lead to a missing or outdated page); pages no longer produced (after a deletion) are
    removed only once it was published.  True when every document was published.
    """
    rejected = [d.path for d in docs[:-1] if gate(d).outcome == "rejected"]
    held = f"not published: its archive page {rejected[0]} was rejected (the previous pages stay)" if rejected else None
    if gate(docs[-1], held).outcome == "rejected":
        return False
    if feed.archive:
        _remove_stale_pages(gate, archive_folder(feed), fmt, {d.path for d in docs})
    return not rejected


def _remove_stale_pages(gate: _Gate, folder: str, fmt: str, produced: set[str]) -> None:
    where = gate.out / folder
    for p in sorted(where.iterdir()) if where.is_dir() else ():
        rel = p.relative_to(gate.out).as_posix()
        if is_archive_page(p.name, fmt) and rel not in produced and publish.remove(p):
            gate.status.pop(rel, None)
            gate.report.results.append(OutputResult(rel, "", "removed", 0, 0))


def _build_news(config: Config, store: Store, gate: _Gate) -> datetime | None:
    if not config.news_sitemap.enabled:
        return None
    unclamp: list[datetime | None] = []
    docs, gate.report.news_expiry = _news_documents(config, store, gate.now, unclamp)
    _publish_set(docs, gate, gate, config.news_sitemap.path, gate.report)
    return _earliest(*unclamp)


def _build_sitemaps(config: Config, store: Store, gate: _Gate) -> datetime | None:
    if not config.sitemap.enabled:
        return None
    clamp = sitemaps.LastmodClamp(gate.now)
    archive = _ArchiveGate(gate, sitemaps.ArchiveSitemap(config.sitemap, config.site.url, config.base_url, clamp))
    rows = store.iter_sitemap_rows(until=clamp.now)
    outputs = archive.renderer.outputs(rows, None if gate.full else archive)
    _publish_set(outputs, archive, gate, config.sitemap.path, gate.report)
    gate(sitemaps.render_robots(_sitemap_urls(config)))
    return clamp.next


class _ArchiveGate:
    """The gate for archive shards and their index: one whose digest matches the record of the
    file still on disk is reported ``unchanged`` without being rendered (issue 15); every other
    goes through the gate, and the digest of what passed is recorded for the next build."""

    def __init__(self, gate: _Gate, renderer: sitemaps.ArchiveSitemap) -> None:
        self.gate, self.renderer = gate, renderer

    def recorded(self, path: str) -> bool:
        prev = self.gate.status.get(path)
        return prev is not None and prev.digest is not None

    def reusable(self, path: str, digest: str) -> bool:
        prev = self.gate.status.get(path)
        return prev is not None and prev.digest == digest and _holds(self.gate.out, path, prev.bytes, prev.sha256)

    def __call__(self, doc: Document | sitemaps.Unchanged, held_back: str | None = None) -> OutputResult:
        if isinstance(doc, sitemaps.Unchanged):
            return self._unchanged(doc)
        result = self.gate(doc, held_back)
        if result.outcome != "rejected":
            # A rejected one keeps the digest of the last good file, which is still the one on disk.
            self.gate.status[doc.path] = replace(self.gate.status[doc.path], digest=self.renderer.digests[doc.path])
        return result

    def _unchanged(self, doc: sitemaps.Unchanged) -> OutputResult:
        prev = self.gate.status[doc.path]
        self.gate.status[doc.path] = replace(
            prev, built_at=self.gate.built_at, validation="ok", problems=(), left_out=tuple(x.as_dict() for x in doc.left_out)
        )
        result = OutputResult(doc.path, doc.kind, "unchanged", doc.items, prev.bytes, (), _warnings(doc, ()), doc.left_out)
        self.gate.report.results.append(result)
        return result


def _holds(out: Path, path: str, size: int, sha256: str) -> bool:
    """Whether *path* in *out* is a regular file (not a link) of *size* bytes hashing to *sha256*."""
    try:
        publish.check_inside(out, out / path)
        fd = os.open(out / path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # missing, a planted link, or outside the output dir: render and write it
        return False
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            return False
        return hashlib.file_digest(f, "sha256").hexdigest() == sha256


#: What each group builds, in GROUPS order.
_BUILDERS = {"feeds": _build_feeds, "news_sitemap": _build_news, "sitemaps": _build_sitemaps}


def validation_options(config: Config, kind: str | None, now: datetime) -> dict[str, Any]:
    """The validator options the build gate uses for a *kind* of output of *config*.

    The archive's ``sitemap.max_urls`` / ``max_bytes`` bound its shards only; every other
    kind is held to its own limits.
    """
    opts: dict[str, Any] = dict(
        now=now,
        news_window_hours=config.news_sitemap.window_hours,
        news_max_urls=config.news_sitemap.max_urls,
        site_url=config.site.url,
    )
    if kind == "sitemap":
        opts.update(max_urls=config.sitemap.max_urls, max_bytes=config.sitemap.max_bytes)
    return opts


def _feed_documents(config: Config, store: Store, now: datetime, unclamp: list[datetime | None]) -> Iterator[Document]:
    """Every feed document a build renders, in build order."""
    for _feed, _fmt, docs in _feed_formats(config, store, now, unclamp):
        yield from docs


def _feed_formats(
    config: Config, store: Store, now: datetime, unclamp: list[datetime | None]
) -> Iterator[tuple[FeedConfig, str, list[Document]]]:
    """Each feed's documents, one list per format (an archived feed's pages, then its subscription document)."""
    for feed in config.feeds:
        articles = _feed_articles(store, feed, now)
        unclamp.append(next_unclamp(articles, now))
        for name in feed.formats:
            yield feed, name, get_format(name).render(feed, articles, now)


def _news_documents(
    config: Config, store: Store, now: datetime, unclamp: list[datetime | None]
) -> tuple[list[Document], datetime | None]:
    cfg = config.news_sitemap
    window = timedelta(hours=cfg.window_hours)
    articles = store.published_between(now - window, now)
    unclamp.append(next_unclamp(articles, now))
    docs = news_sitemap.render_news_sitemap(cfg, config.site.url, config.base_url, articles, now)
    return docs, news_sitemap.next_news_expiry(articles, cfg.window_hours, now)


def _archive_documents(config: Config, store: Store, clamp: sitemaps.LastmodClamp) -> Iterator[Document]:
    rows = store.iter_sitemap_rows(until=clamp.now)
    return sitemaps.render_archive(config.sitemap, config.site.url, config.base_url, rows, clamp)


def _sitemap_urls(config: Config) -> list[str]:
    urls = []
    if config.sitemap.enabled:
        urls.append(config.base_url + config.sitemap.path)
    if config.news_sitemap.enabled:
        urls.append(config.base_url + config.news_sitemap.path)
    return urls


_Doc = TypeVar("_Doc", Document, Document | sitemaps.Unchanged)


def _publish_set(
    docs: Iterable[_Doc], put: Callable[[_Doc, str | None], OutputResult], gate: _Gate, index_path: str, report: BuildReport
) -> None:
    """Publish a set of numbered files plus their index, then drop numbered files it no longer lists.

    The index comes last and is held back when one of its parts was rejected (it would
    point readers at a missing or outdated file).  Stale parts are removed only after the
    new index (or single file) was published, so a reader following the previous index
    never hits a 404.
    """
    produced: set[str] = set()
    rejected: list[str] = []
    index_ok = False
    for doc in docs:
        produced.add(doc.path)
        if doc.path == index_path:
            held = f"not published: its part {rejected[0]} was rejected (the previous index and parts stay)" if rejected else None
            index_ok = put(doc, held).outcome != "rejected"
        elif put(doc, None).outcome == "rejected":
            rejected.append(doc.path)
    if index_ok:
        _remove_stale_parts(gate, index_path, produced, report)


def _remove_stale_parts(gate: _Gate, index_path: str, produced: set[str], report: BuildReport) -> None:
    out = gate.out
    stem = Path(index_path).name.removesuffix(".gz").removesuffix(".xml")
    part = re.compile(rf"^{re.escape(stem)}-\d+\.xml(\.gz)?$")
    folder = out / Path(index_path).parent
    if not folder.is_dir():
        return
    for p in sorted(folder.iterdir()):
        rel = p.relative_to(out).as_posix()
        if part.match(p.name) and rel not in produced and publish.remove(p):
            gate.status.pop(rel, None)
            report.results.append(OutputResult(rel, "", "removed", 0, 0))
