"""Repair of settled programs by one-clause swaps (neurosym.ilp.repair) and its use in
RuleLearner."""

from __future__ import annotations

import torch

from neurosym.ilp import RuleLearner
from neurosym.ilp.clauses import task_clause_sets
from neurosym.ilp.extract import extract_program, score_program, simplify_clause
from neurosym.ilp.repair import neighbours, repair
from neurosym.lang.datalog import parse_program
from neurosym.tasks.ilp_task import load_ilp_task
from tests.ilp.test_learner import predecessor_task


def choice_of(clause_sets, text: str) -> dict[str, tuple[int, int]]:
    """The clause-pair choice whose readable program is ``text`` (first template first)."""
    choice = {p: [0, 0] for p in clause_sets}
    filled = {p: 0 for p in clause_sets}
    for clause in parse_program(text):
        sets = clause_sets[clause.head.pred]
        slot = filled[clause.head.pred]
        choice[clause.head.pred][slot] = next(
            i for i, c in enumerate(sets[slot].clauses) if simplify_clause(c) == clause)
        filled[clause.head.pred] += 1
    return {p: (j, k) for p, (j, k) in choice.items()}


FIZZ_NEAR_MISS = """
fizz(X) :- zero(X).
fizz(X) :- zero(Y), succ3(Y, X).
succ3(X, Y) :- succ(Z, Y), succ2(X, Z).
succ2(X, Y) :- succ(X, Z), succ(Z, Y).
"""


def test_one_wrong_clause_is_repaired_exactly():
    task = load_ilp_task("ilp/fizz")
    sets = task_clause_sets(task)
    worlds = list(task.train) + list(task.validation)
    start = choice_of(sets, FIZZ_NEAR_MISS)
    before = score_program(extract_program(sets, start, task.target), worlds)
    assert before.contradicted == 2  # fizz(6), fizz(9) missed
    out = repair(sets, start, task.target, worlds)
    assert out.scores.contradicted == 0 and out.swaps == 1
    assert "fizz(X) :- fizz(Y), succ3(Y, X)." in str(out.program).splitlines()
    # only the second fizz clause changed
    assert out.choice["fizz"][0] == start["fizz"][0] and out.choice["succ3"] == start["succ3"]
    assert out.choice["fizz"][1] != start["fizz"][1]


def test_repair_never_returns_a_worse_program_and_respects_its_limits():
    task = load_ilp_task("ilp/fizz")
    sets = task_clause_sets(task)
    worlds = list(task.train) + list(task.validation)
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        start = {p: (int(torch.randint(len(s[0]), (1,), generator=gen)),
                     int(torch.randint(len(s[1]), (1,), generator=gen)) if len(s) == 2 else 0)
                 for p, s in sets.items()}
        before = score_program(extract_program(sets, start, task.target), worlds).contradicted
        out = repair(sets, start, task.target, worlds, rounds=2, budget=400)
        assert out.scores.contradicted <= before
        assert out.swaps <= 2 and out.evaluated <= 400
        assert out.scores == score_program(out.program, worlds)
        assert out.program == extract_program(sets, out.choice, task.target)
    same = repair(sets, start, task.target, worlds, rounds=0)
    assert same.choice == start and same.swaps == 0 and same.evaluated == 0
    import time

    late = repair(sets, start, task.target, worlds, stop_at=time.perf_counter() - 1)
    assert late.choice == start and late.evaluated == 0  # out of time before any candidate


def test_neighbours_change_exactly_one_slot():
    sets = task_clause_sets(load_ilp_task("ilp/fizz"))
    start = {p: (0, 0) for p in sets}
    found = list(neighbours(sets, start))
    assert len(found) == sum(len(s) - 1 for ss in sets.values() for s in ss)
    for c in found:
        changed = [(p, slot) for p in sets for slot in range(2) if c[p][slot] != start[p][slot]]
        assert len(changed) == 1
    assert len({tuple(sorted(c.items())) for c in found}) == len(found)


def test_learner_repairs_a_settled_wrong_program_and_predicts_with_it():
    # zeros init and a negligible step: every restart's argmax stays pair 0, a wrong program;
    # the last check (step == steps) repairs it
    task = predecessor_task()
    settings = {
        "restarts": 2,
        "steps": 1,
        "init": "zeros",
        "optimizer": "sgd",
        "lr": 1e-12,
        "device": "cpu",
    }
    plain = RuleLearner(**settings, repair_rounds=0).fit(task)
    assert not plain.verified and plain.attempts_repaired == 0
    learner = RuleLearner(**settings)
    result = learner.fit(task)
    assert result.verified and result.restarts_succeeded == 2 and result.restarts_repaired == 2
    assert result.attempts_repaired == 2 and result.attempts_verified == 0
    assert str(result.program) == "pred(X, Y) :- succ(Y, X)."
    facts = [parse_program("zero(0).").clauses[0].head] + [
        c.head for c in parse_program(" ".join(f"succ({i}, {i + 1})." for i in range(11)))
    ]
    values = learner.predict(facts)  # the repaired program, not pair 0
    assert {(a.args[0].name, a.args[1].name) for a, v in values.items() if v == 1.0} == {
        (str(i + 1), str(i)) for i in range(11)
    }
