"""Visual SCAN: SCAN's four action words arrive as MNIST images, learned with no percept label.

    .venv/bin/python bench/neurosym/visual_scan.py --device cpu \
        --splits simple,addprim_jump,length --seeds 0 --json bench/neurosym/results-visual.json

Every occurrence of ``walk``/``look``/``run``/``jump`` in a command is a fresh image of digit
class 0/1/2/3 (:data:`WORD_CLASS`): training images from MNIST 0-7999, test images from
8000-9999. The parser reads the other words; each action leaf of the parse tree is a
distribution over the four action concepts given by a :class:`PerceptEncoder`
(:mod:`neurosym.concepts.perceived`). Reported per split and seed: exact match on the full
test set (test percepts), the encoder's accuracy on the test images of the four classes after
the best class-to-concept matching, whether the learned rules equal the task's meanings (the
four action rows up to that matching), training seconds.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import torch

from neurosym.concepts.learn import LearnConfig
from neurosym.concepts.perceived import PerceptConfig, PerceptLearner, matched_accuracy
from neurosym.concepts.percept import DigitCNN, PerceptEncoder, images_to_tensor
from neurosym.concepts.table import ConceptTable
from neurosym.io import atomic_write_json
from neurosym.tasks.compositional import load_compositional_task
from neurosym.tasks.mnist import TEST_RANGE, TRAIN_RANGE, read_mnist
from neurosym.versions import command_line, device_description, resolve_device, versions

WORD_CLASS = {"walk": 0, "look": 1, "run": 2, "jump": 3}
"""The digit class whose images stand for each action word."""


def draw_percepts(trees, labels: np.ndarray, pool: range, pix: torch.Tensor,
                  rng: np.random.Generator) -> list[torch.Tensor]:
    """One fresh image (``[k, 1, 28, 28]`` per tree) of the word's class per action leaf."""
    by_class = {c: np.asarray(pool)[labels[np.asarray(pool)] == c] for c in WORD_CLASS.values()}
    out = []
    for tree in trees:
        words = [n.rule for n in tree.walk() if not n.children and n.rule in WORD_CLASS]
        out.append(pix[[int(rng.choice(by_class[WORD_CLASS[w]])) for w in words]])
    return out


def run(task: Any, split: str, seed: int, device: torch.device, images: np.ndarray,
        labels: np.ndarray, pcfg: PerceptConfig) -> dict[str, Any]:
    data = task.split(split)
    pix = images_to_tensor(images)
    rng = np.random.default_rng(seed)
    train_trees = [task.parse(ex.input) for ex in data.train]
    train_percepts = draw_percepts(train_trees, labels, TRAIN_RANGE, pix, rng)
    outputs = [tuple(ex.output) for ex in data.train]
    vocabulary = sorted({t for o in outputs for t in o})
    torch.manual_seed(seed)
    encoder = PerceptEncoder(DigitCNN(84), ConceptTable({w: 0 for w in WORD_CLASS}), 84)
    learner = PerceptLearner(ConceptTable(task.alternatives), vocabulary, encoder, LearnConfig(),
                             pcfg, device=device, seed=seed)
    start = time.perf_counter()
    result = learner.fit(train_trees, outputs, [1.0] * len(outputs), train_percepts,
                         progress=lambda e: print(f"  {split} seed {seed}: {e}", flush=True))
    seconds = time.perf_counter() - start

    test_trees = [task.parse(ex.input) for ex in data.test]
    test_percepts = draw_percepts(test_trees, labels, TEST_RANGE, pix, rng)
    predicted = learner.predict(test_trees, test_percepts)
    exact = float(np.mean([p == tuple(ex.output) for p, ex in zip(predicted, data.test)]))

    test_idx = np.asarray(TEST_RANGE)
    test_idx = test_idx[np.isin(labels[test_idx], list(WORD_CLASS.values()))]
    with torch.no_grad():
        encoder.eval()
        guess = encoder(pix[test_idx].to(device)).argmax(1).cpu()
    confusion = torch.zeros(len(WORD_CLASS), len(WORD_CLASS), dtype=torch.long)
    for true, got in zip(labels[test_idx].tolist(), guess.tolist()):
        confusion[true, got] += 1
    accuracy, match = matched_accuracy(confusion)
    rows = list(WORD_CLASS)
    learned = result.program.templates
    # class c (word w) -> row match[c] -> that row's meaning, against the task's meaning of w
    assignment = {f"{w} (class {c})": f"{rows[match[c]]}: {learned[rows[match[c]]]}"
                  if rows[match[c]] in learned else rows[match[c]]
                  for w, c in WORD_CLASS.items()}
    actions_ok = all(rows[match[c]] in learned
                     and learned[rows[match[c]]].items == task.templates[w].items
                     for w, c in WORD_CLASS.items())
    others_ok = all(learned.get(n) == t for n, t in task.templates.items() if n not in WORD_CLASS)
    return {"split": split, "seed": seed, "train_lines": len(outputs),
            "test_lines": len(data.test), "exact_match": round(100 * exact, 2),
            "encoder_accuracy": round(100 * accuracy, 2), "test_images": len(test_idx),
            "rules_equal_meanings": bool(actions_ok and others_ok),
            "assignment": assignment, "indistinct": result.indistinct,
            "explained_train": round(result.explained, 4), "train_seconds": round(seconds, 1),
            "rules": result.program.rules(), "log": result.log}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", default="simple,addprim_jump,length")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None)
    PerceptConfig.add_arguments(parser)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    pcfg = PerceptConfig.from_args(args)
    task = load_compositional_task("scan/scan")
    images, labels = read_mnist()
    records = []
    for split in args.splits.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            rec = run(task, split, seed, device, images, labels, pcfg)
            records.append(rec)
            print(f"{split} seed {seed}: exact {rec['exact_match']}%  encoder "
                  f"{rec['encoder_accuracy']}%  rules=meanings {rec['rules_equal_meanings']}  "
                  f"{rec['train_seconds']} s  {rec['assignment']}", flush=True)
            if args.json:
                atomic_write_json(args.json, {
                    "command": command_line(), "device": device_description(device),
                    "versions": versions(), "threads": args.threads, "word_class": WORD_CLASS,
                    "config": pcfg.to_json(), "records": records})


if __name__ == "__main__":
    main()
