"""The neuro-symbolic compositional model: parse -> concept embeddings -> learned composition.

``make_learner("neurosym", task=task)`` (``--model neurosym``) needs a grammar task
(:func:`neurosym.tasks.compositional.load_compositional_task`). It parses every
input with the task's grammar (never reading the task's meanings), learns one
output template per grammar alternative from the (input, output) pairs
(:mod:`neurosym.concepts.learn`), and predicts by executing the learned program
on the parse tree, exactly -- which is why it generalises to longer inputs and
new combinations.

>>> from neurosym.tasks.compositional import load_compositional_task
>>> task = load_compositional_task("fewshot/colours")
>>> learner = make_neurosym_learner(task=task, device=torch.device("cpu"), seed=0)
>>> report = learner.fit(task.split("fewshot").train)
>>> learner.rules()["kiki"], learner.predict([("zup", "fep")])
('kiki(x, y) = y x', [('YELLOW', 'YELLOW', 'YELLOW')])
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from neurosym.concepts.composition import SoftTemplates, TemplateSpace
from neurosym.concepts.learn import LearnConfig, TemplateLearner
from neurosym.concepts.perceived import PerceptConfig
from neurosym.concepts.table import ConceptTable
from neurosym.concepts.templates import Program
from neurosym.config import apply_overrides
from neurosym.errors import NeurosymError
from neurosym.io import atomic_write, atomic_write_json
from neurosym.lang.tree import ParseNode
from neurosym.seq2seq.base import FitReport, ProgressCallback, read_checkpoint, register_learner
from neurosym.seq2seq.perceived_model import PerceivedLearner
from neurosym.tasks.examples import Example
from neurosym.tasks.template import Template, execute

CHECKPOINT_FILE = "checkpoint.safetensors"
CHECKPOINT_JSON = "checkpoint.json"
FORMAT_VERSION = 1
MAX_LISTED = 50  # unexplained / unparseable training pairs listed in the fit report


class NeurosymLearner:
    """Learner protocol (:mod:`neurosym.seq2seq.base`) for the compositional model."""

    name = "neurosym"

    def __init__(
        self, task: Any, device: torch.device, seed: int = 0, config: LearnConfig | None = None
    ) -> None:
        if task is None or not hasattr(task, "alternatives") or not hasattr(task, "parse"):
            raise NeurosymError(
                "the neurosym model needs a grammar task (it parses every input); "
                "pass --task with a compositional task file, e.g. scan/scan"
            )
        self.task = task
        self.device = torch.device(device)
        self.seed = seed
        self.config = config or LearnConfig()
        self.table = ConceptTable(task.alternatives)
        self.program: Program | None = None
        self.vocabulary: tuple[str, ...] = ()
        self.model: SoftTemplates | None = None
        self.step = 0
        self.unexplained: list[tuple[Example, int]] = []  # (pair, number of training lines)
        self.unparseable: list[tuple[tuple[str, ...], str]] = []  # (input, reason)
        self.last_report: FitReport | None = None

    # ------------------------------------------------------------------ training
    def fit(
        self,
        train: Sequence[Example],
        *,
        steps: int | None = None,
        callback: ProgressCallback | None = None,
    ) -> FitReport:
        """Learn the meaning of every grammar alternative from ``train``; ``steps`` caps Adam
        steps."""
        start = time.perf_counter()
        groups: dict[tuple[str, ...], Counter] = {}
        for ex in train:
            groups.setdefault(tuple(ex.input), Counter())[tuple(ex.output)] += 1
        trees: list[ParseNode] = []
        inputs: list[tuple[str, ...]] = []
        outputs: list[tuple[str, ...]] = []
        weights: list[float] = []
        lines: list[int] = []
        self.unparseable = []
        for words, counts in groups.items():
            tree = self._parse(words)
            if isinstance(tree, str):
                self.unparseable.append((words, tree))
                continue
            total = sum(counts.values())
            for out, n in sorted(counts.items(), key=lambda kv: -kv[1]):
                trees.append(tree)
                inputs.append(words)
                outputs.append(out)
                weights.append(
                    n / total
                )  # every distinct input counts once; conflicting outputs share it
                lines.append(n)
        if not trees:
            raise NeurosymError(
                f"none of the {len(groups)} training inputs parses with the grammar of task "
                f"{getattr(self.task, 'name', '?')!r}; is this the right --task?"
            )
        self.vocabulary = tuple(sorted({t for out in outputs for t in out}))
        learner = TemplateLearner(
            self.table, self.vocabulary, self.config, device=self.device, seed=self.seed
        )
        result = learner.fit(trees, outputs, weights, callback=callback, max_steps=steps)
        self.program = result.program
        self.model = learner.model
        self.step = result.steps
        self.unexplained = [(Example(inputs[b], outputs[b]), lines[b]) for b in result.unexplained]
        seconds = time.perf_counter() - start
        wrong_lines = sum(n for _, n in self.unexplained)
        extra = {
            "rules": self.program.rules(),
            "confidence": {k: round(v, 4) for k, v in self.program.confidence.items()},
            "explained_pairs": 1.0 - len(result.unexplained) / len(trees),
            "explained_lines": 1.0 - wrong_lines / max(sum(lines), 1),
            "unexplained_count": len(self.unexplained),
            "unexplained": [
                f"{e.to_line()}  (x{n})  program gives: {' '.join(self._run(e.input) or ())}"
                for e, n in self.unexplained[:MAX_LISTED]
            ],
            "unparseable_count": len(self.unparseable),
            "unparseable": [f"{' '.join(w)}: {why}" for w, why in self.unparseable[:MAX_LISTED]],
            "rounds": result.rounds,
            "subset_size": result.subset_size,
            "distinct_pairs": len(trees),
            "restarts": self.config.restarts,
            "log": result.log,
        }
        self.last_report = FitReport(
            steps=result.steps, seconds=seconds, final_loss=result.final_loss, extra=extra
        )
        return self.last_report

    def _parse(self, words: Sequence[str]) -> ParseNode | str:
        """The parse tree, or the reason it does not parse (never raises for bad input)."""
        try:
            return self.task.parse(tuple(words))
        except NeurosymError as err:
            return str(err)

    # ------------------------------------------------------------------ prediction
    def predict(self, inputs: Sequence[tuple[str, ...]]) -> list[tuple[str, ...] | None]:
        """Execute the learned program on each parse; None for an input that does not parse or that
        uses a grammar alternative never seen in training."""
        if self.program is None:
            raise NeurosymError(
                "the neurosym model has not been trained or loaded; call fit() first"
            )
        return [self._run(words) for words in inputs]

    def _run(self, words: Sequence[str]) -> tuple[str, ...] | None:
        assert self.program is not None
        tree = self._parse(words)
        if isinstance(tree, str):
            return None
        return execute(self.program.templates, tree)

    def why_none(self, words: Sequence[str]) -> str | None:
        """Why ``predict`` returns None for an input (None if it does not)."""
        tree = self._parse(words)
        if isinstance(tree, str):
            return f"does not parse: {tree}"
        if self.program is not None:
            unknown = sorted({n.rule for n in tree.walk()} - set(self.program.templates))
            if unknown:
                return f"uses {', '.join(unknown)}, never seen in training"
        return None

    # ------------------------------------------------------------------ reading what was learned
    def meanings(self) -> dict[str, Template]:
        """``{alternative: template, ...}`` learned; compares with a task's ``templates``."""
        if self.program is None:
            raise NeurosymError("nothing learned yet: call fit() first")
        return dict(self.program.templates)

    def rules(self) -> dict[str, str]:
        """``{alternative: "twice(x) = x x", ...}``: the text of a task file's meaning block."""
        return {name: str(t) for name, t in self.meanings().items()}

    def describe(self) -> str:
        """The learned rules with confidences, then the training pairs the program cannot
        explain."""
        if self.program is None:
            raise NeurosymError("nothing learned yet: call fit() first")
        lines = [self.program.describe()]
        if self.unexplained:
            lines.append(
                f"{len(self.unexplained)} training pair(s) the learned rules do not explain:"
            )
            for e, n in self.unexplained[:MAX_LISTED]:
                lines.append(
                    f"  {e.to_line()}  (x{n})  rules give: {' '.join(self._run(e.input) or ())}"
                )
        if self.unparseable:
            lines.append(f"{len(self.unparseable)} training input(s) the grammar does not parse:")
            lines.extend(f"  {' '.join(w)}" for w, _ in self.unparseable[:MAX_LISTED])
        return "\n".join(lines)

    # ------------------------------------------------------------------ checkpoints
    def save(self, path: str | Path) -> None:
        """Write ``path/checkpoint.safetensors`` (concept embeddings, the program as JSON metadata)
        and
        ``path/checkpoint.json`` (the same metadata, readable), both atomically."""
        from safetensors.torch import save_file

        path = Path(path)
        meta = {
            "format": FORMAT_VERSION,
            "learner": self.name,
            "seed": self.seed,
            "step": self.step,
            "concepts": self.table.to_json(),
            "vocabulary": list(self.vocabulary),
            "config": self.config.to_json(),
            "space": self.model.space.to_json() if self.model is not None else None,
            "program": self.program.to_json() if self.program is not None else None,
            "rules": self.program.rules() if self.program is not None else None,
            "unexplained": [[list(e.input), list(e.output), n] for e, n in self.unexplained],
        }
        tensors = {}
        if self.model is not None:
            tensors["concept_embeddings"] = self.model.logits.detach().cpu().contiguous()
        else:
            tensors["concept_embeddings"] = torch.zeros(0)
        atomic_write(
            path / CHECKPOINT_FILE,
            lambda p: save_file(tensors, str(p), metadata={"neurosym": json.dumps(meta)}),
        )
        atomic_write_json(path / CHECKPOINT_JSON, meta)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore what ``save`` wrote (a folder, or the .safetensors file itself)."""
        file, meta, tensors, _ = read_checkpoint(path, CHECKPOINT_FILE)
        if meta.get("learner") != self.name:
            raise NeurosymError(
                f"{file}: checkpoint of model {meta.get('learner')!r}; use --model "
                f"{meta.get('learner')}"
            )
        if ConceptTable.from_json(meta["concepts"]) != self.table:
            raise NeurosymError(
                f"{file}: written for a grammar with alternatives {sorted(meta['concepts'])}, but "
                f"this task has {sorted(self.table.names)}; load it with the task it was trained on"
            )
        self.config = LearnConfig.from_json(meta["config"])
        self.vocabulary = tuple(meta["vocabulary"])
        self.seed = int(meta["seed"])
        self.step = int(meta["step"])
        self.program = Program.from_json(meta["program"]) if meta["program"] is not None else None
        self.unexplained = [
            (Example(tuple(i), tuple(o)), int(n)) for i, o, n in meta.get("unexplained", [])
        ]
        self.model = None
        if meta.get("space") is not None:
            space = TemplateSpace.from_json(meta["space"])
            weights = tensors["concept_embeddings"]
            model = SoftTemplates(
                self.table,
                space,
                restarts=int(weights.shape[0]),
                composite_token_bias=self.config.composite_token_bias,
                device=self.device,
            )
            with torch.no_grad():
                model.logits.copy_(weights.to(self.device))
            self.model = model


@register_learner("neurosym", defaults=(LearnConfig(), PerceptConfig()))
def make_neurosym_learner(
    *, task: Any, device: torch.device, seed: int = 0, **options: Any
) -> NeurosymLearner | PerceivedLearner:
    """Factory for ``--model neurosym``; ``options`` override :class:`LearnConfig` fields
    (e.g. restarts=4), and :class:`PerceptConfig` fields for a task with a ``percept`` line
    (then the model is a :class:`~neurosym.seq2seq.perceived_model.PerceivedLearner`)."""
    config, percept = apply_overrides(
        options, LearnConfig(), PerceptConfig(), what="the neurosym model"
    )
    if getattr(task, "perceived", ()):
        return PerceivedLearner(task, device, seed, config, percept)
    if percept != PerceptConfig():
        raise NeurosymError(
            "percept options (joint_pairs, ...) need a task with a 'percept' line"
        )
    return NeurosymLearner(task, device, seed, config)
