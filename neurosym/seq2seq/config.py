"""Frozen, self-validating configurations built from dataclass fields and their metadata.

A configuration is a ``@dataclass(frozen=True)`` whose fields are declared with
:func:`setting` (default, help text, valid range) and whose ``__post_init__``
calls :func:`check`. Choices are typed: a ``Literal["a", "b"]`` annotation is
the list of valid values. From that one declaration this module derives

* validation with an error naming the field and its valid range (:func:`check`);
* overrides from ``KEY=VALUE`` options, coerced to the field's type
  (:func:`apply_overrides`), and the list of options with their help
  (:func:`describe`);
* JSON round trips (:func:`to_json`, :func:`from_json`);
* argparse flags with help and default, and the object from parsed arguments
  (:func:`add_flags`, :func:`from_args`).

Field metadata keys: ``help`` (str), ``minimum`` / ``maximum`` (inclusive bounds),
``fixed`` (set by the program, not an option: no override, no flag), ``flag``
(False: no command-line flag), ``metavar`` (the flag's value in help). A class may
map old field names to new ones in ``RENAMED: ClassVar[dict[str, str]]``; :func:`from_json` and
:func:`apply_overrides` accept the old names.

Generic on purpose (nothing here knows about sequence models), so that one
module can serve every learner.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from neurosym.errors import NeurosymError

C = TypeVar("C")

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def setting(default: Any, help: str, *, minimum: float | None = None, maximum: float | None = None,
            fixed: bool = False, flag: bool = True, metavar: str | None = None) -> Any:
    """A dataclass field (immutable ``default``) carrying its help text and valid range."""
    meta = {"help": help, "minimum": minimum, "maximum": maximum, "fixed": fixed, "flag": flag,
            "metavar": metavar}
    return dataclasses.field(default=default, metadata=meta)


def _types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _choices(kind: Any) -> tuple | None:
    """The values a ``Literal[...]`` (or ``Literal[...] | None``) allows; None for other types."""
    for arg in (kind, *typing.get_args(kind)):
        if typing.get_origin(arg) is Literal:
            return typing.get_args(arg)
    return None


def _allowed(f: dataclasses.Field, kind: Any) -> str:
    """The valid values of a field, in words."""
    choices = _choices(kind)
    if choices is not None:
        return "one of " + ", ".join(repr(c) for c in choices)
    low, high = f.metadata.get("minimum"), f.metadata.get("maximum")
    if low is not None and high is not None:
        return f"in [{low}, {high}]"
    if low is not None:
        return f">= {low}"
    return f"<= {high}" if high is not None else ""


def check(config: Any) -> None:
    """Raise a :class:`NeurosymError` naming the first field outside its choices or range."""
    kinds = _types(type(config))
    name = type(config).__name__
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if value is None:
            continue
        choices = _choices(kinds[f.name])
        low, high = f.metadata.get("minimum"), f.metadata.get("maximum")
        bad = (choices is not None and value not in choices) or (
            isinstance(value, (int, float)) and not isinstance(value, bool)
            and ((low is not None and value < low) or (high is not None and value > high)))
        if bad:
            allowed = _allowed(f, kinds[f.name])
            raise NeurosymError(f"{name}.{f.name} = {value!r}: must be {allowed}")


def _coerce(kind: Any, value: Any) -> Any:
    """``value`` (from JSON or a command line) as type ``kind``; ValueError when it is not one."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        none = value is None or (isinstance(value, str) and value.lower() in ("none", "null"))
        if none and type(None) in args:
            return None
        return _coerce(next(a for a in args if a is not type(None)), value)
    if typing.get_origin(kind) is Literal:
        if value not in args:
            raise ValueError(value)
        return value
    if typing.get_origin(kind) is tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(args):
            raise ValueError(value)
        return tuple(_coerce(a, v) for a, v in zip(args, value))
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
            return value.lower() in _TRUE
        raise ValueError(value)
    if kind is int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        return int(value)
    if kind is float:
        if isinstance(value, bool):
            raise ValueError(value)
        return float(value)
    if kind is str:
        return str(value)
    return value


def _type_name(kind: Any) -> str:
    choices = _choices(kind)
    if choices is not None:
        return "one of " + ", ".join(repr(c) for c in choices)
    return {int: "an int", float: "a number", bool: "true or false", str: "a string"}.get(
        kind, str(kind).replace("typing.", ""))


def apply_overrides(overrides: Mapping[str, Any], *configs: Any, what: str) -> list[Any]:
    """Copies of ``configs`` with ``overrides`` applied (each key goes to the config that has the
    field; values are coerced to its type, then validated). ``what`` names the learner in errors."""
    updates: list[dict[str, Any]] = [{} for _ in configs]
    for key, value in overrides.items():
        for i, config in enumerate(configs):
            name = getattr(config, "RENAMED", {}).get(key, key)
            f = {f.name: f for f in dataclasses.fields(config)}.get(name)
            if f is None or f.metadata.get("fixed"):
                continue
            kind = _types(type(config))[name]
            try:
                updates[i][name] = _coerce(kind, value)
            except (TypeError, ValueError, StopIteration):
                raise NeurosymError(f"option {key}={value!r} for {what}: must be "
                                    f"{_type_name(kind)}") from None
            break
        else:
            known = sorted(n for c in configs for n in option_names(c))
            raise NeurosymError(f"unknown option {key!r} for {what}; known: {', '.join(known)}")
    return [dataclasses.replace(c, **u) for c, u in zip(configs, updates)]


def option_names(config: Any) -> list[str]:
    """The fields a user may set (all but the ``fixed`` ones)."""
    return [f.name for f in dataclasses.fields(config) if not f.metadata.get("fixed")]


def describe(config: Any) -> list[str]:
    """One line per option: ``name (default): help``."""
    return [f"{f.name} ({_show(getattr(config, f.name))}): {f.metadata.get('help', '')}"
            for f in dataclasses.fields(config) if not f.metadata.get("fixed")]


def _show(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def to_json(config: Any) -> dict[str, Any]:
    """The fields as a JSON-ready dict (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(config).items()}


def from_json(cls: type[C], data: Mapping[str, Any]) -> C:
    """Inverse of :func:`to_json`; old names in ``cls.RENAMED`` are read, unknown keys (fields a
    later version removed) ignored, missing ones take their defaults."""
    renamed = getattr(cls, "RENAMED", {})
    kinds = _types(cls)
    values = {renamed.get(k, k): v for k, v in data.items()}
    return cls(**{f.name: _coerce(kinds[f.name], values[f.name])
                  for f in dataclasses.fields(cls) if f.name in values})


def add_flags(parser: argparse.ArgumentParser, cls: type) -> None:
    """One ``--field-name`` flag per field (not ``fixed``, not ``flag=False``), its help and default
    from the metadata. Booleans become switches (``--no-<name>`` for one that defaults to True)."""
    kinds = _types(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("fixed") or not f.metadata.get("flag", True):
            continue
        kind, default = kinds[f.name], f.default
        flag, help_text = "--" + f.name.replace("_", "-"), f.metadata.get("help", "")
        if kind is bool:  # a switch; one that defaults to True also gets --no-<name>
            action = "store_true" if default is False else argparse.BooleanOptionalAction
            parser.add_argument(flag, action=action, default=default, help=help_text)
            continue
        choices = _choices(kind)
        base = next((a for a in (kind, *typing.get_args(kind)) if a in (int, float, str)), str)
        if default is not None and default is not dataclasses.MISSING:
            help_text += f" (default: {_show(default)})"
        parser.add_argument(flag, type=None if choices else base, choices=choices, help=help_text,
                            default=None if default is dataclasses.MISSING else default,
                            metavar=f.metadata.get("metavar"))


def from_args(cls: type[C], args: argparse.Namespace, **values: Any) -> C:
    """``cls`` from the flags :func:`add_flags` declared, plus ``values`` for the other fields."""
    for f in dataclasses.fields(cls):
        if hasattr(args, f.name) and f.name not in values:
            values[f.name] = getattr(args, f.name)
    return cls(**values)
