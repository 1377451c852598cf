"""Problems, the collector that the checks write into, and element paths for messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from lxml.etree import _Element

from ..rules.namespaces import XML_NS
from ._rules import Profile, resolve

#: Problems listed per rule before the rest are folded into one "… more" line: a sitemap
#: with 50,000 bad lastmods should say so in a screenful, not in 50,000 lines.
MAX_PER_RULE = 25


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document."""

    #: Short stable rule id, e.g. ``rss.item.guid-unique`` (see ``feedhub.validate._rules``).
    rule: str
    #: One readable sentence, citing the spec where that helps.
    message: str
    #: 1-based source line when known (in the uncompressed document).
    line: int | None
    #: Element path such as ``/rss/channel/item[3]/guid`` when known.
    where: str | None
    #: ``error`` blocks publishing; ``warning`` is reported only.
    severity: str = "error"

    def __str__(self) -> str:
        head = " ".join(x for x in (f"line {self.line}" if self.line is not None else "", self.where or "") if x)
        return f"{head}: {self.rule}: {self.message}" if head else f"{self.rule}: {self.message}"


def where(el: _Element, attr: str | None = None) -> str:
    """``/rss/channel/item[3]/guid``: prefixed names, a position only where siblings share the tag."""
    tail = "/@" + _attr_name(el, attr) if attr else ""
    parts = []
    node: _Element | None = el
    while node is not None:
        tag = node.tag
        name = tag.rpartition("}")[2]
        if node.prefix:
            name = f"{node.prefix}:{name}"
        parent = node.getparent()
        if parent is not None:
            # Counting siblings is linear in their number; it only runs for reported problems.
            before = sum(1 for _ in node.itersiblings(tag, preceding=True))
            if before or next(node.itersiblings(tag), None) is not None:
                name = f"{name}[{before + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts)) + tail


def _attr_name(el: _Element, attr: str) -> str:
    if attr[0] != "{":
        return attr
    ns, _, name = attr[1:].partition("}")
    prefix = "xml" if ns == XML_NS else next((p for p, u in el.nsmap.items() if p and u == ns), None)
    return f"{prefix}:{name}" if prefix else name


class Report:
    """Collects problems; checks call :meth:`add` and never build :class:`Problem` themselves.

    The profile decides what a finding becomes (see :mod:`._rules`): the rule it is reported
    under, its severity, or nothing at all.
    """

    __slots__ = ("_problems", "_counts", "_severity", "profile")

    def __init__(self, profile: Profile = "publish") -> None:
        self.profile: Profile = profile
        self._problems: list[Problem] = []
        self._counts: dict[str, int] = {}
        self._severity: dict[str, str] = {}

    @property
    def publish(self) -> bool:
        return self.profile == "publish"

    def add(self, rule: str, message: str, el: _Element | None = None, *, attr: str | None = None, line: int | None = None) -> None:
        found = resolve(rule, self.profile)  # KeyError here means a rule missing from _rules.RULES
        if found is None:
            return
        rule, sev = found[0], found[1].severity
        n = self._counts.get(rule, 0) + 1
        self._counts[rule] = n
        if n > MAX_PER_RULE:
            self._severity[rule] = sev
            return
        path = None
        if el is not None:
            line = cast(int | None, el.sourceline)
            path = where(el, attr)
        self._problems.append(Problem(rule, message, line, path, sev))

    def count(self, rule: str) -> int:
        return self._counts.get(rule, 0)

    def problems(self) -> list[Problem]:
        """Everything found, in document order; document-level problems (no line) first."""
        out = sorted(self._problems, key=lambda p: -1 if p.line is None else p.line)
        for rule, n in self._counts.items():
            if n > MAX_PER_RULE:
                out.append(Problem(rule, f"{n - MAX_PER_RULE:,} more problems of this kind not listed", None, None, self._severity[rule]))
        return out
