"""Small text helpers the page and WordPress importers share."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Words that introduce a photo credit inside a caption ("… Foto: AP Photo/Susan Walsh").
CREDIT_LABELS = ("Foto", "Photo", "Credit", "Crédito", "Crédit", "Kredit", "Image", "Gambar", "Bild")
#: Words that start a block of related links, case-insensitive; ``--related-label`` adds more.
RELATED_LABELS = (
    "Baca juga", "Baca pula", "Simak juga", "Lihat juga", "Read also", "Read more", "Also read", "Related",
    "Related articles", "Related stories", "See also", "Lesen Sie auch", "Lire aussi", "Leia também", "Lee también",
)
_SPACE = re.compile(r"\s+")
_SLUG_JUNK = re.compile(r"[^\w]+")


def squash(text: str) -> str:
    """Runs of whitespace (newlines, NBSP) as one space, trimmed: how a browser shows the text."""
    return _SPACE.sub(" ", text).strip()


def slug(text: str) -> str:
    """``"Luar Negeri"`` → ``luar-negeri``: a section name as the one-slug form the contract wants."""
    return _SLUG_JUNK.sub("-", text.lower()).strip("-_")


def credit_pattern(labels: tuple[str, ...] = CREDIT_LABELS) -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in labels)
    return re.compile(rf"[\s(\[|–—-]*\b(?:{words})\s*:\s*(?P<credit>[^)\]]+?)[\s)\].]*$", re.I)


_CREDIT = credit_pattern()


def split_credit(text: str) -> tuple[str | None, str | None]:
    """``"Caption. (Foto: AP Photo/Susan Walsh)"`` → (``"Caption."``, ``"AP Photo/Susan Walsh"``)."""
    text = squash(text)
    m = _CREDIT.search(text)
    if m is None:
        return text or None, None
    caption = text[: m.start()].strip()
    return caption or None, m.group("credit").strip() or None


def related_pattern(extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    """Matches a block's leading text when it is a related-links label, alone or followed by ':'."""
    words = "|".join(re.escape(w) for w in sorted({*RELATED_LABELS, *extra}, key=len, reverse=True))
    return re.compile(rf"^\s*(?:{words})\s*(?::|$)", re.I)


def strip_params(url: str, patterns: tuple[str, ...]) -> str:
    """*url* without the query parameters whose names match one of *patterns* (``utm_*``, ``fbclid``)."""
    if not patterns or "?" not in url:
        return url
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not any(fnmatchcase(k, p) for p in patterns)]
    return urlunsplit(parts._replace(query=urlencode(kept, doseq=True)))
