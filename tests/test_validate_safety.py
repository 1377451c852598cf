"""Hostile or broken bytes: gzip, size caps, DOCTYPE and entities, encodings, syntax errors."""

from __future__ import annotations

import gzip
import re
import time
import tracemalloc
import zlib

from feedhub.validate import _xml, validate
from test_validate import _BILLION_LAUGHS, ATOM, RSS, SITEMAP, check, edit


def _bomb(size: int) -> bytes:
    """gzip of *size* zero bytes, built without holding them in memory."""
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    out = [c.compress(chunk) for _ in range(size >> 20)]
    return b"".join(out) + c.flush()


def rules(problems) -> list[str]:
    return [p.rule for p in problems]


def test_gzip_is_validated_like_plain():
    assert check(gzip.compress(SITEMAP.encode()), "sitemap") == []
    broken = edit(SITEMAP, ("<priority>0.8</priority>", "<priority>2</priority>")).encode()
    assert check(gzip.compress(broken), "sitemap") == check(broken, "sitemap") != []


def test_gzip_members_back_to_back():
    data = SITEMAP.encode()
    assert check(gzip.compress(data[:100]) + gzip.compress(data[100:]), "sitemap") == []


def test_gzip_with_trailing_garbage():
    assert rules(check(gzip.compress(SITEMAP.encode()) + b"junk", "sitemap")) == ["xml.gzip"]


def test_gzip_corrupt():
    data = bytearray(gzip.compress(SITEMAP.encode()))
    data[20:30] = b"\xff" * 10
    assert rules(check(bytes(data), "sitemap")) == ["xml.gzip"]


def test_gzip_bomb_is_not_inflated_past_the_cap():
    bomb = _bomb(100 << 20)  # 100 MiB of zeros, ~100 KB compressed
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        problems = validate(bomb, "sitemap", max_bytes=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rules(problems) == ["sitemap.max-bytes"]
    assert peak < 8 << 20


def test_gzip_bomb_with_the_default_cap():
    started = time.perf_counter()
    problems = validate(_bomb(60 << 20), None)
    assert rules(problems) == ["sitemap.max-bytes"]
    assert time.perf_counter() - started < 5


def test_billion_laughs_is_refused_before_parsing():
    started = time.perf_counter()
    problems = check(_BILLION_LAUGHS, "rss")
    assert time.perf_counter() - started < 0.5
    assert rules(problems) == ["xml.doctype"]
    assert problems[0].line == 2


def test_doctype_after_comments_and_pis_is_refused():
    doc = '<?xml version="1.0"?>\n<!-- a -->\n<?pi x?>\n<!DOCTYPE rss [<!ENTITY a "b">]>\n<rss version="2.0"/>'
    assert rules(check(doc, "rss")) == ["xml.doctype"]


def test_doctype_text_inside_cdata_is_only_text():
    assert "<![CDATA[<!DOCTYPE html>" in RSS
    assert check(RSS, "rss") == []


def test_parser_alone_never_expands_entities(monkeypatch):
    """With the DOCTYPE scan switched off, the parser settings still hold the line."""
    monkeypatch.setattr(_xml, "_PROLOG_DOCTYPE", re.compile(r"(?!)"))
    started = time.perf_counter()
    laughs = check(_BILLION_LAUGHS, "rss")
    assert time.perf_counter() - started < 0.5
    assert rules(laughs) in (["xml.doctype"], ["xml.well-formed"])
    xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>&x;</title></channel></rss>'
    problems = check(xxe, "rss")
    assert rules(problems) == ["xml.doctype"]
    assert "root:" not in "".join(map(str, problems))


def test_not_well_formed_reports_its_line():
    doc = edit(ATOM, ("<title>Artikel nomor 1</title>", "<title>Artikel nomor 1</titel>"))
    [p] = check(doc, "atom")
    assert p.rule == "xml.well-formed"
    assert p.line == doc[: doc.index("</titel>")].count("\n") + 1 == 14


def test_undeclared_prefix_is_not_well_formed():
    doc = edit(SITEMAP, ("<priority>", "<x:y/><priority>"))
    assert rules(check(doc, "sitemap")) == ["xml.well-formed"]


def test_encodings():
    # Sitemaps must be UTF-8 (sitemaps.org); feeds may be in any encoding they declare (XML 1.0 §4.3.3).
    assert rules(check(SITEMAP.encode("utf-16"), "sitemap", profile="spec")) == ["sitemap.encoding"]
    assert check(b"\xef\xbb\xbf" + SITEMAP.encode(), "sitemap") == []
    assert check(SITEMAP.replace('encoding="UTF-8"', "encoding='utf8'"), "sitemap") == []
    latin = edit(SITEMAP, ('encoding="UTF-8"', 'encoding="ISO-8859-1"')).encode("latin-1")
    assert rules(check(latin, "sitemap")) == ["xml.utf8", "sitemap.encoding"]
    latin_rss = edit(RSS, ('encoding="UTF-8"', 'encoding="ISO-8859-1"'), ("Ringkasan artikel 1", "Ringkasan café")).encode("latin-1")
    assert check(latin_rss, "rss", profile="spec") == []
    assert rules(check(latin_rss, "rss")) == ["xml.utf8"]
    assert check(RSS.encode("utf-16"), "rss", profile="spec") == []


def test_bad_utf8_reports_its_line():
    data = RSS.encode().replace(b"Ringkasan artikel 1", b"Ringkasan \xc3(")
    [p] = check(data, "rss")
    assert (p.rule, p.line) == ("xml.encoding", 17)


def test_uncompressed_size_cap():
    assert rules(check(SITEMAP, "sitemap", max_bytes=len(SITEMAP) - 1)) == ["sitemap.max-bytes"]
    assert check(SITEMAP, "sitemap", max_bytes=len(SITEMAP)) == []
