"""Where articles live between ingest and build.

:class:`Store` (in :mod:`.base`) is the interface every backend implements;
:func:`open_store` picks the backend by URL scheme: the SQLite file is the
embedded default, PostgreSQL the server one, and both pass the same tests
(``tests/test_store.py``).  Driver errors never leave a backend raw: they
become :class:`StoreError` with the original as ``__cause__``.
"""

from __future__ import annotations

from ..errors import StoreError
from .base import Store, StoreInfo, UpsertResult, open_store, register_backend
from .records import ArticleRecord, to_record

__all__ = ["ArticleRecord", "Store", "StoreError", "StoreInfo", "UpsertResult", "open_store", "register_backend", "to_record"]
