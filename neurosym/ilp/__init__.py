"""Differentiable ILP (Evans & Grefenstette 2018, "Learning Explanatory Rules from Noisy Data").

Rule templates -> generated clauses (:mod:`.clauses`) -> ground index tensors
(:mod:`.grounding`) -> batched differentiable forward chaining (:mod:`.forward`,
:mod:`.kernels`) -> training over many restarts at once (:class:`RuleLearner`)
-> the argmax program, verified by the exact evaluator (:mod:`.extract`).

>>> from neurosym.ilp import RuleLearner, make_task          # doctest: +SKIP
>>> result = RuleLearner(seed=0).fit(make_task(facts, positives))  # doctest: +SKIP
>>> print(result.program_text)                               # doctest: +SKIP
"""

from neurosym.ilp.build import make_task
from neurosym.ilp.clauses import ClauseSet, generate_clauses, task_clause_sets
from neurosym.ilp.extract import Scores, extract_program, score_program
from neurosym.ilp.forward import ForwardChainer
from neurosym.ilp.grounding import AtomIndex, clause_index
from neurosym.ilp.learner import LearnResult, Progress, RuleLearner
from neurosym.ilp.memory import MemoryEstimate, estimate

__all__ = [
    "AtomIndex",
    "ClauseSet",
    "ForwardChainer",
    "LearnResult",
    "MemoryEstimate",
    "Progress",
    "RuleLearner",
    "Scores",
    "clause_index",
    "estimate",
    "extract_program",
    "generate_clauses",
    "make_task",
    "score_program",
    "task_clause_sets",
]
