"""The interface every sequence model implements, so the SCAN runner treats them alike.

A *learner* maps input word sequences to output token sequences. Baselines
(LSTM, GRU, Transformer) and the neuro-symbolic model all implement it; the
runner in ``neurosym.bench`` only talks to this interface.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch

from neurosym.errors import NeurosymError
from neurosym.io import parse_json, read_safetensors
from neurosym.tasks.examples import Example


def read_checkpoint(
    path: str | Path, file_name: str
) -> tuple[Path, dict[str, Any], dict[str, torch.Tensor], dict[str, str]]:
    """``(file, meta, tensors, metadata)`` of a learner's checkpoint: ``path`` is the run folder
    (holding ``file_name``) or the file itself; ``meta`` is its ``neurosym`` metadata read as
    JSON. A NeurosymError when it is missing, truncated or not one."""
    path = Path(path)
    file = path / file_name if path.is_dir() else path
    if not file.exists():
        raise NeurosymError(f"{file}: no checkpoint here; pass the folder a run wrote (it holds "
                            f"{file.name})")
    metadata, tensors = read_safetensors(file, what="neurosym checkpoint", key="neurosym")
    meta = parse_json(metadata["neurosym"], path=file, what="checkpoint's header")
    return file, meta, tensors, metadata


@dataclass
class FitReport:
    """What ``fit`` returns: steps run, seconds, final loss, and free-form extras."""

    steps: int
    seconds: float
    final_loss: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# Called by learners during training: callback(step, metrics) where metrics has
# at least "loss"; the runner uses it for the progress bar and metrics.jsonl.
ProgressCallback = Callable[[int, dict[str, float]], None]


class Learner(Protocol):
    """A trainable input->output sequence model.

    Constructed by ``make_learner(name, task=..., device=..., seed=..., **options)``
    where ``task`` is the CompositionalTask (its grammar; the meaning section is
    never read by learners) or None for models that need no grammar.
    """

    name: str

    def fit(
        self,
        train: Sequence[Example],
        *,
        steps: int | None = None,
        callback: ProgressCallback | None = None,
    ) -> FitReport: ...

    def predict(self, inputs: Sequence[tuple[str, ...]]) -> list[tuple[str, ...] | None]:
        """Free (greedy) decoding; None where the model cannot produce an output (e.g. unparseable
        input)."""
        ...

    def save(self, path: str | Path) -> None:
        """Write a checkpoint atomically (safetensors or torch.save of tensors + JSON metadata)."""
        ...

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore weights written by ``save`` (no pickle of arbitrary objects)."""
        ...


_REGISTRY: dict[str, Callable[..., Learner]] = {}
_DEFAULTS: dict[str, tuple[Any, ...]] = {}


def register_learner(
    name: str, *, defaults: tuple[Any, ...] = ()
) -> Callable[[Callable[..., Learner]], Callable[..., Learner]]:
    """Decorator: make a learner factory available to ``make_learner`` and ``--model NAME``.

    ``defaults``: the frozen configurations (:mod:`neurosym.config`) whose fields are the
    factory's options, as the factory's defaults; ``scan run --help`` lists them.
    """

    def wrap(factory: Callable[..., Learner]) -> Callable[..., Learner]:
        _REGISTRY[name] = factory
        _DEFAULTS[name] = defaults
        return factory

    return wrap


def learner_names() -> list[str]:
    _import_builtin_learners()
    return sorted(_REGISTRY)


def learner_defaults(name: str) -> tuple[Any, ...]:
    """The default configurations of learner ``name`` (its options are their fields)."""
    _import_builtin_learners()
    return _DEFAULTS[name]


def make_learner(
    name: str,
    *,
    task: Any = None,
    device: torch.device | str = "cpu",
    seed: int = 0,
    **options: Any,
) -> Learner:
    _import_builtin_learners()
    if name not in _REGISTRY:
        raise NeurosymError(
            f"unknown model {name!r}; choose one of: {', '.join(sorted(_REGISTRY))}"
        )
    return _REGISTRY[name](task=task, device=torch.device(device), seed=seed, **options)


def _import_builtin_learners() -> None:
    """Import the modules that register the bundled learners (each registers itself on import)."""
    import importlib

    for module in (
        "neurosym.seq2seq.recurrent",
        "neurosym.seq2seq.transformer",
        "neurosym.seq2seq.neurosym_model",
    ):
        importlib.import_module(module)


def exact_match(
    predictions: Sequence[tuple[str, ...] | None], gold: Sequence[tuple[str, ...]]
) -> float:
    """Fraction of predictions equal to the gold output (None counts as wrong)."""
    if not gold:
        raise NeurosymError("exact_match of an empty test set")
    return sum(p is not None and tuple(p) == tuple(g) for p, g in zip(predictions, gold)) / len(
        gold
    )
