"""Drawing for the Pareek et al. 2024 reproduction: matplotlib ``Figure`` objects, no pyplot.

Only imported after :func:`proofs_check.reproduce.require_matplotlib` has succeeded.  Every
figure is written as PNG and PDF (atomically, with the generated-file banner in the
metadata) by the same writer as the other papers' figures.  Nothing here computes a number
that is not also in a CSV.
"""

import math

import numpy as np

from ...reproduce import save_figure

__all__ = ["draw_separation"]


def _finite(vals):
    out = np.array([float(v) for v in vals])
    out[~np.isfinite(out)] = np.nan
    return out


def draw_separation(mfig, base, rid, *, dpi, title, rows, k_rows, lam_r):
    """(a) risk/oracle against r; (b) min over xi of the k-step risk against k;
    (c) the largest oracle weight and the float64 replay error against r."""
    fig = mfig.Figure(figsize=(17, 5.4), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    r = np.array([row["r"] for row in rows], dtype=float)
    rr = np.geomspace(r.min(), r.max(), 200)
    B_per_r = rows[0]["B_over_sigma2"] / rows[0]["r"]
    ax1.plot(rr, rr, ":", color="grey", lw=1.2, label=r"$r$")
    ax1.plot(rr, rr * (B_per_r * rr + 1) / (B_per_r * rr + rr), "-", color="tab:red", lw=1.4,
             label=r"bound $r(B+\sigma^2)/(B+r\sigma^2)$")
    ax1.plot(r, [row["ratio_ridge"] for row in rows], "o", color="black", ms=7,
             label=r"ridge, best $\lambda$")
    ax1.plot(r, [row["ratio_one_step"] for row in rows], "s", color="tab:blue", ms=11,
             mfc="none", mew=1.6, label=r"1 step, best $(\lambda, \xi)$")
    ax1.plot(r, [row["ratio_r_step_mp"] for row in rows], "D", color="tab:green", ms=6,
             label=rf"$r$ steps, oracle weights, mp ($\lambda={lam_r:g}$)")
    f64 = _finite([row["ratio_r_step_f64"] for row in rows])
    top = 2.0 * r.max()
    on = ~(f64 > top)
    ax1.plot(r[on], f64[on], "x", color="tab:orange", ms=9, mew=2,
             label=r"$r$ steps, same weights replayed in float64")
    ax1.plot(r[~on], np.full((~on).sum(), top * 0.85), "^", color="tab:orange", ms=9,
             label=rf"float64 replay off scale (> {top:g}; values in the CSV)")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_ylim(0.7, top)
    ax1.set_xlabel(r"rank $r$ (number of distinct non-zero singular values)")
    ax1.set_ylabel(r"in-sample risk / oracle risk")
    ax1.set_title("ridge and one step stay ~r times the oracle;\nr steps reach it",
                  fontsize=10)
    ax1.legend(loc="upper left", fontsize=8.5)
    ax1.grid(alpha=0.3, which="both")

    floor = 1e-20
    for rv, colour in zip(sorted({row[0] for row in k_rows}), ("tab:purple", "tab:brown")):
        ks = np.array([row[1] for row in k_rows if row[0] == rv])
        ex = np.array([row[4] for row in k_rows if row[0] == rv])
        zero = ex < floor
        ax2.semilogy(ks[~zero], ex[~zero], "o-", color=colour, ms=5,
                     label=rf"$r = {rv}$ ($\lambda$ = best ridge)")
        ax2.semilogy(ks[zero], np.full(zero.sum(), floor), "*", color=colour, ms=14,
                     mec="black", label=rf"$r = {rv}$: $k = r$ reaches the oracle (0 to 30 digits)")
    ax2.set_xlabel(r"steps $k$")
    ax2.set_ylabel(r"$\min_{\xi \in \mathbb{R}^k} R_k \,/\, R_{\mathrm{or}} - 1$")
    ax2.set_title("excess over the oracle at the optimum over the weights\n"
                  r"(at the ridge's best $\lambda$: one step gains nothing, $k = r$ closes "
                  "the gap)", fontsize=10)
    ax2.legend(loc="lower left", fontsize=8.5)
    ax2.grid(alpha=0.3, which="both")
    ax2.xaxis.get_major_locator().set_params(integer=True)

    ax3.semilogy(r, [row["max_abs_xi"] for row in rows], "o-", color="tab:purple", ms=5,
                 label=r"$\max_t |\xi_t|$ of the oracle weights")
    err = _finite([row["r_step_filter_err_f64"] for row in rows])
    ax3.semilogy(r, err, "x-", color="tab:orange", ms=8, mew=2,
                 label=r"float64 replay: $\max_j |f_r(a_j) - p_j^\star|$")
    mp_err = np.array([max(row["r_step_filter_err_mp"], 1e-300) for row in rows])
    ax3.semilogy(r, np.maximum(mp_err, 1e-17), "D", color="tab:green", ms=5,
                 label=r"mp replay (shown at $\max(\cdot, 10^{-17})$)")
    ax3.axhline(1.0, color="grey", ls=":", lw=1.2)
    ax3.set_xlabel(r"rank $r$")
    ax3.set_ylabel("magnitude")
    ax3.set_title("the oracle weights blow up;\nfloat64 keeps no digit from r = 16 on",
                  fontsize=10)
    ax3.legend(loc="upper left", fontsize=8.5)
    ax3.grid(alpha=0.3, which="both")
    fig.suptitle(title)
    return save_figure(fig, base, rid, dpi)
