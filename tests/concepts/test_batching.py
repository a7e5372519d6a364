"""Trees -> level-ordered index tensors."""

from neurosym.concepts.batching import batch_trees
from neurosym.concepts.table import ConceptTable
from neurosym.lang.tree import ParseNode as N

TABLE = ConceptTable({"and": 2, "twice": 1, "walk": 0, "run": 0})


def test_levels_children_and_roots():
    trees = [N("and", (N("twice", (N("walk"),)), N("run"))), N("walk")]
    b = batch_trees(trees, TABLE)
    assert [l.size for l in b.levels] == [3, 1, 1]  # leaves: walk, run (tree 0), walk (tree 1)
    leaves, mid, top = b.levels
    assert [TABLE.names[c] for c in leaves.concept.tolist()] == ["walk", "run", "walk"]
    assert leaves.example.tolist() == [0, 0, 1]
    assert mid.concept.tolist() == [TABLE.index("twice")] and mid.children.tolist() == [[0, -1]]
    assert top.children.tolist() == [[3, 1]]  # twice is node 3, run is node 1
    assert b.roots.tolist() == [4, 2] and b.num_nodes == 5
    # every child has a smaller number than its parent: a bottom-up pass is well defined
    for level in b.levels:
        kids = level.children[level.children >= 0]
        assert (kids < level.start).all()
