"""The neural baselines estimate a training step's memory before training (issue #20)."""

from __future__ import annotations

import pytest
import torch

from neurosym.errors import ResourceLimitError
from neurosym.seq2seq import training
from neurosym.seq2seq.recurrent import RecurrentConfig, RecurrentSeq2Seq
from neurosym.seq2seq.training import NeuralSeq2Seq, TrainConfig
from neurosym.seq2seq.transformer import TransformerConfig, TransformerSeq2Seq
from neurosym.tasks.examples import Example

NETS = [
    lambda: RecurrentSeq2Seq(12, 20, RecurrentConfig(cell="lstm", attention=False, hidden=48)),
    lambda: RecurrentSeq2Seq(12, 20, RecurrentConfig(cell="lstm", attention=True, hidden=48)),
    lambda: RecurrentSeq2Seq(12, 20, RecurrentConfig(cell="gru", attention=True, hidden=32)),
    lambda: TransformerSeq2Seq(12, 20, TransformerConfig(d_model=32, heads=4, layers=2, ff=64)),
]


def saved_bytes(net: torch.nn.Module, batch: int, src_len: int, tgt_len: int) -> int:
    """Bytes of the distinct non-parameter storages autograd saves for backward in one step."""
    params = {p.untyped_storage().data_ptr() for p in net.parameters()}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            seen[storage.data_ptr()] = storage.nbytes()
        return t

    src = torch.randint(4, 12, (batch, src_len))
    tgt = torch.randint(4, 20, (batch, tgt_len))
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        net.loss_and_acc(src, torch.full((batch,), src_len), tgt, tgt, True)
    return sum(seen.values())


@pytest.mark.parametrize("make", NETS, ids=["lstm", "lstm-attn", "gru-attn", "transformer"])
@pytest.mark.parametrize("shape", [(4, 8, 16), (2, 30, 12), (3, 6, 60)])
def test_the_estimate_bounds_what_a_step_saves(make, shape):
    """activation_bytes is an upper bound on the tensors autograd keeps, and not a wild one."""
    torch.manual_seed(0)
    net = make()
    measured = saved_bytes(net, *shape)
    assert measured <= net.activation_bytes(*shape) <= 8 * measured


def test_training_refuses_before_the_first_step_and_names_the_batch_size(monkeypatch):
    train = [Example(("a",) * 30, ("B",) * 400), Example(("a",), ("B",))]
    learner = NeuralSeq2Seq(
        name="lstm-attn",
        build=lambda sv, tv: RecurrentSeq2Seq(sv, tv, RecurrentConfig(attention=True)),
        model_config=RecurrentConfig(attention=True),
        train_config=TrainConfig(batch_size=64),
        device=torch.device("cpu"),
        seed=0,
    )
    monkeypatch.setattr(training, "available_bytes", lambda device: 2 * 2**30)
    refusal = r"lower batch_size from 64 to at most \d+"
    with pytest.raises(ResourceLimitError, match=refusal) as info:
        learner.fit(train, steps=1)
    assert "output 400 tokens" in str(info.value) and learner.step == 0
    monkeypatch.setattr(training, "available_bytes", lambda device: 2**20)
    with pytest.raises(ResourceLimitError, match="shorten the longest output"):
        learner.fit(train, steps=1)
