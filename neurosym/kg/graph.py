"""The entity graph as one sparse matrix whose entries are attention-weighted relations.

For attention weights ``w [2R]`` over the relations (inverses included) the operator is
``M(w) = sum_j w_j A_j`` where ``A_j[tail, head] = 1`` for every edge ``(head, j, tail)``, so
``M(w) @ V`` moves a batch of entity distributions ``V [E, B]`` one step along the edges.
``M(w)`` is stored in CSR over the distinct (tail, head) pairs; no dense ``E x E`` tensor is
ever built. :func:`propagate` differentiates with respect to ``w`` and ``V``.
"""

from __future__ import annotations

import warnings

import torch


class SparseGraph:
    """Edges ``LongTensor [n, 3]`` of ``(head, relation, tail)`` over ``relations`` relation ids.

    ``pair_of_edge [n]`` maps an edge to its (tail, head) pair; pairs are sorted by (tail,
    head), which is the CSR order; ``perm_t`` orders pair values for the transposed CSR.
    """

    def __init__(self, edges: torch.Tensor, num_entities: int, relations: int,
                 device: torch.device | str = "cpu") -> None:
        e = num_entities
        edges = torch.unique(edges.to(torch.long), dim=0)
        key = edges[:, 2] * e + edges[:, 0]
        pairs, self.pair_of_edge = torch.unique(key, return_inverse=True)
        rows, cols = pairs // e, pairs % e
        self.num_entities, self.relations = e, relations
        self.edge_relation = edges[:, 1].to(device)
        self.edge_keys = edge_keys(edges, e, relations).to(device)
        self.pair_of_edge = self.pair_of_edge.to(device)
        self.num_pairs = len(pairs)
        self.crow = _crow(rows, e).to(device)
        self.col = cols.to(device)
        self.perm_t = torch.argsort(cols * e + rows).to(device)
        self.crow_t = _crow(cols[self.perm_t.cpu()], e).to(device)
        self.col_t = rows[self.perm_t.cpu()].to(device)

    @property
    def num_edges(self) -> int:
        return len(self.edge_relation)

    def visible(self, hidden: torch.Tensor) -> torch.Tensor:
        """``[edges]`` 1.0, or 0.0 for an edge whose (head, relation, tail) is a row of
        ``hidden [n, 3]`` (a query's own edge, held out while it is trained on)."""
        keys = edge_keys(hidden.to(self.edge_keys.device), self.num_entities, self.relations)
        return (~torch.isin(self.edge_keys, keys)).float()

    def pair_values(self, weights: torch.Tensor, mask: torch.Tensor | None = None
                    ) -> torch.Tensor:
        """``[pairs]``: the entry of ``M(w)`` per (tail, head) pair, from ``weights [2R]``,
        each edge multiplied by ``mask [edges]`` when given."""
        per_edge = weights[self.edge_relation]
        if mask is not None:
            per_edge = per_edge * mask
        out = weights.new_zeros(self.num_pairs)
        return out.index_add(0, self.pair_of_edge, per_edge)

    def matrix(self, values: torch.Tensor, transpose: bool = False) -> torch.Tensor:
        """CSR ``[E, E]`` with ``values [pairs]`` (in pair order)."""
        e = self.num_entities
        crow, col = (self.crow_t, self.col_t) if transpose else (self.crow, self.col)
        with warnings.catch_warnings():  # "CSR support is in beta"
            warnings.simplefilter("ignore", UserWarning)
            return torch.sparse_csr_tensor(crow, col, values[self.perm_t] if transpose else values,
                                           (e, e), check_invariants=False)


def edge_keys(triples: torch.Tensor, entities: int, relations: int) -> torch.Tensor:
    """``[n]``: one integer per ``(head, relation, tail)`` row of ``triples [n, 3]``."""
    return (triples[:, 0] * relations + triples[:, 1]) * entities + triples[:, 2]


def _crow(rows: torch.Tensor, n: int) -> torch.Tensor:
    out = torch.zeros(n + 1, dtype=torch.long)
    out[1:] = torch.cumsum(torch.bincount(rows, minlength=n), 0)
    return out


class _Propagate(torch.autograd.Function):
    """``M(values) @ V`` with gradients: ``dV = M^T dOut``, ``dvalues = (dOut V^T)`` sampled
    at the nonzero pattern (``torch.sparse.sampled_addmm``), never a dense ``E x E``."""

    @staticmethod
    def forward(ctx, values, v, graph):  # type: ignore[override]
        ctx.graph = graph
        ctx.save_for_backward(values, v)
        return graph.matrix(values) @ v

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        values, v = ctx.saved_tensors
        graph: SparseGraph = ctx.graph
        grad_values = grad_v = None
        if ctx.needs_input_grad[0]:
            pattern = graph.matrix(torch.zeros_like(values))
            grad_values = torch.sparse.sampled_addmm(pattern, grad.contiguous(), v.t(),
                                                     beta=0.0).values()
        if ctx.needs_input_grad[1]:
            grad_v = graph.matrix(values, transpose=True) @ grad
        return grad_values, grad_v, None


def propagate(graph: SparseGraph, weights: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> torch.Tensor:
    """``[E, B]``: ``sum_j weights[j] A_j @ v`` for ``weights [2R]`` and ``v [E, B]``; edges
    weighted by ``mask [edges]`` when given (see :meth:`SparseGraph.visible`)."""
    return _Propagate.apply(graph.pair_values(weights, mask), v, graph)
