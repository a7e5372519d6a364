"""Exact bottom-up Datalog evaluation (semi-naive): the least model of facts + program.

This is the ground truth every learned program is checked against. Facts are
stored per predicate as sets of constant-name tuples, with a hash index on
(predicate, argument position, constant) so joins look up matching tuples
instead of scanning all pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from neurosym.errors import NeurosymError
from neurosym.logic.terms import Atom, Clause, Const, Program, Var

GroundTuple = tuple[str, ...]


class FactStore:
    """Ground facts, indexed by predicate and by (predicate, position, constant).

    A store made with ``base=`` is a layer over ``base``: it holds only the facts added to it
    and answers every lookup from both, so a model can grow over a large background without
    copying it (``base`` must not change while the layer is in use).
    """

    def __init__(self, atoms: Iterable[Atom] = (), *, base: FactStore | None = None) -> None:
        self._facts: dict[str, set[GroundTuple]] = defaultdict(set)
        self._index: dict[tuple[str, int, str], list[GroundTuple]] = defaultdict(list)
        self._base = base
        for a in atoms:
            self.add(a.pred, a.ground_tuple())

    def copy(self) -> FactStore:
        """An independent copy of this layer over the same base (cheaper than re-adding)."""
        new = FactStore(base=self._base)
        new._facts.update((p, set(t)) for p, t in self._facts.items())
        new._index.update((k, list(v)) for k, v in self._index.items())
        return new

    def add(self, pred: str, args: GroundTuple) -> bool:
        """Add a fact; True when it was new."""
        if self._base is not None and (pred, args) in self._base:
            return False
        bucket = self._facts[pred]
        if args in bucket:
            return False
        bucket.add(args)
        for pos, value in enumerate(args):
            self._index[(pred, pos, value)].append(args)
        return True

    def __contains__(self, item: tuple[str, GroundTuple]) -> bool:
        pred, args = item
        return args in self._facts.get(pred, ()) or (
            self._base is not None and item in self._base
        )

    def tuples(self, pred: str) -> set[GroundTuple]:
        own = self._facts.get(pred, set())
        below = self._base.tuples(pred) if self._base is not None else set()
        return own | below if own and below else own or below

    def predicates(self) -> list[str]:
        below = self._base.predicates() if self._base is not None else []
        return sorted({*below, *(p for p, s in self._facts.items() if s)})

    def __len__(self) -> int:
        below = len(self._base) if self._base is not None else 0
        return below + sum(len(s) for s in self._facts.values())

    def _candidates(self, key: tuple[str, int, str]) -> list[GroundTuple]:
        own = self._index.get(key, [])
        below = self._base._candidates(key) if self._base is not None else []
        return own + below if own and below else own or below

    def match(self, pred: str, pattern: Sequence[str | None]) -> Iterable[GroundTuple]:
        """Tuples of ``pred`` agreeing with ``pattern`` (None = any value)."""
        best: Sequence[GroundTuple] | set[GroundTuple] | None = None
        for pos, value in enumerate(pattern):
            if value is not None:
                candidates = self._candidates((pred, pos, value))
                if best is None or len(candidates) < len(best):
                    best = candidates
        if best is None:
            best = self.tuples(pred)
        bound = [(i, v) for i, v in enumerate(pattern) if v is not None]
        if len(bound) <= 1:
            return best
        return [t for t in best if all(t[i] == v for i, v in bound)]

    def atoms(self, pred: str | None = None) -> Iterator[Atom]:
        preds = [pred] if pred is not None else self.predicates()
        for p in preds:
            for args in sorted(self.tuples(p)):
                yield Atom(p, tuple(Const(a) for a in args))


def _check_program(program: Program) -> None:
    for clause in program:
        if not clause.is_safe:
            raise NeurosymError(
                f"unsafe clause {clause}: every head variable must occur in the body "
                "(otherwise its least model is infinite)"
            )


def _solutions(body: Sequence[Atom], sources: Sequence[FactStore]) -> Iterator[dict[Var, str]]:
    """All variable bindings satisfying every body atom, atom i matched against sources[i]."""

    def extend(i: int, binding: dict[Var, str]) -> Iterator[dict[Var, str]]:
        if i == len(body):
            yield binding
            return
        atom_ = body[i]
        pattern = [
            (t.name if isinstance(t, Const) else binding.get(t)) for t in atom_.args
        ]
        for args in sources[i].match(atom_.pred, pattern):
            new = binding
            ok = True
            for term, value in zip(atom_.args, args):
                if isinstance(term, Var):
                    bound = new.get(term)
                    if bound is None:
                        if new is binding:
                            new = dict(binding)
                        new[term] = value
                    elif bound != value:
                        ok = False
                        break
            if ok:
                yield from extend(i + 1, new)

    yield from extend(0, {})


def _ground_head(head: Atom, binding: dict[Var, str]) -> GroundTuple:
    return tuple(binding[t] if isinstance(t, Var) else t.name for t in head.args)


def _ordered(clause: Clause, first: int) -> tuple[list[Atom], list[int]]:
    """Body atoms with atom ``first`` moved to the front (it is matched against the delta)."""
    order = [first] + [i for i in range(len(clause.body)) if i != first]
    return [clause.body[i] for i in order], order


def least_model(
    facts: Iterable[Atom] | FactStore, program: Program | Iterable[Clause] = ()
) -> FactStore:
    """The least Herbrand model of ``facts`` and ``program`` (semi-naive evaluation).

    Handles recursion; facts in the program (clauses with empty bodies) are added first.
    ``facts`` may be a :class:`FactStore`, which is not changed: the model is a layer over it
    (scoring many programs on one background builds its store once and never copies it).
    """
    if not isinstance(program, Program):
        program = Program(program)
    _check_program(program)
    model = FactStore(base=facts if isinstance(facts, FactStore) else FactStore(facts))
    rules = []
    for clause in program:
        if clause.body:
            rules.append(clause)
        else:
            model.add(clause.head.pred, clause.head.ground_tuple())
    intensional = {c.head.pred for c in rules}

    # Round 0: every rule against the full store.
    delta = FactStore()
    for clause in rules:
        for binding in _solutions(clause.body, [model] * len(clause.body)):
            args = _ground_head(clause.head, binding)
            if (clause.head.pred, args) not in model:
                delta.add(clause.head.pred, args)
    # Semi-naive rounds: at least one body atom must use a fact derived last round.
    while len(delta):
        for pred in delta.predicates():
            for args in delta.tuples(pred):
                model.add(pred, args)
        new = FactStore()
        for clause in rules:
            for i, body_atom in enumerate(clause.body):
                if body_atom.pred not in intensional or not delta.tuples(body_atom.pred):
                    continue
                body, _ = _ordered(clause, i)
                sources = [delta] + [model] * (len(body) - 1)
                for binding in _solutions(body, sources):
                    args = _ground_head(clause.head, binding)
                    if (clause.head.pred, args) not in model:
                        new.add(clause.head.pred, args)
        delta = new
    return model


def one_step(facts: Iterable[Atom], program: Program | Iterable[Clause]) -> FactStore:
    """``facts`` plus what one synchronous application of every clause of ``program`` derives
    from them: one forward-chaining step of ∂ILP, exactly. ``least_model`` is its fixpoint."""
    store = FactStore(facts)
    derived = FactStore(store.atoms())
    for clause in program:
        for binding in _solutions(clause.body, [store] * len(clause.body)):
            derived.add(clause.head.pred, _ground_head(clause.head, binding))
    return derived
