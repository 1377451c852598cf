"""The import contract: raw JSON record → validated Article (issue 2).

Every rejection rule of the contract table has a row in ``REJECTIONS``; each
asserts the field the error names and that the message names the article id.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import seed_record
from feedhub.contract import Deletion, parse_article, parse_record
from feedhub.errors import ArticleError
from feedhub.model import article_to_dict
from feedhub.rules import dates, limits
from feedhub.rules.urls import MAX_URL

JAKARTA = ZoneInfo("Asia/Jakarta")
SEED_ID = "genpi-2024-06-19-jepang-selandia-baru-intelijen"
DROP = object()  # marks a key to remove from the seed


def parse(raw, tz=JAKARTA, language="id"):
    return parse_article(raw, tz, language)


def record(**changes) -> dict:
    """The seed with some keys replaced (or removed with ``DROP``)."""
    raw = seed_record()
    for key, value in changes.items():
        if value is DROP:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


# -- the seed ---------------------------------------------------------------


def test_seed_parses_without_warnings(seed):
    article, warnings = parse(seed)
    assert warnings == []
    assert article.id == SEED_ID
    assert article.title == "Jepang dan Selandia Baru Menyetujui Perjanjian Berrbagi Intelijen"
    assert article.published == datetime(2024, 6, 19, 13, 30, tzinfo=UTC)
    assert article.published.utcoffset() == timedelta(hours=7)
    assert article.section == "internasional"
    assert article.tags == ("Jepang", "Selandia Baru", "intelijen", "Fumio Kishida", "Christopher Luxon")
    assert article.images[0].credit == "AP Photo/Susan Walsh"
    assert article.images[0].width == 1200
    assert len(article.related) == 3
    assert article.status == "published"


def test_seed_round_trips_through_article_to_dict(seed):
    article, _ = parse(seed)
    assert article_to_dict(article) == {**seed, "status": "published"}


def test_defaults_language_from_site_and_status_published(seed):
    article, _ = parse(record(language=DROP, status=DROP), language="en")
    assert article.language == "en"
    assert article.status == "published"


@pytest.mark.parametrize("status", ["published", "draft", "deleted"])
def test_every_status_accepted(status):
    assert parse(record(status=status))[0].status == status


def test_null_optional_fields_mean_absent():
    raw = record(updated=None, summary=None, section=None, tags=None, language=None, images=None, related=None, status=None)
    article, _ = parse(raw)
    assert (article.updated, article.summary, article.section) == (None, None, None)
    assert (article.tags, article.images, article.related) == ((), (), ())
    assert article.language == "id"
    assert article.status == "published"


def test_url_of_exactly_max_length_accepted():
    url = "https://genpi.example/" + "a" * (MAX_URL - len("https://genpi.example/"))
    assert len(url) == MAX_URL
    assert parse(record(url=url))[0].url == url


# -- rejections ---------------------------------------------------------------

LONG_URL = "https://genpi.example/" + "a" * MAX_URL
IMG = {"url": "https://genpi.example/img/1.jpg"}
REL = {"url": "https://genpi.example/a", "title": "Baca juga"}

# (test id, changes to the seed, field the error names, words the reason contains)
REJECTIONS = [
    ("url-missing", {"url": DROP}, "url", "is required"),
    ("url-relative", {"url": "/internasional/berita"}, "url", "absolute http(s) URL"),
    ("url-ftp", {"url": "ftp://genpi.example/berita"}, "url", "absolute http(s) URL"),
    ("url-no-host", {"url": "https:///berita"}, "url", "absolute http(s) URL"),
    ("url-javascript", {"url": "javascript:alert(1)"}, "url", "absolute http(s) URL"),
    ("url-too-long", {"url": LONG_URL}, "url", f"at most {MAX_URL:,}"),
    ("url-space", {"url": "https://genpi.example/berita terkini"}, "url", "white space"),
    ("url-not-string", {"url": ["https://genpi.example/"]}, "url", "must be a string"),
    ("title-missing", {"title": DROP}, "title", "is required"),
    ("title-empty", {"title": ""}, "title", "must not be empty"),
    ("title-whitespace", {"title": " \t\n "}, "title", "must not be empty"),
    ("title-not-string", {"title": 42}, "title", "must be a string"),
    ("published-missing", {"published": DROP}, "published", "is required"),
    ("published-null", {"published": None}, "published", "is required"),
    ("published-kemarin", {"published": "kemarin"}, "published", "cannot read date 'kemarin'"),
    # No year: dateutil would fill the rest from today's date; that must never happen.
    ("published-day-only", {"published": "10"}, "published", "cannot read date '10'"),
    ("published-no-year", {"published": "19 Jun 20:30"}, "published", "cannot read date"),
    ("published-no-day", {"published": "June 2024"}, "published", "cannot read date"),
    ("published-year-only", {"published": "2024"}, "published", "cannot read date"),
    ("published-impossible", {"published": "2024-02-30T10:00:00+07:00"}, "published", "cannot read date"),
    ("published-number", {"published": 1718803800}, "published", "must be a string"),
    ("updated-unreadable", {"updated": "besok"}, "updated", "cannot read date"),
    ("updated-before-published", {"updated": "2024-06-19T20:29:59+07:00"}, "updated", "before published"),
    ("updated-before-published-other-zone", {"updated": "2024-06-19T13:29:59Z"}, "updated", "before published"),
    ("status-unknown", {"status": "archived"}, "status", "must be one of published, draft, deleted"),
    ("status-wrong-case", {"status": "Published"}, "status", "must be one of"),
    ("status-not-string", {"status": 1}, "status", "must be one of"),
    ("language-word", {"language": "indonesian"}, "language", "BCP 47"),
    ("language-underscore", {"language": "zh_TW"}, "language", "BCP 47"),
    ("language-empty", {"language": ""}, "language", "must not be empty"),
    ("section-space", {"section": "luar negeri"}, "section", "one slug"),
    ("section-path", {"section": "berita/internasional"}, "section", "one slug"),
    ("tags-not-list", {"tags": "Jepang"}, "tags", "must be a list"),
    ("tags-empty-tag", {"tags": ["Jepang", ""]}, "tags[1]", "must not be empty"),
    ("tags-blank-tag", {"tags": ["  "]}, "tags[0]", "must not be empty"),
    ("tags-number", {"tags": [7]}, "tags[0]", "must be a string"),
    ("authors-not-list", {"authors": {"name": "GenPI.co"}}, "authors", "must be a list"),
    ("authors-string-item", {"authors": ["GenPI.co"]}, "authors[0]", "must be an object"),
    ("author-without-name", {"authors": [{"email": "redaksi@genpi.example"}]}, "authors[0].name", "is required"),
    ("author-blank-name", {"authors": [{"name": "GenPI.co"}, {"name": " "}]}, "authors[1].name", "must not be empty"),
    ("author-bad-email", {"authors": [{"name": "GenPI.co", "email": "redaksi.genpi.example"}]}, "authors[0].email", "must be a plain e-mail address"),
    # Atom's atom:email is an addr-spec (RFC 4287 §3.2.3): a display name would cost the Atom feed.
    ("author-email-with-name", {"authors": [{"name": "GenPI.co", "email": "Redaksi <redaksi@genpi.example>"}]}, "authors[0].email", "must be a plain e-mail address"),
    ("author-email-with-comment", {"authors": [{"name": "GenPI.co", "email": "redaksi@genpi.example (Redaksi)"}]}, "authors[0].email", "must be a plain e-mail address"),
    ("author-bad-url", {"authors": [{"name": "GenPI.co", "url": "genpi.example/redaksi"}]}, "authors[0].url", "absolute http(s) URL"),
    ("images-not-list", {"images": IMG}, "images", "must be a list"),
    ("image-not-object", {"images": ["https://genpi.example/img/1.jpg"]}, "images[0]", "must be an object"),
    ("image-without-url", {"images": [{"caption": "Foto"}]}, "images[0].url", "is required"),
    ("image-bad-url", {"images": [IMG, {"url": "img/2.jpg"}]}, "images[1].url", "absolute http(s) URL"),
    ("image-negative-width", {"images": [{**IMG, "width": -1}]}, "images[0].width", "non-negative integer"),
    ("image-bool-width", {"images": [{**IMG, "width": True}]}, "images[0].width", "non-negative integer"),
    ("image-float-height", {"images": [{**IMG, "height": 450.5}]}, "images[0].height", "non-negative integer"),
    ("image-string-length", {"images": [{**IMG, "length": "1024"}]}, "images[0].length", "non-negative integer"),
    ("image-bad-mime", {"images": [{**IMG, "type": "jpeg"}]}, "images[0].type", "MIME type"),
    ("image-caption-not-string", {"images": [{**IMG, "caption": ["Foto"]}]}, "images[0].caption", "must be a string"),
    ("related-not-list", {"related": REL}, "related", "must be a list"),
    ("related-without-title", {"related": [{"url": "https://genpi.example/a"}]}, "related[0].title", "is required"),
    ("related-bad-url", {"related": [REL, {"url": "genpi.example/b", "title": "B"}]}, "related[1].url", "absolute http(s) URL"),
    ("summary-not-string", {"summary": {"text": "x"}}, "summary", "must be a string"),
    ("content-not-string", {"content_html": 1}, "content_html", "must be a string"),
]


@pytest.mark.parametrize(("changes", "field", "reason"), [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS])
def test_rejection_names_id_field_and_reason(changes, field, reason):
    with pytest.raises(ArticleError) as excinfo:
        parse(record(**changes))
    e = excinfo.value
    assert e.field == field
    assert e.article_id == SEED_ID
    assert reason in e.reason
    assert str(e) == f"id={SEED_ID}: {field}: {e.reason}"
    assert "\n" not in str(e)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id": DROP}, "is required"),
        ({"id": None}, "is required"),
        ({"id": ""}, "must not be empty"),
        ({"id": "   "}, "must not be empty"),
        ({"id": 17}, "must be a string"),
        ({"id": ["art-17"]}, "must be a string"),
    ],
    ids=["missing", "null", "empty", "blank", "number", "list"],
)
def test_unreadable_id_rejected(changes, reason):
    with pytest.raises(ArticleError) as excinfo:
        parse(record(**changes))
    e = excinfo.value
    assert (e.field, e.article_id) == ("id", None)
    assert reason in e.reason
    assert str(e) == f"id: {e.reason}"


def test_id_with_xml_illegal_character_rejected_not_silently_changed():
    # Stripping would change the identity the feeds' GUIDs derive from.
    with pytest.raises(ArticleError) as excinfo:
        parse(record(id="art\x0017"))
    assert excinfo.value.field == "id"
    assert "\x00" not in str(excinfo.value)


@pytest.mark.parametrize("raw", [[], "article", 17, None], ids=["list", "string", "number", "null"])
def test_record_must_be_an_object(raw):
    with pytest.raises(ArticleError) as excinfo:
        parse(raw)
    assert excinfo.value.field == "(record)"


def test_article_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse(record(title=""))


# -- dates ------------------------------------------------------------------------


def test_rfc2822_accepted_and_same_instant_as_iso():
    rfc, _ = parse(record(published="Wed, 19 Jun 2024 20:30:00 +0700"))
    iso, _ = parse(record(published="2024-06-19T20:30:00+07:00"))
    assert rfc.published == iso.published == datetime(2024, 6, 19, 13, 30, tzinfo=UTC)
    assert rfc.published.utcoffset() == timedelta(hours=7)


def test_rfc2822_gmt_accepted():
    article, _ = parse(record(published="Wed, 19 Jun 2024 13:30:00 GMT"))
    assert article.published == datetime(2024, 6, 19, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2024-06-19T20:30:00", "2024-06-19 20:30:00", "19 Jun 2024 20:30:00"])
def test_naive_date_takes_site_time_zone(value):
    article, _ = parse(record(published=value))
    assert article.published.utcoffset() == timedelta(hours=7)
    assert article.published == datetime(2024, 6, 19, 13, 30, tzinfo=UTC)
    assert article_to_dict(article)["published"] == "2024-06-19T20:30:00+07:00"


def test_naive_date_follows_configured_zone_not_a_fixed_one():
    article, _ = parse(record(published="2024-06-19T20:30:00"), tz=ZoneInfo("Europe/Berlin"))
    assert article.published.utcoffset() == timedelta(hours=2)  # CEST in June
    article, _ = parse(record(published="2024-01-19T20:30:00"), tz=ZoneInfo("Europe/Berlin"))
    assert article.published.utcoffset() == timedelta(hours=1)  # CET in January


def test_z_suffix_kept_as_utc():
    article, _ = parse(record(published="2024-06-19T13:30:00Z"))
    assert article.published.utcoffset() == timedelta(0)
    assert article.published == datetime(2024, 6, 19, 13, 30, tzinfo=UTC)
    assert article_to_dict(article)["published"] == "2024-06-19T13:30:00+00:00"


def test_naive_updated_takes_site_zone_and_may_equal_published():
    article, _ = parse(record(published="2024-06-19T13:30:00Z", updated="2024-06-19T20:30:00"))
    assert article.updated == article.published
    assert article.updated.utcoffset() == timedelta(hours=7)
    assert article.modified == article.updated


def test_microseconds_kept():
    article, _ = parse(record(published="2024-06-19T20:30:00.123456+07:00"))
    assert article.published.microsecond == 123456


# -- characters ---------------------------------------------------------------------


def test_xml_illegal_characters_stripped_from_title_with_warning():
    article, warnings = parse(record(title="Jepang\x00 dan\x1f Selandia\x0b Baru"))
    assert article.title == "Jepang dan Selandia Baru"
    assert warnings == [f"id={SEED_ID}: title: removed 3 characters XML 1.0 forbids"]


def test_xml_illegal_characters_stripped_from_nested_fields():
    raw = record(
        images=[{"url": "https://genpi.example/img/1.jpg", "caption": "Perdana\x08 Menteri", "credit": "AP\x1b Photo"}],
        authors=[{"name": "Redaksi\x01"}],
        related=[{"url": "https://genpi.example/a", "title": "Baca\x0c juga"}],
        tags=["Jepang\x02"],
    )
    article, warnings = parse(raw)
    assert article.images[0].caption == "Perdana Menteri"
    assert article.images[0].credit == "AP Photo"
    assert article.authors[0].name == "Redaksi"
    assert article.related[0].title == "Baca juga"
    assert article.tags == ("Jepang",)
    fields = {w.split(": ")[1] for w in warnings}
    assert fields == {"images[0].caption", "images[0].credit", "authors[0].name", "related[0].title", "tags[0]"}
    assert all(w.startswith(f"id={SEED_ID}: ") for w in warnings)


def test_lone_surrogate_and_nonchars_stripped_from_json_input():
    # As a CMS would send them: JSON escapes for a lone surrogate, U+FFFE, U+FFFF and NUL.
    line = json.dumps(seed_record()).replace('"summary": "', '"summary": "\\ud800A\\ufffeB\\uffffC\\u0000')
    raw = json.loads(line)
    article, warnings = parse(raw)
    assert article.summary.startswith("ABCJepang dan Selandia Baru")
    article.summary.encode("utf-8")  # no surrogate left to break encoding
    assert warnings == [f"id={SEED_ID}: summary: removed 4 characters XML 1.0 forbids"]


def test_illegal_characters_in_content_and_dates_stripped():
    article, warnings = parse(record(content_html="<p>a\x0e</p>", published="2024-06-19T20:30:00+07:00\x00"))
    assert article.content_html == "<p>a</p>"
    assert article.published == datetime(2024, 6, 19, 13, 30, tzinfo=UTC)
    assert {w.split(": ")[1] for w in warnings} == {"content_html", "published"}


HOSTILE = (
    "“Kutip” ‘tunggal’ — 😀🇮🇩 עברית \u200fالعربية\u200e & &amp; < > ]]> <![CDATA[x]]> "
    "\t tab\nLF\rCR\r\n \x7f \x85 \u2028 \ufeff \ufffd \ue000 \U0010ffff"
)


def test_hostile_but_legal_text_kept_exactly():
    raw = record(
        title=HOSTILE,
        summary=HOSTILE,
        content_html=f"<p>{HOSTILE}</p>",
        images=[{"url": "https://genpi.example/img/1.jpg", "caption": HOSTILE, "credit": HOSTILE}],
        related=[{"url": "https://genpi.example/a", "title": HOSTILE}],
        authors=[{"name": HOSTILE}],
        tags=[HOSTILE],
    )
    article, warnings = parse(raw)
    assert warnings == []
    assert article.title == article.summary == HOSTILE
    assert article.content_html == f"<p>{HOSTILE}</p>"
    assert article.images[0].caption == article.images[0].credit == HOSTILE
    assert article.related[0].title == article.authors[0].name == article.tags[0] == HOSTILE


def test_hostile_text_survives_json_round_trip():
    line = json.dumps(record(title=HOSTILE), ensure_ascii=False)
    article, _ = parse(json.loads(line))
    assert json.loads(json.dumps(article_to_dict(article), ensure_ascii=False))["title"] == HOSTILE


# -- offsets, named zones and the date range (issue 11) ----------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2024-06-19T20:30:00+25:00", "offset +25:00"),
        ("2024-06-19T20:30:00+2400", "offset +24:00"),
        ("2024-06-19T20:30:00-9999", "real zones lie between"),
        ("June 19 2024 8:30pm UTC+30", "offset +30:00"),
        ("2024-06-19T20:30:00+15:00", "offset +15:00"),
        ("2024-06-19T20:30:00+07:00:30", "whole minutes"),
    ],
)
def test_offset_of_no_real_zone_rejected_with_the_offset_named(value, words):
    with pytest.raises(ArticleError) as excinfo:
        parse(record(published=value))
    assert excinfo.value.field == "published"
    assert words in excinfo.value.reason
    assert repr(value) in excinfo.value.reason


@pytest.mark.parametrize("name", sorted(dates.ZONES))
def test_named_zone_read_as_its_offset(name, recwarn):
    article, _ = parse(record(published=f"Wed, 19 Jun 2024 20:30:00 {name}"))
    assert article.published.utcoffset() == dates.ZONES[name]
    assert article.published.replace(tzinfo=None) == datetime(2024, 6, 19, 20, 30)
    assert not recwarn.list  # never dateutil's UnknownTimezoneWarning


def test_est_is_minus_five_not_the_site_zone():
    article, _ = parse(record(published="Wed, 19 Jun 2024 20:30:00 EST"))
    assert article.published == datetime(2024, 6, 20, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", ["19 Jun 2024 20:30 UTC+7", "19 Jun 2024 20:30 GMT+07:00", "19 Jun 2024 20:30 UTC+0700"])
def test_utc_plus_hours_means_ahead_of_utc(value):
    # dateutil alone reads "UTC+7" the POSIX way (seven hours behind): fourteen hours off.
    assert parse(record(published=value))[0].published == datetime(2024, 6, 19, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("name", ["IST", "CET", "XYZ", "JST"])
def test_other_zone_abbreviation_rejected_never_guessed(name, recwarn):
    with pytest.raises(ArticleError) as excinfo:
        parse(record(published=f"Wed, 19 Jun 2024 20:30:00 {name}"))
    assert excinfo.value.field == "published"
    assert f"names time zone '{name}'" in excinfo.value.reason
    assert not recwarn.list


def test_numeric_offset_wins_over_a_comment_zone():
    article, _ = parse(record(published="19 Jun 2024 20:30:00 +0700 (WIB)"))
    assert article.published.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1969-12-31T23:59:59Z", "before 1970"),
        ("0001-01-01T00:00:00", "before 1970"),
        ("9000-01-01T00:00:00Z", "after 8999"),
        ("9999-12-31T23:59:59-12:00", "after 8999"),
    ],
)
def test_dates_outside_the_sane_range_rejected(value, words):
    with pytest.raises(ArticleError) as excinfo:
        parse(record(published=value, updated=DROP))
    assert excinfo.value.field == "published" and words in excinfo.value.reason


@pytest.mark.parametrize("value", ["1970-01-01T00:00:00Z", "8999-12-31T23:59:59Z", "8999-12-31T23:59:59+14:00", "1970-01-01T11:59:00-12:00"])
def test_dates_at_the_edges_of_the_range_can_be_written(value):
    article, _ = parse(record(published=value, updated=DROP))
    assert datetime.fromisoformat(article_to_dict(article)["published"]) == article.published
    assert article.published.strftime("%a, %d %b %Y %H:%M:%S %z")  # RFC 822 with a four-digit year


# -- every problem of a record, not just the first (issue 10) -------------------------------------


def test_every_problem_reported_in_field_order():
    with pytest.raises(ArticleError) as excinfo:
        parse(record(url="genpi.example/x", title="", published="yesterday", tags=["a", 7, ""], images=[{"url": "x"}, {"url": "https://genpi.example/a.jpg", "width": -1}]))
    problems = [(p.field, p.reason) for p in excinfo.value.problems]
    assert [f for f, _ in problems] == ["url", "title", "published", "tags[1]", "tags[2]", "images[0].url", "images[1].width"]
    assert all(p.article_id == SEED_ID for p in excinfo.value.problems)
    assert problems[2] == ("published", "cannot read date 'yesterday'")
    # It still reads as its first problem for callers that know one.
    assert (excinfo.value.field, str(excinfo.value)) == ("url", str(excinfo.value.problems[0]))


def test_problems_travel_back_from_a_worker_intact():
    import pickle

    with pytest.raises(ArticleError) as excinfo:
        parse(record(url="x", title=""))
    again = pickle.loads(pickle.dumps(excinfo.value))
    assert [str(p) for p in again.problems] == [str(p) for p in excinfo.value.problems]
    assert len(again.problems) == 2


# -- limits (issue 11) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": "x" * (limits.MAX_SHORT_TEXT + 1)}, "title", f"at most {limits.MAX_SHORT_TEXT:,}"),
        ({"content_html": "x" * (limits.MAX_LONG_TEXT + 1)}, "content_html", f"at most {limits.MAX_LONG_TEXT:,}"),
        ({"tags": ["t"] * (limits.MAX_LIST_ITEMS + 1)}, "tags", f"at most {limits.MAX_LIST_ITEMS:,}"),
        ({"images": [{**IMG, "width": limits.MAX_COUNT + 1}]}, "images[0].width", "non-negative integer"),
        ({"images": [{**IMG, "length": 10**4000}]}, "images[0].length", "non-negative integer"),
        ({"authors": [{"name": "n" * 10_000_000}]}, "authors[0].name", "10,000,000 characters"),
    ],
    ids=["title", "content", "tags", "width", "huge-int", "ten-mb-name"],
)
def test_limits_reject_the_record_with_the_limit_named(changes, field, words):
    with pytest.raises(ArticleError) as excinfo:
        parse(record(**changes))
    assert excinfo.value.field == field and words in excinfo.value.reason
    assert len(str(excinfo.value)) < 300  # the value is never echoed whole


def test_values_at_the_limits_accepted():
    article, _ = parse(record(title="x" * limits.MAX_SHORT_TEXT, tags=[f"t{i}" for i in range(limits.MAX_LIST_ITEMS)]))
    assert len(article.title) == limits.MAX_SHORT_TEXT and len(article.tags) == limits.MAX_LIST_ITEMS


# -- future updates and deletion by id (issue 10) --------------------------------------------------


def test_future_updated_is_a_warning_not_a_rejection():
    now = datetime(2024, 6, 20, 0, 0, tzinfo=UTC)
    article, warnings = parse_article(record(updated="2024-06-21T08:00:00+07:00"), JAKARTA, "id", now=now)
    assert article.updated == datetime(2024, 6, 21, 1, 0, tzinfo=UTC)
    assert warnings == [f"id={SEED_ID}: updated: 2024-06-21T08:00:00+07:00 is in the future; outputs show the build time until then"]
    assert parse_article(record(updated="2024-06-20T07:04:00+07:00"), JAKARTA, "id", now=now)[1] == []  # clock skew


def test_bare_deletion_is_a_deletion():
    assert parse_record({"id": "art-1", "status": "deleted"}, JAKARTA, "id") == (Deletion("art-1"), [])
    assert parse_record({"id": "art-1", "status": "deleted", "tags": "ignored"}, JAKARTA, "id")[0] == Deletion("art-1")


def test_full_deleted_record_is_still_validated_as_an_article():
    article, _ = parse_record(record(status="deleted"), JAKARTA, "id")
    assert article.status == "deleted" and article.id == SEED_ID
    with pytest.raises(ArticleError) as excinfo:
        parse_record({"id": "art-1", "status": "deleted", "title": "Judul"}, JAKARTA, "id")
    assert [p.field for p in excinfo.value.problems] == ["url", "published"]


@pytest.mark.parametrize("raw", [{"status": "deleted"}, {"id": 5, "status": "deleted"}, ["deleted"]])
def test_deletion_needs_a_readable_id(raw):
    with pytest.raises(ArticleError):
        parse_record(raw, JAKARTA, "id")


@pytest.mark.parametrize("rid", ["art\n1", "art\r1", "art\u2028x", "art\u200f"])
def test_an_id_that_does_not_print_is_escaped_so_messages_stay_one_line(rid):
    with pytest.raises(ArticleError) as excinfo:
        parse(record(id=rid, title=""))
    assert excinfo.value.article_id == rid
    assert str(excinfo.value) == f"id={repr(rid)[1:-1]}: title: must not be empty"
    _, warnings = parse(record(id=rid, title="Judul\x00"))
    assert warnings == [f"id={repr(rid)[1:-1]}: title: removed 1 character XML 1.0 forbids"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"extra": "deep"}, "extra"),
        ({"images": [{**IMG, "exif": "deep"}]}, "images[0].exif"),
        ({"authors": [{"name": "A", "x\ny": "deep"}]}, "authors[0].x\\ny"),
    ],
)
def test_unknown_fields_nested_too_deep_reject_the_record(changes, field):
    def nest(value, levels):
        for _ in range(levels):
            value = [value]
        return value

    level_of_value = 2 if field == "extra" else 4  # the record is level 1, a list's object level 3
    too_deep, fine = dict(changes), dict(changes)
    key = field.rsplit(".", 1)[-1].replace("\\n", "\n")
    for target, levels in ((too_deep, limits.MAX_DEPTH - level_of_value + 2), (fine, limits.MAX_DEPTH - level_of_value + 1)):
        if field == "extra":
            target["extra"] = nest(1, levels)
        else:
            list_name = field.split("[", 1)[0]
            target[list_name] = [{**target[list_name][0], key: nest(1, levels)}]
    parse(record(**fine))
    with pytest.raises(ArticleError) as excinfo:
        parse(record(**too_deep))
    assert (excinfo.value.field, excinfo.value.reason) == (field, "nested deeper than 32 levels")
