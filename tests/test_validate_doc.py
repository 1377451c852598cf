"""docs/validation.md lists exactly the validator's rules (issue 12), and the code reports only listed ones."""

from __future__ import annotations

import re
from pathlib import Path

import feedhub.validate
from feedhub.validate._rules import RULES, markdown_table

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "validation.md"
PACKAGE = Path(feedhub.validate.__file__).parent


def _doc_ids() -> list[str]:
    table = DOC.read_text(encoding="utf-8").split("## Every rule", 1)[1]
    return re.findall(r"^\| `([a-z0-9.-]+)` \|", table, re.M)


def test_every_rule_in_the_code_is_in_the_doc_and_back():
    ids = _doc_ids()
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(RULES)


def test_the_doc_table_is_the_generated_one():
    assert markdown_table() in DOC.read_text(encoding="utf-8")


def test_every_rule_the_code_reports_is_listed():
    reported = set()
    for path in PACKAGE.glob("*.py"):
        reported |= set(re.findall(r'rep\.add\(\s*"([a-z0-9.-]+)"', path.read_text(encoding="utf-8")))
    assert reported and reported <= set(RULES), sorted(reported - set(RULES))


def test_every_spec_error_cites_a_section_and_a_link():
    for rid, rule in RULES.items():
        if rule.profile == "spec" and rule.severity == "error":
            assert "http" in rule.cite and ("§" in rule.cite or "#" in rule.cite), rid
        if rule.publish_as is not None:
            assert RULES[rule.publish_as].profile == "publish", rid
