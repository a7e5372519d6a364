"""Frozen, self-validating configurations: one dataclass per learner, defined in one place.

A configuration is a ``@dataclass(frozen=True)`` subclass of :class:`Config` whose fields are
declared with :func:`option` (default, one-line help, valid range). The annotation is the type:
``int``, ``float``, ``bool``, ``str``, ``tuple[float, float]``, ``X | None``, and typed choices as
``Literal["a", "b"]``. Everything else is derived from those declarations:

* validation: constructing or :meth:`Config.replace`-ing a configuration checks every field and
  raises :class:`~neurosym.errors.NeurosymError` naming the field, what is valid and the value;
* the command line: :meth:`Config.add_arguments` adds one flag per field (help and default
  included), :meth:`Config.from_args` builds the configuration back;
* saving: :meth:`Config.to_json` / :meth:`Config.from_json` round-trip a JSON-ready dict, also one
  written by an older version (``RENAMED`` fields, :meth:`Config.upgrade`);
* overrides: :meth:`Config.replace` (Python values) and :func:`apply_overrides` (``KEY=VALUE``
  options, read as the field's type), listed with their help by :meth:`Config.describe`.

Example::

    @dataclass(frozen=True)
    class FitConfig(Config):
        steps: int = option(2000, "maximum optimizer steps", minimum=1)
        init: Literal["normal", "zeros"] = option("normal", "weight initialisation")

        def check(self) -> None:  # checks that involve several fields
            ...

    FitConfig(steps=0)  # NeurosymError: FitConfig.steps must be at least 1, got 0

Fields declared without :func:`option` (e.g. ``field(default_factory=dict)``) are the program's
own: not validated, no flag, no override.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from neurosym.errors import NeurosymError

if TYPE_CHECKING:
    from typing_extensions import Self

_META = "neurosym.config"
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


@dataclasses.dataclass(frozen=True)
class Spec:
    """What :func:`option` declares about a field (see there)."""

    help: str
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    check: Callable[[Any], Any] | None = None
    read: Callable[[Any], Any] | None = None
    encode: Callable[[Any], Any] | None = None
    flag: str | None = None
    aliases: tuple[str, ...] = ()
    metavar: str | None = None
    fixed: bool = False


def option(default: Any, help: str, *, minimum: float | None = None,
           maximum: float | None = None, above: float | None = None,
           check: Callable[[Any], Any] | None = None, read: Callable[[Any], Any] | None = None,
           encode: Callable[[Any], Any] | None = None, flag: str | None = None,
           aliases: Iterable[str] = (), metavar: str | None = None, fixed: bool = False) -> Any:
    """A configuration field with its (immutable) ``default`` and a one-line ``help``.

    What is valid: the annotation's type (an int is a valid float; floats must be finite);
    ``minimum`` / ``maximum`` (inclusive) and ``above`` (exclusive) for numbers;
    ``check(value) -> value`` instead of the type: normalises a value or raises
    ``ValueError("must be ...")``. ``read(value) -> value``: a command-line text or JSON value as
    the field's value (default: ``check``, else converted to the annotation's type);
    ``encode(value)``: the value as JSON (default: as is, tuples as lists). ``flag``: the flag's
    name (default ``--field-name``), ``aliases``: other names for it, ``metavar``: its value in
    the help. ``fixed``: set by the program, not an option (no flag, no override).
    """
    spec = Spec(help, minimum, maximum, above, check, read, encode, flag, tuple(aliases), metavar,
                fixed)
    return dataclasses.field(default=default, metadata={_META: spec})


def _spec(f: dataclasses.Field) -> Spec | None:
    return f.metadata.get(_META)


@functools.cache
def _kinds(cls: type) -> dict[str, Any]:
    """Each field's annotation, resolved."""
    return typing.get_type_hints(cls)


def _is_union(kind: Any) -> bool:
    return typing.get_origin(kind) in (typing.Union, types.UnionType)


def _choices(kind: Any) -> tuple | None:
    """The values a ``Literal[...]`` (or ``Literal[...] | None``) allows; None for other types."""
    args = [a for a in typing.get_args(kind) if a is not type(None)] if _is_union(kind) else [kind]
    if len(args) == 1 and typing.get_origin(args[0]) is Literal:
        return typing.get_args(args[0])
    return None


def _accepts(kind: Any, value: Any) -> bool:
    """Whether ``value`` is of type ``kind`` (an int is a float; a bool is neither)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if _is_union(kind):
        return any(_accepts(a, value) for a in args)
    if origin is Literal:
        return any(value == a and type(value) is type(a) for a in args)
    if origin is tuple:
        return (isinstance(value, tuple) and len(value) == len(args)
                and all(_accepts(a, v) for a, v in zip(args, value)))
    if kind is Any:
        return True
    if kind is type(None):
        return value is None
    if kind in (int, float) and isinstance(value, bool):
        return False
    if kind is float:
        return isinstance(value, (int, float))
    return isinstance(value, origin or kind)


def _kind_name(kind: Any) -> str:
    """``kind`` in words, for "must be ..."."""
    if typing.get_origin(kind) is Literal:
        return "one of " + ", ".join(map(str, typing.get_args(kind)))
    if _is_union(kind):
        return " or ".join(_kind_name(a) for a in typing.get_args(kind))
    if typing.get_origin(kind) is tuple:
        args = typing.get_args(kind)
        return f"{len(args)} values ({', '.join(_kind_name(a) for a in args)})"
    names = {int: "an int", float: "a number", bool: "true or false", str: "a string",
             type(None): "None"}
    return names.get(kind, getattr(kind, "__name__", str(kind)))


def _validate(spec: Spec, kind: Any, value: Any) -> Any:
    """``value`` normalised; ``ValueError("must be ...")`` when it is not valid."""
    if spec.check is not None:
        value = spec.check(value)
    elif not _accepts(kind, value):
        raise ValueError(f"must be {_kind_name(kind)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    low, high = spec.minimum, spec.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            raise ValueError(f"must be in [{low}, {high}]")
        raise ValueError(f"must be at least {low}" if low is not None
                         else f"must be at most {high}")
    if spec.above is not None and not value > spec.above:
        raise ValueError(f"must be greater than {spec.above}")
    return value


def _convert(kind: Any, value: Any) -> Any:
    """``value`` (a command-line text or a JSON value) as type ``kind``; ValueError if it is not
    one."""
    args = typing.get_args(kind)
    if _is_union(kind):
        none = value is None or (isinstance(value, str) and value.lower() in ("none", "null"))
        if none and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _convert(arg, value)
            except (TypeError, ValueError):
                continue
        raise ValueError(value)
    if typing.get_origin(kind) is Literal:
        for choice in args:
            if choice == value or str(choice) == value:
                return choice
        raise ValueError(value)
    if typing.get_origin(kind) is tuple:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or len(items) != len(args):
            raise ValueError(value)
        return tuple(_convert(a, v) for a, v in zip(args, items))
    if kind is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() not in _TRUE + _FALSE:
            raise ValueError(value)
        return str(value).lower() in _TRUE
    if kind in (int, float) and isinstance(value, bool):
        raise ValueError(value)
    if kind is int:
        number = value if isinstance(value, (int, float)) else int(value)  # text: a whole number
        if not float(number).is_integer():
            raise ValueError(value)
        return int(number)
    if kind in (float, str):
        return kind(value)
    return value


def _read(cls: type, f: dataclasses.Field, value: Any) -> Any:
    """A command-line text or JSON value as field ``f``'s value (then validated by the class)."""
    spec = _spec(f)
    hook = (spec.read or spec.check) if spec is not None else None
    if hook is not None:
        return hook(value)
    try:
        return _convert(_kinds(cls)[f.name], value)
    except (TypeError, ValueError):
        raise ValueError(f"must be {_kind_name(_kinds(cls)[f.name])}") from None


def _show(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


class Config:
    """Base of a frozen configuration dataclass whose fields are declared with :func:`option`.

    Subclasses may set ``RENAMED`` (``{old name: new name}``, accepted wherever a field is named)
    and override :meth:`check` (checks across fields) and :meth:`upgrade` (what
    :meth:`from_json` does to a dict written by an older version).
    """

    RENAMED: ClassVar[dict[str, str]] = {}

    def __post_init__(self) -> None:
        kinds = _kinds(type(self))
        for f in self._options():
            value = getattr(self, f.name)
            try:
                normal = _validate(_spec(f), kinds[f.name], value)
            except ValueError as err:
                name = f"{type(self).__name__}.{f.name}"
                raise NeurosymError(f"{name} {err}, got {value!r}") from None
            if normal is not value:
                object.__setattr__(self, f.name, normal)
        self.check()

    def check(self) -> None:
        """Checks across fields (raise :class:`NeurosymError`); every field is already valid."""

    @classmethod
    def _options(cls, *, settable: bool = False) -> list[dataclasses.Field]:
        """The fields declared with :func:`option` (``settable``: but the ``fixed`` ones)."""
        return [f for f in dataclasses.fields(cls)  # type: ignore[arg-type]
                if _spec(f) is not None and not (settable and _spec(f).fixed)]

    @classmethod
    def _names(cls, values: Mapping[str, Any], what: str | None = None) -> dict[str, Any]:
        """``values`` with renamed fields under their new names; an unknown name is an error
        (``what`` names the configuration there)."""
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        out = {}
        for name, value in values.items():
            new = cls.RENAMED.get(name, name)
            if new not in known:
                raise NeurosymError(f"{what or cls.__name__} has no setting {name!r}; "
                                    f"valid settings: {', '.join(sorted(known))}")
            if new in out:
                raise NeurosymError(f"{cls.__name__}: {name!r} is the old name of {new!r}; "
                                    "give only one of them")
            out[new] = value
        return out

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (Python values; old names read) applied and validated."""
        return dataclasses.replace(self, **self._names(changes))  # type: ignore[type-var]

    def describe(self) -> list[str]:
        """One line per option: ``name (value): help``."""
        return [f"{f.name} ({_show(getattr(self, f.name))}): {_spec(f).help}"
                for f in self._options(settable=True)]

    # ----- JSON
    def to_json(self) -> dict[str, Any]:
        """Every field, JSON-ready (a field's ``encode`` applied; tuples as lists)."""
        out = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value, spec = getattr(self, f.name), _spec(f)
            if spec is not None and spec.encode is not None and value is not None:
                value = spec.encode(value)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        """A dict written by :meth:`to_json` of an older version, as this version writes it."""
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """The configuration :meth:`to_json` wrote, also by an older version (:meth:`upgrade`,
        ``RENAMED``); keys of fields this version no longer has are ignored, missing fields take
        their defaults."""
        data = cls.upgrade(dict(data))
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        values = cls._names({k: v for k, v in data.items() if cls.RENAMED.get(k, k) in fields})
        out = {}
        for name, value in values.items():
            try:
                out[name] = _read(cls, fields[name], value) if _spec(fields[name]) else value
            except ValueError as err:
                raise NeurosymError(f"{cls.__name__}.{name} {err}, got {value!r}") from None
        return cls(**out)

    # ----- command line
    @classmethod
    def flag_type(cls, name: str) -> Callable[[str], Any]:
        """The flag text of field ``name`` as its value, validated (type and range); errors are
        argparse errors naming the flag (a bad flag prints the usage, not a traceback)."""
        f = next(f for f in dataclasses.fields(cls) if f.name == name)  # type: ignore[arg-type]

        def read(text: str) -> Any:
            try:  # the type and the range, so a bad value stops argparse before any work
                return _validate(_spec(f), _kinds(cls)[f.name], _read(cls, f, text))
            except (ValueError, NeurosymError) as err:
                raise argparse.ArgumentTypeError(f"{err}, got {text!r}") from None

        read.__name__ = name
        return read

    @classmethod
    def help_of(cls, name: str) -> str:
        """The help of field ``name``."""
        return next(_spec(f).help for f in cls._options() if f.name == name)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, *, defaults: Config | None = None,
                      exclude: Iterable[str] = ()) -> None:
        """One flag per option (but ``exclude`` and the ``fixed`` ones), its help ending with the
        default (``defaults``'s value, or the field's own); it stores under the field's name.
        A boolean is a switch (``--no-name`` too where it is on); typed choices are listed."""
        base = defaults if defaults is not None else cls()
        skip = set(exclude)
        for f in cls._options(settable=True):
            if f.name in skip:
                continue
            spec, default = _spec(f), getattr(base, f.name)
            names = [spec.flag or "--" + f.name.replace("_", "-"), *spec.aliases]
            shown = spec.encode(default) if spec.encode and default is not None else default
            text = spec.help + (f" (default: {_show(shown)})" if default is not None else "")
            if _kinds(cls)[f.name] is bool:  # a switch; --no-<name> too where it is on by default
                switch = "store_true" if default is False else argparse.BooleanOptionalAction
                parser.add_argument(*names, dest=f.name, action=switch, default=default,
                                    help=spec.help if default is False else text)
                continue
            choices = _choices(_kinds(cls)[f.name])
            parser.add_argument(*names, dest=f.name, type=cls.flag_type(f.name), default=default,
                                help=text, choices=choices,
                                metavar=spec.metavar or (None if choices else f.name.upper()))

    @classmethod
    def from_args(cls, args: argparse.Namespace, *, defaults: Self | None = None,
                  **values: Any) -> Self:
        """``defaults`` (or the default configuration) with the flags :meth:`add_arguments` added
        that ``args`` holds, and ``values`` for other fields."""
        base = defaults if defaults is not None else cls()
        flags = {f.name for f in cls._options(settable=True)}
        found = {k: v for k, v in vars(args).items() if k in flags and k not in values}
        return base.replace(**found, **values)


def apply_overrides(overrides: Mapping[str, Any], *configs: Config, what: str) -> list[Any]:
    """Copies of ``configs`` with ``overrides`` (``KEY=VALUE`` options: texts or JSON values)
    applied: each key goes to the first configuration that has the option (old names read), its
    value read as the field's type, then validated. ``what`` names the learner in errors."""
    changes: list[dict[str, Any]] = [{} for _ in configs]
    for key, value in overrides.items():
        for config, change in zip(configs, changes):
            name = config.RENAMED.get(key, key)
            f = next((f for f in config._options(settable=True) if f.name == name), None)
            if f is None:
                continue
            try:
                change[name] = _read(type(config), f, value)
            except ValueError as err:
                raise NeurosymError(f"{type(config).__name__}.{name} {err}, got {value!r}"
                                    ) from None
            break
        else:
            known = sorted(f.name for c in configs for f in c._options(settable=True))
            raise NeurosymError(f"{what} has no setting {key!r}; valid settings: "
                                f"{', '.join(known)}")
    return [config.replace(**change) for config, change in zip(configs, changes)]
