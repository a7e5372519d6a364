"""Every mistake in a compositional task file is a TaskFileError with file, line, column, caret and
fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurosym.errors import NeurosymError, TaskFileError
from neurosym.tasks import (
    compositional_task_from_text,
    is_compositional_task_text,
    load_compositional_task,
)

MINI = (Path(__file__).parent / "mini.task").read_text(encoding="utf-8")

RECURSIVE = MINI.replace('command: action "twice" -> twice', 'command: command "twice" -> twice')

# name -> (text, line, column, fragment of the message)
CASES = {
    "syntax error": (MINI.replace("meaning {", "meaning {{"), 7, 10, "syntax error"),
    "ambiguous grammar": (
        (
            'grammar {\n    e: e "plus" e -> plus\n     | "one" -> one\n}\nmeaning {\n'
            "    plus(x, y) = x y\n    one = ONE\n}\nenumerate depth 3\n"
        ),
        2,
        22,
        "ambiguous: 'one plus one plus one' has two parse trees",
    ),
    "child that does not exist": (
        MINI.replace("twice(x) = x x", "twice(x) = x y"),
        8,
        18,
        "refers to a child 'y' that does not exist",
    ),
    "head names too many children": (
        MINI.replace("twice(x) = x x", "twice(x, y) = x y"),
        8,
        11,
        "names 2 children but the alternative 'twice' has 1",
    ),
    "alternative without meaning": (
        MINI.replace("    jump = JUMP\n", ""),
        5,
        40,
        "the alternative 'jump' has no meaning",
    ),
    "meaning for unknown alternative": (
        MINI.replace("    jump = JUMP\n", "    jump = JUMP\n    hop = HOP\n"),
        11,
        5,
        "meaning for unknown alternative 'hop'",
    ),
    "infinite language, enumerate all": (RECURSIVE, 12, 1, "the language is infinite"),
    "infinite language, no enumerate": (
        RECURSIVE.replace("enumerate all\n", ""),
        2,
        1,
        "the language is infinite",
    ),
    "split leaves test empty": (
        MINI + "split l = length(max_output=5)\n",
        14,
        7,
        "leaves test empty",
    ),
    "split leaves train empty": (
        MINI + "split l = length(max_input=0)\n",
        14,
        7,
        "leaves train empty",
    ),
    "unknown split kind": (
        MINI + "split l = lenght(max_output=5)\n",
        14,
        11,
        "unknown split kind 'lenght'",
    ),
    "unnamed alternative": (
        MINI.replace('action "twice" -> twice', 'action "twice"'),
        3,
        14,
        "has no name",
    ),
    "repetition operator": (
        MINI.replace('action "twice" -> twice', 'action* "twice" -> twice'),
        3,
        20,
        "operator '*' is not supported",
    ),
    "unknown rule": (
        MINI.replace('action "twice" -> twice', 'actoin "twice" -> twice'),
        3,
        14,
        "unknown rule 'actoin'",
    ),
    "duplicate alternative name": (
        MINI.replace('"jump" -> jump', '"jump" -> walk'),
        5,
        40,
        "two alternatives are named 'walk'",
    ),
    "unit cycle": (
        MINI.replace("| action\n", "| action\n           | loop\n    loop: command\n"),
        6,
        11,
        "infinitely many parse trees",
    ),
    "unused rule": (
        MINI.replace('    action: "walk"', '    spare: "hop" -> hop\n    action: "walk"'),
        5,
        5,
        "rule 'spare' is never used",
    ),
    "rule that never ends": (
        MINI.replace(
            "| action\n", '| action\n           | loop "x" -> lx\n    loop: loop "y" -> ly\n'
        ),
        6,
        5,
        "never ends",
    ),
    "two words in one literal": (
        MINI.replace('"walk" -> walk', '"walk now" -> walk'),
        5,
        13,
        "must be one word",
    ),
    "unknown word in a split": (
        MINI.replace('held_out_primitive("jump")', 'held_out_primitive("hop")'),
        13,
        33,
        "'hop' is not a word",
    ),
    "primitive that is not a sentence": (
        MINI.replace('held_out_primitive("jump")', 'held_out_primitive("twice")'),
        13,
        33,
        "is not a sentence of the language",
    ),
    "fraction out of range": (
        MINI.replace('held_out_primitive("jump")', 'held_out_primitive("jump", fraction=1.5)'),
        13,
        41,
        "fraction must be a number in [0, 1)",
    ),
    "misspelt argument": (
        MINI.replace('held_out_primitive("jump")', 'held_out_primitive("jump", fractoin=0.1)'),
        13,
        41,
        "has no argument 'fractoin'",
    ),
    "unknown slot in template": (
        MINI + 'split t = held_out_template("<verb> twice")\n',
        14,
        29,
        "unknown rule 'verb'",
    ),
    "no grammar block": ("task x\nmeaning {\n}\n", 1, 1, "no 'grammar { ... }' block"),
    "no meaning block": (MINI[: MINI.index("meaning")], 2, 1, "no 'meaning { ... }' block"),
    "duplicate split": (
        MINI + 'split prim = held_out_primitive("walk")\n',
        14,
        7,
        "two splits are named 'prim'",
    ),
    "else after a rule": (
        MINI + "split r = random(train=0.5) else random(train=0.5)\n",
        14,
        34,
        "'else' only follows from_files",
    ),
    "count above the language": (
        MINI.replace("enumerate all", "enumerate count 50 seed 1"),
        12,
        1,
        "asks for more sentences than there are (4",
    ),
    "too many sentences": (
        RECURSIVE.replace("| action\n", "| command command -> seq\n           | action\n")
        .replace("twice(x) = x x", "twice(x) = x x\n    seq(x, y) = x y")
        .replace("enumerate all", "enumerate depth 9"),
        14,
        1,
        "would list about 10^",
    ),
    "depth too large": (
        RECURSIVE.replace("enumerate all", "enumerate depth 100000"),
        12,
        1,
        "'depth' must be between 1 and 64",
    ),
    "duplicate rule": (
        MINI.replace('    action: "walk"', '    command: "x" -> x\n    action: "walk"'),
        5,
        5,
        "rule 'command' is defined twice",
    ),
    "same alternative twice": (
        MINI.replace("| action\n", "| action\n           | action\n"),
        5,
        14,
        "two alternatives with the same symbols",
    ),
    "empty output token": (MINI.replace("walk = WALK", 'walk = ""'), 9, 12, "must be one word"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_task_file(name):
    text, line, column, fragment = CASES[name]
    with pytest.raises(TaskFileError) as info:
        compositional_task_from_text(text, "mini.task")
    err = info.value
    assert fragment in err.message, str(err)
    assert (err.path, err.line, err.column) == ("mini.task", line, column), str(err)
    rendered = str(err).splitlines()
    assert rendered[0].startswith(f"mini.task:{line}:{column}: ")
    assert rendered[1].strip() == text.splitlines()[line - 1].strip()  # the line itself
    assert rendered[2].strip() == "^"  # the caret
    assert rendered[3].startswith("  fix: ")


def test_mini_is_valid():
    task = compositional_task_from_text(MINI, "mini.task")
    assert [(" ".join(e.input), " ".join(e.output)) for e in task.generate()] == [
        ("walk twice", "WALK WALK"),
        ("jump twice", "JUMP JUMP"),
        ("walk", "WALK"),
        ("jump", "JUMP"),
    ]
    split = task.split("prim")
    assert [e.input for e in split.train] == [("walk", "twice"), ("walk",), ("jump",)]
    assert [e.input for e in split.test] == [("jump", "twice")]


def test_missing_files_without_fallback(tmp_path):
    task = compositional_task_from_text(MINI + "split f = from_files\n", "mini.task")
    with pytest.raises(NeurosymError, match="read from files"):
        task.split("f", tmp_path)
    (tmp_path / "f_split").mkdir()
    (tmp_path / "f_split/tasks_train_f.txt").write_text("IN: walk OUT: WALK\n")
    (tmp_path / "f_split/tasks_test_f.txt").write_text("IN: jump OUT: JUMP\n")
    split = task.split("f", tmp_path)
    assert split.note == f"official files from {tmp_path}"
    assert [e.input for e in split.test] == [("jump",)]


def test_dispatch_on_grammar_block():
    assert is_compositional_task_text(MINI)
    assert not is_compositional_task_text("task even\ntarget even/1\n# grammar {\n")
    assert not is_compositional_task_text("constants 0..9\nbackground { zero(0). }\n")


def test_loading_a_non_compositional_file(tmp_path):
    path = tmp_path / "even.task"
    path.write_text("task even\ntarget even/1\n")
    with pytest.raises(TaskFileError, match="not a compositional task file"):
        load_compositional_task(path)
