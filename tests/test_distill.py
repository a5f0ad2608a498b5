"""Oracles for the self-distillation engines (theory.distill, theory.secular).

Every check uses a different algorithm from the engine: the engine works in the
eigenbasis with a Newton secular solve; the oracles use dense linear solves
((c I + G) x = y) at high precision.
"""

import math

import mpmath
import numpy as np
import pytest

from theory import InfeasibleError, InputError, RoundsExceededError
from theory._mp import digits_of_agreement, make_context
from theory.distill import self_distill, trajectory_agreement

EPS64 = np.finfo(float).eps


def rotated(spectrum, seed):
    """Q diag(spectrum) Q^T with a seeded random orthogonal Q (exactly symmetric)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((len(spectrum), len(spectrum))))
    G = (Q * np.asarray(spectrum, float)) @ Q.T
    return 0.5 * (G + G.T)


def laplace_gram(K, seed=0, ell=0.2):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, K))
    return np.exp(-np.abs(x[:, None] - x[None]) / ell) / (2 * ell * K), x


def targets(K, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(K)


def direct_round_mp(ctx, G, y, c):
    """y' = G (c I + G)^{-1} y and the residual c (c I + G)^{-1} y by an LU solve in ctx."""
    K = len(y)
    A = ctx.matrix([[ctx.mpf(G[i][j]) + (c if i == j else 0) for j in range(K)] for i in range(K)])
    x = ctx.lu_solve(A, ctx.matrix([ctx.mpf(v) for v in y]))
    resid = [c * x[i] for i in range(K)]
    fit = [ctx.fsum(ctx.mpf(G[i][j]) * x[j] for j in range(K)) for i in range(K)]
    return fit, resid


@pytest.mark.parametrize("dps", [30, 50])
def test_mp_rounds_match_direct_linear_solves(dps):
    G, _ = laplace_gram(12)
    y = targets(12)
    eps = 0.05 * float(y @ y) / 12
    tr = self_distill(G, y, eps, dps=dps)
    assert tr.collapse_round >= 2
    ctx = make_context(dps + 20)
    tol = 10.0 ** (-(dps - 2))  # two digits of slack for the K-term sums and the LU solve
    Gl = G.tolist()
    for t in range(tr.collapse_round):
        fit, resid = direct_round_mp(ctx, Gl, list(tr.y[t]), ctx.mpf(tr.c[t]))
        # (S): the residual has squared norm K eps exactly
        s = ctx.fsum(r * r for r in resid)
        assert abs(s - 12 * ctx.mpf(eps)) <= tol * 12 * eps
        # the next round's targets are the fitted values
        assert digits_of_agreement(fit, list(tr.y[t + 1])) >= dps - 2


def test_f64_rounds_match_direct_linear_solves():
    G, _ = laplace_gram(60)
    y = targets(60)
    eps = 0.01 * float(y @ y) / 60
    tr = self_distill(G, y, eps)
    kappa = tr.kappa
    # a dense solve of (c I + G) is accurate to ~ u * cond(c I + G) <= u * (1 + d_max/c)
    for t in range(tr.collapse_round):
        c = tr.c[t]
        x = np.linalg.solve(c * np.eye(60) + G, tr.y[t])
        cond = 1 + tr.eigenvalues[-1] / c
        tol = 60 * EPS64 * cond  # K u cond: the solve plus the K-term sums
        assert abs(float((c * x) @ (c * x)) / (60 * eps) - 1) <= tol
        assert np.linalg.norm(G @ x - tr.y[t + 1]) <= tol * np.linalg.norm(tr.y[t])
    assert math.isfinite(kappa)


@pytest.mark.parametrize("kappa", [10.0, 1e4, 1e8])
def test_f64_agrees_with_mp_to_the_digits_conditioning_allows(kappa):
    K = 20
    spectrum = np.geomspace(1.0 / kappa, 1.0, K)
    G = rotated(spectrum, seed=3)
    y = targets(K, seed=4)
    eps = 0.02 * float(y @ y) / K
    f = self_distill(G, y, eps)
    m = self_distill(G, y, eps, dps=40)
    assert f.collapse_round == m.collapse_round
    # backward-stable eigh: eigenvalue errors ~ u ||G||, eigenvector errors ~ u kappa for the
    # small end; allowed digits = -log10(K u kappa), less one digit for the constant
    allowed = -math.log10(K * EPS64 * kappa) - 1
    for a, b in [(f.c, m.c), (f.norms, m.norms)] + [(f.B[t], m.B[t]) for t in range(len(f.B))]:
        assert digits_of_agreement(a, b) >= allowed


def test_collapse_at_round_zero_is_a_result():
    G, _ = laplace_gram(5)
    y = targets(5)
    tr = self_distill(G, y, float(y @ y) / 5)  # ||y||^2 = K eps exactly: collapsed
    assert tr.collapse_round == 0 and tr.c.shape == (0,) and tr.y.shape == (1, 5)
    assert np.array_equal(tr.y[0], y)


def test_collapse_round_is_first_round_under_the_budget():
    G, _ = laplace_gram(15)
    y = targets(15)
    eps = 0.01 * float(y @ y) / 15
    tr = self_distill(G, y, eps)
    T = tr.collapse_round
    sq = [float(np.sum(v * v)) for v in tr.y]  # from y_t itself, not the engine's norms
    assert all(s > 15 * eps for s in sq[:T]) and sq[T] <= 15 * eps


def test_multiclass_duplicate_columns_equal_single_column_at_half_eps():
    # sum_k 2 z_k^2 (c/(c+d_k))^2 = K eps  <=>  sum_k z_k^2 (c/(c+d_k))^2 = K eps/2
    G, _ = laplace_gram(10)
    y = targets(10)
    eps = 0.03 * float(y @ y) / 10
    multi = self_distill(G, np.column_stack([y, y]), eps)
    single = self_distill(G, y, eps / 2)
    assert multi.collapse_round == single.collapse_round
    np.testing.assert_allclose(multi.c, single.c, rtol=100 * EPS64)
    np.testing.assert_allclose(multi.y[:, :, 1], single.y, rtol=0, atol=100 * EPS64 * np.abs(y).max())


def test_singular_gram_from_duplicated_points_is_accepted_when_feasible():
    G, x = laplace_gram(6)
    Gd = G.copy()
    Gd[:, 5] = Gd[:, 4]; Gd[5, :] = Gd[4, :]  # point 5 duplicates point 4
    y = targets(6)
    y[5] = y[4]  # consistent targets: no mass in the null space
    tr = self_distill(Gd, y, 0.05 * float(y @ y) / 6)
    assert tr.kappa == math.inf and tr.collapse_round >= 1
    y[5] = y[4] + 3.0  # contradictory targets at the same point, small budget: infeasible
    with pytest.raises(InfeasibleError, match="null space"):
        self_distill(Gd, y, 1e-6)


def test_rounds_exceeded_names_the_bound():
    G, _ = laplace_gram(8)
    y = targets(8)
    with pytest.raises(RoundsExceededError, match=r"max_rounds = 3.*<= T <="):
        self_distill(G, y, 1e-8 * float(y @ y) / 8, max_rounds=3)


BAD = [
    ("non-square", lambda G, y: (G[:, :-1], y, 0.1, {}), "square"),
    ("non-symmetric", lambda G, y: (G + np.triu(np.full_like(G, 1e-3), 1), y, 0.1, {}), "not symmetric"),
    ("indefinite", lambda G, y: (G - 2 * np.eye(len(y)) * np.abs(G).max(), y, 0.1, {}), "indefinite"),
    ("nan in G", lambda G, y: (np.where(np.eye(len(y)) > 0, np.nan, G), y, 0.1, {}), "non-finite"),
    ("inf in y", lambda G, y: (G, np.r_[y[:-1], np.inf], 0.1, {}), "non-finite"),
    ("y wrong length", lambda G, y: (G, y[:-1], 0.1, {}), "shape"),
    ("eps zero", lambda G, y: (G, y, 0.0, {}), "eps"),
    ("eps negative", lambda G, y: (G, y, -1.0, {}), "eps"),
    ("eps nan", lambda G, y: (G, y, float("nan"), {}), "eps"),
    ("dps too low", lambda G, y: (G, y, 0.1, {"dps": 10}), "dps"),
    ("complex G", lambda G, y: (G.astype(complex), y, 0.1, {}), "complex"),
    ("string y", lambda G, y: (G, ["a"] * len(y), 0.1, {}), "dtype"),
]


@pytest.mark.parametrize("name,make,match", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_rejected_and_inputs_untouched(name, make, match):
    G, _ = laplace_gram(6)
    y = targets(6)
    args = make(G, y)
    snapshot = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args[:2]]
    with pytest.raises(InputError, match=match):
        self_distill(*args[:3], **args[3])
    for before, after in zip(snapshot, args[:2]):
        if isinstance(before, np.ndarray) and before.dtype.kind == "f":
            np.testing.assert_array_equal(before, after)


def test_mp_values_carry_the_requested_precision():
    G, _ = laplace_gram(6)
    y = targets(6)
    tr = self_distill(G, y, 0.1 * float(y @ y) / 6, dps=25)
    assert tr.dps == 25 and tr.confirmed_digits >= 25
    assert all(v.context.dps == 25 for v in tr.c)
    assert (mpmath.mp.dps, mpmath.mp.prec) == (15, 53)  # the global context is never touched


@pytest.mark.parametrize("kappa", [1.0, 1e4, 1e8, 1e12])
def test_f64_accuracy_estimate_is_never_optimistic(kappa):
    """The a posteriori accuracy bounds the true error (measured against 30-digit mp)."""
    K = 16
    G = rotated(np.geomspace(1.0 / kappa, 1.0, K), seed=5)
    y = targets(K, seed=6)
    eps = 0.02 * float(y @ y) / K
    f = self_distill(G, y, eps)
    m = self_distill(G, y, eps, dps=30)
    assert f.collapse_round_certain and f.collapse_round == m.collapse_round
    true_digits = trajectory_agreement(f, m)
    assert 10.0 ** (-true_digits) <= f.accuracy


def test_collapse_round_flagged_uncertain_next_to_the_threshold():
    G, _ = laplace_gram(10)
    y = targets(10)
    tr = self_distill(G, y, float(y @ y) / 10 * (1 - 1e-15))  # ||y||^2 / (K eps) - 1 ~ 1e-15
    assert not tr.collapse_round_certain


@pytest.mark.parametrize("dps", [None, 30])
@pytest.mark.parametrize("classes", [1, 3])
def test_one_round_of_y_equals_the_row_of_every_round(dps, classes):
    # y_round(t) computes y_t alone; y computes every round: equal (mp: entry by entry, the
    # same rounding), for one or several classes, including t = 0, T and -1
    rng = np.random.default_rng(5)
    A = rng.standard_normal((5, 5))
    G = A @ A.T + 0.1 * np.eye(5)
    y = rng.standard_normal(5) if classes == 1 else rng.standard_normal((5, classes))
    eps = 0.02 * float(np.sum(y * y)) / 5
    lazy = self_distill(G, y, eps, dps=dps)
    full = self_distill(G, y, eps, dps=dps)
    T = full.collapse_round
    assert T >= 2
    for t in (0, 1, T // 2, T, -1):
        a, b = np.asarray(lazy.y_round(t)), np.asarray(full.y[t])
        if dps is None:  # einsum and dot may sum in another order: K u of the largest entry
            assert np.allclose(a, b, rtol=0, atol=5 * 2.0 ** -52 * np.abs(b).max())
        else:
            assert np.array_equal(a, b)
    with pytest.raises(IndexError):
        lazy.y_round(T + 1)
