r"""Dual numbers ``a + b e`` with ``e^2 = 0``: exact first derivatives of rational code.

For a function ``f`` built from ``+ - * /`` (and code that only branches on ``!= 0`` of
a pivot), ``f(x + e) = f(x) + f'(x) e`` exactly: evaluating ``f`` on ``Dual(x, 1)`` gives
the derivative in its ``eps`` part with no step size and no truncation error.  Over
certified numbers (:class:`~theory.ball.Ball`, exact rationals) both parts are then
enclosures of the exact value and derivative.  This is the certified counterpart of the
complex-step derivative ``Im f(x + i h)/h`` (truncation ``O(h^2)``).

Source: W. K. Clifford (1873), forward-mode automatic differentiation (A. Griewank and
A. Walther, *Evaluating Derivatives*, 2nd ed., SIAM 2008, ch. 3) [prior work].
Domain: ``+ - * /`` and integer powers; division by a dual whose real part is non-zero.

>>> from fractions import Fraction
>>> x = Dual(Fraction(3), 1)
>>> y = 1 / (x * x + 1)          # d/dx 1/(x^2 + 1) = -2x/(x^2 + 1)^2
>>> y.re, y.eps
(Fraction(1, 10), Fraction(-3, 50))
>>> derivative(lambda t: t ** 3, Fraction(2))
Fraction(12, 1)
"""

import numpy as np

__all__ = ["Dual", "derivative"]


class Dual:
    """``re + eps e`` with ``e^2 = 0``; ``re`` and ``eps`` any numbers (balls, rationals)."""

    __slots__ = ("re", "eps")
    __hash__ = None

    def __init__(self, re, eps=0):
        self.re, self.eps = re, eps

    def __repr__(self):
        return f"Dual({self.re!r}, {self.eps!r})"

    @staticmethod
    def _parts(o):
        return (o.re, o.eps) if isinstance(o, Dual) else (o, 0)

    def __add__(self, o):
        if isinstance(o, np.ndarray):
            return NotImplemented
        r, e = self._parts(o)
        return Dual(self.re + r, self.eps + e)

    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, np.ndarray):
            return NotImplemented
        r, e = self._parts(o)
        return Dual(self.re - r, self.eps - e)

    def __rsub__(self, o):
        r, e = self._parts(o)
        return Dual(r - self.re, e - self.eps)

    def __mul__(self, o):
        if isinstance(o, np.ndarray):
            return NotImplemented
        r, e = self._parts(o)
        return Dual(self.re * r, self.re * e + self.eps * r)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if isinstance(o, np.ndarray):
            return NotImplemented
        r, e = self._parts(o)
        q = self.re / r
        return Dual(q, (self.eps - q * e) / r)

    def __rtruediv__(self, o):
        r, e = self._parts(o)
        q = r / self.re
        return Dual(q, (e - q * self.eps) / self.re)

    def __pow__(self, n):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            return NotImplemented
        n = int(n)
        if n == 0:
            return Dual(1, 0)
        base = self if n > 0 else 1 / self
        out = base
        for _ in range(abs(n) - 1):
            out = out * base
        return out

    def __neg__(self):
        return Dual(-self.re, -self.eps)

    def __pos__(self):
        return self

    # the pivot test of an elimination: invertible iff the real part is
    def __ne__(self, o):
        return self.re != self._parts(o)[0] or self.eps != self._parts(o)[1]

    def __eq__(self, o):
        return not self.__ne__(o)

    def __float__(self):
        return float(self.re)


def derivative(f, x):
    """``f'(x)`` by one evaluation of ``f`` on ``Dual(x, 1)``; ``f`` may return a number, a
    Dual or an array of them (an array of derivatives back)."""
    val = f(Dual(x, 1))
    if isinstance(val, np.ndarray):
        return np.array([_eps(v) for v in val.reshape(-1)], dtype=object).reshape(val.shape)
    return _eps(val)


def _eps(v):
    return v.eps if isinstance(v, Dual) else 0
