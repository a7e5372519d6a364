"""Transformer encoder-decoder baseline (``transformer``), built from ``torch.nn`` blocks.

SCAN-sized default configuration (``TRANSFORMER_DEFAULTS``): 3 encoder and 3
decoder layers, d_model 128, 8 heads, feed-forward 512 (ReLU), dropout 0.1,
post-norm (as ``nn.TransformerEncoderLayer``; the decoder layer is written out
with the same layout plus a key/value cache for decoding), sinusoidal positions
(``positions="learned"``
switches to a learned table of ``max_positions`` rows; learned positions cannot
represent positions never seen in training, which matters on the length split),
token embeddings initialised with std d_model^-1/2 and scaled by sqrt(d_model), separate input and
output vocabularies.
Training: Adam lr 5e-4 with betas (0.9, 0.98), linear warm-up over the first
500 steps, gradient norm clipped at 5, batch 32, always teacher-forced
(``teacher_forcing`` is ignored: the whole target is predicted in parallel under
a causal mask), 100,000 training examples drawn with replacement (3125 steps).
Decoding is greedy and free-running (the prefix is re-run at every step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from neurosym.config import Config, option
from neurosym.errors import NeurosymError
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


@dataclass(frozen=True)
class TransformerConfig(Config):
    """The network of the ``transformer`` learner (SCAN-sized defaults)."""

    d_model: int = option(128, "model width (a multiple of heads)", minimum=1)
    heads: int = option(8, "attention heads", minimum=1)
    layers: int = option(3, "encoder layers, and as many decoder layers", minimum=1)
    ff: int = option(512, "feed-forward width", minimum=1)
    dropout: float = option(0.1, "dropout", minimum=0, maximum=1)
    positions: Literal["sinusoidal", "learned"] = option(
        "sinusoidal", "position encoding (learned positions cannot represent unseen lengths)"
    )
    max_positions: int = option(512, "longest sequence the position table covers", minimum=1)

    def check(self) -> None:
        if self.d_model % self.heads:
            raise NeurosymError(
                f"TransformerConfig.d_model must be divisible by heads "
                f"({self.heads}), got {self.d_model}"
            )


TRANSFORMER_DEFAULTS = TransformerConfig()
TRANSFORMER_TRAIN_DEFAULTS = TrainConfig(
    batch_size=32,
    lr=5e-4,
    grad_clip=5.0,
    teacher_forcing=1.0,
    train_examples=100_000,
    warmup_steps=500,
    adam_betas=(0.9, 0.98),
)


def sinusoidal_positions(n: int, d: int) -> torch.Tensor:
    """Vaswani et al. 2017 position table ``[n, d]``."""
    pos = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    table = torch.zeros(n, d)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq[: d // 2])
    return table


def _split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """``[b, L, d]`` -> ``[b, heads, L, d / heads]``."""
    b, L, d = x.shape
    return x.view(b, L, heads, d // heads).transpose(1, 2)


def _merge_heads(x: torch.Tensor) -> torch.Tensor:
    """``[b, heads, L, dh]`` -> ``[b, L, heads * dh]``."""
    b, h, L, dh = x.shape
    return x.transpose(1, 2).reshape(b, L, h * dh)


class DecoderLayer(nn.Module):
    """Post-norm Transformer decoder layer (as ``nn.TransformerDecoderLayer``) with a key/value
    cache.

    Written out so greedy decoding costs one position per step: with ``cache``
    (a dict per layer) the layer takes only the newest position ``x [b, 1, d]``
    and appends its self-attention keys/values to the cache.
    """

    def __init__(self, d_model: int, heads: int, ff: int, dropout: float) -> None:
        super().__init__()
        self.heads, self.p = heads, dropout
        self.sa_qkv = nn.Linear(d_model, 3 * d_model)
        self.sa_out = nn.Linear(d_model, d_model)
        self.ca_q = nn.Linear(d_model, d_model)
        self.ca_kv = nn.Linear(d_model, 2 * d_model)
        self.ca_out = nn.Linear(d_model, d_model)
        self.ff = nn.Sequential(
            nn.Linear(d_model, ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ff, d_model)
        )
        self.norm1, self.norm2, self.norm3 = (
            nn.LayerNorm(d_model),
            nn.LayerNorm(d_model),
            nn.LayerNorm(d_model),
        )
        self.drop = nn.Dropout(dropout)

    def memory_kv(self, memory: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Cross-attention keys and values of ``memory [b, S, d]``, each ``[b, heads, S, dh]``."""
        k, v = self.ca_kv(memory).chunk(2, dim=-1)
        return _split_heads(k, self.heads), _split_heads(v, self.heads)

    def forward(
        self,
        x: torch.Tensor,
        mem_kv: tuple[torch.Tensor, torch.Tensor],
        mem_mask: torch.Tensor,
        cache: dict[str, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """``x [b, T, d]`` (``T = 1`` with a cache), ``mem_mask [b, 1, 1, S]`` (True = attend) ->
        ``[b, T, d]``."""
        p = self.p if self.training else 0.0
        q, k, v = (_split_heads(t, self.heads) for t in self.sa_qkv(x).chunk(3, dim=-1))
        causal = True
        if cache is not None:
            if "k" in cache:
                k, v = torch.cat([cache["k"], k], dim=2), torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
            causal = False  # one new query attends to every cached (earlier) position
        a = nn.functional.scaled_dot_product_attention(
            q, k, v, is_causal=causal and x.shape[1] > 1, dropout_p=p
        )
        x = self.norm1(x + self.drop(self.sa_out(_merge_heads(a))))
        q = _split_heads(self.ca_q(x), self.heads)
        a = nn.functional.scaled_dot_product_attention(q, *mem_kv, attn_mask=mem_mask, dropout_p=p)
        x = self.norm2(x + self.drop(self.ca_out(_merge_heads(a))))
        return self.norm3(x + self.drop(self.ff(x)))


class TransformerSeq2Seq(nn.Module):
    """Encoder: ``nn.TransformerEncoder``; decoder: a stack of :class:`DecoderLayer`."""

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        config: TransformerConfig = TRANSFORMER_DEFAULTS,
    ) -> None:
        super().__init__()
        d_model, heads, layers, ff = config.d_model, config.heads, config.layers, config.ff
        dropout, positions, max_positions = config.dropout, config.positions, config.max_positions
        self.d_model, self.max_positions = d_model, max_positions
        self.heads, self.layers, self.ff = heads, layers, ff
        self.src_emb = nn.Embedding(src_vocab, d_model, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(tgt_vocab, d_model, padding_idx=PAD)
        for emb in (
            self.src_emb,
            self.tgt_emb,
        ):  # std d^-1/2, so the sqrt(d)-scaled embedding has unit scale
            nn.init.normal_(
                emb.weight, std=d_model**-0.5
            )  # like the positions (N(0,1) would drown them)
            with torch.no_grad():
                emb.weight[PAD].zero_()
        if positions == "learned":
            self.pos = nn.Parameter(torch.randn(max_positions, d_model) * 0.02)
        else:
            self.register_buffer(
                "pos", sinusoidal_positions(max_positions, d_model), persistent=False
            )
        self.drop = nn.Dropout(dropout)
        enc_layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers, enable_nested_tensor=False)
        self.decoder = nn.ModuleList(
            DecoderLayer(d_model, heads, ff, dropout) for _ in range(layers)
        )
        self.out = nn.Linear(d_model, tgt_vocab)

    def activation_bytes(self, batch: int, src_len: int, tgt_len: int) -> int:
        """Bytes a training step keeps for backward (float32): per layer ``[b, L, d]`` and
        ``[b, L, ff]`` activations and ``[b, heads, L, L']`` attention weights; calibrated on
        the saved tensors of real steps (measured 0.55-0.7x of this)."""
        S, T, D, F = src_len, tgt_len, self.d_model, self.ff
        per_layer = (S + T) * (10 * D + 2 * F) + 3 * self.heads * (S * S + T * T + T * S)
        logits = 4 * T * self.out.out_features
        return 4 * 2 * batch * (self.layers * per_layer + logits)

    def _embed(self, emb: nn.Embedding, ids: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """``ids [b, L]`` at positions ``offset..offset+L-1`` -> ``[b, L, d]`` (scaled embedding +
        position)."""
        if offset + ids.shape[1] > self.max_positions:
            raise NeurosymError(
                f"sequence of {offset + ids.shape[1]} tokens exceeds max_positions "
                f"{self.max_positions}"
            )
        return self.drop(
            emb(ids) * math.sqrt(self.d_model) + self.pos[offset : offset + ids.shape[1]]
        )

    def encode(
        self, src: torch.Tensor
    ) -> tuple[list[tuple[torch.Tensor, torch.Tensor]], torch.Tensor]:
        """``src [b, S]`` -> per-layer cross-attention keys/values and ``mask [b, 1, 1, S]`` (True =
        real token)."""
        pad = src == PAD
        memory = self.encoder(self._embed(self.src_emb, src), src_key_padding_mask=pad)
        return [layer.memory_kv(memory) for layer in self.decoder], (~pad)[:, None, None, :]

    def decode(
        self,
        tgt_in: torch.Tensor,
        mem_kv: list,
        mem_mask: torch.Tensor,
        caches: list[dict[str, torch.Tensor]] | None = None,
        offset: int = 0,
    ) -> torch.Tensor:
        """Causal decoder over ``tgt_in [b, T]`` -> logits ``[b, T, V]``.

        Target padding needs no mask: pads come after the real tokens, so the causal
        mask already hides them from every real position (their outputs are not scored).
        """
        h = self._embed(self.tgt_emb, tgt_in, offset)
        for i, layer in enumerate(self.decoder):
            h = layer(h, mem_kv[i], mem_mask, None if caches is None else caches[i])
        return self.out(h)

    def loss_and_acc(
        self,
        src: torch.Tensor,
        src_len: torch.Tensor,
        tgt_in: torch.Tensor,
        tgt_out: torch.Tensor,
        teacher: bool,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        mem_kv, mem_mask = self.encode(src)
        logits = self.decode(tgt_in, mem_kv, mem_mask)
        return token_loss(logits, tgt_out), sequence_exact(logits.detach(), tgt_out)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, src_len: torch.Tensor, max_len: int) -> torch.Tensor:
        """Free-running greedy decoding with a key/value cache: ``[b, <=max_len]`` token ids."""
        mem_kv, mem_mask = self.encode(src)
        caches: list[dict[str, torch.Tensor]] = [{} for _ in self.decoder]
        tok = torch.full((src.shape[0], 1), SOS, dtype=torch.long, device=src.device)
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        out = []
        for t in range(min(max_len, self.max_positions - 1)):
            nxt = (
                self.decode(tok, mem_kv, mem_mask, caches, offset=t)[:, -1]
                .argmax(-1)
                .masked_fill(done, PAD)
            )
            out.append(nxt)
            done |= nxt == EOS
            tok = nxt.unsqueeze(1)
            if t % 8 == 7 and bool(done.all()):
                break
        return torch.stack(out, dim=1)


@register_learner("transformer", defaults=(TRANSFORMER_DEFAULTS, TRANSFORMER_TRAIN_DEFAULTS))
def make_transformer(
    *, task: Any = None, device: torch.device, seed: int = 0, **options: Any
) -> NeuralSeq2Seq:
    return neural_learner(
        "transformer",
        TRANSFORMER_DEFAULTS,
        TRANSFORMER_TRAIN_DEFAULTS,
        TransformerSeq2Seq,
        options,
        device=device,
        seed=seed,
    )
