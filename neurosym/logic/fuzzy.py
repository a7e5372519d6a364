"""Fuzzy logic operators as plain, differentiable torch functions.

Truth values are tensors in ``[0, 1]``. Every operator is an ordinary function
that works on any shape, device and dtype (they come from the caller), and has
a short string name so task files, presets and the CLI can pick it:

========================  =====================================================
family                    names (``get_*`` accepts these strings)
========================  =====================================================
t-norms (∧)               product, product_stable, godel (= min), lukasiewicz
t-conorms (∨)             probsum, probsum_stable, max (= godel), bounded_sum
                          (= lukasiewicz, straight-through), bounded_sum_hard
negation (¬)              :func:`not_standard` ``1 - x``
implications (→)          reichenbach, reichenbach_stable, godel, goguen,
                          goguen_stable, lukasiewicz, kleene_dienes,
                          sigmoidal_reichenbach; :func:`sigmoidal` wraps any
aggregators (∀ / ∃)       max, min, mean, pmean, pmean_stable, pmean_error,
                          pmean_error_stable, log_product, log_product_stable,
                          product, probsum, smooth_max
========================  =====================================================

Binary operators take ``(a, b)`` and broadcast like ``a + b``. Aggregators
take ``(x, dim, keepdim=False)`` and reduce one dimension, like
``torch.amax``. Inputs are *assumed* to lie in ``[0, 1]``; nothing is checked
in the hot path.

Numerical stability (after Logic Tensor Networks, Badreddine et al. 2022)
-------------------------------------------------------------------------
Several operators have points where the gradient vanishes (product ∧ at
``(0, 0)``, probabilistic-sum ∨ at ``(1, 1)``, Reichenbach → at ``(0, 1)``)
or where the textbook formula is singular (p-mean on all-zero input:
``d/dm m**(1/p)`` is infinite at ``m = 0``). The ``*_stable`` variants first
move their inputs slightly inside the unit interval with

* ``pi_0(x) = 1 - (1 - eps) * (1 - x)``  (= ``(1 - eps) x + eps``, away from 0)
* ``pi_1(x) = (1 - eps) * x``             (away from 1)

with ``eps = DEFAULT_EPS = 1e-4`` by default; they then satisfy the logical
laws only up to about ``eps``. The plain variants satisfy the laws exactly
(up to float rounding) and are NaN-safe as well: where the function is not
differentiable (p-mean at all-zero input, p-mean-error at all-one input,
Goguen at ``a = c = 0``) they return the correct value with a zero
(sub)gradient instead of NaN. The one plain operator that is *not* finite at
the boundary is ``log_product``: ``log 0 = -inf`` is its correct value and the
gradient there is ``+inf``; use ``log_product_stable`` for training.

References: van Krieken, Acar, van Harmelen, "Analyzing Differentiable Fuzzy
Logic Operators", Artificial Intelligence 302 (2022); Evans & Grefenstette,
"Learning Explanatory Rules from Noisy Data", JAIR 61 (2018).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from neurosym.errors import NeurosymError

BinaryOp = Callable[[Tensor, Tensor], Tensor]
"""A fuzzy connective ``f(a, b) -> Tensor``; ``a`` and ``b`` broadcast."""

Aggregator = Callable[..., Tensor]
"""A quantifier ``f(x, dim, keepdim=False) -> Tensor`` reducing dimension ``dim``."""

DEFAULT_EPS = 1e-4
"""Default distance from 0 / 1 used by the ``*_stable`` variants (as in LTN)."""

__all__ = [
    "AGGREGATORS",
    "DEFAULT_EPS",
    "IMPLICATIONS",
    "PRESETS",
    "TCONORMS",
    "TNORMS",
    "Aggregator",
    "BinaryOp",
    "OperatorSet",
    "agg_log_product",
    "agg_log_product_stable",
    "agg_max",
    "agg_mean",
    "agg_min",
    "agg_pmean",
    "agg_pmean_error",
    "agg_pmean_error_stable",
    "agg_pmean_stable",
    "agg_probsum",
    "agg_product",
    "agg_smooth_max",
    "and_godel",
    "and_lukasiewicz",
    "and_product",
    "and_product_stable",
    "get_aggregator",
    "get_implication",
    "get_preset",
    "get_tconorm",
    "get_tnorm",
    "implies_godel",
    "implies_goguen",
    "implies_goguen_stable",
    "implies_kleene_dienes",
    "implies_lukasiewicz",
    "implies_reichenbach",
    "implies_reichenbach_stable",
    "implies_sigmoidal_reichenbach",
    "not_standard",
    "or_bounded_sum",
    "or_bounded_sum_hard",
    "or_max",
    "or_probsum",
    "or_probsum_stable",
    "pi_0",
    "pi_1",
    "sigmoidal",
]


# ---------------------------------------------------------------------------
# parameter checks and input projections
# ---------------------------------------------------------------------------


def _check_eps(eps: float) -> None:
    if not 0.0 <= eps < 1.0:
        raise NeurosymError(f"eps must be in [0, 1), got {eps!r}; use a small value like 1e-4")


def _check_p(p: float) -> None:
    if not (p >= 1.0 and math.isfinite(p)):
        raise NeurosymError(
            f"p must be a finite number >= 1 for a generalised mean, got {p!r}; "
            "p = 2 is the usual choice (larger p behaves more like max/min)"
        )


def pi_0(x: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Move truth values away from 0: ``1 - (1 - eps)(1 - x)``, i.e. ``[0, 1] -> [eps, 1]``.

    Same value as LTN's ``(1 - eps) x + eps``, written so that ``x = 1`` maps to
    exactly 1 (the result never leaves ``[0, 1]``). Shape: same as ``x``.
    """
    _check_eps(eps)
    return 1.0 - (1.0 - eps) * (1.0 - x)


def pi_1(x: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Move truth values away from 1: ``(1 - eps) x``, i.e. ``[0, 1] -> [0, 1 - eps]``.

    Shape: same as ``x``.
    """
    _check_eps(eps)
    return (1.0 - eps) * x


# ---------------------------------------------------------------------------
# negation
# ---------------------------------------------------------------------------


def not_standard(x: Tensor) -> Tensor:
    """Standard (strong) negation ``¬x = 1 - x``. Shape: same as ``x``.

    An involution (``¬¬x = x``); the t-norm/t-conorm pairs below are dual
    under it: ``S(a, b) = ¬T(¬a, ¬b)``.
    """
    return 1.0 - x


# ---------------------------------------------------------------------------
# t-norms (conjunction)
# ---------------------------------------------------------------------------


def and_product(a: Tensor, b: Tensor) -> Tensor:
    """Product t-norm ``T(a, b) = a * b``. Broadcasts ``a`` with ``b``.

    The ∂ILP body conjunction. Gradient ``(b, a)`` vanishes at ``a = b = 0``;
    see :func:`and_product_stable`.
    """
    return a * b


def and_product_stable(a: Tensor, b: Tensor, *, eps: float = DEFAULT_EPS) -> Tensor:
    """Product t-norm on ``pi_0``-projected inputs: ``pi_0(a) * pi_0(b)``. Broadcasts.

    Values lie in ``[eps**2, 1]``; the gradient at ``(0, 0)`` is about ``eps``
    per input instead of 0 (LTN's ``AndProd(stable=True)``).
    """
    return pi_0(a, eps) * pi_0(b, eps)


def and_godel(a: Tensor, b: Tensor) -> Tensor:
    """Gödel (minimum) t-norm ``T(a, b) = min(a, b)``. Broadcasts ``a`` with ``b``.

    Single-passing: the gradient reaches only the smaller input (split evenly
    on ties).
    """
    return torch.minimum(a, b)


def and_lukasiewicz(a: Tensor, b: Tensor) -> Tensor:
    """Łukasiewicz t-norm ``T(a, b) = max(0, a + b - 1)``. Broadcasts ``a`` with ``b``.

    The true derivative: zero on the whole region ``a + b < 1``, so as a
    conjunction it often stops learning (van Krieken et al. 2022). Offered for
    evaluation and ablations.
    """
    return torch.clamp(a + b - 1.0, min=0.0)


# ---------------------------------------------------------------------------
# t-conorms (disjunction)
# ---------------------------------------------------------------------------


def or_probsum(a: Tensor, b: Tensor) -> Tensor:
    """Probabilistic sum ``S(a, b) = a + b - a b``, computed as ``1 - (1 - a)(1 - b)``.

    Broadcasts ``a`` with ``b``. The written form keeps the result inside
    ``[0, 1]`` under float rounding (a value of ``1 + ulp`` would make a later
    ``log(1 - v)`` NaN) and is exactly the De Morgan dual of
    :func:`and_product`. ∂ILP's amalgamation operator. The gradient
    ``(1 - b, 1 - a)`` vanishes at ``a = b = 1``; see :func:`or_probsum_stable`.
    """
    return 1.0 - (1.0 - a) * (1.0 - b)


def or_probsum_stable(a: Tensor, b: Tensor, *, eps: float = DEFAULT_EPS) -> Tensor:
    """Probabilistic sum on ``pi_1``-projected inputs: ``probsum(pi_1(a), pi_1(b))``.

    Broadcasts. Values lie in ``[0, 1 - eps**2]``; non-zero gradient at
    ``(1, 1)`` (LTN's ``OrProbSum(stable=True)``). Dual of
    :func:`and_product_stable`.
    """
    return or_probsum(pi_1(a, eps), pi_1(b, eps))


def or_max(a: Tensor, b: Tensor) -> Tensor:
    """Gödel (maximum) t-conorm ``S(a, b) = max(a, b)``. Broadcasts ``a`` with ``b``.

    Single-passing: the gradient reaches only the larger input (split evenly
    on ties).
    """
    return torch.maximum(a, b)


def or_bounded_sum(a: Tensor, b: Tensor) -> Tensor:
    """Łukasiewicz t-conorm (bounded sum) ``min(1, a + b)`` with a straight-through gradient.

    Broadcasts ``a`` with ``b``. The *value* is exactly ``min(1, a + b)``; the
    *gradient* is that of ``a + b`` (1 for each input) everywhere, including
    the saturated region ``a + b > 1``.

    Why: the true derivative of ``min(1, a + b)`` is 0 once ``a + b > 1``.
    Used as ∂ILP's amalgamation, a wrongly derived atom pinned at 1.0 then
    sends no gradient back to the rule weights that derived it, and training
    stops (a public port of ∂ILP that clamps ``a + b`` this way is known to fail
    on Even/Succ2 for this reason). The straight-through form keeps the
    Łukasiewicz values while letting the loss push saturated atoms down. Use
    :func:`or_bounded_sum_hard` for the textbook derivative.
    """
    total = a + b
    hard = torch.clamp(total, max=1.0).detach()
    return hard + (total - total.detach())


def or_bounded_sum_hard(a: Tensor, b: Tensor) -> Tensor:
    """Łukasiewicz t-conorm ``min(1, a + b)`` with its true derivative. Broadcasts.

    The gradient is 0 wherever ``a + b > 1``; do not use it to amalgamate
    valuations during training (see :func:`or_bounded_sum`).
    """
    return torch.clamp(a + b, max=1.0)


# ---------------------------------------------------------------------------
# implications
# ---------------------------------------------------------------------------


def implies_reichenbach(a: Tensor, c: Tensor) -> Tensor:
    """Reichenbach (product S-) implication ``I(a, c) = 1 - a + a c``. Broadcasts.

    Computed as ``1 - a (1 - c)``, which stays inside ``[0, 1]``. Gradient
    ``(c - 1, a)``: passes signal to both sides; vanishes at ``(a, c) = (0, 1)``
    (see :func:`implies_reichenbach_stable`). Best performer in van Krieken
    et al. 2022.
    """
    return 1.0 - a * (1.0 - c)


def implies_reichenbach_stable(a: Tensor, c: Tensor, *, eps: float = DEFAULT_EPS) -> Tensor:
    """Reichenbach implication on ``pi_0(a)`` and ``pi_1(c)``. Broadcasts.

    Non-zero gradient at ``(0, 1)`` (LTN's ``ImpliesReichenbach(stable=True)``).
    """
    return implies_reichenbach(pi_0(a, eps), pi_1(c, eps))


def implies_godel(a: Tensor, c: Tensor) -> Tensor:
    """Gödel (residuum of min) implication: ``1`` if ``a <= c`` else ``c``. Broadcasts.

    Zero gradient wherever the rule is satisfied (``a <= c``), and never any
    gradient to ``a``.
    """
    return torch.where(a <= c, torch.ones_like(c), c)


def implies_goguen(a: Tensor, c: Tensor) -> Tensor:
    """Goguen (residuum of product) implication: ``1`` if ``a <= c`` else ``c / a``. Broadcasts.

    NaN-safe: the division is only evaluated where ``a > c >= 0``, so
    ``a = c = 0`` gives value 1 and a zero gradient (not ``0/0``). Zero
    gradient wherever ``a <= c``.
    """
    satisfied = a <= c
    safe_a = torch.where(satisfied, torch.ones_like(a), a)
    return torch.where(satisfied, torch.ones_like(c), c / safe_a)


def implies_goguen_stable(a: Tensor, c: Tensor, *, eps: float = DEFAULT_EPS) -> Tensor:
    """Goguen implication with the antecedent moved off 0: ``goguen(pi_0(a), c)``. Broadcasts.

    As LTN's ``ImpliesGoguen(stable=True)``; bounds ``|dI/dc| <= 1/eps``.
    """
    return implies_goguen(pi_0(a, eps), c)


def implies_lukasiewicz(a: Tensor, c: Tensor) -> Tensor:
    """Łukasiewicz implication ``I(a, c) = min(1, 1 - a + c)``. Broadcasts.

    True derivative: zero wherever ``a <= c`` (the rule holds), ``(-1, 1)``
    otherwise.
    """
    return torch.clamp(1.0 - a + c, max=1.0)


def implies_kleene_dienes(a: Tensor, c: Tensor) -> Tensor:
    """Kleene-Dienes (max S-) implication ``I(a, c) = max(1 - a, c)``. Broadcasts.

    Single-passing: the gradient reaches either ``a`` or ``c``.
    """
    return torch.maximum(1.0 - a, c)


def sigmoidal(implication: str | BinaryOp, s: float = 9.0, b0: float = -0.5) -> BinaryOp:
    """Wrap an implication in the sigmoidal implication of van Krieken et al. (2022).

    Returns ``I_s(a, c) = (σ(s (I(a, c) + b0)) - σ(s b0)) / (σ(s (1 + b0)) - σ(s b0))``,

    the sigmoid ``σ(s (I + b0))`` rescaled linearly so that ``I = 0`` maps to 0
    and ``I = 1`` maps to 1. This equals the paper's form
    ``(1 + e^{-s(1+b0)}) / (e^{-b0 s} - e^{-s(1+b0)}) * ((1 + e^{-b0 s}) σ(s (I + b0)) - 1)``.
    Because the map is increasing and fixes 0 and 1, ``I_s`` keeps the
    implication's monotonicity and the laws ``I(0, c) = 1``, ``I(a, 1) = 1``
    and ``I(1, 0) = 0`` (but not ``I(1, c) = c``). ``s > 0`` is the steepness,
    ``b0`` moves the sigmoid's centre to ``I = -b0``; ``b0 = -1/2`` is the
    symmetric choice. The steep middle shifts gradient away from groundings
    whose implication is already nearly true, countering the
    modus-tollens-dominated gradients of the plain implication.

    Args:
        implication: a name from :data:`IMPLICATIONS` or a function ``I(a, c)``.
        s: steepness, ``> 0``.
        b0: offset.
    Returns:
        a function ``(a, c) -> Tensor`` that broadcasts like ``implication``.
    """
    if not (s > 0 and math.isfinite(s)):
        raise NeurosymError(f"sigmoidal implication needs a finite steepness s > 0, got {s!r}")
    if not math.isfinite(b0):
        raise NeurosymError(f"sigmoidal implication needs a finite offset b0, got {b0!r}")
    inner = get_implication(implication)

    def _sigmoidal_implication(a: Tensor, c: Tensor) -> Tensor:
        value = inner(a, c)
        # the two ends are computed with the same ops, dtype and device as the
        # value itself, so I = 0 gives exactly 0 and I = 1 exactly 1
        ends = torch.tensor([0.0, 1.0], dtype=value.dtype, device=value.device)
        low, high = torch.sigmoid(s * (ends + b0)).unbind()
        return (torch.sigmoid(s * (value + b0)) - low) / (high - low)

    name = getattr(inner, "__name__", "implication")
    _sigmoidal_implication.__name__ = f"sigmoidal({name}, s={s}, b0={b0})"
    _sigmoidal_implication.__doc__ = f"Sigmoidal wrapper (s={s}, b0={b0}) of {name}."
    return _sigmoidal_implication


def implies_sigmoidal_reichenbach(
    a: Tensor, c: Tensor, *, s: float = 9.0, b0: float = -0.5
) -> Tensor:
    """Sigmoidal Reichenbach implication (van Krieken et al. 2022). Broadcasts.

    ``sigmoidal(implies_reichenbach, s, b0)(a, c)``; see :func:`sigmoidal`.
    """
    return sigmoidal(implies_reichenbach, s=s, b0=b0)(a, c)


# ---------------------------------------------------------------------------
# aggregators (quantifiers over one dimension)
# ---------------------------------------------------------------------------


def agg_max(x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
    """∃ as maximum over ``dim``: ``[..., n, ...] -> [...]`` (``keepdim`` keeps a size-1 dim).

    ∂ILP's existential. The gradient is split evenly among tied maxima.
    """
    return torch.amax(x, dim=dim, keepdim=keepdim)


def agg_min(x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
    """∀ as minimum over ``dim`` (Gödel). Gradient split evenly among tied minima."""
    return torch.amin(x, dim=dim, keepdim=keepdim)


def agg_mean(x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
    """Arithmetic mean over ``dim`` (``pmean`` with ``p = 1``)."""
    return torch.mean(x, dim=dim, keepdim=keepdim)


def _safe_root(m: Tensor, p: float) -> Tensor:
    """``m ** (1/p)`` for ``m >= 0`` with gradient 0 (not NaN/inf) at ``m = 0``."""
    if p == 1.0:
        return m
    positive = m > 0
    safe = torch.where(positive, m, torch.ones_like(m))
    return torch.where(positive, safe ** (1.0 / p), torch.zeros_like(m))


def agg_pmean(x: Tensor, dim: int, keepdim: bool = False, *, p: float = 2.0) -> Tensor:
    """∃ as generalised (power) mean ``(mean_i x_i^p)^(1/p)`` over ``dim``.

    ``p >= 1``: ``p = 1`` is the mean, ``p -> inf`` approaches max; the value
    lies between the mean and the max. At all-zero input the textbook
    backward is ``inf * 0 = NaN``; here the value is 0 with a zero gradient
    (a valid subgradient). For a non-zero learning signal there use
    :func:`agg_pmean_stable`.
    """
    _check_p(p)
    return _safe_root(torch.mean(x**p, dim=dim, keepdim=keepdim), p)


def agg_pmean_stable(
    x: Tensor, dim: int, keepdim: bool = False, *, p: float = 2.0, eps: float = DEFAULT_EPS
) -> Tensor:
    """``agg_pmean(pi_0(x))``: p-mean with inputs kept ``eps`` away from 0 (LTN ``AggregPMean``).

    On all-zero input the value is ``eps`` and each input gets gradient
    ``(1 - eps) / n``.
    """
    return agg_pmean(pi_0(x, eps), dim, keepdim, p=p)


def agg_pmean_error(x: Tensor, dim: int, keepdim: bool = False, *, p: float = 2.0) -> Tensor:
    """∀ as p-mean error ``1 - (mean_i (1 - x_i)^p)^(1/p)`` over ``dim`` (= ``1 - pmean(1 - x)``).

    ``p = 2`` is one minus the RMSE from "all true"; the value lies between
    the min and the mean. All-one input: value 1, zero gradient (not NaN);
    see :func:`agg_pmean_error_stable`.
    """
    _check_p(p)
    return 1.0 - _safe_root(torch.mean((1.0 - x) ** p, dim=dim, keepdim=keepdim), p)


def agg_pmean_error_stable(
    x: Tensor, dim: int, keepdim: bool = False, *, p: float = 2.0, eps: float = DEFAULT_EPS
) -> Tensor:
    """``agg_pmean_error(pi_1(x))``: inputs kept ``eps`` away from 1 (LTN ``AggregPMeanError``).

    On all-one input the value is ``1 - eps`` and each input gets gradient
    ``(1 - eps) / n``.
    """
    return agg_pmean_error(pi_1(x, eps), dim, keepdim, p=p)


def agg_log_product(x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
    """∀ as log-product ``sum_i log x_i`` over ``dim``, returned in **log space** (``<= 0``).

    ``exp`` of the result is the product t-norm over ``dim``
    (:func:`agg_product`), which underflows for many groundings; the log form
    does not and equals minus the cross-entropy of the groundings against
    "true". Not finite at zeros: ``log 0 = -inf`` and the gradient there is
    ``+inf``. Use :func:`agg_log_product_stable` for training.
    """
    return torch.sum(torch.log(x), dim=dim, keepdim=keepdim)


def agg_log_product_stable(
    x: Tensor, dim: int, keepdim: bool = False, *, eps: float = DEFAULT_EPS
) -> Tensor:
    """``sum_i log pi_0(x_i)`` over ``dim``, in log space.

    Each term is at least ``log eps`` and each gradient at most
    ``(1 - eps) / eps``, so all-zero input is finite.
    """
    return agg_log_product(pi_0(x, eps), dim, keepdim)


def agg_product(x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
    """∀ as the product t-norm over ``dim``: ``prod_i x_i``, in ``[0, 1]``.

    Underflows to 0 over many groundings; prefer :func:`agg_log_product` as a
    training loss.
    """
    return torch.prod(x, dim=dim, keepdim=keepdim)


def agg_probsum(x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
    """∃ as the probabilistic sum over ``dim``: ``1 - prod_i (1 - x_i)``.

    Smooth (every input gets gradient ``prod_{j != i} (1 - x_j)``) and exact
    on crisp {0, 1} inputs (it is then Boolean OR).
    """
    return 1.0 - torch.prod(1.0 - x, dim=dim, keepdim=keepdim)


def agg_smooth_max(x: Tensor, dim: int, keepdim: bool = False, *, tau: float = 0.1) -> Tensor:
    """∃ as a log-mean-exp smooth maximum ``tau * log(mean_i exp(x_i / tau))`` over ``dim``.

    Smooth, monotone, and passes gradient ``softmax(x / tau)_i`` to every
    input. Unlike ``tau * logsumexp(x / tau)`` it stays between the mean and
    the max, so inside ``[0, 1]``; it is at most ``tau * log n`` below the max
    and tends to max as ``tau -> 0``. Not exact on crisp inputs: one 1 among
    ``n - 1`` zeros gives ``1 + tau * log((1 + (n - 1) e^(-1/tau)) / n)``.
    (The softmax-weighted mean ``sum_i softmax(x / tau)_i x_i`` is closer to
    max on crisp inputs but not monotone, so it is not offered.)
    """
    if not (tau > 0 and math.isfinite(tau)):
        raise NeurosymError(f"smooth_max needs a finite temperature tau > 0, got {tau!r}")
    # shift by the (detached) max: exp(...) <= 1, so the result never exceeds the max;
    # the shift's true derivative is zero, so detaching it leaves the gradient exact
    top = torch.amax(x, dim=dim, keepdim=True).detach()
    value = top + tau * torch.log(torch.mean(torch.exp((x - top) / tau), dim=dim, keepdim=True))
    return value if keepdim else value.squeeze(dim)


# ---------------------------------------------------------------------------
# registries and look-up by name
# ---------------------------------------------------------------------------

TNORMS: dict[str, BinaryOp] = {
    "product": and_product,
    "product_stable": and_product_stable,
    "godel": and_godel,
    "min": and_godel,
    "lukasiewicz": and_lukasiewicz,
}
"""t-norm name -> function ``T(a, b)``."""

TCONORMS: dict[str, BinaryOp] = {
    "probsum": or_probsum,
    "probsum_stable": or_probsum_stable,
    "max": or_max,
    "godel": or_max,
    "bounded_sum": or_bounded_sum,
    "lukasiewicz": or_bounded_sum,
    "bounded_sum_hard": or_bounded_sum_hard,
}
"""t-conorm name -> function ``S(a, b)``."""

IMPLICATIONS: dict[str, BinaryOp] = {
    "reichenbach": implies_reichenbach,
    "reichenbach_stable": implies_reichenbach_stable,
    "godel": implies_godel,
    "goguen": implies_goguen,
    "goguen_stable": implies_goguen_stable,
    "lukasiewicz": implies_lukasiewicz,
    "kleene_dienes": implies_kleene_dienes,
    "sigmoidal_reichenbach": implies_sigmoidal_reichenbach,
}
"""implication name -> function ``I(a, c)``."""

AGGREGATORS: dict[str, Aggregator] = {
    "max": agg_max,
    "min": agg_min,
    "mean": agg_mean,
    "pmean": agg_pmean,
    "pmean_stable": agg_pmean_stable,
    "pmean_error": agg_pmean_error,
    "pmean_error_stable": agg_pmean_error_stable,
    "log_product": agg_log_product,
    "log_product_stable": agg_log_product_stable,
    "product": agg_product,
    "probsum": agg_probsum,
    "smooth_max": agg_smooth_max,
}
"""aggregator name -> function ``f(x, dim, keepdim=False, **params)``."""

_SPELLINGS = str.maketrans({"ö": "o", "ł": "l", "Ł": "l", "-": "_", " ": "_"})


def _normalise(name: str) -> str:
    return name.strip().translate(_SPELLINGS).lower()


def _lookup(
    kind: str, registry: Mapping[str, Callable[..., Tensor]], name: Any, params: dict[str, Any]
) -> Callable[..., Tensor]:
    if callable(name):
        fn = name
    elif isinstance(name, str) and _normalise(name) in registry:
        fn = registry[_normalise(name)]
    else:
        choices = ", ".join(sorted(registry))
        raise NeurosymError(f"unknown {kind} {name!r}; valid choices: {choices}")
    if not params:
        return fn
    accepted = [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        label = getattr(fn, "__name__", repr(fn))
        valid = ", ".join(accepted) if accepted else "none"
        raise NeurosymError(
            f"{kind} {label} has no parameter {', '.join(map(repr, unknown))}; "
            f"valid parameters: {valid}"
        )
    bound = functools.partial(fn, **params)
    functools.update_wrapper(bound, fn)
    settings = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
    bound.__name__ = f"{fn.__name__}({settings})"  # type: ignore[attr-defined]
    return bound


def get_tnorm(name: str | BinaryOp, **params: Any) -> BinaryOp:
    """The t-norm called ``name`` (see :data:`TNORMS`), a callable passes through.

    ``params`` fix keyword parameters, e.g. ``get_tnorm("product_stable", eps=1e-3)``.
    Raises :class:`NeurosymError` listing the valid names on an unknown name.
    """
    return _lookup("t-norm", TNORMS, name, params)


def get_tconorm(name: str | BinaryOp, **params: Any) -> BinaryOp:
    """The t-conorm called ``name`` (see :data:`TCONORMS`), a callable passes through.

    Raises :class:`NeurosymError` listing the valid names on an unknown name.
    """
    return _lookup("t-conorm", TCONORMS, name, params)


def get_implication(name: str | BinaryOp, **params: Any) -> BinaryOp:
    """The implication called ``name`` (see :data:`IMPLICATIONS`), a callable passes through.

    ``params`` fix keyword parameters, e.g.
    ``get_implication("sigmoidal_reichenbach", s=6.0)``. Raises
    :class:`NeurosymError` listing the valid names on an unknown name.
    """
    return _lookup("implication", IMPLICATIONS, name, params)


def get_aggregator(name: str | Aggregator, **params: Any) -> Aggregator:
    """The aggregator called ``name`` (see :data:`AGGREGATORS`), a callable passes through.

    ``params`` fix keyword parameters, e.g. ``get_aggregator("pmean", p=4)``;
    the result is called as ``f(x, dim, keepdim=False)``. Raises
    :class:`NeurosymError` naming the valid names (or parameters) on a bad one.
    """
    return _lookup("aggregator", AGGREGATORS, name, params)


# ---------------------------------------------------------------------------
# operator presets for differentiable forward chaining (neurosym.ilp)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OperatorSet:
    """The four fuzzy operators of one ∂ILP forward-chaining step, by name.

    * ``conjunction``: t-norm joining the two body atoms (:data:`TNORMS`);
    * ``existential``: aggregator over substitutions of the existential
      variables, called as ``f(x, dim)`` (:data:`AGGREGATORS`);
    * ``clause_combination``: t-conorm joining the two clauses of a pair
      (:data:`TCONORMS`);
    * ``amalgamation``: t-conorm adding the step's conclusions to the previous
      valuation (:data:`TCONORMS`).

    Names are checked when the set is built (:class:`NeurosymError` on a bad
    one); the ``*_op`` properties give the functions.
    """

    conjunction: str
    existential: str
    clause_combination: str
    amalgamation: str

    def __post_init__(self) -> None:
        for field, getter in (
            ("conjunction", get_tnorm),
            ("existential", get_aggregator),
            ("clause_combination", get_tconorm),
            ("amalgamation", get_tconorm),
        ):
            value = getattr(self, field)
            if not isinstance(value, str):
                raise NeurosymError(
                    f"OperatorSet.{field} must be an operator name (a string), got {value!r}"
                )
            try:
                getter(value)
            except NeurosymError as err:
                raise NeurosymError(f"OperatorSet.{field}: {err}") from None

    @property
    def conjunction_op(self) -> BinaryOp:
        """The t-norm function ``T(a, b)``."""
        return get_tnorm(self.conjunction)

    @property
    def existential_op(self) -> Aggregator:
        """The aggregator function ``f(x, dim, keepdim=False)``."""
        return get_aggregator(self.existential)

    @property
    def clause_combination_op(self) -> BinaryOp:
        """The t-conorm function joining the two clauses of a pair."""
        return get_tconorm(self.clause_combination)

    @property
    def amalgamation_op(self) -> BinaryOp:
        """The t-conorm function that adds new conclusions to the valuation."""
        return get_tconorm(self.amalgamation)


PRESETS: dict[str, OperatorSet] = {
    # Evans & Grefenstette 2018, exactly: product, max, max, probabilistic sum.
    "dilp": OperatorSet("product", "max", "max", "probsum"),
    # δILP2's default "mixed" norms: max everywhere except the product conjunction.
    "mixed": OperatorSet("product", "max", "max", "max"),
    # Gödel logic throughout (single-passing gradients; useful as an ablation).
    "godel": OperatorSet("godel", "max", "max", "max"),
    # Product logic throughout: every input gets gradient, still exact on crisp inputs.
    "prod": OperatorSet("product", "probsum", "probsum", "probsum"),
    # Log-mean-exp existential (tau = 0.1): smooth, but NOT exact on crisp inputs.
    "smooth": OperatorSet("product", "smooth_max", "probsum", "probsum"),
}
"""Named operator sets. All but ``smooth`` reduce to Boolean logic on {0, 1}
inputs, so with one-hot clause weights forward chaining reproduces the exact
least model."""


def get_preset(name: str | OperatorSet) -> OperatorSet:
    """The operator preset called ``name`` (see :data:`PRESETS`); an ``OperatorSet`` passes through.

    Raises :class:`NeurosymError` listing the valid names on an unknown name.
    """
    if isinstance(name, OperatorSet):
        return name
    if isinstance(name, str) and _normalise(name) in PRESETS:
        return PRESETS[_normalise(name)]
    raise NeurosymError(
        f"unknown operator preset {name!r}; valid choices: {', '.join(sorted(PRESETS))}"
    )
