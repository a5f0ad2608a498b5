"""Oracles for the label-update rules (theory.label_updates).

The engine uses closed forms in the eigenbasis (soft, re-anchored) and a literal loop (hard);
the oracles iterate the definitions densely (float64 and mp), solve the ridge system directly,
take the 2 x 2 maps' eigenvalues with numpy, and redo the hard rule in the eigenbasis.
"""

import math

import numpy as np
import pytest

from theory import InputError
from theory._mp import digits_of_agreement, make_context, to_f64
from theory.kernel_gd import kernel_gd_f64
from theory.label_updates import (hard_sd_f64, reanchored_gd_f64, reanchored_gd_mp, soft_sd_f64,
                                  soft_sd_limit_f64, soft_sd_limit_mp, soft_sd_predict_f64,
                                  soft_sd_rate)
from theory.noisy_clusters import noisy_clusters
from theory.ntk import h_inf_gram

EPS64 = np.finfo(float).eps


def problem(n=20, rho=0.2, seed=1, n_test=5, sigma=0.2):
    D = noisy_clusters(n, 5, 3, sigma, rho, seed, n_test=n_test)
    H = h_inf_gram(D.X)
    return H, h_inf_gram(D.X_test, D.X), D, np.linalg.eigvalsh(H)[-1]


def literal_soft(H, y, eta, a, k):
    """The simultaneous update as defined, from u_0 = 0, y_0 = y; also the coefficients alpha
    (u_k = H alpha_k) for test-point outputs."""
    u, yk, alpha = np.zeros_like(y), y.copy(), np.zeros_like(y)
    for _ in range(k):
        alpha = alpha - eta * (u - yk)
        u, yk = u - eta * (H @ (u - yk)), (1 - a) * yk + a * u
    return u, yk, alpha


@pytest.mark.parametrize("scale, a", [(1.0, 0.1), (1.7, 0.25), (0.5, 0.9)])
def test_soft_trajectory_matches_literal_iteration(scale, a):
    """scale = eta lambda_max; (1.7, 0.25) has mu < 0 at the top (oscillating modes)."""
    H, Hx, D, lam_max = problem()
    eta = scale / lam_max
    y = D.y_noisy
    ks = [0, 1, 5, 200]
    U, Y = soft_sd_f64(H, y, eta, a, ks)
    P = soft_sd_predict_f64(H, Hx, y, eta, a, ks)
    n = y.size
    for k, u, yk, p in zip(ks, U, Y, P):
        lu, ly, alpha = literal_soft(H, y, eta, a, k)
        # each step adds <= (n + 2) u (||u|| + ||y|| + 2 ||u - y||) <= 8 (n + 2) u ||y~|| and
        # the 2 x 2 maps' powers stay below ~2.5 in norm (eigenvalues 1 and |mu| < 1, the
        # eigenvectors (1, 1) and (eta lambda, -a) at >= 45 degrees): 20 (k + 1) (n + 2) u ||y~||
        tol = 20 * (k + 1) * (n + 2) * EPS64 * np.linalg.norm(y)
        assert np.linalg.norm(u - lu) <= tol and np.linalg.norm(yk - ly) <= tol
        assert np.linalg.norm(p - Hx @ alpha) <= tol * np.linalg.norm(Hx, 2) * eta * (k + 1)


def test_soft_limit_is_ridge_with_ridge_a_over_eta():
    H, _, D, lam_max = problem(n=30)
    y = D.y_noisy
    eta, a = 0.8 / lam_max, 0.3
    u = soft_sd_limit_f64(H, y, eta, a)
    n = y.size
    for ridge, should_hold in ((a / eta, True), (a * eta, False)):  # the a*eta mutant
        ref = H @ np.linalg.solve(H + ridge * np.eye(n), y)
        cond = (lam_max + ridge) / ridge
        # backward-stable solve: ~ n u cond relative; eigh: ~ n u; factor 8 for the products
        tol = 8 * n * EPS64 * cond * np.linalg.norm(y)
        assert (np.linalg.norm(u - ref) <= tol) == should_hold
    # and it is where the literal iteration goes: |mu| <= max(|1 - a|, |1 - a - eta lambda_max|)
    mu = np.max(np.abs(soft_sd_rate(np.linalg.eigvalsh(H), eta, a)))
    k = math.ceil(math.log(EPS64) / math.log(mu)) + 10
    lu, ly, _ = literal_soft(H, y, eta, a, k)
    tol = 20 * (k + 1) * (n + 2) * EPS64 * np.linalg.norm(y)
    assert np.linalg.norm(lu - u) <= tol and np.linalg.norm(ly - u) <= tol
    U, Y = soft_sd_f64(H, y, eta, a, [math.inf])
    assert np.allclose(U[0], u, rtol=0, atol=8 * n * EPS64) and np.allclose(Y[0], u, atol=tol)


def test_soft_map_eigenvalues_and_contractivity():
    lam = np.array([0.0, 0.3, 1.0, 2.5])
    for eta, a in ((0.5, 0.2), (0.7, 0.9)):
        for l, mu in zip(lam, soft_sd_rate(lam, eta, a)):
            M = np.array([[1 - eta * l, eta * l], [a, 1 - a]])
            ev = np.sort(np.linalg.eigvals(M).real)
            assert np.allclose(ev, np.sort([1.0, mu]), atol=4 * EPS64)
    H, _, D, lam_max = problem(n=12)
    y = D.y_noisy
    eta = 1.0 / lam_max
    with pytest.raises(InputError, match="does not converge"):
        soft_sd_limit_f64(H, y, eta, 1.05)  # eta lambda_max + a = 2.05
    # the condition is sharp: just beyond it the literal iteration grows, just inside it
    # settles: |v^T(u_k - u_inf)| = |mu|^k |v^T u_inf| <= |mu|^k |v^T y~| per eigenvector
    grow, _, _ = literal_soft(H, y, eta, 1.05, 400)
    settle, _, _ = literal_soft(H, y, eta, 0.95, 400)
    assert np.linalg.norm(grow) > 10 * np.linalg.norm(y)
    mu = np.max(np.abs(soft_sd_rate(np.linalg.eigvalsh(H), eta, 0.95)))
    tol = 20 * 401 * 14 * EPS64 * np.linalg.norm(y)  # rounding, as in the trajectory test
    assert np.linalg.norm(settle - soft_sd_limit_f64(H, y, eta, 0.95)) <= \
        mu ** 400 * np.linalg.norm(y) + tol


def literal_soft_mp(ctx, H, y, eta, a, k):
    Hm = ctx.matrix(H.tolist())
    u, yk = ctx.matrix([0] * len(y)), ctx.matrix(list(y))
    e, am = ctx.mpf(eta), ctx.mpf(a)
    for _ in range(k):
        u, yk = u - e * (Hm * (u - yk)), (1 - am) * yk + am * u
    return list(u)


def test_soft_limit_mp_matches_iteration_and_ridge_solve():
    H, _, D, lam_max = problem(n=12)
    y = D.y_noisy
    eta, a = 1.0 / lam_max, 0.5
    dps = 45
    ctx = make_context(dps)
    u = soft_sd_limit_mp(ctx, H, y, eta, a)
    wctx = make_context(dps + 20)
    # |mu| <= 1/2 here, so K steps leave 2^-K of the start: K = 170 gives 1e-51
    mu = float(np.max(np.abs(soft_sd_rate(np.linalg.eigvalsh(H), eta, a))))
    assert mu <= 0.5 + 1e-12
    assert digits_of_agreement(u, literal_soft_mp(wctx, H, y, eta, a, 170)) >= dps - 1
    ridge = wctx.mpf(a) / wctx.mpf(eta)
    Hm = wctx.matrix(H.tolist())
    ref = Hm * wctx.lu_solve(Hm + ridge * wctx.eye(12), wctx.matrix(list(y)))
    assert digits_of_agreement(u, list(ref)) >= dps - 1
    assert digits_of_agreement(to_f64(u), soft_sd_limit_f64(H, y, eta, a)) >= 14


def literal_reanchored(H, y, eta, beta, k, u0):
    u = u0.copy()
    for _ in range(k):
        u = u - eta * (H @ (u - ((1 - beta) * y + beta * u)))
    return u


def test_reanchored_is_gd_with_step_eta_one_minus_beta():
    H, _, D, lam_max = problem()
    y = D.y_noisy
    n = y.size
    eta, beta = 1.6 / lam_max, 0.35
    u0 = np.random.default_rng(2).standard_normal(n)
    ks = [1, 10, 300]
    R = reanchored_gd_f64(H, y, eta, beta, ks, u0=u0)
    for k, r in zip(ks, R):
        lit = literal_reanchored(H, y, eta, beta, k, u0)
        tol = 4 * (k + 1) * (n + 2) * EPS64 * np.linalg.norm(u0 - y)  # as for kernel GD
        assert np.linalg.norm(r - lit) <= tol
        # the check has power: "re-anchoring leaves GD unchanged" (step eta) is refuted
        assert np.linalg.norm(kernel_gd_f64(H, y, eta, k, u0=u0) - lit) > 100 * tol
    # and, like plain GD, it converges to the noisy labels: no help against the noise
    lam = np.linalg.eigvalsh(H)
    tol = 8 * n * EPS64 * (lam[-1] / lam[0]) * np.linalg.norm(y)  # n u cond(H), factor 8
    assert np.linalg.norm(reanchored_gd_f64(H, y, eta, beta, math.inf) - y) <= tol


def test_reanchored_mp_matches_literal_mp_iteration():
    H, _, D, lam_max = problem(n=10)
    y = D.y_noisy
    eta, beta = 1.0 / lam_max, 0.25
    dps = 45
    ctx = make_context(dps)
    R = reanchored_gd_mp(ctx, H, y, eta, beta, [3, 60])
    w = make_context(dps + 20)
    Hm, ym = w.matrix(H.tolist()), w.matrix(list(y))
    e, b = w.mpf(eta), w.mpf(beta)
    u = w.matrix([0] * 10)
    for k in range(60):
        if k == 3:
            assert digits_of_agreement(R[0], list(u)) >= dps - 1
        u = u - e * (Hm * (u - ((1 - b) * ym + b * u)))
    assert digits_of_agreement(R[1], list(u)) >= dps - 1


def hard_in_eigenbasis(H, y, eta, a, k):
    """The hard rule with (p, q) = (V^T u, V^T y) updated per eigenvalue; sign through V."""
    lam, Q = np.linalg.eigh(H)
    p, q = np.zeros_like(y), Q.T @ y
    closest = np.inf
    for _ in range(k):
        u = Q @ p
        closest = min(closest, np.min(np.abs(u[u != 0]), initial=np.inf))
        p, q = p - eta * lam * (p - q), (1 - a) * q + a * (Q.T @ np.sign(u))
    return Q @ p, Q @ q, closest


def test_hard_rule_matches_eigenbasis_iteration():
    H, _, D, lam_max = problem(n=30)
    y = D.y_noisy
    eta, a, k = 1.0 / lam_max, 0.2, 60
    U, Y = hard_sd_f64(H, y, eta, a, [k])
    u, yk, closest = hard_in_eigenbasis(H, y, eta, a, k)
    n = y.size
    tol = 20 * (k + 1) * (n + 2) * EPS64 * np.linalg.norm(y)
    assert closest > 1e3 * tol  # no output came within rounding of a sign change
    assert np.linalg.norm(U[0] - u) <= tol and np.linalg.norm(Y[0] - yk) <= tol


def test_hard_rule_reaches_clean_labels_with_unit_margin():
    """4 clusters, n = 100, d = 20, 20% flips: from u_0 = 0 the hard rule drives u to y*
    (early stopping's best margin stays well below 1)."""
    D = noisy_clusters(100, 20, 4, 0.15, 0.2, seed=0)
    H = h_inf_gram(D.X)
    eta = 1.0 / np.linalg.eigvalsh(H)[-1]
    ks = [10, 100, 1000, 10000]
    U, Y = hard_sd_f64(H, D.y_noisy, eta, 0.1, ks)
    rms = np.linalg.norm(U - D.y_star, axis=1) / 10
    assert np.all(np.diff(rms) < 0) and rms[-1] < 1e-3
    margin = np.min(D.y_star * U[-1])
    assert margin > 0.999
    G = kernel_gd_f64(H, D.y_noisy, eta, list(range(0, 2001, 5)))
    best = np.argmin(np.linalg.norm(G - D.y_star, axis=1))
    assert np.min(D.y_star * G[best]) < 0.9 < margin


def test_validation():
    H, _, D, lam_max = problem(n=8)
    y = D.y_noisy
    with pytest.raises(InputError, match="a = 1.5"):
        hard_sd_f64(H, y, 0.1, 1.5, [1])
    with pytest.raises(InputError, match="u-update"):
        hard_sd_f64(H, y, 2.5 / lam_max, 0.5, [1])
    with pytest.raises(InputError, match="no closed-form limit"):
        hard_sd_f64(H, y, 0.1, 0.5, [math.inf])
    with pytest.raises(InputError, match="beta = 1"):
        reanchored_gd_f64(H, y, 0.1, 1.0, [1])
    with pytest.raises(InputError, match="a = 0"):
        soft_sd_f64(H, y, 0.1, 0.0, [1])
    with pytest.raises(InputError, match="does not converge"):
        soft_sd_limit_mp(make_context(30), H, y, 1.0 / lam_max, 1.2)
