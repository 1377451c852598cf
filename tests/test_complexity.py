"""Small parts (issue 13): no function under src/ above cyclomatic complexity 15 or 60 lines.

radon measures the complexity the way the issue does; the line count is the function's own
span, decorators and docstring included, so a long docstring counts against it too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

radon_complexity = pytest.importorskip("radon.complexity", reason="radon is a test extra: pip install -e '.[test]'")

SRC = Path(__file__).resolve().parent.parent / "src" / "feedhub"
MAX_COMPLEXITY = 15
MAX_LINES = 60


def _functions() -> list[tuple[str, int, int]]:
    """``(place, complexity, lines)`` of every function and method under src/, each once."""
    found: dict[str, tuple[str, int, int]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for block in radon_complexity.cc_visit(path.read_text(encoding="utf-8")):
            members = [block, *getattr(block, "methods", [])]
            for f in members:
                if getattr(f, "is_method", None) is None and not hasattr(f, "closures"):
                    continue
                place = f"{path.relative_to(SRC)}:{f.lineno} {f.fullname}"
                found[place] = (place, f.complexity, f.endline - f.lineno + 1)
                for c in f.closures:
                    found[f"{place}.{c.name}"] = (f"{place}.{c.name}", c.complexity, c.endline - c.lineno + 1)
    return list(found.values())


def test_the_measure_sees_functions():
    assert len(_functions()) > 100


def test_no_function_above_complexity_15():
    over = [f"{place} (complexity {cc})" for place, cc, _ in _functions() if cc > MAX_COMPLEXITY]
    assert not over, "\n".join(over)


def test_no_function_above_60_lines():
    over = [f"{place} ({n} lines)" for place, _, n in _functions() if n > MAX_LINES]
    assert not over, "\n".join(over)
