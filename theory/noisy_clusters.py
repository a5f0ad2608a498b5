r"""Seeded clustered data with noisy binary labels.

    centres c_1..c_C ~ uniform on the unit sphere of R^d (normalised Gaussians)
    cluster(i) ~ uniform on {1..C},  x_i = (c + sigma g) / ||c + sigma g||,  g ~ N(0, I/d)
    y*_i = s_{cluster(i)} in {+1, -1}   (half of the clusters +1, half -1, at random)
    y~_i = -y*_i with probability rho, independently; otherwise y*_i

A test set (clean labels) is drawn from the same centres.  Each part has its own random
stream spawned from ``seed`` (numpy SeedSequence), so asking for a test set does not change
the training set, and the same arguments always give the same arrays.

Source: the noisy-label setting of Dong et al. 2019, docs/theory/dong2019.md §1 [derived]
(the paper's own data were images; this is the kernel-regime stand-in).
Domain: n >= 1, d >= 2, C >= 1, sigma >= 0, 0 <= rho <= 1, n_test >= 0.

>>> data = noisy_clusters(8, 3, 2, 0.2, 0.25, seed=0)
>>> data.X.shape, sorted(data.cluster_labels.tolist())
((8, 3), [-1.0, 1.0])
"""

import numbers
from typing import NamedTuple

import numpy as np

from .errors import InputError

__all__ = ["ClusterData", "noisy_clusters"]


class ClusterData(NamedTuple):
    """X (n, d) unit rows; y_star, y_noisy (n,) in {+-1}; flipped (n,) bool; cluster (n,) int;
    centres (C, d); cluster_labels (C,); X_test, y_test, cluster_test (n_test rows)."""

    X: np.ndarray
    y_star: np.ndarray
    y_noisy: np.ndarray
    flipped: np.ndarray
    cluster: np.ndarray
    centres: np.ndarray
    cluster_labels: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    cluster_test: np.ndarray


def _int(name, v, lo):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < lo:
        raise InputError(f"{name} = {v!r} must be an integer >= {lo}")
    return int(v)


def _real(name, v, lo, hi):
    ok = isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and lo <= v <= hi
    if not ok:
        raise InputError(f"{name} = {v!r} must be a real number in [{lo}, {hi}]")
    return float(v)


def _points(rng, centres, C, sigma, m):
    """m points around the centres: (X, cluster ids)."""
    d = centres.shape[1]
    cl = rng.integers(0, C, size=m)
    P = centres[cl] + sigma * rng.standard_normal((m, d)) / np.sqrt(d)
    norms = np.linalg.norm(P, axis=1)
    if np.any(norms == 0):  # probability zero, but a renormalisation must not divide by 0
        raise InputError(f"a point landed exactly on the origin (sigma = {sigma}); change the seed")
    return P / norms[:, None], cl


def noisy_clusters(n, d, C, sigma, rho, seed, *, n_test=0):
    """Draw the clustered data set described in the module docstring; returns :class:`ClusterData`.

    >>> a = noisy_clusters(50, 5, 4, 0.2, 0.2, seed=3, n_test=10)
    >>> b = noisy_clusters(50, 5, 4, 0.2, 0.2, seed=3)
    >>> bool((a.X == b.X).all() and (a.y_noisy == b.y_noisy).all()), a.X_test.shape
    (True, (10, 5))
    """
    n, d, C = _int("n", n, 1), _int("d", d, 2), _int("C", C, 1)
    n_test = _int("n_test", n_test, 0)
    sigma = _real("sigma", sigma, 0.0, np.inf)
    rho = _real("rho", rho, 0.0, 1.0)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise InputError(f"seed = {seed!r} must be an integer (the generator is seeded)")
    s_centres, s_train, s_flip, s_test = (np.random.default_rng(s) for s in
                                          np.random.SeedSequence(int(seed)).spawn(4))
    centres = s_centres.standard_normal((C, d))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = np.where(s_centres.permutation(C) < (C + 1) // 2, 1.0, -1.0)
    X, cl = _points(s_train, centres, C, sigma, n)
    y_star = labels[cl]
    flipped = s_flip.random(n) < rho
    y_noisy = np.where(flipped, -y_star, y_star)
    X_test, cl_test = _points(s_test, centres, C, sigma, n_test)
    return ClusterData(X, y_star, y_noisy, flipped, cl, centres, labels, X_test, labels[cl_test],
                       cl_test)
