"""Getting articles in: NDJSON or JSON-array files → validated Articles → the store.

Bad records are reported with file, line, id, field and reason and skipped; every good
record is stored, in batched transactions, even when others fail.  Nothing a record holds
can stop the file: oversized, too deeply nested or unreadable records cost only themselves.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import IO

from .contract import Deletion, parse_record
from .errors import ArticleError, InputError, shown_id
from .rules.limits import MAX_DEPTH, MAX_RECORD_BYTES
from .rules.xmlchars import C0_NOT_XML
from .store import ArticleRecord, Store, UpsertResult, to_record

BATCH = 10_000
#: Worker processes that prepare records of a large file; none on a single core.  One per
#: core even though this process works too: it mostly waits on SQLite (2 cores: 9,700/s
#: with one worker, 12,900/s with two, on the benchmark corpus).
WORKERS = min(4, os.cpu_count() or 1) if (os.cpu_count() or 1) > 1 else 0
#: Files at least this large (about 2,000 articles) are prepared by the workers.
PARALLEL_BYTES = 4 * 1024 * 1024
#: How many leading lines may fail to be JSON before the file is judged not JSON at all.
SNIFF_LINES = 8
_CHUNK = 500
_BOM = b"\xef\xbb\xbf"
# Both start with a literal, so re finds them at memchr speed.
_ESCAPE_SUSPECT = re.compile(rb"\\(?:[bf]|u(?:00[01]|[dD][89a-fA-F]|[fF]{3}[eEfF]))")
_NONCHAR_UTF8 = re.compile(rb"\xef\xbf[\xbe\xbf]")
# A string (escapes included) or a bracket: enough to find where a JSON value ends without
# decoding it, to step over an array element json cannot decode.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SCALAR = re.compile(r"[^\s,\]]+")
_WS = re.compile(r"[ \t\r\n]*")
# What surrogateescape turns an undecodable byte into.
_UNDECODABLE = re.compile("[\udc80-\udcff]")

_HUGE_NUMBER = f"holds a number of more than {sys.get_int_max_str_digits():,} digits"

_Line = tuple[int, bytes]
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


# -- reading records ---------------------------------------------------------------------


def read_records(name: str, stream: IO[bytes]) -> Iterator[tuple[int, object, bool]]:
    """(line number, parsed JSON value or its ArticleError, may hold XML-illegal characters) for
    each record of an NDJSON or JSON-array byte stream.

    A record that is not UTF-8, not JSON, too big or too deep is yielded as an
    :class:`ArticleError` so the rest of the file still gets in; a file that is not JSON at all
    raises :class:`InputError`.  Lines stay bytes until json.loads: scanning bytes for what
    could be XML-illegal is several times cheaper than scanning decoded text.
    """
    source = _open_source(name, stream)
    if isinstance(source, _Array):
        yield from _array_records(name, source.start, source.data)
    elif source is not None:
        for lineno, line in [*source.head, *source.rest]:
            yield decode_line(lineno, line)


def _lines(stream: IO[bytes]) -> Iterator[_Line]:
    """Every line with its number; a UTF-8 byte order mark on line 1 removed."""
    for lineno, line in enumerate(stream, 1):
        yield lineno, line[len(_BOM) :] if lineno == 1 and line.startswith(_BOM) else line


def _nonblank(lines: Iterator[_Line]) -> Iterator[_Line]:
    return (item for item in lines if item[1].strip())


@dataclass(frozen=True, slots=True)
class _Array:
    #: The line the array starts on, and the file's bytes from there.
    start: int
    data: bytes


@dataclass(frozen=True, slots=True)
class _Ndjson:
    #: The lines read to decide the file is NDJSON, then the rest (non-blank only).
    head: list[_Line]
    rest: Iterator[_Line]


_Source = _Array | _Ndjson | None


def _open_source(name: str, stream: IO[bytes]) -> _Source:
    """Which kind of file *stream* is (JSON array or NDJSON), or None when it holds nothing.

    A first line starting with ``[`` is an array unless that line is a JSON value of its own
    and more lines follow (then it is one NDJSON record, rejected or not on its own merits).
    """
    lines = _lines(stream)
    first = next(_nonblank(lines), None)
    if first is None:
        return None
    if first[1].lstrip().startswith(b"["):
        second = next(_nonblank(lines), None)
        if second is None or not _whole_value(first[1]):
            tail = [_gap(first[0], second), second[1] if second else b"", *(line for _, line in lines)]
            return _Array(first[0], first[1] + b"".join(tail))
        return _Ndjson([first, second], _nonblank(lines))
    return _Ndjson(_sniff_ndjson(name, [first], _nonblank(lines)), _nonblank(lines))


def _gap(first: int, second: _Line | None) -> bytes:
    """The blank lines between the first two non-blank ones, so array line numbers stay true."""
    return b"\n" * (second[0] - first - 1) if second else b""


def _sniff_ndjson(name: str, head: list[_Line], lines: Iterator[_Line]) -> list[_Line]:
    """Read on until a line is JSON: a bad line among good ones costs that record, but a file
    none of whose first :data:`SNIFF_LINES` lines is JSON is not NDJSON at all."""
    while not _is_json(head[-1][1]):
        nxt = next(lines, None) if len(head) < SNIFF_LINES else None
        if nxt is None:
            try:
                head[0][1].decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{name}: not UTF-8 text") from None
            raise InputError(f"{name}: not JSON (expected one object per line or a JSON array)")
        head.append(nxt)
    return head


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line.decode("utf-8"), strict=False)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    except (RecursionError, ValueError):  # JSON, just too deep or with a huge number
        return True
    return True


def _whole_value(line: bytes) -> bool:
    """Whether *line* holds exactly one JSON value (however deep or large)."""
    try:
        text = line.decode("utf-8")
        json.loads(text, strict=False)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    except (RecursionError, ValueError):
        start = len(text) - len(text.lstrip())
        end = _value_end(text, start)
        return end is not None and not text[end:].strip()
    return True


def decode_line(lineno: int, line: bytes) -> tuple[int, object, bool]:
    """One NDJSON line: its JSON value, or an ArticleError saying why it cannot be one record."""
    if len(line) > MAX_RECORD_BYTES:
        return lineno, _record_error(line, f"is {len(line):,} bytes; at most {MAX_RECORD_BYTES:,} per record"), False
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        # One garbled line costs one record, not the file (nor what was already stored).
        return lineno, _record_error(line, "not UTF-8 text"), False
    value = _loads(text)
    if isinstance(value, _Unreadable):
        return lineno, _record_error(line, value.reason), False
    return lineno, value, may_hold_illegal(line)


@dataclass(frozen=True, slots=True)
class _Unreadable:
    reason: str


def _loads(text: str) -> object:
    """The JSON value of one record, or why json cannot read it."""
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError as e:
        return _Unreadable(f"not valid JSON: {e.msg} at column {e.colno}")
    except RecursionError:
        return _Unreadable(f"nested deeper than {MAX_DEPTH} levels")
    except ValueError:  # the only other: an integer past Python's conversion limit
        return _Unreadable(_HUGE_NUMBER)


def _record_error(line: bytes, reason: str) -> ArticleError:
    return ArticleError(_sniff_id(line), "(record)", reason)


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
    """The id of a broken record, when a plain ``"id": "..."`` is readable."""
    m = re.search(rb'"id"\s*:\s*"((?:[^"\\]|\\.){1,200})"', line)
    return m.group(1).decode("utf-8", "replace") if m else None


# -- JSON arrays ----------------------------------------------------------------------------


def _array_records(name: str, start: int, data: bytes) -> list[tuple[int, object, bool]]:
    """Each element of a JSON array with the line it starts on; an element json cannot decode
    (too deep, a huge number, not UTF-8) costs that element only.  A syntax error stops the
    file before anything is stored: after one, where the next element starts is a guess."""
    return list(_array_elements(name, start, data))


def _array_elements(name: str, start: int, data: bytes) -> Iterator[tuple[int, object, bool]]:
    try:
        text, garbled = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, garbled = data.decode("utf-8", "surrogateescape"), True
    decoder = json.JSONDecoder(strict=False)
    pos = _skip_ws(text, text.index("[") + 1)
    lineno, counted = start, 0
    while pos < len(text) and text[pos] != "]":
        lineno, counted = lineno + text.count("\n", counted, pos), pos
        end, value = _array_element(name, decoder, text, pos, start)
        if garbled and _UNDECODABLE.search(text, pos, end):
            value = ArticleError(_sniff_id(text[pos:end].encode("utf-8", "replace")), "(record)", "not UTF-8 text")
        yield lineno, _checked_element(text[pos:end], value), True
        pos = _after_element(name, text, end, start)
    if pos >= len(text) or text[pos + 1 :].strip():
        where = start + text.count("\n", 0, min(pos, len(text) - 1))
        raise InputError(f"{name}:{where}: not valid JSON: " + ("Expecting ']'" if pos >= len(text) else "Extra data"))


def _array_element(name: str, decoder: json.JSONDecoder, text: str, pos: int, start: int) -> tuple[int, object]:
    """(end, value) of the element at *pos*; the value is an ArticleError json could not decode."""
    try:
        value, end = decoder.raw_decode(text, pos)
    except json.JSONDecodeError as e:
        raise InputError(f"{name}:{e.lineno + start - 1}: not valid JSON: {e.msg}") from None
    except (RecursionError, ValueError) as e:
        skip = _value_end(text, pos)
        if skip is None:
            raise InputError(f"{name}:{start + text.count(chr(10), 0, pos)}: not valid JSON: an element never ends") from None
        reason = f"nested deeper than {MAX_DEPTH} levels" if isinstance(e, RecursionError) else _HUGE_NUMBER
        return skip, ArticleError(_sniff_id(text[pos:skip][:4096].encode("utf-8", "replace")), "(record)", reason)
    return end, value


def _checked_element(span: str, value: object) -> object:
    """The element's value, or why it cannot be a record (its size)."""
    if isinstance(value, ArticleError):
        return value
    size = len(span) if len(span) * 4 <= MAX_RECORD_BYTES else len(span.encode("utf-8", "surrogatepass"))
    if size > MAX_RECORD_BYTES:
        return ArticleError(_sniff_id(span[:4096].encode("utf-8", "replace")), "(record)", f"is {size:,} bytes; at most {MAX_RECORD_BYTES:,} per record")
    return value


def _after_element(name: str, text: str, end: int, start: int) -> int:
    pos = _skip_ws(text, end)
    if pos < len(text) and text[pos] == ",":
        return _skip_ws(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        return pos
    raise InputError(f"{name}:{start + text.count(chr(10), 0, pos)}: not valid JSON: expected ',' or ']'")


def _skip_ws(text: str, pos: int) -> int:
    m = _WS.match(text, pos)
    return m.end() if m else pos


def _value_end(text: str, pos: int) -> int | None:
    """Where the JSON value starting at *pos* ends, by brackets and strings alone; None if never."""
    if text[pos] not in '[{"':
        m = _SCALAR.match(text, pos)
        return m.end() if m else None
    depth = 0
    for m in _TOKEN.finditer(text, pos):
        token = m.group()
        if token[0] != '"':
            depth += 1 if token in "[{" else -1
        if depth == 0:
            return m.end()
    return None


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
                _read_file(path, _open_source)
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
        for lineno, result, warnings in prepared:
            where = f"{name}:{lineno}"
            if isinstance(result, ArticleError):
                self.report.rejected.append(Rejection(where, result))
                continue
            self.report.warnings.extend(f"{where} {w}" for w in warnings)
            if result.id in self.ids or len(self.ids) >= BATCH:
                self.flush()
            self.ids.add(result.id)
            if isinstance(result, Deletion):
                self.deletions[result.id] = where
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

    Decoding, validating and serialising cost about twice what the store's SQL does, so
    a large NDJSON file is prepared in worker processes while this one only reads lines
    and writes batches; small files, JSON arrays and pipes stay in-process.
    """
    source = _open_source(name, stream)
    if source is None:
        return
    if isinstance(source, _Array):
        for lineno, value, suspect in _array_records(name, source.start, source.data):
            yield _prepare(lineno, value, suspect, site)
        return
    for lineno, line in source.head:
        yield _prepare(*decode_line(lineno, line), site)
    if not _worth_workers(stream):
        for lineno, line in source.rest:
            yield _prepare(*decode_line(lineno, line), site)
        return
    with multiprocessing.get_context("fork").Pool(WORKERS, _init_worker, (site,)) as pool:
        for prepared in pool.imap(_prepare_chunk, _chunks(source.rest)):
            yield from prepared


def _worth_workers(stream: IO[bytes]) -> bool:
    if WORKERS < 1:
        return False
    try:
        return os.fstat(stream.fileno()).st_size >= PARALLEL_BYTES
    except (OSError, ValueError, io.UnsupportedOperation):
        return False  # a pipe or an in-memory stream: size unknown, stay in-process


def _chunks(lines: Iterator[_Line]) -> Iterator[list[_Line]]:
    chunk: list[_Line] = []
    for item in lines:
        chunk.append(item)
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_WORKER_SITE: _Site | None = None


def _init_worker(site: _Site) -> None:
    global _WORKER_SITE
    _WORKER_SITE = site


def _prepare_chunk(chunk: list[_Line]) -> list[_Prepared]:
    assert _WORKER_SITE is not None, "set by the pool's initializer"
    site = _WORKER_SITE
    return [_prepare(*decode_line(lineno, line), site) for lineno, line in chunk]


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
