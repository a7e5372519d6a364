"""``LearnerConfig`` (built on :mod:`neurosym.config`): validation, JSON round trip, overrides,
and the command-line flags generated from it."""

from __future__ import annotations

import json

import pytest

from neurosym.cli import main
from neurosym.errors import NeurosymError
from neurosym.ilp import RuleLearner
from neurosym.ilp.config import LearnerConfig, describe_auto
from neurosym.logic.fuzzy import OperatorSet


def test_learner_config_round_trips_through_json_and_the_learner():
    config = LearnerConfig(restarts=8, max_contradicted=0.1, optimizer="rmsprop", lr=0.5,
                           preset=OperatorSet("product", "max", "max", "max"), repair_rounds=0)
    assert LearnerConfig.from_json(json.loads(json.dumps(config.to_json()))) == config
    learner = RuleLearner(config, seed=3)
    assert learner.config == config.replace(seed=3) and config.seed == 0  # frozen: a copy
    assert RuleLearner(polish_rounds=1).config.repair_rounds == 1  # the former name still works


def test_typed_choices_are_normalised_and_checked():
    assert LearnerConfig(restarts="AUTO").restarts == "auto"
    count = LearnerConfig(max_contradicted=2.0).max_contradicted
    assert count == 2 and isinstance(count, int)
    assert LearnerConfig(max_contradicted=0.1).allowed(35) == 3  # a fraction, rounded down
    for bad in (-1, 2.5, "x"):
        with pytest.raises(NeurosymError, match="max_contradicted must be"):
            LearnerConfig(max_contradicted=bad)
    assert describe_auto("cpu") == "16 to 64" and describe_auto("cuda") == "32 to 512"


def test_lr_is_refused_where_every_optimizer_entry_has_its_own(capsys):
    with pytest.raises(NeurosymError, match="lr 0.5 would be ignored.*adam:0.5"):
        LearnerConfig(lr=0.5)  # the default portfolio adam:0.1,rmsprop:0.5
    assert LearnerConfig(lr=0.5, optimizer="adam,rmsprop:0.5").lr == 0.5
    assert main(["ilp", "learn", "ilp/even", "--lr", "0.5", "--device", "cpu", "--quiet"]) == 1
    assert "would be ignored" in capsys.readouterr().err


def test_learn_and_bench_flags_come_from_the_config(capsys):
    helps = {}
    for command in ("learn", "bench"):
        with pytest.raises(SystemExit):
            main(["ilp", command, "--help"])
        helps[command] = " ".join(capsys.readouterr().out.split())
    for text in (
        "or a portfolio over restarts such as adam:0.1,rmsprop:0.5",
        "16 to 64 on the CPU, 32 to 512 on a GPU",
        "--repair-rounds REPAIR_ROUNDS, --polish-rounds",
    ):
        assert text in helps["learn"] and text in helps["bench"], text
    assert "maximum optimizer steps (default: 2000)" in helps["learn"]
    assert "maximum optimizer steps (default: 300)" in helps["bench"]
    assert "--no-early-stop" in helps["learn"] and "--no-early-stop" not in helps["bench"]
