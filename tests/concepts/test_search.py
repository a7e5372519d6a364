"""Repair, blame and Occam's generalisation of constants."""

from neurosym.concepts.search import blame, generalize_constants, joint_search, repair, root_proposals
from neurosym.concepts.templates import CHILD, REVERSE, TOKEN, Item, Program, Template
from neurosym.lang.tree import ParseNode as N

W, L = Template((Item(TOKEN, "W"),)), Template((Item(TOKEN, "L"),))
YX = Template((Item(CHILD, 1), Item(CHILD, 0)))
XY = Template((Item(CHILD, 0), Item(CHILD, 1)))
TREES = [N("turned", (N("walk"), N("left"))), N("walk"), N("left")]
OUTPUTS = [("L", "W"), ("W",), ("L",)]


def test_repair_swaps_in_the_template_that_explains_more():
    start = {"turned": XY, "walk": W, "left": L}
    found = repair({"turned": [XY, YX], "walk": [W], "left": [L]}, [start], TREES, OUTPUTS, [1.0, 1.0, 1.0])
    assert found.templates["turned"] == YX and found.explained == 3.0


def test_repair_never_gains_from_a_corrupted_pair():
    outputs = OUTPUTS + [("W", "W")]  # corrupted copy of 'walk left'
    trees = TREES + [TREES[0]]
    start = {"turned": YX, "walk": W, "left": L}
    found = repair({"turned": [YX, XY], "walk": [W], "left": [L]}, [start], trees, outputs, [1.0, 1.0, 1.0, 0.1])
    assert found.templates["turned"] == YX and found.explained == 3.0


def test_blame_points_at_the_concept_of_the_failing_pairs():
    fractions = blame(TREES, [False, True, True], [1.0, 1.0, 1.0])
    assert fractions["turned"] == 1.0 and fractions["walk"] == 0.5 and fractions["left"] == 0.5


def test_constant_that_always_equals_a_child_becomes_the_child():
    around = Template((Item(TOKEN, "L"), Item(CHILD, 0), Item(TOKEN, "L"), Item(CHILD, 0)))
    program = Program({"around": around, "walk": W, "run": Template((Item(TOKEN, "R"),)), "left": L},
                      {"around": 2, "walk": 0, "run": 0, "left": 0})
    trees = [N("around", (N("walk"), N("left"))), N("around", (N("run"), N("left")))]
    out = generalize_constants(program, trees)
    assert out.rules()["around"] == "around(x, y) = y x y x"
    assert [out.run(t) for t in trees] == [program.run(t) for t in trees]


def test_reverse_of_a_child_that_is_always_a_palindrome_becomes_the_child():
    program = Program({"kiki": Template((Item(REVERSE, 1), Item(CHILD, 0))), "dax": Template((Item(TOKEN, "R"),)),
                       "fep": Template((Item(CHILD, 0),) * 3)}, {"kiki": 2, "dax": 0, "fep": 1})
    trees = [N("kiki", (N("dax"), N("fep", (N("dax"),))))]  # y means R R R: a palindrome
    assert generalize_constants(program, trees).rules()["kiki"] == "kiki(x, y) = y x"


# 'walk left' = L W, 'run right' = R' R, 'turn left' = L: turned, left and right must change together.
R = Template((Item(TOKEN, "R"),))
TL, TR, EMPTY = Template((Item(TOKEN, "TL"),)), Template((Item(TOKEN, "TR"),)), Template(())
TL_X = Template((Item(TOKEN, "TL"), Item(CHILD, 0)))
COUPLED = [N("turned", (N("walk"), N("left"))), N("turned", (N("run"), N("right"))), N("turned", (N("turn"), N("left"))),
           N("walk"), N("run")]
COUPLED_OUT = [("TL", "W"), ("TR", "R"), ("TL",), ("W",), ("R",)]


def test_root_proposals_read_the_template_off_the_output_for_each_child_meaning():
    candidates = {"walk": [W], "left": [TL, EMPTY], "run": [R], "right": [TR], "turn": [EMPTY]}
    found = root_proposals(COUPLED[:1], COUPLED_OUT[:1], candidates, {}, max_items=4)
    assert YX in found["turned"]    # with left = TL: y x
    assert TL_X in found["turned"]  # with left = (nothing): the token is written into the template
    assert Template((Item(CHILD, 0), Item(CHILD, 1))) not in found["turned"]  # x y gives W TL: never proposed


def test_joint_search_makes_the_move_single_swaps_cannot():
    candidates = {"turned": [TL_X, YX], "walk": [W], "run": [R], "left": [EMPTY, TL], "right": [EMPTY, TR],
                  "turn": [EMPTY]}
    start = {"turned": TL_X, "walk": W, "run": R, "left": EMPTY, "right": EMPTY, "turn": EMPTY}
    stuck = repair(candidates, [start], COUPLED, COUPLED_OUT, [1.0] * 5)
    assert stuck.explained == 4.0  # 'run right' stays wrong: no single swap gains
    found = joint_search(candidates, COUPLED, COUPLED_OUT)
    assert found == {"turned": YX, "walk": W, "run": R, "left": TL, "right": TR, "turn": EMPTY}


def test_joint_search_gives_none_when_no_assignment_explains_every_pair():
    candidates = {"turned": [TL_X], "walk": [W], "run": [R], "left": [EMPTY], "right": [EMPTY], "turn": [EMPTY]}
    assert joint_search(candidates, COUPLED, COUPLED_OUT) is None
    assert joint_search({**candidates, "turned": [TL_X, YX], "left": [EMPTY, TL], "right": [EMPTY, TR]},
                        COUPLED, COUPLED_OUT, max_nodes=3) is None  # out of budget
