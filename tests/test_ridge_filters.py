"""Oracles for theory.ridge_filters and theory.ridge_closed_form.

The module computes coefficients by a product formula and the inverse map by partial sums;
the oracles expand the step recursion symbolically (sympy, exact rationals), solve
Vandermonde systems with an LU factorisation, and evaluate polynomials by Horner.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from theory import InputError
from theory._mp import digits_of_agreement, make_context, to_f64
from theory.ridge_closed_form import (ALPHA, TAU, closed_form_filter_expr, closed_form_filter_f64,
                                      closed_form_filter_mp, closed_form_log_filter_f64,
                                      first_fit_multiplier_f64, first_fit_multiplier_mp,
                                      limit_filter_expr, limit_filter_f64, amplified_ridge)
from theory.ridge_filters import (A, filter_coefficients_expr, filter_coefficients_f64,
                                  filter_coefficients_mp, filter_polynomial_expr,
                                  interpolating_coefficients_f64, interpolating_coefficients_mp,
                                  ridge_filters_f64, ridge_filters_mp,
                                  weights_from_coefficients_expr, weights_from_coefficients_f64,
                                  weights_from_coefficients_mp)

EPS64 = np.finfo(float).eps


def nested_recursion(xi):
    """f_k by the step recursion, expanded by sympy (the oracle for the product formula)."""
    f = A
    for x in xi:
        f = sp.expand(A * ((1 - x) + x * f))
    return f


def poly_coeffs(f, k):
    """[c_1, ..., c_{k+1}] of a polynomial in A with zero constant term."""
    P = sp.Poly(f, A)
    assert P.coeff_monomial(1) == 0
    return [sp.expand(P.coeff_monomial(A ** i)) for i in range(1, k + 2)]


@pytest.mark.parametrize("k", range(0, 7))
def test_product_formula_is_the_expanded_recursion_symbolically(k):
    xi = sp.symbols(f"xi1:{k + 1}")
    c = filter_coefficients_expr(xi)
    assert [sp.expand(ci - oi) for ci, oi in zip(c, poly_coeffs(nested_recursion(xi), k))] \
        == [0] * (k + 1)
    assert sp.expand(sp.Add(*c) - 1) == 0  # f_k(1) = 1 for every xi
    # f_k = a + a (a - 1) u(a) with deg u <= k - 1; for k = 1, u = xi
    u = sp.cancel((filter_polynomial_expr(xi) - A) / (A * (A - 1)))
    assert sp.Poly(u, A).degree() <= max(k - 1, 0)
    if k == 1:
        assert sp.expand(u - xi[0]) == 0


def random_rational_weights(rng, k):
    """Exact rational weights in [-4, 6] with small denominators (xi > 1 and < 0 included)."""
    return [sp.Rational(int(rng.integers(-40, 61)), int(rng.integers(1, 11))) for _ in range(k)]


@pytest.mark.parametrize("seed", range(6))
def test_numeric_coefficients_and_recursion_match_exact_expansion(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 9))
    xi = random_rational_weights(rng, k)
    exact = poly_coeffs(nested_recursion(xi), k)
    xf = np.array([float(x) for x in xi])
    # xi rounded to float64 (relative u each); c_i is a product of <= k + 1 such factors and
    # the float64 product adds <= k roundings: relative error <= (2k + 2) u per coefficient
    tol = (2 * k + 2) * EPS64
    c64 = filter_coefficients_f64(xf)
    for ci, ei in zip(c64, exact):
        assert abs(ci - float(ei)) <= tol * abs(float(ei)) + 1e-300
    ctx = make_context(40)
    cm = filter_coefficients_mp(ctx, [ctx.mpf(x.p) / x.q for x in xi])
    assert digits_of_agreement(cm, [ctx.mpf(e.p) / e.q for e in exact]) >= 38
    # the recursion at points a equals the polynomial (Horner in exact rationals)
    pts = [Fraction(int(rng.integers(1, 99)), 100) for _ in range(5)]
    horner = []
    for p in pts:
        acc = Fraction(0)
        for e in reversed(exact):
            acc = (acc + Fraction(e.p, e.q)) * p
        horner.append(acc)
    F = ridge_filters_mp(ctx, [ctx.mpf(p.numerator) / p.denominator for p in pts],
                         [ctx.mpf(x.p) / x.q for x in xi])[-1]
    assert digits_of_agreement(F, [ctx.mpf(h.numerator) / h.denominator for h in horner]) >= 35


@pytest.mark.parametrize("seed", range(6))
def test_inverse_map_reproduces_c_exactly_when_the_weights_are_applied(seed):
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(1, 7))
    c = [sp.Rational(int(rng.integers(-30, 31)), int(rng.integers(1, 8))) for _ in range(k)]
    c.append(1 - sp.Add(*c))  # sum c = 1
    S = [sp.Add(*c[:m]) for m in range(1, k + 1)]
    assert all(s != 1 for s in S)  # the seeds avoid the excluded hyperplanes S_m = 1
    xi = weights_from_coefficients_expr(c)
    assert poly_coeffs(nested_recursion(xi), k) == c
    # float64 and mp inverse maps against the exact weights
    x64 = weights_from_coefficients_f64([float(v) for v in c])
    ctx = make_context(50)
    xm = weights_from_coefficients_mp(ctx, [ctx.mpf(v.p) / v.q for v in c])
    exact = [ctx.mpf(v.p) / v.q for v in xi]
    assert digits_of_agreement(xm, exact) >= 45
    # float64: each xi is a ratio of two partial sums, each with a (k+1)-term rounding error
    # relative to sum |c_i|; the ratio's relative error is bounded by that over |1 - S_m|
    scale = float(sum(abs(v) for v in c))
    for m in range(k):
        den = min(abs(float(1 - sum(c[:m]))), abs(float(1 - sum(c[:m + 1])))) or 1.0
        tol = 4 * (k + 2) * EPS64 * (1 + scale / den)
        got, want = x64[k - m - 1], float(xi[k - m - 1])
        assert abs(got - want) <= tol * abs(want) + tol


def test_inverse_map_mutant_is_refuted():
    """The plausible variant xi_{k-m} = S_{m+1}/S_m does not reproduce c."""
    c = [sp.Rational(3, 2), sp.Rational(-1, 3), sp.Rational(-1, 6)]
    S = [0, c[0], c[0] + c[1]]
    mutant = [None, None]
    for m in range(1, 2):
        mutant[2 - m - 1] = S[m + 1] / S[m]
    mutant[1] = 1 - c[0]  # xi_k agrees; the others do not
    assert poly_coeffs(nested_recursion(mutant), 2) != c
    assert poly_coeffs(nested_recursion(weights_from_coefficients_expr(c)), 2) == c


def test_inverse_map_errors():
    with pytest.raises(InputError, match=r"sum to .* f_k\(1\) = 1"):
        weights_from_coefficients_expr([1, 1])
    with pytest.raises(InputError, match="S_1 = c_1 \\+ ... \\+ c_1 equals 1"):
        weights_from_coefficients_expr([1, 2, -2])
    with pytest.raises(InputError, match="sum to"):
        weights_from_coefficients_f64([0.5, 0.6])
    with pytest.raises(InputError, match="non-finite"):
        weights_from_coefficients_f64([float("nan"), 1.0])
    ctx = make_context(30)
    with pytest.raises(InputError, match="at 103 bits"):
        weights_from_coefficients_mp(ctx, [ctx.mpf(1) / 3, ctx.mpf(2) / 3 + ctx.mpf(10) ** -25])
    # float64 input is checked at float64 rounding, not at the context's
    assert len(weights_from_coefficients_mp(ctx, [0.1, 0.9])) == 1


@pytest.mark.parametrize("seed", range(4))
def test_interpolation_against_vandermonde_lu_solve(seed):
    rng = np.random.default_rng(200 + seed)
    r = int(rng.integers(2, 9))
    ctx = make_context(60)
    a = sorted(set(float(v) for v in rng.uniform(0.05, 0.95, r)))
    p = list(rng.uniform(-1, 2, len(a)))
    c = interpolating_coefficients_mp(ctx, a, p)
    nodes = [ctx.mpf(v) for v in a] + [ctx.one]
    vals = [ctx.mpf(v) for v in p] + [ctx.one]
    M = ctx.matrix([[x ** i for i in range(1, len(nodes) + 1)] for x in nodes])
    ref = ctx.lu_solve(M, ctx.matrix(vals))
    # the Vandermonde matrix on nodes in (0, 1) has condition up to ~1e7 for r = 8: 60 digits
    # leave > 45 after both solves
    assert digits_of_agreement(c, [ref[i] for i in range(len(nodes))]) >= 45
    c64 = interpolating_coefficients_f64(a, p)
    cond = float(ctx.mnorm(M, 1) * ctx.mnorm(ctx.inverse(M), 1))
    assert np.max(np.abs(c64 - to_f64(c))) <= 10 * len(a) * EPS64 * cond * np.max(np.abs(to_f64(c)))


def test_filter_validation():
    with pytest.raises(InputError, match="non-finite"):
        ridge_filters_f64([0.5, float("inf")], [0.5])
    with pytest.raises(InputError, match="1-D sequence of k per-step weights"):
        ridge_filters_f64([0.5], [[0.5]])
    with pytest.raises(InputError, match="not distinct"):
        interpolating_coefficients_f64([0.5, 0.5], [0.1, 0.2])
    with pytest.raises(InputError, match="node is 0 or 1"):
        interpolating_coefficients_f64([0.0, 0.5], [0.0, 0.2])
    with pytest.raises(InputError, match="has length 1 but 2"):
        interpolating_coefficients_f64([0.3, 0.5], [0.1])
    with pytest.raises(InputError, match="not a real number"):
        filter_coefficients_expr([None])


# ------------------------------------------------------------------------------------------
# The constant-weight closed form


def test_closed_form_solves_the_recursion_symbolically():
    b = closed_form_filter_expr()
    assert sp.simplify(b.subs(TAU, 1) - A) == 0
    # with a > 0 and q = 1 - alpha > 0, (q a)^tau = (q a)(q a)^(tau - 1) may be merged
    a, q = sp.symbols("a_pos q", positive=True)
    bp = b.subs({A: a, ALPHA: 1 - q})
    step = a * (q * bp + (1 - q))  # b_{tau+1} = a((1 - alpha) b_tau + alpha)
    assert sp.simplify(sp.powsimp(sp.expand(bp.subs(TAU, TAU + 1) - step), force=True)) == 0
    # b_inf = d/(d + lam/alpha) with a = d/(d + lam)
    d, lam = sp.symbols("d lam", positive=True)
    binf = limit_filter_expr().subs(A, d / (d + lam))
    assert sp.simplify(binf - d / (d + lam / ALPHA)) == 0
    # mutant: exponent tau instead of tau - 1 breaks the initial condition
    mutant = b.subs(TAU, TAU + 1)
    assert sp.simplify(mutant.subs(TAU, 1) - A) != 0


def test_cancellation_free_form_matches_the_generated_twin():
    b = closed_form_filter_expr()
    gen = sp.lambdify((A, ALPHA, TAU), b, "numpy")
    rng = np.random.default_rng(7)
    for _ in range(50):
        d, lam = float(rng.uniform(0.01, 10)), float(rng.uniform(0.01, 10))
        alpha, tau = float(rng.uniform(0, 1)), int(rng.integers(1, 30))
        a = d / (d + lam)
        got = closed_form_filter_f64([d], lam, alpha, tau)[0]
        # the generated twin forms 1 - q a and a - b_inf with cancellation of size
        # 1/(1 - q a) <= (d + lam)/lam: tolerance 16 u (1 + d/lam) covers both forms
        assert abs(got - gen(a, alpha, tau)) <= 16 * EPS64 * (1 + d / lam) * abs(got)


def test_multiplier_and_closed_form_match_the_recursion():
    rng = np.random.default_rng(8)
    d = rng.uniform(0, 5, 9)
    lam, alpha = 0.7, 0.3
    a = d / (d + lam)
    rec = ridge_filters_f64(a, [1 - alpha] * 24)
    for tau in (1, 2, 5, 25):
        closed = closed_form_filter_f64(d, lam, alpha, tau)
        mult = a * first_fit_multiplier_f64(a, alpha, tau)
        # every form: O(tau) roundings on values <= 1, errors damped by q a < 1: 4 tau u
        assert np.max(np.abs(closed - rec[tau - 1])) <= 4 * tau * EPS64
        assert np.max(np.abs(mult - rec[tau - 1])) <= 4 * tau * EPS64
    ctx = make_context(40)
    am = np.array([ctx.mpf(v) / (ctx.mpf(v) + ctx.mpf(lam)) for v in d], dtype=object)
    assert digits_of_agreement(first_fit_multiplier_mp(ctx, am, alpha, 7) * am,
                               closed_form_filter_mp(ctx, d, lam, alpha, 7)) >= 37


def test_log_filter_where_powers_underflow():
    """alpha = 0, tau = 2000: a^tau underflows float64 for a < 0.7; the log form does not."""
    d = np.array([0.01, 0.5, 3.0])
    lam, tau = 1.0, 2000
    plain = closed_form_filter_f64(d, lam, 0.0, tau)
    assert plain[0] == 0.0 and plain[1] == 0.0  # underflow: no relative accuracy left
    logs = closed_form_log_filter_f64(d, lam, 0.0, tau)
    ctx = make_context(30)
    ref = [ctx.log(v) for v in closed_form_filter_mp(ctx, d, lam, 0.0, tau)]
    # tau log(a): one log (<= u relative) times tau, plus a's rounding (2u relative, times
    # tau): |error| <= 4 tau u |log a| + small
    for got, want, dj in zip(logs, ref, d):
        assert abs(got - float(want)) <= 4 * tau * EPS64 * (abs(float(want)) / tau + 1)
    for alpha in (1e-3, 0.25):
        logs = closed_form_log_filter_f64(d, lam, alpha, tau)
        ref = [float(ctx.log(v)) for v in closed_form_filter_mp(ctx, d, lam, alpha, tau)]
        assert np.max(np.abs(logs - ref)) <= 64 * EPS64 * np.max(np.abs(ref))
    assert closed_form_log_filter_f64([0.0], 1.0, 0.3, 5)[0] == -math.inf


def test_limit_filter_and_amplified_ridge():
    assert amplified_ridge(0.2, 0.25) == pytest.approx(0.8, rel=EPS64)
    d = np.array([0.0, 0.3, 2.0])
    np.testing.assert_allclose(limit_filter_f64(d, 0.2, 0.25), d / (d + 0.8), rtol=4 * EPS64)
    with pytest.raises(InputError, match="alpha = 0 .* no amplified ridge"):
        amplified_ridge(1.0, 0)


def test_closed_form_validation():
    with pytest.raises(InputError, match=r"alpha = 1.5 is outside \[0, 1\]"):
        closed_form_filter_f64([1.0], 1.0, 1.5, 2)
    with pytest.raises(InputError, match="tau = 0 must be an integer >= 1"):
        closed_form_filter_f64([1.0], 1.0, 0.5, 0)
    with pytest.raises(InputError, match=r"lam = -1.0 must be > 0"):
        closed_form_filter_f64([1.0], -1.0, 0.5, 2)
    with pytest.raises(InputError, match=r"d\[0\] = -1.0 must be >= 0"):
        closed_form_filter_f64([-1.0], 1.0, 0.5, 2)
