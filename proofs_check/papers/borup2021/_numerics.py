"""Number-type-neutral helpers of the borup2021 claims: the same code serves a float64
trajectory and an mp one (:class:`theory.RidgeTrajectory` with ``dps`` set).

Two error models, both derived here (docs/theory/borup2021.md §7):

* **instance-level** quantities (fitted values, predictions, losses) carry the engine's
  normwise accuracy: ``|f_t[j] - exact| <= accuracy * max_j |f_t[j]|``;
* **per-direction** statements ("for every a in (0, 1), b_tau(a) ...") are checked at the
  engine's own ``a_j`` values, taken as exact inputs.  Then only the recursion
  ``f_t = a (xi f_{t-1} + (1 - xi))`` rounds; with every term >= 0 (0 <= alpha <= 1) each
  step adds at most 3 roundings, so ``|f_t[j] - b_tau(a_j)| <= 3 t u f_t[j]`` to first
  order; :func:`entry_error` uses ``4 (t + 1) u`` (the factor 4/3 covers the second-order
  terms while ``t u < 1e-2``).  In float64 this needs every entry of the column down to
  row t to be a normal number (no underflow); an entry below float64's smallest normal
  number carries no relative accuracy and is *unresolved* (the mp engine decides).

:class:`Margins` keeps, among many checks, the one that decides the verdict: the smallest
``margin / error``, with its error passed to the checker as ``cond``.  A comparison whose
margin is within its own error bound is at the rounding level of the working precision
(say a converged step, or an attained bound): it cannot be decided there and is counted,
not recorded; a higher precision (the mp engine) resolves what it can.

On a **certified** trajectory (:func:`is_certified`: a
:class:`theory.certified_ridge.BallRidgeTrajectory`, whose numbers are Arb balls) nothing is
dropped and nothing is selected by float midpoints: :class:`Margins` decides every margin on
its ball (or in exact arithmetic, :mod:`theory.exact_real`, where the ball straddles the
bound) against the statement's relation, and returns a margin that certainly violates it if
there is one, else (every margin certainly holds) the one with the smallest lower end; a
margin that cannot be decided makes the outcome undecided (:class:`theory.ball.
UndecidedError`), unless another one certainly violates the statement.  The error bounds
passed to ``add`` are ignored there: they model float64/mp rounding, and balls enclose it.

>>> import numpy as np
>>> from theory import fixed_ridge_distill
>>> tr = fixed_ridge_distill(np.diag([1.0, 3.0]), np.ones(2), 1.0, [0.5])
>>> m = Margins(tr)
>>> m.add(0.5, 1e-15, lambda: "holds")
>>> m.add(-0.25, 1e-15, lambda: "fails")
>>> m.outcome().detail
'fails [2 comparisons resolved]'
"""

import math

import numpy as np

from theory._mp import GUARD_DIGITS, make_context, to_mp_array
from theory.ball import Ball, UndecidedError
from theory.ball_linalg import QMatrix, rational

from ...claim import Outcome
from ...decision import tolerance

__all__ = ["EPS64", "TINY64", "RESOLVED", "is_mp", "is_certified", "unit", "work_ctx", "Num",
           "entry_error", "resolved_entries", "Margins", "fmt", "rational", "QMatrix"]

EPS64 = float(np.finfo(np.float64).eps)
#: Smallest normal float64: below it a number has fewer than 53 significant bits.
TINY64 = float(np.finfo(np.float64).tiny)
#: A difference is *resolved* when it exceeds 2^10 times its rounding error bound: it then
#: carries at least 10 correct bits, enough for its sign and its first three digits.
#: Differences below are at the rounding level of the working precision and are not
#: checked there (the mp engine checks them to its own precision).
RESOLVED = 2.0 ** 10


def is_mp(traj):
    return traj.dps is not None


def is_certified(traj):
    """Whether ``traj`` is a certified (ball) trajectory: its numbers are Arb balls and its
    ``ball_context()`` runs number-type-neutral mp code on them."""
    return getattr(traj, "ball_context", None) is not None


def unit(traj):
    """Rounding unit of the trajectory's numbers: float64 eps, or 10^-dps."""
    return EPS64 if traj.dps is None else 10.0 ** (-traj.dps)


def work_ctx(traj):
    """An mp context for oracle computations on an mp trajectory: dps plus guard digits,
    so that the oracle's own rounding is negligible against the trajectory's."""
    return make_context(traj.dps + GUARD_DIGITS)


class Num:
    """Scalars, arrays and dense linear algebra in the trajectory's number type.

    float64: numpy; mp: object arrays of mpf at ``dps + GUARD_DIGITS`` digits (mpmath's
    LU and QR solvers); a certified trajectory (``ball``): object arrays of balls in its
    :class:`theory.ball.BallContext` (dense solves by :mod:`theory.ball_linalg`; no least
    squares).  ``u`` is the oracle's rounding unit (not used on balls).
    """

    def __init__(self, traj):
        self.mp = is_mp(traj)
        self.ball = is_certified(traj)
        self.ctx = traj.ball_context() if self.ball else work_ctx(traj) if self.mp else None
        self.u = EPS64 if not self.mp else 10.0 ** (-(traj.dps + GUARD_DIGITS))

    def s(self, v):
        return self.ctx.mpf(v) if self.mp else float(v)

    def a(self, A):
        if self.mp:
            return to_mp_array(self.ctx, A)
        return np.asarray(A, dtype=np.float64)

    def f(self, v):
        return float(v)

    def sqrt(self, v):
        return self.ctx.sqrt(v) if self.mp else math.sqrt(v)

    def log(self, v):
        return self.ctx.log(v) if self.mp else np.log(v)

    def expm1(self, v):
        if self.mp:
            return np.array([self.ctx.expm1(x) for x in np.ravel(v)], dtype=object).reshape(
                np.shape(v)) if np.ndim(v) else self.ctx.expm1(v)
        return np.expm1(v)

    def logs(self, A):
        A = np.asarray(A)
        if self.mp:
            return np.array([self.ctx.log(x) for x in A.reshape(-1)], dtype=object).reshape(A.shape)
        return np.log(A.astype(np.float64))

    def norm(self, v):
        v = np.asarray(v).reshape(-1)
        return self.sqrt(sum(x * x for x in v)) if self.mp else float(np.linalg.norm(v))

    def dot(self, x, y):
        return self.ctx.fdot(list(np.ravel(x)), list(np.ravel(y))) if self.mp else float(
            np.dot(np.ravel(x), np.ravel(y)))

    def matmul(self, A, B):
        if not self.mp:
            return np.asarray(A, dtype=np.float64) @ np.asarray(B, dtype=np.float64)
        A, B = np.asarray(A, dtype=object), np.asarray(B, dtype=object)
        vec = B.ndim == 1
        B2 = B.reshape(B.shape[0], -1)
        out = np.array([[self.ctx.fdot(list(A[i]), list(B2[:, j])) for j in range(B2.shape[1])]
                        for i in range(A.shape[0])], dtype=object).reshape(A.shape[0], B2.shape[1])
        return out[:, 0] if vec else out

    def solve(self, A, B):
        """A^-1 B by LU with partial pivoting (B a vector or a matrix)."""
        if not self.mp:
            return np.linalg.solve(np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64))
        ctx = self.ctx
        if getattr(ctx, "holds_exactly", False):  # balls: Gauss-Jordan, pivots decided
            B = np.asarray(B, dtype=object)
            if B.ndim == 1:
                return ctx.solve(A, B)
            return np.array([ctx.solve(A, B[:, j]) for j in range(B.shape[1])],
                            dtype=object).T
        LU, p = ctx.LU_decomp(ctx.matrix(np.asarray(A, dtype=object).tolist()))
        B = np.asarray(B, dtype=object)
        vec = B.ndim == 1
        B2 = B.reshape(B.shape[0], -1)
        cols = []
        for j in range(B2.shape[1]):
            y = ctx.L_solve(LU, ctx.matrix(list(B2[:, j])), p)
            x = ctx.U_solve(LU, y)
            cols.append([x[i] for i in range(B2.shape[0])])
        out = np.array(cols, dtype=object).T
        return out[:, 0] if vec else out

    def lstsq(self, M, b):
        """argmin ||M x - b|| for M of full column rank (numpy's SVD-based lstsq; mpmath's
        Householder QR in mp)."""
        if self.ball:
            raise TypeError("least squares has no certified form here (balls)")
        if not self.mp:
            return np.linalg.lstsq(np.asarray(M, dtype=np.float64),
                                   np.asarray(b, dtype=np.float64), rcond=None)[0]
        M, b = np.asarray(M, dtype=object), np.asarray(b, dtype=object)
        # a zero row of M (a weight alpha = 0) adds a constant to the residual and nothing
        # to the solution, and mpmath's Householder step divides by sign(pivot) * norm: a
        # zero pivot from such a row raises
        live = [i for i in range(M.shape[0]) if any(v != 0 for v in M[i])]
        M, b = M[live], b[live]
        A = self.ctx.matrix(M.tolist())
        rhs = self.ctx.matrix(list(b))
        if A.rows == A.cols:  # square: a solve (mpmath's Householder divides by 0 at 1 x 1)
            x = self.ctx.lu_solve(A, rhs)
        else:
            x, _ = self.ctx.qr_solve(A, rhs)
        return np.array([x[i] for i in range(x.rows)], dtype=object)


def entry_error(traj, t):
    """Relative error bound of the filter entries of row t, at the trajectory's own a_j
    (module docstring): float64 ``4 (t + 1) u``; mp ``(t + 3) 10^-dps`` (the stored a_j
    and f_t are each rounded from a run at higher precision, and b_tau moves by at most tau
    times the relative change of a)."""
    if traj.dps is None:
        return 4 * (t + 1) * EPS64
    return (t + 3) * 10.0 ** (-traj.dps)


def resolved_entries(traj):
    """Boolean array (rows x directions): float64 entries that are normal numbers, with
    every earlier entry of their column normal too (no underflow on the way); mp: all."""
    F = traj.filters
    if traj.dps is not None:
        return np.ones(F.shape, dtype=bool)
    normal = np.abs(F) >= TINY64
    return np.logical_and.accumulate(normal, axis=0)


def fmt(v, digits=6):
    """A number of either type, for details."""
    return f"{float(v):.{digits}g}"


def _holds(m, relation):
    """Whether the margin ``m`` (a ball or an exact number) makes ``relation`` hold:
    decided on its ball, else in exact arithmetic, else UndecidedError."""
    if relation == ">":
        return bool(m > 0)
    return bool(m >= 0)  # ">=", and "==" (margin -|lhs - rhs|: holds iff it is 0)


def _lower(m):
    return m.lower() if isinstance(m, Ball) else float(m)


class Margins:
    """The decisive check among many: each ``add(margin, error, detail)`` records a
    relative slack and a bound on its own rounding error; :meth:`outcome` returns the one
    with the smallest ``margin / error`` (the most negative, or the least conclusive), with
    ``cond`` chosen so that the checker's tolerance (:mod:`proofs_check.decision`) equals
    that error bound.  ``add_unresolved`` records a check this precision cannot decide
    (margin 0: inconclusive, so the mp engine decides).  ``detail`` is a callable (built
    only for the decisive check).

    On a certified trajectory (module docstring) every margin is decided against
    ``relation`` (``">="``, ``">"`` strict, ``"=="`` for identity margins ``-|lhs - rhs|``),
    which the outcome carries; ``error`` is ignored, and a margin that is not a ball (a
    float computed from midpoints) is refused.
    """

    def __init__(self, traj, relation=">="):
        self.traj = traj
        self.best = None
        self.checked = 0
        self.unresolved = 0
        self.rounding = 0
        self.skipped = 0
        self.ball = is_certified(traj)
        self.relation = relation
        self._bad = None  # (margin, detail): certainly violates the relation
        self._low = None  # (lower end, margin, detail): holds, smallest lower end so far
        self._undecided = None  # the UndecidedError to raise when nothing violates

    def _add_ball(self, margin, detail):
        if not isinstance(margin, Ball):
            raise TypeError(f"a margin on a certified trajectory must be a ball, got "
                            f"{type(margin).__name__} {margin!r}")
        self.checked += 1
        if self._bad is not None:
            return  # a certain violation decides the outcome; the rest cannot change it
        try:
            ok = _holds(margin, self.relation)
        except UndecidedError as exc:
            # keep one that exact arithmetic may still decide (it steers certify's retries)
            if self._undecided is None or (self._undecided.exact_gave_up and
                                           not exc.exact_gave_up):
                self._undecided = exc
            return
        if not ok:
            self._bad = (margin, detail)
            return
        lo = _lower(margin)
        if self._low is None or lo < self._low[0]:
            self._low = (lo, margin, detail)

    def add(self, margin, error, detail):
        if self.ball:
            self._add_ball(margin, detail)
            return
        err = float(error)
        if abs(float(margin)) <= err:
            # the comparison is at the rounding level of this precision: it carries no
            # digit of the margin's sign (a higher precision resolves it, or it is attained)
            self.rounding += 1
            return
        self.checked += 1
        key = float(margin) / err if err > 0 else math.copysign(math.inf, float(margin))
        if float(margin) == 0 and err == 0:
            key = 0.0
        if self.best is None or key < self.best[0]:
            self.best = (key, margin, err, detail)

    def add_array(self, margins, errors, mask, detail):
        """Vectorised :meth:`add`: ``margins`` (array, float64 or mpf), ``errors`` (floats,
        broadcastable), ``mask`` (which entries apply); ``detail(index)`` describes one."""
        margins = np.asarray(margins)
        shape = margins.shape
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), shape).ravel()
        if not mask.any():
            return
        flat = margins.ravel()
        if self.ball:
            for i in np.flatnonzero(mask):
                where = np.unravel_index(i, shape)
                self._add_ball(flat[i], lambda where=where: detail(where))
            return
        mf = np.zeros(flat.shape)
        mf[mask] = [float(x) for x in flat[mask]] if flat.dtype == object else flat[mask]
        ef = np.broadcast_to(np.asarray(errors, dtype=np.float64), shape).ravel()
        at_rounding = mask & (np.abs(mf) <= ef)
        keep = mask & ~at_rounding
        self.rounding += int(at_rounding.sum())
        self.checked += int(keep.sum())
        if not keep.any():
            return
        idx = np.flatnonzero(keep)
        with np.errstate(divide="ignore", invalid="ignore"):
            keys = np.where(ef[idx] > 0, mf[idx] / np.where(ef[idx] > 0, ef[idx], 1.0),
                            np.copysign(np.inf, mf[idx]))
        i = idx[int(np.argmin(keys))]
        key = float(np.min(keys))
        if self.best is None or key < self.best[0]:
            where = np.unravel_index(i, shape)
            self.best = (key, flat[i], float(ef[i]), lambda: detail(where))

    def add_unresolved(self, detail):
        self.unresolved += 1
        if self.best is None or 0.0 < self.best[0]:
            self.best = (0.0, 0.0, 0.0, detail)

    def outcome(self, empty="nothing to check"):
        if self.ball:
            return self._ball_outcome(empty)
        if self.best is None:
            # nothing resolved (no check applies, or every comparison is at the rounding
            # level): inconclusive, never a pass by default; the mp engine decides
            why = empty if not self.rounding else (
                f"all {self.rounding} comparisons at the rounding level of this precision")
            return Outcome(0.0, detail=why)
        _, margin, err, detail = self.best
        base = tolerance(self.traj.dps, self.traj.accuracy, 1.0)
        cond = err / base if base > 0 and math.isfinite(err / base) else 1.0
        text = detail() if callable(detail) else str(detail)
        notes = []
        if self.unresolved:
            notes.append(f"{self.unresolved} underflowed (mp decides)")
        if self.skipped:
            notes.append(f"{self.skipped} entries below float64's normal range, not compared")
        if self.rounding:
            notes.append(f"{self.rounding} at the rounding level")
        text += f" [{self.checked} comparisons resolved" + (
            f"; {', '.join(notes)}" if notes else "") + "]"
        return Outcome(margin, detail=text, cond=cond)

    def _ball_outcome(self, empty):
        if self._bad is not None:
            margin, detail = self._bad
            verdict = "violates the statement"
        elif self._undecided is not None:
            raise self._undecided
        elif self._low is not None:
            _, margin, detail = self._low
            verdict = f"all {self.checked} hold"
        else:
            # nothing to compare: the statement says nothing about this instance
            return Outcome.skip(f"{empty} (certified: no comparison applies)")
        text = detail() if callable(detail) else str(detail)
        text += f" [{self.checked} comparisons decided on balls: {verdict}]"
        return Outcome(margin, detail=text, relation=self.relation)
