"""Exact rational-function algebra for machine-checked identities (gcd-free, fast).

A scalar is a pair (numerator, denominator) and a matrix a pair (polynomial matrix,
common denominator), both over QQ[gens]; inverses are adjugate / determinant.  No gcd is
ever taken, so two values are equal when their cross products agree.  Used by the KKT
derivation (:mod:`theory.kkt`) and the matrix-identity step checks of the derivations.

Source: standard (Cramer's rule).  Domain: matrix expressions of explicit size <= 4 built
from MatrixSymbols with explicit values, Identity, +, *, Transpose, Inverse and integer
powers; scalars built from symbols, rationals, +, *, integer powers, squared norms and
inner products.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> is_zero(x / (1 + x) + 1 / (1 + x) - 1)
True
>>> M = sp.MatrixSymbol("M", 2, 2)
>>> ev = FracEval([x], {M: sp.Matrix([[1, x], [0, 1]])}, {})
>>> ev.equal(M * M.I, sp.Identity(2))
True
"""

import functools

import sympy as sp
from sympy import QQ

from .symbols import Inner, Norm

__all__ = ["is_zero", "adjugate_det", "FracEval"]


def is_zero(expr):
    """Exact zero test of a rational function: the numerator over a common denominator,
    expanded, vanishes (the caller guarantees the denominators are non-zero)."""
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    num, _ = sp.fraction(sp.together(expr))
    return sp.expand(num) == 0


def adjugate_det(M, R):
    """Adjugate and determinant by cofactor expansion (exact, gcd-free; K <= 3 here)."""
    n = len(M)
    if n == 1:
        return [[R.one]], M[0][0]

    def det(X):
        if len(X) == 1:
            return X[0][0]
        return sum(((-1) ** b * X[0][b] * det([row[:b] + row[b + 1:] for row in X[1:]])
                    for b in range(len(X))), R.zero)

    cof = [[(-1) ** (p + q) * det([row[:q] + row[q + 1:] for m, row in enumerate(M) if m != p])
            for q in range(n)] for p in range(n)]
    return [list(col) for col in zip(*cof)], sum((M[0][q] * cof[0][q] for q in range(n)), R.zero)


class FracEval:
    """Exact evaluation of matrix and scalar expressions as fractions of polynomials.

    A scalar is a pair (numerator, denominator) and a matrix a pair (polynomial matrix,
    common denominator), both over QQ[gens]; inverses are adjugate / determinant.  No gcd
    is ever taken (that is what makes this fast), so two values are equal when their
    cross products agree.  ``mats`` gives the explicit matrices of the MatrixSymbols,
    ``comps`` the values of scalar symbols and entries.
    """

    def __init__(self, gens, mats, comps):
        self.R, *_ = sp.ring(gens, QQ)
        self.gens = set(gens)
        self.mats = {key: self.from_matrix(m) for key, m in mats.items()}
        self.comps = {}
        self.comps = {key: self.scalar(v) for key, v in comps.items()}

    def _frac(self, v):
        num, den = sp.fraction(sp.together(sp.sympify(v)))
        return self.R(sp.expand(num)), self.R(sp.expand(den))

    def from_matrix(self, m):
        m = sp.Matrix(m)
        fr = [[self._frac(v) for v in m.row(p)] for p in range(m.rows)]
        q = functools.reduce(lambda u, w: u * w, {f[1] for row in fr for f in row}, self.R.one)
        return [[n * q.exquo(dd) for n, dd in row] for row in fr], q

    def matrix(self, e):
        if e in self.mats:
            return self.mats[e]
        if isinstance(e, sp.Identity):
            n = int(e.shape[0])
            return [[self.R.one if p == q else self.R.zero for q in range(n)]
                    for p in range(n)], self.R.one
        if isinstance(e, sp.MatAdd):
            P, q = self.matrix(e.args[0])
            for x in e.args[1:]:
                P2, q2 = self.matrix(x)
                P = [[u * q2 + w * q for u, w in zip(r1, r2)] for r1, r2 in zip(P, P2)]
                q = q * q2
            return P, q
        if isinstance(e, sp.MatMul):
            out, (sn, sd) = None, (self.R.one, self.R.one)
            for x in e.args:
                if isinstance(x, sp.MatrixExpr):
                    P2, q2 = self.matrix(x)
                    out = (P2, q2) if out is None else (
                        [[sum((out[0][p][m] * P2[m][q] for m in range(len(P2))), self.R.zero)
                          for q in range(len(P2[0]))] for p in range(len(out[0]))],
                        out[1] * q2)
                else:
                    n_, d_ = self.scalar(x)
                    sn, sd = sn * n_, sd * d_
            P, q = out
            return [[sn * v for v in row] for row in P], q * sd
        if isinstance(e, sp.Inverse):
            P, q = self.matrix(e.arg)
            adj, det = adjugate_det(P, self.R)
            return [[q * v for v in row] for row in adj], det
        if isinstance(e, sp.MatPow) and e.exp.is_Integer and e.exp > 0:
            out = base = self.matrix(e.base)
            for _ in range(int(e.exp) - 1):
                out = self._matmul(out, base)
            return out
        if isinstance(e, sp.Transpose):
            P, q = self.matrix(e.arg)
            return [list(col) for col in zip(*P)], q
        if isinstance(e, sp.MatrixBase):
            return self.from_matrix(e)
        raise TypeError(f"no explicit value for the matrix expression {e}")

    def _matmul(self, A, B):
        (M1, q1), (M2, q2) = A, B
        return ([[sum((M1[a][t] * M2[t][b] for t in range(len(M2))), self.R.zero)
                  for b in range(len(M2[0]))] for a in range(len(M1))], q1 * q2)

    def scalar(self, e):
        e = sp.sympify(e)
        if e in self.comps:
            return self.comps[e]
        if e.is_Rational or (isinstance(e, sp.Symbol) and e in self.gens):
            return self._frac(e)
        if isinstance(e, sp.Add):
            vals = [self.scalar(x) for x in e.args]
            return functools.reduce(lambda u, w: (u[0] * w[1] + w[0] * u[1], u[1] * w[1]), vals)
        if isinstance(e, sp.Mul):
            vals = [self.scalar(x) for x in e.args]
            return functools.reduce(lambda u, w: (u[0] * w[0], u[1] * w[1]), vals)
        if isinstance(e, sp.Pow) and e.exp.is_Integer:
            if isinstance(e.base, Norm) and e.exp == 2:
                P, q = self.matrix(e.base.args[0])
                return sum((v * v for row in P for v in row), self.R.zero), q * q
            n_, d_ = self.scalar(e.base)
            p = int(e.exp)
            return (n_**p, d_**p) if p >= 0 else (d_**-p, n_**-p)
        if isinstance(e, Inner):
            (P, q), (P2, q2) = self.matrix(e.args[0]), self.matrix(e.args[1])
            return (sum((u * w for r1, r2 in zip(P, P2) for u, w in zip(r1, r2)), self.R.zero),
                    q * q2)
        if isinstance(e, sp.Sum):
            return self.scalar(e.doit())
        raise TypeError(f"no exact value for {e} (a norm enters squared only)")

    def equal(self, e1, e2):
        """e1 == e2 exactly (cross-multiplied; denominators are non-zero polynomials)."""
        if isinstance(e1, sp.MatrixExpr) != isinstance(e2, sp.MatrixExpr):
            return False
        if isinstance(e1, sp.MatrixExpr):
            (P, q), (P2, q2) = self.matrix(e1), self.matrix(e2)
            return all(u * q2 == w * q for r1, r2 in zip(P, P2) for u, w in zip(r1, r2))
        (n1, d1), (n2, d2) = self.scalar(e1), self.scalar(e2)
        return n1 * d2 == n2 * d1
