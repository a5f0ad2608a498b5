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

__all__ = ["BallRidgeTrajectory", "fixed_ridge_ball"]


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


def fixed_ridge_ball(G, y, lam, xi, prec_bits=192, *, eig=None, exact=False):
    """The teacher and k fixed-ridge students over the Gram matrix G, in ball arithmetic.

    Arguments as :func:`theory.fixed_ridge_distill` (Gram form); ``eig`` a
    :class:`~theory.eigen_ball.BallEigh` of G at ``prec_bits`` to reuse.  ``exact``: the
    eigenvalues and eigenvectors also carry exact expressions
    (:class:`theory.certified_exact.FixedRidgeModel`), and so does everything computed
    from them (a, the filters, z), so that ties are decided in exact arithmetic.
    """
    if isinstance(prec_bits, bool) or not isinstance(prec_bits, int) or prec_bits < MIN_PREC_BITS:
        raise InputError(f"prec_bits = {prec_bits!r}: pass an integer number of bits >= "
                         f"{MIN_PREC_BITS}")
    G = V.check_gram(G)
    if G.dtype == object:
        raise InputError("the certified engine takes G as a float64 array")
    G = np.asarray(G, dtype=np.float64)
    V.check_symmetric(G, V.EPS64)
    n = G.shape[0]
    y = V.check_targets(y, n)
    if y.ndim != 1 or y.dtype == object:
        raise InputError(f"the certified engine takes one float64 target vector of shape "
                         f"({n},), got {y.shape} of {y.dtype}")
    check_lam(lam)
    xi = check_xi(xi)
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
