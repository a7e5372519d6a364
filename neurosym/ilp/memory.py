"""Memory estimate for a fit, checked against the device before anything big is allocated.

For each of the ``T`` forward-chaining steps and each intensional predicate
with ``K = K1 + K2`` clauses, ``G`` head atoms and ``S_k`` substitutions for
clause ``k``, one step builds (per restart and world):

* the gathered body-atom values and their conjunction, ``3 G sum_k S_k`` values:
  kept for the backward pass by plain autograd; transient with the fused max kernel,
  which keeps two int64 ``[K, G]`` index tensors per step instead and evaluates the
  body in slices of at most ``kernels.CHUNK_ELEMENTS`` values or one head atom,
  whichever is larger (counted as six such tensors at once);
* the clause outputs ``K G`` (kept);
* the clause-pair values ``K1 K2 G``: kept, or transient with the pair kernel
  (``max`` clause combination) or when checkpointed (``forward.CHECKPOINT_PAIRS``);
  up to four pair-sized temporaries exist at once in the pair kernel's backward;
* the new valuation ``A`` (kept).

Kept tensors count ``T`` times, transient ones once (the largest). Index
tensors (the distinct body atoms of each substitution, ``G sum_g S_g N_g`` int64 per
predicate, and ``2 K G`` positions) stay on the device for the whole run. The total is
linear in the number of restarts ``R``, so a refusal can say how many restarts would fit. How
the estimate compares with measured peaks is recorded in bench/ilp/RESULTS.md.
Host work before training (grounding, the search for equivalent clauses in blocks of
``specialise.KEY_ROWS``) is not counted.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from neurosym.errors import ResourceLimitError
from neurosym.ilp.kernels import CHUNK_ELEMENTS
from neurosym.versions import available_bytes

SAFETY = 1.3
"""Multiplier on the estimate for allocator overhead and temporaries."""


@dataclass(frozen=True)
class PredicateShape:
    """Sizes of one intensional predicate: ``body`` is ``sum_k S_k`` over its clauses,
    ``subs`` the largest ``S_k``; ``checkpoint``: its pair tensor is recomputed in the backward;
    ``index``: body-atom index entries per head atom (``sum_g S_g N_g`` over its clause groups;
    0: unknown, then bounded by ``2 * body``)."""

    pred: str
    k1: int
    k2: int
    heads: int
    body: int
    subs: int
    checkpoint: bool = False
    index: int = 0
    evaluated: tuple[int, int] | None = None
    """Clauses evaluated per step of each template (sparse grounding: classes of equivalent
    clauses, 0 for a constant template); None: all of them."""

    @property
    def evaluated_clauses(self) -> int:
        return self.clauses if self.evaluated is None else sum(self.evaluated)

    @property
    def evaluated_pairs(self) -> int:
        """Clause-pair values per head atom formed in a step (0 for a single template)."""
        if self.evaluated is None:
            return self.pairs if self.k2 else 0
        return self.evaluated[0] * self.evaluated[1]

    @property
    def clauses(self) -> int:
        return self.k1 + self.k2

    @property
    def pairs(self) -> int:
        return self.k1 * max(self.k2, 1)


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a fit needs: ``fixed + restarts * per_restart`` (both with the safety margin)."""

    fixed: int
    per_restart: int
    restarts: int
    largest: PredicateShape | None

    @property
    def total(self) -> int:
        return self.fixed + self.restarts * self.per_restart


def estimate(
    shapes: Sequence[PredicateShape],
    *,
    atoms: int,
    worlds: int,
    restarts: int,
    steps: int,
    dtype_bytes: int = 4,
    fused: bool = True,
    training: bool = True,
) -> MemoryEstimate:
    """Estimated peak bytes of ``steps`` chaining steps over ``worlds`` worlds and ``restarts``
    restarts
    (``training=False``: no autograd, nothing kept across steps)."""
    kept, transient = atoms * dtype_bytes, 0  # bytes per (restart, world, step) / once
    sliced = 0  # the fused kernel's body slices, independent of the number of restarts
    for s in shapes:
        body = 3 * s.body * s.heads * dtype_bytes
        pairs = s.evaluated_pairs * s.heads * dtype_bytes
        pair_temporaries = 4 * pairs
        kept += s.evaluated_clauses * s.heads * dtype_bytes + 3 * s.heads * dtype_bytes
        if fused and training:
            kept += 2 * s.evaluated_clauses * s.heads * 8
        if fused:
            # slices of head atoms (one head at least); the direct path of existential-free clauses
            # gathers its two body atoms whole, per restart
            one_head = s.subs * s.evaluated_clauses * worlds * restarts
            sliced = max(
                sliced,
                min(6 * max(CHUNK_ELEMENTS, one_head) * dtype_bytes, 2 * body * worlds * restarts),
            )
            transient = max(transient, 2 * s.evaluated_clauses * s.heads * dtype_bytes)
        elif not training:
            transient = max(transient, 2 * body)
        else:
            kept += body
        if not training or s.checkpoint:
            transient = max(transient, pair_temporaries)
        else:
            kept += pairs
            transient = max(transient, pair_temporaries)
    kept_steps = steps if training else 1
    per_restart = int(SAFETY * worlds * (kept * kept_steps + transient))
    per_restart += sum(s.pairs for s in shapes) * 4 * dtype_bytes  # weights, grads, optimizer state
    index_bytes = sum(
        ((s.index or 2 * s.body) + 2 * s.evaluated_clauses) * s.heads * 8 for s in shapes
    )
    fixed = int(SAFETY * (index_bytes + worlds * atoms * dtype_bytes + sliced))
    largest = max(
        shapes, key=lambda s: s.body * s.heads + s.evaluated_pairs * s.heads, default=None
    )
    return MemoryEstimate(fixed, per_restart, restarts, largest)


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


REPORTED_ATOM_BYTES = 320
"""Host bytes per entry of a ``{Atom: float}`` result (tracemalloc peak: about 325 for arity 1,
280 for arity 2)."""


def check_fits(
    est: MemoryEstimate,
    device: torch.device,
    *,
    fraction: float = 0.9,
    available: int | None = None,
    what: str = "this fit",
    lower: str | None = None,
) -> None:
    """Raise :class:`ResourceLimitError` (saying what to lower) when ``est`` exceeds
    ``fraction`` of the free memory of ``device``. ``what`` names the work in the message;
    ``lower``, when given, is what to lower once one restart does not fit."""
    free = available_bytes(device) if available is None else available
    if free is None:
        return
    budget = int(free * fraction)
    if est.total <= budget:
        return
    where = f"{device.type}" + (f" ({_gib(free)} free)" if free is not None else "")
    head = f"{what} needs about {_gib(est.total)} but {where} allows {_gib(budget)}"
    fit_restarts = (budget - est.fixed) // est.per_restart if est.per_restart else 0
    if fit_restarts >= 1:
        raise ResourceLimitError(
            f"{head}: lower --restarts from {est.restarts} to at most {fit_restarts} "
            f"(each restart needs about {_gib(est.per_restart)})"
        )
    if lower is not None:
        raise ResourceLimitError(f"{head}: lower {lower}")
    big = est.largest
    detail = (
        f"; the largest predicate is {big.pred} with {big.clauses} clauses x {big.heads} ground "
        f"head atoms x {big.subs} substitutions"
        if big
        else ""
    )
    raise ResourceLimitError(
        f"{head} even with 1 restart{detail}: lower that predicate's existential variables v in "
        "its rule template, the number of constants, the number of worlds, or the forward-chaining "
        "steps T"
    )
