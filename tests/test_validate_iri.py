"""feedhub.rules.iri: the one-regex path never accepts what the full check refuses."""

from __future__ import annotations

import random

import pytest

from feedhub.rules import iri

ALPHABET = ["http://", "https://a.b", "ftp://x:8", "HTTP://Y"] + list("abcXYZ019-._~!$&'()*+,;=:@/?#[]% <>\"{}|\\^`\u00e9\u4e2d\ue000\n") + ["%20", "%zz", "//", "http:", "1a:", "[::1]", ":80", ":x"]


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_is_a_subset_of_the_full_check(seed):
    rnd = random.Random(seed)
    for _ in range(5000):
        v = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randrange(12)))
        for absolute in (False, True):
            if iri.fast(absolute).fullmatch(v):
                assert iri.not_iri_char().search(v) is None and not iri._BAD_ESCAPE.search(v), v
                head = v.split("/")[0].split("?")[0].split("#")[0]
                assert ":" not in head or iri.SCHEME.fullmatch(head.split(":", 1)[0]), v
                assert iri._structure_problem(v) is None, v
                assert not absolute or iri.SCHEME.match(v) and ":" in head, v


@pytest.mark.parametrize(
    "value, absolute, ok",
    [
        ("https://example.com/a?b=c#d", True, True),
        ("mailto:desk@example.com", True, True),
        ("tag:example.com,2024:1", True, True),
        ("berita/caf\u00e9", False, True),
        ("", False, True),
        ("berita/1", True, False),
        ("https://example.com/a b", False, False),
        ("https://example.com/%zz", False, False),
        ("https://[example.com/", False, False),
        ("https://example.com:80x/", False, False),
        ("1a:b", False, False),
        ("https://example.com/#a#b", False, False),
    ],
)
def test_iri_problem(value, absolute, ok):
    assert (iri.iri_problem(value, absolute=absolute) is None) == ok
