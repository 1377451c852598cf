"""The official schemas in ../shared/schemas as test oracles (never a runtime dependency)."""

from __future__ import annotations

from functools import cache

from lxml import etree

from conftest import need_schemas

_SITEMAP_WRAPPER = """<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <xsd:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9" schemaLocation="{base}/sitemap.xsd"/>
  <xsd:import namespace="http://www.google.com/schemas/sitemap-news/0.9" schemaLocation="{base}/sitemap-news.xsd"/>
  <xsd:import namespace="http://www.google.com/schemas/sitemap-image/1.1" schemaLocation="{base}/sitemap-image.xsd"/>
</xsd:schema>
"""


@cache
def urlset_schema() -> etree.XMLSchema:
    """``urlset`` with the news and image extensions loaded (strict wildcards need them)."""
    wrapper = _SITEMAP_WRAPPER.format(base=need_schemas().resolve().as_uri())
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


@cache
def siteindex_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(need_schemas() / "siteindex.xsd")))


@cache
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(need_schemas() / "atom.rng")))


def schema_errors(data: bytes, schema) -> list[str]:
    """Every schema error for *data*, as ``line: message``; empty means valid."""
    doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    if schema.validate(doc):
        return []
    return [f"{e.line}: {e.message}" for e in schema.error_log]
