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
