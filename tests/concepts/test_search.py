"""Repair, blame and Occam's generalisation of constants."""

from neurosym.concepts.search import (
    blame,
    generalize_constants,
    joint_search,
    repair,
    root_proposals,
)
from neurosym.concepts.templates import Program
from neurosym.lang.tree import ParseNode as N
from neurosym.tasks.meaning import parse_template as T

W, L = T("walk = W"), T("left = L")
YX, XY = T("turned(x, y) = y x"), T("turned(x, y) = x y")
TREES = [N("turned", (N("walk"), N("left"))), N("walk"), N("left")]
OUTPUTS = [("L", "W"), ("W",), ("L",)]


def test_repair_swaps_in_the_template_that_explains_more():
    start = {"turned": XY, "walk": W, "left": L}
    found = repair(
        {"turned": [XY, YX], "walk": [W], "left": [L]}, [start], TREES, OUTPUTS, [1.0, 1.0, 1.0]
    )
    assert found.templates["turned"] == YX and found.explained == 3.0


def test_repair_never_gains_from_a_corrupted_pair():
    outputs = OUTPUTS + [("W", "W")]  # corrupted copy of 'walk left'
    trees = TREES + [TREES[0]]
    start = {"turned": YX, "walk": W, "left": L}
    found = repair(
        {"turned": [YX, XY], "walk": [W], "left": [L]},
        [start],
        trees,
        outputs,
        [1.0, 1.0, 1.0, 0.1],
    )
    assert found.templates["turned"] == YX and found.explained == 3.0


def test_blame_points_at_the_concept_of_the_failing_pairs():
    fractions = blame(TREES, [False, True, True], [1.0, 1.0, 1.0])
    assert fractions["turned"] == 1.0 and fractions["walk"] == 0.5 and fractions["left"] == 0.5


def test_constant_that_always_equals_a_child_becomes_the_child():
    around = T("around(x, y) = L x L x")
    program = Program({"around": around, "walk": W, "run": T("run = R"), "left": L})
    trees = [N("around", (N("walk"), N("left"))), N("around", (N("run"), N("left")))]
    out = generalize_constants(program, trees)
    assert out.rules()["around"] == "around(x, y) = y x y x"
    assert [out.run(t) for t in trees] == [program.run(t) for t in trees]


def test_reverse_of_a_child_that_is_always_a_palindrome_becomes_the_child():
    program = Program(
        {"kiki": T("kiki(x, y) = reverse(y) x"), "dax": T("dax = R"), "fep": T("fep(x) = x x x")}
    )
    trees = [N("kiki", (N("dax"), N("fep", (N("dax"),))))]  # y means R R R: a palindrome
    assert generalize_constants(program, trees).rules()["kiki"] == "kiki(x, y) = y x"


# 'walk left' = L W, 'run right' = R' R, 'turn left' = L: turned, left and right must change
# together.
R, TL, TR = T("run = R"), T("left = TL"), T("right = TR")
NO_LEFT, NO_RIGHT, TURN = T("left ="), T("right ="), T("turn =")
TL_X = T("turned(x, y) = TL x")
COUPLED = [
    N("turned", (N("walk"), N("left"))),
    N("turned", (N("run"), N("right"))),
    N("turned", (N("turn"), N("left"))),
    N("walk"),
    N("run"),
]
COUPLED_OUT = [("TL", "W"), ("TR", "R"), ("TL",), ("W",), ("R",)]


def test_root_proposals_read_the_template_off_the_output_for_each_child_meaning():
    candidates = {"walk": [W], "left": [TL, NO_LEFT], "run": [R], "right": [TR], "turn": [TURN]}
    found = root_proposals(COUPLED[:1], COUPLED_OUT[:1], candidates, {}, max_items=4)
    assert YX in found["turned"]  # with left = TL: y x
    assert TL_X in found["turned"]  # with left = (nothing): the token is written into the template
    assert XY not in found["turned"]  # x y gives W TL: never proposed


def test_joint_search_makes_the_move_single_swaps_cannot():
    candidates = {
        "turned": [TL_X, YX],
        "walk": [W],
        "run": [R],
        "left": [NO_LEFT, TL],
        "right": [NO_RIGHT, TR],
        "turn": [TURN],
    }
    start = {"turned": TL_X, "walk": W, "run": R, "left": NO_LEFT, "right": NO_RIGHT, "turn": TURN}
    stuck = repair(candidates, [start], COUPLED, COUPLED_OUT, [1.0] * 5)
    assert stuck.explained == 4.0  # 'run right' stays wrong: no single swap gains
    found = joint_search(candidates, COUPLED, COUPLED_OUT)
    assert found == {"turned": YX, "walk": W, "run": R, "left": TL, "right": TR, "turn": TURN}


def test_joint_search_gives_none_when_no_assignment_explains_every_pair():
    candidates = {
        "turned": [TL_X],
        "walk": [W],
        "run": [R],
        "left": [NO_LEFT],
        "right": [NO_RIGHT],
        "turn": [TURN],
    }
    assert joint_search(candidates, COUPLED, COUPLED_OUT) is None
    assert (
        joint_search(
            {**candidates, "turned": [TL_X, YX], "left": [NO_LEFT, TL], "right": [NO_RIGHT, TR]},
            COUPLED,
            COUPLED_OUT,
            max_nodes=3,
        )
        is None
    )  # out of budget
