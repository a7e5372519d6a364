"""SCAN as a compositional task: the generated data and splits equal the official files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from neurosym.lang.tree import ParseNode
from neurosym.tasks import SCAN_SPLITS, ParseFailure, default_scan_data_dir, load_compositional_task
from neurosym.tasks.examples import read_scan_file

SCAN_DIR = default_scan_data_dir()
needs_official = pytest.mark.skipif(
    SCAN_DIR is None,
    reason="official SCAN files not found (../shared/scan next to the repository, or "
    "$NEUROSYM_SCAN_DATA)",
)
RULE_SPLITS = [s for s in SCAN_SPLITS if s != "simple"]


@pytest.fixture(scope="module")
def scan():
    return load_compositional_task("scan/scan")


@pytest.fixture(scope="module")
def official_full():
    if SCAN_DIR is None:
        pytest.skip("official SCAN files not found")
    return read_scan_file(SCAN_DIR / "tasks.txt")


def test_api_shape(scan):
    assert scan.name == "scan"
    assert scan.split_names == list(SCAN_SPLITS)
    assert scan.alternatives == {
        "and": 2,
        "after": 2,
        "twice": 1,
        "thrice": 1,
        "turned": 2,
        "opposite": 2,
        "around": 2,
        "turn": 0,
        "walk": 0,
        "look": 0,
        "run": 0,
        "jump": 0,
        "left": 0,
        "right": 0,
    }
    assert scan.meaning_rules()["around"] == "around(u, d) = d u d u d u d u"
    assert scan.meaning_rules()["after"] == "after(x, y) = y x"
    assert scan.meaning_rules()["turn"] == "turn ="
    assert set(scan.output_vocabulary) == {
        "I_WALK",
        "I_LOOK",
        "I_RUN",
        "I_JUMP",
        "I_TURN_LEFT",
        "I_TURN_RIGHT",
    }
    assert scan.grammar.parser_kind == "lalr"


def test_parse_tree_structure(scan):
    node = scan.parse("jump twice after walk around left")
    assert node == ParseNode(
        "after",
        (
            ParseNode("twice", (ParseNode("jump"),)),
            ParseNode("around", (ParseNode("walk"), ParseNode("left"))),
        ),
    )
    assert scan.parse(["turn", "left"]) == ParseNode(
        "turned", (ParseNode("turn"), ParseNode("left"))
    )
    assert scan.interpret(scan.parse("turn left thrice")) == ("I_TURN_LEFT",) * 3
    assert scan.interpret(scan.parse("look opposite right and run")) == (
        "I_TURN_RIGHT",
        "I_TURN_RIGHT",
        "I_LOOK",
        "I_RUN",
    )


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "walk walk",
        "jump twice and",
        "turn",
        "fly",
        "walk left left",
        "twice",
        "walk and and run",
    ],
)
def test_parse_failure(scan, bad):
    with pytest.raises(ParseFailure) as info:
        scan.parse(bad)
    assert info.value.words == tuple(bad.split())


def test_generated_set_is_the_language(scan):
    examples = scan.generate()
    assert len(examples) == 20910
    assert len({e.input for e in examples}) == 20910
    assert examples == scan.generate()  # deterministic


def test_parse_interpret_round_trip(scan):
    """interpret(parse(x)) == y for every generated pair, and lark's tree is the enumerated tree."""
    for example, tree in zip(scan.generate(), scan.trees):
        node = scan.parse(example.input)
        assert node == tree
        assert scan.interpret(node) == example.output


@needs_official
def test_full_set_equals_official(scan, official_full):
    assert Counter(scan.generate()) == Counter(official_full)


@needs_official
def test_round_trip_on_official_file(scan, official_full):
    for example in official_full:
        assert scan.interpret(scan.parse(example.input)) == example.output


@needs_official
@pytest.mark.parametrize("name", RULE_SPLITS)
def test_rule_split_equals_official_files(scan, name):
    split = scan.split(name, data_dir=Path("/nonexistent"))  # built by rule, never read
    assert split.note.startswith("generated")
    train_file, test_file = scan.file_names(name)
    assert Counter(split.train) == Counter(read_scan_file(SCAN_DIR / train_file))
    assert Counter(split.test) == Counter(read_scan_file(SCAN_DIR / test_file))


@needs_official
def test_simple_split_reads_official_files(scan):
    split = scan.split("simple", SCAN_DIR)
    assert split.note == f"official files from {SCAN_DIR}"
    assert (len(split.train), len(split.test)) == (16728, 4182)
    assert split.train == read_scan_file(SCAN_DIR / "simple_split/tasks_train_simple.txt")


def test_simple_split_falls_back_to_seeded_random(scan, tmp_path):
    split = scan.split("simple", tmp_path)
    assert "random split, 0.8 train, seed 0" in split.note and "not found" in split.note
    assert (len(split.train), len(split.test)) == (16728, 4182)
    assert Counter(split.train + split.test) == Counter(scan.generate())
    assert split.train == scan.split("simple", tmp_path).train  # seeded


def test_split_sizes_without_official_files(scan):
    """The rule splits have the published sizes (this runs even where ../shared/scan is absent)."""
    sizes = {name: (len(s.train), len(s.test)) for name in RULE_SPLITS for s in [scan.split(name)]}
    assert sizes == {
        "length": (16990, 3920),
        "addprim_jump": (14670, 7706),
        "addprim_turn_left": (21890, 1208),
        "template_around_right": (15225, 4476),
        "template_jump_around_right": (18528, 1173),
        "template_opposite_right": (15225, 4476),
        "template_right": (15225, 4476),
    }
    jump = scan.split("addprim_jump")
    assert sum(e.input == ("jump",) for e in jump.train) == 1467
    assert not any("jump" in e.input for e in jump.train if e.input != ("jump",))
    turn_left = scan.split("addprim_turn_left")
    assert sum(e.input == ("turn", "left") for e in turn_left.train) == 2189
    assert any(e.input == ("turn", "opposite", "left") for e in turn_left.train)


def test_unknown_split(scan):
    from neurosym.errors import NeurosymError

    with pytest.raises(NeurosymError, match="no split 'smple'"):
        scan.split("smple")
