r"""Risks of spectral filters in fixed-design linear regression, and the weights that optimise them.

Model: ``X = U diag(s) V^T``, ``y = X theta* + e`` with ``E e = 0``, ``Cov e = sigma^2 I``,
``theta_j = v_j^T theta*``.  An estimator with filter ``p`` (``theta_hat_j = p_j u_j^T y/s_j``)
has ``E(theta_hat_j - theta_j)^2 = theta_j^2 (1 - p_j)^2 + sigma^2 p_j^2/s_j^2``, hence

    R_w(p) = sum_j w_j [theta_j^2 (1 - p_j)^2 + sigma^2 p_j^2/s_j^2],

with ``w_j = s_j^2/n`` for the in-sample risk ``(1/n) E||X(theta_hat - theta*)||^2 =
(1/n) sum_j [s_j^2 theta_j^2 (1 - p_j)^2 + sigma^2 p_j^2]`` and ``w_j = 1`` for the parameter
risk (plus the constant ``||theta*||^2`` outside the row space).  Each term is minimised by
the oracle filter ``p_j* = s_j^2 theta_j^2/(s_j^2 theta_j^2 + sigma^2)``, whatever w_j > 0.

One step (``p_xi = a - xi a (1 - a)``, ``b = a(1 - a)``): the risk is exactly quadratic in xi,

    R_S(xi) = R_T + xi (lam R_T') + xi^2 (lam^2 Q),
    lam R_T' = 2 sum_j w_j b_j (theta_j^2 (1 - a_j) - sigma^2 a_j/s_j^2),
    lam^2 Q  = sum_j w_j b_j^2 (theta_j^2 + sigma^2/s_j^2),

so ``xi* = -lam R_T'/(2 lam^2 Q)``, the gain is ``(lam R_T')^2/(4 lam^2 Q)``, and xi* > 1 iff
``sigma^2 > sigma_c^2 = sum_j w_j b_j (1 - a_j^2) theta_j^2 / sum_j w_j b_j a_j^2/s_j^2``.

r steps (distinct non-zero s_j): the filter polynomial through ``p(a_j) = p_j*`` and
``p(1) = 1`` (theory.ridge_filters) and the inverse map give weights reaching the oracle.

Source: docs/theory/pareek2024.md §1-§2 (risk, oracle, r_steps_reach_oracle) and
docs/theory/das2023.md §2 (taylor_identity, risk_quadratic, xi_star, high_noise_xi_gt_1)
[derived in the papers' model].  Domain: s_j^2 > 0, finite theta, sigma^2 >= 0 (> 0 for the
oracle), w_j >= 0, lam > 0.

>>> float(oracle_filter_f64([1.0], [1.0], 1.0)[0])
0.5
"""

from typing import NamedTuple

import numpy as np

from ._mp import GUARD_DIGITS, digits_of_agreement, make_context, to_mp_array
from ._ridge_validate import check_lam, check_noise, check_vector, show
from .errors import InputError, PrecisionError
from .ridge_filters import (interpolating_coefficients_f64, interpolating_coefficients_mp,
                            weights_from_coefficients_f64, weights_from_coefficients_mp)

__all__ = ["oracle_filter_f64", "oracle_filter_mp", "filter_risk_f64", "filter_risk_mp",
           "in_sample_risk_f64", "in_sample_risk_mp", "oracle_risk_f64", "oracle_risk_mp",
           "one_step_risk_terms_f64", "one_step_risk_terms_mp", "optimal_one_step_weight_f64",
           "optimal_one_step_weight_mp", "noise_threshold_f64", "noise_threshold_mp",
           "OracleWeights", "oracle_weights_f64", "oracle_weights_mp", "oracle_weights"]

_W_REMEDY = "risk weights are >= 0 (s_j^2/n: in-sample; 1: parameter risk)"

#: Guard digits tried in turn by :func:`oracle_weights` until two evaluations agree.
_GUARDS = (GUARD_DIGITS, 2 * GUARD_DIGITS, 4 * GUARD_DIGITS, 8 * GUARD_DIGITS)


def _model(s2, theta, sigma2, *, positive_sigma=False):
    s2 = check_vector(s2, "s2", positive=True,
                      remedy="drop the zero directions (outside the range of X)")
    return s2, check_vector(theta, "theta", s2.size), check_noise(sigma2, positive=positive_sigma)


def _f64(*arrays):
    return [np.asarray(x, dtype=object).astype(np.float64) for x in arrays]


def _mp(ctx, *arrays):
    return [to_mp_array(ctx, x) if np.ndim(x) else ctx.mpf(x) for x in arrays]


def _oracle(s2, theta, sigma2):
    snr = s2 * theta * theta
    return snr / (snr + sigma2)


def oracle_filter_f64(s2, theta, sigma2):
    """p_j* = s_j^2 theta_j^2/(s_j^2 theta_j^2 + sigma^2) (sigma^2 > 0).

    >>> oracle_filter_f64([4.0, 1.0], [1.0, 0.0], 1.0).tolist()
    [0.8, 0.0]
    """
    s2, theta, sigma2 = _model(s2, theta, sigma2, positive_sigma=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return _oracle(*_f64(s2, theta, sigma2))


def oracle_filter_mp(ctx, s2, theta, sigma2):
    """:func:`oracle_filter_f64` at the precision of ``ctx``."""
    return _oracle(*_mp(ctx, *_model(s2, theta, sigma2, positive_sigma=True)))


def _risk(s2, theta, sigma2, p, w):
    # arrays before mpf scalars throughout: mpf * ndarray tries (slowly) to convert the array
    return sum(w * (theta * theta * (1 - p) ** 2 + p * p / s2 * sigma2))


def _risk_inputs(s2, theta, sigma2, p, w):
    s2, theta, sigma2 = _model(s2, theta, sigma2)
    return s2, theta, sigma2, check_vector(p, "p", s2.size), \
        check_vector(w, "w", s2.size, nonnegative=True, remedy=_W_REMEDY)


def filter_risk_f64(s2, theta, sigma2, p, w):
    """R_w(p) = sum_j w_j [theta_j^2 (1 - p_j)^2 + sigma^2 p_j^2/s_j^2].

    >>> filter_risk_f64([1.0], [1.0], 1.0, [0.5], [1.0])
    0.5
    """
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return float(_risk(*_f64(*_risk_inputs(s2, theta, sigma2, p, w))))


def filter_risk_mp(ctx, s2, theta, sigma2, p, w):
    """:func:`filter_risk_f64` at the precision of ``ctx``."""
    return _risk(*_mp(ctx, *_risk_inputs(s2, theta, sigma2, p, w)))


def _in_sample(s2, theta, sigma2, p, n):
    return sum(s2 * theta * theta * (1 - p) ** 2 + p * p * sigma2) / n


def _check_n(n):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"n = {show(n)} must be a positive integer (the number of samples)")
    return int(n)


def in_sample_risk_f64(s2, theta, sigma2, p, n):
    """(1/n) sum_j [s_j^2 theta_j^2 (1 - p_j)^2 + sigma^2 p_j^2] (docs/theory/pareek2024.md §1).

    >>> in_sample_risk_f64([4.0], [1.0], 1.0, [0.8], 2)  # = oracle: sigma^2 B/(B + sigma^2)/n
    0.4
    """
    s2, theta, sigma2, p, _ = _risk_inputs(s2, theta, sigma2, p, np.ones(np.size(s2)))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return float(_in_sample(*_f64(s2, theta, sigma2, p), _check_n(n)))


def in_sample_risk_mp(ctx, s2, theta, sigma2, p, n):
    """:func:`in_sample_risk_f64` at the precision of ``ctx``."""
    s2, theta, sigma2, p, _ = _risk_inputs(s2, theta, sigma2, p, np.ones(np.size(s2)))
    return _in_sample(*_mp(ctx, s2, theta, sigma2, p), _check_n(n))


def _oracle_risk(s2, theta, sigma2, n):
    snr = s2 * theta * theta
    return sum(snr / (snr + sigma2) * sigma2) / n


def oracle_risk_f64(s2, theta, sigma2, n):
    """R_or = (1/n) sum_j sigma^2 s_j^2 theta_j^2/(s_j^2 theta_j^2 + sigma^2), the least
    in-sample risk of any spectral filter.

    >>> oracle_risk_f64([4.0], [1.0], 1.0, 2)
    0.4
    """
    s2, theta, sigma2 = _model(s2, theta, sigma2, positive_sigma=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return float(_oracle_risk(*_f64(s2, theta, sigma2), _check_n(n)))


def oracle_risk_mp(ctx, s2, theta, sigma2, n):
    """:func:`oracle_risk_f64` at the precision of ``ctx``."""
    s2, theta, sigma2 = _model(s2, theta, sigma2, positive_sigma=True)
    return _oracle_risk(*_mp(ctx, s2, theta, sigma2), _check_n(n))


def _one_step(s2, theta, sigma2, lam, w):
    a = s2 / (s2 + lam)
    b = a * lam / (s2 + lam)  # a (1 - a) without the cancellation of 1 - a near a = 1
    th2, noise = theta * theta, (1 / s2) * sigma2
    r_t = sum(w * (th2 * (1 - a) ** 2 + noise * a * a))
    lin = 2 * sum(w * b * (th2 * (1 - a) - noise * a))
    quad = sum(w * b * b * (th2 + noise))
    return r_t, lin, quad


def _one_step_inputs(s2, theta, sigma2, lam, w):
    s2, theta, sigma2 = _model(s2, theta, sigma2)
    return s2, theta, sigma2, check_lam(lam), \
        check_vector(w, "w", s2.size, nonnegative=True, remedy=_W_REMEDY)


def one_step_risk_terms_f64(s2, theta, sigma2, lam, w):
    """(R_T, lam R_T'(lam), lam^2 Q(lam)): R_S(xi) = R_T + xi lam R_T' + xi^2 lam^2 Q.

    Source: docs/theory/das2023.md §2 risk_quadratic [derived].

    >>> [round(v, 6) for v in one_step_risk_terms_f64([1.0], [1.0], 1.0, 1.0, [1.0])]
    [0.5, 0.0, 0.125]
    """
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return tuple(float(v) for v in
                     _one_step(*_f64(*_one_step_inputs(s2, theta, sigma2, lam, w))))


def one_step_risk_terms_mp(ctx, s2, theta, sigma2, lam, w):
    """:func:`one_step_risk_terms_f64` at the precision of ``ctx``."""
    return _one_step(*_mp(ctx, *_one_step_inputs(s2, theta, sigma2, lam, w)))


def _xi_star(r_t, lin, quad):
    if quad == 0:
        raise InputError("lam^2 Q = 0: the student's filter does not depend on xi on the "
                         "weighted directions (every w_j b_j = 0); give some w_j > 0")
    return -lin / (2 * quad)


def optimal_one_step_weight_f64(s2, theta, sigma2, lam, w):
    """xi*(lam) = -lam R_T'/(2 lam^2 Q) (docs/theory/das2023.md §2 xi_star).

    >>> optimal_one_step_weight_f64([1.0], [0.0], 1.0, 1.0, [1.0])  # pure noise: 1 + s^2/lam
    2.0
    """
    return float(_xi_star(*one_step_risk_terms_f64(s2, theta, sigma2, lam, w)))


def optimal_one_step_weight_mp(ctx, s2, theta, sigma2, lam, w):
    """:func:`optimal_one_step_weight_f64` at the precision of ``ctx``."""
    return _xi_star(*one_step_risk_terms_mp(ctx, s2, theta, sigma2, lam, w))


def _threshold(s2, theta, lam, w):
    a = s2 / (s2 + lam)
    b = a * lam / (s2 + lam)
    return sum(w * b * (1 - a * a) * theta * theta) / sum(w * b * a * a / s2)


def _threshold_inputs(s2, theta, lam, w):
    s2, theta, _ = _model(s2, theta, 0)
    w = check_vector(w, "w", s2.size, nonnegative=True, remedy=_W_REMEDY)
    if not any(v > 0 for v in w):
        raise InputError("every weight w_j is 0; give some w_j > 0")
    return s2, theta, check_lam(lam), w


def noise_threshold_f64(s2, theta, lam, w):
    """sigma_c^2(lam): xi*(lam) > 1 iff sigma^2 > sigma_c^2 (docs/theory/das2023.md §2).

    >>> noise_threshold_f64([1.0], [1.0], 1.0, [1.0])  # b (1 - a^2) / (b a^2): (3/4)/(1/4)
    3.0
    """
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return float(_threshold(*_f64(*_threshold_inputs(s2, theta, lam, w))))


def noise_threshold_mp(ctx, s2, theta, lam, w):
    """:func:`noise_threshold_f64` at the precision of ``ctx``."""
    return _threshold(*_mp(ctx, *_threshold_inputs(s2, theta, lam, w)))


class OracleWeights(NamedTuple):
    """r-step weights xi_1..xi_r, the filter coefficients c_1..c_{r+1}, the digits they were
    computed at (None for float64) and the digits two precisions agreed to."""

    xi: np.ndarray
    c: np.ndarray
    dps: object = None
    confirmed_digits: float = float("nan")


def oracle_weights_f64(a, p):
    """Weights whose r-step filter takes the values p_j at the distinct nodes 0 < a_j < 1.

    float64 throughout (Newton interpolation, then the inverse map); for measuring what
    float64 loses: the weights grow like 1/gap^r (docs/theory/pareek2024.md §2 xi_blowup).

    >>> oracle_weights_f64([0.5], [0.375]).xi.round(12).tolist()
    [0.5]
    """
    c = interpolating_coefficients_f64(a, p)
    return OracleWeights(xi=weights_from_coefficients_f64(c), c=c)


def oracle_weights_mp(ctx, a, p):
    """:func:`oracle_weights_f64` at the precision of ``ctx`` (one evaluation, unconfirmed)."""
    c = interpolating_coefficients_mp(ctx, a, p)
    return OracleWeights(xi=weights_from_coefficients_mp(ctx, c), c=c, dps=ctx.dps)


def oracle_weights(a, p, *, dps):
    """:func:`oracle_weights_mp` confirmed: evaluated at dps + g and dps + 2g digits for
    g = 10, 20, 40, 80 until the weights agree to dps digits (else PrecisionError).  The
    values are returned at the higher of the two precisions (replaying them amplifies their
    rounding, so they are not rounded to dps); ``dps`` records the digits certified.

    >>> w = oracle_weights([0.5], [0.375], dps=30)
    >>> str(w.xi[0]), w.confirmed_digits >= 30
    ('0.5', True)
    """
    dps = int(dps)
    for g in _GUARDS:
        lo = oracle_weights_mp(make_context(dps + g), a, p)
        hi = oracle_weights_mp(make_context(dps + 2 * g), a, p)
        agree = min(digits_of_agreement([x], [y]) for x, y in zip(lo.xi, hi.xi)) \
            if len(lo.xi) else float("inf")
        if agree >= dps:
            return OracleWeights(xi=hi.xi, c=hi.c, dps=dps, confirmed_digits=agree)
    raise PrecisionError(f"the oracle weights at {dps + g} and {dps + 2 * g} digits agree to "
                         f"only {agree:.1f} digits, fewer than the {dps} requested; the nodes "
                         f"are too close for this precision: ask for fewer digits")
