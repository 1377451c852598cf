"""The limits of sitemaps.org and Google's news and image extensions (each stated once)."""

from __future__ import annotations

#: sitemaps.org: "no more than 50,000 URLs and must be no larger than 50MB (52,428,800 bytes)".
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
#: sitemaps.org: an index lists at most 50,000 sitemaps.
MAX_INDEX_ENTRIES = 50_000
#: Google News: "no more than 1,000 news:news tags"; articles of the last two days.
NEWS_MAX_URLS = 1000
NEWS_WINDOW_HOURS = 48
#: Google: "You can include up to 1,000 image:image tags for each page."
MAX_IMAGES = 1000
