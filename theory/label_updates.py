r"""Self-distillation by label updates in the kernel regime: soft, hard and re-anchored rules.

Soft (simultaneous), from u_0 = 0, y_0 = y~:

    u_{k+1} = u_k - eta H (u_k - y_k),    y_{k+1} = (1 - a) y_k + a u_k

Per eigenvalue lambda of H the pair (p, q) = (v^T u, v^T y) follows the 2 x 2 map
M = [[1 - eta lambda, eta lambda], [a, 1 - a]], with eigenvalues 1 (eigenvector (1, 1): every
p = q is fixed) and mu = 1 - eta lambda - a.  a p + eta lambda q is conserved (left
eigenvector (a, eta lambda)), so with x = eta lambda + a:

    p_k = (eta lambda / x)(1 - mu^k) z,   q_k = z - (a / x)(1 - mu^k) z,   z = v^T y~,

and the iteration converges iff |mu| < 1 on the spectrum, i.e. eta lambda_max + a < 2 (a > 0),
to u_inf = V diag(eta lambda/(a + eta lambda)) V^T y~: kernel ridge regression with ridge
a/eta.  At test points f_k(x) = H(x, X) V diag(eta (1 - mu^k)/x) V^T y~ (since q_j - p_j =
mu^j z).  Hard: y_{k+1} = (1 - a) y_k + a sign(u_k) (sign 0 = 0), iterated literally.
Re-anchored target (1 - beta) y~ + beta u_k is plain GD with step eta (1 - beta).

Source: the self-distillation rules of Dong et al. 2019 (previous-epoch distillation),
docs/theory/dong2019.md §2; the kernel-regime forms and the limits are [derived].
Domain: H symmetric PSD, y~ real (n,), eta > 0, a > 0 (hard: 0 < a <= 1), 0 <= beta < 1.

>>> import numpy as np
>>> u = soft_sd_limit_f64(np.diag([2.0, 0.0]), np.array([1.0, 1.0]), 0.5, 0.25)
>>> u.tolist()
[0.8, 0.0]
"""

import math

import numpy as np

from . import _validate as V
from ._kernel_common import (check_cross, check_steps, confirmed_mp, guard_digits, matvec_mp,
                             mp_inputs, scale_rows, spectrum_mp)
from ._mp import make_context, to_mp_array
from .errors import InputError
from .kernel_gd import (KernelSpectrum, kernel_gd_f64, kernel_gd_mp, kernel_spectrum,
                        one_minus_decay)

__all__ = ["soft_sd_rate", "soft_sd_f64", "soft_sd_predict_f64", "soft_sd_limit_f64",
           "soft_sd_limit_mp", "hard_sd_f64", "reanchored_gd_f64", "reanchored_gd_mp"]


def _positive(name, v, upper=math.inf):
    if not V._is_real_number(v) or not math.isfinite(float(v)) or not 0 < v <= upper:
        raise InputError(f"{name} = {v!r} must be a finite real number in (0, {upper}]")


def soft_sd_rate(lam, eta, a):
    """mu(lambda) = 1 - eta lambda - a, the eigenvalue other than 1 of the 2 x 2 soft map.

    The soft iteration converges iff |mu| < 1 for every eigenvalue (0 < eta lambda + a < 2).

    >>> soft_sd_rate([0.0, 1.0], 0.5, 0.25).tolist()
    [0.75, 0.25]
    """
    return 1.0 - float(eta) * np.asarray(lam, dtype=np.float64) - float(a)


def _soft_setup(H, y, eta, a):
    sp = kernel_spectrum(H)
    y = V.check_targets(y, sp.values.shape[0]).astype(np.float64)
    _positive("eta", eta)
    _positive("a", a)
    return sp, y, float(eta) * sp.values + float(a)


def soft_sd_f64(H, y_noisy, eta, a, steps):
    """(U, Y): outputs u_k and labels y_k of the soft rule at ``steps`` (closed form above).

    ``H`` may be a :class:`~theory.kernel_gd.KernelSpectrum`.  Shapes (len(steps), n).

    >>> import numpy as np
    >>> U, Y = soft_sd_f64(np.eye(1), np.array([1.0]), 0.5, 0.25, [0, 1, 2])
    >>> np.round(U, 12).ravel().tolist(), np.round(Y, 12).ravel().tolist()
    ([0.0, 0.5, 0.625], [1.0, 0.75, 0.6875])
    """
    sp, y, x = _soft_setup(H, y_noisy, eta, a)
    ks, _ = check_steps(steps, flow=False)
    z = sp.vectors.T @ y
    U, Y = [], []
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for k in ks:
            om = one_minus_decay(x, k)  # 1 - mu^k
            U.append(sp.vectors @ (float(eta) * sp.values / x * om * z))
            Y.append(y - sp.vectors @ (float(a) / x * om * z))
    return np.array(U), np.array(Y)


def soft_sd_predict_f64(H, H_cross, y_noisy, eta, a, steps):
    """Soft-rule outputs at test points, f_k = H_cross V diag(eta (1 - mu^k)/x) V^T y~.

    >>> import numpy as np
    >>> soft_sd_predict_f64(np.eye(1), np.array([[0.5]]), np.array([1.0]), 0.5, 0.5, [2]).tolist()
    [[0.25]]
    """
    sp, y, x = _soft_setup(H, y_noisy, eta, a)
    Hx = check_cross(H_cross, sp.values.shape[0]).astype(np.float64)
    ks, _ = check_steps(steps, flow=False)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        HxV, z = Hx @ sp.vectors, sp.vectors.T @ y
        return np.array([HxV @ (float(eta) * one_minus_decay(x, k) / x * z)
                         for k in ks])


def _check_contractive(lam_max, eta, a):
    x = float(eta) * float(lam_max) + float(a)
    if not x < 2:
        raise InputError(f"eta lambda_max + a = {x:.6g} >= 2: the soft rule's 2 x 2 map has the "
                         f"eigenvalue 1 - eta lambda_max - a = {1 - x:.6g} with |.| >= 1 and does "
                         f"not converge; take a < {2 - float(eta) * float(lam_max):.6g} or a "
                         f"smaller eta")


def soft_sd_limit_f64(H, y_noisy, eta, a):
    """u_inf = V diag(eta lambda/(a + eta lambda)) V^T y~ (the limit of u_k and of y_k).

    Requires convergence, eta lambda_max + a < 2 (else InputError).
    """
    sp, y, x = _soft_setup(H, y_noisy, eta, a)
    _check_contractive(sp.values[-1], eta, a)
    return sp.vectors @ (float(eta) * sp.values / x * (sp.vectors.T @ y))


def soft_sd_limit_mp(ctx, H, y_noisy, eta, a):
    """:func:`soft_sd_limit_f64` at ctx's precision, confirmed at two working precisions.

    >>> from theory._mp import make_context
    >>> ctx = make_context(40)
    >>> [ctx.nstr(v, 20) for v in soft_sd_limit_mp(ctx, [[2, 0], [0, 1]], [1, 1], 0.5, 0.25)]
    ['0.8', '0.66666666666666666667']
    """
    _positive("eta", eta)
    _positive("a", a)
    # the soft rule's condition is eta lambda_max + a < 2, checked next (not eta lambda_max < 2)
    H, y, unit, _, _ = mp_inputs(ctx, H, y_noisy, eta, [0], flow=True)
    _check_contractive(np.max(np.linalg.eigvalsh(H.astype(np.float64))), eta, a)

    def compute(wctx):
        sp = spectrum_mp(wctx, H, unit)
        e, am = wctx.mpf(eta), wctx.mpf(a)
        coef = np.array([e * v / (am + e * v) for v in sp.values], dtype=object)
        w = matvec_mp(wctx, sp.vectors.T, to_mp_array(wctx, y))
        return matvec_mp(wctx, sp.vectors, scale_rows(coef, w))

    return confirmed_mp(ctx, compute, guard_digits(H, eta, [1]), "the soft-rule limit")


def hard_sd_f64(H, y_noisy, eta, a, steps):
    """(U, Y) of the hard rule y_{k+1} = (1 - a) y_k + a sign(u_k), u_{k+1} = u_k - eta H (u_k - y_k),
    from u_0 = 0, y_0 = y~, at ``steps``.  sign is not linear, so the iteration is literal:
    one dense matvec per step (O(n^2)), which is also what the eigenbasis would cost.

    Requires 0 < eta lambda_max < 2 (the u-update is GD) and 0 < a <= 1.

    >>> import numpy as np
    >>> U, Y = hard_sd_f64(np.eye(1), np.array([-1.0]), 0.5, 0.5, [1, 2])
    >>> U.ravel().tolist(), Y.ravel().tolist()
    ([-0.5, -0.5], [-0.5, -0.75])
    """
    if isinstance(H, KernelSpectrum):
        raise InputError("the hard rule iterates with H itself; pass the Gram matrix, not its "
                         "spectrum")
    sp = kernel_spectrum(H)  # validates H (symmetric PSD) and gives lambda_max
    Hf = V.as_real_array(H, "H", allow_mp=True).astype(np.float64)
    y = V.check_targets(y_noisy, Hf.shape[0]).astype(np.float64)
    if y.ndim != 1:
        raise InputError("the hard rule takes one label vector y of shape (n,)")
    _positive("a", a, upper=1.0)
    _positive("eta", eta)
    if not float(eta) * float(sp.values[-1]) < 2:
        raise InputError(f"eta lambda_max = {float(eta) * float(sp.values[-1]):.6g} >= 2: the "
                         f"u-update diverges; pass eta < {2 / float(sp.values[-1]):.6g}")
    ks, _ = check_steps(steps, flow=False)
    if math.inf in ks:
        raise InputError("the hard rule has no closed-form limit; pass finite step counts")
    want = {int(k) for k in ks}
    u, yk = np.zeros_like(y), y.copy()
    seen = {}
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for k in range(max(want) + 1):
            if k in want:
                seen[k] = (u, yk)
            u, yk = u - eta * (Hf @ (u - yk)), (1 - a) * yk + a * np.sign(u)
    return np.array([seen[int(k)][0] for k in ks]), np.array([seen[int(k)][1] for k in ks])


def _beta(beta):
    if not V._is_real_number(beta) or not 0 <= beta < 1:
        raise InputError(f"beta = {beta!r} must be a mixing weight in [0, 1) (beta = 1 leaves "
                         f"the network where it starts)")


def reanchored_gd_f64(H, y_noisy, eta, beta, steps, *, u0=None):
    """Re-anchored target (1 - beta) y~ + beta u_k under squared loss: equal to kernel GD
    with step eta (1 - beta) towards y~ (u_{k+1} = u_k - eta (1 - beta) H (u_k - y~)).

    >>> import numpy as np
    >>> np.round(reanchored_gd_f64(np.eye(1), np.array([1.0]), 1.0, 0.5, [1, 2]), 12).ravel().tolist()
    [0.5, 0.75]
    """
    _beta(beta)
    return kernel_gd_f64(H, y_noisy, float(eta) * (1 - float(beta)), steps, u0=u0)


def reanchored_gd_mp(ctx, H, y_noisy, eta, beta, steps, *, u0=None):
    """:func:`reanchored_gd_f64` at ctx's precision (via :func:`~theory.kernel_gd.kernel_gd_mp`).

    eta (1 - beta) is formed exactly (at twice the digits plus 40: a product of two numbers
    of ctx's precision, or of two doubles, is exact there).
    """
    _beta(beta)
    ectx = make_context(2 * ctx.dps + 40)
    step = ectx.mpf(eta) * (1 - ectx.mpf(beta))
    return kernel_gd_mp(ctx, H, y_noisy, step, steps, u0=u0)
