"""The renderers' text and date helpers: excerpts, RFC 822 dates, tag URIs, categories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import make_article
from feedhub.render._text import excerpt, html_text, item_categories, item_summary, last_change, rfc822, tag_uri, wire_time


def test_html_text_decodes_entities_drops_markup_and_scripts():
    html = "<h2>Judul</h2><p>A&amp;B &lt;C&gt; &#x1F98A; &nbsp;x</p><script>if (a<b) {}</script><style>p{}</style><p>akhir<br>baris</p>"
    assert html_text(html) == "Judul A&B <C> 🦊 x akhir baris"


def test_html_text_survives_broken_markup():
    assert html_text("<p>tidak ditutup <b>tebal <i>miring") == "tidak ditutup tebal miring"
    assert html_text("a < b ]]> c") == "a < b ]]> c"


def test_excerpt_is_kept_whole_when_short():
    assert excerpt("<p>Pendek saja.</p>") == "Pendek saja."


def test_excerpt_cuts_at_a_word_and_marks_the_cut():
    text = excerpt("<p>" + "kata " * 100 + "</p>", limit=30)
    assert text == "kata kata kata kata kata kata…"
    long_word = excerpt("x" * 100, limit=10)
    assert long_word == "x" * 10 + "…"


def test_item_summary_prefers_the_summary():
    assert item_summary(make_article(summary="Ringkas.", content_html="<p>Isi</p>")) == "Ringkas."
    assert item_summary(make_article(summary="  ", content_html="<p>Isi</p>")) == "Isi"
    assert item_summary(make_article(summary=None, content_html=None)) is None
    assert item_summary(make_article(summary=None, content_html="<img src='x'>")) is None


def test_item_categories_section_first_duplicates_dropped():
    a = make_article(section="nasional", tags=("politik", "nasional", "politik", "Politik", " "))
    assert item_categories(a) == ["nasional", "politik", "Politik"]
    assert item_categories(make_article(section=None, tags=())) == []


#: A build clock after every date here: nothing is clamped.
FAR = datetime(2031, 1, 1, tzinfo=UTC)


def test_last_change_uses_updated_else_published_across_offsets():
    a = make_article(1, published=datetime(2024, 1, 1, 12, tzinfo=UTC))
    b = make_article(2, published=datetime(2024, 1, 1, 9, tzinfo=UTC), updated=datetime(2024, 1, 1, 20, 0, tzinfo=timezone(timedelta(hours=7))))
    assert last_change([a, b], FAR) == b.updated  # 20:00+07:00 is 13:00Z, after a's 12:00Z
    assert last_change([a, b], FAR).utcoffset() == timedelta(hours=7)  # written with its own offset
    assert last_change([], FAR) is None


@pytest.mark.parametrize(
    "dt, expected",
    [
        (datetime(2024, 6, 19, 20, 30, tzinfo=ZoneInfo("Asia/Jakarta")), "Wed, 19 Jun 2024 20:30:00 +0700"),
        (datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC), "Tue, 31 Dec 2024 23:59:59 +0000"),
        (datetime(2024, 3, 10, 1, 2, 3, tzinfo=timezone(timedelta(hours=-9, minutes=-30))), "Sun, 10 Mar 2024 01:02:03 -0930"),
        (datetime(2024, 3, 10, 1, 2, 3, tzinfo=timezone(timedelta(hours=5, minutes=45))), "Sun, 10 Mar 2024 01:02:03 +0545"),
        (datetime(999, 1, 1, tzinfo=UTC), "Tue, 01 Jan 0999 00:00:00 +0000"),
        (datetime(2024, 6, 19, 20, 30, 15, 999999, tzinfo=UTC), "Wed, 19 Jun 2024 20:30:15 +0000"),
    ],
)
def test_rfc822(dt, expected):
    assert rfc822(dt) == expected


def test_wire_time_keeps_whole_minute_offsets_and_moves_odd_ones_to_utc():
    jkt = datetime(2024, 6, 19, 20, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert wire_time(jkt) is jkt
    lmt = datetime(1900, 1, 1, 12, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert wire_time(lmt).utcoffset() == timedelta(0) and wire_time(lmt) == lmt
    with pytest.raises(ValueError, match="naive"):
        wire_time(datetime(2024, 1, 1))


def test_tag_uri_uses_the_lowercased_host_without_port():
    assert tag_uri("https://GenPI.example:8443/", "2024", "x") == "tag:genpi.example,2024:x"
    with pytest.raises(ValueError):
        tag_uri("not a url", "2024", "x")
