r"""Reproduction ``allenzhu_li2020.views``: which views each model learned, and every model
kind's single-view error over data seeds (docs/theory/allenzhu_li2020.md §6).

For each data seed the simulator (:func:`.engines.simulate`, fast-tier size) trains L
networks, their ensemble, a distilled (KD) student, a hard-label control, self-distilled
(SD) students, a wide network and random-feature models.  The figure shows

* for the first data seed, the strength s_{i,j} = max_r <w_{i,r}, v_{i,j}> of each class's
  two views in each network, the ensemble (the mean of its members' strengths: the
  ensemble's logits are the mean of theirs), the KD student, the control and the first
  SD student, with the learned ones (s >= 0.05) marked; beside it the error of the same
  models on the single-view test samples of each (class, view);
* for every model kind, the single-view error (test error / mu) over the data seeds:
  mean, standard deviation over seeds, and each seed's value.

Files: ``views.png``/``.pdf``, ``views_strengths.csv`` (every heat-map cell),
``views_errors.csv`` (every model's sv-err on every seed), ``views_summary.csv`` (the bars:
mean and standard deviation per kind).

Source: Allen-Zhu & Li 2020 (arXiv 2012.09816) [paper, abstract]; the simulator:
docs/theory/allenzhu_li2020.md §2 [derived].

>>> sorted(REPRODUCTIONS)
['allenzhu_li2020.views']
"""

import os

import numpy as np

from theory.ensemble import VIEW_THRESHOLD

from ...reproduce import Reproduction, dpi as _dpi, write_csv as _write_csv
from .engines import SIZES, SimSize, simulate

__all__ = ["REPRODUCTIONS", "KINDS", "SMALL_SIZE", "SEEDS"]

#: Model kinds of the bar chart: (key, label, how the value of one seed is read).
KINDS = (
    ("single", "single network", "mean over the L networks"),
    ("ensemble", "ensemble of L", "one"),
    ("kd", "distilled (KD)", "one"),
    ("control", "hard-label control", "one"),
    ("sd", "self-distilled", "mean over the L students"),
    ("wide", "one network, L*m neurons", "one"),
    ("rf", "random features, M", "mean over the L models"),
    ("rf_ensemble", "RF ensemble of L", "one"),
    ("rf_big", "random features, L*M", "one"),
)
#: Data seeds of the figure (full and small run).
SEEDS = {False: tuple(range(6)), True: (0, 1)}
#: Reduced size for tests (small=True): a few seconds in all.
SMALL_SIZE = SimSize(n_train=80, n_test=300, L=2, steps=100, student_steps=150, rf_M=20)


def _heat_rows(run):
    """(label, short label for the figure, strengths (k, 2), sv-err by view (k, 2)) of the
    heat-map models of one seed."""
    L = run.size.L
    rows = [(f"network {l + 1}", f"network {l + 1}", run.single.strengths[l],
             run.single.by_view[l]) for l in range(L)]
    rows.append(("ensemble (mean of members)", "ensemble", run.single.strengths.mean(axis=0),
                 run.ensemble.by_view[0]))
    rows.append(("distilled (KD)", "KD student", run.kd.strengths[0], run.kd.by_view[0]))
    rows.append(("hard-label control", "hard-label control", run.control.strengths[0],
                 run.control.by_view[0]))
    rows.append(("self-distilled from network 1", "SD of network 1", run.sd.strengths[0],
                 run.sd.by_view[0]))
    return rows


def _views(outdir, small, say, mfig, style):
    from .figures import draw_views
    rid = "allenzhu_li2020.views"
    size = SMALL_SIZE if small else SIZES["fast"]
    runs = []
    for s in SEEDS[small]:
        runs.append(simulate(size, s))
        say(f"{rid}: data seed {s} ({size.label}): {runs[-1].seconds:.1f} s")
    heat = _heat_rows(runs[0])
    srows = []
    for label, _, S, E in heat:
        for i in range(S.shape[0]):
            for j in (0, 1):
                srows.append([runs[0].seed, label, i, j, S[i, j], bool(S[i, j] >= VIEW_THRESHOLD),
                              E[i, j]])
    erows = []
    for run in runs:
        for key, _, _ in KINDS:
            for idx, v in enumerate(getattr(run, key).sv):
                erows.append([run.seed, key, idx, v])
    per_seed = {key: np.array([getattr(r, key).sv.mean() for r in runs]) for key, _, _ in KINDS}
    summary = [[key, label, how, len(runs), per_seed[key].mean(),
                per_seed[key].std(ddof=1) if len(runs) > 1 else 0.0]
               for key, label, how in KINDS]
    files = [
        _write_csv(os.path.join(outdir, "views_strengths.csv"), rid,
                   ["data_seed", "model", "class", "view", "strength", "learned",
                    "sv_err_of_view"], srows),
        _write_csv(os.path.join(outdir, "views_errors.csv"), rid,
                   ["data_seed", "kind", "index", "sv_err"], erows),
        _write_csv(os.path.join(outdir, "views_summary.csv"), rid,
                   ["kind", "label", "per_seed_value", "seeds", "mean_sv_err", "sd_over_seeds"],
                   summary),
    ]
    title = (rf"Multi-view simulator: $N={size.n_train}$ training samples, $L={size.L}$ "
             rf"networks, $M={size.rf_M}$ random features" "\n"
             rf"{size.steps} training steps (students {size.student_steps}); data seeds "
             rf"{SEEDS[small][0]} to {SEEDS[small][-1]}")
    files += draw_views(mfig, os.path.join(outdir, "views"), rid, style=style,
                        dpi=_dpi(small), title=title,
                        heat=heat, seed=runs[0].seed, threshold=VIEW_THRESHOLD,
                        kinds=KINDS, per_seed=per_seed)
    for key, label, _ in KINDS:
        v = per_seed[key]
        say(f"{rid}: {label}: sv-err {v.mean():.3f} +- {v.std(ddof=1) if v.size > 1 else 0:.3f}")
    return files


REPRODUCTIONS = {
    "allenzhu_li2020.views": Reproduction(
        "allenzhu_li2020.views",
        "multi-view simulator: strength of each class's two views in single networks, the "
        "ensemble, the distilled and self-distilled students; single-view error of every "
        "model kind over data seeds",
        _views),
}
