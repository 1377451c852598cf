"""Reading an input: NDJSON or a JSON array of bytes → (line, JSON value or its ArticleError).

A record that is not UTF-8, not JSON, too big or too deep costs only itself; a file that is not
JSON at all raises :class:`InputError`.  Lines stay bytes until json.loads: scanning bytes for
what could be XML-illegal is several times cheaper than scanning decoded text.  An NDJSON file
after its first lines is read in :func:`blocks` of whole lines, which a worker process splits
itself: handing it one bytes object instead of a list of lines keeps the reading process free.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from .errors import ArticleError, InputError
from .rules.limits import MAX_DEPTH, MAX_RECORD_BYTES
from .rules.xmlchars import C0_NOT_XML

#: How many leading lines may fail to be JSON before the file is judged not JSON at all.
SNIFF_LINES = 8
#: Bytes per block of whole lines (about a hundred articles).
BLOCK_BYTES = 256 * 1024
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

# json.loads with strict=False builds a new decoder (and scanner) per call: a tenth of decoding a record.
_DECODE = json.JSONDecoder(strict=False).decode
_HUGE_NUMBER = f"holds a number of more than {sys.get_int_max_str_digits():,} digits"

_Line = tuple[int, bytes]


# -- reading records ---------------------------------------------------------------------


def read_records(name: str, stream: IO[bytes]) -> Iterator[tuple[int, object, bool]]:
    """(line number, parsed JSON value or its ArticleError, may hold XML-illegal characters) for
    each record of an NDJSON or JSON-array byte stream.

    A record that is not UTF-8, not JSON, too big or too deep is yielded as an
    :class:`ArticleError` so the rest of the file still gets in; a file that is not JSON at all
    raises :class:`InputError`.  Lines stay bytes until json.loads: scanning bytes for what
    could be XML-illegal is several times cheaper than scanning decoded text.
    """
    source = open_source(name, stream)
    if isinstance(source, Array):
        yield from array_records(name, source.start, source.data)
    elif source is not None:
        for lineno, line in source.head:
            yield decode_line(lineno, line)
        for start, block in blocks(source.stream, source.next_line):
            yield from (decode_line(lineno, line) for lineno, line in block_lines(start, block))


def _lines(stream: IO[bytes]) -> Iterator[_Line]:
    """Every line with its number; a UTF-8 byte order mark on line 1 removed."""
    for lineno, line in enumerate(stream, 1):
        yield lineno, line[len(_BOM) :] if lineno == 1 and line.startswith(_BOM) else line


def _nonblank(lines: Iterator[_Line]) -> Iterator[_Line]:
    return (item for item in lines if item[1].strip())


@dataclass(frozen=True, slots=True)
class Array:
    #: The line the array starts on, and the file's bytes from there.
    start: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Ndjson:
    #: The non-blank lines read to decide the file is NDJSON.
    head: list[_Line]
    #: The rest of the input, starting at line *next_line* (read it with :func:`blocks`).
    stream: IO[bytes]
    next_line: int


Source = Array | Ndjson | None


def open_source(name: str, stream: IO[bytes]) -> Source:
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
            return Array(first[0], first[1] + b"".join(tail))
        return Ndjson([first, second], stream, second[0] + 1)
    head = _sniff_ndjson(name, [first], _nonblank(lines))
    return Ndjson(head, stream, head[-1][0] + 1)


def blocks(stream: IO[bytes], first_line: int, size: int = BLOCK_BYTES) -> Iterator[tuple[int, bytes]]:
    """(number of its first line, whole lines) of about *size* bytes each, to the end of *stream*.

    A line longer than *size* makes its block longer: a record is never cut (it is judged by
    :func:`decode_line`, over-long ones included).
    """
    pending: list[bytes] = []
    while chunk := stream.read(size):
        cut = chunk.rfind(b"\n") + 1
        if not cut:
            pending.append(chunk)
            continue
        block = b"".join([*pending, chunk[:cut]]) if pending else chunk[:cut]
        pending = [chunk[cut:]] if cut < len(chunk) else []
        yield first_line, block
        first_line += block.count(b"\n")
    if pending:
        yield first_line, b"".join(pending)


def block_lines(first_line: int, block: bytes) -> Iterator[_Line]:
    """The non-blank lines of a block, numbered; split as iterating the file would split them."""
    return ((n, line) for n, line in enumerate(io.BytesIO(block), first_line) if line.strip())


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
        return _DECODE(text)
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


def array_records(name: str, start: int, data: bytes) -> list[tuple[int, object, bool]]:
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
