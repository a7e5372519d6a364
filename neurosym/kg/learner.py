"""The chain-rule learner's Python API: fit on a knowledge graph, rank, extract rules.

Training (Neural LP protocol): the background graph is facts.txt (with inverses); the
queries are train.txt in both directions, ``(h, r, ?) -> t`` and ``(t, inv_r, ?) -> h``, and
with ``facts_as_queries`` also the facts. Every edge equal to a train triple (or its inverse)
is removed from the background graph, and while a batch is trained on, the edges of its own
queries (both directions) are hidden, so no query is answered by its own edge. Evaluation
uses facts + train as the graph. Loss: cross-entropy of the answer under the scores
normalised over all entities.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from neurosym.errors import NeurosymError, ResourceLimitError
from neurosym.kg.config import KGConfig
from neurosym.kg.graph import SparseGraph
from neurosym.kg.metrics import filtered_ranks, summarize
from neurosym.kg.model import ChainRuleModel
from neurosym.kg.rules import ChainRule, extract_rules
from neurosym.tasks.kg import SPLITS, KnowledgeGraph
from neurosym.versions import resolve_device

Progress = Callable[[int, int, float], None]  # (step, total steps, loss)
_EPS = 1e-9


def estimate_bytes(entities: int, edges: int, config: KGConfig, batch: int | None = None,
                   training: bool = True) -> int:
    """Peak bytes of one training step: per rank and step autograd keeps about four dense
    ``[E, B]`` float tensors (``training=False``, ranking: two, nothing kept for backward); the
    graph keeps ~10 index/value words per edge."""
    b = config.batch_size if batch is None else batch
    kept = 4 if training else 2
    dense = kept * entities * b * config.ranks * (config.max_length + 1) * 4
    return int(1.5 * (dense + 10 * 8 * edges))


def check_memory(entities: int, edges: int, config: KGConfig, device: torch.device,
                 available: int | None = None, training: bool = True) -> None:
    """Raise :class:`ResourceLimitError` naming the ``--batch-size`` that fits (for a training
    step, or with ``training=False`` for ranking a batch of queries)."""
    from neurosym.versions import available_bytes

    free = available_bytes(device) if available is None else available
    need = estimate_bytes(entities, edges, config, training=training)
    if free is None or need <= 0.9 * free:
        return
    per_query = estimate_bytes(entities, 0, config, batch=1, training=training)
    fixed = estimate_bytes(entities, edges, config, batch=0, training=training)
    fits = int((0.9 * free - fixed) // per_query)
    hint = (f"lower --batch-size from {config.batch_size} to at most {fits}" if fits >= 1 else
            "lower --ranks or --max-length")
    what = "a training step" if training else "ranking a batch of queries"
    raise ResourceLimitError(f"{what} needs about {need / 2**30:.2f} GiB but {device.type}"
                             f" allows {0.9 * free / 2**30:.2f} GiB: {hint}")


class ChainRuleLearner:
    """Learns weighted chain rules for every relation (and inverse) of a knowledge graph."""

    def __init__(self, config: KGConfig | None = None) -> None:
        self.config = config or KGConfig()
        self.device = resolve_device(self.config.device)
        self.model: ChainRuleModel | None = None
        self.kg: KnowledgeGraph | None = None
        # (epoch, valid MRR) after each epoch when ``select_on_valid``; the best one is kept
        # (the last of equally good ones).
        self.history: list[tuple[int, float]] = []

    # ----- training
    def fit(self, kg: KnowledgeGraph, progress: Progress | None = None) -> ChainRuleLearner:
        """Train ``cfg.epochs`` passes (Adam, cosine-annealed when ``anneal``); with
        ``select_on_valid`` keep the attention of the epoch with the best valid MRR."""
        cfg = self.config
        torch.manual_seed(cfg.seed)
        queries, background = training_queries(kg, cfg)
        check_memory(kg.num_entities, len(background), cfg, self.device)
        graph = SparseGraph(background, kg.num_entities, 2 * kg.num_relations, self.device)
        self.kg = kg
        self.model = ChainRuleModel(2 * kg.num_relations, cfg.ranks, cfg.max_length,
                                    cfg.init_std).to(self.device)
        opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        gen = torch.Generator().manual_seed(cfg.seed)
        batches = [_batches(queries, cfg.batch_size, gen) for _ in range(cfg.epochs)]
        total, step = sum(len(b) for b in batches), 0
        schedule = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, total) if cfg.anneal
                    else torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0))
        self.history, best = [], None
        for number, epoch in enumerate(batches, start=1):
            for batch in epoch:
                loss = _loss(self.model, graph, batch.to(self.device), kg.num_relations)
                opt.zero_grad()
                loss.backward()
                opt.step()
                schedule.step()
                step += 1
                if progress is not None:
                    progress(step, total, loss.item())
            if cfg.select_on_valid and len(kg.splits["valid"]):
                mrr = self.evaluate("valid")["mrr"]
                self.history.append((number, mrr))
                if best is None or mrr >= best[1]:  # ties: the longer-trained attention
                    best = (number, mrr, self.model.logits.detach().clone())
        if best is not None:
            self.model.logits.data.copy_(best[2])
        return self

    def _require(self) -> tuple[ChainRuleModel, KnowledgeGraph]:
        if self.model is None or self.kg is None:
            raise NeurosymError("the learner is not fitted: call fit(kg) or load(path, kg) first")
        return self.model, self.kg

    # ----- rules
    def rules(self, top_k: int | None = None) -> list[ChainRule]:
        """The top rules of every target relation (inverses included) that had training
        queries, targets in order."""
        model, kg = self._require()
        k = self.config.top_k if top_k is None else top_k
        trained = torch.unique(training_queries(kg, self.config)[0][:, 1]).tolist()
        with torch.no_grad():
            return [rule for target in trained
                    for rule in extract_rules(model.attention(target), target, k, self.config.beam)]

    # ----- ranking
    def evaluate(self, split: str = "test", progress: Progress | None = None,
                 ties: str = "mean") -> dict[str, float]:
        """Filtered MRR and Hits@1/3/10 on ``split``, both directions, with facts + train as
        the graph; ties broken as ``ties`` says (:data:`neurosym.kg.metrics.TIES`)."""
        model, kg = self._require()
        edges = kg.with_inverses(["facts", "train"])
        check_memory(kg.num_entities, len(edges), self.config, self.device, training=False)
        graph = SparseGraph(edges, kg.num_entities, 2 * kg.num_relations, self.device)
        known = kg.with_inverses(list(SPLITS))
        queries = kg.with_inverses(split)
        batches = _batches(queries, self.config.batch_size, None)
        ranks = []
        with torch.no_grad():
            for i, batch in enumerate(batches):
                batch = batch.to(self.device)
                scores = model(graph, int(batch[0, 1]), batch[:, 0])
                ranks.append(filtered_ranks(scores, batch, known, 2 * kg.num_relations,
                                            ties).cpu())
                if progress is not None:
                    progress(i + 1, len(batches), math.nan)
        return summarize(torch.cat(ranks) if ranks else torch.zeros(0))

    # ----- persistence
    def save(self, path: str) -> None:
        """The attention logits and the configuration, as safetensors."""
        import json

        from safetensors.torch import save_file

        model, kg = self._require()
        meta = {"neurosym.kg": json.dumps({"config": self.config.to_json(), "graph": kg.path,
                                           "relations": list(kg.relations)})}
        save_file({"logits": model.logits.detach().cpu().contiguous()}, path, metadata=meta)

    @classmethod
    def load(cls, path: str, kg: KnowledgeGraph) -> ChainRuleLearner:
        import json

        from safetensors import safe_open

        with safe_open(path, framework="pt") as f:
            meta = (f.metadata() or {}).get("neurosym.kg")
            if meta is None:
                raise NeurosymError(f"{path}: not a saved neurosym kg learner")
            logits = f.get_tensor("logits")
        data = json.loads(meta)
        if data["relations"] != list(kg.relations):
            raise NeurosymError(f"{path} was learned on other relations than {kg.path}")
        learner = cls(KGConfig.from_json(data["config"]))
        learner.kg = kg
        learner.model = ChainRuleModel(2 * kg.num_relations, *logits.shape[1:3]).to(learner.device)
        learner.model.logits.data.copy_(logits)
        return learner


def training_queries(kg: KnowledgeGraph, config: KGConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """``(queries [n, 3], background edges [m, 3])`` of the training protocol (module doc)."""
    queries = kg.with_inverses("train")
    background = _without(kg.with_inverses("facts"), queries)
    if config.facts_as_queries:
        queries = torch.cat([queries, background])
    return queries, background


def _loss(model: ChainRuleModel, graph: SparseGraph, batch: torch.Tensor, relations: int
          ) -> torch.Tensor:
    """Mean cross-entropy of the answers of ``batch [B, 3]`` (one target relation) under the
    scores normalised over all entities, the batch's own edges (both ways) hidden."""
    mask = graph.visible(torch.cat([batch, _inverse(batch, relations)]))
    scores = model(graph, int(batch[0, 1]), batch[:, 0], mask)
    prob = scores[batch[:, 2], torch.arange(len(batch), device=batch.device)]
    prob = prob / (scores.sum(0) + _EPS)
    return -torch.log(prob + _EPS).mean()


def _inverse(triples: torch.Tensor, relations: int) -> torch.Tensor:
    """``[n, 3]``: ``(t, r +- R, h)`` for each ``(h, r, t)`` of ``triples`` (ids ``0..2R-1``)."""
    rel = (triples[:, 1] + relations) % (2 * relations)
    return torch.stack([triples[:, 2], rel, triples[:, 0]], dim=1)


def _without(edges: torch.Tensor, drop: torch.Tensor) -> torch.Tensor:
    """Rows of ``edges [n, 3]`` not among the rows of ``drop [m, 3]``."""
    scale = int(max(edges.max(), drop.max(), 0)) + 1 if len(edges) and len(drop) else 1
    def key(t: torch.Tensor) -> torch.Tensor:
        return (t[:, 0] * scale + t[:, 1]) * scale + t[:, 2]
    return edges[~torch.isin(key(edges), key(drop))]


def _batches(queries: torch.Tensor, size: int, gen: torch.Generator | None) -> list[torch.Tensor]:
    """Queries ``[n, 3]`` split into batches of one relation each (shuffled when ``gen``)."""
    if gen is not None:
        queries = queries[torch.randperm(len(queries), generator=gen)]
    order = torch.sort(queries[:, 1], stable=True).indices
    queries = queries[order]
    out = []
    for rel in torch.unique(queries[:, 1]).tolist():
        rows = queries[queries[:, 1] == rel]
        out.extend(torch.split(rows, size))
    if gen is not None:
        out = [out[i] for i in torch.randperm(len(out), generator=gen).tolist()]
    return out
