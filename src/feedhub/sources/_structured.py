"""Structured data in a page: JSON-LD (schema.org) and ``<meta>`` (OpenGraph, ``article:``, description).

Read with lxml and :mod:`json` directly rather than extruct: extruct would add 19 packages (rdflib,
pyrdfa3, mf2py, html5lib, beautifulsoup4, requests, …, about 40 MB) and 0.4 s of import time for two
syntaxes that are a few lines each here, ships no type information, and its ``uniform`` OpenGraph
output keeps only the first of repeated properties (``article:tag``), which are exactly the ones
newsrooms repeat.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html

#: schema.org types read as the page's article, in any ``@type`` spelling (plain or a list).
ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting", "Report"})


def json_ld_article(root: lxml_html.HtmlElement, warnings: list[str]) -> dict[str, Any] | None:
    """The first JSON-LD object typed as an article (top level, in a list or in ``@graph``), its
    ``{"@id": …}`` references to other nodes of the page (Yoast's image and author) resolved."""
    nodes = _nodes(root, warnings)
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    for node in nodes:
        types = node.get("@type")
        if ARTICLE_TYPES.intersection(types if isinstance(types, list) else [types]):
            return {key: _resolve(value, by_id) for key, value in node.items()}
    return None


def _nodes(root: lxml_html.HtmlElement, warnings: list[str]) -> list[dict[str, Any]]:
    """Every JSON object of every JSON-LD block; a block that cannot be read is a warning."""
    nodes: list[dict[str, Any]] = []
    for n, script in enumerate(root.xpath("//script[translate(@type,'LDJSON+','ldjson+')='application/ld+json']"), 1):
        try:
            nodes.extend(_objects(json.loads(script.text or "", strict=False)))
        except json.JSONDecodeError as e:
            warnings.append(f"JSON-LD block {n} is not valid JSON ({e.msg} at line {e.lineno}); skipped")
        except (ValueError, RecursionError) as e:  # a 5,000-digit number, nesting past Python's stack
            warnings.append(f"JSON-LD block {n} cannot be read ({type(e).__name__}); skipped")
    return nodes


def _resolve(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, list):
        return [_resolve(v, by_id) for v in value]
    if isinstance(value, dict) and value.get("@id") in by_id and not (value.keys() - {"@id", "name"}):
        return by_id[value["@id"]] | {k: v for k, v in value.items() if k != "@id"}
    return value


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _objects(data.get("@graph"))


def metas(root: lxml_html.HtmlElement) -> dict[str, list[str]]:
    """``<meta>`` values by lower-cased ``property`` or ``name``, every repeat kept in order."""
    found: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        value = meta.get("content")
        if key and value is not None and value.strip():
            found.setdefault(key.strip().lower(), []).append(value.strip())
    return found


def first(values: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        if values.get(key):
            return values[key][0]
    return None


def text(value: Any) -> str | None:
    """A schema.org value as text: a string, a ``{"name"}``/``{"@value"}`` object, or a list's first."""
    if isinstance(value, list):
        return text(value[0]) if value else None
    if isinstance(value, dict):
        return text(value.get("name") or value.get("@value"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


def url(value: Any) -> str | None:
    """A URL given as a string, or as a ``{"@id"}``/``{"url"}`` object (``mainEntityOfPage``)."""
    if isinstance(value, list):
        return url(value[0]) if value else None
    if isinstance(value, dict):
        return url(value.get("url") or value.get("@id") or value.get("contentUrl"))
    return value.strip() or None if isinstance(value, str) else None


def identifier(value: Any) -> str | None:
    """``identifier`` as text: a string, a number, or a ``PropertyValue``'s ``value``."""
    if isinstance(value, dict):
        return identifier(value.get("value") or value.get("@id"))
    return text(value)


def count(value: Any) -> int | None:
    """A width or height: ``1200``, ``"1200"``, ``"1200px"`` or a ``QuantitativeValue``."""
    if isinstance(value, dict):
        return count(value.get("value"))
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        digits = value.strip().removesuffix("px").strip()
        return int(digits) if digits.isdigit() else None
    return None


def images(value: Any) -> list[dict[str, Any]]:
    """schema.org ``image``: URLs or ``ImageObject`` s, with caption, ``creditText``, size and type."""
    out: list[dict[str, Any]] = []
    for item in value if isinstance(value, list) else [value]:
        link = url(item)
        if link is None:
            continue
        image: dict[str, Any] = {"url": link}
        if isinstance(item, dict):
            image |= {
                "caption": text(item.get("caption")) or text(item.get("description")),
                "credit": text(item.get("creditText")) or text(item.get("copyrightHolder")) or text(item.get("author")),
                "type": text(item.get("encodingFormat")),
                "width": count(item.get("width")),
                "height": count(item.get("height")),
            }
        out.append(image)
    return out


def authors(value: Any) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in value if isinstance(value, list) else [value]:
        name = text(item)
        if name is None:
            continue
        author = {"name": name}
        if isinstance(item, dict):
            for key in ("email", "url"):
                v = url(item.get(key)) if key == "url" else text(item.get(key))
                if v:
                    author[key] = v
        out.append(author)
    return out


def keywords(value: Any) -> list[str]:
    """``keywords`` as a list: a list of strings, or one comma-separated string."""
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [k for item in value if (k := text(item))]
    return []
