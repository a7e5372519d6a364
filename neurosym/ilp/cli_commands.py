"""``neurosym ilp learn TASKFILE``: learn a program for one ILP task and print it with its scores.

Exit status 0 when the learned program is verified (it contradicts no label of any
training or validation world), 1 when it is not (the best program found is still
printed and written to ``--json``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register_cli(task_sub: Any = None, ilp_sub: Any = None, scan_sub: Any = None) -> None:
    """Add ``ilp learn`` to the ``neurosym ilp`` subcommands: one flag per
    :class:`~neurosym.ilp.config.LearnerConfig` setting, plus the command's own."""
    if ilp_sub is None:
        return
    from neurosym.ilp.config import LearnerConfig

    p = ilp_sub.add_parser(
        "learn",
        help="learn a Datalog program for an ILP task file (differentiable ILP)",
        description="Train many random restarts of a ∂ILP model at once, extract the argmax program, "
        "verify it exactly on every world and print it with precision/recall.",
    )
    p.add_argument("task", help="task file path, or a bundled task such as ilp/even")
    LearnerConfig.add_arguments(p)
    p.add_argument("--json", metavar="PATH", help="write the result (program, scores, settings, versions) as JSON")
    p.add_argument("--save", metavar="PATH", help="save the learner (safetensors) for predict/load")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run_learn)


def run_learn(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from neurosym.ilp.config import AUTO, LearnerConfig, describe_auto
    from neurosym.ilp.learner import RuleLearner
    from neurosym.io import atomic_write_json
    from neurosym.tasks.ilp_task import load_ilp_task
    from neurosym.versions import command_line, device_description, resolve_device, versions

    config = LearnerConfig.from_args(args)
    task = load_ilp_task(args.task)
    learner = RuleLearner(config)
    device = resolve_device(config.device)
    print(task.summary())
    auto = config.restarts == AUTO
    count = f"{describe_auto(device.type)} (auto)" if auto else str(config.restarts)
    print(f"training {count} restarts for up to {config.steps} steps on "
          f"{device_description(device)}")
    bar = tqdm(total=config.steps, unit="step", disable=args.quiet, delay=2.0, file=sys.stderr,
               leave=False)

    def progress(p: Any) -> None:
        bar.update(p.step - bar.n)
        best = "-" if p.best_contradicted is None else str(p.best_contradicted)
        bar.set_postfix_str(f"verified {p.restarts_succeeded}/{len(p.losses)}, best errors {best}", refresh=False)

    try:
        result = learner.fit(task, callback=progress)
    finally:
        bar.close()
    print()
    print(result.program_text or "% (empty program)")
    print()
    print(result.summary())
    if args.json:
        data = result.to_json()
        data.update(seed=config.seed, task_path=str(task.path), versions=versions(),
                    command=command_line(),
                    device_description=device_description(device))
        atomic_write_json(args.json, data)
        print(f"wrote {args.json}")
    if args.save:
        learner.save(args.save)
        print(f"saved the learner to {args.save}")
    if not result.verified:
        print(f"neurosym: the best program contradicts {result.labels_contradicted} label(s); try "
              "more --restarts or --steps, another --seed or --optimizer, or larger templates",
              file=sys.stderr)
        return 1
    return 0
