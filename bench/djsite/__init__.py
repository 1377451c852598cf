"""A minimal Django site over the benchmark store, for W3's "what a Django site would do".

The ``articles`` table of the feedhub store is mapped as an unmanaged model; the archive
sitemap is ``django.contrib.sitemaps.GenericSitemap`` over it, served by Django's own
``index`` and ``sitemap`` views (called with RequestFactory requests: no HTTP server).
"""

from __future__ import annotations


def setup(store_path: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["genpi.example"],
        INSTALLED_APPS=["django.contrib.sitemaps", "djsite"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": store_path}},
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
        ROOT_URLCONF="djsite.urls",
        USE_TZ=True,
        TIME_ZONE="Asia/Jakarta",
    )
    django.setup()
