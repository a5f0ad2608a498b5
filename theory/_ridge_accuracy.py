"""Accuracy of the fixed-ridge engine (theory.fixed_ridge): a running error bound of the
filter recursion, the guard digits it implies for the mp engine, and the comparison of two
trajectories.

The bound is first order: for f_t = a((1 - xi_t) + xi_t f_{t-1}) computed with unit
roundoff u from a perturbed a,

    e_0 = delta_a + 2u|a|,
    e_t = |a xi_t| e_{t-1} + 4u|a| (|1 - xi_t| + |xi_t f_{t-1}|) + |g_t| delta_a,

(Higham, Accuracy and Stability of Numerical Algorithms, §3.3: running error analysis
[prior work]).  Large weights |xi_t| multiply the inherited error: the r-step oracle weights
of docs/theory/pareek2024.md §2 (|xi| ~ 1e13 at r = 16) lose ~20 digits this way.

>>> import numpy as np
>>> f, g = filters_and_targets(np.array([0.5]), np.array([2.0]), 1.0)
>>> relative(error_bound(np.array([0.5]), np.array([2.0]), f, g, 0.0, 1.0)) > 0
True
"""

import math

import numpy as np

from ._mp import make_context, to_mp_array
from .errors import PrecisionError
from .ridge_filters import filters_and_targets

__all__ = ["error_bound", "relative", "eigen_error_in_a", "amplification_digits", "rowwise_digits"]

#: Precision of the comparison of two trajectories (beyond any working precision used here).
_COMPARE_DPS = 1000


def error_bound(a, xi, f, g, delta_a, unit):
    """Per step t, (max_j e_t, max_j |f_t|): a first-order bound on the absolute error of
    the filters and their computed size.

    e_0 = delta_a + 2u|a| (a = d/(d + lam): two roundings), and
    e_t = |a xi_t| e_{t-1} + 4u|a| (|1 - xi_t| + |xi_t f_{t-1}|) + |g_t| delta_a:
    the error inherited through xi_t f_{t-1}, the 4 roundings of a((1 - xi) + xi f), and
    the eigenvalue error delta_a entering through the factor a.  Generic in the number type
    (an mp context avoids overflow for huge weights).
    """
    absa = abs(a)
    e = delta_a + 2 * unit * absa
    out = [(max(e), max(abs(f[0])))]
    for t in range(1, f.shape[0]):
        x = xi[t - 1]
        e = absa * abs(x) * e + absa * (abs(f[t - 1] * x) + abs(1 - x)) * (4 * unit) \
            + abs(g[t]) * delta_a
        out.append((max(e), max(abs(f[t]))))
    return out


def relative(bound, slack=1):
    """max_t e_t/(|f_t| - slack e_t): relative to the exact filter's norm, which is at least
    the computed norm minus the error; inf once the error reaches the computed norm."""
    worst = 0.0
    for e, size in bound:
        if e == 0:
            continue
        if size - slack * e <= 0:
            return math.inf
        worst = max(worst, e / (size - slack * e))
    return worst


def eigen_error_in_a(d, lam, n, kind, unit):
    """Eigenvalue error of a backward-stable eigh (n u d_max; SVD: 2 n u s_max^2) mapped
    through a = d/(d + lam): lam delta_d/(d + lam)^2."""
    dd = (1 if kind == "gram" else 2) * n * unit * max(d)
    return (d + lam) ** -2 * (lam * dd)


def amplification_digits(kind, M, lam, xi):
    """Decimal digits the filters can lose: the bound of :func:`_error_bound` in units of
    the working precision, evaluated in mp (no overflow) at 20, 40, ... digits until that
    evaluation's own error (the bound times 10^-digits) leaves its filters' sizes known."""
    Mf = np.asarray(M, dtype=object).astype(np.float64)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = np.linalg.svd(Mf, compute_uv=False) if kind == "design" else \
            np.abs(np.linalg.eigvalsh(0.5 * (Mf + Mf.T)))
    for digits in (20, 40, 80, 160, 320, 640):
        ctx = make_context(digits)
        d = to_mp_array(ctx, s * s if kind == "design" else s)
        lam_m = ctx.mpf(lam)
        a = d / (d + lam_m)
        xm = to_mp_array(ctx, xi)
        f, g = filters_and_targets(a, xm, ctx.one)
        bound = error_bound(a, xm, f, g, eigen_error_in_a(d, lam_m, max(Mf.shape), kind, 1), 1)
        rel = relative(bound, slack=ctx.mpf(10) ** -digits)
        if rel != math.inf:
            return max(0, math.ceil(float(ctx.log10(rel)))) if rel > 1 else 0
    raise PrecisionError(f"the weights (up to |xi| = {float(max(abs(x) for x in xm)):.3g}) "
                         f"amplify rounding by more than 10^600; no precision is planned for that")


def rowwise_digits(A, B, entrywise=False):
    """min over rows of -log10(max|A_r - B_r| / max(|A_r|, |B_r|)) (normwise per row, as
    :func:`~theory._mp.digits_of_agreement`), or with ``entrywise`` the least relative
    agreement of single entries (entries 0 in both skipped).  One wide context serves all
    rows: one context per row costs ~1 ms, which dominates long trajectories."""
    ctx = make_context(_COMPARE_DPS)
    worst = ctx.zero
    for ra, rb in zip(A, B):
        pairs = [(ctx.mpf(u), ctx.mpf(v)) for u, v in zip(ra, rb)]
        if any(ctx.isnan(u) or ctx.isnan(v) or ctx.isinf(u) or ctx.isinf(v) for u, v in pairs):
            return 0.0
        if entrywise:
            groups = [[p] for p in pairs if p[0] != 0 or p[1] != 0]
        else:
            groups = [pairs]
        for grp in groups:
            err = max((abs(u - v) for u, v in grp), default=ctx.zero)
            if err == 0:
                continue
            scale = max(max(abs(u), abs(v)) for u, v in grp)
            if scale == 0:
                return 0.0
            worst = max(worst, err / scale)
    return math.inf if worst == 0 else float(-make_context(20).log10(worst))
