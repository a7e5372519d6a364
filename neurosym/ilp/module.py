"""∂ILP forward chaining as a ``torch.nn.Module``: background valuations in, target values out.

:class:`DifferentiableILP` owns the soft program (one clause-pair weight tensor
``[R, K1 * K2']`` per learned predicate, as :class:`~neurosym.ilp.learner.RuleLearner`
trains them) and runs the same :class:`~neurosym.ilp.forward.ForwardChainer`.
Because the background arrives as a tensor, any of it can come from a network:
:meth:`DifferentiableILP.with_percepts` writes an encoder's probabilities into
the atoms of a *neural predicate* (``digit(I, D)``: item ``I`` is perceived as
concept ``D``), so a loss on the target atoms trains the encoder through the
chaining. Put the module behind your own network and train both with your own
optimizer::

    ilp = DifferentiableILP.from_templates(constants, {"succ": 2, "digit": 2},
                                           {"lt": 2}, {"lt": [(0, False), (1, True)]},
                                           target="lt", steps=9, restarts=4)
    v0 = ilp.background([facts])                       # [A, W]
    v0 = ilp.with_percepts(v0, "digit", items, concept_names, probs)   # probs [W, I, C]
    values = ilp.values(ilp(v0), examples)             # [E, R, W]

Deduction mode (:meth:`DifferentiableILP.from_program`): a user program, nothing to learn in
the rules; every predicate's one or two clauses get a fixed weight 1, so only the networks
feeding the background learn. The semantics are the fuzzy operators of the preset (``dilp``:
product t-norm, max over substitutions, probabilistic sum), not DeepProbLog's exact
probabilities: where a conclusion has several proofs, max / probabilistic sum replace the
probability of their disjunction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from neurosym.errors import NeurosymError
from neurosym.ilp.clauses import ClauseSet, generate_clauses, variable_names
from neurosym.ilp.extract import extract_program
from neurosym.ilp.forward import ForwardChainer
from neurosym.ilp.grounding import AtomIndex
from neurosym.ilp.training import init_weights
from neurosym.logic.terms import Atom, Clause, Const, Program, Var


def _canonical(clause: Clause) -> ClauseSet:
    """A user clause in the chainer's form: head variables renamed to the generator's ``X, Y``,
    body-only variables to the next names, a one-atom body written twice (``p :- q, q``)."""
    head_vars = list(clause.head.args)
    if len(set(head_vars)) != len(head_vars):
        raise NeurosymError(
            f"{clause}: a head with a repeated variable is not supported; "
            "fix: p(X, Y) :- q(X, Y), same(X, Y) with a background same/2"
        )
    extra = [v for a in clause.body for v in a.args if v not in head_vars]
    extra = list(dict.fromkeys(extra))
    names = variable_names(len(head_vars) + len(extra))
    rename: dict[Var, Var] = dict(zip([*head_vars, *extra], names))
    head = Atom(clause.head.pred, tuple(rename[v] for v in clause.head.args))
    body = tuple(Atom(a.pred, tuple(rename[v] for v in a.args)) for a in clause.body)
    body = body if len(body) == 2 else (body[0], body[0])
    return ClauseSet(head.pred, head.arity, len(extra), False, (Clause(head, body),))


class DifferentiableILP(nn.Module):
    """Differentiable forward chaining over ``constants`` with a soft (or fixed) program.

    ``extensional``: background predicates -> arity; ``clause_sets``: each intensional
    predicate's one or two :class:`ClauseSet` s (the target first). A predicate whose clause
    sets each hold one clause is fixed (no parameter). ``restarts`` = ``R`` independent soft
    programs evaluated together. Float dtype and device follow the module (``.to()``).
    """

    def __init__(
        self,
        constants: Sequence[str],
        extensional: Mapping[str, int],
        clause_sets: Mapping[str, Sequence[ClauseSet]],
        target: str,
        steps: int,
        *,
        restarts: int = 1,
        operators: str = "dilp",
        init_scale: float = 1.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if target not in clause_sets:
            raise NeurosymError(
                f"target {target} has no clauses; intensional predicates: {', '.join(clause_sets)}"
            )
        if steps < 1 or restarts < 1:
            raise NeurosymError(f"steps and restarts must be >= 1, got {steps} and {restarts}")
        self.clause_sets = {p: tuple(s) for p, s in clause_sets.items()}
        self.target, self.steps, self.restarts, self.operators = (
            target,
            int(steps),
            int(restarts),
            operators,
        )
        intensional = {p: s[0].arity for p, s in self.clause_sets.items()}
        self.index = AtomIndex([str(c) for c in constants], {**dict(extensional), **intensional})
        self.pair_shapes = {
            p: (len(s[0]), len(s[1]) if len(s) == 2 else 1) for p, s in self.clause_sets.items()
        }
        learned = [p for p, (k1, k2) in self.pair_shapes.items() if k1 * k2 > 1]
        sizes = [self.pair_shapes[p][0] * self.pair_shapes[p][1] for p in learned]
        init = (
            init_weights(
                "normal", init_scale, seed, self.restarts, sizes, torch.device("cpu"), torch.float32
            )
            if learned
            else []
        )
        self.weights = nn.ParameterDict(
            {p: nn.Parameter(w.detach()) for p, w in zip(learned, init)}
        )
        self._chainers: dict[str, ForwardChainer] = {}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_templates(
        cls,
        constants: Sequence[str],
        extensional: Mapping[str, int],
        intensional: Mapping[str, int],
        templates: Mapping[str, Sequence[tuple[int, bool]]],
        target: str,
        steps: int,
        **kwargs,
    ) -> DifferentiableILP:
        """Clauses generated from ∂ILP rule templates ``{pred: [(v, int), ...]}`` (one or two per
        intensional predicate, the target among them)."""
        sets = {}
        for pred, arity in intensional.items():
            tpls = templates.get(pred, ())
            if not 1 <= len(tpls) <= 2:
                raise NeurosymError(
                    f"{pred} needs one or two rule templates (v, int), got {len(tpls)}"
                )
            sets[pred] = tuple(
                generate_clauses(pred, arity, v, bool(i), extensional, intensional) for v, i in tpls
            )
            for tpl, s in zip(tpls, sets[pred]):
                if not s.clauses:
                    raise NeurosymError(
                        f"rule template {tpl} of {pred}/{arity} generates no clause"
                    )
        return cls(constants, extensional, sets, target, steps, **kwargs)

    @classmethod
    def from_program(
        cls,
        constants: Sequence[str],
        extensional: Mapping[str, int],
        program: Program | Sequence[Clause],
        target: str,
        steps: int,
        **kwargs,
    ) -> DifferentiableILP:
        """Deduction mode: the given clauses, fixed. ∂ILP's form: at most two clauses per
        predicate, one or two body atoms each (a one-atom body ``p :- q`` is run as ``p :- q, q``),
        arity <= 2, no constants in clauses."""
        by_head: dict[str, list[Clause]] = {}
        for c in program.clauses if isinstance(program, Program) else program:
            by_head.setdefault(c.head.pred, []).append(c)
        sets = {}
        for pred, clauses in by_head.items():
            if len(clauses) > 2:
                raise NeurosymError(
                    f"{pred} has {len(clauses)} clauses; ∂ILP's chaining takes at "
                    "most two per predicate; fix: define the rest with an auxiliary predicate"
                )
            made = []
            for c in clauses:
                if not 1 <= len(c.body) <= 2:
                    raise NeurosymError(
                        f"{c}: ∂ILP's chaining takes bodies of one or two atoms; "
                        "fix: split the body with an auxiliary predicate"
                    )
                if any(isinstance(t, Const) for a in (c.head, *c.body) for t in a.args):
                    raise NeurosymError(
                        f"{c}: constants in clauses are not supported; "
                        "fix: use a background predicate such as zero(X)"
                    )
                made.append(_canonical(c))
            sets[pred] = tuple(made)
        return cls(constants, extensional, sets, target, steps, **kwargs)

    # ------------------------------------------------------------------ valuations
    def chainer(self, device: torch.device) -> ForwardChainer:
        """The forward chainer whose index tensors live on ``device`` (built once per device)."""
        key = str(device)
        if key not in self._chainers:
            self._chainers[key] = ForwardChainer(
                self.index, self.clause_sets, self.operators, device
            )
        return self._chainers[key]

    def _device_dtype(self) -> tuple[torch.device, torch.dtype]:
        for w in self.weights.values():
            return w.device, w.dtype
        return torch.device("cpu"), torch.float32

    def background(self, worlds: Sequence[Sequence[Atom]]) -> Tensor:
        """``[A, W]``: 1 at each world's symbolic background facts, 0 elsewhere."""
        device, dtype = self._device_dtype()
        return self.chainer(device).initial_valuation(worlds, dtype)

    def percept_positions(self, pred: str, items: Sequence[str], concepts: Sequence[str]) -> Tensor:
        """Valuation positions of ``pred(item, concept)``: int64 ``[I, C]``."""
        if self.index.arities.get(pred) != 2:
            raise NeurosymError(
                f"neural predicate {pred} must be a binary background predicate "
                f"pred(Item, Concept); the language has {dict(self.index.arities)}"
            )
        for name, kind in [(c, "concept") for c in concepts] + [(i, "item") for i in items]:
            if name not in self.index.constant_id:
                raise NeurosymError(
                    f"{kind} {name!r} of neural predicate {pred} is not a constant of "
                    f"the language; fix: add it to the constants"
                )
        rows = [
            [self.index.position(Atom(pred, (Const(i), Const(c)))) for c in concepts] for i in items
        ]
        return torch.tensor(rows, dtype=torch.int64)

    def with_percepts(
        self,
        valuation: Tensor,
        pred: str,
        items: Sequence[str],
        concepts: Sequence[str],
        probs: Tensor,
    ) -> Tensor:
        """``valuation`` ``[A, W]`` with ``pred(items[i], concepts[c])`` set to ``probs[w, i, c]``
        (``probs`` ``[W, I, C]``, e.g. a :class:`~neurosym.concepts.percept.PerceptEncoder`'s
        probabilities); differentiable in ``probs``."""
        W, I, C = valuation.shape[1], len(items), len(concepts)
        if probs.dim() != 3 or tuple(probs.shape) != (W, I, C):
            raise NeurosymError(
                f"percept probabilities for {pred} have shape {tuple(probs.shape)}; "
                f"expected [worlds={W}, items={I}, concepts={C}]"
            )
        pos = self.percept_positions(pred, items, concepts).to(valuation.device).reshape(-1)
        worlds = torch.arange(W, device=valuation.device)
        values = probs.to(valuation.dtype).permute(1, 2, 0).reshape(I * C, W)
        return valuation.index_put((pos[:, None], worlds[None, :]), values)

    # ------------------------------------------------------------------ inference
    def probabilities(self, like: Tensor | None = None) -> dict[str, Tensor]:
        """Clause-pair weights after the softmax, ``{pred: [R, K1, K2']}`` (1: fixed predicates,
        on ``like``'s device and dtype when given, so deduction mode follows its input)."""
        device, dtype = (like.device, like.dtype) if like is not None else self._device_dtype()
        out = {}
        for pred, (k1, k2) in self.pair_shapes.items():
            if pred in self.weights:
                out[pred] = torch.softmax(self.weights[pred], dim=-1).view(self.restarts, k1, k2)
            else:
                out[pred] = torch.ones(self.restarts, 1, 1, device=device, dtype=dtype)
        return out

    def forward(self, valuation: Tensor) -> Tensor:
        """T chaining steps: background ``[A, W]`` (or ``[A, R, W]``) -> valuation ``[A, R, W]``."""
        if valuation.shape[0] != self.index.size:
            raise NeurosymError(
                f"the valuation has {valuation.shape[0]} atoms; this language has "
                f"{self.index.size} (build it with background())"
            )
        probs = self.probabilities(valuation)
        return self.chainer(valuation.device).run(valuation, probs, self.steps)

    def values(self, valuation: Tensor, atoms: Sequence[Atom]) -> Tensor:
        """The values of ground ``atoms`` in a valuation ``[A, R, W]``: ``[len(atoms), R, W]``."""
        pos = torch.tensor([self.index.position(a) for a in atoms], dtype=torch.int64)
        return valuation.index_select(0, pos.to(valuation.device))

    def relation(self, valuation: Tensor, pred: str | None = None) -> Tensor:
        """Every ground atom of ``pred`` (default: the target) as ``[R, W, N, N]`` (binary) or
        ``[R, W, N]`` (unary), constants in the order given."""
        pred = pred or self.target
        sl, n = self.index.slice(pred), self.index.num_constants
        block = valuation[sl].permute(1, 2, 0)  # [R, W, G]
        return block.reshape(*block.shape[:2], *([n] * self.index.arities[pred]))

    # ------------------------------------------------------------------ reading the program
    @torch.no_grad()
    def program(self, restart: int = 0) -> tuple[Program, float]:
        """Restart ``restart``'s argmax program (readable Datalog) and its confidence: the product
        over learned predicates of the chosen clause pair's softmax probability."""
        if not 0 <= restart < self.restarts:
            raise NeurosymError(f"restart {restart} out of range 0..{self.restarts - 1}")
        choice, confidence = {}, 1.0
        for pred, p in self.probabilities().items():
            flat = p[restart].reshape(-1)
            top = int(flat.argmax())
            choice[pred] = divmod(top, p.shape[2])
            confidence *= float(flat[top])
        return extract_program(self.clause_sets, choice, self.target), confidence
