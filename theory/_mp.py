"""The one mpmath adapter: local contexts and conversions (STYLE rule 5).

No code in this project assigns ``mpmath.mp.dps``; every high-precision routine takes a
context made here.

>>> ctx = make_context(30)
>>> ctx.dps
30
>>> import mpmath; mpmath.mp.dps  # the global context is untouched
15
"""

import math
import numbers

import mpmath
import numpy as np
from mpmath.libmp import (fnan, finf, fninf, from_float, from_int, from_rational, fzero,
                          mpf_abs, mpf_cmp, mpf_sub)

__all__ = ["make_context", "to_mp", "to_mp_array", "to_f64", "digits_of_agreement",
           "rows_agreement",
           "more_guard", "GUARD_RETRIES"]

#: Guard digits added to a requested precision for the working computation.
GUARD_DIGITS = 10

#: Reruns of a two-precision confirmation with more guard digits when the pair disagrees.
GUARD_RETRIES = 2


def more_guard(g, dps, agree):
    """The guard for the rerun of a confirming pair (dps + g, dps + 2g digits) that agreed to
    only ``agree`` of ``dps`` digits: twice the missing digits plus GUARD_DIGITS more.

    >>> more_guard(10, 50, 43.9)
    34
    """
    return g + 2 * math.ceil(dps - agree) + GUARD_DIGITS


#: Precision of the comparison in :func:`digits_of_agreement` (beyond any working precision used here).
_AGREEMENT_DPS = 1000


def make_context(dps):
    """Return a fresh ``mpmath.MPContext`` with ``dps`` significant decimal digits."""
    ctx = mpmath.MPContext()
    ctx.dps = int(dps)
    return ctx


def to_mp(ctx, v):
    """``v`` as a ``ctx.mpf``, rounded once from its exact value.

    Accepts mpf (of any context), Python and numpy integers and floats of every width
    (``np.float32``, ``np.longdouble``: their exact binary value), ``fractions.Fraction``
    and other rationals (correctly rounded), and decimal strings.

    >>> from fractions import Fraction
    >>> ctx = make_context(20)
    >>> ctx.nstr(to_mp(ctx, Fraction(1, 3)), 20), to_mp(ctx, np.float32(0.5))
    ('0.33333333333333333333', mpf('0.5'))
    >>> to_mp(ctx, 10**400) == ctx.mpf(10) ** 400
    True
    """
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{v!r} is a boolean, not a number")
    if getattr(ctx, "holds_exactly", False):  # a ball context: rationals are not rounded
        return ctx.mpf(v)
    if isinstance(v, (int, float, str)) or type(v).__name__ == "mpf":
        return ctx.mpf(v)
    if isinstance(v, np.integer):
        return ctx.mpf(int(v))
    if isinstance(v, np.floating):
        p, q = v.as_integer_ratio()  # exact, also for float32/float16/longdouble
        return ctx.make_mpf(from_rational(p, q, ctx.prec, "n"))
    if isinstance(v, numbers.Rational):
        return ctx.make_mpf(from_rational(int(v.numerator), int(v.denominator), ctx.prec, "n"))
    return ctx.mpf(v)


def to_mp_array(ctx, a):
    """Convert an array-like of numbers (see :func:`to_mp`) to an object ndarray of ``ctx.mpf``.

    float64 inputs are converted exactly (every binary double is representable).
    """
    arr = np.asarray(a, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = to_mp(ctx, v)
    return out


def to_f64(a):
    """Round an object array of mpf (or anything numeric) to a float64 ndarray."""
    arr = np.asarray(a, dtype=object)
    return np.array([float(v) for v in arr.reshape(-1)], dtype=np.float64).reshape(arr.shape)


_NONFINITE = (fnan, finf, fninf)
#: The few digits the agreement's logarithm needs (made once: a context costs ~0.1 ms).
_LOG_CTX = make_context(20)


def _raw_exact(v):
    """The exact libmp value of an mpf, Python int or Python float; None for other types."""
    if type(v).__name__ == "mpf":
        return v._mpf_
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return from_int(v)
    if isinstance(v, float):
        return from_float(v)
    return None


def digits_of_agreement(a, b, scale=None):
    """Decimal digits to which ``a`` and ``b`` agree, normwise: ``-log10(max|a-b| / scale)``.

    ``scale`` defaults to ``max(|a|, |b|)``; exact agreement returns ``inf``; a NaN anywhere
    returns ``0.0`` (NaN never counts as agreement).

    >>> round(digits_of_agreement([1.0, 2.0], [1.0, 2.0 + 2e-10]), 1)
    10.0
    """
    a = np.asarray(a, dtype=object).reshape(-1)
    b = np.asarray(b, dtype=object).reshape(-1)
    if a.size == 0 and b.size == 0:
        return float("inf")
    if a.shape != b.shape:
        return 0.0
    # Exact differences and magnitudes on the raw binary values (libmp with prec = 0 is
    # exact): nothing is rounded before the comparison, whatever the inputs' precision.
    wide = None
    raw_a, raw_b = [], []
    for arr, raw in ((a, raw_a), (b, raw_b)):
        for v in arr.tolist():
            r = _raw_exact(v)
            if r is None:  # a Fraction, numpy scalar or string: rounded once, very finely
                wide = wide or make_context(_AGREEMENT_DPS)
                r = to_mp(wide, v)._mpf_
            raw.append(r)
    extremes = _raw_extremes(raw_a, raw_b)
    return 0.0 if extremes is None else _digits(*extremes, scale)


def _raw_extremes(raw_a, raw_b):
    """(max |x - y|, max(|x|, |y|)) over pairs of raw values, exactly; None if any is not
    finite."""
    err, mag = fzero, fzero
    for x, y in zip(raw_a, raw_b):
        d = mpf_abs(mpf_sub(x, y))
        if d in _NONFINITE or x in _NONFINITE or y in _NONFINITE:
            return None
        if mpf_cmp(d, err) > 0:
            err = d
        for m in (mpf_abs(x), mpf_abs(y)):
            if mpf_cmp(m, mag) > 0:
                mag = m
    return err, mag


def _digits(err, mag, scale=None):
    ctx = _LOG_CTX
    s = ctx.mpf(scale) if scale is not None else ctx.make_mpf(mag)
    err = ctx.make_mpf(err)
    if err == 0:
        return float("inf")
    if not s > 0:
        return 0.0
    # the logarithm needs only a few digits; mpf keeps the exponent range, so ratios below
    # 1e-308 do not underflow
    return float(-ctx.log10(err / s))


#: Binary exponents inside which an mpf rounded to a double keeps a relative error below
#: 2^-51 whatever mpmath's rounding mode (normal numbers, away from overflow).
_SAFE_EXP = 1000


def rows_agreement(a, b):
    """``[digits_of_agreement(a[i], b[i]) for each row i]`` of two 2-D arrays, the same
    numbers; fast when one is float64 and the other holds mpf (a float64 trajectory against
    its mp confirmation).

    Fast path: the mpf entries are rounded to doubles ``b~`` (relative error below 2^-51
    whatever mpmath's rounding mode), ``D = |a - b~|`` locates each row's candidates for the largest error and the
    largest magnitude (every entry within the rounding bounds of the maximum), and only
    those are compared exactly as :func:`digits_of_agreement` does; rows with non-finite,
    zero-rounded or out-of-range entries take the exact route whole.

    >>> import numpy as np
    >>> from theory._mp import make_context
    >>> ctx = make_context(30)
    >>> m = np.array([[ctx.mpf(1) / 3, ctx.mpf(2)], [ctx.mpf(5), ctx.mpf(7)]], dtype=object)
    >>> f = np.array([[1 / 3, 2.0], [5.0, 7.0 + 2 ** -40]])
    >>> [round(v, 6) for v in rows_agreement(f, m)] == [round(digits_of_agreement(x, y), 6)
    ...                                                  for x, y in zip(f, m)]
    True
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype == object and b.dtype == np.float64:
        a, b = b, a
    if a.size == 0 or a.ndim != 2 or a.shape != b.shape or a.dtype != np.float64 \
            or b.dtype != object \
            or not all(type(v).__name__ == "mpf" for v in b.reshape(-1).tolist()):
        return [digits_of_agreement(x, y) for x, y in zip(a, b)]
    bf = np.array([float(v) for v in b.reshape(-1).tolist()], dtype=np.float64).reshape(b.shape)
    with np.errstate(all="ignore"):
        absb = np.abs(bf)
        fine = np.isfinite(a) & np.isfinite(bf) & (absb < 2.0 ** _SAFE_EXP) \
            & ((absb > 2.0 ** -_SAFE_EXP) | (bf == 0))
        zero = bf == 0
        exact_zero = np.array([not v._mpf_[1] for v in b.reshape(-1).tolist()], dtype=bool)
        fine &= ~zero | exact_zero.reshape(b.shape)
        safe = fine.all(axis=1)
        D = np.abs(a - bf)
        u = 2.0 ** -51 * (absb + D)  # bounds |true error - D|: b's rounding and D's
        lo, hi = D - u, D + u
        absa = np.abs(a)
        mlo, mhi = np.maximum(absa, absb * (1 - 2.0 ** -51)), np.maximum(absa, absb * (1 + 2.0 ** -51))
    out = []
    for i in range(a.shape[0]):
        if not safe[i]:
            out.append(digits_of_agreement(a[i], b[i]))
            continue
        cand = np.flatnonzero((hi[i] >= lo[i].max()) | (mhi[i] >= mlo[i].max()))
        extremes = _raw_extremes([from_float(float(a[i, j])) for j in cand],
                                 [b[i, j]._mpf_ for j in cand])
        out.append(0.0 if extremes is None else _digits(*extremes))
    return out
