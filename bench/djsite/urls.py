from django.contrib.sitemaps import GenericSitemap, views
from django.urls import path

from .models import Article

# The idiomatic archive sitemap: GenericSitemap over a queryset, 50,000 URLs a page
# (Sitemap.limit), lastmod from a date field.  .only() keeps the wide JSON column out, and the
# status test is written "+status" (rows.SITEMAP_SQL says why) so Django gets the same fast
# scan in id order as the limit instead of a full sort per page.
PUBLISHED = Article.objects.extra(where=["+status = %s"], params=["published"]).order_by("id").only("id", "url", "lastmod")
SITEMAPS = {
    "archive": GenericSitemap(
        {"queryset": PUBLISHED, "date_field": "lastmod"},
        protocol="https",
    )
}

urlpatterns = [
    path("sitemap.xml", views.index, {"sitemaps": SITEMAPS}),
    path("sitemap-<section>.xml", views.sitemap, {"sitemaps": SITEMAPS}, name="django.contrib.sitemaps.views.sitemap"),
]
