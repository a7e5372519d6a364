"""neurosym: neuro-symbolic reasoning in PyTorch.

Differentiable ILP (rule learning), grammar-defined compositional tasks (SCAN),
and the parser that maps symbolic programs onto learned concept embeddings.

The public API is re-exported here; heavy modules (torch) load on first use::

    from neurosym import RuleLearner, load_ilp_task, load_compositional_task, make_learner
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from neurosym.errors import NeurosymError, SourceError, TaskFileError  # noqa: E402

# public name -> module that defines it
_LAZY = {
    # symbolic core
    "Atom": "neurosym.logic", "Clause": "neurosym.logic", "Const": "neurosym.logic", "Program": "neurosym.logic",
    "Var": "neurosym.logic", "atom": "neurosym.logic", "least_model": "neurosym.logic",
    "parse_program": "neurosym.lang.datalog", "parse_atoms": "neurosym.lang.datalog",
    # task files
    "load_ilp_task": "neurosym.tasks.ilp_task", "ILPTask": "neurosym.tasks.ilp_task",
    "load_compositional_task": "neurosym.tasks.compositional",
    "CompositionalTask": "neurosym.tasks.compositional",
    "Example": "neurosym.tasks.examples", "read_scan_file": "neurosym.tasks.examples",
    "load_popper_task": "neurosym.tasks.popper",
    # rule learning
    "RuleLearner": "neurosym.ilp", "LearnResult": "neurosym.ilp", "make_task": "neurosym.ilp",
    # sequence models
    "make_learner": "neurosym.seq2seq.base", "learner_names": "neurosym.seq2seq.base",
}

__all__ = ["__version__", "NeurosymError", "SourceError", "TaskFileError", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'neurosym' has no attribute {name!r}")
