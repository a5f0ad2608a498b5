"""Oracles for theory.ridge_risk: risks against Monte Carlo over noise draws and against the
matrix (trace) formula with dense solves; optimal weights against a direct optimiser and
complex-step derivatives; the r-step oracle weights replayed in float64 and in mp.
"""

import math

import numpy as np
import pytest

from theory import InputError
from theory._mp import make_context, to_f64
from theory.fixed_ridge import fixed_ridge_distill, fixed_ridge_distill_design
from theory.ridge_filters import ridge_filters_f64
from theory.ridge_risk import (filter_risk_f64, in_sample_risk_f64, in_sample_risk_mp,
                               noise_threshold_mp, one_step_risk_terms_f64, oracle_filter_f64,
                               oracle_filter_mp, oracle_risk_f64, oracle_risk_mp,
                               oracle_weights, oracle_weights_f64, optimal_one_step_weight_f64,
                               optimal_one_step_weight_mp)

EPS64 = np.finfo(float).eps
#: Monte Carlo acceptance: 5 standard errors (two-sided Gaussian tail 6e-7; the per-draw
#: losses are quadratic forms of Gaussian noise, finite variance, so the CLT applies).
MC_SIGMAS = 5.0


def model(n, d, seed, sigma=0.7):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.exp(rng.uniform(-1, 1, d))
    theta = rng.standard_normal(d) * 1.5
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    order = np.argsort(s)  # ascending, as the engine orders its spectrum
    return X, theta, sigma, s[order] ** 2, Vt[order] @ theta


def monte_carlo_in_sample(X, theta, sigma, lam, xi, draws, seed):
    """Per-draw (1/n)||X(theta_hat - theta*)||^2 with theta_hat from dense solves per step."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    Y = (X @ theta)[:, None] + sigma * rng.standard_normal((n, draws))
    H = X.T @ X + lam * np.eye(d)
    Th = np.linalg.solve(H, X.T @ Y)
    for x in xi:
        Th = np.linalg.solve(H, X.T @ (x * (X @ Th) + (1 - x) * Y))
    return np.sum((X @ (Th - theta[:, None])) ** 2, axis=0) / n


@pytest.mark.parametrize("xi", [[], [0.7], [2.5], [-1.0, 3.0, 0.5]])
def test_in_sample_risk_matches_monte_carlo(xi):
    X, theta, sigma, s2, th = model(30, 5, 1)
    lam = 2.0
    losses = monte_carlo_in_sample(X, theta, sigma, lam, xi, 4000, 2)
    a = s2 / (s2 + lam)
    p = ridge_filters_f64(a, xi)[-1]
    formula = in_sample_risk_f64(s2, th, sigma ** 2, p, 30)
    se = losses.std(ddof=1) / math.sqrt(losses.size)
    assert abs(losses.mean() - formula) <= MC_SIGMAS * se
    # the engine's filters are the same ones
    tr = fixed_ridge_distill_design(X, X @ theta, lam, xi)
    np.testing.assert_allclose(tr.filters[-1], p, rtol=0, atol=tr.accuracy * np.max(np.abs(p)))


def test_oracle_filter_risk_matches_monte_carlo_and_is_the_minimum():
    X, theta, sigma, s2, th = model(25, 4, 3)
    p = oracle_filter_f64(s2, th, sigma ** 2)
    # the oracle estimator theta_hat = V diag(p/s) U^T y, applied to noise draws
    rng = np.random.default_rng(4)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    order = np.argsort(s)
    U, s, Vt = U[:, order], s[order], Vt[order]
    Y = (X @ theta)[:, None] + sigma * rng.standard_normal((25, 4000))
    Th = Vt.T @ ((p / s)[:, None] * (U.T @ Y))
    losses = np.sum((X @ (Th - theta[:, None])) ** 2, axis=0) / 25
    r_or = oracle_risk_f64(s2, th, sigma ** 2, 25)
    assert abs(losses.mean() - r_or) <= MC_SIGMAS * losses.std(ddof=1) / math.sqrt(losses.size)
    # the vertex of the risk along each coordinate, from three risk evaluations only (the
    # risk is quadratic in each p_j): each evaluation is exact to eps = 8 r u R (sums of r
    # terms, few roundings each), so the vertex is exact to (1 + 4|x|) eps/|R(1) - 2R(0) + R(-1)|
    for j in range(4):
        vals = []
        for v in (-1.0, 0.0, 1.0):
            q = p.copy()
            q[j] = v
            vals.append(in_sample_risk_f64(s2, th, sigma ** 2, q, 25))
        den = vals[2] - 2 * vals[1] + vals[0]
        vertex = (vals[0] - vals[2]) / (2 * den)
        eps = 8 * 4 * EPS64 * max(vals)
        assert abs(vertex - p[j]) <= (1 + 4 * abs(vertex)) * eps / abs(den)
    # weighted risk: the oracle minimises each term for any weights
    w = np.random.default_rng(5).uniform(0.1, 3, 4)
    base = filter_risk_f64(s2, th, sigma ** 2, p, w)
    for delta in (1e-3, -1e-3):
        for j in range(4):
            q = p.copy()
            q[j] += delta
            assert filter_risk_f64(s2, th, sigma ** 2, q, w) > base


def r_step_instance(r, lam=1.0):
    """Pareek's separation family: s_j^2 = j, theta* along the smallest direction with
    s_1^2 theta_1^2 / sigma^2 = 1000 r, sigma^2 = 1 (docs/theory/pareek2024.md §2)."""
    ctx = make_context(100)
    s2 = [ctx.mpf(j) for j in range(1, r + 1)]
    th = [ctx.sqrt(1000 * r)] + [ctx.zero] * (r - 1)
    a = np.array([v / (v + lam) for v in s2], dtype=object)
    return ctx, s2, th, a, oracle_filter_mp(ctx, s2, th, 1)


def test_r_steps_reach_the_oracle_float64_small_r():
    r = 4
    ctx, s2, th, a, pst = r_step_instance(r)
    w = oracle_weights_f64(to_f64(a), to_f64(pst))
    f = ridge_filters_f64(to_f64(a), w.xi)[-1]
    # max |xi| ~ 1e3 at r = 4: the replay loses ~3 digits; 1e4 u covers it with margin 10
    assert np.max(np.abs(f - to_f64(pst))) <= 1e4 * EPS64
    r_or = oracle_risk_f64(to_f64(s2), to_f64(th), 1.0, r)
    assert in_sample_risk_f64(to_f64(s2), to_f64(th), 1.0, f, r) - r_or <= 1e4 * EPS64 * r_or
    ridge = in_sample_risk_f64(to_f64(s2), to_f64(th), 1.0, to_f64(a), r)
    assert ridge > 1.5 * r_or  # the r-step gain over this ridge is real


def test_r16_oracle_weights_mp_reaches_the_oracle_float64_does_not():
    """r = 16 (s_j^2 = j, lam = 1): max |xi| ~ 2e13.  The mp weights (confirmed at two
    precisions) replayed by the mp engine (itself confirmed) reach p* to 30 digits; the same
    weights replayed in float64 miss p* by ~1e2 and the float64 engine reports no digit."""
    r = 16
    ctx, s2, th, a, pst = r_step_instance(r)
    w = oracle_weights(a, pst, dps=60)
    assert w.confirmed_digits >= 60
    assert 1e13 <= max(abs(x) for x in w.xi) <= 1e14
    G = np.diag(np.arange(1.0, r + 1))  # exact: a_j = j/(j + 1) in the engine too
    mp = fixed_ridge_distill(G, np.ones(r), 1.0, w.xi, dps=30)
    assert mp.confirmed_digits >= 30
    # the result is rounded to 30 digits (relative, values <= 1); the weights carry 60
    # digits and the replay amplifies their error by < 1e20 (the engine's guard estimate)
    err_mp = max(abs(mp.filters[-1][j] - pst[j]) for j in range(r))
    assert err_mp <= ctx.mpf(10) ** -29
    assert abs(in_sample_risk_mp(ctx, s2, th, 1, mp.filters[-1], r)
               - oracle_risk_mp(ctx, s2, th, 1, r)) <= ctx.mpf(10) ** -28
    f64 = fixed_ridge_distill(G, np.ones(r), 1.0, to_f64(w.xi))
    err_f64 = float(np.max(np.abs(f64.filters[-1] - to_f64(pst))))
    assert err_f64 > 10  # float64 keeps no digit of the target filter (values in [0, 1])
    assert f64.accuracy == math.inf  # and says so
    # the float64 pipeline (interpolation and inverse map in float64 too) fails as well
    w64 = oracle_weights_f64(to_f64(a), to_f64(pst))
    assert np.max(np.abs(ridge_filters_f64(to_f64(a), w64.xi)[-1] - to_f64(pst))) > 1


# ------------------------------------------------------------------------------------------
# Das & Sanghavi: the one-step identity


def dense_maps(X, lam, xi):
    """Teacher and student as matrices y -> theta (dense solves)."""
    d = X.shape[1]
    H = X.T @ X + lam * np.eye(d)
    HT = np.linalg.solve(H, X.T)
    HS = np.linalg.solve(H, X.T @ (xi * (X @ HT) + (1 - xi) * np.eye(X.shape[0])))
    return HT, HS


def trace_risk(X, theta, sigma2, lam, xi, M):
    """E||M(theta_hat - theta*)||^2 = ||M(H X theta* - theta*)||^2 + sigma^2 ||M H||_F^2."""
    _, HS = dense_maps(X, lam, xi)
    bias = M @ (HS @ (X @ theta) - theta)
    return float(bias @ bias + sigma2 * np.sum((M @ HS) ** 2))


def teacher_trace_risk(X, theta, sigma2, lam, M):
    """Teacher risk, valid for complex lam (complex-step derivative): no conjugation."""
    d = X.shape[1]
    HT = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T)
    bias = M @ (HT @ (X @ theta) - theta)
    return bias @ bias + sigma2 * np.sum((M @ HT) ** 2)


@pytest.mark.parametrize("n,d,kind", [(12, 5, "param"), (12, 5, "insample"), (6, 9, "param"),
                                      (6, 9, "insample")])
def test_one_step_risk_terms_against_trace_formula(n, d, kind):
    X, theta, sigma, s2, th = model(n, d, n + d, sigma=1.3)
    lam = 0.8
    M = np.eye(d) if kind == "param" else X / math.sqrt(n)
    w = np.ones(s2.size) if kind == "param" else s2 / n
    r_t, lin, quad = one_step_risk_terms_f64(s2, th, sigma ** 2, lam, w)
    # parameter risk also counts theta* outside the row space (n < d), a constant
    Vr = np.linalg.svd(X, full_matrices=False)[2]
    outside = float(np.sum((theta - Vr.T @ (Vr @ theta)) ** 2)) if kind == "param" else 0.0
    R = {x: trace_risk(X, theta, sigma ** 2, lam, x, M) for x in (-1.0, 0.0, 1.0, 2.0)}
    # each trace evaluation: two backward-stable solves with H (forward error n u cond(H)
    # each, the second's right side scaled by 1 + |xi| <= 3), then a square: relative error
    # <= 2 * 2 * 3 n u cond; 64 leaves a factor ~5 for the sums
    cond = (s2[-1] + lam) / lam
    tol = 64 * max(n, d) * EPS64 * cond * max(abs(v) for v in R.values())
    assert abs(R[0.0] - (r_t + outside)) <= tol
    assert abs((R[1.0] - R[-1.0]) / 2 - lin) <= tol
    assert abs((R[1.0] + R[-1.0] - 2 * R[0.0]) / 2 - quad) <= 2 * tol
    assert abs(R[2.0] - (r_t + outside + 2 * lin + 4 * quad)) <= 4 * tol  # exactly quadratic
    # lam R_T'(lam) by the complex-step derivative of the dense teacher risk (no cancellation)
    h = lam * 1e-20
    deriv = teacher_trace_risk(X, theta, sigma ** 2, lam + 1j * h, M).imag / h
    assert abs(lam * deriv - lin) <= tol
    # xi* against the vertex of the dense risk through xi = -1, 0, 1 (function values only)
    xs = optimal_one_step_weight_f64(s2, th, sigma ** 2, lam, w)
    den = R[1.0] - 2 * R[0.0] + R[-1.0]
    vertex = (R[-1.0] - R[1.0]) / (2 * den)
    assert abs(vertex - xs) <= (1 + 4 * abs(vertex)) * tol / abs(den)
    assert trace_risk(X, theta, sigma ** 2, lam, xs, M) <= R[0.0]  # never worse than teacher


def test_student_is_the_exact_taylor_step_of_the_teacher():
    X, theta, sigma, s2, th = model(8, 5, 9)
    y = X @ theta + np.random.default_rng(9).standard_normal(8)
    lam = 0.5
    H = X.T @ X + lam * np.eye(5)
    for xi in (-2.0, 0.4, 3.5):
        tr = fixed_ridge_distill_design(X, y, lam, [xi])
        theta_t = np.linalg.solve(H, X.T @ y)
        dtheta = -np.linalg.solve(H, theta_t)  # d theta_T/d lam
        taylor = theta_t + xi * lam * dtheta
        # two solves with H on each side (forward error n u cond(H) each), the student's
        # right side scaled by 1 + |xi|: 32 n u cond (1 + |xi|) ||theta_T|| covers both sides
        tol = 32 * 8 * EPS64 * ((s2[-1] + lam) / lam) * np.linalg.norm(theta_t) * (1 + abs(xi))
        assert np.max(np.abs(tr.coefficients[1] - taylor)) <= tol
        # mutant: theta_T(lam (1 + xi)) is only the first-order version
        if xi > -1:
            mut = np.linalg.solve(X.T @ X + lam * (1 + xi) * np.eye(5), X.T @ y)
            assert np.max(np.abs(tr.coefficients[1] - mut)) > 1e3 * tol


def test_high_noise_threshold_and_limit_in_mp():
    ctx = make_context(40)
    s2, th = [0.5, 1.5, 4.0], [1.0, -0.3, 2.0]
    lam, w = 0.7, [1.0, 1.0, 1.0]
    sc = noise_threshold_mp(ctx, s2, th, lam, w)
    below = optimal_one_step_weight_mp(ctx, s2, th, sc * (1 - ctx.mpf("1e-6")), lam, w)
    above = optimal_one_step_weight_mp(ctx, s2, th, sc * (1 + ctx.mpf("1e-6")), lam, w)
    assert below < 1 < above
    # at sigma_c^2 itself xi* = 1 exactly; 40 digits less 5 for the 3-term sums and ratios
    assert abs(optimal_one_step_weight_mp(ctx, s2, th, sc, lam, w) - 1) <= ctx.mpf(10) ** -35
    # sigma -> infinity: xi* -> sum w_j (1 + s_j^2/lam)/sum w_j, w_j = a^2 (1-a)^2/s^2
    far = optimal_one_step_weight_mp(ctx, s2, th, ctx.mpf(10) ** 30, lam, w)
    a = [ctx.mpf(v) / (ctx.mpf(v) + lam) for v in s2]
    wt = [x * x * (1 - x) ** 2 / v for x, v in zip(a, s2)]
    lim = ctx.fsum(wj * (1 + v / ctx.mpf(lam)) for wj, v in zip(wt, s2)) / ctx.fsum(wt)
    assert abs(far - lim) <= ctx.mpf(10) ** -25  # O(theta^2/sigma^2) = 1e-30 correction
    assert 1 + min(s2) / lam <= lim <= 1 + max(s2) / lam


def test_risk_validation():
    with pytest.raises(InputError, match=r"s2\[1\] = 0.0 must be > 0"):
        oracle_filter_f64([1.0, 0.0], [1.0, 1.0], 1.0)
    with pytest.raises(InputError, match=r"sigma2 = 0.0 must be > 0"):
        oracle_filter_f64([1.0], [1.0], 0.0)
    with pytest.raises(InputError, match="theta has length 1 but 2"):
        in_sample_risk_f64([1.0, 2.0], [1.0], 1.0, [0.5, 0.5], 3)
    with pytest.raises(InputError, match="n = 0 must be a positive integer"):
        in_sample_risk_f64([1.0], [1.0], 1.0, [0.5], 0)
    with pytest.raises(InputError, match=r"w\[0\] = -1.0 must be >= 0"):
        filter_risk_f64([1.0], [1.0], 1.0, [0.5], [-1.0])
    with pytest.raises(InputError, match="lam = 0 must be > 0"):
        optimal_one_step_weight_f64([1.0], [1.0], 1.0, 0, [1.0])
    with pytest.raises(InputError, match="lam\\^2 Q = 0"):
        optimal_one_step_weight_f64([1.0], [1.0], 1.0, 1.0, [0.0])
