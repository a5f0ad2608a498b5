"""The secular equation of one self-distillation round.

    phi(c) = sum_k w_k^2 (c / (c + d_k))^2 = K eps,    w = V y_t (spectral coefficients),

solved for c > 0 (docs/theory/mobahi2020.md §4).  phi increases strictly from sum_{d_k = 0} w_k^2 at c -> 0 to
||w||^2 at c -> inf, so the root exists and is unique when
sum_{d_k=0} w_k^2 < K eps < ||w||^2.

Numerically we work in s = 1/c and solve F(s) = phi^{-1/2} - (K eps)^{-1/2} = 0.  F is
increasing, and exactly linear when one term dominates (w^2/(1+sd)^2 has phi^{-1/2} =
(1 + s d)/|w|), so Newton's method converges in a few steps; it is safeguarded by the
bracket of :func:`secular_bracket` (bisection whenever a Newton step leaves it).

Source: Mobahi et al. 2020, §4 (the equation) [paper]; bracket and iteration [derived].
Domain: d_k >= 0, w_k^2 >= 0, 0 <= sum_{d_k=0} w_k^2 < K eps < ||w||^2 (outside it the
solvers raise: InputError when K eps is not in (0, ||w||^2), InfeasibleError when the
null-space mass reaches K eps).

>>> import numpy as np
>>> c = secular_root_f64(np.array([1.0, 1.0]), np.array([1.0, 1.0]), 0.5)
>>> round(c, 12)   # 2 (c/(c+1))^2 = 1/2  =>  c/(c+1) = 1/2
1.0
"""

import functools
import math

import numpy as np
from mpmath.libmp import BACKEND, fone, from_man_exp, mpf_add, mpf_cmp, mpf_div, mpf_mul, mpf_sum

from ._validate import EPS64
from .errors import InfeasibleError, InputError, PrecisionError

__all__ = ["secular_value_f64", "secular_bracket", "secular_root_f64", "secular_root_mp",
           "secular_root_raw", "to_raw"]


def secular_value_f64(c, w2, d):
    """phi(c) = sum_k w2_k (c/(c+d_k))^2 (float64)."""
    w2, d = np.asarray(w2, float), np.asarray(d, float)
    return float(np.sum(w2 * (c / (c + d)) ** 2))


def secular_bracket(w2_total, w2_null, target, d_pos_min, d_max, sqrt):
    """Bracket [s_lo, s_hi] of the root s = 1/c.

    With m = (||w||^2 - w0)/(K eps - w0) (w0 the null-space mass), the bounds
    (1 + s d_max)^2 >= m >= (1 + s d_min+)^2 at the root give

        (sqrt(m) - 1)/d_max <= s <= (sqrt(m) - 1)/d_min+ .

    With w0 = 0 these are the c_t bounds of docs/theory/mobahi2020.md §5:
    a d_min/(||z|| - a) <= c <= a d_max/(||z|| - a).
    """
    if not (0 < target < w2_total):
        raise InputError(f"the budget K*eps = {float(target):.17g} must lie strictly between 0 and "
                         f"||w||^2 = {float(w2_total):.17g} for a root c > 0 to exist (at or above "
                         f"||w||^2 the round collapses: no secular equation to solve)")
    if w2_null >= target:
        raise InfeasibleError(
            f"the part of the targets in the null space of G has squared norm {float(w2_null):.6g} "
            f">= K*eps = {float(target):.6g}: no fit in the span of the kernel meets the budget; "
            f"increase eps, or remove duplicated points that make G singular")
    m = (w2_total - w2_null) / (target - w2_null)
    # sqrt(m) - 1 = (m - 1)/(sqrt(m) + 1), with m - 1 formed from w2_total - target directly:
    # near saturation (K eps a few ulps below ||w||^2) sqrt(m) - 1 would round to 0
    root_m_minus_1 = ((w2_total - target) / (target - w2_null)) / (sqrt(m) + 1)
    return root_m_minus_1 / d_max, root_m_minus_1 / d_pos_min


def _newton_bracketed(F, lo, hi, s, rel_tol, max_iter):
    """Safeguarded Newton for increasing F on [lo, hi]; works for floats and mpf alike."""
    for _ in range(max_iter):
        f, df = F(s)
        if f == 0:
            return s
        if f < 0:
            lo = s
        else:
            hi = s
        step = f / df if df > 0 else None
        s_new = s - step if step is not None else None
        if s_new is None or not (lo < s_new < hi):
            s_new = (lo + hi) / 2
        if abs(s_new - s) <= rel_tol * abs(s_new) or hi - lo <= rel_tol * abs(hi):
            return s_new
        s = s_new
    raise PrecisionError(f"the secular iteration did not converge in {max_iter} steps "
                         f"(bracket [{lo}, {hi}])")


#: Up to this many positive eigenvalues the float64 secular function is a Python loop.
_SMALL_K = 16


def secular_root_f64(w2, d, target, s_guess=None):
    """c > 0 with sum_k w2_k (c/(c+d_k))^2 = target, to full float64 accuracy.

    ``w2`` are the squared spectral coefficients (row sums of squares for several classes),
    ``d`` the eigenvalues (>= 0, zeros meaning a singular G), ``target`` = K eps.
    Raises :class:`InfeasibleError` when no c > 0 exists because of null-space mass.
    """
    w2 = np.asarray(w2, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    pos = d > 0
    if not pos.any():
        raise InfeasibleError(f"G has no positive eigenvalue (G = 0): the only fit is f = 0, with "
                              f"squared residual {float(w2.sum()):.6g} > K*eps = {target:.6g}; "
                              f"increase eps or use a non-zero kernel")
    w0 = float(w2[~pos].sum())
    wp, dp = w2[pos], d[pos]
    lo, hi = secular_bracket(float(wp.sum()) + w0, w0, target, float(dp.min()), float(dp.max()),
                             math.sqrt)
    inv_a = 1.0 / math.sqrt(target)

    if dp.shape[0] <= _SMALL_K:
        # a few terms: a Python loop beats numpy's per-call overhead (~4x at K = 8)
        pairs = list(zip(wp.tolist(), dp.tolist()))

        def F(s):
            phi, dphi = w0, 0.0
            for wk, dk in pairs:
                q = 1.0 + s * dk
                v = wk / (q * q)
                phi += v
                dphi += v * dk / q
            return phi ** -0.5 - inv_a, phi ** -1.5 * dphi
    else:
        def F(s):
            q = 1.0 + s * dp
            v2 = wp / (q * q)
            phi = w0 + float(v2.sum())
            return phi ** -0.5 - inv_a, phi ** -1.5 * float(np.sum(v2 * dp / q))

    s0 = s_guess if s_guess is not None and lo < s_guess < hi else lo
    # 4 u: the last Newton step of a quadratically convergent iteration is below rounding
    s = _newton_bracketed(F, lo, hi, s0, 4 * EPS64, 200)
    return 1.0 / s


def secular_root_mp(ctx, w2, d, target, s_guess=None):
    """As :func:`secular_root_f64`, at the precision of ``ctx`` (lists/arrays of ``ctx.mpf``).

    ``s_guess`` (= 1/c from a float64 or lower-precision solve) makes Newton converge in a
    few quadratic steps.
    """
    return ctx.make_mpf(secular_root_raw(ctx, [to_raw(ctx, v) for v in w2],
                                         [to_raw(ctx, v) for v in d], target, s_guess))


def secular_root_raw(ctx, w2, d, target, s_guess=None):
    """:func:`secular_root_mp` on mpmath's raw binary values (``mpmath.libmp`` tuples, as in
    ``ctx.mpf(...)._mpf_``), returning c as a raw value: the same arithmetic as ``ctx.mpf``
    (each operation rounded to the context's precision; sums exact before one rounding)
    without the object overhead, for the round loop of the mp engine."""
    prec = ctx.prec
    pos = [k for k, v in enumerate(d) if v[0] == 0 and v[1] != 0]  # d_k > 0
    if not pos:
        raise InfeasibleError(f"G has no positive eigenvalue (G = 0): the only fit is f = 0; "
                              f"increase eps or use a non-zero kernel")
    mk = ctx.make_mpf
    null = [w2[k] for k, v in enumerate(d) if not (v[0] == 0 and v[1] != 0)]
    w0 = mk(mpf_sum(null, prec, _RND))
    wp = [w2[k] for k in pos]
    dp = [d[k] for k in pos]
    lo, hi = secular_bracket(mk(mpf_sum(wp, prec, _RND)) + w0, w0, target,
                             mk(min(dp, key=_BY_VALUE)), mk(max(dp, key=_BY_VALUE)), ctx.sqrt)
    inv_a = 1 / ctx.sqrt(target)
    w0r = w0._mpf_

    def F(s):
        rs = s._mpf_
        v2, dv = [w0r], []
        for wk, dk in zip(wp, dp):
            q = mpf_add(fone, mpf_mul(rs, dk, prec, _RND), prec, _RND)
            v = mpf_div(wk, mpf_mul(q, q, prec, _RND), prec, _RND)
            v2.append(v)
            dv.append(mpf_div(mpf_mul(v, dk, prec, _RND), q, prec, _RND))
        inv_root = 1 / ctx.sqrt(mk(mpf_sum(v2, prec, _RND)))  # phi^(-1/2), no exp/log
        return inv_root - inv_a, inv_root ** 3 * mk(mpf_sum(dv, prec, _RND))

    s0 = ctx.mpf(s_guess) if s_guess is not None and lo < s_guess < hi else lo
    if _gmpy() is not None:
        return _newton_gmpy(prec, wp, dp, w0r, target._mpf_, lo._mpf_, hi._mpf_, s0._mpf_)
    # stop when the step is below 16 ulps: Newton is quadratic, the next step would be far below
    s = _newton_bracketed(F, lo, hi, s0, ctx.ldexp(1, 4 - prec), 200 + 2 * prec)
    return mpf_div(fone, s._mpf_, prec, _RND)


@functools.lru_cache(maxsize=None)
def _gmpy():
    """gmpy2, when mpmath runs on it (the ``fast`` extra): MPFR numbers at ``prec`` bits,
    rounded to nearest, are the same arithmetic as libmp's at ``prec`` bits (each operation
    correctly rounded; sums exact before one rounding), computed in C."""
    if BACKEND != "gmpy":
        return None
    import gmpy2
    return gmpy2


def _newton_gmpy(prec, wp, dp, w0, target, lo, hi, s0):
    """The Newton iteration of :func:`secular_root_raw` on MPFR numbers (the same operations
    in the same order, each rounded to ``prec`` bits), from and to raw libmp values."""
    g = _gmpy()
    with g.context(precision=prec, round=g.RoundToNearest):
        one = g.mpfr(1)
        s = newton_mpfr([_mpfr(g, v) for v in wp], [_mpfr(g, v) for v in dp], _mpfr(g, w0),
                        one / g.sqrt(_mpfr(g, target)), _mpfr(g, lo), _mpfr(g, hi),
                        _mpfr(g, s0), prec)
        return raw_of_mpfr(one / s, prec)


def newton_mpfr(W, D, w0, inv_a, lo, hi, s0, prec):
    """s = 1/c by safeguarded Newton on F(s) = phi^(-1/2) - a^(-1) (module docstring), on
    MPFR numbers in the caller's gmpy2 context: ``W``, ``D`` the weights and eigenvalues of
    the positive eigenvalues, ``w0`` the null-space weight, ``inv_a`` = (K eps)^(-1/2)."""
    g = _gmpy()
    one = g.mpfr(1)
    fsum = g.fsum

    def F(s):
        v2, dv = [w0], []
        for wk, dk in zip(W, D):
            q = one + s * dk
            v = wk / (q * q)
            v2.append(v)
            dv.append(v * dk / q)
        inv_root = one / g.sqrt(fsum(v2))
        return inv_root - inv_a, inv_root ** 3 * fsum(dv)

    # stop when the step is below 16 ulps: Newton is quadratic, the next step would be far below
    return _newton_bracketed(F, lo, hi, s0, g.mul_2exp(one, 4 - prec), 200 + 2 * prec)


def raw_of_mpfr(x, prec):
    """The raw libmp value of an MPFR number of at most ``prec`` bits (exact)."""
    man, exp = x.as_mantissa_exp()
    return from_man_exp(int(man), int(exp), prec, _RND)


def _mpfr(g, raw):
    """A raw libmp value as an MPFR number (exact: its mantissa has at most prec bits)."""
    sign, man, exp, _ = raw
    if not man:
        if exp:
            raise PrecisionError("a non-finite value reached the secular solve")
        return g.mpfr(0)
    x = g.mul_2exp(g.mpfr(man), exp)
    return -x if sign else x


_RND = "n"


_BY_VALUE = functools.cmp_to_key(mpf_cmp)  # orders raw mpf values


def to_raw(ctx, v):
    """The libmp value of ``v`` (a ``ctx.mpf``, or any real ``ctx.mpf`` accepts)."""
    raw = getattr(v, "_mpf_", None)
    return raw if raw is not None else ctx.mpf(v)._mpf_
