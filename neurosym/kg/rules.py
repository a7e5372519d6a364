"""From attention to readable rules, and the rules' exact (symbolic) predictions.

A chain rule of target ``r`` is a tuple of relation ids (``0..2R-1``, inverses ``>= R``).
Its confidence is the sum, over ranks and over the identity placements that collapse to the
same chain, of the product of the attention weights along it -- the chain's coefficient in
the model's score ``sum_chains c(chain) A_chain e_h`` (restricted to what the beam found).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from neurosym.logic import Atom, Clause, Const, Program, Var, least_model
from neurosym.tasks.kg import KnowledgeGraph


@dataclass(frozen=True)
class ChainRule:
    """``target(X, Y) :- chain[0](X, Z1), ..., chain[-1](Zn-1, Y)`` with its confidence."""

    target: int
    chain: tuple[int, ...]
    confidence: float

    def clause(self, names: list[str]) -> Clause:
        """The Datalog clause (``inv_p(A, B)`` written ``p(B, A)``); a name per base relation."""
        n, r = len(self.chain), len(names)
        inner = ["Z"] if n == 2 else [f"Z{i}" for i in range(1, n)]
        chain_vars = [Var(v) for v in ["X", *inner, "Y"]]
        body = tuple(_atom(names, rel, chain_vars[i], chain_vars[i + 1])
                     for i, rel in enumerate(self.chain))
        return Clause(_atom(names, self.target, chain_vars[0], chain_vars[-1], r), body)

    def text(self, names: list[str]) -> str:
        """``uncle(X, Y) :- brother(X, Z), father(Z, Y).  [0.91]``"""
        return f"{self.clause(names)}  [{self.confidence:.2f}]"


def _atom(names: list[str], rel: int, a: Var, b: Var, r: int | None = None) -> Atom:
    r = len(names) if r is None else r
    return Atom(names[rel], (a, b)) if rel < r else Atom(names[rel - r], (b, a))


def extract_rules(attention: torch.Tensor, target: int, top_k: int, beam: int) -> list[ChainRule]:
    """The ``top_k`` chains of one target by confidence, found by beam search per rank.

    ``attention [ranks, L, 2R + 1]`` (last operator = identity). Chains that are all identity
    (``r(X, X)``) are dropped.
    """
    identity = attention.shape[-1] - 1
    found: dict[tuple[int, ...], float] = {}
    for rank in attention.detach().double().cpu():
        chains: list[tuple[int, ...]] = [()]
        weights = torch.ones(1, dtype=torch.double)
        for step in rank:
            cand = (weights[:, None] * step[None, :]).flatten()
            top = torch.topk(cand, min(beam, len(cand)))
            ops = step.shape[0]
            chains = [chains[i // ops] + (i % ops,) for i in top.indices.tolist()]
            weights = top.values
        for chain, w in zip(chains, weights.tolist()):
            key = tuple(op for op in chain if op != identity)
            if key:
                found[key] = found.get(key, 0.0) + w
    best = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
    return [ChainRule(target, chain, conf) for chain, conf in best]


def rules_program(rules: list[ChainRule], names: list[str]) -> str:
    """Datalog text, one rule a line, the confidence as a ``%`` comment (parses back)."""
    return "\n".join(f"{rule.clause(names)}  % {rule.confidence:.4f}" for rule in rules)


def exact_predictions(kg: KnowledgeGraph, rules: list[ChainRule],
                      splits: tuple[str, ...] = ("facts", "train")) -> set[tuple[int, int, int]]:
    """Triples ``(head, relation, tail)`` (base relation ids) the rules derive in one
    application to ``splits``, by the exact evaluator of :mod:`neurosym.logic`.

    Heads are renamed to fresh predicates so a rule reads only the given facts (one step of
    the learned rules, the semantics of the scores), not what other rules derived.
    """
    names = kg.datalog_names()
    derived = {name: f"{name} derived" for name in names}
    clauses = []
    for rule in rules:
        c = rule.clause(names)
        clauses.append(Clause(Atom(derived[c.head.pred], c.head.args), c.body))
    ents = kg.entities
    facts = [Atom(names[r], (Const(ents[h]), Const(ents[t])))
             for s in splits for h, r, t in kg.splits[s].tolist()]
    model = least_model(facts, Program(clauses))
    ent_id = {e: i for i, e in enumerate(ents)}
    out = set()
    for r, name in enumerate(names):
        for h, t in model.tuples(derived[name]):
            out.add((ent_id[h], r, ent_id[t]))
    return out


def precision_recall(kg: KnowledgeGraph, predicted: set[tuple[int, int, int]]) -> dict[str, float]:
    """Of the predicted triples not already in facts/train: precision on test (valid triples
    are left out of the denominator) and recall of test."""
    def triples(*splits: str) -> set[tuple[int, int, int]]:
        return {tuple(t) for s in splits for t in kg.splits[s].tolist()}  # type: ignore[misc]

    new = predicted - triples("facts", "train")
    test, valid = triples("test"), triples("valid")
    judged = new - (valid - test)
    correct = len(new & test)
    return {"precision": correct / len(judged) if judged else 0.0,
            "recall": correct / len(test) if test else 0.0,
            "predicted": len(new), "correct": correct}
