"""Characters XML 1.0 can carry (https://www.w3.org/TR/xml/#charsets), and escaping."""

from __future__ import annotations

import re

#: Characters XML 1.0 §2.2 forbids outright: C0 controls but tab, LF and CR; U+FFFE, U+FFFF;
#: lone surrogates (a str can hold them, UTF-8 cannot).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: The same set as bytes, for scanning raw input before decoding (surrogates cannot be in valid UTF-8,
#: and U+FFFE/U+FFFF are multi-byte, so only the C0 controls are single bytes).
C0_NOT_XML = bytes(c for c in range(32) if c not in (9, 10, 13))
#: libxml2's XML_MAX_TEXT_LENGTH: the longest text node lxml (our validator), feedparser and most
#: readers parse without ``huge_tree``.  Measured on the escaped UTF-8 text, the larger form.
MAX_TEXT_BYTES = 10_000_000


def has_bad_chars(text: str) -> bool:
    """True when *text* holds characters XML 1.0 cannot carry at all."""
    return NOT_XML.search(text) is not None


def strip_bad_chars(text: str) -> str:
    return NOT_XML.sub("", text)


def escape(text: str) -> str:
    """Entity-escape ``& < > " '`` for element content or attribute values.

    The caller has already removed characters XML cannot carry (:func:`strip_bad_chars`).
    ``]]>`` needs nothing more: its ``>`` becomes ``&gt;``.
    """
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "'" in text:
        text = text.replace("'", "&apos;")
    return text
