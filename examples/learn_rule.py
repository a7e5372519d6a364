"""Learn a Datalog rule from facts built in Python (no task file): who is whose grandparent?

Run:  python examples/learn_rule.py
"""

from neurosym.ilp import RuleLearner, make_task
from neurosym.logic.terms import atom

parents = [
    ("ann", "bob"),
    ("bob", "cat"),
    ("bob", "dan"),
    ("cat", "eve"),
    ("fay", "gus"),
    ("gus", "hal"),
]
facts = [atom("parent", p, c) for p, c in parents]
grandparents = [atom("grandparent", g, c) for g, p in parents for q, c in parents if p == q]

# Every other grandparent(X, Y) pair is a negative example (closed world).
# One rule template: (1 existential variable, no intensional predicates in the body).
task = make_task(facts, grandparents, templates={"grandparent": [(1, False)]})
learner = RuleLearner(seed=0)
result = learner.fit(task)

print(result.program_text)  # grandparent(X, Y) :- parent(X, Z), parent(Z, Y).
print(result.summary())
new_family = [atom("parent", "ivy", "jon"), atom("parent", "jon", "kim")]
print({str(a): v for a, v in learner.predict(new_family).items() if v > 0.5})
