"""``feedhub import-wordpress SITE_URL``: the WordPress REST API → import records → ingest.

Posts are read oldest change first (``orderby=modified&order=asc``, ``per_page=100``, ``_embed``)
after the site's remembered ``modified_after``.  Each request asks for the posts changed after the
last fully imported moment, so a post edited during the run moves to a later request instead of
shifting pages under us.  After each batch is stored, the checkpoint is saved: a failed run
resumes where it stopped.  Posts that left the public listing (trashed, deleted, made private) are
found by comparing the ids remembered for the site with a cheap ``_fields=id`` listing, and become
``status: "deleted"`` records.

The state is one JSON file beside the store (:func:`state_path`), keyed by site URL; the store's
schema is not touched.  WordPress compares ``modified_after`` with its local ``post_modified``
column, so the checkpoint is kept as the post's ``modified`` value, in site time, without a zone.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lxml.etree import LxmlError

from ..errors import ArticleError, FeedhubError
from ..ingest import IngestReport, Rejection
from ..model import article_to_dict
from ..store import Store
from ._text import related_pattern
from ._wpmap import post_record
from .fetch import FetchError, FetchPolicy, Response, check_http_url, fetch
from .limits import PER_PAGE as PER_PAGE

STATE_FILE = "wordpress-state.json"


class WordPressError(FeedhubError, ValueError):
    """The site did not answer like the WordPress REST API; ``str(e)`` names the URL."""


@dataclass(slots=True)
class SiteState:
    #: The ``modified`` value (site time) up to which every post is imported.
    modified_after: str | None = None
    #: WordPress post id → record id, for every post imported and not yet deleted.
    posts: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Run:
    """One import: where records go (the store, or a dry run's list) and what it asks for."""

    site: str
    emit: Callable[[str, list[dict[str, Any]]], None]
    save: Callable[[SiteState], None]
    lookup: Callable[[str], dict[str, Any] | None]
    report: IngestReport
    policy: FetchPolicy = FetchPolicy()
    per_page: int = PER_PAGE
    related_labels: tuple[str, ...] = ()
    #: Look for deleted posts after the changes (one ``_fields=id`` listing of the whole site).
    sweep: bool = True
    #: Every posts request made, for the report and the tests.
    requests: list[str] = field(default_factory=list)


def site_url(value: str) -> str:
    check_http_url(value)
    return value.rstrip("/")


def state_path(store_url: str, output_dir: Path) -> Path:
    """Beside the SQLite file; for other stores, in the output directory."""
    if store_url.startswith("sqlite:///") and not store_url.endswith(":memory:"):
        return Path(store_url[len("sqlite:///"):]).parent / STATE_FILE
    return output_dir / f".{STATE_FILE}"


def load_state(path: Path, site: str) -> SiteState:
    try:
        raw = json.loads(path.read_text(encoding="utf-8")).get(site) or {}
    except FileNotFoundError:
        return SiteState()
    except (OSError, ValueError, AttributeError) as e:
        raise FeedhubError(f"{path}: cannot read the WordPress import state: {e}") from None
    return SiteState(raw.get("modified_after"), {str(k): str(v) for k, v in (raw.get("posts") or {}).items()})


def save_state(path: Path, site: str, state: SiteState) -> None:
    """Atomically: a crash while saving keeps the previous checkpoint, never half a file."""
    try:
        everything = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        everything = {}
    everything[site] = {"modified_after": state.modified_after, "posts": state.posts}
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise FeedhubError(f"{path}: cannot save the WordPress import state: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(everything, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise FeedhubError(f"{path}: cannot save the WordPress import state: {e.strerror}") from None


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """One import-wordpress at a time per state file: cron may start the next run while a slow
    one still pages, and two writers would lose each other's remembered posts.  ``flock``, so the
    kernel releases it when a run dies."""
    lock = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise FeedhubError(f"{lock}: cannot open the lock file: {e.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise FeedhubError(f"{lock}: another import-wordpress is running; try again when it ends") from None
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def store_lookup(store: Store) -> Callable[[str], dict[str, Any] | None]:
    def lookup(article_id: str) -> dict[str, Any] | None:
        found = store.get(article_id)
        return article_to_dict(found) if found is not None else None

    return lookup


def import_site(run: Run, state: SiteState) -> None:
    """Changed posts since the checkpoint, then the deletion sweep.  Raises FetchError or
    WordPressError when the site fails; what was stored before that stays, with its checkpoint."""
    _changed_posts(run, state)
    _sweep(run, state)
    run.save(state)


def _changed_posts(run: Run, state: SiteState) -> None:
    api = f"{run.site}/wp-json/wp/v2/posts"
    related_re = related_pattern(run.related_labels)
    seen: set[tuple[str, str]] = set()
    page, after = 1, state.modified_after
    while True:
        url = f"{api}?_embed&per_page={run.per_page}&orderby=modified&order=asc&page={page}"
        posts, more = _get_list(run, url + (f"&modified_after={quote(after)}" if after else ""), page)
        fresh = [p for p in posts if (str(p.get("id")), str(p.get("modified"))) not in seen]
        seen.update((str(p.get("id")), str(p.get("modified"))) for p in fresh)
        _store_batch(run, state, fresh, related_re, f"{api} (request {len(run.requests)})")
        if not more:
            state.modified_after = _last_modified(posts) or after
            return
        safe = _safe_checkpoint(posts)
        page, after = (1, safe) if safe and safe != after else (page + 1, after)
        state.modified_after = after
        run.save(state)


def _safe_checkpoint(posts: list[dict[str, Any]]) -> str | None:
    """The latest ``modified`` every post up to which is surely imported: the newest one strictly
    before the batch's last, because more posts with that last moment may follow."""
    last = _last_modified(posts)
    earlier = [str(p["modified"]) for p in posts if p.get("modified") and str(p["modified"]) < str(last)]
    return max(earlier) if earlier else None


def _last_modified(posts: list[dict[str, Any]]) -> str | None:
    values = [str(p["modified"]) for p in posts if p.get("modified")]
    return max(values) if values else None


def _store_batch(run: Run, state: SiteState, posts: list[dict[str, Any]], related_re: Any, where: str) -> None:
    records = []
    for post in posts:
        try:
            record = post_record(post, run.site, related_re)
        except ArticleError as e:
            run.report.rejected.append(Rejection(f"{where} post {post.get('id')}", e))
            continue
        except (ValueError, LxmlError) as e:  # a post no WordPress would send; it costs only itself
            run.report.rejected.append(Rejection(f"{where} post {post.get('id')}", ArticleError(None, "(post)", f"cannot read: {e}")))
            continue
        records.append(record)
        if record.get("status") == "deleted":
            state.posts.pop(str(post.get("id")), None)
        else:
            state.posts[str(post.get("id"))] = record["id"]
    run.emit(where, records)


def _sweep(run: Run, state: SiteState) -> None:
    """Posts remembered for the site that the public listing no longer has → deletions.

    Only after a complete listing, and each missing id is asked for again by ``include=``: a post
    deleted while we page shifts the others, and a listing that skipped one must not delete it.
    An empty listing deletes nothing (an API locked by a plugin looks exactly like that)."""
    if not state.posts or not run.sweep:
        return
    api = f"{run.site}/wp-json/wp/v2/posts?_fields=id&orderby=id&order=asc&per_page={run.per_page}"
    live = _ids(run, api)
    if not live:
        run.report.warnings.append(f"{run.site}: the post listing is empty; the {len(state.posts)} posts imported before are not deleted")
        return
    missing = sorted(set(state.posts) - live, key=int)
    for start in range(0, len(missing), run.per_page):
        chunk = missing[start : start + run.per_page]
        live |= _ids(run, f"{api}&include={','.join(chunk)}")
    deletions = []
    for pid in (m for m in missing if m not in live):
        known = run.lookup(state.posts.pop(pid))
        if known is not None and known.get("status") != "deleted":
            deletions.append(known | {"status": "deleted"})
    run.emit(f"{run.site} deleted posts", deletions)


def _ids(run: Run, url: str) -> set[str]:
    ids: set[str] = set()
    page, more = 1, True
    while more:
        posts, more = _get_list(run, f"{url}&page={page}", page)
        ids.update(str(p.get("id")) for p in posts)
        page += 1
    return ids


def _get_list(run: Run, url: str, page: int) -> tuple[list[dict[str, Any]], bool]:
    """One page of a listing and whether another follows (``X-WP-TotalPages``, else a full page)."""
    run.requests.append(url)
    try:
        r = fetch(url, run.policy)
    except FetchError as e:
        if page > 1 and e.status == 400:
            return [], False  # rest_post_invalid_page_number: the listing shrank while we read it
        raise
    posts = _posts(r)
    total = r.headers.get("X-WP-TotalPages")
    more = page < int(total) if total and total.isdigit() else len(posts) >= run.per_page
    return posts, more and bool(posts)


def _posts(r: Response) -> list[dict[str, Any]]:
    try:
        data = json.loads(r.body)
    except (ValueError, RecursionError):
        raise WordPressError(f"{r.url}: not JSON (is the WordPress REST API enabled at /wp-json/?)") from None
    if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
        raise WordPressError(f"{r.url}: not a list of posts")
    return data
