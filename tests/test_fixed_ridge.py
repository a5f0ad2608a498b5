"""Oracles for the fixed-ridge engine (theory.fixed_ridge) and Borup & Andersen's closed forms.

The engine works in the eigenbasis (one eigh/SVD, then a filter recursion per step); the
oracles do what the papers describe literally: a dense ridge solve per step
(``numpy.linalg.solve`` / ``mpmath.lu_solve`` of (K + lam I)), least squares on the stacked
weighted objective, 3000 brute iterations, and a direct ridge solve with lam/alpha.  The
official toy numbers are the published ones (the authors' notebook and README), not values
from this code.
"""

import math

import numpy as np
import pytest

from theory import InputError, PrecisionError, ResourceError
from theory._mp import digits_of_agreement, make_context, to_f64, to_mp_array
from theory.fixed_ridge import fixed_ridge_distill, fixed_ridge_distill_design
from theory.ridge_closed_form import (closed_form_filter_f64, closed_form_log_filter_f64,
                                      limit_filter_f64)
from theory.ridge_filters import ridge_filters_mp

EPS64 = np.finfo(float).eps


def rbf_gram(x, z, gamma):
    return np.exp(-gamma * (x[:, None] - z[None]) ** 2)


def rotated(spectrum, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((len(spectrum), len(spectrum))))
    G = (Q * np.asarray(spectrum, float)) @ Q.T
    return 0.5 * (G + G.T)


def literal_kernel(K, y, lam, xi):
    """Dense (K + lam I) solves, one per step: (fitted, coefficients), each (k+1, n)."""
    n = len(y)
    c = np.linalg.solve(K + lam * np.eye(n), y)
    cs, fits = [c], [K @ c]
    for x in xi:
        c = np.linalg.solve(K + lam * np.eye(n), x * fits[-1] + (1 - x) * y)
        cs.append(c)
        fits.append(K @ c)
    return np.array(fits), np.array(cs)


def literal_design(X, y, lam, xi):
    """Dense (X^T X + lam I) solves of the normal equations, one per step: (fitted, theta)."""
    H = X.T @ X + lam * np.eye(X.shape[1])
    th = np.linalg.solve(H, X.T @ y)
    ths = [th]
    for x in xi:
        th = np.linalg.solve(H, X.T @ (x * (X @ ths[-1]) + (1 - x) * y))
        ths.append(th)
    ths = np.array(ths)
    return ths @ X.T, ths


def literal_tolerance(d_max, lam, n, xi, scale):
    """Each dense solve has forward error <= n u cond(K + lam I) ||t|| (backward stable,
    first order); two computations differ by twice that per step, errors of earlier steps
    are multiplied by |xi_t| (||P|| <= 1), so over k+1 steps the difference is at most
    2 (k+1) prod max(1, |xi|) n u cond ||t||; a factor 4 covers the second-order terms."""
    cond = (d_max + lam) / lam
    amp = math.prod(max(1.0, abs(x)) for x in xi)
    return 8 * (len(xi) + 1) * amp * n * EPS64 * cond * scale


def kernel_instances():
    rng = np.random.default_rng(11)
    x = np.sort(rng.uniform(0, 1, 12))
    yield "rbf", rbf_gram(x, x, 20.0), 0.05
    yield "laplace", np.exp(-np.abs(x[:, None] - x[None]) / 0.3), 0.3
    yield "singular", rotated([0, 0, 0, 1e-9, 0.5, 2, 2, 2, 7], 3), 0.2  # repeated and zero
    yield "tiny", np.array([[2.5]]), 0.1
    yield "kappa1e8", rotated(np.logspace(-8, 0, 10), 4), 1e-3


@pytest.mark.parametrize("name,K,lam", [pytest.param(*i, id=i[0]) for i in kernel_instances()])
def test_kernel_engine_matches_literal_dense_solves(name, K, lam):
    rng = np.random.default_rng(len(name))
    n = K.shape[0]
    y = rng.standard_normal(n)
    for k in (0, 1, 4, 6):
        xi = list(rng.uniform(-4, 6, k))
        tr = fixed_ridge_distill(K, y, lam, xi)
        fits, cs = literal_kernel(K, y, lam, xi)
        scale = max(np.linalg.norm(y), np.max(np.abs(fits)))
        tol = literal_tolerance(tr.eigenvalues[-1], lam, n, xi, scale)
        assert np.max(np.abs(tr.fitted - fits)) <= tol
        assert np.max(np.abs(tr.coefficients - cs)) <= tol / lam
        assert tr.steps == k and tr.filters.shape == (k + 1, n)
        # the engine's own (filter) accuracy claim is no worse than the literal bound
        assert tr.accuracy <= tol / scale


@pytest.mark.parametrize("n,d", [(6, 11), (11, 4), (7, 7)])
def test_design_engine_matches_literal_dense_solves(n, d):
    rng = np.random.default_rng(n * d)
    X = rng.standard_normal((n, d)) * np.exp(rng.uniform(-2, 2, d))
    if n == d:
        X[:, -1] = X[:, 0]  # rank deficient: one zero singular value
    y = rng.standard_normal(n)
    lam = 0.3
    xi = list(rng.uniform(-3, 5, 4))
    tr = fixed_ridge_distill_design(X, y, lam, xi)
    fits, ths = literal_design(X, y, lam, xi)
    s2max = tr.eigenvalues[-1]
    tol = literal_tolerance(s2max, lam, max(n, d), xi, max(np.linalg.norm(y), np.max(np.abs(fits))))
    assert np.max(np.abs(tr.fitted - fits)) <= tol
    # theta = (X^T X + lam)^-1 X^T t: norm <= ||t||/(2 sqrt(lam)); its error scales alike
    assert np.max(np.abs(tr.coefficients - ths)) <= tol / math.sqrt(lam)
    Xt = rng.standard_normal((3, d))
    np.testing.assert_allclose(tr.predict(Xt), ths @ Xt.T,
                               atol=tol * np.linalg.norm(Xt) / math.sqrt(lam))


def literal_mp(ctx, K, y, lam, xi):
    """Dense LU solves at the precision of ctx: fitted values per step."""
    n = len(y)
    A = ctx.matrix([[ctx.mpf(K[i][j]) + (ctx.mpf(lam) if i == j else 0) for j in range(n)]
                    for i in range(n)])
    Km = ctx.matrix([[ctx.mpf(K[i][j]) for j in range(n)] for i in range(n)])
    ym = ctx.matrix([ctx.mpf(v) for v in y])
    t, fits = ym, []
    for x in [None] + list(xi):
        if x is not None:
            t = ctx.mpf(x) * fits[-1] + (1 - ctx.mpf(x)) * ym
        fits.append(Km * ctx.lu_solve(A, t))
    return [[f[i] for i in range(n)] for f in fits]


def test_mp_kernel_engine_matches_mp_dense_solves():
    x = np.linspace(0, 1, 7)
    K = rbf_gram(x, x, 30.0)
    y = np.sin(5 * x)
    xi = [0.5, 3.0, -1.5]
    dps = 30
    tr = fixed_ridge_distill(K, y, 0.01, xi, dps=dps)
    ref = literal_mp(make_context(dps + 20), K.tolist(), y, 0.01, xi)
    for got, want in zip(tr.fitted, ref):
        assert digits_of_agreement(got, want) >= dps - 2  # LU and the n-term sums: 2 digits
    assert tr.confirmed_digits >= dps and tr.accuracy == 10.0 ** -dps
    assert tr.method == "numpy-refine"


@pytest.mark.parametrize("n,d", [(5, 8), (8, 3)])
def test_mp_design_engine_matches_mp_dense_solves(n, d):
    rng = np.random.default_rng(n + d)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    xi = [2.0, -0.5]
    dps = 25
    tr = fixed_ridge_distill_design(X, y, 0.4, xi, dps=dps)
    ref = literal_mp(make_context(dps + 20), _exact_gram(make_context(dps + 20), X), y, 0.4, xi)
    for got, want in zip(tr.fitted, ref):
        assert digits_of_agreement(got, want) >= dps - 2
    # theta_t against the float64 literal solve (float64 accuracy, as in the float64 test)
    _, ths = literal_design(X, y, 0.4, xi)
    tol = literal_tolerance(float(tr.eigenvalues[-1]), 0.4, max(n, d), xi, np.linalg.norm(y))
    assert np.max(np.abs(to_f64(tr.coefficients) - ths)) <= tol / math.sqrt(0.4)


def _exact_gram(ctx, X):
    Xm = to_mp_array(ctx, X)
    return [[ctx.fsum(Xm[i] * Xm[j]) for j in range(X.shape[0])] for i in range(X.shape[0])]


def test_float64_accuracy_bounds_the_error_against_mp():
    """The float64 engine's accuracy is an honest bound: |f64 - mp| <= accuracy * |f_t|."""
    rng = np.random.default_rng(5)
    for K, lam, xi in [(rotated(np.logspace(-6, 0, 8), 1), 1e-4, [0.5, 2.0, -3.0]),
                       (rotated(np.linspace(1, 2, 6), 2), 0.5, list(rng.uniform(-20, 20, 8)))]:
        y = rng.standard_normal(K.shape[0])
        f64 = fixed_ridge_distill(K, y, lam, xi)
        mp = fixed_ridge_distill(K, y, lam, xi, dps=30)
        # non-vacuous: the running bound is at most the a priori one of the literal solves
        assert 0 < f64.accuracy <= literal_tolerance(np.linalg.eigvalsh(K)[-1], lam, K.shape[0],
                                                     xi, 1.0)
        for t in range(len(xi) + 1):
            err = np.max(np.abs(f64.filters[t] - to_f64(mp.filters[t])))
            assert err <= f64.accuracy * np.max(np.abs(f64.filters[t]))


def test_mp_small_eigenvalues_keep_relative_digits_float64_does_not():
    """RBF on close points: eigenvalues down to ~3e-14 of the largest.  float64's eigh gets
    them with absolute error ~n u d_max, so their filters lose most relative digits; the mp
    engine keeps >= dps relative digits in every single entry (entrywise_digits)."""
    x = np.linspace(0, 0.5, 12)
    K = rbf_gram(x, x, 10.0)
    xi = [0.75] * 5
    mp = fixed_ridge_distill(K, np.ones(12), 1e-3, xi, dps=30)
    f64 = fixed_ridge_distill(K, np.ones(12), 1e-3, xi)
    assert mp.entrywise_digits >= 30 and mp.confirmed_digits >= 30
    smallest = float(mp.filters[-1][0])
    # float64: absolute eigenvalue error ~ 12 u d_max ~ 1e-14 against d_min ~ 3e-14; the
    # relative error of the smallest filter is far above anything rounding alone would give
    assert abs(f64.filters[-1][0] - smallest) / smallest > 1e6 * EPS64
    # and within the float64 engine's own (normwise) accuracy claim
    assert abs(f64.filters[-1][0] - smallest) <= f64.accuracy * np.max(np.abs(f64.filters[-1]))


# ------------------------------------------------------------------------------------------
# Borup & Andersen: mixed target, closed form, limit


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.8, 1.0])
def test_mixed_target_is_the_stacked_weighted_least_squares(alpha):
    """argmin alpha||X th - y||^2 + (1-alpha)||X th - yhat||^2 + lam||th||^2 by lstsq on the
    stacked system equals the engine's next step (target alpha y + (1 - alpha) yhat)."""
    rng = np.random.default_rng(int(alpha * 10))
    n, d, lam = 9, 5, 0.3
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    tr = fixed_ridge_distill_design(X, y, lam, [1 - alpha] * 3)
    kern = fixed_ridge_distill(X @ X.T, y, lam, [1 - alpha] * 3)
    for t in range(1, 4):
        yhat = tr.fitted[t - 1]
        M = np.vstack([math.sqrt(alpha) * X, math.sqrt(1 - alpha) * X, math.sqrt(lam) * np.eye(d)])
        rhs = np.concatenate([math.sqrt(alpha) * y, math.sqrt(1 - alpha) * yhat, np.zeros(d)])
        th = np.linalg.lstsq(M, rhs, rcond=None)[0]
        # lstsq (QR/SVD) forward error ~ n u cond(M)^2 at worst; cond(M) <= s_max/sqrt(lam)
        tol = 16 * n * EPS64 * (1 + tr.eigenvalues[-1] / lam) * np.linalg.norm(th)
        assert np.max(np.abs(tr.coefficients[t] - th)) <= tol
        assert np.max(np.abs(kern.fitted[t] - X @ th)) <= tol * np.linalg.norm(X, 2)
        if 0 < alpha < 1 and alpha != 0.5:  # mutant: weights swapped in the target
            swapped = np.concatenate([math.sqrt(1 - alpha) * y, math.sqrt(alpha) * yhat,
                                      np.zeros(d)])
            mut = np.linalg.lstsq(np.vstack([math.sqrt(1 - alpha) * X, math.sqrt(alpha) * X,
                                             math.sqrt(lam) * np.eye(d)]), swapped, rcond=None)[0]
            # a mutant must miss by orders of magnitude more than rounding can explain
            assert np.max(np.abs(tr.coefficients[t] - mut)) > 1e3 * tol


def test_closed_form_from_first_fit_matches_literal_steps_at_test_points():
    x = np.sort(np.random.default_rng(2).uniform(0, 1, 10))
    xt = np.linspace(0, 1, 7)
    K, Kt = rbf_gram(x, x, 15.0), rbf_gram(xt, x, 15.0)
    y = np.cos(4 * x)
    lam, alpha = 0.1, 0.35
    q = 1 - alpha
    n = len(x)
    P = np.linalg.solve(K + lam * np.eye(n), K)  # = K (K + lam)^-1 (they commute)
    tr = fixed_ridge_distill(K, y, lam, [1 - alpha] * 9)
    fits, cs = literal_kernel(K, y, lam, [1 - alpha] * 9)
    for tau in range(1, 11):
        # M_tau = alpha sum_{i=0}^{tau-2} (qP)^i + (qP)^{tau-1}, dense matrix powers
        Mt = alpha * sum(np.linalg.matrix_power(q * P, i) for i in range(tau - 1)) \
            + np.linalg.matrix_power(q * P, tau - 1)
        closed = Kt @ np.linalg.solve(K + lam * np.eye(n), Mt @ y)
        literal = Kt @ cs[tau - 1]
        tol = literal_tolerance(tr.eigenvalues[-1], lam, n, [q] * tau, np.linalg.norm(y)) * \
            np.linalg.norm(Kt, 2) / lam
        assert np.max(np.abs(closed - literal)) <= tol
        assert np.max(np.abs(tr.predict(Kt)[tau - 1] - literal)) <= tol
        # spectral closed form (no recursion) against the engine's recursion
        b = closed_form_filter_f64(tr.eigenvalues, lam, alpha, tau)
        assert np.max(np.abs(b - tr.filters[tau - 1])) <= 4 * tau * EPS64
        if tau >= 2:  # mutant: exponent tau instead of tau - 1 (one step too many)
            Mm = alpha * sum(np.linalg.matrix_power(q * P, i) for i in range(tau)) \
                + np.linalg.matrix_power(q * P, tau)
            wrong = Kt @ np.linalg.solve(K + lam * np.eye(n), Mm @ y)
            assert np.max(np.abs(wrong - literal)) > 1e3 * tol


@pytest.mark.parametrize("alpha", [0.25, 0.5, 1.0])
def test_limit_is_ridge_with_lam_over_alpha(alpha):
    x = np.linspace(0, 1, 6)
    xt = np.array([0.05, 0.5, 0.93])
    K, Kt = rbf_gram(x, x, 10.0), rbf_gram(xt, x, 10.0)
    y = np.array([0.3, -1.0, 0.4, 1.2, -0.2, 0.8])
    lam, n = 0.2, 6
    fits, cs = literal_kernel(K, y, lam, [1 - alpha] * 2999)  # 3000 brute iterations
    direct = np.linalg.solve(K + (lam / alpha) * np.eye(n), y)
    d_max = np.linalg.eigvalsh(K)[-1]
    # the iteration contracts by q a_max < 1: rounding accumulates to n u cond/(1 - q a_max)
    contraction = (1 - alpha) * d_max / (d_max + lam)
    tol = 8 * n * EPS64 * (1 + d_max / lam) * np.linalg.norm(y) / (1 - contraction)
    assert np.max(np.abs(fits[-1] - K @ direct)) <= tol
    assert np.max(np.abs(Kt @ cs[-1] - Kt @ direct)) <= tol * np.linalg.norm(Kt, 2) / lam
    # the test-point identity (K + lam)^-1 (alpha y + (1 - alpha) K (K + lam/alpha)^-1 y)
    lhs = np.linalg.solve(K + lam * np.eye(n), alpha * y + (1 - alpha) * K @ direct)
    assert np.max(np.abs(lhs - direct)) <= tol / lam
    # the engine's limit filter, the closed form at tau = 3000, and the mutants
    tr = fixed_ridge_distill(K, y, lam, [])
    lim = tr.basis @ (limit_filter_f64(tr.eigenvalues, lam, alpha) * tr.z)
    assert np.max(np.abs(lim - K @ direct)) <= tol
    for wrong in (lam * alpha, lam / (1 - alpha) if alpha < 1 else 2 * lam):
        if wrong != lam / alpha:
            fit = K @ np.linalg.solve(K + wrong * np.eye(n), y)
            assert np.max(np.abs(fit - K @ direct)) > 1e3 * tol


def test_alpha_zero_underflow_log_form_and_mp_engine():
    """alpha = 0, tau = 1500: a^tau underflows float64; the mp engine and the log form agree."""
    K = np.diag([0.02, 0.4, 3.0])
    y = np.ones(3)
    lam, k = 1.0, 1499
    f64 = fixed_ridge_distill(K, y, lam, [1.0] * k)
    assert f64.filters[-1][0] == 0.0  # (0.02/1.02)^1500 ~ 1e-2563: below float64's range
    mp = fixed_ridge_distill(K, y, lam, [1.0] * k, dps=20)
    ctx = make_context(30)
    logs = closed_form_log_filter_f64(mp.eigenvalues, lam, 0.0, k + 1)
    tau = k + 1
    for got, want in zip(mp.filters[-1], logs):
        # log form tau log(a): a rounded (2u relative: 2u absolute in log a) and the log (u
        # relative), both times tau: |error| <= 4 tau u (1 + |log a|)
        assert abs(float(ctx.log(got)) - want) <= 4 * tau * EPS64 * (1 + abs(want) / tau)


# ------------------------------------------------------------------------------------------
# Official toy example (Borup & Andersen's notebook and README), through the engine

TOY_Y = [0.38476636465198066, 1.2333967683416893, 1.33232242218057, 0.6920159488889518,
         -0.29756145531871736, -0.24189291901377769, -0.7964485769175675, -0.9616480167034174,
         -0.49672509509916934, -0.3469066003991437, 0.5589512650600734]
#: Published losses (notebook output), steps tau = 1..6, and the limit.
OFFICIAL = {0.0: ([0.16477, 0.15076, 0.14915, 0.15561, 0.16735, 0.18251], 0.49505),
            0.25: ([0.16477, 0.15309, 0.14958, 0.14903, 0.14946, 0.15011], 0.15250)}
#: The README's column headed "alpha = 0.25": steps tau = 2..6 and the limit.
README_COLUMN = ([0.15424, 0.15089, 0.14983, 0.14954, 0.14948], 0.14959)
HALF_UNIT = 0.5e-5  # "to 5 decimals": within half a unit of the 5th decimal


def toy_losses(alpha, steps=6):
    x, xt = np.linspace(0, 1, 11), np.linspace(0, 1, 101)
    K, Kt = rbf_gram(x, x, 80.0), rbf_gram(xt, x, 80.0)
    truth = np.sin(2 * np.pi * xt)
    tr = fixed_ridge_distill(K, np.array(TOY_Y), 0.2, [1 - alpha] * (steps - 1))
    losses = [float(np.mean((f - truth) ** 2)) for f in tr.predict(Kt)]
    if alpha == 0:  # the code's limit formula alpha k(x)(alpha K + lam I)^-1 y is 0
        limit = float(np.mean(truth ** 2))
    else:
        limit = float(np.mean((fixed_ridge_distill(K, np.array(TOY_Y), 0.2 / alpha, [])
                               .predict(Kt)[0] - truth) ** 2))
    return losses, limit, tr


@pytest.mark.parametrize("alpha", [0.0, 0.25])
def test_toy_numbers_reproduce_the_official_output(alpha):
    losses, limit, _ = toy_losses(alpha)
    published, published_limit = OFFICIAL[alpha]
    assert np.max(np.abs(np.array(losses) - published)) <= HALF_UNIT
    assert abs(limit - published_limit) <= HALF_UNIT


def test_readme_column_labelled_alpha_025_is_alpha_035():
    at35, lim35, _ = toy_losses(0.35)
    assert np.max(np.abs(np.array(at35[1:]) - README_COLUMN[0])) <= HALF_UNIT
    assert abs(lim35 - README_COLUMN[1]) <= HALF_UNIT
    at25, lim25, _ = toy_losses(0.25)
    misses = np.abs(np.array(at25[1:]) - README_COLUMN[0]) > HALF_UNIT
    assert misses.all() and abs(lim25 - README_COLUMN[1]) > HALF_UNIT


def test_toy_sparsification_ratio_peaks_at_tau_3():
    """R_10 = B_10/B_11 (eigenvalues in descending order, 1-based: the two smallest) on the
    README example alpha = 0.25: 1.13418, 1.22570, 1.25863, 1.25834, 1.25003, ... -> 1.23448."""
    _, _, tr = toy_losses(0.25, steps=60)
    R = tr.filters[:, 1] / tr.filters[:, 0]  # ascending order: index 1 over index 0
    np.testing.assert_allclose(R[:5], [1.13418, 1.22570, 1.25863, 1.25834, 1.25003],
                               atol=HALF_UNIT, rtol=0)
    assert int(np.argmax(R)) + 1 == 3
    lim = limit_filter_f64(tr.eigenvalues[:2], 0.2, 0.25)
    assert abs(lim[1] / lim[0] - 1.23448) <= HALF_UNIT
    assert abs(R[-1] - lim[1] / lim[0]) <= 1e-12  # (q a)^59 ~ 1e-11 of the gap, times a_j/a_k
    assert round(100 * (R.max() / (lim[1] / lim[0]) - 1), 1) == 2.0  # overshoot 2.0%
    _, _, tr35 = toy_losses(0.35, steps=60)
    R35 = tr35.filters[:, 1] / tr35.filters[:, 0]
    lim35 = limit_filter_f64(tr35.eigenvalues[:2], 0.2, 0.35)
    assert round(100 * (R35.max() / (lim35[1] / lim35[0]) - 1), 1) == 1.0  # overshoot 1.0%


def test_ratio_not_monotone_counterexample_certified_in_mp():
    """a_k = 0.1004, a_j = 0.4873, alpha = 0.3526: R_2 = 7.76 > R_3 = 7.20."""
    ctx = make_context(50)
    a = [ctx.mpf("0.1004"), ctx.mpf("0.4873")]
    F = ridge_filters_mp(ctx, a, [1 - ctx.mpf("0.3526")] * 3)
    R = [F[t][1] / F[t][0] for t in range(4)]
    assert (round(float(R[1]), 2), round(float(R[2]), 2)) == (7.76, 7.20)
    assert R[1] - R[2] > ctx.mpf(10) ** -40  # the drop is far above the working precision
    for tau, r in enumerate(R, start=1):  # what holds instead: a_j/a_k <= R_tau <= (a_j/a_k)^tau
        assert a[1] / a[0] <= r <= (a[1] / a[0]) ** tau


# ------------------------------------------------------------------------------------------
# Validation


def test_validation_errors_name_value_and_remedy():
    K, y = np.eye(3), np.ones(3)
    with pytest.raises(InputError, match=r"lam = 0.0 must be > 0.*pass a positive ridge"):
        fixed_ridge_distill(K, y, 0.0, [])
    with pytest.raises(InputError, match=r"lam = nan is not finite"):
        fixed_ridge_distill(K, y, float("nan"), [])
    with pytest.raises(InputError, match="not a real number"):
        fixed_ridge_distill(K, y, "1", [])
    with pytest.raises(InputError, match="non-finite value"):
        fixed_ridge_distill(np.array([[1.0, np.inf], [np.inf, 1.0]]), np.ones(2), 1.0, [])
    with pytest.raises(InputError, match="not symmetric"):
        fixed_ridge_distill(np.array([[1.0, 0.5], [0.0, 1.0]]), np.ones(2), 1.0, [])
    with pytest.raises(InputError, match="indefinite"):
        fixed_ridge_distill(np.diag([1.0, -1.0]), np.ones(2), 1.0, [])
    with pytest.raises(InputError, match="y has shape"):
        fixed_ridge_distill(K, np.ones(4), 1.0, [])
    with pytest.raises(InputError, match="column by column"):
        fixed_ridge_distill(K, np.ones((3, 2)), 1.0, [])
    with pytest.raises(InputError, match="1-D sequence of k per-step weights"):
        fixed_ridge_distill(K, y, 1.0, [[0.5]])
    with pytest.raises(InputError, match="xi contains a non-finite value"):
        fixed_ridge_distill(K, y, 1.0, [0.5, float("nan")])
    with pytest.raises(InputError, match="dps = 5 is below"):
        fixed_ridge_distill(K, y, 1.0, [], dps=5)
    with pytest.raises(InputError, match="non-empty n x d design"):
        fixed_ridge_distill_design(np.zeros((0, 3)), np.ones(0), 1.0, [])
    with pytest.raises(InputError, match="square"):
        fixed_ridge_distill(np.ones((2, 3)), np.ones(2), 1.0, [])
    with pytest.raises(ResourceError, match="estimated at .* pass force=True"):
        fixed_ridge_distill(np.eye(1500), np.ones(1500), 1.0, [0.5], dps=50)


def test_float64_overflow_is_a_precision_error():
    with pytest.raises(PrecisionError, match="overflow float64.*use the mp engine"):
        fixed_ridge_distill(np.eye(2), np.ones(2), 0.001, [1e300, 1e300])
