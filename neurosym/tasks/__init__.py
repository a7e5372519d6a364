"""Tasks: compositional tasks defined by a grammar file (SCAN is one), their data and splits.

ILP task files live in neurosym.ilp; this package owns the compositional kind
(``grammars/compositional.lark``) and the torch-facing data layer.
"""

from neurosym.tasks.cgrammar import ParseFailure
from neurosym.tasks.compositional import (
    CompositionalTask,
    compositional_task_from_text,
    load_compositional_task,
)
from neurosym.tasks.examples import Example, read_scan_file, write_scan_file
from neurosym.tasks.scan import SCAN_SPLITS, default_scan_data_dir, load_scan
from neurosym.tasks.splits import Split
from neurosym.tasks.taskfile import is_compositional_task_text

__all__ = [
    "SCAN_SPLITS",
    "Batch",
    "CompositionalTask",
    "Example",
    "ParseFailure",
    "Split",
    "Vocab",
    "collate",
    "compositional_task_from_text",
    "default_scan_data_dir",
    "is_compositional_task_text",
    "load_compositional_task",
    "load_scan",
    "make_batches",
    "read_scan_file",
    "write_scan_file",
]


# Batch, Vocab, collate, make_batches come from neurosym.tasks.data, which imports torch.
_DATA_NAMES = {"Batch", "Vocab", "collate", "make_batches"}


def __getattr__(name: str):  # the data layer imports torch: load it only when asked for
    if name in _DATA_NAMES:
        from neurosym.tasks import data

        return getattr(data, name)
    raise AttributeError(f"module 'neurosym.tasks' has no attribute {name!r}")
