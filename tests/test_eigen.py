"""Tests of :func:`theory.eigen.eigh_mp` against independent oracles (STYLE rules 9, 10, 14).

Oracles, none of which shares code with the refinement:

* prescribed spectra ``Q0 diag(λ) Q0^T`` built at 64 more bits (the answer is known),
  including exact repeats, clusters 1e-20 wide, nested clusters and graded spectra;
* ``mpmath.eigsy`` (Householder tridiagonalisation + QL) in a wider local context;
* certified eigenvalue enclosures of python-flint's ``acb_mat.eig`` (Rump's algorithm);
* the 2 x 2 closed form; the identities ``G Q = Q D`` and ``Q^T Q = I`` evaluated at twice the
  precision; invariances (scaling by 2^k, negation, permutation).

Tolerances (derived, not typed).  eigh_mp rounds every entry of ``Q`` (``|q| <= 1``) and of
``d`` to ``prec`` bits, relative error ``<= 2^-prec`` each, after refining to
``2^-(prec+8) ‖G‖_2``.  By Cauchy-Schwarz a residual entry ``(G Q - Q D)_ij`` then errs by
``<= 2^-prec ‖G‖_2`` from ``Q`` in ``G Q``, ``2 · 2^-prec ‖G‖_2`` from ``Q D``, plus the
refinement's ``2^-(prec+8) ‖G‖_2``: ``< 2^(2-prec) ‖G‖_2``; an entry of ``Q^T Q - I`` errs by
``<= 2^-prec + 2^-(prec+8) < 2^(1-prec)``.  One bit more is allowed for both (``RES_SLACK``).
Eigenvalues of a nearby symmetric matrix move by at most the 2-norm of the perturbation
(Weyl), so comparisons of spectra use ``2^(3-prec) K ‖G‖_2`` (residual in 2-norm <= K times
its max entry).
"""

import math

import mpmath
import numpy as np
import pytest

from theory import eigen
from theory._mp import digits_of_agreement, make_context, to_mp_array
from theory.eigen import MpEigh, eigh_mp
from theory.errors import InputError

#: Bits of slack on the residual / orthogonality bounds derived in the module docstring.
RES_SLACK = 3
ORTH_SLACK = 2


# ----------------------------------------------------------------------------------------------
# Instance builders (deterministic, seeded: STYLE rule 10)


def haar_mp(ctx, K, seed):
    """An orthogonal K x K mp matrix: QR of a seeded Gaussian matrix, at ctx's precision."""
    rng = np.random.default_rng(seed)
    M = ctx.matrix([[ctx.mpf(float(v)) for v in row] for row in rng.standard_normal((K, K))])
    Q, _ = ctx.qr(M)
    return Q


def prescribed(ctx, lams, seed=1):
    """``G = Q0 diag(lams) Q0^T`` formed 64 bits above ``ctx`` and rounded into it; returns
    ``(G, Q0)`` with ``Q0`` as an object array in the wide context."""
    K = len(lams)
    wide = make_context(ctx.dps + 20)
    Q0 = haar_mp(wide, K, seed)
    A = Q0 * wide.diag([wide.mpf(v) for v in lams]) * Q0.T
    G = np.empty((K, K), dtype=object)
    for i in range(K):
        for j in range(i, K):
            G[i, j] = G[j, i] = ctx.mpf(A[i, j])
    Qa = np.array(Q0.tolist(), dtype=object)
    return G, Qa


def laplace_gram(ctx, K, seed=0, h="0.2"):
    """``G_ij = exp(-|x_i - x_j| / h) / (2K)``, x uniform in [0, 1] (the benchmark matrix)."""
    x = np.random.default_rng(seed).uniform(0.0, 1.0, K)
    G = np.empty((K, K), dtype=object)
    for i in range(K):
        for j in range(K):
            G[i, j] = ctx.exp(-abs(ctx.mpf(x[i]) - ctx.mpf(x[j])) / ctx.mpf(h)) / (2 * K)
    return G


def gauss_gram(ctx, K, seed=3, h="0.1"):
    """``G_ij = exp(-(x_i - x_j)^2 / (2 h^2))``: a graded spectrum (eigenvalues decay like
    e^{-c k^2}), the hard case for refinement from float64."""
    x = np.random.default_rng(seed).uniform(0.0, 1.0, K)
    G = np.empty((K, K), dtype=object)
    for i in range(K):
        for j in range(K):
            G[i, j] = ctx.exp(-(ctx.mpf(x[i]) - ctx.mpf(x[j])) ** 2 / (2 * ctx.mpf(h) ** 2))
    return G


def geometric(K, kappa):
    """Eigenvalues 1 = λ_0 > ... > λ_{K-1} = 1/kappa, equally spaced in log."""
    return [mpmath.mpf(kappa) ** (-mpmath.mpf(i) / (K - 1)) for i in range(K)]


# ----------------------------------------------------------------------------------------------
# Checks


def norm2_bound(ctx, G):
    """Frobenius norm: an upper bound on ‖G‖_2 (computed at ctx's precision)."""
    return ctx.sqrt(ctx.fsum(v * v for v in G.reshape(-1)))


def check_decomposition(ctx, G, r):
    """``G Q = Q D`` and ``Q^T Q = I`` to the derived bounds, evaluated at twice the precision;
    values ascending, every entry a finite ``ctx.mpf``.  Returns (residual, orthogonality)."""
    K = G.shape[0]
    assert isinstance(r, MpEigh)
    assert r.values.shape == (K,) and r.vectors.shape == (K, K)
    mpf_type = type(ctx.one)
    for v in list(r.values) + list(r.vectors.reshape(-1)):
        assert type(v) is mpf_type and ctx.isfinite(v), f"{v!r} is not a finite ctx.mpf"
    assert all(r.values[i] <= r.values[i + 1] for i in range(K - 1)), "values not ascending"
    wide = make_context(2 * ctx.dps + 10)
    Gw = wide.matrix(G.tolist())
    Q = wide.matrix(r.vectors.tolist())
    D = wide.diag(list(r.values))
    res = max(abs(v) for v in (Gw * Q - Q * D))
    orth = max(abs(v) for v in (Q.T * Q - wide.eye(K)))
    nG = norm2_bound(wide, G)
    tol_res = wide.ldexp(nG, RES_SLACK - ctx.prec)
    tol_orth = wide.ldexp(1, ORTH_SLACK - ctx.prec)
    assert res <= tol_res, (f"residual max|GQ - QD| = {wide.nstr(res, 5)} > {wide.nstr(tol_res, 5)}"
                            f" = 2^({RES_SLACK} - prec) ||G||_F at dps={ctx.dps}, K={K}")
    assert orth <= tol_orth, (f"max|Q^T Q - I| = {wide.nstr(orth, 5)} > "
                              f"{wide.nstr(tol_orth, 5)} = 2^({ORTH_SLACK} - prec), K={K}")
    return res, orth


def spectrum_tol(ctx, G):
    """Weyl bound for comparing spectra: 2^(RES_SLACK - prec) K ‖G‖_F (see module doc)."""
    return ctx.ldexp(norm2_bound(ctx, G) * G.shape[0], RES_SLACK - ctx.prec)


def assert_spectrum(ctx, G, values, expected, what):
    tol = spectrum_tol(ctx, G)
    exp = sorted(ctx.mpf(v) for v in expected)
    err = max(abs(a - b) for a, b in zip(values, exp))
    assert err <= tol, (f"eigenvalues vs {what}: max error {ctx.nstr(err, 5)} > "
                        f"{ctx.nstr(tol, 5)} (Weyl bound) at dps={ctx.dps}, K={G.shape[0]}")


# ----------------------------------------------------------------------------------------------
# Oracles


def eigsy_oracle(ctx, G):
    """mpmath.eigsy 64 bits above ``ctx`` (a local context): ascending values, vectors."""
    wide = make_context(ctx.dps + 20)
    E, Q = wide.eigsy(wide.matrix(G.tolist()))
    order = sorted(range(len(E)), key=lambda i: E[i])
    return [E[i] for i in order], [[Q[k, i] for k in range(len(E))] for i in order]


def acb_enclosures(ctx, G, extra_bits=64):
    """Certified eigenvalue enclosures of the exact matrix G (entries converted exactly) by
    python-flint ``acb_mat.eig`` (Rump); flint's global precision is restored afterwards."""
    flint = pytest.importorskip("flint")
    K = G.shape[0]
    old = flint.ctx.prec
    try:
        flint.ctx.prec = ctx.prec + extra_bits
        rows = []
        for i in range(K):
            row = []
            for j in range(K):
                man, exp = ctx.mpf(G[i, j]).man_exp
                row.append(flint.arb((int(man), int(exp))))
            rows.append(row)
        E = flint.acb_mat(rows).eig(algorithm="rump")
        out = []
        for e in E:
            man, exp = e.real.mid().man_exp()
            rman, rexp = e.real.rad().man_exp()
            imag_rad = e.imag.rad()
            out.append((ctx.ldexp(ctx.mpf(int(man)), int(exp)),
                        ctx.ldexp(ctx.mpf(int(rman)), int(rexp)) + ctx.mpf(float(imag_rad))))
    finally:
        flint.ctx.prec = old
    return sorted(out, key=lambda t: t[0])


# ----------------------------------------------------------------------------------------------
# The contract


def test_doctest_example_and_contract():
    ctx = make_context(30)
    r = eigh_mp(ctx, to_mp_array(ctx, [[2, 1], [1, 2]]))
    assert r.method == "numpy-refine"
    assert r.values[0] == 1 and r.values[1] == 3
    check_decomposition(ctx, to_mp_array(ctx, [[2, 1], [1, 2]]), r)


def test_k1_is_exact():
    ctx = make_context(50)
    g = ctx.mpf(1) / 3
    r = eigh_mp(ctx, np.array([[g]], dtype=object))
    assert r.values[0] == g
    assert abs(r.vectors[0, 0]) == 1


@pytest.mark.parametrize("entries", [
    ("2", "1", "2"),
    ("1", "1e-17", "1"),              # nearly scalar: the float64 start is exact, R = 0
    ("1", "0", "1"),                  # exactly repeated
    ("-3", "0.5", "1e-30"),
    ("1e-300", "3e-301", "2e-300"),
    ("5e200", "-1e200", "1e200"),
])
def test_k2_closed_form(entries):
    """λ = (a + c)/2 ± sqrt(((a - c)/2)^2 + b^2), evaluated 64 bits higher."""
    ctx = make_context(50)
    a, b, c = (ctx.mpf(v) for v in entries)
    G = np.array([[a, b], [b, c]], dtype=object)
    r = eigh_mp(ctx, G)
    check_decomposition(ctx, G, r)
    wide = make_context(70)
    m, h = (wide.mpf(a) + c) / 2, wide.sqrt(((wide.mpf(a) - c) / 2) ** 2 + wide.mpf(b) ** 2)
    assert_spectrum(ctx, G, r.values, [m - h, m + h], "2x2 closed form")


def test_accepts_floats_and_other_contexts():
    """Entries go through ctx.convert: float64 exactly, mpf of a wider context rounded."""
    ctx = make_context(30)
    F = np.array([[2.0, 0.1], [0.1, -1.0]])
    a = eigh_mp(ctx, F)
    b = eigh_mp(ctx, to_mp_array(ctx, F))
    assert list(a.values) == list(b.values)
    wide = make_context(60)
    c = eigh_mp(ctx, to_mp_array(wide, [[1, wide.mpf(1) / 3], [wide.mpf(1) / 3, 1]]))
    assert all(type(v) is type(ctx.one) for v in c.values)
    assert abs(c.values[1] - ctx.mpf(4) / 3) <= ctx.ldexp(1, 2 - ctx.prec)


def test_zero_matrix():
    ctx = make_context(20)
    r = eigh_mp(ctx, to_mp_array(ctx, np.zeros((3, 3))))
    assert r.method == "exact"
    assert all(v == 0 for v in r.values)
    check_decomposition(ctx, to_mp_array(ctx, np.zeros((3, 3))), r)


# ----------------------------------------------------------------------------------------------
# Against independent solvers


@pytest.mark.parametrize("dps", [15, 50, 100])
def test_against_eigsy(dps):
    ctx = make_context(dps)
    G = laplace_gram(ctx, 12)
    r = eigh_mp(ctx, G)
    assert r.method == "numpy-refine"
    check_decomposition(ctx, G, r)
    E, V = eigsy_oracle(ctx, G)
    assert_spectrum(ctx, G, r.values, E, "mpmath.eigsy")
    # simple eigenvalues: each vector is the oracle's up to sign, to sin(angle) <= tol / gap
    tol = spectrum_tol(ctx, G)
    for i in range(len(E)):
        gap = min(abs(E[i] - E[j]) for j in range(len(E)) if j != i)
        cos = abs(ctx.fsum(r.vectors[k, i] * V[i][k] for k in range(len(E))))
        assert (1 - cos) <= (2 * tol / gap) ** 2 + ctx.ldexp(1, 4 - ctx.prec), (i, cos)


@pytest.mark.parametrize("dps", [30, 60])
def test_against_acb_certified_enclosures(dps):
    ctx = make_context(dps)
    G = laplace_gram(ctx, 8, seed=4)
    r = eigh_mp(ctx, G)
    tol = spectrum_tol(ctx, G)
    for v, (mid, rad) in zip(r.values, acb_enclosures(ctx, G)):
        assert rad < tol, "enclosure too wide to be an oracle at this precision"
        assert abs(v - mid) <= rad + tol, (ctx.nstr(v, 20), ctx.nstr(mid, 20), ctx.nstr(rad, 3))


def test_flint_products_agree_with_numpy_products():
    """engine='flint' (exact fmpz_mat products) vs the default float64-BLAS digit products."""
    pytest.importorskip("flint")
    ctx = make_context(40)
    G = laplace_gram(ctx, 10, seed=2)
    a = eigh_mp(ctx, G)
    b = eigh_mp(ctx, G, engine="flint")
    assert (a.method, b.method) == ("numpy-refine", "flint-refine")
    check_decomposition(ctx, G, b)
    assert_spectrum(ctx, G, a.values, b.values, "the flint engine")


def test_without_flint_gives_the_same_result(monkeypatch):
    ctx = make_context(50)
    G = laplace_gram(ctx, 10)
    with_flint = eigh_mp(ctx, G)
    monkeypatch.setattr(eigen, "_flint", None)
    without = eigh_mp(ctx, G)
    assert without.method == "numpy-refine"
    assert list(without.values) == list(with_flint.values)
    assert (without.vectors == with_flint.vectors).all()
    with pytest.raises(InputError, match="python-flint"):
        eigh_mp(ctx, G, engine="flint")


def test_eigsy_engine_is_the_reference():
    ctx = make_context(30)
    G = laplace_gram(ctx, 6)
    r = eigh_mp(ctx, G, engine="eigsy")
    assert r.method == "mpmath.eigsy"
    check_decomposition(ctx, G, r)
    assert_spectrum(ctx, G, eigh_mp(ctx, G).values, r.values, "engine='eigsy'")


# ----------------------------------------------------------------------------------------------
# Hard spectra: repeats, clusters, conditioning


def test_exactly_repeated_eigenvalue():
    """Q0 diag(1, 1, 1, 2, 3) Q0^T: any orthonormal basis of the 3-dimensional eigenspace is
    valid, so compare its projector with Q0's (angle <= tol / gap, gap = 1)."""
    ctx = make_context(50)
    lams = [1, 1, 1, 2, 3]
    G, Q0 = prescribed(ctx, lams)
    r = eigh_mp(ctx, G)
    assert r.method == "numpy-refine"
    check_decomposition(ctx, G, r)
    assert_spectrum(ctx, G, r.values, lams, "the prescribed spectrum")
    wide = make_context(2 * ctx.dps)
    Qr = wide.matrix(r.vectors.tolist())
    Qe = wide.matrix(Q0.tolist())
    P_ours = Qr[:, 0:3] * Qr[:, 0:3].T
    P_true = Qe[:, 0:3] * Qe[:, 0:3].T
    err = max(abs(v) for v in (P_ours - P_true))
    assert err <= 2 * spectrum_tol(ctx, G), wide.nstr(err, 5)


@pytest.mark.parametrize("name,lams", [
    ("pairs 1e-20 apart", ["1", "1.00000000000000000001", "2", "3",
                           "3.00000000000000000001", "3.00000000000000000002"]),
    ("pair 1e-40 apart", ["1", "1.0000000000000000000000000000000000000001", "2"]),
    ("nested 1e-10 / 1e-25", ["1", "1.0000000000001", "1.0000000000001000000000001", "2"]),
    ("four-fold and two-fold", ["2", "2", "2", "2", "-1", "-1", "5"]),
    ("near-scalar", ["1", "1.00000000000000000000000000001", "1"]),
])
def test_clusters(name, lams):
    """Eigenvalues 1e-20 apart at 50 digits are resolved: their differences, and their
    eigenvectors (angle <= tol / gap), match the prescription."""
    ctx = make_context(50)
    lams = [ctx.mpf(v) for v in lams]
    G, Q0 = prescribed(ctx, lams, seed=7)
    r = eigh_mp(ctx, G)
    assert r.method == "numpy-refine", r.method
    check_decomposition(ctx, G, r)
    assert_spectrum(ctx, G, r.values, lams, name)
    tol = spectrum_tol(ctx, G)
    order = sorted(range(len(lams)), key=lams.__getitem__)
    for jj, j in enumerate(order):
        gap = min((abs(lams[j] - lams[i]) for i in range(len(lams)) if lams[i] != lams[j]),
                  default=None)
        if gap is None or any(lams[i] == lams[j] for i in range(len(lams)) if i != j):
            continue  # repeated: no individual vector to compare
        cos = abs(ctx.fsum(r.vectors[k, jj] * Q0[k, j] for k in range(len(lams))))
        assert (1 - cos) <= (2 * tol / gap) ** 2 + ctx.ldexp(1, 4 - ctx.prec), (name, jj)


@pytest.mark.parametrize("kappa", ["10", "1e4", "1e8", "1e12", "1e13", "1e16", "1e30"])
def test_condition_numbers(kappa):
    """Geometric spectra from 1 down to 1/kappa (K = 12): refinement from float64 converges
    well past kappa = 1e12 (where the plain 2018 iteration stalls), no fallback."""
    ctx = make_context(50)
    lams = geometric(12, mpmath.mpf(kappa))
    G, _ = prescribed(ctx, lams, seed=11)
    r = eigh_mp(ctx, G)
    assert r.method == "numpy-refine", r.method
    check_decomposition(ctx, G, r)
    assert_spectrum(ctx, G, r.values, lams, f"the geometric spectrum, kappa={kappa}")


def test_graded_kernel_gram():
    """A Gaussian-kernel Gram matrix: eigenvalues from ~10 down below 1e-50 ‖G‖."""
    ctx = make_context(40)
    G = gauss_gram(ctx, 24)
    r = eigh_mp(ctx, G)
    assert r.method == "numpy-refine", r.method
    check_decomposition(ctx, G, r)
    assert_spectrum(ctx, G, r.values, eigsy_oracle(ctx, G)[0], "mpmath.eigsy")


# ----------------------------------------------------------------------------------------------
# Precision (STYLE rules 5 and 7)


def test_result_holds_up_as_precision_rises():
    """The 30-digit result is the 60-digit one rounded: they agree to 30 digits (normwise),
    and the 60-digit residual is at the 60-digit level, not the 30-digit one."""
    lo_ctx, hi_ctx = make_context(30), make_context(60)
    G_hi = laplace_gram(hi_ctx, 10)
    G_lo = np.array([[lo_ctx.mpf(v) for v in row] for row in G_hi], dtype=object)
    lo, hi = eigh_mp(lo_ctx, G_lo), eigh_mp(hi_ctx, G_hi)
    check_decomposition(hi_ctx, G_hi, hi)
    scale = max(abs(v) for v in hi.values)
    # G_lo is G_hi rounded to 30 digits: eigenvalues move by <= K 10^-30 ||G||
    assert digits_of_agreement(lo.values, hi.values, scale) >= 30 - math.log10(10) - 1


def test_global_state_is_untouched():
    flint = pytest.importorskip("flint")
    threadpool_info = pytest.importorskip("threadpoolctl").threadpool_info
    before = (mpmath.mp.prec, flint.ctx.prec, [i.get("num_threads") for i in threadpool_info()])
    ctx = make_context(40)
    eigh_mp(ctx, laplace_gram(ctx, 6))
    eigh_mp(ctx, laplace_gram(ctx, 6), engine="flint")
    assert ctx.dps == 40
    after = (mpmath.mp.prec, flint.ctx.prec, [i.get("num_threads") for i in threadpool_info()])
    assert after == before


def test_power_of_two_scaling_is_exact():
    """Fixed point relative to 2^a: G 2^k has eigenvalues d 2^k and the same vectors, bit for
    bit."""
    ctx = make_context(40)
    G = laplace_gram(ctx, 7)
    a = eigh_mp(ctx, G)
    b = eigh_mp(ctx, np.vectorize(lambda v: ctx.ldexp(v, 300), otypes=[object])(G))
    assert [ctx.ldexp(v, 300) for v in a.values] == list(b.values)
    assert (a.vectors == b.vectors).all()


def test_negation_and_permutation():
    ctx = make_context(40)
    G = laplace_gram(ctx, 9, seed=5)
    r = eigh_mp(ctx, G)
    neg = eigh_mp(ctx, -G)
    check_decomposition(ctx, -G, neg)
    assert_spectrum(ctx, G, [-v for v in reversed(neg.values)], r.values, "-eig(-G)")
    perm = np.random.default_rng(1).permutation(9)
    Gp = G[np.ix_(perm, perm)]
    rp = eigh_mp(ctx, Gp)
    check_decomposition(ctx, Gp, rp)
    assert_spectrum(ctx, G, rp.values, r.values, "eig(P G P^T)")


# ----------------------------------------------------------------------------------------------
# Failure: loud, specific, and the fallback says so


def test_fallback_is_named_in_method(monkeypatch):
    """If refinement does not converge in the step budget, mpmath.eigsy takes over and the
    method string says why; the result still satisfies the contract."""
    monkeypatch.setattr(eigen, "_MAX_STEPS", 1)
    ctx = make_context(30)
    G = laplace_gram(ctx, 6)
    r = eigh_mp(ctx, G)
    assert r.method.startswith("mpmath.eigsy (fallback: numpy-refine did not reach 2^-"), r.method
    check_decomposition(ctx, G, r)


@pytest.mark.parametrize("G,match", [
    (np.zeros((2, 3)), "square"),
    (np.zeros((0, 0)), "square"),
    (np.zeros(3), "square"),
    (np.array([[1.0, float("nan")], [float("nan"), 1.0]]), "not finite"),
    (np.array([[float("inf"), 0.0], [0.0, 1.0]]), "not finite"),
    (np.array([[1.0, 2.0], [2.000001, 1.0]]), "not symmetric"),
])
def test_bad_input_raises(G, match):
    ctx = make_context(20)
    with pytest.raises(InputError, match=match):
        eigh_mp(ctx, to_mp_array(ctx, G) if G.size else G)


def test_rounding_level_asymmetry_is_averaged():
    ctx = make_context(30)
    G = laplace_gram(ctx, 4)
    G[0, 1] = G[0, 1] + ctx.ldexp(G[0, 1], -ctx.prec)  # one ulp
    r = eigh_mp(ctx, G)
    check_decomposition(ctx, (G + G.T) / 2, r)


def test_unknown_engine():
    ctx = make_context(20)
    with pytest.raises(InputError, match="engine"):
        eigh_mp(ctx, to_mp_array(ctx, [[1]]), engine="lapack")


# ----------------------------------------------------------------------------------------------
# The digit layer (exact integer matrix products)


@pytest.mark.parametrize("bits,K", [(1, 3), (60, 5), (200, 7), (700, 4)])
def test_digits_round_trip(bits, K):
    dg = eigen._Digits(eigen._digit_bits(K))
    rng = np.random.default_rng(bits)
    M = np.array([int(rng.integers(-2**62, 2**62)) * 2**bits // 2**62 + int(s)
                  for s in rng.integers(-3, 4, K * K)], dtype=object).reshape(K, K)
    M[0, 0] = -(2 ** bits)  # the extreme value
    D = dg.from_ints(M)
    assert D.dtype == np.int64 and np.all(np.abs(D[:-1]) <= dg.half)
    assert (dg.to_ints(D) == M).all()


@pytest.mark.parametrize("k", [0, 1, 3, 9])
def test_digit_products_are_faithful(k):
    """BLAS digit products within 2 units of round_half_up(A B / 2^(b k)) (skipped low digit
    pairs < 1 unit, rounding 1/2); FLINT products exactly equal to it."""
    K = 6
    dg = eigen._Digits(eigen._digit_bits(K))
    rng = np.random.default_rng(k)
    sh = dg.b * k

    def rand(bits):
        return np.array([int.from_bytes(rng.bytes(bits // 8 + 1), "little") % 2**bits
                         * (1 if s else -1) for s in rng.integers(0, 2, K * K)],
                        dtype=object).reshape(K, K)
    A, B = rand(250), rand(230)
    half_up = np.vectorize(lambda v: (v + (1 << (sh - 1) if sh else 0)) >> sh, otypes=[object])
    exact = half_up(A.dot(B))
    got = dg.to_ints(dg.mul(dg.from_ints(A), dg.from_ints(B), k))
    assert int(np.max(np.abs(got - exact))) <= 2
    exact_g = half_up(A.T.dot(A))
    got_g = dg.to_ints(dg.gram(dg.from_ints(A), k))
    assert int(np.max(np.abs(got_g - exact_g))) <= 2
    assert (got_g == got_g.T).all()
    if eigen._flint is not None:
        fl = eigen._Digits(dg.b, use_flint=True)
        assert (fl.to_ints(fl.mul(fl.from_ints(A), fl.from_ints(B), k)) == exact).all()


def test_digits_from_float64_are_exact():
    dg = eigen._Digits(23)
    V = np.array([[1.0, -0.5, 2.0 ** -60], [-(1 - 2.0 ** -53), 0.3, -1e-300], [0.0, -1.0, 1e-17]])
    k = 6  # 138 bits: every one of these doubles except 1e-300 is a multiple of 2^-138
    got = dg.to_ints(dg.from_f64(V, k))
    for v, g in zip(V.reshape(-1), got.reshape(-1)):
        exact = mpmath.mpf(v) * mpmath.mpf(2) ** (23 * k)
        assert abs(g - exact) <= 0.5


# ----------------------------------------------------------------------------------------------
# Heavier sweeps (pytest -m slow)


@pytest.mark.slow
@pytest.mark.parametrize("K,dps", [(60, 50), (100, 50), (40, 200)])
def test_laplace_against_eigsy_large(K, dps):
    ctx = make_context(dps)
    G = laplace_gram(ctx, K)
    r = eigh_mp(ctx, G)
    assert r.method == "numpy-refine"
    check_decomposition(ctx, G, r)
    ref = eigh_mp(ctx, G, engine="eigsy")
    assert_spectrum(ctx, G, r.values, ref.values, "mpmath.eigsy")


@pytest.mark.slow
@pytest.mark.parametrize("K,kappa,dps", [(40, "1e45", 50), (60, "1e60", 50), (60, "1e60", 100),
                                         (30, "1e100", 30)])
def test_graded_spectra_large(K, kappa, dps):
    ctx = make_context(dps)
    lams = geometric(K, mpmath.mpf(kappa))
    G, _ = prescribed(ctx, lams, seed=K)
    r = eigh_mp(ctx, G)
    assert r.method == "numpy-refine", r.method
    check_decomposition(ctx, G, r)
    assert_spectrum(ctx, G, r.values, lams, "the geometric spectrum")


@pytest.mark.slow
@pytest.mark.parametrize("K,dps,h", [(60, 100, "0.3"), (100, 50, "0.1"), (100, 100, "0.2")])
def test_gaussian_gram_large(K, dps, h):
    ctx = make_context(dps)
    G = gauss_gram(ctx, K, h=h)
    r = eigh_mp(ctx, G)
    assert r.method == "numpy-refine", r.method
    check_decomposition(ctx, G, r)


@pytest.mark.slow
def test_flint_engine_large():
    pytest.importorskip("flint")
    ctx = make_context(100)
    G = laplace_gram(ctx, 40)
    r = eigh_mp(ctx, G, engine="flint")
    check_decomposition(ctx, G, r)
    assert_spectrum(ctx, G, r.values, eigh_mp(ctx, G).values, "the numpy engine")
