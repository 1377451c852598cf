"""url_problem clears the usual URL by one regex; that shortcut must never change a verdict."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedhub.rules.urls import MAX_URL, full_url_problem, url_problem

# Pieces that sit at the edges of what the shortcut accepts: ports, brackets, user info,
# escapes good and bad, upper-case schemes, non-ASCII, white space, empty labels.
PIECES = ["http", "https", "HTTP", "ftp", "://", "/", "?", "#", "@", ":", "80", "99999", ".", "..", "-", "a", "genpi", "example",
          "%", "%2F", "%zz", "[", "]", "::1", " ", "\t", "é", "日本", "&", "=", "'", "~", "_", "\\", "\""]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12))
def test_the_shortcut_agrees_with_the_full_check(pieces: list[str]) -> None:
    url = "".join(pieces)
    assert url_problem(url) == full_url_problem(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://genpi.example/nasional/berita-1",
        "https://genpi.example:99999/x",  # port out of range: refused, not cleared
        "https://[::1]/x",
        "https://[zz]/x",
        "https://user@genpi.example/x",
        "https://genpi.example/a%zz",
        "https://genpi..example/x",
        "HTTPS://GENPI.EXAMPLE/",
        "https://genpi.example/" + "a" * (MAX_URL - 22),
        "https://genpi.example/" + "a" * (MAX_URL - 21),
    ],
)
def test_edge_cases_get_the_full_checks_verdict(url: str) -> None:
    assert url_problem(url) == full_url_problem(url)


def test_the_shortcut_still_refuses() -> None:
    assert url_problem("https://genpi.example:99999/x") is not None
    assert url_problem("https://genpi.example/" + "a" * MAX_URL) is not None
