"""Input checks of the fixed-ridge modules (theory.fixed_ridge, ridge_filters, ridge_risk).

Every failure is an :class:`~theory.errors.InputError` naming the value and the remedy; the
generic array checks are :mod:`theory._validate`'s.

>>> check_lam(0.5)
0.5
"""

import numbers

import numpy as np

from . import _validate as V
from .errors import InputError

__all__ = ["show", "check_noise", "check_lam", "check_xi", "check_vector", "check_design", "check_alpha",
           "check_tau"]


def show(v):
    """repr of a number without numpy's type wrapper (``-1.0``, not ``np.float64(-1.0)``)."""
    return repr(v.item()) if isinstance(v, np.generic) else repr(v)


def _scalar(value, name, remedy):
    if not V._is_real_number(value):
        raise InputError(f"{name} = {show(value)} is not a real number; {remedy}")
    fv = float(value)
    if fv != fv or fv in (float("inf"), float("-inf")):
        raise InputError(f"{name} = {show(value)} is not finite; {remedy}")
    return value


def check_lam(lam):
    """The ridge lambda: a finite real > 0 (lambda = 0 is interpolation, outside the model)."""
    _scalar(lam, "lam", "pass the ridge parameter lam > 0")
    if not lam > 0:
        raise InputError(f"lam = {show(lam)} must be > 0: the fixed-ridge steps solve (K + lam I) "
                         f"c = t, which needs lam > 0 when K is singular; pass a positive ridge")
    return lam


def check_alpha(alpha):
    """Borup's ground-truth weight alpha = 1 - xi, in [0, 1]."""
    _scalar(alpha, "alpha", "pass the ground-truth weight 0 <= alpha <= 1")
    if not 0 <= alpha <= 1:
        raise InputError(f"alpha = {show(alpha)} is outside [0, 1]; the closed form of "
                         f"docs/theory/borup2021.md §2 is for 0 <= alpha <= 1 (for other "
                         f"weights use the per-step filters with xi = 1 - alpha)")
    return alpha


def check_tau(tau):
    """A step count tau >= 1 (Borup's indexing: tau = 1 is the first fit)."""
    if isinstance(tau, (bool, np.bool_)) or not isinstance(tau, numbers.Integral) or tau < 1:
        raise InputError(f"tau = {show(tau)} must be an integer >= 1 (tau = 1 is the plain ridge "
                         f"fit, tau = 2 the first distillation step)")
    return int(tau)


def check_xi(xi):
    """The per-step imitation weights: a 1-D sequence of finite reals (any sign, any size)."""
    arr = V.as_real_array(xi, "xi", allow_mp=True)
    if arr.ndim != 1:
        raise InputError(f"xi has shape {arr.shape}; pass a 1-D sequence of k per-step weights "
                         f"xi_1..xi_k (an empty sequence is the teacher alone)")
    return arr


def check_noise(sigma2, *, positive):
    """The noise variance sigma^2: finite, > 0 (``positive``) or >= 0."""
    _scalar(sigma2, "sigma2", "pass the noise variance sigma^2")
    if (sigma2 <= 0) if positive else (sigma2 < 0):
        need = "> 0 (the oracle filter is 0/0 without noise on a zero signal)" if positive \
            else ">= 0"
        raise InputError(f"sigma2 = {show(sigma2)} must be {need}; pass the noise variance")
    return sigma2


def check_vector(v, name, n=None, *, positive=False, nonnegative=False, allow_empty=False,
                 remedy="fix the input"):
    """A 1-D real vector (of length ``n`` if given), optionally > 0 or >= 0 entrywise."""
    arr = V.as_real_array(v, name, allow_mp=True)
    if arr.ndim != 1:
        raise InputError(f"{name} has shape {arr.shape}; pass a 1-D vector")
    if arr.size == 0 and not allow_empty:
        raise InputError(f"{name} is empty; pass at least one entry")
    if n is not None and arr.shape[0] != n:
        raise InputError(f"{name} has length {arr.shape[0]} but {n} entries are needed "
                         f"(one per spectral direction)")
    if positive or nonnegative:
        bad = [i for i, x in enumerate(arr) if (x <= 0 if positive else x < 0)]
        if bad:
            need = "> 0" if positive else ">= 0"
            raise InputError(f"{name}[{bad[0]}] = {show(arr[bad[0]])} must be {need}; {remedy}")
    return arr


def check_design(X):
    """A non-empty real n x d design matrix, finite."""
    X = V.as_real_array(X, "X", allow_mp=True)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise InputError(f"X must be a non-empty n x d design matrix, got shape {X.shape}")
    return X
