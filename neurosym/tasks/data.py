"""Torch-facing data layer: vocabularies, encoding, padded batches on a chosen device.

>>> v = Vocab(["walk", "jump"])
>>> v.encode(["jump", "walk"])
[5, 4, 2]
>>> v.decode([5, 4, 2, 0, 0])
['jump', 'walk']
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch

from neurosym.lang.tree import ParseNode
from neurosym.tasks.examples import Example

PAD, SOS, EOS, UNK = "<pad>", "<sos>", "<eos>", "<unk>"
SPECIALS = (PAD, SOS, EOS, UNK)


class Vocab:
    """Token <-> id. Ids 0..3 are ``<pad>``, ``<sos>``, ``<eos>``, ``<unk>``; the rest in given order."""

    pad_id, sos_id, eos_id, unk_id = 0, 1, 2, 3

    def __init__(self, tokens: Iterable[str]) -> None:
        self.itos: list[str] = list(SPECIALS)
        for t in tokens:
            if t not in self.itos:
                self.itos.append(t)
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def from_sequences(cls, sequences: Iterable[Sequence[str]]) -> Vocab:
        """Tokens in order of first appearance."""
        return cls(t for seq in sequences for t in seq)

    @classmethod
    def from_examples(cls, examples: Iterable[Example], side: str = "input") -> Vocab:
        """The vocabulary of the inputs (``side="input"``) or outputs (``side="output"``)."""
        if side not in ("input", "output"):
            raise ValueError(f"side must be 'input' or 'output', not {side!r}")
        return cls.from_sequences(getattr(e, side) for e in examples)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.itos == other.itos

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens: {' '.join(self.itos[len(SPECIALS):][:12])}{' ...' if len(self) > 16 else ''})"

    def encode(self, tokens: Sequence[str], *, sos: bool = False, eos: bool = True) -> list[int]:
        """Ids of ``tokens`` (unknown -> ``<unk>``), with ``<sos>`` first / ``<eos>`` last if asked."""
        ids = [self.stoi.get(t, self.unk_id) for t in tokens]
        return ([self.sos_id] if sos else []) + ids + ([self.eos_id] if eos else [])

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens of ``ids``, stopping at the first ``<eos>``; ``<sos>`` and ``<pad>`` are skipped."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i in (self.sos_id, self.pad_id):
                continue
            out.append(self.itos[i] if 0 <= i < len(self.itos) else UNK)
        return out

    def to_dict(self) -> dict:
        """JSON-safe form (for checkpoint metadata)."""
        return {"tokens": self.itos[len(SPECIALS):]}

    @classmethod
    def from_dict(cls, data: dict) -> Vocab:
        return cls(data["tokens"])


@dataclass
class Batch:
    """Padded tensors for a list of examples (all on one device).

    inputs: ``[batch, src_len]`` input ids ending in ``<eos>``, padded with 0.
    input_lengths: ``[batch]`` (counting ``<eos>``).
    targets: ``[batch, tgt_len]`` output ids as ``<sos> y1 .. yn <eos>``, padded with 0;
    a decoder reads ``targets[:, :-1]`` and is trained to predict ``targets[:, 1:]``.
    target_lengths: ``[batch]`` (counting ``<sos>`` and ``<eos>``).
    trees: the inputs' parse trees when a parser was given, else None.
    """

    inputs: torch.Tensor
    input_lengths: torch.Tensor
    targets: torch.Tensor
    target_lengths: torch.Tensor
    examples: list[Example]
    trees: list[ParseNode] | None = None

    def __len__(self) -> int:
        return len(self.examples)

    def to(self, device: torch.device | str) -> Batch:
        return Batch(self.inputs.to(device), self.input_lengths.to(device), self.targets.to(device),
                     self.target_lengths.to(device), self.examples, self.trees)


def pad(sequences: Sequence[Sequence[int]], device: torch.device | str | None = None,
        pad_id: int = Vocab.pad_id) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists into a LongTensor ``[batch, max_len]`` and lengths ``[batch]``."""
    lengths = [len(s) for s in sequences]
    width = max(lengths, default=0)
    rows = [list(s) + [pad_id] * (width - len(s)) for s in sequences]
    out = torch.tensor(rows, dtype=torch.long).reshape(len(rows), width)
    return out.to(device), torch.tensor(lengths, dtype=torch.long, device=device)


def collate(examples: Sequence[Example], in_vocab: Vocab, out_vocab: Vocab,
            device: torch.device | str | None = None,
            parse: Callable[[Sequence[str]], ParseNode] | None = None) -> Batch:
    """One :class:`Batch` from examples; ``parse`` (e.g. ``task.parse``) adds the parse trees."""
    inputs, input_lengths = pad([in_vocab.encode(e.input) for e in examples], device)
    targets, target_lengths = pad([out_vocab.encode(e.output, sos=True) for e in examples], device)
    trees = [parse(e.input) for e in examples] if parse is not None else None
    return Batch(inputs, input_lengths, targets, target_lengths, list(examples), trees)


def make_batches(examples: Sequence[Example], in_vocab: Vocab, out_vocab: Vocab, batch_size: int,
                 device: torch.device | str | None = None, shuffle_seed: int | None = None,
                 parse: Callable[[Sequence[str]], ParseNode] | None = None) -> list[Batch]:
    """Split ``examples`` into padded batches of ``batch_size`` (the last may be smaller).

    With ``shuffle_seed`` the order is a seeded shuffle; otherwise the given order.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, not {batch_size}")
    order = list(range(len(examples)))
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(order)
    return [
        collate([examples[i] for i in order[start:start + batch_size]], in_vocab, out_vocab, device, parse)
        for start in range(0, len(order), batch_size)
    ]
