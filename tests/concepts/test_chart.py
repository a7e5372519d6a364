"""The span-chart DP equals brute-force enumeration of every template and alignment."""

from __future__ import annotations

import itertools

import pytest
import torch

from neurosym.concepts.batching import batch_trees
from neurosym.concepts.chart import root_probabilities
from neurosym.concepts.composition import TemplateSpace
from neurosym.concepts.table import ConceptTable
from neurosym.lang.tree import ParseNode as N
from neurosym.tasks.template import ItemKind

TABLE = ConceptTable({"pair": 2, "twice": 1, "a": 0, "b": 0})
VOCAB = ("A", "B")


def _all_templates(space: TemplateSpace, arity: int):
    """Every (length, slot choices) with its slot numbers."""
    allowed = [c for c in range(space.num_choices)
               if c >= space.token_offset or (c % space.max_arity) < arity]
    for m in range(space.max_length + 1):
        for choice in itertools.product(allowed, repeat=m):
            yield m, choice


def _brute_force(tree, output, log_len, log_choice, space):
    """P(output | tree) by plain recursion: every node draws its template independently (the DP's
    model),
    and every item of the drawn template is matched against every way of splitting the string."""

    def yields(node, s, reverse=False):
        target = tuple(reversed(s)) if reverse else tuple(s)
        c = TABLE.index(node.rule)
        total = 0.0
        for m, choice in _all_templates(space, TABLE.arity(node.rule)):
            prob = float(log_len[c, m].exp())
            for q, ch in zip(space.slots(m), choice):
                prob *= float(log_choice[c, q, ch].exp())
            if prob == 0.0:
                continue
            total += prob * splits(node, [space.item(ch) for ch in choice], target)
        return total

    def splits(node, items, s):
        if not items:
            return 1.0 if not s else 0.0
        first, rest = items[0], items[1:]
        total = 0.0
        for cut in range(len(s) + 1):
            head, tail = s[:cut], s[cut:]
            if first.kind is ItemKind.TOKEN:
                p = 1.0 if head == (first.value,) else 0.0
            else:
                p = yields(node.children[first.value], head, reverse=first.kind is ItemKind.REVERSE)
            if p:
                total += p * splits(node, rest, tail)
        return total

    return yields(tree, output)


@pytest.mark.parametrize("per_length", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_chart_equals_enumeration(per_length, reverse):
    space = TemplateSpace(2, TABLE.max_arity, VOCAB, reverse=reverse, per_length=per_length)
    gen = torch.Generator().manual_seed(0)
    log_len = torch.log_softmax(
        torch.randn(1, len(TABLE), 3, generator=gen, dtype=torch.float64), -1
    )
    logits = torch.randn(
        1, len(TABLE), space.num_slots, space.num_choices, generator=gen, dtype=torch.float64
    )
    mask = space.choice_mask(TABLE)
    log_choice = torch.log_softmax(logits.masked_fill(~mask[None, :, None, :], float("-inf")), -1)
    trees = [N("pair", (N("a"), N("twice", (N("b"),)))), N("twice", (N("a"),)), N("b")]
    outputs = [("A", "B", "B"), ("A", "A"), ("B",)]
    tok = {t: i for i, t in enumerate(VOCAB)}
    big_l = max(len(o) for o in outputs)
    out = torch.full((len(trees), big_l), len(VOCAB))
    for b, o in enumerate(outputs):
        out[b, : len(o)] = torch.tensor([tok[t] for t in o])
    lengths = torch.tensor([len(o) for o in outputs])
    probs = root_probabilities(
        log_len, log_choice, space, batch_trees(trees, TABLE), out, lengths, dtype=torch.float64
    )
    for b, (tree, o) in enumerate(zip(trees, outputs)):
        expected = _brute_force(tree, o, log_len[0], log_choice[0], space)
        assert float(probs[0, b]) == pytest.approx(expected, rel=1e-9, abs=1e-15)
