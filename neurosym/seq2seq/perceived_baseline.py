"""The recurrent baseline on perceived words: images through the same CNN, end to end.

The inputs are the compositional model's: every perceived word of a command is an item of a
percept data set (:class:`~neurosym.seq2seq.perceived_model.PerceptPool`). The input sequence
keeps the other words as tokens and writes a perceived word as its item's token ``#i``; the
network's input embedding (:class:`PerceivedEmbedding`) reads a word through its embedding row
and an item through the compositional model's network
(:func:`~neurosym.seq2seq.perceived_model.percept_network`) on the image, so the CNN and
the LSTM train together from the output sequences alone (no percept label).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch
from torch import Tensor, nn

from neurosym.seq2seq.perceived_model import percept_network
from neurosym.seq2seq.recurrent import RECURRENT_TRAIN_DEFAULTS, RecurrentConfig, RecurrentSeq2Seq
from neurosym.seq2seq.training import PAD, SPECIALS, NeuralSeq2Seq, neural_learner


class PerceivedEmbedding(nn.Module):
    """Input ids ``[b, S]`` -> embeddings ``[b, S, E]``: an id below ``table.num_embeddings``
    through ``table``, id ``table.num_embeddings + i`` through a CNN on ``items[i]``
    (``items [N, 1, 28, 28]``, a buffer that is not saved)."""

    def __init__(self, table: nn.Embedding, items: Tensor) -> None:
        super().__init__()
        self.table = table
        self.cnn = percept_network(table.embedding_dim)
        self.register_buffer("items", items, persistent=False)

    def forward(self, src: Tensor) -> Tensor:
        words = self.table.num_embeddings
        seen = src >= words
        out = self.table(src.masked_fill(seen, PAD))
        if bool(seen.any()):
            out = out.index_put((seen,), self.cnn(self.items[src[seen] - words]))
        return out


def item_token(i: int) -> str:
    """The input token of data-set item ``i``."""
    return f"#{i}"


def perceived_inputs(inputs: Sequence[Sequence[str]], picks: Sequence[Sequence[int]],
                     words: Sequence[str]) -> list[tuple[str, ...]]:
    """Each input with its perceived ``words``, left to right, replaced by its items' tokens
    (``picks[b]``: the items of input ``b`` in that order)."""
    out = []
    for seq, items in zip(inputs, picks):
        it = iter(items)
        out.append(tuple(item_token(next(it)) if w in words else w for w in seq))
    return out


def perceived_recurrent(words: Sequence[str], items: Tensor, options: dict[str, Any], *,
                        cell: Literal["lstm", "gru"] = "lstm", device: torch.device,
                        seed: int) -> NeuralSeq2Seq:
    """Lake & Baroni's recurrent learner (``options`` override its settings) whose inputs are
    the non-perceived ``words`` and one token per item of ``items`` (:func:`item_token`)."""
    tokens = list(words) + [item_token(i) for i in range(len(items))]
    known = len(SPECIALS) + len(words)

    def build(src_size: int, tgt_size: int, config: RecurrentConfig) -> nn.Module:
        net = RecurrentSeq2Seq(known, tgt_size, config)
        net.src_emb = PerceivedEmbedding(net.src_emb, items)
        return net

    return neural_learner(f"{cell}-perceived", RecurrentConfig(cell=cell),
                          RECURRENT_TRAIN_DEFAULTS, build, options, device=device, seed=seed,
                          src_tokens=tokens)
