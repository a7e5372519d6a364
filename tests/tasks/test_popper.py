"""Reading Popper task folders (bk.pl / exs.pl / bias.pl) into ILP tasks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurosym.errors import NeurosymError, TaskFileError
from neurosym.lang.datalog import parse_program
from neurosym.logic import atom, least_model
from neurosym.tasks.ilp_task import RuleTemplate
from neurosym.tasks.popper import is_popper_folder, load_popper_task, read_popper

DATA = Path(__file__).parent / "data" / "popper_grandparent"


def test_reads_the_supported_subset_and_notes_the_rest():
    result = read_popper(DATA)
    task = result.task
    assert task.name == "popper_grandparent"
    assert (task.target, task.target_arity) == ("grandparent", 2)
    assert task.extensional == {"father": 2, "mother": 2}
    assert set(task.constants) == {"ann_dad", "bob", "carl", "dora", "ann", "eve", "Fay Z"}
    world = task.train[0]
    assert len(world.background) == 7 and atom("mother", "dora", "Fay Z") in world.background
    assert not any(a.pred == "age" for a in world.background)
    assert len(world.positives) == 6 and len(world.negatives) == 4
    assert atom("grandparent", "carl", "bob") in world.negatives
    # documented defaults: v = 1, two non-recursive clauses, T = 1
    assert task.templates == {"grandparent": (RuleTemplate(1, False), RuleTemplate(1, False))}
    assert task.steps == 1
    notes = "\n".join(result.notes)
    for expected in (
        "type/2",
        "direction/2",
        "max_vars",
        "constraint",
        "directive",
        "age/2 dropped",
        "duplicate",
    ):
        assert expected in notes, expected


def test_overrides_invent_a_predicate_and_the_data_is_consistent():
    task = load_popper_task(
        DATA,
        invented={"parent": 2},
        steps=2,
        templates={"grandparent": [(1, True)], "parent": [(0, False), (0, False)]},
    )
    assert task.invented == {"parent": 2}
    assert task.templates["grandparent"] == (RuleTemplate(1, True),)
    assert task.templates["parent"] == (RuleTemplate(0, False), RuleTemplate(0, False))
    program = parse_program(
        "grandparent(X, Y) :- parent(X, Z), parent(Z, Y).\n"
        "parent(X, Y) :- father(X, Y), father(X, Y).\n"
        "parent(X, Y) :- mother(X, Y), mother(X, Y).\n"
    )
    world = task.train[0]
    model = least_model(world.background, program)
    for a, label in world.examples:
        assert ((a.pred, a.ground_tuple()) in model) == label, a


def _folder(
    tmp_path: Path,
    bk: str = "edge(a, b).\nedge(b, c).\n",
    exs: str = "pos(f(a)).\nneg(f(c)).\n",
    bias: str = "head_pred(f, 1).\nbody_pred(edge, 2).\n",
) -> Path:
    (tmp_path / "bk.pl").write_text(bk)
    (tmp_path / "exs.pl").write_text(exs)
    (tmp_path / "bias.pl").write_text(bias)
    return tmp_path


def test_recursion_switches_the_second_template_and_T(tmp_path):
    task = load_popper_task(
        _folder(tmp_path, bias="head_pred(f,1).\nbody_pred(edge,2).\nenable_recursion.\n")
    )
    assert (
        task.templates["f"] == (RuleTemplate(1, False), RuleTemplate(1, True)) and task.steps == 4
    )
    task = load_popper_task(
        _folder(tmp_path, bias="head_pred(f,1).\nbody_pred(f,1).\nbody_pred(edge,2).\n")
    )
    assert task.templates["f"][1].intensional and "f" not in task.extensional
    assert load_popper_task(tmp_path, existentials=0, steps=3).templates["f"] == (
        RuleTemplate(0, False),
        RuleTemplate(0, True),
    )
    assert is_popper_folder(tmp_path) and not is_popper_folder(tmp_path / "bk.pl")


def test_closed_world_when_there_are_no_negatives(tmp_path):
    folder = _folder(tmp_path, exs="pos(f(a)).\n")
    with pytest.raises(TaskFileError, match="no neg"):
        read_popper(folder)
    task = load_popper_task(folder, closed_world=True)
    assert set(task.train[0].negatives) == {atom("f", "b"), atom("f", "c")}


# (file, text replacing that file, line, words in the message)
BAD = [
    ("bk.pl", "edge(a, b).\np(X) :- edge(X, Y).\n", 2, "rules are not supported"),
    ("bk.pl", "edge(a, b).\nedge(a, f(b)).\n", 2, "function symbols"),
    ("bk.pl", "edge(a, [b, c]).\n", 1, "list"),
    ("bk.pl", "edge(a, X).\n", 1, "must be ground"),
    ("bk.pl", "edge(a, 0.5).\n", 1, "float"),
    ("bk.pl", "edge(a, b).\nedge(b, c)\n", 2, "no final '.'"),
    ("bk.pl", "edge(a, b, c).\n", 1, "arity mismatch"),
    ("bk.pl", "f(a).\n", 1, "target predicate"),
    ("bk.pl", "edge(a, b) edge(b, c).\n", 1, "after the fact"),
    ("bk.pl", "edge(a, b).\n`x`.\n", 2, "unexpected character"),
    ("exs.pl", "pos(f(a)).\nex(f(b)).\n", 2, "expected pos(...) or neg(...)"),
    ("exs.pl", "pos(f(a)).\nneg(g(b)).\n", 2, "not an atom of the head_pred"),
    ("exs.pl", "pos(f(a)).\nneg(f(a)).\n", 2, "contradictory"),
    ("exs.pl", "neg(f(a)).\n", 1, "no pos"),
    ("bias.pl", "head_pred(f, 1).\nhead_pred(g, 1).\nbody_pred(edge, 2).\n", 2, "second head_pred"),
    ("bias.pl", "head_pred(f, 3).\nbody_pred(edge, 2).\n", 1, "arity 0, 1 or 2"),
    ("bias.pl", "body_pred(edge, 2).\n", 1, "no head_pred"),
    ("bias.pl", "head_pred(f, 1).\n", 1, "no body_pred"),
    ("bias.pl", "head_pred(f).\nbody_pred(edge, 2).\n", 1, "takes a predicate name and an arity"),
]


@pytest.mark.parametrize("file,text,line,words", BAD, ids=[f"{b[0]}:{b[3]}" for b in BAD])
def test_unsupported_input_names_file_line_and_fix(tmp_path, file, text, line, words):
    folder = _folder(tmp_path)
    (folder / file).write_text(text)
    with pytest.raises(TaskFileError) as info:
        read_popper(folder)
    err = info.value
    assert words in str(err)
    assert err.path.endswith(file) and err.line == line
    assert "fix:" in str(err) and "^" in str(err)


def test_bad_arguments_and_missing_files(tmp_path):
    folder = _folder(tmp_path)
    with pytest.raises(NeurosymError, match="neither the target"):
        read_popper(folder, templates={"g": [(0, False)]})
    with pytest.raises(NeurosymError, match="one or two"):
        read_popper(folder, templates={"f": []})
    with pytest.raises(NeurosymError, match="invented predicate edge"):
        read_popper(folder, invented={"edge": 2})
    (folder / "exs.pl").unlink()
    with pytest.raises(NeurosymError, match="no such file"):
        read_popper(folder)
    with pytest.raises(NeurosymError, match="not a folder"):
        read_popper(folder / "bk.pl")


_RANDOM_DIR: list[Path] = []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="edgabX(),.:-'%[]\n 0123456789_f", max_size=50))
def test_random_bk_text_reads_or_raises_our_error(tmp_path_factory, text):
    folder = _folder(
        tmp_path_factory.mktemp("popper", numbered=False) if not _RANDOM_DIR else _RANDOM_DIR[0],
        bk=text,
    )
    _RANDOM_DIR[:] = [folder]
    try:
        read_popper(folder)
    except NeurosymError:
        pass
