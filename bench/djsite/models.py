from django.db import models

SITE = "https://genpi.example"


class Article(models.Model):
    """The feedhub store's ``articles`` table, read-only (Django never creates or migrates it)."""

    id = models.TextField(primary_key=True)
    status = models.TextField()
    url = models.TextField()
    lastmod = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "articles"
        app_label = "djsite"

    def get_absolute_url(self) -> str:
        return self.url[len(SITE):]
