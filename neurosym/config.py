"""Frozen, self-validating configurations: one dataclass per learner, defined in one place.

Each field is declared with :func:`option` (its default, a one-line help, and what is valid);
everything else is derived from those declarations:

* validation: constructing or :meth:`Config.replace`-ing a configuration checks every field
  and raises :class:`~neurosym.errors.NeurosymError` naming the field and what is valid;
* the command line: :meth:`Config.add_arguments` adds one flag per field (help and default
  included) to an ``argparse`` parser, :meth:`Config.from_args` builds the configuration back;
* saving: :meth:`Config.to_json` / :meth:`Config.from_json` round-trip a JSON-ready dict;
* overrides: :meth:`Config.replace` (``dataclasses.replace`` plus validation, renamed fields).

Example::

    @dataclass(frozen=True)
    class FitConfig(Config):
        steps: int = option(2000, "maximum optimizer steps", minimum=1)
        init: str = option("normal", "weight initialisation", choices=("normal", "zeros"))

        def check(self) -> None:  # checks that involve several fields
            ...

    FitConfig(steps=0)  # NeurosymError: FitConfig.steps must be at least 1, got 0
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from neurosym.errors import NeurosymError

if TYPE_CHECKING:
    from typing_extensions import Self
_META = "neurosym.config"


def option(default: Any, help: str, *, choices: Sequence[Any] | None = None,
           minimum: float | None = None, above: float | None = None,
           check: Callable[[Any], Any] | None = None, parse: Callable[[str], Any] | None = None,
           encode: Callable[[Any], Any] | None = None, decode: Callable[[Any], Any] | None = None,
           kind: type | None = None, flag: str | None = None, aliases: Sequence[str] = ()) -> Any:
    """A configuration field with its ``default`` and a one-line ``help``.

    What is valid: ``choices``; ``minimum`` (inclusive) or ``above`` (exclusive) for numbers
    (floats must also be finite); ``check(value) -> value`` normalises a value or raises
    ``ValueError("what is valid")``. Without ``check`` a value must be of type ``kind`` (default:
    the default's type; an int is a valid float); ``None`` is valid when the default is ``None``.
    ``parse(text) -> value`` reads the flag's text (default: ``kind``; booleans get
    ``--flag/--no-flag``). ``encode``/``decode``: the value to/from JSON (default: as is).
    ``flag``: the flag's name (default ``--field-name``); ``aliases``: other names for it.
    """
    kind = kind if kind is not None else type(default)
    meta = {"help": help, "kind": kind, "choices": tuple(choices) if choices is not None else None,
            "minimum": minimum, "above": above, "check": check, "parse": parse, "encode": encode,
            "decode": decode, "flag": flag, "aliases": tuple(aliases)}
    return dataclasses.field(default=default, metadata={_META: meta})


def _meta(f: dataclasses.Field) -> dict[str, Any]:
    return f.metadata.get(_META, {})


def _check_value(f: dataclasses.Field, value: Any) -> Any:
    """``value`` for field ``f``, normalised; ``ValueError("what is valid")`` when it is not."""
    m = _meta(f)
    if m["check"] is not None:
        value = m["check"](value)
    elif value is None and f.default is not None:
        raise ValueError("must be set (None is not valid)")
    elif value is not None and not _has_type(value, m["kind"]):
        raise ValueError(f"must be {'a number' if m['kind'] is float else m['kind'].__name__}")
    if value is None:
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if m["choices"] is not None and value not in m["choices"]:
        raise ValueError(f"must be one of {', '.join(map(str, m['choices']))}")
    if m["minimum"] is not None and value < m["minimum"]:
        raise ValueError(f"must be at least {m['minimum']}")
    if m["above"] is not None and not value > m["above"]:
        raise ValueError(f"must be greater than {m['above']}")
    return value


def _has_type(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


class Config:
    """Base of a frozen configuration dataclass whose fields are declared with :func:`option`.

    Subclasses may set ``RENAMED`` (``{old name: new name}``, accepted by :meth:`replace` and
    :meth:`from_json`) and override :meth:`check` (checks across fields) and :meth:`upgrade`
    (what :meth:`from_json` does to a dict written by an older version).
    """

    RENAMED: ClassVar[dict[str, str]] = {}

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            try:
                normal = _check_value(f, value)
            except ValueError as err:
                name = f"{type(self).__name__}.{f.name}"
                raise NeurosymError(f"{name} {err}, got {value!r}") from None
            if normal is not value:
                object.__setattr__(self, f.name, normal)
        self.check()

    def check(self) -> None:
        """Checks across fields (raise :class:`NeurosymError`); every field is already valid."""

    # ----- overrides
    @classmethod
    def _names(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with renamed fields under their new names; unknown names are an error."""
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        out = {}
        for name, value in values.items():
            new = cls.RENAMED.get(name, name)
            if new not in known:
                raise NeurosymError(f"{cls.__name__} has no setting {name!r}; "
                                    f"valid settings: {', '.join(sorted(known))}")
            if new in out:
                raise NeurosymError(f"{cls.__name__}: {name!r} is the old name of {new!r}; "
                                    "give only one of them")
            out[new] = value
        return out

    def replace(self, **overrides: Any) -> Self:
        """A copy with ``overrides`` applied (and validated)."""
        return dataclasses.replace(self, **self._names(overrides))  # type: ignore[type-var]

    # ----- JSON
    def to_json(self) -> dict[str, Any]:
        """Every field, JSON-ready (a field's ``encode`` applied)."""
        out = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value, encode = getattr(self, f.name), _meta(f).get("encode")
            out[f.name] = encode(value) if encode is not None and value is not None else value
        return out

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        """A dict written by :meth:`to_json` of an older version, as this version writes it."""
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """The configuration :meth:`to_json` wrote (also by an older version: :meth:`upgrade`)."""
        values = cls._names(cls.upgrade(dict(data)))
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        decoders = {f.name: _meta(f).get("decode") for f in fields}
        return cls(**{k: decoders[k](v) if decoders[k] is not None and v is not None else v
                      for k, v in values.items()})

    # ----- command line
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, *, defaults: Config | None = None,
                      exclude: Iterable[str] = ()) -> None:
        """One flag per field (but ``exclude``), its help ending with the default (``defaults``'s
        value, or the field's own); the flag stores under the field's name."""
        base = defaults if defaults is not None else cls()
        skip = set(exclude)
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in skip or not _meta(f):
                continue
            m, default = _meta(f), getattr(base, f.name)
            names = [m["flag"] or "--" + f.name.replace("_", "-"), *m["aliases"]]
            shown = m["encode"](default) if m["encode"] and default is not None else default
            text = m["help"] + (f" (default {shown})" if default is not None else "")
            if isinstance(f.default, bool):
                parser.add_argument(*names, dest=f.name, action=argparse.BooleanOptionalAction,
                                    default=default, help=text)
                continue
            parse = _flag_type(f.name, m["parse"] or m["kind"])
            parser.add_argument(*names, dest=f.name, type=parse, default=default, help=text,
                                choices=m["choices"],
                                metavar=None if m["choices"] else f.name.upper())

    @classmethod
    def from_args(cls, args: argparse.Namespace, *, defaults: Self | None = None) -> Self:
        """``defaults`` (or the default configuration) with every field that ``args`` holds."""
        base = defaults if defaults is not None else cls()
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return base.replace(**{k: v for k, v in vars(args).items() if k in names})


def _flag_type(name: str, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` with its errors as argparse errors (a bad flag prints usage, not a traceback)."""
    def read(text: str) -> Any:
        try:
            return parse(text)
        except (ValueError, NeurosymError) as err:
            raise argparse.ArgumentTypeError(f"{err}, got {text!r}") from None

    read.__name__ = name
    return read
