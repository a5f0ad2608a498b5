r"""Reproductions of the figures of Mobahi, Farajtabar & Bartlett (2020), with the numbers behind them.

Each reproduction runs the self-distillation engine (:func:`theory.self_distill`,
docs/theory/mobahi2020.md §4) and writes a figure (PNG and PDF) plus CSV files holding
every plotted number.  A round ``t < T`` fits ``y_t`` and predicts

    f_t(x) = g_x^T (c_t I + G)^{-1} y_t = g_x^T V^T diag(1/(c_t + d)) B_t z_0,
    G = V^T diag(d) V,  g_x[k] = k(x, x_k)/K,  z_0 = V y,

and round ``T`` (the collapse round) gives ``f_T ≡ 0`` (:func:`theory.distill.fitted_values`).

* ``mobahi2020.illustrative``: the paper's 11-point data (docs/theory/mobahi2020.md §6), a
  Green-function kernel; the fitted function after each round and the diagonal
  ``B_{t,k}`` of ``B_t``.
* ``mobahi2020.rounds_vs_eps``: the collapse round ``T`` against ``ε`` (drawn against
  ``r_0 = ||y||/sqrt(K ε)``) for several kernels, with the lower and upper bounds on ``T``
  (docs/theory/mobahi2020.md §5) as curves.
* ``mobahi2020.real_data``: train and held-out error against the round on scikit-learn's
  diabetes data (shipped with the package, no download), Gaussian and ReLU-NTK kernels.

Source: Mobahi, Farajtabar & Bartlett 2020 (arXiv 2002.05715), the illustrative example
and the experiments section.

>>> sorted(REPRODUCTIONS)
['mobahi2020.illustrative', 'mobahi2020.real_data', 'mobahi2020.rounds_vs_eps']
"""

import math
import os

import numpy as np

from theory import secular_root_f64, self_distill
from theory.bounds import bound_values
from theory.distill import fitted_values
from theory.errors import PrecisionError, RoundsExceededError
from theory.green import green_f64, green_gram, laplace_power_coeffs
from theory.kernels import gaussian_gram, matern_gram, ntk_relu_gram, pairwise_distances

from ...reproduce import Reproduction, dpi as _dpi, require as _require, write_csv as _write_csv

__all__ = ["REPRODUCTIONS", "ILLUSTRATIVE_X", "ILLUSTRATIVE_Y", "BOUNDS"]

_N_HI_STEPS = 10**5  # the figure's cap on the n_hi iteration (about kappa (r0 - 1) steps)

#: docs/theory/mobahi2020.md §6: x_k = 0, 0.1, ..., 1.0 (k/10 is the correctly rounded double of each decimal).
ILLUSTRATIVE_X = np.arange(11) / 10
#: docs/theory/mobahi2020.md §6: sin(2 pi x) plus Gaussian noise, the exact values of the paper's example.
ILLUSTRATIVE_Y = np.array([
    0.38476636465198066, 1.2333967683416893, 1.33232242218057, 0.6920159488889518,
    -0.29756145531871736, -0.24189291901377769, -0.7964485769175675, -0.9616480167034174,
    -0.49672509509916934, -0.3469066003991437, 0.5589512650600734])



#: (CSV column, lower or upper, legend label) of the bounds on T, in the order of
#: :func:`bound_values`.
BOUNDS = (
    ("lower_kappa", "lower", r"$(r_0-1)/\kappa$"),
    ("lower_kappa_free", "lower", r"$\lceil r_0-1\rceil$"),
    ("lower_iterated", "lower", r"$n_{lo}$ (iterated map)"),
    ("upper_sq", "upper", r"$\lceil r_0^2-1\rceil$"),
    ("upper_kappa", "upper", r"$\lceil (r_0-1)(1+\kappa(r_0-1))/r_0\rceil$"),
    ("upper_iterated", "upper",
     rf"$n_{{hi}}$ (iterated map; omitted beyond $10^{{{round(math.log10(_N_HI_STEPS))}}}$ steps)"),
)


#: Kernel of the illustrative figure: Green's function of (1 - l^2 D^2)^2, l = 1/5, i.e.
#: R(f) = ∫ f^2 + 2 l^2 f'^2 + l^4 f''^2, g(r) = (l + r) e^{-r/l} / (4 l^2).
ILLUSTRATIVE_ELL = 0.2
ILLUSTRATIVE_POWER = 2
#: Data-fit budget of the illustrative figure (||y||^2/K = 0.5735...): collapse at T = 6.
ILLUSTRATIVE_EPS = 0.02


def _illustrative(outdir, small, say, mfig, style):
    from .figures import draw_illustrative
    rid = "mobahi2020.illustrative"
    x, y, eps = ILLUSTRATIVE_X, ILLUSTRATIVE_Y, ILLUSTRATIVE_EPS
    K = x.size
    coeffs = laplace_power_coeffs(ILLUSTRATIVE_ELL, ILLUSTRATIVE_POWER)
    G = green_gram(coeffs, x)
    g = green_f64(coeffs)
    tr = self_distill(G, y, eps)
    T = tr.collapse_round
    say(f"{rid}: K = {K}, eps = {eps}, collapse round T = {T}")
    grid = np.linspace(-0.05, 1.05, 111 if small else 441)
    Gx_grid = g(grid[:, None] - x[None, :]) / K
    Gx_pts = g(x[:, None] - x[None, :]) / K  # the fitted function at x_k, not G itself
    curves = np.array([fitted_values(tr, t, Gx_grid) for t in range(T)])
    at_pts = np.array([fitted_values(tr, t, Gx_pts) for t in range(T)])
    order = np.argsort(tr.eigenvalues)[::-1]  # k = 1 is the largest eigenvalue
    d = tr.eigenvalues[order]
    B = tr.B[:, order]

    files = []
    files.append(_write_csv(os.path.join(outdir, "illustrative_fit.csv"), rid,
                            ["x"] + [f"f_{t}" for t in range(T)],
                            ([xi] + list(curves[:, i]) for i, xi in enumerate(grid))))
    files.append(_write_csv(os.path.join(outdir, "illustrative_points.csv"), rid,
                            ["k", "x_k", "y_k"] + [f"f_{t}(x_k)" for t in range(T)],
                            ([k + 1, x[k], y[k]] + list(at_pts[:, k]) for k in range(K))))
    rows = []
    for t in range(T + 1):
        c_t = tr.c[t] if t < T else ""
        for k in range(K):
            rows.append([t, c_t, tr.norms[t], k + 1, d[k], B[t, k]])
    files.append(_write_csv(os.path.join(outdir, "illustrative_B.csv"), rid,
                            ["round", "c_t", "norm_y_t", "k", "d_k", "B_t_kk"], rows))
    title = (r"Self-distillation with the Green's function of $(1-\ell^2D^2)^2$, "
             rf"$\ell={ILLUSTRATIVE_ELL}$" "\n"
             rf"$K={K}$ points, $\varepsilon={eps}$ ($\|y\|^2/K={float(y @ y) / K:.3f}$): "
             rf"collapse at round $T={T}$")
    files += draw_illustrative(mfig, os.path.join(outdir, "illustrative"), rid, style=style,
                               dpi=_dpi(small), title=title,
                               x=x, y=y, grid=grid, curves=curves, d=d, B=B, T=T)
    return files


# ----------------------------------------------------------------------------------------
# 2. Collapse round against eps


def _spectrum_gram(K, kappa):
    """``V^T diag(d) V`` with d_k = κ^{-(k-1)/(K-1)}/K and V the orthonormal DCT-II matrix
    (its rows are the eigenvectors, as in docs/theory/mobahi2020.md §4)."""
    import scipy.fft
    V = scipy.fft.dct(np.eye(K), norm="ortho", axis=0)
    d = float(kappa) ** (-np.arange(K) / (K - 1)) / K
    G = (V.T * d) @ V
    return 0.5 * (G + G.T)


#: (name, parameter, label, Gram builder on the points x) of the rounds-vs-eps figure.
ROUNDS_KERNELS = (
    ("laplace_green", 0.2, r"Green of $1-\ell^2D^2$, $\ell=0.2$",
     lambda x, p: green_gram(laplace_power_coeffs(p, 1), x)),
    ("laplace2_green", 0.2, r"Green of $(1-\ell^2D^2)^2$, $\ell=0.2$",
     lambda x, p: green_gram(laplace_power_coeffs(p, 2), x)),
    ("matern52", 0.2, r"Matérn $\nu=5/2$, $\ell=0.2$", lambda x, p: matern_gram(x, 2.5, p)),
    ("gaussian", 0.2, r"Gaussian, $h=0.2$", lambda x, p: gaussian_gram(x, p)),
    ("spectrum", 1.0, r"$G=I/K$, $\kappa=1$: $n_{lo}=n_{hi}=T$",
     lambda x, p: _spectrum_gram(x.size, p)),
    ("spectrum", 100.0, r"prescribed spectrum, $\kappa=100$",
     lambda x, p: _spectrum_gram(x.size, p)),
)


def _eps_grid(small):
    """eps/(||y||^2/K), from just below 1 (collapse at round 1) over 2 (small) or 5 decades.

    Both ends are 0.98 times a power of ten, so that r0 = (eps/(||y||^2/K))^{-1/2} is not
    an integer there: an integer r0 with G = I/K puts ||y_T||^2 exactly on K eps.
    """
    return np.geomspace(0.98, 0.98e-2, 6) if small else np.geomspace(0.98, 0.98e-5, 31)


#: Largest T for which an undecided float64 collapse test is settled by the mp engine.
_MP_MAX_ROUNDS = 300


def _collapse_round(G, y, eps):
    """(trajectory, how T was decided): float64, or mp at 30 digits when float64 cannot decide.

    "float64-undecided" when the mp engine is too slow (T > _MP_MAX_ROUNDS) or cannot
    confirm 30 digits; the CSV says so.
    """
    tr = self_distill(G, y, eps)
    if tr.collapse_round_certain:
        return tr, "float64"
    if tr.collapse_round <= _MP_MAX_ROUNDS:
        try:
            return self_distill(G, y, eps, dps=30, max_rounds=_MP_MAX_ROUNDS + 1), "mp30"
        except (PrecisionError, RoundsExceededError):
            pass
    return tr, "float64-undecided"


def _rounds_vs_eps(outdir, small, say, mfig, style):
    from .figures import draw_rounds_vs_eps, sci
    rid = "mobahi2020.rounds_vs_eps"
    x, y = ILLUSTRATIVE_X, ILLUSTRATIVE_Y
    K = x.size
    scale = float(y @ y) / K
    rel = _eps_grid(small)
    rows, panels = [], []
    for name, p, label, build in ROUNDS_KERNELS:
        G = build(x, p)
        panel = {"label": label, "rel": [], "r0": [], "T": [],
                 "bounds": {b[0]: [] for b in BOUNDS}}
        for er in rel:
            eps = float(er * scale)
            tr, how = _collapse_round(G, y, eps)
            T = tr.collapse_round
            kappa = float(tr.kappa)
            r0 = math.sqrt(float(y @ y) / (K * eps))
            vals = bound_values(r0, kappa)
            rows.append([name, p, kappa, eps, float(er), r0, T, how] + vals)
            panel["rel"].append(float(er))
            panel["r0"].append(r0)
            panel["T"].append(T)
            for (col, _, _), v in zip(BOUNDS, vals):
                panel["bounds"][col].append(v)
        if name != "spectrum":
            panel["label"] += rf", $\kappa={sci(kappa)}$"
        panels.append(panel)
        say(f"{rid}: {name} ({p}): kappa = {kappa:.3g}, T from {panel['T'][0]} to "
            f"{panel['T'][-1]} over eps/(||y||^2/K) in [{rel[-1]:.0e}, {rel[0]}]")
    files = [_write_csv(os.path.join(outdir, "rounds_vs_eps.csv"), rid,
                        ["kernel", "parameter", "kappa", "eps", "eps_over_mean_y2", "r0", "T",
                         "T_engine"] + [b[0] for b in BOUNDS], rows)]
    title = (r"Collapse round $T$ and its bounds against $r_0=\|y\|/\sqrt{K\varepsilon}$" "\n"
             rf"(the paper's illustrative data: $K={K}$, $\|y\|^2/K={scale:.4f}$; "
             rf"$\varepsilon/(\|y\|^2/K)$ from {rel[0]:g} to ${sci(rel[-1])}$)")
    files += draw_rounds_vs_eps(mfig, os.path.join(outdir, "rounds_vs_eps"), rid, style=style,
                                dpi=_dpi(small), title=title,
                                panels=panels, bounds=BOUNDS)
    return files


# ----------------------------------------------------------------------------------------
# 3. Real data


#: Seed of the train/held-out permutation of the diabetes data.
REAL_DATA_SEED = 0


def _real_data_split(small):
    """Diabetes data (442 x 10), a seeded split, features and target standardised by the train set.

    Returns a dict with Xtr, Xte, ytr, yte (targets in units of the train standard
    deviation, centred on the train mean, so f ≡ 0 predicts the train mean) and h, the
    Gaussian bandwidth (median pairwise distance of the standardised train features).
    """
    datasets = _require("sklearn.datasets", "data")
    X, y = datasets.load_diabetes(return_X_y=True)
    perm = np.random.default_rng(REAL_DATA_SEED).permutation(y.size)
    n_train, n_test = (120, 60) if small else (300, y.size - 300)
    tr_i, te_i = perm[:n_train], perm[n_train:n_train + n_test]
    mu, sd = X[tr_i].mean(axis=0), X[tr_i].std(axis=0)
    Xs = (X - mu) / sd
    ys = (y - y[tr_i].mean()) / y[tr_i].std()
    Xtr, Xte = Xs[tr_i], Xs[te_i]
    D = pairwise_distances(Xtr)
    h = float(np.median(D[np.triu_indices(n_train, 1)]))
    return {"Xtr": Xtr, "Xte": Xte, "ytr": ys[tr_i], "yte": ys[te_i], "h": h}


def _unit_rows(X):
    """Append a constant coordinate (a bias) and scale each row to unit norm (NTK domain)."""
    X = np.hstack([X, np.ones((X.shape[0], 1))])
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _real_kernels(data):
    """(name, label, G on train points, cross matrix g_x rows for the held-out points)."""
    Xtr, Xte, h = data["Xtr"], data["Xte"], data["h"]
    K = Xtr.shape[0]
    diff = Xte[:, None, :] - Xtr[None, :, :]
    gauss_x = np.exp(-np.einsum("ikd,ikd->ik", diff, diff) / (2 * h * h)) / K
    Utr, Ute = _unit_rows(Xtr), _unit_rows(Xte)
    U = np.clip(Ute @ Utr.T, -1.0, 1.0)
    ntk_x = U * (np.pi - np.arccos(U)) / (2 * np.pi) / K
    return (("gaussian", rf"Gaussian kernel, $h={h:.3g}$",
             gaussian_gram(Xtr, h), gauss_x),
            ("ntk_relu", "two-layer ReLU NTK",
             ntk_relu_gram(Utr), ntk_x))


def _real_eps(small):
    """eps as a fraction of the train-target variance (||y||^2/K = 1 after standardising)."""
    return (0.05, 0.2) if small else (0.02, 0.05, 0.1, 0.2, 0.4)


def _real_eps_tuning(small):
    """Finer eps grid for the reference: the best single (round-0) fit over eps."""
    return np.geomspace(0.01, 0.9, 8 if small else 40)


def _real_data(outdir, small, say, mfig, style):
    from .figures import draw_real_data
    rid = "mobahi2020.real_data"
    data = _real_data_split(small)
    ytr, yte = data["ytr"], data["yte"]
    K = ytr.size
    say(f"{rid}: diabetes, {K} train / {yte.size} held-out points (seed {REAL_DATA_SEED})")
    rows, summary, panels = [], [], []
    for name, label, G, Gx in _real_kernels(data):
        panel = {"label": label, "runs": []}
        for eps in _real_eps(small):
            tr = self_distill(G, ytr, eps)
            T = tr.collapse_round
            train, test = [], []
            for t in range(T + 1):
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    e_tr = float(np.mean((fitted_values(tr, t, G) - ytr) ** 2))
                    e_te = float(np.mean((fitted_values(tr, t, Gx) - yte) ** 2))
                train.append(e_tr)
                test.append(e_te)
                rows.append([name, eps, t, tr.c[t] if t < T else "", t == T, e_tr, e_te])
            best = int(np.argmin(test))
            panel["runs"].append({"eps": eps, "train": train, "test": test, "best": best, "T": T})
            say(f"{rid}: {name}, eps = {eps}: T = {T}; held-out error {test[0]:.4f} at round 0, "
                f"best {test[best]:.4f} at round {best}")
        # Reference: the best single fit (round 0) over a finer eps grid, chosen on the
        # held-out set like the best round (so equally optimistic).  One ridge solve per eps
        # in the eigenbasis of the last trajectory: c from the secular equation (S).
        tuned = []
        for eps in _real_eps_tuning(small):
            c = secular_root_f64(tr.z0 ** 2, tr.eigenvalues, K * float(eps))
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                f = Gx @ (tr.eigenvectors @ (tr.z0 / (c + tr.eigenvalues)))
            tuned.append((float(np.mean((f - yte) ** 2)), float(eps)))
        tuned = panel["tuned"] = min(tuned)
        say(f"{rid}: {name}: best single fit over {len(_real_eps_tuning(small))} eps values: "
            f"held-out error {tuned[0]:.4f} at eps = {tuned[1]:.3g}")
        for run in panel["runs"]:
            b = run["best"]
            summary.append([name, run["eps"], run["T"], run["train"][0], run["test"][0], b,
                            run["train"][b], run["test"][b], tuned[1], tuned[0]])
        panels.append(panel)
    files = [
        _write_csv(os.path.join(outdir, "real_data.csv"), rid,
                   ["kernel", "eps", "round", "c_t", "collapsed", "train_mse", "heldout_mse"],
                   rows),
        _write_csv(os.path.join(outdir, "real_data_summary.csv"), rid,
                   ["kernel", "eps", "T", "train_mse_round0", "heldout_mse_round0", "best_round",
                    "train_mse_best", "heldout_mse_best", "tuned_eps", "tuned_heldout_mse_round0"],
                   summary),
    ]
    title = (rf"Self-distillation on the diabetes data: $K={K}$ train, {yte.size} held-out "
             rf"points (split seed {REAL_DATA_SEED})" "\n"
             r"targets standardised; $\varepsilon$ and the errors in units of the train "
             r"variance")
    files += draw_real_data(mfig, os.path.join(outdir, "real_data"), rid, style=style,
                            dpi=_dpi(small), title=title,
                            panels=panels)
    return files


_DESCRIPTIONS = {
    "mobahi2020.illustrative":
        "11-point example (docs/theory/mobahi2020.md §6), Green-function kernel: fitted "
        "function after each round until collapse, and the diagonal of B_t (mass "
        "concentrating on the largest d_k)",
    "mobahi2020.rounds_vs_eps":
        "collapse round T against eps for six kernels, with the lower bounds (r0-1)/kappa, "
        "ceil(r0-1), n_lo and the upper bounds ceil(r0^2-1), ceil((r0-1)(1+kappa(r0-1))/r0), n_hi",
    "mobahi2020.real_data":
        "scikit-learn diabetes data, Gaussian and two-layer ReLU NTK kernels: train and "
        "held-out error of f_t against round t for several eps",
}

_RUNNERS = {
    "mobahi2020.illustrative": _illustrative,
    "mobahi2020.rounds_vs_eps": _rounds_vs_eps,
    "mobahi2020.real_data": _real_data,
}

#: Reproduction id -> :class:`~proofs_check.reproduce.Reproduction`.
REPRODUCTIONS = {rid: Reproduction(rid, _DESCRIPTIONS[rid], run) for rid, run in _RUNNERS.items()}
