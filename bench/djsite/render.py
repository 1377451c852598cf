"""W3 the Django way: the index view, then the sitemap view for every page, each gzipped as feedhub does."""

from __future__ import annotations

from collections.abc import Iterator


def archive(gzip) -> Iterator[tuple[str, bytes]]:
    """Yield (path, bytes) for every page of the archive sitemap, then the index; *gzip* compresses a page."""
    from django.contrib.sitemaps import views
    from django.test import RequestFactory

    from .urls import SITEMAPS

    rf = RequestFactory()
    kw = {"HTTP_HOST": "genpi.example", "secure": True}
    pages = SITEMAPS["archive"].paginator.num_pages
    for p in range(1, pages + 1):
        resp = views.sitemap(rf.get("/sitemap-archive.xml", {"p": p}, **kw), sitemaps=SITEMAPS, section="archive")
        resp.render()
        yield f"sitemap-archive-{p}.xml.gz", gzip(resp.content)
    resp = views.index(rf.get("/sitemap.xml", **kw), sitemaps=SITEMAPS)
    resp.render()
    yield "sitemap.xml", resp.content
