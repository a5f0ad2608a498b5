"""Mobahi, Farajtabar & Bartlett 2020, "Self-Distillation Amplifies Regularization in Hilbert
Space" (arXiv 2002.05715): the results of docs/theory/mobahi2020.md §5 as 15 claims, each
with mutants, all on the eps-constrained self-distillation engine.

Every ``evaluate(inst, traj, engine)`` works on float64 and mpf trajectories alike and
returns an :class:`~proofs_check.claim.Outcome` whose margin is a relative slack.  Where a
claim is about problem (P) itself (closed form, threshold, uniqueness), the check uses an
independent route (a generic constrained optimiser, dense linear solves) rather than the
engine's eigenbasis recursion.

>>> len(CLAIMS), all(c.mutants for c in CLAIMS)
(15, True)
"""

import math

import numpy as np

from theory import bounds as bd
from theory.kkt import kkt_fit_f64, secular_residual_f64, slsqp_fit_f64

from ...claim import Claim, Mutant, Outcome
from ...engines import SELF_DISTILL
from .domains import multiclass_domain, standard_domain, threshold_domain

PAPER = "arXiv:2002.05715"
__all__ = ["CLAIMS", "CERTIFIABLE", "NOT_CERTIFIABLE"]

#: Claims whose ``evaluate`` runs unchanged on ball trajectories (proofs_check.certify):
#: every number it decides on comes from the trajectory, the engine's further runs or
#: exact constants, through arithmetic, comparisons, bd.sqrt/bd.ceil and the step counts of
#: theory.bounds (float() only feeds details and tightness).
CERTIFIABLE = frozenset(f"mobahi2020.{n}" for n in (
    "collapse_threshold", "c_bounds", "c_increasing", "norm_decreasing", "rounds_lower",
    "rounds_lower_iterated", "rounds_lower_kappa_free", "rounds_upper", "sparsify_monotone",
    "sparsify_rate", "not_early_stopping", "near_interpolation"))
#: Why the others are not: their oracles are float64.
NOT_CERTIFIABLE = {
    "mobahi2020.closed_form": "its oracle is SLSQP, a float64 optimiser",
    "mobahi2020.secular_unique": "its oracle is a float64 grid of dense solves",
    "mobahi2020.multiclass": "it checks (S) by float64 dense solves (and the ball engine "
                             "takes one class)",
}


# ---------------------------------------------------------------- shared quantities
def _sq(v):
    """Squared (Frobenius) norm of a row of targets, float or mpf."""
    return sum(x * x for x in np.asarray(v, dtype=object).reshape(-1))


def _like(traj, x):
    """``x`` as the trajectory's number type (float64, or mpf at its precision)."""
    return traj.norms[0] * 0 + x


def _setup(inst, traj):
    """a = sqrt(K eps), r_t, kappa, d_min, d_max at the trajectory's precision."""
    d = traj.eigenvalues
    eps = _like(traj, inst.eps)
    a = bd.sqrt(inst.K * eps)
    d_min, d_max = d[0], d[-1]
    kappa = math.inf if not d_min > 0 else d_max / d_min
    return a, [n / a for n in traj.norms], kappa, d_min, d_max


def _rel(x, scale):
    return x / scale if scale != 0 else x


def _nonempty(values, default=1.0):
    values = list(values)
    return min(values) if values else default


# ---------------------------------------------------------------- collapse_threshold
def _threshold(predict_nonzero):
    def evaluate(inst, traj, engine):
        s = _sq(traj.y0) / (inst.K * _like(traj, inst.eps))  # ||y||^2 / (K eps)
        # Independent of the recursion: f = 0 is feasible iff ||y||^2/K <= eps, and then it
        # is optimal (R(0) = 0 < R(f) for f != 0); otherwise the engine's round-0 fit must be
        # a non-zero feasible point with the constraint active.
        actual_nonzero = s > 1
        if actual_nonzero:
            fit = traj.y_round(1)
            resid = _sq(np.asarray(traj.y0, dtype=object) - np.asarray(fit, dtype=object))
            active = abs(resid / (inst.K * inst.eps) - 1)
            actual_nonzero = _sq(fit) > 0 and active < 1e-6
        ok = predict_nonzero(s, inst.K) == actual_nonzero
        detail = f"||y||^2/(K eps) = {float(s):.17g}, non-zero fit: {actual_nonzero}"
        # a match is as safe as the distance from the threshold; a mismatch is a discrete
        # contradiction (margin -1), which the checker confirms in mp before it counts
        return Outcome(abs(s - 1) if ok else -1.0, detail=detail)
    return evaluate


# ---------------------------------------------------------------- closed_form
def _closed_form(kind):
    def evaluate(inst, traj, engine):
        G, y = np.asarray(inst.G, float), np.asarray(inst.y, float)
        K = len(y)
        opt = slsqp_fit_f64(G, y, inst.eps)
        if kind == "true":
            pred = np.array([float(v) for v in traj.y_round(1)])
        else:
            from scipy.optimize import brentq
            budget = inst.eps if kind == "eps_not_Keps" else K * inst.eps

            def resid(c):  # ||c (cI + G)^{-1} y||^2 - budget, by a dense solve
                return secular_residual_f64(G, y, c, budget / K)
            lo, hi = 1.0, 1.0
            while resid(hi) < 0:
                hi *= 10
            while resid(lo) > 0:
                lo /= 10
            c = brentq(resid, lo, hi, rtol=1e-14)
            # g_x^T (cI + G)^{-1} y at the training points; the second mutant drops g_x's 1/K
            pred = (K if kind == "gx_without_1_over_K" else 1.0) * kkt_fit_f64(G, y, c)
        err = float(np.linalg.norm(pred - opt) / np.linalg.norm(y))
        # SLSQP stops at ftol 1e-15 on a quadratic objective: the fit is accurate to about
        # sqrt(ftol) ~ 3e-8 relative times the problem's conditioning; 1e-5 leaves a wide
        # margin there and is still far below the mutants' O(1) disagreements.
        tol = 1e-5
        return Outcome((tol - err) / tol, detail=f"||closed form - SLSQP optimum||/||y|| = {err:.3g}")
    return evaluate


def _closed_form_domain(tier, seed):
    return [i for i in standard_domain(tier, seed)
            if 2 <= i.K <= 12 and dict(i.params).get("kappa", 1) <= 1e4
            and dict(i.params).get("eps_rel") < 1]


# ---------------------------------------------------------------- secular_unique
def _secular_grid(inst, traj, t, n_grid=80):
    """phi(c) - K eps on a log grid of c around c_t, phi by dense solves in the original
    basis (float64, independent of the engine's eigenbasis Newton iteration)."""
    y_t = np.asarray(traj.y_round(t), dtype=float)
    grid = float(traj.c[t]) * np.logspace(-4, 4, n_grid)
    f = np.array([secular_residual_f64(inst.G, y_t, c, inst.eps) for c in grid])
    return f, f.max() + inst.K * inst.eps


def _secular(kind):
    """Exactly one sign change of phi(c) - K eps, and no decrease beyond rounding."""
    def evaluate(inst, traj, engine):
        worst, details = 1.0, "no round"
        for t in range(min(traj.collapse_round, 3)):
            f, scale = _secular_grid(inst, traj, t)
            changes = int(np.sum(np.sign(f[1:]) != np.sign(f[:-1])))
            # a dense solve of (cI + G) is accurate to ~K u cond; 1e3 K u covers the sums
            drop = float(np.min(np.diff(f))) / scale
            monotone = drop >= -1e3 * inst.K * np.finfo(float).eps
            holds = (changes == 1 and monotone) if kind == "unique" else changes >= 2
            details = f"round {t}: {changes} sign change(s) on the grid, largest drop {drop:.2g}"
            if not holds:
                return Outcome(-1.0, detail=details)
        return Outcome(worst, detail=details)
    return evaluate


# ---------------------------------------------------------------- c_bounds
def _c_bounds(swap):
    def evaluate(inst, traj, engine):
        a, r, kappa, d_min, d_max = _setup(inst, traj)
        if swap:
            d_min, d_max = d_max, d_min
        margins, tight, detail, cond, best = [], [], "", 1.0, None
        for t in range(traj.collapse_round):
            cond = max(cond, float(r[t] / (r[t] - 1)))  # ||z_t|| - a cancels
            lo, hi = bd.c_bounds(traj.norms[t], a, d_min, d_max)
            c = traj.c[t]
            m = min(_rel(c - lo, c), _rel(hi - c, c))
            margins.append(m)
            if hi > 0 and c > 0:
                tight.append(float(max(lo / c, c / hi)))
            if best is None or m <= best:  # the running minimum (min(margins) is O(T^2))
                best = m
                detail = f"t = {t}: {float(lo):.6g} <= c_t = {float(c):.6g} <= {float(hi):.6g}"
        return Outcome(_nonempty(margins), max(tight) if tight else None, detail, cond=cond)
    return evaluate


# ---------------------------------------------------------------- c_increasing
def _c_monotone(increasing):
    def evaluate(inst, traj, engine):
        c = traj.c
        diffs = [(_rel(c[t + 1] - c[t], c[t + 1]) if increasing else _rel(c[t] - c[t + 1], c[t]))
                 for t in range(len(c) - 1)]
        return Outcome(_nonempty(diffs), detail=f"c_t = {[float(v) for v in c[:6]]}")
    return evaluate


# ---------------------------------------------------------------- norm_decreasing
def _norm_decrease(factor):
    def evaluate(inst, traj, engine):
        Keps = inst.K * _like(traj, inst.eps)
        ms, detail, best = [], "", None
        for t in range(traj.collapse_round):
            n0, n1 = traj.norms[t] ** 2, traj.norms[t + 1] ** 2
            m = _rel(n0 - factor * Keps - n1, n0)
            ms.append(m)
            if best is None or m <= best:  # the running minimum
                best = m
                detail = (f"t = {t}: ||y_t||^2 = {float(n0):.6g}, ||y_t+1||^2 = {float(n1):.6g}, "
                          f"decrease/(K eps) = {float((n0 - n1) / Keps):.6g}")
        return Outcome(_nonempty(ms), detail=detail)
    return evaluate


# ---------------------------------------------------------------- rounds bounds
def _lower_bound(bound_fn, name, integer=False):
    """T >= bound.  A real bound x: T >= x <=> T >= ceil x for integer T.  An integer bound n
    (a step count): T >= n <=> T - n + 1/2 > 0, so that T = n is a decisive pass."""
    def evaluate(inst, traj, engine):
        a, r, kappa, d_min, d_max = _setup(inst, traj)
        T = traj.collapse_round
        if not r[0] > 1:
            return Outcome(1.0, detail="collapsed at round 0")
        b = bound_fn(r[0], kappa)
        margin = _rel(T - b + (0.5 if integer else 0), max(T, 1))
        # tightness of the bound as an integer statement: ceil(b)/T (1 = attained)
        tight = float(bd.ceil(b)) / T if T > 0 and b != math.inf else None
        return Outcome(margin, tight, f"T = {T}, {name} = {float(b):.6g}, r_0 = {float(r[0]):.6g}, "
                                      f"kappa = {float(kappa):.3g}",
                       cond=float(r[0] / (r[0] - 1)))  # r_0 - 1 cancels
    return evaluate


def _upper_bounds(bounds):
    """T <= every bound (each given as a real x with T <= ceil x <=> T - 1 < x)."""
    def evaluate(inst, traj, engine):
        a, r, kappa, d_min, d_max = _setup(inst, traj)
        T = traj.collapse_round
        if not r[0] > 1:
            return Outcome(1.0, detail="collapsed at round 0")
        ms, tight, parts = [], [], []
        for name, fn in bounds:
            b = fn(r[0], kappa)
            if b == math.inf:
                parts.append(f"{name} = inf")
                continue
            ms.append(_rel(b - (T - 1), max(b, 1)))
            tight.append(T / max(float(bd.ceil(b)), 1.0))  # T / ceil(b), 1 = attained
            parts.append(f"{name} = {float(b):.6g}")
        return Outcome(_nonempty(ms), max(tight) if tight else None,
                       f"T = {T}, " + ", ".join(parts) + f", r_0 = {float(r[0]):.6g}",
                       cond=float(r[0] * r[0] / (r[0] - 1)))  # r_0 - 1 cancels, r_0^2 grows
    return evaluate


def _ceil_arg_upper_norm(r0, kappa):
    return r0 * r0 - 1


def _ceil_arg_upper_kappa(r0, kappa):
    return math.inf if kappa == math.inf else (r0 - 1) * (1 + kappa * (r0 - 1)) / r0


def _ceil_arg_mutant_upper(r0, kappa):
    return r0 - 1


# ---------------------------------------------------------------- sparsification
def _distinct_pairs(d, tol):
    """Indices i of consecutive eigenvalues with d_i > 0 and d_{i+1} - d_i > tol."""
    return [i for i in range(len(d) - 1) if d[i] > 0 and d[i + 1] - d[i] > tol]


def _eig_tol(traj):
    d_max = traj.eigenvalues[-1]
    if traj.dps is None:
        return 100 * traj.K * np.finfo(float).eps * float(d_max)
    return d_max * 10 ** (5 - traj.dps)


def _sparsify_monotone(strict_decrease):
    """B_{t+1,k}/B_{t+1,j} < B_{t,k}/B_{t,j} for d_j > d_k, from the stored B_t.

    For all pairs it suffices that a_t = B_{t+1}/B_t is strictly increasing across
    consecutive distinct eigenvalues (a ratio test on pairs of neighbours).
    """
    def evaluate(inst, traj, engine):
        d = traj.eigenvalues
        idx = _distinct_pairs(d, _eig_tol(traj))
        detail, best = "no pair of distinct positive eigenvalues", None
        used = sorted(set(idx) | {i + 1 for i in idx})
        for t in range(traj.collapse_round):
            Bt, Bn = traj.B[t], traj.B[t + 1]
            # float64 resolves B entries only down to ~sqrt(u) of the largest: entries below
            # carry no correct digit of their ratios; the mp engine checks every pair
            floor = 0 if traj.dps is not None else 1.5e-8 * float(max(Bn))
            a = {i: Bn[i] / Bt[i] for i in used if Bt[i] > floor and Bn[i] > floor}
            for i in idx:
                if i not in a or i + 1 not in a:
                    continue
                q = a[i] / a[i + 1]  # ratio_{t+1}/ratio_t
                m = (1 - q) if strict_decrease else (q - 1)
                if best is None or m <= best:  # the running minimum
                    best = m
                    detail = f"t = {t}, d = ({float(d[i]):.6g}, {float(d[i + 1]):.6g}): ratio change {float(q):.12g}"
        return Outcome(best if best is not None else 1.0, detail=detail)
    return evaluate


def _sparsify_rate(use_c_bar):
    """B_{t,k}/B_{t,j} <= rho_jk^t, rho_jk = (d_k/d_j)(c+d_j)/(c+d_k), c = d_min/(r_0-1).

    All pairs d_j > d_k (distinct beyond rounding).  With phi = d/(c + d), rho_jk =
    phi_k/phi_j and the margin of a pair is 1 - w_k/w_j, w = B_t/phi^t: the worst pair of
    each j is the largest w_k with d_k < d_j (a prefix maximum).  On mpf trajectories that
    is how it is computed, O(K) per round (mp's unbounded exponents hold phi^t); on float64
    (where phi^t underflows) and balls (whose comparisons of equal w would be ties), every
    pair, vectorised with numpy.
    """
    def evaluate(inst, traj, engine):
        a, r, kappa, d_min, d_max = _setup(inst, traj)
        d = traj.eigenvalues
        if not r[0] > 1 or not d_min > 0:
            return Outcome(1.0, detail="no rounds or singular G (bound needs d_min > 0)")
        c_low = (d_max if use_c_bar else d_min) / (r[0] - 1)
        tol = _eig_tol(traj)
        # c_low = d/(r_0 - 1) carries r_0/(r_0 - 1) times the rounding of r_0, and rho^t
        # t times rho's: the margin's condition (an exact tie at r_0 = 1.0005 came out
        # -1.2e-48 at 50 digits)
        cond = max(1, traj.collapse_round) * float(r[0] / (r[0] - 1))
        if hasattr(d[-1], "_mpf_"):
            return _sparsify_rate_prefix(traj, d, c_low, tol, cond)
        kk, jj = np.triu_indices(len(d), 1)  # k < j, d ascending
        keep = np.array([d[j] - d[k] > tol for k, j in zip(kk, jj)], dtype=bool)
        kk, jj = kk[keep], jj[keep]
        if kk.size == 0:
            return Outcome(1.0, detail="no pair of distinct eigenvalues")
        rho = (d[kk] / d[jj]) * (c_low + d[jj]) / (c_low + d[kk])
        worst, tight, detail = None, None, ""
        for t in range(1, traj.collapse_round + 1):
            B = np.asarray(traj.B[t])
            # float64 resolves B only down to ~sqrt(u) of its largest entry (see
            # _sparsify_monotone); the mp engine checks every pair
            floor = 0 if traj.dps is not None else 1.5e-8 * float(max(B))
            above = np.array([b > floor for b in B], dtype=bool)
            ok = above[kk] & above[jj]
            if not ok.any():
                continue
            bound = rho[ok] ** t
            ratio = B[kk[ok]] / B[jj[ok]]
            m = (bound - ratio) / bound
            i = int(np.argmin(m))
            if worst is None or m[i] < worst:
                worst = m[i]
                detail = _rate_detail(t, d[kk[ok]][i], d[jj[ok]][i], ratio[i], bound[i])
            q = ratio / bound
            tt = float(np.max(q)) if q.dtype != object else max(float(v) for v in q)
            tight = tt if tight is None else max(tight, tt)
        return Outcome(worst if worst is not None else 1.0, tight, detail, cond=cond)
    return evaluate


def _rate_detail(t, dk, dj, ratio, bound):
    return (f"t = {t}, d_k = {float(dk):.6g}, d_j = {float(dj):.6g}: B ratio "
            f"{float(ratio):.6g} vs rho^t {float(bound):.6g}")


def _sparsify_rate_prefix(traj, d, c_low, tol, cond):
    """The margin of :func:`_sparsify_rate` on an mpf trajectory, by prefix maxima of w: per
    round the largest q = w_k/w_j over pairs (margin 1 - q), one division per entry."""
    K = len(d)
    phi = [v / (c_low + v) for v in d]
    # below[j]: the number of eigenvalues d_k < d_j - tol (d ascending): the k paired with j
    below, k0 = [], 0
    for j in range(K):
        while k0 < j and d[j] - d[k0] > tol:
            k0 += 1
        below.append(k0)
    if not any(below):
        return Outcome(1.0, detail="no pair of distinct eigenvalues")
    power = [v ** 0 for v in phi]  # phi^t
    top, where = None, None  # the largest q and its (t, k, j)
    for t in range(1, traj.collapse_round + 1):
        B = traj.B[t]
        power = [p * f for p, f in zip(power, phi)]
        w = [b / p if b > 0 else None for b, p in zip(B, power)]
        best, arg, prefix = None, None, []  # prefix[i]: argmax of w_k over k < i (w_k > 0)
        for i in range(K):
            prefix.append(arg)
            if w[i] is not None and (best is None or w[i] > best):
                best, arg = w[i], i
        for j in range(K):
            k = prefix[below[j]] if below[j] else None
            if k is None or w[j] is None:
                continue
            q = w[k] / w[j]
            if top is None or q > top:
                top, where = q, (t, k, j)
    if top is None:
        return Outcome(1.0, None, "", cond=cond)
    t, k, j = where
    B = traj.B[t]
    detail = _rate_detail(t, d[k], d[j], B[k] / B[j], (phi[k] / phi[j]) ** t)
    return Outcome(1 - top, float(top), detail, cond=cond)


# ---------------------------------------------------------------- not_early_stopping
_ETA_FRACTIONS = (0.05, 0.3, 0.7, 0.95)
_STEPS = (2, 3, 5, 10, 30, 100, 1000)


def _early_stopping(mutant):
    """E_{t,k}/E_{t,j} >= d_k/d_j (t >= 1, 0 < eta d_max < 1), ridge ratio >= d_k/d_j, and
    some self-distillation round goes below d_k/d_j (a witness: no early-stopping time or
    ridge solve reproduces it).  The mutant claims some E_t ratio (t >= 2) is below."""
    def evaluate(inst, traj, engine):
        d = traj.eigenvalues
        pos = [i for i in range(len(d)) if d[i] > 0]
        if len(pos) < 2 or not d[pos[-1]] - d[pos[0]] > _eig_tol(traj):
            return Outcome(1.0, detail="fewer than two distinct positive eigenvalues")
        k, j = pos[0], pos[-1]
        base = d[k] / d[j]
        ms = []
        for frac in _ETA_FRACTIONS:
            eta = frac / d[j]
            for t in _STEPS:
                Ek = 1 - (1 - eta * d[k]) ** t
                Ej = 1 - (1 - eta * d[j]) ** t
                ms.append(_rel(Ek / Ej - base, base))
        for c in traj.c:  # one ridge solve with the rounds' c_t
            ms.append(_rel((d[k] / (c + d[k])) / (d[j] / (c + d[j])) - base, base))
        sd_min = min(traj.B[t][k] / traj.B[t][j] for t in range(1, traj.collapse_round + 1)) \
            if traj.collapse_round >= 1 and traj.B[-1][j] > 0 else None
        witness = sd_min is not None and sd_min < base * (1 - 1e-6)
        detail = (f"d_k/d_j = {float(base):.6g}, min early-stopping/ridge ratio "
                  f"{float(min(ms) * base + base):.6g}, min self-distillation ratio "
                  f"{float(sd_min) if sd_min is not None else float('nan'):.6g}")
        m = min(ms)
        return Outcome(-m if mutant else m, detail=detail, witness=witness)
    return evaluate


# ---------------------------------------------------------------- near_interpolation
def _near_interpolation(mutant):
    """Along eps, eps/10, eps/10^3: T >= ||y||/sqrt(K eps) - 1 at each, so T -> inf.
    Mutant ("T bounded as eps -> 0", made concrete): T(eps/10^3) <= T(eps) + 1."""
    def evaluate(inst, traj, engine):
        Ts, ms = [traj.collapse_round], []
        for f in (10, 1000):
            tr = engine.distill(inst.G, inst.y, inst.eps / f, max_rounds=10 ** 6)
            Ts.append(tr.collapse_round)
        for T, f in zip(Ts, (1, 10, 1000)):
            r0 = traj.norms[0] / bd.sqrt(inst.K * _like(traj, inst.eps / f))
            ms.append(_rel(T - (r0 - 1), max(r0, 1)))
        detail = f"T at eps, eps/10, eps/1e3: {Ts}"
        if mutant:
            return Outcome(Ts[0] + 1 - Ts[2], detail=detail)
        return Outcome(min(ms), detail=detail)
    return evaluate


def _near_interp_domain(tier, seed):
    out = [i for i in standard_domain(tier, seed)
           if 1e-2 <= dict(i.params)["eps_rel"] < 1 and i.K <= (12 if tier == "fast" else 60)]
    return out


# ---------------------------------------------------------------- multiclass
def _multiclass(mutant):
    """Shared c_t solves sum_columns ||c (c I + G)^{-1} y_t[:, col]||^2 = K eps (dense solves),
    the norm decrease holds in Frobenius norm, and T >= ceil(r_0 - 1).  Mutant: the shared
    c_t equals the per-column root (each column fitted alone with the same eps)."""
    def evaluate(inst, traj, engine):
        G = np.asarray(inst.G, float)
        K = G.shape[0]
        ms, detail = [], ""
        T = traj.collapse_round
        for t in range(min(T, 3)):
            Yt = np.asarray(traj.y_round(t), dtype=float)
            c = float(traj.c[t])
            if mutant:
                tr_col = engine.distill(inst.G, Yt[:, 0], inst.eps, max_rounds=1)
                if tr_col.collapse_round == 0:
                    continue
                m = -abs(float(tr_col.c[0]) - c) / c
                detail = f"t = {t}: shared c = {c:.6g}, column-0 c = {float(tr_col.c[0]):.6g}"
                ms.append(m)
                continue
            # (S) for the shared c_t, by a dense solve over all columns
            rel_resid = secular_residual_f64(G, Yt, c, inst.eps) / (K * inst.eps)
            # a dense solve is accurate to ~ K u cond(cI + G); 1e3 K u cond is a wide margin
            cond = 1 + float(traj.eigenvalues[-1]) / c
            tol = 1e3 * K * np.finfo(float).eps * cond
            ms.append((tol - abs(rel_resid)) / tol)
            n0, n1 = traj.norms[t] ** 2, traj.norms[t + 1] ** 2
            ms.append(_rel(n0 - inst.K * inst.eps - n1, n0))
        if not mutant:
            a, r, kappa, _, _ = _setup(inst, traj)
            if r[0] > 1:
                ms.append(_rel(T - (r[0] - 1), max(T, 1)))
            detail = f"T = {T}, shared c_0 = {float(traj.c[0]) if T else float('nan'):.6g}"
        return Outcome(_nonempty(ms), detail=detail)
    return evaluate


# ---------------------------------------------------------------- the catalogue
def _claim(id, where, provenance, summary, statement, evaluate, mutants, domain=standard_domain,
           **kw):
    return Claim(id=f"mobahi2020.{id}", paper=PAPER, where=where, provenance=provenance,
                 summary=summary, statement=statement, domain=domain, evaluate=evaluate,
                 engine=SELF_DISTILL,
                 mutants=tuple(Mutant(f"mobahi2020.{id}~{mid}", text, fn)
                               for mid, text, fn in mutants), **kw)


CLAIMS = (
    _claim("collapse_threshold", "§2, KKT: collapse", "paper",
           "problem (P) has a non-zero solution iff ||y||^2 > K eps",
           r"f^\star \not\equiv 0 \iff \|y\|^2 > K\varepsilon",
           _threshold(lambda s, K: s > 1),
           [("geq", r"non-zero iff \|y\|^2 \ge K\varepsilon", _threshold(lambda s, K: s >= 1)),
            ("K2", r"non-zero iff \|y\|^2 > K^2\varepsilon", _threshold(lambda s, K: s > K))],
           domain=threshold_domain),
    _claim("closed_form", "§2, KKT closed form", "paper",
           "f* = g_x^T (cI+G)^{-1} y with ||c(cI+G)^{-1}y||^2 = K eps, confirmed by SLSQP on (P)",
           r"f^\star(x) = g_x^\top (cI+G)^{-1} y,\quad \|c(cI+G)^{-1}y\|^2 = K\varepsilon",
           _closed_form("true"),
           [("eps_not_Keps", r"(S) with $\varepsilon$ in place of $K\varepsilon$",
             _closed_form("eps_not_Keps")),
            ("gx_without_1_over_K", r"$g_x$ without its $1/K$ while $G$ keeps it",
             _closed_form("gx_without_1_over_K"))],
           domain=_closed_form_domain, mp_instances=0,  # the SLSQP oracle is float64
           notes="Scaling G and g_x together is not a mutant: c absorbs it."),
    _claim("secular_unique", "§4, secular equation", "derived",
           "(S) has exactly one root c > 0 when ||y_t||^2 > K eps (phi increasing)",
           r"\exists!\, c>0:\ \textstyle\sum_k \big(\tfrac{c z_k}{c+d_k}\big)^2 = K\varepsilon",
           _secular("unique"),
           [("two_roots", "(S) has two roots c > 0", _secular("two_roots"))],
           mp_instances=0,  # the oracle is float64 dense solves: an mp trajectory adds nothing
           notes="Checked by dense solves on a log grid of c around c_t (80 points, 8 decades) "
                 "in float64; the grid check is independent of the engine's Newton iteration."),
    _claim("c_bounds", "§4, bounds on c_t", "derived",
           "a d_min/(||z_t||-a) <= c_t <= a d_max/(||z_t||-a)",
           r"\frac{a\,d_{\min}}{\|z_t\|-a} \le c_t \le \frac{a\,d_{\max}}{\|z_t\|-a}",
           _c_bounds(False),
           [("swapped", r"bounds with $d_{\min}$ and $d_{\max}$ swapped", _c_bounds(True))]),
    _claim("c_increasing", "§4, c_t grows", "derived",
           "c_{t+1} > c_t for all t < T-1",
           r"c_{t+1} > c_t \quad (0 \le t < T-1)",
           _c_monotone(True),
           [("non_increasing", r"$c_t$ non-increasing", _c_monotone(False))]),
    _claim("norm_decreasing", "§4, norms shrink", "derived",
           "||y_{t+1}||^2 <= ||y_t||^2 - K eps",
           r"\|y_{t+1}\|^2 \le \|y_t\|^2 - K\varepsilon",
           _norm_decrease(1),
           [("twice", r"decrease $\ge 2K\varepsilon$", _norm_decrease(2))]),
    _claim("rounds_lower", "§4, rounds before collapse (lower bound)", "paper",
           "T >= (r_0 - 1)/kappa (form from the paper, constant derived here)",
           r"T \ge \frac{r_0-1}{\kappa}",
           _lower_bound(bd.lower_kappa, "(r0-1)/kappa"),
           [("double", r"$T \ge 2(r_0-1)/\kappa$",
             _lower_bound(lambda r0, k: 2 * bd.lower_kappa(r0, k), "2(r0-1)/kappa"))],
           notes="The paper states a kappa-dependent lower bound of this form; the constant 1 "
                 "is what the route through the c_t bounds gives (docs/theory/mobahi2020.md §5)."),
    _claim("rounds_lower_iterated", "§4, rounds before collapse (iterated map)", "derived",
           "T >= n_lo, steps of r -> r(r-1)/(r-1+kappa) from r_0 to <= 1",
           r"T \ge n_{\mathrm{lo}},\quad r \mapsto \frac{r(r-1)}{r-1+\kappa}",
           _lower_bound(bd.steps_lower_map, "n_lo", integer=True),
           [("no_kappa", r"map without $\kappa$: $r \mapsto r(r-1)/(r-1+\kappa^{-1})$",
             _lower_bound(lambda r0, k: bd.steps_lower_map(r0, 1 / k if k != math.inf else 0.0),
                          "n_lo(1/kappa)", integer=True)),
            ("upper_map", r"$T \ge n_{\mathrm{hi}}$ (the upper map as a lower bound)",
             _lower_bound(bd.steps_upper_map, "n_hi", integer=True))],
           notes="The mutant 'map without kappa' is read as kappa -> 1/kappa (dropping kappa "
                 "outright gives r -> r, which never reaches 1)."),
    _claim("rounds_lower_kappa_free", "§4, rounds before collapse (triangle inequality)",
           "derived",
           "T >= ceil(r_0 - 1); attained when kappa = 1",
           r"T \ge \lceil r_0 - 1 \rceil",
           _lower_bound(lambda r0, k: r0 - 1, "r0-1"),
           [("ceil_r0", r"$T \ge \lceil r_0 \rceil$", _lower_bound(lambda r0, k: r0, "r0"))]),
    _claim("rounds_upper", "§4, rounds before collapse (upper bounds)", "derived",
           "T <= ceil(r_0^2-1), T <= ceil((r_0-1)(1+kappa(r_0-1))/r_0), T <= n_hi",
           r"T \le \min\big(\lceil r_0^2-1\rceil,\ \lceil\tfrac{(r_0-1)(1+\kappa(r_0-1))}{r_0}\rceil,"
           r"\ n_{\mathrm{hi}}\big)",
           _upper_bounds([("ceil(r0^2-1)", _ceil_arg_upper_norm),
                          ("kappa bound", _ceil_arg_upper_kappa),
                          ("n_hi", lambda r0, k: bd.steps_upper_map(r0, k))]),
           [("ceil_r0_minus_1", r"$T \le \lceil r_0 - 1\rceil$",
             _upper_bounds([("ceil(r0-1)", _ceil_arg_mutant_upper)]))]),
    _claim("sparsify_monotone", "§4, sparsification of B_t", "paper",
           "for d_j > d_k, B_{t,k}/B_{t,j} strictly decreases in t",
           r"d_j > d_k \implies \frac{B_{t+1,k}}{B_{t+1,j}} < \frac{B_{t,k}}{B_{t,j}}",
           _sparsify_monotone(True),
           [("non_decreasing", "ratio non-decreasing", _sparsify_monotone(False))]),
    _claim("sparsify_rate", "§4, sparsification rate", "derived",
           "B_{t,k}/B_{t,j} <= rho_jk^t, rho_jk = (d_k/d_j)(c+d_j)/(c+d_k), c = d_min/(r_0-1)",
           r"\frac{B_{t,k}}{B_{t,j}} \le \rho_{jk}^t,\ \rho_{jk} = \frac{d_k}{d_j}\,"
           r"\frac{\underline{c}+d_j}{\underline{c}+d_k},\ \underline{c} = \frac{d_{\min}}{r_0-1}",
           _sparsify_rate(False),
           [("c_bar", r"$\underline{c}$ replaced by $\bar c = d_{\max}/(r_0-1)$", _sparsify_rate(True))],
           mp_instances=2),
    _claim("not_early_stopping", "§4-5, comparison with early stopping", "derived",
           "early stopping and one ridge solve keep E[k]/E[j] >= d_k/d_j; self-distillation "
           "goes below",
           r"\frac{E_{t,k}}{E_{t,j}} \ge \frac{d_k}{d_j},\ \ \exists t:\ "
           r"\frac{B_{t,k}}{B_{t,j}} < \frac{d_k}{d_j}",
           _early_stopping(False),
           [("es_below", r"some $t \ge 2,\ \eta$ gives $E_{t,k}/E_{t,j} < d_k/d_j$",
             _early_stopping(True))],
           needs_witness=True,
           notes="Topic from the paper; the filter form and the pair (d_min, d_max) are derived. "
                 "Existence part: some instance of the domain must exhibit B_t ratio < d_k/d_j."),
    _claim("near_interpolation", "§4, eps -> 0", "derived",
           "as eps -> 0, T -> inf at least like ||y||/sqrt(K eps) - 1",
           r"T(\varepsilon) \ge \frac{\|y\|}{\sqrt{K\varepsilon}} - 1 \to \infty",
           _near_interpolation(False),
           [("bounded", r"$T$ bounded as $\varepsilon\to 0$: $T(\varepsilon/10^3) \le T(\varepsilon)+1$",
             _near_interpolation(True))],
           domain=_near_interp_domain, mp_instances=1),
    _claim("multiclass", "§4, several classes", "paper",
           "Frobenius norms and one shared c_t: (S), norm decrease and T >= ceil(r_0-1) hold",
           r"\sum_{m}\|c_t(c_tI+G)^{-1}Y_t e_m\|^2 = K\varepsilon,\ "
           r"\|Y_{t+1}\|_F^2 \le \|Y_t\|_F^2 - K\varepsilon",
           _multiclass(False),
           [("per_column", "the per-column c_t equals the shared c_t", _multiclass(True))],
           domain=multiclass_domain, mp_instances=2),
)
