"""Property tests: any text either loads as a task or raises a NeurosymError (never anything
else)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurosym.errors import NeurosymError
from neurosym.lang.tree import ParseNode
from neurosym.resources import find_task
from neurosym.tasks import ParseFailure, compositional_task_from_text, load_compositional_task

MINI = (Path(__file__).parent / "mini.task").read_text(encoding="utf-8")
RECURSIVE = MINI.replace('command: action "twice" -> twice', 'command: command "twice" -> twice')
COLOURS = find_task("fewshot/colours").read_text(encoding="utf-8")
SEEDS = [MINI, RECURSIVE.replace("enumerate all", "enumerate depth 4"), COLOURS]
PIECES = [
    "grammar",
    "meaning",
    "enumerate",
    "split",
    "task",
    "data",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "=",
    "->",
    ":",
    "|",
    ",",
    "\n",
    " ",
    "    ",
    '"',
    "x",
    "X",
    "walk",
    "0.5",
    "3",
    "all",
    "depth",
    "count",
    "seed",
    "#",
    "*",
    "reverse",
    "from_files",
    "else",
    "folder",
    "random",
    "length",
    "held_out_primitive",
    "held_out_template",
    "sentences",
    "<",
    ">",
    "\\",
    "\t",
    "é",
]
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load_or_error(text: str) -> None:
    try:
        task = compositional_task_from_text(text, "fuzz.task")
    except NeurosymError:
        return
    # A task that loads is usable: its sentences parse back to their trees and meanings.
    for example, tree in list(zip(task.generate(), task.trees))[:50]:
        assert task.parse(example.input) == tree
        assert task.interpret(tree) == example.output


@SETTINGS
@given(seed=st.sampled_from(SEEDS), data=st.data())
def test_truncated_text(seed, data):
    cut = data.draw(st.integers(min_value=0, max_value=len(seed)))
    _load_or_error(seed[:cut])


@SETTINGS
@given(seed=st.sampled_from(SEEDS), data=st.data())
def test_edited_text(seed, data):
    text = seed
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        end = data.draw(st.integers(min_value=at, max_value=min(len(text), at + 12)))
        text = text[:at] + data.draw(st.sampled_from(PIECES + [""])) + text[end:]
    _load_or_error(text)


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_token_soup(pieces):
    _load_or_error("".join(pieces))


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    _load_or_error(text)


@pytest.fixture(scope="module")
def colours():
    return load_compositional_task("fewshot/colours")


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["dax", "wif", "lug", "zup", "fep", "blicket", "kiki", "walk", "", "FEP"]),
        max_size=8,
    )
)
def test_parse_random_sentences(colours, words):
    try:
        node = colours.parse(words)
    except ParseFailure as e:
        assert e.words == tuple(words)
        return
    assert isinstance(node, ParseNode)
    assert colours.parse(" ".join(words)) == node
    assert len(colours.interpret(node)) >= 1
