"""Tests for neurosym.logic.fuzzy: logical laws, ranges, gradients, registries, presets."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from neurosym.errors import NeurosymError
from neurosym.logic import fuzzy as F

# local settings (not a global profile, so other test modules are unaffected)
examples = settings(max_examples=40, deadline=None)

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)
unit_lists = st.lists(unit, min_size=1, max_size=12)
EPS = F.DEFAULT_EPS
TOL = 1e-12  # float64 rounding


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


EXACT_TNORMS = ["product", "godel", "min", "lukasiewicz"]
EXACT_TCONORMS = ["probsum", "max", "godel", "bounded_sum", "lukasiewicz", "bounded_sum_hard"]
DUAL_PAIRS = [
    ("product", "probsum"),
    ("godel", "max"),
    ("lukasiewicz", "bounded_sum"),
    ("lukasiewicz", "bounded_sum_hard"),
    ("product_stable", "probsum_stable"),
]
ALL_BINARY = (
    [("t-norm", n, f) for n, f in F.TNORMS.items()]
    + [("t-conorm", n, f) for n, f in F.TCONORMS.items()]
    + [("implication", n, f) for n, f in F.IMPLICATIONS.items()]
    + [("implication", "sigmoidal(lukasiewicz)", F.sigmoidal("lukasiewicz", s=5.0, b0=-0.3))]
)
BINARY_IDS = [f"{kind}:{name}" for kind, name, _ in ALL_BINARY]


# ---------------------------------------------------------------------------
# t-norms and t-conorms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXACT_TNORMS)
@examples
@given(x=unit)
def test_tnorm_boundary_laws(name: str, x: float) -> None:
    T = F.get_tnorm(name)
    X = t(x)
    assert torch.allclose(T(X, t(1.0)), X, atol=TOL, rtol=0)
    assert torch.allclose(T(t(1.0), X), X, atol=TOL, rtol=0)
    assert torch.equal(T(X, t(0.0)), t(0.0))
    assert torch.equal(T(t(0.0), X), t(0.0))


@pytest.mark.parametrize("name", EXACT_TCONORMS)
@examples
@given(x=unit)
def test_tconorm_boundary_laws(name: str, x: float) -> None:
    S = F.get_tconorm(name)
    X = t(x)
    assert torch.allclose(S(X, t(0.0)), X, atol=TOL, rtol=0)
    assert torch.allclose(S(t(0.0), X), X, atol=TOL, rtol=0)
    assert torch.equal(S(X, t(1.0)), t(1.0))
    assert torch.equal(S(t(1.0), X), t(1.0))


@examples
@given(x=unit)
def test_stable_variants_satisfy_boundary_laws_up_to_eps(x: float) -> None:
    X = t(x)
    assert torch.allclose(F.and_product_stable(X, t(1.0)), X, atol=2 * EPS, rtol=0)
    assert torch.allclose(F.and_product_stable(X, t(0.0)), t(0.0), atol=2 * EPS, rtol=0)
    assert torch.allclose(F.or_probsum_stable(X, t(0.0)), X, atol=2 * EPS, rtol=0)
    assert torch.allclose(F.or_probsum_stable(X, t(1.0)), t(1.0), atol=2 * EPS, rtol=0)


@pytest.mark.parametrize("kind,name", [("t", n) for n in F.TNORMS] + [("s", n) for n in F.TCONORMS])
@examples
@given(a=unit, b=unit)
def test_commutative(kind: str, name: str, a: float, b: float) -> None:
    op = F.get_tnorm(name) if kind == "t" else F.get_tconorm(name)
    assert torch.equal(op(t(a), t(b)), op(t(b), t(a)))


@pytest.mark.parametrize(
    "kind,name", [("t", n) for n in EXACT_TNORMS] + [("s", n) for n in EXACT_TCONORMS]
)
@examples
@given(a=unit, b=unit, c=unit)
def test_associative(kind: str, name: str, a: float, b: float, c: float) -> None:
    op = F.get_tnorm(name) if kind == "t" else F.get_tconorm(name)
    A, B, C = t(a), t(b), t(c)
    assert torch.allclose(op(op(A, B), C), op(A, op(B, C)), atol=1e-12, rtol=0)


def test_stable_product_is_not_associative() -> None:
    # documented: the projection is applied at every call, so nesting differs by O(eps)
    A, B, C = t(0.0), t(0.0), t(0.0)
    left = F.and_product_stable(F.and_product_stable(A, B), C)
    right = F.and_product_stable(A, F.and_product_stable(B, C))
    assert torch.equal(left, right)  # symmetric input
    A, B, C = t(0.3), t(0.0), t(0.9)
    left = F.and_product_stable(F.and_product_stable(A, B), C)
    right = F.and_product_stable(A, F.and_product_stable(B, C))
    assert not torch.equal(left, right)
    assert torch.allclose(left, right, atol=2 * EPS)


@pytest.mark.parametrize("kind,name", [("t", n) for n in F.TNORMS] + [("s", n) for n in F.TCONORMS])
@examples
@given(a1=unit, a2=unit, b=unit)
def test_monotone_in_each_argument(kind: str, name: str, a1: float, a2: float, b: float) -> None:
    op = F.get_tnorm(name) if kind == "t" else F.get_tconorm(name)
    lo, hi = t(min(a1, a2)), t(max(a1, a2))
    assert op(lo, t(b)).item() <= op(hi, t(b)).item() + 1e-15
    assert op(t(b), lo).item() <= op(t(b), hi).item() + 1e-15


@pytest.mark.parametrize("tnorm,tconorm", DUAL_PAIRS)
@examples
@given(a=unit, b=unit)
def test_de_morgan_duality(tnorm: str, tconorm: str, a: float, b: float) -> None:
    T, S, N = F.get_tnorm(tnorm), F.get_tconorm(tconorm), F.not_standard
    A, B = t(a), t(b)
    assert torch.allclose(S(A, B), N(T(N(A), N(B))), atol=1e-12, rtol=0)
    assert torch.allclose(T(A, B), N(S(N(A), N(B))), atol=1e-12, rtol=0)


def test_tnorm_below_min_and_tconorm_above_max() -> None:
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(200, generator=g, dtype=torch.float64), torch.rand(200, dtype=torch.float64)
    for name in F.TNORMS:
        if "stable" in name:
            continue
        assert bool((F.get_tnorm(name)(a, b) <= torch.minimum(a, b) + TOL).all()), name
    for name in F.TCONORMS:
        if "stable" in name:
            continue
        assert bool((F.get_tconorm(name)(a, b) >= torch.maximum(a, b) - TOL).all()), name


@examples
@given(x=unit)
def test_standard_negation(x: float) -> None:
    X = t(x)
    assert torch.allclose(F.not_standard(F.not_standard(X)), X, atol=TOL, rtol=0)
    assert F.not_standard(t(0.0)).item() == 1.0 and F.not_standard(t(1.0)).item() == 0.0
    assert 0.0 <= F.not_standard(X).item() <= 1.0


def test_binary_ops_broadcast() -> None:
    a = torch.rand(4, 1, 3)
    b = torch.rand(5, 3)
    for kind, name, op in ALL_BINARY:
        assert op(a, b).shape == (4, 5, 3), f"{kind}:{name}"


@pytest.mark.parametrize("kind,name,op", ALL_BINARY, ids=BINARY_IDS)
@examples
@given(a=unit, b=unit)
def test_binary_range_in_unit_interval(kind: str, name: str, op, a: float, b: float) -> None:
    for dtype in (torch.float32, torch.float64):
        value = op(torch.tensor(a, dtype=dtype), torch.tensor(b, dtype=dtype)).item()
        assert 0.0 <= value <= 1.0, (a, b, value)


@pytest.mark.parametrize("kind,name,op", ALL_BINARY, ids=BINARY_IDS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_no_nan_or_inf_gradient_at_corners(kind, name, op, dtype) -> None:
    for a0, b0 in itertools.product([0.0, 1.0], repeat=2):
        a = torch.tensor(a0, dtype=dtype, requires_grad=True)
        b = torch.tensor(b0, dtype=dtype, requires_grad=True)
        out = op(a, b)
        assert out.dtype == dtype
        assert torch.isfinite(out)
        out.backward()
        for grad in (a.grad, b.grad):  # None: no path (e.g. Gödel → never reaches a)
            assert grad is None or torch.isfinite(grad), (a0, b0, a.grad, b.grad)
    # all four corners at once, batched
    a = torch.tensor([0.0, 0.0, 1.0, 1.0], dtype=dtype, requires_grad=True)
    b = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=dtype, requires_grad=True)
    op(a, b).sum().backward()
    for grad in (a.grad, b.grad):
        assert grad is None or bool(torch.isfinite(grad).all())


def _grad(op, a0: float, b0: float) -> tuple[float, float]:
    a = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    op(a, b).backward()
    return tuple(0.0 if g is None else g.item() for g in (a.grad, b.grad))


@pytest.mark.parametrize(
    "plain,stable,point",
    [
        (F.and_product, F.and_product_stable, (0.0, 0.0)),
        (F.or_probsum, F.or_probsum_stable, (1.0, 1.0)),
        (F.implies_reichenbach, F.implies_reichenbach_stable, (0.0, 1.0)),
    ],
)
def test_stable_variants_restore_gradient_where_plain_vanishes(plain, stable, point) -> None:
    assert _grad(plain, *point) == (0.0, 0.0)
    ga, gb = _grad(stable, *point)
    assert ga != 0.0 and gb != 0.0
    assert abs(ga) < 10 * EPS and abs(gb) < 10 * EPS  # a small nudge, not a new operator


def test_goguen_has_no_nan_at_zero_zero() -> None:
    ga, gc = _grad(F.implies_goguen, 0.0, 0.0)
    assert (ga, gc) == (0.0, 0.0)
    assert F.implies_goguen(t(0.0), t(0.0)).item() == 1.0


# ---------------------------------------------------------------------------
# bounded sum: the gradient must survive saturation
# ---------------------------------------------------------------------------


@examples
@given(a=unit, b=unit)
def test_bounded_sum_value_is_exactly_min_one(a: float, b: float) -> None:
    A, B = t(a), t(b)
    assert torch.equal(F.or_bounded_sum(A, B), F.or_bounded_sum_hard(A, B))
    assert torch.equal(F.or_bounded_sum(A, B), torch.clamp(A + B, max=1.0))


def test_bounded_sum_passes_gradient_when_saturated() -> None:
    assert _grad(F.or_bounded_sum, 0.8, 0.7) == (1.0, 1.0)
    assert _grad(F.or_bounded_sum_hard, 0.8, 0.7) == (0.0, 0.0)
    assert _grad(F.or_bounded_sum, 0.2, 0.3) == _grad(F.or_bounded_sum_hard, 0.2, 0.3)


@pytest.mark.parametrize("name,learns", [("bounded_sum", True), ("bounded_sum_hard", False)])
def test_saturated_amalgamation_can_unlearn(name: str, learns: bool) -> None:
    """The ∂ILP failure in miniature: a wrongly derived atom stuck at 1.0 must be pushable down."""
    amalgamate = F.get_tconorm(name)
    logits = torch.tensor([3.0, 3.0], requires_grad=True)  # both sources ~0.95: sum saturates
    for _ in range(30):  # plain gradient descent, lr 1
        previous, derived = torch.sigmoid(logits).unbind()
        value = amalgamate(previous, derived)
        loss = (
            value**2
        )  # squared error against label 0 (a clamp here would itself kill the gradient)
        (grad,) = torch.autograd.grad(loss, logits)
        with torch.no_grad():
            logits -= grad
    final = amalgamate(*torch.sigmoid(logits).unbind()).item()
    assert (final < 0.5) if learns else (final == 1.0)


# ---------------------------------------------------------------------------
# implications
# ---------------------------------------------------------------------------

PLAIN_IMPLICATIONS = ["reichenbach", "godel", "goguen", "lukasiewicz", "kleene_dienes"]
ALL_IMPLICATIONS = PLAIN_IMPLICATIONS + ["sigmoidal_reichenbach"]


@pytest.mark.parametrize("name", ALL_IMPLICATIONS)
@examples
@given(x=unit)
def test_implication_boundary_laws(name: str, x: float) -> None:
    I = F.get_implication(name)
    X = t(x)
    assert torch.equal(I(t(0.0), X), t(1.0))  # ex falso quodlibet
    assert torch.allclose(I(X, t(1.0)), t(1.0), atol=TOL, rtol=0)
    assert I(t(1.0), t(0.0)).item() == 0.0


@pytest.mark.parametrize("name", PLAIN_IMPLICATIONS)
@examples
@given(y=unit)
def test_implication_left_neutrality(name: str, y: float) -> None:
    I = F.get_implication(name)
    assert torch.allclose(I(t(1.0), t(y)), t(y), atol=TOL, rtol=0)


def test_sigmoidal_implication_is_not_left_neutral() -> None:
    # documented: only I(1,0)=0 and I(1,1)=1 survive the sigmoid, not I(1,y)=y
    assert abs(F.implies_sigmoidal_reichenbach(t(1.0), t(0.3)).item() - 0.3) > 0.05
    assert F.implies_sigmoidal_reichenbach(t(1.0), t(1.0)).item() == 1.0


@pytest.mark.parametrize("name", ["godel", "goguen", "lukasiewicz"])
@examples
@given(x=unit)
def test_r_implications_satisfy_identity(name: str, x: float) -> None:
    assert F.get_implication(name)(t(x), t(x)).item() == 1.0


@pytest.mark.parametrize("name", ["reichenbach", "kleene_dienes"])
def test_s_implications_do_not_satisfy_identity(name: str) -> None:
    assert F.get_implication(name)(t(0.5), t(0.5)).item() < 1.0


@pytest.mark.parametrize(
    "tnorm,implication",
    [
        ("product", "goguen"),
        ("godel", "godel"),
        ("lukasiewicz", "lukasiewicz"),
    ],
)
@examples
@given(a=unit, c=unit)
def test_residuation(tnorm: str, implication: str, a: float, c: float) -> None:
    """R-implications are residua: T(a, I(a, c)) <= c (modus ponens never overshoots)."""
    T, I = F.get_tnorm(tnorm), F.get_implication(implication)
    assert T(t(a), I(t(a), t(c))).item() <= c + 1e-12


@pytest.mark.parametrize("name", ["reichenbach", "lukasiewicz", "kleene_dienes"])
@examples
@given(a=unit, c=unit)
def test_contrapositive_symmetry(name: str, a: float, c: float) -> None:
    I = F.get_implication(name)
    assert torch.allclose(I(t(a), t(c)), I(t(1 - c), t(1 - a)), atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", sorted(F.IMPLICATIONS))
@examples
@given(a1=unit, a2=unit, c1=unit, c2=unit)
def test_implication_monotonicity(name: str, a1: float, a2: float, c1: float, c2: float) -> None:
    """Decreasing in the antecedent, increasing in the consequent."""
    I = F.get_implication(name)
    lo_a, hi_a = t(min(a1, a2)), t(max(a1, a2))
    lo_c, hi_c = t(min(c1, c2)), t(max(c1, c2))
    assert I(hi_a, t(c1)).item() <= I(lo_a, t(c1)).item() + 1e-12
    assert I(t(a1), lo_c).item() <= I(t(a1), hi_c).item() + 1e-12


@examples
@given(a=unit, c=unit)
def test_stable_implications_close_to_plain(a: float, c: float) -> None:
    A, C = t(a), t(c)
    assert torch.allclose(
        F.implies_reichenbach_stable(A, C), F.implies_reichenbach(A, C), atol=3 * EPS, rtol=0
    )
    if a > 0.01:  # Goguen's c/a is steep near a = 0, where the projection matters most
        assert torch.allclose(
            F.implies_goguen_stable(A, C), F.implies_goguen(A, C), atol=0.02, rtol=0
        )


@pytest.mark.parametrize("s,b0", [(9.0, -0.5), (3.0, -0.5), (12.0, -0.2), (1.0, 0.0)])
def test_sigmoidal_matches_paper_closed_form(s: float, b0: float) -> None:
    """Our normalised form equals van Krieken et al.'s written-out formula."""
    a = torch.rand(500, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    c = torch.rand(500, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    inner = F.implies_reichenbach(a, c)
    e = math.exp
    paper = (
        (1 + e(-s * (1 + b0)))
        / (e(-b0 * s) - e(-s * (1 + b0)))
        * ((1 + e(-b0 * s)) * torch.sigmoid(s * (inner + b0)) - 1)
    )
    ours = F.sigmoidal("reichenbach", s=s, b0=b0)(a, c)
    assert torch.allclose(ours, paper, atol=1e-10, rtol=0)
    bound = F.get_implication("sigmoidal_reichenbach", s=s, b0=b0)
    assert torch.allclose(bound(a, c), ours, atol=0, rtol=0)


def test_sigmoidal_fixes_ends_and_accepts_callables() -> None:
    identity_like = F.sigmoidal(lambda a, c: c)  # I = c, to probe the map itself
    ends = identity_like(t(0.5, 0.5), t(0.0, 1.0))
    assert ends.tolist() == [0.0, 1.0]
    grid = torch.linspace(0, 1, 101, dtype=torch.float64)
    values = identity_like(torch.zeros_like(grid), grid)
    assert bool((values[1:] >= values[:-1]).all())


def test_sigmoidal_concentrates_gradient_on_violated_groundings() -> None:
    """The point of the wrapper: nearly-satisfied groundings get less of the gradient."""
    a = torch.tensor([0.05, 0.9], dtype=torch.float64, requires_grad=True)  # satisfied, violated
    c = torch.tensor([0.5, 0.45], dtype=torch.float64)  # I = 0.975 and I = 0.505
    F.implies_reichenbach(a, c).sum().backward()
    plain_ratio = (a.grad[1] / a.grad[0]).item()
    a.grad = None
    F.implies_sigmoidal_reichenbach(a, c).sum().backward()
    sigmoidal_ratio = (a.grad[1] / a.grad[0]).item()
    assert sigmoidal_ratio > 5 * plain_ratio


def test_sigmoidal_rejects_bad_parameters() -> None:
    with pytest.raises(NeurosymError, match="steepness"):
        F.sigmoidal("reichenbach", s=0.0)
    with pytest.raises(NeurosymError, match="valid choices"):
        F.sigmoidal("nonsense")


# ---------------------------------------------------------------------------
# aggregators
# ---------------------------------------------------------------------------

LOG_SPACE = {"log_product", "log_product_stable"}
STABLE_AGGREGATORS = ["pmean_stable", "pmean_error_stable", "log_product_stable"]
EXPECTED_ON_CONSTANT = {  # name -> (value on all zeros, value on all ones)
    "max": (0.0, 1.0),
    "min": (0.0, 1.0),
    "mean": (0.0, 1.0),
    "pmean": (0.0, 1.0),
    "pmean_stable": (EPS, 1.0),
    "pmean_error": (0.0, 1.0),
    "pmean_error_stable": (0.0, 1 - EPS),
    "log_product": (-math.inf, 0.0),
    "log_product_stable": (5 * math.log(EPS), 0.0),
    "product": (0.0, 1.0),
    "probsum": (0.0, 1.0),
    "smooth_max": (0.0, 1.0),
}


def test_every_aggregator_has_expected_constant_values() -> None:
    assert set(EXPECTED_ON_CONSTANT) == set(F.AGGREGATORS)


@pytest.mark.parametrize("name", sorted(F.AGGREGATORS))
@pytest.mark.parametrize("fill", [0.0, 1.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_aggregator_on_all_zero_and_all_one_input(name: str, fill: float, dtype) -> None:
    agg = F.get_aggregator(name)
    x = torch.full((3, 5), fill, dtype=dtype, requires_grad=True)
    out = agg(x, dim=1)
    assert out.shape == (3,) and out.dtype == dtype
    expected = EXPECTED_ON_CONSTANT[name][int(fill)]
    if math.isinf(expected):
        assert bool(torch.isinf(out).all())
    else:
        # rtol: in float32, pi_0(0) = 1 - (1 - eps) is eps only to about 1e-4 relative
        assert torch.allclose(out, torch.full_like(out, expected), atol=1e-6, rtol=1e-3)
    out.sum().backward()
    if name == "log_product" and fill == 0.0:
        # documented exception: log 0 = -inf and d/dx log x = +inf; use log_product_stable
        assert bool(torch.isinf(x.grad).all())
        return
    assert bool(torch.isfinite(x.grad).all()), (name, fill, x.grad)
    assert not bool(torch.isnan(x.grad).any())


@pytest.mark.parametrize("name", STABLE_AGGREGATORS)
@pytest.mark.parametrize("fill", [0.0, 1.0])
def test_stable_aggregators_keep_a_learning_signal(name: str, fill: float) -> None:
    x = torch.full((5,), fill, requires_grad=True)
    F.get_aggregator(name)(x, dim=0).backward()
    assert bool(torch.isfinite(x.grad).all()) and bool((x.grad > 0).all()), x.grad


def test_plain_pmeans_give_zero_subgradient_at_singular_point() -> None:
    x = torch.zeros(4, requires_grad=True)
    F.agg_pmean(x, dim=0).backward()
    assert x.grad.tolist() == [0.0] * 4
    x = torch.ones(4, requires_grad=True)
    F.agg_pmean_error(x, dim=0).backward()
    assert x.grad.abs().tolist() == [0.0] * 4
    # and the stable variants give the documented (1 - eps) / n
    x = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    F.agg_pmean_stable(x, dim=0).backward()
    assert torch.allclose(x.grad, torch.full_like(x, (1 - EPS) / 4))


@pytest.mark.parametrize("name", sorted(F.AGGREGATORS))
def test_aggregator_shapes(name: str) -> None:
    agg = F.get_aggregator(name)
    x = torch.rand(2, 3, 4) * 0.9 + 0.05
    assert agg(x, 1).shape == (2, 4)
    assert agg(x, dim=1, keepdim=True).shape == (2, 1, 4)
    assert agg(x, -1).shape == (2, 3)
    assert torch.allclose(agg(x, -1), agg(x, 2))
    assert torch.allclose(agg(x, 1, True).squeeze(1), agg(x, 1))


@pytest.mark.parametrize("name", sorted(F.AGGREGATORS))
@examples
@given(values=unit_lists)
def test_aggregator_range_and_permutation_invariance(name: str, values: list[float]) -> None:
    agg = F.get_aggregator(name)
    x = torch.tensor(values, dtype=torch.float64)
    out = agg(x, 0).item()
    if name in LOG_SPACE:
        assert out <= 0.0
    else:
        assert 0.0 <= out <= 1.0, (values, out)
    perm = torch.randperm(len(values), generator=torch.Generator().manual_seed(len(values)))
    assert math.isclose(agg(x[perm], 0).item(), out, rel_tol=1e-12, abs_tol=1e-12) or (
        math.isinf(out) and math.isinf(agg(x[perm], 0).item())
    )


@examples
@given(values=unit_lists)
def test_aggregator_ordering(values: list[float]) -> None:
    x = torch.tensor(values, dtype=torch.float64)

    def A(name: str) -> float:
        return F.get_aggregator(name)(x, 0).item()

    tol = 1e-12
    assert A("product") <= A("min") + tol
    assert A("min") <= A("pmean_error") + tol
    assert A("pmean_error") <= A("mean") + tol
    assert A("mean") <= A("pmean") + tol
    assert A("pmean") <= A("max") + tol
    assert A("max") <= A("probsum") + tol
    assert A("min") - tol <= A("smooth_max") <= A("max") + tol


@examples
@given(values=unit_lists, p=st.sampled_from([1.0, 1.5, 2.0, 5.0]))
def test_aggregator_dualities(values: list[float], p: float) -> None:
    x = torch.tensor(values, dtype=torch.float64)
    pairs = [
        (F.get_aggregator("pmean_error", p=p), F.get_aggregator("pmean", p=p)),
        (F.get_aggregator("pmean_error_stable", p=p), F.get_aggregator("pmean_stable", p=p)),
        (F.agg_min, F.agg_max),
        (F.agg_product, F.agg_probsum),
    ]
    for forall, exists in pairs:
        assert math.isclose(forall(x, 0).item(), 1 - exists(1 - x, 0).item(), abs_tol=1e-12)


@pytest.mark.parametrize("name", sorted(set(F.AGGREGATORS) - LOG_SPACE))
@examples
@given(values=unit_lists, i=st.integers(0, 11), bump=unit)
def test_aggregator_monotone(name: str, values: list[float], i: int, bump: float) -> None:
    agg = F.get_aggregator(name)
    x = torch.tensor(values, dtype=torch.float64)
    y = x.clone()
    y[i % len(values)] = max(y[i % len(values)].item(), bump)
    assert agg(x, 0).item() <= agg(y, 0).item() + 1e-12


def test_pmean_parameters() -> None:
    x = torch.rand(7, 9, dtype=torch.float64)
    assert torch.allclose(F.agg_pmean(x, 1, p=1.0), x.mean(1))
    assert torch.allclose(F.agg_pmean_error(x, 1, p=1.0), x.mean(1))
    assert torch.allclose(F.agg_pmean(x, 1, p=400.0), x.amax(1), atol=0.01)
    assert torch.allclose(F.agg_pmean_error(x, 1, p=400.0), x.amin(1), atol=0.01)
    assert torch.allclose(F.get_aggregator("pmean", p=3.0)(x, 1), F.agg_pmean(x, 1, p=3.0))
    for bad in (0.5, 0.0, -1.0, math.inf, math.nan):
        with pytest.raises(NeurosymError, match="p must be"):
            F.agg_pmean(x, 1, p=bad)
    with pytest.raises(NeurosymError, match="eps must be"):
        F.agg_pmean_stable(x, 1, eps=1.0)
    with pytest.raises(NeurosymError, match="tau"):
        F.agg_smooth_max(x, 1, tau=0.0)


def test_log_product_is_log_of_product_and_does_not_underflow() -> None:
    x = torch.rand(6, 8, dtype=torch.float64) * 0.9 + 0.1
    assert torch.allclose(torch.exp(F.agg_log_product(x, 1)), F.agg_product(x, 1))
    # each term moves by about eps (1 - x) / x <= 9 eps for x >= 0.1
    assert torch.allclose(F.agg_log_product_stable(x, 1), F.agg_log_product(x, 1), atol=8 * 9 * EPS)
    # 1000 groundings at 0.9 (float32): product ~ 1.7e-46 underflows to a denormal/zero,
    # the log form stays healthy with gradient 1/0.9 per grounding
    many = torch.full((1000,), 0.9, requires_grad=True)
    assert F.agg_product(many, 0).item() < 1e-40
    value = F.agg_log_product(many, 0)
    value.backward()
    assert math.isclose(value.item(), 1000 * math.log(0.9), rel_tol=1e-4)
    assert torch.allclose(many.grad, torch.full_like(many, 1 / 0.9))


def test_smooth_max_is_not_exact_on_crisp_input() -> None:
    one_hot = torch.zeros(6, dtype=torch.float64)
    one_hot[2] = 1.0
    value = F.agg_smooth_max(one_hot, 0).item()
    expected = 1 + 0.1 * math.log((1 + 5 * math.exp(-10)) / 6)
    assert math.isclose(value, expected, rel_tol=1e-12) and value < 1.0
    assert value >= 1 - 0.1 * math.log(6)
    assert 1.0 > F.agg_smooth_max(one_hot, 0, tau=0.01).item() > value


def test_smooth_max_gradient_is_softmax() -> None:
    x = torch.tensor([0.2, 0.9, 0.5], dtype=torch.float64, requires_grad=True)
    F.agg_smooth_max(x, 0, tau=0.3).backward()
    assert torch.allclose(x.grad, torch.softmax(x.detach() / 0.3, 0))


# ---------------------------------------------------------------------------
# registries and getters
# ---------------------------------------------------------------------------

REGISTRIES = [
    ("t-norm", F.TNORMS, F.get_tnorm),
    ("t-conorm", F.TCONORMS, F.get_tconorm),
    ("implication", F.IMPLICATIONS, F.get_implication),
    ("aggregator", F.AGGREGATORS, F.get_aggregator),
]


@pytest.mark.parametrize("kind,registry,getter", REGISTRIES)
def test_registry_entries_are_documented_and_retrievable(kind, registry, getter) -> None:
    for name, fn in registry.items():
        assert getter(name) is fn
        assert fn.__doc__ and len(fn.__doc__.strip()) > 20, name
        assert name == name.lower() and " " not in name


@pytest.mark.parametrize("kind,registry,getter", REGISTRIES)
def test_unknown_name_lists_valid_choices(kind, registry, getter) -> None:
    with pytest.raises(NeurosymError) as info:
        getter("no_such_operator")
    message = str(info.value)
    assert kind in message and "no_such_operator" in message
    for name in registry:
        assert name in message
    with pytest.raises(NeurosymError):
        getter(42)


def test_names_are_normalised() -> None:
    assert F.get_tnorm("Gödel") is F.and_godel
    assert F.get_tnorm(" Łukasiewicz ") is F.and_lukasiewicz
    assert F.get_implication("Kleene-Dienes") is F.implies_kleene_dienes
    assert F.get_aggregator("PMEAN-error") is F.agg_pmean_error
    assert F.get_preset("DILP") is F.PRESETS["dilp"]


def test_getters_pass_callables_through_and_bind_parameters() -> None:
    def custom(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a * b * b

    assert F.get_tnorm(custom) is custom
    stable = F.get_tnorm("product_stable", eps=0.1)
    assert math.isclose(stable(t(0.0), t(0.0)).item(), 0.01, rel_tol=1e-12)
    assert "eps=0.1" in stable.__name__
    with pytest.raises(NeurosymError, match="valid parameters: p"):
        F.get_aggregator("pmean", q=3)
    with pytest.raises(NeurosymError, match="valid parameters: none"):
        F.get_tnorm("product", eps=0.1)


def test_device_and_dtype_come_from_the_input() -> None:
    for dtype in (torch.float32, torch.float64, torch.bfloat16):
        a = torch.rand(3).to(dtype)
        for _, _, op in ALL_BINARY:
            assert op(a, a).dtype == dtype
        for agg in F.AGGREGATORS.values():
            assert agg(a, 0).dtype == dtype


# ---------------------------------------------------------------------------
# presets for the ILP engine
# ---------------------------------------------------------------------------


def test_dilp_preset_is_the_papers_operator_set() -> None:
    ops = F.get_preset("dilp")
    assert ops == F.OperatorSet("product", "max", "max", "probsum")
    assert ops.conjunction_op is F.and_product
    assert ops.existential_op is F.agg_max
    assert ops.clause_combination_op is F.or_max
    assert ops.amalgamation_op is F.or_probsum


def test_operator_set_is_frozen_and_validated() -> None:
    ops = F.get_preset("dilp")
    with pytest.raises(AttributeError):
        ops.conjunction = "godel"  # type: ignore[misc]
    with pytest.raises(NeurosymError, match="existential.*valid choices"):
        F.OperatorSet("product", "maximum", "max", "probsum")
    with pytest.raises(NeurosymError, match="amalgamation"):
        F.OperatorSet("product", "max", "max", "reichenbach")
    with pytest.raises(NeurosymError, match="must be an operator name"):
        F.OperatorSet(F.and_product, "max", "max", "probsum")  # type: ignore[arg-type]
    with pytest.raises(NeurosymError, match="valid choices: dilp"):
        F.get_preset("dlip")
    assert F.get_preset(ops) is ops


@pytest.mark.parametrize("name", sorted(F.PRESETS))
def test_presets_are_boolean_logic_on_crisp_inputs(name: str) -> None:
    ops = F.get_preset(name)
    a = torch.tensor([0.0, 0.0, 1.0, 1.0])
    b = torch.tensor([0.0, 1.0, 0.0, 1.0])
    assert torch.equal(ops.conjunction_op(a, b), torch.logical_and(a > 0, b > 0).float())
    assert torch.equal(ops.clause_combination_op(a, b), torch.logical_or(a > 0, b > 0).float())
    assert torch.equal(ops.amalgamation_op(a, b), torch.logical_or(a > 0, b > 0).float())
    crisp = (torch.rand(16, 7, generator=torch.Generator().manual_seed(3)) > 0.7).float()
    crisp[0] = 0.0
    crisp[1] = 1.0
    exact = torch.equal(ops.existential_op(crisp, 1), crisp.amax(1))
    assert exact == (name != "smooth")  # documented: only "smooth" is not crisp-exact
