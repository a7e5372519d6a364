"""Perceived leaves: the exact likelihood against brute force, and learning percepts + meanings."""

import itertools
import random

import pytest
import torch

from neurosym.concepts.batching import batch_trees
from neurosym.concepts.chart import root_probabilities
from neurosym.concepts.composition import SoftTemplates, TemplateSpace
from neurosym.concepts.perceived import (
    consistent,
    expand,
    indistinct,
    matched_accuracy,
    perceived_leaves,
    perceived_log_likelihood,
    resolve,
)
from neurosym.concepts.table import ConceptTable
from neurosym.concepts.templates import Program
from neurosym.lang.tree import ParseNode
from neurosym.tasks.template import Item, ItemKind, Template, execute

TABLE = ConceptTable({"f": 1, "g": 2, "a": 0, "b": 0, "c": 0, "d": 0})
CANDIDATES = ("a", "b", "c")  # "d" is a crisp leaf


def random_tree(rng: random.Random, depth: int) -> ParseNode:
    if depth == 0 or rng.random() < 0.3:
        return ParseNode(rng.choice(["a", "b", "c", "d"]))
    if rng.random() < 0.5:
        return ParseNode("f", (random_tree(rng, depth - 1),))
    return ParseNode("g", (random_tree(rng, depth - 1), random_tree(rng, depth - 1)))


def brute_force(log_len, log_choice, space, tree, output, log_p) -> torch.Tensor:
    """``[R]`` sum over every assignment of P(assignment) * P(output | crisp tree)."""
    n = perceived_leaves(tree, CANDIDATES)
    total = torch.zeros(log_len.shape[0], dtype=torch.float64)
    for a in itertools.product(range(len(CANDIDATES)), repeat=n):
        crisp = resolve(tree, CANDIDATES, [CANDIDATES[j] for j in a])
        out = torch.tensor([output or [len(space.vocabulary)]])
        p = root_probabilities(log_len, log_choice, space, batch_trees([crisp], TABLE), out,
                               torch.tensor([len(output)]), dtype=torch.float64)[:, 0]
        weight = sum(float(log_p[q, j]) for q, j in enumerate(a))
        total += p * torch.exp(torch.tensor(weight, dtype=torch.float64))
    return total


def test_expansion_equals_brute_force_over_assignments():
    for seed, reverse in [(0, False), (1, True), (2, False)]:
        rng = random.Random(seed)
        torch.manual_seed(seed)
        space = TemplateSpace(4, 2, ("X", "Y", "Z"), reverse=reverse)
        model = SoftTemplates(TABLE, space, restarts=2, composite_token_bias=0.0,
                              generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        trees = [random_tree(rng, 3) for _ in range(6)] + [ParseNode("f", (ParseNode("a"),))]
        outputs = [[rng.randrange(3) for _ in range(rng.randrange(0, 5))] for _ in trees]
        width = max(max(perceived_leaves(t, CANDIDATES) for t in trees), 1)
        log_p = torch.log_softmax(torch.randn(len(trees), width, 3, dtype=torch.float64), -1)
        big_l = max(max(len(o) for o in outputs), 1)
        out = torch.full((len(trees), big_l), 3)
        for b, o in enumerate(outputs):
            out[b, : len(o)] = torch.tensor(o, dtype=torch.long)
        lengths = torch.tensor([len(o) for o in outputs])
        log_len, log_choice = model()
        got = perceived_log_likelihood(log_len, log_choice, space, expand(trees, TABLE, CANDIDATES),
                                       out, lengths, log_p, dtype=torch.float64).exp()
        for b, tree in enumerate(trees):
            want = brute_force(log_len, log_choice, space, tree, outputs[b], log_p[b])
            assert torch.allclose(got[:, b], want, rtol=1e-9, atol=1e-30), (tree, got[:, b], want)


def test_expansion_shares_subtrees_without_perceived_leaves():
    tree = ParseNode("g", (ParseNode("f", (ParseNode("d"),)), ParseNode("a")))
    e = expand([tree], TABLE, CANDIDATES)
    # d and f(d) once, a in 3 copies, the root in 3 copies
    assert [lvl.size for lvl in e.batch.levels] == [4, 1, 3]
    assert e.roots.tolist() == [[0, 1, 2]] and e.leaves.tolist() == [1]


@pytest.mark.parametrize("b_means", [("W",), ("X", "Y")])  # one token each, or not
def test_consistent_assignments_equal_execution_of_each_assignment(b_means):
    def tok(*ts: str) -> tuple[Item, ...]:
        return tuple(Item(ItemKind.TOKEN, t) for t in ts)

    templates = {"f": Template("f", 1, (Item(ItemKind.CHILD, 0), *tok("Z"),
                                        Item(ItemKind.REVERSE, 0))),
                 "g": Template("g", 2, (Item(ItemKind.CHILD, 1), Item(ItemKind.CHILD, 0))),
                 "a": Template("a", 0, tok("X")), "b": Template("b", 0, tok(*b_means)),
                 "d": Template("d", 0, tok("Y"))}  # "c" has no meaning: never consistent
    rng = random.Random(3)
    for _ in range(30):
        tree = random_tree(rng, 3)
        n = perceived_leaves(tree, CANDIDATES)
        truth = [rng.choice(["a", "b"]) for _ in range(n)]
        output = execute(templates, resolve(tree, CANDIDATES, truth))
        want = [execute(templates, resolve(tree, CANDIDATES, [CANDIDATES[j] for j in a]))
                == output for a in itertools.product(range(3), repeat=n)]
        got = consistent(templates, tree, output, CANDIDATES)
        assert got == want and any(got), tree


def test_a_candidate_without_a_template_may_mean_one_free_token():
    """Against brute force: an assignment fits when some free token for each template-less
    candidate it uses (one per candidate) makes execution reproduce the output."""
    def tok(*ts: str) -> tuple[Item, ...]:
        return tuple(Item(ItemKind.TOKEN, t) for t in ts)

    templates = {"f": Template("f", 1, (Item(ItemKind.CHILD, 0), *tok("Z"),
                                        Item(ItemKind.CHILD, 0))),
                 "g": Template("g", 2, (Item(ItemKind.CHILD, 1), Item(ItemKind.CHILD, 0))),
                 "a": Template("a", 0, tok("X")), "d": Template("d", 0, tok("Y"))}
    free = ("Q", "W")  # "b" and "c" have no template
    truth = {**templates, "b": Template("b", 0, tok("Q")), "c": Template("c", 0, tok("W"))}
    rng = random.Random(4)
    fitting = 0
    for _ in range(40):
        tree = random_tree(rng, 3)
        n = perceived_leaves(tree, CANDIDATES)
        output = execute(truth, resolve(tree, CANDIDATES, [rng.choice(CANDIDATES)
                                                         for _ in range(n)]))
        want = []
        for a in itertools.product(range(3), repeat=n):
            crisp = resolve(tree, CANDIDATES, [CANDIDATES[j] for j in a])
            want.append(any(execute({**templates, "b": Template("b", 0, tok(p)),
                                     "c": Template("c", 0, tok(q))}, crisp) == output
                            for p in free for q in free))
        got = consistent(templates, tree, output, CANDIDATES, free=free)
        assert got == want and any(got), tree
        assert consistent(templates, tree, output, CANDIDATES) == [
            execute(templates, resolve(tree, CANDIDATES, [CANDIDATES[j] for j in a])) == output
            for a in itertools.product(range(3), repeat=n)]
        fitting += sum(got) > sum(consistent(templates, tree, output, CANDIDATES))
    assert fitting > 5  # the free tokens made some pairs consistent


def test_indistinct_and_matching():
    same = Template("a", 0, (Item(ItemKind.TOKEN, "X"),))
    program = Program({"a": same, "b": Template("b", 0, same.items),
                       "c": Template("c", 0, (Item(ItemKind.TOKEN, "Y"),))})
    assert indistinct(program, CANDIDATES) == [("a", "b")]
    acc, match = matched_accuracy(torch.tensor([[0, 9, 1], [8, 0, 2], [0, 0, 10]]))
    assert match == [1, 0, 2] and abs(acc - 27 / 30) < 1e-12


TINY = '''task tiny
grammar {
    command: phrase "and" phrase -> and
           | phrase
    phrase: word "twice" -> twice
          | word
    word: "dax" -> dax | "wif" -> wif
}
meaning {
    and(x, y) = x y
    twice(x) = x x
    dax = RED
    wif = BLUE
}
enumerate all
'''


CLASSES = {"dax": 7, "wif": 2}


def tiny_draw():
    """The TINY task and ``draw(pool, copies)``: every example ``copies`` times, each perceived
    word a fresh synthetic digit of its class from the image indices ``pool``."""
    import numpy as np

    from neurosym.concepts.percept import images_to_tensor
    from neurosym.tasks.compositional import compositional_task_from_text
    from neurosym.tasks.mnist import synthetic_digits

    task = compositional_task_from_text(TINY)
    images, labels = synthetic_digits(0, 2000)
    pix = images_to_tensor(images)
    rng = np.random.default_rng(0)

    def draw(pool, copies):
        trees, outputs, percepts = [], [], []
        for _ in range(copies):
            for ex, tree in zip(task.examples, task.trees):
                words = [n.rule for n in tree.walk() if n.rule in CLASSES]
                idx = [int(rng.choice(pool[(labels[pool] == CLASSES[w])])) for w in words]
                trees.append(tree)
                outputs.append(ex.output)
                percepts.append(pix[idx])
        return trees, outputs, percepts

    return task, draw


def tiny_learner(task, **percept_options):
    from neurosym.concepts.learn import LearnConfig
    from neurosym.concepts.perceived import PerceptConfig, PerceptLearner
    from neurosym.concepts.percept import DigitCNN, PerceptEncoder

    torch.manual_seed(0)
    encoder = PerceptEncoder(DigitCNN(32), ConceptTable({"dax": 0, "wif": 0}), 32)
    options = {"joint_pairs": 60, "joint_steps": 60, "epochs": 2, "batch": 32,
               "augment": False,  # synthetic digits are random pixel patterns, not strokes
               "decay": False,  # two short epochs: a decaying rate learns too little
               **percept_options}
    config = PerceptConfig(**options)
    return PerceptLearner(ConceptTable(task.alternatives), ("RED", "BLUE"), encoder,
                          LearnConfig(restarts=4), config)


def test_two_perceived_words_learn_classes_and_meanings():
    """Images of two synthetic digit classes stand for dax and wif; no percept label is used."""
    import numpy as np

    task, draw = tiny_draw()
    trees, outputs, percepts = draw(np.arange(0, 1500), 4)
    learner = tiny_learner(task)
    result = learner.fit(trees, outputs, [1.0] * len(trees), percepts)
    assert result.explained == 1.0 and result.indistinct == []
    assert result.program.rules()["and"] == "and(x, y) = x y"
    assert result.program.rules()["twice"] == "twice(x) = x x"
    # which row holds which class is arbitrary; the two rows must mean the two colours
    assert sorted(result.program.templates[w].tokens for w in CLASSES) == [("BLUE",), ("RED",)]
    test_trees, test_outputs, test_percepts = draw(np.arange(1500, 2000), 2)
    assert learner.predict(test_trees, test_percepts) == [tuple(o) for o in test_outputs]


def meaning_program(task, dax: str, wif: str) -> Program:
    """The task's meanings with ``dax``/``wif`` meaning the given tokens."""
    templates = dict(task.templates)
    for word, token in (("dax", dax), ("wif", wif)):
        templates[word] = Template(word, 0, (Item(ItemKind.TOKEN, token),))
    return Program(templates)


def test_a_joint_phase_that_merges_the_classes_is_attempted_again():
    """Attempt 0's program gives both rows one meaning (a merged class: under half the pairs
    explained); attempt 1, from a fresh encoder and the next seed, is kept and the fit ends
    right. With accept 0 the first attempt stands."""
    import numpy as np

    task, draw = tiny_draw()
    trees, outputs, percepts = draw(np.arange(0, 1500), 4)
    programs = {0: meaning_program(task, "RED", "RED"), 1: meaning_program(task, "RED", "BLUE")}
    learner = tiny_learner(task)
    seeds = []

    def joint(trees, outputs, weights, data, seed):
        seeds.append(seed)
        return 1.0, programs[seed]

    learner._joint = joint
    first = learner.encoder.features.head[0].weight.detach().clone()
    log = []
    result = learner.fit(trees, outputs, [1.0] * len(trees), percepts, progress=log.append)
    attempts = [e for e in log if "attempt" in e]
    assert seeds == [0, 1] and [e["attempt"] for e in attempts] == [0, 1]
    assert attempts[0]["explained"] < 0.5 <= attempts[1]["explained"]
    assert result.explained == 1.0
    assert not torch.equal(first, learner.encoder.features.head[0].weight)

    learner, seeds = tiny_learner(task, accept=0.0), []
    learner._joint = joint
    learner.fit(trees, outputs, [1.0] * len(trees), percepts)
    assert seeds == [0]


def test_the_attempt_explaining_most_is_kept():
    """No attempt reaches accept: the program and encoder of the best one are kept."""
    import numpy as np

    task, draw = tiny_draw()
    trees, outputs, percepts = draw(np.arange(0, 1500), 2)
    right = meaning_program(task, "RED", "BLUE")
    programs = {0: right, 1: meaning_program(task, "BLUE", "BLUE")}
    learner = tiny_learner(task, accept=1.0, attempts=2)
    learner._joint = lambda trees, outputs, weights, data, seed: (1.0, programs[seed])
    log = []
    learner._attempts(trees, outputs, [1.0] * len(trees), learner._check(trees, percepts),
                      log.append)
    assert [e["attempt"] for e in log] == [0, 1] and log[0]["explained"] > log[1]["explained"]
    assert learner.program is right
    data = learner._check(trees, percepts)
    assert learner._explained(trees, outputs, [1.0] * len(trees), data) == log[0]["explained"]


def test_share_routes_the_percept_gradient_and_keeps_the_values():
    torch.manual_seed(0)
    space = TemplateSpace(3, 2, ("X", "Y", "Z"))
    model = SoftTemplates(TABLE, space, restarts=2, composite_token_bias=0.0,
                          generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    trees = [ParseNode("g", (ParseNode("a"), ParseNode("f", (ParseNode("b"),)))),
             ParseNode("f", (ParseNode("c"),))]
    out, lengths = torch.tensor([[0, 1, 2], [1, 3, 3]]), torch.tensor([3, 1])
    expansion = expand(trees, TABLE, CANDIDATES)
    log_p = torch.log_softmax(torch.randn(2, 2, 3, dtype=torch.float64), -1).requires_grad_()

    def ll(share=None):
        return perceived_log_likelihood(*model(), space, expansion, out, lengths, log_p,
                                        dtype=torch.float64, share=share)

    grads = [torch.autograd.grad(ll()[r].sum(), log_p)[0] for r in range(2)]
    share = torch.tensor([0.25, 0.75])
    assert torch.equal(ll(share), ll())
    got = torch.autograd.grad(ll(share).sum(), log_p)[0]
    assert torch.allclose(got, 0.25 * grads[0] + 0.75 * grads[1])
    assert not torch.allclose(grads[0], grads[1])


def test_reset_parameters_is_seeded_and_leaves_the_global_random_state():
    from neurosym.concepts.perceived import reset_parameters
    from neurosym.concepts.percept import DigitCNN

    net = DigitCNN(8)
    state = torch.random.get_rng_state()
    reset_parameters(net, 5)
    first = [p.detach().clone() for p in net.parameters()]
    assert torch.equal(torch.random.get_rng_state(), state)
    reset_parameters(net, 6)
    assert not torch.equal(first[0], next(net.parameters()))
    reset_parameters(net, 5)
    assert all(torch.equal(a, b) for a, b in zip(first, net.parameters()))


def everything_on_dax():
    """The tiny task's learner with every training image on row 0 (dax), as after a joint phase
    that merged the classes: (task, learner, trees, outputs, percept data)."""
    import numpy as np

    task, draw = tiny_draw()
    trees, outputs, percepts = draw(np.arange(0, 1500), 4)
    learner = tiny_learner(task, epochs=8)
    items = torch.cat(percepts)
    opt = torch.optim.Adam(learner.encoder.parameters(), lr=3e-3)
    while not bool((learner.encoder(items).argmax(1) == 0).all()):
        loss = -learner.encoder(items)[:, 0].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return task, learner, trees, outputs, learner._check(trees, percepts)


def assert_wif_freed_and_the_blue_images_moved(learner, trees, outputs, data):
    """An encoder phase frees wif; the BLUE pairs still count as unexplained; the images of
    each class end on their own row."""
    unexplained = learner._train_encoder(trees, outputs, data)
    assert unexplained == sum(1 for o in outputs if "BLUE" in o)
    assert learner.freed == ["wif"]
    words = [n.rule for t in trees for n in t.walk() if n.rule in CLASSES]
    rows = data.argmax(learner.encoder, learner.device).tolist()
    right = sum(learner.candidates[r] == w for r, w in zip(rows, words))
    assert right / len(words) > 0.95


def test_rows_that_share_a_meaning_are_freed_while_pairs_are_unexplained():
    """Both rows mean RED and every image sits on the dax row (the wif class merged onto it, as
    the jump class in visual SCAN's addprim_jump): the BLUE pairs have no consistent assignment,
    so the wif row, which fewer percepts resolve to, is freed; the blue images move to it, the
    red ones stay on dax, and the BLUE pairs still count as unexplained (the next round relearns
    the program). No percept label is used."""
    task, learner, trees, outputs, data = everything_on_dax()
    assert (data.argmax(learner.encoder, learner.device) == 0).all()
    learner.program = meaning_program(task, "RED", "RED")
    assert learner._rows_to_free(data) == {"wif"}
    assert_wif_freed_and_the_blue_images_moved(learner, trees, outputs, data)
    learner.program = meaning_program(task, "RED", "BLUE")  # all explained: nothing is freed
    assert learner._train_encoder(trees, outputs, data) == 0
    assert learner.freed == []


def test_a_row_no_percept_resolves_to_is_freed_while_pairs_are_unexplained():
    """The joint phase gives every row a rule, also one no image resolves to (visual SCAN's
    template_around_right seed 0: `look = I_TURN_LEFT I_TURN_LEFT I_TURN_LEFT`, no image on it,
    the jump class merged onto another row). Here wif means BLUE BLUE and every image sits on
    dax: the BLUE pairs have no consistent assignment, wif is freed, and the blue images move to
    it. No percept label is used."""
    task, learner, trees, outputs, data = everything_on_dax()
    program = meaning_program(task, "RED", "BLUE")
    wif = Template("wif", 0, (Item(ItemKind.TOKEN, "BLUE"), Item(ItemKind.TOKEN, "BLUE")))
    learner.program = Program({**program.templates, "wif": wif})
    assert learner._rows_to_free(data) == {"wif"}
    assert_wif_freed_and_the_blue_images_moved(learner, trees, outputs, data)
