r"""Reproduction of the separation figure of Pareek, Du & Oh (2024), with the numbers behind it.

``pareek2024.separation``: on the family s_j^2 = j (j = 1..r), theta* = beta v_1 with
B = s_1^2 beta^2 = 1000 r sigma^2 (docs/theory/pareek2024.md §2 separation_one_step), the
in-sample risk divided by the oracle risk against r for

* ridge at its best lam (:func:`._common.optimal_ridge`, refined in mp at 30 digits);
* one step of self-distillation at its best (lam, xi): xi*(lam) in closed form
  (theory.ridge_risk.one_step_risk_terms), lam by a log grid over 16 decades refined by
  Brent's method;
* r steps at lam = 1 with the oracle weights (theory.ridge_risk.oracle_weights, confirmed at
  two precisions) replayed by the fixed-ridge engine in mp (30 digits), and the same weights
  replayed in float64;
* the lower bound r(B + sigma^2)/(B + r sigma^2) of separation_ridge.

A second panel shows min over xi of the k-step risk against k (r = 8 and 16, at the ridge's
best lam), a third the largest oracle weight and the float64 replay error against r.  The paper's figure
(as a third-party summary describes it: "the relative gain ... increases linearly with the
rank r") is reproduced in shape; the numbers are ours.

>>> sorted(REPRODUCTIONS)
['pareek2024.separation']
"""

import math
import os

import numpy as np

from theory import fixed_ridge_distill
from theory._mp import make_context, to_mp_array
from theory.errors import PrecisionError
from theory.ridge_risk import oracle_filter_mp, oracle_weights

from ...reproduce import Reproduction, dpi as _dpi, write_csv as _write_csv
from . import _common as C
from .domains import SIGMA2, separation_family

__all__ = ["REPRODUCTIONS", "SNR_PER_R", "R_VALUES", "separation_row", "k_step_rows"]

#: B/sigma^2 per unit of r (the family of docs/theory/pareek2024.md §2).
SNR_PER_R = 1000.0
#: Ranks of the figure (full and reduced size).
R_VALUES = (1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 20, 24, 32)
R_SMALL = (1, 2, 4, 8)
#: Ridge of the r-step curves (the oracle is reached at every lam > 0).
R_STEP_LAM = 1.0
#: Digits of the mp replays.
DPS = 30


def _one_step_best(s2, m, n):
    """(min over lam, xi of the one-step risk, lam there, xi*(lam) there): a log grid over
    16 decades around the spectrum, then Brent's method on the best bracket (float64)."""
    from scipy.optimize import minimize_scalar
    theta = m / np.sqrt(s2)
    w = s2 / n

    def F(loglam):
        rt, lin, quad = C.risk(None, "one_step_risk_terms", s2, theta, SIGMA2,
                               math.exp(loglam), w)
        return rt - lin * lin / (4 * quad)

    grid = np.log(np.median(s2)) + np.linspace(-18.4, 18.4, 321)  # 1e-8 .. 1e8 x median
    vals = [F(g) for g in grid]
    i = int(np.argmin(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(F, bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-12})
    loglam = res.x if res.fun < vals[i] else grid[i]
    lam = math.exp(loglam)
    rt, lin, quad = C.risk(None, "one_step_risk_terms", s2, theta, SIGMA2, lam, w)
    xi = -lin / (2 * quad)
    # the risk of the optimal student's filter a - xi a (1 - a): a sum of non-negative terms
    # (R_T - gain cancels when one step removes most of the risk)
    a = s2 / (s2 + lam)
    return C.grouped_risk(None, m, SIGMA2, n, a - xi * a * (lam / (s2 + lam))), lam, xi


def _oracle_weights(s2, m, lam, dps):
    ctx = make_context(dps + 40)
    d = to_mp_array(ctx, s2)
    th = np.array([ctx.mpf(v) / ctx.sqrt(x) for v, x in zip(m, d)], dtype=object)
    a = np.array([x / (x + ctx.mpf(lam)) for x in d], dtype=object)
    return oracle_weights(a, oracle_filter_mp(ctx, d, th, SIGMA2), dps=dps)


def separation_row(r):
    """Every number of one r (a dict; see the CSV header)."""
    s2, m = separation_family(r, SNR_PER_R)
    n = r
    ctx = make_context(DPS)
    R_or = C.risk(None, "oracle_risk", s2, m / np.sqrt(s2), SIGMA2, n)
    lam_r, R_ridge = C.optimal_ridge(ctx, to_mp_array(ctx, s2), to_mp_array(ctx, m), SIGMA2, n)
    F1, lam1, xi1 = _one_step_best(s2, m, n)
    B = float(m[0] ** 2)
    w = _oracle_weights(s2, m, R_STEP_LAM, DPS + 30)
    G = np.diag(s2)
    pst = C.risk(None, "oracle_filter", s2, m / np.sqrt(s2), SIGMA2)
    tr = fixed_ridge_distill(G, m, R_STEP_LAM, w.xi, dps=DPS)
    f_mp = np.array([float(v) for v in tr.filters[-1]])
    ctx_r = make_context(DPS)
    R_mp = C.grouped_risk(ctx_r, to_mp_array(ctx_r, m), SIGMA2, n,
                          to_mp_array(ctx_r, list(tr.filters[-1])))
    R_or_mp = C.risk(ctx_r, "oracle_risk", s2, m / np.sqrt(s2), SIGMA2, n)
    xi64 = np.array([float(x) for x in w.xi])
    try:
        f64 = fixed_ridge_distill(G, m, R_STEP_LAM, xi64).filters[-1]
        err64 = float(np.max(np.abs(f64 - pst)))
        ratio64 = C.grouped_risk(None, m, SIGMA2, n, f64) / R_or
    except PrecisionError:  # the recursion overflows float64
        err64, ratio64 = math.inf, math.inf
    return {
        "r": r, "B_over_sigma2": B / SIGMA2, "R_oracle": R_or,
        "lam_ridge": float(lam_r), "ratio_ridge": float(R_ridge) / R_or,
        "lam_one_step": lam1, "xi_one_step": xi1, "ratio_one_step": F1 / R_or,
        "ratio_r_step_mp": float(R_mp / R_or_mp), "r_step_filter_err_mp":
            float(np.max(np.abs(f_mp - pst))),
        "ratio_r_step_f64": ratio64, "r_step_filter_err_f64": err64,
        "f64_digits_lost": (C.digits_lost(err64, 1.0) if math.isfinite(err64)
                            else C.digits_lost(1.0, 1e-300)),
        "max_abs_xi": float(max(abs(x) for x in w.xi)),
        "bound": r * (B + SIGMA2) / (B + r * SIGMA2),
    }


def k_step_rows(r):
    """(r, k, lam, min over xi of the k-step risk / oracle, that ratio - 1) for k = 0..r at
    the ridge's best lam (mp, 30 digits: weighted least squares over the filter polynomials;
    at k = r the excess is 0 to the working precision)."""
    s2, m = separation_family(r, SNR_PER_R)
    ctx = make_context(DPS)
    d, mm = to_mp_array(ctx, s2), to_mp_array(ctx, m)
    lam, _ = C.optimal_ridge(ctx, d, mm, SIGMA2, r)
    a = to_mp_array(ctx, [v / (v + lam) for v in d])
    grp = [[j] for j in range(r)]
    R_or, _ = C.grouped_oracle(ctx, mm, SIGMA2, r, grp)
    rows = []
    for k in range(r + 1):
        Rk, _, _ = C.best_k_step_risk(ctx, a, mm, SIGMA2, r, k, grp)
        rows.append((r, k, float(lam), float(Rk / R_or), float(Rk / R_or - 1)))
    return rows


_HEADER = ["r", "B_over_sigma2", "R_oracle", "lam_ridge", "ratio_ridge", "lam_one_step",
           "xi_one_step", "ratio_one_step", "ratio_r_step_mp", "r_step_filter_err_mp",
           "ratio_r_step_f64", "r_step_filter_err_f64", "f64_digits_lost", "max_abs_xi",
           "bound"]


def _separation(outdir, small, say, mfig, style):
    from .figures import draw_separation
    rid = "pareek2024.separation"
    rows = []
    for r in (R_SMALL if small else R_VALUES):
        row = separation_row(r)
        rows.append(row)
        say(f"{rid}: r = {r}: ridge/oracle = {row['ratio_ridge']:.4f}, one step/oracle = "
            f"{row['ratio_one_step']:.4f}, r steps (mp) = {row['ratio_r_step_mp']:.6f}, "
            f"max|xi| = {row['max_abs_xi']:.3g}, float64 replay error "
            f"{row['r_step_filter_err_f64']:.3g}")
    k_rows = []
    for r in ((4, 8) if small else (8, 16)):
        k_rows += k_step_rows(r)
    files = [
        _write_csv(os.path.join(outdir, "separation.csv"), rid, _HEADER,
                   ([row[h] if math.isfinite(row[h]) else "inf" for h in _HEADER]
                    for row in rows)),
        _write_csv(os.path.join(outdir, "separation_k_steps.csv"), rid,
                   ["r", "k", "lam", "ratio_k_step", "excess_k_step"], k_rows),
    ]
    title = (r"Repeated self-distillation on $s_j^2 = j$, $\theta^\star = \beta v_1$, "
             rf"$B/\sigma^2 = {SNR_PER_R:g}\,r$: in-sample risk / oracle risk")
    files += draw_separation(mfig, os.path.join(outdir, "separation"), rid, style=style,
                             dpi=_dpi(small), title=title, rows=rows, k_rows=k_rows, lam_r=R_STEP_LAM)
    return files


#: Reproduction id -> :class:`~proofs_check.reproduce.Reproduction`.
REPRODUCTIONS = {
    "pareek2024.separation": Reproduction(
        "pareek2024.separation",
        "risk / oracle against r on s_j^2 = j, theta* along v_1, B/sigma^2 = 1000 r: ridge "
        "(best lam), one step (best lam, xi), r steps (oracle weights, mp and float64 "
        "replays) and the bound r(B + sigma^2)/(B + r sigma^2); k-step optimum against k; "
        "oracle weights and float64 error against r",
        _separation),
}
