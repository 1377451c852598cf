"""One WordPress REST API post (``/wp/v2/posts?_embed``) → one import record.

Field by field: ``guid`` → id (WordPress's stable identity, kept across permalink changes),
``link`` → url, ``title``/``excerpt`` (rendered HTML) → plain text, ``date``+``date_gmt`` → published
with the site's own offset, ``content`` → content_html minus "Baca juga" blocks (which become
related), embedded authors, the first category → section, tags, the featured media with its
caption and credit (``media_details.image_meta.credit``, else "Foto: …" in the caption).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from typing import Any
from urllib.parse import unquote

from lxml import etree
from lxml.html import fragment_fromstring, tostring

from ..errors import ArticleError
from ._body import related_blocks, related_links
from ._text import split_credit, squash

_TAG = re.compile(r"<[^>]*>")
_MORE = re.compile(r"\s*\[(?:…|\.\.\.)\]$")
#: WordPress post status → the contract's; a trashed post leaves the outputs.
STATUS = {"publish": "published", "future": "published", "draft": "draft", "pending": "draft", "private": "draft", "trash": "deleted"}


def rendered(value: Any) -> str | None:
    """``{"rendered": "…"}`` (or a bare string) as its HTML."""
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else None


def plain(html_text: str | None) -> str | None:
    """Rendered HTML as the text a reader sees (entities decoded, tags dropped)."""
    if not html_text or not html_text.strip():
        return None
    try:
        return squash(fragment_fromstring(html_text, create_parent="div").text_content()) or None
    except etree.ParserError:
        return None
    except ValueError:
        # lxml refuses text with characters XML forbids; keep them so the contract strips them
        # with its warning naming the field.
        return squash(unescape(_TAG.sub("", html_text))) or None


def with_offset(local: Any, gmt: Any) -> str | None:
    """``date`` (site time, no zone) with the offset ``date - date_gmt``, so the record keeps the
    site's own zone; without ``date_gmt`` (drafts) the contract reads it in the site time zone.
    When the two disagree beyond any real offset, ``date_gmt`` wins: UTC cannot be misread."""
    if not isinstance(local, str) or not local:
        return None
    here, utc = _naive(local), _naive(gmt)
    if here is None or utc is None:
        return local
    offset = here - utc
    if abs(offset) >= timedelta(hours=24) or offset % timedelta(minutes=1):
        return utc.replace(tzinfo=UTC).isoformat()
    return here.replace(tzinfo=timezone(offset)).isoformat()


def _naive(value: Any) -> datetime | None:
    """A zone-less ISO date-time as WordPress writes ``date``/``date_gmt``, else None."""
    try:
        dt = datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
    return dt if dt is not None and dt.tzinfo is None else None


def post_record(post: dict[str, Any], site: str, related_re: re.Pattern[str]) -> dict[str, Any]:
    pid = post.get("id")
    rid = plain(rendered(post.get("guid"))) or f"{site}/?p={pid}"
    status = STATUS.get(str(post.get("status", "publish")))
    if status is None:
        raise ArticleError(rid, "status", f"unknown WordPress status {post.get('status')!r}")
    published = with_offset(post.get("date"), post.get("date_gmt"))
    updated = with_offset(post.get("modified"), post.get("modified_gmt"))
    body, related = _content(rendered(post.get("content")), related_re)
    record = {
        "id": rid, "url": post.get("link"), "title": plain(rendered(post.get("title"))), "published": published,
        "updated": updated if updated != published else None, "summary": _excerpt(post),
        "content_html": body, "related": related, "status": status,
    }
    record |= _embedded(_dict(post.get("_embedded")))
    return {k: v for k, v in record.items() if v not in (None, [], "")}


def _content(html_text: str | None, related_re: re.Pattern[str]) -> tuple[str | None, list[dict[str, str]]]:
    """The post's HTML as WordPress rendered it, minus its related-links blocks (returned as links)."""
    if not html_text or not html_text.strip():
        return None, []
    try:
        root = fragment_fromstring(html_text, create_parent="div")
    except (ValueError, etree.ParserError):
        return html_text.strip(), []  # see plain(); the related blocks stay in this rare post
    blocks = related_blocks(root, related_re)
    if not blocks:
        return html_text.strip(), []
    links = related_links(blocks, None)
    for block in blocks:
        block.drop_tree()  # keeps the text after it
    rest = (root.text or "") + "".join(tostring(child, encoding="unicode") for child in root)
    return rest.strip() or None, links


def _excerpt(post: dict[str, Any]) -> str | None:
    """The excerpt as text, without the " […]" WordPress appends to an automatic one."""
    text = plain(rendered(post.get("excerpt")))
    return _MORE.sub("", text) or None if text else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _embedded(emb: dict[str, Any]) -> dict[str, Any]:
    terms = [_dict(t) for group in _list(emb.get("wp:term")) for t in _list(group)]
    media = [_image(_dict(m)) for m in _list(emb.get("wp:featuredmedia"))[:1]]
    return {
        "authors": [_author(a) for a in map(_dict, _list(emb.get("author"))) if a.get("name")],
        "section": _section(terms),
        "tags": _tags(terms),
        "images": [m for m in media if m],
    }


def _section(terms: list[dict[str, Any]]) -> str | None:
    """The first category's slug (percent-decoded: WordPress stores non-ASCII slugs encoded)."""
    slugs = [unquote(str(t["slug"])) for t in terms if t.get("taxonomy") == "category" and t.get("slug")]
    return slugs[0] if slugs else None


def _tags(terms: list[dict[str, Any]]) -> list[str]:
    names = [plain(str(t.get("name") or "")) for t in terms if t.get("taxonomy") == "post_tag"]
    return [n for n in names if n]


def _author(a: dict[str, Any]) -> dict[str, str]:
    author = {"name": plain(str(a["name"])) or str(a["name"])}
    if isinstance(a.get("link"), str) and a["link"]:
        author["url"] = a["link"]
    return author


def _image(media: dict[str, Any]) -> dict[str, Any] | None:
    """The featured media (absent or an error object when private: no image, not a failure)."""
    if not isinstance(media.get("source_url"), str):
        return None
    details = _dict(media.get("media_details"))
    meta = _dict(details.get("image_meta"))
    caption, credit = split_credit(plain(rendered(media.get("caption"))) or "")
    image = {
        "url": media["source_url"], "caption": caption, "credit": (meta.get("credit") or "").strip() or credit,
        "type": media.get("mime_type"), "width": details.get("width"), "height": details.get("height"), "length": details.get("filesize"),
    }
    return {k: v for k, v in image.items() if v not in (None, "")}

