"""Drawing for the Allen-Zhu & Li 2020 reproduction: matplotlib ``Figure`` objects, no pyplot.

Only imported after :func:`proofs_check.reproduce.require_matplotlib` has succeeded;
matplotlib is imported inside the function.  The figure comes from
:func:`proofs_check.reproduce.figure` (6.75 in wide on paper).  Nothing here computes a
number that is not also in a CSV (the bars' means and standard deviations are in
``views_summary.csv``).
"""

import numpy as np

from ...reproduce import figure, save_figure

__all__ = ["draw_views"]



def draw_views(mfig, base, rid, *, style, dpi, title, heat, seed, threshold, kinds, per_seed):
    """Top: view strengths and per-(class, view) single-view error of the heat-map models
    (one seed); bottom: single-view error of every model kind over the seeds (bar: mean,
    whisker: sd, dots: seeds).  ``heat``: (label, short label, strengths (k, 2), errors
    (k, 2)) per model."""
    import matplotlib
    pt = style.pt
    with figure(mfig, style, height=7.0) as fig:
        top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.25])
        ax_s, ax_e = top.subplots(1, 2, sharey=True)
        labels = [h[1] for h in heat]
        S = np.array([h[2].reshape(-1) for h in heat])          # (models, 2k): class-major
        E = np.array([h[3].reshape(-1) for h in heat])
        k = S.shape[1] // 2
        smax = max(float(S.max()), 2 * threshold)
        im = ax_s.imshow(S, aspect="auto", cmap="viridis", vmin=0.0, vmax=smax,
                         interpolation="nearest")
        rr, cc = np.nonzero(S >= threshold)
        ax_s.plot(cc, rr, "o", ms=pt(3), mfc="none", mec="white", mew=pt(0.8))
        cb = top.colorbar(im, ax=ax_s, location="bottom", aspect=35, pad=0.02)
        cb.set_label(r"$s_{i,j}=\mathrm{max}_r\,\langle w_{i,r}, v_{i,j}\rangle$")
        ax_s.set_title(f"strength of view $j$ of class $i$ (data seed {seed})\n"
                       rf"circles: learned, $s_{{i,j}}\geq{threshold}$")
        imE = ax_e.imshow(E, aspect="auto", cmap="magma_r", vmin=0.0, vmax=1.0,
                          interpolation="nearest")
        cb = top.colorbar(imE, ax=ax_e, location="bottom", aspect=35, pad=0.02)
        cb.set_label("single-view test error")
        ax_e.set_title(f"error on the single-view samples of\nview $j$ of class $i$ "
                       f"(data seed {seed})")
        ax_s.set_yticks(np.arange(len(labels)), labels)
        for ax in (ax_s, ax_e):
            # one tick per class, centred on its two views; white lines separate classes
            ax.set_xticks(np.arange(0.5, 2 * k, 2), [str(i) for i in range(k)])
            ax.tick_params(axis="x", length=0)
            ax.set_xlabel(r"class $i$ (two views $j$ each)")
            for x in np.arange(1.5, 2 * k - 1, 2):
                ax.axvline(x, color="white", lw=pt(0.8))
        ax_b = bottom.subplots(1, 1)
        cmap = matplotlib.colormaps["tab10"]
        n_seeds = len(next(iter(per_seed.values())))
        for i, (key, label, how) in enumerate(kinds):
            v = per_seed[key]
            sd = v.std(ddof=1) if v.size > 1 else 0.0
            ax_b.barh(i, v.mean(), height=0.7, color=cmap(i % 10), alpha=0.55,
                      edgecolor="black", linewidth=pt(0.6))
            ax_b.errorbar(v.mean(), i, xerr=sd, color="black", capsize=pt(3), lw=pt(1.0))
            jitter = np.linspace(-0.15, 0.15, v.size) if v.size > 1 else np.zeros(1)
            ax_b.plot(v, i + jitter, "o", color="black", ms=pt(2))
            ax_b.text(max(v.mean() + sd, float(v.max())) + 0.01, i, f"{v.mean():.3f}",
                      va="center", fontsize=style.small)
        ax_b.set_yticks(np.arange(len(kinds)),
                        [label if how == "one" else f"{label}\n({how})"
                         for _, label, how in kinds])
        ax_b.invert_yaxis()
        ax_b.set_xlabel(r"single-view test error (test error / $\mu$)")
        ax_b.set_title(f"single-view error over {n_seeds} data seeds (bar: mean; whisker: sd; "
                       "dots: seeds)")
        ax_b.axvline(0.5, color="grey", ls=":", lw=pt(1.0))
        ax_b.grid(alpha=0.3, axis="x")
        ax_b.set_xlim(0, max(0.55, max(float(v.max()) for v in per_seed.values()) + 0.08))
        fig.suptitle(title)
        return save_figure(fig, base, rid, dpi)
