"""The one door from the importers into ``feedhub ingest``'s path.

Records go in as NDJSON lines in memory, so the contract, the store batches, the report line and
the exit codes are exactly ``feedhub ingest``'s; only this module knows which ingest function
takes a stream.  ``feedhub.ingest`` has no public stream entry point yet and is being reworked in
parallel (issues 10/11: ``_ingest_stream`` becomes ``_Batches`` over ``_prepared``), so both
shapes are served here, looked up by name; once one public ``ingest_stream`` exists, this module
shrinks to a call of it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any

from .. import ingest
from ..ingest import IngestReport, Rejection
from ..store import Store


def ndjson(records: Iterable[dict[str, Any]], *, ascii_only: bool = True) -> bytes:
    """One JSON object per line; *ascii_only* escapes what is not ASCII (lone surrogates survive)."""
    return b"".join(json.dumps(r, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass") + b"\n" for r in records)


def ingest_records(name: str, records: list[dict[str, Any]], store: Store, tz: tzinfo, language: str, report: IngestReport) -> None:
    """Validate and store *records* as lines 1… of an input called *name*."""
    if not records:
        return
    stream = io.BytesIO(ndjson(records))
    by_stream = getattr(ingest, "_ingest_stream", None)
    if by_stream is not None:
        by_stream(name, stream, store, tz, language, report)
        return
    site = getattr(ingest, "_Site")(tz, language, datetime.now(UTC))  # noqa: B009 -- see the module docstring
    getattr(ingest, "_Batches")(store, report).ingest(name, getattr(ingest, "_prepared")(name, stream, site))  # noqa: B009


def rejection_lines(rejection: Rejection) -> list[str]:
    """What ``feedhub ingest`` prints for *rejection*: one line per problem where the report
    knows several (``Rejection.lines()`` in the reworked ingest), else its one line."""
    lines = getattr(rejection, "lines", None)
    return list(lines()) if callable(lines) else [str(rejection)]

