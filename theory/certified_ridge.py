r"""Certified fixed-ridge self-distillation: the filters of :mod:`theory.fixed_ridge` in balls.

With the enclosed eigenbasis of :func:`theory.eigen_ball.eigh_ball` (``G = U diag(d) U^T``)
and exact float64 inputs,

    a_j = d_j/(d_j + lam) = 1/(1 + lam/d_j)   (0 for d_j = 0 exactly),
    g_0 = 1,   f_t = a g_t,   g_t = (1 - xi_t) + xi_t f_{t-1}   (t = 1..k),

evaluated in ball arithmetic (:func:`theory.ridge_filters.filters_and_targets` runs on the
balls unchanged); fitted values ``U (f_t z)`` and coefficients ``U (g_t z/(d + lam))`` by
:func:`theory.eigen_ball.spectral_sums` (clusters of unresolved eigenvalues included).
There is no decision inside the recursion, so nothing is undecided here; large weights
``|xi|`` widen the balls as they amplify rounding in the mp engine.

Source: docs/theory/borup2021.md §1, docs/theory/pareek2024.md §1 (the recursion)
[derived]; the enclosures [derived].  Domain: G symmetric positive semi-definite (float64,
held exactly; an eigenvalue enclosure reaching below 0 is undecided unless G is exactly
diagonal), y one float64 vector, lam > 0, finite real xi (held exactly when binary).

>>> import numpy as np
>>> tr = fixed_ridge_ball(np.diag([1.0, 3.0]), np.ones(2), 1.0, [0.5, 0.5], 128)
>>> [float(v) for v in tr.filters[:, 1]], tr.filters[2, 1].contains(0.62109375)
([0.75, 0.65625, 0.62109375], True)
"""

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import _validate as V
from ._ridge_validate import check_lam, check_xi
from .ball import Ball, UndecidedError, require_flint
from .certified import MIN_PREC_BITS
from .eigen_ball import eigh_ball, spectral_sums
from .errors import InputError
from .fixed_ridge import RidgeTrajectory
from .ridge_filters import filters_and_targets

__all__ = ["BallRidgeTrajectory", "BallDesignTrajectory", "fixed_ridge_ball",
           "fixed_ridge_design_ball"]


@dataclass(frozen=True, eq=False)
class BallRidgeTrajectory(RidgeTrajectory):
    """A :class:`theory.RidgeTrajectory` whose numbers are :class:`~theory.ball.Ball`\\ s
    (``kind`` "gram"); ``prec_bits`` the ball precision, ``groups`` the eigenvalue clusters
    (as :class:`theory.certified.BallTrajectory`)."""

    prec_bits: int = 0
    groups: tuple = ()

    def ball_context(self):
        """A :class:`theory.ball.BallContext` at the balls' precision: number-type-neutral
        mp code (written for ``ctx.mpf``) runs on this trajectory's balls with it."""
        from .ball import BallContext
        return BallContext(self.prec_bits)

    @cached_property
    def fitted(self):
        """yhat_t = Σ_j f_t(a_j) P_j y, shape (k+1, n)."""
        return spectral_sums(self.basis, self.z, list(self.filters), self.groups,
                             self.prec_bits)

    @cached_property
    def coefficients(self):
        """c_t = Σ_j g_t(a_j)/(d_j + lam) P_j y, shape (k+1, n)."""
        rows = list(self.targets / (self.eigenvalues + self.lam))
        return spectral_sums(self.basis, self.z, rows, self.groups, self.prec_bits)


def _check_rest(prec_bits, y, n, lam, xi):
    """Validate the precision, one float64 target vector of length n, lam and xi; return
    (y, xi)."""
    if isinstance(prec_bits, bool) or not isinstance(prec_bits, int) or prec_bits < MIN_PREC_BITS:
        raise InputError(f"prec_bits = {prec_bits!r}: pass an integer number of bits >= "
                         f"{MIN_PREC_BITS}")
    y = V.check_targets(y, n)
    if y.ndim != 1 or y.dtype == object:
        raise InputError(f"the certified engine takes one float64 target vector of shape "
                         f"({n},), got {y.shape} of {y.dtype}")
    check_lam(lam)
    return y, check_xi(xi)


def fixed_ridge_ball(G, y, lam, xi, prec_bits=192, *, eig=None, exact=False):
    """The teacher and k fixed-ridge students over the Gram matrix G, in ball arithmetic.

    Arguments as :func:`theory.fixed_ridge_distill` (Gram form); ``eig`` a
    :class:`~theory.eigen_ball.BallEigh` of G at ``prec_bits`` to reuse.  ``exact``: the
    eigenvalues and eigenvectors also carry exact expressions
    (:class:`theory.certified_exact.FixedRidgeModel`), and so does everything computed
    from them (a, the filters, z), so that ties are decided in exact arithmetic.
    """
    G = V.check_gram(G)
    if G.dtype == object:
        raise InputError("the certified engine takes G as a float64 array")
    G = np.asarray(G, dtype=np.float64)
    V.check_symmetric(G, V.EPS64)
    n = G.shape[0]
    y, xi = _check_rest(prec_bits, y, n, lam, xi)
    fl = require_flint()
    p = prec_bits
    with fl.ctx.workprec(p):
        eig = eig if eig is not None else eigh_ball(G, p)
        values, Q = eig.values, eig.vectors
        if exact:
            from .certified_exact import FixedRidgeModel
            model = FixedRidgeModel(G)
            from .certified import _named_values
            values = _named_values(values, model)
            Qex = model.basis(Q)
            Q = np.array([[Ball(Q[i, k].v, Q[i, k].prec, Qex[i, k]) for k in range(n)]
                          for i in range(n)], dtype=object)
        lam_b = Ball.exact(lam, p)
        a = np.empty(n, dtype=object)
        for j, d in enumerate(values):
            if d.v.is_zero():
                a[j] = Ball.exact(0, p)
            elif d.v > 0:
                a[j] = 1 / (1 + lam_b / d)
            elif d.v < 0:
                raise InputError(f"G is indefinite: its eigenvalue {j} lies in {d!r} < 0")
            else:
                raise UndecidedError(f"eigenvalue {j} of G is enclosed in {d!r}, which contains "
                                     f"0 at {p} bits", d.width, p)
        xb = np.array([Ball.exact(v, p) for v in xi], dtype=object)  # balls pass through
        f, g = filters_and_targets(a, xb, Ball.exact(1, p))
        yb = np.array([Ball.exact(float(v), p) for v in y], dtype=object)
        if exact:
            z = np.array([sum((Q[i, j] * yb[i] for i in range(1, n)), Q[0, j] * yb[0])
                          for j in range(n)], dtype=object)
        else:
            z = np.array([Ball(sum((Q[i, j].v * yb[i].v for i in range(n)), fl.arb(0)), p)
                          for j in range(n)], dtype=object)
    return BallRidgeTrajectory(filters=f, targets=g, eigenvalues=values, a=a, z=z,
                               basis=Q, coefficient_basis=Q, y=yb, xi=xb, lam=lam_b,
                               kind="gram", dps=int(p * math.log10(2)),
                               method=eig.method, accuracy=0.0, prec_bits=p,
                               groups=eig.clusters)


@dataclass(frozen=True, eq=False)
class BallDesignTrajectory(BallRidgeTrajectory):
    """The fixed-ridge trajectory of a design X (``kind`` "design") for certified mode.

    ``coefficients`` (theta_t, k+1 x d) and ``fitted`` (X theta_t) are **exact** rationals
    (balls that enclose them and carry their exact values, so every tie among them is
    decided exactly): the solutions of the normal equations that define the steps.
    ``eigenvalues`` (s_j^2, the positive eigenvalues of the smaller of X X^T and X^T X),
    ``a``, ``filters`` and ``targets`` are enclosures as in :func:`fixed_ridge_ball`;
    ``basis`` holds the eigenvector enclosures of that smaller Gram matrix.  The spectral
    projections of the design (U, X^T U, z) are not enclosed: ``coefficient_basis`` and
    ``z`` are None, and code that needs them fails loudly.
    """

    exact_coefficients: np.ndarray = None
    design: np.ndarray = None

    @property
    def coefficients(self):
        return self.exact_coefficients

    @property
    def fitted(self):
        X = self.design
        return np.array([[sum((X[i, j] * row[j] for j in range(1, X.shape[1])), X[i, 0] * row[0])
                          for i in range(X.shape[0])] for row in self.exact_coefficients],
                        dtype=object)


def _exact_steps(X, y, lam, xi):
    """theta_t = (X^T X + lam I)^-1 X^T t_t, t_0 = y, t_t = xi_t X theta_{t-1} + (1 - xi_t) y,
    in exact rational arithmetic (:class:`theory.ball_linalg.QMatrix`); a list of k+1
    Fraction rows."""
    from .ball_linalg import QMatrix
    Xm, ym = QMatrix.of(X), QMatrix.of(y)
    Xt = Xm.transpose()
    H = Xt @ Xm + QMatrix.identity(Xm.m.ncols()).scale(lam)
    target, rows = ym, []
    for t in range(len(xi) + 1):
        theta = H.solve(Xt @ target)
        rows.append(theta.column(0))
        if t < len(xi):
            target = (Xm @ theta).scale(xi[t]) + ym - ym.scale(xi[t])  # exact 1 - xi_t
    return rows


def _kept_groups(clusters, keep):
    """The eigenvalue clusters re-indexed to the kept (positive) eigenvalues."""
    where = {j: i for i, j in enumerate(keep)}
    out = (tuple(where[k] for k in J if k in where) for J in clusters)
    return tuple(J for J in out if J)


def fixed_ridge_design_ball(X, y, lam, xi, prec_bits=192, *, exact=False):
    """The teacher and k fixed-ridge students of linear ridge on the design X, certified.

    The coefficients theta_t are computed exactly (:func:`_exact_steps`: the normal
    equations over Q; X, y, lam and xi are binary numbers held exactly).  The spectral
    quantities (s_j^2, a_j = s_j^2/(s_j^2 + lam), the filters) are enclosed from
    :func:`theory.eigen_ball.eigh_ball` of the exact Gram matrix X X^T (n <= d) or X^T X
    (n > d), positive eigenvalues only: an eigenvalue exactly 0 is dropped (as the mp engine
    drops the numerically zero ones), one whose ball contains 0 is undecided.  ``exact``:
    the eigenvalues carry exact names (:class:`theory.certified_exact.FixedRidgeModel`).

    Source: docs/theory/das2023.md §1 (the steps) [derived]; the enclosures [derived].
    Domain: X real n x d (float64, held exactly), y of length n, lam > 0, finite real xi.

    >>> import numpy as np
    >>> tr = fixed_ridge_design_ball(np.array([[1.0, 0.0], [0.0, 2.0]]), np.ones(2), 1.0,
    ...                              [0.5], 128)
    >>> [str(v.ex.aux) for v in tr.coefficients[0]]   # (X^T X + I)^-1 X^T y
    ['1/2', '2/5']
    >>> [float(v) for v in tr.a]                       # s^2/(s^2 + 1) for s^2 = 1, 4
    [0.5, 0.8]
    """
    from ._ridge_validate import check_design
    from .ball_linalg import QMatrix
    X = np.asarray(check_design(X), dtype=np.float64)
    n, d = X.shape
    y, xi = _check_rest(prec_bits, y, n, lam, xi)
    fl = require_flint()
    p = prec_bits
    rows = _exact_steps(X, y, lam, xi)
    Xm = QMatrix.of(X)
    small = Xm @ Xm.transpose() if n <= d else Xm.transpose() @ Xm  # the smaller Gram
    Gq = np.array(small.entries(), dtype=object)
    with fl.ctx.workprec(p):
        eig = eigh_ball(Gq, p)
        values = eig.values
        if exact:
            from .certified import _named_values
            from .certified_exact import FixedRidgeModel
            values = _named_values(values, FixedRidgeModel(Gq))
        keep = []
        for j, v in enumerate(values):
            if v > 0:  # decided on the ball, exactly, or UndecidedError
                keep.append(j)
        values = np.array([values[j] for j in keep], dtype=object)
        lam_b = Ball.exact(lam, p)
        a = np.array([1 / (1 + lam_b / v) for v in values], dtype=object)
        xb = np.array([Ball.exact(v, p) for v in xi], dtype=object)
        f, g = filters_and_targets(a, xb, Ball.exact(1, p))
        coef = np.array([[Ball.exact(v, p) for v in row] for row in rows], dtype=object)
        Xb = np.array([[Ball.exact(v, p) for v in row] for row in X], dtype=object)
        yb = np.array([Ball.exact(float(v), p) for v in y], dtype=object)
    return BallDesignTrajectory(filters=f, targets=g, eigenvalues=values, a=a, z=None,
                                basis=eig.vectors[:, keep], coefficient_basis=None, y=yb,
                                xi=xb, lam=lam_b, kind="design", dps=int(p * math.log10(2)),
                                method=eig.method + "+exact-normal-equations", accuracy=0.0,
                                prec_bits=p, groups=_kept_groups(eig.clusters, keep),
                                exact_coefficients=coef,
                                design=Xb)
