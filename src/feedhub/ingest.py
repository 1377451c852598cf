"""Getting articles in: NDJSON or JSON-array files → validated Articles → the store.

Bad records are reported with file, line, id, field and reason and skipped;
every good record is stored, in batched transactions, even when others fail.
"""

from __future__ import annotations

import io
import itertools
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

BATCH = 10_000
_BOM = b"\xef\xbb\xbf"
_C0_ILLEGAL = bytes(c for c in range(32) if c not in (9, 10, 13))
# Both start with a literal, so re finds them at memchr speed.
_ESCAPE_SUSPECT = re.compile(rb"\\(?:[bf]|u(?:00[01]|[dD][89a-fA-F]|[fF]{3}[eEfF]))")
_NONCHAR_UTF8 = re.compile(rb"\xef\xbf[\xbe\xbf]")


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
    lines = iter(stream)
    lineno, first = 0, b""
    for first in lines:
        lineno += 1
        if lineno == 1 and first.startswith(_BOM):
            first = first[len(_BOM):]
        if first.strip():
            break
    else:
        return
    if first.lstrip().startswith(b"["):
        data = first + b"".join(lines)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{name}: not UTF-8 text") from None
        try:
            values = json.loads(text, strict=False)
        except json.JSONDecodeError as e:
            raise InputError(f"{name}:{e.lineno + lineno - 1}: not valid JSON: {e.msg}") from None
        line_of = _array_lines(text, len(values))
        for i, v in enumerate(values):
            yield line_of[i] + lineno - 1, v, True
        return
    start = lineno
    for lineno, line in enumerate(itertools.chain((first,), lines), start):
        if not line.strip():
            continue
        try:
            value = json.loads(line.decode("utf-8"), strict=False)
        except UnicodeDecodeError:
            if lineno == start:
                raise InputError(f"{name}: not UTF-8 text") from None
            # One garbled line costs one record, not the file (nor what was already stored).
            yield lineno, ArticleError(_sniff_id(line), "(record)", "not UTF-8 text"), False
        except json.JSONDecodeError as e:
            if lineno == start and not line.lstrip().startswith(b"{"):
                raise InputError(f"{name}: not JSON (expected one object per line or a JSON array)") from None
            yield lineno, ArticleError(_sniff_id(line), "(record)", f"not valid JSON: {e.msg} at column {e.colno}"), False
        else:
            yield lineno, value, may_hold_illegal(line)


def may_hold_illegal(line: bytes) -> bool:
    """Whether a raw JSON line can decode to a character XML 1.0 forbids.

    Raw C0 controls (ingest reads JSON with strict=False, so they are stripped with a
    warning rather than fatal), U+FFFE/U+FFFF in UTF-8, and the \\b, \\f and \\u
    escapes of those and of lone surrogates (pairs are fine but rare).  Lines it
    clears skip the per-field search in :func:`feedhub.contract.parse_article`.
    """
    return (
        len(line.translate(None, _C0_ILLEGAL)) != len(line)
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
    batch: list[Article] = []
    ids: set[str] = set()
    for lineno, result, warnings in _parsed(name, stream, tz, lang):
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


def _parsed(name: str, stream: IO[bytes], tz: tzinfo, lang: str) -> Iterator[tuple[int, Article | ArticleError, list[str]]]:
    """(line, article or its error, strip warnings) for each record, in file order."""
    for lineno, value, suspect in read_records(name, stream):
        if isinstance(value, ArticleError):
            yield lineno, value, []
            continue
        try:
            yield (lineno, *parse_article(value, tz, lang, strip=suspect))
        except ArticleError as e:
            yield lineno, e, []
