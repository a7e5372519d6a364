"""Perceived words: leaves of a parse tree that arrive as percepts (images), not as symbols.

A *perceived* leaf is one whose concept is one of a few lexical candidates (the
alternatives of one grammar rule, e.g. SCAN's ``walk``/``look``/``run``/``jump``)
and is not read but seen: a :class:`~neurosym.concepts.percept.PerceptEncoder`
over those candidates gives a distribution over them. The likelihood of an output
marginalises over the candidates exactly::

    P(output | tree, percepts) = sum_a P(a | percepts) * P(output | tree_a)

over every assignment ``a`` of the example's perceived leaves (``tree_a`` the crisp
tree it gives). Mixing the leaf's span chart instead would be exact only when no
template repeats the leaf (``twice(x) = x x`` uses it twice, and both uses must be
the same word), so the charts are kept per assignment: :func:`expand` builds one
DAG batch in which a node has one copy per assignment of the perceived leaves
below it, and subtrees without perceived leaves are shared. The gradient of this
likelihood reaches the encoder and the templates together.

:class:`PerceptLearner` trains both from (tree, output, percepts) triples with no
percept label, then predicts by the argmax candidate per percept and exact execution.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import torch
from torch import Tensor

from neurosym.concepts.batching import Level, TreeBatch, levels_to_batch
from neurosym.concepts.chart import root_probabilities
from neurosym.concepts.composition import TemplateSpace
from neurosym.concepts.learn import (
    LearnConfig,
    Pairs,
    TemplateLearner,
    TemplateLearnResult,
    select_subset,
)
from neurosym.concepts.memory import check_chart_memory
from neurosym.concepts.percept import PerceptEncoder, random_affine
from neurosym.concepts.table import ConceptTable
from neurosym.concepts.templates import Program
from neurosym.config import Config, option
from neurosym.errors import NeurosymError, ResourceLimitError
from neurosym.lang.tree import ParseNode
from neurosym.tasks.template import Item, ItemKind, Template, execute


# ---- the exact likelihood ---------------------------------------------------------------------
@dataclass(frozen=True)
class Expansion:
    """The crisp trees of every assignment of each example's perceived leaves, one DAG batch.

    batch:  a :class:`TreeBatch` whose roots are the (example, assignment) pairs.
    roots:  ``[B, A]`` root number (into ``batch.roots``) of each assignment, ``-1`` padding.
    choice: ``[B, A, P]`` candidate index of perceived leaf ``p`` under each assignment.
    leaves: ``[B]`` perceived leaves per example (leaves ``p >= leaves[b]`` are padding).
    root_example: ``[B']`` the example of each root.
    """

    batch: TreeBatch
    roots: Tensor
    choice: Tensor
    leaves: Tensor
    root_example: Tensor


def perceived_leaves(tree: ParseNode, candidates: Sequence[str]) -> int:
    """How many leaves of ``tree`` are perceived (their concept is one of ``candidates``)."""
    return sum(1 for node in tree.walk() if not node.children and node.rule in candidates)


MAX_ASSIGNMENTS = 1 << 16
"""The most assignments of its perceived leaves (``candidates ** leaves``) one tree may have:
training enumerates every one of them."""


def check_assignments(trees: Sequence[ParseNode], candidates: Sequence[str]) -> None:
    """Raise :class:`ResourceLimitError` before a tree's assignments are enumerated when there
    are more than :data:`MAX_ASSIGNMENTS` of them."""
    most = max((perceived_leaves(t, candidates) for t in trees), default=0)
    k = len(candidates)
    if k**most > MAX_ASSIGNMENTS:
        fit = int(math.log(MAX_ASSIGNMENTS, k)) if k > 1 else most
        raise ResourceLimitError(
            f"a tree has {most} perceived leaves: {k}^{most} = {k**most:,} assignments of "
            f"its {k} candidate concepts, over the limit of {MAX_ASSIGNMENTS:,} "
            "(neurosym.concepts.perceived.MAX_ASSIGNMENTS); train on sentences with at most "
            f"{fit} perceived words, or perceive fewer concepts")


def expand(trees: Sequence[ParseNode], table: ConceptTable, candidates: Sequence[str],
           device: torch.device | str | None = None) -> Expansion:
    """Every leaf whose concept is in ``candidates`` is perceived: numbered in pre-order, it
    takes each candidate in turn (the concept written in the tree is ignored)."""
    check_assignments(trees, candidates)
    k = max(table.max_arity, 1)
    ids = [table.index(c) for c in candidates]
    per_level: list[Level] = []
    Variant = tuple[tuple[int, ...], tuple[int, int]]  # (assignment so far, (height, position))

    def add(height: int, concept: int, example: int,
            kids: list[tuple[int, int]]) -> tuple[int, int]:
        while len(per_level) <= height:
            per_level.append([])
        per_level[height].append((concept, example, kids))
        return height, len(per_level[height]) - 1

    def visit(node: ParseNode, example: int) -> list[Variant]:
        if not node.children and node.rule in candidates:
            return [((j,), add(0, c, example, [])) for j, c in enumerate(ids)]
        if len(node.children) != table.arity(node.rule):
            table.check_tree(node)
        out = []
        for combo in itertools.product(*(visit(child, example) for child in node.children)):
            kids = [where for _, where in combo]
            height = 1 + max((h for h, _ in kids), default=-1)
            out.append((sum((a for a, _ in combo), ()), add(height, table.index(node.rule),
                                                             example, kids)))
        return out

    variants = [visit(tree, e) for e, tree in enumerate(trees)]
    most = max(len(v) for v in variants)
    depth = max(max(len(a) for a, _ in v) for v in variants)
    roots = torch.full((len(trees), most), -1, dtype=torch.long)
    choice = torch.zeros(len(trees), most, max(depth, 1), dtype=torch.long)
    roots_local, root_example = [], []
    for e, found in enumerate(variants):
        for a, (assignment, where) in enumerate(found):
            roots[e, a] = len(roots_local)
            choice[e, a, : len(assignment)] = torch.tensor(assignment, dtype=torch.long)
            roots_local.append(where)
            root_example.append(e)
    leaves = torch.tensor([len(v[0][0]) for v in variants], dtype=torch.long)
    batch = levels_to_batch(per_level, roots_local, k, device)
    return Expansion(batch, roots.to(device), choice.to(device), leaves.to(device),
                     torch.tensor(root_example, dtype=torch.long, device=device))


def assignment_log_prob(log_percepts: Tensor, choice: Tensor, leaves: Tensor) -> Tensor:
    """``[B, A]`` log P(assignment): the sum over perceived leaves of log P(its candidate).

    log_percepts ``[B, P, K]``; choice ``[B, A, P]``; leaves ``[B]``.
    """
    b, a, p = choice.shape
    picked = torch.gather(log_percepts[:, None, :p].expand(b, a, p, -1), 3, choice[..., None])
    used = torch.arange(p, device=choice.device)[None, :] < leaves[:, None]  # [B, P]
    return (picked.squeeze(3) * used[:, None, :]).sum(-1)


def perceived_log_likelihood(log_len: Tensor, log_choice: Tensor, space: TemplateSpace,
                             expansion: Expansion, outputs: Tensor, lengths: Tensor,
                             log_percepts: Tensor, *, dtype: torch.dtype = torch.float32,
                             share: Tensor | None = None) -> Tensor:
    """``[R, B]`` log P(output_b | tree_b, percepts_b), exact over the perceived leaves.

    log_len / log_choice as for :func:`~neurosym.concepts.chart.root_probabilities`;
    outputs ``[B, L]``, lengths ``[B]``; log_percepts ``[B, P, K]`` log P(candidate) of each
    example's perceived leaves in pre-order. ``share`` ``[R]`` (optional): each restart's share
    of the gradient that reaches ``log_percepts`` (the values are unchanged; by default every
    restart's full gradient).
    """
    lengths = lengths.to(expansion.root_example.device)
    p = root_probabilities(log_len, log_choice, space, expansion.batch, outputs,
                           lengths[expansion.root_example], dtype=dtype)  # [R, B']
    log_root = torch.log(p.clamp_min(torch.finfo(p.dtype).tiny)).double()
    log_a = assignment_log_prob(log_percepts.double(), expansion.choice, expansion.leaves)
    log_a = log_a.expand(log_root.shape[0], *log_a.shape)  # [R, B, A]
    if share is not None:
        share = share.to(log_a).view(-1, 1, 1)
        log_a = share * log_a + (1 - share) * log_a.detach()
    terms = log_root[:, expansion.roots.clamp(min=0)] + log_a  # [R, B, A]
    terms = terms.masked_fill((expansion.roots < 0)[None], float("-inf"))
    return torch.logsumexp(terms, dim=-1)


# ---- percepts as tensors ------------------------------------------------------------------------
@dataclass(frozen=True)
class Percepts:
    """Every example's percepts: ``items [N, ...]`` and ``index [B, P]`` (row of ``items`` of each
    perceived leaf, in pre-order; ``-1`` padding)."""

    items: Tensor
    index: Tensor

    @classmethod
    def from_list(cls, percepts: Sequence[Tensor]) -> Percepts:
        """One tensor ``[k_b, ...]`` per example (``k_b`` may be 0)."""
        counts = [int(t.shape[0]) for t in percepts]
        index = torch.full((len(percepts), max(max(counts, default=0), 1)), -1, dtype=torch.long)
        start = 0
        for b, n in enumerate(counts):
            index[b, :n] = torch.arange(start, start + n)
            start += n
        return cls(torch.cat(list(percepts)), index)

    def log_probs(self, encoder: PerceptEncoder, examples: Tensor, device: torch.device,
                  transform: Callable[[Tensor], Tensor] | None = None) -> Tensor:
        """``[len(examples), P, K]`` the encoder's log-distribution of each perceived leaf (zeros
        for padding); ``transform`` (e.g. an augmentation) maps the items before the encoder."""
        idx = self.index[examples]
        valid = idx >= 0
        out = torch.zeros(*idx.shape, encoder.num_concepts, device=device)
        if valid.any():
            items = self.items[idx[valid]].to(device)
            out[valid.to(device)] = encoder(transform(items) if transform else items)
        return out

    @torch.no_grad()
    def argmax(self, encoder: PerceptEncoder, device: torch.device, chunk: int = 2000) -> Tensor:
        """``[N]`` the encoder's most probable candidate of every item."""
        parts = [encoder(self.items[i: i + chunk].to(device)).argmax(1).cpu()
                 for i in range(0, len(self.items), chunk)]
        return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.long)


def resolve(tree: ParseNode, candidates: Sequence[str], words: Sequence[str]) -> ParseNode:
    """``tree`` with its perceived leaves, in pre-order, set to ``words``."""
    it = iter(words)

    def visit(node: ParseNode) -> ParseNode:
        if not node.children and node.rule in candidates:
            return ParseNode(next(it))
        return ParseNode(node.rule, tuple(visit(c) for c in node.children))

    return visit(tree)


# ---- learning -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PerceptConfig(Config):
    """Settings of :class:`PerceptLearner` beyond the template learner's :class:`LearnConfig`."""

    RENAMED: ClassVar[dict[str, str]] = {"rounds": "percept_rounds"}  # in older records
    joint_pairs: int = option(150, "pairs (short, covering) in the joint encoder + template phase",
                              minimum=1)
    joint_steps: int = option(100, "Adam steps of the joint phase on the exact soft chart",
                              minimum=0)
    encoder_lr: float = option(3e-3, "Adam learning rate of the encoder", minimum=0)
    epochs: int = option(6, "epochs over all pairs training the encoder with the program fixed",
                         minimum=0)
    batch: int = option(256, "pairs per encoder step with the program fixed", minimum=1)
    augment: bool = option(True, "image percepts [N, C, H, W] are distorted at random (rotation "
                           "<= 10 degrees, zoom within 10%, shift <= 2 pixels) while the encoder "
                           "trains with the program fixed")
    decay: bool = option(True, "the encoder's learning rate falls linearly to 0 over each "
                         "phase with the program fixed")

    percept_rounds: int = option(3, "rounds of (the program from the argmax percepts, the "
                                 "encoder under it); a round after the first relearns the "
                                 "program only when more than 'tolerance' of the pairs have no "
                                 "consistent assignment under the last one", minimum=1)
    tolerance: float = option(0.005, "fraction of the pairs without a consistent assignment "
                              "above which a round relearns the program", minimum=0, maximum=1)
    balance: float = option(0.5, "weight of KL(mean encoder distribution || uniform) in the "
                            "joint phase (keeps two classes off one row)", minimum=0)
    sharpness: float = option(0.5, "weight of the encoder distributions' mean entropy in the "
                              "joint phase (keeps the encoder from giving every input one "
                              "distribution)", minimum=0)
    lead: bool = option(True, "the encoder's gradient in the joint phase comes from the restart "
                        "with the lowest loss (False: from every restart)")
    attempts: int = option(3, "joint phases at most: another one (fresh encoder, next seed) "
                           "while fewer than 'accept' of the pairs are explained after the "
                           "warm-up; the attempt explaining the most is kept", minimum=1)
    accept: float = option(0.5, "weight fraction of the pairs the argmax percepts must explain "
                           "after an attempt's warm-up to stop attempting", minimum=0, maximum=1)


@dataclass
class PerceptResult:
    """What :meth:`PerceptLearner.fit` learned.

    program: one template per concept; ``meanings``: each candidate's rule text;
    ``indistinct``: groups of candidates whose learned meanings are identical (the outputs
    cannot tell them apart); ``explained``: weight fraction of the pairs the program
    reproduces from the argmax percepts; ``template``: the last template-learner result.
    """

    program: Program
    meanings: dict[str, str]
    indistinct: list[tuple[str, ...]]
    explained: float
    template: TemplateLearnResult
    seconds: float
    log: list[dict] = field(default_factory=list)


class PerceptLearner:
    """Learns templates for ``table`` and the encoder's candidates (``encoder.table.names``, lexical
    concepts of ``table``) from (tree, output, weight, percepts) with no percept label."""

    def __init__(self, table: ConceptTable, vocabulary: Sequence[str], encoder: PerceptEncoder,
                 config: LearnConfig | None = None, percept_config: PerceptConfig | None = None,
                 *, device: torch.device | str = "cpu", seed: int = 0) -> None:
        self.table, self.vocabulary, self.encoder = table, tuple(vocabulary), encoder
        self.config = config or LearnConfig()
        self.percept_config = percept_config or PerceptConfig()
        self.device, self.seed = torch.device(device), seed
        self.candidates = tuple(encoder.table.names)
        for name in self.candidates:
            if name not in table or table.arity(name) != 0:
                raise NeurosymError(f"perceived concept {name!r} must be a lexical concept of the "
                                    f"grammar ({', '.join(table.names)})")
        self.program: Program | None = None
        self.freed: list[str] = []  # rows the last encoder phase freed (:meth:`_rows_to_free`)

    # ---- public ---------------------------------------------------------------------------------
    def fit(self, trees: Sequence[ParseNode], outputs: Sequence[tuple[str, ...]],
            weights: Sequence[float], percepts: Sequence[Tensor],
            progress: Callable[[dict], None] | None = None) -> PerceptResult:
        """Joint phase (encoder + soft templates on a short subset), the encoder on all pairs
        under the joint phase's most probable program (both again, up to ``attempts`` times,
        while too few pairs are explained: :meth:`_attempts`), then ``percept_rounds`` rounds
        of: the template learner on the argmax-resolved trees (in the first round, and again
        only when the last program leaves more than ``tolerance`` of the pairs without a
        consistent assignment), the encoder on all pairs under the program.
        ``percepts[b]``: ``[k_b, ...]`` one item per perceived leaf of ``trees[b]`` in pre-order;
        ``progress`` receives each phase's log entry as it ends."""
        start = time.perf_counter()
        check_assignments(trees, self.candidates)  # every pair's are enumerated below
        self.encoder.to(self.device)
        data = self._check(trees, percepts)
        log: list[dict] = []

        def note(entry: dict) -> None:
            log.append({**entry, "seconds": round(time.perf_counter() - start, 2)})
            if progress is not None:
                progress(log[-1])

        pc = self.percept_config
        unusable = self._attempts(trees, outputs, weights, data, note)
        result = None
        for round_ in range(pc.percept_rounds):
            relearn = result is None or unusable > pc.tolerance * len(trees)
            if relearn:
                learner = TemplateLearner(self.table, self.vocabulary, self.config,
                                          device=self.device, seed=self.seed)
                result = learner.fit(self._resolve_all(trees, data), outputs, weights)
                self.program = result.program
            unusable = self._train_encoder(trees, outputs, data)
            explained = self._explained(trees, outputs, weights, data)
            note({"round": round_, "relearned": relearn, "no_consistent_assignment": unusable,
                  "freed": self.freed, "explained": explained})
        assert result is not None
        meanings = {c: str(self.program.templates[c]) for c in self.candidates
                    if c in self.program.templates}
        return PerceptResult(self.program, meanings, indistinct(self.program, self.candidates),
                             explained, result, time.perf_counter() - start, log)

    def resolve(self, trees: Sequence[ParseNode], percepts: Sequence[Tensor]) -> list[ParseNode]:
        """The trees with every perceived leaf set to the encoder's argmax candidate."""
        return self._resolve_all(trees, self._check(trees, percepts))

    def predict(self, trees: Sequence[ParseNode],
                percepts: Sequence[Tensor]) -> list[tuple[str, ...] | None]:
        """Exact execution of the learned program on the argmax-resolved trees."""
        if self.program is None:
            raise NeurosymError("nothing learned yet: call fit() first")
        return [execute(self.program.templates, t) for t in self.resolve(trees, percepts)]

    # ---- steps ----------------------------------------------------------------------------------
    def _check(self, trees: Sequence[ParseNode], percepts: Sequence[Tensor]) -> Percepts:
        if len(trees) != len(percepts):
            raise NeurosymError(f"{len(trees)} trees but {len(percepts)} percept tensors")
        for b, (tree, items) in enumerate(zip(trees, percepts)):
            n = perceived_leaves(tree, self.candidates)
            if n != int(items.shape[0]):
                raise NeurosymError(f"example {b} ({tree}) has {n} perceived leaves but "
                                    f"{int(items.shape[0])} percepts")
        return Percepts.from_list(percepts)

    def _explained(self, trees, outputs, weights, data: Percepts) -> float:
        """Weight fraction of the pairs the program reproduces from the argmax percepts."""
        assert self.program is not None
        resolved = self._resolve_all(trees, data)
        ok = [execute(self.program.templates, t) == tuple(o) for t, o in zip(resolved, outputs)]
        return sum(w for w, good in zip(weights, ok) if good) / float(sum(weights))

    def _resolve_all(self, trees: Sequence[ParseNode], data: Percepts) -> list[ParseNode]:
        self.encoder.eval()
        best = data.argmax(self.encoder, self.device).tolist()
        names = [[self.candidates[best[int(i)]] for i in row if i >= 0] for row in data.index]
        return [resolve(t, self.candidates, w) for t, w in zip(trees, names)]

    def _attempts(self, trees, outputs, weights, data: Percepts,
                  note: Callable[[dict], None]) -> int:
        """Joint phase + warm-up, again from a fresh encoder with the next seed while the
        argmax percepts explain fewer than ``accept`` of the pairs (a label-free sign that the
        joint phase merged classes or killed the encoder); keeps the attempt that explains the
        most. Returns its pairs without a consistent assignment."""
        pc = self.percept_config
        kept: tuple[float, int, Program, dict] | None = None
        for attempt in range(pc.attempts):
            seed = self.seed + attempt
            if attempt:
                reset_parameters(self.encoder, seed)
            joint_loss, self.program = self._joint(trees, outputs, weights, data, seed)
            unusable = self._train_encoder(trees, outputs, data)  # warm-up under its program
            explained = self._explained(trees, outputs, weights, data)
            note({"attempt": attempt, "joint_loss": joint_loss,
                  "no_consistent_assignment": unusable, "freed": self.freed,
                  "explained": explained})
            if kept is None or explained > kept[0]:
                state = {k: v.detach().clone() for k, v in self.encoder.state_dict().items()}
                kept = (explained, unusable, self.program, state)
            if explained >= pc.accept:
                break
        assert kept is not None
        _, unusable, self.program, state = kept
        self.encoder.load_state_dict(state)
        return unusable

    def _joint(self, trees, outputs, weights, data: Percepts,
               seed: int) -> tuple[float, Program]:
        """Adam on the encoder and the soft templates together, exact over the perceived leaves,
        on a short covering subset; returns the last loss and the most probable program of the
        restart with the lowest loss."""
        pc, lc = self.percept_config, self.config
        masked = [resolve(t, self.candidates, [self.candidates[0]] * data.index.shape[1])
                  for t in trees]  # the words are not read: every perceived leaf looks the same
        subset = select_subset(masked, outputs, weights, size=pc.joint_pairs,
                               coverage=lc.coverage, rng=random.Random(seed))
        learner = TemplateLearner(self.table, self.vocabulary, lc, device=self.device,
                                  seed=seed)
        longest = max(len(outputs[b]) for b in subset)
        learner._build(max(1, min(lc.max_length, longest)), reverse=lc.reverse == "on",
                       gen=torch.Generator().manual_seed(seed))
        model, space = learner.model, learner.space
        assert model is not None and space is not None
        sub = [trees[b] for b in subset]
        _, out, lengths, w = learner._tensors(Pairs(sub, [outputs[b] for b in subset],
                                                    [weights[b] for b in subset]))
        expansion = expand(sub, self.table, self.candidates, self.device)
        dtype = getattr(torch, lc.dtype)
        check_chart_memory(space, restarts=lc.restarts, nodes=expansion.batch.num_nodes,
                           pairs=len(subset), longest=out.shape[1], dtype=dtype,
                           device=self.device, fraction=lc.memory_fraction)
        examples = torch.tensor(subset, dtype=torch.long)
        seen = (data.index[examples] >= 0).to(self.device)  # [B, P] real perceived leaves
        opt = torch.optim.Adam([{"params": model.parameters(), "lr": lc.lr},
                                {"params": self.encoder.parameters(), "lr": pc.encoder_lr}])
        loss = torch.zeros(1)
        share = None
        self.encoder.train()
        for _ in range(pc.joint_steps):
            log_percepts = data.log_probs(self.encoder, examples, self.device)
            ll = perceived_log_likelihood(*model(), space, expansion, out, lengths, log_percepts,
                                          dtype=dtype, share=share)
            loss = learner.robust_nll(ll, lengths, w)
            total = loss.sum()
            if (pc.balance > 0 or pc.sharpness > 0) and bool(seen.any()):
                seen_log = log_percepts[seen]  # [N, K]
                seen_p = seen_log.exp()
                mean = seen_p.mean(0)  # [K] average distribution
                kl = (mean * mean.clamp_min(1e-12).log()).sum() + math.log(len(mean))
                entropy = -(seen_p * seen_log).sum(1).mean()
                total = total + len(loss) * (pc.balance * kl + pc.sharpness * entropy)
            opt.zero_grad()
            total.backward()
            opt.step()
            if pc.lead:  # one encoder for all restarts: it follows the one with the lowest loss
                share = torch.nn.functional.one_hot(loss.detach().argmin(), len(loss))
        best = int(loss.detach().argmin())
        return float(loss.detach()[best]), model.map_program(best)

    def _train_encoder(self, trees, outputs, data: Percepts) -> int:
        """Adam on the encoder alone, ``-log sum_a P(a) [program(tree_a) == output]`` over all
        pairs (exact with the program fixed); returns how many pairs no assignment explains.
        A candidate without a rule (no percept was resolved to it) may mean any one token no
        other candidate means: the pairs only it explains train the encoder (a class merged
        into another row can move to the free one) but count as unexplained, so that the next
        round relearns the program. While more than ``tolerance`` of the pairs are unexplained,
        rows no percept resolves to, and of rows that share a meaning all but the one most
        percepts resolve to, are freed the same way (:meth:`_rows_to_free`): a class merged onto
        a row whose meaning another row has, or onto a row beside an unused one, can move to a
        freed row, and the images of the kept meaning gather on the kept row. Pairs
        no assignment explains are left out, as are pairs without percepts. Image percepts are
        distorted at random (``augment``: :func:`random_affine`) and the learning rate decays
        to 0 (``decay``): without them the encoder fits its training images and misreads
        ~0.7 % of unseen ones."""
        assert self.program is not None
        pc = self.percept_config
        k = len(self.candidates)
        width = data.index.shape[1]
        templates = self.program.templates
        oks = [consistent(templates, tree, outputs[b], self.candidates)
               for b, tree in enumerate(trees)]
        unexplained = sum(1 for ok in oks if not any(ok))
        freed = self._rows_to_free(data) if unexplained > pc.tolerance * len(trees) else set()
        self.freed = sorted(freed)
        templates = {c: t for c, t in templates.items() if c not in freed}
        free: set[str] = set()  # tokens a candidate without a rule may stand for
        if any(c not in templates for c in self.candidates):
            meant = {t.items for c, t in templates.items() if c in self.candidates}
            free = {v for v in self.vocabulary if (Item(ItemKind.TOKEN, v),) not in meant}
        rows, choices, masks = [], [], []
        for b, tree in enumerate(trees):
            n = int((data.index[b] >= 0).sum())
            product = list(itertools.product(range(k), repeat=n))
            ok = oks[b]
            if free and (freed or not any(ok)):
                ok = consistent(templates, tree, outputs[b], self.candidates, free=free)
            if n == 0 or not any(ok):
                continue
            rows.append(b)
            choices.append([list(a) + [0] * (width - n) for a in product])
            masks.append(ok)
        if not rows or pc.epochs == 0:
            return unexplained
        most = max(len(c) for c in choices)
        choice = torch.zeros(len(rows), most, width, dtype=torch.long)
        allowed = torch.zeros(len(rows), most, dtype=torch.bool)
        for i, (c, m) in enumerate(zip(choices, masks)):
            choice[i, : len(c)] = torch.tensor(c, dtype=torch.long)
            allowed[i, : len(m)] = torch.tensor(m)
        examples = torch.tensor(rows, dtype=torch.long)
        leaves = (data.index[examples] >= 0).sum(1)
        opt = torch.optim.Adam(self.encoder.parameters(), lr=pc.encoder_lr)
        total = pc.epochs * math.ceil(len(rows) / pc.batch)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: 1 - step / total if pc.decay else 1.0)
        gen = torch.Generator().manual_seed(self.seed)
        images = data.items.dim() == 4 and pc.augment
        augment = (lambda x: random_affine(x, gen)) if images else None
        self.encoder.train()
        for _ in range(pc.epochs):
            for part in torch.randperm(len(rows), generator=gen).split(pc.batch):
                log_percepts = data.log_probs(self.encoder, examples[part], self.device, augment)
                log_a = assignment_log_prob(log_percepts, choice[part].to(self.device),
                                            leaves[part].to(self.device))
                log_a = log_a.masked_fill(~allowed[part].to(self.device), float("-inf"))
                loss = -torch.logsumexp(log_a, dim=-1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                schedule.step()
        return unexplained

    def _rows_to_free(self, data: Percepts) -> set[str]:
        """The rows to free while pairs are unexplained: every row with a rule that no percept
        resolves to (nothing supports its rule: the joint phase gives every row one) and, of each
        group of rows whose rules write the same output, all but the one the most percepts resolve
        to (the first such on a tie). Label-free: only the program and the encoder's argmax are
        read."""
        assert self.program is not None
        counts = torch.bincount(data.argmax(self.encoder, self.device),
                                minlength=len(self.candidates)).tolist()
        where = {c: i for i, c in enumerate(self.candidates)}
        freed = {c for c in self.candidates if c in self.program.templates and not counts[where[c]]}
        for group in indistinct(self.program, self.candidates):
            kept = max(group, key=lambda c: (counts[where[c]], -where[c]))
            freed.update(c for c in group if c != kept)
        return freed


def reset_parameters(module: torch.nn.Module, seed: int) -> None:
    """Fresh initial weights for every submodule that can reset them, drawn from ``seed`` (the
    global random state is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for m in module.modules():
            if m is not module and hasattr(m, "reset_parameters"):
                m.reset_parameters()


def consistent(templates: Mapping[str, Template], tree: ParseNode, output: Sequence[str],
               candidates: Sequence[str], free: Collection[str] = ()) -> list[bool]:
    """Per assignment of the perceived leaves of ``tree`` (in ``itertools.product`` order): do
    ``templates`` reproduce ``output``? When every candidate means at most one token (so that
    ``reverse`` cannot reorder inside it): one execution with each perceived leaf written as a
    placeholder token, then each assignment substitutes the candidates' meanings; otherwise
    one execution per assignment. A candidate without a template matches nothing, or, when
    ``free`` tokens are given (one-token meanings only), any one of them (the same one
    wherever the assignment uses it)."""
    n = perceived_leaves(tree, candidates)
    if any(c in templates and len(templates[c].items) > 1 for c in candidates):
        return [execute(templates, resolve(tree, candidates, [candidates[j] for j in a]))
                == tuple(output) for a in itertools.product(range(len(candidates)), repeat=n)]
    markers = [f"\0{i}" for i in range(n)]
    slot = {m: i for i, m in enumerate(markers)}
    placeholders = {m: Template(m, 0, (Item(ItemKind.TOKEN, m),)) for m in markers}
    skeleton = execute({**templates, **placeholders}, resolve(tree, candidates, markers))
    meaning = [templates[c].execute(()) if c in templates else None for c in candidates]
    if skeleton is None:
        return [False] * len(candidates) ** n
    return [_fits(skeleton, tuple(output), a, slot, meaning, free)
            for a in itertools.product(range(len(candidates)), repeat=n)]


def _fits(skeleton: Sequence[str], target: tuple[str, ...], assignment: Sequence[int],
          slot: Mapping[str, int], meaning: Sequence[tuple[str, ...] | None],
          free: Collection[str]) -> bool:
    """Does ``skeleton``, each placeholder ``p`` written as the meaning of candidate
    ``assignment[slot[p]]``, equal ``target``? A ``None`` meaning stands for one token of
    ``free``, the same wherever its candidate is used (read off ``target`` where it falls)."""
    bound: dict[int, str] = {}
    out: list[str] = []
    for tok in skeleton:
        c = assignment[slot[tok]] if tok in slot else None
        if c is None:
            out.append(tok)
        elif meaning[c] is not None:
            out.extend(meaning[c])
        elif len(out) < len(target) and target[len(out)] in free:
            if bound.setdefault(c, target[len(out)]) != target[len(out)]:
                return False
            out.append(target[len(out)])
        else:
            return False
    return tuple(out) == target


def indistinct(program: Program, candidates: Sequence[str]) -> list[tuple[str, ...]]:
    """Groups (two or more) of candidates whose learned templates write the same output: nothing in
    the outputs can tell them apart, so which percept class is which of them is arbitrary."""
    groups: dict[tuple, list[str]] = {}
    for c in candidates:
        if c in program.templates:
            groups.setdefault(program.templates[c].items, []).append(c)
    return [tuple(g) for g in groups.values() if len(g) > 1]


def matched_accuracy(confusion: Tensor) -> tuple[float, list[int]]:
    """Accuracy after the best one-to-one matching of classes to candidates.

    confusion ``[classes, K]`` counts (row: true class, column: argmax candidate), classes <= K.
    Returns (accuracy, candidate of each class). Exhaustive over matchings (K <= 8).
    """
    n, k = confusion.shape
    if n > k or k > 8:
        raise NeurosymError(f"matched_accuracy: {n} classes for {k} candidates (needs n <= k <= 8)")
    total = float(confusion.sum())
    best, match = -1.0, list(range(n))
    for perm in itertools.permutations(range(k), n):
        hits = float(sum(confusion[c, perm[c]] for c in range(n)))
        if hits > best:
            best, match = hits, list(perm)
    return (best / total if total else 0.0), match
