"""The state record next to the outputs: what each output holds and how its last build went.

``<output dir>/.feedhub-status.json``, replaced atomically after each build;
``feedhub status`` prints it, monitoring reads ``--json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .publish import atomic_write

STATUS_NAME = ".feedhub-status.json"


@dataclass(frozen=True, slots=True)
class OutputStatus:
    path: str
    kind: str
    #: Items in the file on disk (the last good version).
    items: int
    bytes: int
    sha256: str
    #: When the bytes on disk last changed (ISO 8601, UTC).
    written_at: str | None
    #: When this output was last built, whatever the outcome.
    built_at: str
    #: ``ok`` or ``failed``.
    validation: str
    #: The problems of the last validation, one line each.
    problems: tuple[str, ...] = ()
    #: Articles the last build could not write into this output: ``{id, field, rule, message}`` each.
    left_out: tuple[dict[str, str | None], ...] = ()


def status_path(output_dir: Path) -> Path:
    return output_dir / STATUS_NAME


def load_status(output_dir: Path) -> dict[str, OutputStatus]:
    try:
        raw = json.loads(status_path(output_dir).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    out = {}
    for d in raw.get("outputs", []):
        try:
            d["problems"] = tuple(d.get("problems", ()))
            d["left_out"] = tuple(d.get("left_out", ()))
            out[d["path"]] = OutputStatus(**d)
        except (KeyError, TypeError):
            continue  # a record from another version: rebuilt on the next build
    return out


def save_status(output_dir: Path, outputs: dict[str, OutputStatus]) -> None:
    doc: dict[str, Any] = {"version": 1, "outputs": [asdict(outputs[k]) | {"problems": list(outputs[k].problems)} for k in sorted(outputs)]}
    atomic_write(status_path(output_dir), (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode())


def format_table(outputs: dict[str, OutputStatus]) -> str:
    head = ("output", "kind", "items", "bytes", "written (UTC)", "built (UTC)", "validation")
    rows = [
        (s.path, s.kind, str(s.items), str(s.bytes), _short_time(s.written_at), _short_time(s.built_at), s.validation)
        for s in (outputs[k] for k in sorted(outputs))
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [head, *rows]]
    for s in outputs.values():
        lines.extend(f"{s.path}: {p}" for p in s.problems)
        lines.extend(f"{s.path}: left out {_left_out_line(x)}" for x in s.left_out)
    return "\n".join(lines)


def _left_out_line(x: dict[str, str | None]) -> str:
    who = f"id={x.get('id')}: " if x.get("id") is not None else ""
    return f"{who}{x.get('field')}: {x.get('message')} [{x.get('rule')}]"


def _short_time(iso: str | None) -> str:
    return iso[:19].replace("T", " ") if iso else "-"
