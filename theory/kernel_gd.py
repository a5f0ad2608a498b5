r"""Kernel gradient descent on the squared loss, in the eigenbasis of the Gram matrix.

With H = V diag(lambda) V^T and target y:

    u_{k+1} = u_k - eta H (u_k - y)    =>   V^T (u_k - y) = (1 - eta lambda)^k V^T (u_0 - y)
    du/dt   = -eta H (u - y)           =>   V^T (u(t) - y) = exp(-eta lambda t) V^T (u_0 - y)

From u_0 = 0 the outputs at any points x are f_k(x) = H(x, X) V diag(g_k(lambda)) V^T y with
g_k(lambda) = (1 - (1 - eta lambda)^k)/lambda (flow: -expm1(-eta lambda t)/lambda), whose
limit at lambda = 0 is eta k (eta t); on the training points H(X, X) V = V diag(lambda) gives
back u_k.  One eigendecomposition serves every step; 1 - (1 - x)^k is evaluated as
-expm1(k log1p(-x)), which keeps full relative accuracy when k x is tiny (no cancellation).

The discrete iteration converges iff 0 < eta lambda_max < 2 (|1 - eta lambda| < 1 on the
range of H); larger steps are refused.  Directions with lambda = 0 (after rounding,
theory._validate.psd_tolerance) never move and contribute nothing at test points: for a
positive kernel H v = 0 implies H(x, X) v = 0, so their computed H(x, X) v is rounding noise.

Source: Du, Zhai, Poczos & Singh 2019 (arXiv 1810.02054); Arora et al. 2019 (arXiv
1901.08584) [prior work]; the early-stopping reading is Dong et al. 2019, docs/theory/dong2019.md
§1-2 [derived].  Domain: H symmetric positive semi-definite (n x n), y of shape (n,) or
(n, classes), eta > 0, steps >= 0 (``math.inf`` for the limit).

>>> import numpy as np
>>> u = kernel_gd_f64(np.diag([1.0, 0.5]), np.array([1.0, 1.0]), 0.5, [0, 1, 2])
>>> np.round(u, 12).tolist()
[[0.0, 0.0], [0.5, 0.25], [0.75, 0.4375]]
"""

import math
import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as V
from ._confirm import confirmed_mp, matvec_mp, scale_rows
from ._mp import GUARD_DIGITS, to_mp_array
from .eigen import eigh_mp
from .errors import InputError

__all__ = ["KernelSpectrum", "kernel_spectrum", "gd_filter", "gd_filter_mp", "kernel_gd_f64",
           "kernel_gd_predict_f64", "kernel_gd_mp", "kernel_gd_predict_mp", "top_energy_fraction"]


class KernelSpectrum(NamedTuple):
    """H = vectors diag(values) vectors^T, values ascending (those within rounding of 0 set to 0)."""

    values: np.ndarray
    vectors: np.ndarray
    method: str = "numpy.linalg.eigh"


def _gram(H):
    H = V.as_real_array(H, "H", allow_mp=True)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise InputError(f"H must be a non-empty square n x n Gram matrix, got shape {H.shape}")
    return H


def kernel_spectrum(H):
    """Validated float64 eigendecomposition of a symmetric PSD H (reuse it across calls).

    >>> import numpy as np
    >>> kernel_spectrum(np.array([[2.0, 0.0], [0.0, 1.0]])).values.tolist()
    [1.0, 2.0]
    """
    if isinstance(H, KernelSpectrum):
        return H
    H = _gram(H).astype(np.float64)
    n = H.shape[0]
    V.check_symmetric(H, V.EPS64)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        lam, Q = np.linalg.eigh(H)
    V.check_psd(lam[0], lam[-1], n, V.EPS64)
    lam = np.where(np.abs(lam) <= V.psd_tolerance(lam[-1], n, V.EPS64), 0.0, lam)
    return KernelSpectrum(lam, Q)


def _check_eta(eta, lam_max, flow):
    if not V._is_real_number(eta) or not math.isfinite(float(eta)) or not eta > 0:
        raise InputError(f"eta = {eta!r} must be a finite step size > 0")
    x = float(eta) * float(lam_max)
    if not flow and x >= 2:
        raise InputError(f"eta = {float(eta):.6g} gives eta * lambda_max = {x:.6g} >= 2: gradient "
                         f"descent diverges along the top eigenvector (|1 - eta lambda_max| >= 1); "
                         f"pass eta < 2 / lambda_max = {2 / float(lam_max):.6g}")


def _check_steps(steps, flow):
    scalar = np.ndim(steps) == 0
    ks = [steps] if scalar else list(steps)
    for k in ks:
        ok = V._is_real_number(k) and (float(k) == math.inf or math.isfinite(float(k))) and k >= 0
        if ok and not flow and float(k) != math.inf:
            ok = float(k) == int(k)
        if not ok:
            what = "times t >= 0" if flow else "integer step counts k >= 0"
            raise InputError(f"step {k!r} is not valid: pass {what} (math.inf for the limit)")
    if not ks:
        raise InputError("steps is empty; pass at least one step count")
    return ks, scalar


def _one_minus_decay_f64(x, k, flow):
    """(f, 1 - f) with f = (1 - x)^k (discrete, x in [0, 2)) or exp(-x k) (flow), both accurate."""
    x = np.asarray(x, dtype=np.float64)
    if k == 0:
        return np.ones_like(x), np.zeros_like(x)
    if k == math.inf:
        f = np.where(x > 0, 0.0, 1.0)
        return f, 1.0 - f
    if flow:
        return np.exp(-x * k), -np.expm1(-x * k)
    with np.errstate(divide="ignore"):  # x = 1 gives log 0 = -inf, and exp(-inf) = 0 is right
        L = np.where(x <= 1, np.log1p(-np.minimum(x, 1.0)), np.log(np.maximum(x - 1.0, 0.0)))
    sign = -1.0 if (k % 2 == 1) else 1.0
    mag = np.exp(k * L)
    f = np.where(x <= 1, mag, sign * mag)
    # x - 1 is exact for x in [1, 2] (Sterbenz); 1 - f cancels only when f > 0 and near 1
    one_minus = np.where((x <= 1) | (sign > 0), -np.expm1(k * L), 1.0 + mag)
    return f, one_minus


def gd_filter(lam, eta, k, *, flow=False):
    """g_k(lambda) = (1 - (1 - eta lambda)^k)/lambda (flow: (1 - exp(-eta lambda k))/lambda),
    with the value eta k at lambda = 0 (its limit) and 1/lambda at k = inf.

    Domain: lambda >= 0, eta lambda < 2 (discrete), k >= 0.

    >>> gd_filter([0.0, 1e-300, 1.0], 0.5, 2).tolist()
    [1.0, 1.0, 0.75]
    """
    lam = np.asarray(lam, dtype=np.float64)
    with np.errstate(over="raise", invalid="raise", divide="ignore"):
        _, om = _one_minus_decay_f64(eta * lam, k, flow)
        return np.where(lam > 0, om / np.where(lam > 0, lam, 1.0), float(eta) * float(k))


def kernel_gd_f64(H, target, eta, steps, *, u0=None, flow=False):
    """Training outputs u_k (k in ``steps``) of kernel GD (or flow) from u0 (default 0).

    u_k = u_0 + V diag(1 - (1 - eta lambda)^k) V^T (y - u_0); ``H`` may be a
    :class:`KernelSpectrum` to reuse its eigendecomposition.  Returns shape
    (len(steps), n[, classes]), or (n[, classes]) for a scalar ``steps``.

    >>> import numpy as np
    >>> kernel_gd_f64(np.eye(2), np.array([1.0, -1.0]), 1.0, 1).tolist()
    [1.0, -1.0]
    """
    sp = kernel_spectrum(H)
    n = sp.values.shape[0]
    y = V.check_targets(target, n).astype(np.float64)
    u0 = np.zeros_like(y) if u0 is None else V.check_targets(u0, n).astype(np.float64)
    if u0.shape != y.shape:
        raise InputError(f"u0 has shape {u0.shape} but the target has {y.shape}")
    _check_eta(eta, sp.values[-1], flow)
    ks, scalar = _check_steps(steps, flow)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        w = sp.vectors.T @ (y - u0)
        out = np.array([u0 + sp.vectors @ scale_rows(_one_minus_decay_f64(eta * sp.values, k, flow)[1], w)
                        for k in ks])
    return out[0] if scalar else out


def _cross(H_cross, n):
    Hx = V.as_real_array(H_cross, "H_cross", allow_mp=True)
    if Hx.ndim != 2 or Hx.shape[1] != n:
        raise InputError(f"H_cross has shape {Hx.shape}; pass the kernel between the test points "
                         f"and the {n} training points, shape (n_test, {n})")
    return Hx


def kernel_gd_predict_f64(H, H_cross, target, eta, steps, *, flow=False):
    """Outputs at test points, f_k(x) = H_cross V diag(g_k(lambda)) V^T y, of kernel GD from 0.

    ``H_cross[i, j] = k(x_i, X_j)`` (test by train).  Returns (len(steps), n_test[, classes]).
    Source: the module's kernel-regression form [prior work].

    >>> import numpy as np
    >>> kernel_gd_predict_f64(np.eye(2), np.array([[0.5, 0.0]]), np.array([1.0, 1.0]), 1.0, 1)
    array([0.5])
    """
    sp = kernel_spectrum(H)
    n = sp.values.shape[0]
    Hx = _cross(H_cross, n).astype(np.float64)
    y = V.check_targets(target, n).astype(np.float64)
    _check_eta(eta, sp.values[-1], flow)
    ks, scalar = _check_steps(steps, flow)
    keep = sp.values > 0  # lambda = 0: no contribution at test points (module docstring)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        HxV = Hx @ sp.vectors[:, keep]
        w = sp.vectors[:, keep].T @ y
        out = np.array([HxV @ scale_rows(gd_filter(sp.values[keep], eta, k, flow=flow), w) for k in ks])
    return out[0] if scalar else out


def gd_filter_mp(ctx, lam, eta, k, *, flow=False):
    """:func:`gd_filter` at ctx's precision: -expm1(k log1p(-eta lambda))/lambda and its kin.

    >>> from theory._mp import make_context
    >>> ctx = make_context(30)
    >>> [ctx.nstr(v, 10) for v in gd_filter_mp(ctx, [0, ctx.mpf('1e-40'), 1], ctx.mpf(1) / 2, 2)]
    ['1.0', '1.0', '0.75']
    """
    return np.array([_g_mp(ctx, ctx.mpf(v), ctx.mpf(eta), k, flow) for v in lam], dtype=object)


def _om_mp(ctx, x, k, flow):
    """1 - (1 - x)^k (flow: 1 - exp(-x k)) at ctx's precision, without cancellation."""
    if k == 0:
        return ctx.zero
    if k == math.inf:
        return ctx.one if x > 0 else ctx.zero
    if flow:
        return -ctx.expm1(-x * k)
    if x == 1:
        return ctx.one
    if x < 1:
        return -ctx.expm1(k * ctx.log1p(-x))
    mag = ctx.exp(k * ctx.log(x - 1))
    return -ctx.expm1(k * ctx.log(x - 1)) if k % 2 == 0 else 1 + mag


def _g_mp(ctx, lam, eta, k, flow):
    if lam > 0:
        return _om_mp(ctx, eta * lam, k, flow) / lam
    return eta * k if k != math.inf else ctx.inf


def _spectrum_mp(ctx, H, unit):
    eig = eigh_mp(ctx, H)
    lam = np.array(list(eig.values), dtype=object)
    V.check_psd(lam[0], lam[-1], lam.shape[0], unit)
    # H is exact at this precision: keep tiny positive eigenvalues, clip accepted negatives
    lam = np.array([ctx.zero if v < 0 else v for v in lam], dtype=object)
    return KernelSpectrum(lam, eig.vectors, eig.method)


def _guard(H, eta, ks):
    """GUARD_DIGITS + log10 cond(H) + 2 log10(1 + eta lambda_max k_max), each part <= 20.

    An eigenvalue error delta moves g_k by up to (eta k)^2 delta (its slope near lambda = 0)."""
    Hf = np.asarray(H, dtype=object).astype(np.float64)
    lam = np.linalg.eigvalsh(0.5 * (Hf + Hf.T))
    top = max(float(lam[-1]), 0.0)
    low = max(float(lam[0]), top * V.EPS64)
    kappa = top / low if low > 0 else 1.0
    kmax = max((float(k) for k in ks if k != math.inf), default=0.0)
    span = float(eta) * top * kmax
    return (GUARD_DIGITS + min(20, max(0, math.ceil(math.log10(kappa))))
            + min(20, math.ceil(2 * math.log10(1 + span))))


def _mp_inputs(ctx, H, target, eta, steps, flow):
    H = _gram(H)
    unit = V.EPS64 if H.dtype != object else 10.0 ** (-ctx.dps)
    V.check_symmetric(H, unit)
    y = V.check_targets(target, H.shape[0])
    lam_max = float(np.max(np.linalg.eigvalsh(H.astype(np.float64))))
    # the float64 estimate decides only gross violations; the margin is eigvalsh's error
    _check_eta(eta, max(lam_max - V.psd_tolerance(lam_max, H.shape[0], V.EPS64), 0.0), flow)
    ks, scalar = _check_steps(steps, flow)
    return H, y, unit, ks, scalar


def kernel_gd_mp(ctx, H, target, eta, steps, *, u0=None, flow=False):
    """:func:`kernel_gd_f64` at ctx's precision, confirmed by a second run with more guard digits.

    ``eta`` may be an mpf (converted exactly).  Raises PrecisionError if the runs disagree.

    >>> from theory._mp import make_context
    >>> ctx = make_context(40)
    >>> [ctx.nstr(v, 20) for v in kernel_gd_mp(ctx, [[1, 0], [0, 0.5]], [1, 1], 0.5, 2)]
    ['0.75', '0.4375']
    """
    H, y, unit, ks, scalar = _mp_inputs(ctx, H, target, eta, steps, flow)
    if u0 is not None and V.check_targets(u0, H.shape[0]).shape != y.shape:
        raise InputError(f"u0 has shape {np.shape(u0)} but the target has {y.shape}")

    def compute(wctx):
        sp = _spectrum_mp(wctx, H, unit)
        ym = to_mp_array(wctx, y)
        um = to_mp_array(wctx, np.zeros(y.shape) if u0 is None else u0)
        w = matvec_mp(wctx, sp.vectors.T, ym - um)
        x = [wctx.mpf(eta) * v for v in sp.values]
        return np.array([um + matvec_mp(wctx, sp.vectors, scale_rows(
            np.array([_om_mp(wctx, xi, k, flow) for xi in x], dtype=object), w)) for k in ks])

    out = confirmed_mp(ctx, compute, _guard(H, eta, ks), "the kernel GD trajectory")
    return out[0] if scalar else out


def kernel_gd_predict_mp(ctx, H, H_cross, target, eta, steps, *, flow=False):
    """:func:`kernel_gd_predict_f64` at ctx's precision, confirmed as :func:`kernel_gd_mp`.

    >>> from theory._mp import make_context
    >>> ctx = make_context(40)
    >>> ctx.nstr(kernel_gd_predict_mp(ctx, [[1, 0], [0, 1]], [[0.5, 0]], [1, 1], 1, 1)[0], 10)
    '0.5'
    """
    H, y, unit, ks, scalar = _mp_inputs(ctx, H, target, eta, steps, flow)
    Hx = _cross(H_cross, H.shape[0])

    def compute(wctx):
        sp = _spectrum_mp(wctx, H, unit)
        keep = [i for i, v in enumerate(sp.values) if v > 0]
        Q = sp.vectors[:, keep]
        rows = [[wctx.mpf(h) for h in row] for row in Hx]
        HxV = np.array([[wctx.fdot(row, Q[:, j]) for j in range(len(keep))] for row in rows],
                       dtype=object).reshape(Hx.shape[0], len(keep))
        w = matvec_mp(wctx, Q.T, to_mp_array(wctx, y))
        eta_m = wctx.mpf(eta)
        return np.array([matvec_mp(wctx, HxV, scale_rows(
            np.array([_g_mp(wctx, sp.values[i], eta_m, k, flow) for i in keep], dtype=object), w))
            for k in ks])

    out = confirmed_mp(ctx, compute, _guard(H, eta, ks), "the kernel GD prediction")
    return out[0] if scalar else out


def top_energy_fraction(H, v, k):
    """||P_k v||^2 / ||v||^2, P_k the projector on the eigenvectors of the k largest eigenvalues.

    ``H`` may be a :class:`KernelSpectrum`.  Source: the spectral split of Dong et al. 2019,
    docs/theory/dong2019.md §2 [derived].

    >>> import numpy as np
    >>> top_energy_fraction(np.diag([3.0, 2.0, 1.0]), np.array([1.0, 1.0, 0.0]), 1)
    0.5
    """
    sp = kernel_spectrum(H)
    v = V.check_targets(v, sp.values.shape[0]).astype(np.float64)
    if not (isinstance(k, numbers.Integral) and 0 <= k <= sp.values.shape[0]):
        raise InputError(f"k = {k!r} must be an integer in 0..{sp.values.shape[0]}")
    total = float(np.sum(v * v))
    if total == 0:
        raise InputError("v is zero; its energy fraction is undefined")
    c = sp.vectors[:, sp.values.shape[0] - k:].T @ v
    return float(np.sum(c * c)) / total
