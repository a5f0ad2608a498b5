"""Drawing for the borup2021 reproductions: matplotlib ``Figure`` objects, no pyplot.

Only imported after :func:`proofs_check.reproduce.require_matplotlib` has succeeded;
matplotlib itself is imported inside each function.  The figure comes from
:func:`proofs_check.reproduce.figure` (6.75 in wide on paper) and is written as PNG and PDF
by :func:`proofs_check.reproduce.save_figure`, with the "generated ... do not edit" banner
in the file metadata.  Nothing here computes a number that is not also in a CSV.
"""

import numpy as np

from ...reproduce import figure, integer_ticks, save_figure

__all__ = ["draw_toy"]


_COLOURS = {0.0: "tab:red", 0.25: "tab:blue", 0.35: "tab:green"}




def draw_toy(mfig, base, rid, *, style, dpi, title, x, y, grid, truth, fits, losses, ratios,
             readme_label):
    """Top: fitted functions (alpha = 0 and 0.35); bottom left: loss per step with the
    published numbers and the limits; bottom right: R_10 = B_10/B_11 per step with R_inf."""
    import matplotlib
    pt = style.pt
    with figure(mfig, style, height=5.6) as fig:
        axd = fig.subplot_mosaic([["fit", "fit"], ["loss", "ratio"]],
                                 height_ratios=[1.0, 1.15])
        ax1, ax2, ax3 = axd["fit"], axd["loss"], axd["ratio"]

        ax1.plot(grid, truth, color="black", lw=pt(1.0), ls=":", label=r"$\sin 2\pi x$")
        ax1.plot(x, y, "x", color="black", ms=pt(5), mew=pt(1.3), label="data")
        for a, cmap_name in ((0.0, "Reds"), (0.35, "Greens")):
            cmap = matplotlib.colormaps[cmap_name]
            pred = fits[a]["pred"]
            for t in range(pred.shape[0]):
                ax1.plot(grid, pred[t], color=cmap(0.35 + 0.6 * t / max(1, pred.shape[0] - 1)),
                         lw=pt(1.0),
                         label=rf"$\alpha={a:g}$, steps 1-{pred.shape[0]}" if t == 0 else None)
            ax1.plot(grid, fits[a]["limit"], color=_COLOURS[a], ls="--", lw=pt(1.4),
                     label=rf"$\alpha={a:g}$, limit" + (r" ($f_\infty\equiv 0$)" if a == 0 else
                                                        r" (ridge, $\lambda/\alpha$)"))
        ax1.set_ylim(-2.2, 1.6)
        ax1.set_xlabel(r"$x$")
        ax1.set_ylabel(r"$f^{(\tau)}(x)$")
        ax1.set_title("fitted functions (darker: later steps)")
        ax1.legend(loc="lower center", ncols=3)
        ax1.grid(alpha=0.3)

        shown = 12  # the first steps: where the published numbers are
        for a, p in losses.items():
            L = p["losses"][:shown]
            t = np.arange(1, len(L) + 1)
            label = rf"$\alpha={a:g}$"
            if a == 0:  # rises off the panel to its limit f = 0
                label += rf" (limit {p['limit']:.3f})"
            ax2.plot(t, L, "o-", color=_COLOURS[a], ms=pt(2.5), lw=pt(1.1), label=label)
            pub = {k: v for k, v in p["published"].items() if k != "inf"}
            if pub:
                ax2.plot(list(pub), list(pub.values()), "s", mfc="none", mec=_COLOURS[a],
                         ms=pt(6), mew=pt(1.0))
            if a > 0:
                ax2.axhline(p["limit"], color=_COLOURS[a], ls="--", lw=pt(0.8))
        ax2.plot([], [], "s", mfc="none", mec="black", ms=pt(6), mew=pt(1.0),
                 label="published: notebook")
        if 0.35 in losses:
            ax2.plot([], [], "s", mfc="none", mec=_COLOURS[0.35], ms=pt(6), mew=pt(1.0),
                     label=f"published: README,\ncolumn 'alpha = {readme_label}'")
        ax2.plot([], [], ls="--", color="black", lw=pt(0.8), label=r"limit $\tau\to\infty$")
        lo = min(min(p["losses"]) for p in losses.values())
        ax2.set_ylim(lo - 0.003, 0.19)
        ax2.set_xlim(0.5, shown + 0.5)
        integer_ticks(ax2.xaxis)
        ax2.set_xlabel(r"step $\tau$")
        ax2.set_ylabel(r"loss against $\sin 2\pi x$")
        ax2.set_title("loss per step")
        ax2.legend(loc="upper right")
        ax2.grid(alpha=0.3)

        for a, p in ratios.items():
            if a == 0:
                continue
            R = p["R"]
            t = np.arange(1, len(R) + 1)
            ax3.plot(t, R, "o-", color=_COLOURS[a], ms=pt(2.5), lw=pt(1.1),
                     label=rf"$\alpha={a:g}$")
            ax3.axhline(p["R_inf"], color=_COLOURS[a], ls="--", lw=pt(0.8))
            k = int(np.argmax(R))
            ax3.plot(t[k], R[k], "*", color=_COLOURS[a], ms=pt(9), mec="black", mew=pt(0.5),
                     label=rf"peak $\tau={k + 1}$: {100 * (R[k] / p['R_inf'] - 1):.1f}% "
                           r"above $R_\infty$")
        ax3.plot([], [], ls="--", color="black", lw=pt(0.8), label=r"$R_\infty$ (limit)")
        integer_ticks(ax3.xaxis)
        ax3.set_xlabel(r"step $\tau$")
        ax3.set_ylabel(r"$R_{10} = B_{10}/B_{11}$")
        ax3.set_title("sparsification ratio (smallest eigenvalues)")
        ax3.legend(loc="lower right")
        ax3.grid(alpha=0.3)
        fig.suptitle(title)
        return save_figure(fig, base, rid, dpi)
