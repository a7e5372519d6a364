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
    """Add ``ilp learn`` to the ``neurosym ilp`` subcommands."""
    if ilp_sub is None:
        return
    from neurosym.ilp.learner import INITS, OPTIMIZERS, RuleLearner
    from neurosym.logic.fuzzy import PRESETS

    d = RuleLearner()
    p = ilp_sub.add_parser(
        "learn",
        help="learn a Datalog program for an ILP task file (differentiable ILP)",
        description="Train many random restarts of a ∂ILP model at once, extract the argmax program, "
        "verify it exactly on every world and print it with precision/recall.",
    )
    p.add_argument("task", help="task file path, or a bundled task such as ilp/even")
    p.add_argument("--restarts", type=restarts_arg, default=d.restarts,
                   help=f"restarts trained together, or auto: 16 to 64 by the task's size (default {d.restarts})")
    p.add_argument("--steps", type=int, default=d.steps, help=f"maximum optimizer steps (default {d.steps})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"learning rate (default {d.lr})")
    p.add_argument("--optimizer", default=d.optimizer,
                   help=f"{', '.join(OPTIMIZERS)}, or a portfolio over restarts such as adam:0.1,rmsprop:0.5 "
                        f"(default {d.optimizer})")
    p.add_argument("--init", choices=INITS, default=d.init, help=f"weight initialisation (default {d.init})")
    p.add_argument("--preset", choices=sorted(PRESETS), default=d.preset,
                   help=f"fuzzy operator preset (default {d.preset}: the paper's)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weight initialisation (default 0)")
    p.add_argument("--check-every", type=int, default=d.check_every,
                   help=f"steps between exact verifications (default {d.check_every})")
    p.add_argument("--max-contradicted", type=float, default=0,
                   help="accept a program contradicting up to this many labels (a fraction if < 1), for noisy data")
    p.add_argument("--no-early-stop", action="store_true",
                   help="train all --steps (default: stop at the first verified program)")
    p.add_argument("--polish-rounds", type=int, default=d.polish_rounds,
                   help=f"repair a settled wrong program by up to this many one-clause swaps, scored exactly "
                        f"(default {d.polish_rounds}; 0: plain ∂ILP)")
    p.add_argument("--gumbel-scale", type=float, default=d.gumbel_scale,
                   help=f"Gumbel noise added to the weights in each training step (default {d.gumbel_scale}; "
                        "0: plain ∂ILP)")
    p.add_argument("--json", metavar="PATH", help="write the result (program, scores, settings, versions) as JSON")
    p.add_argument("--save", metavar="PATH", help="save the learner (safetensors) for predict/load")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run_learn)


def restarts_arg(text: str) -> int | str:
    """``--restarts``: ``auto`` or a positive whole number."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def run_learn(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from neurosym.ilp.learner import RuleLearner
    from neurosym.io import atomic_write_json
    from neurosym.tasks.ilp_task import load_ilp_task
    from neurosym.versions import command_line, device_description, resolve_device, versions

    task = load_ilp_task(args.task)
    max_contradicted: int | float = args.max_contradicted
    if max_contradicted >= 1 or max_contradicted == 0:
        max_contradicted = int(max_contradicted)
    learner = RuleLearner(
        restarts=args.restarts, steps=args.steps, lr=args.lr, optimizer=args.optimizer, preset=args.preset,
        device=args.device, seed=args.seed, init=args.init, check_every=args.check_every,
        stop_early=not args.no_early_stop, max_contradicted=max_contradicted, polish_rounds=args.polish_rounds,
        gumbel_scale=args.gumbel_scale,
    )
    device = resolve_device(args.device)
    print(task.summary())
    count = "16 to 64 (auto)" if args.restarts == "auto" else str(args.restarts)
    print(f"training {count} restarts for up to {args.steps} steps on {device_description(device)}")
    bar = tqdm(total=args.steps, unit="step", disable=args.quiet, delay=2.0, file=sys.stderr, leave=False)

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
        data.update(seed=args.seed, task_path=str(task.path), versions=versions(), command=command_line(),
                    device_description=device_description(device))
        atomic_write_json(args.json, data)
        print(f"wrote {args.json}")
    if args.save:
        learner.save(args.save)
        print(f"saved the learner to {args.save}")
    if not result.verified:
        print(f"neurosym: the best program contradicts {result.labels_contradicted} label(s); try more "
              "--restarts or --steps, another --seed or --lr, or larger rule templates", file=sys.stderr)
        return 1
    return 0
