"""Symbolic core: Datalog terms and programs, exact evaluation, fuzzy operators."""

from neurosym.logic.evaluator import FactStore, least_model
from neurosym.logic.terms import Atom, Clause, Const, Program, Term, Var, atom

__all__ = ["Atom", "Clause", "Const", "FactStore", "Program", "Term", "Var", "atom", "least_model"]

# fuzzy operators (neurosym.logic.fuzzy): registries, look-up by name, ILP presets
from neurosym.logic import fuzzy
from neurosym.logic.fuzzy import (
    AGGREGATORS,
    IMPLICATIONS,
    PRESETS,
    TCONORMS,
    TNORMS,
    OperatorSet,
    get_aggregator,
    get_implication,
    get_preset,
    get_tconorm,
    get_tnorm,
)

__all__ += [
    "AGGREGATORS",
    "IMPLICATIONS",
    "PRESETS",
    "TCONORMS",
    "TNORMS",
    "OperatorSet",
    "fuzzy",
    "get_aggregator",
    "get_implication",
    "get_preset",
    "get_tconorm",
    "get_tnorm",
]
