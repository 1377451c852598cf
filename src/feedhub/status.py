"""The state record next to the outputs: what each output holds and how its last build went.

``<output dir>/.feedhub-status.json``, replaced atomically after each build;
``feedhub status`` prints it, monitoring reads ``--json``.  Besides one entry
per output it holds the *trouble* of each output group: a write or store
failure the daemon is backing off from, cleared by the group's next good build.

Groups build in parallel threads, each from the record it loaded: a save
applies only what that build changed to the record on disk, under a lock, so
one group never undoes another's entries.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import newest
from .publish import WriteError, atomic_write

if TYPE_CHECKING:
    from .config import Config

STATUS_NAME = ".feedhub-status.json"

#: Orders the threads of one process; ``.feedhub-status.lock`` orders the daemons that share an
#: output dir (a PostgreSQL store, issue 17), so one daemon's save never undoes another's.
_save_lock = threading.Lock()
SAVE_LOCK_NAME = ".feedhub-status.lock"


@contextmanager
def _saving(output_dir: Path) -> Iterator[None]:
    with _save_lock:
        try:
            fd: int | None = os.open(output_dir / SAVE_LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError:
            fd = None  # a full disk or a planted link: each save stays atomic, only unordered
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            if fd is not None:
                os.close(fd)


@dataclass(frozen=True, slots=True)
class OutputStatus:
    path: str
    kind: str
    #: Items in the file on disk (the last good version).
    items: int
    bytes: int
    sha256: str
    #: When the bytes on disk last changed (ISO 8601, UTC).
    written_at: str | None
    #: When this output was last built, whatever the outcome.
    built_at: str
    #: ``ok`` or ``failed``.
    validation: str
    #: The problems of the last validation, one line each.
    problems: tuple[str, ...] = ()
    #: Articles the last build could not write into this output: ``{id, field, rule, message}`` each.
    left_out: tuple[dict[str, str | None], ...] = ()
    #: What the file on disk was rendered from, for outputs a build can skip when it is unchanged
    #: (archive sitemap shards and their index); None for the others and for records before it.
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class Trouble:
    """A failure an output group has not recovered from yet (disk full, store gone)."""

    #: When the outage began (ISO 8601, UTC).
    since: str
    #: The error, one line.
    message: str


@dataclass(frozen=True, slots=True)
class FamilyStatus:
    """What the last feeds build made of one ``[[feed_families]]`` entry (issue 15)."""

    name: str
    by: str
    #: Feeds published for it.
    feeds: int
    #: Values that share a slug with another and got a suffixed one.
    collisions: int
    #: Values left without a feed because their paths were taken.
    skipped: int
    #: Values with fewer than ``min_articles`` published articles.
    below_min: int
    #: The folders of its feeds: what the next build may remove when a value is gone.
    folders: tuple[str, ...] = ()
    #: The collisions and skips, one line each.
    notes: tuple[str, ...] = ()


class StatusRecord(dict[str, OutputStatus]):
    """The outputs as loaded, remembering that state so a save can apply only the changes."""

    def __init__(self, entries: dict[str, OutputStatus], families: list[FamilyStatus] | None = None) -> None:
        super().__init__(entries)
        self.loaded = dict(entries)
        #: The families part, read with the outputs (a build reads the record once).
        self.families = families or []


def status_path(output_dir: Path) -> Path:
    return output_dir / STATUS_NAME


def _read(output_dir: Path) -> dict[str, Any]:
    return read_record(status_path(output_dir))


def read_record(path: Path) -> dict[str, Any]:
    """One of feedhub's JSON records in the output dir, or ``{}`` when missing or unreadable."""
    try:
        # O_NOFOLLOW: a link planted at the record's name is not ours to read.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            raw = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _outputs(raw: dict[str, Any]) -> dict[str, OutputStatus]:
    out = {}
    for d in raw.get("outputs", []):
        try:
            d["problems"] = tuple(d.get("problems", ()))
            d["left_out"] = tuple(d.get("left_out", ()))
            out[d["path"]] = OutputStatus(**d)
        except (KeyError, TypeError):
            continue  # a record from another version: rebuilt on the next build
    return out


def _troubles(raw: dict[str, Any]) -> dict[str, Trouble]:
    found = {}
    for group, d in (raw.get("trouble") or {}).items():
        try:
            found[group] = Trouble(**d)
        except TypeError:
            continue
    return found


def _families(raw: dict[str, Any]) -> list[FamilyStatus]:
    found = []
    for d in raw.get("families") or []:
        try:
            found.append(FamilyStatus(**{**d, "folders": tuple(d.get("folders", ())), "notes": tuple(d.get("notes", ()))}))
        except TypeError:
            continue  # from another version: the next feeds build writes it again
    return found


def load_status(output_dir: Path) -> StatusRecord:
    raw = _read(output_dir)
    return StatusRecord(_outputs(raw), _families(raw))


def load_trouble(output_dir: Path) -> dict[str, Trouble]:
    return _troubles(_read(output_dir))


def load_families(output_dir: Path) -> list[FamilyStatus]:
    return _families(_read(output_dir))


def save_families(output_dir: Path, families: list[FamilyStatus]) -> None:
    """Record what the feeds build made of each family (only the feeds group writes this part)."""
    with _saving(output_dir):
        raw = _read(output_dir)
        _write(output_dir, _outputs(raw), _troubles(raw), families)


def save_status(output_dir: Path, outputs: dict[str, OutputStatus]) -> None:
    """Record *outputs*: for a :class:`StatusRecord`, only what changed since it was loaded
    (nothing at all when nothing did: a build that rendered nothing costs no rewrite)."""
    loaded = getattr(outputs, "loaded", None)
    changed = outputs if loaded is None else {k: v for k, v in outputs.items() if loaded.get(k) != v}
    gone = set() if loaded is None else loaded.keys() - outputs.keys()
    if loaded is not None and not changed and not gone:
        return
    with _saving(output_dir):
        raw = _read(output_dir)
        current = dict(outputs) if loaded is None else _outputs(raw)
        for path in gone:
            current.pop(path, None)
        current.update(changed)
        _write(output_dir, current, _troubles(raw), _families(raw))


def record_trouble(output_dir: Path, group: str, message: str, since: str) -> None:
    """Note that *group* is failing with *message* (kept with its first *since* while it lasts)."""
    with _saving(output_dir):
        raw = _read(output_dir)
        troubles = _troubles(raw)
        first = troubles.get(group)
        troubles[group] = Trouble(first.since if first else since, message)
        _write(output_dir, _outputs(raw), troubles, _families(raw))


def clear_trouble(output_dir: Path, group: str) -> None:
    with _saving(output_dir):
        raw = _read(output_dir)
        troubles = _troubles(raw)
        if troubles.pop(group, None) is not None:
            _write(output_dir, _outputs(raw), troubles, _families(raw))


def _write(output_dir: Path, outputs: dict[str, OutputStatus], troubles: dict[str, Trouble], families: list[FamilyStatus]) -> None:
    # One line per entry, each from json's C encoder (``indent`` would take its Python one: a
    # 10,000-feed site spent a second per build here), so the record stays readable and diffable.
    parts = ['{"version": 1', ',\n"outputs": [\n' + ",\n".join(_line(outputs[k]) for k in sorted(outputs)) + "\n]"]
    if troubles:
        parts.append(',\n"trouble": {\n' + ",\n".join(f"{json.dumps(g)}: {_line(troubles[g])}" for g in sorted(troubles)) + "\n}")
    if families:
        parts.append(',\n"families": [\n' + ",\n".join(_line(f) for f in families) + "\n]")
    data = ("".join(parts) + "}\n").encode()
    try:
        # Our own name: a link planted there is replaced by the record, never written through.
        atomic_write(status_path(output_dir), data)
    except WriteError as e:
        if e.code not in (errno.ENOSPC, errno.EDQUOT) or not _overwrite_in_place(status_path(output_dir), data):
            raise


def _line(record: OutputStatus | Trouble | FamilyStatus) -> str:
    names = _FIELDS.get(type(record)) or _FIELDS.setdefault(type(record), tuple(f.name for f in fields(record)))
    return _ENCODE({name: getattr(record, name) for name in names})


_FIELDS: dict[type, tuple[str, ...]] = {}
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _overwrite_in_place(path: Path, data: bytes) -> bool:
    """On a full disk, rewrite the record inside the blocks it already has, so the failure is seen.

    Not atomic; a reader that catches it half-written sees no record (not a wrong
    one), and the next good build replaces it atomically again.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        if os.fstat(fd).st_blocks * 512 < len(data):
            return False
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def last_build(output_dir: Path) -> datetime | None:
    """When the newest build recorded in *output_dir* ran (its ``now``), if any."""
    return newest(s.built_at for s in load_status(output_dir).values())


def format_table(outputs: dict[str, OutputStatus], troubles: dict[str, Trouble] | None = None) -> str:
    head = ("output", "kind", "items", "bytes", "written (UTC)", "built (UTC)", "validation")
    rows = [
        (s.path, s.kind, str(s.items), str(s.bytes), _short_time(s.written_at), _short_time(s.built_at), s.validation)
        for s in (outputs[k] for k in sorted(outputs))
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [head, *rows]]
    for s in outputs.values():
        lines.extend(f"{s.path}: {p}" for p in s.problems)
        lines.extend(f"{s.path}: left out {_left_out_line(x)}" for x in s.left_out)
    for group, t in sorted((troubles or {}).items()):
        lines.append(f"{group}: failing since {_short_time(t.since)} UTC: {t.message}")
    return "\n".join(lines)


def family_lines(families: list[FamilyStatus]) -> list[str]:
    """One line per family for ``feedhub status``, then its notes (collisions, skipped values)."""
    lines = []
    for f in families:
        extra = f", {f.below_min} below min_articles" if f.below_min else ""
        lines.append(f"family {f.name} (by {f.by}): {f.feeds} feeds, {f.collisions} collisions, {f.skipped} skipped{extra}")
        lines.extend(f"  {n}" for n in f.notes)
    return lines


def _left_out_line(x: dict[str, str | None]) -> str:
    who = f"id={x.get('id')}: " if x.get("id") is not None else ""
    return f"{who}{x.get('field')}: {x.get('message')} [{x.get('rule')}]"


def _short_time(iso: str | None) -> str:
    return iso[:19].replace("T", " ") if iso else "-"


def alternate_links(config: Config) -> list[str]:
    """Every feed's ``<link rel="alternate">`` lines, one per format it writes (``status --links``)."""
    from .formats import alternate_links as links_of

    return [line for feed in config.feeds for line in links_of(feed)]

