"""A conformance set written from the spec texts (issue 12): one small document per rule,
valid and invalid twins, each citing the sentence it tests in its first comment.

``tests/conformance/<format>/<name>.xml`` opens with::

    <!-- conformance: valid[, warns RULE][, no-oracle]
         the spec, section, link and the sentence -->
    <!-- conformance: invalid RULE[, no-oracle] ... -->

Under the ``spec`` profile a valid document has no error (and the warning it names, if
any); an invalid one has an error under the rule it names.  Where an official schema
applies (Atom's RELAX NG, the sitemap XSDs) it judges the document too, unless the file
says ``no-oracle`` (the RFC's prose is stricter than its informative schema there).
The closing figures of issue 12 come from :func:`tally`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedhub.validate import Problem, validate
from feedhub.validate._rules import RULES
from oracles import atom_schema, schema_errors, urlset_schema

HERE = Path(__file__).parent / "conformance"
CASES = sorted(HERE.glob("*/*.xml"))
_HEAD = re.compile(rb"<!-- conformance: (valid|invalid) ?([\w.-]*)(?:, warns ([\w.-]+))?(, no-oracle)?\n\s+(\S.*?) -->", re.S)


def expectation(path: Path) -> tuple[str, str, str | None, bool, str]:
    m = _HEAD.search(path.read_bytes())
    assert m, f"{path.name}: no conformance comment"
    # The comment is in the document's own encoding: UTF-8, or Latin-1 for the encoding cases.
    verdict, rule, warns, no_oracle, cite = (_text(g) if g is not None else None for g in m.groups())
    return verdict, rule, warns, not no_oracle, cite


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


#: The news window is judged as of this moment (the cases' dates are fixed).
NOW = datetime(2024, 6, 20, 0, 0, tzinfo=UTC)


def _spec(path: Path) -> list[Problem]:
    return validate(path.read_bytes(), profile="spec", now=NOW)


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_conformance_case(path):
    verdict, rule, warns, _, cite = expectation(path)
    assert "§" in cite or "#" in cite, "cite the section"
    problems = _spec(path)
    errors = [p.rule for p in problems if p.severity == "error"]
    if verdict == "valid":
        assert errors == [], [str(p) for p in problems]
        assert warns is None or warns in [p.rule for p in problems if p.severity == "warning"], [str(p) for p in problems]
    else:
        assert rule in RULES and rule in errors, [str(p) for p in problems]


@pytest.mark.parametrize("path", [p for p in CASES if expectation(p)[3] and p.parent.name != "rss"], ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_official_schema_agrees(path):
    verdict = expectation(path)[0]
    schema = atom_schema() if path.parent.name == "atom" else urlset_schema()
    assert (schema_errors(path.read_bytes(), schema) == []) == (verdict == "valid")


def test_every_case_has_a_twin():
    """Each rule tested by an invalid document has a valid document of the same format beside it."""
    for fmt in {p.parent.name for p in CASES}:
        verdicts = [expectation(p)[0] for p in CASES if p.parent.name == fmt]
        assert "valid" in verdicts and "invalid" in verdicts, fmt


def tally() -> dict[str, dict[str, int]]:
    """Per format: invalid caught / missed, valid accepted / wrongly rejected, under spec."""
    out: dict[str, dict[str, int]] = {}
    for path in CASES:
        verdict, rule, *_ = expectation(path)
        errors = {p.rule for p in _spec(path) if p.severity == "error"}
        row = out.setdefault(path.parent.name, dict(caught=0, missed=0, accepted=0, rejected=0))
        if verdict == "invalid":
            row["caught" if rule in errors else "missed"] += 1
        else:
            row["rejected" if errors else "accepted"] += 1
    return out


if __name__ == "__main__":  # pragma: no cover
    for fmt, row in sorted(tally().items()):
        print(fmt, row)
