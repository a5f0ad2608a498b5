"""Shared instance families for kernel problems (STYLE rule 10): seeded Gram matrices and
targets, concentrated on hard regions.  Papers build their domains from these
(``proofs_check/papers/<paper_id>/domains.py``); nothing here belongs to one paper.

Families of base problems ``(family, label, G, y, params)``:

* ``green``: Green's-function kernels of the Sobolev regularisers on sorted 1-D points in
  [0, 1] (:data:`GREEN_KERNELS`; docs/theory/mobahi2020.md §3);
* ``gaussian`` and ``matern``: kernels on points in [0, 1]^dim, dim = 1..3;
* ``spectrum``: Q diag(d) Q^T for a seeded random rotation Q and prescribed spectra with
  condition number 1 (G = lambda I exactly) to 1e12, and repeated eigenvalues.

Targets are a smooth signal plus seeded noise.  The Gram matrices include the 1/K.

>>> bases = kernel_bases("fast", 0)
>>> len(bases) > 20, {b[0] for b in bases} == {"green", "gaussian", "matern", "spectrum"}
(True, True)
"""

import itertools

import numpy as np

from theory.kernels import gaussian_gram, matern_gram

__all__ = ["kernel_bases", "rotated_spectrum", "green_gram_1d", "make_targets", "spectrum", "check_tier",
           "TIERS", "GREEN_KERNELS"]

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
