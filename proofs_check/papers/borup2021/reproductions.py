r"""The toy example of Borup & Andersen (2021), with every plotted number in CSV files.

``borup2021.toy`` runs the fixed-ridge engine (:func:`theory.fixed_ridge_distill`,
docs/theory/borup2021.md §1) on the authors' 11-point data (RBF gamma = 80, lam = 0.2) and
writes

* ``toy_losses.csv``: the loss against sin(2 pi x) on x = 0, 0.01, ..., 1 at every step and
  in the limit, for alpha = 0, 0.25, 0.35, next to the numbers the authors published
  (notebook: alpha = 0 and 0.25; README table: its second column, which alpha = 0.35
  reproduces);
* ``toy_ratio.csv``: the sparsification ratio R_10 = B_10/B_11 of the two smallest
  eigenvalues against the step, with its limit R_inf (alpha > 0);
* ``toy_fit.csv``: the fitted functions of steps 1..6 and the limit at alpha = 0 and 0.35;
* ``toy.png`` / ``toy.pdf``: the three panels.

Source: Borup & Andersen 2021, the authors' repository (toy_example.ipynb, README.md).

>>> sorted(REPRODUCTIONS)
['borup2021.toy']
"""

import os

import numpy as np

from theory import fixed_ridge_distill
from theory.ridge_closed_form import limit_filter_f64

from ...reproduce import Reproduction, dpi as _dpi, write_csv as _write_csv
from .domains import rbf
from .official import (NOTEBOOK_LOSSES, README_COLUMN, README_COLUMN_LABEL, TOY_GAMMA,
                       TOY_GRID, TOY_LAM, TOY_X, TOY_Y)

__all__ = ["REPRODUCTIONS", "TOY_ALPHAS", "toy_run"]

#: Ground-truth weights of the figure: the notebook's two and the README's.
TOY_ALPHAS = (0.0, 0.25, 0.35)


def toy_run(alpha, steps):
    """(losses at tau = 1..steps, loss of the limit, predictions on the grid (steps x 101),
    limit predictions, trajectory) for the toy example at weight ``alpha``."""
    K = rbf(TOY_X, TOY_X, TOY_GAMMA)
    K = 0.5 * (K + K.T)
    Kt = rbf(TOY_GRID, TOY_X, TOY_GAMMA)
    truth = np.sin(2 * np.pi * TOY_GRID)
    tr = fixed_ridge_distill(K, TOY_Y, TOY_LAM, [1 - alpha] * (steps - 1))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        pred = tr.predict(Kt)
        losses = np.mean((pred - truth) ** 2, axis=1)
        if alpha > 0:  # ridge with lam/alpha (docs/theory/borup2021.md §5.3)
            lim = Kt @ np.linalg.solve(K + (TOY_LAM / alpha) * np.eye(len(TOY_X)), TOY_Y)
        else:  # the authors' limit formula alpha k(x)(alpha K + lam I)^-1 y: the zero function
            lim = np.zeros_like(truth)
        limit = float(np.mean((lim - truth) ** 2))
    return losses, limit, pred, lim, tr


def _published(alpha):
    """{tau or 'inf': (value, source)} published for this alpha."""
    out = {}
    if alpha in NOTEBOOK_LOSSES:
        vals, lim = NOTEBOOK_LOSSES[alpha]
        out.update({t + 1: (v, "notebook") for t, v in enumerate(vals)})
        out["inf"] = (lim, "notebook")
    if alpha == 0.35:
        vals, lim = README_COLUMN
        src = f"README column headed alpha = {README_COLUMN_LABEL}"
        out.update({t + 2: (v, src) for t, v in enumerate(vals)})
        out["inf"] = (lim, src)
    return out


def _toy(outdir, small, say, mfig, style):
    from .figures import draw_toy
    rid = "borup2021.toy"
    steps = 12 if small else 30
    runs = {a: toy_run(a, steps) for a in TOY_ALPHAS}
    rows, loss_panel = [], {}
    for a, (losses, limit, _, _, _) in runs.items():
        pub = _published(a)
        for t, v in enumerate(losses, start=1):
            p = pub.get(t)
            rows.append([a, t, float(v), p[0] if p else "", p[1] if p else ""])
        p = pub.get("inf")
        rows.append([a, "inf", limit, p[0] if p else "", p[1] if p else ""])
        loss_panel[a] = {"losses": losses, "limit": limit,
                         "published": {t: v for t, (v, _) in pub.items()}}
        best = int(np.argmin(losses))
        say(f"{rid}: alpha = {a}: loss {losses[0]:.5f} at step 1, best {losses[best]:.5f} at "
            f"step {best + 1}, limit {limit:.5f}")
    files = [_write_csv(os.path.join(outdir, "toy_losses.csv"), rid,
                        ["alpha", "tau", "loss", "published", "published_source"], rows)]

    ratio_rows, ratio_panel = [], {}
    for a, (_, _, _, _, tr) in runs.items():
        R = tr.filters[:, 1] / tr.filters[:, 0]  # ascending eigenvalues: B_10/B_11
        Rinf = None
        if a > 0:
            binf = limit_filter_f64(tr.eigenvalues[:2], TOY_LAM, a)
            Rinf = float(binf[1] / binf[0])
        for t, r in enumerate(R, start=1):
            ratio_rows.append([a, t, float(r), Rinf if Rinf is not None else ""])
        ratio_panel[a] = {"R": R, "R_inf": Rinf}
        if Rinf is not None:
            peak = int(np.argmax(R))
            say(f"{rid}: alpha = {a}: R_10 peaks at tau = {peak + 1} ({R[peak]:.5f}); "
                f"R_inf = {Rinf:.5f}, overshoot {100 * (R[peak] / Rinf - 1):.2f}%")
    files.append(_write_csv(os.path.join(outdir, "toy_ratio.csv"), rid,
                            ["alpha", "tau", "R_10", "R_inf"], ratio_rows))

    fit_alphas = (0.0, 0.35)
    header = ["x", "truth"] + [f"alpha{a}_f{t}" for a in fit_alphas for t in range(1, 7)] + \
        [f"alpha{a}_f_inf" for a in fit_alphas]
    truth = np.sin(2 * np.pi * TOY_GRID)
    fit_rows = []
    for i, xv in enumerate(TOY_GRID):
        row = [xv, truth[i]]
        row += [runs[a][2][t, i] for a in fit_alphas for t in range(6)]
        row += [runs[a][3][i] for a in fit_alphas]
        fit_rows.append(row)
    files.append(_write_csv(os.path.join(outdir, "toy_fit.csv"), rid, header, fit_rows))
    fits = {a: {"pred": runs[a][2][:6], "limit": runs[a][3]} for a in fit_alphas}
    title = (rf"Borup & Andersen's toy example: 11 points, RBF kernel $\gamma={TOY_GAMMA:g}$, "
             rf"$\lambda={TOY_LAM}$" "\n"
             r"loss: mean of $(f(x)-\sin 2\pi x)^2$ over $x=0,0.01,\dots,1$")
    files += draw_toy(mfig, os.path.join(outdir, "toy"), rid, style=style, dpi=_dpi(small),
                      title=title,
                      x=TOY_X, y=TOY_Y, grid=TOY_GRID, truth=truth, fits=fits,
                      losses=loss_panel, ratios=ratio_panel, readme_label=README_COLUMN_LABEL)
    return files


_DESCRIPTIONS = {
    "borup2021.toy":
        "the authors' 11-point toy example (RBF gamma = 80, lam = 0.2): fitted functions, the "
        "loss per step for alpha = 0, 0.25, 0.35 next to the published numbers, and the "
        "sparsification ratio R_10 = B_10/B_11 rising, peaking at tau = 3 and falling to its "
        "limit",
}

#: Reproduction id -> :class:`~proofs_check.reproduce.Reproduction`.
REPRODUCTIONS = {"borup2021.toy": Reproduction("borup2021.toy", _DESCRIPTIONS["borup2021.toy"],
                                               _toy)}
