r"""Shared numerics of the fixed-ridge catalogues (``pareek2024``, ``das2023``).

Every claim of these catalogues reads a :class:`theory.RidgeTrajectory` from the fixed-ridge
engine, in float64 or confirmed to ``dps`` digits, and evaluates its statement in the same
number type: :func:`ctx_of` gives ``None`` (float64, numpy) or an mpmath context at the
result's digits plus guard digits, and every helper here takes that ``ctx`` first.

* the spectral data of an instance in the engine's eigenbasis (:func:`spectral_data`):
  ``s_j^2 > 0`` and the signal coordinates ``m_j = u_j^T mu`` (``mu = X theta*``, so
  ``m_j = s_j theta_j``), eigenvalues that vanish to the result's precision dropped;
* the theory's risk functions in that number type (:func:`risk`, a dispatcher to the
  ``*_f64`` / ``*_mp`` pairs of :mod:`theory.ridge_risk`);
* spectra with repeated values: eigenvalues equal to the result's precision are one group,
  and a spectral filter takes one value per group (:func:`groups`);
* the least in-sample risk of k steps over all weights (:func:`best_k_step_risk`) and the
  optimally tuned ridge (:func:`optimal_ridge`), which :mod:`theory.ridge_risk` does not
  provide;
* :func:`strict_margin`: the margin of a strict inequality ``gain > 0`` read at the
  checker's resolution, so that an equality confirmed in mp refutes it;
* dense linear algebra in either number type (:func:`solve`, :func:`inverse`), the
  independent route of the claims that compare the engine's eigenbasis with the
  definitions.

Source: docs/theory/pareek2024.md §1 and docs/theory/das2023.md §1 [derived].

>>> ctx_of(type("R", (), {"dps": None})()) is None
True
"""

import math

import numpy as np

from theory import ridge_risk as RR
from theory._mp import GUARD_DIGITS, make_context, to_mp, to_mp_array

from ...decision import EPS64, tolerance

__all__ = ["ctx_of", "vec", "num", "sqrt", "log10", "fsum", "dot", "risk", "spectral_data",
           "groups", "grouped_oracle", "grouped_risk", "best_k_step_risk", "optimal_ridge",
           "strict_margin", "solve", "inverse", "matmul", "digits_lost", "null_threshold",
           "F64_DIGITS"]


# ------------------------------------------------------------------ number types

def ctx_of(result):
    """None for a float64 result; the ball context of a certified trajectory
    (:meth:`theory.certified_ridge.BallRidgeTrajectory.ball_context`: the mp code here runs
    on its balls unchanged); else a fresh mpmath context at the result's dps plus
    :data:`theory._mp.GUARD_DIGITS` (the margin formulas' own rounding stays below the
    result's confirmed digits)."""
    ball = getattr(result, "ball_context", None)
    if ball is not None:
        return ball()
    return None if result.dps is None else make_context(result.dps + GUARD_DIGITS)


def vec(ctx, x):
    """``x`` as a float64 array, or an object array of ``ctx.mpf`` (exact for float input)."""
    if ctx is None:
        return np.asarray(np.asarray(x, dtype=object).astype(np.float64))
    return to_mp_array(ctx, x)


def num(ctx, x):
    """One number in the result's type."""
    return float(x) if ctx is None else to_mp(ctx, x)


def sqrt(ctx, x):
    return math.sqrt(x) if ctx is None else ctx.sqrt(x)


def log10(ctx, x):
    return math.log10(x) if ctx is None else ctx.log10(x)


def fsum(ctx, xs):
    xs = list(xs)
    return math.fsum(xs) if ctx is None else ctx.fsum(xs)


def dot(ctx, u, v):
    """u . v (float64: numpy; mp: ``ctx.fdot``)."""
    if ctx is None:
        return float(np.dot(np.asarray(u, dtype=float), np.asarray(v, dtype=float)))
    return ctx.fdot([to_mp(ctx, x) for x in u], [to_mp(ctx, x) for x in v])


def risk(ctx, name, *args):
    """``theory.ridge_risk.<name>_f64(*args)`` or ``<name>_mp(ctx, *args)``."""
    if ctx is None:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return getattr(RR, f"{name}_f64")(*args)
    return getattr(RR, f"{name}_mp")(ctx, *args)


def null_threshold(result, d_max, n):
    """Eigenvalues at most this are zero to the result's precision: ``n u d_max`` (a
    backward-stable eigensolver's absolute error) in float64, ``n 10^-dps d_max`` in mp."""
    unit = EPS64 if result.dps is None else 10.0 ** (-result.dps)
    return n * unit * d_max


def spectral_data(inst, result, ctx):
    """``(keep, s2, m, a)``: indices of the engine's non-zero directions, their eigenvalues
    ``s_j^2``, the signal coordinates ``m_j = u_j^T mu`` (``inst.mu``, or ``X theta*`` for a
    design instance with ``theta``) and ``a_j = s_j^2/(s_j^2 + lam)``, in ``ctx``'s type.

    Directions whose eigenvalue vanishes to the result's precision carry no signal
    (``mu`` lies in the range of X) and have filter 0; they are dropped.
    """
    d = vec(ctx, result.eigenvalues)
    n = result.basis.shape[0]
    d_max = max(d) if len(d) else 0
    thr = null_threshold(result, float(d_max), n)
    keep = [j for j in range(len(d)) if float(d[j]) > thr]
    mu = _mean(inst)
    U = result.basis
    m = vec(ctx, [dot(ctx, U[:, j], mu) for j in keep])
    s2 = vec(ctx, [d[j] for j in keep])
    a = vec(ctx, [result.a[j] for j in keep])
    return keep, s2, m, a


def _mean(inst):
    data = inst.data or {}
    if "mu" in data:
        return np.asarray(data["mu"], dtype=object)
    X = np.asarray(data["X"], dtype=float)
    return X @ np.asarray(data["theta"], dtype=float)


# ------------------------------------------------------------------ repeated spectra

def groups(ctx, s2, result):
    """Lists of indices into ``s2`` (ascending) whose eigenvalues agree to the result's
    precision (relative ``8 n u`` in float64, ``10^(5 - dps)`` in mp): one group per
    distinct singular value."""
    n = len(s2)
    if n == 0:
        return []
    s_max = float(max(s2))
    rel = 8 * max(n, 1) * EPS64 if result.dps is None else 10.0 ** (5 - result.dps)
    out = [[0]]
    for j in range(1, n):
        if float(s2[j] - s2[out[-1][-1]]) <= rel * s_max:
            out[-1].append(j)
        else:
            out.append([j])
    return out


def _group_terms(ctx, m, grp):
    """Per group: B_G = sum_{j in G} m_j^2 and the multiplicity g_G."""
    B = [fsum(ctx, [m[j] * m[j] for j in G]) for G in grp]
    g = [len(G) for G in grp]
    return B, g


def grouped_oracle(ctx, m, sigma2, n, grp):
    """The least in-sample risk of a spectral filter (one value per distinct singular value):

        R_or = (1/n) sum_G g_G sigma^2 B_G/(B_G + g_G sigma^2),  B_G = sum_{j in G} m_j^2,

    attained at p_G = B_G/(B_G + g_G sigma^2).  With distinct values (g = 1) this is the
    oracle of :func:`theory.ridge_risk.oracle_risk_f64`.  Returns (R_or, [p_G]).
    """
    sigma2 = num(ctx, sigma2)
    B, g = _group_terms(ctx, m, grp)
    p = [Bg / (Bg + gg * sigma2) for Bg, gg in zip(B, g)]
    r = fsum(ctx, [gg * sigma2 * Bg / (Bg + gg * sigma2) for Bg, gg in zip(B, g)]) / n
    return r, p


def grouped_risk(ctx, m, sigma2, n, p):
    """(1/n) sum_j [m_j^2 (1 - p_j)^2 + sigma^2 p_j^2] (the in-sample risk of the filter p;
    ``theory.ridge_risk.in_sample_risk`` with s_j^2 theta_j^2 = m_j^2, which needs no s_j)."""
    sigma2 = num(ctx, sigma2)
    return fsum(ctx, [mj * mj * (1 - pj) ** 2 + sigma2 * pj * pj for mj, pj in zip(m, p)]) / n


def best_k_step_risk(ctx, a, m, sigma2, n, k, grp):
    """min over the weights xi in R^k of the in-sample risk of the k-step filter, with
    the filter polynomial in the form p(a) = a + a (a - 1) u(a), deg u <= k - 1
    (docs/theory/pareek2024.md §2 polynomial_form; infimum = minimum over u by inverse_map).

    Per group G (node a_G): (B_G + g sigma^2)(p(a_G) - p_G*)^2 plus the oracle's share, so
    the minimum is a weighted least-squares problem in the coefficients of u
    (:func:`_weighted_fit`, a Chebyshev basis on the nodes' interval).  With at least as many
    coefficients as groups the filter interpolates p* and the minimum is the oracle.  Returns ``(R_min, p_min per direction,
    cond)``, ``cond`` the condition number of the least-squares matrix (1 when exact).
    """
    sigma2 = num(ctx, sigma2)
    R_or, pst = grouped_oracle(ctx, m, sigma2, n, grp)
    B, g = _group_terms(ctx, m, grp)
    nodes = [a[G[0]] for G in grp]
    if k == 0:
        pg, cond = list(nodes), 1.0
    elif k >= len(grp):
        pg, cond = list(pst), 1.0
    else:
        W = [Bg + gg * sigma2 for Bg, gg in zip(B, g)]
        pg, cond = _weighted_fit(ctx, nodes, W, pst, k)
    p = [None] * len(a)
    for G, v in zip(grp, pg):
        for j in G:
            p[j] = v
    return grouped_risk(ctx, m, sigma2, n, p), p, cond


def _chebyshev(x, lo, hi, k):
    """T_0..T_{k-1} at x mapped from [lo, hi] to [-1, 1] (any number type)."""
    y = (2 * x - lo - hi) / (hi - lo) if hi > lo else x * 0
    T = [x * 0 + 1, y]
    while len(T) < k:
        T.append(2 * y * T[-1] - T[-2])
    return T[:k]


def _weighted_fit(ctx, nodes, W, pst, k):
    """min over u (deg <= k - 1) of sum_G W_G (x_G + x_G(x_G - 1) u(x_G) - p_G*)^2, with u in
    the Chebyshev basis of the nodes' own interval (nodes clustered near 1 make the monomial
    basis hopeless: its condition grows like (width)^-k).  Returns (p at the nodes, cond):
    float64 by numpy's least squares, cond its matrix's condition number; mp by Householder
    QR at 30 extra digits, doubled until the matrix is numerically non-singular, cond 1."""
    lo, hi = min(nodes), max(nodes)
    if ctx is None:
        x = np.array(nodes, dtype=float)
        w = np.sqrt(np.array(W, dtype=float))
        h = x * (x - 1)
        T = np.array(_chebyshev(x, float(lo), float(hi), k)).T
        A = (w * h)[:, None] * T
        b = -w * (x - np.array(pst, dtype=float))
        coef = np.linalg.lstsq(A, b, rcond=None)[0]
        return list(x + h * (T @ coef)), float(np.linalg.cond(A))
    extra = 30
    while True:
        wide = make_context(ctx.dps + extra)
        x = [wide.mpf(v) for v in nodes]
        w = [wide.sqrt(wide.mpf(v)) for v in W]
        T = [_chebyshev(xi_, wide.mpf(lo), wide.mpf(hi), k) for xi_ in x]
        A = wide.matrix([[w[i] * x[i] * (x[i] - 1) * T[i][q] for q in range(k)]
                         for i in range(len(x))])
        b = wide.matrix([-w[i] * (x[i] - wide.mpf(pst[i])) for i in range(len(x))])
        try:
            coef = wide.qr_solve(A, b)[0]
        except ValueError:  # numerically singular at this precision
            if extra > 480:
                raise
            extra *= 2
            continue
        return [ctx.mpf(x[i] + x[i] * (x[i] - 1) * wide.fsum(coef[q] * T[i][q]
                                                             for q in range(k)))
                for i in range(len(x))], 1.0


# ------------------------------------------------------------------ optimal ridge

def _ridge_slope(ctx, s2, theta, sigma2, lam, n):
    """lam R_T'(lam) of the in-sample risk (theory.ridge_risk.one_step_risk_terms)."""
    w = [v / n for v in s2]
    return risk(ctx, "one_step_risk_terms", s2, theta, sigma2, lam, w)[1]


def optimal_ridge(ctx, s2, m, sigma2, n):
    """(lam*, R_T(lam*)): the optimally tuned ridge for the in-sample risk, the global
    minimum over lam > 0 among the stationary points (roots of R_T') and the limits
    lam -> 0 (R = r sigma^2/n) and lam -> inf (R = ||m||^2/n); lam* is None at a limit.

    Roots are bracketed on a log grid of 161 points over 16 decades around the spectrum
    (float64), then refined by Brent's method (float64) or the Illinois method on the
    bracket (mp).
    """
    from scipy.optimize import brentq
    sigma2 = num(ctx, sigma2)
    theta = [mj / sqrt(ctx, v) for mj, v in zip(m, s2)]
    s2f = np.array([float(v) for v in s2])
    thf = np.array([float(v) for v in theta])
    med = float(np.median(s2f))
    grid = med * np.logspace(-8, 8, 161)
    slope = [_ridge_slope(None, s2f, thf, float(sigma2), lam, n) for lam in grid]
    cands = []
    for i in range(len(grid) - 1):
        if slope[i] < 0 <= slope[i + 1]:  # R_T' from - to +: a local minimum
            lo, hi = grid[i], grid[i + 1]
            root = brentq(lambda t: _ridge_slope(None, s2f, thf, float(sigma2), math.exp(t), n),
                          math.log(lo), math.log(hi), xtol=1e-15, rtol=4 * EPS64)
            lam = math.exp(root)
            if ctx is not None:
                lam = ctx.findroot(lambda t: _ridge_slope(ctx, s2, theta, sigma2, t, n),
                                   (ctx.mpf(lo), ctx.mpf(hi)), solver="illinois")
            cands.append(lam)
    best_lam, best = None, min(len(s2) * sigma2 / n, fsum(ctx, [v * v for v in m]) / n)
    for lam in cands:
        a = [v / (v + lam) for v in s2]
        r = grouped_risk(ctx, m, sigma2, n, a)
        if r < best:
            best_lam, best = lam, r
    return best_lam, best


# ------------------------------------------------------------------ strict inequalities

def strict_margin(gain, result, cond=1.0):
    """Margin of the strict statement ``gain > 0`` (gain relative, in the result's type).

    The checker accepts a margin above ``-tol``, so a strict inequality would survive an
    exact equality.  Read strictly, ``gain > 0`` asserts a gain the evaluation can resolve:
    the margin is ``gain - 2 tol`` with ``tol`` the checker's own tolerance for this result
    (:func:`proofs_check.decision.tolerance`); an equality to the result's precision then
    fails decisively (``margin < -tol``), and is confirmed in mp before it counts.  Where
    float64 cannot resolve anything (infinite accuracy bound) the margin is ``gain`` and mp
    decides.
    """
    acc = float(result.accuracy) if result.dps is None else 0.0
    tol = tolerance(result.dps, acc, cond)
    if not math.isfinite(tol):
        return gain
    return gain - 2 * tol


# ------------------------------------------------------------------ dense linear algebra

def inverse(ctx, A):
    """A^-1 (float64: numpy; mp: mpmath LU at the context's precision; real or complex;
    a ball context: Gauss-Jordan on balls, :mod:`theory.ball_linalg`)."""
    if ctx is None:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return np.linalg.inv(np.asarray(A))
    if getattr(ctx, "holds_exactly", False):
        return ctx.inverse(A)
    M = ctx.inverse(ctx.matrix(np.asarray(A, dtype=object).tolist()))
    return np.array(M.tolist(), dtype=object)


def solve(ctx, A, b):
    """A^-1 b for one right-hand side (float64: numpy; mp: mpmath LU; a ball context:
    Gauss-Jordan on balls)."""
    if ctx is None:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return np.linalg.solve(np.asarray(A), np.asarray(b))
    if getattr(ctx, "holds_exactly", False):
        return ctx.solve(A, np.asarray(b, dtype=object).reshape(-1))
    x = ctx.lu_solve(ctx.matrix(np.asarray(A, dtype=object).tolist()),
                     ctx.matrix(list(np.asarray(b, dtype=object).reshape(-1))))
    return np.array([x[i] for i in range(x.rows)], dtype=object)


def matmul(ctx, A, B):
    """A @ B (object arrays: Python-level products at the entries' precision)."""
    if ctx is None:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return np.asarray(A) @ np.asarray(B)
    return np.asarray(A, dtype=object) @ np.asarray(B, dtype=object)


# ------------------------------------------------------------------ reporting

#: Decimal digits of float64: -log10 of the unit roundoff 2^-53.
F64_DIGITS = -math.log10(EPS64 / 2)


def digits_lost(err, scale):
    """Decimal digits float64 lost: 15.95 (all of them, -log10 2^-53) minus the digits of
    ``err/scale`` that remain, clipped to [0, 15.95]."""
    full = F64_DIGITS
    if err == 0:
        return 0.0
    kept = -math.log10(float(err) / float(scale))
    return float(min(full, max(0.0, full - kept)))
