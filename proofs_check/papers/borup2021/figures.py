"""Drawing for the borup2021 reproductions: matplotlib ``Figure`` objects, no pyplot.

Only imported after :func:`proofs_check.reproduce.require_matplotlib` has succeeded;
matplotlib itself is imported inside each function.  Every figure is written as PNG and
PDF through :class:`proofs_check._io.atomic_writer`, with the "generated ... do not edit"
banner in the file metadata.  Nothing here computes a number that is not also in a CSV.
"""

import numpy as np

from ...reproduce import save_figure


_COLOURS = {0.0: "tab:red", 0.25: "tab:blue", 0.35: "tab:green"}




def draw_toy(mfig, base, rid, *, dpi, title, x, y, grid, truth, fits, losses, ratios,
             readme_label):
    """Left: fitted functions (alpha = 0 and 0.35); middle: loss per step with the published
    numbers and the limits; right: R_10 = B_10/B_11 per step with R_inf."""
    import matplotlib
    fig = mfig.Figure(figsize=(17, 5.4), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)

    ax1.plot(grid, truth, color="black", lw=1.2, ls=":", label=r"$\sin 2\pi x$")
    ax1.plot(x, y, "x", color="black", ms=8, mew=2, label="data")
    for a, style in ((0.0, dict(cmap="Reds")), (0.35, dict(cmap="Greens"))):
        cmap = matplotlib.colormaps[style["cmap"]]
        pred = fits[a]["pred"]
        for t in range(pred.shape[0]):
            ax1.plot(grid, pred[t], color=cmap(0.35 + 0.6 * t / max(1, pred.shape[0] - 1)),
                     lw=1.4, label=rf"$\alpha={a:g}$, steps 1-{pred.shape[0]}" if t == 0 else None)
        ax1.plot(grid, fits[a]["limit"], color=_COLOURS[a], ls="--", lw=2,
                 label=rf"$\alpha={a:g}$, limit" + (r" ($f_\infty\equiv 0$)" if a == 0 else
                                                    rf" (ridge $\lambda/\alpha$)"))
    ax1.set_ylim(-1.6, 1.6)
    ax1.set_xlabel(r"$x$")
    ax1.set_ylabel(r"$f^{(\tau)}(x)$")
    ax1.set_title("fitted functions (darker: later steps)")
    ax1.legend(loc="lower left", fontsize=8)
    ax1.grid(alpha=0.3)

    shown = 12  # the first steps: where the published numbers are
    for a, p in losses.items():
        L = p["losses"][:shown]
        t = np.arange(1, len(L) + 1)
        ax2.plot(t, L, "o-", color=_COLOURS[a], ms=3.5, lw=1.5, label=rf"$\alpha={a:g}$ (engine)")
        pub = {k: v for k, v in p["published"].items() if k != "inf"}
        if pub:
            lab = ("published (notebook)" if a != 0.35 else
                   f"published: README column\n(headed 'alpha = {readme_label}' at cb20d6c)")
            ax2.plot(list(pub), list(pub.values()), "s", mfc="none", mec=_COLOURS[a], ms=10,
                     mew=1.5, label=lab)
        if a > 0:
            ax2.axhline(p["limit"], color=_COLOURS[a], ls="--", lw=1,
                        label=rf"$\alpha={a:g}$: limit {p['limit']:.5f}")
    zero = losses.get(0.0)
    if zero is not None:
        ax2.annotate(rf"$\alpha=0$ rises to its limit {zero['limit']:.5f} ($f_\infty\equiv 0$)",
                     xy=(5.6, 0.19), xytext=(6.5, 0.185), color=_COLOURS[0.0], fontsize=9,
                     arrowprops=dict(arrowstyle="->", color=_COLOURS[0.0]))
    lo = min(min(p["losses"]) for p in losses.values())
    ax2.set_ylim(lo - 0.003, 0.19)
    ax2.set_xlim(0.5, shown + 0.5)
    ax2.set_xlabel(r"step $\tau$")
    ax2.set_ylabel("loss against the noiseless function")
    ax2.set_title("loss per step: engine (lines) and published numbers (squares)")
    ax2.legend(loc="center right", fontsize=8)
    ax2.grid(alpha=0.3)

    for a, p in ratios.items():
        if a == 0:
            continue
        R = p["R"]
        t = np.arange(1, len(R) + 1)
        ax3.plot(t, R, "o-", color=_COLOURS[a], ms=3.5, lw=1.5, label=rf"$\alpha={a:g}$")
        ax3.axhline(p["R_inf"], color=_COLOURS[a], ls="--", lw=1,
                    label=rf"$R_\infty={p['R_inf']:.5f}$")
        k = int(np.argmax(R))
        ax3.plot(t[k], R[k], "*", color=_COLOURS[a], ms=15, mec="black",
                 label=rf"peak at $\tau={k + 1}$: overshoot {100 * (R[k] / p['R_inf'] - 1):.1f}%")
    ax3.set_xlabel(r"step $\tau$")
    ax3.set_ylabel(r"$R_{10} = B_{10}/B_{11}$ (two smallest eigenvalues)")
    ax3.set_title(r"sparsification ratio: not monotone in $\tau$ for $\alpha>0$")
    ax3.legend(loc="lower right", fontsize=8)
    ax3.grid(alpha=0.3)
    fig.suptitle(title)
    return save_figure(fig, base, rid, dpi)
