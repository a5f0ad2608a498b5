"""Oracles for the Green's function module (theory.green).

The closed forms come from residues of e^{iωr}/P(ω).  None of the checks below retypes
that computation; each uses a different route (STYLE rule 9):

- the spec's table of closed forms (and, for (1+ω²)^{-3}, the Matérn shape with its
  normalisation from sympy's own integral; for distinct roots, partial fractions);
- the ODE: L g = 0 for r > 0, and the jump conditions at r = 0 that make L g = δ;
- the Fourier integral itself, by mpmath oscillatory quadrature;
- Bochner: Gram matrices of distinct points are positive definite.
"""

import dataclasses
import functools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from theory import green
from theory._mp import digits_of_agreement, make_context
from theory.derivation import DerivationError
from theory.errors import InputError, PrecisionError
from theory.green import (FALLBACK_DPS, R, green_derivation, green_f64, green_function,
                          green_gram, green_gram_mp, green_mp)

EPS64 = np.finfo(float).eps
L = sp.Symbol("l", positive=True)
W = sp.Symbol("omega", real=True)
S = sp.Symbol("s")

#: exact closed forms, symbolic; covers simple, double, complex-pair, mixed, real-quadratic
EXACT_CASES = [
    [1, L**2],                 # 1 - l^2 D^2: simple imaginary pole
    [1, 2 * L**2, L**4],       # (1 - l^2 D^2)^2: double pole
    [1, 1, 1],                 # complex pair
    [1, 3, 3, 1],              # (1 + ω²)^3: triple pole
    [1, 5, 4],                 # distinct imaginary poles i, i/2
    [1, 3, 1],                 # irreducible quadratic in s with real (irrational) roots
    [1, 0, 0, 1],              # 1 + s^3 = (1 + s)(1 - s + s^2): mixed
    [1, 0, L**4],              # symbolic complex pair
    [1, 2, 3, 2, 1],           # (1 + s + s^2)^2: double complex pair
    [2, 0, 1],                 # quartic-root constants 2^(3/4)
]
#: numeric coefficients whose Q(s) has an irreducible cubic factor: numeric-root fallback
FALLBACK_CASES = [[1, 2, 3, 4], [3, 1, 0, 1]]


def case_id(c):
    return "[" + ",".join(str(x) for x in c) + "]"


def homogeneous_terms(g, coeffs):
    """The terms a_m (-1)^m d^{2m} g_j / dr^{2m} of L g, one per mode g_j of g."""
    return [a * (-1) ** m * sp.diff(mode, R, 2 * m) for m, a in enumerate(coeffs)
            for mode in sp.Add.make_args(g)]


def mode_derivatives(g, k):
    """d^k g_j / dr^k for each mode g_j of g (kept apart to measure cancellation)."""
    return [sp.diff(mode, R, k) for mode in sp.Add.make_args(sp.expand(g, deep=False))]


def value_and_scale(pieces, dps, r0):
    """Value at r0 of the sum of ``pieces`` (an expression or a list) and the sum of the
    |terms| of each piece (for g and its derivatives: one term per mode, the scale that
    cancellation between modes is measured against), both at ``dps`` digits."""
    if isinstance(pieces, sp.Basic):
        pieces = [pieces]
    terms = [t for p in pieces for t in sp.Add.make_args(p)]
    vals = [sp.N(t.subs(R, r0), dps) for t in terms]
    return sp.Add(*vals), sp.Add(*[abs(v) for v in vals])


# ----------------------------------------------------------------------------------------
# 1. the spec's closed forms, exactly


SPEC_ROWS = [
    ([1, L**2], sp.exp(-R / L) / (2 * L)),
    ([1, 2 * L**2, L**4], (L + R) * sp.exp(-R / L) / (4 * L**2)),
    ([1, 1, 1], sp.sqrt(3) / 3 * sp.exp(-sp.sqrt(3) * R / 2) * sp.sin(R / 2 + sp.pi / 6)),
]


@pytest.mark.parametrize("coeffs, expected", SPEC_ROWS, ids=["1-l2D2", "(1-l2D2)^2", "1-D2+D4"])
def test_spec_closed_forms(coeffs, expected):
    g = green_function(coeffs)
    assert sp.simplify(g - expected) == 0, (g, expected)
    assert g.free_symbols <= {R, L}
    assert not g.has(sp.I)  # real form: conjugate pairs combined


def test_spec_mutant_is_refuted():
    # a plausible wrong constant (missing the 1/2) must not pass the same comparison
    assert sp.simplify(green_function([1, L**2]) - sp.exp(-R / L) / L) != 0


def test_triple_pole_matches_matern_shape_and_integral_normalisation():
    # (1 + ω²)^{-3} is the spectral density of the Matérn ν = 5/2 kernel, whose shape is
    # (1 + r + r²/3) e^{-r}; its value at 0 is fixed independently by sympy's integral.
    g0 = sp.integrate(1 / (1 + W**2) ** 3, (W, 0, sp.oo)) / sp.pi
    expected = g0 * (1 + R + R**2 / 3) * sp.exp(-R)
    assert sp.simplify(green_function([1, 3, 3, 1]) - expected) == 0


def test_distinct_poles_match_partial_fractions():
    # 1/((1 + s)(1 + 4s)) by sympy.apart, each c/(1 + l² s) mapped by spec row 1:
    # c e^{-r/l}/(2l).  This is the spec table plus linearity, not residues.
    s = sp.Symbol("s", positive=True)
    expected = 0
    for term in sp.Add.make_args(sp.apart(1 / (1 + 5 * s + 4 * s**2), s)):
        num, den = sp.fraction(sp.factor(term))
        p = sp.Poly(den, s)
        c0, c1 = p.coeff_monomial(1), p.coeff_monomial(s)
        ell = sp.sqrt(c1 / c0)
        expected += num / c0 * sp.exp(-R / ell) / (2 * ell)
    assert sp.simplify(green_function([1, 5, 4]) - expected) == 0


# ----------------------------------------------------------------------------------------
# 2. the ODE: L g = 0 away from 0, jumps at 0


@pytest.mark.parametrize("coeffs", EXACT_CASES, ids=case_id)
def test_homogeneous_equation_exact(coeffs):
    g = green_function(coeffs)
    assert not g.has(sp.I) and not g.atoms(sp.Float)  # exact, real form
    assert sp.simplify(sp.Add(*homogeneous_terms(g, coeffs))) == 0


@pytest.mark.parametrize("coeffs", EXACT_CASES, ids=case_id)
def test_jump_conditions_exact(coeffs):
    # As a function of s = x - t, g(|s|) is even: even derivatives are continuous, odd
    # ones must vanish at 0+ up to order 2M - 3, and the (2M-1)-th jumps by (-1)^M / a_M,
    # i.e. 2 g^{(2M-1)}(0+) = (-1)^M / a_M, which makes L g = δ.
    g = green_function(coeffs)
    m_top = len(coeffs) - 1
    for k in range(1, 2 * m_top - 2, 2):
        assert sp.simplify(sp.diff(g, R, k).subs(R, 0)) == 0, k
    jump = 2 * sp.diff(g, R, 2 * m_top - 1).subs(R, 0)
    assert sp.simplify(jump - sp.Integer(-1) ** m_top / coeffs[-1]) == 0


def test_jump_of_laplace_kernel():
    # the spec's example: g = e^{-|x|}/2 has g'(0+) - g'(0-) = -1
    g = green_function([1, 1])
    s = sp.Symbol("s", real=True)
    gs = g.subs(R, sp.Abs(s))
    right = sp.limit(sp.diff(gs, s), s, 0, "+")
    left = sp.limit(sp.diff(gs, s), s, 0, "-")
    assert right - left == -1


@pytest.mark.parametrize("coeffs", FALLBACK_CASES[1:], ids=case_id)
def test_ode_and_jumps_numeric_fallback(coeffs):
    """The Float closed form itself (the property test below covers the mp twin)."""
    g = green_function(coeffs)
    assert g.atoms(sp.Float), "expected the numeric-root fallback"
    m_top = len(coeffs) - 1
    dps = 40
    # FALLBACK_DPS-digit constants evaluated at 40 digits: 5 digits of slack for the sums
    tol = sp.Float(10, dps) ** (5 - dps)
    for r0 in (sp.Rational(3, 10), sp.Rational(4)):
        val, scale = value_and_scale(homogeneous_terms(g, coeffs), dps, r0)
        assert abs(val) <= tol * scale, (r0, val, scale)
    for k in range(1, 2 * m_top - 2, 2):
        val, scale = value_and_scale(mode_derivatives(g, k), dps, 0)
        assert abs(val) <= tol * scale, (k, val, scale)
    val, scale = value_and_scale(mode_derivatives(2 * g, 2 * m_top - 1), dps, 0)
    assert abs(val - sp.Rational(-1) ** m_top / coeffs[-1]) <= tol * scale


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 4), min_size=0, max_size=2), st.integers(1, 5),
       st.integers(1, 4))
@example(middle=[0, 0], a0=1, top=1)   # 1 + s^3: mixed real and complex poles
@example(middle=[3, 3], a0=1, top=1)   # (1 + s)^3: triple pole
@example(middle=[2], a0=1, top=1)      # (1 + s)^2: double pole
@example(middle=[2, 3], a0=1, top=4)   # irreducible cubic: numeric fallback
def test_ode_and_jumps_property(middle, a0, top):
    """For any valid integer coefficients, the mp twin satisfies L g = 0 at r > 0 and the
    jump conditions at 0+, with derivatives by mpmath finite differences (ctx.diffs
    raises the working precision itself, and green_mp follows ctx.prec)."""
    coeffs = [a0, *middle, top]
    m_top = len(coeffs) - 1
    ctx = make_context(30)

    def g(x):
        return green_mp(ctx, coeffs, x)

    # finite differences at raised precision lose a few bits to the step; 10 bits of slack
    rel = ctx.mpf(2) ** -(ctx.prec - 10)
    d = list(ctx.diffs(g, ctx.mpf(7) / 10, 2 * m_top))
    lg = ctx.fsum(a * (-1) ** m * d[2 * m] for m, a in enumerate(coeffs))
    assert abs(lg) <= rel * ctx.fsum(abs(a * d[2 * m]) for m, a in enumerate(coeffs)), coeffs
    d0 = list(ctx.diffs(g, 0, 2 * m_top - 1, direction=1))  # one-sided, r >= 0
    scale = max([ctx.mpf(1) / top] + [abs(v) for v in d0])
    for k in range(1, 2 * m_top - 2, 2):
        assert abs(d0[k]) <= rel * scale, (coeffs, k, d0[k])
    assert abs(2 * d0[2 * m_top - 1] - ctx.mpf((-1) ** m_top) / top) <= rel * scale, coeffs


# ----------------------------------------------------------------------------------------
# 3. the Fourier integral by quadrature

QUAD_DPS = 30


@functools.lru_cache(maxsize=None)
def fourier_quadrature(coeffs, r):
    """(1/π) ∫_0^∞ cos(ωr) / Σ a_m ω^{2m} dω at QUAD_DPS digits, by quadosc (r > 0) or
    tanh-sinh (r = 0); cached because it is the expensive part of this file."""
    ctx = _quad_ctx()
    p = [ctx.mpf(sp.Rational(c).p) / sp.Rational(c).q for c in coeffs][::-1]
    r = ctx.mpf(sp.Rational(r).p) / sp.Rational(r).q
    if r == 0:
        val = ctx.quad(lambda w: 1 / ctx.polyval(p, w * w), [0, 1, ctx.inf])
    else:
        val = ctx.quadosc(lambda w: ctx.cos(w * r) / ctx.polyval(p, w * w), [0, ctx.inf],
                          omega=r)
    return val / ctx.pi


@functools.lru_cache(maxsize=None)
def _quad_ctx():
    # one context for the file: mpmath caches quadrature nodes per context
    return make_context(QUAD_DPS)


QUAD_POINTS = [
    ((1, 1, 1), "2"),          # complex pair
    ((1, 3, 3, 1), "0"),       # triple pole
    ((1, 2, 3, 4), "3/2"),     # numeric fallback
    ((1, 5, 4), "0"),
    ((1, 0, 0, 1), "0"),
    ((3, 1, 0, 1), "0"),
]


@pytest.mark.parametrize("coeffs, r", QUAD_POINTS,
                         ids=[f"{case_id(c)}-r={r}" for c, r in QUAD_POINTS])
def test_green_mp_matches_fourier_quadrature(coeffs, r):
    ctx = make_context(QUAD_DPS)
    quad = fourier_quadrature(coeffs, r)
    val = green_mp(ctx, list(coeffs), ctx.mpf(sp.Rational(r).p) / sp.Rational(r).q)
    # quadosc extrapolates a series of per-period Gauss-Legendre integrals and tanh-sinh
    # handles the algebraic tail at r = 0: both deliver ~28 of 30 digits here; 20 bits
    # (6 digits) of slack keep the test robust and far from a false pass (a wrong constant
    # is off by O(1), see the mutant below)
    tol = abs(quad) * ctx.mpf(2) ** -(ctx.prec - 20)
    assert abs(val - quad) <= tol, (coeffs, r, val, quad, tol)


def test_quadrature_refutes_a_mutant():
    quad = fourier_quadrature((1, 1, 1), "2")
    wrong = sp.sqrt(3) / 3 * sp.exp(-sp.sqrt(3) * R / 2) * sp.cos(R / 2 + sp.pi / 6)
    wrong_val = float(wrong.subs(R, 2).evalf(20))
    assert abs(wrong_val - float(quad)) > abs(float(quad)) * 1e-3


# ----------------------------------------------------------------------------------------
# 4. the generated twins: mp precision canary, float64 with a derived tolerance


@pytest.mark.parametrize("coeffs", [[1, 1, 1], [1, 2, 3, 2, 1], [2, 0, 1]], ids=case_id)
def test_precision_canary_exact(coeffs):
    ctx = make_context(60)
    assert ctx.prec >= 200
    expr = green_function(coeffs)
    for r in ("0", "0.3", "7.25"):
        ref = expr.evalf(70, subs={R: sp.Rational(r)})
        val = green_mp(ctx, coeffs, r)
        assert digits_of_agreement([val], [ctx.mpf(str(ref))]) >= 58, (r, val, ref)
    assert (mpmath.mp.dps, mpmath.mp.prec) == (15, 53)  # global context untouched


def test_mp_holds_up_for_nearly_coincident_poles():
    # Q(s) = 1 + 2s + (1 + 1e-30) s^2: a complex pair 1e-15 from a double pole.  The closed
    # form subtracts radicals that agree to ~31 digits, so 32 guard bits are not enough and
    # green_mp must raise its precision until two evaluations agree.  Reference: sympy's
    # evalf, which tracks cancellation adaptively on the exact radicals.
    coeffs = [1, 2, 1 + sp.Rational(1, 10**30)]
    ctx = make_context(30)
    expr = green_function(coeffs)
    for r in ("0", "0.5", "3"):
        ref = ctx.mpf(str(expr.evalf(45, subs={R: sp.Rational(r)})))
        assert digits_of_agreement([green_mp(ctx, coeffs, r)], [ref]) >= 29, r


def test_precision_canary_detects_global_precision():
    # lambdify(modules="mpmath") runs at the global 53 bits (sympy issue 16464): the canary
    # above must be able to tell it apart from a context-bound evaluation
    ctx = make_context(60)
    expr = green_function([1, 1, 1])
    naive = sp.lambdify(R, expr, modules="mpmath")(ctx.mpf("0.3"))
    ref = expr.evalf(70, subs={R: sp.Rational(3, 10)})
    assert digits_of_agreement([naive], [ctx.mpf(str(ref))]) < 20


@pytest.mark.parametrize("coeffs", FALLBACK_CASES, ids=case_id)
def test_precision_canary_fallback(coeffs):
    # the fallback recomputes its roots at the caller's precision: 60 and 90 digits agree
    # to 58, beyond the FALLBACK_DPS digits of the stored closed form
    assert FALLBACK_DPS < 58
    lo, hi = make_context(60), make_context(90)
    for r in ("0", "0.3", "7.25"):
        assert digits_of_agreement([green_mp(lo, coeffs, r)], [green_mp(hi, coeffs, r)]) >= 58
        ref = green_function(coeffs).evalf(FALLBACK_DPS, subs={R: sp.Rational(r)})
        assert digits_of_agreement([green_mp(hi, coeffs, r)], [hi.mpf(str(ref))]) \
            >= FALLBACK_DPS - 5


def f64_tolerance(expr, r, ctx):
    """First-order forward error bound of the generated float64 evaluation at r.

    Each of the count_ops(expr) operations commits a relative error <= eps on values no
    larger than the largest term, so |error| <= n_ops * eps * Σ|terms|; the arguments of
    exp/cos/sin are rounded to relative eps, an absolute error of eps * (|α| + β) r, so the
    bound is widened by (1 + (|α| + β) r).  k = 4 covers the second-order terms.
    """
    terms = sp.Add.make_args(sp.expand(expr))
    scale = sum(abs(ctx.mpf(str(sp.N(t.subs(R, sp.Float(r, 30)), 30)))) for t in terms)
    rates = [abs(sp.N(a.args[0] / R)) for a in expr.atoms(sp.exp, sp.sin, sp.cos)]
    widen = 1 + max(rates) * r
    return 4 * sp.count_ops(expr) * EPS64 * float(scale) * float(widen)


F64_CASES = [[1, 1, 1], [1, 3, 3, 1], [1, 2, 3, 2, 1], [1, 2, 3, 4],
             [1, 2, sp.Rational(10001, 10000)]]  # last: near-double complex pair (cancellation)


@pytest.mark.parametrize("coeffs", F64_CASES, ids=case_id)
def test_f64_twin_matches_mp_within_derived_tolerance(coeffs):
    ctx = make_context(30)
    expr = green_function(coeffs)
    r = np.array([0.0, 0.1, 1.0, 2.5, 7.0, 20.0, -1.0])
    got = green_f64(coeffs)(r)
    assert got.shape == r.shape and got.dtype == np.float64
    for ri, gi in zip(r, got):
        ref = green_mp(ctx, coeffs, float(ri))
        tol = f64_tolerance(expr, abs(float(ri)), ctx)
        assert abs(gi - float(ref)) <= tol, (coeffs, ri, gi, ref, tol)


def test_near_double_pair_is_ill_conditioned_as_expected():
    # a guard on the tolerance above: the near-double pair really has large cancelling
    # terms (condition ~ 1e4), so the f64 test exercises the condition estimate
    expr = green_function([1, 2, sp.Rational(10001, 10000)])
    val, scale = value_and_scale(list(sp.Add.make_args(sp.expand(expr))), 30, sp.Rational(1))
    assert scale / abs(val) > 100


def test_f64_accepts_scalars_and_refuses_non_finite():
    g = green_f64([1, 1])
    assert g(0.0) == 0.5 and np.ndim(g(0.0)) == 0
    with pytest.raises(InputError, match="nan"):
        g([0.0, np.nan])


def test_mp_array_input_and_even_extension():
    ctx = make_context(25)
    out = green_mp(ctx, [1, 1, 1], ["-1.5", "1.5", 0])
    assert out.dtype == object and out[0] == out[1]
    assert out[2] == green_mp(ctx, [1, 1, 1], 0)
    with pytest.raises(InputError, match="inf"):
        green_mp(ctx, [1, 1], float("inf"))


# ----------------------------------------------------------------------------------------
# 5. Gram matrices


def test_gram_is_g_over_k_symmetric_and_positive_definite():
    rng = np.random.default_rng(20200215)
    x = np.sort(rng.uniform(-2, 2, 9))
    for coeffs in ([1, 1], [1, 1, 1], [1, 3, 3, 1], [1, 2, 3, 4]):
        G = green_gram(coeffs, x)
        g = green_f64(coeffs)
        assert np.array_equal(G, G.T)
        assert G[0, 0] == g(0.0) / x.size and G[2, 5] == g(x[5] - x[2]) / x.size
        # Bochner: 1/P > 0, so G is positive definite for distinct points
        assert np.linalg.eigvalsh(G).min() > 0, coeffs


def test_gram_mp_positive_definite_for_nearly_coincident_points():
    # points 1e-6 apart: G is nearly singular in float64, but mp Cholesky at 50 digits
    # succeeds, as Bochner requires
    ctx = make_context(50)
    x = [0.0, 1e-6, 2e-6, 0.5, 1.0]
    for coeffs in ([1, 1, 1], [1, 3, 3, 1]):
        G = green_gram_mp(ctx, coeffs, x)
        assert all(G[i, j] == G[j, i] for i in range(5) for j in range(5))
        chol = ctx.cholesky(ctx.matrix(G.tolist()))
        assert min(chol[i, i] for i in range(5)) > 0


def test_gram_mp_matches_gram_f64():
    ctx = make_context(30)
    x = np.array([0.0, 0.4, 1.3, 3.0])
    for coeffs in ([1, 1, 1], [1, 2, 3, 4]):
        G64 = green_gram(coeffs, x)
        Gmp = green_gram_mp(ctx, coeffs, x)
        # normwise; entries are g/K with |g| <= g(0) and no cancellation at these r
        assert digits_of_agreement(G64, Gmp) >= 14


@pytest.mark.parametrize("x, fragment", [
    (np.zeros((2, 2)), "shape (2, 2)"),
    ([], "shape (0,)"),
    ([0.0, np.inf], "non-finite"),
    (["a", 1.0], "not an array"),
])
def test_gram_refuses_bad_points(x, fragment):
    with pytest.raises(InputError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        green_gram([1, 1], x)


# ----------------------------------------------------------------------------------------
# 6. input conversion and refusals


def test_inputs_are_converted_exactly():
    ref = green_function([1, sp.Rational(1, 4)])
    assert green_function([1.0, 0.25]) == ref
    assert green_function(["1", "1/4"]) == ref
    assert green_function(np.array([1.0, 0.25])) == ref
    assert green_function([1, sp.Rational(1, 4), 0, 0]) == ref  # trailing zeros stripped
    assert green_function([1, sp.Float(0.1)]) == green_function([1, sp.Rational(1, 10)])
    assert green_function([1, 1 / 3]) == green_function([1, sp.Rational(1, 3)])
    # a float with no simple rational form keeps its exact binary value, never another number
    exact = sp.Rational(math.pi)
    assert green_function([1, math.pi]) == green_function([1, exact])


def test_symbols_without_assumptions_are_taken_positive():
    ell = sp.Symbol("l")
    g = green_function([1, ell**2])
    assert g.free_symbols == {R, ell}
    assert sp.simplify(g.subs(ell, L) - sp.exp(-R / L) / (2 * L)) == 0


B = sp.Symbol("b", positive=True)

REFUSALS = [
    ([0, 1], "a_0 = 0"),
    ([-1, 1], "coeffs[0] = -1 is negative"),
    ([1, -2], "coeffs[1] = -2 is negative"),
    ([1, 1, -0.5], "coeffs[2] = -1/2 is negative"),
    ([1], "coeffs = [1] has no non-zero a_m"),
    ([1, 0, 0], "coeffs = [1, 0, 0] has no non-zero a_m"),
    ([], "coeffs = [] is empty"),
    ("11", "coeffs = '11' is not a list"),
    (5, "coeffs = 5 is not a list"),
    (["abc", 1], "coeffs[0] = 'abc' is a string that is not a rational"),
    ([None, 1], "coeffs[0] = None is not a number"),
    ([True, 1], "coeffs[0] = True is not a number"),
    ([1, 1 + 2j], "coeffs[1] = (1+2j) is complex"),
    ([1, sp.I], "coeffs[1] = I is not real"),
    ([1, float("nan")], "coeffs[1] = nan is not finite"),
    ([1, float("inf")], "coeffs[1] = inf is not finite"),
    ([1, [1, 2]], "coeffs[1] = [1, 2] is not a number"),
    ([1, sp.Symbol("x", negative=True)], "symbol x is declared non-positive"),
    ([1, L - 1], "coeffs[1] = l - 1: cannot establish"),
    ([1, B, 1], "discriminant b**2 - 4"),
    ([1, L, L, L], "has degree 3 and symbolic coefficients"),
    ([1, 1 + L, L], "may coincide"),
    ([1, sp.Symbol("r")], "clashes with the distance variable"),
]


@pytest.mark.parametrize("coeffs, fragment", REFUSALS, ids=[f for _, f in REFUSALS])
def test_refusals_name_the_value(coeffs, fragment):
    with pytest.raises(InputError) as info:
        green_function(coeffs)
    assert fragment in str(info.value), str(info.value)


def test_real_root_guard():
    # unreachable for valid coefficients (Q > 0 on [0, ∞)), guarded all the same
    s = sp.Symbol("s")
    with pytest.raises(InputError, match="s = 1"):
        green._roots_of_factor(s - 1, s)


def test_numeric_twins_refuse_symbols():
    with pytest.raises(InputError, match="substitute"):
        green_f64([1, L**2])
    with pytest.raises(InputError, match="substitute"):
        green_mp(make_context(20), [1, L**2], 1)


# ----------------------------------------------------------------------------------------
# 7. the derivation as data


@pytest.mark.parametrize("coeffs", [[1, 2 * L**2, L**4], [1, 2, 3, 4]], ids=case_id)
def test_derivation_verifies(coeffs):
    d = green_derivation(coeffs)
    assert all(d.verify())
    assert d.steps[0].relation == ":=" and d.provenance == "derived"


def test_derivation_catches_a_wrong_step():
    d = green_derivation([1, 1, 1])
    i = next(k for k, s in enumerate(d.steps) if "conjugate" in s.justification)
    wrong = sp.sqrt(3) / 3 * sp.exp(-sp.sqrt(3) * R / 2) * sp.cos(R / 2 + sp.pi / 6)
    assert d.steps[i].verify(d.steps[i])
    # only the mutated step, to keep the residue step's quadrature out of this test
    mutated = dataclasses.replace(d.steps[i], rhs=wrong)
    with pytest.raises(DerivationError, match="conjugate"):
        dataclasses.replace(d, steps=(mutated,)).verify()


def test_all_is_honest():
    for name in green.__all__:
        assert hasattr(green, name), name


# ----------------------------------------------------------------------------------------
# 8. the float64 twin near a double root of Q (nearly coincident poles)
#
# Q(s) = l^4 s^2 + 2 l^2 (1 + delta) s + 1 has a double root at delta = 0: the poles of
# 1/P split by ~sqrt(|delta|), each residue is ~1/sqrt(|delta|) times g(0) and the two
# cancel.  In float64 the coefficients themselves are rounded, so delta = 0 with a float l
# is a near-double root too.  Oracle: the Fourier integral of the same (exact binary)
# coefficients by mpmath quadrature, in a local context.

NEAR_DOUBLE_L = (0.2, 0.7, 3.0)
NEAR_DOUBLE_DELTA = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14, 1e-15, 1e-16, 0.0,
                     -1e-16, -1e-15, -1e-12, -1e-8, -1e-4)
#: float64 twin's promise, as an absolute error relative to g(0) = max |g| (the scale of a
#: Gram matrix): see theory.green.green_f64 (error bound (n + 4) u C with n <= 36 terms and
#: cancellation C <= 8 near a double root), i.e. 2^-44 > 40 * 8 * 2^-52.
F64_NEAR_DOUBLE_TOL = 2.0 ** -44


def near_double_coeffs(ell, delta):
    return [1.0, 2 * ell * ell * (1 + delta), ell**4]


def quad_float_coeffs(coeffs, r, dps=20):
    """(1/π) ∫_0^∞ cos(ωr)/P(ω) dω for float coefficients (converted exactly), at ``dps``."""
    ctx = _quad_ctx_for(dps)
    p = [ctx.mpf(c) for c in coeffs][::-1]
    r = ctx.mpf(r)
    if r == 0:
        val = ctx.quad(lambda w: 1 / ctx.polyval(p, w * w), [0, 1, ctx.inf])
    else:
        val = ctx.quadosc(lambda w: ctx.cos(w * r) / ctx.polyval(p, w * w), [0, ctx.inf],
                          omega=r)
    return val / ctx.pi


@functools.lru_cache(maxsize=None)
def _quad_ctx_for(dps):
    return make_context(dps)


def check_near_double(ell, deltas):
    for delta in deltas:
        coeffs = near_double_coeffs(ell, delta)
        r = np.array([0.0, ell])
        got = green_f64(coeffs)(r)
        g0 = quad_float_coeffs(coeffs, 0.0)
        for ri, gi in zip(r, got):
            ref = g0 if ri == 0 else quad_float_coeffs(coeffs, ri)
            assert abs(float(gi) - float(ref)) <= F64_NEAR_DOUBLE_TOL * float(g0), \
                (ell, delta, ri, gi, ref)


@pytest.mark.parametrize("ell", NEAR_DOUBLE_L)
def test_f64_near_double_root_matches_quadrature(ell):
    # before: [1, 2*0.7**2, 0.7**4] gave g(0), g(1) = 0, 0.466 (truth 0.357, 0.208),
    # [1, 2, 1+1e-15] was 15% off and [1, 2*0.2**2, 0.2**4] raised TypeError (integers
    # beyond int64 in the closed form)
    check_near_double(ell, (1e-2, 1e-8, 1e-15, 0.0, -1e-16, -1e-8))


@pytest.mark.slow
@pytest.mark.parametrize("ell", NEAR_DOUBLE_L)
def test_f64_near_double_root_matches_quadrature_sweep(ell):
    check_near_double(ell, NEAR_DOUBLE_DELTA)


def test_f64_exact_double_root_matches_confluent_form_and_gram():
    # exact rationals: Q has a true double root, g = (l + r) e^{-r/l} / (4 l^2)
    # (docs/theory/mobahi2020.md §3);
    # the same kernel from the rounded floats differs only by the coefficient rounding
    ell = sp.Rational(1, 5)
    exact = [1, 2 * ell**2, ell**4]
    r = np.array([0.0, 0.05, 0.2, 1.0, 5.0])
    truth = np.array([float(((ell + sp.Rational(x)) * sp.exp(-sp.Rational(x) / ell)
                             / (4 * ell**2)).evalf(30)) for x in r])
    for coeffs in (exact, [1, 2 * 0.2**2, 0.2**4]):
        got = green_f64(coeffs)(r)
        # coefficient rounding moves g by ~1e-16 relative (condition ~1 in the coefficients)
        assert np.max(np.abs(got - truth)) <= F64_NEAR_DOUBLE_TOL * truth[0], (coeffs, got)
        G = green_gram(coeffs, np.array([0.0, 0.2, 1.0]))
        assert np.array_equal(G, G.T) and np.linalg.eigvalsh(G).min() > 0


def test_f64_near_double_root_agrees_with_mp_twin():
    # the generated mp twin (guard bits until two evaluations agree) as a second oracle,
    # at r where the decaying exponentials have separated
    ctx = make_context(30)
    # near-double real pair, near-double complex pair, near-triple root, two close
    # clusters of three roots each (separation 1e-2 and 1e-6)
    triple = [1, 3, 3, 1 + 1e-13]
    q = sp.prod([(S + 1 + j * sp.Rational(1, 100)) * (S + 4 + j * sp.Rational(1, 10**6))
                 for j in range(3)])
    six = [float(c) for c in sp.Poly(q, S).all_coeffs()[::-1]]
    for coeffs in ([1, 2, 1 + 1e-15], [1, 2 * 0.7**2, 0.7**4], [1, 2, 3, 2, 1 + 1e-14],
                   triple, six):
        r = np.array([0.0, 0.3, 1.0, 4.0, 30.0])
        got = green_f64(coeffs)(r)
        ref = [green_mp(ctx, coeffs, float(x)) for x in r]
        scale = float(ref[0])
        for x, gi, ri in zip(r, got, ref):
            assert abs(gi - float(ri)) <= F64_NEAR_DOUBLE_TOL * scale, (coeffs, x, gi, ri)


def test_f64_refuses_what_it_cannot_evaluate():
    # 21 real roots of Q spaced 1/10 on [-3, -1]: summed root by root the residues are
    # ~1e4 times g(0) and cancel; no circle encloses them safely away from the cut.  The
    # old twin returned the cancelled sum; now PrecisionError names the remedy
    coeffs = sp.Poly(sp.prod([S + 1 + sp.Rational(j, 10) for j in range(21)]), S).all_coeffs()
    with pytest.raises(PrecisionError, match="green_mp"):
        green_f64(coeffs[::-1])
