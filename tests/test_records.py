"""The stored doc's exact form: the store's digest is of these bytes, so a store written by an
earlier feedhub sees an unchanged re-ingest as unchanged only while key order and what is left
out stay the same."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from conftest import JAKARTA
from feedhub.contract import parse_article
from feedhub.model import Article, Author, Image, article_from_dict
from feedhub.store.records import to_record

CONTRACT_ORDER = ["id", "url", "title", "published", "updated", "summary", "content_html", "authors", "section", "tags", "language", "images", "related", "status"]


def test_seed_doc_keeps_contract_order_compact_and_unescaped(seed):
    article, _ = parse_article(seed, JAKARTA, "id")
    rec = to_record(article)
    doc = json.loads(rec.doc)
    assert list(doc) == [k for k in CONTRACT_ORDER if k in doc]
    assert rec.doc == json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    assert rec.digest == hashlib.blake2b(rec.doc.encode(), digest_size=16).digest()
    assert article_from_dict(doc) == article


def test_absent_values_are_left_out_and_zero_is_kept():
    a = Article(
        id="x", url="https://e.example/x", title="T", published=datetime(2024, 6, 20, tzinfo=UTC), language="id",
        authors=(Author("A"), Author("B", email="b@e.example")), images=(Image("https://e.example/i.jpg", width=0),),
    )
    assert to_record(a).doc == (
        '{"id":"x","url":"https://e.example/x","title":"T","published":"2024-06-20T00:00:00+00:00",'
        '"authors":[{"name":"A"},{"name":"B","email":"b@e.example"}],"language":"id",'
        '"images":[{"url":"https://e.example/i.jpg","width":0}],"status":"published"}'
    )
