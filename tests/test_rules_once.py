"""Each piece of format knowledge is defined once under src/ (issue 10): the renderers, the import
contract and the validator import it from feedhub.rules instead of keeping copies that drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from feedhub.rules import namespaces

SRC = Path(__file__).resolve().parent.parent / "src" / "feedhub"
RULES = SRC / "rules"


def _sources() -> list[tuple[Path, str]]:
    return [(p, p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))]


@pytest.mark.parametrize("uri", [v for k, v in vars(namespaces).items() if k.endswith("_NS")])
def test_namespace_uri_written_once(uri):
    holders = [p.relative_to(SRC) for p, text in _sources() if uri in text]
    assert holders == [Path("rules/namespaces.py")]


def test_xml_character_class_written_once():
    # The class of C0 controls XML forbids, in any spelling that starts a character range at \x0b or \x0e.
    pattern = re.compile(r"\\x0b\\x0c|\\x0e-\\x1f|range\(32\)")
    holders = [p.relative_to(SRC) for p, text in _sources() if pattern.search(text)]
    assert holders == [Path("rules/xmlchars.py")]


@pytest.mark.parametrize("literal", ["2047", "2_047", "50_000", "52_428_800", "50 * 1024 * 1024", "10_000_000"])
def test_limits_written_once(literal):
    holders = [p.relative_to(SRC) for p, text in _sources() if re.search(rf"(?<![\w.,]){re.escape(literal)}(?![\w])", _code(text))]
    assert len(holders) <= 1 and all(h.parts[0] == "rules" for h in holders), holders


@pytest.mark.parametrize("name", ["LANG_RE", "EARLIEST", "LATEST", "MAX_URL", "MAX_IMAGES", "MAX_INDEX_ENTRIES", "NOT_XML", "NOT_URI"])
def test_rule_names_assigned_only_in_rules(name):
    assign = re.compile(rf"^{name}\s*=", re.M)
    holders = [p.relative_to(SRC) for p, text in _sources() if assign.search(text)]
    assert len(holders) == 1 and holders[0].parts[0] == "rules", holders


def _code(text: str) -> str:
    """The text without comments and docstring-ish lines, where numbers are prose."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("#", '"', "'")))
