r"""Certified enclosures of the eigendecomposition ``G = Q diag(d) Q^T`` of a symmetric matrix.

From an approximate eigenvector matrix ``X`` (:func:`theory.eigen.eigh_mp`), in ball
arithmetic:

.. math::

    R = X^T X - I,\quad S = X^T G X,\quad D = \mathrm{diag}(\mathrm{mid}\, S_{ii}),\quad
    \rho \ge \|R\|_F,\quad \mu = (1 - \rho)^{-1/2} - 1,\quad
    \varepsilon \ge \|S - D\|_F + \|S\|_F\, \mu (2 + \mu).

``U = X (X^T X)^{-1/2}`` is orthogonal and ``U^T G U = D + E`` with ``||E||_2 <= ε``
(``||(X^T X)^{-1/2} - I||_2 <= μ``).  Hence, with ``D`` sorted ascending:

* (Weyl) the k-th smallest eigenvalue of G lies in ``[D_(k) - ε, D_(k) + ε]``;
* clusters are the maximal runs of sorted ``D`` whose intervals come within ``2ε``; a
  cluster ``J`` at distance ``δ_J`` (> ε) from the other clusters' intervals has spectral
  projector ``P_J`` with ``||P_J - P0_J||_2 <= ε/δ_J`` (Davis-Kahan sin Θ, ``P0_J`` the
  coordinate projector; equal ranks by Weyl);
* ``Q = U Q̂``, with ``Q̂_J = P_J P0_J (P0_J P_J P0_J)^{-1/2}`` an orthonormal basis of
  ``range(P_J)``, satisfies ``||Q̂_J - P0_J|| <= sqrt(2) ε/δ_J``, so entrywise
  ``|Q_ij - X_ij| <= η = sqrt(1 + ρ) μ + sqrt(2 Σ_J (ε/δ_J)^2)``.  For a single
  eigenvalue (``|J| = 1``) column k of Q is its unit eigenvector; for a cluster the columns
  are an orthonormal basis of its invariant subspace (its eigenvalues are not resolved
  at this precision; their enclosures are the Weyl intervals).

An exactly diagonal G (all off-diagonal entries 0) is decomposed exactly: its diagonal
sorted, the eigenvectors the matching columns of the identity (every value repeated in the
diagonal gets a coordinate basis of its eigenspace).

Source: H. Weyl (1912) and C. Davis, W. M. Kahan, SIAM J. Numer. Anal. 7 (1970) 1-46
(sin Θ theorem) [prior work]; verified eigenvector enclosures in the style of S. M. Rump,
BIT 41 (2001) 1015-1030 and S. Miyajima, J. Comput. Appl. Math. 236 (2012) [prior work];
the bounds above are assembled here [derived].
Domain: real symmetric G, float64 (or exactly binary) entries; an asymmetry within
rounding is averaged exactly as by the other engines (``(G + G^T)/2``).

>>> import numpy as np
>>> e = eigh_ball(np.array([[2.0, 1.0], [1.0, 2.0]]), 128)
>>> [(v > 0.999999, v < 1.000001) for v in e.values[:1]], e.values[1].contains(3)
([(True, True)], True)
>>> e.clusters, e.method
(((0,), (1,)), 'eigh_mp+weyl-sin-theta')
"""

import functools
import math
from typing import NamedTuple

import numpy as np

from ._mp import make_context
from .ball import Ball, UndecidedError, require_flint
from .eigen import eigh_mp

__all__ = ["BallEigh", "eigh_ball", "spectral_sums"]

#: Digits of the approximate decomposition beyond the ball precision (its rounding then
#: sits below the enclosure's own).
_GUARD_DIGITS = 6


class BallEigh(NamedTuple):
    """Eigenvalue balls (ascending), eigenvector balls (columns), the clusters (tuples of
    sorted indices; length 1: a resolved eigenvalue), ``eps`` (Weyl radius) and ``eta``
    (entrywise radius of the eigenvectors) as floats rounded up, and the method."""

    values: np.ndarray
    vectors: np.ndarray
    clusters: tuple
    eps: float
    eta: float
    method: str


def eigh_ball(G, prec_bits):
    """Certified enclosures of the eigenvalues and an orthonormal eigenbasis of ``G``.

    ``G`` a K x K symmetric array: float64 (exact input), or an object array of
    :class:`~theory.ball.Ball`\\ s and exact numbers (Fractions, ints, floats), whose
    enclosures then hold for every symmetric matrix in its balls; ``prec_bits`` the ball
    precision.  Raises :class:`~theory.ball.UndecidedError` when the approximate
    decomposition is not close enough to orthonormal for the bounds (raise ``prec_bits``).

    >>> from fractions import Fraction
    >>> e = eigh_ball(np.array([[Fraction(2), Fraction(1, 3)], [Fraction(1, 3), Fraction(2)]],
    ...                        dtype=object), 128)
    >>> e.values[0].overlaps(Fraction(5, 3)), e.values[1].overlaps(Fraction(7, 3))
    (True, True)
    """
    fl = require_flint()
    G = np.asarray(G)
    if G.dtype != object:
        G = np.asarray(G, dtype=np.float64)
    with fl.ctx.workprec(prec_bits):
        if _is_diagonal(G):
            return _diagonal(fl, G, prec_bits)
        return _verified(fl, G, prec_bits)


def _is_zero(x):
    """Exactly 0 (a float, a rational, or an exact ball of 0)."""
    if isinstance(x, Ball):
        return x.is_exact and x.v.is_zero()
    return x == 0


def _is_diagonal(G):
    if G.dtype != object:
        return not np.any(G - np.diag(np.diag(G)))
    K = G.shape[0]
    return all(_is_zero(G[i, j]) for i in range(K) for j in range(K) if i != j)


def _order_key(x):
    """Ascending order of diagonal entries: exact rationals exactly, balls by midpoint."""
    from .exact_real import as_fraction
    q = None if isinstance(x, Ball) else as_fraction(x)
    return q if q is not None else float(x)


def _arb_of(x):
    """An entry as an arb: a ball's own enclosure, an exact number held (or enclosed)."""
    return x.v if isinstance(x, Ball) else Ball.exact(x, 53).v


def _diagonal(fl, G, prec):
    diag = list(np.diag(G)) if G.dtype == object else [float(v) for v in np.diag(G)]
    order = sorted(range(len(diag)), key=lambda i: _order_key(diag[i]))
    K = len(diag)
    one, zero = Ball.exact(1, prec), Ball.exact(0, prec)
    values = np.array([Ball.exact(diag[i], prec) for i in order], dtype=object)
    vectors = np.empty((K, K), dtype=object)
    for k, i in enumerate(order):
        vectors[:, k] = zero
        vectors[i, k] = one
    return BallEigh(values, vectors, tuple((k,) for k in range(K)), 0.0, 0.0,
                    "exact-diagonal")


def _fro_upper(fl, entries):
    """An exact arb >= the Frobenius norm of the matrix whose entries (balls) are given."""
    s = fl.arb(0)
    for e in entries:
        u = e.abs_upper()
        s += u * u
    return s.sqrt().upper()


def _verified(fl, G, prec):
    K = G.shape[0]
    ctx = make_context(math.ceil(prec * math.log10(2)) + _GUARD_DIGITS)
    arb = fl.arb
    if G.dtype == object:  # the decomposition of the midpoints; the residuals take the balls
        A = fl.arb_mat([[(_arb_of(G[i, j]) + _arb_of(G[j, i])) / 2 for j in range(K)]
                        for i in range(K)])
        mids = np.array([[ctx.mpf(A[i, j].mid().str(ctx.dps + 5, radius=False))
                          for j in range(K)] for i in range(K)], dtype=object)
        approx = eigh_mp(ctx, mids)
    else:
        approx = eigh_mp(ctx, G)
        A = fl.arb_mat([[(arb(float(G[i, j])) + arb(float(G[j, i]))) / 2 for j in range(K)]
                        for i in range(K)])
    X = fl.arb_mat([[arb(approx.vectors[i, j]) for j in range(K)] for i in range(K)])
    Xt = X.transpose()
    R = Xt * X
    for i in range(K):
        R[i, i] -= 1
    S = Xt * A * X
    rho = _fro_upper(fl, [R[i, j] for i in range(K) for j in range(K)])
    if not rho < arb(1) / 2:
        raise UndecidedError(f"the approximate eigenvectors are not orthonormal enough for the "
                             f"enclosure (||X^T X - I||_F <= {float(rho):.3g}) at {prec} bits",
                             float(rho), prec)
    D = [S[i, i].mid() for i in range(K)]
    off = [S[i, j] - (D[i] if i == j else 0) for i in range(K) for j in range(K)]
    s_norm = _fro_upper(fl, [S[i, j] for i in range(K) for j in range(K)])
    mu = ((1 / (1 - rho).sqrt()) - 1).upper()
    eps = (_fro_upper(fl, off) + s_norm * mu * (2 + mu)).upper()
    order = sorted(range(K), key=functools.cmp_to_key(
        lambda i, j: -1 if D[i] < D[j] else (1 if D[j] < D[i] else i - j)))
    Ds = [D[i] for i in order]
    # clusters: consecutive sorted values whose Weyl intervals come within 2 eps (an
    # undecided gap joins them: joining is always valid, only less resolved)
    clusters, cur = [], [0]
    for k in range(1, K):
        if (Ds[k] - Ds[k - 1]) > 2 * eps:
            clusters.append(tuple(cur))
            cur = [k]
        else:
            cur.append(k)
    clusters.append(tuple(cur))
    sin2 = arb(0)
    for n, J in enumerate(clusters):
        gaps = []
        if n > 0:
            gaps.append((Ds[J[0]] - Ds[clusters[n - 1][-1]] - eps).lower())
        if n + 1 < len(clusters):
            gaps.append((Ds[clusters[n + 1][0]] - eps - Ds[J[-1]]).lower())
        if gaps:
            delta = gaps[0] if len(gaps) == 1 or gaps[0] < gaps[1] else gaps[1]
            if not delta > eps:  # cannot happen for a split at > 2 eps; guards the algebra
                raise UndecidedError(f"cluster gap {float(delta):.3g} not above eps "
                                     f"{float(eps):.3g} at {prec} bits", float(eps), prec)
            s = (eps / delta).upper()
            sin2 += s * s
    eta = ((1 + rho).sqrt() * mu + (2 * sin2).sqrt()).upper()
    e_ball, h_ball = arb(0, eps), arb(0, eta)
    values = np.array([Ball(Ds[k] + e_ball, prec) for k in range(K)], dtype=object)
    vectors = np.empty((K, K), dtype=object)
    for k, j in enumerate(order):
        for i in range(K):
            vectors[i, k] = Ball(X[i, j] + h_ball, prec)
    return BallEigh(values, vectors, tuple(clusters), Ball(eps, prec).upper(),
                    Ball(eta, prec).upper(), "eigh_mp+weyl-sin-theta")


def spectral_sums(vectors, z, rows, groups, prec):
    r"""Enclosures of ``Σ_k c_k P_k y`` for each row ``c`` of ``rows`` (balls, one per
    eigenvalue), with ``P_k`` the spectral projectors and ``z = Q^T y`` (balls).

    A resolved eigenvalue contributes ``c_k q_k z_k``.  A cluster ``J`` (eigenvectors not
    resolved) contributes ``m_J P_J y = m_J Σ_{k∈J} q_k z_k`` with ``m_J`` the midpoint of
    the hull of ``c_k`` over J, plus at most ``r_J ||P_J y|| <= r_J ||y||`` (its radius) on
    every entry: ``||Σ_{k∈J} (c_k - m_J) P_k y|| <= r_J ||P_J y||`` for orthogonal
    projectors.  ``||y||^2 = Σ_k z_k^2`` (Q orthogonal).  Returns an object array of balls,
    shape (len(rows), K).
    """
    fl = require_flint()
    K = vectors.shape[0]
    with fl.ctx.workprec(prec):
        Q = fl.arb_mat([[vectors[i, k].v for k in range(K)] for i in range(K)])
        y_norm = fl.arb(0)
        for v in z:
            y_norm += v.v * v.v
        y_norm = y_norm.sqrt().upper()
        out = np.empty((len(rows), K), dtype=object)
        for t, row in enumerate(rows):
            coef, slack = [None] * K, fl.arb(0)
            for J in groups:
                if len(J) == 1:
                    coef[J[0]] = row[J[0]].v
                    continue
                h = row[J[0]].v
                for k in J[1:]:
                    h = h.union(row[k].v)
                slack += h.rad()
                for k in J:
                    coef[k] = h.mid()
            vec = Q * fl.arb_mat([[coef[k] * z[k].v] for k in range(K)])
            extra = fl.arb(0, (slack * y_norm).upper()) if not slack.is_zero() else 0
            out[t, :] = [Ball(vec[i, 0] + extra, prec) for i in range(K)]
    return out
