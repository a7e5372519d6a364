"""Learn every concept's meaning from (parse tree, output) pairs.

The recipe, each step measured in bench/neurosym/RESULTS.md:

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
6. **Generalise constants** (Occam) and **polish**: a short gradient run from the final
   program gives each rule's confidence.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import torch

from neurosym.concepts.batching import batch_trees
from neurosym.concepts.chart import root_probabilities
from neurosym.concepts.composition import SoftTemplates, TemplateSpace
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
from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode
from neurosym.tasks.template import Template


@dataclass
class LearnConfig:
    """Knobs of :class:`TemplateLearner`; the defaults are the measured SCAN settings."""

    restarts: int = 8            # independent soft models trained at once
    max_length: int = 8          # longest template (SCAN's ``around`` needs 8)
    reverse: str = "auto"        # reverse(child) items: "on", "off", or "auto" (allowed from the first repair round on)
    per_length: bool = False     # one set of slots per template length (slower; see RESULTS.md)
    subset: int = 150            # pairs in the first gradient round
    coverage: int = 3            # pairs per concept and per (parent, position, child) in the subset
    steps: int = 150             # Adam steps in the first round
    refine_steps: int = 80       # Adam steps in later rounds
    rounds: int = 6              # repair / re-initialise rounds at most
    joint_max_pairs: int = 60    # at most this many training pairs: an exact joint search when repair leaves some wrong
    repair: bool = True          # False (ablation): the MAP program of the lowest-loss restart, no rounds
    lr: float = 0.1
    noise: float = 0.05          # eps of the uniform-noise mixture in the loss
    composite_token_bias: float = -4.0
    candidates: int = 3          # templates per concept and restart offered to repair
    warm_strength: float = 5.0   # nats by which a warm-started template leads
    blame_threshold: float = 0.25
    polish_steps: int = 10
    patience: int = 30           # stop a round when no restart's argmax template changed for this many steps
    min_steps: int = 40
    dtype: str = "float32"
    cpu_threads: int = 1         # torch threads during fit on CPU (0: leave as is); the chart's ops are small,
                                 # and 2 threads measured 7x slower than 1 on the shared 2-core machine

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class LearnResult:
    program: Program
    explained_weight: float           # weight fraction of all training pairs reproduced exactly
    unexplained: list[int]            # indices (into the pairs given to fit) it gets wrong
    rounds: int
    steps: int
    subset_size: int
    seconds: float
    final_loss: float | None = None    # best restart's robust NLL on the subset, last gradient round
    log: list[dict] = field(default_factory=list)


Callback = Callable[[int, dict[str, float]], None]


class TemplateLearner:
    """Learns a :class:`Program` for the concepts of ``table`` from (tree, output, weight) triples."""

    def __init__(self, table: ConceptTable, vocabulary: Sequence[str], config: LearnConfig | None = None, *,
                 device: torch.device | str = "cpu", seed: int = 0) -> None:
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
    def fit(self, trees: Sequence[ParseNode], outputs: Sequence[tuple[str, ...]], weights: Sequence[float],
            *, callback: Callback | None = None, max_steps: int | None = None) -> LearnResult:
        """Learn from the pairs. ``weights``: each pair's share of the training data (the seq2seq
        wrapper gives every distinct input weight 1, split over its outputs by line count)."""
        threads = torch.get_num_threads()
        if self.device.type == "cpu" and self.config.cpu_threads > 0:
            torch.set_num_threads(self.config.cpu_threads)
        try:
            return self._fit(trees, outputs, weights, callback, max_steps)
        finally:
            torch.set_num_threads(threads)

    def _fit(self, trees, outputs, weights, callback, max_steps) -> LearnResult:
        if not trees:
            raise NeurosymError("no training pairs to learn from")
        for out in outputs:
            for tok in out:
                if tok not in self.token_id:
                    raise NeurosymError(f"output token {tok!r} is not in the learner's vocabulary")
        cfg = self.config
        start = time.perf_counter()
        rng = random.Random(self.seed)
        gen = torch.Generator().manual_seed(self.seed)
        total_weight = float(sum(weights))
        longest = max((len(o) for o in outputs), default=0)
        if cfg.reverse not in ("auto", "on", "off"):
            raise NeurosymError(f"reverse must be 'auto', 'on' or 'off', not {cfg.reverse!r}")
        self._build(max(1, min(cfg.max_length, longest)), reverse=cfg.reverse == "on", gen=gen)
        self._options = {}
        present = self.table.concepts_in(trees)
        used = [n for n in self.table.names if n in present]  # table order: runs are reproducible
        subset = select_subset(trees, outputs, weights, size=cfg.subset, coverage=cfg.coverage, rng=rng)
        log: list[dict] = []
        steps_done = 0
        budget = max_steps if max_steps is not None else 10**9

        steps_done += self._train(subset, trees, outputs, weights, min(cfg.steps, budget), steps_done, callback)
        best: Scored | None = None
        rounds = 0
        previous_wrong: list[int] | None = None
        while True:
            if not cfg.repair:
                best = self._best_restart(used)
                break
            best = self._repair(subset, trees, outputs, weights, used, best)
            ok = explained_mask(best.templates, trees, outputs)
            wrong = [b for b, good in enumerate(ok) if not good]
            entry = {"round": rounds, "steps": steps_done, "subset": len(subset),
                     "explained": sum(w for w, g in zip(weights, ok) if g) / total_weight,
                     "wrong_pairs": len(wrong), "seconds": time.perf_counter() - start}
            if not wrong or rounds >= cfg.rounds or steps_done >= budget:
                log.append(entry)
                break
            in_subset = set(subset)
            new = sorted((b for b in wrong if b not in in_subset), key=lambda b: (len(outputs[b]), -weights[b], b))
            new = new[: max(cfg.subset // 2, 1)]
            if new:  # long counterexamples cost L^3 in the chart: take the short ones while there are any
                limit = max(2 * max(len(outputs[b]) for b in subset), len(outputs[new[0]]))
                new = [b for b in new if len(outputs[b]) <= limit]
            pool = subset + new
            # Blame on *all* training pairs: corrupted pairs are spread thin over the concepts, a wrong
            # meaning makes most pairs using its concept fail.
            fractions = blame(trees, ok, weights)
            top = max(fractions.values(), default=0.0)
            blamed = {n for n, f in fractions.items() if f >= max(cfg.blame_threshold, 0.5 * top)}
            entry.update(blamed=sorted(blamed), added=len(new))
            log.append(entry)
            if not blamed:
                break  # isolated failures (corrupted pairs, or beyond the template space): report them
            if previous_wrong == wrong:
                break  # the last round changed nothing: stop and report what is left
            previous_wrong = wrong
            subset = pool
            rounds += 1
            if cfg.reverse == "auto" and not self.space.reverse:
                # the smaller space did not explain everything: allow reverse(child) items from now on
                self._build(self.space.max_length, reverse=True, gen=gen)
                entry["reverse"] = True
            self._warm_start(best, blamed, gen)
            steps = min(cfg.refine_steps, budget - steps_done)
            steps_done += self._train(subset, trees, outputs, weights, steps, steps_done, callback)

        ok = explained_mask(best.templates, trees, outputs)
        if cfg.repair and not all(ok) and len(trees) <= cfg.joint_max_pairs:
            joint = self._joint_search(trees, outputs, best, used)
            if joint is not None:  # it explains every pair
                best, ok = Scored(joint, total_weight), [True] * len(trees)
                log.append({"joint_search": True, "seconds": time.perf_counter() - start})
        # Occam tie-break on the pairs the program explains, then a short polish for confidences.
        program = generalize_constants(Program(dict(best.templates)),
                                       [t for t, good in zip(trees, ok) if good])
        ok = explained_mask(program.templates, trees, outputs)
        program.confidence = self._polish(program, subset, trees, outputs, weights)
        steps_done += cfg.polish_steps
        unexplained = [b for b, good in enumerate(ok) if not good]
        explained = sum(w for w, g in zip(weights, ok) if g) / total_weight
        final_loss = float(self._last_loss.min()) if self._last_loss is not None else None
        return LearnResult(program, explained, unexplained, rounds, steps_done, len(subset),
                           time.perf_counter() - start, final_loss, log)

    # ---- steps ----------------------------------------------------------------------------------
    def _build(self, max_length: int, *, reverse: bool, gen: torch.Generator) -> None:
        self.space = TemplateSpace(max_length, max(self.table.max_arity, 1), self.vocabulary,
                                   reverse=reverse, per_length=self.config.per_length)
        self.model = SoftTemplates(self.table, self.space, restarts=self.config.restarts,
                                   composite_token_bias=self.config.composite_token_bias, generator=gen,
                                   device=self.device, dtype=torch.float32)
        self._last_loss = None

    def _tensors(self, idx: Sequence[int], trees, outputs, weights):
        batch = batch_trees([trees[b] for b in idx], self.table, self.device)
        big_l = max(1, max(len(outputs[b]) for b in idx))
        pad = len(self.vocabulary)
        out = torch.full((len(idx), big_l), pad, dtype=torch.long)
        for row, b in enumerate(idx):
            if outputs[b]:
                out[row, : len(outputs[b])] = torch.tensor([self.token_id[t] for t in outputs[b]])
        lengths = torch.tensor([len(outputs[b]) for b in idx], dtype=torch.long)
        w = torch.tensor([weights[b] for b in idx], dtype=torch.float64)
        return batch, out.to(self.device), lengths.to(self.device), (w / w.sum()).to(self.device)

    def _loss(self, batch, out, lengths, w) -> torch.Tensor:
        """``[R]`` robust negative log-likelihood per restart."""
        assert self.model is not None and self.space is not None
        dtype = getattr(torch, self.config.dtype)
        log_len, log_choice = self.model()
        p = root_probabilities(log_len, log_choice, self.space, batch, out, lengths, dtype=dtype)
        tiny = torch.finfo(p.dtype).tiny
        ll = torch.log(p.clamp_min(tiny)).double()  # [R, B]
        eps = self.config.noise
        if eps > 0:
            noise_ll = -lengths.double() * math.log(max(len(self.vocabulary), 2))
            ll = torch.logaddexp(ll + math.log1p(-eps), noise_ll + math.log(eps))
        return -(ll * w).sum(-1)

    def _train(self, idx, trees, outputs, weights, steps, offset, callback) -> int:
        """Adam on the restarts' logits over the pairs ``idx``; returns the steps taken (stops early when
        no restart's most probable program changed for ``patience`` steps)."""
        if steps <= 0:
            return 0
        assert self.model is not None
        tensors = self._tensors(idx, trees, outputs, weights)
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
                callback(offset + step, {"loss": float(done_loss.min()), "mean_loss": float(done_loss.mean())})
            if step % 10 == 9:
                now = self.model.map_signature()
                if signature is None or not torch.equal(now, signature):
                    signature, stable_since = now, done
                elif done - stable_since >= self.config.patience and done >= self.config.min_steps:
                    break
        if loss is not None:
            self._last_loss = loss.detach()
        return done

    def _repair(self, subset, trees, outputs, weights, used: list[str], previous: Scored | None) -> Scored:
        """Coordinate ascent from every restart's MAP program (and the previous best) on the subset."""
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
        starts = ([dict(previous.templates)] if previous is not None else []) + [per_restart[r] for r in order]
        sub_trees = [trees[b] for b in subset]
        sub_out = [outputs[b] for b in subset]
        sub_w = [weights[b] for b in subset]
        found = repair(options, starts, sub_trees, sub_out, sub_w)
        for n, ts in options.items():  # every round's candidates, for the joint search
            self._options.setdefault(n, [])
            self._options[n] += [t for t in ts if t not in self._options[n]]
        return Scored({n: found.templates[n] for n in used}, found.explained)

    def _joint_search(self, trees, outputs, best: Scored, used: list[str]) -> dict[str, Template] | None:
        """Few pairs, some still wrong: search for one program explaining them all, over the restarts'
        candidates plus the templates read off each pair's output (see :func:`root_proposals`)."""
        assert self.space is not None
        candidates = {n: list(self._options.get(n, [])) for n in used}
        for n in used:
            if best.templates[n] not in candidates[n]:
                candidates[n].insert(0, best.templates[n])
        read_off = root_proposals(trees, outputs, candidates, best.templates, max_items=self.space.max_length)
        for n, extra in read_off.items():
            if n in candidates:
                candidates[n] += [t for t in extra if t not in candidates[n]]
        found = joint_search(candidates, trees, outputs)
        return {n: found[n] for n in used} if found is not None else None

    def _best_restart(self, used: list[str]) -> Scored:
        """Ablation without repair: the most probable templates of the restart with the lowest loss."""
        assert self.model is not None and self._last_loss is not None
        r = int(self._last_loss.argmin())
        return Scored(dict(self.model.map_program(r, set(used)).templates), float("nan"))

    def _warm_start(self, best: Scored, blamed: set[str], gen: torch.Generator) -> None:
        """Every restart: the program's templates for trusted concepts, fresh random logits for blamed ones."""
        assert self.model is not None
        program = Program(dict(best.templates))
        blamed_idx = sorted(self.table.index(n) for n in blamed)
        for r in range(self.config.restarts):
            self.model.set_templates(r, program, strength=self.config.warm_strength)
        self.model.randomize(range(self.config.restarts), blamed_idx, gen)

    def _polish(self, program: Program, subset, trees, outputs, weights) -> dict[str, float]:
        """Train briefly from the final program; each rule's confidence is its probability afterwards."""
        assert self.model is not None
        for r in range(self.config.restarts):
            self.model.set_templates(r, program, strength=self.config.warm_strength)
        self._train(subset, trees, outputs, weights, self.config.polish_steps, 0, None)
        conf = {}
        for name, template in program.templates.items():
            lp = max(self.model.template_log_prob(r, name, template) for r in range(self.config.restarts))
            conf[name] = math.exp(lp) if lp > float("-inf") else 0.0
        return conf


def select_subset(trees: Sequence[ParseNode], outputs: Sequence[tuple[str, ...]], weights: Sequence[float], *,
                  size: int, coverage: int, rng: random.Random) -> list[int]:
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


def _features(tree: ParseNode) -> set[tuple]:
    out: set[tuple] = set()
    for node in tree.walk():
        out.add((node.rule,))
        for j, child in enumerate(node.children):
            out.add((node.rule, j, child.rule))
    return out
