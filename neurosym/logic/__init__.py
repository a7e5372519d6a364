"""Symbolic core: Datalog terms and programs, exact evaluation, fuzzy operators."""

from neurosym.logic.evaluator import FactStore, least_model
from neurosym.logic.terms import Atom, Clause, Const, Program, Term, Var, atom

__all__ = ["Atom", "Clause", "Const", "FactStore", "Program", "Term", "Var", "atom", "least_model"]
