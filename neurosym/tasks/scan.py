"""SCAN (Lake & Baroni 2018) as a compositional task: its bundled file, split names and data
folder."""

from __future__ import annotations

from pathlib import Path

from neurosym.resources import data_folder_candidates

#: The bundled task file (tasks/scan/scan.task).
SCAN_TASK = "scan/scan"

#: SCAN's standard splits, as declared in tasks/scan/scan.task.
SCAN_SPLITS = (
    "simple",
    "length",
    "addprim_jump",
    "addprim_turn_left",
    "template_around_right",
    "template_jump_around_right",
    "template_opposite_right",
    "template_right",
)

#: 14 short commands, picked by hand so that every grammar alternative occurs once or twice:
#: the data-efficiency test "SCAN from 14 examples" (bench/neurosym/run_all.py, size "curated14").
SCAN_CURATED_14 = (
    "walk",
    "look",
    "run",
    "jump",
    "walk left",
    "run right",
    "turn left",
    "look opposite right",
    "jump around left",
    "walk twice",
    "look thrice",
    "walk and jump",
    "run after look",
    "turn around right twice",
)

#: Environment variable that overrides where the official SCAN files are looked for.
SCAN_DATA_ENV = "NEUROSYM_SCAN_DATA"


def default_scan_data_dir() -> Path | None:
    """The folder holding the official SCAN files, or None if there is none.

    Looks at ``$NEUROSYM_SCAN_DATA``, then ``../shared/scan`` next to the repository
    (the folder holding grammars/ and tasks/), then ``../shared/scan`` from the
    current directory. A folder counts only if it has ``tasks.txt``.
    """
    for folder in data_folder_candidates(SCAN_DATA_ENV, "scan"):
        if (folder / "tasks.txt").is_file():
            return folder.resolve()
    return None


def load_scan():
    """The SCAN task (tasks/scan/scan.task), with its data folder set to
    :func:`default_scan_data_dir`."""
    from neurosym.tasks.compositional import load_compositional_task

    task = load_compositional_task(SCAN_TASK)
    task.data_dir = default_scan_data_dir()
    return task
