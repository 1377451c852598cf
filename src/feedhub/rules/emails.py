"""What an e-mail address is where a spec asks for one (RFC 2822 §3.4.1 ``addr-spec``).

Atom's ``atom:email`` MUST be an addr-spec (RFC 4287 §3.2.3): no display name, no comment,
no space.  The import contract should accept exactly these for an author's e-mail, so an
accepted article never costs the Atom feed its place at the publishing gate.
"""

from __future__ import annotations

import re

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
#: dot-atom or quoted-string, "@", dot-atom or domain-literal (the obsolete forms left out).
ADDR_SPEC = re.compile(rf'(?:{_DOT_ATOM}|"(?:[^"\\\r\n]|\\.)*")@(?:{_DOT_ATOM}|\[[^\[\]\\\s]*\])', re.A)


def is_addr_spec(value: str) -> bool:
    return ADDR_SPEC.fullmatch(value) is not None
