"""Repeated self-distillation in the eigenbasis of G: the float64 and mpmath engines.

With G = Q diag(d) Q^T (d ascending) and z_t = Q^T y_t, one round is

    c_t : sum_k (c z_{t,k}/(c + d_k))^2 = K eps          (secular equation, theory.secular)
    z_{t+1} = A_t z_t,   A_t = diag(d_k/(c_t + d_k)),    B_t = prod_{i<t} A_i,  z_t = B_t z_0

until the collapse round T, the first t with ||y_t||^2 <= K eps (docs/theory/mobahi2020.md §4).  For several
classes (y of shape (K, m)) norms are Frobenius norms and one c_t is shared.

Source: Mobahi, Farajtabar & Bartlett 2020, §4 [paper].  Domain: G symmetric positive
semi-definite (the caller includes the 1/K), y real, eps > 0.

>>> import numpy as np
>>> tr = self_distill(np.diag([1.0, 0.5]), np.array([1.0, 1.0]), 0.1)
>>> tr.collapse_round, [round(float(n), 6) for n in tr.norms[:2]]
(3, [1.414214, 0.9844])
"""

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from mpmath.libmp import fone, mpf_add, mpf_div, mpf_mul, mpf_shift, mpf_sum, to_float

from . import _validate as V
from ._mp import (GUARD_DIGITS, GUARD_RETRIES, digits_of_agreement, make_context, more_guard,
                  rows_agreement, to_mp, to_mp_array)
from .eigen import eigh_mp
from .errors import InfeasibleError, InputError, PrecisionError, ResourceError, RoundsExceededError
from .secular import (_gmpy, _mpfr, newton_mpfr, raw_of_mpfr, secular_bracket, secular_root_f64,
                      secular_root_raw)

__all__ = ["Trajectory", "self_distill", "trajectory_agreement", "DEFAULT_MAX_ROUNDS_F64",
           "DEFAULT_MAX_ROUNDS_MP", "F64_MAX_K", "MP_MAX_SECONDS", "MEMORY_BUDGET_BYTES",
           "estimate_mp_seconds", "estimate_bytes", "fitted_values"]

#: Default cap on rounds; T >= ceil(||y||/sqrt(K eps) - 1), so tiny eps needs many rounds.
DEFAULT_MAX_ROUNDS_F64 = 100_000
DEFAULT_MAX_ROUNDS_MP = 10_000


@dataclass(frozen=True, eq=False)
class Trajectory:
    """The result of :func:`self_distill`.

    Attributes (contract): ``c`` (c_t, t = 0..T-1), ``y`` (y_t, t = 0..T; computed on first
    access), ``norms`` (||y_t||, t = 0..T), ``B`` (diagonal of B_t, shape (T+1, K)),
    ``eigenvalues`` (d ascending), ``collapse_round`` (T), ``dps`` (None for float64).
    Also ``eps``, ``eigenvectors`` (columns of Q; for mp at the confirming run's working
    precision), ``z0`` (= Q^T y_0) and ``method`` (which eigensolver ran).  The other mp
    values are ``mpf`` in a context at ``dps`` digits.

    Accuracy: ``accuracy`` is the estimated relative (normwise) error of c, norms and B
    (float64: a posteriori, by perturbation; mp: 10^-dps, confirmed by a second run to
    ``confirmed_digits``); ``collapse_round_certain`` is False when float64 cannot decide a
    collapse test (||y_t||^2 within rounding of K eps), and then the mp engine must decide.
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
    dps: object = None
    method: str = "numpy.linalg.eigh"
    confirmed_digits: float = float("nan")
    accuracy: float = float("nan")
    collapse_round_certain: bool = True

    @property
    def K(self):
        return self.eigenvalues.shape[0]

    @cached_property
    def y(self):
        """y_t = Q (B_t * z_0) for t = 1..T, and y_0 the input exactly; shape (T+1, K[, m])."""
        Z = self.B[1:, :, None] * (self.z0 if self.z0.ndim == 2 else self.z0[:, None])[None]
        Y = np.einsum("ik,tkm->tim", self.eigenvectors, Z) if self.dps is None else \
            np.array([self.eigenvectors.dot(Z[t]) for t in range(Z.shape[0])], dtype=object)
        Y = Y if self.z0.ndim == 2 else Y[:, :, 0]
        if self.dps is not None:  # round to the requested precision
            ctx = make_context(self.dps)
            Y = np.vectorize(ctx.mpf, otypes=[object])(Y) if Y.size else Y
        return np.concatenate([self.y0[None], Y.reshape((-1,) + self.y0.shape)])

    def y_round(self, t):
        """y_t alone (as ``y[t]``), without computing every round: claims that read a few
        rounds of a long mp trajectory (``y`` costs T K^2 mp operations).

        >>> tr = self_distill(np.eye(2), np.array([3.0, 4.0]), 1.0)
        >>> tr.y_round(0) is tr.y0, np.allclose(tr.y_round(1), tr.y[1])
        (True, True)
        """
        if "y" in self.__dict__:
            return self.y[t]
        T = self.collapse_round
        if not -(T + 1) <= t <= T:
            raise IndexError(f"round {t} is outside 0..{T}")
        t = t % (T + 1)
        if t == 0:
            return self.y0
        z = self.z0 if self.z0.ndim == 2 else self.z0[:, None]
        Y = self.eigenvectors.dot(self.B[t][:, None] * z)
        Y = Y if self.z0.ndim == 2 else Y[:, 0]
        if self.dps is not None:  # round to the requested precision
            ctx = make_context(self.dps)
            Y = np.vectorize(ctx.mpf, otypes=[object])(Y) if Y.size else Y
        return Y.reshape(self.y0.shape)

    @property
    def kappa(self):
        """Condition number d_max/d_min of G (inf when G is singular)."""
        d0, d1 = self.eigenvalues[0], self.eigenvalues[-1]
        # the ratio in the eigenvalues' own type: mp eigenvalues may lie beyond float range
        return float(d1 / d0) if d0 > 0 else math.inf


#: Digits of the range-safe pre-computation of r_0^2 = ||y||^2 / (K eps) (mpmath keeps the
#: exponent range that float64 lacks; 30 digits are ample for bounds on a round count).
_R0_DPS = 30


def _r0_squared(y, eps, K):
    """r_0^2 = ||y||^2 / (K eps) as an mpf, from the exact inputs (no overflow/underflow)."""
    ctx = make_context(_R0_DPS)
    ey = V.binary_exponent(y)
    ys = V.scaled_f64(y, -ey)  # max |ys| in [1/2, 1): the sum of squares cannot overflow
    sq = ctx.fsum(ctx.mpf(float(v)) ** 2 for v in ys.reshape(-1))
    return ctx.ldexp(sq, 2 * ey) / (K * to_mp(ctx, eps))


def _round_bounds(r0sq):
    """ceil(r_0 - 1) <= T <= ceil(r_0^2 - 1) (docs/theory/mobahi2020.md §5), as exact
    integers (r0sq an mpf)."""
    ctx = make_context(_R0_DPS)
    r0sq = ctx.mpf(r0sq)
    if r0sq <= 1:
        return 0, 0
    # r0sq carries ~1e-29 relative rounding; shade the lower bound by 2^-80 so that it never
    # rounds up past an integer (the upper bound only feeds messages)
    return (int(ctx.ceil(ctx.sqrt(r0sq * (1 - ctx.ldexp(1, -80))) - 1)),
            int(ctx.ceil(r0sq - 1)))


def _fmt_count(n):
    return str(n) if n < 10**15 else f"{make_context(15).nstr(make_context(15).mpf(n), 3)}"


def _rounds_message(r0sq, max_rounds):
    lo, hi = _round_bounds(r0sq)
    r0 = make_context(15).sqrt(r0sq)
    return (f"collapse not reached within max_rounds = {max_rounds}: with r_0 = ||y||/sqrt(K eps) = "
            f"{make_context(15).nstr(r0, 6)} the collapse round satisfies {_fmt_count(lo)} <= T <= "
            f"{_fmt_count(hi)}; raise max_rounds or increase eps")


def _validate(G, y, eps, dps, max_rounds, force):
    dps = V.check_dps(dps)
    force = V.check_force(force)
    G_in = G
    G = V.check_gram(G)
    K = G.shape[0]
    y = V.check_targets(y, K)
    V.check_eps(eps)
    default = DEFAULT_MAX_ROUNDS_F64 if dps is None else DEFAULT_MAX_ROUNDS_MP
    max_rounds = V.check_max_rounds(max_rounds, default)
    # one rule for every engine: asymmetry within the rounding of the input's own type
    unit = V.rounding_unit(G_in if isinstance(G_in, np.ndarray) else G)
    V.check_symmetric(G, unit)
    if unit > V.EPS64 and G.dtype == np.float64:
        # float32/float16 input, already copied to float64: average the asymmetry accepted
        # at its unit, so that every engine (eigh_mp judges float64 by float64's) agrees
        G = 0.5 * (G + G.T)
    return G, y, dps, max_rounds, unit, force


def _spectral_weights(Z):
    return Z * Z if Z.ndim == 1 else (Z * Z).sum(axis=1)


def _memory_error(t, K, per_entry, r0sq):
    lo, hi = _round_bounds(r0sq)
    return ResourceError(f"the trajectory has reached {t} rounds of K = {K} "
                         f"({t * K * per_entry / 2**30:.2f} GiB), the memory budget "
                         f"MEMORY_BUDGET_BYTES = {MEMORY_BUDGET_BYTES / 2**30:.1f} GiB, and "
                         f"{_fmt_count(lo)} <= T <= {_fmt_count(hi)}: increase eps, or pass "
                         f"force=True to run on")


def _recurse_f64(d, w2, sq0, target, max_rounds, r0sq, mem_rounds=None):
    """The eigenbasis recursion: returns (c_t, ||y_t||, diag B_t) lists."""
    K = d.shape[0]
    sq = sq0  # compare squared norms: sqrt then square can round up
    norms, cs, Bs = [math.sqrt(sq)], [], [np.ones(K)]
    while sq > target:
        if len(cs) >= max_rounds:
            raise RoundsExceededError(_rounds_message(r0sq, max_rounds))
        if mem_rounds is not None and len(cs) >= mem_rounds:
            raise _memory_error(len(cs), K, _BYTES_PER_ENTRY_F64, r0sq)
        try:
            c = secular_root_f64(w2, d, target)
        except InputError as exc:
            # ||y_t||^2 > K eps by the collapse test but not by the spectral sum: the two
            # differ by rounding only, so float64 cannot decide this round
            raise PrecisionError(f"round {len(cs)}: ||y_t||^2 / (K eps) - 1 = "
                                 f"{sq / target - 1:.3g} is within float64 rounding of 0; the "
                                 f"collapse test is undecidable in float64: use the mp engine "
                                 f"(dps=...)") from exc
        a = d / (c + d)
        w2 = w2 * a * a
        cs.append(c)
        Bs.append(Bs[-1] * a)
        sq = float(w2.sum())
        norms.append(math.sqrt(sq))
    return cs, norms, Bs


def _relative_spread(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    return float(np.max(np.abs(a - b), initial=0.0)) / scale if scale > 0 else 0.0


def _row_spread(A, B):
    """max over rows of :func:`_relative_spread` (row-wise normwise relative difference)."""
    scale = np.maximum(np.max(np.abs(A), axis=1), np.max(np.abs(B), axis=1))
    diff = np.max(np.abs(A - B), axis=1)
    ok = scale > 0
    return float(np.max(diff[ok] / scale[ok], initial=0.0))


def _accuracy_f64(d, w2, sq0, target, max_rounds, r0sq, base):
    """A posteriori accuracy of a float64 trajectory, by perturbing what eigh got wrong.

    A backward-stable eigh returns the eigenvalues of G + E with ||E|| <= p(K) u ||G||, so
    each d_k may be off by about K u d_max and each squared spectral weight by about K u
    relative.  We rerun the O(K T) recursion with d -> d +/- K u d_max and w2 -> w2 (1 +/- K u)
    and take the largest relative (normwise) change in c_t, ||y_t|| and each B_t, times 4
    (first-order estimate; the factor covers second-order terms and the sums).  Returns
    (accuracy, stable) where ``stable`` says the collapse round did not move.
    """
    cs, norms, Bs = base
    K = d.shape[0]
    delta = K * V.EPS64 * float(d[-1])
    rel = K * V.EPS64
    alternate = (-1.0) ** np.arange(K)
    worst, stable = 0.0, True
    # a uniform shift of d is partly absorbed by c; eigh's errors are independent per
    # eigenvalue and split clusters, so also perturb with alternating signs
    for pattern in (np.ones(K), -np.ones(K), alternate, -alternate):
        dp = np.where(d > 0, np.maximum(d + pattern * delta, 0.0), 0.0)
        w2p = w2 * (1 + pattern * rel)
        if sq0 > 0:
            w2p = w2p * (sq0 / float(w2p.sum()))  # keep ||z_0||^2 = ||y||^2 (see _run_f64)
        try:
            c2, n2, B2 = _recurse_f64(dp, w2p, sq0, target, max_rounds, r0sq)
        except RoundsExceededError:
            return math.inf, False
        if len(c2) != len(cs):
            stable = False
            continue
        worst = max(worst, _relative_spread(cs, c2), _relative_spread(norms, n2),
                    _row_spread(np.array(Bs), np.array(B2)))
    return 4.0 * worst + 4.0 * V.EPS64, stable


def _unscaled(a, e, what):
    """``a * 2^e`` (exact), or InputError when the result leaves the float64 range."""
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(np.asarray(a, dtype=np.float64), e)
    if not np.all(np.isfinite(out)):
        raise InputError(f"the trajectory's {what} exceeds the float64 range (by a factor "
                         f"2^{e} from the normalised computation); use the mp engine "
                         f"(dps=...), whose exponent range is unlimited, or rescale G / y")
    return out


def _representation_error(a):
    """Normwise relative error of storing ``a`` in float64 when it is subnormal."""
    m = float(np.max(np.abs(a), initial=0.0))
    return 2.0 ** -1075 / m if 0 < m < np.finfo(np.float64).tiny / V.EPS64 else 0.0


#: The float64 engine leaves G and y unscaled when max|entries| is within 2^(+-_F64_SAFE):
#: squares, sums over K <= 2^30 terms and ratios then stay far inside float64's range, and
#: the K^2 copy is saved (scaling by a power of two would not change the result anyway).
_F64_SAFE = 256


def _f64_shift(a):
    e = V.binary_exponent(a)
    return 0 if (a.dtype == np.float64 and abs(e) <= _F64_SAFE) else e


def _run_f64(G, y, eps, max_rounds, unit, r0sq, mem_rounds):
    """The float64 engine on G * 2^-eG and y * 2^-ey (max |entries| in [1/2, 1)).

    Self-distillation is covariant under G -> s G, y -> σ y, eps -> σ^2 eps (c scales as G,
    norms as y, B is invariant).  Scaling by powers of two is exact, so the normalised run
    is the original run whenever the latter stays in range, and it stays in range for
    subnormal, huge or int-beyond-float input; the results are scaled back exactly.
    """
    K = G.shape[0]
    eG, ey = _f64_shift(G), _f64_shift(y)
    Gs, ys = V.scaled_f64(G, -eG), V.scaled_f64(y, -ey)
    y0 = y if y.dtype == np.float64 else _unscaled(ys, ey, "y_0")
    unit = max(unit, V.EPS64)  # eigh works in float64 whatever the input's precision
    # eigh reads the lower triangle only; check_symmetric has bounded the difference from
    # the upper one by rounding, so no explicit symmetrisation (a K^2 copy) is needed
    d, Q = np.linalg.eigh(Gs)
    V.check_psd(d[0], d[-1], K, unit)
    # eigenvalues within rounding of zero are zero: G is singular to working precision
    d = np.where(np.abs(d) <= V.psd_tolerance(d[-1], K, unit), 0.0, d)
    z0 = Q.T @ ys
    w2 = _spectral_weights(z0)
    target = K * V.scaled_float(eps, -2 * ey)  # K eps in the units of ys (inf: T = 0)
    sq0 = float(np.sum(ys * ys))  # ||y_0|| from y itself, not through Q's rounding
    if sq0 > target and target < np.finfo(np.float64).tiny:
        # K eps below float64's normal range next to ||y||^2 ~ 1: r_0 > 2^500 rounds
        raise RoundsExceededError(_rounds_message(r0sq, max_rounds))
    if sq0 > 0:
        # ||Q^T y||^2 = ||y||^2 up to rounding; make it exact so that the round-0 collapse
        # test (on y) and the secular equation (on w2) see the same norm
        w2 = w2 * (sq0 / float(w2.sum()))
    base = _recurse_f64(d, w2, sq0, target, max_rounds, r0sq, mem_rounds)
    accuracy, stable = _accuracy_f64(d, w2, sq0, target, max_rounds, r0sq, base)
    # the collapse test at any round is undecidable in float64 when ||y_t||^2 sits within
    # the accuracy of K eps
    sqs = np.asarray(base[1]) ** 2
    if np.any(np.abs(sqs / target - 1.0) <= 2 * accuracy):
        stable = False
    cs, norms, Bs = base
    c = _unscaled(cs, eG, "c_t")
    norms = _unscaled(norms, ey, "||y_t||")
    accuracy = max(accuracy, _representation_error(c), _representation_error(norms))
    return Trajectory(c=c, norms=norms, B=np.array(Bs), eigenvalues=_unscaled(d, eG, "eigenvalues"),
                      eigenvectors=Q, z0=_unscaled(z0, ey, "Q^T y"), y0=y0,
                      collapse_round=len(cs), eps=eps, accuracy=accuracy,
                      collapse_round_certain=stable)


def _run_mp(G, y, eps, max_rounds, unit, work_dps, c_guess, r0sq, mem_rounds, scales):
    """One mp trajectory at ``work_dps`` digits; ``c_guess`` (floats or mpf) warm-start Newton;
    ``scales`` = (eG, ey), the binary exponents of max|G| and max|y| (for the warm start)."""
    ctx = make_context(work_dps)
    K = G.shape[0]
    # eigh_mp reads float64 (exact binary values) or mpf input directly and averages the
    # rounding-level asymmetry check_symmetric accepted: no K^2 mp conversion needed here
    eig = eigh_mp(ctx, G)
    d = np.array(list(eig.values), dtype=object)
    unit = max(unit, ctx.ldexp(1, 1 - ctx.prec))  # the input's rounding or the solver's
    V.check_psd(d[0], d[-1], K, unit)
    # the input matrix is exact at this precision: keep tiny positive eigenvalues, and clip
    # the negative ones that check_psd accepted as rounding of the input
    d = np.array([ctx.zero if v < 0 else v for v in d], dtype=object)
    Q = eig.vectors
    ym = to_mp_array(ctx, y)
    # z0 = Q^T y with ctx.fdot (one rounding per entry, and much faster than an object dot)
    cols = ym.reshape(K, -1)
    z0 = np.array([[ctx.fdot(Q[:, k], cols[:, j]) for j in range(cols.shape[1])]
                   for k in range(K)], dtype=object).reshape((K,) + ym.shape[1:])
    target = K * to_mp(ctx, eps)
    # the round loop runs on raw libmp values (theory.secular.secular_root_raw): the same
    # rounding as ctx.mpf arithmetic, without creating an object per operation
    prec, mk = ctx.prec, ctx.make_mpf
    w2 = [v._mpf_ for v in _spectral_weights(z0)]
    rd = [v._mpf_ for v in d]
    # the float64 warm start works on d * 2^-eG, w2 and K eps * 2^-2ey (normalised, in range)
    eG, ey = scales
    d_f = np.array([to_float(mpf_shift(v, -eG)) for v in rd])
    sq = ctx.fsum(v * v for v in ym.reshape(-1))
    one = np.array([ctx.one] * K, dtype=object)
    if _gmpy() is not None:
        cs, Bs, norms = _rounds_mpfr(ctx, w2, rd, sq, target, c_guess, d_f, scales, max_rounds,
                                     mem_rounds, r0sq, work_dps)
        return Trajectory(c=np.array(cs, dtype=object), norms=np.array(norms, dtype=object),
                          B=np.array([one] + Bs, dtype=object), eigenvalues=d, eigenvectors=Q,
                          z0=z0, y0=ym, collapse_round=len(cs), eps=eps, dps=work_dps,
                          method=eig.method)
    norms, cs, Bs, B = [ctx.sqrt(sq)], [], [one], [fone] * K
    while sq > target:
        t = len(cs)
        if t >= max_rounds:
            raise RoundsExceededError(_rounds_message(r0sq, max_rounds))
        if mem_rounds is not None and t >= mem_rounds:
            raise _memory_error(t, K, _bytes_per_entry_mp(work_dps - GUARD_DIGITS), r0sq)
        if c_guess is not None and t < len(c_guess):
            s_guess = 1 / ctx.mpf(c_guess[t])
        else:
            try:
                with np.errstate(all="ignore"):
                    c_f = secular_root_f64(np.array([to_float(mpf_shift(v, -2 * ey))
                                                     for v in w2]),
                                           d_f, float(ctx.ldexp(target, -2 * ey)))
                s_guess = ctx.ldexp(1 / ctx.mpf(c_f), -eG)
            except Exception:  # the float64 warm start is only a hint; the mp solve is bracketed
                s_guess = None
        c = secular_root_raw(ctx, w2, rd, target, s_guess)
        a = [mpf_div(dk, mpf_add(c, dk, prec, "n"), prec, "n") for dk in rd]
        w2 = [mpf_mul(w, mpf_mul(ak, ak, prec, "n"), prec, "n") for w, ak in zip(w2, a)]
        B = [mpf_mul(b, ak, prec, "n") for b, ak in zip(B, a)]
        cs.append(mk(c))
        Bs.append(np.array([mk(b) for b in B], dtype=object))
        sq = mk(mpf_sum(w2, prec, "n"))
        norms.append(ctx.sqrt(sq))
    return Trajectory(c=np.array(cs, dtype=object), norms=np.array(norms, dtype=object),
                      B=np.array(Bs, dtype=object), eigenvalues=d, eigenvectors=Q, z0=z0,
                      y0=ym, collapse_round=len(cs), eps=eps, dps=work_dps, method=eig.method)


def _rounds_mpfr(ctx, w2, rd, sq, target, c_guess, d_f, scales, max_rounds, mem_rounds, r0sq,
                 work_dps):
    """The round loop of :func:`_run_mp` on MPFR numbers (gmpy2): the same operations in the
    same order, each correctly rounded to ``ctx.prec`` bits as libmp's are, so the same
    numbers (tested bit for bit), in C.  Returns (c_t, B_t rows for t >= 1, ||y_t||) as mpf."""
    g, prec, mk = _gmpy(), ctx.prec, ctx.make_mpf
    eG, ey = scales
    with g.context(precision=prec, round=g.RoundToNearest):
        M = [_mpfr(g, v) for v in rd]
        W = [_mpfr(g, v) for v in w2]
        pos = [k for k, v in enumerate(rd) if v[0] == 0 and v[1] != 0]  # d_k > 0
        null = sorted(set(range(len(rd))) - set(pos))
        Dp = [M[k] for k in pos]
        d_lo, d_hi = (min(Dp), max(Dp)) if Dp else (None, None)
        tm, sqm, one = _mpfr(g, target._mpf_), _mpfr(g, sq._mpf_), g.mpfr(1)
        inv_a = one / g.sqrt(tm)
        B = [one] * len(rd)
        cs, Bs, norms = [], [], [ctx.sqrt(sq)]
        while sqm > tm:
            t = len(cs)
            if t >= max_rounds:
                raise RoundsExceededError(_rounds_message(r0sq, max_rounds))
            if mem_rounds is not None and t >= mem_rounds:
                raise _memory_error(t, len(rd), _bytes_per_entry_mp(work_dps - GUARD_DIGITS), r0sq)
            if not pos:
                raise InfeasibleError("G has no positive eigenvalue (G = 0): the only fit is "
                                      "f = 0; increase eps or use a non-zero kernel")
            w0 = g.fsum([W[k] for k in null]) if null else g.mpfr(0)
            Wp = [W[k] for k in pos]
            lo, hi = secular_bracket(g.fsum(Wp) + w0, w0, tm, d_lo, d_hi, g.sqrt)
            s_guess = _warm_start_mpfr(g, c_guess, t, W, d_f, tm, eG, ey)
            s0 = s_guess if s_guess is not None and lo < s_guess < hi else lo
            c = one / newton_mpfr(Wp, Dp, w0, inv_a, lo, hi, s0, prec)
            a = [dk / (c + dk) for dk in M]
            W = [w * (ak * ak) for w, ak in zip(W, a)]
            B = [b * ak for b, ak in zip(B, a)]
            cs.append(mk(raw_of_mpfr(c, prec)))
            Bs.append(np.array([mk(raw_of_mpfr(b, prec)) for b in B], dtype=object))
            sqm = g.fsum(W)
            norms.append(mk(raw_of_mpfr(g.sqrt(sqm), prec)))
    return cs, Bs, norms


def _warm_start_mpfr(g, c_guess, t, W, d_f, tm, eG, ey):
    """The starting s of round t, as :func:`_run_mp` makes it: 1/c_guess[t], else 1/c of the
    float64 solve on the normalised weights (truncated to doubles, as mpmath's to_float)."""
    one = g.mpfr(1)
    if c_guess is not None and t < len(c_guess):
        cg = c_guess[t]
        return one / (_mpfr(g, cg._mpf_) if hasattr(cg, "_mpf_") else g.mpfr(float(cg)))
    try:
        with g.context(g.get_context(), precision=53, round=g.RoundToZero):
            wf = np.array([_double(g.mul_2exp(w, -2 * ey)) for w in W])
        with g.context(g.get_context(), precision=53, round=g.RoundToNearest):
            tf = _double(g.mul_2exp(tm, -2 * ey))
        with np.errstate(all="ignore"):
            c_f = secular_root_f64(wf, d_f, tf)
        return g.mul_2exp(one / g.mpfr(c_f), -eG)
    except Exception:  # the float64 warm start is only a hint; the mp solve is bracketed
        return None


def _double(x):
    """A 53-bit MPFR number as a double the way mpmath's to_float makes it (math.ldexp of the
    mantissa: the same rounding into the subnormal range)."""
    man, exp = x.as_mantissa_exp()
    return math.ldexp(int(man), int(exp))


def _guard_digits(G, eG):
    """GUARD_DIGITS plus log10 of G's condition number (float64 estimate, capped at 20);
    ``eG`` the binary exponent of max|G|."""
    Gf = V.scaled_f64(G, -eG)  # normalised: no overflow or underflow
    d = np.linalg.eigvalsh(0.5 * (Gf + Gf.T))
    d_max = max(float(d[-1]), 0.0)
    d_min = max(float(d[0]), d_max * V.EPS64)
    kappa = d_max / d_min if d_min > 0 else 1.0
    return GUARD_DIGITS + min(20, max(0, math.ceil(math.log10(kappa))))


def trajectory_agreement(a, b):
    """Digits to which two trajectories agree: the minimum over c, the norms and each row of
    B of :func:`~theory._mp.digits_of_agreement` (normwise); 0 if the collapse rounds differ.

    >>> import numpy as np
    >>> tr = self_distill(np.diag([1.0, 0.5]), np.array([1.0, 1.0]), 0.1)
    >>> trajectory_agreement(tr, tr)
    inf
    """
    if a.collapse_round != b.collapse_round:
        return 0.0
    parts = rows_agreement(a.c[None], b.c[None]) + rows_agreement(a.norms[None], b.norms[None])
    return min(parts + rows_agreement(a.B, b.B))


def _agreement(lo, hi):
    """:func:`trajectory_agreement`, and the eigenvalues too (the two mp runs)."""
    return min(trajectory_agreement(lo, hi), digits_of_agreement(lo.eigenvalues, hi.eigenvalues))


def _round_to(ctx, arr):
    out = np.empty(arr.shape, dtype=object)
    out.reshape(-1)[:] = [ctx.mpf(v) for v in arr.reshape(-1)]
    return out


def _confirmed_mp(G, y, eps, dps, max_rounds, unit, r0sq, mem_rounds):
    """Run at dps + g and dps + 2g digits; accept only if they agree to dps digits (STYLE 7).

    g starts at :func:`_guard_digits` (kappa's digits); a trajectory whose late rounds
    cancel (||y_t|| within a few ulps of sqrt(K eps) amplifies rounding by r_t/(r_t - 1))
    can disagree there, so the pair is rerun with more guard (up to :data:`GUARD_RETRIES`
    times, each adding twice the digits missing) before giving up."""
    scales = V.binary_exponent(G), V.binary_exponent(y)
    g = _guard_digits(G, scales[0])
    for attempt in range(GUARD_RETRIES + 1):
        lo = _run_mp(G, y, eps, max_rounds, unit, dps + g, None, r0sq, mem_rounds, scales)
        hi = _run_mp(G, y, eps, max_rounds, unit, dps + 2 * g, lo.c, r0sq, mem_rounds, scales)
        if lo.collapse_round != hi.collapse_round:
            raise PrecisionError(
                f"the collapse round is {lo.collapse_round} at {dps + g} digits but "
                f"{hi.collapse_round} at {dps + 2 * g} digits: ||y_t||^2 lies within rounding "
                f"of K*eps; ask for more digits (dps > {dps}) or move eps off the threshold")
        agree = _agreement(lo, hi)
        if agree >= dps:
            break
        if attempt == GUARD_RETRIES:
            raise PrecisionError(
                f"the trajectory at {dps + g} digits agrees with the one at {dps + 2 * g} digits "
                f"to only {agree:.1f} digits, fewer than the {dps} requested; the problem is "
                f"too ill-conditioned for this precision: ask for fewer digits or more guard")
        g = more_guard(g, dps, agree)
    ctx = make_context(dps)
    return Trajectory(c=_round_to(ctx, hi.c), norms=_round_to(ctx, hi.norms), B=_round_to(ctx, hi.B),
                      eigenvalues=_round_to(ctx, hi.eigenvalues),
                      # K^2 entries: kept at the confirming precision (rounding them costs
                      # ~0.3 s at K = 200); y, computed from them, is rounded on access
                      eigenvectors=hi.eigenvectors, z0=_round_to(ctx, hi.z0),
                      y0=_round_to(ctx, hi.y0),
                      collapse_round=hi.collapse_round, eps=eps, dps=dps, method=hi.method,
                      confirmed_digits=agree, accuracy=10.0 ** (-dps))


#: Budgets beyond which :func:`self_distill` refuses unless ``force=True`` (documented in
#: docs/reliability.md).  float64: a K x K eigendecomposition needs ~3 K^2 doubles of
#: memory; mp: cost is estimated by :func:`estimate_mp_seconds`; both: the rounds' memory
#: (every B_t is kept, T x K entries) by :func:`estimate_bytes`, against
#: :data:`MEMORY_BUDGET_BYTES`.
F64_MAX_K = 20_000
MP_MAX_SECONDS = 600.0
MEMORY_BUDGET_BYTES = 2 * 2**30

#: Peak bytes per stored entry of B (T x K of them), measured with tracemalloc at K = 40,
#: T ~ 1000: float64 ~38 (B_t, the array copy, the accuracy rerun); mp ~560 at 30 digits
#: (each mpf three times: two confirming runs and the rounded result), growing with the
#: mantissa; rounded up.
_BYTES_PER_ENTRY_F64 = 48


def _bytes_per_entry_mp(dps):
    return 640 + dps


def estimate_bytes(K, T, dps=None):
    """Peak memory of the rounds of a trajectory with T rounds (B_t for t = 0..T, K each).

    >>> estimate_bytes(100, 1000) / 2**20 < 5
    True
    """
    per = _BYTES_PER_ENTRY_F64 if dps is None else _bytes_per_entry_mp(dps)
    return (T + 1) * K * per


def estimate_mp_seconds(K, dps, T=50):
    """Rough wall time of a confirmed mp trajectory (two runs), from this project's benchmarks.

    Eigendecomposition ~ 1.2 s x (K/200)^3 x (dps/50)^1.2 per run (theory.eigen's
    refinement from float64, measured 1.18 s at K = 200, 50 digits; 0.64 s at K = 100,
    200 digits), plus ~K T dps/7.5e5 s for the rounds of both runs (measured 6.6 ms per
    round at K = 100, 50 digits; 31 ms at K = 100, 200 digits).

    >>> round(estimate_mp_seconds(200, 50), 1) < 10
    True
    """
    eig = 1.2 * (K / 200.0) ** 3 * (dps / 50.0) ** 1.2
    return 2 * eig + K * T * dps / 7.5e5


def _check_budget(K, dps, force, T_min):
    """Refuse before any work what the budgets exclude; ``T_min`` = ceil(r_0 - 1) <= T."""
    if force:
        return
    if dps is None and K > F64_MAX_K:
        raise ResourceError(f"K = {K} exceeds the float64 budget K <= {F64_MAX_K} (about "
                            f"{24 * K * K / 2**30:.1f} GiB and hours of eigh); pass force=True "
                            f"to run anyway")
    if dps is not None:
        est = estimate_mp_seconds(K, dps, max(50, T_min))
        if est > MP_MAX_SECONDS:
            raise ResourceError(f"an mp trajectory at K = {K}, dps = {dps} with at least "
                                f"{_fmt_count(T_min)} rounds is estimated at {est:.0f} s (budget "
                                f"{MP_MAX_SECONDS:.0f} s); use fewer digits, a smaller K, a "
                                f"larger eps, or pass force=True")
    need = estimate_bytes(K, T_min, dps)
    if need > MEMORY_BUDGET_BYTES:
        raise ResourceError(f"the trajectory needs at least T = {_fmt_count(T_min)} rounds (T >= "
                            f"ceil(r_0 - 1)) of K = {K}, about {need / 2**30:.3g} GiB, beyond the "
                            f"memory budget MEMORY_BUDGET_BYTES = {MEMORY_BUDGET_BYTES / 2**30:.1f} "
                            f"GiB; increase eps, or pass force=True")


def self_distill(G, y, eps, *, dps=None, max_rounds=None, force=False):
    """Run self-distillation rounds until collapse; return a :class:`Trajectory`.

    ``dps=None`` uses float64 (one ``numpy.linalg.eigh``, then O(K) work per round);
    ``dps=N`` uses mpmath at N digits plus guard digits, confirmed by a second run at more
    guard digits (raises :class:`~theory.errors.PrecisionError` if they disagree).
    ``max_rounds`` defaults to 100000 (float64) or 10000 (mp); when the lower bound
    T >= ceil(||y||/sqrt(K eps) - 1) already exceeds it, RoundsExceededError is raised before
    any work.  Inputs beyond the documented budgets (:data:`F64_MAX_K`,
    :data:`MP_MAX_SECONDS`, :data:`MEMORY_BUDGET_BYTES` for the rounds) raise
    :class:`~theory.errors.ResourceError` before any work, or when a run reaches the memory
    budget, unless ``force=True`` (a bool).

    Inputs may be float64 or any real numbers (numpy floats of any width, ints of any size,
    ``Fraction``, mpf), converted exactly; the float64 engine normalises G and y by powers
    of two, so values far outside float64's range (subnormal, huge) work whenever the
    results are representable.
    """
    G, y, dps, max_rounds, unit, force = _validate(G, y, eps, dps, max_rounds, force)
    K = G.shape[0]
    r0sq = _r0_squared(y, eps, K)
    T_min = _round_bounds(r0sq)[0]
    if T_min > max_rounds:
        raise RoundsExceededError(_rounds_message(r0sq, max_rounds))
    _check_budget(K, dps, force, T_min)
    if dps is None:
        mem_rounds = None if force else MEMORY_BUDGET_BYTES // (K * _BYTES_PER_ENTRY_F64)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return _run_f64(G, y, eps, max_rounds, unit, r0sq, mem_rounds)
    mem_rounds = None if force else MEMORY_BUDGET_BYTES // (K * _bytes_per_entry_mp(dps))
    return _confirmed_mp(G, y, eps, dps, max_rounds, unit, r0sq, mem_rounds)


def fitted_values(tr, t, Gx):
    """``f_t(x) = g_x^T (c_t I + G)^{-1} y_t`` at the points whose rows of ``Gx`` are ``g_x``.

    Computed in the eigenbasis: ``(c_t I + G)^{-1} y_t = Q (B_t z_0 / (c_t + d))``; ``f_T ≡ 0``
    at the collapse round T.

    Source: docs/theory/mobahi2020.md §2 (closed form) and §4 (recursion) [paper].
    Domain: ``tr`` a float64 :class:`~theory.Trajectory`, 0 ≤ t ≤ T, ``Gx`` of shape (n, K)
    with the 1/K included.

    >>> tr = self_distill(np.diag([1.0, 0.5]), np.array([1.0, 1.0]), 0.1)
    >>> fitted_values(tr, 0, np.diag([1.0, 0.5])).round(6).tolist()
    [0.765038, 0.619483]
    """
    if not 0 <= t <= tr.collapse_round:
        raise InputError(f"round t = {t} is outside 0..T = 0..{tr.collapse_round}")
    Gx = np.asarray(Gx, dtype=np.float64)
    if t == tr.collapse_round:
        return np.zeros(Gx.shape[0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        w = tr.eigenvectors @ (tr.B[t] * tr.z0 / (tr.c[t] + tr.eigenvalues))
        return Gx @ w
