r"""Constant ground-truth weight: every step as a function of the first fit, and its limit.

With the same weight ``alpha = 1 - xi`` at every step, ``q = 1 - alpha`` and Borup &
Andersen's indexing (tau = 1 is the plain ridge fit, ``a = d/(d + lam)``):

    b_tau(a) = b_inf + (q a)^(tau-1) (a - b_inf),
    b_inf = alpha a/(1 - q a) = alpha d/(alpha d + lam),
    b_tau(a) = a g_tau(q a),    g_tau(x) = alpha sum_{i=0}^{tau-2} x^i + x^(tau-1),

so ``yhat_tau = P M_tau y`` with ``M_tau = g_tau(q P)`` a function of the first fit
``P = K (K + lam I)^-1`` alone, and for alpha > 0 the steps converge, linearly with factor
``q a_max``, to ridge with the amplified parameter ``lam/alpha`` (``b_inf`` is its filter).
Evaluated without cancellation as ``q a = q d/(d + lam)``, ``a - b_inf = q a lam/(alpha d + lam)``
(both terms are >= 0, so the sum is accurate to a few units in the last place).

Source: docs/theory/borup2021.md §2 closed_form and limit_amplified_ridge [paper: statement;
derived: exact form].  Domain: d >= 0, lam > 0, 0 <= alpha <= 1, integer tau >= 1.

>>> float(closed_form_filter_f64([1.0], 1.0, 0.5, 2)[0])  # a = 1/2: a (alpha + q a)
0.375
"""

import numpy as np
import sympy as sp

from ._mp import to_mp_array
from ._ridge_validate import check_alpha, check_lam, check_tau, check_vector
from .errors import InputError
from .ridge_filters import A

__all__ = ["ALPHA", "TAU", "closed_form_filter_expr", "closed_form_filter_f64",
           "closed_form_filter_mp", "closed_form_log_filter_f64", "first_fit_multiplier_f64",
           "first_fit_multiplier_mp", "limit_filter_expr", "limit_filter_f64", "limit_filter_mp",
           "amplified_ridge"]

ALPHA = sp.Symbol("alpha", nonnegative=True)
TAU = sp.Symbol("tau", positive=True, integer=True)


def limit_filter_expr():
    """b_inf(a) = alpha a/(1 - (1 - alpha) a), a sympy expression in :data:`A`, :data:`ALPHA`.

    >>> limit_filter_expr()
    a*alpha/(-a*(1 - alpha) + 1)
    """
    return ALPHA * A / (1 - (1 - ALPHA) * A)


def closed_form_filter_expr():
    """b_tau(a) = b_inf + ((1 - alpha) a)^(tau - 1) (a - b_inf), in :data:`A`, :data:`ALPHA`,
    :data:`TAU`.

    >>> sp.simplify(closed_form_filter_expr().subs(TAU, 1))
    a
    """
    b_inf = limit_filter_expr()
    return b_inf + ((1 - ALPHA) * A) ** (TAU - 1) * (A - b_inf)


def _inputs(d, lam, alpha, tau=None):
    d = check_vector(d, "d", nonnegative=True,
                     remedy="pass eigenvalues of a PSD Gram matrix (or s^2 of a design)")
    check_lam(lam)
    check_alpha(alpha)
    return d, (check_tau(tau) if tau is not None else None)


def _pieces(d, lam, alpha):
    """(q a, b_inf, a - b_inf) elementwise, cancellation-free (works for float64 and mpf)."""
    # arrays first: mpf * ndarray tries (slowly) to convert the whole array to one mpf
    qa = d * (1 - alpha) / (d + lam)
    den = d * alpha + lam
    return qa, d * alpha / den, qa * lam / den


def closed_form_filter_f64(d, lam, alpha, tau):
    """b_tau at a = d/(d + lam) in float64; ``(q a)^(tau-1)`` underflows to 0 harmlessly
    when alpha > 0 (b_inf dominates) and to 0 in relative error when alpha = 0 (use
    :func:`closed_form_log_filter_f64` or the mp form there).

    >>> closed_form_filter_f64([0.0, 3.0], 1.0, 0.0, 3).tolist()  # alpha = 0: a^tau
    [0.0, 0.421875]
    """
    d, tau = _inputs(d, lam, alpha, tau)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        qa, b_inf, gap = _pieces(d.astype(np.float64), float(lam), float(alpha))
        return b_inf + np.power(qa, tau - 1) * gap


def closed_form_filter_mp(ctx, d, lam, alpha, tau):
    """:func:`closed_form_filter_f64` at the precision of ``ctx`` (no underflow in mpf).

    >>> from theory._mp import make_context
    >>> [str(v) for v in closed_form_filter_mp(make_context(20), [1], 1, 0.5, 2)]
    ['0.375']
    """
    d, tau = _inputs(d, lam, alpha, tau)
    qa, b_inf, gap = _pieces(to_mp_array(ctx, d), ctx.mpf(lam), ctx.mpf(alpha))
    return b_inf + np.array([x ** (tau - 1) for x in qa], dtype=object) * gap


def closed_form_log_filter_f64(d, lam, alpha, tau):
    """log b_tau in float64 without underflow:
    logaddexp(log b_inf, (tau-1) log(q a) + log(a - b_inf)).

    Entries with d = 0 (b_tau = 0) are -inf.

    >>> float(closed_form_log_filter_f64([1.0], 1.0, 0.0, 2000)[0]) / 2000  # tau log(1/2)
    -0.6931471805599453
    """
    d, tau = _inputs(d, lam, alpha, tau)
    d = d.astype(np.float64)
    out = np.full(d.shape, -np.inf)
    pos = d > 0
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        qa, b_inf, gap = _pieces(d[pos], float(lam), float(alpha))
        a = d[pos] / (d[pos] + float(lam))
        if tau == 1 or alpha == 0:
            out[pos] = tau * np.log(a)
        elif alpha == 1:  # q = 0: b_tau = b_inf from the second step on
            out[pos] = np.log(b_inf)
        else:
            out[pos] = np.logaddexp(np.log(b_inf), (tau - 1) * np.log(qa) + np.log(gap))
    return out


def _multiplier(x, alpha, tau, one):
    g = one  # Horner on g_tau(x) = x^(tau-1) + alpha (x^(tau-2) + ... + 1)
    for _ in range(tau - 1):
        g = x * g + alpha
    return g


def first_fit_multiplier_f64(a, alpha, tau):
    """g_tau(q a) = alpha sum_{i=0}^{tau-2} (q a)^i + (q a)^(tau-1): the eigenvalues of M_tau,
    with ``b_tau = a g_tau(q a)`` (O(tau) Horner steps per entry).

    >>> first_fit_multiplier_f64([0.5], 0.5, 2).tolist()  # alpha + q a
    [0.75]
    """
    a = check_vector(a, "a").astype(np.float64)
    check_alpha(alpha)
    tau = check_tau(tau)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        return _multiplier((1 - float(alpha)) * a, float(alpha), tau, np.ones_like(a))


def first_fit_multiplier_mp(ctx, a, alpha, tau):
    """:func:`first_fit_multiplier_f64` at the precision of ``ctx``.

    >>> from theory._mp import make_context
    >>> [str(v) for v in first_fit_multiplier_mp(make_context(20), [0.5], 0.5, 2)]
    ['0.75']
    """
    a = to_mp_array(ctx, check_vector(a, "a"))
    check_alpha(alpha)
    tau = check_tau(tau)
    alpha = ctx.mpf(alpha)
    return _multiplier(a * (1 - alpha), alpha, tau, np.array([ctx.one] * a.size, dtype=object))


def limit_filter_f64(d, lam, alpha):
    """b_inf = alpha d/(alpha d + lam): the filter of ridge with parameter lam/alpha.

    >>> limit_filter_f64([1.0], 1.0, 0.5).tolist()
    [0.3333333333333333]
    """
    d, _ = _inputs(d, lam, alpha)
    d = d.astype(np.float64)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return float(alpha) * d / (float(alpha) * d + float(lam))


def limit_filter_mp(ctx, d, lam, alpha):
    """:func:`limit_filter_f64` at the precision of ``ctx``.

    >>> from theory._mp import make_context
    >>> [str(v) for v in limit_filter_mp(make_context(20), [1], 1, 0.5)]
    ['0.33333333333333333333']
    """
    d, _ = _inputs(d, lam, alpha)
    alpha = ctx.mpf(alpha)
    d = to_mp_array(ctx, d)
    return d * alpha / (d * alpha + ctx.mpf(lam))


def amplified_ridge(lam, alpha):
    """lam/alpha, the ridge parameter of the limit (alpha > 0; alpha = 0 has limit 0).

    >>> amplified_ridge(0.2, 0.25)
    0.8
    """
    check_lam(lam)
    check_alpha(alpha)
    if alpha == 0:
        raise InputError("alpha = 0 (pure self-distillation) has no amplified ridge: the steps "
                         "tend to the zero function; pass alpha > 0")
    return lam / alpha
