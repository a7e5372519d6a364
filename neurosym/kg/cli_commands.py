"""``neurosym kg learn DIR`` and ``neurosym kg eval DIR``: chain rules on a triple folder.

``learn`` prints the top rules of every relation with their confidences and can write them
as Datalog (``--rules``), the learned attention (``--save``) and a JSON report (``--json``).
``eval`` learns (or ``--load``s) and reports filtered MRR / Hits@1/3/10 on test.txt (ties:
mean rank) and the precision/recall of the top rules run by the exact Datalog evaluator.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any


def register_cli(kg_sub: Any = None, **_: Any) -> None:
    """Add ``kg learn`` and ``kg eval`` (one flag per :class:`KGConfig` setting)."""
    if kg_sub is None:
        return
    from neurosym.kg.config import KGConfig

    for name, handler, text in (
        ("learn", run_learn, "learn weighted chain rules for every relation and print them"),
        ("eval", run_eval, ("link prediction on test.txt (filtered, mean-tie ranks) and the "
                            "exact precision/recall of the top rules")),
    ):
        p = kg_sub.add_parser(name, help=text, description=text)
        p.add_argument("folder", help="folder with facts.txt, train.txt, valid.txt, test.txt")
        KGConfig.add_arguments(p)
        p.add_argument("--json", metavar="PATH", help="write the results and settings as JSON")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        if name == "learn":
            p.add_argument("--rules", metavar="PATH", help="write the top rules as Datalog")
            p.add_argument("--save", metavar="PATH",
                           help="save the learned attention (safetensors)")
        else:
            p.add_argument("--load", metavar="PATH", help="a learner saved by `kg learn --save` "
                                                          "(default: learn first)")
            p.add_argument("--split", default="test", choices=("valid", "test"),
                           help="split to rank (default test)")
            p.add_argument("--ties", default="mean", choices=("mean", "optimistic", "pessimistic"),
                           help="rank of an answer tied with others: the mean position (default)"
                                ", the first (as Neural LP's and DRUM's code) or the last")
        p.set_defaults(handler=handler)


def _learn(args: argparse.Namespace) -> tuple[Any, Any, float]:
    """Load the folder, print its summary and the memory estimate, fit with a progress bar."""
    from tqdm import tqdm

    from neurosym.kg.config import KGConfig
    from neurosym.kg.learner import ChainRuleLearner, estimate_bytes
    from neurosym.tasks.kg import load_kg
    from neurosym.versions import device_description

    config = KGConfig.from_args(args)
    kg = load_kg(args.folder)
    learner = ChainRuleLearner(config)
    print(kg.summary())
    if getattr(args, "load", None):
        return ChainRuleLearner.load(args.load, kg), kg, 0.0
    need = estimate_bytes(kg.num_entities, 2 * len(kg.splits["facts"]), config)
    print(f"learning {2 * kg.num_relations} targets x {config.ranks} ranks, chains up to "
          f"{config.max_length}, {config.epochs} epochs on {device_description(learner.device)}"
          f" (estimated peak {need / 2**20:.0f} MiB)")
    bar = tqdm(unit="step", disable=args.quiet, delay=2.0, file=sys.stderr, leave=False)

    def progress(step: int, total: int, loss: float) -> None:
        bar.total = total
        bar.update(step - bar.n)
        bar.set_postfix_str(f"loss {loss:.3f}", refresh=False)

    start = time.perf_counter()
    try:
        learner.fit(kg, progress=progress)
    finally:
        bar.close()
    return learner, kg, time.perf_counter() - start


def _report(args: argparse.Namespace, learner: Any, data: dict[str, Any]) -> None:
    from neurosym.io import atomic_write_json
    from neurosym.versions import command_line, device_description, versions

    if args.json:
        data.update(config=learner.config.to_json(), folder=args.folder, versions=versions(),
                    command=command_line(), device_description=device_description(learner.device))
        atomic_write_json(args.json, data)
        print(f"wrote {args.json}")


def run_learn(args: argparse.Namespace) -> int:
    from neurosym.io import atomic_write_text
    from neurosym.kg.rules import rules_program

    learner, kg, seconds = _learn(args)
    names = kg.datalog_names()
    rules = learner.rules()
    print(f"learned in {seconds:.1f} s; top {learner.config.top_k} rules per relation:")
    for rule in rules:
        print(rule.text(names))
    if args.rules:
        atomic_write_text(args.rules, rules_program(rules, names) + "\n")
        print(f"wrote {args.rules}")
    if args.save:
        learner.save(args.save)
        print(f"saved the learner to {args.save}")
    _report(args, learner, {"learn_seconds": seconds, "rules": [r.text(names) for r in rules]})
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from neurosym.kg.rules import exact_predictions, precision_recall

    learner, kg, seconds = _learn(args)
    metrics = learner.evaluate(args.split, ties=args.ties)
    print(f"{args.split}: MRR {metrics['mrr']:.3f}  Hits@1 {metrics['hits@1']:.3f}  "
          f"Hits@3 {metrics['hits@3']:.3f}  Hits@10 {metrics['hits@10']:.3f}  "
          f"({metrics['queries']} queries, filtered, {args.ties} ties)")
    exact = precision_recall(kg, exact_predictions(kg, learner.rules()))
    print(f"top-{learner.config.top_k} rules, exact evaluator on facts+train: precision "
          f"{exact['precision']:.3f}, recall {exact['recall']:.3f} on test "
          f"({exact['predicted']} new triples, {exact['correct']} in test)")
    _report(args, learner, {"learn_seconds": seconds, "metrics": metrics, "exact": exact})
    return 0
