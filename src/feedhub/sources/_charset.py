"""Bytes of a page → text, refusing what is not HTML or not in the charset it claims.

The charset comes from a byte-order mark, else the HTTP header, else ``<meta charset>`` or
``http-equiv`` in the first 4 KiB, else UTF-8 (HTML's default for new pages).  ``ISO-8859-1``
and ``US-ASCII`` are read as windows-1252, as browsers do (WHATWG Encoding).
"""

from __future__ import annotations

import codecs
import re

from ..errors import ArticleError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_LOOKS_HTML = re.compile(r"<(?:!doctype\s+html|html|head|body|meta|title|article|main|div|p|h1)\b", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "windows-1252", "cp1252"})


def _error(reason: str) -> ArticleError:
    return ArticleError(None, "(page)", reason)


def declared_charset(data: bytes, http_charset: str | None) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if http_charset:
        return http_charset.strip().lower()
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else "utf-8"


def decode_page(data: bytes, http_charset: str | None = None) -> str:
    if b"\0" in data[:1024] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _error("not an HTML page (binary data)")
    charset = declared_charset(data, http_charset)
    codec = "cp1252" if charset in _WINDOWS_1252_LABELS else charset
    try:
        codecs.lookup(codec)
    except LookupError:
        raise _error(f"unknown charset {charset!r}") from None
    if codec == "cp1252" and not data.isascii() and _is_utf8(data):
        # The classic mojibake: UTF-8 bytes labelled Latin-1 would import "â€œ" for a curly quote.
        raise _error(f"declares charset {charset} but the bytes are UTF-8; wrong charset?")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        raise _error(f"not {charset} text as the page declares (byte 0x{data[e.start]:02x} at offset {e.start}); wrong charset?") from None
    text = text.removeprefix("\ufeff")
    if not _LOOKS_HTML.search(text[:4096]):
        raise _error("not an HTML page (no HTML tags at the start)")
    return text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
