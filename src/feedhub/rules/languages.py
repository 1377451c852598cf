"""Language tags: the BCP 47 shape every output accepts, and Google News' narrower ``news:language``."""

from __future__ import annotations

import re

from ._iso639 import ISO639_1

#: The BCP 47 / RFC 3066 shape, as xml:lang and Atom's schema spell it: 1-8 letters, then
#: 1-8 letter-or-digit subtags.  Every well-formed BCP 47 tag has it (``id``, ``zh-Hant-TW``,
#: ``und``, ``x-private``, ``i-klingon``); config, import contract and validator all use it.
LANG_RE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*", re.A)

#: Deprecated ISO 639 codes still seen in BCP 47 input (Java's ``in`` for Indonesian, …).
_DEPRECATED = {"in": "id", "iw": "he", "ji": "yi"}
#: Regions where Chinese is written in Traditional characters.
_TRADITIONAL = {"tw", "hk", "mo"}
#: ISO 639-2 special codes: no language a reader could be sent to.
_NOT_LANGUAGES = {"und", "mul", "mis", "zxx"}


def is_language_tag(tag: str) -> bool:
    return LANG_RE.fullmatch(tag) is not None


def news_language_problem(v: str) -> str | None:
    """Why *v* is not a Google News language: ISO 639 (2 or 3 letters), or zh-cn / zh-tw."""
    if v in ("zh-cn", "zh-tw"):
        return None
    if v in ("zh", "zho", "chi"):
        return f"news:language {v!r}: Google News wants zh-cn (Simplified) or zh-tw (Traditional) for Chinese"
    if len(v) == 2 and v in ISO639_1:
        return None
    if len(v) == 3 and v.isascii() and v.isalpha() and v.islower() and v not in _NOT_LANGUAGES and not "qaa" <= v <= "qtz":
        return None
    shown = v if len(v) <= 40 else v[:39] + "…"
    return f"news:language {shown!r} is not an ISO 639 language code (2 or 3 lower-case letters), zh-cn or zh-tw"


def news_language(tag: str) -> str | None:
    """The ``news:language`` for a BCP 47 tag, or None when Google News has no code for it.

    ``en-US`` → ``en``, ``id-ID`` → ``id``, ``zh-TW``, ``zh-HK`` and ``zh-Hant*`` → ``zh-tw``,
    ``zh``, ``zh-CN`` and ``zh-Hans*`` → ``zh-cn`` (a script subtag wins over the region).
    ``und``, private-use (``x-…``, ``qaa``–``qtz``) and unknown two-letter codes have none.
    """
    parts = tag.replace("_", "-").lower().split("-")
    primary = _DEPRECATED.get(parts[0], parts[0])
    if primary == "zh":
        rest = parts[1:]
        if "hant" in rest:
            return "zh-tw"
        if "hans" in rest:
            return "zh-cn"
        return "zh-tw" if _TRADITIONAL.intersection(rest) else "zh-cn"
    return primary if news_language_problem(primary) is None else None
