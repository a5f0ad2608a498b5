"""Drawing for the Pareek et al. 2024 reproduction: matplotlib ``Figure`` objects, no pyplot.

Only imported after :func:`proofs_check.reproduce.require_matplotlib` has succeeded.  The
figure comes from :func:`proofs_check.reproduce.figure` (6.75 in wide on paper) and is
written as PNG and PDF (atomically, with the generated-file banner in the metadata) by the
same writer as the other papers' figures.  Nothing here computes a number that is not also
in a CSV.
"""

import numpy as np

from ...reproduce import figure, integer_ticks, save_figure

__all__ = ["draw_separation"]


def _finite(vals):
    out = np.array([float(v) for v in vals])
    out[~np.isfinite(out)] = np.nan
    return out


def draw_separation(mfig, base, rid, *, style, dpi, title, rows, k_rows, lam_r):
    """(a) risk/oracle against r; (b) min over xi of the k-step risk against k;
    (c) the largest oracle weight and the float64 replay error against r."""
    import matplotlib.ticker
    pt = style.pt
    with figure(mfig, style, height=6.2) as fig:
        axd = fig.subplot_mosaic([["a", "a"], ["b", "c"]], height_ratios=[1.0, 1.0])
        ax1, ax2, ax3 = axd["a"], axd["b"], axd["c"]
        r = np.array([row["r"] for row in rows], dtype=float)
        rr = np.geomspace(r.min(), r.max(), 200)
        B_per_r = rows[0]["B_over_sigma2"] / rows[0]["r"]
        ax1.plot(rr, rr, ":", color="grey", lw=pt(1.0), label=r"$r$")
        ax1.plot(rr, rr * (B_per_r * rr + 1) / (B_per_r * rr + rr), "-", color="tab:red",
                 lw=pt(1.0), label=r"bound $r(B+\sigma^2)/(B+r\sigma^2)$")
        ax1.plot(r, [row["ratio_ridge"] for row in rows], "o", color="black", ms=pt(4),
                 label=r"ridge, best $\lambda$")
        ax1.plot(r, [row["ratio_one_step"] for row in rows], "s", color="tab:blue", ms=pt(6.5),
                 mfc="none", mew=pt(1.0), label=r"1 step, best $(\lambda, \xi)$")
        ax1.plot(r, [row["ratio_r_step_mp"] for row in rows], "D", color="tab:green",
                 ms=pt(3.5), label=rf"$r$ steps, oracle weights, 30 digits ($\lambda={lam_r:g}$)")
        f64 = _finite([row["ratio_r_step_f64"] for row in rows])
        top = 2.0 * r.max()
        on = ~(f64 > top)
        ax1.plot(r[on], f64[on], "x", color="tab:orange", ms=pt(5.5), mew=pt(1.3),
                 label=r"$r$ steps, same weights in float64")
        ax1.plot(r[~on], np.full((~on).sum(), top * 0.85), "^", color="tab:orange", ms=pt(5),
                 label=rf"float64 off scale ($>{top:g}$)")
        ax1.set_xscale("log")
        ax1.set_yscale("log")
        ax1.set_ylim(0.7, top)
        # ranks are integers: label powers of two as such (not 10^0, 10^1)
        ticks = [v for v in (1, 2, 4, 8, 16, 32, 64) if r.min() <= v <= r.max()]
        ax1.set_xticks(ticks, [str(v) for v in ticks])
        ax1.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax1.set_xlabel(r"rank $r$ (distinct non-zero singular values)")
        ax1.set_ylabel("in-sample risk / oracle risk")
        ax1.set_title(r"(a) ridge and one step stay about $r$ times the oracle; $r$ steps "
                      "reach it")
        ax1.legend(loc="upper left")
        ax1.grid(alpha=0.3, which="both")

        floor = 1e-20
        for rv, colour in zip(sorted({row[0] for row in k_rows}), ("tab:purple", "tab:brown")):
            ks = np.array([row[1] for row in k_rows if row[0] == rv])
            ex = np.array([row[4] for row in k_rows if row[0] == rv])
            zero = ex < floor
            ax2.semilogy(ks[~zero], ex[~zero], "o-", color=colour, ms=pt(3), lw=pt(1.1),
                         label=rf"$r = {rv}$")
            ax2.semilogy(ks[zero], np.full(zero.sum(), floor), "*", color=colour, ms=pt(8.5),
                         mec="black", mew=pt(0.5))
        ax2.semilogy([], [], "*", color="white", mec="black", ms=pt(8.5), mew=pt(0.5),
                     label=r"$k = r$: 0 (to 30 digits)")
        ax2.set_xlabel(r"steps $k$")
        ax2.set_ylabel(r"$\mathrm{min}_{\xi \in \mathbb{R}^k}\, R_k \,/\, R_{\mathrm{or}} - 1$")
        ax2.set_title("(b) excess over the oracle, best weights\n"
                      r"($\lambda$: the ridge optimum)")
        integer_ticks(ax2.xaxis)
        ax2.legend(loc="lower left")
        ax2.grid(alpha=0.3, which="both")

        ax3.semilogy(r, [row["max_abs_xi"] for row in rows], "o-", color="tab:purple",
                     ms=pt(3), lw=pt(1.1), label=r"$\mathrm{max}_t\, |\xi_t|$, oracle weights")
        err = _finite([row["r_step_filter_err_f64"] for row in rows])
        ax3.semilogy(r, err, "x-", color="tab:orange", ms=pt(5), mew=pt(1.3), lw=pt(1.1),
                     label=r"float64 replay: $\mathrm{max}_j\, |f_r(a_j) - p_j^\star|$")
        mp_err = np.array([max(row["r_step_filter_err_mp"], 1e-300) for row in rows])
        ax3.semilogy(r, np.maximum(mp_err, 1e-17), "D", color="tab:green", ms=pt(3),
                     label=r"30-digit replay (floored at $10^{-17}$)")
        ax3.axhline(1.0, color="grey", ls=":", lw=pt(1.0))
        ax3.set_xlabel(r"rank $r$")
        ax3.set_ylabel("magnitude")
        ax3.set_title("(c) the oracle weights grow;\nfloat64 loses every digit")
        ax3.legend(loc="upper left")
        ax3.grid(alpha=0.3, which="both")
        fig.suptitle(title)
        return save_figure(fig, base, rid, dpi)
