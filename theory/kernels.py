"""Float64 Gram matrices of standard kernels, scaled as the closed form expects (the 1/K).

    G[j, k] = k(x_j, x_k) / K

* Gaussian: k(x, x') = exp(-||x - x'||^2 / (2 h^2))                  [prior work]
* Matern nu = 1/2, 3/2, 5/2 with length scale l (r = ||x - x'||):      [prior work]
  e^{-r/l};  (1 + s) e^{-s}, s = sqrt(3) r/l;  (1 + s + s^2/3) e^{-s}, s = sqrt(5) r/l
* Two-layer ReLU NTK with the first layer trained (H_inf of Du et al. 2019) on unit-norm
  inputs, docs/theory/dong2019.md §1 [prior work]:
  H[i, j] = u (pi - arccos u) / (2 pi),  u = x_i . x_j   (= theory.ntk.h_inf_gram / K)

Domain: X of shape (K, dim) or (K,) (one-dimensional points); h, l > 0.

>>> import numpy as np
>>> G = gaussian_gram(np.array([0.0, 1.0]), 1.0)
>>> np.round(G * 2, 6).tolist()
[[1.0, 0.606531], [0.606531, 1.0]]
"""

import numpy as np

from ._validate import EPS64
from .errors import InputError
from .ntk import _terms_f64 as _h_inf_terms

__all__ = ["gaussian_gram", "matern_gram", "ntk_relu_gram", "pairwise_distances"]


def _points(X):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] == 0 or not np.isfinite(X).all():
        raise InputError(f"points must be a finite array of shape (K,) or (K, dim), got shape "
                         f"{np.shape(X)}")
    return X


def _positive(name, v):
    if not (isinstance(v, (int, float, np.floating)) and np.isfinite(v) and v > 0):
        raise InputError(f"{name} = {v!r} must be a finite positive number")


def pairwise_distances(X):
    """Euclidean distance matrix ||x_j - x_k|| (exactly symmetric, zero diagonal)."""
    X = _points(X)
    diff = X[:, None, :] - X[None, :, :]
    D = np.sqrt(np.einsum("jkd,jkd->jk", diff, diff))
    return 0.5 * (D + D.T)


def gaussian_gram(X, h):
    """G[j,k] = exp(-||x_j - x_k||^2/(2 h^2)) / K."""
    _positive("h", h)
    D = pairwise_distances(X)
    with np.errstate(over="ignore"):  # (D/h)^2 = inf: the kernel is exp(-inf) = 0 there
        return np.exp(-(D / h) ** 2 / 2) / D.shape[0]


def matern_gram(X, nu, ell):
    """G[j,k] = Matern_nu(||x_j - x_k||; ell) / K for nu in {0.5, 1.5, 2.5}."""
    _positive("ell", ell)
    if nu not in (0.5, 1.5, 2.5):
        raise InputError(f"nu = {nu!r} is not supported; use 0.5, 1.5 or 2.5")
    D = pairwise_distances(X)
    with np.errstate(over="ignore"):
        s = np.sqrt(2 * nu) * D / ell
    # beyond s = 800 every form is below 800^2 e^-800 < 2^-1074: exactly 0 in float64 (and
    # evaluating it there would give inf * 0 = NaN once s overflows)
    far = s > 800.0
    s = np.where(far, 0.0, s)
    poly = {0.5: 1.0, 1.5: 1 + s, 2.5: 1 + s + s * s / 3}[nu]
    k = np.where(far, 0.0, poly * np.exp(-s))
    return k / D.shape[0]


def ntk_relu_gram(X):
    """G[i,j] = u (pi - arccos u)/(2 pi) / K with u = x_i . x_j for unit-norm rows of X.

    This is ``theory.ntk.h_inf_gram(X) / K`` and is computed by it (its angle is accurate
    near the diagonal, where arccos loses half the digits); only the unit-norm check, looser
    here, is this function's own.  The full two-layer NTK is ``theory.ntk.ntk2_gram``.
    """
    X = _points(X)
    norms = np.linalg.norm(X, axis=1)
    if np.any(np.abs(norms - 1) > 1e3 * EPS64 * np.sqrt(X.shape[1])):
        raise InputError("ntk_relu_gram needs unit-norm inputs; normalise the rows of X first")
    return _h_inf_terms(X, X)[0] / X.shape[0]
