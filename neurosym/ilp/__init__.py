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
from neurosym.ilp.config import LearnerConfig
from neurosym.ilp.extract import Scores, score_program
from neurosym.ilp.learner import LearnResult, Progress, RuleLearner
from neurosym.ilp.module import DifferentiableILP

__all__ = [
    "DifferentiableILP",
    "LearnResult",
    "LearnerConfig",
    "Progress",
    "RuleLearner",
    "Scores",
    "make_task",
    "score_program",
]
