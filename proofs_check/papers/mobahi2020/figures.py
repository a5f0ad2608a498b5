"""Drawing for :mod:`proofs_check.reproduce`: matplotlib ``Figure`` objects, no pyplot, no global state.

Only imported after :func:`proofs_check.reproduce._require_matplotlib` has succeeded;
matplotlib itself is imported inside each function, so importing this module (e.g. by
doctest collection) does not need it.  Every figure is written as PNG and PDF through
:class:`proofs_check._io.atomic_writer`, with the "generated ... do not edit" banner in
the file metadata.  Nothing here computes a number that is not also in a CSV.
"""

import math

import numpy as np

from ...reproduce import save_figure





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


def draw_illustrative(mfig, base, rid, *, dpi, title, x, y, grid, curves, d, B, T):
    """Left: f_t on the grid for t < T, the data and f_T = 0; right: diag B_t (log scale)."""
    import matplotlib.cm
    fig = mfig.Figure(figsize=(13, 5.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    cmap, norm = _round_colours(T)
    for t in range(T):
        ax1.plot(grid, curves[t], color=cmap(norm(t)), lw=1.8)
    ax1.axhline(0.0, color=cmap(norm(T)), ls="--", lw=1.5,
                label=rf"round $T={T}$: $f_T\equiv 0$ (collapse)")
    ax1.plot(x, y, "o", color="crimson", ms=7, zorder=5, label=r"data $(x_k, y_k)$")
    ax1.set_xlabel(r"$x$")
    ax1.set_ylabel(r"$f_t(x) = g_x^\top (c_t I + G)^{-1} y_t$")
    ax1.set_title(r"fitted function after each round $t$")
    ax1.legend(loc="upper right")
    ax1.grid(alpha=0.3)

    k = np.arange(1, d.size + 1)
    for t in range(T + 1):
        ax2.semilogy(k, B[t], "o-", color=cmap(norm(t)), ms=4, lw=1.4)
    ax2.semilogy(k, d / d[0], "s:", color="grey", ms=4, label=r"$d_k/d_1$ (for scale)")
    ax2.set_xlabel(r"$k$ (eigenvalues of $G$ in decreasing order, $d_1 > \dots > d_K$)")
    ax2.set_ylabel(r"$[B_t]_{kk} = \prod_{i<t} d_k/(c_i + d_k)$")
    ax2.set_title(r"diagonal of $B_t$ ($z_t = B_t z_0$): mass concentrates on the largest $d_k$")
    ax2.set_xticks(k)
    ax2.legend(loc="lower left")
    ax2.grid(alpha=0.3, which="both")
    cb = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=[ax1, ax2],
                      ticks=np.arange(T + 1), pad=0.01)
    cb.set_label(r"round $t$")
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
    """Bounds as floats for a log axis: inf (vacuous) and 0 (no information) become NaN."""
    out = np.array([float(v) for v in vals])
    out[~np.isfinite(out) | (out <= 0)] = np.nan
    return out


def draw_rounds_vs_eps(mfig, base, rid, *, dpi, title, panels, bounds):
    """One panel per kernel: T against eps (log-log) and the six bounds as curves."""
    n = len(panels)
    ncols = 3 if n > 4 else 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig = mfig.Figure(figsize=(5.2 * ncols, 4.2 * nrows + 1.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    handles = {}
    for ax, p in zip(axes, panels):
        rel = np.array(p["rel"])
        for col, kind, label in bounds:
            vals = _plottable(p["bounds"][col])
            if np.all(np.isnan(vals)):
                continue
            (h,) = ax.plot(rel, vals, lw=1.6, label=f"{kind}: {label}", **_BOUND_STYLE[col])
            handles.setdefault(col, h)
        (h,) = ax.plot(rel, p["T"], "o", color="black", ms=4.5, zorder=5,
                       label=r"collapse round $T$ (engine)")
        handles.setdefault("T", h)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\varepsilon\,/\,(\|y\|^2/K)$")
        ax.set_ylabel(r"rounds")
        ax.set_title(p["label"], fontsize=10)
        ax.grid(alpha=0.3, which="major")
    for ax in axes[n:]:
        ax.set_visible(False)
    order = ["T"] + [b[0] for b in bounds]
    hs = [handles[c] for c in order if c in handles]
    fig.legend(hs, [h.get_label() for h in hs], loc="outside lower center",
               ncols=min(4, len(hs)), fontsize=9)
    fig.suptitle(title)
    return save_figure(fig, base, rid, dpi)


def draw_real_data(mfig, base, rid, *, dpi, title, panels):
    """Columns: kernels; rows: held-out error, the same near its minimum, train error, against t."""
    import matplotlib
    n = len(panels)
    fig = mfig.Figure(figsize=(6.5 * n, 12.5), layout="constrained")
    axes = fig.subplots(3, n, squeeze=False)
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
                (h,) = ax.plot(t, run[key], "o-", color=colour, ms=4, lw=1.5, label=lab)
                ax.plot(t[-1], run[key][-1], "x", color=colour, ms=9, mew=2)
                handles.setdefault(lab, h)
            b = run["best"]
            best_errs.append(run["test"][b])
            for ax in (ax_te, ax_zoom):
                ax.plot(b, run["test"][b], "*", color=colour, ms=16, mec="black", zorder=6)
        for ax in (ax_te, ax_zoom):
            h = ax.axhline(tuned_err, color="grey", ls="--", lw=1.2,
                           label=r"best single fit (round 0) over a fine $\varepsilon$ grid")
        handles.setdefault("tuned", h)
        lo = min(best_errs + [tuned_err])
        ax_zoom.set_ylim(lo * 0.985, lo * 1.12)
        sub = rf"dashed: best single fit, at $\varepsilon={tuned_eps:.3g}$"
        ax_te.set_title(p["label"] + "\n" + sub, fontsize=11)
        ax_te.set_ylabel("held-out MSE (units of train variance)")
        ax_zoom.set_ylabel("held-out MSE, near the minimum")
        ax_tr.set_ylabel("train MSE against the original targets")
        for ax in (ax_te, ax_zoom, ax_tr):
            ax.set_xlabel(r"round $t$")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.grid(alpha=0.3)
        ax_tr.set_yscale("log")
    (hs,) = axes[0, 0].plot([], [], "*", color="white", mec="black", ms=12,
                            label="best round (lowest held-out MSE)")
    (hx,) = axes[0, 0].plot([], [], "x", color="black", ms=8, mew=2,
                            label=r"collapse round $T$: $f_T\equiv 0$")
    hs_all = list(handles.values()) + [hs, hx]
    fig.legend(hs_all, [h.get_label() for h in hs_all], loc="outside lower center",
               ncols=min(5, len(hs_all)), fontsize=9)
    fig.suptitle(title)
    return save_figure(fig, base, rid, dpi)
