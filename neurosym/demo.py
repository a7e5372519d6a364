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
    derived = sorted(model.tuples(task.target), key=lambda t: [int(x) if x.isdigit() else x for x in t])
    print(f"least model, {task.target}: {', '.join('(' + ', '.join(t) + ')' for t in derived)}")
    correct = sum(((a.pred, a.ground_tuple()) in model) == label for a, label in world.examples)
    print(f"labels reproduced: {correct}/{len(world.examples)}")


def run_demo(fast: bool = False) -> int:
    demo_exact_evaluation()
    return 0
