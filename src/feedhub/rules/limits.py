"""How large one import record may be.  Each limit keeps an accepted article writable into every
output: libxml2 (which the validator and every reader's parser use) refuses a text node over
10,000,000 characters unless told otherwise, and escaping can make text up to five times longer
(``&`` becomes ``&amp;``).  The limits are stated in docs/import.md; ingest rejects the record,
never the file.
"""

from __future__ import annotations

#: Bytes of one record as read (one NDJSON line, or one element of a JSON array).
MAX_RECORD_BYTES = 2 * 1024 * 1024
#: Characters of ``summary`` and ``content_html``: five times this stays under libxml2's
#: 10,000,000-character text node.
MAX_LONG_TEXT = 1_000_000
#: Characters of every other text field (title, tags, names, captions, credits, section, ...).
MAX_SHORT_TEXT = 2_000
#: Items in each list (``tags``, ``authors``, ``images``, ``related``).
MAX_LIST_ITEMS = 200
#: Levels of nesting of arrays and objects in a record, counting the record itself; the contract
#: needs three (record, list, object), unknown fields get room to spare.
MAX_DEPTH = 32
#: Pixel width or height and byte length of an image (``xs:int`` in Media RSS and feeds' readers).
MAX_COUNT = 2**31 - 1
