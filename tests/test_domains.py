"""The shared spectral families and the Mobahi domains built on them.

Oracles, independent of the constructions:
* spectra by ``theory.eigh_mp`` at 60 digits (iterative refinement, not the construction's
  W diag(d) W^T), and exactness of every entry by rational arithmetic;
* alignment by the exact spectral projector P = prod_j (G - d_j I)/(d - d_j) (Lagrange
  interpolation in G, in fractions), not by the construction's eigenvectors;
* round thresholds by running the mp engine on both sides of each threshold and by the
  kappa = 1 closed form r_t = r_0 - t.
"""

import math
from fractions import Fraction

import numpy as np
import pytest

from theory import eigh_mp, self_distill
from theory._mp import make_context, to_mp_array

from proofs_check.claim import Instance
from proofs_check.domains import (ALIGNMENTS, FAMILIES, MIXINGS, aligned_bases, exact_bases,
                                  kernel_bases, level_bases, small_bases, spectral_bases,
                                  spectral_problem)
from proofs_check.papers.mobahi2020.domains import (THRESHOLD_OFFSET, multiclass_domain,
                                                    round_threshold, standard_domain,
                                                    threshold_domain)


def _mp_eigenvalues(G, dps=60):
    ctx = make_context(dps)
    return ctx, list(eigh_mp(ctx, to_mp_array(ctx, G)).values)


def _frac(M):
    return [[Fraction(float(v)) for v in row] for row in np.atleast_2d(M)]


def _levels(ctx, vals):
    """Distinct values with multiplicities; values within 10^(10 - dps) d_max are one level
    (eigh_mp is accurate normwise, to ~10^-dps d_max)."""
    out, tol = [], ctx.mpf(10) ** (10 - ctx.dps) * max(abs(v) for v in vals)
    for v in vals:
        if out and abs(v - out[-1][0]) <= tol:
            out[-1][1] += 1
        else:
            out.append([v, 1])
    return out


# ------------------------------------------------------------------- the families
@pytest.mark.parametrize("tier", ["fast", "full"])
def test_every_family_is_documented_and_labels_are_unique(tier):
    for m in (None, 2, 3):
        # (the full tier's kernels take seconds to build and are unchanged here)
        bases = spectral_bases(tier, 0, m) + (kernel_bases(tier, 0, m) if tier == "fast" else [])
        labels = [b[1] for b in bases]
        assert len(set(labels)) == len(labels)
        assert {b[0] for b in bases} <= set(FAMILIES)
        for fam, label, G, y, params in bases:
            assert G.shape == (G.shape[0],) * 2 and y.shape[0] == G.shape[0]
            assert (y.ndim == 1) == (m is None) and np.all(np.isfinite(G))


def test_the_families_are_deterministic_in_the_seed():
    a, b = spectral_bases("fast", 3), spectral_bases("fast", 3)
    assert all(np.array_equal(x[2], z[2]) and np.array_equal(x[3], z[3]) for x, z in zip(a, b))
    c = spectral_bases("fast", 4)
    assert any(not np.array_equal(x[3], z[3]) for x, z in zip(a, c))  # new targets


@pytest.mark.parametrize("base", exact_bases("fast", 0) + level_bases("fast", 0)
                         + [b for b in small_bases("fast", 0) if "rotation" not in b[1]],
                         ids=lambda b: b[1])
def test_exact_spectra_are_exactly_repeated_with_the_stated_kappa(base):
    fam, label, G, y, params = base
    p = dict(params)
    # every entry exact and G symmetric, in rational arithmetic
    F = _frac(G)
    assert all(F[i][j] == F[j][i] for i in range(len(F)) for j in range(len(F)))
    ctx, vals = _mp_eigenvalues(G)
    lev = _levels(ctx, vals)
    mults = [m for _, m in lev]
    if p["mixing"] == "ab":
        assert mults == [G.shape[0] - 1, 1] if G.shape[0] > 2 else mults == [1, 1]
    else:
        assert mults == [int(x) for x in p["mults"].split("+")]
    kappa = float(lev[-1][0] / lev[0][0])
    assert kappa == pytest.approx(p["kappa"], rel=1e-12)
    # exact repeats: within a level the mp eigenvalues agree to the solver's accuracy
    # (10^-60 d_max), far below the 2^-40 relative width of the narrowest cluster
    tol = ctx.mpf(10) ** -55 * lev[-1][0]
    for v, m in lev:
        spread = [w for w in vals if abs(w - v) <= tol]
        assert len(spread) == m and max(spread) - min(spread) <= tol


def test_the_families_reach_the_regions_they_claim():
    kap = [dict(b[4])["kappa"] for b in level_bases("fast", 0)]
    assert min(kap) < 1e3 and max(kap) > 1e14
    small = small_bases("fast", 0)
    assert {b[2].shape[0] for b in small} == {1, 2, 3}
    shapes = {(b[2].shape[0], dict(b[4])["mults"]) for b in small}
    assert {(2, "2"), (2, "1+1"), (3, "1+2"), (3, "2+1"), (3, "1+1+1")} <= shapes
    assert any("cluster" in dict(b[4]) and dict(b[4])["cluster"] < 1e-11 for b in small)
    assert {dict(b[4])["align"] for b in aligned_bases("fast", 0)} == set(ALIGNMENTS) - {"generic"}
    assert {dict(b[4])["mixing"] for b in spectral_bases("fast", 0)} == set(MIXINGS)
    exact = exact_bases("fast", 0)
    assert all(dict(b[4])["kappa"] > 1 for b in exact)


def _projector_part(G, y, level_index):
    """||P y||^2 (exact) for the spectral projector of the level_index-th distinct
    eigenvalue, P = prod_{j != i} (G - d_j I)/(d_i - d_j), in fractions."""
    ctx, vals = _mp_eigenvalues(G)
    levels = [v for v, _ in _levels(ctx, vals)]
    # the exact levels are dyadic: recover them from the mp values
    exact = [Fraction(float(v)) for v in levels]
    F, K = _frac(G), G.shape[0]
    v = [Fraction(float(x)) for x in np.asarray(y, float)]
    level_index %= len(exact)
    di = exact[level_index]
    for j, dj in enumerate(exact):
        if j == level_index:
            continue
        w = [sum(F[r][c] * v[c] for c in range(K)) - dj * v[r] for r in range(K)]
        v = [x / (di - dj) for x in w]
    return sum(x * x for x in v), sum(Fraction(float(x)) ** 2 for x in np.asarray(y, float))


@pytest.mark.parametrize("base", aligned_bases("fast", 0), ids=lambda b: b[1])
def test_aligned_targets_are_exactly_in_or_orthogonal_to_an_eigenspace(base):
    fam, label, G, y, params = base
    kind = dict(params)["align"]
    top, total = _projector_part(G, y, -1)
    bottom, _ = _projector_part(G, y, 0)
    if kind == "top":
        assert top == total
    elif kind == "bottom":
        assert bottom == total
    elif kind == "orthogonal_top":
        assert top == 0 and total > 0
    else:
        assert bottom == 0 and total > 0


def test_generic_targets_have_every_spectral_component():
    for fam, label, G, y, params in exact_bases("fast", 0):
        ctx = make_context(40)
        eig = eigh_mp(ctx, to_mp_array(ctx, G))
        levels = _levels(ctx, list(eig.values))
        # the part of y in each eigenspace is non-zero (projector norms, exact)
        for i in range(len(levels)):
            part, total = _projector_part(G, y, i)
            assert part > total / 10**6, label


def test_bad_constructions_are_refused():
    with pytest.raises(ValueError):
        spectral_problem("diagonal", 3, (0.5, 1.0), (1, 1))      # multiplicities != K
    with pytest.raises(ValueError):
        spectral_problem("diagonal", 2, (1.0,), (2,), alignment="orthogonal_top")  # nothing left
    with pytest.raises(ValueError):
        spectral_problem("householder", 8, (1 / 3, 1.0), (4, 4))  # 1/3: too many bits
    with pytest.raises(ValueError):
        spectral_problem("spiral", 2)


# ------------------------------------------------------------------- round thresholds
def test_round_threshold_matches_the_kappa_one_closed_form():
    # G = lambda I: r_t = r_0 - t, so T moves from n - 1 to n at r_0 = n exactly
    y = np.array([1.0, -2.0, 0.5])
    for n in (1, 2, 3, 5):
        e = round_threshold(np.eye(3) * 0.3, y, n)
        assert float(y @ y) / (3 * e) == pytest.approx(n * n, rel=1e-12)


@pytest.mark.parametrize("label", ["exact:householder-K4", "levels:diagonal-K6", "small:ab-K3"])
def test_round_threshold_is_where_the_mp_collapse_round_moves(label):
    fam, lab, G, y, params = next(b for b in spectral_bases("fast", 0) if b[1].startswith(label))
    for n in (2, 3):
        e = round_threshold(G, y, n)
        below = self_distill(G, y, e * (1 - THRESHOLD_OFFSET), dps=30)
        above = self_distill(G, y, e * (1 + THRESHOLD_OFFSET), dps=30)
        assert (below.collapse_round, above.collapse_round) == (n, n - 1)
        # below the threshold the last round starts just above K eps
        r2 = float(below.norms[n - 1] ** 2 / (len(y) * below.eps))
        assert 0 < r2 - 1 < 1e-8


# ------------------------------------------------------------------- the Mobahi domains
def test_mobahi_domains_hold_the_new_families_in_budget():
    std, multi, thr = (standard_domain("fast", 0), multiclass_domain("fast", 0),
                       threshold_domain("fast", 0))
    for dom in (std, multi, thr):
        assert len({i.id for i in dom}) == len(dom)
        assert {"exact", "levels", "small", "aligned"} <= {i.family for i in dom}
    assert 100 <= len(std) <= 130 and len(multi) <= 90 and len(thr) <= 90
    rounds = [dict(i.params) for i in std if "round" in dict(i.params)]
    assert {p["round"] for p in rounds} == {2, 3} and {p["side"] for p in rounds} == {"below", "above"}
    assert {np.shape(i.y)[1] for i in multi} == {2, 3}
    # small few-round instances first: the mp re-checks of the first instances stay cheap
    assert all(i.K <= 3 for i in std[:3])


@pytest.mark.slow
def test_the_full_tier_grows_and_is_deterministic():
    a = standard_domain("full", 0)
    assert len(a) > 1000
    assert [i.id for i in a[:50]] == [i.id for i in standard_domain("full", 0)[:50]]


# ------------------------------------------------------------------- the other engines' domains
#: What a claim's hypothesis keeps out of its domain (the test skips those checks for it).
_NO_REPEAT = {  # exact repeats with kappa > 1
    "borup2021.toy_numbers": "the published numbers of one toy problem",
    "pareek2024.r_steps_reach_oracle": "r distinct non-zero singular values",
    "pareek2024.no_gain_cases": "isotropic (kappa = 1) or equal energy on distinct values",
    "pareek2024.separation_one_step": "one family, s_j^2 = j",
    "pareek2024.xi_blowup": "its own families, s_j^2 = j and e^U(-1, 1)",
    "das2023.isotropic_no_gain": "X^T X = s^2 I (kappa = 1)",
}
_NO_LEVELS = {k: v for k, v in _NO_REPEAT.items()
              if k not in ("pareek2024.r_steps_reach_oracle", "pareek2024.no_gain_cases")}
_NO_SMALL = {k: v for k, v in _NO_LEVELS.items() if k != "das2023.isotropic_no_gain"}
_GRAM_ENGINES = ("fixed_ridge", "dong2019.air_rate", "dong2019.distill", "dong2019.soft_limit",
                 "dong2019.reanchored")


def _gram_claims():
    from proofs_check import registry
    return [c for c in registry.catalogue() if c.engine.name in _GRAM_ENGINES]


_SPECTRA = {}


def _exact_spectrum(inst):
    """The eigenvalues (mp, 50 digits) of the instance's Gram matrix, computed from its exact
    entries: G, a kernel matrix H, or X X^T from a design X (products of binary floats,
    exact at 50 digits)."""
    data = inst.data or {}
    M = inst.G if inst.G is not None else data.get("H")
    key = None
    ctx = make_context(50)
    if M is not None:
        M = np.asarray(M, float)
        key = M.tobytes()
        A = to_mp_array(ctx, M)
    else:
        X = np.asarray(data["X"], float)
        key = X.tobytes() + b"X"
        Xm = to_mp_array(ctx, X)
        A = np.array([[ctx.fsum(Xm[i, k] * Xm[j, k] for k in range(X.shape[1]))
                       for j in range(X.shape[0])] for i in range(X.shape[0])], dtype=object)
    if key not in _SPECTRA:
        _SPECTRA[key] = list(eigh_mp(ctx, A).values) if A.shape[0] > 1 else [A[0, 0]]
    return ctx, _SPECTRA[key]


def _float_spectrum(inst):
    data = inst.data or {}
    M = inst.G if inst.G is not None else data.get("H")
    if M is None:
        X = np.asarray(data["X"], float)
        M = X @ X.T
    return np.linalg.eigvalsh(np.asarray(M, float))


def _has_exact_repeat(inst):
    """Two eigenvalues equal within 1e-45 (mp, 50 digits) and kappa > 1 (on the non-zero
    part of the spectrum)."""
    d = _float_spectrum(inst)
    d = d[d > d[-1] * 1e-15]
    if d.size < 2 or d[-1] < 1.5 * d[0] or np.min(np.diff(d)) > 1e-10 * d[-1]:
        return False  # float64 sees no candidate: no repeat there
    ctx, vals = _exact_spectrum(inst)
    big = max(abs(v) for v in vals)
    nz = sorted(v for v in vals if v > big * ctx.mpf(10) ** -20)
    return nz[-1] > 1.5 * nz[0] and any(b - a <= ctx.mpf(10) ** -45 for a, b in zip(nz, nz[1:]))


def _few_levels_at(inst, kappa):
    """At most four distinct non-zero eigenvalues (mp; within 1e-40 relative) and condition
    number >= kappa."""
    d = _float_spectrum(inst)
    d = d[d > d[-1] * 1e-15]
    if d[-1] < kappa * d[0] * (1 - 1e-6):
        return False
    ctx, vals = _exact_spectrum(inst)
    big = max(abs(v) for v in vals)
    nz = sorted(v for v in vals if v > big * ctx.mpf(10) ** -20)
    levels = 1 + sum(1 for a, b in zip(nz, nz[1:]) if b - a > ctx.mpf(10) ** -40 * big)
    return levels <= 4 and nz[-1] >= kappa * nz[0]


@pytest.mark.parametrize("claim", _gram_claims(), ids=lambda c: c.id)
def test_every_gram_claim_domain_has_exact_repeats_few_levels_and_tiny_K(claim):
    """Each fixed-ridge (and Dong kernel GD) claim's fast domain holds an exact repeat with
    kappa > 1, a few-level spectrum with kappa >= 1e8 and K = 1, 2, 3, unless its hypothesis
    rules them out (say which)."""
    dom = claim.domain("fast", 0)
    if claim.id not in _NO_REPEAT:
        assert any(_has_exact_repeat(i) for i in dom), claim.id
    if claim.id not in _NO_LEVELS:
        assert any(_few_levels_at(i, 1e8) for i in dom), claim.id
    if claim.id not in _NO_SMALL:
        assert {1, 2, 3} <= {i.K for i in dom}, claim.id


def test_spectral_designs_are_exact_with_the_stated_spectrum():
    from proofs_check.domains import spectral_designs
    for fam, label, D in spectral_designs("fast", 0):
        p = dict(D.params)
        assert D.X.shape == (p["n"], p["d"])
        if not D.exact:
            continue
        # X^T X and X X^T exact: against rational arithmetic
        F = _frac(D.X)
        XtX = _frac(D.X.T @ D.X)
        for i in range(p["d"]):
            for j in range(p["d"]):
                assert sum(F[r][i] * F[r][j] for r in range(p["n"])) == XtX[i][j]
        ctx, vals = _exact_spectrum(Instance("x", "t", data={"X": D.X}))
        nz = sorted(v for v in vals if v > ctx.mpf(10) ** -30)
        lev = _levels(ctx, nz)
        assert [m for _, m in lev] == [int(x) for x in p["mults"].split("+")], label
        assert float(lev[-1][0] / lev[0][0]) == pytest.approx(p["kappa"], rel=1e-12)
        # theta's alignment in the right singular basis (exact: X^T X is a permuted diagonal)
        Vt = D.X.T @ D.X
        top = np.isclose(np.diag(Vt), D.s2[-1], rtol=0, atol=0)
        if p["align"] == "orthogonal_top":
            assert np.all(D.theta[top] == 0)
        elif p["align"] == "top":
            assert np.count_nonzero(D.theta) == 1 and np.all(D.theta[~top] == 0)


def test_spread_takes_every_value_ends_first():
    from proofs_check.domains import spread
    grid = (1e-6, 1e-3, 0.1, 1.0, 10.0)
    assert [spread(grid, i) for i in range(2)] == [1e-6, 10.0]
    assert {spread(grid, i, 3) for i in range(5)} == set(grid)


@pytest.mark.parametrize("tier", ["fast", "full"])
def test_spectral_problems_are_the_spectral_bases_with_their_spectrum(tier):
    from proofs_check.domains import core_problems, spectral_problems
    probs, bases = spectral_problems(tier, 2), spectral_bases(tier, 2)
    assert [p[1] for p in probs] == [b[1] for b in bases]
    for (fam, label, p), b in zip(probs, bases):
        assert fam == b[0] and np.array_equal(p.G, b[2]) and np.array_equal(p.y, b[3])
        # d is the spectrum (float64 eigh agrees to rounding)
        assert np.allclose(np.linalg.eigvalsh(p.G), p.d, rtol=0, atol=64 * 2.0**-52 * p.d[-1])
    core = core_problems(tier, 2)
    assert {c[1] for c in core} <= {p[1] for p in probs}
    assert len(core) == (14 if tier == "fast" else len(probs))
