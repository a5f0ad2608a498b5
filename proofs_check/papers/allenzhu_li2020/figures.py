"""Drawing for the Allen-Zhu & Li 2020 reproduction: matplotlib ``Figure`` objects, no pyplot.

Only imported after :func:`proofs_check.reproduce.require_matplotlib` has succeeded;
matplotlib is imported inside the function.  Nothing here computes a number that is not
also in a CSV (the bars' means and standard deviations are in ``views_summary.csv``).
"""

import numpy as np

from ..mobahi2020.figures import _save

__all__ = ["draw_views"]


def draw_views(mfig, base, rid, *, dpi, title, heat, seed, threshold, kinds, per_seed):
    """Top: view strengths and per-(class, view) sv-err of the heat-map models (one seed);
    bottom: sv-err of every model kind over the seeds (bar: mean, whisker: sd, dots: seeds)."""
    import matplotlib
    fig = mfig.Figure(figsize=(15, 10.5), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.1, 1.0])
    ax_s, ax_e = top.subplots(1, 2)
    labels = [h[0] for h in heat]
    S = np.array([h[1].reshape(-1) for h in heat])          # (models, 2k): class-major
    E = np.array([h[2].reshape(-1) for h in heat])
    k = S.shape[1] // 2
    smax = max(float(S.max()), 2 * threshold)
    im = ax_s.imshow(S, aspect="auto", cmap="viridis", vmin=0.0, vmax=smax,
                     interpolation="nearest")
    rr, cc = np.nonzero(S >= threshold)
    ax_s.plot(cc, rr, "o", ms=4, mfc="none", mec="white", mew=1.0,
              label=rf"learned ($s_{{i,j}}\geq{threshold}$)")
    ax_s.legend(loc="upper right", bbox_to_anchor=(1.0, -0.08), fontsize=8, frameon=False)
    top.colorbar(im, ax=ax_s, label=r"$s_{i,j}=\max_r\langle w_{i,r}, v_{i,j}\rangle$")
    ax_s.set_title(f"strength of view j of class i (data seed {seed})", fontsize=11)
    imE = ax_e.imshow(E, aspect="auto", cmap="magma_r", vmin=0.0, vmax=1.0,
                      interpolation="nearest")
    top.colorbar(imE, ax=ax_e, label="error on single-view samples showing view j of class i")
    ax_e.set_title(f"error on the single-view test samples of each view (data seed {seed})",
                   fontsize=11)
    for ax in (ax_s, ax_e):
        ax.set_yticks(np.arange(len(labels)), labels, fontsize=9)
        ax.set_xticks(np.arange(2 * k), [f"{i}.{j}" for i in range(k) for j in (0, 1)],
                      fontsize=7)
        ax.set_xlabel("class i . view j")
        for x in np.arange(1.5, 2 * k - 1, 2):
            ax.axvline(x, color="white", lw=0.8)
    ax_b = bottom.subplots(1, 1)
    cmap = matplotlib.colormaps["tab10"]
    x = np.arange(len(kinds))
    for i, (key, label, how) in enumerate(kinds):
        v = per_seed[key]
        sd = v.std(ddof=1) if v.size > 1 else 0.0
        ax_b.bar(i, v.mean(), width=0.7, color=cmap(i % 10), alpha=0.55, edgecolor="black")
        ax_b.errorbar(i, v.mean(), yerr=sd, color="black", capsize=5, lw=1.4)
        jitter = np.linspace(-0.18, 0.18, v.size) if v.size > 1 else np.zeros(1)
        ax_b.plot(i + jitter, v, "o", color="black", ms=3.5)
        ax_b.text(i, v.mean() + sd + 0.01, f"{v.mean():.3f}", ha="center", fontsize=9)
    ax_b.set_xticks(x, [f"{label}\n({how})" for _, label, how in kinds], fontsize=8)
    ax_b.set_ylabel(r"single-view test error (test error / $\mu$)")
    ax_b.set_title(f"single-view error of every model kind over {len(next(iter(per_seed.values())))} "
                   "data seeds: bar = mean, whisker = sd over seeds, dots = seeds", fontsize=11)
    ax_b.axhline(0.5, color="grey", ls=":", lw=1)
    ax_b.grid(alpha=0.3, axis="y")
    ax_b.set_ylim(0, max(0.55, max(float(v.max()) for v in per_seed.values()) + 0.05))
    fig.suptitle(title)
    return _save(fig, base, rid, dpi)
