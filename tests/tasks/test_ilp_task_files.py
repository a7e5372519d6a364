"""The bundled ∂ILP task files (tasks/ilp/*.task, the 20 paper tasks, and tasks/ilp/scaled/*.task,
the scaled suite) are complete and self-consistent.

For every task: it loads; its intended program (the `solution` block) is admitted by its own
program template (two body atoms, head variables plus at most v existential variables, no
constants, int = yes needs an intensional body atom, at most one clause per template); and the
intended program reproduces every label of every world, train and validation -- both under the
exact least model (neurosym.logic.least_model) and within the task's T synchronous
forward-chaining steps, which is all a ∂ILP learner gets.
"""

from __future__ import annotations

import itertools

import pytest

from neurosym.bench.ilp_bench import (
    PAPER_TASKS,  # the 20 tasks of Evans & Grefenstette (2018)
    suite_tasks,
)
from neurosym.logic import Atom, Clause, Const, Var, least_model
from neurosym.logic.evaluator import one_step
from neurosym.resources import tasks_dir
from neurosym.tasks.ilp_task import ILPTask, RuleTemplate, load_ilp_task
from neurosym.tasks.mnist import default_mnist_dir


def bundled_names() -> list[str]:
    """Every task file below tasks/ilp, as its path there without .task (``scaled/reach_20``)."""
    ilp = tasks_dir() / "ilp"
    return sorted(p.relative_to(ilp).with_suffix("").as_posix() for p in ilp.rglob("*.task"))


@pytest.fixture(scope="module", params=[f"ilp/{n}" for n in PAPER_TASKS] + [*suite_tasks("scaled")])
def task(request) -> ILPTask:
    return load_ilp_task(request.param)


def test_all_twenty_paper_tasks_are_bundled():
    assert set(PAPER_TASKS) <= set(bundled_names())
    assert len(PAPER_TASKS) == 20


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_task_loads(name):
    if name.startswith("neural/") and default_mnist_dir() is None:
        pytest.skip("../shared/mnist absent: the neural tasks name MNIST images")
    task = load_ilp_task(f"ilp/{name}")
    assert task.train and all(w.positives and w.negatives for w in task.worlds)
    assert task.solution is not None, f"{name}: add a solution block with the intended program"


def test_task_header_names_source_and_intended_program(task):
    header = [line for line in (task.source_text or "").splitlines() if line.startswith("#")]
    text = "\n".join(header)
    assert "Source" in text or "source" in text
    assert "Intended program" in text
    assert task.name not in PAPER_TASKS or "unverified" in text or "lernd" in text, (
        "say what could not be checked against the paper"
    )


# ----- the intended program fits the template
# ------------------------------------------------------


def _fits(clause: Clause, template: RuleTemplate, task: ILPTask) -> str | None:
    """Why ``clause`` cannot be generated from ``template`` (None when it can)."""
    head, body = clause.head, clause.body
    if len(body) != 2:
        return "a ∂ILP clause has exactly two body atoms (write a one-atom body twice)"
    if any(isinstance(t, Const) for a in (head, *body) for t in a.args):
        return "clauses have no constants"
    head_vars = list(head.variables())
    if len(set(head_vars)) != len(head_vars):
        return "head variables must be distinct"
    extra = {v for a in body for v in a.variables()} - set(head_vars)
    if len(extra) > template.existentials:
        return f"{len(extra)} existential variable(s), template allows {template.existentials}"
    intensional = [a.pred in task.intensional for a in body]
    if template.intensional and not any(intensional):
        return "int = yes needs at least one intensional body atom"
    if not template.intensional and any(intensional):
        return "int = no allows only extensional body atoms"
    if head in body:
        return "circular clause (the head appears in the body)"
    return None


def test_intended_program_fits_the_template(task):
    by_pred: dict[str, list[Clause]] = {}
    for clause in task.solution:
        by_pred.setdefault(clause.head.pred, []).append(clause)
    for pred, clauses in by_pred.items():
        templates = task.templates[pred]
        assert len(clauses) <= len(templates), (
            f"{pred}: {len(clauses)} clauses, {len(templates)} template(s)"
        )
        # Some assignment of clauses to distinct templates must admit every clause.
        reasons = []
        for chosen in itertools.permutations(templates, len(clauses)):
            why = [_fits(c, t, task) for c, t in zip(clauses, chosen)]
            if not any(why):
                break
            reasons.append(why)
        else:
            pytest.fail(
                f"{task.name}: clauses for {pred} do not fit templates {templates}: {reasons}"
            )
    assert task.target in by_pred, "the intended program defines the target"


# ----- the intended program reproduces every label
# ---------------------------------------------------


def _labels_ok(task: ILPTask, derived: set[Atom] | None, world, model=None) -> list[str]:
    wrong = []
    for atom, label in world.examples:
        holds = (atom.pred, atom.ground_tuple()) in model if model is not None else atom in derived
        if holds != label:
            wrong.append(f"{world.name}: {atom} should be {'true' if label else 'false'}")
    return wrong


def test_intended_program_reproduces_every_label_exactly(task):
    wrong = []
    for world in task.worlds:
        model = least_model(world.background, task.solution)
        wrong += _labels_ok(task, None, world, model=model)
    assert not wrong, f"{task.name}: " + "; ".join(wrong[:10])


def _one_step(facts: set[Atom], clauses: list[Clause]) -> set[Atom]:
    """One synchronous application of every clause to ``facts`` (the ∂ILP step), plus ``facts``
    (neurosym.logic.evaluator.one_step; checked against the least model below)."""
    return set(one_step(facts, clauses).atoms())


def test_intended_program_reaches_every_label_within_T_steps(task):
    clauses = list(task.solution)
    for world in task.worlds:
        facts = set(world.background)
        for _ in range(task.steps):
            facts = _one_step(facts, clauses)
        wrong = _labels_ok(task, facts, world)
        assert not wrong, f"{task.name} with T={task.steps}: " + "; ".join(wrong[:10])


def test_T_is_not_larger_than_needed(task):
    """T is the smallest number of steps that reaches every label (keeps the learner's work
    minimal)."""
    if task.steps == 1:
        return
    clauses = list(task.solution)
    short = []
    for world in task.worlds:
        facts = set(world.background)
        for _ in range(task.steps - 1):
            facts = _one_step(facts, clauses)
        short += _labels_ok(task, facts, world)
    assert short, f"{task.name}: T={task.steps} could be {task.steps - 1}"


def test_one_step_helper_matches_least_model_on_recursion():
    edge = [Atom("edge", (Const(a), Const(b))) for a, b in ("ab", "bc", "cd")]
    X, Y, Z = Var("X"), Var("Y"), Var("Z")
    rules = [
        Clause(Atom("p", (X, Y)), (Atom("edge", (X, Y)), Atom("edge", (X, Y)))),
        Clause(Atom("p", (X, Y)), (Atom("edge", (X, Z)), Atom("p", (Z, Y)))),
    ]
    facts = set(edge)
    for _ in range(3):
        facts = _one_step(facts, rules)
    exact = {a for a in least_model(edge, rules).atoms("p")}
    assert {a for a in facts if a.pred == "p"} == exact
    after_two = _one_step(_one_step(set(edge), rules), rules)
    assert Atom("p", (Const("a"), Const("d"))) not in after_two


def test_checks_catch_a_wrong_label_and_a_clause_outside_the_template():
    """Negative controls: the consistency checks above can fail."""
    from dataclasses import replace

    from neurosym.lang.datalog import parse_clause

    task = load_ilp_task("ilp/even")
    world = task.train[0]
    flipped = replace(
        world, positives=world.positives[1:], negatives=world.negatives + world.positives[:1]
    )
    model = least_model(flipped.background, task.solution)
    assert _labels_ok(task, None, flipped, model=model) == ["train: even(0) should be false"]
    one_atom = parse_clause("even(X) :- zero(X).")
    assert "two body atoms" in _fits(one_atom, RuleTemplate(0, False), task)
    recursive = parse_clause("even(X) :- even(Y), succ2(Y, X).")
    assert "existential" in _fits(recursive, RuleTemplate(0, True), task)
    assert "extensional" in _fits(recursive, RuleTemplate(1, False), task)
    assert _fits(recursive, RuleTemplate(1, True), task) is None


def _canonical(clause: Clause) -> tuple:
    """Clause up to renaming of its non-head variables and the order of its two body atoms."""
    keys = []
    for body in (clause.body, clause.body[::-1]):
        names: dict[object, str] = {v: f"h{i}" for i, v in enumerate(clause.head.args)}
        atoms = []
        for a in body:
            atoms.append((a.pred, tuple(names.setdefault(t, f"e{len(names)}") for t in a.args)))
        keys.append(tuple(atoms))
    return (clause.head.pred, min(keys))


def test_the_engine_clause_generator_produces_every_intended_clause(task):
    from neurosym.ilp.clauses import task_clause_sets

    generated = {
        pred: {_canonical(c) for cs in sets for c in cs.clauses}
        for pred, sets in task_clause_sets(task).items()
    }
    for clause in task.solution:
        assert _canonical(clause) in generated[clause.head.pred], (
            f"{task.name}: {clause} is not generated"
        )
