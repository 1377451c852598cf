"""Getting articles in: NDJSON or JSON-array files → validated Articles → the store.

Bad records are reported with file, line, id, field and reason and skipped; every good
record is stored, in batched transactions, even when others fail.  Nothing a record holds
can stop the file: oversized, too deeply nested or unreadable records cost only themselves.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import IO

from .contract import Deletion, parse_record
from .errors import ArticleError, InputError, shown_id
from .ingest_read import BLOCK_BYTES, Array, array_records, block_lines, blocks, decode_line, may_hold_illegal, open_source, read_records
from .store import ArticleRecord, Store, UpsertResult, to_record

__all__ = ["BATCH", "IngestReport", "Rejection", "decode_line", "ingest_files", "ingest_stream", "may_hold_illegal", "read_records"]

BATCH = 10_000
#: Worker processes that prepare records of a large input; none on a single core.  One per
#: core even though this process works too: preparing costs workers about 14 CPU s per
#: 100,000 bench articles, this process's SQL and reading about 9 (bench_ingest_process.py).
WORKERS = min(4, os.cpu_count() or 1) if (os.cpu_count() or 1) > 1 else 0
#: Inputs at least this large (about 2,000 articles), files or pipes, are prepared by the workers.
PARALLEL_BYTES = 4 * 1024 * 1024
#: Bytes of whole lines a worker is handed at a time (tests make it small: many blocks, out of order).
_BLOCK_BYTES = BLOCK_BYTES
_Prepared = tuple[int, "ArticleRecord | Deletion | ArticleError", list[str]]


@dataclass(frozen=True, slots=True)
class Rejection:
    #: ``articles.ndjson:17`` — where the record starts.
    where: str
    #: Every problem of the record (``error.problems``).
    error: ArticleError

    def lines(self) -> list[str]:
        """One ``file:line id=…: field: reason`` line per problem."""
        return [f"{self.where} {p}" for p in self.error.problems]

    def __str__(self) -> str:
        return "; ".join(self.lines())


@dataclass(slots=True)
class IngestReport:
    stored: UpsertResult = field(default_factory=UpsertResult)
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Ids a deletion marked deleted, and deletions of ids the store did not know.
    deleted: int = 0
    unknown: int = 0

    @property
    def ingested(self) -> int:
        s = self.stored
        return s.new + s.updated + s.unchanged

    def summary(self) -> str:
        s = self.stored
        deleted = f"deleted {self.deleted} ({self.unknown} not in the store), " if self.deleted or self.unknown else ""
        return (
            f"ingested {self.ingested} (new {s.new}, updated {s.updated}, unchanged {s.unchanged}), "
            f"{deleted}rejected {len(self.rejected)}"
        )


# -- storing -----------------------------------------------------------------------------------


def ingest_files(paths: Iterable[str], store: Store, site_tz: tzinfo, site_language: str, *, now: datetime | None = None) -> IngestReport:
    """Validate and store every record of *paths* (``-`` is stdin).  *now* (default: the clock)
    is what an ``updated`` time must not be after without a warning."""
    report = IngestReport()
    paths = list(paths)
    site = _Site(site_tz, site_language, now or datetime.now(UTC))
    if len(paths) > 1:
        # A missing or non-JSON file fails the command before anything is stored.
        for path in paths:
            if path != "-":
                _read_file(path, open_source)
    for path in paths:
        _read_file(path, lambda name, stream: _Batches(store, report).ingest(name, _prepared(name, stream, site)))
    return report


def ingest_stream(name: str, stream: IO[bytes], store: Store, site_tz: tzinfo, site_language: str, report: IngestReport, *, now: datetime | None = None) -> None:
    """Validate and store the records of one open input called *name* into *report*: what
    ``feedhub ingest`` does for one file, for inputs that are not files (the importers)."""
    site = _Site(site_tz, site_language, now or datetime.now(UTC))
    _Batches(store, report).ingest(name, _prepared(name, stream, site))


def _read_file(path: str, use: Callable[[str, IO[bytes]], object]) -> None:
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            # A text stream without a byte buffer (a test's StringIO) is read whole.
            stream = getattr(sys.stdin, "buffer", None) or io.BytesIO(sys.stdin.read().encode("utf-8", "surrogatepass"))
        else:
            stream = open(path, "rb")  # noqa: SIM115 -- closed below, stdin is not
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror}") from None
    try:
        use(name, stream)
    except IsADirectoryError:
        raise InputError(f"{name}: cannot read: Is a directory") from None
    finally:
        if stream is not getattr(sys.stdin, "buffer", None):
            stream.close()


class _Batches:
    """Upserts and deletions in file order, a transaction per batch; one version per id per batch
    keeps new/updated counts honest and a deletion after an upsert of the same id in order."""

    def __init__(self, store: Store, report: IngestReport) -> None:
        self.store, self.report = store, report
        self.upserts: list[ArticleRecord] = []
        self.deletions: dict[str, str] = {}  # id → where, for the unknown-id warning
        self.ids: set[str] = set()

    def ingest(self, name: str, prepared: Iterator[_Prepared]) -> None:
        # The record's place (file:line) is spelled out only for what names it: most records have no
        # warning, and this loop is the single process every record passes through.
        for lineno, result, warnings in prepared:
            if isinstance(result, ArticleError):
                self.report.rejected.append(Rejection(f"{name}:{lineno}", result))
                continue
            if warnings:
                self.report.warnings.extend(f"{name}:{lineno} {w}" for w in warnings)
            if result.id in self.ids or len(self.ids) >= BATCH:
                self.flush()
            self.ids.add(result.id)
            if isinstance(result, Deletion):
                self.deletions[result.id] = f"{name}:{lineno}"
            else:
                self.upserts.append(result)
        self.flush()

    def flush(self) -> None:
        if self.upserts:
            self.report.stored += self.store.upsert(self.upserts)
        if self.deletions:
            unknown = self.store.mark_deleted(list(self.deletions))
            self.report.deleted += len(self.deletions) - len(unknown)
            self.report.unknown += len(unknown)
            self.report.warnings.extend(f"{self.deletions[i]} id={shown_id(i)}: status: deleted, but the store has no such article" for i in unknown)
        self.upserts, self.deletions, self.ids = [], {}, set()


# -- preparing records (in this process or in workers) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class _Site:
    tz: tzinfo
    language: str
    now: datetime


def _prepared(name: str, stream: IO[bytes], site: _Site) -> Iterator[_Prepared]:
    """(line, store record, deletion or the record's error, warnings) for each record, in file order.

    Decoding, validating and serialising cost about three times what the store's SQL does,
    so an NDJSON input of :data:`PARALLEL_BYTES` or more (a file or a pipe alike) is prepared
    in worker processes while this one only reads blocks and writes batches; small inputs and
    JSON arrays stay in-process.
    """
    source = open_source(name, stream)
    if source is None:
        return
    if isinstance(source, Array):
        for lineno, value, suspect in array_records(name, source.start, source.data):
            yield _prepare(lineno, value, suspect, site)
        return
    for lineno, line in source.head:
        yield _prepare(*decode_line(lineno, line), site)
    rest = blocks(source.stream, source.next_line, _BLOCK_BYTES)
    first = _leading_blocks(rest, PARALLEL_BYTES if WORKERS > 0 else None)
    if WORKERS < 1 or sum(len(b) for _, b in first) < PARALLEL_BYTES:
        for block in itertools.chain(first, rest):
            yield from _prepare_block(block, site)
        return
    with multiprocessing.get_context("fork").Pool(WORKERS, _init_worker, (site,)) as pool:
        for prepared in pool.imap(_prepare_block_in_worker, itertools.chain(first, rest)):
            yield from prepared


def _leading_blocks(rest: Iterator[tuple[int, bytes]], enough: int | None) -> list[tuple[int, bytes]]:
    """The blocks read until *enough* bytes (or the end) show whether workers are worth starting:
    the size of a pipe is known only by reading it."""
    first: list[tuple[int, bytes]] = []
    size = 0
    while enough is not None and size < enough and (block := next(rest, None)) is not None:
        first.append(block)
        size += len(block[1])
    return first


_WORKER_SITE: _Site | None = None


def _init_worker(site: _Site) -> None:
    global _WORKER_SITE
    _WORKER_SITE = site


def _prepare_block_in_worker(block: tuple[int, bytes]) -> list[_Prepared]:
    assert _WORKER_SITE is not None, "set by the pool's initializer"
    return _prepare_block(block, _WORKER_SITE)


def _prepare_block(block: tuple[int, bytes], site: _Site) -> list[_Prepared]:
    return [_prepare(*decode_line(lineno, line), site) for lineno, line in block_lines(*block)]


def _prepare(lineno: int, value: object, suspect: bool, site: _Site) -> _Prepared:
    if isinstance(value, ArticleError):
        return lineno, value, []
    try:
        result, warnings = parse_record(value, site.tz, site.language, strip=suspect, now=site.now)
        return lineno, result if isinstance(result, Deletion) else to_record(result), warnings
    except ArticleError as e:
        return lineno, e, []
    except Exception as e:  # noqa: BLE001 -- a bug must cost one record, not the file; the fuzz test hunts these
        rid = value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), str) else None
        return lineno, ArticleError(rid, "(record)", f"cannot be processed ({type(e).__name__}); this is a feedhub bug, please report it"), []
