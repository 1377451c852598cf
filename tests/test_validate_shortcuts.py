"""The shortcuts inside feedhub.validate must never change what it reports.

- A sitemap or index is first checked without its tree (``_xml.scan``, then the fast path
  on the text), and the fast path matches its records a slice at a time.
- Feeds: the namespace check reads the text, xml:lang values come from one XPath, the
  usual Atom entry is checked in one pass, and so are a media:content's attributes.
- Values: ``rfc822_problem`` compares digits as strings, the news window reads dates with
  ``datetime.fromisoformat``.

Each comparison runs validate() as shipped and with the shortcut switched off, and wants
the very same problems (rule, message, line, path and severity).
"""

from __future__ import annotations

import gzip
import random
import re
from datetime import datetime, timedelta, timezone

import pytest

from conftest import make_article
from feedhub.validate import _fast, _xml, atom, rss, sitemaps, validate
from feedhub.validate._report import Report
from test_rss_atom import atom as render_atom_bytes
from test_rss_atom import feed_config
from test_rss_atom import rss as render_rss_bytes
from test_validate import ATOM, INDEX, NEWS, NOW, NS_NEWS, NS_SITEMAP, RSS, SAMPLES, SITE, SITEMAP, check, edit
from test_validate_fastpath import TRICKY, big_news


def _problems(data: bytes, kind: str, **kw) -> list[str]:
    return [f"{p}|{p.severity}" for p in check(data, kind, **kw)]


def _edits(rnd: random.Random, base: str, tokens: list[str], n: int = 2) -> str:
    """*base* with up to *n* random deletions, duplications and insertions (mostly at tag boundaries)."""
    text = base
    for _ in range(rnd.randint(1, n)):
        pos = rnd.randrange(len(text) + 1)
        op = rnd.random()
        if op < 0.2:
            text = text[:pos] + text[pos + 1 :]
        elif op < 0.3:
            end = min(len(text), pos + rnd.randrange(1, 60))
            text = text[:end] + text[pos:end] + text[end:]
        else:
            marks = [i for i in range(max(0, pos - 200), min(len(text), pos + 200)) if text[i] in "<>"]
            if marks and rnd.random() < 0.8:
                i = rnd.choice(marks)
                pos = i + 1 if text[i] == ">" else i
            text = text[:pos] + rnd.choice(tokens) + text[pos:]
    return text


_COMMON = ["<", ">", "&amp;", "&#32;", " ", "<!-- c -->", "<?pi x?>", "<x/>", '"', "&", "é", "%", "#", "\n", "0", "Z", "-", ":", "<![CDATA[ x ]]>"]

# ---------------------------------------------------------------------------- sitemaps without a tree


def _no_scan(monkeypatch):
    monkeypatch.setattr(_xml, "scan", lambda data: None)


def _both_ways(data: bytes, kind: str, monkeypatch, **kw) -> tuple[list[str], list[str]]:
    shipped = _problems(data, kind, **kw)
    with monkeypatch.context() as m:
        _no_scan(m)
        tree = _problems(data, kind, **kw)
    return shipped, tree


_WELL_FORMED = {
    "sitemap": SITEMAP,
    "news": NEWS,
    "index": INDEX,
    "bom-crlf-comments": "\ufeff" + SITEMAP.replace("\n", "\r\n").replace("?>", "?><!-- a > b --><?pi x?>", 1),
    "single-quotes-and-gt": SITEMAP.replace(f'<urlset xmlns="{NS_SITEMAP}">', f"""<urlset xmlns='{NS_SITEMAP}' xmlns:x = 'urn:a' x:y='1>2' x:z = "'>">"""),
    "empty-root": f'<?xml version="1.0"?><urlset xmlns="{NS_SITEMAP}" xmlns:news="{NS_NEWS}"/>',
    "empty-root-spaces": f'<urlset xmlns="{NS_SITEMAP}"\n  />',
    "prefixed-root": f'<s:urlset xmlns:s="{NS_SITEMAP}"><s:url><s:loc>{SITE}/a</s:loc></s:url></s:urlset>',
}
_NOT_ACCEPTED = {
    "undeclared-prefix": edit(SITEMAP, ("<priority>", "<x:y/><priority>")),
    "undeclared-attribute-prefix": edit(SITEMAP, ("<url>", '<url x:a="1">')),
    "empty-prefix-binding": edit(SITEMAP, ("<url>", '<url xmlns:p="">')),
    "xml-prefix-rebound": edit(SITEMAP, ("<url>", '<url xmlns:xml="urn:x">')),
    "xmlns-prefix-declared": edit(SITEMAP, ("<url>", '<url xmlns:xmlns="urn:x">')),
    "duplicate-namespaced-attribute": edit(SITEMAP, ("<url>", '<url xmlns:p="urn:u" xmlns:q="urn:u" p:b="1" q:b="2">')),
    "namespace-not-a-uri": edit(SITEMAP, ("<url>", '<url xmlns:p="a b">')),
    "undefined-entity": edit(SITEMAP, ("daily", "&foo;")),
    "unclosed": edit(SITEMAP, ("</lastmod>", "</lastmodd>")),
    "trailing-element": SITEMAP + "<x/>",
    "doctype": '<!DOCTYPE urlset [<!ENTITY a "b">]>' + SITEMAP.split("?>", 1)[1],
    "xml-1.1-warning": SITEMAP.replace('version="1.0"', 'version="1.1"'),
    "not-xml": "hello",
}


@pytest.mark.parametrize("name", _WELL_FORMED)
def test_scan_finds_the_same_root_as_parse(name):
    data = _WELL_FORMED[name].encode()
    head, root = _xml.scan(data), _xml.parse(data, Report())
    assert head is not None and root is not None
    assert len(head) == 0
    assert (head.tag, head.prefix, head.nsmap, dict(head.attrib)) == (root.tag, root.prefix, root.nsmap, dict(root.attrib))


@pytest.mark.parametrize("name", _NOT_ACCEPTED)
def test_scan_accepts_nothing_parse_refuses(name):
    """Namespace errors do not stop libxml2, only lxml's tree parse: scan must refuse them too.

    (A warning, as for XML 1.1, does not stop parse(); scan sends it there all the same.)
    """
    data = _NOT_ACCEPTED[name].encode()
    assert _xml.scan(data) is None
    if name != "xml-1.1-warning":
        assert _xml.parse(data, Report()) is None


def _huge_title(n: int) -> str:
    return edit(NEWS, ("<news:title>Artikel nomor 2</news:title>", f"<news:title>{'x' * n}</news:title>"))


def test_text_node_limit_without_the_tree():
    """libxml2's tree builder refuses a text node over MAX_TEXT bytes; scan refuses it on its own.

    (Counting from the "<" of the tag before the text, scan is a little stricter: at the
    limit itself the tree decides, and accepts.)
    """
    below, at_limit, over = (_huge_title(_xml.MAX_TEXT + d).encode() for d in (-20, 0, 1))
    assert _xml.scan(below) is not None and check(below, "news-sitemap") == []
    assert _xml.parse(at_limit, Report()) is not None and check(at_limit, "news-sitemap") == []
    assert _xml.scan(over) is None and _xml.parse(over, Report()) is None
    assert [p.rule for p in check(over, "news-sitemap")] == ["xml.well-formed"]


@pytest.mark.parametrize(
    "doc",
    [
        # A comment (or CDATA, a PI, a reference) joins the text around it into one node.
        edit(NEWS, ("<news:title>Artikel nomor 2</news:title>", f"<news:title>{'x' * 5_000_001}<!-- -->{'x' * 5_000_001}</news:title>")),
        # The tree builder stops at depth 256, libxml2 alone one later.
        edit(SITEMAP, ("</priority>", "</priority>" + "<a>" * 255 + "</a>" * 255)),  # 257 deep in all
    ],
    ids=["joined-text", "depth-256"],
)
def test_scan_needs_what_the_fast_path_proves(doc, monkeypatch):
    """What scan cannot see for itself; the fast path never proves such a document, so the tree decides."""
    data = doc.encode()
    assert _xml.scan(data) is not None and _xml.parse(data, Report()) is None
    shipped, tree = _both_ways(data, "news-sitemap" if "news:" in doc else "sitemap", monkeypatch)
    assert shipped == tree and shipped[0].startswith("line") and "xml.well-formed" in shipped[0]


@pytest.mark.parametrize(
    "data, kind",
    [
        (SITEMAP, "sitemap"),
        (NEWS, "news-sitemap"),
        (INDEX, "sitemap-index"),
        (big_news(300), "news-sitemap"),
        (gzip.compress(SITEMAP.encode()), "sitemap"),
        (gzip.compress(big_news(50).encode()), "news-sitemap"),
    ],
    ids=["sitemap", "news", "index", "news-300", "gzip", "gzip-news"],
)
def test_valid_sitemaps_need_no_tree(data, kind, monkeypatch):
    def no_tree(*a, **k):
        raise AssertionError("the tree was built")

    monkeypatch.setattr(_xml, "parse", no_tree)
    assert check(data, kind) == []


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.kind in ("sitemap", "news-sitemap", "sitemap-index")], ids=lambda s: s.id)
def test_scan_changes_nothing_on_the_samples(sample, monkeypatch):
    shipped, tree = _both_ways(sample.data, sample.kind, monkeypatch, **sample.kwargs)
    assert shipped == tree


@pytest.mark.parametrize("name", TRICKY)
def test_scan_changes_nothing_on_tricky_documents(name, monkeypatch):
    base, changes = TRICKY[name]
    kind = "news-sitemap" if base is NEWS else "sitemap"
    data = edit(base, *changes, count=-1 if name == "bom-crlf" else 1).encode()
    shipped, tree = _both_ways(data, kind, monkeypatch)
    assert shipped == tree


_SITEMAP_TOKENS = _COMMON + [
    "</url>",
    "<url>",
    "</loc>",
    f"<url><loc>{SITE}/berita/artikel-1</loc></url>",
    f"<url><loc>{SITE}/lain</loc></url>",
    "<url><loc>https://lain.example/x</loc></url>",
    "<lastmod>2024-06-19</lastmod>",
    "<news:news/>",
    f"<image:image><image:loc>{SITE}/i.jpg</image:loc></image:image>",
    f"<sitemap><loc>{SITE}/s.xml</loc></sitemap>",
    f"<sitemap><loc>{SITE}/sitemap-1.xml.gz</loc></sitemap>",
    ' a="1"',
    ' xmlns:z="urn:z"',
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:x="1"',
]


@pytest.mark.parametrize("seed", range(6))
def test_scan_changes_nothing_on_random_edits(seed, monkeypatch):
    rnd = random.Random(seed)
    for _ in range(60):
        base, kind = rnd.choice([(SITEMAP, "sitemap"), (NEWS, "news-sitemap"), (INDEX, "sitemap-index")])
        data = _edits(rnd, base, _SITEMAP_TOKENS).encode()
        shipped, tree = _both_ways(data, kind, monkeypatch, max_urls=3, news_max_urls=2)
        assert shipped == tree, data


def _body_rows(text: str, pattern: re.Pattern, name: str, close: str, slice_size: int) -> tuple[list, list] | None:
    root = _xml.parse(text.encode(), Report())
    body = _fast._body(root, text, name, _fast._URLSET_PREFIXES if name == "urlset" else _fast._INDEX_PREFIXES) if root is not None else None
    if body is None:
        return None
    whole = pattern.findall(text, *body)
    old, _fast._SLICE = _fast._SLICE, slice_size
    try:
        sliced = [row for rows in _fast._slices(pattern, text, *body, close) for row in rows]
    finally:
        _fast._SLICE = old
    return whole, sliced


@pytest.mark.parametrize("seed", range(4))
def test_slices_give_one_findall_rows(seed):
    """No catch-all row in any slice: the rows of one findall.  Slices longer than a record: the same verdict."""
    rnd = random.Random(seed)
    cases = [(big_news(20), _fast._URLS_EXT, "urlset", "</url>"), (SITEMAP, _fast._URLS_PLAIN, "urlset", "</url>"), (INDEX, _fast._SITEMAPS, "sitemapindex", "</sitemap>")]
    checked = 0
    for _ in range(80):
        base, pattern, name, close = rnd.choice(cases)
        text = _edits(rnd, base, _SITEMAP_TOKENS)
        for size in (1, 40, 200, 4096):
            found = _body_rows(text, pattern, name, close, size)
            if found is None:
                break
            whole, sliced = found
            if not any(r[-1] for r in sliced):
                assert whole == sliced
                checked += 1
            if size == 4096:
                assert any(r[-1] for r in whole) == any(r[-1] for r in sliced)
    assert checked > 10


@pytest.mark.parametrize("seed", range(3))
def test_small_slices_change_nothing(seed, monkeypatch):
    rnd = random.Random(100 + seed)
    for _ in range(40):
        base, kind = rnd.choice([(big_news(8), "news-sitemap"), (SITEMAP, "sitemap"), (INDEX, "sitemap-index")])
        data = _edits(rnd, base, _SITEMAP_TOKENS, n=1).encode()
        shipped = _problems(data, kind)
        with monkeypatch.context() as m:
            m.setattr(_fast, "_SLICE", 50)
            assert _problems(data, kind) == shipped, data


# ---------------------------------------------------------------------------- feeds


def _plain_feed_checks(m) -> None:
    """Switch off every feed shortcut: the walks then do all the work, as before them."""
    for module in (atom, rss):
        m.setattr(module, "check_root_namespaces", lambda root, rep, known, exempt=frozenset(), text=None: _xml.check_root_namespaces(root, rep, known, exempt))
    m.setattr(atom, "_entry_proven", lambda *a: False)
    m.setattr(atom, "_XML_LANGS", lambda root: ["not a tag"])  # the full loop runs


def _feeds_both_ways(data: bytes, kind: str, monkeypatch) -> tuple[list[str], list[str]]:
    shipped = _problems(data, kind)
    with monkeypatch.context() as m:
        _plain_feed_checks(m)
        plain = _problems(data, kind)
    return shipped, plain


def _rendered() -> tuple[str, str]:
    articles = [
        make_article(3),
        make_article(2, summary=None, authors=(), updated=datetime(2024, 6, 20, 8, 0, tzinfo=timezone(timedelta(hours=7)))),
        make_article(1, images=(), related=(), tags=()),
    ]
    return render_rss_bytes(articles, feed_config()).decode(), render_atom_bytes(articles, feed_config()).decode()


_ATOM_TOKENS = _COMMON + [
    "<id>tag:a,2024:x</id>", "<id>x</id>", "<id>tag:genpi.example,2024:art-1</id>", "<title>t</title>",
    "<title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>x</div></title>", "<updated>2024-06-19T10:00:00Z</updated>",
    "<published>bad</published>", "<author><name>n</name></author>", "<author><email>e</email></author>",
    "<author><name>a</name><uri>u</uri><uri>v</uri><email>a@b</email><foo/></author>", "<contributor><name>c</name></contributor>",
    "<link href='x'/>", "<link rel='alternate' type='text/html' href='h'/>", "<link rel='self' href='s'/>", "<link hreflang='id_ID' href='x'/>",
    "<link type='bad' href='x'><title>x</title></link>", "<link href='x' foo='1'/>", "<category term=''/>", "<category term='a'><id>x</id></category>",
    "<summary>s</summary>", "<summary type='bad'>s</summary>", "<content src='x' type='video/mp4'/>", "<content type='image/png'>AAAA</content>",
    "<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>x</p></div></content>", "<content type='text'><b/></content>",
    "<rights type='foo'>r</rights>", "<subtitle>s</subtitle>", "<icon>i</icon>", "<logo><x/></logo>",
    "<source><id>tag:x,1:y</id><title>t</title><updated>2024-06-19T10:00:00Z</updated><id>z</id></source>",
    "<entry><id>tag:a,1:b</id><title>t</title><updated>2024-06-19T10:00:00Z</updated></entry>", "<foo>x</foo>", "<m:x xmlns:m='urn:m'/>",
    "<media:thumbnail url='x'/>", ' xml:lang="" ', ' xml:lang="en-US" ', ' xml:lang="bad lang" ', ' bogus="1" ', ' type="html" ', ' rel="alternate" ',
    ' src="y" ', ' term="t" ', ' xmlns:q="urn:q" ', ' q:a="1" ', "<q:e xmlns:q='urn:q' q:b='2'/>", "<email>bad</email>", "<name>n</name>",
    "<e xmlns='urn:other'/>", "<atom:id xmlns:atom='http://www.w3.org/2005/Atom'>tag:x,1:z</atom:id>",
    "<email>me@example.com (Me)</email>", "<uri>a b</uri>", "<link href='a b'/>", "<link href='rel/ok'/>", "<category term='t' scheme='%zz'/>",
    "<content type='text/plain'><b/></content>", "<content type='multipart/mixed'>eA==</content>", "<content type='image/png'>!!</content>",
    ' xml:base="a b" ', ' xml:base="/ok/" ', "<subtitle>s</subtitle><rights>r</rights>", "<updated> 2024-06-19T10:00:00Z</updated>", "<id> tag:x,1:y</id>",
]
_RSS_TOKENS = _COMMON + [
    "<title>t</title>", "<title> </title>", "<link>http://x/</link>", "<link>rel</link>", "<description>d</description>", "<guid>g</guid>",
    "<guid isPermaLink='false'>g</guid>", "<guid isPermaLink='maybe'>http://x/</guid>", "<guid></guid>",
    "<pubDate>Wed, 19 Jun 2024 09:00:00 +0700</pubDate>", "<pubDate>Fri, 19 Jun 2024 24:00:00 +1500</pubDate>", "<pubDate>bad</pubDate>",
    "<category>c</category>", "<category/>", "<enclosure url='http://x/a' length='1' type='a/b'/>", "<enclosure url='x' length='z' type='bad'/>",
    "<author>a</author>", "<comments>c</comments>", "<item><title>t</title><guid>http://x/1</guid></item>", "<foo/>", "<ttl>x</ttl>",
    "<language>bad lang</language>", "<managingEditor>m</managingEditor>",
    "<image><url>u</url><title>t</title><link>http://x/</link><width>200</width></image>",
    "<media:content url='http://x/i.jpg' medium='bad' width='1px' bitrate='x' isDefault='yes' expression='no' type='bad'/>",
    "<media:content url='http://x/i.jpg' medium='video' fileSize='1' duration='2' framerate='1.5' samplingrate='.5' channels='2' isDefault='true' expression='full' type='video/mp4'/>",
    "<media:content medium='image'/>", "<media:content url='http://x/i.jpg' xml:lang='id'/>",
    "<media:group><media:content url='http://x/a'/></media:group>", "<media:thumbnail/>", "<media:title type='bad'>t</media:title>",
    "<media:foo/>", "<atom:link href='x'/>", "<atom:link rel='self' href='http://x/r'/>", "<dc:creator>c</dc:creator>",
    "<q:e xmlns:q='urn:q'/>", ' version="2.0" ', ' isPermaLink="true" ', ' xmlns:z="urn:z" ', ' url="http://x/" ', ' width="x" ', ' medium="audio" ',
    "<e xmlns='http://search.yahoo.com/mrss/'/>",
]


def test_entry_proof_refuses_what_the_walk_reports():
    """Each child an entry may not hold, or hold twice, sends the entry to the walk."""
    entry = "<entry><id>tag:a,1:b</id><title>t</title><updated>2024-06-19T10:00:00Z</updated><link href='https://a/'/>{}</entry>"
    for extra in ["<subtitle>s</subtitle>", "<icon>i</icon>", "<summary>a</summary><summary>b</summary>", "<entry/>"]:
        doc = ATOM.replace("</feed>", entry.format(extra) + "</feed>").encode()
        root = _xml.parse(doc, Report())
        assert not atom._entry_proven(root.findall(atom._A + "entry")[-1], 9, True, {}), extra
        assert any(p.severity == "error" for p in check(doc, "atom")), extra


def test_feed_shortcuts_are_taken():
    """The comparisons below mean something only if the shortcuts apply to the usual feed."""
    rendered_rss, rendered_atom = _rendered()
    root = _xml.parse(rendered_atom.encode(), Report())
    entries = root.findall(atom._A + "entry")
    assert entries and all(atom._entry_proven(e, n, True, {}) for n, e in enumerate(entries))
    assert len(_xml._XMLNS.findall(rendered_rss)) == len(_xml.parse(rendered_rss.encode(), Report()).nsmap)
    assert check(rendered_rss, "rss") == check(rendered_atom, "atom") == []


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_shortcuts_change_nothing_on_the_samples(kind, monkeypatch):
    for sample in [s for s in SAMPLES if s.kind == kind]:
        shipped, plain = _feeds_both_ways(sample.data, kind, monkeypatch)
        assert shipped == plain, sample.id


@pytest.mark.parametrize("seed", range(8))
def test_feed_shortcuts_change_nothing_on_random_edits(seed, monkeypatch):
    rnd = random.Random(seed)
    rendered_rss, rendered_atom = _rendered()
    bases = [(RSS, "rss", _RSS_TOKENS), (rendered_rss, "rss", _RSS_TOKENS), (ATOM, "atom", _ATOM_TOKENS), (rendered_atom, "atom", _ATOM_TOKENS)]
    for _ in range(80):
        base, kind, tokens = rnd.choice(bases)
        data = _edits(rnd, base, tokens, n=3).encode()
        shipped, plain = _feeds_both_ways(data, kind, monkeypatch)
        assert shipped == plain, data


# ---------------------------------------------------------------------------- values


def _rfc822_reference(v: str) -> str | None:
    """rfc822_problem as it was written first, with datetime() judging the date and time."""
    m = _xml._RFC822.fullmatch(v.strip())
    if not m:
        return f"{_xml.short(v)!r} is not an RFC 822 date such as 'Wed, 19 Jun 2024 08:00:00 +0700'"
    dow, day, mon, year, hh, mm, ss, zone = m.groups()
    if zone not in _xml._ZONES and zone[0] not in "+-":
        return f"{_xml.short(v)!r}: zone {zone!r} is not UT, GMT, a US zone, a military letter or a numeric offset (RFC 822 §5.1)"
    full = int(year) if len(year) == 4 else int(year) + (2000 if int(year) < 50 else 1900)
    try:
        dt = datetime(full, _xml._MONTHS[mon], int(day), int(hh), int(mm), int(ss or 0))
    except ValueError:
        return f"{_xml.short(v)!r} is not a real date and time"
    if dow and _xml._DAYS[dt.weekday()] != dow:
        return f"{_xml.short(v)!r}: {day} {mon} {year} is a {_xml._DAYS[dt.weekday()]}, not a {dow}"
    return None


def test_rfc822_problem_agrees_with_datetime():
    rnd = random.Random(7)
    two = lambda hi: f"{rnd.randrange(hi):02d}"  # noqa: E731
    for _ in range(4000):
        dow = rnd.choice(["", "Mon, ", "Wed, ", "Sat ,", "Sun,"])
        day = rnd.choice([str(rnd.randrange(40)), two(40)])
        mon = rnd.choice(list(_xml._MONTHS))
        year = rnd.choice([str(rnd.randrange(1, 3000)).zfill(4), "0000", "24", "2024", "1900", "2000", "2100", "12024"])
        seconds = rnd.choice(["", ":" + two(70)])
        zone = rnd.choice(["GMT", "UT", "EST", "PDT", "Z", "XYZ", "+0700", "-0000", "+1400", "+1459", "+1500", "-1260", "+0960", f"{rnd.choice('+-')}{two(20)}{two(70)}"])
        v = f"{dow}{day} {mon} {year} {two(30)}:{two(70)}{seconds} {zone}"
        assert _xml.rfc822_problem(v) == _rfc822_reference(v), v


def test_news_window_reads_dates_like_parse_datetime():
    rnd = random.Random(3)
    for _ in range(3000):
        frac = rnd.choice(["", "." + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 12)))])
        zone = rnd.choice(["Z", f"{rnd.choice('+-')}{rnd.randrange(14):02d}:{rnd.randrange(60):02d}", "+14:00", "-00:00"])
        day = datetime(2000, 1, 1) + timedelta(days=rnd.randrange(3000))
        v = f"{day:%Y-%m-%d}T{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:{rnd.randrange(60):02d}{frac}{zone}"
        assert _xml.DATETIME_RE.fullmatch(v), v
        assert sitemaps._instant(v) == _xml.parse_datetime(v), v
        assert sitemaps._instant(v).utcoffset() == _xml.parse_datetime(v).utcoffset(), v


def test_news_window_problems_unchanged(monkeypatch):
    base = big_news(30)
    for now in (NOW, NOW + timedelta(hours=47, minutes=50), NOW - timedelta(minutes=20)):
        shipped = _problems(base.encode(), "news-sitemap", now=now)
        with monkeypatch.context() as m:
            m.setattr(sitemaps, "_instant", _xml.parse_datetime)
            _no_scan(m)
            assert _problems(base.encode(), "news-sitemap", now=now) == shipped
        assert any("news.window" in p for p in shipped) == (now != NOW)


def test_validate_is_unchanged_without_kind(monkeypatch):
    """detect_kind and validate(kind=None) keep to the tree: nothing to compare, but say so."""
    calls = []
    monkeypatch.setattr(_xml, "scan", lambda data: calls.append(1))
    assert validate(SITEMAP.encode()) == []
    assert calls == []
