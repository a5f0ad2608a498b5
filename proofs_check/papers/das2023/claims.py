r"""Das & Sanghavi 2023, "Understanding Self-Distillation in the Presence of Label Noise"
(ICML 2023, arXiv 2301.13304), ridge-regression part, with two abstract statements of
Dang, Patil & Rinaldo 2026 (arXiv 2602.17565): docs/theory/das2023.md §2 as 8 claims, each
with mutants, on the fixed-ridge engine (:data:`proofs_check.engines.FIXED_RIDGE`).

The engine gives the teacher theta_T and the student theta_S (one step, weight xi) of an
instance in float64 or confirmed to ``dps`` digits; each claim checks them, or the risks,
against dense routes that share nothing with the engine's eigenbasis (:mod:`._dense`):
the gradient of the student's objective, complex-step derivatives in lam, the risk of the
student's matrix S(lam, xi) for any weighting M, and the vertex of that risk in xi.
Identities have margin ``-|error|`` and are decided in mp.

>>> len(CLAIMS), all(c.mutants for c in CLAIMS)
(8, True)
"""

import math

import numpy as np

from ...claim import Claim, Mutant, Outcome
from ...engines import FIXED_RIDGE
from ..pareek2024 import _common as C
from . import _dense as D
from .domains import (identity_domain, isotropic_domain, optimum_domain, risk_domain,
                      threshold_domain)

PAPER = "arXiv:2301.13304"
__all__ = ["CLAIMS", "CERTIFIABLE", "NOT_CERTIFIABLE"]

#: Certified mode (proofs_check.certify) runs these on the design ball engine
#: (theory.certified_ridge.fixed_ridge_design_ball: theta_T and theta_S exact rationals,
#: the spectrum enclosed); the dense routes run on balls and exact rationals (solves by
#: theory.ball_linalg, derivatives in lam on dual numbers instead of the complex step), so
#: their identities are decided in exact arithmetic.
CERTIFIABLE = frozenset({"das2023.student_mixed_target", "das2023.taylor_identity",
                         "das2023.risk_quadratic", "das2023.xi_star",
                         "das2023.isotropic_no_gain"})
_EIGEN = ("its closed form is a sum over the eigen-directions of X^T X, compared with the "
          "rational vertex of the dense risk: the identity holds only through the "
          "eigendecomposition (irrational eigenvalues and eigenvectors for a general design, "
          "opaque names to exact arithmetic), so its ball around 0 cannot be decided; the "
          "ball design engine does not enclose the directions")
NOT_CERTIFIABLE = {
    "das2023.xi_star_param": _EIGEN,
    "das2023.high_noise_xi_gt_1": "its limit is approximated by the vertex at a finite, large "
                                  "noise level (a remainder O(1/sigma^2) below the working "
                                  "precision, not an identity), and " + _EIGEN,
    "das2023.xi_zero_at_ridge_optimum": "the teacher's optimum is located by Brent's method "
                                        "and the Illinois method (root finders)",
}

DS23 = "Das & Sanghavi 2023 (DS23), abstract"
DPR26 = "Dang, Patil & Rinaldo 2026 (DPR26, arXiv 2602.17565), abstract"


def _f(x):
    return float(x)


def _norm_inf(v):
    return max(abs(x) for x in np.asarray(v).reshape(-1)) if np.size(v) else 0


class _Data:
    """An instance in the result's number type, with the engine's teacher and student."""

    def __init__(self, inst, traj):
        ctx = self.ctx = C.ctx_of(traj)
        self.X = D.design(ctx, inst.X)
        self.n, self.d = self.X.shape
        self.theta = C.vec(ctx, inst.theta)
        self.y = C.vec(ctx, inst.y)
        self.lam = C.num(ctx, inst.lam)
        self.xi = C.num(ctx, inst.xi[0])
        self.sigma2 = C.num(ctx, inst.sigma2)
        # X/sqrt(n) at the working precision (the float64 matrix stored with the instance is
        # rounded, which would move the in-sample optimum by ~1e-16)
        self.M = (self.X / C.sqrt(ctx, C.num(ctx, self.n)) if inst.M_kind == "insample"
                  else D.design(ctx, inst.M))
        self.th_T = C.vec(ctx, list(traj.coefficients[0]))
        self.th_S = C.vec(ctx, list(traj.coefficients[1]))
        self.kappa = D.cond_h(inst.X, inst.lam)
        self.base_cond = (self.n + self.d) * self.kappa
        self.traj = traj

    def Xty(self):
        return C.matmul(self.ctx, self.X.T, self.y)

    def teacher_dense(self, lam=None):
        lam = self.lam if lam is None else lam
        return C.solve(self.ctx, D.hessian(self.ctx, self.X, lam), self.Xty())

    def with_M(self, M):
        self.M = D.design(self.ctx, M)
        return self


# ------------------------------------------------------------------ student_mixed_target

def _gradient(dat, th):
    """Half the gradient of xi||X th - X th_T||^2 + (1 - xi)||X th - y||^2 + lam||th||^2
    and the size of its terms (for a relative margin)."""
    ctx, X, xi = dat.ctx, dat.X, dat.xi
    XtX = D.gram(ctx, X)
    a1 = C.matmul(ctx, XtX, th)
    a2 = C.matmul(ctx, XtX, dat.th_T)
    b = dat.Xty()
    g = (a1 - a2) * xi + (a1 - b) * (1 - xi) + th * dat.lam
    size = (abs(xi) * (_norm_inf(a1) + _norm_inf(a2)) + abs(1 - xi) * (_norm_inf(a1) + _norm_inf(b))
            + dat.lam * _norm_inf(th))
    return g, size


def _student(kind):
    def evaluate(inst, traj, tools):
        dat = _Data(inst, traj)
        ctx, xi = dat.ctx, dat.xi
        if kind == "not_convex_outside":
            if 0 <= xi <= 1:
                return Outcome(1.0, detail=f"xi = {_f(xi):g} in [0, 1]: not the mutant's case")
            XtX = D.gram(ctx, dat.X)
            Hs = XtX * xi + XtX * (1 - xi) + D.eye(ctx, dat.d, dat.lam)  # objective Hessian / 2
            if ctx is None:
                ev = np.linalg.eigvalsh(Hs)
            elif getattr(ctx, "holds_exactly", False):  # balls: certified enclosures
                ev = ctx.eigvalsh(Hs)
            else:
                ev = ctx.eigsy(ctx.matrix(Hs.tolist()), eigvals_only=True)
                ev = [ev[i] for i in range(len(ev))]
            lo, hi = min(ev), max(abs(v) for v in ev)
            return Outcome(-lo / hi, detail=f"xi = {_f(xi):g}: smallest eigenvalue of the "
                                            f"objective's Hessian / largest = {_f(lo / hi):.3g}")
        th = dat.th_S
        if kind == "swapped":  # (1 - xi) on the teacher, xi on the labels
            t = C.matmul(ctx, dat.X, dat.th_T) * (1 - xi) + dat.y * xi
            th = C.solve(ctx, D.hessian(ctx, dat.X, dat.lam), C.matmul(ctx, dat.X.T, t))
        g, size = _gradient(dat, th)
        rel = _norm_inf(g) / size
        return Outcome(-rel, detail=f"xi = {_f(xi):g}, n = {dat.n}, d = {dat.d}: ||gradient of "
                                    f"the objective||_inf / size of its terms = {_f(rel):.3g}",
                       cond=dat.base_cond * (1 + abs(_f(xi))))
    return evaluate


# ------------------------------------------------------------------ taylor_identity

def _taylor(kind):
    def evaluate(inst, traj, tools):
        dat = _Data(inst, traj)
        ctx, xi, lam = dat.ctx, dat.xi, dat.lam
        scale = _norm_inf(dat.th_T) + _norm_inf(dat.th_S)
        cond = dat.base_cond * (1 + abs(_f(xi)))
        if kind == "first_order":  # theta_S = theta_T(lam (1 + xi))
            if not 1 + xi > 0:
                return Outcome(1.0, detail=f"xi = {_f(xi):g} <= -1: lam (1 + xi) is no ridge")
            mut = dat.teacher_dense(lam * (1 + xi))
            rel = _norm_inf(dat.th_S - mut) / scale
            return Outcome(-rel, detail=f"xi = {_f(xi):g}: ||theta_S - theta_T(lam(1+xi))|| / "
                                        f"scale = {_f(rel):.3g}", cond=cond)
        dth = D.complex_step(ctx, lambda z: C.solve(ctx, D.hessian(ctx, dat.X, z), dat.Xty()),
                             lam)
        formula = -C.solve(ctx, D.hessian(ctx, dat.X, lam), dat.th_T)
        m1 = _norm_inf(dat.th_S - (dat.th_T + dth * (xi * lam))) / scale
        m2 = _norm_inf(dth - formula) / (_norm_inf(dth) + _norm_inf(formula))
        a = C.vec(ctx, list(traj.a))
        f1 = C.vec(ctx, list(traj.filters[1]))
        m3 = max(abs(fj - (aj - xi * aj * (1 - aj))) for fj, aj in zip(f1, a)) if len(a) else 0
        return Outcome(-max(m1, m2, m3),
                       detail=f"xi = {_f(xi):g}, lam = {_f(lam):.3g}: ||theta_S - theta_T - "
                              f"xi lam d theta_T|| / scale = {_f(m1):.3g}; d theta_T vs "
                              f"-H^-1 theta_T: {_f(m2):.3g}; filter a - xi a(1-a): {_f(m3):.3g}",
                       cond=cond)
    return evaluate


# ------------------------------------------------------------------ risk_quadratic

def _second_moment(ctx, M, L, X, theta, sigma2):
    """E||M L y||^2 = ||M L X theta*||^2 + sigma^2 ||M L||_F^2 (the size of a linear map's
    output, here of d theta_T/d lam)."""
    v = C.matmul(ctx, L, C.matmul(ctx, X, theta))
    ML = C.matmul(ctx, M, L)
    return D.draw_risk(ctx, M, v) + sigma2 * sum(x * x for x in np.asarray(ML).reshape(-1))


def _risk_terms(dat):
    """Per draw: (R_S, R_T, R_T', Q) from the engine's theta_S, theta_T and complex-step
    derivatives of the dense teacher; in expectation: the same from the dense maps."""
    ctx, X, M, th = dat.ctx, dat.X, dat.M, dat.theta
    R_S = D.draw_risk(ctx, M, dat.th_S - th)
    R_T = D.draw_risk(ctx, M, dat.th_T - th)
    dR = D.complex_step(ctx, lambda z: D.draw_risk(
        ctx, M, C.solve(ctx, D.hessian(ctx, X, z), dat.Xty()) - th), dat.lam)
    dth = D.complex_step(ctx, lambda z: C.solve(ctx, D.hessian(ctx, X, z), dat.Xty()), dat.lam)
    Q = D.draw_risk(ctx, M, dth)
    A = D.teacher_map(ctx, X, dat.lam)
    E_S = D.expected_risk(ctx, M, D.student_map(ctx, X, dat.lam, dat.xi, A), X, th, dat.sigma2)
    E_T = D.expected_risk(ctx, M, A, X, th, dat.sigma2)
    E_dR = D.complex_step(ctx, lambda z: D.expected_risk(ctx, M, D.teacher_map(ctx, X, z), X,
                                                          th, dat.sigma2), dat.lam)
    dA = D.complex_step(ctx, lambda z: D.teacher_map(ctx, X, z), dat.lam)
    E_Q = _second_moment(ctx, M, dA, X, th, dat.sigma2)
    return (R_S, R_T, dR, Q), (E_S, E_T, E_dR, E_Q)


def _quadratic(kind):
    def evaluate(inst, traj, tools):
        dat = _Data(inst, traj)
        xi, lam = dat.xi, dat.lam
        margins, parts = [], []
        for name, (R_S, R_T, dR, Q) in zip(("draw", "expectation"), _risk_terms(dat)):
            lin = xi * lam * dR * (2 if kind == "twice_slope" else 1)
            quad = 0 if kind == "linear" else xi * xi * lam * lam * Q
            size = R_T + abs(lin) + abs(xi * xi * lam * lam * Q)
            rel = abs(R_S - (R_T + lin + quad)) / size
            margins.append(rel)
            parts.append(f"{name}: |R_S - (R_T + xi lam R_T' + xi^2 lam^2 Q)| / size = "
                         f"{_f(rel):.3g} (R_S/R_T - 1 = {_f(R_S / R_T - 1):.3g})")
        return Outcome(-max(margins), detail=f"xi = {_f(xi):g}, lam = {_f(lam):.3g}, M = "
                                             f"{inst.M_kind}: " + "; ".join(parts),
                       cond=dat.base_cond * (1 + abs(_f(xi))) ** 2)
    return evaluate


# ------------------------------------------------------------------ xi_star

def _expected(dat, xi, A):
    return D.expected_risk(dat.ctx, dat.M, D.student_map(dat.ctx, dat.X, dat.lam, xi, A), dat.X,
                           dat.theta, dat.sigma2)


def _vertex(dat, A):
    """The minimiser of the student's expected risk over xi, from three evaluations of the
    risk of its matrix S(lam, xi) (exactly quadratic: claim risk_quadratic); and the
    condition number of that vertex formula."""
    R = [_expected(dat, x, A) for x in (-1, 0, 1)]
    v, den = D.vertex(*R)
    cond = 4 * _f(max(abs(x) for x in R) / abs(den)) * (1 + abs(_f(v)))
    return v, R, cond


def _xi_star(kind):
    def evaluate(inst, traj, tools):
        dat = _Data(inst, traj)
        ctx, X, lam = dat.ctx, dat.X, dat.lam
        A = D.teacher_map(ctx, X, lam)
        v, (Rm1, R_T, R1), vcond = _vertex(dat, A)
        dR = D.complex_step(ctx, lambda z: D.expected_risk(ctx, dat.M, D.teacher_map(ctx, X, z),
                                                            X, dat.theta, dat.sigma2), lam)
        dA = D.complex_step(ctx, lambda z: D.teacher_map(ctx, X, z), lam)
        Q = _second_moment(ctx, dat.M, dA, X, dat.theta, dat.sigma2)
        xs = -dR / (2 * lam * Q) if kind != "plus_sign" else dR / (2 * lam * Q)
        R_star = _expected(dat, xs, A)
        gain_formula = dR * dR / (4 * Q)
        cond = dat.base_cond * max(vcond, (1 + abs(_f(xs))) ** 2)
        detail = (f"lam = {_f(lam):.3g}, M = {inst.M_kind}: xi* = -R_T'/(2 lam Q) = {_f(xs):.8g},"
                  f" vertex = {_f(v):.8g}; gain R_T - R_S(xi*) = {_f(R_T - R_star):.6g} vs "
                  f"R_T'^2/(4Q) = {_f(gain_formula):.6g} (relative gain "
                  f"{_f(gain_formula / R_T):.3g})")
        m1 = -abs(xs - v) / (1 + abs(v))
        if kind == "plus_sign":
            return Outcome(m1, detail=detail, cond=cond)
        if kind == "never_helps_over_regularised":
            if not dR > 0:
                return Outcome(1.0, detail="R_T' <= 0: not over-regularised")
            return Outcome((R_star - R_T) / R_T, detail=detail, cond=cond)
        m2 = -abs((R_T - R_star) - gain_formula) / R_T
        m3 = -v * lam * dR / ((1 + abs(v)) * R_T)  # sign(xi*) = -sign(R_T')
        return Outcome(min(m1, m2, m3), detail=detail, cond=cond)
    return evaluate


# ------------------------------------------------------------------ xi_star_param

def _spectral(dat, traj):
    """s_j^2 > 0 and theta_j = v_j^T theta* from the engine's design eigenbasis."""
    ctx = dat.ctx
    thr = C.null_threshold(traj, float(max(traj.eigenvalues)), max(dat.n, dat.d))
    keep = [j for j in range(len(traj.eigenvalues)) if float(traj.eigenvalues[j]) > thr]
    s2 = C.vec(ctx, [traj.eigenvalues[j] for j in keep])
    W = traj.coefficient_basis  # columns s_j v_j
    th = C.vec(ctx, [C.dot(ctx, W[:, j], dat.theta) / C.sqrt(ctx, v)
                     for j, v in zip(keep, s2)])
    return s2, th


def _param(kind):
    def evaluate(inst, traj, tools):
        dat = _Data(inst, traj).with_M(np.eye(inst.X.shape[1]))
        ctx, lam, sigma2 = dat.ctx, dat.lam, dat.sigma2
        s2, th = _spectral(dat, traj)
        ones = C.vec(ctx, [1] * len(s2))
        if kind == "true":
            closed = C.risk(ctx, "optimal_one_step_weight", s2, th, sigma2, lam, ones)
        else:  # the sigma^2/s^2 term dropped from the denominator
            a = [v / (v + lam) for v in s2]
            b = [x * lam / (v + lam) for x, v in zip(a, s2)]
            num = C.fsum(ctx, [bj * (aj * sigma2 / v - (1 - aj) * t * t)
                               for aj, bj, v, t in zip(a, b, s2, th)])
            closed = num / C.fsum(ctx, [bj * bj * t * t for bj, t in zip(b, th)])
        v, _, vcond = _vertex(dat, D.teacher_map(ctx, dat.X, lam))
        return Outcome(-abs(closed - v) / (1 + abs(v)),
                       detail=f"lam = {_f(lam):.3g}, sigma^2 = {_f(sigma2):.3g}: closed form "
                              f"{_f(closed):.10g}, vertex of the dense risk {_f(v):.10g}",
                       cond=dat.base_cond * vcond)
    return evaluate


# ------------------------------------------------------------------ high_noise_xi_gt_1

def _high_noise(kind):
    def evaluate(inst, traj, tools):
        dat = _Data(inst, traj).with_M(np.eye(inst.X.shape[1]))
        ctx, lam, sigma2 = dat.ctx, dat.lam, dat.sigma2
        s2, th = _spectral(dat, traj)
        ones = C.vec(ctx, [1] * len(s2))
        sc = C.risk(ctx, "noise_threshold", s2, th, lam, ones)
        A = D.teacher_map(ctx, dat.X, lam)
        v, _, vcond = _vertex(dat, A)
        a = [x / (x + lam) for x in s2]
        w = [aj * aj * (1 - aj) ** 2 / x for aj, x in zip(a, s2)]
        L = C.fsum(ctx, [wj * (1 + x / lam) for wj, x in zip(w, s2)]) / C.fsum(ctx, w)
        lo, hi = 1 + min(s2) / lam, 1 + max(s2) / lam
        if kind == "limit_smax":
            return Outcome(-abs(L - hi) / L, detail=f"limit {_f(L):.10g} vs 1 + s_max^2/lam = "
                                                    f"{_f(hi):.10g}")
        # the limit: the vertex at a noise level where the O(1/sigma^2) remainder lies below
        # the working precision (20 digits beyond float64's, 5 beyond the mp digits)
        digits = 20 if ctx is None else ctx.dps + 5
        energy = C.fsum(ctx, [x * t * t for x, t in zip(s2, th)]) + 1
        big = energy * (1 + max(s2) / lam) ** 2 * (10.0 if ctx is None else ctx.mpf(10)) ** digits
        dat_big = _Data(inst, traj).with_M(np.eye(inst.X.shape[1]))
        dat_big.sigma2 = big
        v_big, _, cond_big = _vertex(dat_big, A)
        side = 1 if sigma2 > sc else -1
        detail = (f"lam = {_f(lam):.3g}: sigma^2/sigma_c^2 = {_f(sigma2 / sc):.9g}, xi* = "
                  f"{_f(v):.9g}; limit {_f(L):.6g} in [{_f(lo):.6g}, {_f(hi):.6g}], xi* at "
                  f"sigma^2 = {_f(big):.3g}: {_f(v_big):.10g}")
        cond = dat.base_cond * max(vcond, cond_big)
        if kind == "xi_le_1":
            return Outcome((1 - v) / (1 + abs(v)), detail=detail, cond=cond)
        m1 = (v - 1) * side / (1 + abs(v))
        m2 = min(L - lo, hi - L) / L
        m3 = -abs(v_big - L) / L
        return Outcome(min(m1, m2, m3), detail=detail, cond=cond)
    return evaluate


# ------------------------------------------------------------------ xi_zero_at_ridge_optimum

def teacher_optimum(ctx, s2, th, sigma2, w):
    """The teacher's optimal lam: a root of R_T'(lam) where it changes sign from - to +,
    bracketed on a log grid of 161 points over 16 decades (float64), refined by Brent
    (float64) or the Illinois method (mp); the one with the least R_T, or None."""
    from scipy.optimize import brentq

    def slope(c, lam):
        return C.risk(c, "one_step_risk_terms", s2 if c is ctx else np.array([float(v) for v in s2]),
                      th if c is ctx else np.array([float(v) for v in th]),
                      sigma2 if c is ctx else float(sigma2), lam,
                      w if c is ctx else np.array([float(v) for v in w]))
    med = float(np.median([float(v) for v in s2]))
    grid = med * np.logspace(-8, 8, 161)
    vals = [slope(None, g)[1] for g in grid]
    best = None
    for i in range(grid.size - 1):
        if vals[i] < 0 <= vals[i + 1]:
            root = math.exp(brentq(lambda t: slope(None, math.exp(t))[1], math.log(grid[i]),
                                   math.log(grid[i + 1]), xtol=1e-15, rtol=4 * 2.0 ** -52))
            if ctx is not None:
                root = ctx.findroot(lambda t: slope(ctx, t)[1],
                                    (ctx.mpf(grid[i]), ctx.mpf(grid[i + 1])), solver="illinois")
            R = slope(ctx, root)[0]
            if best is None or R < best[1]:
                best = (root, R)
    return None if best is None else best[0]


def _zero(kind):
    def evaluate(inst, traj, tools):
        dat = _Data(inst, traj)
        ctx = dat.ctx
        s2, th = _spectral(dat, traj)
        # the closed-form risk weights of M: 1 (parameter error) or s_j^2/n (in-sample)
        w = C.vec(ctx, [1 if inst.M_kind == "I" else v / dat.n for v in s2])
        lam_star = teacher_optimum(ctx, s2, th, dat.sigma2, w)
        if lam_star is None:
            return Outcome.skip(f"no interior optimum of the teacher's risk (lam_T* -> inf "
                                f"or 0): the claim is about an interior optimum")
        dat.lam = lam_star
        v, R, vcond = _vertex(dat, D.teacher_map(ctx, dat.X, lam_star))
        detail = (f"M = {inst.M_kind}, sigma^2 = {_f(dat.sigma2):.3g}: lam_T* = "
                  f"{_f(lam_star):.10g}, vertex of the student's risk there xi = {_f(v):.3g}")
        cond = (dat.n + dat.d) * D.cond_h(inst.X, float(lam_star)) * vcond
        if kind == "gt_1_high_noise":
            return Outcome(v - 1, detail=detail, cond=cond)
        return Outcome(-abs(v), detail=detail, cond=cond)
    return evaluate


# ------------------------------------------------------------------ isotropic_no_gain

def _isotropic(kind):
    def evaluate(inst, traj, tools):
        dat = _Data(inst, traj)
        ctx, X, lam = dat.ctx, dat.X, dat.lam
        d = dat.d
        lam_star = d * dat.sigma2 / C.fsum(ctx, [t * t for t in dat.theta])
        A = D.teacher_map(ctx, X, lam)
        R_lam = D.expected_risk(ctx, dat.M, A, X, dat.theta, dat.sigma2)
        R_star = D.expected_risk(ctx, dat.M, D.teacher_map(ctx, X, lam_star), X, dat.theta,
                                 dat.sigma2)
        v, _, vcond = _vertex(dat, A)
        F = _expected(dat, v, A)  # min over xi at this lam
        detail = (f"lam = {_f(lam):.4g}, lam* = d sigma^2/||theta*||^2 = {_f(lam_star):.6g}: "
                  f"R_T(lam)/R_T(lam*) = {_f(R_lam / R_star):.10g}, min_xi R_S(lam)/R_T(lam*) "
                  f"- 1 = {_f(F / R_star - 1):.3g} at xi = {_f(v):.6g}")
        cond = dat.base_cond * max(vcond, (1 + abs(_f(v))) ** 2)
        if kind == "strictly_beats":
            return Outcome(C.strict_margin((R_star - F) / R_star, traj, cond), detail=detail,
                           cond=cond)
        return Outcome(min((R_lam - R_star) / R_star, -abs(F - R_star) / R_star), detail=detail,
                       cond=cond)
    return evaluate


# ------------------------------------------------------------------ the catalogue

def _claim(id, where, provenance, summary, statement, evaluate, mutants, domain, **kw):
    return Claim(id=f"das2023.{id}", paper=PAPER, where=where, provenance=provenance,
                 summary=summary, statement=statement, domain=domain, evaluate=evaluate,
                 engine=FIXED_RIDGE,
                 mutants=tuple(Mutant(f"das2023.{id}~{mid}", text, fn)
                               for mid, text, fn in mutants), **kw)


CLAIMS = (
    _claim("student_mixed_target", "the student's objective (" + DS23 + "); closed form "
           "derived", "derived",
           "theta_S = (X^T X + lam I)^-1 X^T (xi X theta_T + (1 - xi) y) minimises the "
           "student's objective for every real xi",
           r"\theta_S = \arg\min_\theta\, \xi\|X\theta - X\theta_T\|^2 + (1-\xi)\|X\theta - y\|^2"
           r" + \lambda\|\theta\|^2 = (X^\top X + \lambda I)^{-1} X^\top\big(\xi X\theta_T + "
           r"(1-\xi) y\big),\ \xi \in \mathbb{R}",
           _student("true"),
           [("not_convex_outside", r"for $\xi \notin [0, 1]$ the objective is not convex (the "
             r"formula holds only for $\xi \in [0, 1]$)", _student("not_convex_outside")),
            ("swapped", r"weights swapped: $(1-\xi) X\theta_T + \xi y$", _student("swapped"))],
           identity_domain, mp_instances=2,
           notes="Checked by the gradient of the objective at the engine's student (zero) and "
                 "its Hessian 2(X^T X + lam I), positive definite whatever xi."),
    _claim("taylor_identity", "derived in the model of " + DS23, "derived",
           "theta_S(lam, xi) = theta_T(lam) + xi lam d theta_T/d lam exactly, "
           "d theta_T/d lam = -(X^T X + lam I)^-1 theta_T; filter a - xi a (1 - a)",
           r"\theta_S(\lambda,\xi) = \theta_T(\lambda) + \xi\lambda\,\partial_\lambda\theta_T"
           r"(\lambda),\ \partial_\lambda\theta_T = -(X^\top X+\lambda I)^{-1}\theta_T",
           _taylor("true"),
           [("first_order", r"$\theta_S = \theta_T(\lambda(1+\xi))$ (correct only to first "
             r"order in $\xi$)", _taylor("first_order"))],
           identity_domain, mp_instances=2,
           notes="The derivative is the complex-step derivative of a dense solve, independent "
                 "of the formula it checks."),
    _claim("risk_quadratic", "derived in the model of " + DS23, "derived",
           "R_S(xi) = R_T + xi lam R_T' + xi^2 lam^2 Q for every squared risk ||M(.)||^2, per "
           "noise draw and in expectation",
           r"R_S(\xi) = R_T + \xi\lambda R_T'(\lambda) + \xi^2\lambda^2 Q(\lambda),\ "
           r"Q = \|M\partial_\lambda\theta_T\|^2",
           _quadratic("true"),
           [("linear", r"$R_S$ linear in $\xi$ (no $\xi^2$ term)", _quadratic("linear")),
            ("twice_slope", r"linear coefficient $2\xi\lambda R_T'$", _quadratic("twice_slope"))],
           risk_domain, mp_instances=2,
           notes="M in {I, X/sqrt(n), a random (d+2) x d matrix}; per draw from the engine's "
                 "theta_T, theta_S, in expectation from the dense maps; R_T' and Q by complex "
                 "steps."),
    _claim("xi_star", "closed form, sign rule and strict gain: " + DPR26 + " ('strictly "
           "improves upon the ridge teacher for every regularization level lam > 0 at which "
           "... R'(lam) != 0'; 'sign(xi*(lam)) = -sign(R'(lam))'); formula derived (DPR26's "
           "not seen)", "paper",
           "xi*(lam) = -R_T'/(2 lam Q); R_T - R_S(xi*) = R_T'^2/(4Q); sign(xi*) = -sign(R_T')",
           r"\xi^\star(\lambda) = -\frac{R_T'(\lambda)}{2\lambda Q(\lambda)},\ "
           r"R_T - R_S(\xi^\star) = \frac{R_T'(\lambda)^2}{4Q(\lambda)}",
           _xi_star("true"),
           [("plus_sign", r"$\xi^\star = +R_T'/(2\lambda Q)$", _xi_star("plus_sign")),
            ("never_helps_over_regularised", r"one step never helps an over-regularised "
             r"teacher ($R_T' > 0$)", _xi_star("never_helps_over_regularised"))],
           identity_domain, mp_instances=2,
           notes="Expected risk for M in {I, X/sqrt(n), random}. The minimiser is the vertex of "
                 "the student's risk from three evaluations of its dense matrix; R_T' and Q by "
                 "complex steps. Each detail reports the relative gain R_T'^2/(4 Q R_T)."),
    _claim("xi_star_param", "derived (M = I, in expectation)", "derived",
           "xi*(lam) = sum b_j (a_j sigma^2/s_j^2 - (1 - a_j) theta_j^2) / sum b_j^2 (theta_j^2 "
           "+ sigma^2/s_j^2), b = a(1 - a)",
           r"\xi^\star = \frac{\sum_j b_j\big(a_j\sigma^2/s_j^2 - (1-a_j)\theta_j^2\big)}"
           r"{\sum_j b_j^2\big(\theta_j^2 + \sigma^2/s_j^2\big)},\ b_j = a_j(1-a_j)",
           _param("true"),
           [("no_noise_in_denominator", r"the $\sigma^2/s_j^2$ term dropped from the "
             r"denominator", _param("no_noise_in_denominator"))],
           identity_domain, mp_instances=2),
    _claim("high_noise_xi_gt_1", DS23 + " ('in the high label noise regime, the optimal value "
           "of xi ... is surprisingly greater than 1'); threshold and limit derived", "paper",
           "at every fixed lam: xi*(lam) > 1 iff sigma^2 > sigma_c^2(lam); as sigma -> inf, "
           "xi* -> sum w_j (1 + s_j^2/lam)/sum w_j in [1 + s_min^2/lam, 1 + s_max^2/lam]",
           r"\xi^\star(\lambda) > 1 \iff \sigma^2 > \sigma_c^2(\lambda) = \frac{\sum_j b_j"
           r"(1-a_j^2)\theta_j^2}{\sum_j b_j a_j^2/s_j^2};\ \xi^\star \xrightarrow[\sigma\to\infty]"
           r"{} \frac{\sum_j w_j(1+s_j^2/\lambda)}{\sum_j w_j},\ w_j = \frac{a_j^2(1-a_j)^2}{s_j^2}",
           _high_noise("true"),
           [("xi_le_1", r"$\xi^\star \le 1$ for all $\sigma$ (the usual $\xi \in [0,1]$)",
             _high_noise("xi_le_1")),
            ("limit_smax", r"the limit is $1 + s_{\max}^2/\lambda$", _high_noise("limit_smax"))],
           threshold_domain, mp_instances=2,
           notes="M = I. sigma^2 at sigma_c^2 (1 +- 1e-6) and over six decades; xi* is the "
                 "vertex of the dense risk, sigma_c^2 the closed form. The limit is checked at "
                 "a noise level where its O(1/sigma^2) remainder lies below the working "
                 "precision."),
    _claim("xi_zero_at_ridge_optimum", "derived (a corollary of xi_star)", "derived",
           "at the teacher's optimal lam_T* (R_T'(lam_T*) = 0), xi*(lam_T*) = 0: one step at "
           "the teacher's own optimum cannot help",
           r"R_T'(\lambda_T^\star) = 0 \implies \xi^\star(\lambda_T^\star) = 0",
           _zero("true"),
           [("gt_1_high_noise", r"$\xi^\star > 1$ at the teacher-optimal $\lambda$ in high "
             r"noise", _zero("gt_1_high_noise"))],
           optimum_domain, mp_instances=2,
           notes="lam_T* is a root of R_T' found in the result's precision (mp: 60 digits); "
                 "xi* there is the vertex of the student's dense risk. DS23's 'xi* > 1 in high "
                 "noise' must therefore hold at a fixed lam, not at the teacher's optimum."),
    _claim("isotropic_no_gain", "derived; consistent with arXiv 2605.17778 (abstract: for "
           "isotropic covariances optimally tuned ridge is best among spectral shrinkage "
           "estimators)", "derived",
           "X^T X = s^2 I: min over (lam, xi) of R_S = min over lam of R_T, attained by ridge "
           "at lam* = d sigma^2/||theta*||^2 (M = I, in expectation)",
           r"X^\top X = s^2 I \implies \min_{\lambda,\xi} R_S = \min_\lambda R_T = "
           r"R_T\big(d\sigma^2/\|\theta^\star\|^2\big)",
           _isotropic("true"),
           [("strictly_beats", "optimal one-step SD strictly beats optimal ridge for every "
             "design", _isotropic("strictly_beats"))],
           isotropic_domain, mp_instances=2,
           notes="Exactly isotropic designs in binary (scaled Hadamard columns, scaled signed "
                 "permutations). In fact min over xi of R_S(lam, xi) equals the optimal ridge "
                 "risk at every lam: one common filter value, which one step reaches. The "
                 "strict mutant is read at the checker's resolution."),
)
