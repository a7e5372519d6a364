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
    # documented defaults without max_clauses: v = 1, one invented predicate for the target's
    # second clause, T = 4
    assert task.invented == {"inv1": 2}
    assert task.templates == {
        "grandparent": (RuleTemplate(1, False), RuleTemplate(1, True)),
        "inv1": (RuleTemplate(1, False), RuleTemplate(1, False)),
    }
    assert task.steps == 4
    notes = "\n".join(result.notes)
    for expected in (
        "no max_clauses (several clauses allowed): one invented predicate inv1/2",
        "rule templates: grandparent (1, no), (1, yes); inv1 (1, no), (1, no); T = 4",
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
    result = read_popper(folder)
    assert set(result.task.train[0].negatives) == {atom("f", "b"), atom("f", "c")}
    assert any(
        "no neg(...) examples: closed world assumed, the 2 f/1 atoms over the 3 constants" in n
        for n in result.notes
    )
    assert load_popper_task(folder, closed_world=True).train[0].negatives == (
        result.task.train[0].negatives
    )
    with pytest.raises(TaskFileError, match="no neg"):
        read_popper(folder, closed_world=False)
    with_negative = read_popper(_folder(tmp_path, exs="pos(f(a)).\nneg(f(b)).\n"))
    assert with_negative.task.train[0].negatives == (atom("f", "b"),)
    assert not any("closed world" in n for n in with_negative.notes)


def test_assumed_negatives_train_but_only_stated_examples_verify(tmp_path):
    """a and b look the same in the background (an automorphism swaps them), so no program
    separates pos f(a) from the assumed negative f(b): the fit is verified on the stated
    example, while an explicit closed world keeps f(b) as a label it cannot satisfy."""
    from neurosym.ilp import RuleLearner

    folder = _folder(tmp_path, bk="edge(a, c).\nedge(b, c).\n", exs="pos(f(a)).\n",
                     bias="head_pred(f, 1).\nbody_pred(edge, 2).\nmax_clauses(1).\n"
                     "allow_singletons.\n")
    assumed = load_popper_task(folder)
    world = assumed.train[0]
    assert world.assumed_negatives and world.stated().negatives == ()
    assert atom("f", "b") in world.negatives  # still a training label
    explicit = load_popper_task(folder, closed_world=True)
    assert not explicit.train[0].assumed_negatives
    settings = {"restarts": 4, "steps": 30, "seed": 0, "device": "cpu", "check_every": 5}
    assert RuleLearner(**settings).fit(assumed).verified
    assert not RuleLearner(**settings).fit(explicit).verified


def test_max_clauses_one_or_explicit_arguments_invent_nothing(tmp_path):
    folder = _folder(tmp_path, bias="head_pred(f,1).\nbody_pred(edge,2).\nmax_clauses(1).\n")
    result = read_popper(folder)
    assert result.task.invented == {} and result.task.steps == 1
    assert result.task.templates == {"f": (RuleTemplate(1, False), RuleTemplate(1, False))}
    assert "bias.pl: max_clauses(1): no invented predicate" in result.notes
    task = load_popper_task(_folder(tmp_path), invented={})
    assert task.invented == {} and task.steps == 1
    task = load_popper_task(tmp_path, invented={"aux": 2}, templates={"aux": [(0, False)]})
    assert task.invented == {"aux": 2} and task.templates["aux"] == (RuleTemplate(0, False),)


KINSHIP_PI = {  # Popper's examples/kinship-pi
    "bk.pl": "mother(ann,amy).\nmother(ann,andy).\nmother(amy,amelia).\nmother(linda,gavin).\n"
    "father(steve,amy).\nfather(steve,andy).\nfather(gavin,amelia).\nfather(andy,spongebob).\n",
    "exs.pl": "pos(grandparent(ann,amelia)).\npos(grandparent(steve,amelia)).\n"
    "pos(grandparent(ann,spongebob)).\npos(grandparent(steve,spongebob)).\n"
    "pos(grandparent(linda,amelia)).\nneg(grandparent(amy,amelia)).\n",
    "bias.pl": "max_vars(4).\nmax_body(3).\nmax_clauses(3).\nenable_pi.\n\n"
    "head_pred(grandparent,2).\nbody_pred(mother,2).\nbody_pred(father,2).\n",
}


def test_default_templates_express_kinship_pi_with_one_invented_predicate(tmp_path):
    from neurosym.ilp.clauses import task_clause_sets

    task = load_popper_task(_folder(tmp_path, **{f[:-3]: t for f, t in KINSHIP_PI.items()}))
    intended = parse_program(
        "grandparent(X, Y) :- inv1(X, Z), inv1(Z, Y).\n"
        "inv1(X, Y) :- mother(X, Y), mother(X, Y).\n"
        "inv1(X, Y) :- father(X, Y), father(X, Y).\n"
    )
    sets = task_clause_sets(task)
    inv1_first, inv1_second = (set(cs.clauses) for cs in sets["inv1"])
    assert intended.clauses[0] in sets["grandparent"][1].clauses
    assert intended.clauses[1] in inv1_first and intended.clauses[2] in inv1_second
    model = least_model(task.train[0].background, intended)
    for a, label in task.train[0].examples:
        assert ((a.pred, a.ground_tuple()) in model) == label, a


BK_RULES = (
    "edge(a, b).\nedge(b, c).\nedge(c, d).\n"
    "path(X, Y) :- edge(X, Y).\n"
    "path(X, Y) :- edge(X, Z), path(Z, Y).\n"
    "start(X) :- edge(X, _), start_here(X).\nstart_here(a).\n"
)


def test_datalog_rules_in_bk_are_evaluated_into_background_facts(tmp_path):
    bias = "head_pred(f, 1).\nbody_pred(edge, 2).\nbody_pred(path, 2).\n"
    result = read_popper(_folder(tmp_path, bk=BK_RULES, bias=bias, exs="pos(f(a)).\n"))
    background = set(result.task.train[0].background)
    pairs = {("a", "b"), ("b", "c"), ("c", "d"), ("a", "c"), ("b", "d"), ("a", "d")}
    assert {a for a in background if a.pred == "path"} == {atom("path", *p) for p in pairs}
    assert not any(a.pred in ("start", "start_here") for a in background)
    notes = "\n".join(result.notes)
    assert (
        "bk.pl: 3 rule(s) (line 4, 5, 6) evaluated by the exact Datalog evaluator into 7 "
        "background fact(s): path/2 +6, start/1 +1" in notes
    )
    assert "1 fact(s) of start/1 dropped" in notes and "1 fact(s) of start_here/1" in notes


# (rule on line 2 of bk.pl, column, words in the message)
NOT_DATALOG = [
    ("p(X) :- edge(X, Y), \\+ edge(Y, X).", 21, "negation"),
    ("p(X) :- edge(X, Y), not(edge(Y, X)).", 21, "negation"),
    ("p(X) :- edge(X, Y), Y > 1.", 23, "arithmetic"),
    ("p(X) :- X is 1 + 1.", 11, "arithmetic"),
    ("p(X) :- edge(X, Y) ; edge(Y, X).", 20, "control"),
    ("p(X) :- edge(X, Y), !.", 21, "control"),
    ("p(X) :- edge(X, Y), X = Y.", 23, "built-in comparison"),
    ("p(X) :- edge(X, [Y]).", 17, "list"),
    ("p(X) :- edge(X, g(Y)).", 17, "compound term g"),
    ("p(X, Y) :- edge(X, Z).", 1, "variable Y of the rule head p(X, Y) does not occur"),
    ("p(X) :- succ(X, Y).", 9, "succ/2 in a rule of bk.pl has no fact and no rule"),
    ("f(X) :- edge(X, Y).", 1, "defines the target f"),
    ("p(X) --> edge(X, Y).", 6, "Prolog syntax"),
]


@pytest.mark.parametrize("rule,column,words", NOT_DATALOG, ids=[r[2] for r in NOT_DATALOG])
def test_rules_outside_datalog_are_refused_with_their_place(tmp_path, rule, column, words):
    with pytest.raises(TaskFileError) as info:
        read_popper(_folder(tmp_path, bk=f"edge(a, b).\n{rule}\n"))
    err = info.value
    assert words in str(err)
    assert err.path.endswith("bk.pl") and (err.line, err.column) == (2, column)
    assert "fix:" in str(err)


def test_rules_that_may_derive_too_many_facts_are_refused_at_once(tmp_path):
    import time

    bk = "".join(f"q({i}).\n" for i in range(1500)) + "p(X, Y) :- q(X), q(Y).\n"
    folder = _folder(tmp_path, bk=bk, bias="head_pred(f,1).\nbody_pred(q,1).\nbody_pred(p,2).\n")
    start = time.perf_counter()
    with pytest.raises(TaskFileError, match="may derive up to 2,250,000 facts") as info:
        read_popper(folder)
    assert time.perf_counter() - start < 20 and info.value.line == 1501
    # a join bounded by one body atom is evaluated whatever its variables' ranges
    bk = "".join(f"q({i}, {i + 1}).\n" for i in range(1500)) + "p(X, Y) :- q(X, Y), q(Y, _).\n"
    folder = _folder(tmp_path, bk=bk, bias="head_pred(f,1).\nbody_pred(q,2).\nbody_pred(p,2).\n",
                     exs="pos(f(1)).\n")
    assert sum(a.pred == "p" for a in load_popper_task(folder).train[0].background) == 1499


def test_ilp_learn_reads_a_popper_folder_and_prints_the_notes(tmp_path, capsys):
    from neurosym.cli import main

    folder = _folder(tmp_path, exs="pos(f(a)).\npos(f(b)).\n")
    code = main(["ilp", "learn", str(folder), "--device", "cpu", "--steps", "3",
                 "--restarts", "2", "--quiet"])
    assert code in (0, 1)
    out = capsys.readouterr().out
    assert f"ILP task {folder.name}: target f/1, 3 constants" in out
    assert "note: exs.pl has no neg(...) examples: closed world assumed" in out
    assert "note: rule templates: f (1, no), (1, yes); inv1 (1, no), (1, no); T = 4" in out


# (file, text replacing that file, line, words in the message)
BAD = [
    ("bk.pl", "edge(a, b).\np(X) :- edge(X, Y), \\+ edge(Y, X).\n", 2, "negation"),
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


def test_type_declarations_prune_the_clauses_and_are_checked(tmp_path):
    from neurosym.ilp.clauses import task_clause_sets

    bias = (
        "head_pred(f, 1).\nbody_pred(has_car, 2).\nbody_pred(long, 1).\n"
        "type(f, (train,)).\ntype(has_car, (train, car)).\ntype(long, (car,)).\n"
    )
    folder = _folder(tmp_path, bk="has_car(t1, c1).\nlong(c1).\nhas_car(t2, c2).\n",
                     exs="pos(f(t1)).\nneg(f(t2)).\n", bias=bias)
    result = read_popper(folder)
    assert result.task.types == {"f": ("train",), "has_car": ("train", "car"), "long": ("car",)}
    assert any("only well-typed clauses are generated" in n for n in result.notes)
    typed = sum(len(cs) for sets in task_clause_sets(result.task).values() for cs in sets)
    untyped_task = load_popper_task(folder, typed=False)
    assert untyped_task.types == {}
    untyped = sum(len(cs) for sets in task_clause_sets(untyped_task).values() for cs in sets)
    assert typed < untyped
    (folder / "bias.pl").write_text(bias.replace("type(long, (car,))", "type(long, (car, car))"))
    with pytest.raises(TaskFileError) as info:
        read_popper(folder)
    assert info.value.line == 6 and "2 argument type(s) for long/1" in str(info.value)
    (folder / "bias.pl").write_text(bias + "type(long).\n")
    with pytest.raises(TaskFileError) as info:
        read_popper(folder)
    assert info.value.line == 7 and "tuple of argument types" in str(info.value)


TRAINS = {  # a small east/west trains folder: Popper's trains1 rule over four trains
    "bk.pl": "has_car(t1, c1).\nhas_car(t1, c2).\nhas_car(t2, c3).\nhas_car(t2, c4).\n"
    "has_car(t3, c5).\nhas_car(t4, c6).\nhas_car(t4, c7).\n"
    "long(c1).\nroof_closed(c1).\nthree_wheels(c2).\nlong(c3).\nthree_wheels(c4).\n"
    "long(c5).\nroof_closed(c5).\nthree_wheels(c5).\nroof_closed(c6).\nthree_wheels(c7).\n",
    "exs.pl": "pos(f(t1)).\npos(f(t3)).\nneg(f(t2)).\nneg(f(t4)).\n",
    "bias.pl": "head_pred(f, 1).\nbody_pred(has_car, 2).\nbody_pred(long, 1).\n"
    "body_pred(roof_closed, 1).\nbody_pred(three_wheels, 1).\n"
    "type(f, (train,)).\ntype(has_car, (train, car)).\ntype(long, (car,)).\n"
    "type(roof_closed, (car,)).\ntype(three_wheels, (car,)).\n",
}


def test_a_long_body_gets_a_fallback_of_one_long_clause(tmp_path):
    from neurosym.ilp.clauses import task_clause_sets

    folder = _folder(tmp_path, **{f[:-3]: t for f, t in TRAINS.items()})
    result = read_popper(folder)
    fallback = result.task.fallback
    assert fallback is not None and fallback.fallback is None
    assert fallback.templates == {
        "f": (RuleTemplate(1, True),),
        "inv1": (RuleTemplate(1, True),),
        "inv2": (RuleTemplate(1, False),),
        "inv3": (RuleTemplate(1, False),),
    }
    assert any(n.startswith("fallback when those end unverified") for n in result.notes)
    # Popper's trains1 rule, f(A) :- has_car(A,B), long(B), roof_closed(B), has_car(A,C),
    # three_wheels(C), is in the fallback's space and consistent with the examples
    intended = parse_program(
        "f(X) :- inv1(X), inv2(X).\ninv1(X) :- has_car(X, Y), inv3(Y).\n"
        "inv2(X) :- has_car(X, Y), three_wheels(Y).\ninv3(X) :- long(X), roof_closed(X).\n"
    )
    sets = task_clause_sets(fallback)
    for clause in intended:
        assert clause in sets[clause.head.pred][0].clauses, clause
    model = least_model(fallback.train[0].background, intended)
    for a, label in fallback.train[0].examples:
        assert ((a.pred, a.ground_tuple()) in model) == label, a
    # overridden templates, or max_body below 3, get no fallback
    assert load_popper_task(folder, invented={}).fallback is None
    (folder / "bias.pl").write_text(TRAINS["bias.pl"] + "max_body(2).\n")
    assert load_popper_task(folder).fallback is None


def test_singletons_follow_the_bias_switch(tmp_path):
    from neurosym.ilp.clauses import has_singleton, task_clause_sets

    folder = _folder(tmp_path)
    result = read_popper(folder)
    assert not result.task.singletons and any("allow_singletons" in n for n in result.notes)
    sets = task_clause_sets(result.task).values()
    clauses = [c for template_sets in sets for s in template_sets for c in s.clauses]
    assert clauses and not any(has_singleton(c) for c in clauses)
    (folder / "bias.pl").write_text("head_pred(f, 1).\nbody_pred(edge, 2).\nallow_singletons.\n")
    allowed = load_popper_task(folder)
    clauses = [c for sets in task_clause_sets(allowed).values() for s in sets for c in s.clauses]
    assert allowed.singletons and any(has_singleton(c) for c in clauses)
