"""The one door from the importers into ``feedhub ingest``'s path.

Records go in as NDJSON lines in memory, so the contract, the store batches, the report line and
the exit codes are exactly ``feedhub ingest``'s.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import tzinfo
from typing import Any

from ..ingest import IngestReport, Rejection, ingest_stream
from ..store import Store


def ndjson(records: Iterable[dict[str, Any]], *, ascii_only: bool = True) -> bytes:
    """One JSON object per line; *ascii_only* escapes what is not ASCII (lone surrogates survive)."""
    return b"".join(json.dumps(r, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass") + b"\n" for r in records)


def ingest_records(name: str, records: list[dict[str, Any]], store: Store, tz: tzinfo, language: str, report: IngestReport) -> None:
    """Validate and store *records* as lines 1… of an input called *name*."""
    if not records:
        return
    ingest_stream(name, io.BytesIO(ndjson(records)), store, tz, language, report)


def rejection_lines(rejection: Rejection) -> list[str]:
    """What ``feedhub ingest`` prints for *rejection*: one line per problem."""
    return list(rejection.lines())

