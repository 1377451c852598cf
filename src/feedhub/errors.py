"""One error root for everything a user can cause or fix.

The CLI and the daemon catch :class:`FeedhubError` and print ``str(e)`` as one
line; anything else is a bug and keeps its traceback.  Subclasses also derive
from the matching builtin so callers that only know Python's exceptions still
catch them.
"""

from __future__ import annotations


class FeedhubError(Exception):
    """Root of feedhub's own errors; ``str(e)`` is one readable line."""


class ConfigError(FeedhubError, ValueError):
    """The config file is missing, unreadable or has a bad key.

    ``str(e)`` reads ``config.toml: feeds[2].limit: must be a positive integer, got "ten"``.
    """

    def __init__(self, source: str, key: str, problem: str) -> None:
        #: The config file (as given by the user).
        self.source = source
        #: Dotted key path, e.g. ``feeds[2].limit``; empty for file-level problems.
        self.key = key
        #: What is wrong, in words.
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")


def shown_id(article_id: str) -> str:
    """*article_id* as a message shows it: as is, or with escapes when it holds a line break or
    another character that does not print, so a message stays one line."""
    return article_id if article_id.isprintable() else repr(article_id)[1:-1]


class ArticleError(FeedhubError, ValueError):
    """One problem of one article: ``str(e)`` reads ``id=art-1: url: must be an absolute http(s) URL``."""

    def __init__(self, article_id: str | None, field: str, reason: str) -> None:
        #: The article's id when it could be read, else None.
        self.article_id = article_id
        #: The offending field (``images[0].url`` for nested ones).
        self.field = field
        #: What is wrong, in words.
        self.reason = reason
        who = f"id={shown_id(article_id)}: " if article_id else ""
        super().__init__(f"{who}{field}: {reason}")

    @property
    def problems(self) -> tuple[ArticleError, ...]:
        """Every problem of the record, in field order: this one alone here."""
        return (self,)

    def __reduce__(self) -> tuple[type[ArticleError], tuple[str | None, str, str]]:  # travels back from ingest's workers
        return type(self), (self.article_id, self.field, self.reason)


class ArticleErrors(ArticleError):
    """Several problems of one article; it reads as the first, :attr:`problems` holds them all."""

    def __init__(self, problems: tuple[ArticleError, ...]) -> None:
        first = problems[0]
        super().__init__(first.article_id, first.field, first.reason)
        self._problems = problems

    @property
    def problems(self) -> tuple[ArticleError, ...]:
        return self._problems

    def __reduce__(self) -> tuple[type[ArticleErrors], tuple[tuple[ArticleError, ...]]]:  # type: ignore[override]
        return type(self), (self._problems,)


def article_error(problems: list[ArticleError]) -> ArticleError:
    """One exception for the problems of one record (at least one)."""
    return problems[0] if len(problems) == 1 else ArticleErrors(tuple(problems))


class InputError(FeedhubError, OSError):
    """An input file cannot be read or is not JSON at all."""


class StoreError(FeedhubError):
    """The store is missing, locked, corrupt or unreachable.

    The driver's exception is kept as ``__cause__``.
    """

