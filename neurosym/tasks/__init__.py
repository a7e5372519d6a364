"""Tasks: compositional tasks defined by a grammar file (SCAN is one), their data and splits.

ILP task files live in neurosym.ilp; this package owns the compositional kind
(``grammars/compositional.lark``).
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
    "CompositionalTask",
    "Example",
    "ParseFailure",
    "Split",
    "compositional_task_from_text",
    "default_scan_data_dir",
    "is_compositional_task_text",
    "load_compositional_task",
    "load_scan",
    "read_scan_file",
    "write_scan_file",
]

