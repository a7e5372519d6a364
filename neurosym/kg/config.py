"""The chain-rule learner's settings: one frozen, validated object (CLI flags derive from it)."""

from __future__ import annotations

from dataclasses import dataclass

from neurosym.config import Config, option


@dataclass(frozen=True)
class KGConfig(Config):
    """Settings of :class:`~neurosym.kg.learner.ChainRuleLearner`."""

    max_length: int = option(3, "longest rule body L (chains of 1..L relations)", minimum=1)
    ranks: int = option(8, "rule heads per relation (DRUM's rank); scores add over ranks",
                        minimum=1)
    epochs: int = option(10, "passes over the training queries", minimum=1)
    batch_size: int = option(64, "queries per step (one target relation per batch)", minimum=1)
    init_std: float = option(1.0, "std of the initial attention logits (breaks the symmetry "
                             "between ranks)", minimum=0.0)
    lr: float = option(0.1, "Adam learning rate", above=0.0)
    anneal: bool = option(True, "lower the learning rate to 0 over the run (cosine)")
    facts_as_queries: bool = option(True, "train on the facts too (each with its own edge "
                                    "hidden), not only on train.txt")
    select_on_valid: bool = option(True, "after each epoch rank valid.txt and keep the "
                                   "attention of the epoch with the best valid MRR")
    top_k: int = option(5, "rules kept per relation (printed, and run by the exact evaluator)",
                        minimum=1)
    beam: int = option(50, "beam width of the rule extraction search", minimum=1)
    seed: int = option(0, "random seed (initialisation and query order)")
    device: str = option("auto", "torch device: auto, cpu, cuda, cuda:N")
