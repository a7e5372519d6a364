"""Visual SCAN: SCAN's four action words arrive as MNIST images, learned with no percept label.

    .venv/bin/python bench/neurosym/visual_scan.py --device cpu \
        --splits simple,addprim_jump,length --seeds 0 --json bench/neurosym/results-visual.json
    .venv/bin/python bench/neurosym/visual_scan.py --table bench/neurosym/results-visual.json

Every occurrence of ``walk``/``look``/``run``/``jump`` in a command is a fresh image of digit
class 0/1/2/3 (:data:`WORD_CLASS`): training images from MNIST 0-7999, test images from
8000-9999. The parser reads the other words; each action leaf of the parse tree is a
distribution over the four action concepts given by a :class:`PerceptEncoder`
(:mod:`neurosym.concepts.perceived`). Reported per split and seed: exact match on the full
test set (test percepts), the encoder's accuracy on the test images of the four classes after
the best class-to-concept matching, whether the learned rules equal the task's meanings (the
four action rows up to that matching), training seconds (wall and CPU) and the machine's load
average (``os.getloadavg``) when the run started and ended.

``--baseline lstm`` trains Lake & Baroni's LSTM on the same percept sequences instead (the same
images for the same seed; each perceived word's image through the perceived model's network,
:func:`~neurosym.seq2seq.perceived_model.percept_network`, as an input embedding, end to end:
:mod:`neurosym.seq2seq.perceived_baseline`).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from neurosym.concepts.learn import LearnConfig
from neurosym.concepts.perceived import PerceptConfig, PerceptLearner
from neurosym.concepts.table import ConceptTable
from neurosym.io import atomic_write_json
from neurosym.seq2seq.perceived_baseline import perceived_inputs, perceived_recurrent
from neurosym.seq2seq.perceived_model import PerceptPool, new_encoder
from neurosym.tasks.compositional import load_compositional_task
from neurosym.tasks.examples import Example
from neurosym.tasks.mnist import TEST_RANGE, TRAIN_RANGE, read_mnist
from neurosym.versions import command_line, device_description, resolve_device, versions

WORD_CLASS = {"walk": 0, "look": 1, "run": 2, "jump": 3}
"""The digit class whose images stand for each action word."""


def run(task: Any, split: str, seed: int, device: torch.device, pool: PerceptPool,
        pcfg: PerceptConfig) -> dict[str, Any]:
    """The compositional model with perceived action words on one split and seed."""
    data = task.split(split)
    rng = np.random.default_rng(seed)
    train_trees = [task.parse(ex.input) for ex in data.train]
    train_percepts = pool.draw(train_trees, TRAIN_RANGE, rng)
    outputs = [tuple(ex.output) for ex in data.train]
    vocabulary = sorted({t for o in outputs for t in o})
    torch.manual_seed(seed)
    encoder = new_encoder(pool.words)
    learner = PerceptLearner(ConceptTable(task.alternatives), vocabulary, encoder, LearnConfig(),
                             pcfg, device=device, seed=seed)
    cpu, start = time.process_time(), time.perf_counter()
    result = learner.fit(train_trees, outputs, [1.0] * len(outputs), train_percepts,
                         progress=lambda e: print(f"  {split} seed {seed}: {e}", flush=True))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu

    test_trees = [task.parse(ex.input) for ex in data.test]
    test_percepts = pool.draw(test_trees, TEST_RANGE, rng)
    predicted = learner.predict(test_trees, test_percepts)
    exact = float(np.mean([p == tuple(ex.output) for p, ex in zip(predicted, data.test)]))
    report = pool.encoder_report(encoder, result.program, TEST_RANGE, device)
    learned = result.program.templates
    # word w's class reached row match[w]: that row's rule must be the task's meaning of w
    actions_ok = all(row in learned and learned[row].items == task.templates[w].items
                     for w, row in report["match"].items())
    others_ok = all(learned.get(n) == t for n, t in task.templates.items()
                    if n not in pool.classes)
    return {"split": split, "seed": seed, "model": "neurosym", "train_lines": len(outputs),
            "test_lines": len(data.test), "exact_match": round(100 * exact, 2),
            "encoder_accuracy": round(100 * report["encoder_accuracy"], 2),
            "test_images": report["test_images"],
            "rules_equal_meanings": bool(actions_ok and others_ok),
            "assignment": report["assignment"], "indistinct": result.indistinct,
            "explained_train": round(result.explained, 4), "train_seconds": round(seconds, 1),
            "train_cpu_seconds": round(cpu, 1), "rules": result.program.rules(),
            "log": result.log}


def run_baseline(task: Any, split: str, seed: int, device: torch.device, pool: PerceptPool,
                 steps: int | None, options: dict[str, Any]) -> dict[str, Any]:
    """The LSTM on the same percept sequences (the same draws as :func:`run`), CNN end to end."""
    data = task.split(split)
    rng = np.random.default_rng(seed)
    train_picks = pool.pick([task.parse(ex.input) for ex in data.train], TRAIN_RANGE, rng)
    test_picks = pool.pick([task.parse(ex.input) for ex in data.test], TEST_RANGE, rng)
    words = sorted({w for ex in data.train for w in ex.input if w not in pool.classes})
    learner = perceived_recurrent(words, pool.items, options, device=device, seed=seed)
    train = [Example(i, tuple(ex.output)) for i, ex in zip(
        perceived_inputs([ex.input for ex in data.train], train_picks, pool.words), data.train)]
    cpu, start = time.process_time(), time.perf_counter()
    report = learner.fit(train, steps=steps)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    test_inputs = perceived_inputs([ex.input for ex in data.test], test_picks, pool.words)
    predicted = learner.predict(test_inputs)
    exact = float(np.mean([p == tuple(ex.output) for p, ex in zip(predicted, data.test)]))
    return {"split": split, "seed": seed, "model": "lstm", "train_lines": len(train),
            "test_lines": len(data.test), "exact_match": round(100 * exact, 2),
            "steps": report.steps, "options": options, "train_seconds": round(seconds, 1),
            "train_cpu_seconds": round(cpu, 1)}


def table(records: list[dict[str, Any]]) -> str:
    """One markdown row per split: exact match per seed and the lowest, encoder accuracy per
    seed, rules = meanings, attempts and template-learner runs (most), CPU and wall seconds."""
    header = ("| split | seeds | test exact match % per seed | min % | encoder acc. % per seed | "
              "rules = meanings | attempts (max) | template-learner runs (max) | train CPU s "
              "(mean / max) | train wall s (max) |")
    lines = [header, "|" + "---|" * 10]
    for split in dict.fromkeys(r["split"] for r in records):
        rs = sorted((r for r in records if r["split"] == split), key=lambda r: r["seed"])
        attempts = [sum(1 for e in r.get("log", []) if "attempt" in e) for r in rs]
        relearned = [sum(1 for e in r.get("log", []) if e.get("relearned")) for r in rs]
        exact = [r["exact_match"] for r in rs]
        encoder = [r["encoder_accuracy"] for r in rs]
        cpu = [r["train_cpu_seconds"] for r in rs]
        lines.append(
            f"| {split} | {','.join(str(r['seed']) for r in rs)} | "
            f"{' '.join(f'{x:.2f}' for x in exact)} | {min(exact):.2f} | "
            f"{' '.join(f'{x:.2f}' for x in encoder)} | "
            f"{sum(r['rules_equal_meanings'] for r in rs)}/{len(rs)} | {max(attempts)} | "
            f"{max(relearned)} | {sum(cpu) / len(cpu):.1f} / {max(cpu):.1f} | "
            f"{max(r['train_seconds'] for r in rs):.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", default="simple,addprim_jump,length")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None)
    parser.add_argument("--baseline", choices=["lstm"], default=None,
                        help="train the LSTM on the same percept sequences instead")
    parser.add_argument("--steps", type=int, default=None,
                        help="LSTM optimizer steps (default: 100000 examples / batch 32)")
    parser.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                        help="an LSTM option, e.g. -o hidden=100")
    parser.add_argument("--table", nargs="+", metavar="JSON", default=None,
                        help="print the markdown table of these result files and stop")
    PerceptConfig.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.table:
        print(table([r for f in args.table for r in json.loads(Path(f).read_text())["records"]
                     if r["model"] == "neurosym"]))
        return
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    pcfg = PerceptConfig.from_args(args)
    options = dict(o.split("=", 1) for o in args.option)
    task = load_compositional_task("scan/scan")
    pool = PerceptPool(*read_mnist(), WORD_CLASS)
    records = []
    for split in args.splits.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            load = os.getloadavg()[0]
            if args.baseline:
                rec = run_baseline(task, split, seed, device, pool, args.steps, options)
            else:
                rec = run(task, split, seed, device, pool, pcfg)
            rec["load_average"] = {"start_1min": load, "end_1_5_15min": os.getloadavg()}
            records.append(rec)
            print(f"{split} seed {seed} {rec['model']}: exact {rec['exact_match']}%  encoder "
                  f"{rec.get('encoder_accuracy', '-')}%  rules=meanings "
                  f"{rec.get('rules_equal_meanings', '-')}  {rec['train_seconds']} s "
                  f"({rec['train_cpu_seconds']} s CPU)  {rec.get('assignment', '')}", flush=True)
            if args.json:
                atomic_write_json(args.json, {
                    "command": command_line(), "device": device_description(device),
                    "versions": versions(), "threads": args.threads, "word_class": WORD_CLASS,
                    "config": pcfg.to_json(), "records": records})


if __name__ == "__main__":
    main()
