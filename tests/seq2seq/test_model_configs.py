"""Frozen learner configurations: validation, overrides, JSON round trips, generated flags."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from neurosym.concepts.learn import LearnConfig
from neurosym.config import apply_overrides
from neurosym.errors import NeurosymError
from neurosym.seq2seq.recurrent import RECURRENT_TRAIN_DEFAULTS, RecurrentConfig
from neurosym.seq2seq.training import TrainConfig
from neurosym.seq2seq.transformer import TransformerConfig

CONFIGS = [RecurrentConfig(cell="gru", attention=True, hidden=7, embedding=5),
           TransformerConfig(d_model=16, heads=2, positions="learned"),
           TrainConfig(lr=0.5, adam_betas=(0.8, 0.9), max_decode_len=12),
           LearnConfig(restarts=3, reverse="on", dtype="float64", repair=False)]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: type(c).__name__)
def test_json_round_trip_and_frozen(config):
    assert type(config).from_json(config.to_json()) == config
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lr = 1.0


@pytest.mark.parametrize("make, message", [
    (lambda: RecurrentConfig(dropout=1.5), r"RecurrentConfig.dropout must be in \[0, 1\], got 1.5"),
    (lambda: TransformerConfig(positions="rotary"),
     "TransformerConfig.positions must be one of sinusoidal, learned, got 'rotary'"),
    (lambda: TransformerConfig(d_model=30), "divisible by heads"),
    (lambda: TrainConfig(batch_size=0), "TrainConfig.batch_size must be at least 1, got 0"),
    (lambda: TrainConfig(adam_betas=(0.9, 1.0)), "adam_betas"),
    (lambda: LearnConfig(reverse="sometimes"),
     "LearnConfig.reverse must be one of auto, on, off, got 'sometimes'"),
])
def test_invalid_values_name_the_field_and_the_valid_range(make, message):
    with pytest.raises(NeurosymError, match=message):
        make()


def test_overrides_are_coerced_routed_and_checked():
    overrides = {"hidden": "100", "lr": 1, "adam_betas": [0.5, 0.6], "embedding": "none"}
    net, train = apply_overrides(overrides, RecurrentConfig(), RECURRENT_TRAIN_DEFAULTS,
                                 what="the lstm model")
    assert (net.hidden, net.embedding) == (100, None)
    assert (train.lr, train.adam_betas, train.batch_size) == (1.0, (0.5, 0.6), 32)
    (learn,) = apply_overrides({"repair": "false", "polish_steps": 4}, LearnConfig(), what="x")
    assert learn.repair is False and learn.confidence_steps == 4  # the old name is still read
    # cell is fixed by the model's name: not an option
    with pytest.raises(NeurosymError, match="the lstm model has no setting 'cell'"):
        apply_overrides({"cell": "gru"}, RecurrentConfig(), what="the lstm model")
    with pytest.raises(NeurosymError, match="RecurrentConfig.hidden must be an int, got 2.5"):
        apply_overrides({"hidden": 2.5}, RecurrentConfig(), what="the lstm model")
    with pytest.raises(NeurosymError, match="RecurrentConfig.layers must be at least 1, got 0"):
        apply_overrides({"layers": 0}, RecurrentConfig(), what="the lstm model")


def test_old_learn_config_json_loads():
    old = {**LearnConfig().to_json(), "polish_steps": 7, "removed_later": 1}
    del old["confidence_steps"]
    assert LearnConfig.from_json(old) == LearnConfig(confidence_steps=7)


def test_generated_flags_parse_back_to_the_config():
    parser = argparse.ArgumentParser()
    LearnConfig.add_arguments(parser)
    help_text = parser.format_help()
    assert "--confidence-steps" in help_text and "(default: 10)" in help_text
    assert "(default: None)" not in help_text
    args = parser.parse_args(["--restarts", "2", "--reverse", "off", "--per-length", "--noise", "0",
                              "--no-repair"])
    assert LearnConfig.from_args(args) == LearnConfig(restarts=2, reverse="off", per_length=True,
                                                      noise=0.0, repair=False)
    assert LearnConfig.from_args(parser.parse_args([])) == LearnConfig()
    with pytest.raises(SystemExit):
        parser.parse_args(["--reverse", "maybe"])
