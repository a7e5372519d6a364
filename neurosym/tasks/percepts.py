"""Perceived words in a compositional task file: ``percept RULE from DATASET {word: class, ...}``.

The words of one grammar rule (e.g. SCAN's ``primitive``: walk, look, run, jump) may arrive
as items of a percept data set instead of as symbols, each occurrence a fresh item of the
class standing for that word. :func:`check_percepts` checks the declarations against the
grammar and the data sets (located errors); the compositional model reads the result
(:mod:`neurosym.concepts.perceived`).
"""

from __future__ import annotations

from dataclasses import dataclass

from neurosym.tasks.cgrammar import InputGrammar
from neurosym.tasks.taskfile import PerceptSpec, TaskSpec

PERCEPT_DATASETS = {"mnist": 10}
"""Percept data sets a task file may name -> their number of classes."""


@dataclass(frozen=True)
class PerceivedRule:
    """A checked ``percept`` line: ``classes`` maps each perceived word (alternative) to a class."""

    rule: str
    dataset: str
    classes: dict[str, int]

    def __str__(self) -> str:
        words = ", ".join(f"{w}: {c}" for w, c in self.classes.items())
        return f"percept {self.rule} from {self.dataset} {{{words}}}"


def dataset_missing(name: str) -> str | None:
    """Why data set ``name`` cannot be read here (None when it can)."""
    from neurosym.tasks.mnist import MNIST_DATA_ENV, default_mnist_dir, mnist_candidates

    if name == "mnist" and default_mnist_dir() is None:
        looked = ", ".join(str(p) for p in mnist_candidates())
        return f"the MNIST files are not found (looked in {looked}); set ${MNIST_DATA_ENV}"
    return None


def check_percepts(spec: TaskSpec, grammar: InputGrammar) -> tuple[PerceivedRule, ...]:
    """Every ``percept`` line checked; TaskFileError naming the line for the first problem."""
    seen: set[str] = set()
    out = []
    for p in spec.percepts:
        if p.rule in seen:
            raise spec.error(f"a second 'percept' line for rule {p.rule!r}", p.where,
                             "keep one 'percept' line per rule")
        seen.add(p.rule)
        out.append(_check_one(spec, grammar, p))
    return tuple(out)


def _check_one(spec: TaskSpec, grammar: InputGrammar, p: PerceptSpec) -> PerceivedRule:
    if p.rule not in grammar.rules:
        raise spec.error(f"percept: unknown rule {p.rule!r}", p.where,
                         f"name a rule of the grammar: {', '.join(grammar.rules)}")
    classes = PERCEPT_DATASETS.get(p.dataset)
    if classes is None:
        raise spec.error(f"percept: unknown data set {p.dataset!r}", p.dataset_where,
                         f"the percept data sets are: {', '.join(PERCEPT_DATASETS)}")
    why = dataset_missing(p.dataset)
    if why is not None:
        raise spec.error(f"percept: data set {p.dataset!r} is missing: {why}", p.dataset_where,
                         "put the data set where it is looked for, or remove the 'percept' line")
    if not p.words:
        raise spec.error("percept: no words given", p.where,
                         "list the perceived words and their classes: {walk: 0, look: 1}")
    if len(p.words) > classes:
        raise spec.error(f"percept: {len(p.words)} words but {p.dataset!r} has {classes} classes",
                         p.where, "perceive at most one word per class")
    lexical = {a.name for a in grammar.rules[p.rule] if a.name is not None and a.arity == 0}
    mapping: dict[str, int] = {}
    for word, cls, where in p.words:
        if word not in lexical:
            raise spec.error(
                f"percept: {word!r} is not a word alternative of rule {p.rule!r}", where,
                f"its word alternatives are: {', '.join(sorted(lexical)) or 'none'}")
        if word in mapping:
            raise spec.error(f"percept: {word!r} given twice", where, "give each word once")
        if not 0 <= cls < classes:
            raise spec.error(f"percept: class {cls} of {word!r} is not a class of {p.dataset!r}",
                             where, f"classes are 0 .. {classes - 1}")
        if cls in mapping.values():
            raise spec.error(f"percept: class {cls} stands for two words", where,
                             "give each word its own class")
        mapping[word] = cls
    return PerceivedRule(p.rule, p.dataset, mapping)

