"""Soft output templates: every concept's embedding is read as a distribution over templates.

A concept's meaning is a template (see :mod:`neurosym.tasks.template`). The
soft version is factorised: a softmax over the template length ``m in 0..M`` and,
for each template *slot*, a softmax over the *choices*::

    [child 0 .. child K-1] [reverse(child 0) .. reverse(child K-1)] [token 0 .. token V-1]

(the reverse block only when ``reverse=True``). With ``per_length=False`` a
template of length ``m`` uses slots ``0..m-1`` (positions shared by all lengths);
with ``per_length=True`` every length has its own ``m`` slots. Choices a concept
cannot use are masked: children beyond its arity, so a lexical concept
(``walk``) chooses only tokens.

The parameters are one embedding row per concept (from
:meth:`ConceptTable.embedding`), ``R`` independent copies for batched random
restarts; the row *is* the vector of length and slot logits.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from neurosym.concepts.table import ConceptTable
from neurosym.concepts.templates import Program
from neurosym.tasks.template import Item, ItemKind, Template


@dataclass(frozen=True)
class TemplateSpace:
    """Shape of the template distributions: ``M`` positions, ``K`` child slots, ``V`` tokens."""

    max_length: int
    max_arity: int
    vocabulary: tuple[str, ...]
    reverse: bool = False
    per_length: bool = False

    @property
    def num_choices(self) -> int:
        return self.token_offset + len(self.vocabulary)

    @property
    def token_offset(self) -> int:
        return self.max_arity * (2 if self.reverse else 1)

    @property
    def num_slots(self) -> int:
        """Template slots with their own choice distribution: ``M`` shared, or one set per
        length."""
        m = self.max_length
        return m * (m + 1) // 2 if self.per_length else m

    def slots(self, length: int) -> list[int]:
        """Slot numbers of positions ``0 .. length-1`` of a template of that length."""
        if not self.per_length:
            return list(range(length))
        start = length * (length - 1) // 2
        return list(range(start, start + length))

    def item(self, choice: int) -> Item:
        k = self.max_arity
        if choice < k:
            return Item(ItemKind.CHILD, choice)
        if self.reverse and choice < 2 * k:
            return Item(ItemKind.REVERSE, choice - k)
        return Item(ItemKind.TOKEN, self.vocabulary[choice - self.token_offset])

    def choice(self, item: Item) -> int | None:
        """Inverse of :meth:`item`; None if the item is not expressible in this space."""
        if item.kind is ItemKind.CHILD:
            return int(item.value) if int(item.value) < self.max_arity else None
        if item.kind is ItemKind.REVERSE:
            return (
                self.max_arity + int(item.value)
                if self.reverse and int(item.value) < self.max_arity
                else None
            )
        try:
            return self.token_offset + self.vocabulary.index(str(item.value))
        except ValueError:
            return None

    def choice_mask(
        self, table: ConceptTable, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """``[concepts, choices]`` bool: which choices each concept may use."""
        arity = table.arity_tensor(device)
        slot = torch.arange(self.max_arity, device=device)[None, :] < arity[:, None]  # [C, K]
        parts = [slot] + ([slot] if self.reverse else [])
        parts.append(torch.ones(len(table), len(self.vocabulary), dtype=torch.bool, device=device))
        return torch.cat(parts, dim=1)

    def to_json(self) -> dict:
        return {
            "max_length": self.max_length,
            "max_arity": self.max_arity,
            "vocabulary": list(self.vocabulary),
            "reverse": self.reverse,
            "per_length": self.per_length,
        }

    @classmethod
    def from_json(cls, data: dict) -> TemplateSpace:
        return cls(
            int(data["max_length"]),
            int(data["max_arity"]),
            tuple(data["vocabulary"]),
            bool(data["reverse"]),
            bool(data["per_length"]),
        )


class SoftTemplates(nn.Module):
    """Template distributions of every concept, ``restarts`` independent copies.

    ``forward()`` returns ``(log_len [R, C, M+1], log_choice [R, C, T, S])`` with ``T`` slots and
    ``S`` choices. ``composite_token_bias`` is added to the token logits of concepts that have
    children: their meaning is first sought in what the children mean.
    """

    def __init__(
        self,
        table: ConceptTable,
        space: TemplateSpace,
        *,
        restarts: int = 8,
        init_scale: float = 1.0,
        composite_token_bias: float = -4.0,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        self.table, self.space, self.restarts = table, space, restarts
        self.init_scale = init_scale
        m, t, s = space.max_length, space.num_slots, space.num_choices
        self.out_dim = (m + 1) + t * s
        self.embedding = table.embedding(self.out_dim, copies=restarts, device=device, dtype=dtype)
        offset = torch.zeros(len(table), t, s, dtype=dtype, device=device)
        composite = table.arity_tensor(device) > 0
        offset[composite, :, space.token_offset :] = composite_token_bias
        full = torch.cat(
            [
                torch.zeros(len(table), m + 1, dtype=dtype, device=device),
                offset.view(len(table), -1),
            ],
            1,
        )
        self.register_buffer("offset", full, persistent=False)  # [C, out_dim]
        self.register_buffer("mask", space.choice_mask(table, device), persistent=False)  # [C, S]
        self.randomize(range(restarts), range(len(table)), generator)

    # ---- parameters -----------------------------------------------------------------------
    @property
    def logits(self) -> torch.Tensor:
        """``[R, C, out_dim]``: the embedding rows, one per (restart, concept)."""
        return self.embedding.weight.view(self.restarts, len(self.table), self.out_dim)

    @torch.no_grad()
    def randomize(self, restarts, concepts, generator: torch.Generator | None = None) -> None:
        """Fresh random logits for the given restarts x concepts (indices)."""
        w = self.logits
        for r in restarts:
            for c in concepts:
                noise = torch.randn(self.out_dim, generator=generator, dtype=w.dtype)
                w[r, c] = noise.to(w.device) * self.init_scale

    @torch.no_grad()
    def set_templates(
        self, restart: int, program: Program, *, strength: float = 5.0, only: set[str] | None = None
    ) -> None:
        """Make ``program``'s template the likely one (by ``strength`` nats) for its concepts in a
        restart."""
        w = self.logits
        m_max, s = self.space.max_length, self.space.num_choices
        for name, template in program.templates.items():
            if name not in self.table or (only is not None and name not in only):
                continue
            c = self.table.index(name)
            choices = [self.space.choice(item) for item in template.items]
            if len(choices) > m_max or any(ch is None for ch in choices):
                continue  # not expressible here; leave as is
            row = torch.zeros(self.out_dim, dtype=w.dtype, device=w.device)
            row[len(choices)] = strength
            slot_logits = row[m_max + 1 :].view(self.space.num_slots, s)
            for q, ch in zip(self.space.slots(len(choices)), choices):
                slot_logits[q, ch] = strength
            w[restart, c] = row - self.offset[c]

    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        m, s, t = self.space.max_length, self.space.num_choices, self.space.num_slots
        raw = self.logits + self.offset
        r, c = raw.shape[0], raw.shape[1]
        log_len = torch.log_softmax(raw[..., : m + 1], dim=-1)
        choice = raw[..., m + 1 :].reshape(r, c, t, s)
        choice = choice.masked_fill(~self.mask[None, :, None, :], float("-inf"))
        return log_len, torch.log_softmax(choice, dim=-1)

    # ---- reading the learned meanings -----------------------------------------------------------
    @torch.no_grad()
    def map_signature(self) -> torch.Tensor:
        """``[R, C, 1+M]`` each restart's most probable template (length, then the choices of its
        used slots, ``-1`` after): a round of training stops when this stops changing."""
        log_len, log_choice = self.forward()
        best_lp, best_choice = log_choice.max(dim=-1)  # [R, C, T]
        zero = torch.zeros_like(best_lp[..., :1])
        if self.space.per_length:
            per_m = [zero] + [
                best_lp[..., self.space.slots(m)].sum(-1, keepdim=True)
                for m in range(1, self.space.max_length + 1)
            ]
            score = torch.cat(per_m, -1)
        else:
            score = torch.cat([zero, best_lp.cumsum(-1)], -1)
        best_m = (log_len + score).argmax(-1)  # [R, C]
        codes = [best_m[..., None]]
        for p in range(self.space.max_length):
            if self.space.per_length:
                # slot p of the chosen length m: index m(m-1)/2 + p
                slot = (best_m * (best_m - 1) // 2 + p).clamp(max=self.space.num_slots - 1)
            else:
                slot = torch.full_like(best_m, p)
            chosen = torch.gather(best_choice, 2, slot[..., None]).squeeze(-1)
            codes.append(torch.where(best_m > p, chosen, torch.full_like(chosen, -1))[..., None])
        return torch.cat(codes, -1)

    @torch.no_grad()
    def candidates(self, restart: int, k: int = 3) -> dict[str, list[tuple[float, Template]]]:
        """Up to ``k`` most probable templates per concept, ``(log-probability, template)``, best
        first.

        For each length the best template and its one-slot variants (second-best choice in one
        slot) are scored; the factorised distribution makes these the likely top templates.
        """
        log_len, log_choice = self.forward()
        log_len, log_choice = log_len[restart].double().cpu(), log_choice[restart].double().cpu()
        top_v, top_i = log_choice.topk(min(2, self.space.num_choices), dim=-1)  # [C, T, 2]
        out: dict[str, list[tuple[float, Template]]] = {}
        for ci, concept in enumerate(self.table):
            scored: dict[Template, float] = {}
            for m in range(self.space.max_length + 1):
                slots = self.space.slots(m)
                base = [int(top_i[ci, q, 0]) for q in slots]
                score = float(log_len[ci, m]) + sum(float(top_v[ci, q, 0]) for q in slots)
                variants = [(score, base)]
                for j, q in enumerate(slots):
                    if top_v.shape[-1] > 1 and torch.isfinite(top_v[ci, q, 1]):
                        alt = list(base)
                        alt[j] = int(top_i[ci, q, 1])
                        variants.append(
                            (score - float(top_v[ci, q, 0]) + float(top_v[ci, q, 1]), alt)
                        )
                for sc, choices in variants:
                    items = tuple(self.space.item(ch) for ch in choices)
                    t = Template(concept.name, concept.arity, items)
                    scored[t] = max(scored.get(t, float("-inf")), sc)
            best = sorted(scored.items(), key=lambda kv: -kv[1])[:k]
            out[concept.name] = [(sc, t) for t, sc in best]
        return out

    @torch.no_grad()
    def map_program(self, restart: int, concepts: set[str] | None = None) -> Program:
        """The most probable template of every concept (of ``concepts``, if given) in one restart,
        with its probability as the rule's confidence."""
        templates, confidence = {}, {}
        for name, cands in self.candidates(restart, k=1).items():
            if concepts is not None and name not in concepts:
                continue
            score, template = cands[0]
            templates[name] = template
            confidence[name] = float(torch.tensor(score).exp())
        return Program(templates, confidence)

    @torch.no_grad()
    def template_log_prob(self, restart: int, name: str, template: Template) -> float:
        """log P(template) for one concept in one restart (``-inf`` if not expressible)."""
        log_len, log_choice = self.forward()
        c = self.table.index(name)
        choices = [self.space.choice(item) for item in template.items]
        if len(choices) > self.space.max_length or any(ch is None for ch in choices):
            return float("-inf")
        total = float(log_len[restart, c, len(choices)])
        for q, ch in zip(self.space.slots(len(choices)), choices):
            total += float(log_choice[restart, c, q, ch])
        return total
