"""Number-type-neutral helpers for a claim's ``evaluate``: the same code on float64 and on
mpmath ``mpf`` results.

The checker runs every instance in float64 and, when float64 cannot decide, again at
``dps`` digits, where a trajectory's numbers are ``mpf`` of one mpmath context.  A claim's
margin must then be computed at that precision: a constant typed as a Python float, or a
``math.sqrt`` call, would silently round it to 16 digits.  These helpers take their
precision from their arguments:

* :func:`like` converts a constant (``inst.eps``, a rational, an int) to the number type of
  a result (``like(traj, inst.eps)``), exactly when the constant is a float or a rational;
* :func:`sqrt`, :func:`log`, :func:`exp` work on floats and ``mpf`` (at the ``mpf``'s own
  precision);
* :func:`dot` and :func:`norm` work on float64 arrays and object arrays of ``mpf``
  (Frobenius for matrices: several classes);
* :func:`is_mp` tells which kind a number or array is.

Mixed arguments (a float and an ``mpf``) are computed in the ``mpf``'s context.  Domain
errors (the square root or logarithm of a negative number, NaN) raise ``ValueError``
naming the value; the checker reports them as an error of the claim's code.

>>> import numpy as np
>>> from theory import self_distill
>>> tr = self_distill(np.diag([1.0, 0.5]), np.array([1.0, 1.0]), 0.1, dps=30)
>>> eps = like(tr, 0.1)
>>> is_mp(eps), str(sqrt(like(tr, 2)))[:12]
(True, '1.4142135623')
>>> float(norm(np.array([3.0, 4.0])))
5.0
"""

import math
import numbers as _numbers
from fractions import Fraction

import numpy as np

__all__ = ["like", "is_mp", "sqrt", "log", "exp", "dot", "norm", "context_of"]


def _is_mpf(x):
    return type(x).__name__ == "mpf" and hasattr(x, "context")


def _first_mpf(values):
    for v in values:
        if _is_mpf(v):
            return v
        if isinstance(v, np.ndarray) and v.dtype == object:
            for e in v.reshape(-1):
                if _is_mpf(e):
                    return e
        elif isinstance(v, (list, tuple)):
            inner = _first_mpf(v)
            if inner is not None:
                return inner
    return None


def context_of(*values):
    """The mpmath context of the first ``mpf`` among ``values`` (arrays searched too), or
    None when they are all float64 numbers.

    >>> context_of(1.0, np.array([2.0])) is None
    True
    """
    x = _first_mpf(values)
    return None if x is None else x.context


def is_mp(x):
    """True when ``x`` is an ``mpf``, an object array holding one, or a result (trajectory)
    computed by the mp engine.

    >>> is_mp(1.0), is_mp(np.array([1.0]))
    (False, False)
    """
    if hasattr(x, "dps") and not isinstance(x, (np.ndarray, _numbers.Number)):
        return getattr(x, "dps", None) is not None
    return context_of(x) is not None


def _reference_context(ref):
    """The context a result's numbers live in: a trajectory's (its norms, c or eigenvalues),
    an array's or a number's."""
    if _is_mpf(ref) or isinstance(ref, (np.ndarray, list, tuple)):
        return context_of(ref)
    for name in ("norms", "eigenvalues", "c", "B"):
        val = getattr(ref, name, None)
        if val is not None:
            ctx = context_of(np.asarray(val, dtype=object))
            if ctx is not None or getattr(ref, "dps", 0) is None:
                return ctx
    return None


def _convert(ctx, x):
    if ctx is None:
        if isinstance(x, np.ndarray):
            return np.asarray(x, dtype=float)
        return float(x)
    if isinstance(x, np.ndarray):
        out = np.empty(x.shape, dtype=object)
        out.reshape(-1)[:] = [_convert(ctx, v) for v in x.reshape(-1)]
        return out
    if _is_mpf(x):
        return ctx.mpf(x)
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{x!r} is a boolean, not a number")
    if isinstance(x, (int, np.integer)):
        return ctx.mpf(int(x))
    if isinstance(x, (float, np.floating)):
        p, q = float(x).as_integer_ratio()  # exact: every double is a rational
        return ctx.mpf(p) / q
    if isinstance(x, _numbers.Rational):
        return ctx.mpf(int(x.numerator)) / int(x.denominator)
    return ctx.mpf(x)


def like(ref, x):
    """``x`` as the number type of ``ref``: float64 when ``ref`` is a float64 result, else an
    ``mpf`` of ``ref``'s context (``x`` a float, int, ``Fraction``, ``mpf`` or an array).

    ``ref`` may be a trajectory (any result with ``norms``/``eigenvalues``), a number or an
    array.  A float ``x`` converts exactly; a rational rounds once, at ``ref``'s precision.

    >>> like(1.0, Fraction(1, 3)) == 1 / 3
    True
    """
    return _convert(_reference_context(ref), x)


def _scalar_fn(name, f64, check):
    def fn(x):
        ctx = context_of(x)
        if ctx is None:
            v = float(x)
            if not check(v):
                raise ValueError(f"{name}({v!r}) is not defined for real numbers")
            return f64(v)
        v = ctx.mpf(x)
        if not check(v):
            raise ValueError(f"{name}({v}) is not defined for real numbers")
        return getattr(ctx, name)(v)
    fn.__name__ = name
    return fn


sqrt = _scalar_fn("sqrt", math.sqrt, lambda v: v >= 0)
sqrt.__doc__ = """Square root of a float (``math.sqrt``) or an ``mpf`` (at its precision).

>>> sqrt(4.0)
2.0
"""
log = _scalar_fn("log", math.log, lambda v: v > 0)
log.__doc__ = """Natural logarithm of a positive float or ``mpf`` (at its precision).

>>> log(1.0)
0.0
"""
exp = _scalar_fn("exp", math.exp, lambda v: v == v)
exp.__doc__ = """Exponential of a float or an ``mpf`` (at its precision).

>>> exp(0.0)
1.0
"""


def dot(u, v):
    """Inner product sum_i u_i v_i of two arrays of the same shape (Frobenius for matrices);
    float64 by ``numpy.dot``, ``mpf`` by ``ctx.fdot`` (one rounding at the context's
    precision) when either holds an ``mpf``.

    >>> float(dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    a, b = np.asarray(u), np.asarray(v)
    if a.shape != b.shape:
        raise ValueError(f"dot: shapes {a.shape} and {b.shape} differ")
    ctx = context_of(a, b)
    if ctx is None:
        return float(np.dot(a.astype(float).reshape(-1), b.astype(float).reshape(-1)))
    a, b = _convert(ctx, a.astype(object)), _convert(ctx, b.astype(object))
    return ctx.fdot(a.reshape(-1), b.reshape(-1))


def norm(v):
    """Euclidean norm of a vector (Frobenius of a matrix): float64 (``numpy.linalg.norm``,
    which rescales against overflow) or ``mpf``.

    >>> float(norm(np.array([[3.0], [4.0]])))
    5.0
    """
    a = np.asarray(v)
    ctx = context_of(a)
    if ctx is None:
        return float(np.linalg.norm(a.astype(float).reshape(-1)))
    return ctx.sqrt(dot(a, a))

