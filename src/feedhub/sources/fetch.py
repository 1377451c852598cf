"""HTTP GET for the importers: a timeout, a size limit, a redirect limit, a clear User-Agent and
retries for the failures that pass (5xx, 429, timeouts, refused connections).

Only ``http``/``https`` URLs are fetched (never ``file:`` or ``ftp:``), including after a redirect.
Failures are :class:`FetchError`: one line naming the URL and the reason.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPMessage
from typing import IO
from urllib.parse import urlsplit

from .. import __version__
from ..errors import FeedhubError

USER_AGENT = f"feedhub/{__version__} (news feed importer)"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class FetchError(FeedhubError, OSError):
    """A URL could not be fetched; ``str(e)`` is ``URL: reason``."""

    def __init__(self, url: str, reason: str, *, retryable: bool = False, status: int | None = None) -> None:
        #: The URL that was asked for.
        self.url = url
        #: What went wrong, in words.
        self.reason = reason
        #: Whether trying again may help (timeouts, 5xx, 429, refused connections).
        self.retryable = retryable
        #: The HTTP status of an error answer, when there was one.
        self.status = status
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    #: Seconds to wait for the connection and for each read.
    timeout: float = 20.0
    #: Largest body accepted; a bigger one is an error, never a truncated page.
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    #: Attempts in all for a retryable failure, with *backoff* seconds doubling between them.
    attempts: int = 3
    backoff: float = 1.0
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class Response:
    #: The URL after redirects.
    url: str
    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type() if self.headers.get("Content-Type") else ""

    @property
    def charset(self) -> str | None:
        return self.headers.get_content_charset()


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise FetchError(req.full_url, f"redirected to a non-HTTP URL {newurl!r}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _redirects(limit: int) -> urllib.request.HTTPRedirectHandler:
    class Limited(_HttpOnlyRedirects):
        max_redirections = limit
        max_repeats = limit

    return Limited()


def check_http_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FetchError(url, "not an absolute http(s) URL")


#: How fetch() waits between attempts (a module attribute, so tests can record the waits).
sleep: Callable[[float], None] = time.sleep


def fetch(url: str, policy: FetchPolicy = FetchPolicy()) -> Response:
    """GET *url*, retrying what may pass; raises :class:`FetchError` when it does not."""
    check_http_url(url)
    delay = policy.backoff
    for attempt in range(1, policy.attempts + 1):
        try:
            return _get_once(url, policy)
        except FetchError as e:
            if not e.retryable or attempt == policy.attempts:
                if attempt > 1:
                    raise FetchError(url, f"{e.reason} (after {attempt} attempts)", status=e.status) from e
                raise
        sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def _get_once(url: str, policy: FetchPolicy) -> Response:
    opener = urllib.request.build_opener(_redirects(policy.max_redirects))
    request = urllib.request.Request(url, headers={"User-Agent": policy.user_agent, "Accept-Encoding": "identity"})
    try:
        with opener.open(request, timeout=policy.timeout) as r:
            return Response(r.geturl(), r.status, r.headers, _read_limited(url, r, policy.max_bytes))
    except urllib.error.HTTPError as e:
        if 300 <= e.code < 400:
            raise FetchError(url, f"more than {policy.max_redirects} redirects") from None
        raise FetchError(url, f"HTTP {e.code} {e.reason}", retryable=e.code in _RETRY_STATUS, status=e.code) from None
    except urllib.error.URLError as e:
        raise _connect_error(url, e.reason, policy) from None
    except TimeoutError:
        raise FetchError(url, f"timed out after {policy.timeout:g} s", retryable=True) from None
    except (ConnectionError, http.client.HTTPException) as e:
        raise FetchError(url, f"connection broken: {e}", retryable=True) from None


def _read_limited(url: str, r: http.client.HTTPResponse, limit: int) -> bytes:
    length = r.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise FetchError(url, f"response is {int(length):,} bytes, over the {limit:,}-byte limit")
    body = r.read(limit + 1)
    if len(body) > limit:
        raise FetchError(url, f"response is over the {limit:,}-byte limit")
    return body


def _connect_error(url: str, reason: object, policy: FetchPolicy) -> FetchError:
    if isinstance(reason, TimeoutError):
        return FetchError(url, f"timed out after {policy.timeout:g} s", retryable=True)
    # A name that does not resolve will not resolve a second later; a refused connection may.
    retryable = isinstance(reason, OSError) and not isinstance(reason, socket.gaierror)
    return FetchError(url, f"cannot connect: {getattr(reason, 'strerror', None) or reason}", retryable=retryable)
