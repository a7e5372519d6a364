"""``neurosym scan run``: train a model on a SCAN split (or any compositional task's split),
evaluate, report.

For each seed the runner trains in its own run folder (``<out>/<split>-<model>-seed<k>/``,
see :mod:`neurosym.bench.run_folder`), checkpoints as it goes, then scores **exact
match on the full test set** with free greedy decoding (the model never sees the
gold output length). It prints a table of mean ± std over seeds and writes a JSON
summary (``<out>/<split>-<model>.json``, and ``--json PATH`` if given).

Conventions, stated in every result:

* **Repeated lone primitive.** The add-primitive train sets repeat the lone
  primitive (``jump``: 1,467 of 14,670 lines; ``turn left``: 2,189 of 21,890) so it
  makes 10% of the lines. By default the repeats are **kept as the file has them**
  and training batches are drawn with replacement from the lines, so the primitive
  is seen in ~10% of training examples (Lake & Baroni 2018's protocol).
  ``--dedupe-train`` keeps one copy of each line instead.
* **Accuracy** is a fraction in [0, 1] in the JSON (percent in the table); std is
  the sample standard deviation over seeds (0 for one seed).
* **Train accuracy** is exact match by the same free decoding on up to
  ``--train-eval`` (default 2000) distinct training examples, sampled with the seed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from neurosym.bench.distributed import finish, init_distributed, rank_device, run_items
from neurosym.bench.run_folder import LOGGER_HELP, PLOT_MISSING, Logger, RunFolder
from neurosym.config import Config, apply_overrides, option
from neurosym.errors import NeurosymError
from neurosym.io import atomic_write_json
from neurosym.seq2seq.base import (
    Learner,
    exact_match,
    learner_defaults,
    learner_names,
    make_learner,
)
from neurosym.seq2seq.training import TrainConfig
from neurosym.tasks.examples import Example
from neurosym.versions import (
    check_device_name,
    command_line,
    device_description,
    resolve_device,
    versions,
)

MAX_ERRORS_WRITTEN = 200


SPLITS_HELP = (
    "simple, length, addprim_jump, addprim_turn_left, template_around_right, "
    "template_jump_around_right, template_opposite_right, template_right (or a split "
    "of --task); required unless --eval-only"
)


@dataclass(frozen=True)
class RunSettings(Config):
    """Everything ``neurosym scan run`` takes; its flags and their help come from these fields."""

    split: str | None = option(None, SPLITS_HELP)
    model: str = option("lstm", "lstm, gru, lstm-attn, gru-attn, transformer, neurosym")
    seeds: int = option(1, "number of seeds (first-seed, first-seed+1, ...)", minimum=1)
    first_seed: int = option(0, "the first seed", minimum=0)
    steps: int | None = option(
        None,
        "optimizer steps per seed (default: the model's; baselines: 100000 examples / batch size)",
        minimum=1,
    )
    device: str = option("auto", "auto, cpu, cuda, cuda:1 ...", check=check_device_name)
    data: str | None = option(
        None, "folder with the official SCAN files (default: found automatically)"
    )
    out: str = option("runs/scan", "folder for the run folders and the summary JSON")
    json: str | None = option(None, "also write the summary JSON here")
    resume: bool = option(False, "continue interrupted runs from their checkpoints")
    eval_only: str | None = option(
        None, "evaluate the checkpoint of a run folder (no training)", metavar="RUN_DIR"
    )
    task: str | None = option(None, "a compositional task file (default: the bundled SCAN task)")
    options: dict[str, Any] = field(default_factory=dict)  # the model's
    # options: overrides of its configuration (-o KEY=VALUE, --batch-size, --lr)
    dedupe_train: bool = option(
        False,
        "keep one copy of repeated training lines (default: keep "
        "the repeats as the split has them)",
    )
    train_eval: int = option(
        2000, "distinct training examples decoded for train accuracy (0 = all)", minimum=0
    )
    checkpoint_every: int = option(
        1000, "steps between checkpoints (0 = only at the end)", minimum=0
    )
    log_every: int = option(50, "steps per metrics.jsonl line", minimum=1)
    eval_every: int = option(
        0,
        "also score test and train exact match every N steps (0 = only at "
        "the end; metrics.jsonl event eval_during)",
        minimum=0,
    )
    threads: int | None = option(None, "torch CPU threads (default: torch's)", minimum=1)
    logger: Logger = option("jsonl", LOGGER_HELP)
    progress: bool | None = option(
        None, "None: a bar on a terminal, periodic lines otherwise", fixed=True
    )

    def check(self) -> None:
        """The model exists and its options are valid: checked before any data is read."""
        if self.model not in learner_names():
            raise NeurosymError(
                f"unknown model {self.model!r}; choose one of: {', '.join(learner_names())}"
            )
        apply_overrides(self.options, *learner_defaults(self.model), what=f"the {self.model} model")


# ------------------------------------------------------------------------------------ data
def load_task(task_file: str | None):
    """The compositional task: ``--task FILE``, or the bundled SCAN task (data folder found
    automatically)."""
    if task_file is None:
        from neurosym.tasks.scan import load_scan

        return load_scan()
    from neurosym.tasks.compositional import load_compositional_task

    return load_compositional_task(task_file)


def load_split(task: Any, name: str, data: str | None, dedupe: bool):
    """``(train, test, info)`` for split ``name``; ``info`` records where it came from and the train
    convention."""
    if name not in task.split_names:
        raise NeurosymError(
            f"task {task.name!r} has no split {name!r}; choose one of: "
            f"{', '.join(task.split_names)}"
        )
    split = task.split(name, data)
    for side in ("train", "test"):
        if not getattr(split, side):
            raise NeurosymError(
                f"split {name!r} has an empty {side} set ({split.note}); check the files in --data"
            )
    train = list(split.train)
    distinct = len(set(train))
    if dedupe:
        train = list(dict.fromkeys(train))
        convention = f"--dedupe-train: one copy of each of the {distinct} distinct training lines"
    else:
        convention = (
            f"repeated lines kept as the split has them ({len(split.train)} lines, {distinct} "
            "distinct); training batches are drawn with replacement from the lines"
        )
    info = {
        "split_note": split.note,
        "train_size": len(train),
        "train_distinct": distinct,
        "test_size": len(split.test),
        "train_convention": convention,
    }
    return train, list(split.test), info


# ------------------------------------------------------------------------------ evaluation
def evaluate(
    learner: Learner, examples: Sequence[Example]
) -> tuple[float, list[tuple[str, ...] | None]]:
    """Exact match of free greedy decoding on every example; returns (accuracy, predictions)."""
    preds = learner.predict([e.input for e in examples])
    return exact_match(preds, [e.output for e in examples]), preds


def accuracy_by_output_length(
    examples: Sequence[Example], preds: Sequence[tuple[str, ...] | None]
) -> dict[str, float]:
    """Exact match per gold output length (``{"24": 0.1, ...}``), the breakdown L&B give for the
    length split."""
    hits: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for e, p in zip(examples, preds):
        hits[len(e.output)][0] += p is not None and tuple(p) == e.output
        hits[len(e.output)][1] += 1
    return {str(k): round(h / n, 6) for k, (h, n) in sorted(hits.items())}


def _train_sample(train: Sequence[Example], n: int, seed: int) -> list[Example]:
    """Up to ``n`` distinct training examples (all when ``n <= 0``), drawn with ``seed``."""
    distinct = list(dict.fromkeys(train))
    return distinct if n <= 0 or n >= len(distinct) else random.Random(seed).sample(distinct, n)


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for one value)."""
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, 0.0
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


# ------------------------------------------------------------------------------- progress
class _Progress:
    """Progress bar (tqdm) with smoothed loss and running exact match; log lines when not on a
    terminal."""

    def __init__(
        self, total: int | None, initial: int, label: str, enabled: bool | None, every: int
    ) -> None:
        from tqdm import tqdm

        self.tty = sys.stderr.isatty() if enabled is None else enabled
        self.bar = tqdm(
            total=total,
            initial=initial,
            desc=label,
            unit="step",
            disable=not self.tty,
            dynamic_ncols=True,
            mininterval=0.5,
        )
        self.total, self.label, self.every = total, label, max(every, 1)
        self.loss: float | None = None
        self.acc: float | None = None
        self.t0 = time.perf_counter()
        self.first = initial

    def update(self, step: int, metrics: dict[str, float]) -> None:
        a = 0.02
        self.loss = (
            metrics["loss"] if self.loss is None else (1 - a) * self.loss + a * metrics["loss"]
        )
        if "acc" in metrics:
            self.acc = (
                metrics["acc"] if self.acc is None else (1 - a) * self.acc + a * metrics["acc"]
            )
        self.bar.update(1)
        if step % 10 == 0:
            post = {"loss": f"{self.loss:.4f}"}
            if self.acc is not None:
                post["acc"] = f"{self.acc:.3f}"
            self.bar.set_postfix(post, refresh=False)
        if not self.tty and step % self.every == 0:
            rate = (step - self.first) / max(time.perf_counter() - self.t0, 1e-9)
            acc = f" running acc {self.acc:.3f}" if self.acc is not None else ""
            total = f"/{self.total}" if self.total else ""
            print(
                f"  [{self.label}] step {step}{total} loss {self.loss:.4f}{acc} ({rate:.1f} "
                "steps/s)",
                flush=True,
            )

    def close(self) -> None:
        self.bar.close()


# ------------------------------------------------------------------------------ one seed
def checkpoint_interval(every: int, planned: int | None) -> int:
    """Steps between checkpoints: ``every`` (0: only at the end), but at most a quarter of the
    ``planned`` steps, so that every run leaves a checkpoint well before its end."""
    if not every or not planned:
        return every
    return min(every, max(1, planned // 4))


class _StopRequest:
    """Ctrl-C while training: the step in progress finishes, the training callback writes a
    checkpoint and stops (a second Ctrl-C stops at once)."""

    def __init__(self) -> None:
        self.requested = False
        self._old: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handler)

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _learner_from_config(config: dict[str, Any], task: Any, device: torch.device) -> Learner:
    return make_learner(
        config["model"], task=task, device=device, seed=config["seed"], **config["options"]
    )


def _planned_steps(learner: Learner, steps: int | None) -> int | None:
    if steps is not None:
        return steps
    default = getattr(learner, "default_steps", None)
    return default() if callable(default) else None


def run_seed(
    settings: RunSettings,
    task: Any,
    train: list[Example],
    test: list[Example],
    info: dict[str, Any],
    seed: int,
    device: torch.device,
) -> dict[str, Any]:
    """Train (or resume) one seed in its run folder, evaluate, write result.json; returns the
    result."""
    folder = RunFolder(
        Path(settings.out) / f"{settings.split}-{settings.model}-seed{seed}", settings.logger
    )
    config = {
        "split": settings.split,
        "model": settings.model,
        "seed": seed,
        "steps": settings.steps,
        "options": settings.options,
        "task": settings.task or "scan/scan (bundled)",
        "data": settings.data,
        "dedupe_train": settings.dedupe_train,
        **info,
    }
    learner = _learner_from_config(config, task, device)
    resumed_from = None
    if folder.exists():
        if not settings.resume:
            raise NeurosymError(
                f"{folder.path} already holds a run; pass --resume to continue it (or reuse its "
                "result), or choose another --out folder"
            )
        old = folder.read_config()
        for key in ("split", "model", "seed", "options", "dedupe_train", "task"):
            if old.get(key) != config.get(key):
                raise NeurosymError(
                    f"{folder.config_path}: --resume with a different {key} ({old.get(key)!r} "
                    f"there, {config.get(key)!r} now); rerun with the same settings or choose "
                    "another --out folder"
                )
        done = folder.read_result()
        if done is not None and done.get("steps_requested") == settings.steps:
            print(f"  [{folder.path.name}] finished earlier: reusing {folder.result_path}")
            return done
        if folder.has_checkpoint():
            learner.load_checkpoint(folder.checkpoint_dir)
            resumed_from = int(getattr(learner, "step", 0))
            folder.truncate_metrics(resumed_from)
            print(f"  [{folder.path.name}] resuming from the checkpoint at step {resumed_from}")
        else:
            folder.truncate_metrics(0)  # stopped before its first checkpoint: start again
            print(f"  [{folder.path.name}] --resume: no checkpoint yet, starting from step 0")
    elif settings.resume:
        print(f"  [{folder.path.name}] --resume: nothing to resume, starting from step 0")
    folder.write_config(config)

    planned = _planned_steps(learner, settings.steps)
    start = resumed_from or 0
    progress = _Progress(
        planned,
        start,
        f"{settings.split} {settings.model} seed {seed}",
        settings.progress,
        settings.log_every * 10,
    )
    window: dict[str, list[float]] = defaultdict(list)
    train_sample = _train_sample(train, settings.train_eval, seed)
    eval_during = [0.0]  # seconds spent in --eval-every evaluations (not training time)
    t_start = time.perf_counter()
    every = checkpoint_interval(settings.checkpoint_every, planned)
    stop = _StopRequest()

    def callback(step: int, metrics: dict[str, float]) -> None:
        progress.update(step, metrics)
        for k, v in metrics.items():
            window[k].append(v)
        if step % settings.log_every == 0:
            rec = {
                "step": step,
                **{k: sum(v) / len(v) for k, v in window.items()},
                "seconds": round(time.perf_counter() - t_start, 3),
            }
            folder.append_metrics(rec)
            window.clear()
        if (every and step % every == 0) or stop.requested:
            learner.save(folder.checkpoint_dir)
        if stop.requested:
            print(
                f"\n  [{folder.path.name}] interrupted: checkpoint of step {step} written to "
                f"{folder.checkpoint_dir}; rerun with --resume to continue",
                flush=True,
            )
            raise KeyboardInterrupt
        if settings.eval_every and step % settings.eval_every == 0:
            t_eval = time.perf_counter()
            test_acc, _ = evaluate(learner, test)
            train_acc, _ = evaluate(learner, train_sample)
            folder.append_metrics(
                {
                    "event": "eval_during",
                    "step": step,
                    "test_accuracy": test_acc,
                    "train_accuracy": train_acc,
                }
            )
            print(
                f"  [{folder.path.name}] step {step}: test {100 * test_acc:.2f}%  train "
                f"{100 * train_acc:.2f}%",
                flush=True,
            )
            eval_during[0] += time.perf_counter() - t_eval

    try:
        with stop:
            report = learner.fit(train, steps=settings.steps, callback=callback)
    finally:
        progress.close()
    learner.save(folder.checkpoint_dir)
    return _evaluate_and_record(
        folder,
        learner,
        config,
        report,
        train,
        test,
        seed,
        settings.train_eval,
        steps_requested=settings.steps,
        resumed_from=resumed_from,
        eval_during_seconds=eval_during[0],
    )


def _evaluate_and_record(
    folder: RunFolder,
    learner: Learner,
    config: dict[str, Any],
    report: Any,
    train: list[Example],
    test: list[Example],
    seed: int,
    train_eval: int,
    *,
    steps_requested: int | None,
    resumed_from: int | None,
    eval_during_seconds: float = 0.0,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    test_acc, preds = evaluate(learner, test)
    sample = _train_sample(train, train_eval, seed)
    train_acc, _ = evaluate(learner, sample)
    eval_seconds = time.perf_counter() - t0
    errors = [(e, p) for e, p in zip(test, preds) if p is None or tuple(p) != e.output]
    folder.path.mkdir(parents=True, exist_ok=True)
    from neurosym.io import atomic_write_text

    atomic_write_text(
        folder.errors_path,
        "".join(
            f"IN: {' '.join(e.input)}\n  gold: {' '.join(e.output)}\n"
            f"  got:  {'<no output>' if p is None else ' '.join(p)}\n"
            for e, p in errors[:MAX_ERRORS_WRITTEN]
        ),
    )
    extra = dict(getattr(report, "extra", {}) or {})
    train_seconds = (
        float(getattr(report, "seconds", 0.0)) - eval_during_seconds
    )  # fit's clock ran during them
    seen = extra.get("examples_seen")
    result = {
        "split": config["split"],
        "model": config["model"],
        "seed": seed,
        "test_accuracy": test_acc,
        "train_accuracy": train_acc,
        "train_accuracy_examples": len(sample),
        "test_size": len(test),
        "steps": int(getattr(report, "steps", 0)),
        "steps_requested": steps_requested,
        "resumed_from_step": resumed_from,
        "train_seconds": round(train_seconds, 3),
        "eval_seconds": round(eval_seconds, 3),
        "eval_during_training_seconds": round(eval_during_seconds, 3),
        "examples_per_second": round(seen / train_seconds, 1)
        if seen and train_seconds > 0
        else None,
        "final_loss": getattr(report, "final_loss", None),
        "fit_extra": extra,
        "test_accuracy_by_output_length": accuracy_by_output_length(test, preds),
        "run_dir": str(folder.path),
    }
    folder.append_metrics(
        {
            "event": "eval",
            "step": result["steps"],
            "test_accuracy": test_acc,
            "train_accuracy": train_acc,
        }
    )
    folder.write_result(result)
    rules = rules_text(extra)
    if rules:
        atomic_write_text(folder.rules_path, rules)
    note = folder.plot_learning_curve(f"{config['split']} / {config['model']} / seed {seed}")
    if note and note != PLOT_MISSING:
        print(f"  [{folder.path.name}] {note}")
    return result


def rules_text(fit_extra: dict[str, Any]) -> str:
    """A learner's rules (``fit_extra["rules"]``), one a line as in a task file's meaning block,
    each with its confidence as a comment; "" for a learner without rules."""
    rules, confidence = fit_extra.get("rules") or {}, fit_extra.get("confidence") or {}
    width = max((len(text) for text in rules.values()), default=0)
    return "".join(
        f"{text.ljust(width)}   # p={confidence[name]:.3f}\n" if name in confidence else f"{text}\n"
        for name, text in rules.items()
    )


def print_rules(results: Sequence[dict[str, Any]]) -> None:
    """Print each seed's learned rules (nothing for models that learn none)."""
    for r in results:
        text = rules_text(r.get("fit_extra") or {})
        if text:
            print(f"\nlearned rules, seed {r['seed']} ({Path(r['run_dir']) / 'rules.txt'}):")
            print(text, end="")


def check_perceived(task: Any, model: str) -> None:
    """A task with a ``percept`` line needs the model that reads percepts (never silently the
    words)."""
    perceived = getattr(task, "perceived", ())
    if perceived and model != "neurosym":
        raise NeurosymError(
            f"task {task.name!r} perceives words ({perceived[0]}); model {model!r} reads words "
            "only: use --model neurosym (the LSTM on the same percepts: "
            "bench/neurosym/visual_scan.py --baseline lstm)"
        )


def print_percepts(result: dict[str, Any]) -> None:
    """A perceived-word run's encoder accuracy and learned assignment (nothing for others)."""
    extra = result.get("fit_extra") or {}
    if "encoder_accuracy" in extra:
        print(
            f"  seed {result['seed']}: encoder accuracy {100 * extra['encoder_accuracy']:.2f}% on "
            f"{extra['test_images']} test images (best class-to-row matching); assignment: "
            + "; ".join(f"{k} -> {v}" for k, v in extra["assignment"].items())
            + "".join(f"; indistinct: {', '.join(g)}" for g in extra["indistinct"]),
            flush=True,
        )


# ------------------------------------------------------------------------------ the runner
def summarize(
    settings: RunSettings,
    results: list[dict[str, Any]],
    info: dict[str, Any],
    device: torch.device,
    seconds: float,
    *,
    eval_only: bool = False,
) -> dict[str, Any]:
    tests = [r["test_accuracy"] for r in results]
    trains = [r["train_accuracy"] for r in results]
    tm, ts = mean_std(tests)
    rm, rs = mean_std(trains)
    return {
        "split": settings.split,
        "model": settings.model,
        "seeds": [r["seed"] for r in results],
        "test_accuracy": {"per_seed": tests, "mean": tm, "std": ts},
        "train_accuracy": {
            "per_seed": trains,
            "mean": rm,
            "std": rs,
            "examples": results[0].get("train_accuracy_examples"),
        },
        "steps": max(r["steps"] for r in results),
        "seconds": round(seconds, 3),
        "device": device_description(device),
        "versions": versions(),
        "command": command_line(),
        "eval_only": eval_only,
        "options": settings.options,
        "task": settings.task or "scan/scan (bundled)",
        "accuracy_note": (
            "exact match of the whole output sequence, free greedy decoding to <eos> (no gold "
            "length); fractions in [0, 1]; std = sample standard deviation over seeds"
        ),
        **info,
        "runs": results,
    }


def format_table(summary: dict[str, Any]) -> str:
    rows = [("split", "model", "seed", "test acc %", "train acc %", "steps", "train s", "ex/s")]
    for r in summary["runs"]:
        eps = r.get("examples_per_second")
        rows.append(
            (
                summary["split"],
                summary["model"],
                str(r["seed"]),
                f"{100 * r['test_accuracy']:.2f}",
                f"{100 * r['train_accuracy']:.2f}",
                str(r["steps"]),
                f"{r['train_seconds']:.0f}",
                "-" if eps is None else f"{eps:.0f}",
            )
        )
    t, tr = summary["test_accuracy"], summary["train_accuracy"]
    rows.append(
        (
            summary["split"],
            summary["model"],
            f"mean of {len(summary['seeds'])}",
            f"{100 * t['mean']:.2f} ± {100 * t['std']:.2f}",
            f"{100 * tr['mean']:.2f} ± {100 * tr['std']:.2f}",
            str(summary["steps"]),
            "",
            "",
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_scan(settings: RunSettings) -> dict[str, Any]:
    """Run every seed (training, or ``eval_only``), print the table, write the JSON; return the
    summary."""
    if settings.threads:
        torch.set_num_threads(settings.threads)
    device = resolve_device(settings.device)
    if settings.eval_only:
        return eval_checkpoint(settings, device)
    if settings.split is None:
        raise NeurosymError(
            "--split is required (e.g. --split simple); see 'neurosym scan run --help'"
        )
    task = load_task(settings.task)
    check_perceived(task, settings.model)
    train, test, info = load_split(task, settings.split, settings.data, settings.dedupe_train)
    print(
        f"scan run: split {settings.split} ({info['train_size']} train, {info['test_size']} test; "
        f"{info['split_note']})"
    )
    print(
        f"  model {settings.model}, device {device_description(device)}, seeds "
        f"{settings.first_seed}..{settings.first_seed + settings.seeds - 1}, out {settings.out}"
    )
    print(f"  train convention: {info['train_convention']}")
    t0 = time.perf_counter()
    # Under torchrun the seeds are split across ranks (each on its own GPU); rank 0 merges and
    # reports.
    ctx = init_distributed()
    rank_dev = rank_device(device, ctx)

    def work(index: int, seed: int) -> dict[str, Any]:
        r = run_seed(settings, task, train, test, info, seed, rank_dev)
        print(
            f"  seed {seed}: test {100 * r['test_accuracy']:.2f}%  train "
            f"{100 * r['train_accuracy']:.2f}%  ({r['steps']} steps, {r['train_seconds']:.0f} s "
            f"training, {r['eval_seconds']:.0f} s evaluation)",
            flush=True,
        )
        print_percepts(r)
        return r

    seeds = list(range(settings.first_seed, settings.first_seed + settings.seeds))
    shard_base = Path(settings.out) / f"{settings.split}-{settings.model}.json"
    results = run_items(seeds, work, out=shard_base, ctx=ctx)
    finish(ctx)
    if results is None:  # not rank 0
        return {}
    lost = [seed for seed, r in zip(seeds, results) if r.get("status") == "lost"]
    if lost:
        print(
            f"  seeds {lost} were lost (their rank died); the summary covers the others", flush=True
        )
    summary = summarize(
        settings,
        [r for r in results if r.get("status") != "lost"],
        info,
        device,
        time.perf_counter() - t0,
    )
    summary["processes"] = ctx.world_size
    summary["lost_seeds"] = lost
    _report(settings, summary)
    print_rules([r for r in results if r.get("status") != "lost"])
    return summary


def eval_checkpoint(settings: RunSettings, device: torch.device) -> dict[str, Any]:
    """Evaluate a run folder's checkpoint (no training); the split is the run's unless --split names
    another."""
    folder = RunFolder(Path(settings.eval_only))
    if not folder.config_path.exists() and (folder.path.parent / "config.json").exists():
        folder = RunFolder(folder.path.parent)  # the checkpoint/ folder itself was given
    config = folder.read_config()
    if not folder.has_checkpoint():
        raise NeurosymError(
            f"{folder.checkpoint_dir}: no checkpoint here; pass a run folder written by 'neurosym "
            "scan run'"
        )
    task_file = settings.task or (
        None if config.get("task", "").startswith("scan/scan (bundled)") else config.get("task")
    )
    settings = replace(
        settings,
        split=settings.split or config["split"],
        model=config["model"],
        options=config["options"],
        task=task_file,
    )
    task = load_task(task_file)
    train, test, info = load_split(
        task, settings.split, settings.data or config.get("data"), config.get("dedupe_train", False)
    )
    learner = _learner_from_config(config, task, device)
    learner.load_checkpoint(folder.checkpoint_dir)
    print(
        f"scan run --eval-only: {folder.path} ({config['model']}, seed {config['seed']}, step "
        f"{getattr(learner, 'step', '?')}) on split {settings.split}, device "
        f"{device_description(device)}"
    )
    t0 = time.perf_counter()
    test_acc, preds = evaluate(learner, test)
    sample = _train_sample(train, settings.train_eval, config["seed"])
    train_acc, _ = evaluate(learner, sample)
    result = {
        "split": settings.split,
        "model": config["model"],
        "seed": config["seed"],
        "test_accuracy": test_acc,
        "train_accuracy": train_acc,
        "train_accuracy_examples": len(sample),
        "test_size": len(test),
        "steps": int(getattr(learner, "step", 0) or 0),
        "train_seconds": 0.0,
        "eval_seconds": round(time.perf_counter() - t0, 3),
        "examples_per_second": None,
        "test_accuracy_by_output_length": accuracy_by_output_length(test, preds),
        "run_dir": str(folder.path),
        "checkpoint": str(folder.checkpoint_dir),
    }
    summary = summarize(settings, [result], info, device, time.perf_counter() - t0, eval_only=True)
    _report(settings, summary, default_json=folder.path / f"eval-{settings.split}.json")
    return summary


def _report(
    settings: RunSettings, summary: dict[str, Any], default_json: Path | None = None
) -> None:
    print()
    print(format_table(summary))
    path = default_json or Path(settings.out) / f"{summary['split']}-{summary['model']}.json"
    atomic_write_json(path, summary)
    print(f"\nwrote {path}")
    if settings.json:
        atomic_write_json(settings.json, summary)
        print(f"wrote {settings.json}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if not summary.get("eval_only"):
            print(f"note: {PLOT_MISSING}")


# ------------------------------------------------------------------------------------ CLI
SHORTCUTS = ("batch_size", "lr")  # model options that also have a flag of their own


def _parse_option(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            f"--option {text!r}: write KEY=VALUE, e.g. --option hidden=100"
        )
    try:
        return key.replace("-", "_"), json.loads(value)
    except json.JSONDecodeError:
        return key.replace("-", "_"), value


def register_cli(*, task_sub: Any = None, ilp_sub: Any = None, scan_sub: Any) -> None:
    """Add ``scan run`` to the ``neurosym scan`` group."""
    p = scan_sub.add_parser(
        "run",
        help="train and evaluate a model on a SCAN split (exact match, mean ± std over seeds)",
        description=(
            "Train a model on a split for each seed (one run folder each: config.json, "
            "metrics.jsonl, checkpoint/, result.json, errors.txt, learning_curve.png), then score "
            "exact match on the full test set with free greedy decoding (the gold output length is "
            "never given). Prints mean ± std over seeds and writes a JSON summary. The "
            "add-primitive train sets repeat the lone primitive (10% of the lines); the repeats "
            "are kept as the split has them unless --dedupe-train."
        ),
        epilog=_options_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    RunSettings.add_arguments(p)
    for name in SHORTCUTS:
        p.add_argument(
            "--" + name.replace("_", "-"),
            type=TrainConfig.flag_type(name),
            default=None,
            help=f"{TrainConfig.help_of(name)} (default: the model's; the same as -o {name}=...)",
        )
    p.add_argument(
        "--option",
        "-o",
        action="append",
        type=_parse_option,
        default=[],
        metavar="KEY=VALUE",
        help="a model option, e.g. -o hidden=100 -o dropout=0.1 (the options are listed below)",
    )
    p.set_defaults(handler=_cmd_scan_run)


def _options_help() -> str:
    """Each model's options with default and help, from its configurations (models with the same
    options share a list)."""
    lists: dict[str, list[str]] = {}
    for name in learner_names():
        text = "\n".join(
            "  " + line for config in learner_defaults(name) for line in config.describe()
        )
        lists.setdefault(text, []).append(name)
    return "\n\n".join(
        f"options of {', '.join(names)} (-o KEY=VALUE; default in parentheses):\n{text}"
        for text, names in lists.items()
    )


def _cmd_scan_run(args: argparse.Namespace) -> int:
    options = dict(args.option)
    for name in SHORTCUTS:
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    run_scan(RunSettings.from_args(args, options=options))
    return 0
