"""Oracles for kernel gradient descent in the eigenbasis (theory.kernel_gd).

The engine diagonalises H once; the oracles iterate the definition densely (float64 and
mp), use scipy.linalg.expm for the flow, binary powering of I - eta H in mp, and a dense mp
LU solve for the converged student of the distillation identity.
"""

import math

import numpy as np
import pytest
import scipy.linalg

from theory import InputError
from theory._mp import digits_of_agreement, make_context, to_f64
from theory.kernel_gd import (gd_filter, gd_filter_mp, kernel_gd_f64, kernel_gd_mp,
                              kernel_gd_predict_f64, kernel_gd_predict_mp, kernel_spectrum,
                              top_energy_fraction)
from theory.noisy_clusters import noisy_clusters
from theory.ntk import h_inf_gram, ntk2_gram

EPS64 = np.finfo(float).eps


def cluster_problem(n=20, sigma=0.2, seed=1, n_test=4, kernel=h_inf_gram):
    D = noisy_clusters(n, 5, 3, sigma, 0.2, seed, n_test=n_test)
    return kernel(D.X), kernel(D.X_test, D.X), D.y_noisy


def literal_gd(H, y, eta, k, u0):
    u = u0.copy()
    for _ in range(k):
        u = u - eta * (H @ (u - y))
    return u


@pytest.mark.parametrize("kernel, sigma, scale", [(h_inf_gram, 0.2, 1.0), (ntk2_gram, 0.2, 1.9),
                                                  (h_inf_gram, 1e-6, 1.0)])
def test_eigenbasis_matches_literal_iteration(kernel, sigma, scale):
    """scale = eta lambda_max; 1.9 is the oscillating regime (1 - eta lambda_max ~ -0.9)."""
    H, _, y = cluster_problem(kernel=kernel, sigma=sigma)
    n = y.size
    eta = scale / np.linalg.eigvalsh(H)[-1]
    u0 = np.random.default_rng(0).standard_normal(n)
    ks = [0, 1, 7, 300]
    U = kernel_gd_f64(H, y, eta, ks, u0=u0)
    scale0 = np.linalg.norm(u0 - y)
    for k, u in zip(ks, U):
        # literal: each step adds <= (n + 2) u eta ||H|| ||u_k - y|| <= 2 (n + 2) u ||u_0 - y||
        # and I - eta H does not amplify it; eigenbasis: eigh's backward error p(n) u ||H||
        # (p(n) ~ n) moves (I - eta H)^k by <= k eta p(n) u ||H||.  Sum, with a factor 2.
        tol = 4 * (k + 1) * (n + 2) * EPS64 * scale0
        lit = literal_gd(H, y, eta, k, u0)
        assert np.linalg.norm(u - lit) <= tol
        if 0 < k < 300:  # the check has power: the off-by-one rate (1 - eta lambda)^(k+1) fails
            assert np.linalg.norm(kernel_gd_f64(H, y, eta, k + 1, u0=u0) - lit) > 100 * tol


def test_flow_matches_scipy_expm():
    H, _, y = cluster_problem()
    n = y.size
    eta = 0.7
    u0 = np.random.default_rng(1).standard_normal(n)
    ts = [0.0, 0.3, 5.0, 40.0]
    U = kernel_gd_f64(H, y, eta, ts, u0=u0, flow=True)
    lam_max = np.linalg.eigvalsh(H)[-1]
    for t, u in zip(ts, U):
        ref = y + scipy.linalg.expm(-eta * t * H) @ (u0 - y)
        # expm (scaling and squaring) is accurate to ~ n u ||eta t H|| relative; eigh adds n u
        tol = 8 * n * EPS64 * (1 + eta * t * lam_max) * np.linalg.norm(u0 - y)
        assert np.linalg.norm(u - ref) <= tol


def test_predictions_match_literal_coefficient_iteration():
    """f_k(x) = H_xX alpha_k, alpha_{k+1} = alpha_k + eta (y - H alpha_k) from alpha_0 = 0."""
    H, Hx, y = cluster_problem(n_test=6)
    n = y.size
    eta = 1.5 / np.linalg.eigvalsh(H)[-1]
    ks = [1, 10, 200]
    P = kernel_gd_predict_f64(H, Hx, y, eta, ks)
    for k, p in zip(ks, P):
        alpha = np.zeros(n)
        for _ in range(k):
            alpha = alpha + eta * (y - H @ alpha)
        ref = Hx @ alpha
        # as in the literal test, on the coefficients: the test rows of H are <= ||H||, and
        # ||alpha_k|| <= eta k ||y||, so scale the bound by ||H_xX|| eta k ||y||
        tol = 4 * (k + 1) * (n + 2) * EPS64 * np.linalg.norm(Hx, 2) * eta * k * np.linalg.norm(y)
        assert np.linalg.norm(p - ref) <= tol
    # at the training points the predictions are the training outputs
    Ptr = kernel_gd_predict_f64(H, H, y, eta, ks)
    assert np.allclose(Ptr, kernel_gd_f64(H, y, eta, ks), rtol=0,
                       atol=8 * n * EPS64 * np.linalg.norm(y))


def test_filter_is_accurate_near_lambda_zero():
    ctx = make_context(60)
    eta, k = 0.3, 5000
    lam = np.array([0.0, 1e-300, 1e-20, 1e-9, 1e-4, 1.0, 5.0])
    g = gd_filter(lam, eta, k)
    for l, v in zip(lam, g):
        # oracle: the definition with a direct power at 60 digits (no cancellation trick)
        if l == 0:
            ref = eta * k
        else:
            with ctx.workprec(400):  # 1 - (1 - x)^k with x ~ 1e-300 needs ~1000 bits of room
                x = ctx.mpf(eta) * ctx.mpf(l)
                ref = (1 - ctx.power(1 - x, k)) / ctx.mpf(l) if x > 1e-80 else eta * k * (
                    1 - (k - 1) * x / 2)
        # five roundings (eta lambda, log1p, the product by k, expm1, the division), 2x margin
        assert abs(v - float(ref)) <= 10 * EPS64 * abs(float(ref))
    # the naive formula cancels completely at tiny lambda (why expm1/log1p are used)
    assert (1 - (1 - eta * 1e-20) ** k) / 1e-20 == 0.0
    gm = gd_filter_mp(ctx, lam, eta, k)
    assert digits_of_agreement(to_f64(gm), g) >= 15


@pytest.mark.parametrize("dps", [40, 60])
def test_mp_matches_dense_mp_iteration_and_float64(dps):
    H, _, y = cluster_problem(n=10)
    eta = 0.25
    ks = [0, 3, 40]
    ctx = make_context(dps)
    U = kernel_gd_mp(ctx, H, y, eta, ks)
    wctx = make_context(dps + 20)
    Hm = wctx.matrix(H.tolist())
    u = wctx.matrix([0] * 10)
    ym = wctx.matrix(y.tolist())
    done = 0
    for k, row in zip(ks, U):
        for _ in range(k - done):
            u = u - wctx.mpf(eta) * (Hm * (u - ym))
        done = k
        assert digits_of_agreement(row, list(u)) >= dps - 1
    # float64 agrees to ~ the literal bound (16 - log10(4 (k+1)(n+2)) digits)
    Uf = kernel_gd_f64(H, y, eta, ks)
    assert digits_of_agreement(U[-1], Uf[-1]) >= 15 - math.log10(4 * 41 * 12)


def power_teacher_mp(ctx, H, Hx, y, eta, T):
    """Teacher at step T by binary powering: alpha_T = eta sum_{j<T} A^j y, A = I - eta H
    (S_{2m} = S_m + A^m S_m), f_T = (H_xX alpha_T, H alpha_T).  No eigendecomposition."""
    n = len(y)
    A = ctx.eye(n) - ctx.mpf(eta) * ctx.matrix(H.tolist())
    S, P = ctx.zeros(n, n), ctx.eye(n)  # S_m, A^m for m = bits read so far
    for bit in bin(T)[2:]:
        S, P = S + P * S, P * P  # m -> 2m
        if bit == "1":
            S, P = S + P, P * A  # m -> m + 1: S_{m+1} = S_m + A^m
    alpha = ctx.mpf(eta) * (S * ctx.matrix(list(y)))
    return list(ctx.matrix(Hx.tolist()) * alpha), list(ctx.matrix(H.tolist()) * alpha)


def student_mp(ctx, H, Hx, u_T):
    """Student trained to convergence on the teacher's training outputs: the interpolant
    alpha = H^-1 u_T (H is non-singular here) by a dense LU solve, at H_xX alpha and H alpha."""
    alpha = ctx.lu_solve(ctx.matrix(H.tolist()), ctx.matrix([ctx.mpf(v) for v in u_T]))
    return list(ctx.matrix(Hx.tolist()) * alpha), list(ctx.matrix(H.tolist()) * alpha)


@pytest.mark.parametrize("T", [1000, 5000])
def test_distillation_equals_early_stopping_mp(T):
    """The converged student on the teacher's outputs at T is the teacher at T (train, test),
    with eigenvalues down to 4e-8 (eta lambda_min T ~ 1e-4: those modes are barely fit)."""
    H, Hx, y = cluster_problem(n=20, sigma=1e-6, n_test=4)
    lam = np.linalg.eigvalsh(H)
    assert lam[0] < 1e-7 * lam[-1]
    eta = 1.0 / lam[-1]
    dps = 45
    ctx = make_context(dps)
    u_T = kernel_gd_mp(ctx, H, y, eta, T)
    f_T = kernel_gd_predict_mp(ctx, H, Hx, y, eta, T)
    # the solve loses log10 cond(H) ~ 8 digits and the powering log10(T) to rounding: 30 guard
    wctx = make_context(dps + 30)
    test_s, train_s = student_mp(wctx, H, Hx, u_T)
    test_p, train_p = power_teacher_mp(wctx, H, Hx, y, eta, T)
    assert digits_of_agreement(f_T, test_p) >= dps - 1     # eigenbasis teacher = powering
    assert digits_of_agreement(u_T, train_p) >= dps - 1
    assert digits_of_agreement(test_s, f_T) >= 40          # student = teacher at test points
    assert digits_of_agreement(train_s, u_T) >= 40         # and on the training points
    # the engine's own converged student (k = inf on the teacher's mp outputs) agrees too
    student = kernel_gd_predict_mp(ctx, H, Hx, u_T, eta, math.inf)
    assert digits_of_agreement(student, f_T) >= 40
    # float64 keeps fewer digits on the same inputs: the teacher through the eigenbasis loses
    # ~ log10(T (n+2)) to the filter's sensitivity, the student's solve ~ log10 cond(H) more
    kappa = lam[-1] / lam[0]
    f64_teacher = kernel_gd_predict_f64(H, Hx, y, eta, T)
    alpha = np.linalg.solve(H, kernel_gd_f64(H, y, eta, T))
    assert digits_of_agreement(f64_teacher, f_T) >= 15 - math.log10(4 * (T + 1) * 22)
    assert digits_of_agreement(Hx @ alpha, f_T) >= 15 - math.log10(4 * 22 * kappa)


def test_limit_and_energy_fraction():
    H, Hx, y = cluster_problem()
    sp = kernel_spectrum(H)
    # k = inf: the training outputs interpolate (H is non-singular here)
    u = kernel_gd_f64(sp, y, 1.0 / sp.values[-1], math.inf)
    kappa = sp.values[-1] / sp.values[0]
    assert np.linalg.norm(u - y) <= 8 * y.size * EPS64 * kappa * np.linalg.norm(y)
    # energy in the top eigenvectors, against scipy's subset eigensolver (LAPACK syevr)
    n = y.size
    _, Vtop = scipy.linalg.eigh(H, subset_by_index=[n - 3, n - 1])
    ref = float(np.sum((Vtop.T @ y) ** 2) / (y @ y))
    assert top_energy_fraction(sp, y, 3) == pytest.approx(ref, abs=8 * n * EPS64)


def test_mp_flow_matches_mpmath_expm():
    H, _, y = cluster_problem(n=8)
    eta, t = 0.6, 7.5
    u0 = np.random.default_rng(3).standard_normal(8)
    dps = 40
    u = kernel_gd_mp(make_context(dps), H, y, eta, t, u0=u0, flow=True)
    w = make_context(dps + 20)
    E = w.expm(-(w.mpf(eta) * w.mpf(t)) * w.matrix(H.tolist()))  # Taylor/Pade in mpmath
    ref = w.matrix(list(y)) + E * (w.matrix(list(u0)) - w.matrix(list(y)))
    assert digits_of_agreement(u, list(ref)) >= dps - 1


def test_all_is_honest():
    """Every name in __all__ exists, and every public function or class is in __all__."""
    import inspect

    from theory import _kernel_common, kernel_gd, label_updates, noisy_clusters, ntk, relu_net
    for mod in (_kernel_common, kernel_gd, label_updates, noisy_clusters, ntk, relu_net):
        assert all(hasattr(mod, name) for name in mod.__all__)
        public = {n for n, v in vars(mod).items() if not n.startswith("_")
                  and (inspect.isfunction(v) or inspect.isclass(v)) and v.__module__ == mod.__name__}
        assert public <= set(mod.__all__), (mod.__name__, public - set(mod.__all__))


def test_validation():
    H, Hx, y = cluster_problem(n=6)
    lam_max = np.linalg.eigvalsh(H)[-1]
    with pytest.raises(InputError, match="does not converge.*eta < 2 / lambda_max"):
        kernel_gd_f64(H, y, 2.01 / lam_max, 3)
    kernel_gd_f64(H, y, 10.0, 3.5, flow=True)  # the flow has no step-size limit
    with pytest.raises(InputError, match="eta = -1"):
        kernel_gd_f64(H, y, -1, 3)
    with pytest.raises(InputError, match="integer step"):
        kernel_gd_f64(H, y, 0.1, 2.5)
    with pytest.raises(InputError, match="not symmetric"):
        kernel_gd_f64(H + np.triu(np.ones_like(H), 1) * 1e-3, y, 0.1, 2)
    with pytest.raises(InputError, match="indefinite"):
        kernel_gd_f64(H - 2 * lam_max * np.eye(6), y, 0.01, 2)
    with pytest.raises(InputError, match="y has shape"):
        kernel_gd_f64(H, y[:-1], 0.1, 2)
    with pytest.raises(InputError, match="H_cross"):
        kernel_gd_predict_f64(H, Hx[:, :-1], y, 0.1, 2)
    with pytest.raises(InputError, match="does not converge"):
        kernel_gd_mp(make_context(30), H, y, 2.5 / lam_max, 2)
