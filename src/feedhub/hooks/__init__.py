"""``after_publish`` hooks: what runs once a build has written documents (issue 16).

A hook is a callable taking the documents a build **wrote** (never the unchanged ones) as
:class:`Published` records.  Hooks must not block or fail the build: :func:`after_publish`
calls each one and logs, never raises, whatever it does.  WebSub pings are the first hook; a
CDN purge would be the next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..config import Config

log = logging.getLogger("feedhub.hooks")


@dataclass(frozen=True, slots=True)
class Published:
    """One document a build has just written."""

    #: Path relative to the output dir (``all/rss.xml``).
    path: str
    #: Its output kind (``rss``, ``atom``, ``sitemap`` …).
    kind: str
    #: Its public URL: ``[output] base_url`` + path.
    url: str


AfterPublish = Callable[[Sequence[Published]], None]


def published(config: Config, written: Iterable[tuple[str, str]]) -> list[Published]:
    """``(path, kind)`` pairs of written documents as :class:`Published` records."""
    return [Published(path, kind, config.base_url + path) for path, kind in written]


def hooks_for(config: Config) -> list[AfterPublish]:
    """The hooks *config* asks for (one WebSub pinger per output dir and hub list, kept per process)."""
    hooks: list[AfterPublish] = []
    if config.websub_hubs:
        from .websub import pinger_for

        hooks.append(pinger_for(config.output_dir, config.websub_hubs))
    return hooks


def after_publish(config: Config, written: Iterable[tuple[str, str]]) -> None:
    """Run every hook of *config* on the *written* documents; a failing hook is logged, never raised."""
    docs = published(config, written)
    if not docs:
        return
    for hook in hooks_for(config):
        try:
            hook(docs)
        except Exception:  # a hook must never fail the build that already published
            log.exception("after_publish hook %r failed", hook)
