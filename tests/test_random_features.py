"""Tests of theory.random_features: features, objective, the certified L-BFGS fit.

Oracles: the features against an explicit loop; the objective's gradient against central
differences (tolerance derived as in tests/test_multiview_learner.py: Richardson estimate
of the truncation plus a rounding bound over h); the fitted softmax layer against an
independent solver, scikit-learn's LogisticRegression (Newton-CG) on the same problem,
within the sum of the two points' strong-convexity certificates ||g||/lam.
"""

import math

import numpy as np
import pytest

from theory import random_features as rf
from theory.errors import InputError, PrecisionError
from theory.multiview import sample_multiview
from theory.multiview import multiview_train_test
from theory.random_features import (RF_VARIANCE, draw_rf_directions, fit_random_feature_ensemble,
                                    fit_random_features, rf_ensemble_logits, rf_features,
                                    rf_hessp, rf_objective)

U64 = float(np.finfo(np.float64).eps) / 2


def gamma(n):
    return n * U64 / (1 - n * U64)


@pytest.fixture(scope="module")
def data():
    return sample_multiview(80, 0.2, seed=7)


def test_directions_and_features_against_loops(data):
    U = draw_rf_directions(320, 6, seed=3)
    assert U.shape == (6, 320)
    assert np.array_equal(U, draw_rf_directions(320, 6, seed=3))
    phi = rf_features(data.X, U)
    for n in range(0, data.n, 7):
        for r in range(6):
            ref = sum(max(float(np.dot(U[r], data.X[n, p])), 0.0) for p in range(4))
            # P dot products of length D, then a sum of P terms, in two different orders:
            # each within gamma_{D+P} sum |u||x| of the exact value
            bound = 2 * gamma(320 + 4) * float(np.sum(np.abs(data.X[n]) @ np.abs(U[r])))
            assert abs(phi[n, r] - ref) <= bound
    # variance of the directions: a sample of 320 * 500 normals, 5 sd of a sample variance
    Ub = draw_rf_directions(320, 500, seed=4)
    assert abs(Ub.var() - RF_VARIANCE) <= 5 * RF_VARIANCE * math.sqrt(2 / Ub.size)


def test_objective_gradient_finite_differences():
    rng = np.random.default_rng(2)
    N, M, k, lam = 30, 12, 5, 1e-2
    Phi, y = rng.normal(size=(N, M)), rng.integers(k, size=N)
    theta = rng.normal(size=(M + 1) * k)
    f, g = rf_objective(theta, Phi, y, k, lam)
    h = 1e-4
    for _ in range(3):
        V = rng.normal(size=theta.size)
        phi = lambda t: rf_objective(theta + t * V, Phi, y, k, lam)[0]
        d1 = (phi(h) - phi(-h)) / (2 * h)
        d2 = (phi(2 * h) - phi(-2 * h)) / (4 * h)
        # rounding of f: logits are M+1-term dot products (gamma_{M+1}), CE is 2-Lipschitz
        # in them, plus gamma_{N+k+6} on |F| + f and the ridge term
        Fabs = np.abs(Phi) @ np.abs((theta + 2 * h * np.abs(V))[:M * k].reshape(M, k))
        delta = 2 * gamma(M + 1) * Fabs.max() * 2 + gamma(N + k + 6) * (Fabs.max() + abs(f) + 10)
        tol = 2 * abs(d2 - d1) / 3 + delta / h
        exact = float(g @ V)
        assert abs(d1 - exact) <= tol and tol <= 1e-5 * abs(exact)


def test_hessian_vector_product_finite_differences():
    """H v against (g(theta + h v) - g(theta - h v))/(2h), entrywise, tolerance as above."""
    rng = np.random.default_rng(3)
    N, M, k, lam = 30, 12, 5, 1e-2
    Phi, y = rng.normal(size=(N, M)), rng.integers(k, size=N)
    theta = rng.normal(size=(M + 1) * k)
    grad = lambda t: rf_objective(t, Phi, y, k, lam)[1]
    h = 1e-4
    for _ in range(3):
        v = rng.normal(size=theta.size)
        Hv = rf_hessp(theta, v, Phi, y, k, lam)
        d1 = (grad(theta + h * v) - grad(theta - h * v)) / (2 * h)
        d2 = (grad(theta + 2 * h * v) - grad(theta - 2 * h * v)) / (4 * h)
        # rounding of g entrywise: <= gamma_{N+M+k+6} (|Phi|^T |dF| + lam |W|) with |dF| <= 2/N
        g_round = gamma(N + M + k + 6) * (np.abs(Phi).sum(axis=0).max() * 2 / N
                                           + lam * (np.abs(theta).max() + 2 * h * np.abs(v).max()))
        tol = 2 * np.abs(d2 - d1) / 3 + g_round / h
        assert np.all(np.abs(d1 - Hv) <= tol)
        assert tol.max() <= 1e-5 * np.abs(Hv).max()


def test_newton_polish_certifies_where_lbfgs_stalls():
    """Few features, small lam: L-BFGS stalls at the rounding floor of f; the gradient-only
    Newton polish still reaches the certificate."""
    tr, _ = multiview_train_test(0)
    m = fit_random_features(tr.X, tr.labels, tr.k, 25, seed=700)
    assert m.solver == "L-BFGS-B + Newton-CG"
    assert m.distance_bound <= m.rtol * m.theta_norm


def test_fit_against_sklearn(data):
    """Same minimiser from an independent solver, within ||g_a||/lam + ||g_b||/lam."""
    sk = pytest.importorskip("sklearn.linear_model")
    k, M, lam = data.k, 40, 1e-2
    m = fit_random_features(data.X, data.labels, k, M, seed=5, lam=lam)
    Phi = (rf_features(data.X, m.U) - m.mean) / m.sd
    # sklearn minimises C sum_n CE + ||w||^2/2; with a constant column in place of an
    # unpenalised intercept that is N C (our objective) for lam = 1/(N C)
    C = 1.0 / (data.n * lam)
    A = np.hstack([Phi, np.ones((data.n, 1))])
    clf = sk.LogisticRegression(C=C, fit_intercept=False, solver="newton-cg", tol=1e-12,
                                max_iter=10_000).fit(A, data.labels)
    theta_sk = np.concatenate([clf.coef_[:, :M].T.ravel(), clf.coef_[:, M]])
    # sklearn's multinomial coefficients are defined up to a common shift per feature only
    # without a penalty; with lam > 0 the minimiser is unique (and sums to 0 over classes)
    _, g_sk = rf_objective(theta_sk, Phi, data.labels, k, lam)
    theta = np.concatenate([m.W.ravel(), m.b])
    bound = m.distance_bound + float(np.linalg.norm(g_sk)) / lam
    assert np.linalg.norm(theta - theta_sk) <= bound
    assert bound <= 1e-4 * np.linalg.norm(theta)          # a sharp comparison
    assert m.distance_bound <= m.rtol * m.theta_norm


def test_convergence_failure_is_reported(data):
    with pytest.raises(PrecisionError, match="did not converge.*raise max_iter"):
        fit_random_features(data.X, data.labels, data.k, 30, seed=0, max_iter=2)


def test_ensemble_and_big_model(data):
    ms = fit_random_feature_ensemble(data.X, data.labels, data.k, 20, (1, 2, 3))
    assert [m.seed for m in ms] == [1, 2, 3] and all(m.M == 20 for m in ms)
    ens = rf_ensemble_logits(ms, data.X)
    ref = sum(m.logits(data.X) for m in ms) / 3
    assert np.allclose(ens, ref, rtol=0, atol=gamma(3) * np.abs(ref).max() * 3)
    # training data are fitted (N = 80 points, 20 features per model, 10 classes)
    assert np.mean(ens.argmax(1) != data.labels) <= 0.1


@pytest.mark.parametrize("kw, match", [
    (dict(M=0), "M = 0"), (dict(lam=0.0), "lam = 0.0"), (dict(rtol=1.0), "rtol"),
    (dict(seed=-2), "seed = -2"), (dict(k=0), "k = 0"), (dict(max_iter=0), "max_iter"),
])
def test_validation(data, kw, match):
    args = dict(X=data.X, labels=data.labels, k=data.k, M=10, seed=0)
    args.update(kw)
    with pytest.raises(InputError, match=match):
        fit_random_features(**args)


def test_validation_shapes(data):
    with pytest.raises(InputError, match="same D"):
        rf_features(data.X, np.zeros((3, 5)))
    with pytest.raises(InputError, match="labels"):
        fit_random_features(data.X, data.labels[:5], data.k, 5, 0)
    with pytest.raises(InputError, match="non-empty"):
        rf_ensemble_logits((), data.X)
    with pytest.raises(InputError, match="empty"):
        fit_random_feature_ensemble(data.X, data.labels, data.k, 5, ())


def test_all_is_honest():
    assert all(hasattr(rf, name) for name in rf.__all__)
