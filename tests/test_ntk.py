"""Oracles for the two-layer ReLU kernels (theory.ntk).

Closed forms vs Monte Carlo over w ~ N(0, I) (an estimate with its own standard error), vs
quadrature over the angle of w in the plane of the two points (mp, 40+ digits), and float64
vs mp entrywise with a derived rounding bound.
"""

import math

import numpy as np
import pytest
from scipy.stats import norm

from theory import InputError
from theory._mp import digits_of_agreement, make_context, to_f64
from theory.kernels import ntk_relu_gram
from theory.ntk import (h_inf_gram, h_inf_gram_mc, h_inf_gram_mp, ntk2_gram, ntk2_gram_mc,
                        ntk2_gram_mp, unit_norm_tolerance)

EPS64 = np.finfo(float).eps


def sphere(P, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((P, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def hard_points():
    """Random points plus an antipodal pair, an orthogonal pair and a near-duplicate."""
    X = sphere(8, 5, seed=3)
    e = np.zeros(5)
    e[0] = 1.0
    near = X[0] + 1e-7 * sphere(1, 5, seed=4)[0]
    extra = np.array([-X[1], e, np.roll(e, 1), near / np.linalg.norm(near)])
    return np.vstack([X, extra])


def bonferroni_c(n_entries, alpha=1e-3):
    """z-threshold such that, if every entry's estimate were Gaussian around the closed form,
    all n_entries would lie within c stderr with probability >= 1 - alpha (union bound)."""
    return float(norm.isf(alpha / (2 * n_entries)))


MC_SAMPLES = 200_000


@pytest.mark.parametrize("closed, mc, wrong", [
    (h_inf_gram, h_inf_gram_mc, ntk2_gram),
    (ntk2_gram, ntk2_gram_mc, h_inf_gram),
])
def test_closed_form_matches_monte_carlo(closed, mc, wrong):
    X = hard_points()
    est, se = mc(X, MC_SAMPLES, seed=11)
    H = closed(X)
    iu = np.triu_indices(X.shape[0])
    c = bonferroni_c(iu[0].size)
    # entries whose Monte Carlo variance is exactly zero (the antipodal pair for H_inf) are
    # compared to rounding: 16 u covers the closed form's few-ulp error on values <= 1
    tol = c * se + 16 * EPS64
    assert np.all(np.abs(H - est)[iu] <= tol[iu])
    # the check has power: the other kernel (the two differ by up to 1/2) is refuted
    assert np.max((np.abs(wrong(X) - est) / tol)[iu]) > 20


def test_monte_carlo_stderr_is_calibrated_on_the_diagonal():
    """H_inf's diagonal is a Bernoulli(1/2) mean: its standard deviation is exactly 1/2."""
    X = sphere(5, 4, seed=2)
    n = 40_000
    est, se = h_inf_gram_mc(X, n, seed=5)
    c = bonferroni_c(5)
    # sd_hat sqrt(n/(n-1))^-1 = 2 sqrt(p(1-p)), p = 1/2 + delta: relative error 2 delta^2 with
    # |delta| <= c/(2 sqrt n), i.e. <= c^2/(2n); plus the n/(n-1) factor (1/(2n))
    rel = np.abs(np.diag(se) * math.sqrt(n) / 0.5 - 1)
    assert np.all(rel <= (c * c + 1) / (2 * n) + 1 / (2 * n))
    assert np.all(np.abs(np.diag(est) - 0.5) <= c * np.diag(se))


def test_known_values_and_structure():
    E = np.eye(3)
    A = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    assert np.array_equal(h_inf_gram(E), 0.5 * np.eye(3))
    # orthogonal: the second term is (sin t + (pi - t) cos t)/(2 pi) = 1/(2 pi)
    assert ntk2_gram(E)[0, 1] == pytest.approx(1 / (2 * math.pi), rel=4 * EPS64)
    assert np.diag(ntk2_gram(E)).tolist() == [1.0, 1.0, 1.0]
    # antipodal: t = pi, both terms vanish (sin pi to rounding)
    assert h_inf_gram(A)[0, 1] == 0.0
    assert abs(ntk2_gram(A)[0, 1]) <= 4 * EPS64
    X = hard_points()
    for f in (h_inf_gram, ntk2_gram):
        H = f(X)
        assert np.array_equal(H, H.T)
        lam = np.linalg.eigvalsh(H)
        # PSD up to eigh's backward error, 10 P u ||H|| (theory._validate.psd_tolerance)
        assert lam[0] >= -10 * X.shape[0] * EPS64 * lam[-1]


def test_cross_kernel_is_the_block_of_the_joint_gram():
    X, Z = sphere(6, 4, 0), sphere(3, 4, 1)
    for f in (h_inf_gram, ntk2_gram):
        J = f(np.vstack([X, Z]))
        # the joint Gram symmetrises X X^T (one rounding of the average): a few u
        assert np.allclose(f(Z, X), J[6:, :6], rtol=0, atol=8 * EPS64)


def test_float64_matches_mp_entrywise_including_near_duplicates():
    X = hard_points()
    d = X.shape[1]
    ctx = make_context(40)
    for f, fmp in ((h_inf_gram, h_inf_gram_mp), (ntk2_gram, ntk2_gram_mp)):
        ref = to_f64(fmp(ctx, X))
        # x.y costs d u; the angle inherits the normalisation's (d/2 + 2) u per row, twice,
        # and atan2/sqrt a few u: (d + 2 (d + 4) + 4) u < 4 (d + 4) u on entries <= 1
        assert np.max(np.abs(f(X) - ref)) <= 4 * (d + 4) * EPS64


def test_arccos_form_loses_digits_near_the_diagonal():
    """Why the angle is computed by atan2: arccos of the dot product of a near-duplicate
    pair (t ~ 1e-7) loses about half of its digits."""
    X = hard_points()
    i, j = 0, X.shape[0] - 1
    ctx = make_context(40)
    ref = float(h_inf_gram_mp(ctx, X[[i]], X[[j]])[0, 0])
    u = float(np.clip(X[i] @ X[j], -1, 1))
    naive = u * (math.pi - math.acos(u)) / (2 * math.pi)
    assert abs(h_inf_gram(X)[i, j] - ref) <= 4 * (X.shape[1] + 4) * EPS64
    assert abs(naive - ref) > 1e3 * 4 * (X.shape[1] + 4) * EPS64


def quad_terms(ctx, x, y):
    """(H_inf, second term) of unit x, y by quadrature over the angle phi of w in span(x, y):
    E[1 1] = (1/2pi) int 1{cos phi >= 0} 1{cos(phi - t) >= 0} dphi and E[relu relu] =
    (E r^3 = 2) (1/2pi) int relu(cos phi) relu(cos(phi - t)) dphi, r the radius."""
    with ctx.workprec(ctx.prec + 30):
        x = [ctx.mpf(v) for v in x]
        y = [ctx.mpf(v) for v in y]
        nx, ny = ctx.sqrt(ctx.fdot(x, x)), ctx.sqrt(ctx.fdot(y, y))
        t = ctx.acos(ctx.fdot(x, y) / (nx * ny))  # moderate angles only: acos is safe here
        lo, hi = t - ctx.pi / 2, ctx.pi / 2  # where both cosines are >= 0 (t in [0, pi])
        p = ctx.quad(lambda phi: 1, [lo, hi]) / (2 * ctx.pi)
        r = 2 * ctx.quad(lambda phi: ctx.cos(phi) * ctx.cos(phi - t), [lo, hi]) / (2 * ctx.pi)
        return ctx.fdot(x, y) * p, nx * ny * r


@pytest.mark.parametrize("dps", [40, 60])
def test_mp_matches_quadrature(dps):
    X = sphere(4, 3, seed=7)
    ctx = make_context(dps)
    H, N = h_inf_gram_mp(ctx, X), ntk2_gram_mp(ctx, X)
    qctx = make_context(dps + 20)
    for i in range(4):
        for j in range(i, 4):
            h, s = quad_terms(qctx, X[i], X[j])
            if i != j:  # diagonal: t = 0 exactly, where quad's acos would be the weak point
                assert digits_of_agreement([H[i, j]], [h]) >= dps - 1
                assert digits_of_agreement([N[i, j]], [h + s]) >= dps - 1


def test_mp_confirms_at_higher_precision():
    X = hard_points()
    a, b = h_inf_gram_mp(make_context(50), X), h_inf_gram_mp(make_context(90), X)
    assert digits_of_agreement(a, b) >= 50 - 1
    # the diagonal is exactly x.x/2 (t = 0)
    ctx = make_context(50)
    assert all(a[i, i] == ctx.mpf(ctx.fdot(list(X[i]), list(X[i])) / 2) for i in range(3))


def test_kernels_ntk_relu_gram_is_h_inf_over_K():
    X = sphere(7, 3, seed=1)
    assert np.array_equal(ntk_relu_gram(X), h_inf_gram(X) / 7)


def test_validation():
    X = sphere(4, 3, 0)
    bad = X.copy()
    bad[2] *= 1 + 10 * unit_norm_tolerance(3)
    with pytest.raises(InputError, match=r"row 2 of X .*normalise"):
        h_inf_gram(bad)
    with pytest.raises(InputError, match="row 2 of Y"):
        ntk2_gram(X, bad)
    with pytest.raises(InputError, match="row 2 of X"):
        h_inf_gram_mp(make_context(30), bad)
    nan = X.copy()
    nan[1, 1] = np.nan
    with pytest.raises(InputError, match="non-finite"):
        ntk2_gram(nan)
    with pytest.raises(InputError, match="dimension"):
        h_inf_gram(X, sphere(2, 4, 0))
    with pytest.raises(InputError, match="n = 1"):
        h_inf_gram_mc(X, 1, seed=0)
    with pytest.raises(InputError, match="seed"):
        ntk2_gram_mc(X, 10, seed=None)
    with pytest.raises(InputError, match="2-D"):
        h_inf_gram(X[0])
