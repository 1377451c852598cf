"""The sitemap fast path (feedhub.validate._fast) must never accept what the tree walk rejects.

Every comparison runs validate() twice, once as shipped and once with the fast path
switched off, and wants the very same problems.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from feedhub.validate import _fast
from test_validate import INDEX, NEWS, NOW, NS_IMAGE, NS_NEWS, NS_SITEMAP, SAMPLES, SITE, SITEMAP, check, edit


def _both(data: bytes, kind: str, monkeypatch, **kw):
    fast = [str(p) + p.severity for p in check(data, kind, **kw)]
    with monkeypatch.context() as m:
        m.setattr(_fast, "urlset", lambda *a, **k: None)
        m.setattr(_fast, "index", lambda *a, **k: None)
        walk = [str(p) + p.severity for p in check(data, kind, **kw)]
    return fast, walk


def _spy(monkeypatch) -> list:
    results = []
    for name in ("urlset", "index"):
        real = getattr(_fast, name)

        def spy(*a, _real=real, **k):
            results.append(_real(*a, **k))
            return results[-1]

        monkeypatch.setattr(_fast, name, spy)
    return results


def big_news(n: int) -> str:
    urls = "".join(
        f"<url><loc>{SITE}/berita/{i}</loc><news:news><news:publication><news:name>GenPI.co</news:name>"
        f"<news:language>id</news:language></news:publication><news:publication_date>{(NOW - timedelta(minutes=i)).isoformat()}"
        f"</news:publication_date><news:title>Judul &lt;{i}&gt; &apos;x&apos;</news:title></news:news>"
        f"<image:image><image:loc>{SITE}/img/{i}.jpg?w=800&amp;h=450</image:loc></image:image></url>\n"
        for i in range(n)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS_SITEMAP}" xmlns:news="{NS_NEWS}" xmlns:image="{NS_IMAGE}">\n{urls}</urlset>\n'


@pytest.mark.parametrize(
    "text, kind",
    [(SITEMAP, "sitemap"), (NEWS, "news-sitemap"), (INDEX, "sitemap-index"), (big_news(300), "news-sitemap")],
    ids=["sitemap", "news", "index", "news-300"],
)
def test_fast_path_proves_canonical_documents(text, kind, monkeypatch):
    results = _spy(monkeypatch)
    assert check(text, kind) == []
    assert results and results[0] is not None


def test_fast_path_gives_up_on_a_comment(monkeypatch):
    results = _spy(monkeypatch)
    assert check(edit(SITEMAP, ("<url>", "<!-- x --><url>")), "sitemap") == []
    assert results == [None]


SITEMAP_KINDS = ("sitemap", "news-sitemap", "sitemap-index")


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.kind in SITEMAP_KINDS], ids=lambda s: s.id)
def test_same_problems_on_every_sample(sample, monkeypatch):
    fast, walk = _both(sample.data, sample.kind, monkeypatch, **sample.kwargs)
    assert fast == walk


_LOC1 = f"<loc>{SITE}/berita/artikel-1</loc>"
TRICKY = {
    # references and markup inside values
    "char-ref-space": (SITEMAP, [(_LOC1, f"<loc>{SITE}/berita/a&#32;b</loc>")]),
    "char-ref-letter": (SITEMAP, [(_LOC1, f"<loc>{SITE}/berita/&#x61;rtikel</loc>")]),
    "amp-in-loc": (SITEMAP, [(_LOC1, f"<loc>{SITE}/cari?q=a&amp;b=c</loc>")]),
    "lt-in-loc": (SITEMAP, [(_LOC1, f"<loc>{SITE}/cari?q=&lt;b&gt;</loc>")]),
    "cdata-loc": (SITEMAP, [(_LOC1, f"<loc><![CDATA[{SITE}/berita/a b]]></loc>")]),
    "cdata-loc-valid": (SITEMAP, [(_LOC1, f"<loc><![CDATA[{SITE}/berita/ab]]></loc>")]),
    "comment-in-loc": (SITEMAP, [(_LOC1, f"<loc>{SITE}/berita/<!-- x -->artikel-1</loc>")]),
    "pi-in-url": (SITEMAP, [(_LOC1, f"<?pi x?>{_LOC1}")]),
    "empty-url": (SITEMAP, [("<url>", "<url/><url>")]),
    "attribute": (SITEMAP, [("<url>", '<url xml:lang="id">')]),
    "xsi-attribute": (SITEMAP, [(f'<urlset xmlns="{NS_SITEMAP}">', f'<urlset xmlns="{NS_SITEMAP}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="{NS_SITEMAP} {NS_SITEMAP}/sitemap.xsd">')]),
    "prefixed": (SITEMAP, [(f'<urlset xmlns="{NS_SITEMAP}">', f'<urlset xmlns="{NS_SITEMAP}" xmlns:s="{NS_SITEMAP}">'), (_LOC1, f"<s:loc>{SITE}/berita/artikel-1</s:loc>")]),
    "redeclared-default": (SITEMAP, [("<url>", '<url xmlns="urn:other">')]),
    "news-prefix-elsewhere": (NEWS, [(f'xmlns:news="{NS_NEWS}"', f'xmlns:news="{NS_NEWS}" xmlns:n="{NS_NEWS}"')]),
    "news-prefix-wrong": (NEWS, [(f'xmlns:news="{NS_NEWS}"', 'xmlns:news="urn:not-news"')]),
    "blank-title-by-ref": (NEWS, [("<news:title>Artikel nomor 2</news:title>", "<news:title>&#x20;</news:title>")]),
    "image-loc-ref": (NEWS, [(f"<image:loc>{SITE}/img/1.jpg</image:loc>", f"<image:loc>{SITE}/img/1&#32;.jpg</image:loc>")]),
    "lastmod-spaces": (SITEMAP, [("<lastmod>2024-06-19</lastmod>", "<lastmod>\n 2024-06-19 </lastmod>")]),
    "lastmod-empty": (SITEMAP, [("<lastmod>2024-06-19</lastmod>", "<lastmod></lastmod>")]),
    "changefreq-space": (SITEMAP, [("<changefreq>daily</changefreq>", "<changefreq> daily</changefreq>")]),
    "priority-forms": (SITEMAP, [("<priority>0.8</priority>", "<priority>+.50</priority>")]),
    "priority-one": (SITEMAP, [("<priority>0.8</priority>", "<priority>1.000</priority>")]),
    "priority-exp": (SITEMAP, [("<priority>0.8</priority>", "<priority>1e-1</priority>")]),
    # the root's surroundings
    "bom-crlf": (SITEMAP, [("<?xml", "\ufeff<?xml"), ("\n", "\r\n")]),
    "prolog-comment-with-root": (SITEMAP, [("?>\n", "?>\n<!-- <urlset> -->\n")]),
    "epilog-comment-with-end": (SITEMAP, [("</urlset>\n", "</urlset>\n<!-- </urlset> -->\n")]),
    "stray-text": (SITEMAP, [("</url>\n  <url>", "</url>teks<url>")]),
    # URL shapes
    "no-trailing-slash": (SITEMAP, [(_LOC1, f"<loc>{SITE}</loc>")]),
    "upper-scheme": (SITEMAP, [(_LOC1, "<loc>HTTPS://genpi.example/Berita</loc>")]),
    "default-port": (SITEMAP, [(_LOC1, "<loc>https://genpi.example:443/berita</loc>")]),
    "fragment": (SITEMAP, [(_LOC1, f"<loc>{SITE}/berita#bagian-2</loc>")]),
    "two-fragments": (SITEMAP, [(_LOC1, f"<loc>{SITE}/berita#a#b</loc>")]),
    "escapes": (SITEMAP, [(_LOC1, f"<loc>{SITE}/berita/%E2%80%9Cx%E2%80%9D</loc>")]),
    "bad-escape-at-end": (SITEMAP, [(_LOC1, f"<loc>{SITE}/berita/x%4</loc>")]),
    "brace": (SITEMAP, [(_LOC1, f"<loc>{SITE}/berita/{{x}}</loc>")]),
    "other-host-first": (SITEMAP, [(_LOC1, "<loc>https://lain.example/berita/artikel-1</loc>")]),
    "ipv6": (SITEMAP, [(_LOC1, "<loc>http://[2001:db8::1]/berita</loc>")]),
    "userinfo": (SITEMAP, [(_LOC1, "<loc>https://user@genpi.example/berita</loc>")]),
    "newline-then-prefix": (SITEMAP, [(_LOC1, f"<loc>{SITE}/a\n{SITE}/b</loc>"), (f"<loc>{SITE}/berita/artikel-2", "<loc>https://lain.example/berita/artikel-2")]),
    "newline-ref-then-prefix": (SITEMAP, [(_LOC1, f"<loc>{SITE}/a&#10;{SITE}/b</loc>"), (f"<loc>{SITE}/berita/artikel-2", "<loc>https://lain.example/berita/artikel-2")]),
}


@pytest.mark.parametrize("name", TRICKY)
def test_same_problems_on_tricky_documents(name, monkeypatch):
    base, changes = TRICKY[name]
    kind = "news-sitemap" if base is NEWS else "sitemap"
    data = edit(base, *changes, count=-1 if name == "bom-crlf" else 1).encode()
    fast, walk = _both(data, kind, monkeypatch)
    assert fast == walk


_TOKENS = ["<", ">", "&amp;", "&#32;", " ", "<!-- c -->", "<x/>", "</url>", "<url>", "</loc>", '"', "&", "é", "%", "#", "\n", "0", "Z", "-", ":"]


@pytest.mark.parametrize("seed", range(8))
def test_same_problems_on_random_edits(seed, monkeypatch):
    rnd = random.Random(seed)
    for _ in range(60):
        base, kind = rnd.choice([(SITEMAP, "sitemap"), (NEWS, "news-sitemap"), (INDEX, "sitemap-index")])
        pos = rnd.randrange(len(base))
        op = rnd.random()
        if op < 0.3:
            text = base[:pos] + base[pos + 1 :]
        elif op < 0.4:
            end = min(len(base), pos + rnd.randrange(1, 40))
            text = base[:end] + base[pos:end] + base[end:]
        else:
            text = base[:pos] + rnd.choice(_TOKENS) + base[pos:]
        fast, walk = _both(text.encode(), kind, monkeypatch)
        assert fast == walk, text
