"""Getting articles in: NDJSON or JSON-array files → validated Articles → the store.

Bad records are reported with file, line, id, field and reason and skipped;
every good record is stored, in batched transactions, even when others fail.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import IO, Callable, Iterable, Iterator

from .rules.xmlchars import C0_NOT_XML
from .contract import parse_article
from .errors import ArticleError, InputError
from .store import ArticleRecord, Store, UpsertResult, to_record

BATCH = 10_000
#: Worker processes that prepare records of a large file; none on a single core.  One per
#: core even though this process works too: it mostly waits on SQLite (2 cores: 9,700/s
#: with one worker, 12,900/s with two, on the benchmark corpus).
WORKERS = min(4, os.cpu_count() or 1) if (os.cpu_count() or 1) > 1 else 0
#: Files at least this large (about 2,000 articles) are prepared by the workers.
PARALLEL_BYTES = 4 * 1024 * 1024
_CHUNK = 500
_BOM = b"\xef\xbb\xbf"
# Both start with a literal, so re finds them at memchr speed.
_ESCAPE_SUSPECT = re.compile(rb"\\(?:[bf]|u(?:00[01]|[dD][89a-fA-F]|[fF]{3}[eEfF]))")
_NONCHAR_UTF8 = re.compile(rb"\xef\xbf[\xbe\xbf]")


_Prepared = tuple[int, "ArticleRecord | ArticleError", list[str]]


@dataclass(frozen=True, slots=True)
class Rejection:
    #: ``articles.ndjson:17`` — where the record starts.
    where: str
    error: ArticleError

    def __str__(self) -> str:
        return f"{self.where} {self.error}"


@dataclass(slots=True)
class IngestReport:
    stored: UpsertResult = field(default_factory=UpsertResult)
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ingested(self) -> int:
        s = self.stored
        return s.new + s.updated + s.unchanged

    def summary(self) -> str:
        s = self.stored
        return (
            f"ingested {self.ingested} (new {s.new}, updated {s.updated}, unchanged {s.unchanged}), "
            f"rejected {len(self.rejected)}"
        )


def read_records(name: str, stream: IO[bytes]) -> Iterator[tuple[int, object, bool]]:
    """(line number, parsed JSON value, may hold XML-illegal characters) for each record
    of an NDJSON or JSON-array byte stream.

    A record that is not UTF-8 or not valid JSON is yielded as an :class:`ArticleError`
    so the rest of an NDJSON file still gets in; a file that is not JSON at all raises
    :class:`InputError`.  Lines stay bytes until json.loads: scanning bytes for what
    could be XML-illegal is several times cheaper than scanning decoded text.
    """
    head = _head(stream)
    if head is None:
        return
    start, first, rest = head
    if first.lstrip().startswith(b"["):
        yield from _array_records(name, start, first + b"".join(rest))
        return
    yield _first_record(name, start, first)
    for lineno, line in enumerate(rest, start + 1):
        if line.strip():
            yield decode_line(lineno, line)


def _head(stream: IO[bytes]) -> tuple[int, bytes, Iterator[bytes]] | None:
    """(line number, text) of the first non-blank line, and the lines after it."""
    lines = iter(stream)
    for lineno, line in enumerate(lines, 1):
        if lineno == 1 and line.startswith(_BOM):
            line = line[len(_BOM):]
        if line.strip():
            return lineno, line, lines
    return None


def _array_records(name: str, start: int, data: bytes) -> Iterator[tuple[int, object, bool]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    try:
        values = json.loads(text, strict=False)
    except json.JSONDecodeError as e:
        raise InputError(f"{name}:{e.lineno + start - 1}: not valid JSON: {e.msg}") from None
    line_of = _array_lines(text, len(values))
    for i, v in enumerate(values):
        yield line_of[i] + start - 1, v, True


def _first_record(name: str, lineno: int, line: bytes) -> tuple[int, object, bool]:
    """The first NDJSON line decides whether the file is JSON at all."""
    record = decode_line(lineno, line)
    if isinstance(record[1], ArticleError):
        if record[1].reason == "not UTF-8 text":
            raise InputError(f"{name}: not UTF-8 text")
        if not line.lstrip().startswith(b"{"):
            raise InputError(f"{name}: not JSON (expected one object per line or a JSON array)")
    return record


def decode_line(lineno: int, line: bytes) -> tuple[int, object, bool]:
    """One NDJSON line: its JSON value, or an ArticleError when it is not UTF-8 or not JSON."""
    try:
        value = json.loads(line.decode("utf-8"), strict=False)
    except UnicodeDecodeError:
        # One garbled line costs one record, not the file (nor what was already stored).
        return lineno, ArticleError(_sniff_id(line), "(record)", "not UTF-8 text"), False
    except json.JSONDecodeError as e:
        return lineno, ArticleError(_sniff_id(line), "(record)", f"not valid JSON: {e.msg} at column {e.colno}"), False
    return lineno, value, may_hold_illegal(line)


def may_hold_illegal(line: bytes) -> bool:
    """Whether a raw JSON line can decode to a character XML 1.0 forbids.

    Raw C0 controls (ingest reads JSON with strict=False, so they are stripped with a
    warning rather than fatal), U+FFFE/U+FFFF in UTF-8, and the \\b, \\f and \\u
    escapes of those and of lone surrogates (pairs are fine but rare).  Lines it
    clears skip the per-field search in :func:`feedhub.contract.parse_article`.
    """
    return (
        len(line.translate(None, C0_NOT_XML)) != len(line)
        or _ESCAPE_SUSPECT.search(line) is not None
        or _NONCHAR_UTF8.search(line) is not None
    )


def _sniff_id(line: bytes) -> str | None:
    """The id of a broken NDJSON line, when a plain ``"id": "..."`` is readable."""
    m = re.search(rb'"id"\s*:\s*"((?:[^"\\]|\\.){1,200})"', line)
    return m.group(1).decode("utf-8", "replace") if m else None


def _array_lines(text: str, n: int) -> list[int]:
    """Line where each top-level element of a JSON array starts (for error messages)."""
    decoder = json.JSONDecoder(strict=False)
    lines, pos = [], text.index("[") + 1
    for _ in range(n):
        while text[pos] in " \t\r\n,":
            pos += 1
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)
    return lines


def ingest_files(paths: Iterable[str], store: Store, site_tz: tzinfo, site_language: str) -> IngestReport:
    """Validate and store every record of *paths* (``-`` is stdin)."""
    report = IngestReport()
    paths = list(paths)
    if len(paths) > 1:
        # A missing or non-JSON file fails the command before anything is stored.
        for path in paths:
            if path != "-":
                _read_file(path, lambda name, stream: next(read_records(name, stream), None))
    for path in paths:
        _read_file(path, lambda name, stream: _ingest_stream(name, stream, store, site_tz, site_language, report))
    return report


def _read_file(path: str, use: Callable[[str, IO[bytes]], object]) -> None:
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            # A text stream without a byte buffer (a test's StringIO) is read whole.
            stream = getattr(sys.stdin, "buffer", None) or io.BytesIO(sys.stdin.read().encode("utf-8", "surrogatepass"))
        else:
            stream = open(path, "rb")
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


def _ingest_stream(name: str, stream: IO[bytes], store: Store, tz: tzinfo, lang: str, report: IngestReport) -> None:
    batch: list[ArticleRecord] = []
    ids: set[str] = set()
    for lineno, result, warnings in _prepared(name, stream, tz, lang):
        if isinstance(result, ArticleError):
            report.rejected.append(Rejection(f"{name}:{lineno}", result))
            continue
        report.warnings.extend(f"{name}:{lineno} {w}" for w in warnings)
        if result.id in ids or len(batch) >= BATCH:
            # One version per id per transaction keeps new/updated counts honest.
            report.stored += store.upsert(batch)
            batch, ids = [], set()
        batch.append(result)
        ids.add(result.id)
    if batch:
        report.stored += store.upsert(batch)


def _prepared(name: str, stream: IO[bytes], tz: tzinfo, lang: str) -> Iterator[_Prepared]:
    """(line, store record or the record's error, strip warnings) for each record, in file order.

    Decoding, validating and serialising cost about twice what the store's SQL does, so
    a large NDJSON file is prepared in worker processes while this one only reads lines
    and writes batches; small files, JSON arrays and pipes stay in-process.
    """
    if not _worth_workers(stream):
        for lineno, value, suspect in read_records(name, stream):
            yield _prepare(lineno, value, suspect, tz, lang)
        return
    head = _head(stream)
    if head is None:
        return
    start, first, rest = head
    if first.lstrip().startswith(b"["):
        for lineno, value, suspect in _array_records(name, start, first + b"".join(rest)):
            yield _prepare(lineno, value, suspect, tz, lang)
        return
    yield _prepare(*_first_record(name, start, first), tz, lang)
    with multiprocessing.get_context("fork").Pool(WORKERS, _init_worker, (tz, lang)) as pool:
        for prepared in pool.imap(_prepare_chunk, _chunks(rest, start + 1)):
            yield from prepared


def _worth_workers(stream: IO[bytes]) -> bool:
    if WORKERS < 1:
        return False
    try:
        return os.fstat(stream.fileno()).st_size >= PARALLEL_BYTES
    except (OSError, ValueError, io.UnsupportedOperation):
        return False  # a pipe or an in-memory stream: size unknown, stay in-process


def _chunks(lines: Iterator[bytes], start: int) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for lineno, line in enumerate(lines, start):
        if line.strip():
            chunk.append((lineno, line))
            if len(chunk) >= _CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


_WORKER_SITE: tuple[tzinfo, str] | None = None


def _init_worker(tz: tzinfo, lang: str) -> None:
    global _WORKER_SITE
    _WORKER_SITE = (tz, lang)


def _prepare_chunk(chunk: list[tuple[int, bytes]]) -> list[_Prepared]:
    assert _WORKER_SITE is not None
    tz, lang = _WORKER_SITE
    return [_prepare(*decode_line(lineno, line), tz, lang) for lineno, line in chunk]


def _prepare(lineno: int, value: object, suspect: bool, tz: tzinfo, lang: str) -> _Prepared:
    if isinstance(value, ArticleError):
        return lineno, value, []
    try:
        article, warnings = parse_article(value, tz, lang, strip=suspect)
    except ArticleError as e:
        return lineno, e, []
    return lineno, to_record(article), warnings
