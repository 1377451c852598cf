"""Typed reads from one parsed TOML table, for :mod:`feedhub.config`.

Each read marks its key as used, so :meth:`Table.finish` can name the first
unknown key; every failure is a :class:`ConfigError` naming the dotted key.
"""

from __future__ import annotations

from typing import Any

from .errors import ConfigError


class Table:
    """Typed reads from one TOML table, remembering which keys were used."""

    def __init__(self, source: str, prefix: str, data: Any) -> None:
        self.source, self.prefix = source, prefix
        if not isinstance(data, dict):
            raise ConfigError(source, prefix, f"must be a table, got {show(data)}")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, problem: str) -> ConfigError:
        return ConfigError(self.source, self.key(name), problem)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        self.used.add(name)
        if name not in self.data:
            if default is ...:
                raise self.fail(name, "is required")
            return default
        v = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # TOML true/false are Python ints: only accept them where a boolean is wanted.
        ok = isinstance(v, kinds) and (bool in kinds or not isinstance(v, bool))
        if not ok:
            raise self.fail(name, f"must be {what or kind_name(kind)}, got {show(v)}")
        return v

    def text(self, name: str, default: Any = ...) -> Any:
        v = self.get(name, str, default, "a string")
        if isinstance(v, str) and not v.strip():
            raise self.fail(name, "must not be empty")
        return v

    def positive_int(self, name: str, default: int, maximum: int | None = None) -> int:
        v = self.data.get(name, default)
        self.used.add(name)
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise self.fail(name, f"must be a positive integer, got {show(v)}")
        if maximum is not None and v > maximum:
            raise self.fail(name, f"must be at most {maximum}, got {v}")
        return v

    def sub(self, name: str) -> Table:
        self.used.add(name)
        return Table(self.source, self.key(name), self.data.get(name, {}))

    def finish(self) -> None:
        for k in self.data:
            if k not in self.used:
                raise self.fail(k, "unknown key")


def kind_name(kind: Any) -> str:
    names: dict[type, str] = {str: "a string", int: "an integer", bool: "true or false", float: "a number", list: "a list"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, str(k.__name__)) for k in kind)
    return names.get(kind, str(kind.__name__))


def show(v: Any) -> str:
    if isinstance(v, str):
        return '"' + v.replace('"', '\\"') + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return "a list"
    return repr(v)
