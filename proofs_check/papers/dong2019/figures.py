"""Drawing for the Dong et al. 2019 reproduction: matplotlib ``Figure`` objects, no pyplot.

Imported only after :func:`proofs_check.reproduce.require_matplotlib` succeeded; the
figure comes from :func:`proofs_check.reproduce.figure` (6.75 in wide on paper); every
number drawn here is also in a CSV file written by :mod:`.reproductions`.
"""

import numpy as np

from ...reproduce import figure, save_figure

__all__ = ["draw_air"]


def _steps_axis(ax, steps):
    """Steps from 0 to 10^m: linear on [0, 1], logarithmic above, ticks 0, 1, 10, 100, ..."""
    import matplotlib.ticker
    ax.set_xscale("symlog", linthresh=1.0, linscale=0.4)
    ax.set_xlim(0, steps[-1] * 2.0)
    top = int(np.floor(np.log10(max(steps[-1], 1))))
    ticks = [0] + [10**e for e in range(0, top + 1)]
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FixedFormatter(
        ["0"] + [str(v) if v < 1000 else f"$10^{{{e}}}$" for e, v in
                 ((e, 10**e) for e in range(0, top + 1))]))
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel(r"step $k$")


def draw_air(mfig, base, rid, *, style, dpi, title, N, frac_clean, frac_noise, pred):
    """2 x 2 panels: residual per eigen-direction (with the clean and noise energy still
    unfitted), energy per eigen-direction, distance to y*, margin."""
    import matplotlib
    import matplotlib.colors
    pt = style.pt
    with figure(mfig, style, height=6.4) as fig:
        (ax1, ax2), (ax3, ax4) = fig.subplots(2, 2)
        x = np.asarray(N["steps"], dtype=float)
        lam, C = N["lam"], N["C"]
        shown = N["shown"]
        norm = matplotlib.colors.LogNorm(vmin=max(lam[lam > 0].min(), 1e-3), vmax=lam.max())
        cmap = matplotlib.colormaps["viridis"]
        for j, i in enumerate(shown):
            top = j < C
            ax1.plot(x, N["decay"][:, j], color=cmap(norm(max(lam[i], 1e-3))),
                     lw=pt(1.1 if top else 0.5), alpha=1.0 if top else 0.7)
        ax1.plot(x, N["unfit_clean"], color="tab:blue", lw=pt(2.0),
                 label=r"clean labels $y^\ast$, unfitted")
        ax1.plot(x, N["unfit_noise"], color="tab:red", lw=pt(2.0),
                 label=r"noise $\xi$, unfitted")
        ax1.axvline(x[N["best"]], color="grey", ls=":", lw=pt(1.0), label="best early stop")
        _steps_axis(ax1, N["steps"])
        ax1.set_yscale("log")
        ax1.set_ylim(1e-6, 2.0)
        ax1.set_ylabel(r"relative residual $|1-\eta\lambda_i|^k$")
        ax1.set_title(rf"residual along each $v_i$ (top {C} thick)")
        ax1.legend(loc="lower left")
        ax1.grid(alpha=0.3, which="major")
        cb = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax1, pad=0.01,
                          aspect=30)
        cb.set_label(r"$\lambda_i$")

        pos = lam > 0
        ax2.loglog(lam[pos], np.maximum(N["e_clean"][pos], 1e-12), "o", color="tab:blue",
                   ms=pt(2.5), label=rf"clean $y^\ast$: top {C} hold {100 * frac_clean:.2f}%")
        ax2.loglog(lam[pos], np.maximum(N["e_noise"][pos], 1e-12), "s", color="tab:red",
                   ms=pt(2.2), alpha=0.8,
                   label=rf"noise $\xi$: top {C} hold {100 * frac_noise:.1f}%"
                         "\n" rf"(predicted {100 * pred:.1f}%)")
        ax2.axvspan(lam[-C] * 0.9, lam[-1] * 1.1, color="gold", alpha=0.25,
                    label=rf"top {C} eigenvalues")
        ax2.set_ylim(1e-18, 2.0)  # room for the legend below the floor
        ax2.set_xlabel(r"eigenvalue $\lambda_i$ of $H^\infty$")
        ax2.set_ylabel(r"$(v_i^\top w)^2/\|w\|^2$ (at least $10^{-12}$)")
        ax2.set_title("energy per eigen-direction")
        ax2.legend(loc="lower right")
        ax2.grid(alpha=0.3, which="major")

        styles = (("gd", "early-stopped GD (teacher)", "black", "-"),
                  ("soft", "soft self-distillation", "tab:green", "--"),
                  ("hard", "hard self-distillation", "tab:purple", "-"))
        for key, label, colour, ls in styles:
            ax3.plot(x, N[f"rms_{key}"], color=colour, ls=ls, lw=pt(1.4), label=label)
            ax4.plot(x, N[f"margin_{key}"], color=colour, ls=ls, lw=pt(1.4))
        ax3.axhline(N["rms_noisy"], color="tab:red", ls=":", lw=pt(1.1),
                    label=r"noisy labels $\tilde y$ (limit of GD)")
        b = N["best"]
        ax3.plot(x[b], N["rms_gd"][b], "*", color="black", ms=pt(8), label="best early stop")
        _steps_axis(ax3, N["steps"])
        ax3.set_yscale("log")
        ax3.set_ylabel(r"RMS$(u_k - y^\ast)$")
        ax3.set_title(r"distance to the clean labels $y^\ast$")
        ax3.legend(loc="lower left")
        ax3.grid(alpha=0.3, which="both")

        ax4.axhline(1.0, color="grey", lw=pt(0.8))
        ax4.axhline(1 - 2 * N["rho_hat"], color="tab:red", ls=":", lw=pt(1.1),
                    label=rf"$1-2\hat\rho$ = {1 - 2 * N['rho_hat']:.2f}")
        _steps_axis(ax4, N["steps"])
        ax4.set_ylim(-1.1, 1.1)
        ax4.set_ylabel(r"margin $\mathrm{min}_i\, y^\ast_i u_{k,i}$")
        ax4.set_title("margin on the training data")
        ax4.legend(loc="lower left")
        ax4.grid(alpha=0.3)
        fig.suptitle(title)
        return save_figure(fig, base, rid, dpi)
