"""The neuro-symbolic model's full results table (issue #7), as JSON and Markdown.

    .venv/bin/python bench/neurosym/run_all.py --device cpu --seeds 0,1,2,3,4 \
        --json bench/neurosym/results.json --markdown bench/neurosym/tables.md

Sections (each can be skipped or narrowed):

- ``splits``: the 8 SCAN splits x seeds, trained on the official train file only;
  test exact match, training seconds, rounds, whether the learned rules equal the
  task file's meanings, training pairs left unexplained.
- ``efficiency``: N random distinct commands (N = 14, 50, 200, 1000) from the full
  SCAN set as the only training data (and "curated14", 14 hand-picked short commands);
  accuracy on all 20,910 commands and on the
  ones not trained on.
- ``noise``: 5% and 10% of the training lines get corrupted outputs (seeded): each
  picked line has 1-3 of its tokens replaced by a different output token. Test
  accuracy, and how well the pairs the model reports as unexplained match the
  corrupted ones.
- ``generality``: the same code on the other compositional task files
  (tasks/toy/bells.task, tasks/fewshot/colours.task), every split.

Every record carries its seed; the JSON header carries the command, device,
versions and thread count.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from typing import Any

import torch

from neurosym.io import atomic_write_json, atomic_write_text
from neurosym.seq2seq.base import exact_match, make_learner
from neurosym.tasks.compositional import load_compositional_task
from neurosym.tasks.examples import Example
from neurosym.tasks.scan import SCAN_CURATED_14
from neurosym.versions import command_line, device_description, resolve_device, versions

SCAN_SPLITS = ["simple", "length", "addprim_jump", "addprim_turn_left", "template_around_right",
               "template_jump_around_right", "template_opposite_right", "template_right"]
OTHER_TASKS = "toy/bells,fewshot/colours"


def rules_match(learner: Any, task: Any) -> bool:
    return learner.meanings() == task.templates


def fit_and_score(task: Any, train: list[Example], tests: dict[str, list[Example]], seed: int,
                  device: torch.device, options: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    learner = make_learner("neurosym", task=task, device=device, seed=seed, **options)
    start = time.perf_counter()
    report = learner.fit(train)
    seconds = time.perf_counter() - start
    record: dict[str, Any] = {
        "seed": seed,
        "train_lines": len(train),
        "train_seconds": round(seconds, 2),
        "steps": report.steps,
        "rounds": report.extra["rounds"],
        "subset_size": report.extra["subset_size"],
        "explained_lines": round(report.extra["explained_lines"], 6),
        "unexplained_pairs": report.extra["unexplained_count"],
        "unparseable_train": report.extra["unparseable_count"],
    }
    for name, test in tests.items():
        t0 = time.perf_counter()
        preds = learner.predict([e.input for e in test])
        record[f"{name}_accuracy"] = exact_match(preds, [e.output for e in test])
        record[f"{name}_size"] = len(test)
        record[f"{name}_no_output"] = sum(p is None for p in preds)
        record["eval_seconds"] = round(
            record.get("eval_seconds", 0.0) + time.perf_counter() - t0, 2
        )
    record["rules_equal_task_meanings"] = (
        rules_match(learner, task) if learner.program is not None else False
    )
    record["rules"] = learner.rules()
    record["confidence"] = report.extra["confidence"]
    return learner, record


def corrupt(
    train: list[Example], fraction: float, seed: int, vocabulary: list[str]
) -> tuple[list[Example], set[int]]:
    """Corrupt ``fraction`` of the lines: 1-3 tokens of each picked output become a different
    token."""
    rng = random.Random(seed)
    picked = set(rng.sample(range(len(train)), round(fraction * len(train))))
    out = []
    for i, e in enumerate(train):
        if i not in picked or not e.output:
            out.append(e)
            continue
        tokens = list(e.output)
        for pos in rng.sample(range(len(tokens)), min(len(tokens), rng.randint(1, 3))):
            tokens[pos] = rng.choice([t for t in vocabulary if t != tokens[pos]])
        out.append(Example(e.input, tuple(tokens)))
    return out, picked


def log(msg: str) -> None:
    print(msg, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--seeds", default="0,1,2,3,4")
    p.add_argument(
        "--threads",
        type=int,
        default=2,
        help="torch CPU threads (the reference machine has 2 cores)",
    )
    p.add_argument("--sections", default="splits,efficiency,noise,generality")
    p.add_argument("--splits", default=",".join(SCAN_SPLITS))
    p.add_argument(
        "--sizes",
        default="14,50,200,1000,curated14",
        help="training-set sizes for the efficiency section (curated14: "
        "neurosym.tasks.scan.SCAN_CURATED_14)",
    )
    p.add_argument("--noise", default="0.05,0.10")
    p.add_argument("--noise-splits", default=",".join(SCAN_SPLITS))
    p.add_argument(
        "--noise-seeds", default=None, help="seeds for the noise section (default: --seeds)"
    )
    p.add_argument(
        "--tasks",
        default=OTHER_TASKS,
        help="task files for the generality section (all their splits)",
    )
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="neurosym model option (a LearnConfig field), repeatable",
    )
    p.add_argument(
        "--data", default=None, help="folder of the official SCAN files (default: the task file's)"
    )
    p.add_argument("--json", default=None, help="write all records here")
    p.add_argument("--markdown", default=None, help="write the summary tables here")
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    seeds = [int(s) for s in args.seeds.split(",") if s]
    noise_seeds = [int(s) for s in (args.noise_seeds or args.seeds).split(",") if s]
    sections = set(args.sections.split(","))
    options = dict(kv.split("=", 1) for kv in args.option)
    header = {
        "command": command_line(),
        "device": device_description(device),
        "threads": args.threads,
        "versions": versions(),
        "seeds": seeds,
        "options": options,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    results: dict[str, Any] = {
        "header": header,
        "splits": [],
        "efficiency": [],
        "noise": [],
        "generality": [],
    }
    log(f"device {header['device']}, {args.threads} threads, seeds {seeds}")

    def save() -> None:
        if args.json:
            atomic_write_json(args.json, results)
        if args.markdown:
            atomic_write_text(args.markdown, markdown(results))

    scan = load_compositional_task("scan/scan")
    if "splits" in sections:
        for name in args.splits.split(","):
            split = scan.split(name, data_dir=args.data)
            for seed in seeds:
                _, rec = fit_and_score(
                    scan, split.train, {"test": split.test}, seed, device, options
                )
                rec.update(split=name, note=split.note)
                results["splits"].append(rec)
                log(
                    f"[splits] {name:27s} seed {seed}: test {100 * rec['test_accuracy']:.2f}%  "
                    f"{rec['train_seconds']:.1f}s  rounds {rec['rounds']}  rules==meanings "
                    f"{rec['rules_equal_task_meanings']}"
                )
                save()

    if "efficiency" in sections:
        everything = scan.generate()
        by_input = {e.input: e for e in everything}
        for size in args.sizes.split(","):
            for seed in seeds:
                if size == "curated14":
                    train = [by_input[tuple(c.split())] for c in SCAN_CURATED_14]
                else:
                    train = random.Random(seed).sample(everything, int(size))
                seen = set(train)
                rest = [e for e in everything if e not in seen]
                _, rec = fit_and_score(
                    scan, train, {"full": everything, "unseen": rest}, seed, device, options
                )
                rec.update(size=size)
                results["efficiency"].append(rec)
                log(
                    f"[efficiency] {size:>9} pairs seed {seed}: full "
                    f"{100 * rec['full_accuracy']:.2f}%  unseen "
                    f"{100 * rec['unseen_accuracy']:.2f}%  {rec['train_seconds']:.1f}s"
                )
                save()

    if "noise" in sections:
        for fraction in [float(f) for f in args.noise.split(",")]:
            for name in args.noise_splits.split(","):
                split = scan.split(name, data_dir=args.data)
                vocab = sorted({t for e in split.train for t in e.output})
                for seed in noise_seeds:
                    noisy, picked = corrupt(split.train, fraction, 1000 + seed, vocab)
                    learner, rec = fit_and_score(
                        scan, noisy, {"test": split.test}, seed, device, options
                    )
                    corrupted_pairs = {
                        (noisy[i].input, noisy[i].output)
                        for i in picked
                        if noisy[i].output != split.train[i].output
                    }
                    reported = {(e.input, e.output) for e, _ in learner.unexplained}
                    rec.update(
                        split=name,
                        noise=fraction,
                        corrupted_lines=len(picked),
                        corrupted_distinct_pairs=len(corrupted_pairs),
                        reported_and_corrupted=len(reported & corrupted_pairs),
                        reported_but_clean=len(reported - corrupted_pairs),
                    )
                    results["noise"].append(rec)
                    log(
                        f"[noise {fraction:.0%}] {name:27s} seed {seed}: test "
                        f"{100 * rec['test_accuracy']:.2f}%  reported {len(reported)} of "
                        f"{len(corrupted_pairs)} corrupted pairs ({rec['reported_but_clean']} "
                        f"clean ones)  {rec['train_seconds']:.1f}s"
                    )
                    save()

    if "generality" in sections:
        for task_name in args.tasks.split(","):
            task = load_compositional_task(task_name)
            for name in task.split_names:
                split = task.split(name)
                for seed in seeds:
                    _, rec = fit_and_score(
                        task, split.train, {"test": split.test}, seed, device, options
                    )
                    rec.update(task=task_name, split=name)
                    results["generality"].append(rec)
                    log(
                        f"[generality] {task_name}/{name} seed {seed}: test "
                        f"{100 * rec['test_accuracy']:.2f}%  rules==meanings "
                        f"{rec['rules_equal_task_meanings']}  {rec['train_seconds']:.1f}s"
                    )
                    save()

    results["header"]["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    save()
    print(markdown(results))
    return 0


def _group(records: list[dict], key) -> dict:
    out: dict = {}
    for r in records:
        out.setdefault(key(r), []).append(r)
    return out


def _pct(values: list[float]) -> str:
    return " ".join(f"{100 * v:.1f}" for v in values)


def markdown(results: dict[str, Any]) -> str:
    lines = []
    if results["splits"]:
        lines += [
            (
                "| split | test exact match % per seed | min % | train s (mean / max) | rounds "
                "(max) | rules = meanings | unexplained pairs |"
            ),
            "|---|---|---|---|---|---|---|",
        ]
        for name, recs in _group(results["splits"], lambda r: r["split"]).items():
            acc = [r["test_accuracy"] for r in recs]
            secs = [r["train_seconds"] for r in recs]
            lines.append(
                f"| {name} | {_pct(acc)} | {100 * min(acc):.1f} | {sum(secs) / len(secs):.1f} / "
                f"{max(secs):.1f} | {max(r['rounds'] for r in recs)} | "
                f"{sum(r['rules_equal_task_meanings'] for r in recs)}/{len(recs)} | "
                f"{max(r['unexplained_pairs'] for r in recs)} |"
            )
        lines.append("")
    if results["efficiency"]:
        lines += [
            (
                "| training pairs | full-set accuracy % per seed | unseen-command accuracy % per "
                "seed | no output (mean) | rules = meanings | train s (mean) |"
            ),
            "|---|---|---|---|---|---|",
        ]
        for size, recs in _group(results["efficiency"], lambda r: r["size"]).items():
            lines.append(
                f"| {size} | {_pct([r['full_accuracy'] for r in recs])} | "
                f"{_pct([r['unseen_accuracy'] for r in recs])} | "
                f"{sum(r['full_no_output'] for r in recs) / len(recs):.0f} | "
                f"{sum(r['rules_equal_task_meanings'] for r in recs)}/{len(recs)} | "
                f"{sum(r['train_seconds'] for r in recs) / len(recs):.1f} |"
            )
        lines.append("")
    if results["noise"]:
        lines += [
            (
                "| noise | split | test % per seed | corrupted distinct pairs | reported (of them) "
                "| reported but clean | rules = meanings | train s (mean) |"
            ),
            "|---|---|---|---|---|---|---|---|",
        ]
        for (frac, name), recs in _group(
            results["noise"], lambda r: (r["noise"], r["split"])
        ).items():
            lines.append(
                f"| {frac:.0%} | {name} | {_pct([r['test_accuracy'] for r in recs])} | "
                f"{sum(r['corrupted_distinct_pairs'] for r in recs)} | "
                f"{sum(r['reported_and_corrupted'] for r in recs)} | "
                f"{sum(r['reported_but_clean'] for r in recs)} | "
                f"{sum(r['rules_equal_task_meanings'] for r in recs)}/{len(recs)} | "
                f"{sum(r['train_seconds'] for r in recs) / len(recs):.1f} |"
            )
        lines.append("")
    if results["generality"]:
        lines += [
            "| task / split | train lines | test % per seed | rules = meanings | train s (mean) |",
            "|---|---|---|---|---|",
        ]
        for (task, name), recs in _group(
            results["generality"], lambda r: (r["task"], r["split"])
        ).items():
            lines.append(
                f"| {task} / {name} | {recs[0]['train_lines']} | "
                f"{_pct([r['test_accuracy'] for r in recs])} | "
                f"{sum(r['rules_equal_task_meanings'] for r in recs)}/{len(recs)} | "
                f"{sum(r['train_seconds'] for r in recs) / len(recs):.1f} |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
