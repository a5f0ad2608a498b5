"""Shared instance families for kernel problems (STYLE rule 10): seeded Gram matrices and
targets, concentrated on hard regions.  Papers build their domains from these
(``proofs_check/papers/<paper_id>/domains.py``); nothing here belongs to one paper.

Families of base problems ``(family, label, G, y, params)``; :data:`FAMILIES` says what each
covers and its parameter ranges per tier (``proofs-check domains`` prints them):

* ``green``: Green's-function kernels of the Sobolev regularisers on sorted 1-D points in
  [0, 1] (:data:`GREEN_KERNELS`; docs/theory/mobahi2020.md §3);
* ``gaussian`` and ``matern``: kernels on points in [0, 1]^dim, dim = 1..3;
* ``spectrum``: Q diag(d) Q^T for a seeded random rotation Q and prescribed spectra with
  condition number 1 (G = lambda I exactly) to 1e12; its ``repeated`` spectra are rotated
  and rounded to float64, which splits each repeat by ~1e-17 absolute (distinct to mp);
* ``exact`` (:func:`exact_bases`): exactly repeated eigenvalues with kappa > 1, built
  without rounding: G = W diag(d) W^T with W = I, or a product of 4 x 4 Householder
  reflections I - J/2 (entries +-1/2, +-1/4), or G = alpha I + beta J; every entry of G is
  the exact value (checked against rational arithmetic when built);
* ``levels`` (:func:`level_bases`): 2-4 well-separated levels (exact, with multiplicities)
  at kappa from 1e2 to 1.4e14, e.g. levels 2^-40, 2^-20, 1 (~1e-12, 1e-6, 1);

Every fixed spectral problem keeps kappa below 1/(10 K u) (u = 2^-52), the float64
engine's threshold of singularity, so that float64-only code (a claim's own float64
checks, the derivations' numeric steps) sees G as positive definite; the counterexample
search goes beyond it (there float64 fails and mp decides);
* ``small`` (:func:`small_bases`): K = 1, 2, 3 with every spectral shape: lambda I, two
  levels at kappa 16 to 1.4e14, a cluster of relative width 2^-40 (~1e-12), exact repeats
  (2 + 1, 1 + 2), three distinct levels, a generic rotation;
* ``aligned`` (:func:`aligned_bases`): exact spectra whose targets are aligned with one
  eigenvector (the top or the bottom one) or exactly orthogonal to an eigenspace.

The same families as :class:`SpectralProblem` objects (:func:`spectral_problems`, the
eigenvalues kept; :func:`core_problems`, a short list for catalogues whose every instance
is decided in mp; :func:`select_problems`, the ones a hypothesis allows), and for linear
ridge on a design as :class:`SpectralDesign` objects (:func:`spectral_designs`: X = W
diag(s) P with exact multiplicities, X X^T and X^T X exact, n < d and n > d).  Other
engines' catalogues cross them with their own parameters, taken edge-first
(:func:`spread`), and tag each instance with the :class:`Recipe` that rebuilds it from a
drawn spectrum (:func:`search_tag`), so that the counterexample search can draw more.

The exact families scale their eigenvalues by 2^-ceil(log2 K) (the 1/K of a Gram matrix,
rounded to a power of two so that G stays exact); the other families' Gram matrices include
the 1/K.  Targets are a smooth signal plus seeded noise (kernels), or exact dyadic
coordinates in the eigenbasis (exact families): every spectral component non-zero unless
the alignment says otherwise.  ``m`` classes give targets of shape (K, m).

>>> bases = kernel_bases("fast", 0)
>>> len(bases) > 20, {b[0] for b in bases} == {"green", "gaussian", "matern", "spectrum"}
(True, True)
>>> {b[0] for b in spectral_bases("fast", 0)} == {"exact", "levels", "small", "aligned"}
True
"""

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from theory.kernels import gaussian_gram, matern_gram

__all__ = ["kernel_bases", "rotated_spectrum", "green_gram_1d", "make_targets", "spectrum", "check_tier",
           "TIERS", "GREEN_KERNELS", "FAMILIES", "Family", "SpectralProblem", "spectral_problem",
           "exact_bases", "level_bases", "small_bases", "aligned_bases", "spectral_bases",
           "MIXINGS", "ALIGNMENTS", "gram_scale", "round_threshold", "spectral_problems",
           "select_problems", "spread", "CORE_PROBLEMS", "core_problems", "DESIGN_MIXINGS", "SpectralDesign", "spectral_design",
           "spectral_designs", "PARAM_SCALES", "Param", "Recipe", "SearchTag", "search_tag",
           "no_search"]

TIERS = ("fast", "full")

#: Green's-function kernels, as regulariser coefficients [a_0, ..., a_M] of
#: sum_m a_m (-1)^m D^{2m}.
GREEN_KERNELS = {
    "laplace": ("1 - l^2 D^2, l = 0.2", [1, 0.04]),
    "laplace2": ("(1 - l^2 D^2)^2, l = 0.2", [1, 0.08, 0.0016]),
    "sobolev3": ("1 - D^2 + D^4", [1, 1, 1]),
}


def check_tier(tier):
    if tier not in TIERS:
        raise ValueError(f"tier {tier!r} must be one of {TIERS}")
    return tier


def green_gram_1d(name, x):
    """Gram matrix g(|x_j - x_k|)/K of a :data:`GREEN_KERNELS` kernel (via theory.green)."""
    from theory.green import green_gram  # sympy derivation; imported when first needed
    return green_gram(GREEN_KERNELS[name][1], x)


def rotated_spectrum(values, seed):
    """Q diag(values) Q^T: exactly symmetric, with a seeded random rotation Q."""
    rng = np.random.default_rng(seed)
    K = len(values)
    Q, R = np.linalg.qr(rng.standard_normal((K, K)))
    Q = Q * np.sign(np.diag(R))
    G = (Q * np.asarray(values, float)) @ Q.T
    return 0.5 * (G + G.T)


def spectrum(kind, K, kappa):
    """Eigenvalues in (0, 1] with condition number ``kappa``: ``geometric``, ``repeated``
    (three plateaus), ``identity`` (all 0.5)."""
    if kind == "geometric":
        return np.geomspace(1.0 / kappa, 1.0, K)
    if kind == "repeated":  # three plateaus: each eigenvalue repeated, kappa between extremes
        levels = np.array([1.0 / kappa, 1.0 / np.sqrt(kappa), 1.0])
        return np.sort(levels[np.arange(K) % 3])
    if kind == "identity":
        return np.full(K, 0.5)
    raise ValueError(kind)


def make_targets(x_or_K, seed, m=None):
    """sin(2 pi x) (or a random smooth signal) plus 0.3 N(0, 1) noise, seeded."""
    rng = np.random.default_rng(seed)
    if np.ndim(x_or_K) == 0:
        K = int(x_or_K)
        base = rng.standard_normal(K)
    else:
        x = np.asarray(x_or_K, float)
        x1 = x if x.ndim == 1 else x[:, 0]
        base = np.sin(2 * np.pi * x1)
        K = len(x1)
    if m is None:
        return base + 0.3 * rng.standard_normal(K)
    return base[:, None] * rng.standard_normal(m)[None, :] + 0.3 * rng.standard_normal((K, m))


def _points(K, dim, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, (K, dim))
    return np.sort(x[:, 0]) if dim == 1 else x


def kernel_bases(tier, seed, m=None):
    """(family, label, G, y, params) for each base problem of the tier (``m``: classes)."""
    check_tier(tier)
    out = []
    s = seed * 1000
    Ks_green = (5, 12, 40) if tier == "fast" else (2, 3, 5, 8, 12, 20, 40, 80, 200)
    for name, K in itertools.product(GREEN_KERNELS, Ks_green):
        x = _points(K, 1, s + K)
        out.append(("green", f"green:{name}-K{K}", green_gram_1d(name, x),
                    make_targets(x, s + K + 1, m), (("kernel", name),)))
    dims = (1, 2, 3)
    Ks_kern = (10, 30) if tier == "fast" else (3, 10, 30, 60, 120, 200)
    for dim, K in itertools.product(dims, Ks_kern):
        x = _points(K, dim, s + 7 * K + dim)
        y = make_targets(x, s + 7 * K + dim + 1, m)
        # bandwidth ~ the mean spacing K^(-1/dim): a wider one makes G singular in float64
        # (kappa > 1e299 for h = 0.3, K = 30 in 1-D)
        h = round(0.6 * K ** (-1.0 / dim), 4)
        out.append(("gaussian", f"gaussian:d{dim}-K{K}", gaussian_gram(x, h), y,
                    (("dim", dim), ("h", h))))
        for nu in ((1.5,) if tier == "fast" else (0.5, 1.5, 2.5)):
            out.append(("matern", f"matern{nu}:d{dim}-K{K}", matern_gram(x, nu, 0.3), y,
                        (("dim", dim), ("nu", nu), ("ell", 0.3))))
    spectra = [("identity", 1.0), ("geometric", 10.0), ("geometric", 1e3), ("repeated", 1e4),
               ("geometric", 1e6), ("geometric", 1e9), ("geometric", 1e12)]
    Ks_spec = (2, 8, 30) if tier == "fast" else (1, 2, 3, 8, 30, 100, 200)
    for (kind, kappa), K in itertools.product(spectra, Ks_spec):
        if K == 1 and kind != "identity":
            continue
        tag = f"spectrum:{kind}-kappa{kappa:.0e}-K{K}"
        # lambda I exactly (a rotation would blur it into a cluster of width ~1e-17)
        G = (np.eye(K) * 0.5 if kind == "identity"
             else rotated_spectrum(spectrum(kind, K, kappa), s + K)) / K
        out.append(("spectrum", tag, G,
                    make_targets(K, s + K + 2, m), (("spectrum", kind), ("kappa", kappa))))
    return out


# ---------------------------------------------------------------------------------------
# Spectral families: exact multiplicities, few levels at large kappa, tiny K, alignment

#: How the eigenvectors of a spectral problem are laid out.  ``diagonal``: G = diag(d) (a
#: legitimate Gram matrix, e.g. of orthogonal features); ``householder``: G = W diag(d) W^T
#: with W a product of block reflections I - J/2 on blocks of four (a perfect shuffle between
#: two layers when K >= 8), whose entries are +-1/2 or +-1/4, so that G is exact in binary;
#: ``ab``: G = alpha I + beta J, one simple level and one of multiplicity K - 1 (all
#: eigenvectors but the constant one share a level), exact; ``rotation``: a seeded random
#: rotation rounded to float64 (generic eigenvectors; repeats split by rounding).
MIXINGS = ("diagonal", "householder", "ab", "rotation")
#: Targets in the eigenbasis: ``generic`` (every spectral component non-zero), ``top`` /
#: ``bottom`` (y is an eigenvector of the largest / smallest eigenvalue), ``orthogonal_top`` /
#: ``orthogonal_bottom`` (y has no component in the largest / smallest eigenspace).
ALIGNMENTS = ("generic", "top", "bottom", "orthogonal_top", "orthogonal_bottom")


def gram_scale(K):
    """2^-ceil(log2 K): the 1/K of a Gram matrix rounded to a power of two, so that scaling
    by it is exact.

    >>> gram_scale(1), gram_scale(3), gram_scale(4)
    (1.0, 0.25, 0.25)
    """
    return 2.0 ** -math.ceil(math.log2(K)) if K > 1 else 1.0


@dataclass(frozen=True)
class SpectralProblem:
    """A Gram matrix with a known spectrum and targets with a known alignment.

    ``d``: the eigenvalues (ascending, with multiplicity); ``exact``: G and y hold exactly the
    values of the construction (no rounding anywhere), so that repeated eigenvalues are
    exactly repeated for every engine; ``params``: the construction, for reports.
    """

    G: np.ndarray
    y: np.ndarray
    d: np.ndarray
    exact: bool
    params: tuple

    @property
    def kappa(self):
        return float(self.d[-1] / self.d[0]) if self.d[0] > 0 else math.inf


def _reflections(K):
    H = np.eye(K)
    for b in range(0, K - K % 4, 4):
        H[b:b + 4, b:b + 4] -= 0.5
    return H


def _householder(K):
    """W orthogonal with dyadic entries: one layer of 4 x 4 reflections I - J/2, and for
    K >= 8 a second layer after a perfect shuffle (so that every block mixes with others)."""
    H = _reflections(K)
    if K < 8:
        return H
    perm = [i for r in range(4) for i in range(r, K, 4)]
    P = np.eye(K)[perm]
    return H @ P @ H


def _exact(M):
    return [[Fraction(float(v)) for v in row] for row in np.atleast_2d(M)]


def _check_exact(G, W, d, y, z):
    """G = W diag(d) W^T and y = W z hold exactly in rational arithmetic (else ValueError:
    the levels have too many bits for the construction to stay exact in float64)."""
    Wf, Gf = _exact(W), _exact(G)
    df = [Fraction(float(v)) for v in d]
    K = len(df)
    for i in range(K):
        for j in range(i, K):
            if sum(Wf[i][k] * df[k] * Wf[j][k] for k in range(K)) != Gf[i][j]:
                raise ValueError(f"G[{i},{j}] is not exact in float64 for levels {list(d)}: "
                                 f"use levels with fewer significant bits")
    zf, yf = _exact(np.reshape(z, (K, -1))), _exact(np.reshape(y, (K, -1)))
    for i in range(K):
        for c in range(len(zf[0])):
            if sum(Wf[i][k] * zf[k][c] for k in range(K)) != yf[i][c]:
                raise ValueError(f"y[{i}] is not exact in float64")


def _coords(rng, K, d, alignment, m):
    """Exact dyadic eigen-coordinates z (K or K x m) of the targets for an alignment; the
    first class carries the alignment, further classes are generic."""
    def generic():
        return rng.integers(1, 9, K) * rng.choice([-1.0, 1.0], K) / 8

    def aligned(kind):
        z = generic()
        top, bottom = d == d[-1], d == d[0]
        if kind == "top":
            z = np.where(np.arange(K) == int(np.argmax(top)), 1.0, 0.0)
        elif kind == "bottom":
            z = np.where(np.arange(K) == int(np.argmax(bottom)), 1.0, 0.0)
        elif kind == "orthogonal_top":
            z = np.where(top, 0.0, z)
        elif kind == "orthogonal_bottom":
            z = np.where(bottom, 0.0, z)
        if not np.any(z):
            raise ValueError(f"alignment {kind!r} leaves no component for a spectrum with a "
                             f"single level (kappa = 1)")
        return z

    if alignment not in ALIGNMENTS:
        raise ValueError(f"alignment {alignment!r} must be one of {ALIGNMENTS}")
    if m is None:
        return aligned(alignment)
    return np.stack([aligned(alignment)] + [generic() for _ in range(m - 1)], axis=1)


def spectral_problem(mixing, K, levels=(1.0,), mults=None, *, kappa_exp=None,
                     alignment="generic", seed=0, m=None):
    """The :class:`SpectralProblem` of a spectral construction.

    ``levels`` (relative, largest 1) with multiplicities ``mults`` (summing to K; default
    one each), scaled by :func:`gram_scale`; ``mixing`` one of :data:`MIXINGS`.  ``ab`` takes
    ``kappa_exp`` = e instead: G = s((K + 2^e) ... ) = alpha I + beta J with beta = 2^e alpha/K
    rounded exactly, eigenvalues alpha (K - 1 times) and alpha (1 + 2^e): kappa = 1 + 2^e.
    ``alignment`` one of :data:`ALIGNMENTS`; ``m`` classes (None: a vector).

    >>> p = spectral_problem("householder", 4, (2.0**-20, 1.0), (2, 2))
    >>> p.exact, p.kappa == 2.0**20, p.d.tolist() == [2.0**-22, 2.0**-22, 0.25, 0.25]
    (True, True, True)
    >>> p.G[0].tolist()  # exact: (2^-22 + 2^-2)/2 on the diagonal
    [0.12500011920928955, 0.12499988079071045, 0.0, 0.0]
    """
    if mixing not in MIXINGS:
        raise ValueError(f"mixing {mixing!r} must be one of {MIXINGS}")
    rng = np.random.default_rng(seed)
    s = gram_scale(K)
    if mixing == "ab":
        if K < 2 or kappa_exp is None:
            raise ValueError("mixing 'ab' needs K >= 2 and kappa_exp")
        # alpha = K 2^-(e + c), beta = 2^-c: eigenvalues alpha (K - 1 times) and
        # alpha + K beta = alpha (1 + 2^e); every entry a small integer times a power of two
        c = math.ceil(math.log2(K)) + 1
        alpha, beta = K * 2.0 ** -(kappa_exp + c), 2.0 ** -c
        G = alpha * np.eye(K) + beta * np.ones((K, K))
        d = np.array([alpha] * (K - 1) + [alpha * (1 + 2.0 ** kappa_exp)])
        # eigenvectors: ones (top), e_0 - e_k (the repeated level); exact targets directly
        z = _coords(rng, K, d, alignment, m)
        ones = np.ones(K)
        basis = np.column_stack([np.eye(K)[0] - np.eye(K)[k] for k in range(1, K)] + [ones])
        y = basis @ z  # integer combinations of dyadics: exact
        params = (("mixing", "ab"), ("levels", 2), ("mults", f"{K - 1}+1"),
                  ("kappa", float(d[-1] / d[0])), ("align", alignment))
        return SpectralProblem(G, y, d, True, params)
    mults = tuple(mults) if mults is not None else (1,) * len(levels)
    if len(mults) != len(levels) or sum(mults) != K or min(mults) < 1:
        raise ValueError(f"multiplicities {mults} must be positive, one per level, summing to "
                         f"K = {K}")
    lv = np.asarray(levels, float) * s
    d = np.repeat(lv, mults)
    order = np.argsort(d, kind="stable")
    d = d[order]
    z = _coords(rng, K, d, alignment, m)
    if mixing == "diagonal":
        W, exact = np.eye(K), True
    elif mixing == "householder":
        W, exact = _householder(K), True
    else:  # rotation: generic eigenvectors, rounded
        Q, R = np.linalg.qr(np.random.default_rng(seed + 7919).standard_normal((K, K)))
        W, exact = Q * np.sign(np.diag(R)), False
    G = (W * d) @ W.T
    G = 0.5 * (G + G.T) if not exact else G
    y = W @ z
    if exact and mixing != "diagonal":
        _check_exact(G, W, d, y, z)
    nlev = len(set(lv.tolist()))
    u = np.unique(lv)
    gap = float(np.min(np.diff(u) / u[1:])) if len(u) > 1 else math.inf
    params = (("mixing", mixing), ("levels", nlev), ("mults", "+".join(map(str, mults))),
              ("kappa", float(d[-1] / d[0])), ("align", alignment))
    if gap < 1e-6:  # two levels closer than 1e-6 relative: a cluster
        params += (("cluster", gap),)
    return SpectralProblem(G, y, d, exact, params)


@dataclass(frozen=True)
class Family:
    """A family of instances: what it covers and its parameter ranges per tier."""

    name: str
    covers: str
    fast: str
    full: str


#: Every shared family, for documentation and ``proofs-check domains``.
FAMILIES = {f.name: f for f in (
    Family("green", "Green's-function kernels of Sobolev regularisers (smooth, graded "
           "spectra; docs/theory/mobahi2020.md §3) on sorted points in [0, 1]",
           "3 kernels x K in {5, 12, 40}", "3 kernels x K in {2, 3, 5, 8, 12, 20, 40, 80, 200}"),
    Family("gaussian", "Gaussian kernels on points in [0, 1]^dim (fast-decaying spectra; "
           "kappa grows fast with K)", "dim 1-3 x K in {10, 30}", "dim 1-3 x K in {3, ..., 200}"),
    Family("matern", "Matern kernels (polynomially decaying spectra)",
           "nu = 1.5, dim 1-3 x K in {10, 30}", "nu in {0.5, 1.5, 2.5}, dim 1-3, K 3-200"),
    Family("spectrum", "rotated prescribed spectra: lambda I (exact), geometric kappa 10 to "
           "1e12, three near-repeated plateaus (repeats split by rounding)",
           "K in {2, 8, 30}", "K in {1, 2, 3, 8, 30, 100, 200}"),
    Family("exact", "exactly repeated eigenvalues with kappa > 1 (diagonal, Householder "
           "W diag(d) W^T, alpha I + beta J; G exact; designs X = W diag(s) P with X X^T and "
           "X^T X exact)",
           "K 3-8, multiplicities 2+1, 1+3, 2+2, 4+2+2, 4+1, 2+1, kappa 2^7 to 2^40",
           "adds K up to 16 and kappa up to 2^44"),
    Family("levels", "2-4 well-separated levels with multiplicities at large kappa "
           "(e.g. 2^-40, 2^-20, 1 ~ 1e-12, 1e-6, 1)",
           "K 3-8, kappa 2^7 (1e2), 2^27 (1e8), 2^40 (1e12), 2^44, 2^47 (1.4e14)",
           "kappa 2^7 to 2^47 in seven steps x 2, 3, 4 levels"),
    Family("small", "K = 1, 2, 3 with every spectral shape: lambda I, two levels, a "
           "cluster of width 2^-40, repeats 2+1 and 1+2, three levels, a generic rotation",
           "11 problems, kappa 1 to 2^47", "adds rotated K = 2, 3 at kappa 10 to 1e12"),
    Family("aligned", "targets aligned with the top or bottom eigenvector, or orthogonal to "
           "the top or bottom eigenspace (exact)",
           "2 spectra (K = 4 Householder, kappa 2^20; K = 5 alpha I + beta J, kappa 2^40) x 4 "
           "alignments",
           "adds K = 6 diagonal and K = 8 Householder at kappa up to 2^40"),
)}

_T = 2.0 ** -40  # a cluster of relative width ~9e-13

# (mixing, K, levels or kappa exponent for 'ab', multiplicities, alignment)
_EXACT = [("diagonal", 3, (2.0**-10, 1.0), (2, 1)), ("diagonal", 4, (2.0**-20, 1.0), (1, 3)),
          ("householder", 4, (2.0**-13, 1.0), (2, 2)),
          ("householder", 8, (2.0**-27, 2.0**-13, 1.0), (4, 2, 2)),
          ("ab", 5, 7, None), ("ab", 3, 40, None)]
_EXACT_FULL = [("householder", 12, (2.0**-20, 1.0), (6, 6)), ("diagonal", 6, (2.0**-44, 1.0), (3, 3)),
               ("ab", 8, 20, None), ("householder", 8, (2.0**-40, 1.0), (1, 7)),
               ("householder", 16, (2.0**-30, 2.0**-10, 1.0), (8, 4, 4)), ("ab", 12, 13, None),
               ("ab", 2, 10, None)]
_LEVELS = [("diagonal", 6, (2.0**-40, 2.0**-20, 1.0), (2, 2, 2)),
           ("householder", 4, (2.0**-7, 1.0), (2, 2)),
           ("householder", 8, (2.0**-27, 1.0), (4, 4)),
           ("householder", 8, (2.0**-44, 2.0**-30, 2.0**-15, 1.0), (2, 2, 2, 2)),
           ("diagonal", 3, (2.0**-47, 1.0), (1, 2))]
_LEVELS_FULL = [(("householder" if n % 2 else "diagonal"), 8,
                 tuple(2.0 ** -round(e * (n - 1 - i) / (n - 1)) for i in range(n)),
                 {2: (4, 4), 3: (3, 3, 2), 4: (2, 2, 2, 2)}[n])
                for e in (7, 13, 20, 27, 33, 40, 44) for n in (2, 3, 4)]
_SMALL = [("diagonal", 1, (1.0,), (1,)), ("diagonal", 2, (1.0,), (2,)), ("ab", 2, 4, None),
          ("diagonal", 2, (2.0**-27, 1.0), (1, 1)), ("diagonal", 2, (2.0**-47, 1.0), (1, 1)),
          ("diagonal", 2, (1.0 - _T, 1.0), (1, 1)), ("ab", 3, 13, None),
          ("diagonal", 3, (2.0**-20, 1.0), (1, 2)), ("rotation", 3, (1e-3, 10**-1.5, 1.0), None),
          ("diagonal", 3, (2.0**-40, 2.0**-20, 1.0), None),
          ("diagonal", 3, (2.0**-20, 1.0 - _T, 1.0), None)]
_SMALL_FULL = [("rotation", 2, (0.1, 1.0), None), ("rotation", 2, (1e-8, 1.0), None),
               ("rotation", 3, (1e-12, 1e-6, 1.0), None), ("ab", 3, 27, None),
               ("ab", 2, 27, None), ("ab", 2, 47, None)]
_ALIGNED_SPECTRA = [("householder", 4, (2.0**-20, 2.0**-10, 1.0), (1, 2, 1)), ("ab", 5, 40, None)]
_ALIGNED_FULL = [("diagonal", 6, (2.0**-27, 2.0**-13, 1.0), (2, 2, 2)),
                 ("householder", 8, (2.0**-40, 1.0), (4, 4))]
_ALIGN_KINDS = ("top", "bottom", "orthogonal_top", "orthogonal_bottom")


def _label(family, mixing, K, params, m):
    p = dict(params)
    return (f"{family}:{mixing}-K{K}-{p['mults']}-kappa{p['kappa']:.2g}"
            + (f"-cluster{p['cluster']:.1e}" if "cluster" in p else "") + f"-{p['align']}"
            + (f"-m{m}" if m else ""))


def _problems(family, table, tier_seed, m, alignment="generic", offset=0):
    """(family, label, SpectralProblem) of a table of constructions."""
    out = []
    for i, (mixing, K, lv, mults) in enumerate(table):
        seed = tier_seed + offset + i
        if mixing == "ab":
            p = spectral_problem("ab", K, kappa_exp=lv, alignment=alignment, seed=seed, m=m)
        else:
            p = spectral_problem(mixing, K, lv, mults, alignment=alignment, seed=seed, m=m)
        out.append((family, _label(family, mixing, K, p.params, m), p))
    return out


def _bases(family, table, tier_seed, m, alignment="generic", offset=0):
    return [(fam, label, p.G, p.y, p.params)
            for fam, label, p in _problems(family, table, tier_seed, m, alignment, offset)]


def exact_bases(tier, seed, m=None):
    """``exact`` family: exactly repeated eigenvalues with kappa > 1 (see :data:`FAMILIES`).

    >>> all(p[2].dtype == np.float64 for p in exact_bases("fast", 0))
    True
    """
    check_tier(tier)
    return _bases("exact", _EXACT + (_EXACT_FULL if tier == "full" else []), seed * 1000 + 100, m)


def level_bases(tier, seed, m=None):
    """``levels`` family: 2-4 well-separated levels at kappa 1e2 to 1.4e14."""
    check_tier(tier)
    return _bases("levels", _LEVELS + (_LEVELS_FULL if tier == "full" else []),
                  seed * 1000 + 200, m)


def small_bases(tier, seed, m=None):
    """``small`` family: K = 1, 2, 3 with every spectral shape."""
    check_tier(tier)
    return _bases("small", _SMALL + (_SMALL_FULL if tier == "full" else []), seed * 1000 + 300, m)


def aligned_bases(tier, seed, m=None):
    """``aligned`` family: targets aligned with one eigenvector or orthogonal to an
    eigenspace, on exact spectra."""
    check_tier(tier)
    spectra = _ALIGNED_SPECTRA + (_ALIGNED_FULL if tier == "full" else [])
    out = []
    for k, kind in enumerate(_ALIGN_KINDS):
        out += _bases("aligned", spectra, seed * 1000 + 400, m, alignment=kind, offset=10 * k)
    return out


def spectral_bases(tier, seed, m=None):
    """The four spectral families (exact, levels, small, aligned), in that order."""
    return (exact_bases(tier, seed, m) + level_bases(tier, seed, m) + small_bases(tier, seed, m)
            + aligned_bases(tier, seed, m))


def spectral_problems(tier, seed, m=None):
    """(family, label, :class:`SpectralProblem`) of :func:`spectral_bases`, in its order (the
    problem keeps the eigenvalues ``d``, for engines whose parameters scale with them).

    >>> [fam for fam, label, p in spectral_problems("fast", 0)][:1], len(spectral_problems("fast", 0))
    (['exact'], 30)
    """
    check_tier(tier)
    full = tier == "full"
    s = seed * 1000
    out = (_problems("exact", _EXACT + (_EXACT_FULL if full else []), s + 100, m)
           + _problems("levels", _LEVELS + (_LEVELS_FULL if full else []), s + 200, m)
           + _problems("small", _SMALL + (_SMALL_FULL if full else []), s + 300, m))
    spectra = _ALIGNED_SPECTRA + (_ALIGNED_FULL if full else [])
    for k, kind in enumerate(_ALIGN_KINDS):
        out += _problems("aligned", spectra, s + 400, m, alignment=kind, offset=10 * k)
    return out


#: The spectral problems of :func:`spectral_problems` in order of what they add, for
#: catalogues whose instances are expensive (each decided in mp): an exact repeat with
#: kappa 2^13, four levels at 1.8e13, K = 1, K = 2 at kappa 1.3e8, three levels at K = 3
#: (1.1e12), targets on the top eigenvector, alpha I + beta J, a cluster of width 2^-40,
#: exact repeats at kappa 1.3e8, three repeated levels at 1.1e12, a generic rotation,
#: targets off the bottom eigenspace, a repeat 1+2 at K = 3, alpha I + beta J at K = 2.
CORE_PROBLEMS = ("exact:householder-K4-2+2-", "levels:householder-K8-2+2+2+2-",
                 "small:diagonal-K1-", "small:diagonal-K2-1+1-kappa1.3e+08-",
                 "small:diagonal-K3-1+1+1-kappa1.1e+12-", "aligned:householder-K4-1+2+1-kappa1e+06-top",
                 "exact:ab-K5-", "small:diagonal-K2-1+1-kappa1-cluster",
                 "exact:householder-K8-4+2+2-", "levels:diagonal-K6-2+2+2-", "small:rotation-K3-",
                 "aligned:householder-K4-1+2+1-kappa1e+06-orthogonal_bottom",
                 "small:diagonal-K3-1+2-", "small:ab-K2-")


def core_problems(tier, seed, count=len(CORE_PROBLEMS), m=None):
    """The first ``count`` problems of :data:`CORE_PROBLEMS` on the fast tier (in that
    order); every problem of :func:`spectral_problems` on the full tier.

    >>> [label.split("-kappa")[0] for _, label, _ in core_problems("fast", 0, 3)]
    ['exact:householder-K4-2+2', 'levels:householder-K8-2+2+2+2', 'small:diagonal-K1-1']
    """
    probs = spectral_problems(tier, seed, m)
    if tier == "full":
        return probs
    out = []
    for prefix in CORE_PROBLEMS[:count]:
        out += [p for p in probs if p[1].startswith(prefix)][:1]
    return out


def select_problems(problems, *, kappa_max=math.inf, K_max=None, simple=False, mixings=MIXINGS,
                    alignments=ALIGNMENTS):
    """The problems of :func:`spectral_problems` inside a claim's hypothesis: condition number
    at most ``kappa_max``, K at most ``K_max``, distinct eigenvalues only (``simple``), the
    eigenvector layouts ``mixings`` and the target ``alignments`` it allows.

    >>> ps = select_problems(spectral_problems("fast", 0), simple=True, mixings=("diagonal",))
    >>> all(len(set(p.d.tolist())) == len(p.d) and p.params[0] == ("mixing", "diagonal")
    ...     for _, _, p in ps)
    True
    """
    out = []
    for fam, label, p in problems:
        mix, align = dict(p.params)["mixing"], dict(p.params)["align"]
        if (p.kappa > kappa_max or (K_max is not None and len(p.d) > K_max)
                or (simple and len(set(p.d.tolist())) < len(p.d)) or mix not in mixings
                or align not in alignments):
            continue
        out.append((fam, label, p))
    return out


def spread(grid, i, shift=0):
    """The ``i``-th value of ``grid`` taken edge-first (first, last, second, second to last,
    ...), cyclically and shifted: consecutive problems get different values, and the ends of
    every parameter range come first.

    >>> [spread((0.0, 0.25, 0.5, 1.0), i) for i in range(5)]
    [0.0, 1.0, 0.25, 0.5, 0.0]
    """
    n = len(grid)
    order = [grid[(j // 2) if j % 2 == 0 else n - 1 - j // 2] for j in range(n)]
    return order[(i + shift) % n]


# ---------------------------------------------------------------------------------------
# Spectral designs: linear ridge on X with exact singular-value multiplicities

#: Eigenvector layouts a design can have (alpha I + beta J has no exact square root).
DESIGN_MIXINGS = ("diagonal", "householder", "rotation")


@dataclass(frozen=True)
class SpectralDesign:
    """A design X (n x d) with known singular values and a signal with a known alignment.

    ``s2``: the non-zero eigenvalues of X^T X (= those of X X^T; ascending, with
    multiplicity); ``theta``: a ground truth whose coordinates in the right singular basis
    follow the alignment (its null-space part generic); ``exact``: X, X X^T and X^T X hold
    exactly the values of the construction; ``params``: the construction, for reports.
    """

    X: np.ndarray
    theta: np.ndarray
    s2: np.ndarray
    exact: bool
    params: tuple

    @property
    def kappa(self):
        return float(self.s2[-1] / self.s2[0])

    @property
    def G(self):
        """X X^T (exact when ``exact``)."""
        return self.X @ self.X.T


def _signed_permutation(d, rng):
    P = np.eye(d)[rng.permutation(d)]
    return P * np.where(rng.random(d) < 0.5, -1.0, 1.0)[:, None]


def spectral_design(mixing, r, levels=(1.0,), mults=None, *, extra=0, alignment="generic",
                    seed=0):
    """The :class:`SpectralDesign` X = W[:, :r] diag(s) P[:r, :] of rank r.

    ``levels``: the eigenvalues s^2 of X^T X (relative, largest 1), each a power of four
    times a small dyadic so that s = sqrt(level) is exact; multiplicities ``mults`` sum to r.
    W (n x n) is laid out by ``mixing`` (:data:`DESIGN_MIXINGS`), P (d x d) is a seeded
    signed permutation; ``extra`` > 0 adds null columns (d = r + extra > n: n < d), ``extra``
    < 0 adds rows (n = r - extra > d, so X X^T has -extra zero eigenvalues).  X^T X is then
    exactly P^T diag(s^2, 0) P and X X^T = W diag(s^2, 0) W^T, checked in rational
    arithmetic (ValueError when a level has too many bits).

    >>> D = spectral_design("householder", 4, (2.0**-20, 1.0), (2, 2), extra=1)
    >>> D.X.shape, D.exact, D.kappa == 2.0**20, sorted(np.diag(D.X.T @ D.X).tolist())[:2]
    ((4, 5), True, True, [0.0, 9.5367431640625e-07])
    """
    if mixing not in DESIGN_MIXINGS:
        raise ValueError(f"mixing {mixing!r} of a design must be one of {DESIGN_MIXINGS}")
    mults = tuple(mults) if mults is not None else (1,) * len(levels)
    if len(mults) != len(levels) or sum(mults) != r or min(mults) < 1:
        raise ValueError(f"multiplicities {mults} must be positive, one per level, summing to "
                         f"the rank r = {r}")
    sv = [math.sqrt(v) for v in levels]
    if any(x * x != v for x, v in zip(sv, levels)):
        raise ValueError(f"levels {list(levels)}: each must have an exact square root "
                         f"(an even power of two times a square dyadic)")
    rng = np.random.default_rng(seed)
    n, d = r + max(0, -extra), r + max(0, extra)
    s = np.sort(np.repeat(np.asarray(sv, float), mults))
    s2 = s * s
    if mixing == "diagonal":
        W, exact = np.eye(n), True
    elif mixing == "householder":
        W, exact = _householder(n), True
    else:  # generic left singular vectors, rounded
        Q, R = np.linalg.qr(np.random.default_rng(seed + 7919).standard_normal((n, n)))
        W, exact = Q * np.sign(np.diag(R)), False
    P = _signed_permutation(d, rng)
    X = (W[:, :r] * s) @ P[:r, :]
    z = np.concatenate([_coords(rng, r, s2, alignment, None),
                        rng.integers(1, 9, d - r) * rng.choice([-1.0, 1.0], d - r) / 8])
    theta = P.T @ z  # a signed permutation: exact
    if exact:
        _check_design(X, W, s, P, r)
    u = np.unique(s2)
    params = (("mixing", mixing), ("levels", len(u)), ("mults", "+".join(map(str, mults))),
              ("kappa", float(s2[-1] / s2[0])), ("align", alignment), ("n", n), ("d", d))
    return SpectralDesign(X, theta, s2, exact, params)


def _check_design(X, W, s, P, r):
    """X = W[:, :r] diag(s) P[:r, :], X X^T and X^T X hold exactly (float64 products
    against rational arithmetic); ValueError otherwise."""
    Wf, Pf, Xf = _exact(W), _exact(P), _exact(X)
    sf = [Fraction(float(v)) for v in s]
    n, d = len(Wf), len(Pf)
    for i in range(n):
        for j in range(d):
            if sum(Wf[i][k] * sf[k] * Pf[k][j] for k in range(r)) != Xf[i][j]:
                raise ValueError(f"X[{i},{j}] is not exact in float64")
    for M, A in ((X @ X.T, Xf), (X.T @ X, [list(c) for c in zip(*Xf)])):
        Mf = _exact(M)
        m = len(A)
        for i in range(m):
            for j in range(i, m):
                if sum(a * b for a, b in zip(A[i], A[j])) != Mf[i][j]:
                    raise ValueError(f"the Gram matrix of X is not exact in float64 at "
                                     f"[{i},{j}]: use levels with fewer significant bits")


#: Spectral designs (family, mixing, rank r, levels of s^2, multiplicities, extra columns (+)
#: or rows (-), alignment): exact repeats with kappa > 1, few levels at kappa 2^28 to 2^44,
#: rank 1, 2, 3, n < d and n > d, aligned signals.
_DESIGNS = [("exact", "householder", 4, (2.0**-14, 1.0), (2, 2), 0, "generic"),
            ("exact", "diagonal", 5, (2.0**-10, 1.0), (3, 2), 2, "generic"),
            ("levels", "householder", 8, (2.0**-28, 2.0**-14, 1.0), (4, 2, 2), 0, "generic"),
            ("levels", "diagonal", 4, (2.0**-40, 2.0**-20, 1.0), (2, 1, 1), -2, "generic"),
            ("small", "diagonal", 1, (1.0,), (1,), 0, "generic"),
            ("small", "diagonal", 2, (2.0**-28, 1.0), (1, 1), 0, "generic"),
            ("small", "householder", 2, (1.0,), (2,), 2, "generic"),
            ("small", "diagonal", 3, (2.0**-20, 1.0), (1, 2), 0, "generic"),
            ("small", "diagonal", 3, (2.0**-44, 2.0**-22, 1.0), None, 1, "generic"),
            ("small", "rotation", 3, (2.0**-12, 2.0**-6, 1.0), None, 0, "generic")] + [
            ("aligned", "householder", 4, (2.0**-20, 2.0**-10, 1.0), (1, 2, 1), 0, kind)
            for kind in ("top", "bottom", "orthogonal_top", "orthogonal_bottom")]
_DESIGNS_FULL = [("exact", "householder", 12, (2.0**-24, 2.0**-12, 1.0), (4, 4, 4), 0, "generic"),
                 ("levels", "householder", 8, (2.0**-40, 1.0), (4, 4), -4, "generic"),
                 ("levels", "diagonal", 6, (2.0**-30, 2.0**-16, 2.0**-4, 1.0), (3, 1, 1, 1), 3,
                  "generic"),
                 ("small", "rotation", 2, (2.0**-40, 1.0), None, 0, "generic"),
                 ("aligned", "householder", 8, (2.0**-28, 1.0), (2, 6), 0, "top")]


def spectral_designs(tier, seed):
    """(family, label, :class:`SpectralDesign`) of the tier: the ``exact``, ``levels``,
    ``small`` (rank 1, 2, 3) and ``aligned`` families for linear ridge on a design (see
    :data:`FAMILIES`).

    >>> [(fam, D.X.shape) for fam, label, D in spectral_designs("fast", 0)][:2]
    [('exact', (4, 4)), ('exact', (5, 7))]
    """
    check_tier(tier)
    table = _DESIGNS + (_DESIGNS_FULL if tier == "full" else [])
    out = []
    for i, (fam, mixing, r, lv, mults, extra, align) in enumerate(table):
        D = spectral_design(mixing, r, lv, mults, extra=extra, alignment=align,
                            seed=seed * 1000 + 500 + i)
        p = dict(D.params)
        label = (f"{fam}:{mixing}-n{p['n']}-d{p['d']}-{p['mults']}-kappa{p['kappa']:.2g}"
                 f"-{align}")
        out.append((fam, label, D))
    return out


# ---------------------------------------------------------------------------------------
# Recipes: how a claim's instances are rebuilt from a drawn spectrum (the search's hook)

#: How a recipe parameter is drawn: ``linear`` or ``log`` over the range the domain spans
#: (a 65-point grid with both ends, or one of the values the domain holds), ``int`` (every
#: integer of the range), ``choice`` (one of the values the domain holds).
PARAM_SCALES = ("linear", "log", "int", "choice")


@dataclass(frozen=True)
class Param:
    """A parameter of a :class:`Recipe`: its name, how it is drawn (:data:`PARAM_SCALES`)
    and, for a vector of values (e.g. the weights xi_1..xi_k), the parameter giving its
    length."""

    name: str
    scale: str = "linear"
    size: str = None

    def __post_init__(self):
        if self.scale not in PARAM_SCALES:
            raise ValueError(f"parameter {self.name}: scale {self.scale!r} must be one of "
                             f"{PARAM_SCALES}")


@dataclass(frozen=True)
class Recipe:
    """How a paper builds an instance of its engine from a spectral problem (``kind``
    ``gram``: a :class:`SpectralProblem`; ``design``: a :class:`SpectralDesign`) and its own
    parameters: ``build(problem, values, seed, label)`` returns the Instance (``values`` a
    dict of the :class:`Param` values).  ``mixings``, ``simple`` (distinct eigenvalues only)
    and ``alignments`` state what the claim's hypothesis allows.

    A domain marks each instance the recipe could have built with :func:`search_tag`; the
    counterexample search (:mod:`proofs_check.search`) learns every parameter's range from
    those tags and draws new instances inside it.
    """

    name: str
    build: object = field(repr=False, compare=False)
    params: tuple = ()
    kind: str = "gram"
    mixings: tuple = MIXINGS
    simple: bool = False
    alignments: tuple = ALIGNMENTS
    covers: str = ""

    def __post_init__(self):
        if self.kind not in ("gram", "design"):
            raise ValueError(f"recipe {self.name}: kind {self.kind!r} must be 'gram' or 'design'")


@dataclass(frozen=True)
class SearchTag:
    """``Instance.data["search"]``: the recipe that could have built the instance and its
    parameter values, or (``recipe`` None) why the claim's instances cannot be drawn."""

    recipe: Recipe = None
    values: tuple = ()
    reason: str = ""


def search_tag(recipe, **values):
    """The ``data["search"]`` entry of an instance built by ``recipe`` with ``values``.

    >>> search_tag(Recipe("toy", None, (Param("lam", "log"),)), lam=0.5).values
    (('lam', 0.5),)
    """
    names = [p.name for p in recipe.params]
    if sorted(values) != sorted(names):
        raise ValueError(f"recipe {recipe.name} takes {names}, got {sorted(values)}")
    return SearchTag(recipe, tuple((n, values[n]) for n in names))


def no_search(reason):
    """The ``data["search"]`` entry of an instance whose claim fixes its family (the search
    says ``not available`` with ``reason``)."""
    return SearchTag(None, (), reason)


# ---------------------------------------------------------------------------------------
# Budgets at the thresholds of later rounds (eps-constrained self-distillation)

def _squared_norm_after(d, w2, Keps, rounds):
    """||y_rounds||^2 after ``rounds`` rounds of the eigenbasis recursion (float64)."""
    from theory import secular_root_f64
    for _ in range(rounds):
        c = secular_root_f64(w2, d, Keps)
        a = d / (c + d)
        w2 = w2 * a * a
    return float(np.sum(w2))


def round_threshold(G, y, n):
    """eps*_n: the budget at which the collapse round T moves from n - 1 to n (T >= n iff
    eps < eps*_n), located in float64 to ~1e-13 relative for a well-conditioned G.

    eps*_1 = ||y||^2/K (the collapse threshold); for n >= 2, eps*_n is the root of
    ||y_{n-1}(eps)||^2 = K eps between ||y||^2/(K (n + 1)^2) (where T >= ceil(r_0 - 1) >= n)
    and eps*_{n-1} (docs/theory/mobahi2020.md §5).  Several classes: Frobenius norms.

    >>> G = np.eye(2) * 0.5
    >>> y = np.array([1.0, 1.0])
    >>> e2 = round_threshold(G, y, 2)   # kappa = 1: r_t = r_0 - t, so r_0 = 2 exactly
    >>> abs(float(np.sum(y ** 2)) / (2 * e2) - 4) < 1e-12
    True
    """
    from scipy.optimize import brentq
    Gf, yf = np.asarray(G, float), np.asarray(y, float)
    K = Gf.shape[0]
    d, Q = np.linalg.eigh(Gf)
    d = np.maximum(d, 0.0)
    z = Q.T @ yf
    w2 = z * z if z.ndim == 1 else np.sum(z * z, axis=1)
    sq = float(np.sum(yf * yf))
    w2 = w2 * (sq / float(np.sum(w2)))  # ||z|| = ||y|| exactly, as the engine does
    hi = sq / K
    for k in range(2, n + 1):
        lo = sq / (K * (k + 1) ** 2)

        def g(log_eps, k=k):
            eps = math.exp(log_eps)
            return _squared_norm_after(d, w2, K * eps, k - 1) / (K * eps) - 1

        top = math.log(hi) + math.log1p(-1e-12)
        hi = math.exp(brentq(g, math.log(lo), top, xtol=1e-15, rtol=1e-15))
    return hi
