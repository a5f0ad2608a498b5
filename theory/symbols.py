r"""Notation shared by the derivations and the LaTeX printer: norms and inner products.

``Norm(v)`` is the Euclidean (Frobenius) norm of a vector or matrix expression; ``doit``
evaluates it once the matrix is explicit, so ``Norm(v)**2`` is the squared norm.
``Inner(u, v)`` is the Euclidean inner product.  The printer of
:mod:`proofs_check.latex` renders them as ``\|v\|`` and ``\langle u, v\rangle``.

Source: notation of docs/theory/mobahi2020.md §4-§5.  Domain: sympy expressions.

>>> import sympy as sp
>>> (Norm(sp.Matrix([3, 4]))**2).doit()
25
"""

import sympy as sp

__all__ = ["Norm", "Inner"]


class Norm(sp.Function):
    """Euclidean (Frobenius) norm ``||v||`` of a vector or matrix expression."""

    nargs = 1

    def _latex(self, printer, exp=None):
        body = r"\left\|%s\right\|" % printer._print(self.args[0])
        return body if exp is None else "%s^{%s}" % (body, exp)

    def _eval_is_commutative(self):  # a scalar, although its argument is a matrix
        return True

    def _eval_is_extended_real(self):
        return True

    def _eval_is_extended_nonnegative(self):
        return True

    def doit(self, **hints):
        v = self.args[0]
        if isinstance(v, sp.MatrixExpr) and all(sp.sympify(s).is_Integer for s in v.shape):
            v = v.as_explicit()
        if isinstance(v, sp.MatrixBase):
            return sp.sqrt(sp.Add(*[e**2 for e in v]))
        return self.func(v)


class Inner(sp.Function):
    """Euclidean inner product ``<u, v>`` of two vectors."""

    nargs = 2

    def _latex(self, printer, exp=None):
        body = r"\left\langle %s, %s\right\rangle" % tuple(printer._print(a) for a in self.args)
        return body if exp is None else "%s^{%s}" % (body, exp)

    def _eval_is_commutative(self):
        return True

    def _eval_is_extended_real(self):
        return True
