"""Learn every concept's meaning from (parse tree, output) pairs.

The recipe (its measurements: bench/neurosym/RESULTS.md):

1. **Subset** (curriculum by size): a few short pairs for every (concept) and every
   (parent, child position, child) that occurs, then random short pairs up to ``subset``.
   The rules are the same for long pairs, so short ones are enough and cheap.
2. **Gradient descent** on ``R`` restarts at once: Adam on the soft templates'
   logits, minimising the noise-robust negative log-likelihood
   ``-log((1-eps) P(output | tree) + eps * V^-|output|)`` where P is the exact chart
   marginal (:mod:`neurosym.concepts.chart`).
3. **Repair** (:func:`neurosym.concepts.search.repair`): coordinate ascent over the
   templates the restarts propose, scored by exact execution.
4. **Check on all training pairs.** Pairs the program gets wrong join the subset;
   concepts they point at (:func:`~neurosym.concepts.search.blame`) restart from random
   logits in every restart, the others are warm-started at the program; back to 2.
   Stops when every pair is explained, or when nothing new can be learned (the
   remaining failures are isolated: corrupted pairs, or a meaning outside the template
   space) -- those are reported, never silently absorbed.
5. **Joint search** (few pairs only, ``joint_max_pairs``): when some are still wrong,
   templates read off each pair's output (:func:`~neurosym.concepts.search.root_proposals`)
   join the restarts' candidates and a backtracking search looks for one program that
   explains every pair (:func:`~neurosym.concepts.search.joint_search`) -- the move where
   several concepts must change together, which single repair swaps cannot make.
6. **Generalise constants** (Occam) and **confidences**: a short gradient run from the
   final program gives each template's confidence.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import torch

from neurosym.concepts.batching import batch_trees
from neurosym.concepts.chart import root_probabilities
from neurosym.concepts.composition import SoftTemplates, TemplateSpace
from neurosym.concepts.memory import check_chart_memory
from neurosym.concepts.search import (
    Scored,
    blame,
    explained_mask,
    generalize_constants,
    joint_search,
    repair,
    root_proposals,
)
from neurosym.concepts.table import ConceptTable
from neurosym.concepts.templates import Program
from neurosym.config import Config, option
from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode
from neurosym.tasks.template import Template


@dataclass(frozen=True)
class LearnConfig(Config):
    """Settings of :class:`TemplateLearner`; the defaults are the measured SCAN settings."""

    RENAMED: ClassVar[dict[str, str]] = {"polish_steps": "confidence_steps"}  # in older checkpoints

    restarts: int = option(8, "independent soft models trained at once", minimum=1)
    max_length: int = option(8, "longest template (SCAN's 'around' needs 8)", minimum=1)
    reverse: Literal["auto", "on", "off"] = option(
        "auto", "reverse(child) template items (auto: allowed from the first repair round on)")
    per_length: bool = option(False, "one set of slots per template length (slower; see "
                              "RESULTS.md)")
    subset: int = option(150, "pairs in the first gradient round", minimum=1)
    coverage: int = option(3, "pairs per concept and per (parent, position, child) in the subset",
                           minimum=0)
    steps: int = option(150, "Adam steps in the first round", minimum=0)
    refine_steps: int = option(80, "Adam steps in later rounds", minimum=0)
    rounds: int = option(6, "repair / re-initialise rounds at most", minimum=0)
    joint_max_pairs: int = option(60, "at most this many training pairs: an exact joint search "
                                  "when repair leaves some wrong", minimum=0)
    repair: bool = option(True, "False (ablation): the MAP program of the lowest-loss restart, "
                          "no rounds")
    lr: float = option(0.1, "Adam learning rate", minimum=0)
    noise: float = option(0.05, "eps of the uniform-noise mixture in the loss", minimum=0,
                          maximum=0.99)
    composite_token_bias: float = option(-4.0, "initial logit offset of output tokens in the "
                                           "templates of concepts with children")
    candidates: int = option(3, "templates per concept and restart offered to repair", minimum=1)
    warm_strength: float = option(5.0, "nats by which a warm-started template leads", minimum=0)
    blame_threshold: float = option(0.25, "failure fraction that blames a concept", minimum=0,
                                    maximum=1)
    confidence_steps: int = option(10, "Adam steps from the final program that measure each "
                                   "template's confidence", minimum=0)
    patience: int = option(30, "stop a round when no restart's argmax template changed for this "
                           "many steps", minimum=0)
    min_steps: int = option(40, "steps a round runs at least before patience applies", minimum=0)
    dtype: Literal["float32", "float64"] = option("float32", "dtype of the chart")
    memory_fraction: float = option(0.9, "refuse a gradient round whose span-chart memory "
                                    "estimate exceeds this fraction of the free device memory",
                                    above=0.0)
    cpu_threads: int = option(1, "torch threads during fit on CPU (0: leave as is; the chart's "
                              "ops are small, 2 threads measured 7x slower than 1)", minimum=0)


@dataclass
class TemplateLearnResult:
    program: Program
    explained_weight: float           # weight fraction of all training pairs reproduced exactly
    unexplained: list[int]            # indices (into the pairs given to fit) it gets wrong
    rounds: int
    steps: int
    subset_size: int
    seconds: float
    final_loss: float | None = None  # best restart's robust NLL on the subset, last gradient round
    log: list[dict] = field(default_factory=list)


Callback = Callable[[int, dict[str, float]], None]


@dataclass(frozen=True)
class Pairs:
    """Training pairs, index-aligned: parse trees, their outputs, and each pair's weight."""

    trees: Sequence[ParseNode]
    outputs: Sequence[tuple[str, ...]]
    weights: Sequence[float]

    def __len__(self) -> int:
        return len(self.trees)

    def take(self, idx: Sequence[int]) -> Pairs:
        """The pairs at ``idx`` (a subset), in that order."""
        return Pairs(
            [self.trees[b] for b in idx],
            [self.outputs[b] for b in idx],
            [self.weights[b] for b in idx],
        )

    def check(self, templates: dict[str, Template]) -> list[bool]:
        """Per pair: does exact execution of ``templates`` reproduce the output?"""
        return explained_mask(templates, self.trees, self.outputs)

    def explained(self, ok: Sequence[bool]) -> float:
        """Weight fraction of the pairs marked ``ok``."""
        return sum(w for w, good in zip(self.weights, ok) if good) / float(sum(self.weights))


@dataclass
class Rounds:
    """What the learning rounds carry from one to the next: the subset trained on, the best
    program so far, the steps spent (of ``budget``) and the log."""

    subset: list[int]
    budget: int
    start: float
    steps: int = 0
    round: int = 0
    best: Scored | None = None
    previous_wrong: list[int] | None = None
    log: list[dict] = field(default_factory=list)

    def record(self, explained: float, wrong: int) -> dict:
        """Append this round's log entry (later stages add to it) and return it."""
        entry = {
            "round": self.round,
            "steps": self.steps,
            "subset": len(self.subset),
            "explained": explained,
            "wrong_pairs": wrong,
            "seconds": time.perf_counter() - self.start,
        }
        self.log.append(entry)
        return entry


class TemplateLearner:
    """Learns a :class:`Program` for the concepts of ``table`` from (tree, output, weight)
    triples."""

    def __init__(
        self,
        table: ConceptTable,
        vocabulary: Sequence[str],
        config: LearnConfig | None = None,
        *,
        device: torch.device | str = "cpu",
        seed: int = 0,
    ) -> None:
        self.table = table
        self.vocabulary = tuple(vocabulary)
        self.config = config or LearnConfig()
        self.device = torch.device(device)
        self.seed = seed
        self.token_id = {t: i for i, t in enumerate(self.vocabulary)}
        self.model: SoftTemplates | None = None
        self.space: TemplateSpace | None = None
        self._last_loss: torch.Tensor | None = None
        self._options: dict[str, list[Template]] = {}

    # ---- public ---------------------------------------------------------------------------------
    def fit(
        self,
        trees: Sequence[ParseNode],
        outputs: Sequence[tuple[str, ...]],
        weights: Sequence[float],
        *,
        callback: Callback | None = None,
        max_steps: int | None = None,
    ) -> TemplateLearnResult:
        """Learn from the pairs. ``weights``: each pair's share of the training data (the seq2seq
        wrapper gives every distinct input weight 1, split over its outputs by line count)."""
        threads = torch.get_num_threads()
        if self.device.type == "cpu" and self.config.cpu_threads > 0:
            torch.set_num_threads(self.config.cpu_threads)
        try:
            return self._fit(Pairs(trees, outputs, weights), callback, max_steps)
        finally:
            torch.set_num_threads(threads)

    def _fit(
        self, pairs: Pairs, callback: Callback | None, max_steps: int | None
    ) -> TemplateLearnResult:
        """Subset -> gradient descent -> rounds of (repair, check, blame, redraw, descend) -> joint
        search -> Occam -> confidences (the module docstring's steps 1-6)."""
        self._check_vocabulary(pairs)
        cfg = self.config
        start = time.perf_counter()
        rng = random.Random(self.seed)
        gen = torch.Generator().manual_seed(self.seed)
        longest = max((len(o) for o in pairs.outputs), default=0)
        self._build(max(1, min(cfg.max_length, longest)), reverse=cfg.reverse == "on", gen=gen)
        self._options = {}
        present = self.table.concepts_in(pairs.trees)
        used = [n for n in self.table.names if n in present]  # table order: runs are reproducible
        subset = select_subset(
            pairs.trees,
            pairs.outputs,
            pairs.weights,
            size=cfg.subset,
            coverage=cfg.coverage,
            rng=rng,
        )
        run = Rounds(subset, budget=max_steps if max_steps is not None else 10**9, start=start)
        self._descend(run, pairs, cfg.steps, callback)
        if cfg.repair:
            best = self._rounds(run, pairs, used, gen, callback)
        else:
            best = self._best_restart(used)
        best, ok = self._joint_step(run, pairs, best, used)
        # Occam tie-break on the pairs the program explains, then a short run for confidences.
        program = generalize_constants(
            Program(dict(best.templates)), [t for t, good in zip(pairs.trees, ok) if good]
        )
        ok = pairs.check(program.templates)
        program.confidence = self._confidences(program, pairs.take(run.subset))
        run.steps += cfg.confidence_steps
        final_loss = float(self._last_loss.min()) if self._last_loss is not None else None
        unexplained = [b for b, good in enumerate(ok) if not good]
        return TemplateLearnResult(
            program,
            pairs.explained(ok),
            unexplained,
            run.round,
            run.steps,
            len(run.subset),
            time.perf_counter() - start,
            final_loss,
            run.log,
        )

    def _rounds(
        self,
        run: Rounds,
        pairs: Pairs,
        used: list[str],
        gen: torch.Generator,
        callback: Callback | None,
    ) -> Scored:
        """Repair on the subset, check on all pairs; while some are wrong: add counterexamples to
        the subset, redraw the blamed concepts in every restart, descend again (steps 3 and 4)."""
        cfg = self.config
        while True:
            run.best = self._repair(pairs.take(run.subset), used, run.best)
            ok = pairs.check(run.best.templates)
            wrong = [b for b, good in enumerate(ok) if not good]
            entry = run.record(pairs.explained(ok), len(wrong))
            if not wrong or run.round >= cfg.rounds or run.steps >= run.budget:
                return run.best
            new = self._counterexamples(pairs, wrong, run.subset)
            blamed = self._blamed(pairs, ok)
            entry.update(blamed=sorted(blamed), added=len(new))
            if not blamed or run.previous_wrong == wrong:
                # isolated failures (corrupted pairs, or beyond the template space), or the last
                # round changed nothing: stop and report what is left
                return run.best
            run.previous_wrong, run.subset, run.round = wrong, run.subset + new, run.round + 1
            if cfg.reverse == "auto" and not self.space.reverse:
                # the smaller space did not explain everything: allow reverse(child) items from now
                # on
                self._build(self.space.max_length, reverse=True, gen=gen)
                entry["reverse"] = True
            self._warm_start(run.best, blamed, gen)
            self._descend(run, pairs, cfg.refine_steps, callback)

    # ---- steps ----------------------------------------------------------------------------------
    def _build(self, max_length: int, *, reverse: bool, gen: torch.Generator) -> None:
        self.space = TemplateSpace(
            max_length,
            max(self.table.max_arity, 1),
            self.vocabulary,
            reverse=reverse,
            per_length=self.config.per_length,
        )
        self.model = SoftTemplates(
            self.table,
            self.space,
            restarts=self.config.restarts,
            composite_token_bias=self.config.composite_token_bias,
            generator=gen,
            device=self.device,
            dtype=torch.float32,
        )
        self._last_loss = None

    def _check_vocabulary(self, pairs: Pairs) -> None:
        if not len(pairs):
            raise NeurosymError("no training pairs to learn from")
        for out in pairs.outputs:
            for tok in out:
                if tok not in self.token_id:
                    raise NeurosymError(f"output token {tok!r} is not in the learner's vocabulary")

    def _tensors(self, pairs: Pairs):
        """Batched trees, ``outputs [B, L]`` (padded with V), ``lengths [B]``, ``weights [B]``
        (summing to 1)."""
        batch = batch_trees(list(pairs.trees), self.table, self.device)
        big_l = max(1, max(len(o) for o in pairs.outputs))
        pad = len(self.vocabulary)
        out = torch.full((len(pairs), big_l), pad, dtype=torch.long)
        for row, o in enumerate(pairs.outputs):
            if o:
                out[row, : len(o)] = torch.tensor([self.token_id[t] for t in o])
        lengths = torch.tensor([len(o) for o in pairs.outputs], dtype=torch.long)
        w = torch.tensor(list(pairs.weights), dtype=torch.float64)
        return batch, out.to(self.device), lengths.to(self.device), (w / w.sum()).to(self.device)

    def _loss(self, batch, out, lengths, w) -> torch.Tensor:
        """``[R]`` robust negative log-likelihood per restart."""
        assert self.model is not None and self.space is not None
        dtype = getattr(torch, self.config.dtype)
        log_len, log_choice = self.model()
        p = root_probabilities(log_len, log_choice, self.space, batch, out, lengths, dtype=dtype)
        tiny = torch.finfo(p.dtype).tiny
        return self.robust_nll(torch.log(p.clamp_min(tiny)).double(), lengths, w)

    def robust_nll(self, ll: torch.Tensor, lengths: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """``[R]`` weighted ``-log((1-eps) P + eps V^-|output|)`` from ``ll`` = log P ``[R, B]``
        (float64), ``lengths`` and ``w`` ``[B]``."""
        eps = self.config.noise
        if eps > 0:
            noise_ll = -lengths.double() * math.log(max(len(self.vocabulary), 2))
            ll = torch.logaddexp(ll + math.log1p(-eps), noise_ll + math.log(eps))
        return -(ll * w).sum(-1)

    def _descend(self, run: Rounds, pairs: Pairs, steps: int, callback: Callback | None) -> None:
        """Gradient descent on the subset for up to ``steps`` of the budget left (step 2)."""
        steps = min(steps, run.budget - run.steps)
        run.steps += self._train(pairs.take(run.subset), steps, run.steps, callback)

    def _train(self, pairs: Pairs, steps: int, offset: int, callback: Callback | None) -> int:
        """Adam on the restarts' logits over ``pairs``; returns the steps taken (stops early when
        no restart's most probable program changed for ``patience`` steps)."""
        if steps <= 0:
            return 0
        assert self.model is not None and self.space is not None
        tensors = self._tensors(pairs)
        cfg = self.config
        check_chart_memory(self.space, restarts=cfg.restarts, nodes=tensors[0].num_nodes,
                           pairs=len(pairs), longest=tensors[1].shape[1],
                           dtype=getattr(torch, cfg.dtype), device=self.device,
                           fraction=cfg.memory_fraction)
        opt = torch.optim.Adam(self.model.parameters(), lr=self.config.lr)
        loss = None
        signature, stable_since = None, 0
        done = 0
        for step in range(steps):
            loss = self._loss(*tensors)
            opt.zero_grad()
            loss.sum().backward()
            opt.step()
            done = step + 1
            if callback is not None and (step % 10 == 0 or step == steps - 1):
                done_loss = loss.detach()
                callback(
                    offset + step,
                    {"loss": float(done_loss.min()), "mean_loss": float(done_loss.mean())},
                )
            if step % 10 == 9:
                now = self.model.map_signature()
                if signature is None or not torch.equal(now, signature):
                    signature, stable_since = now, done
                elif done - stable_since >= self.config.patience and done >= self.config.min_steps:
                    break
        if loss is not None:
            self._last_loss = loss.detach()
        return done

    def _repair(self, subset: Pairs, used: list[str], previous: Scored | None) -> Scored:
        """Coordinate ascent from every restart's MAP program (and the previous best) on the
        subset."""
        assert self.model is not None
        cfg = self.config
        pool: dict[str, list[tuple[float, Template]]] = {n: [] for n in used}
        per_restart = []
        for r in range(cfg.restarts):
            cands = self.model.candidates(r, k=cfg.candidates)
            per_restart.append({n: cands[n][0][1] for n in used})
            for n in used:
                pool[n].extend(cands[n])
        if previous is not None:
            for n in used:
                pool[n].append((0.0, previous.templates[n]))
        options = {}
        for n, lst in pool.items():
            ordered: list[Template] = []
            for _, t in sorted(lst, key=lambda st: -st[0]):
                if t not in ordered:
                    ordered.append(t)
            options[n] = ordered
        # Starts: the previous best first, then the restarts from the lowest training loss up.
        order = list(range(cfg.restarts))
        last = self._last_loss
        if last is not None:
            order.sort(key=lambda r: float(last[r]))
        starts = ([dict(previous.templates)] if previous is not None else []) + [
            per_restart[r] for r in order
        ]
        found = repair(options, starts, subset.trees, subset.outputs, subset.weights)
        for n, ts in options.items():  # every round's candidates, for the joint search
            self._options.setdefault(n, [])
            self._options[n] += [t for t in ts if t not in self._options[n]]
        return Scored({n: found.templates[n] for n in used}, found.explained)

    def _counterexamples(self, pairs: Pairs, wrong: list[int], subset: list[int]) -> list[int]:
        """Wrong pairs to add to the subset: the shortest (then heaviest) ones not in it yet."""
        in_subset = set(subset)
        new = sorted(
            (b for b in wrong if b not in in_subset),
            key=lambda b: (len(pairs.outputs[b]), -pairs.weights[b], b),
        )
        new = new[: max(self.config.subset // 2, 1)]
        if new:  # long counterexamples cost L^3 in the chart: take short ones while there are any
            limit = max(2 * max(len(pairs.outputs[b]) for b in subset), len(pairs.outputs[new[0]]))
            new = [b for b in new if len(pairs.outputs[b]) <= limit]
        return new

    def _blamed(self, pairs: Pairs, ok: list[bool]) -> set[str]:
        """Concepts to redraw. Blame on *all* training pairs: corrupted pairs are spread thin over
        the concepts, a wrong meaning makes most pairs using its concept fail."""
        fractions = blame(pairs.trees, ok, pairs.weights)
        top = max(fractions.values(), default=0.0)
        return {n for n, f in fractions.items() if f >= max(self.config.blame_threshold, 0.5 * top)}

    def _joint_step(
        self, run: Rounds, pairs: Pairs, best: Scored, used: list[str]
    ) -> tuple[Scored, list[bool]]:
        """Few pairs, some wrong after the rounds: the joint search (step 5). Returns the program
        and which pairs it explains."""
        ok = pairs.check(best.templates)
        if not self.config.repair or all(ok) or len(pairs) > self.config.joint_max_pairs:
            return best, ok
        joint = self._joint_search(pairs, best, used)
        if joint is None:
            return best, ok
        run.log.append({"joint_search": True, "seconds": time.perf_counter() - run.start})
        return Scored(joint, float(sum(pairs.weights))), [True] * len(pairs)  # explains every pair

    def _joint_search(
        self, pairs: Pairs, best: Scored, used: list[str]
    ) -> dict[str, Template] | None:
        """Few pairs, some still wrong: search for one program explaining them all, over the
        restarts'
        candidates plus the templates read off each pair's output (see :func:`root_proposals`)."""
        assert self.space is not None
        candidates = {n: list(self._options.get(n, [])) for n in used}
        for n in used:
            if best.templates[n] not in candidates[n]:
                candidates[n].insert(0, best.templates[n])
        read_off = root_proposals(
            pairs.trees, pairs.outputs, candidates, best.templates, max_items=self.space.max_length
        )
        for n, extra in read_off.items():
            if n in candidates:
                candidates[n] += [t for t in extra if t not in candidates[n]]
        found = joint_search(candidates, pairs.trees, pairs.outputs)
        return {n: found[n] for n in used} if found is not None else None

    def _best_restart(self, used: list[str]) -> Scored:
        """Ablation without repair: the most probable templates of the restart with the lowest
        loss."""
        assert self.model is not None and self._last_loss is not None
        r = int(self._last_loss.argmin())
        return Scored(dict(self.model.map_program(r, set(used)).templates), float("nan"))

    def _warm_start(self, best: Scored, blamed: set[str], gen: torch.Generator) -> None:
        """Every restart: the program's templates for trusted concepts, fresh random logits for
        blamed ones."""
        assert self.model is not None
        program = Program(dict(best.templates))
        blamed_idx = sorted(self.table.index(n) for n in blamed)
        for r in range(self.config.restarts):
            self.model.set_templates(r, program, strength=self.config.warm_strength)
        self.model.randomize(range(self.config.restarts), blamed_idx, gen)

    def _confidences(self, program: Program, subset: Pairs) -> dict[str, float]:
        """Train briefly from the final program; each template's confidence is its probability
        afterwards (step 6)."""
        assert self.model is not None
        for r in range(self.config.restarts):
            self.model.set_templates(r, program, strength=self.config.warm_strength)
        self._train(subset, self.config.confidence_steps, 0, None)
        conf = {}
        for name, template in program.templates.items():
            lp = max(
                self.model.template_log_prob(r, name, template) for r in range(self.config.restarts)
            )
            conf[name] = math.exp(lp) if lp > float("-inf") else 0.0
        return conf


def select_subset(
    trees: Sequence[ParseNode],
    outputs: Sequence[tuple[str, ...]],
    weights: Sequence[float],
    *,
    size: int,
    coverage: int,
    rng: random.Random,
) -> list[int]:
    """Indices of a small, short, covering training subset (see module docstring, step 1)."""
    order = sorted(range(len(trees)), key=lambda b: (len(outputs[b]), -weights[b], rng.random()))
    features: dict[tuple, list[int]] = {}
    for b in order:
        for f in _features(trees[b]):
            features.setdefault(f, []).append(b)
    chosen: list[int] = []
    taken: set[int] = set()
    count: dict[tuple, int] = {}
    for f in sorted(features, key=lambda f: len(features[f])):  # rarest first
        for b in features[f]:
            if count.get(f, 0) >= coverage:
                break
            if b in taken:
                continue
            taken.add(b)
            chosen.append(b)
            for g in _features(trees[b]):
                count[g] = count.get(g, 0) + 1
    short = [b for b in order[: max(len(order) // 2, 1)] if b not in taken]
    rng.shuffle(short)
    chosen.extend(short[: max(0, size - len(chosen))])
    return chosen


def _features(tree: ParseNode) -> list[tuple]:
    """The tree's concepts ``(rule,)`` and edges ``(rule, position, child rule)``, sorted (a
    set's order would follow ``PYTHONHASHSEED``, and with it the subset)."""
    out: set[tuple] = set()
    for node in tree.walk():
        out.add((node.rule,))
        for j, child in enumerate(node.children):
            out.add((node.rule, j, child.rule))
    return sorted(out)
