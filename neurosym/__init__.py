"""neurosym: neuro-symbolic reasoning in PyTorch.

Differentiable ILP (rule learning), grammar-defined compositional tasks (SCAN),
and the parser that maps symbolic programs onto learned concept embeddings.

The public API is re-exported here; heavy modules (torch) load on first use::

    from neurosym import RuleLearner, load_ilp_task, load_compositional_task, make_learner
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from neurosym.errors import NeurosymError, SourceError, TaskFileError

if TYPE_CHECKING:  # the names below, for type checkers and IDEs (at run time: _LAZY)
    from neurosym.concepts.percept import DigitCNN, PerceptEncoder
    from neurosym.concepts.table import ConceptTable
    from neurosym.ilp import DifferentiableILP, LearnerConfig, LearnResult, RuleLearner, make_task
    from neurosym.lang.datalog import parse_atoms, parse_program
    from neurosym.logic import Atom, Clause, Const, Program, Var, atom, least_model
    from neurosym.seq2seq.base import learner_names, make_learner
    from neurosym.tasks.compositional import CompositionalTask, load_compositional_task
    from neurosym.tasks.examples import Example, read_scan_file
    from neurosym.tasks.ilp_task import ILPTask, load_ilp_task
    from neurosym.tasks.popper import load_popper_task

# public name -> module that defines it; imported on first use (torch takes seconds to load)
_LAZY = {
    # symbolic core
    "Atom": "neurosym.logic", "Clause": "neurosym.logic", "Const": "neurosym.logic",
    "Program": "neurosym.logic", "Var": "neurosym.logic", "atom": "neurosym.logic",
    "least_model": "neurosym.logic",
    "parse_program": "neurosym.lang.datalog", "parse_atoms": "neurosym.lang.datalog",
    # task files
    "load_ilp_task": "neurosym.tasks.ilp_task", "ILPTask": "neurosym.tasks.ilp_task",
    "load_compositional_task": "neurosym.tasks.compositional",
    "CompositionalTask": "neurosym.tasks.compositional",
    "Example": "neurosym.tasks.examples", "read_scan_file": "neurosym.tasks.examples",
    "load_popper_task": "neurosym.tasks.popper",
    # rule learning
    "RuleLearner": "neurosym.ilp", "LearnerConfig": "neurosym.ilp",
    "LearnResult": "neurosym.ilp", "make_task": "neurosym.ilp",
    "DifferentiableILP": "neurosym.ilp",
    # learned concepts
    "ConceptTable": "neurosym.concepts.table", "PerceptEncoder": "neurosym.concepts.percept",
    "DigitCNN": "neurosym.concepts.percept",
    # sequence models
    "make_learner": "neurosym.seq2seq.base", "learner_names": "neurosym.seq2seq.base",
}

__all__ = [
    "Atom",
    "Clause",
    "CompositionalTask",
    "ConceptTable",
    "Const",
    "DifferentiableILP",
    "DigitCNN",
    "Example",
    "ILPTask",
    "LearnResult",
    "LearnerConfig",
    "NeurosymError",
    "PerceptEncoder",
    "Program",
    "RuleLearner",
    "SourceError",
    "TaskFileError",
    "Var",
    "__version__",
    "atom",
    "learner_names",
    "least_model",
    "load_compositional_task",
    "load_ilp_task",
    "load_popper_task",
    "make_learner",
    "make_task",
    "parse_atoms",
    "parse_program",
    "read_scan_file",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'neurosym' has no attribute {name!r}")
