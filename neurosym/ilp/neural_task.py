"""An ILP task with a neural predicate (task file: ``percept digit from mnist {...}``), learned.

The examples are over items (images); the rules are learned over the concept constants while a
CNN learns to perceive each item as a concept (:func:`~neurosym.ilp.neural.fit_joint`; no
concept label is used). The learned program is then checked on the symbolic level by the exact
evaluator: every item read as its argmax concept. Where the data set knows each image's class,
the encoder is scored against the classes the ``percept`` line pairs with the concepts.

>>> from neurosym.tasks.ilp_task import load_ilp_task            # doctest: +SKIP
>>> result = learn_neural_task(load_ilp_task("ilp/mnist_less_than"))   # doctest: +SKIP
>>> print(result.summary())                                     # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields

import numpy as np
import torch
from torch import Tensor

from neurosym.concepts.percept import cnn_encoder, images_to_tensor
from neurosym.errors import NeurosymError
from neurosym.ilp.module import DifferentiableILP
from neurosym.ilp.neural import (
    HybridSettings,
    JointFit,
    fit_attempts,
    fit_joint,
    log_percepts,
    symbolic_accuracy,
)
from neurosym.logic.evaluator import least_model
from neurosym.logic.terms import Program
from neurosym.tasks.ilp_types import ILPTask, NeuralPredicate, World
from neurosym.tasks.mnist import load_percept_dataset


@dataclass
class NeuralTaskResult:
    """The learned program and how well it and the encoder do (accuracies in [0, 1]).

    ``accuracy``: per group of worlds (``train``, ``validation``), the share of examples the
    program gets right with every item read as its argmax concept (exact evaluator);
    ``encoder_accuracy``: per group, the share of its items perceived as the concept paired with
    the item's true class (never used in training); ``perceived_as``: each class -> the concept
    its training items are most often perceived as (a mirror image of the intended map, say,
    when the labels cannot tell the two apart).
    """

    task: str
    program: Program
    confidence: float
    accuracy: dict[str, float]
    encoder_accuracy: dict[str, float]
    seconds: float
    seed: int
    perceived_as: dict[int, str] = field(default_factory=dict)
    attempts: list[dict] = field(default_factory=list)

    @property
    def program_text(self) -> str:
        return str(self.program).strip()

    def summary(self) -> str:
        parts = [f"{self.task}: confidence {self.confidence:.3f}"]
        parts += [f"{g} accuracy {100 * a:.1f}%" for g, a in self.accuracy.items()]
        parts += [f"encoder accuracy on {g} items {100 * a:.1f}%"
                  for g, a in self.encoder_accuracy.items()]
        seen = " ".join(f"{cls}->{c}" for cls, c in sorted(self.perceived_as.items()))
        return ", ".join(parts) + f" ({self.seconds:.0f} s, seed {self.seed})\n" + (
            f"class -> concept its training items are perceived as: {seen}"
        )

    def to_json(self) -> dict:
        """Every field, the program as Datalog text."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**data, "program": self.program_text}


def examples(neural: NeuralPredicate, worlds: tuple[World, ...]) -> tuple[Tensor, Tensor]:
    """The image of each argument of each example, int64 ``[E, arity]``, and the 0/1 labels
    ``[E]``."""
    labelled = [ex for w in worlds for ex in w.examples]
    items = [[neural.index(c) for c in a.ground_tuple()] for a, _ in labelled]
    return torch.tensor(items, dtype=torch.int64), torch.tensor([int(y) for _, y in labelled])


def _background(task: ILPTask) -> tuple:
    backgrounds = {frozenset(w.background) for w in task.worlds}
    if len(backgrounds) != 1:
        raise NeurosymError(
            f"task {task.name}: the worlds of a task with a neural predicate share one "
            "background (the facts over the concepts); fix: give every world the same background"
        )
    return task.train[0].background


def _crisp(task: ILPTask, program: Program, concepts: list[str], device: torch.device) -> Tensor:
    """The target over the concepts in the program's least model (exact): 0/1 ``[C]*arity``."""
    model = least_model(task.train[0].background, program).tuples(task.target)
    out = torch.zeros([len(concepts)] * task.target_arity, device=device)
    for row in model:
        if all(c in concepts for c in row):
            out[tuple(concepts.index(c) for c in row)] = 1.0
    return out


@torch.no_grad()
def _score(
    task: ILPTask, fit: JointFit, crisp: Tensor, pix: Tensor, labels: np.ndarray
) -> tuple[dict[str, float], dict[str, float], dict[int, str]]:
    """Per group of worlds: the program's accuracy (``crisp`` ``[C]*arity``, items read as their
    argmax concept) and the encoder's against the classes; class -> concept on the train items."""
    neural = task.neural
    concepts, classes = list(neural.concepts), np.array(list(neural.concepts.values()))
    accuracy, encoder_accuracy, perceived_as = {}, {}, {}
    for group, worlds in (("train", task.train), ("validation", task.validation)):
        if not worlds:
            continue
        items, y = examples(neural, worlds)
        percepts = [log_percepts(fit.encoder, pix[items[:, j].to(pix.device)])
                    for j in range(items.shape[1])]
        accuracy[group] = symbolic_accuracy(crisp, percepts, y.to(pix.device))
        seen, first = np.unique(items.t().reshape(-1).numpy(), return_index=True)
        perceived = torch.cat(percepts).argmax(1).cpu().numpy()[first]  # each image once
        encoder_accuracy[group] = float((classes[perceived] == labels[seen]).mean())
        if group == "train":
            for cls in np.unique(labels[seen]):
                counts = np.bincount(perceived[labels[seen] == cls], minlength=len(concepts))
                perceived_as[int(cls)] = concepts[int(counts.argmax())]
    return accuracy, encoder_accuracy, perceived_as


def learn_neural_task(
    task: ILPTask,
    settings: HybridSettings | None = None,
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
) -> NeuralTaskResult:
    """Learn ``task``'s rules and its neural predicate's encoder jointly from the training worlds'
    examples; score the program (exact, argmax concepts) on every world and the encoder on the
    items."""
    neural = task.neural
    if neural is None:
        raise NeurosymError(f"task {task.name} has no neural predicate; use RuleLearner")
    cfg = settings or HybridSettings()
    dev = torch.device(device)
    start = time.perf_counter()
    images, labels = load_percept_dataset(neural.dataset)
    pix = images_to_tensor(images, dev)
    concepts = list(neural.concepts)
    background = _background(task)
    templates = {p: [(t.existentials, t.intensional) for t in ts]
                 for p, ts in task.templates.items()}

    def make_ilp(rule_seed: int) -> DifferentiableILP:
        return DifferentiableILP.from_templates(
            task.constants, task.extensional, task.intensional, templates, task.target,
            task.steps, restarts=cfg.restarts, seed=rule_seed,
        )

    items, y = examples(neural, task.train)

    def attempt(gen: torch.Generator) -> JointFit:
        return fit_joint(
            make_ilp, lambda: cnn_encoder(concepts), concepts, background, pix, items, y, cfg, gen
        )

    chosen, attempts = fit_attempts(attempt, seed, cfg)
    seconds = time.perf_counter() - start
    program, confidence = chosen.ilp.program(chosen.restart)
    crisp = _crisp(task, program, concepts, dev)
    accuracy, encoder_accuracy, perceived_as = _score(task, chosen, crisp, pix, labels)
    return NeuralTaskResult(
        task.name, program, confidence, accuracy, encoder_accuracy, seconds, seed, perceived_as,
        [{**a.record(), "chosen": a is chosen} for a in attempts],
    )
