"""Learn a rule from a Popper task folder (bk.pl, exs.pl, bias.pl): who is whose grandparent?

With no argument the script writes a small family as a Popper folder in a temporary
directory; pass a folder with the same bias (head_pred grandparent/2, body_pred mother/2 and
father/2), e.g. Popper's kinship-pi, to learn from that instead.

Run:  python examples/learn_from_popper.py [FOLDER]
"""

import sys
import tempfile
from pathlib import Path

from neurosym.ilp import RuleLearner
from neurosym.tasks.popper import load_popper_task

BK = """mother(ann, joe). mother(ann, liz). mother(liz, sue). mother(eva, tom).
father(tom, ann). father(joe, max). father(ken, liz). father(ken, ray)."""
EXS = """pos(grandparent(tom, joe)). pos(grandparent(tom, liz)). pos(grandparent(ann, max)).
pos(grandparent(ann, sue)). pos(grandparent(ken, sue)). pos(grandparent(eva, ann)).
neg(grandparent(ann, joe)). neg(grandparent(joe, max)). neg(grandparent(tom, max)).
neg(grandparent(liz, sue)). neg(grandparent(max, ann)). neg(grandparent(ken, ray))."""
BIAS = "head_pred(grandparent, 2).\nbody_pred(mother, 2).\nbody_pred(father, 2).\n"

if len(sys.argv) > 1:
    folder = Path(sys.argv[1])
else:
    folder = Path(tempfile.mkdtemp()) / "family"
    folder.mkdir()
    for name, text in {"bk.pl": BK, "exs.pl": EXS, "bias.pl": BIAS}.items():
        (folder / name).write_text(text + "\n")

# Popper's bias has no templates: grandparent gets one clause that may use an invented
# predicate, and the invented parent/2 gets two clauses over the extensional predicates.
task = load_popper_task(folder, invented={"parent": 2},
                        templates={"grandparent": [(1, True)], "parent": [(0, False), (0, False)]})
print(task.summary())
result = RuleLearner(seed=0, steps=400).fit(task)
print(result.program_text)
print(result.summary())
