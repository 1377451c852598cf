"""What an IRI and an IRI reference are (RFC 3987 §2.2, on RFC 3986 §3 and §4.1).

Atom (RFC 4287 §3.2.2, §4.2.6, §4.2.7.1 ...) and RSS links may hold any scheme, not only
http(s): ``mailto:``, ``ftp:``, ``tag:`` and ``urn:`` are all fine.  The value is checked as
written: white space around it is not part of an IRI.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from urllib.parse import urlsplit

#: RFC 3987 ``ucschar`` and ``iprivate`` (the latter is only meant for the query; allowed
#: anywhere here, a leniency no reader trips on), plus the ASCII ``unreserved``, ``reserved``
#: and "%" of RFC 3986.
_IRI_CHARS = (
    r"A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%"
    "\u00a0-\ud7ff\ue000-\ufdcf\ufdf0-\uffef\U00010000-\U0010fffd"
)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: RFC 3986 §3.1.
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_PORT = re.compile(r"[0-9]*")


def _fast_pattern(absolute: bool) -> str:
    """The usual IRI reference, in one regex (RFC 3987 §2.2's grammar, a strict subset of it).

    Only what it cannot match takes the slow path in :func:`iri_problem`, which explains why.
    """
    u = r"A-Za-z0-9\-._~!$&'()*+,;=" + "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U000efffd"
    def run(chars: str) -> str:
        # chars* with %XX escapes among them, unrolled and possessive (no backtracking):
        # several times faster than (?:[…]|%XX)* in re.
        return rf"[{chars}]*+(?:%[0-9A-Fa-f]{{2}}[{chars}]*+)*+"

    path = run(u + ":@/")
    authority = rf"//(?:{run(u + ':')}@)?{run(u)}(?::[0-9]*)?(?:/{path})?"
    tail = rf"(?:\?{run(u + ':@/?')})?(?:#{run(u + ':@/?')})?"
    first = rf"(?=[^:/?#]){run(u + '@')}"  # a relative reference's first segment has no ":"
    iri = rf"[A-Za-z][A-Za-z0-9+.-]*:(?:{authority}|(?!//){path}){tail}"
    return iri if absolute else rf"{iri}|(?:{authority}|/(?!/){path}|{first}(?:/{path})?|){tail}"


# Compiled on first use: their character classes span most of Unicode and cost every process
# that imports the validator (every `feedhub` command, through the config's formats) ~0.1 s.
@cache
def fast(absolute: bool) -> re.Pattern[str]:
    """The one-regex path of :func:`iri_problem`: what it fully matches is an IRI (reference)."""
    return re.compile(_fast_pattern(absolute))


@cache
def not_iri_char() -> re.Pattern[str]:
    """A character no IRI may hold."""
    return re.compile(f"[^{_IRI_CHARS}]")


# A feed repeats its URLs (an RSS item's link is often its guid too, and the Atom feed's
# alternate link; one article is in several feeds), and each check is a regex over the
# whole value: the answers are remembered.
@lru_cache(maxsize=8192)
def iri_problem(value: str, *, absolute: bool = False) -> str | None:
    """Why *value* is not an IRI reference (an IRI when *absolute*); None when it is one."""
    if fast(absolute).fullmatch(value):
        return None
    bad = not_iri_char().search(value)
    if bad:
        ch = bad.group(0)
        return f"holds {ch!r} (U+{ord(ch):04X}), which an IRI may not contain (RFC 3987 §2.2)"
    if _BAD_ESCAPE.search(value):
        return "has a '%' that does not start a %XX escape (RFC 3987 §2.2)"
    head = re.split(r"[/?#]", value, maxsplit=1)[0]
    if ":" in head and not SCHEME.fullmatch(head.split(":", 1)[0]):
        return f"{head.split(':', 1)[0]!r} is not a scheme, and a relative reference cannot have ':' in its first segment (RFC 3986 §3.1, §4.2)"
    if absolute and ":" not in head:
        return "is relative; an absolute IRI starts with a scheme such as https: or tag: (RFC 3987 §2.2)"
    return _structure_problem(value)


def _structure_problem(value: str) -> str | None:
    """What urlsplit cannot read: brackets outside the host, a second '#', a port that is not a number."""
    try:
        parts = urlsplit(value)
        port = parts.netloc.rpartition("]")[2].rpartition("@")[2]
        port = port.rpartition(":")[2] if ":" in port else ""
    except ValueError as e:
        return f"cannot be parsed: {e} (RFC 3986 §3.2.2)"
    if "#" in parts.fragment:
        return "has a second '#' (RFC 3986 §3.5)"
    if any(c in rest for rest in (parts.path, parts.query, parts.fragment) for c in "[]"):
        return "has '[' or ']' outside an IP-literal host (RFC 3986 §3.2.2)"
    if not _PORT.fullmatch(port):
        return f"port {port!r} is not a number (RFC 3986 §3.2.3)"
    return None
