"""Save and load a fitted :class:`~neurosym.ilp.learner.RuleLearner` without pickle.

One ``.safetensors`` file: the best restart's clause-pair weights as tensors
(``weights.<pred>``, ``[K1 * K2']``), and in the header metadata one JSON
document (key ``neurosym.ilp``) with the language, the generated clauses of
every template (as Datalog text), the learned program, the settings and the
fit's result.
The settings are :meth:`LearnerConfig.to_json <neurosym.config.Config.to_json>`.
Written atomically (:func:`neurosym.io.atomic_write`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safetensors.torch import save_file

from neurosym.errors import NeurosymError
from neurosym.ilp.clauses import ClauseSet
from neurosym.ilp.extract import extract_program
from neurosym.io import atomic_write, parse_json, read_safetensors
from neurosym.lang.datalog import parse_clause, parse_program

FORMAT = "neurosym.ilp.rule_learner/1"
_KEY = "neurosym.ilp"


def save_learner(learner: Any, path: str | Path) -> None:
    sets = learner.clause_sets_
    meta = {
        "format": FORMAT,
        "language": learner.language_,
        "clause_sets": {
            p: [
                {"existentials": s.existentials, "intensional": s.intensional, "arity": s.arity,
                 "clauses": [str(c) for c in s.clauses]}
                for s in ss
            ]
            for p, ss in sets.items()
        },
        "program": str(learner.program_),
        "settings": learner.config.to_json(),
        "result": learner.result_.to_json() if learner.result_ is not None else None,
    }
    tensors = {f"weights.{p}": w.contiguous() for p, w in learner.weights_.items()}
    atomic_write(path, lambda tmp: save_file(tensors, str(tmp), metadata={_KEY: json.dumps(meta)}))


def load_learner(cls: Any, path: str | Path) -> Any:
    path = Path(path)
    header, tensors = read_safetensors(path, what="saved rule learner", key=_KEY)
    meta = parse_json(header[_KEY], path=path, what="saved rule learner's header")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise NeurosymError(
            f"{path}: unsupported format {meta.get('format')!r} (this version reads {FORMAT})"
        )
    from neurosym.ilp.config import LearnerConfig

    learner = cls(LearnerConfig.from_json(meta["settings"]))  # files of earlier versions too
    learner.language_ = meta["language"]
    learner.clause_sets_ = {
        p: tuple(
            ClauseSet(
                p,
                s["arity"],
                s["existentials"],
                s["intensional"],
                tuple(parse_clause(text) for text in s["clauses"]),
            )
            for s in ss
        )
        for p, ss in meta["clause_sets"].items()
    }
    learner.weights_ = {p: tensors[f"weights.{p}"] for p in learner.clause_sets_}
    learner.program_ = parse_program(meta["program"])
    learner.saved_result_ = meta.get("result")
    _check_program_matches_weights(learner, path)
    return learner


def _check_program_matches_weights(learner: Any, path: Path) -> None:
    """Raise if the saved program is not the weights' argmax program (less the clauses the fit
    dropped as never firing): ``predict()`` runs the weights, so an edited program would lie."""
    choice = {}
    for pred, sets in learner.clause_sets_.items():
        k2 = len(sets[1].clauses) if len(sets) == 2 else 1
        choice[pred] = divmod(int(learner.weights_[pred].argmax()), k2)
    program = extract_program(learner.clause_sets_, choice, learner.language_["target"])
    result = learner.saved_result_ or {}
    dropped = len(program) - len(learner.program_)
    if set(learner.program_) <= set(program) and dropped == result.get("clauses_dropped", dropped):
        return
    raise NeurosymError(
        f"{path}: the saved program differs from the program of the saved weights, which "
        f"predict() runs (was the file edited by hand?)\n  saved program:\n    "
        + str(learner.program_).replace("\n", "\n    ")
        + "\n  program of the weights:\n    " + str(program).replace("\n", "\n    ")
        + "\n  fix: save the learner again with RuleLearner.save, or fit it again"
    )
