"""Recurrent encoder-decoder baselines: LSTM / GRU, with or without attention.

Registered learners: ``lstm``, ``gru``, ``lstm-attn``, ``gru-attn``. The defaults
are Lake & Baroni (2018)'s overall-best SCAN model — 2 layers of 200 units, no
attention, dropout 0.5, Adam lr 1e-3, gradient norm clipped at 5, teacher forcing
on half the trials, 100,000 training examples drawn with replacement — except
that we train on **batches of 32** examples (L&B used single examples), so the
default run is ``ceil(100000 / 32) = 3125`` optimizer steps. Teacher forcing is
decided per batch (probability 0.5): a teacher-forced batch feeds the gold
previous token at every step, the others feed the model's own argmax.

Where dropout goes: on the input embeddings of encoder and decoder and between
stacked recurrent layers (``nn.LSTM(dropout=...)``). Embedding size = hidden
size unless ``embedding`` is given. Attention is additive (Bahdanau et al.
2015): the previous top-layer decoder state scores every encoder output; the
context vector is fed to the recurrent cell with the input embedding and to the
output layer with the new state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from neurosym.config import Config, option
from neurosym.seq2seq.base import register_learner
from neurosym.seq2seq.training import (
    EOS,
    PAD,
    SOS,
    NeuralSeq2Seq,
    TrainConfig,
    neural_learner,
    sequence_exact,
    token_loss,
)

RECURRENT_TRAIN_DEFAULTS = TrainConfig(
    batch_size=32, lr=1e-3, grad_clip=5.0, teacher_forcing=0.5, train_examples=100_000
)


@dataclass(frozen=True)
class RecurrentConfig(Config):
    """The network of a recurrent learner; ``cell`` and ``attention`` come from the model's name."""

    cell: Literal["lstm", "gru"] = option("lstm", "recurrent cell", fixed=True)
    attention: bool = option(False, "additive attention over the encoder outputs", fixed=True)
    hidden: int = option(200, "units per recurrent layer", minimum=1)
    layers: int = option(2, "stacked recurrent layers", minimum=1)
    dropout: float = option(0.5, "dropout on embeddings and between layers", minimum=0, maximum=1)
    embedding: int | None = option(None, "embedding size (None: the hidden size)", minimum=1)


class RecurrentSeq2Seq(nn.Module):
    """Encoder-decoder RNN. ``cell`` is ``"lstm"`` or ``"gru"``."""

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        config: RecurrentConfig = RecurrentConfig(),
    ) -> None:
        super().__init__()
        cell, hidden, layers, dropout = config.cell, config.hidden, config.layers, config.dropout
        attention, embedding = config.attention, config.embedding
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        emb = embedding or hidden
        self.cell, self.hidden, self.layers, self.attention = cell, hidden, layers, attention
        self.src_emb = nn.Embedding(src_vocab, emb, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(tgt_vocab, emb, padding_idx=PAD)
        self.drop = nn.Dropout(dropout)
        inter = dropout if layers > 1 else 0.0
        self.encoder = rnn(emb, hidden, layers, batch_first=True, dropout=inter)
        self.decoder = rnn(
            emb + (hidden if attention else 0), hidden, layers, batch_first=True, dropout=inter
        )
        if attention:
            self.att_q = nn.Linear(hidden, hidden, bias=False)
            self.att_k = nn.Linear(hidden, hidden)
            self.att_v = nn.Linear(hidden, 1, bias=False)
        self.out = nn.Linear(hidden * (2 if attention else 1), tgt_vocab)

    # encoder -------------------------------------------------------------
    def activation_bytes(self, batch: int, src_len: int, tgt_len: int) -> int:
        """Bytes a training step keeps for backward (float32): the recurrent states of every
        layer and step, the additive attention's ``[b, S, H]`` per decoder step, the logits;
        calibrated on the saved tensors of real steps (measured 0.3-0.7x of this)."""
        S, T, H = src_len, tgt_len, self.hidden
        recurrent = (40 if self.cell == "lstm" else 18) * (S + T) * self.layers * H
        attention = 2 * T * S * H if self.attention else 0
        logits = 4 * T * self.out.out_features
        return int(4 * 1.5 * batch * (recurrent + attention + logits))

    def encode(self, src: torch.Tensor, src_len: torch.Tensor) -> tuple[torch.Tensor, Any]:
        """``src [b, S]`` -> encoder outputs ``[b, S, H]`` and final state (per layer)."""
        lengths = src_len.clamp(min=1).cpu()  # an empty input is read as one <pad> token
        packed = pack_padded_sequence(
            self.drop(self.src_emb(src)), lengths, batch_first=True, enforce_sorted=False
        )
        out, state = self.encoder(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        return out, state

    def _top(self, state: Any) -> torch.Tensor:
        """Top-layer hidden state ``[b, H]``."""
        return (state[0] if self.cell == "lstm" else state)[-1]

    def _context(
        self, state: Any, keys: torch.Tensor, enc_out: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Additive attention: ``keys [b, S, H]``, ``mask [b, S]`` (True = real token) -> context
        ``[b, H]``."""
        q = self.att_q(self._top(state)).unsqueeze(1)  # [b, 1, H]
        scores = self.att_v(torch.tanh(q + keys)).squeeze(-1)  # [b, S]
        scores = scores.masked_fill(~mask, float("-inf"))
        return torch.bmm(scores.softmax(-1).unsqueeze(1), enc_out).squeeze(1)

    def _step(
        self, tok: torch.Tensor, state: Any, memory: tuple | None
    ) -> tuple[torch.Tensor, Any]:
        """One decoder step: ``tok [b]`` -> logits ``[b, V]``, new state."""
        x = self.drop(self.tgt_emb(tok))  # [b, E]
        if self.attention:
            assert memory is not None
            ctx = self._context(state, *memory)
            x = torch.cat([x, ctx], dim=-1)
        o, state = self.decoder(x.unsqueeze(1), state)
        o = self.drop(o.squeeze(1))
        if self.attention:
            o = torch.cat([o, ctx], dim=-1)
        return self.out(o), state

    def _memory(self, src: torch.Tensor, enc_out: torch.Tensor) -> tuple | None:
        if not self.attention:
            return None
        return (self.att_k(enc_out), enc_out, src != PAD)

    # training ------------------------------------------------------------
    def loss_and_acc(
        self,
        src: torch.Tensor,
        src_len: torch.Tensor,
        tgt_in: torch.Tensor,
        tgt_out: torch.Tensor,
        teacher: bool,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean token cross-entropy and batch exact match; ``tgt_in, tgt_out [b, T]``."""
        enc_out, state = self.encode(src, src_len)
        if teacher and not self.attention:
            o, _ = self.decoder(self.drop(self.tgt_emb(tgt_in)), state)  # one fused call
            logits = self.out(self.drop(o))
        else:
            memory = self._memory(src, enc_out)
            tok = tgt_in[:, 0]
            steps = []
            for t in range(tgt_in.shape[1]):
                step_logits, state = self._step(tok, state, memory)
                steps.append(step_logits)
                if t + 1 < tgt_in.shape[1]:
                    tok = tgt_in[:, t + 1] if teacher else step_logits.argmax(-1)
            logits = torch.stack(steps, dim=1)
        return token_loss(logits, tgt_out), sequence_exact(logits.detach(), tgt_out)

    # inference -----------------------------------------------------------
    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, src_len: torch.Tensor, max_len: int) -> torch.Tensor:
        """Feed back the argmax until every row has emitted ``<eos>`` or ``max_len`` steps: ``[b,
        <=max_len]``."""
        enc_out, state = self.encode(src, src_len)
        memory = self._memory(src, enc_out)
        tok = torch.full((src.shape[0],), SOS, dtype=torch.long, device=src.device)
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        out = []
        for t in range(max_len):
            logits, state = self._step(tok, state, memory)
            tok = logits.argmax(-1).masked_fill(done, PAD)
            out.append(tok)
            done |= tok == EOS
            if t % 8 == 7 and bool(done.all()):  # check (a device sync) every 8 steps only
                break
        return torch.stack(out, dim=1)


def _register(cell: Literal["lstm", "gru"], attention: bool) -> None:
    name = f"{cell}{'-attn' if attention else ''}"
    net = RecurrentConfig(cell=cell, attention=attention)

    @register_learner(name, defaults=(net, RECURRENT_TRAIN_DEFAULTS))
    def factory(
        *, task: Any = None, device: torch.device, seed: int = 0, **options: Any
    ) -> NeuralSeq2Seq:
        return neural_learner(
            name, net, RECURRENT_TRAIN_DEFAULTS, RecurrentSeq2Seq, options, device=device, seed=seed
        )


for _cell in ("lstm", "gru"):
    _register(_cell, False)
    _register(_cell, True)
