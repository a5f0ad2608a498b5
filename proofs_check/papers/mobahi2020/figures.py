"""Drawing for :mod:`proofs_check.reproduce`: matplotlib ``Figure`` objects, no pyplot, no global state.

Only imported after :func:`proofs_check.reproduce.require_matplotlib` has succeeded;
matplotlib itself is imported inside each function, so importing this module (e.g. by
doctest collection) does not need it.  Each figure comes from
:func:`proofs_check.reproduce.figure` (sized by the style: 6.75 in wide on paper) and is
written as PNG and PDF by :func:`proofs_check.reproduce.save_figure`, with the "generated
... do not edit" banner in the file metadata.  Nothing here computes a number that is not
also in a CSV.
"""

import numpy as np

from ...reproduce import figure, integer_ticks, save_figure





def _round_colours(T, name="viridis"):
    """A discrete colormap and norm for rounds 0..T (viridis without its pale yellow end)."""
    import matplotlib
    import matplotlib.colors
    colours = matplotlib.colormaps[name](np.linspace(0.0, 0.85, T + 1))
    cmap = matplotlib.colors.ListedColormap(colours)
    norm = matplotlib.colors.BoundaryNorm(np.arange(-0.5, T + 1.5), T + 1)
    return cmap, norm


def sci(v):
    r"""Mathtext for a number: 3 significant digits, powers of ten outside [1e-3, 1e4).

    >>> print(sci(608822.0), sci(13.94), sci(1.0))
    6.09\times10^{5} 13.9 1
    """
    v = float(v)
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:.3g}"
    m, e = f"{v:.2e}".split("e")
    return rf"{m}\times10^{{{int(e)}}}"


def draw_illustrative(mfig, base, rid, *, style, dpi, title, x, y, grid, curves, d, B, T):
    """Left: f_t on the grid for t < T, the data and f_T = 0; right: B_{t,k} (log scale)."""
    import matplotlib.cm
    pt = style.pt
    with figure(mfig, style, height=3.1) as fig:
        ax1, ax2 = fig.subplots(1, 2)
        cmap, norm = _round_colours(T)
        for t in range(T):
            ax1.plot(grid, curves[t], color=cmap(norm(t)), lw=pt(1.2))
        ax1.axhline(0.0, color=cmap(norm(T)), ls="--", lw=pt(1.0),
                    label=rf"$f_{{{T}}}\equiv 0$ (collapse)")
        ax1.plot(x, y, "o", color="crimson", ms=pt(4), zorder=5, label=r"data $(x_k, y_k)$")
        ax1.set_xlabel(r"$x$")
        ax1.set_ylabel(r"$f_t(x)$")
        ax1.set_title(r"fitted function $f_t$ after round $t$")
        ax1.legend(loc="upper right")
        ax1.grid(alpha=0.3)

        k = np.arange(1, d.size + 1)
        for t in range(T + 1):
            ax2.semilogy(k, B[t], "o-", color=cmap(norm(t)), ms=pt(2.5), lw=pt(1.0))
        ax2.semilogy(k, d / d[0], "s:", color="grey", ms=pt(2.5), lw=pt(1.0),
                     label=r"$d_k/d_1$ (for scale)")
        ax2.set_xlabel(r"$k$ (eigenvalues $d_1 > \dots > d_K$ of $G$)")
        ax2.set_ylabel(r"$B_{t,k} = \prod_{i<t} d_k/(c_i + d_k)$")
        ax2.set_title(r"$z_t = B_t z_0$: mass moves to the largest $d_k$")
        ax2.set_xticks(k[::2] if d.size > 8 else k)
        ax2.legend(loc="lower left")
        ax2.grid(alpha=0.3, which="major")
        cb = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=[ax1, ax2],
                          ticks=np.arange(T + 1), pad=0.01, aspect=30)
        cb.set_label(r"round $t$")
        cb.ax.minorticks_off()
        fig.suptitle(title)
        return save_figure(fig, base, rid, dpi)


_BOUND_STYLE = {
    "lower_kappa": dict(color="tab:cyan", ls="--"),
    "lower_kappa_free": dict(color="tab:blue", ls="-"),
    "lower_iterated": dict(color="tab:purple", ls="-."),
    "upper_sq": dict(color="tab:red", ls="-"),
    "upper_kappa": dict(color="tab:orange", ls="--"),
    "upper_iterated": dict(color="tab:brown", ls="-."),
}


def _plottable(vals):
    """Bounds as floats: inf (vacuous) becomes NaN (not drawn)."""
    out = np.array([float(v) for v in vals])
    out[~np.isfinite(out)] = np.nan
    return out


def draw_rounds_vs_eps(mfig, base, rid, *, style, dpi, title, panels, bounds):
    """One panel per kernel (two per row, shared axes): the collapse round T against
    r_0 = ||y||/sqrt(K eps), both linear, and the six bounds as curves.  The rounds axis
    stops at 1.25 max T: upper bounds above it leave the panel (their values are in the
    CSV)."""
    pt = style.pt
    n = len(panels)
    ncols = 2 if n > 1 else 1
    nrows = -(-n // ncols)
    top = 1.25 * max(max(p["T"]) for p in panels)
    with figure(mfig, style, height=min(1.0 + 2.35 * nrows, 9.0), columns=ncols) as fig:
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
        handles = {}
        for ax, p in zip(axes, panels):
            r0 = np.array(p["r0"])
            for col, kind, label in bounds:
                vals = _plottable(p["bounds"][col])
                if np.all(np.isnan(vals)):
                    continue
                (h,) = ax.plot(r0, vals, lw=pt(1.1), label=f"{kind}: {label}",
                               **_BOUND_STYLE[col])
                handles.setdefault(col, h)
            (h,) = ax.plot(r0, p["T"], "o", color="black", ms=pt(2.6), zorder=5,
                           label=r"collapse round $T$")
            handles.setdefault("T", h)
            ax.set_xlim(0, 1.02 * r0.max())
            ax.set_ylim(0, top)
            integer_ticks(ax.yaxis)
            ax.set_title(p["label"])
            ax.grid(alpha=0.3)
        for ax in axes[n:]:
            ax.set_visible(False)
        for ax in axes[(nrows - 1) * ncols:]:
            ax.set_xlabel(r"$r_0 = \|y\|/\sqrt{K\varepsilon}$")
        for ax in axes[::ncols]:
            ax.set_ylabel("rounds")
        order = ["T"] + [b[0] for b in bounds]
        hs = [handles[c] for c in order if c in handles]
        fig.legend(hs, [h.get_label() for h in hs], loc="outside lower center",
                   ncols=min(2, len(hs)))
        fig.suptitle(title)
        return save_figure(fig, base, rid, dpi)


def draw_real_data(mfig, base, rid, *, style, dpi, title, panels):
    """Columns: kernels; rows: held-out error, the same near its minimum, train error,
    against the round t (integer axis)."""
    import matplotlib
    pt = style.pt
    n = len(panels)
    with figure(mfig, style, height=8.0, columns=2 if n > 1 else 1) as fig:
        axes = fig.subplots(3, n, squeeze=False, sharex="col")
        cmap = matplotlib.colormaps["plasma"]
        handles = {}
        for j, p in enumerate(panels):
            ax_te, ax_zoom, ax_tr = axes[:, j]
            runs = p["runs"]
            tuned_err, tuned_eps = p["tuned"]
            best_errs = []
            for i, run in enumerate(runs):
                colour = cmap(0.85 * i / max(1, len(runs) - 1))
                t = np.arange(run["T"] + 1)
                lab = rf"$\varepsilon={run['eps']}$"
                for ax, key in ((ax_te, "test"), (ax_zoom, "test"), (ax_tr, "train")):
                    (h,) = ax.plot(t, run[key], "o-", color=colour, ms=pt(2.5), lw=pt(1.0),
                                   label=lab)
                    ax.plot(t[-1], run[key][-1], "x", color=colour, ms=pt(5), mew=pt(1.2))
                    handles.setdefault(lab, h)
                b = run["best"]
                best_errs.append(run["test"][b])
                for ax in (ax_te, ax_zoom):
                    ax.plot(b, run["test"][b], "*", color=colour, ms=pt(8), mec="black",
                            mew=pt(0.5), zorder=6)
            for ax in (ax_te, ax_zoom):
                h = ax.axhline(tuned_err, color="grey", ls="--", lw=pt(1.0),
                               label=r"best single fit (round 0) over a fine $\varepsilon$ grid")
            handles.setdefault("tuned", h)
            lo = min(best_errs + [tuned_err])
            ax_zoom.set_ylim(lo * 0.985, lo * 1.12)
            ax_te.set_title(p["label"] + "\n" + rf"dashed: best single fit, $\varepsilon={tuned_eps:.3g}$")
            ax_tr.set_xlabel(r"round $t$")
            for ax in (ax_te, ax_zoom, ax_tr):
                integer_ticks(ax.xaxis)
                ax.grid(alpha=0.3)
            ax_tr.set_yscale("log")
        axes[0, 0].set_ylabel("held-out MSE")
        axes[1, 0].set_ylabel("held-out MSE, near its minimum")
        axes[2, 0].set_ylabel("train MSE")
        (hs,) = axes[0, 0].plot([], [], "*", color="white", mec="black", ms=pt(8), mew=pt(0.5),
                                label="best round (lowest held-out MSE)")
        (hx,) = axes[0, 0].plot([], [], "x", color="black", ms=pt(5), mew=pt(1.2),
                                label=r"collapse round $T$: $f_T\equiv 0$")
        hs_all = list(handles.values()) + [hs, hx]
        fig.legend(hs_all, [h.get_label() for h in hs_all], loc="outside lower center",
                   ncols=min(3, len(hs_all)))
        fig.suptitle(title)
        return save_figure(fig, base, rid, dpi)
