"""Getting articles in: NDJSON or JSON-array files → validated Articles → the store.

Bad records are reported with file, line, id, field and reason and skipped;
every good record is stored, in batched transactions, even when others fail.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import IO, Callable, Iterable, Iterator

from .contract import parse_article
from .errors import ArticleError, InputError
from .model import Article
from .store import Store, UpsertResult

BATCH = 2000
# Files are decoded with surrogateescape: bytes that are not UTF-8 show up as these
# code points, so a bad line can be rejected on its own.
_BAD_BYTES = re.compile("[\udc80-\udcff]")


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


def read_records(name: str, stream: IO[str]) -> Iterator[tuple[int, object]]:
    """(line number, parsed JSON value) for each record of an NDJSON or JSON-array stream.

    A record that is not valid JSON is yielded as an :class:`ArticleError` so
    the rest of an NDJSON file still gets in; a file that is not JSON at all
    raises :class:`InputError`.
    """
    head = ""
    skipped = 0  # lines before the first character, so reported line numbers stay true
    while True:
        ch = stream.read(1)
        if ch == "\n":
            skipped += 1
        if not ch or not (ch.isspace() or ch == "\ufeff"):  # U+FEFF: a byte order mark
            head = ch
            break
    if head == "[":
        text = head + stream.read()
        if _BAD_BYTES.search(text):
            raise InputError(f"{name}: not UTF-8 text") from None
        try:
            values = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"{name}:{e.lineno + skipped}: not valid JSON: {e.msg}") from None
        line_of = _array_lines(text, len(values))
        for i, v in enumerate(values):
            yield line_of[i] + skipped, v
        return
    if head == "":
        return
    lines: Iterable[str] = _prepend(head, stream)
    first = 1 + skipped
    for lineno, line in enumerate(lines, first):
        if not line.strip():
            continue
        if _BAD_BYTES.search(line):
            if lineno == first:
                raise InputError(f"{name}: not UTF-8 text")
            # One garbled line costs one record, not the file (nor what was already stored).
            yield lineno, ArticleError(_sniff_id(line), "(record)", "not UTF-8 text")
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            if lineno == first and not line.lstrip().startswith("{"):
                raise InputError(f"{name}: not JSON (expected one object per line or a JSON array)") from None
            yield lineno, ArticleError(_sniff_id(line), "(record)", f"not valid JSON: {e.msg} at column {e.colno}")
            continue
        yield lineno, value


def _prepend(head: str, stream: IO[str]) -> Iterator[str]:
    first = stream.readline()
    yield head + first
    yield from stream


def _sniff_id(line: str) -> str | None:
    """The id of a broken NDJSON line, when a plain ``"id": "..."`` is readable."""
    m = re.search(r'"id"\s*:\s*"((?:[^"\\]|\\.){1,200})"', line)
    return m.group(1) if m else None


def _array_lines(text: str, n: int) -> list[int]:
    """Line where each top-level element of a JSON array starts (for error messages)."""
    decoder = json.JSONDecoder()
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


def _read_file(path: str, use: Callable[[str, IO[str]], object]) -> None:
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            if hasattr(sys.stdin, "reconfigure"):  # a real text stream, not a test's StringIO
                sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape")
            stream = sys.stdin
        else:
            stream = open(path, encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror}") from None
    try:
        use(name, stream)
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    finally:
        if stream is not sys.stdin:
            stream.close()


def _ingest_stream(name: str, stream: IO[str], store: Store, tz: tzinfo, lang: str, report: IngestReport) -> None:
    batch: list[Article] = []
    ids: set[str] = set()
    for lineno, value in read_records(name, stream):
        if isinstance(value, ArticleError):
            report.rejected.append(Rejection(f"{name}:{lineno}", value))
            continue
        try:
            article, warnings = parse_article(value, tz, lang)
        except ArticleError as e:
            report.rejected.append(Rejection(f"{name}:{lineno}", e))
            continue
        report.warnings.extend(f"{name}:{lineno} {w}" for w in warnings)
        if article.id in ids or len(batch) >= BATCH:
            # One version per id per transaction keeps new/updated counts honest.
            report.stored += store.upsert(batch)
            batch, ids = [], set()
        batch.append(article)
        ids.add(article.id)
    if batch:
        report.stored += store.upsert(batch)
