"""``neurosym demo`` (``make demo``): a tour of the library on bundled tasks."""

from __future__ import annotations

from neurosym.logic import least_model
from neurosym.tasks.ilp_task import load_ilp_task


def _section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 70 - len(title)))


def demo_exact_evaluation(name: str = "ilp/even") -> None:
    """Parse a bundled ILP task and run its intended program through the exact evaluator."""
    task = load_ilp_task(name)
    _section(f"1. Task file {name}: parse and evaluate exactly")
    print(task.summary())
    print("intended program:")
    print("  " + str(task.solution).replace("\n", "\n  "))
    world = task.train[0]
    model = least_model(world.background, task.solution)
    derived = sorted(
        model.tuples(task.target), key=lambda t: [int(x) if x.isdigit() else x for x in t]
    )
    print(f"least model, {task.target}: {', '.join('(' + ', '.join(t) + ')' for t in derived)}")
    correct = sum(((a.pred, a.ground_tuple()) in model) == label for a, label in world.examples)
    print(f"labels reproduced: {correct}/{len(world.examples)}")


def demo_rule_learning(
    names: tuple[str, ...] = ("ilp/predecessor", "ilp/even", "ilp/connectedness"),
) -> bool:
    """Learn bundled tasks with the differentiable ILP engine; each program is verified exactly."""
    from neurosym.ilp import RuleLearner

    _section(
        "2. Learn rules by gradient descent (differentiable ILP), verified by the exact evaluator"
    )
    ok = True
    for name in names:
        task = load_ilp_task(name)
        result = RuleLearner(seed=0, device="auto").fit(task)
        kind = []
        if task.invented:
            kind.append("invented " + ", ".join(task.invented))
        if any(t.intensional for ts in task.templates.values() for t in ts):
            kind.append("recursive templates")
        print(f"\n{name} ({'; '.join(kind) or 'plain'}):")
        print("  " + result.program_text.replace("\n", "\n  "))
        print("  " + result.summary())
        ok &= result.verified
    return ok


def demo_compositional(
    split_name: str = "addprim_jump", example: str = "jump around right twice after walk left"
) -> bool:
    """Train the neuro-symbolic model on a SCAN split: parse tree -> concepts -> learned rules ->
    accuracy."""
    from neurosym.seq2seq.base import exact_match, make_learner
    from neurosym.tasks.compositional import load_compositional_task

    _section(f"3. SCAN {split_name}: parse -> concept embeddings -> learned composition")
    task = load_compositional_task("scan/scan")
    split = task.split(split_name)
    tree = task.parse(example)
    print(f"input:      {example}")
    print(f"parse tree: {tree}")
    print(
        f"concepts:   {', '.join(sorted({n.rule for n in tree.walk()}))} (rows of the concept "
        "embedding table)"
    )
    learner = make_learner("neurosym", task=task, device="cpu", seed=0)
    report = learner.fit(split.train)
    print(
        f"\ntrained on the {len(split.train)} training lines ({split.note}) in "
        f"{report.seconds:.1f} s; learned rules:"
    )
    print(learner.describe())
    print(
        f"\n{example}  ->  "
        f"{' '.join(learner.predict([tuple(example.split())])[0] or ['<no output>'])}"
    )
    accuracy = exact_match(
        learner.predict([e.input for e in split.test]), [e.output for e in split.test]
    )
    print(
        f"test exact match on {len(split.test)} commands that use 'jump' in new ways: "
        f"{100 * accuracy:.2f}%"
    )
    return accuracy == 1.0


def run_demo(fast: bool = False) -> int:
    demo_exact_evaluation()
    ok = demo_rule_learning()
    ok &= demo_compositional()
    return 0 if ok else 1
