"""The compositional model on a task whose words of one rule arrive as percepts (images).

A task file's ``percept RULE from DATASET {word: class, ...}`` line says that every occurrence
of those words is a fresh item of the data set's class standing for the word. ``make_learner(
"neurosym", task=task)`` returns a :class:`PerceivedLearner` for such a task: ``fit`` draws one
training item (data set items :data:`~neurosym.tasks.mnist.TRAIN_RANGE`) per perceived word of
every training line and trains a :class:`~neurosym.concepts.perceived.PerceptLearner` (encoder +
meanings, no percept label); ``predict`` draws test items (``TEST_RANGE``, never seen in
training) and executes the learned rules on the argmax word of each percept. The fit report
gives the encoder's accuracy on every test item of the perceived classes (after the best
class-to-row matching) and the learned assignment (class -> row -> meaning).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from neurosym.concepts.learn import LearnConfig
from neurosym.concepts.perceived import PerceptConfig, PerceptLearner, matched_accuracy
from neurosym.concepts.percept import DigitCNN, PerceptEncoder, images_to_tensor
from neurosym.concepts.table import ConceptTable
from neurosym.concepts.templates import Program
from neurosym.errors import NeurosymError
from neurosym.io import atomic_write, atomic_write_json
from neurosym.lang.tree import ParseNode
from neurosym.seq2seq.base import FitReport, ProgressCallback, read_checkpoint
from neurosym.tasks.examples import Example
from neurosym.tasks.mnist import TEST_RANGE, TRAIN_RANGE
from neurosym.tasks.template import execute

CHECKPOINT_FILE = "checkpoint.safetensors"
FEATURES = 84  # DigitCNN's feature size, as in the MNIST benchmarks


class PerceptPool:
    """A labelled data set percepts are drawn from: ``items [N, 1, 28, 28]`` float,
    ``labels [N]``; ``classes`` maps each perceived word to its class."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, classes: dict[str, int]) -> None:
        self.items = images_to_tensor(images)
        self.labels = np.asarray(labels)
        self.classes = dict(classes)
        self.words = tuple(classes)

    @classmethod
    def load(cls, dataset: str, classes: dict[str, int]) -> PerceptPool:
        """The data set a task file names (``mnist``: :func:`~neurosym.tasks.mnist.read_mnist`)."""
        if dataset != "mnist":
            raise NeurosymError(f"unknown percept data set {dataset!r}; the known one is mnist")
        from neurosym.tasks.mnist import read_mnist

        return cls(*read_mnist(), classes)

    def pick(self, trees: Sequence[ParseNode], pool: range,
             rng: np.random.Generator) -> list[list[int]]:
        """One fresh item (its index) of the word's class per perceived leaf of each tree, in
        pre-order (= the order of the words in the input), from items ``pool``."""
        index = np.asarray(pool)
        by_class = {c: index[self.labels[index] == c] for c in self.classes.values()}
        out = []
        for tree in trees:
            words = [n.rule for n in tree.walk() if not n.children and n.rule in self.classes]
            out.append([int(rng.choice(by_class[self.classes[w]])) for w in words])
        return out

    def draw(self, trees: Sequence[ParseNode], pool: range,
             rng: np.random.Generator) -> list[Tensor]:
        """The items :meth:`pick` draws: ``[k_b, 1, 28, 28]`` per tree."""
        return [self.items[p] for p in self.pick(trees, pool, rng)]

    @torch.no_grad()
    def encoder_report(self, encoder: PerceptEncoder, program: Program, pool: range,
                       device: torch.device | str = "cpu") -> dict[str, Any]:
        """The encoder's accuracy on every item of ``pool`` of the perceived classes after the
        best class-to-row matching (``match``: word -> row), and each word's row and meaning."""
        index = np.asarray(pool)
        index = index[np.isin(self.labels[index], list(self.classes.values()))]
        encoder.eval()
        guess = torch.cat([encoder(self.items[index[i: i + 2000]].to(device)).argmax(1).cpu()
                           for i in range(0, len(index), 2000)])
        position = {c: k for k, c in enumerate(self.classes.values())}
        confusion = torch.zeros(len(self.classes), encoder.num_concepts, dtype=torch.long)
        for true, got in zip(self.labels[index].tolist(), guess.tolist()):
            confusion[position[true], got] += 1
        accuracy, match = matched_accuracy(confusion)
        rows = encoder.table.names
        learned = program.templates
        matched = {w: rows[match[k]] for k, w in enumerate(self.words)}
        assignment = {f"{w} (class {c})": f"{matched[w]}: {learned[matched[w]]}"
                      if matched[w] in learned else f"{matched[w]}: no rule"
                      for w, c in self.classes.items()}
        return {"encoder_accuracy": accuracy, "test_images": len(index), "match": matched,
                "assignment": assignment}


def percept_network(out: int = FEATURES) -> DigitCNN:
    """The network that reads a perceived word's image: ``DigitCNN`` with 16 and 32 channels and
    dropout 0.3 before its last layer. On MNIST classes 0-3 with true labels (images 0-7999 ->
    the 842 of 8000-9999, 40 affine-distorted passes, 14 seeds) it misreads 0.14 % of unseen
    images (at most 3) where the DeepProbLog network (6 and 16 channels, no dropout) misreads
    0.20 % (up to 4) at 0.57x the CPU time; one misread test image spoils every test command it
    is drawn into."""
    return DigitCNN(out, channels=(16, 32), dropout=0.3)


def new_encoder(words: Sequence[str]) -> PerceptEncoder:
    """:func:`percept_network` features against one concept row per perceived word."""
    return PerceptEncoder(percept_network(), ConceptTable({w: 0 for w in words}), FEATURES)


class PerceivedLearner:
    """Learner protocol (:mod:`neurosym.seq2seq.base`) for a compositional task with a ``percept``
    line: trains the encoder and the meanings together (:class:`PerceptLearner`)."""

    name = "neurosym"

    def __init__(self, task: Any, device: torch.device, seed: int = 0,
                 config: LearnConfig | None = None,
                 percept_config: PerceptConfig | None = None) -> None:
        if len(task.perceived) != 1:
            raise NeurosymError(f"task {task.name!r} perceives {len(task.perceived)} rules; the "
                                "compositional model handles one 'percept' line")
        (self.perceived,) = task.perceived
        self.task, self.device, self.seed = task, torch.device(device), seed
        self.config = config or LearnConfig()
        self.percept_config = percept_config or PerceptConfig()
        self.table = ConceptTable(task.alternatives)
        self.pool = PerceptPool.load(self.perceived.dataset, self.perceived.classes)
        self.learner: PerceptLearner | None = None
        self.vocabulary: tuple[str, ...] = ()
        self.step = 0

    def _learner(self) -> PerceptLearner:
        torch.manual_seed(self.seed)
        return PerceptLearner(self.table, self.vocabulary, new_encoder(self.pool.words),
                              self.config, self.percept_config, device=self.device,
                              seed=self.seed)

    def fit(self, train: Sequence[Example], *, steps: int | None = None,
            callback: ProgressCallback | None = None) -> FitReport:
        """Every training line with its own drawn percepts (weight 1 each); ``steps`` is not used
        (the percept learner's phases are set by its configuration)."""
        start = time.perf_counter()
        trees = [self.task.parse(tuple(e.input)) for e in train]
        outputs = [tuple(e.output) for e in train]
        self.vocabulary = tuple(sorted({t for o in outputs for t in o}))
        percepts = self.pool.draw(trees, TRAIN_RANGE, np.random.default_rng(self.seed))
        self.learner = self._learner()
        result = self.learner.fit(trees, outputs, [1.0] * len(trees), percepts)
        self.step = result.template.steps
        report = self.pool.encoder_report(self.learner.encoder, result.program, TEST_RANGE,
                                          self.device)
        extra = {
            "rules": result.program.rules(),
            "confidence": {k: round(v, 4) for k, v in result.program.confidence.items()},
            "perceived": str(self.perceived),
            **report,
            "indistinct": result.indistinct,
            "explained_lines": result.explained,
            "percept_note": "training percepts drawn from items 0-7999, test percepts (also "
                            "for train accuracy) from 8000-9999; no percept label used",
            "log": result.log,
        }
        return FitReport(self.step, time.perf_counter() - start, None, extra)

    def predict(self, inputs: Sequence[tuple[str, ...]]) -> list[tuple[str, ...] | None]:
        """Exact execution on the argmax word of fresh test percepts (drawn with the seed, the
        same for the same inputs); None for an input that does not parse."""
        if self.learner is None or self.learner.program is None:
            raise NeurosymError("the neurosym model has not been trained or loaded; call fit()")
        trees: list[ParseNode | None] = []
        for words in inputs:
            try:
                trees.append(self.task.parse(tuple(words)))
            except NeurosymError:
                trees.append(None)
        parsed = [t for t in trees if t is not None]
        percepts = self.pool.draw(parsed, TEST_RANGE, np.random.default_rng([self.seed, 1]))
        resolved = iter(self.learner.resolve(parsed, percepts))
        program = self.learner.program.templates
        return [None if t is None else execute(program, next(resolved)) for t in trees]

    def save(self, path: str | Path) -> None:
        """``path/checkpoint.safetensors``: the encoder's weights, the program and settings as
        JSON metadata (also written to ``checkpoint.json``)."""
        from safetensors.torch import save_file

        if self.learner is None or self.learner.program is None:
            raise NeurosymError("nothing to save: call fit() first")
        meta = {"learner": "neurosym-perceived", "seed": self.seed, "step": self.step,
                "concepts": self.table.to_json(), "vocabulary": list(self.vocabulary),
                "perceived": str(self.perceived), "config": self.config.to_json(),
                "percept_config": self.percept_config.to_json(),
                "program": self.learner.program.to_json()}
        tensors = {k: v.detach().cpu().contiguous()
                   for k, v in self.learner.encoder.state_dict().items()}
        path = Path(path)
        atomic_write(path / CHECKPOINT_FILE,
                     lambda p: save_file(tensors, str(p), metadata={"neurosym": json.dumps(meta)}))
        atomic_write_json(path / "checkpoint.json", meta)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore what :meth:`save` wrote."""
        file, meta, tensors, _ = read_checkpoint(path, CHECKPOINT_FILE)
        if meta.get("learner") != "neurosym-perceived" or meta["perceived"] != str(self.perceived):
            raise NeurosymError(f"{file}: not a checkpoint of this task's perceived model "
                                f"({self.perceived}); load it with the task it was trained on")
        self.config = LearnConfig.from_json(meta["config"])
        self.percept_config = PerceptConfig.from_json(meta["percept_config"])
        self.seed, self.step = int(meta["seed"]), int(meta["step"])
        self.vocabulary = tuple(meta["vocabulary"])
        self.learner = self._learner()
        try:
            self.learner.encoder.load_state_dict(tensors)
        except RuntimeError as err:  # written by a version with another percept network
            raise NeurosymError(f"{file}: its encoder weights do not fit this version's percept "
                                f"network ({str(err).splitlines()[0]}); train the model "
                                f"again") from None
        self.learner.encoder.to(self.device)
        self.learner.program = Program.from_json(meta["program"])
