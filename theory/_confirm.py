"""Shared mp plumbing of the kernel-regime engines: confirmation at two precisions (STYLE
rule 7) and object-array products with one rounding per entry."""

import numpy as np

from ._mp import digits_of_agreement, make_context
from .errors import PrecisionError

__all__ = ["confirmed_mp", "matvec_mp", "scale_rows"]


def confirmed_mp(ctx, compute, guard, what):
    """Run ``compute(wctx)`` at ctx.dps + guard and + 2 guard digits; accept only if the two
    agree (normwise per leading index if 2-D or more, else as a whole) to ctx.dps digits; return the result rounded to ctx.

    Raises PrecisionError otherwise (STYLE rule 7)."""
    lo = compute(make_context(ctx.dps + guard))
    hi = compute(make_context(ctx.dps + 2 * guard))
    pairs = zip(lo, hi) if lo.ndim >= 2 else [(lo, hi)]
    agree = min(digits_of_agreement(a, b) for a, b in pairs)
    if agree < ctx.dps:
        raise PrecisionError(f"{what} at {ctx.dps + guard} digits agrees with the one at "
                             f"{ctx.dps + 2 * guard} digits to only {agree:.1f} digits, fewer than "
                             f"the {ctx.dps} requested; ask for fewer digits")
    out = np.empty(hi.shape, dtype=object)
    out.reshape(-1)[:] = [ctx.mpf(v) for v in hi.reshape(-1)]
    return out


def matvec_mp(ctx, A, w):
    """A w with one rounding per entry (ctx.fdot), w of shape (n,) or (n, classes)."""
    if w.ndim == 1:
        return np.array([ctx.fdot(row, w) for row in A], dtype=object)
    return np.array([[ctx.fdot(row, w[:, j]) for j in range(w.shape[1])] for row in A], dtype=object)


def scale_rows(coef, w):
    """diag(coef) w for w of shape (n,) or (n, classes)."""
    return coef[:, None] * w if w.ndim == 2 else coef * w
