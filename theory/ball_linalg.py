r"""Dense linear algebra on certified numbers: ``A^-1 b`` and ``A^-1`` by Gauss-Jordan
elimination, for object arrays of :class:`~theory.ball.Ball`\ s, exact rationals or any
number type whose ``!= 0`` is decided or raises (:class:`theory.dual.Dual` over balls).

The elimination is the textbook one; what makes it certified is the number type.  Each
operation on balls encloses its exact result, so the returned entries enclose the exact
entries of ``A^-1 b`` for every matrix in the balls of ``A``, provided every pivot is
non-zero.  The pivot of column k is the remaining entry of largest midpoint magnitude
whose ``!= 0`` (of its real part, for a dual) is decided true (on its ball, or exactly
when it carries an exact expression); a column whose candidates are all exactly 0 makes
``A`` singular (:class:`~theory.errors.InputError`), and a candidate that cannot be decided raises
:class:`~theory.ball.UndecidedError` (more bits, or exact inputs, decide it).  Exact inputs
(binary floats, Fractions) keep exact expressions, so a solve over Q stays exact: its
balls' expressions are the rational solution.

Source: Gauss-Jordan elimination with partial pivoting (G. H. Golub and C. F. Van Loan,
*Matrix Computations*, 4th ed., §3.2) [prior work]; its use on enclosures [derived].
Domain: square A (m x m), b of length m; entries finite.

:class:`QMatrix` is the exact counterpart over Q (FLINT's ``fmpq_mat``), for routes whose
inputs are all exact rationals (float64 data held exactly).

>>> from fractions import Fraction
>>> from theory.ball import Ball
>>> A = [[Ball.exact(2, 128), Ball.exact(1, 128)], [Ball.exact(1, 128), Ball.exact(3, 128)]]
>>> x = solve(A, [1, 2])
>>> x[0] == Fraction(1, 5), x[1] == Fraction(3, 5)
(True, True)
>>> inverse([[Fraction(0), Fraction(1)], [Fraction(2), Fraction(0)]]).tolist()
[[Fraction(0, 1), Fraction(1, 2)], [Fraction(1, 1), Fraction(0, 1)]]
"""

import numpy as np

from .dual import Dual
from .errors import InputError

__all__ = ["solve", "inverse", "QMatrix", "rational"]


def _square(A):
    A = np.array(A, dtype=object)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise InputError(f"A has shape {A.shape}: pass a square matrix")
    return A


def _magnitude(x):
    """|midpoint| of an entry as a float (the pivot order only; never a decision)."""
    try:
        return abs(float(x))
    except (TypeError, ValueError, OverflowError):
        return 0.0


def _pivot(M, k):
    """The row (>= k) of the pivot of column k: the largest midpoint among entries
    decided non-zero; InputError when every candidate is exactly 0."""
    for i in sorted(range(k, M.shape[0]), key=lambda r: -_magnitude(M[r, k])):
        x = M[i, k]
        if (x.re if isinstance(x, Dual) else x) != 0:  # decided, or UndecidedError
            return i
    raise InputError(f"the matrix is singular: column {k} has no non-zero pivot (every "
                     f"remaining entry is exactly 0)")


def _eliminate(A, B):
    """Reduce [A | B] to [I | A^-1 B] in place (object arrays)."""
    m = A.shape[0]
    for k in range(m):
        p = _pivot(A, k)
        if p != k:
            A[[k, p]], B[[k, p]] = A[[p, k]], B[[p, k]]
        piv = A[k, k]
        A[k, k:] = [x / piv for x in A[k, k:]]
        B[k] = [x / piv for x in B[k]]
        for i in range(m):
            if i == k:
                continue
            f = A[i, k]
            if isinstance(f, int) and f == 0:
                continue
            A[i, k:] = [a - f * b for a, b in zip(A[i, k:], A[k, k:])]
            B[i] = [a - f * b for a, b in zip(B[i], B[k])]
    return B


def solve(A, b):
    """``A^-1 b`` for one right-hand side ``b`` (length m), as an object array.

    Raises InputError for a singular A (an exactly zero pivot column) or mismatched
    shapes, UndecidedError when a pivot's ``!= 0`` cannot be decided.
    """
    A = _square(A)
    b = np.array(b, dtype=object).reshape(-1)
    if b.size != A.shape[0]:
        raise InputError(f"b has {b.size} entries, A is {A.shape[0]} x {A.shape[0]}")
    return _eliminate(A, b.reshape(-1, 1))[:, 0]


def inverse(A):
    """``A^-1`` as an object array (see :func:`solve`)."""
    A = _square(A)
    m = A.shape[0]
    one = 1
    B = np.empty((m, m), dtype=object)
    for i in range(m):
        for j in range(m):
            B[i, j] = one if i == j else 0
    return _eliminate(A, B)


def rational(v):
    """``v`` (a float64, an int, a Fraction, an mpf) as its exact Fraction
    (:func:`theory.exact_real.as_fraction`); InputError for anything else."""
    from .exact_real import as_fraction
    q = as_fraction(v)
    if q is None:
        raise InputError(f"{v!r} ({type(v).__name__}) is not an exact rational number")
    return q


class QMatrix:
    """Dense linear algebra over Q (FLINT's ``fmpq_mat``) on the exact values of float64
    inputs: the independent dense routes of certified checks and the design ball engine's
    steps, exact, so that an identity between two of them is decided without rounding.

    >>> A = QMatrix.of([[2.0, 1.0], [1.0, 3.0]])
    >>> [str(v) for v in A.solve(QMatrix.of([1.0, 2.0])).column(0)]
    ['1/5', '3/5']
    """

    def __init__(self, m):
        self.m = m

    @classmethod
    def of(cls, A):
        """A matrix (2-d) or a column (1-d) of exact numbers."""
        import flint
        A = np.asarray(A, dtype=object)
        if A.ndim == 1:
            A = A.reshape(-1, 1)
        qs = [rational(v) for v in A.reshape(-1)]
        return cls(flint.fmpq_mat(A.shape[0], A.shape[1],
                                  [flint.fmpq(q.numerator, q.denominator) for q in qs]))

    @classmethod
    def identity(cls, n):
        import flint
        return cls(flint.fmpq_mat(n, n, [int(i == j) for i in range(n) for j in range(n)]))

    def scale(self, q):
        import flint
        q = rational(q)
        return QMatrix(self.m * flint.fmpq(q.numerator, q.denominator))

    def __add__(self, o):
        return QMatrix(self.m + o.m)

    def __sub__(self, o):
        return QMatrix(self.m - o.m)

    def __matmul__(self, o):
        return QMatrix(self.m * o.m)

    def solve(self, B):
        return QMatrix(self.m.solve(B.m))

    def transpose(self):
        return QMatrix(self.m.transpose())

    def column(self, j):
        """Column j as a list of Fractions."""
        from fractions import Fraction
        return [Fraction(int(self.m[i, j].p), int(self.m[i, j].q)) for i in range(self.m.nrows())]

    def entries(self):
        """Every entry, row by row, as Fractions."""
        from fractions import Fraction
        return [[Fraction(int(self.m[i, j].p), int(self.m[i, j].q))
                 for j in range(self.m.ncols())] for i in range(self.m.nrows())]
