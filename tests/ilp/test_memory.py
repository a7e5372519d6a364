"""The memory estimate: its index term against the index arrays grounding really builds, and
``fit_layout`` against the estimate the learner checks."""

from __future__ import annotations

import pytest

from neurosym.ilp import RuleLearner
from neurosym.ilp.clauses import task_clause_sets
from neurosym.ilp.grounding import AtomIndex, clause_index, index_elements
from neurosym.ilp.kernels import CHUNK_ELEMENTS
from neurosym.ilp.memory import SAFETY, estimate
from neurosym.ilp.training import fit_layout, predicate_shapes
from neurosym.tasks.ilp_task import load_ilp_task


@pytest.mark.parametrize("name", ["even", "fizz", "member", "connectedness", "graph_colouring"])
def test_index_elements_counts_what_clause_index_builds(name):
    task = load_ilp_task(f"ilp/{name}")
    index = AtomIndex(task.constants, {**dict(task.extensional), **dict(task.intensional)})
    for pred, sets in task_clause_sets(task).items():
        for s in sets:
            built = sum(g.atoms.size for g in clause_index(list(s.clauses), index).groups)
            assert index_elements(s.clauses, index.num_constants) * index.count(pred) == built


def test_the_fused_kernels_slices_do_not_grow_with_restarts_while_a_head_atom_fits():
    task = load_ilp_task("ilp/fizz")
    index = AtomIndex(task.constants, {**dict(task.extensional), **dict(task.intensional)})
    shapes = predicate_shapes(task_clause_sets(task), index)
    assert (
        max(s.subs * s.clauses for s in shapes) * 64 < CHUNK_ELEMENTS
    )  # one head atom fits a slice
    small, many = (
        estimate(shapes, atoms=index.size, worlds=1, restarts=r, steps=task.steps) for r in (1, 64)
    )
    assert many.fixed - small.fixed <= SAFETY * 6 * CHUNK_ELEMENTS * 4
    assert many.per_restart == small.per_restart


@pytest.mark.parametrize(
    "preset, dtype", [("dilp", "float32"), ("dilp", "float64"), ("prod", "float32")]
)
def test_fit_layout_estimates_what_the_learner_checks(preset, dtype):
    task = load_ilp_task("ilp/even")
    learner = RuleLearner(restarts=3, preset=preset, dtype=dtype, device="cpu")
    assert fit_layout(learner.config, task).estimate(3) == learner.prepare(task).estimate
