"""feedhub: publish a newsroom's articles as RSS 2.0, Atom 1.0 and Google News / archive sitemaps."""

__version__ = "0.1.0"
