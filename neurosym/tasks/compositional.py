"""Compositional tasks defined by a task file: a grammar, the meaning of each alternative, splits.

>>> task = load_compositional_task("scan/scan")
>>> str(task.parse("jump twice after walk left"))
'after(twice(jump), turned(walk, left))'
>>> task.interpret(task.parse("jump twice after walk left"))
('I_TURN_LEFT', 'I_WALK', 'I_JUMP', 'I_JUMP')

The file format is ``grammars/compositional.lark`` (README, "Compositional task
files"). Loading checks everything a user can get wrong (syntax, ambiguity,
meanings, enumeration bounds, empty splits) and raises TaskFileError naming
file, line, column and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lark.exceptions import LarkError

from neurosym.errors import NeurosymError, TaskFileError, nesting_guard
from neurosym.io import confine, read_text
from neurosym.lang.tree import ParseNode
from neurosym.resources import find_task, tasks_dir
from neurosym.tasks.cgrammar import InputGrammar, ParseFailure, build_input_grammar
from neurosym.tasks.enumerate import Enumerator, enumerate_items
from neurosym.tasks.examples import Example
from neurosym.tasks.meaning import Template, build_templates, interpret
from neurosym.tasks.percepts import PerceivedRule, check_percepts
from neurosym.tasks.splits import Split, SplitRule, build_split_rules, read_split_files
from neurosym.tasks.taskfile import TaskSpec, is_compositional_task_text, read_task_spec

__all__ = [
    "CompositionalTask",
    "ParseFailure",
    "Split",
    "compositional_task_from_text",
    "is_compositional_task_text",
    "load_compositional_task",
]

_PARSE_CACHE = 500_000  # sentences whose trees are kept by CompositionalTask.parse


@dataclass
class CompositionalTask:
    """A checked compositional task. Build with :func:`load_compositional_task`."""

    name: str
    path: str
    grammar: InputGrammar
    templates: dict[str, Template]
    examples: list[Example]
    trees: list[ParseNode]
    split_rules: dict[str, SplitRule]
    data_dir: Path | None = None  # the file's 'data' folder (resolved), if declared
    perceived: tuple[PerceivedRule, ...] = ()  # 'percept' lines: words that arrive as percepts
    _built: dict[str, Split] = field(default_factory=dict, repr=False)
    _parsed: dict[tuple[str, ...], ParseNode] = field(default_factory=dict, repr=False)

    # ---- the language --------------------------------------------------------------------
    @property
    def alternatives(self) -> dict[str, int]:
        """Every named alternative -> its number of children (arity), in file order."""
        return {name: alt.arity for name, alt in self.grammar.alternatives.items()}

    @property
    def input_vocabulary(self) -> tuple[str, ...]:
        return self.grammar.vocabulary

    @property
    def output_vocabulary(self) -> tuple[str, ...]:
        """Every output token a meaning template writes, in file order."""
        return tuple(dict.fromkeys(t for tpl in self.templates.values() for t in tpl.tokens))

    def parse(self, words: Sequence[str] | str) -> ParseNode:
        """The parse tree of a sentence (lark, same grammar); ParseFailure if it is not in the
        language.

        Results are memoised per sentence (trees are immutable), so parsing a training set
        every epoch costs one lark parse per distinct sentence.
        """
        key = tuple(words.split()) if isinstance(words, str) else tuple(words)
        node = self._parsed.get(key)
        if node is None:
            node = self.grammar.parse(key)
            if len(self._parsed) >= _PARSE_CACHE:
                self._parsed.clear()
            self._parsed[key] = node
        return node

    def interpret(self, node: ParseNode) -> tuple[str, ...]:
        """The meaning (output tokens) of a parse tree, by the task's templates."""
        try:
            return interpret(node, self.templates)
        except (KeyError, IndexError):
            raise NeurosymError(
                f"{node} is not a tree of task {self.name!r}: "
                f"the alternatives are {', '.join(self.templates)}"
            ) from None

    def meaning_rules(self) -> dict[str, str]:
        """Alternative -> its meaning as text, e.g. ``{"twice": "twice(x) = x x", ...}``."""
        return {name: str(t) for name, t in self.templates.items()}

    # ---- data ------------------------------------------------------------------------------
    def generate(self) -> list[Example]:
        """The full data set, in the enumeration's deterministic order."""
        return list(self.examples)

    @property
    def split_names(self) -> list[str]:
        return list(self.split_rules)

    def split(self, name: str, data_dir: Path | str | None = None) -> Split:
        """The named split. ``from_files`` splits read ``data_dir`` (default: the file's
        ``data``)."""
        rule = self.split_rules.get(name)
        if rule is None:
            raise NeurosymError(
                f"task {self.name!r} has no split {name!r}; "
                f"its splits are: {', '.join(self.split_rules) or 'none'}"
            )
        if rule.kind == "from_files":
            folder = Path(data_dir) if data_dir is not None else self.data_dir
            found = read_split_files(rule, folder) if folder is not None else None
            if found is not None:
                return found
            if rule.fallback is None:
                where = str(folder) if folder is not None else "no data folder given"
                raise NeurosymError(
                    f"split {name!r} of task {self.name!r} is read from files "
                    f"({', '.join(rule.files or ())}) and they are not there ({where}); "
                    "pass the folder that holds them (--data DIR)"
                )
            base = self._rule_split(rule.fallback)
            missing = (
                f"official files not found in {folder}" if folder is not None else "no data folder"
            )
            return Split(name, base.train, base.test, f"{base.note} ({missing})")
        return self._rule_split(rule)

    def _rule_split(self, rule: SplitRule) -> Split:
        if rule.name not in self._built:
            assert rule.build is not None
            train, test, note = rule.build(self.examples)
            self._built[rule.name] = Split(rule.name, train, test, note)
        built = self._built[rule.name]
        return Split(built.name, list(built.train), list(built.test), built.note)

    def summary(self) -> str:
        """One line: what the task declares, e.g. for ``neurosym task check``."""
        splits = ", ".join(
            f"{r.name} ({r.kind}{' else ' + r.fallback.kind if r.fallback else ''})"
            for r in self.split_rules.values()
        )
        return (
            f"compositional task {self.name!r}: {len(self.alternatives)} alternatives, "
            f"{len(self.input_vocabulary)} input words, "
            f"{len(self.output_vocabulary)} output tokens, "
            f"{len(self.examples):,} examples, parser {self.grammar.parser_kind}; "
            f"{len(self.split_rules)} splits: {splits or 'none'}"
            + "".join(f"; {p}" for p in self.perceived)
        )

    def file_names(self, name: str) -> tuple[str, str]:
        """Relative paths of a split's train and test files (SCAN layout)."""
        return self.split_rules[name].file_names


def compositional_task_from_text(
    text: str, path: str | Path = "<string>", base_dir: Path | None = None
) -> CompositionalTask:
    """Check a compositional task file's text and build the task; TaskFileError on any problem."""
    with nesting_guard(path, "compositional task file"):
        return _task_from_text(text, path, base_dir)


def _task_from_text(text: str, path: str | Path, base_dir: Path | None) -> CompositionalTask:
    spec = read_task_spec(text, path)
    grammar = build_input_grammar(spec)
    try:
        grammar.parser  # noqa: B018 - build lark's parser now, so its problems surface at check time
    except LarkError as e:
        raise spec.error(
            f"lark cannot build a parser for this grammar: {e}",
            spec.grammar_where,
            "simplify the grammar; report this if the grammar looks valid",
        ) from None
    templates = build_templates(spec, grammar)
    perceived = check_percepts(spec, grammar)
    items = enumerate_items(spec, grammar, templates)
    enumerator = Enumerator(grammar, templates)
    rules = build_split_rules(spec, grammar, enumerator)
    name = spec.name or (Path(path).stem if path != "<string>" else "task")
    data_dir = _data_folder(spec, base_dir) if spec.data_dir is not None else None
    task = CompositionalTask(
        name=name,
        path=str(path),
        grammar=grammar,
        templates=templates,
        examples=[Example(i.words, i.meaning) for i in items],
        trees=[i.node for i in items],
        split_rules={r.name: r for r in rules},
        data_dir=data_dir,
        perceived=perceived,
    )
    _check_splits(spec, task)
    return task


def _data_folder(spec: TaskSpec, base_dir: Path | None) -> Path:
    """The declared ``data`` folder, resolved: inside the task file's folder (the current folder
    for text), so a task file reads no file outside it; a bundled task file may name any."""
    assert spec.data_dir is not None
    base = (base_dir or Path.cwd()).resolve()
    if base == tasks_dir().resolve() or tasks_dir().resolve() in base.parents:
        return (base / spec.data_dir).resolve()
    try:
        return confine(base, spec.data_dir, what="data folder").resolve()
    except NeurosymError as err:
        raise spec.error(
            str(err),
            spec.data_where,
            "keep the data beside the task file, or pass the folder with --data DIR",
        ) from None


def _check_splits(spec: TaskSpec, task: CompositionalTask) -> None:
    """Build every rule split once: each must leave train and test non-empty."""
    for split_spec in spec.splits:
        rule = task.split_rules[split_spec.name]
        rule = rule.fallback if rule.kind == "from_files" else rule
        if rule is None:
            continue
        where = (
            split_spec.where
            if rule.kind == split_spec.kind.kind or split_spec.fallback is None
            else split_spec.fallback.where
        )
        try:
            split = task._rule_split(rule)
        except NeurosymError as e:
            raise spec.error(
                f"split {rule.name!r}: {e}", where, "change the split's arguments"
            ) from None
        for side in ("train", "test"):
            if not getattr(split, side):
                raise spec.error(
                    f"split {rule.name!r} leaves {side} empty ({len(split.train)} train, "
                    f"{len(split.test)} test of {len(task.examples)} examples)",
                    where,
                    "change the split's arguments (threshold, phrase, fraction) so both sides keep "
                    "examples",
                )


def load_compositional_task(path_or_name: str | Path) -> CompositionalTask:
    """Load and check a compositional task: a file path, or a bundled name such as
    ``"scan/scan"``."""
    path = find_task(path_or_name)
    text = read_text(path, what="task file")
    if not is_compositional_task_text(text):
        raise TaskFileError(
            "not a compositional task file: it has no top-level 'grammar {' block",
            path=path,
            line=1,
            column=1,
            text=text,
            hint="compositional task files define their language in 'grammar { ... }'; "
            "for ILP task files use the ILP commands",
        )
    return compositional_task_from_text(text, path, base_dir=path.resolve().parent)
