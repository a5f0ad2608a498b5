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

import numpy as np

from . import _validate as V
from ._kernel_common import (KernelSpectrum, check_cross, check_eta, check_gram, check_steps,
                             confirmed_mp, guard_digits, matvec_mp, mp_inputs, scale_rows,
                             spectrum_mp)
from ._mp import to_mp_array
from .errors import InputError

__all__ = ["KernelSpectrum", "kernel_spectrum", "one_minus_decay", "one_minus_decay_mp",
           "gd_filter", "gd_filter_mp", "kernel_gd_f64", "kernel_gd_predict_f64", "kernel_gd_mp",
           "kernel_gd_predict_mp", "top_energy_fraction"]


def kernel_spectrum(H):
    """Validated float64 eigendecomposition of a symmetric PSD H (reuse it across calls).

    >>> import numpy as np
    >>> kernel_spectrum(np.array([[2.0, 0.0], [0.0, 1.0]])).values.tolist()
    [1.0, 2.0]
    """
    if isinstance(H, KernelSpectrum):
        return H
    H = check_gram(H).astype(np.float64)
    n = H.shape[0]
    V.check_symmetric(H, V.EPS64)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        lam, Q = np.linalg.eigh(H)
    V.check_psd(lam[0], lam[-1], n, V.EPS64)
    lam = np.where(np.abs(lam) <= V.psd_tolerance(lam[-1], n, V.EPS64), 0.0, lam)
    return KernelSpectrum(lam, Q)


def one_minus_decay(x, k, *, flow=False):
    """1 - (1 - x)^k (flow: 1 - exp(-x k)), elementwise, to a few units of relative accuracy.

    Evaluated as -expm1(k log1p(-x)) for x <= 1, and for x > 1 (where 1 - x < 0) from
    |1 - x| = x - 1 (exact for x in [1, 2], Sterbenz) with the sign (-1)^k: the naive form
    cancels completely when k x is below eps64.  k = inf gives 1 for x > 0, 0 for x = 0.
    Domain: x >= 0 (x < 2 for the discrete form to decay), k >= 0 (integer unless ``flow``).

    >>> (one_minus_decay([1e-20, 0.5, 1.5], 3) / [1e-20, 1, 1]).round(12).tolist()
    [3.0, 0.875, 1.125]
    """
    x = np.asarray(x, dtype=np.float64)
    if k == 0:
        return np.zeros_like(x)
    if k == math.inf:
        return np.where(x > 0, 1.0, 0.0)
    if flow:
        return -np.expm1(-x * k)
    with np.errstate(divide="ignore"):  # x = 1 gives log 0 = -inf, and expm1(-inf) = -1 is right
        L = np.where(x <= 1, np.log1p(-np.minimum(x, 1.0)), np.log(np.maximum(x - 1.0, 0.0)))
    odd = k % 2 == 1
    # for x > 1 and odd k, (1 - x)^k = -(x - 1)^k and 1 - f = 1 + (x - 1)^k: no cancellation
    return np.where((x <= 1) | (not odd), -np.expm1(k * L), 1.0 + np.exp(k * L))


def gd_filter(lam, eta, k, *, flow=False):
    """g_k(lambda) = (1 - (1 - eta lambda)^k)/lambda (flow: (1 - exp(-eta lambda k))/lambda),
    with the value eta k at lambda = 0 (its limit) and 1/lambda at k = inf.

    Domain: lambda >= 0, eta lambda < 2 (discrete), k >= 0.

    >>> gd_filter([0.0, 1e-300, 1.0], 0.5, 2).tolist()
    [1.0, 1.0, 0.75]
    """
    lam = np.asarray(lam, dtype=np.float64)
    with np.errstate(over="raise", invalid="raise", divide="ignore"):
        om = one_minus_decay(eta * lam, k, flow=flow)
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
    check_eta(eta, sp.values[-1], flow)
    ks, scalar = check_steps(steps, flow)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        w = sp.vectors.T @ (y - u0)
        out = np.array([u0 + sp.vectors @ scale_rows(one_minus_decay(eta * sp.values, k, flow=flow),
                                                     w) for k in ks])
    return out[0] if scalar else out


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
    Hx = check_cross(H_cross, n).astype(np.float64)
    y = V.check_targets(target, n).astype(np.float64)
    check_eta(eta, sp.values[-1], flow)
    ks, scalar = check_steps(steps, flow)
    keep = sp.values > 0  # lambda = 0: no contribution at test points (module docstring)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        HxV = Hx @ sp.vectors[:, keep]
        w = sp.vectors[:, keep].T @ y
        out = np.array([HxV @ scale_rows(gd_filter(sp.values[keep], eta, k, flow=flow), w)
                        for k in ks])
    return out[0] if scalar else out


def gd_filter_mp(ctx, lam, eta, k, *, flow=False):
    """:func:`gd_filter` at ctx's precision: -expm1(k log1p(-eta lambda))/lambda and its kin.

    >>> from theory._mp import make_context
    >>> ctx = make_context(30)
    >>> [ctx.nstr(v, 10) for v in gd_filter_mp(ctx, [0, ctx.mpf('1e-40'), 1], ctx.mpf(1) / 2, 2)]
    ['1.0', '1.0', '0.75']
    """
    return np.array([_g_mp(ctx, ctx.mpf(v), ctx.mpf(eta), k, flow) for v in lam], dtype=object)


def one_minus_decay_mp(ctx, x, k, *, flow=False):
    """:func:`one_minus_decay` for one mpf ``x`` at ctx's precision.

    >>> from theory._mp import make_context
    >>> ctx = make_context(30)
    >>> ctx.nstr(one_minus_decay_mp(ctx, ctx.mpf('1e-40'), 3), 10)
    '3.0e-40'
    """
    if k == 0:
        return ctx.zero
    if k == math.inf:
        return ctx.one if x > 0 else ctx.zero
    if flow:
        return -ctx.expm1(-x * k)
    if x == 1:
        return ctx.one
    L = ctx.log1p(-x) if x < 1 else ctx.log(x - 1)
    return -ctx.expm1(k * L) if (x < 1 or k % 2 == 0) else 1 + ctx.exp(k * L)


def _g_mp(ctx, lam, eta, k, flow):
    if lam > 0:
        return one_minus_decay_mp(ctx, eta * lam, k, flow=flow) / lam
    return eta * k if k != math.inf else ctx.inf


def kernel_gd_mp(ctx, H, target, eta, steps, *, u0=None, flow=False):
    """:func:`kernel_gd_f64` at ctx's precision, confirmed by a second run with more guard digits.

    ``eta`` may be an mpf (converted exactly).  Raises PrecisionError if the runs disagree.

    >>> from theory._mp import make_context
    >>> ctx = make_context(40)
    >>> [ctx.nstr(v, 20) for v in kernel_gd_mp(ctx, [[1, 0], [0, 0.5]], [1, 1], 0.5, 2)]
    ['0.75', '0.4375']
    """
    H, y, unit, ks, scalar = mp_inputs(ctx, H, target, eta, steps, flow)
    if u0 is not None and V.check_targets(u0, H.shape[0]).shape != y.shape:
        raise InputError(f"u0 has shape {np.shape(u0)} but the target has {y.shape}")

    def compute(wctx):
        sp = spectrum_mp(wctx, H, unit)
        ym = to_mp_array(wctx, y)
        um = to_mp_array(wctx, np.zeros(y.shape) if u0 is None else u0)
        w = matvec_mp(wctx, sp.vectors.T, ym - um)
        x = [wctx.mpf(eta) * v for v in sp.values]

        def at(k):
            om = np.array([one_minus_decay_mp(wctx, xi, k, flow=flow) for xi in x], dtype=object)
            return um + matvec_mp(wctx, sp.vectors, scale_rows(om, w))

        return np.array([at(k) for k in ks])

    out = confirmed_mp(ctx, compute, guard_digits(H, eta, ks), "the kernel GD trajectory")
    return out[0] if scalar else out


def kernel_gd_predict_mp(ctx, H, H_cross, target, eta, steps, *, flow=False):
    """:func:`kernel_gd_predict_f64` at ctx's precision, confirmed as :func:`kernel_gd_mp`.

    >>> from theory._mp import make_context
    >>> ctx = make_context(40)
    >>> ctx.nstr(kernel_gd_predict_mp(ctx, [[1, 0], [0, 1]], [[0.5, 0]], [1, 1], 1, 1)[0], 10)
    '0.5'
    """
    H, y, unit, ks, scalar = mp_inputs(ctx, H, target, eta, steps, flow)
    Hx = check_cross(H_cross, H.shape[0])

    def compute(wctx):
        sp = spectrum_mp(wctx, H, unit)
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

    out = confirmed_mp(ctx, compute, guard_digits(H, eta, ks), "the kernel GD prediction")
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
