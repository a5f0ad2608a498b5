r"""Certified self-distillation: the eps-constrained recursion in ball arithmetic.

Every number of the result contains the exact value for the given inputs (float64 ``G``
and ``y``, held exactly; ``eps`` exactly where binary).  With the enclosed eigenbasis of
:func:`theory.eigen_ball.eigh_ball` (``G = Q diag(d) Q^T``, clusters ``J``):

.. math::

    z_0 = Q^T y,\qquad W_J = \sum_{k \in J} z_{0,k}^2,\qquad
    \phi_t(s) = \sum_k w_k \frac{B_{t,k}^2}{(1 + s d_k)^2} \in
    \sum_J W_J\, \mathrm{hull}_{k \in J} \frac{B_{t,k}^2}{(1 + s d_k)^2}

(the unknown split of ``W_J`` inside a cluster is covered by the hull, ``w_k >= 0``).
Round t: ``s_t = 1/c_t`` is the root of ``φ_t(s) = K ε``; φ_t decreases strictly, so two
points with ``φ_t(s_lo) > K ε > φ_t(s_hi)`` (decided on balls) isolate it, found around
a Newton approximation on the midpoints (as :func:`theory.secular.secular_root_mp`).  Then
``A_t[k] = d_k/(c_t + d_k) = 1/(1 + c_t/d_k)``, ``B_{t+1} = B_t A_t`` and
``||y_{t+1}||^2 = Σ_J W_J hull_{k∈J} B_{t+1}[k]^2``.

Enclosures of c_t are not fed back through the balls of B_t (independent radii per k would
widen them geometrically over the rounds, the wrapping effect).  Instead: c_t increases
with every earlier c_i (B_{t,k} decreases with c_i, hence so does φ_t, and with it its root
s_t), so two point trajectories bracket the true one: one run on the lower ends of the
earlier enclosures (larger B), one on the upper ends; the enclosure of c_t is the hull of
the lower end of the first's root and the upper end of the second's.  Only the balls of
the eigenvalues and weights (and rounding) enter each run.  The collapse round T is the first t
with ``||y_t||^2 <= K ε``, decided on balls (``||y_0||^2`` from y itself); when a test (or
an isolation) cannot be decided, :class:`~theory.ball.UndecidedError` carries the width.

Source: Mobahi, Farajtabar & Bartlett 2020, §4 (the recursion) [paper]; the enclosures
[derived].  Domain: G symmetric positive definite, or semi-definite with exactly zero
eigenvalues (exactly diagonal G); y one class (shape (K,)); eps > 0.

>>> import numpy as np
>>> tr = self_distill_ball(np.diag([1.0, 0.5]), np.array([1.0, 1.0]), 0.1, 128)
>>> tr.collapse_round, 0.30712425614875 < tr.c[0] < 0.30712425614876, tr.c[0].width < 1e-30
(3, True, True)
"""

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import _validate as V
from .ball import Ball, UndecidedError, require_flint
from .eigen_ball import eigh_ball, spectral_sums
from .errors import InfeasibleError, InputError, RoundsExceededError

__all__ = ["BallTrajectory", "self_distill_ball", "DEFAULT_PREC_BITS", "MIN_PREC_BITS",
           "DEFAULT_MAX_ROUNDS_BALL"]

#: Default ball precision: ~57 digits, above the 50 the mp checks confirm.
DEFAULT_PREC_BITS = 192
#: Below this the eigenvector enclosure of even small kernels is too wide to be useful.
MIN_PREC_BITS = 64
DEFAULT_MAX_ROUNDS_BALL = 10_000
#: First relative half-width of the isolating interval of s_t, in ulps of the precision
#: (the Newton root is accurate to 2^8 ulps; 2^16 leaves room for the balls' own radius),
#: and the factor by which it widens while the signs are undecided.
_ISOLATE_ULPS_LG = 16
_ISOLATE_WIDEN_LG = 8


@dataclass(frozen=True, eq=False)
class BallTrajectory:
    """The result of :func:`self_distill_ball`: the :class:`theory.Trajectory` contract with
    :class:`~theory.ball.Ball` numbers.

    ``c`` (c_t, t < T), ``norms`` (||y_t||, t <= T), ``B`` (diagonal of B_t, shape (T+1, K)),
    ``eigenvalues`` (ascending), ``eigenvectors`` (columns; for a cluster an orthonormal basis
    of its invariant subspace), ``z0`` (= Q^T y), ``y0`` (y, exact) and ``y`` (y_t, computed
    on first access) are object arrays of balls; ``collapse_round`` (T) is an int decided on
    balls.  ``dps`` is the decimal precision of the balls (claims read it as they read an mp
    trajectory's), ``prec_bits`` the binary one; ``clusters`` the eigenvalue clusters that the
    precision did not resolve (tuples of indices, length > 1).
    """

    c: np.ndarray
    norms: np.ndarray
    B: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray = field(repr=False)
    z0: np.ndarray = field(repr=False)
    y0: np.ndarray = field(repr=False)
    collapse_round: int
    eps: object
    dps: int
    prec_bits: int
    method: str
    groups: tuple = field(repr=False, default=())
    accuracy: float = 0.0
    collapse_round_certain: bool = True
    model: object = field(repr=False, default=None)
    exact_decisions: int = 0

    @property
    def K(self):
        return self.eigenvalues.shape[0]

    @property
    def clusters(self):
        return tuple(J for J in self.groups if len(J) > 1)

    @property
    def kappa(self):
        """d_max/d_min from the midpoints (a report; claims compute their own)."""
        d0, d1 = float(self.eigenvalues[0]), float(self.eigenvalues[-1])
        return d1 / d0 if d0 > 0 else math.inf

    @property
    def width(self):
        """The largest ball width among c, the norms and B (a report of the precision)."""
        from .ball import width_of
        return max(width_of(self.c), width_of(self.norms), width_of(self.B))

    @cached_property
    def y(self):
        """y_t = Σ_k B_{t,k} P_k y (:func:`theory.eigen_ball.spectral_sums`), y_0 = y exactly;
        shape (T+1, K)."""
        rest = spectral_sums(self.eigenvectors, self.z0, list(self.B[1:]), self.groups,
                             self.prec_bits)
        out = np.concatenate([self.y0[None], rest]) if rest.size else self.y0[None].copy()
        if self.model is not None and self.model.y_row(0) is not None:
            for t in range(1, out.shape[0]):
                out[t] = [Ball(b.v, b.prec, e) for b, e in zip(out[t], self.model.y_row(t))]
        return out

    def y_round(self, t):
        """y_t, as ``y[t]`` (the :meth:`theory.Trajectory.y_round` contract)."""
        return self.y[t]

    @property
    def exact(self):
        """True when the numbers carry exact expressions (``exact=True``)."""
        return self.model is not None


def _hull(vals):
    h = vals[0]
    for v in vals[1:]:
        h = h.union(v)
    return h


def _validate(G, y, eps, prec_bits, max_rounds):
    if isinstance(prec_bits, bool) or not isinstance(prec_bits, int) or prec_bits < MIN_PREC_BITS:
        raise InputError(f"prec_bits = {prec_bits!r}: pass an integer number of bits >= "
                         f"{MIN_PREC_BITS} (the default {DEFAULT_PREC_BITS} is ~57 digits)")
    G = V.check_gram(G)
    if G.dtype == object:
        raise InputError("the certified engine takes G as a float64 array (its entries are then "
                         "exact binary numbers); convert mpf or Fraction input first")
    G = np.asarray(G, dtype=np.float64)
    K = G.shape[0]
    y = V.check_targets(y, K)
    if y.ndim != 1 or y.dtype == object:
        raise InputError(f"the certified engine takes one class of float64 targets (shape "
                         f"({K},)), got shape {y.shape} of {y.dtype}")
    V.check_eps(eps)
    V.check_symmetric(G, V.EPS64)
    max_rounds = V.check_max_rounds(max_rounds, DEFAULT_MAX_ROUNDS_BALL)
    return G, np.asarray(y, dtype=np.float64), max_rounds


def self_distill_ball(G, y, eps, prec_bits=DEFAULT_PREC_BITS, *, max_rounds=None, eig=None,
                      exact=False):
    """Run self-distillation in ball arithmetic until collapse; return a :class:`BallTrajectory`.

    ``prec_bits``: the ball precision.  ``eig``: a :class:`~theory.eigen_ball.BallEigh` of
    ``G`` at this precision, to reuse (several eps on one G).  ``exact``: also name every
    number exactly (:class:`theory.certified_exact.SelfDistillModel`), so that a collapse
    test the balls cannot decide (``||y_t||^2 = K eps`` exactly) is decided in exact
    arithmetic, and so are the ties of whatever is computed from the trajectory.  Raises
    :class:`~theory.ball.UndecidedError` when a collapse test or a root isolation cannot be
    decided at this precision (retry with more bits, or ``exact=True``),
    RoundsExceededError beyond ``max_rounds`` (default 10000).
    """
    G, y, max_rounds = _validate(G, y, eps, prec_bits, max_rounds)
    fl = require_flint()
    K, p = G.shape[0], prec_bits
    model = None
    from . import exact_real
    decided_before = exact_real.decisions()
    if exact:
        from .certified_exact import SelfDistillModel
        model = SelfDistillModel(G, y, eps)
    c_ex = []
    with fl.ctx.workprec(p):
        eig = eig if eig is not None else eigh_ball(G, p)
        d = [v.v for v in eig.values]
        positive = _check_spectrum(d, p)
        y0 = [Ball.exact(float(v), p) for v in y]
        Q = eig.vectors
        z0 = [sum((Q[i, k].v * y0[i].v for i in range(K)), fl.arb(0)) for k in range(K)]
        W = {J: sum((z0[k] * z0[k] for k in J), fl.arb(0)) for J in eig.clusters}
        target = Ball.exact(eps, p).v * K
        sq = sum((v.v * v.v for v in y0), fl.arb(0))
        _check_rounds(sq, target, max_rounds)
        # two point trajectories bracket the true one (module docstring): "hi" runs on the
        # lower ends of the c_t enclosures (B larger), "lo" on the upper ends
        B_hi, B_lo = [fl.arb(1)] * K, [fl.arb(1)] * K
        cs, Bs, norms = [], [[fl.arb(1)] * K], [sq.sqrt()]
        sq_lo = sq_hi = sq
        guesses = (None, None)
        while _continues(sq_lo, sq_hi, target, len(cs), p, model):
            if len(cs) >= max_rounds:
                raise RoundsExceededError(f"collapse not reached within max_rounds = "
                                          f"{max_rounds}; raise max_rounds or increase eps")
            t = len(cs)
            S_hi = _isolate_root(B_hi, d, W, target, positive, guesses[0], p, t)
            S_lo = S_hi if t == 0 else _isolate_root(B_lo, d, W, target, positive,
                                                     guesses[1], p, t)
            guesses = (S_hi.mid(), S_lo.mid())
            c_low, c_up = (1 / S_hi).lower(), (1 / S_lo).upper()
            B_hi = [B_hi[k] / (1 + c_low / d[k]) if positive[k] else fl.arb(0) for k in range(K)]
            B_lo = [B_lo[k] / (1 + c_up / d[k]) if positive[k] else fl.arb(0) for k in range(K)]
            sq_hi, sq_lo = _sq_norm(B_hi, W), _sq_norm(B_lo, W)
            cs.append(c_low.union(c_up))
            if model is not None:
                c_ex.append(model.round(t))
            Bs.append([lo.union(hi) for lo, hi in zip(B_lo, B_hi)])
            norms.append(sq_lo.union(sq_hi).sqrt())
    T = len(cs)
    Barr = np.empty((len(Bs), K), dtype=object)
    for t, row in enumerate(Bs):
        ex = model.B_row(t) if model is not None else None
        Barr[t, :] = [Ball(v, p, ex[k] if ex else None) for k, v in enumerate(row)]
    c_arr = np.array([Ball(v, p, c_ex[t] if model is not None else None)
                      for t, v in enumerate(cs)], dtype=object)
    n_arr = np.array([Ball(v, p, model.norm(t) if model is not None else None)
                      for t, v in enumerate(norms)], dtype=object)
    values = eig.values if model is None else _named_values(eig.values, model)
    return BallTrajectory(c=c_arr, norms=n_arr, B=Barr, eigenvalues=values,
                          eigenvectors=eig.vectors,
                          z0=np.array([Ball(v, p) for v in z0], dtype=object),
                          y0=np.array(y0, dtype=object), collapse_round=T, eps=eps,
                          dps=int(p * math.log10(2)), prec_bits=p, method=eig.method,
                          groups=eig.clusters, model=model,
                          exact_decisions=exact_real.decisions() - decided_before)


def _named_values(values, model):
    """The eigenvalue balls with the model's exact names (a rational spectrum is checked
    against the enclosures: the k-th smallest eigenvalue lies in the k-th ball, Weyl).

    Also used by :func:`theory.certified_ridge.fixed_ridge_ball`."""
    out = []
    for k, (b, e) in enumerate(zip(values, model.eigenvalues)):
        if e.op == "c" and not b.overlaps(e.aux):
            raise AssertionError(f"the exact eigenvalue {e.aux} is not in the enclosure {b!r} "
                                 f"of eigenvalue {k}: the exact spectrum and the enclosures "
                                 f"disagree")
        out.append(Ball(b.v, b.prec, e))
    return np.array(out, dtype=object)


def _check_spectrum(d, prec):
    """Per eigenvalue: True when certainly > 0, False when exactly 0; raise otherwise."""
    out = []
    for k, v in enumerate(d):
        if v > 0:
            out.append(True)
        elif v.is_zero():
            out.append(False)
        elif v < 0:
            raise InputError(f"G is indefinite: its eigenvalue {k} lies in {v} < 0; the "
                             f"certified engine takes the matrix as given (a positive "
                             f"semi-definite G), without clipping rounding")
        else:
            raise UndecidedError(f"eigenvalue {k} of G is enclosed in {v}, which contains 0: "
                                 f"positive or zero cannot be told at {prec} bits",
                                 float(2 * v.rad()), prec)
    if not any(out):
        raise InfeasibleError("G = 0: the only fit is f = 0; use a non-zero kernel")
    return out


def _check_rounds(sq, target, max_rounds):
    """Refuse before any work when T >= ceil(r_0 - 1) already exceeds max_rounds."""
    r0_low = float((sq / target).sqrt().lower())
    if math.isfinite(r0_low) and math.floor(r0_low - 1) > max_rounds:
        raise RoundsExceededError(f"collapse needs at least T >= ceil(r_0 - 1) = "
                                  f"{math.floor(r0_low - 1)} rounds (r_0 = ||y||/sqrt(K eps) >= "
                                  f"{r0_low:.6g}) > max_rounds = {max_rounds}; raise "
                                  f"max_rounds or increase eps")


def _continues(sq_lo, sq_hi, target, t, prec, model=None):
    """The collapse test ||y_t||^2 > K eps, decided on the bracket [sq_lo, sq_hi] (balls),
    else in exact arithmetic when a model names ||y_t||^2."""
    if sq_lo > target:
        return True
    if sq_hi <= target:
        return False
    gap = sq_lo.union(sq_hi) - target
    w = float(gap.rad() * 2)
    why, gave_up = "", False
    node = model.sq_norm(t) if model is not None else None
    if node is not None:
        from . import exact_real as X
        try:
            return X.sign(X.sub(node, model.keps), gap) > 0
        except X.ExactUndecided as exc:
            why, gave_up = f"; exact arithmetic gave up: {exc.reason}", exc.needs_bits is None
    elif model is not None:
        why, gave_up = f"; no exact model ({model.note})", True
    raise UndecidedError(f"round {t}: ||y_t||^2 - K eps lies in {gap}, which contains 0 at "
                         f"{prec} bits: the collapse test is not decided (width {w:.3g}){why}",
                         w, prec, gave_up)


def _sq_norm(B, W):
    """Σ_J W_J hull_{k∈J} B[k]^2: an enclosure of Σ_k w_k B[k]^2."""
    return sum((WJ * _hull([B[k] * B[k] for k in J]) for J, WJ in W.items()), 0)


def _phi(s, Bt, d, W, positive):
    """An enclosure of φ_t(s) = Σ_k w_k B_{t,k}^2/(1 + s d_k)^2 at the exact point s."""
    total = 0
    for J, WJ in W.items():
        terms = [Bt[k] * Bt[k] / ((1 + s * d[k]) ** 2) if positive[k] else Bt[k] * Bt[k]
                 for k in J]
        total = WJ * _hull(terms) + total
    return total


def _approx_root(Bt, d, W, target, positive, s_prev, prec):
    """s_t by safeguarded Newton on the balls' midpoints (one term per cluster), as
    :func:`theory.secular.secular_root_mp` does in mpmath but in Arb's C arithmetic: only an
    approximation, which :func:`_isolate_root` then certifies.

    F(s) = phi(s)^(-1/2) - (K eps)^(-1/2) increases in s; the bracket is that of
    :func:`theory.secular.secular_bracket`.
    """
    arb = require_flint().arb
    w0, wp, dp = arb(0), [], []
    for J, WJ in W.items():
        w = (WJ * _hull([Bt[k] * Bt[k] for k in J])).mid()
        if positive[J[0]]:
            wp.append(w)
            dp.append(_hull([d[k] for k in J]).mid())
        else:
            w0 += w
    tgt = target.mid()
    total = sum(wp, w0)
    if not (w0 < tgt and tgt < total):
        raise InputError("K eps is not between the null-space mass and ||w||^2 at the midpoints")
    m = (total - w0) / (tgt - w0)
    root_m_minus_1 = ((total - tgt) / (tgt - w0)) / (m.sqrt() + 1)
    lo = (root_m_minus_1 / max(dp, key=float)).mid()
    hi = (root_m_minus_1 / min(dp, key=float)).mid()
    if not lo < hi:  # a single positive eigenvalue: the bracket is the root
        return lo
    inv_a = 1 / tgt.sqrt()

    def F(s):
        qs = [1 + s * dk for dk in dp]
        v2 = [w / (q * q) for w, q in zip(wp, qs)]
        inv_root = 1 / (w0 + sum(v2, arb(0))).sqrt()
        df = inv_root ** 3 * sum((v * dk / q for v, dk, q in zip(v2, dp, qs)), arb(0))
        return (inv_root - inv_a).mid(), df.mid()

    s = s_prev if s_prev is not None and lo < s_prev and s_prev < hi else lo
    tol = arb(2) ** (8 - prec)  # 256 ulps: the isolation starts at 2^16 ulps
    for _ in range(200 + 2 * prec):
        f, df = F(s)
        if f.is_zero():
            return s
        if f < 0:
            lo = s
        else:
            hi = s
        s_new = (s - f / df).mid() if df > 0 else None
        if s_new is None or not (lo < s_new and s_new < hi):
            s_new = ((lo + hi) / 2).mid()
        if abs(s_new - s) <= tol * abs(s_new) or hi - lo <= tol * abs(hi):
            return s_new
        s = s_new
    raise InputError(f"the secular iteration did not converge (bracket [{lo}, {hi}])")


def _isolate_root(Bt, d, W, target, positive, s_prev, prec, t):
    """A ball S containing the root s_t, from sign certificates at its two ends."""
    fl = require_flint()
    w0 = sum((WJ * _hull([Bt[k] * Bt[k] for k in J]) for J, WJ in W.items()
              if not positive[J[0]]), fl.arb(0))
    if w0 >= target:
        raise InfeasibleError(f"round {t}: the part of y_t in the null space of G has squared "
                              f"norm {w0} >= K eps: no fit in the span of the kernel meets "
                              f"the budget; increase eps")
    try:
        s_mid = _approx_root(Bt, d, W, target, positive, s_prev, prec)
    except (InputError, ArithmeticError) as exc:
        raise UndecidedError(f"round {t}: the secular root cannot be approximated from the "
                             f"balls' midpoints at {prec} bits ({exc})", math.inf, prec) from exc
    rel = fl.arb(2) ** (_ISOLATE_ULPS_LG - prec)
    last = None
    while rel < fl.arb(2) ** -2:
        lo, hi = (s_mid * (1 - rel)).mid(), (s_mid * (1 + rel)).mid()
        f_lo = _phi(lo, Bt, d, W, positive) - target
        f_hi = _phi(hi, Bt, d, W, positive) - target
        if f_lo > 0 and f_hi < 0:
            return lo.union(hi)
        last = (f_lo, f_hi)
        rel *= 2 ** _ISOLATE_WIDEN_LG
    w = float(max(last[0].rad(), last[1].rad()) * 2) if last else math.inf
    raise UndecidedError(f"round {t}: the secular root is not isolated at {prec} bits: "
                         f"phi - K eps at the trial ends is {last[0]} and {last[1]} "
                         f"(width {w:.3g})", w, prec)
