"""``neurosym ilp learn TASKFILE``: learn a program for one ILP task and print it with its scores.

Exit status 0 when the learned program is verified (it contradicts no label of any
training or validation world), 1 when it is not (the best program found is still
printed and written to ``--json``). ``--out DIR`` writes a run folder like ``scan run``'s:
``config.json``, ``metrics.jsonl`` (one line per check), ``rules.txt`` (the program as
Datalog), ``result.json`` and, with matplotlib, ``learning_curve.png``.
"""

from __future__ import annotations

import argparse
import sys
from typing import IO, Any

CONFIDENCE_HELP = (
    "confidence: for each predicate, the probability the trained softmax weights give to the "
    "clause pair that was chosen; the number printed is the smallest over the predicates. It "
    "says how settled gradient descent is on that choice, not whether the program is right: "
    "'verified' means the program was checked exactly against every label of every world. A "
    "verified program with a low confidence (say 0.04) is right on the data, but its weights are "
    "spread over several clause pairs: e.g. pairs that compute the same thing on the training "
    "worlds, which the data cannot tell apart, or training stopped at the first check that "
    "found a verified restart. A program made verified by a repair has its chosen pairs' "
    "weights raised, so it reports a confidence near 1."
)


def register_cli(task_sub: Any = None, ilp_sub: Any = None, scan_sub: Any = None) -> None:
    """Add ``ilp learn`` to the ``neurosym ilp`` subcommands: one flag per
    :class:`~neurosym.ilp.config.LearnerConfig` setting, plus the command's own."""
    if ilp_sub is None:
        return
    from neurosym.bench.run_folder import LOGGER_HELP, LOGGERS
    from neurosym.ilp.config import LearnerConfig
    from neurosym.ilp.neural import HybridSettings

    p = ilp_sub.add_parser(
        "learn",
        help="learn a Datalog program for an ILP task file (differentiable ILP)",
        description="Train many random restarts of a ∂ILP model at once, extract the argmax "
        "program, verify it exactly on every world and print it with precision/recall. Clauses "
        "that never fire in any world are left out of the printed program (the result says how "
        "many).",
        epilog=CONFIDENCE_HELP,
    )
    p.add_argument(
        "task",
        help="ILP task file, bundled task (ilp/even or even), or Popper folder "
        "(bk.pl, exs.pl, bias.pl)",
    )
    LearnerConfig.add_arguments(p)
    p.add_argument(
        "--json",
        metavar="PATH",
        help="write the result (program, scores, settings, versions) as JSON",
    )
    p.add_argument("--save", metavar="PATH", help="save the learner (safetensors) for predict/load")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write a run folder: config.json, metrics.jsonl (one line per check), "
        "rules.txt (the program as Datalog), result.json, learning_curve.png",
    )
    p.add_argument(
        "--logger",
        choices=LOGGERS,
        default="jsonl",
        help=f"with --out: {LOGGER_HELP} (default: jsonl)",
    )
    p.add_argument(
        "--percept-epochs",
        type=int,
        default=HybridSettings.epochs,
        help="a task with a neural predicate ('percept' line): epochs of joint training "
        f"(default {HybridSettings.epochs})",
    )
    p.add_argument(
        "--quiet",
        "--no-progress",
        action="store_true",
        help="no progress (by default a bar on a terminal, a line per check otherwise)",
    )
    p.set_defaults(handler=run_learn)


class FitProgress:
    """``ilp learn``'s progress, called at every check with a :class:`~neurosym.ilp.Progress`:
    on a terminal a bar over the steps the fit plans (``Progress.planned``), elsewhere one line
    per check; nothing when not ``enabled``."""

    def __init__(self, stream: IO[str], *, enabled: bool = True) -> None:
        self.stream, self.enabled = stream, enabled
        self.bar: Any = None
        if enabled and stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="step", file=stream, leave=False, dynamic_ncols=True)

    def __call__(self, p: Any) -> None:
        best = "-" if p.best_contradicted is None else str(p.best_contradicted)
        text = f"verified {p.restarts_succeeded}/{len(p.losses)}, best errors {best}"
        if self.bar is not None:
            self.bar.total = p.planned
            self.bar.update(p.step - self.bar.n)
            self.bar.set_postfix_str(text)
        elif self.enabled:
            print(f"step {p.step}/{p.planned} ({p.seconds:.1f} s): {text}", file=self.stream,
                  flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_learn(args: argparse.Namespace) -> int:
    from neurosym.bench.run_folder import RunFolder
    from neurosym.ilp.config import AUTO, LearnerConfig, describe_auto
    from neurosym.ilp.learner import RuleLearner
    from neurosym.io import atomic_write_json
    from neurosym.tasks.source import read_ilp_source
    from neurosym.versions import command_line, device_description, resolve_device, versions

    config = LearnerConfig.from_args(args)
    task, notes = read_ilp_source(args.task)
    if task.neural is not None:
        return run_learn_neural(args, task, config)
    learner = RuleLearner(config)
    device = resolve_device(config.device)
    folder = (
        None
        if args.out is None
        else RunFolder.create(
            args.out,
            {"task": args.task, "task_path": str(task.path), "learner": config.to_json()},
            args.logger,
        )
    )
    print(task.summary())
    for note in notes:
        print(f"note: {note}")
    auto = config.restarts == AUTO
    count = (
        f"{describe_auto(device.type)} (auto: the most that fit the time limit)"
        if auto
        else str(config.restarts)
    )
    limit = "" if config.time_limit is None else f" or {config.time_limit:g} s"
    print(
        f"training {count} restarts for up to {config.steps} steps{limit} on "
        f"{device_description(device)}"
    )
    bar = FitProgress(sys.stderr, enabled=not args.quiet)

    def progress(p: Any) -> None:
        bar(p)
        if folder is not None:
            folder.append_metrics(
                {
                    "step": p.step,
                    "restarts": len(p.losses),
                    "loss": min(p.losses),
                    "mean_loss": sum(p.losses) / len(p.losses),
                    "best_contradicted": p.best_contradicted,
                    "restarts_succeeded": p.restarts_succeeded,
                    "attempts": p.attempts,
                    "attempts_verified": p.attempts_verified,
                }
            )

    try:
        result = learner.fit(task, callback=progress)
    finally:
        bar.close()
    print()
    print(result.program_text or "% (empty program)")
    print()
    print(result.summary())
    data = result.to_json()
    data.update(
        seed=config.seed,
        task_path=str(task.path),
        versions=versions(),
        command=command_line(),
        device_description=device_description(device),
    )
    if args.json:
        atomic_write_json(args.json, data)
        print(f"wrote {args.json}")
    if folder is not None:
        _finish_run_folder(folder, result, data)
    if args.save:
        learner.save(args.save)
        print(f"saved the learner to {args.save}")
    if not result.verified:
        print(
            f"neurosym: the best program contradicts {result.labels_contradicted} label(s); try "
            "more --restarts or --steps, another --seed or --optimizer, or larger templates",
            file=sys.stderr,
        )
        return 1
    return 0


SAVE_NEURAL = (
    "--save writes a RuleLearner for 'ilp predict', which has no encoder; a task with a neural "
    "predicate ('percept' line) cannot be saved from the command line yet. Use --out DIR "
    "(rules.txt, result.json, metrics.jsonl: one line per attempt) or --json PATH, or train from "
    "Python with "
    "neurosym.ilp.neural_task.learn_neural_task"
)


def run_learn_neural(args: argparse.Namespace, task: Any, config: Any) -> int:
    """``ilp learn`` on a task with a neural predicate: rules and encoder trained jointly
    (:func:`~neurosym.ilp.neural_task.learn_neural_task`); --seed, --device, an int --restarts,
    --json and --out apply, the other learner settings do not; --save is refused before training."""
    from dataclasses import asdict

    from neurosym.bench.run_folder import RunFolder
    from neurosym.errors import NeurosymError
    from neurosym.ilp.neural import HybridSettings
    from neurosym.ilp.neural_task import learn_neural_task
    from neurosym.io import atomic_write_json
    from neurosym.versions import command_line, device_description, resolve_device, versions

    if args.save:
        raise NeurosymError(SAVE_NEURAL)
    device = resolve_device(config.device)
    restarts = config.restarts if isinstance(config.restarts, int) else HybridSettings.restarts
    settings = HybridSettings(epochs=args.percept_epochs, restarts=restarts)
    folder = None if args.out is None else RunFolder.create(
        args.out,
        {"task": args.task, "task_path": str(task.path), "seed": config.seed,
         "device": str(device), "settings": asdict(settings)},
        args.logger,
    )
    print(task.summary())
    print(f"training the rules and the {task.neural.pred} encoder jointly ({settings.epochs} "
          f"epochs, {restarts} restarts) on {device_description(device)}")
    result = learn_neural_task(task, settings, seed=config.seed, device=device)
    print(f"\n{result.program_text}\n\n{result.summary()}")
    data = result.to_json()
    data.update(versions=versions(), command=command_line(),
                device_description=device_description(device))
    if args.json:
        atomic_write_json(args.json, data)
        print(f"wrote {args.json}")
    if folder is not None:
        for k, attempt in enumerate(result.attempts):
            folder.append_metrics({"attempt": k, **{key: attempt[key] for key in (
                "train_loss", "train_accuracy", "least_used", "chosen")}})
        accuracy = ", ".join(f"{g} accuracy {100 * a:.1f}%" for g, a in result.accuracy.items())
        _write_rules(folder, f"% {result.task}: {accuracy}, confidence {result.confidence:.3f}\n",
                     result.program_text, data)
        print(f"wrote the run folder {folder.path}")
    return 0


def _write_rules(folder: Any, header: str, program_text: str, data: dict[str, Any]) -> None:
    """rules.txt (a ``%`` comment ``header``, then Datalog that parse_program reads back) and
    result.json."""
    from neurosym.io import atomic_write_text

    atomic_write_text(folder.rules_path, header + program_text + "\n")
    folder.write_result(data)


def _finish_run_folder(folder: Any, result: Any, data: dict[str, Any]) -> None:
    """rules.txt (Datalog that parse_program reads back), result.json and the loss plot."""
    from neurosym.bench.run_folder import PLOT_MISSING

    status = "verified" if result.verified else "not verified"
    header = (
        f"% {result.task}: {status}, confidence {result.confidence:.3f}, "
        f"{result.clauses_dropped} clause(s) that never fire dropped\n"
    )
    _write_rules(folder, header, result.program_text, data)
    note = folder.plot_learning_curve(f"ilp learn {result.task} (lowest restart loss)")
    print(
        f"wrote the run folder {folder.path}"
        + (f" ({note})" if note and note != PLOT_MISSING else "")
    )
