"""Input validation shared by the engines.  Every failure is an :class:`InputError`
naming the offending value and the remedy; nothing is computed before validation passes.

One symmetry rule serves every engine (:func:`check_symmetric`): an input matrix may be
asymmetric by ``2 K u max|G|``, where ``u`` is the rounding unit of the arithmetic that
produced it (:func:`rounding_unit`: float64's for float64 input, the mantissa length of mpf
input), never the working precision of the engine that reads it.

>>> import numpy as np
>>> rounding_unit(np.eye(2)) == EPS64, rounding_unit(np.eye(2, dtype=np.float32)) == 2.0**-23
(True, True)
"""

import math
import numbers
import sys

import mpmath
import numpy as np

from ._mp import make_context, to_mp
from .errors import InputError, ResourceError

__all__ = ["EPS64", "MAX_DPS", "MIN_DPS", "as_real_array", "check_gram", "rounding_unit",
           "symmetry_tolerance", "check_symmetric", "psd_tolerance", "check_psd",
           "check_targets", "check_eps", "check_dps", "check_max_rounds", "check_force",
           "binary_exponent", "scaled_f64", "scaled_float"]

#: Highest precision the mp engine accepts (an eigendecomposition at 5000 digits of even a
#: 50 x 50 matrix already takes minutes).
MAX_DPS = 5000
MIN_DPS = 15

#: float64's machine epsilon 2^-52 (the spacing of the doubles at 1; twice the unit
#: roundoff).  The one float64 rounding constant of ``theory``: every float64 tolerance is
#: a multiple of it.
EPS64 = 2.0 ** -52

#: Mantissa bits of float64 (the rounding of float64 data and of exact input read as such).
_F64_BITS = 53


def _is_mpf(v):
    return type(v).__name__ == "mpf"


def _is_real_number(v):
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, numbers.Real):
        return True
    return _is_mpf(v)


def _is_finite(v):
    """Finiteness of a real scalar of any supported type, without converting to float
    (a Python int or Fraction beyond the float range is finite)."""
    if _is_mpf(v):
        return bool(mpmath.isfinite(v))
    if isinstance(v, (float, np.floating)):
        return bool(np.isfinite(v))
    return True  # int, numpy integer, Fraction and other rationals


def as_real_array(a, name, *, allow_mp):
    """Return ``a`` as a float64 array, or (``allow_mp``) an object array of real scalars.

    Rejects complex, boolean, string and object junk, NaN and inf.  float64 results are
    exact copies of integer and float input up to 64 bits; wider floats (``longdouble``)
    are kept exactly as objects when ``allow_mp``.  Object input may hold Python and numpy
    numbers, ``fractions.Fraction`` and mpmath ``mpf``, of any magnitude.
    """
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise InputError(f"{name} could not be read as an array ({exc}); pass a numeric array") from exc
    if arr.dtype.kind == "c":
        raise InputError(f"{name} is complex (dtype {arr.dtype}); the theory is for real data: "
                         f"pass the real part if the imaginary part is rounding noise")
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 8:
        if not np.isfinite(arr).all():
            flat = arr.reshape(-1)
            i = int(np.argmin(np.isfinite(flat)))
            raise InputError(f"{name} contains a non-finite value {flat[i]!r} at flat index {i}; "
                             f"remove or replace NaN/inf entries")
        if allow_mp:  # keep every bit; to_mp converts longdouble exactly
            return arr.astype(object)
        with np.errstate(over="ignore"):
            out = arr.astype(np.float64)
        if not np.isfinite(out).all():
            i = int(np.argmin(np.isfinite(out.reshape(-1))))
            raise InputError(f"{name} has the entry {arr.reshape(-1)[i]!r} (flat index {i}) beyond "
                             f"the float64 range; rescale the input")
        return out
    if arr.dtype.kind in "iuf":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind == "O" and allow_mp:
        flat = arr.reshape(-1)
        bad = [v for v in flat if not _is_real_number(v)]
        if bad:
            raise InputError(f"{name} contains a non-real entry {bad[0]!r} (type {type(bad[0]).__name__}); "
                             f"pass floats or mpmath mpf values")
    else:
        raise InputError(f"{name} has dtype {arr.dtype}, which is not a real number type; "
                         f"pass a float64 array" + (" or an object array of mpmath mpf" if allow_mp else ""))
    flat = arr.reshape(-1)
    if arr.dtype == np.float64:
        finite = np.isfinite(flat)
        if not finite.all():
            i = int(np.argmin(finite))
            raise InputError(f"{name} contains a non-finite value {flat[i]!r} at flat index {i}; "
                             f"remove or replace NaN/inf entries")
    else:
        for i, v in enumerate(flat):
            if not _is_finite(v):
                raise InputError(f"{name} contains a non-finite value {v!r} at flat index {i}; "
                                 f"remove or replace NaN/inf entries")
    return arr


def check_gram(G):
    """Validate the Gram matrix's type, shape and finiteness; return it as an array."""
    G = as_real_array(G, "G", allow_mp=True)
    if G.ndim != 2 or G.shape[0] != G.shape[1]:
        raise InputError(f"G must be a square K x K matrix, got shape {G.shape}; "
                         f"pass the Gram matrix G[j,k] = g(x_j, x_k)/K")
    if G.shape[0] == 0:
        raise InputError("G is empty (K = 0); at least one training point is needed")
    return G


# ----------------------------------------------------------------------------------------
# The symmetry rule


def _mantissa_bits(v):
    """Significant bits of a stored scalar, or None for an exact type (int, Fraction)."""
    if _is_mpf(v):
        return v._mpf_[3]  # mantissa bit count (trailing zeros stripped: a lower estimate)
    if isinstance(v, np.floating):
        return np.finfo(type(v)).nmant + 1
    if isinstance(v, float):
        return _F64_BITS
    return None


def rounding_unit(a):
    """Machine epsilon ``2^(1-p)`` of the arithmetic that produced the array ``a``.

    float arrays: their dtype's epsilon, at least :data:`EPS64` (the engines read them as
    float64); integer arrays: :data:`EPS64`.  Object arrays: ``p`` is the largest mantissa
    length among the mpf entries (the precision they were computed at; exact short values
    have fewer bits), at least 53, and at most the smallest float type present.  Returned
    as a float, or as an mpf when it is below the float range.

    >>> import mpmath
    >>> ctx = mpmath.MPContext(); ctx.prec = 100
    >>> rounding_unit([[ctx.mpf(1) / 3]]) == mpmath.ldexp(1, -99)
    True
    """
    arr = a if isinstance(a, np.ndarray) else np.asarray(a, dtype=object)
    if arr.dtype.kind == "f":
        return max(float(np.finfo(arr.dtype).eps), EPS64)
    if arr.dtype.kind != "O":
        return EPS64
    mp_bits, float_bits = [], []
    for v in arr.reshape(-1):
        b = _mantissa_bits(v)
        if b is not None:
            (mp_bits if _is_mpf(v) else float_bits).append(b)
    p = max([_F64_BITS] + mp_bits)
    if float_bits:
        p = min(p, min(float_bits))
    return 2.0 ** (1 - p) if p <= 1000 else mpmath.ldexp(1, 1 - p)


def _max_abs(G):
    if G.dtype != object:
        return float(np.max(np.abs(G)))
    return max(abs(v) for v in _common_mp(G).reshape(-1))


def _common_mp(G):
    """An object array as mpf of one local context wide enough to hold every entry exactly
    enough for comparisons (mixed types cannot be compared directly)."""
    flat = G.reshape(-1)
    if all(_is_mpf(v) for v in flat) and len({v.context for v in flat}) == 1:
        return G
    bits = [b for b in map(_mantissa_bits, flat) if b is not None]
    ctx = make_context(1)
    ctx.prec = max([_F64_BITS] + bits) + 8
    return np.array([to_mp(ctx, v) for v in flat], dtype=object).reshape(G.shape)


def symmetry_tolerance(G, unit):
    """Largest |G - G^T| entry accepted as rounding: ``2 K u max |G_ij|``.

    A Gram matrix formed as a product A A^T (or Q diag(d) Q^T) carries entrywise rounding
    error up to about K u |a_i||a_j| <= K u max_i G_ii (Higham, Accuracy and Stability,
    Thm 3.5); we allow twice that, measured against max |G_ij| (which is max_i G_ii for a
    PSD G).  ``u`` comes from :func:`rounding_unit` of the input.
    """
    return 2 * G.shape[0] * unit * _max_abs(G)


def _fmt(v, digits=3):
    return mpmath.nstr(v, digits) if _is_mpf(v) else f"{float(v):.{digits}g}"


def check_symmetric(G, unit=None):
    """Raise InputError if ``G`` is asymmetric beyond :func:`symmetry_tolerance`.

    ``unit`` defaults to :func:`rounding_unit` of ``G``; pass the unit of the original input
    when ``G`` is a converted copy.  Object arrays are compared exactly (in mpf).
    """
    K = G.shape[0]
    if K == 1:
        return
    unit = rounding_unit(G) if unit is None else unit
    tol = symmetry_tolerance(G, unit)
    if G.dtype == object:
        Gm = _common_mp(G)
        worst, where = 0, (0, 0)
        for i in range(K):
            for j in range(i):
                if Gm[i, j] != Gm[j, i]:
                    d = abs(Gm[i, j] - Gm[j, i])
                    if d > worst:
                        worst, where = d, (i, j)
    else:
        with np.errstate(over="ignore"):  # +-1e308 pairs: an infinite asymmetry is refused
            asym = np.abs(G - G.T)
        worst = float(asym.max())
        where = np.unravel_index(int(np.argmax(asym)), asym.shape)
    if worst > tol:
        i, j = where
        raise InputError(f"G is not symmetric: |G[{i},{j}] - G[{j},{i}]| = {_fmt(worst)} exceeds "
                         f"the rounding tolerance {_fmt(tol)} (2 K u max|G|, u = {_fmt(unit)} "
                         f"from the input's type); a Gram matrix of a symmetric kernel is "
                         f"symmetric, check how G was built (or pass (G + G.T)/2 deliberately)")


def psd_tolerance(d_max, K, unit):
    """Most negative eigenvalue accepted as rounding of a PSD matrix: ``10 K u ||G||_2``.

    A backward-stable symmetric eigensolver returns eigenvalues with absolute error about
    p(K) u ||G||_2 with p(K) modest (Golub & Van Loan, 8.1); 10 K covers it.  ``unit`` is
    the larger of the input's and the solver's rounding unit.
    """
    return 10 * K * unit * (d_max if d_max > 0 else 0 * d_max)


def check_psd(d_min, d_max, K, unit):
    tol = psd_tolerance(d_max, K, unit)
    if d_min < -tol:
        raise InputError(f"G is indefinite: its smallest eigenvalue is {_fmt(d_min, 6)}, below the "
                         f"rounding tolerance -{_fmt(tol)}; a Gram matrix of a positive kernel is positive "
                         f"semi-definite: check the kernel (is it positive definite?) and how G was built")


# ----------------------------------------------------------------------------------------
# Scalars and options


def check_targets(y, K):
    y = as_real_array(y, "y", allow_mp=True)
    if y.ndim not in (1, 2) or y.shape[0] != K:
        raise InputError(f"y has shape {y.shape} but G is {K} x {K}; y must have shape ({K},) or "
                         f"({K}, m) for m classes")
    if y.ndim == 2 and y.shape[1] == 0:
        raise InputError("y has zero columns; pass at least one target column")
    return y


def check_eps(eps):
    """eps must be a finite real number > 0 of any supported type (float, numpy float of any
    width, int of any size, Fraction, mpf); it is converted exactly where it is used."""
    if not _is_real_number(eps):
        raise InputError(f"eps = {eps!r} is not a real number; pass the data-fit budget eps > 0")
    if not _is_finite(eps):
        raise InputError(f"eps = {eps!r} is not finite; pass a finite data-fit budget eps > 0")
    if not eps > 0:
        raise InputError(f"eps = {eps!r} must be > 0: eps = 0 asks for interpolation, where the "
                         f"closed form has c = 0; pass a small positive eps instead")
    return eps


def check_dps(dps):
    if dps is None:
        return None
    if isinstance(dps, (bool, np.bool_)) or not isinstance(dps, numbers.Integral):
        raise InputError(f"dps = {dps!r} must be an integer number of digits (or None for float64)")
    if dps < MIN_DPS:
        raise InputError(f"dps = {dps} is below {MIN_DPS}: for float64 accuracy pass dps=None; "
                         f"the mp engine is for {MIN_DPS}..{MAX_DPS} digits")
    if dps > MAX_DPS:
        raise ResourceError(f"dps = {dps} exceeds the supported maximum {MAX_DPS} digits; "
                            f"ask for fewer digits")
    return int(dps)


def check_max_rounds(max_rounds, default):
    if max_rounds is None:
        return default
    if isinstance(max_rounds, (bool, np.bool_)) or not isinstance(max_rounds, numbers.Integral) \
            or max_rounds < 1:
        raise InputError(f"max_rounds = {max_rounds!r} must be a positive integer (or None for "
                         f"the default {default})")
    return int(max_rounds)


def check_force(force):
    """``force`` overrides a resource budget, so it must be a real bool: a string such as
    'no' or a count would be truthy by accident."""
    if not isinstance(force, (bool, np.bool_)):
        raise InputError(f"force = {force!r} must be True or False (a bool; got "
                         f"{type(force).__name__})")
    return bool(force)


# ----------------------------------------------------------------------------------------
# Exact power-of-two scaling (range safety of the float64 engines)


def binary_exponent(a):
    """``e`` with ``max |a| < 2^e`` and (for non-zero a) ``max |a| >= 2^(e-1)``; 0 for a = 0.

    Works on float64 arrays and on object arrays of any supported numbers (no overflow).

    >>> binary_exponent(np.array([0.75, -3.0])), binary_exponent(np.array([10**400], dtype=object))
    (2, 1329)
    """
    if a.dtype != object:
        m = float(np.max(np.abs(a), initial=0.0))
        return math.frexp(m)[1] if m else 0
    ctx = make_context(1)
    ctx.prec = _F64_BITS
    m = max((abs(to_mp(ctx, v)) for v in a.reshape(-1)), default=ctx.zero)
    if not m:
        return 0
    man, exp = m.man_exp
    return int(exp) + int(man).bit_length()


def scaled_f64(a, shift):
    """``a * 2^shift`` as float64, rounded once from the exact value (no overflow when the
    result is in range, whatever the range of ``a``)."""
    if a.dtype != object:
        return a if shift == 0 else np.ldexp(a, shift)
    ctx = make_context(1)
    ctx.prec = _F64_BITS
    return np.array([float(ctx.ldexp(to_mp(ctx, v), shift)) for v in a.reshape(-1)],
                    dtype=np.float64).reshape(a.shape)


def scaled_float(v, shift):
    """``v * 2^shift`` as a Python float, correctly rounded from the exact value of ``v``;
    ``inf`` beyond the float range, 0.0 (or a subnormal) below it.

    >>> from fractions import Fraction
    >>> scaled_float(Fraction(1, 3), 2), scaled_float(10**400, -1000), scaled_float(1e300, 100)
    (1.3333333333333333, 9.332636185032189e+98, inf)
    """
    if isinstance(v, (float, np.floating)) and math.isfinite(v):
        # a float times a power of two is exact unless it leaves the normal range
        try:
            x = math.ldexp(float(v), shift)
        except OverflowError:
            return math.copysign(math.inf, v)
        if x == 0.0 and v == 0.0 or abs(x) >= sys.float_info.min:
            return x
    ctx = make_context(1)
    ctx.prec = _F64_BITS
    x = ctx.ldexp(to_mp(ctx, v), shift)
    return float(x)
