"""Memory estimate of the span chart, checked before a gradient round allocates it.

:func:`~neurosym.concepts.chart.root_probabilities` keeps, for autograd, per restart and per
node of the batch, ``[S, S]`` matrices (``S = L + 1``, ``L`` the longest output): the gathered
child charts (``K``), one per template slot (``T``), one product per slot in the chain (``T``
again) and a few for the chart and its sums. Reversed children add the reversed chart and two
more einsums (measured: 2.5 times as much). So the bytes are linear in the restarts ``R`` and
in the nodes, and quadratic in ``L``: outputs of 80 tokens cost 64 times those of 10.
Measured (peak RSS of one loss and backward, 81-token outputs, ``R = 8``, ``T = 8``, 150
nodes): 17-29 matrices per node, 46 with reversed children; the estimate counts 22 and 55,
times :data:`SAFETY`.
"""

from __future__ import annotations

import torch

from neurosym.concepts.composition import TemplateSpace
from neurosym.errors import ResourceLimitError
from neurosym.versions import available_bytes

SAFETY = 1.5
"""Multiplier on the estimate for the allocator and the backward pass's temporaries."""


def chart_bytes(space: TemplateSpace, *, restarts: int, nodes: int, longest: int,
                dtype: torch.dtype) -> int:
    """Peak bytes of one loss and backward pass over a batch of ``nodes`` tree nodes whose
    outputs have at most ``longest`` tokens."""
    size = longest + 1
    matrices = 2 * space.num_slots + space.max_arity + 4
    if space.reverse:
        matrices = 2.5 * matrices
    per_node = matrices * size * size * (torch.finfo(dtype).bits // 8)
    return int(SAFETY * restarts * nodes * per_node)


def check_chart_memory(space: TemplateSpace, *, restarts: int, nodes: int, pairs: int,
                       longest: int, dtype: torch.dtype, device: torch.device,
                       fraction: float, available: int | None = None) -> None:
    """Raise :class:`ResourceLimitError` naming the setting to lower when the chart of ``pairs``
    training pairs (``nodes`` tree nodes, outputs up to ``longest`` tokens) needs more than
    ``fraction`` of the free memory of ``device``."""
    free = available_bytes(device) if available is None else available
    need = chart_bytes(space, restarts=restarts, nodes=nodes, longest=longest, dtype=dtype)
    if free is None or need <= fraction * free:
        return
    budget = fraction * free
    head = (f"the span chart of {pairs:,} training pairs ({nodes:,} tree nodes, outputs up to "
            f"{longest} tokens) needs about {need / 2**30:.2f} GiB but {device.type} "
            f"({free / 2**30:.2f} GiB free) allows {budget / 2**30:.2f} GiB")
    fits = int(budget // (need / restarts))
    if fits >= 1:
        raise ResourceLimitError(f"{head}: lower the setting restarts from {restarts} to at most "
                                 f"{fits} (scan run: -o restarts={fits})")
    raise ResourceLimitError(f"{head} even with 1 restart: lower the setting subset (pairs per "
                             "gradient round) or max_length, or train on shorter outputs (the "
                             "chart grows with the square of the output length)")
