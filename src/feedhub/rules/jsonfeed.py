"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): what the renderer writes and the validator checks."""

from __future__ import annotations

import re

#: The ``version`` of a JSON Feed 1.1 document.
VERSION_1_1 = "https://jsonfeed.org/version/1.1"
#: Version 1 documents are still JSON Feeds (1.1 only added fields and deprecated ``author``).
VERSIONS = (VERSION_1_1, "https://jsonfeed.org/version/1")
#: The media type a site advertises it under (spec §"Discovery").
MEDIA_TYPE = "application/feed+json"
#: The file name under the feed's folder.
FILE_NAME = "feed.json"
#: feedhub's extension object (spec §"Extensions": keys starting with an underscore).
EXTENSION = "_feedhub"

#: An RFC 3339 date-time (§5.6): the spec's format for ``date_published`` and ``date_modified``.
RFC3339 = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)"
)

#: Feed-level keys whose value is a URL.
FEED_URLS = ("home_page_url", "feed_url", "next_url", "icon", "favicon")
#: Item keys whose value is a URL.
ITEM_URLS = ("url", "external_url", "image", "banner_image")
#: Keys whose value is a string (feed and item alike, where they occur).
FEED_STRINGS = ("title", "description", "user_comment", "language")
ITEM_STRINGS = ("title", "content_html", "content_text", "summary", "language")
