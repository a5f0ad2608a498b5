"""Drawing for the Dong et al. 2019 reproduction: matplotlib ``Figure`` objects, no pyplot.

Imported only after :func:`proofs_check.reproduce.require_matplotlib` succeeded; every number
drawn here is also in a CSV file written by :mod:`.reproductions`.
"""

import numpy as np
from ...reproduce import save_figure


__all__ = ["draw_air"]


def _steps_axis(ax, steps):
    """Symlog-free log axis for steps: step 0 is drawn at 0.5 (labelled 0)."""
    ax.set_xscale("log")
    ax.set_xlim(0.5, steps[-1] * 1.5)
    ax.set_xlabel(r"step $k$ (step 0 drawn at 0.5)")


def _x(steps):
    x = np.asarray(steps, dtype=float)
    return np.where(x == 0, 0.5, x)


def draw_air(mfig, base, rid, *, dpi, title, N, frac_clean, frac_noise, pred):
    """2 x 2 panels: residual per eigen-direction (with the clean and noise energy still
    unfitted), energy per eigen-direction, distance to y*, margin."""
    import matplotlib
    import matplotlib.colors
    fig = mfig.Figure(figsize=(14, 10.5), layout="constrained")
    (ax1, ax2), (ax3, ax4) = fig.subplots(2, 2)
    x = _x(N["steps"])
    lam, C = N["lam"], N["C"]
    shown = N["shown"]
    norm = matplotlib.colors.LogNorm(vmin=max(lam[lam > 0].min(), 1e-3), vmax=lam.max())
    cmap = matplotlib.colormaps["viridis"]
    for j, i in enumerate(shown):
        top = j < C
        ax1.plot(x, N["decay"][:, j], color=cmap(norm(max(lam[i], 1e-3))),
                 lw=1.6 if top else 0.8, alpha=1.0 if top else 0.7)
    ax1.plot(x, N["unfit_clean"], color="tab:blue", lw=3.0,
             label=r"clean labels: $\|D_k V^\top y^\ast\|^2/\|y^\ast\|^2$ still unfitted")
    ax1.plot(x, N["unfit_noise"], color="tab:red", lw=3.0,
             label=r"noise: $\|D_k V^\top \xi\|^2/\|\xi\|^2$ still unfitted")
    ax1.axvline(x[N["best"]], color="grey", ls=":", lw=1.2, label="best early-stopping step")
    _steps_axis(ax1, N["steps"])
    ax1.set_yscale("log")
    ax1.set_ylim(1e-6, 2.0)
    ax1.set_ylabel(r"$|1-\eta\lambda_i|^k$ (residual along $v_i$, relative)")
    ax1.set_title(rf"residual per eigen-direction (top {C} thick, every 12th of the rest thin; "
                  r"colour: $\lambda_i$)", fontsize=10)
    ax1.legend(loc="lower left", fontsize=9)
    ax1.grid(alpha=0.3, which="major")
    cb = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax1, pad=0.01)
    cb.set_label(r"$\lambda_i$")

    pos = lam > 0
    ax2.loglog(lam[pos], np.maximum(N["e_clean"][pos], 1e-12), "o", color="tab:blue", ms=4,
               label=rf"clean labels $y^\ast$ (top {C}: {100 * frac_clean:.2f}%)")
    ax2.loglog(lam[pos], np.maximum(N["e_noise"][pos], 1e-12), "s", color="tab:red", ms=3.5,
               alpha=0.8, label=rf"noise $\xi=\tilde y-y^\ast$ (top {C}: {100 * frac_noise:.1f}%;"
                                rf" $\rho+C(1-\rho)/n$ = {100 * pred:.1f}%)")
    ax2.axvspan(lam[-C] * 0.9, lam[-1] * 1.1, color="gold", alpha=0.25,
                label=rf"top {C} eigenvalues")
    ax2.set_ylim(1e-12, 2.0)
    ax2.set_xlabel(r"eigenvalue $\lambda_i$ of $H^\infty$")
    ax2.set_ylabel(r"energy fraction $(v_i^\top w)^2/\|w\|^2$ (floored at $10^{-12}$)")
    ax2.set_title("where the energy lies: clean labels on the top eigenvectors, noise spread",
                  fontsize=10)
    ax2.legend(loc="lower right", fontsize=9)
    ax2.grid(alpha=0.3, which="major")

    styles = (("gd", "early-stopped GD (teacher)", "black", "-"),
              ("soft", "soft self-distillation (ridge limit)", "tab:green", "--"),
              ("hard", "hard self-distillation", "tab:purple", "-"))
    for key, label, colour, ls in styles:
        ax3.plot(x, N[f"rms_{key}"], color=colour, ls=ls, lw=2, label=label)
        ax4.plot(x, N[f"margin_{key}"], color=colour, ls=ls, lw=2, label=label)
    ax3.axhline(N["rms_noisy"], color="tab:red", ls=":", lw=1.5,
                label=r"$\tilde y$ itself (the limit of plain GD)")
    b = N["best"]
    ax3.plot(x[b], N["rms_gd"][b], "*", color="black", ms=14, label="best early-stopping step")
    _steps_axis(ax3, N["steps"])
    ax3.set_yscale("log")
    ax3.set_ylabel(r"RMS$(u_k - y^\ast)$")
    ax3.set_title(r"distance to the clean labels $y^\ast$", fontsize=10)
    ax3.legend(loc="lower left", fontsize=9)
    ax3.grid(alpha=0.3, which="both")

    ax4.axhline(1.0, color="grey", lw=1)
    ax4.axhline(1 - 2 * N["rho_hat"], color="tab:red", ls=":", lw=1.5,
                label=rf"$1-2\hat\rho$ = {1 - 2 * N['rho_hat']:.2f}")
    _steps_axis(ax4, N["steps"])
    ax4.set_ylim(-1.1, 1.1)
    ax4.set_ylabel(r"margin $\min_i y^\ast_i u_{k,i}$")
    ax4.set_title("margin on the training data", fontsize=10)
    ax4.legend(loc="lower left", fontsize=9)
    ax4.grid(alpha=0.3)
    fig.suptitle(title, fontsize=11)
    return save_figure(fig, base, rid, dpi)
