"""Deterministic instance families (STYLE rule 10): seeded, concentrated on hard regions.

Families (spec §5):

* ``green``: Green's-function kernels of spec §3 on sorted 1-D points in [0, 1];
* ``gaussian`` and ``matern``: kernels on points in [0, 1]^dim, dim = 1..3;
* ``spectrum``: Q diag(d) Q^T for a seeded random rotation Q and prescribed spectra with
  condition number 1 (G = lambda I, where the kappa-free bound is attained) to 1e12, and
  repeated eigenvalues;
* budgets eps = rel ||y||^2 / K from just below the collapse threshold (rel = 1 - 1e-3)
  down to rel = 1e-4 (fast tier) or 1e-8 (full tier).

Targets are a smooth signal plus seeded noise.  The fast tier is a few dozen instances,
ordered so that the small, few-round ones (which the mp engine re-checks) come first; the
full tier is thousands.

>>> inst = standard_domain("fast", 0)
>>> len(inst) >= 20, len({i.id for i in inst}) == len(inst)
(True, True)
"""

import itertools

import numpy as np

from theory.kernels import gaussian_gram, matern_gram

from .claim import Instance

__all__ = ["standard_domain", "multiclass_domain", "threshold_domain", "rotated_spectrum",
           "green_gram_1d", "make_targets", "TIERS", "GREEN_KERNELS"]

TIERS = ("fast", "full")

#: Green's-function kernels of spec §3, as regulariser coefficients [a_0, ..., a_M].
GREEN_KERNELS = {
    "laplace": ("1 - l^2 D^2, l = 0.2", [1, 0.04]),
    "laplace2": ("(1 - l^2 D^2)^2, l = 0.2", [1, 0.08, 0.0016]),
    "sobolev3": ("1 - D^2 + D^4", [1, 1, 1]),
}


def green_gram_1d(name, x):
    """Gram matrix g(|x_j - x_k|)/K of a spec §3 Green kernel (via theory.green)."""
    from theory.green import green_gram  # sympy derivation; imported when first needed
    return green_gram(GREEN_KERNELS[name][1], x)


def rotated_spectrum(spectrum, seed):
    """Q diag(spectrum) Q^T / K-free: exactly symmetric, with a seeded random rotation."""
    rng = np.random.default_rng(seed)
    K = len(spectrum)
    Q, R = np.linalg.qr(rng.standard_normal((K, K)))
    Q = Q * np.sign(np.diag(R))
    G = (Q * np.asarray(spectrum, float)) @ Q.T
    return 0.5 * (G + G.T)


def _spectrum(kind, K, kappa):
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


def _budgets(tier):
    # no budget makes r_0 = rel^(-1/2) an integer: with kappa = 1, r_t = r_0 - t, so an
    # integer r_0 puts ||y_T||^2 exactly on K eps, undecidable at any precision (that hard
    # point is pinned deliberately in threshold_domain instead)
    return ((1 - 1e-3, 0.3, 5e-2, 1.2e-2, 1e-3, 1.2e-4) if tier == "fast"
            else (1 - 1e-3, 0.5, 0.3, 0.1, 5e-2, 1.2e-2, 3e-3, 1e-3, 1.2e-4, 1e-5, 1.2e-6, 1e-7))


def _instance(family, label, G, y, rel, params):
    eps = rel * float(np.sum(np.asarray(y) ** 2)) / G.shape[0]
    return Instance(id=f"{label}-eps{rel:.6g}", family=family, G=G, y=y, eps=eps,
                    params=tuple(params) + (("eps_rel", rel),))


def _bases(tier, seed, m=None):
    """(family, label, G, y, params) for each base problem of the tier."""
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
             else rotated_spectrum(_spectrum(kind, K, kappa), s + K)) / K
        out.append(("spectrum", tag, G,
                    make_targets(K, s + K + 2, m), (("spectrum", kind), ("kappa", kappa))))
    return out


def standard_domain(tier="fast", seed=0):
    """All families crossed with the tier's budgets; small few-round instances first."""
    if tier not in TIERS:
        raise ValueError(f"tier {tier!r} must be one of {TIERS}")
    insts = []
    for fam, label, G, y, params in _bases(tier, seed):
        budgets = _budgets(tier)
        if tier == "fast":  # a deterministic third of the budgets per base problem
            k = sum(map(ord, label)) % 3
            budgets = budgets[k::3]
            if G.shape[0] >= 30:  # ~100-200 rounds: the mp re-checks would dominate the run
                budgets = tuple(b for b in budgets if b > 1.2e-4) or (1e-3,)
        for rel in budgets:
            insts.append(_instance(fam, label, G, y, rel, params))
    return sorted(insts, key=lambda i: (i.K > 12, i.params[-1][1] < 5e-2, i.K, i.id))


def multiclass_domain(tier="fast", seed=0):
    """Targets of shape (K, m), m = 3 (several classes, one shared c_t)."""
    insts = []
    for fam, label, G, y, params in _bases(tier, seed, m=3):
        for rel in (0.3, 1e-2) if tier == "fast" else _budgets(tier):
            insts.append(_instance(fam, label + "-m3", G, y, rel, params))
    if tier == "fast":
        insts = insts[::2]
    return sorted(insts, key=lambda i: (i.K > 12, i.K, i.id))


def threshold_domain(tier="fast", seed=0):
    """Budgets on both sides of and exactly at the collapse threshold ||y||^2 = K eps.

    The exact instance uses y = (1/2, ..., 1/2), K = 4, eps = 1/4 (all exact in binary).
    """
    out = []
    G = rotated_spectrum(_spectrum("geometric", 4, 10.0), seed) / 4
    y = np.full(4, 0.5)
    out.append(Instance("threshold:exact-K4", "threshold", G, y, 0.25, (("eps_rel", 1.0),)))
    for fam, label, G, y, params in _bases(tier, seed)[:: (4 if tier == "fast" else 1)]:
        K = G.shape[0]
        for rel in (1 + 1e-6, 1 - 1e-6, 2.0, 1.0 / K if K > 1 else 0.5):
            out.append(_instance(fam, label, G, y, rel, params))
    return sorted(out, key=lambda i: (i.K > 12, i.K, i.id))
