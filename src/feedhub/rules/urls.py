"""What a valid article URL is, and how an IRI is written as a URI (RFC 3986, RFC 3987 §3.1).

The import contract accepts exactly the URLs every output can carry, so an accepted article
never loses a document at the gate.  Feeds and sitemaps both write :func:`to_uri` of a URL.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

#: sitemaps.org: "This value must be less than 2,048 characters", measured on the URI form
#: (what a parser of the written file sees).  Feeds have no limit of their own; one limit for
#: every output keeps an article in all of them or none.
MAX_URL = 2047
#: sitemap.xsd ``tLoc`` minLength.
MIN_LOC = 12
#: Anything that may not appear literally in a URI (RFC 3986): controls, space, non-ASCII,
#: ``"<>\\^`{|}`` and the brackets (legal only around an IPv6 host, handled by the slow path).
NOT_URI = re.compile(r"[^\x21\x23-\x3b\x3d\x3f-\x5a\x5f\x61-\x7a\x7e]")
#: What :func:`quote` leaves alone in path, query and fragment: RFC 3986 sub-delims, ``:@/?#``
#: and ``%`` (existing escapes are kept; :func:`url_problem` refuses a ``%`` that starts none).
_URI_SAFE = "!#$%&'()*+,/:;=?@~"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SPACE = re.compile(r"\s")

#: Absolute http(s) URL with a host and no whitespace; IRIs allowed (what feeds may hold).
HTTP_URL = re.compile(r"(?i:https?)://(?:\[[0-9A-Fa-f:.]+\](?::[0-9]*)?|[^\s/?#@\[\]]+)(?:[/?#]\S*)?")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST = rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?"
_PCHAR = r"A-Za-z0-9\-._~!$'()*+,;=:@/"


def _uri_pattern(host: str = _HOST) -> str:
    """RFC 3986 §3 for http(s): host, optional port, path, query, fragment; ``%`` only as ``%XX``."""
    chars = rf"[{_PCHAR}&]*(?:%[0-9A-Fa-f]{{2}}[{_PCHAR}&]*)*"
    qchars = rf"[{_PCHAR}&?]*(?:%[0-9A-Fa-f]{{2}}[{_PCHAR}&?]*)*"
    return rf"(?i:https?)://{host}(?:/{chars})?(?:\?{qchars})?(?:#{qchars})?"


#: An absolute http(s) URI, percent-encoded: what a sitemap ``loc`` must be, and what every
#: URL feedhub writes is.
URI = re.compile(_uri_pattern(), re.A)
#: A URI with a DNS host and neither port nor brackets: every check of :func:`url_problem`
#: passes for it (it is its own URI form), so the usual URL is cleared without urlsplit,
#: which cost a third of validating a record.  A port may be out of range and a bracketed
#: host may not be an IP address: those take the full path.
_PLAIN_URI = re.compile(_uri_pattern(rf"{_LABEL}(?:\.{_LABEL})*\.?"), re.A)


def to_uri(url: str) -> str:
    """*url* (an IRI) as a URI: the host in IDNA (punycode), everything else a URI may not hold
    literally percent-encoded as UTF-8 (RFC 3987 §3.1).  A valid URI comes back unchanged.

    Raises ValueError for a host IDNA cannot encode; :func:`url_problem` says so first.
    """
    if NOT_URI.search(url) is None:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if not netloc.isascii():
        host = parts.hostname or ""
        netloc = host.encode("idna").decode("ascii") + (f":{parts.port}" if parts.port is not None else "")
    rest = url[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme}://{netloc}{quote(rest, safe=_URI_SAFE)}"


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` lower-cased with the default port filled in; raises ValueError."""
    p = urlsplit(url)
    scheme = p.scheme.lower()
    return scheme, (p.hostname or "").lower(), p.port or {"https": 443, "http": 80}.get(scheme)


def url_problem(url: str) -> str | None:
    """Why *url* cannot be an article, image or related-link URL in every output; None when it can."""
    if len(url) <= MAX_URL and _PLAIN_URI.fullmatch(url):
        return None
    return full_url_problem(url)


def full_url_problem(url: str) -> str | None:
    """:func:`url_problem` without its shortcut (tests prove the two agree)."""
    if _SPACE.search(url):
        return "must not contain white space"
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError as e:
        return f"is not a valid URL: {e}"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an absolute http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "must not hold a user name or password (it would be published)"
    if _BAD_ESCAPE.search(url):
        return "has a '%' that does not start a %XX escape"
    try:
        uri = to_uri(url)
    except UnicodeError:
        return f"host {host!r} cannot be written in IDNA"
    if len(uri) > MAX_URL:
        return f"is {len(uri):,} characters as a URI; at most {MAX_URL:,} (sitemaps.org)"
    if not URI.fullmatch(uri):
        return "is not a valid URI once percent-encoded (RFC 3986)"
    return None
