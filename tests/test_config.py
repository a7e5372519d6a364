"""The one configuration mechanism (``neurosym.config``): validation, renamed fields, overrides
read from ``KEY=VALUE`` text, JSON round trip with upgrades, and generated flags."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import pytest

from neurosym.config import Config, apply_overrides, option
from neurosym.errors import NeurosymError


@dataclass(frozen=True)
class Toy(Config):
    RENAMED: ClassVar[dict[str, str]] = {"old_steps": "steps"}

    steps: int = option(10, "steps", minimum=1)
    rate: float | None = option(None, "rate", above=0.0)
    mode: Literal["a", "b"] = option("a", "mode")
    fast: bool = option(False, "go fast")
    betas: tuple[float, float] = option((0.5, 0.9), "two numbers", minimum=0)
    share: float = option(0.5, "a fraction", minimum=0, maximum=1)
    kind: str = option("x", "set by the program", fixed=True)
    extra: dict[str, Any] = field(default_factory=dict)  # not an option: not validated

    def check(self) -> None:
        if self.fast and self.steps > 100:
            raise NeurosymError("Toy: fast runs take at most 100 steps")

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        data.setdefault("share", 1.0)  # files from before "share" existed
        return data


@pytest.mark.parametrize("bad, words", [
    ({"steps": 0}, "Toy.steps must be at least 1, got 0"),
    ({"steps": 2.5}, "Toy.steps must be an int, got 2.5"),
    ({"steps": True}, "Toy.steps must be an int, got True"),
    ({"rate": -1.0}, "Toy.rate must be greater than 0.0"),
    ({"rate": float("nan")}, "Toy.rate must be a finite number"),
    ({"rate": "0.5"}, "Toy.rate must be a number or None, got '0.5'"),
    ({"mode": "c"}, "Toy.mode must be one of a, b, got 'c'"),
    ({"share": 1.5}, r"Toy.share must be in \[0, 1\], got 1.5"),
    ({"betas": [0.1, 0.2]}, r"Toy.betas must be 2 values \(a number, a number\)"),
    ({"speed": 1}, "Toy has no setting 'speed'; valid settings: betas, extra, fast, kind, mode"),
    ({"steps": 2, "old_steps": 3}, "'old_steps' is the old name of 'steps'"),
    ({"fast": True, "steps": 101}, "fast runs take at most 100 steps"),
])
def test_invalid_values_name_the_field_the_rule_and_the_value(bad, words):
    with pytest.raises(NeurosymError, match=words):
        Toy().replace(**bad)


def test_replace_reads_old_names_and_keeps_the_original():
    toy = Toy()
    assert toy.replace(old_steps=3, rate=0.5) == Toy(steps=3, rate=0.5) and toy.steps == 10


def test_json_round_trip_reads_old_names_and_upgrades_old_files():
    toy = Toy(steps=4, rate=0.25, mode="b", fast=True, betas=(0.1, 0.2), share=0.0)
    data = json.loads(json.dumps(toy.to_json()))
    assert data["betas"] == [0.1, 0.2] and Toy.from_json(data) == toy
    old = {"old_steps": 7, "mode": "b", "removed_later": 1}  # written before "share"
    assert Toy.from_json(old) == Toy(steps=7, mode="b", share=1.0)
    with pytest.raises(NeurosymError, match="Toy.steps must be an int, got 'many'"):
        Toy.from_json({"steps": "many"})


def test_overrides_are_read_as_the_field_type_and_routed():
    @dataclass(frozen=True)
    class Other(Config):
        width: int | None = option(None, "width", minimum=1)

    text = {"steps": "3", "rate": "0.5", "fast": "yes", "betas": "0.1,0.2", "mode": "b",
            "width": "8"}
    toy, other = apply_overrides(text, Toy(), Other(), what="the toy")
    assert toy == Toy(steps=3, rate=0.5, fast=True, betas=(0.1, 0.2), mode="b")
    assert other.width == 8
    assert apply_overrides({"width": "none"}, Other(width=3), what="x")[0].width is None
    (toy,) = apply_overrides({"old_steps": 4, "rate": "none", "share": 1}, Toy(), what="the toy")
    assert (toy.steps, toy.rate, toy.share) == (4, None, 1)
    for bad, words in [({"kind": "y"}, "the toy has no setting 'kind'"),  # fixed: not an option
                       ({"steps": "2.5"}, "Toy.steps must be an int, got '2.5'"),
                       ({"fast": "maybe"}, "Toy.fast must be true or false"),
                       ({"mode": "c"}, "Toy.mode must be one of a, b"),
                       ({"steps": "0"}, "Toy.steps must be at least 1, got 0")]:
        with pytest.raises(NeurosymError, match=words):
            apply_overrides(bad, Toy(), what="the toy")


def test_flags_come_from_the_fields_and_parse_back(capsys):
    parser = argparse.ArgumentParser()
    Toy.add_arguments(parser, defaults=Toy(steps=7))
    text = " ".join(parser.format_help().split())
    assert "--steps STEPS steps (default: 7)" in text and "--mode {a,b} mode (default: a)" in text
    assert "--fast go fast" in text and "--no-fast" not in text and "(default: 0.5,0.9)" in text
    assert "--kind" not in text and "--extra" not in text and "(default: None)" not in text
    assert Toy.from_args(parser.parse_args([]), defaults=Toy(steps=7)) == Toy(steps=7)
    on = argparse.ArgumentParser()
    Toy.add_arguments(on, defaults=Toy(fast=True))
    assert Toy.from_args(on.parse_args(["--no-fast"])) == Toy()
    args = parser.parse_args(["--steps", "3", "--mode", "b", "--fast", "--rate", "0.5",
                              "--betas", "0.1,0.2"])
    assert Toy.from_args(args, extra={"k": 1}) == Toy(steps=3, mode="b", fast=True, rate=0.5,
                                                      betas=(0.1, 0.2), extra={"k": 1})
    for bad in (["--mode", "c"], ["--steps", "x"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
    assert "argument --steps: must be an int, got 'x'" in capsys.readouterr().err


def test_describe_lists_the_options_with_their_values():
    assert Toy(steps=3).describe()[:2] == ["steps (3): steps", "rate (None): rate"]
    assert not any(line.startswith("kind") for line in Toy().describe())
