"""``feedhub store copy``: move every article from one store to another, verified.

Rows travel as stored (:meth:`Store.iter_records`), in id order, in batches.
Afterwards both stores are read again and must agree on the article count and
on a checksum over every (id, stored JSON) pair; a mismatch is an error, never a
silent partial copy.  The destination must be empty, so the copy is exactly the
source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import StoreError
from .base import Store
from .records import ArticleRecord

BATCH = 10_000


@dataclass(frozen=True, slots=True)
class CopyReport:
    #: Articles copied, in any status.
    articles: int
    #: BLAKE2b hex digest over every (id, doc) in id order; equal on both sides.
    checksum: str


def checksum(records: Iterable[ArticleRecord]) -> tuple[int, str]:
    """How many records and their checksum (ids and docs, NUL-separated, in the order given)."""
    h = hashlib.blake2b(digest_size=32)
    n = 0
    for r in records:
        h.update(r.id.encode("utf-8", "surrogatepass") + b"\0" + r.doc.encode("utf-8", "surrogatepass") + b"\0")
        n += 1
    return n, h.hexdigest()


def copy_store(src: Store, dst: Store, where: str = "destination") -> CopyReport:
    """Copy every article of *src* into the empty *dst* and verify both agree."""
    held = dst.count(None)
    if held:
        raise StoreError(f"{where} already holds {held:,} articles; copy needs an empty store")
    batch: list[ArticleRecord] = []
    for record in src.iter_records():
        batch.append(record)
        if len(batch) >= BATCH:
            dst.upsert(batch)
            batch = []
    if batch:
        dst.upsert(batch)
    want, got = checksum(src.iter_records()), checksum(dst.iter_records())
    if want != got:
        raise StoreError(f"{where}: copy does not match the source: {got[0]:,} articles, checksum {got[1][:16]} (source: {want[0]:,}, {want[1][:16]})")
    return CopyReport(*want)
