"""Output formats as plug-ins; :mod:`.base` has the protocol and the registry.

:data:`MODULES` is the registry's module list: a new format is one module here plus its tests.
"""

from __future__ import annotations

from importlib import import_module

from .base import (
    Format,
    alternate_links,
    detect_kind,
    feed_paths,
    get,
    public_url,
    register,
    registered,
    validate_document,
)

#: Each module registers its format on import; this order is the default order of outputs.
MODULES = ("rss", "atom", "jsonfeed")


def load_all() -> None:
    """Import every format module once (lazily: renderers import the config, which names formats)."""
    for name in MODULES:
        import_module(f"{__name__}.{name}")


__all__ = [
    "MODULES",
    "Format",
    "alternate_links",
    "detect_kind",
    "feed_paths",
    "get",
    "load_all",
    "public_url",
    "register",
    "registered",
    "validate_document",
]
