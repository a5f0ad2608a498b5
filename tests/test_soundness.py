"""Soundness of the engines' input handling: one symmetry rule for every path, range and
resource limits refused by name before any work, scale covariance.

Each test states the old behaviour it guards against; docs/reliability.md lists the rows.
"""

import math
from fractions import Fraction

import numpy as np
import pytest

from theory import InputError, ResourceError, eigh_mp, self_distill
from theory import _validate as V
from theory._mp import make_context
from theory.kkt import kkt_fit_f64, kkt_fit_mp, secular_residual_f64, secular_residual_mp


def rotated(d, seed):
    """(Q * d) @ Q.T with a seeded random orthogonal Q: symmetric up to a few ulps only."""
    rng = np.random.default_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((len(d), len(d))))
    return (Q * np.sign(np.diag(R)) * np.asarray(d, float)) @ (Q * np.sign(np.diag(R))).T


def rounding_asymmetric_gram(K=12, seed=3):
    for s in range(seed, seed + 50):
        G = rotated(np.linspace(0.05, 1.0, K) / K, s)
        if np.any(G != G.T):
            return G
    raise AssertionError("no asymmetric product found")  # pragma: no cover


# ----------------------------------------------------------------------------------------
# 1. one symmetry rule, by the input's type


def all_paths(G, y, eps=1e-3, c=0.1):
    """Every engine entry point that validates G, each run on the same input."""
    ctx = make_context(50)
    return {
        "self_distill f64": lambda: self_distill(G, y, eps),
        "self_distill mp": lambda: self_distill(G, y, eps, dps=50),
        "eigh_mp": lambda: eigh_mp(ctx, G),
        "kkt_fit_f64": lambda: kkt_fit_f64(G, y, c),
        "kkt_fit_mp": lambda: kkt_fit_mp(ctx, G, y, c),
        "secular_residual_f64": lambda: secular_residual_f64(G, y, c, eps),
        "secular_residual_mp": lambda: secular_residual_mp(ctx, G, y, c, eps),
    }


def test_float64_gram_with_rounding_asymmetry_is_accepted_by_every_path():
    # before: self_distill(dps=50) and eigh_mp at 50 digits refused (Q*d)@Q.T with a
    # one-ulp asymmetry ("G is not symmetric") that the float64 engine accepted
    G = rounding_asymmetric_gram()
    assert 0 < np.max(np.abs(G - G.T)) <= 4 * V.EPS64 * np.max(np.abs(G))
    y = np.random.default_rng(0).standard_normal(G.shape[0])
    for name, run in all_paths(G, y).items():
        run()  # must not raise
    f64, mp = self_distill(G, y, 1e-3), self_distill(G, y, 1e-3, dps=50)
    assert f64.collapse_round == mp.collapse_round


def test_float32_gram_is_judged_by_float32_rounding():
    # a Gram matrix computed in float32 is symmetric to float32's rounding; before, every
    # path judged it by float64's and refused it
    rng = np.random.default_rng(8)
    K = 10
    Q, _ = np.linalg.qr(rng.standard_normal((K, K)))
    Q32, d32 = Q.astype(np.float32), np.linspace(0.1, 1, K, dtype=np.float32) / K
    G32 = (Q32 * d32) @ Q32.T
    assert G32.dtype == np.float32 and np.max(np.abs(G32 - G32.T)) > 100 * V.EPS64
    assert V.rounding_unit(G32) == float(np.finfo(np.float32).eps)
    y = rng.standard_normal(K)
    for name, run in all_paths(G32, y).items():
        run()
    with pytest.raises(InputError, match="not symmetric"):  # but not a float32-sized error
        self_distill(G32.astype(np.float64), y, 1e-3)


def test_symmetry_rule_is_the_same_on_every_path():
    # one rule, 2 K u max|G| with u from the input's type: just inside it every path
    # accepts, just outside it every path refuses (before: kkt allowed 8 K eps64, eigh_mp
    # 4 ulps of its working precision, self_distill(dps=...) 10^-dps)
    K = 6
    G = np.diag(np.linspace(1.0, 2.0, K)) / K
    y = np.ones(K)
    tol = V.symmetry_tolerance(G, V.rounding_unit(G))
    for factor, ok in ((0.5, True), (2.0, False)):
        Gp = G.copy()
        Gp[0, 1] += factor * tol
        for name, run in all_paths(Gp, y).items():
            if ok:
                run()
            else:
                with pytest.raises(InputError, match="not symmetric"):
                    run()


def test_mpf_gram_rule_uses_the_input_precision_not_the_requested_one():
    # an mp Gram matrix formed at 20 digits carries 20-digit rounding; before, asking for
    # dps=50 judged it at 10^-50 and refused it
    lo = make_context(20)
    K = 5
    rng = np.random.default_rng(5)
    Q, _ = np.linalg.qr(rng.standard_normal((K, K)))
    Qm = np.vectorize(lo.mpf, otypes=[object])(Q)
    d = [lo.mpf(k + 1) / K for k in range(K)]
    G = np.array([[lo.fsum(Qm[i, k] * d[k] * Qm[j, k] for k in range(K)) for j in range(K)]
                  for i in range(K)], dtype=object)
    G[0, 1] = G[1, 0] * (1 + lo.ldexp(1, -lo.prec + 2))  # a few ulps at 20 digits
    assert G[0, 1] != G[1, 0]
    y = np.ones(K)
    self_distill(G, y, 0.01, dps=50)
    eigh_mp(make_context(50), G)
    kkt_fit_mp(make_context(50), G, y, 0.1)
    # the same asymmetry in a float64-exact matrix (short mantissas) is refused
    with pytest.raises(InputError, match="not symmetric"):
        self_distill(np.array([[1.0, 0.5], [0.5 + 2**-20, 1.0]]), np.ones(2), 0.01, dps=50)


def test_one_eps64_constant():
    from theory import distill, green, kernels, kkt, secular
    assert V.EPS64 == 2.0 ** -52 and type(V.EPS64) is float
    for mod in (distill, green, kernels, kkt, secular):
        assert not any(name.lstrip("_").upper() == "EPS64" and value is not V.EPS64
                       for name, value in vars(mod).items()), mod.__name__


# ----------------------------------------------------------------------------------------
# 2. range: named errors or correct answers, never a raw ArithmeticError


def laplace(K):
    x = np.linspace(0, 1, K)
    return np.exp(-np.abs(x[:, None] - x[None]) / 0.2) / (2 * K)


def check_covariant(base, scaled, s, sigma):
    """Exact covariance under powers of two: c -> s c, norms -> σ norms, B unchanged."""
    assert scaled.collapse_round == base.collapse_round
    np.testing.assert_array_equal(scaled.c, base.c * s)
    np.testing.assert_array_equal(scaled.norms, base.norms * sigma)
    np.testing.assert_array_equal(scaled.B, base.B)
    np.testing.assert_array_equal(scaled.eigenvalues, base.eigenvalues * s)
    assert scaled.accuracy == base.accuracy


def test_subnormal_gram_gives_the_scaled_answer():
    # before: ZeroDivisionError.  Now: the run on G * 2^-1060 is the run on G, scaled
    G, y = laplace(6), np.linspace(1, 2, 6)
    eps = 0.01
    s = 2.0 ** -1060
    Gsub = G * s
    assert 0 < np.max(Gsub) < np.finfo(float).tiny  # subnormal (and rounded: fewer bits)
    base = self_distill(Gsub / s, y, eps)  # the same matrix, scaled up exactly
    tr = self_distill(Gsub, y, eps)
    assert tr.collapse_round == base.collapse_round
    # c is subnormal too: both round c * 2^-1060 once, and accuracy reports that rounding
    np.testing.assert_array_equal(tr.c, base.c * s)
    np.testing.assert_array_equal(tr.B, base.B)
    assert tr.accuracy >= 2.0 ** -1075 / np.max(tr.c)


def test_norm_of_y_beyond_float64_gives_the_scaled_answer():
    # before: ||y||^2 = sum y^2 overflowed to a raw FloatingPointError
    G = laplace(8)
    y = np.random.default_rng(2).uniform(0.5, 1.0, 8)
    eps = 0.02
    base = self_distill(G, y, eps)
    sigma = 2.0 ** 512
    with np.errstate(over="ignore"):
        assert np.sum((y * sigma) ** 2) == np.inf
    tr = self_distill(G, y * sigma, eps * sigma * sigma)  # K eps ~ 1e307 is in range
    check_covariant(base, tr, 1.0, sigma)


def test_r0_beyond_float64_refuses_up_front_with_a_finite_message():
    # before: ||y||^2/(K eps) overflowed (FloatingPointError), and the RoundsExceededError
    # message itself raised OverflowError (ceil of inf)
    from theory import RoundsExceededError
    with pytest.raises(RoundsExceededError, match=r"<= T <= \d"):
        self_distill(laplace(4), np.full(4, 1e10), 1e-300, max_rounds=5)
    with pytest.raises(RoundsExceededError, match="<= T <="):
        self_distill(laplace(4), np.ones(4), 5e-324)  # subnormal eps
    with pytest.raises(RoundsExceededError, match="<= T <="):
        self_distill(laplace(4), np.ones(4), 5e-324, dps=20)


def test_eps_of_any_real_type_is_converted_exactly():
    # before: np.float32 and Fraction eps passed validation, then crashed the mp engine
    G, y = laplace(5), np.linspace(-1, 1, 5) + 0.3
    ref32 = self_distill(G, y, float(np.float32(0.02)), dps=20)
    tr32 = self_distill(G, y, np.float32(0.02), dps=20)
    assert tr32.collapse_round == ref32.collapse_round and list(tr32.c) == list(ref32.c)
    ctx = make_context(60)
    ref = self_distill(G, y, ctx.mpf(1) / 50, dps=20)
    tr = self_distill(G, y, Fraction(1, 50), dps=20)
    assert tr.collapse_round == ref.collapse_round and list(tr.c) == list(ref.c)
    f64 = self_distill(G, y, Fraction(1, 50))
    assert f64.collapse_round == self_distill(G, y, 0.02).collapse_round


def test_ints_beyond_the_float_range():
    # before: raw OverflowError (float(10**400)) in validation
    K = 3
    G = np.array([[10**400 if i == j else 0 for j in range(K)] for i in range(K)], dtype=object)
    y = np.array([10**200, 2 * 10**200, 3 * 10**200], dtype=object)
    eps = 10**399
    # mp: exact and unlimited in range; G = 1e400 I, so c solves a scalar equation
    tr = self_distill(G, y, eps, dps=20)
    assert tr.collapse_round >= 1 and tr.eigenvalues[0] == make_context(20).mpf(10) ** 400
    assert tr.kappa == 1.0  # before: inf / inf = nan
    # float64: the eigenvalues 1e400 are not representable: a named error, no garbage
    with pytest.raises(InputError, match="float64 range"):
        self_distill(G, y, eps)
    # eps beyond the float range collapses at round 0 in both engines
    assert self_distill(laplace(K), np.ones(K), 10**400).collapse_round == 0
    assert self_distill(laplace(K), np.ones(K), 10**400, dps=20).collapse_round == 0


def test_mpf_gram_beyond_float_range_in_the_mp_engine():
    # before: the mp engine's guard-digit estimate converted G to float64 (inf)
    ctx = make_context(30)
    s = ctx.mpf(2) ** 2000
    G = laplace(4)
    Gm = np.array([[ctx.mpf(float(v)) * s for v in row] for row in G], dtype=object)
    y = np.linspace(1, 2, 4)
    base = self_distill(G, y, 0.01, dps=20)
    tr = self_distill(Gm, y, 0.01, dps=20)
    assert tr.collapse_round == base.collapse_round
    assert all(a == b * make_context(20).mpf(2) ** 2000 for a, b in zip(tr.c, base.c))


def test_dense_solve_oracles_range():
    # theory.kkt's float64 oracles: before, raw OverflowError (big int c or G) and
    # FloatingPointError (subnormal G; ||r||^2 beyond float64 although the residual is not)
    G, y = np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([1.0, -1.0])
    with pytest.raises(InputError, match="float64 range"):
        kkt_fit_f64(G, y, 10**400)
    with pytest.raises(InputError, match="float64 range"):
        kkt_fit_f64([[10**400, 0], [0, 10**400]], y, 1.0)
    with pytest.raises(InputError, match="float64 range"):  # c / max|G| ~ 1e600
        kkt_fit_f64(G * 1e-301, y, 1e300)
    s = 2.0 ** -1060
    Gsub = G * s
    np.testing.assert_array_equal(kkt_fit_f64(Gsub, y, 0.5 * s), kkt_fit_f64(Gsub / s, y, 0.5))
    # ||r||^2 = 6.25 * 2^1022 overflows, K eps = 6 * 2^1022 too; the residual is 2^1020
    r = secular_residual_f64(np.eye(2), np.array([3.0, 4.0]) * 2.0**511, 1.0, 3 * 2.0**1022)
    assert r == 2.0 ** 1020


def test_dense_solve_oracles_mp_take_any_real_scalar():
    # before: TypeError (cannot create mpf from Fraction / np.float32)
    ctx = make_context(20)
    G, y = np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([1.0, -1.0])
    third = ctx.mpf(1) / 3
    assert list(kkt_fit_mp(ctx, G, y, Fraction(1, 3))) == list(kkt_fit_mp(ctx, G, y, third))
    assert secular_residual_mp(ctx, G, y, 1, np.float32(0.5)) == \
        secular_residual_mp(ctx, G, y, 1, ctx.mpf(0.5))


# ----------------------------------------------------------------------------------------
# 3. scale covariance (G -> s G, y -> σ y, eps -> σ^2 eps)


@pytest.mark.parametrize("k_s, k_sigma", [(1, 0), (-700, 300), (900, -500), (-1010, 0),
                                          (0, 511), (0, -505)])
def test_scale_covariance_is_exact_for_powers_of_two(k_s, k_sigma):
    # scaled inputs stay normal floats (subnormal input loses bits: tested above)
    G = rotated(np.geomspace(1e-3, 1, 7) / 7, 11)
    G = 0.5 * (G + G.T)
    y = np.random.default_rng(12).standard_normal(7)
    eps = 0.01
    s, sigma = 2.0 ** k_s, 2.0 ** k_sigma
    base = self_distill(G, y, eps)
    tr = self_distill(G * s, y * sigma, eps * sigma * sigma)
    check_covariant(base, tr, s, sigma)


def test_scale_covariance_general_factors_within_accuracy():
    G = rotated(np.geomspace(1e-2, 1, 6) / 6, 13)
    G = 0.5 * (G + G.T)
    y = np.random.default_rng(14).standard_normal(6)
    base = self_distill(G, y, 0.01)
    for s, sigma in ((3.7, 0.3), (1e-200, 1e150), (1e250, 1e-140)):
        tr = self_distill(G * s, y * sigma, 0.01 * sigma**2)
        assert tr.collapse_round == base.collapse_round
        tol = 4 * (tr.accuracy + base.accuracy)  # the scaled input differs by its rounding
        np.testing.assert_allclose(tr.c / s, base.c, rtol=tol)
        np.testing.assert_allclose(tr.norms / sigma, base.norms, rtol=tol)


def test_scale_covariance_mp():
    G, y = laplace(5), np.linspace(1, 2, 5)
    base = self_distill(G, y, 0.01, dps=25)
    s, sigma = 2.0 ** -1010, 2.0 ** 500
    tr = self_distill(G * s, y * sigma, 0.01 * sigma * sigma, dps=25)
    ctx = make_context(25)
    assert tr.collapse_round == base.collapse_round
    assert all(a == b * ctx.mpf(s) for a, b in zip(tr.c, base.c))
    assert all(a == b * ctx.mpf(sigma) for a, b in zip(tr.norms, base.norms))


# ----------------------------------------------------------------------------------------
# 4. resources and options


def test_memory_budget_refuses_up_front_unless_forced(monkeypatch):
    # before: no bound; memory grew ~100 MB/s until a raw MemoryError, although
    # T >= ceil(r_0 - 1) is known before the first round
    from theory import distill
    G, y = laplace(50), np.ones(50)
    eps = 1e-7  # r_0 ~ 3162: T >= 3162 rounds of K = 50
    monkeypatch.setattr(distill, "MEMORY_BUDGET_BYTES", 2**20)
    with pytest.raises(ResourceError, match=r"at least T = 31\d\d rounds.*force=True"):
        self_distill(G, y, eps)
    with pytest.raises(ResourceError, match="memory budget"):
        self_distill(G, y, eps, dps=20)


def test_memory_budget_guards_the_run_too(monkeypatch):
    # the lower bound passes, the run grows beyond it (here T = 205 > ceil(r_0 - 1) = 99)
    from theory import distill
    K = 6
    G, y = np.diag(np.geomspace(1e-6, 1, K)), np.ones(K)
    monkeypatch.setattr(distill, "MEMORY_BUDGET_BYTES", 150 * K * distill._BYTES_PER_ENTRY_F64)
    with pytest.raises(ResourceError, match="has reached 150 rounds"):
        self_distill(G, y, 1e-4)
    assert self_distill(G, y, 1e-4, force=True).collapse_round == 205


def test_estimate_bytes_is_not_optimistic():
    import tracemalloc
    K, eps = 40, 1e-5
    G, y = np.diag(np.linspace(0.5, 1, K)) / K, np.ones(K)
    tracemalloc.start()
    try:
        tr = self_distill(G, y, eps)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    from theory.distill import estimate_bytes
    # the estimate covers the rounds; eigh's O(K^2) and fixed costs come on top
    assert peak <= estimate_bytes(K, tr.collapse_round) + 64 * K * K + 2**20


@pytest.mark.parametrize("force", ["yes", 1, None, 0.0, "False"])
def test_force_must_be_a_bool(force):
    # before: any truthy value overrode the budgets (force='no' forced)
    with pytest.raises(InputError, match="force"):
        self_distill(laplace(3), np.ones(3), 0.1, force=force)
    assert self_distill(laplace(3), np.ones(3), 0.1, force=np.bool_(False)).collapse_round >= 0


def test_kernel_grams_at_extreme_length_scales():
    # before: matern_gram with r/l beyond float64 gave NaN (inf * 0) and a RuntimeWarning,
    # gaussian_gram an overflow warning; the kernels are 0 there (and 1 on the diagonal)
    from theory.kernels import gaussian_gram, matern_gram
    x = np.array([0.0, 1e300])
    for nu in (0.5, 1.5, 2.5):
        np.testing.assert_array_equal(matern_gram(x, nu, 1e-10), np.eye(2) / 2)
    np.testing.assert_array_equal(gaussian_gram(np.array([0.0, 1.0]), 1e-200), np.eye(2) / 2)
    np.testing.assert_array_equal(matern_gram(np.array([0.0, 1.0]), 1.5, 1e-310), np.eye(2) / 2)


def test_scaled_float_fast_path_equals_the_exact_rounding():
    """The float shortcut of ``scaled_float`` (math.ldexp) against the exact route through a
    53-bit mp context (a Fraction input takes it), across the normal range and its edges:
    overflow to inf, results in the subnormal range, and signed zeros."""
    from fractions import Fraction
    rng = np.random.default_rng(7)
    values = list(rng.standard_normal(200) * 10.0 ** rng.integers(-300, 300, 200))
    values += [0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -3.0]
    for v in values:
        for shift in (-1100, -1074, -1022, -60, -1, 0, 1, 60, 1023, 1100):
            fast, exact = V.scaled_float(float(v), shift), V.scaled_float(Fraction(v), shift)
            assert fast == exact and math.copysign(1, fast) == math.copysign(1, exact) or \
                (v == 0.0 and fast == 0.0 == exact), (v, shift, fast, exact)
