"""Neural seq2seq baselines: learning, checkpoint round trip, resume, batched decoding."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from safetensors import safe_open

from neurosym.errors import NeurosymError
from neurosym.seq2seq.base import exact_match, learner_names, make_learner
from neurosym.seq2seq.training import CHECKPOINT_FILE, CHECKPOINT_JSON
from neurosym.seq2seq.transformer import TransformerConfig, TransformerSeq2Seq
from neurosym.tasks.examples import Example

BASELINES = ["lstm", "gru", "lstm-attn", "gru-attn", "transformer"]
TINY = {
    "lstm": {"hidden": 24, "layers": 1, "dropout": 0.0},
    "gru": {"hidden": 24, "layers": 2, "dropout": 0.1},
    "lstm-attn": {"hidden": 24, "layers": 1, "dropout": 0.0},
    "gru-attn": {"hidden": 24, "layers": 1, "dropout": 0.0},
    "transformer": {
        "d_model": 32,
        "heads": 4,
        "layers": 1,
        "ff": 64,
        "dropout": 0.0,
        "warmup_steps": 0,
    },
}

# A miniature SCAN: primitives, "twice", "thrice", "and". Enough structure to learn in seconds.
_PRIM = {"walk": "W", "run": "R", "jump": "J"}


def _mini_data() -> list[Example]:
    out = []
    for a, x in _PRIM.items():
        out.append(Example((a,), (x,)))
        out.append(Example((a, "twice"), (x, x)))
        out.append(Example((a, "thrice"), (x, x, x)))
        for b, y in _PRIM.items():
            out.append(Example((a, "and", b), (x, y)))
    return out


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_all_baselines_registered():
    for name in BASELINES:
        assert name in learner_names()


@pytest.mark.parametrize("name", BASELINES)
def test_checkpoint_round_trip_gives_identical_predictions(name, tmp_path):
    data = _mini_data()
    learner = make_learner(name, device="cpu", seed=3, batch_size=8, **TINY[name])
    report = learner.fit(data, steps=5)
    assert report.steps == 5 and report.final_loss is not None and report.final_loss > 0
    inputs = [e.input for e in data] + [("walk", "and", "unknownword")]
    before = learner.predict(inputs)
    learner.save(tmp_path / "ck")
    assert (tmp_path / "ck" / CHECKPOINT_FILE).exists()
    meta = json.loads((tmp_path / "ck" / CHECKPOINT_JSON).read_text())
    assert meta["step"] == 5 and meta["config"]["learner"] == name
    with safe_open(
        str(tmp_path / "ck" / CHECKPOINT_FILE), framework="pt"
    ) as f:  # plain tensors, no pickle
        assert any(k.startswith("model.") for k in f.keys())  # noqa: SIM118 (safe_open is not a dict)
    again = make_learner(name, device="cpu", seed=3, batch_size=8, **TINY[name])
    again.load_checkpoint(tmp_path / "ck")
    assert again.predict(inputs) == before


@pytest.mark.parametrize("name", ["lstm-attn", "transformer"])
def test_batched_decoding_equals_one_by_one(name):
    """Padding must not change any prediction: decode in one batch vs one example at a time."""
    data = _mini_data()
    learner = make_learner(name, device="cpu", seed=0, batch_size=8, **TINY[name])
    learner.fit(data, steps=40)
    inputs = [e.input for e in data]
    together = learner.predict(inputs)
    learner.train_config = dataclasses.replace(learner.train_config, eval_batch_size=1)  # frozen
    assert [learner.predict([x])[0] for x in inputs] == together


@pytest.mark.parametrize("name", ["lstm", "transformer"])
def test_learns_a_tiny_compositional_task(name):
    data = _mini_data()
    opts = dict(
        TINY[name], batch_size=16, lr=3e-3 if name == "lstm" else 1e-3
    )  # 400 steps: 3 seeds all reached 100%
    if name == "lstm":
        opts.update(hidden=48, teacher_forcing=1.0)
    learner = make_learner(name, device="cpu", seed=0, **opts)
    learner.fit(data, steps=250 if name == "lstm" else 400)
    preds = learner.predict([e.input for e in data])
    assert exact_match(preds, [e.output for e in data]) == 1.0


def test_resume_continues_the_same_trajectory(tmp_path):
    """10 steps + checkpoint + 10 steps == 20 steps straight (weights, Adam state and RNG
    restored)."""
    data = _mini_data()
    opts = dict(
        TINY["gru"], batch_size=4
    )  # dropout 0.1 and teacher forcing 0.5 both use the RNG streams
    straight = make_learner("gru", device="cpu", seed=1, **opts)
    straight.fit(data, steps=20)
    first = make_learner("gru", device="cpu", seed=1, **opts)
    first.fit(data, steps=10)
    first.save(tmp_path / "ck")
    resumed = make_learner("gru", device="cpu", seed=1, **opts)
    resumed.load_checkpoint(tmp_path / "ck")
    assert resumed.step == 10
    report = resumed.fit(data, steps=20)
    assert report.steps == 20
    for (k, a), (_, b) in zip(straight.net.state_dict().items(), resumed.net.state_dict().items()):
        assert torch.equal(a, b), k


def test_max_decode_length_ignores_gold_and_covers_long_outputs():
    data = _mini_data()
    learner = make_learner("lstm", device="cpu", seed=0, **TINY["lstm"])
    learner.fit(data, steps=1)
    assert learner.max_decode_len() == 60  # max(60, 2 * 3 + 10)
    # an untrained model rarely emits <eos>; its outputs are cut at the max length, never at a gold
    # length
    assert all(len(p) <= 60 for p in learner.predict([e.input for e in data]))


def test_transformer_cached_decoding_matches_full_decoder():
    torch.manual_seed(0)
    config = TransformerConfig(d_model=32, heads=4, layers=2, ff=64, dropout=0.0)
    net = TransformerSeq2Seq(10, 8, config).eval()
    src = torch.randint(4, 10, (5, 7))
    src[0, 5:] = 0  # padding
    tgt = torch.randint(4, 8, (5, 9))
    with torch.no_grad():
        mem, mask = net.encode(src)
        full = net.decode(tgt, mem, mask)
        caches = [{} for _ in net.decoder]
        steps = [
            net.decode(tgt[:, i : i + 1], mem, mask, caches, offset=i) for i in range(tgt.shape[1])
        ]
    assert torch.allclose(full, torch.cat(steps, dim=1), atol=1e-5)


def test_wrong_checkpoint_and_bad_options_are_explained(tmp_path):
    data = _mini_data()
    lstm = make_learner("lstm", device="cpu", seed=0, **TINY["lstm"])
    lstm.fit(data, steps=1)
    lstm.save(tmp_path / "ck")
    gru = make_learner("gru", device="cpu", seed=0, **TINY["gru"])
    with pytest.raises(NeurosymError, match="--model lstm"):
        gru.load_checkpoint(tmp_path / "ck")
    with pytest.raises(NeurosymError, match="no checkpoint here"):
        gru.load_checkpoint(tmp_path / "missing")
    with pytest.raises(NeurosymError, match="the lstm model has no setting 'hiddden'"):
        make_learner("lstm", device="cpu", hiddden=3)
    with pytest.raises(NeurosymError, match="predict"):
        make_learner("transformer", device="cpu").predict([("walk",)])
