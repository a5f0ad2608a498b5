r"""Reproduction of the anisotropic information retrieval (AIR) picture of Dong et al. 2019 in
the kernel regime, with the numbers behind it (docs/theory/dong2019.md §11).

``dong2019.air``: clustered data with noisy labels (n = 200 points in R^20, C = 4 clusters,
20% of the labels flipped, sigma = 0.2; seeded), the kernel H_inf, kernel GD from 0 with
eta = 1/lambda_max, the soft and the hard self-distillation rules.  Four panels:

* the residual along each eigen-direction, |1 - eta lambda_i|^k (GD from 0: the residual
  along v_i is (1 - eta lambda_i)^k v_i^T y~), with the unfitted fractions of the clean
  labels' energy, ||D_k V^T y*||^2/||y*||^2, and of the noise's, ||D_k V^T xi||^2/||xi||^2
  (D_k = diag((1 - eta lambda)^k));
* the energy of y* and of xi = y~ - y* along each eigen-direction against its eigenvalue;
* the distance to y* (RMS) against k for early-stopped GD, the soft rule and the hard rule;
* the margin min_i y*_i u_i against k for the same three.

Files: ``air.png``, ``air.pdf``, ``air_spectrum.csv`` (eigenvalues and energies),
``air_trajectories.csv`` (every curve of panels 1, 3 and 4 at every plotted step).

Source: Dong et al. 2019 (arXiv 1910.01255), abstract claims C1-C5 (the paper's figures were
not available: this is our kernel-regime picture of them).

>>> sorted(REPRODUCTIONS)
['dong2019.air']
"""

import os

import numpy as np

from theory.kernel_gd import kernel_gd_f64, kernel_spectrum
from theory.label_updates import hard_sd_f64, soft_sd_f64
from theory.noisy_clusters import noisy_clusters
from theory.ntk import h_inf_gram

from ...reproduce import Reproduction, dpi as _dpi, write_csv as _write_csv
from .engines import step_grid

__all__ = ["REPRODUCTIONS", "AIR_SETTING"]

#: The setting of the figure (docs/theory/dong2019.md §11).
AIR_SETTING = {"n": 200, "d": 20, "C": 4, "sigma": 0.2, "rho": 0.2, "seed": 0,
               "a_soft": 0.05, "a_hard": 0.2}
#: Eigen-directions drawn in panel 1: the top C and every 12th of the rest.
_TAIL_EVERY = 12


def air_numbers(small):
    """Every number of the figure: a dict of arrays (also what the CSV files hold)."""
    st = AIR_SETTING
    D = noisy_clusters(st["n"], st["d"], st["C"], st["sigma"], st["rho"], st["seed"])
    H = h_inf_gram(D.X)
    sp = kernel_spectrum(H)
    lam, V = sp.values, sp.vectors
    eta = 1.0 / lam[-1]
    kmax = 10**4 if small else 10**5
    ks = step_grid(kmax, 60 if small else 150)
    xi = D.y_noisy - D.y_star
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        c_clean, c_noise = V.T @ D.y_star, V.T @ xi
        decay = np.abs(1.0 - eta * lam)[None, :] ** ks[:, None]  # (steps, n)
        unfit_clean = (decay**2 @ c_clean**2) / float(c_clean @ c_clean)
        unfit_noise = (decay**2 @ c_noise**2) / float(c_noise @ c_noise)
        U = kernel_gd_f64(sp, D.y_noisy, eta, list(ks))
        Us, _ = soft_sd_f64(sp, D.y_noisy, eta, st["a_soft"], list(ks))
        Uh, _ = hard_sd_f64(H, D.y_noisy, eta * 0.99, st["a_hard"], list(ks))

        def rms(A):
            return np.sqrt(np.mean((A - D.y_star) ** 2, axis=1))

        def margin(A):
            return np.min(D.y_star * A, axis=1)

    n, C = lam.size, st["C"]
    order = np.arange(n)[::-1]  # decreasing eigenvalue
    shown = np.concatenate([order[:C], order[C::_TAIL_EVERY]])
    best = int(np.argmin(rms(U)))
    return {"D": D, "lam": lam, "eta": eta, "steps": ks, "e_clean": c_clean**2 / float(
        c_clean @ c_clean), "e_noise": c_noise**2 / float(c_noise @ c_noise),
        "unfit_clean": unfit_clean, "unfit_noise": unfit_noise, "shown": shown,
        "decay": decay[:, shown], "rms_gd": rms(U), "rms_soft": rms(Us), "rms_hard": rms(Uh),
        "margin_gd": margin(U), "margin_soft": margin(Us), "margin_hard": margin(Uh),
        "best": best, "rho_hat": float(D.flipped.mean()),
        "rms_noisy": float(np.sqrt(np.mean(xi**2))), "C": C}


def _air(outdir, small, say, mfig, style):
    from .figures import draw_air
    rid = "dong2019.air"
    st = AIR_SETTING
    N = air_numbers(small)
    lam, C = N["lam"], N["C"]
    top = np.zeros(lam.size, dtype=bool)
    top[-C:] = True
    frac_clean, frac_noise = float(N["e_clean"][top].sum()), float(N["e_noise"][top].sum())
    b = N["best"]
    say(f"{rid}: n = {st['n']}, C = {C}, rho_hat = {N['rho_hat']:.3f}; top-{C} energy: clean "
        f"{frac_clean:.4f}, noise {frac_noise:.4f}; best GD step {int(N['steps'][b])} (RMS "
        f"{N['rms_gd'][b]:.3f} vs {N['rms_noisy']:.3f} for y~); final RMS soft "
        f"{N['rms_soft'][-1]:.3f}, hard {N['rms_hard'][-1]:.2e}")
    order = np.argsort(lam)[::-1]
    files = [_write_csv(os.path.join(outdir, "air_spectrum.csv"), rid,
                        ["rank", "index", "lambda", "clean_energy_fraction",
                         "noise_energy_fraction", "top_C", "shown_in_panel_1"],
                        ([r + 1, int(i), lam[i], N["e_clean"][i], N["e_noise"][i], bool(top[i]),
                          bool(i in set(N["shown"].tolist()))] for r, i in enumerate(order)))]
    shown = N["shown"]
    head = (["k", "unfitted_clean_fraction", "unfitted_noise_fraction"]
            + [f"residual_ratio_index{int(i)}" for i in shown]
            + ["rms_gd", "rms_soft", "rms_hard", "margin_gd", "margin_soft", "margin_hard"])
    rows = ([int(k), N["unfit_clean"][r], N["unfit_noise"][r]] + list(N["decay"][r])
            + [N["rms_gd"][r], N["rms_soft"][r], N["rms_hard"][r], N["margin_gd"][r],
               N["margin_soft"][r], N["margin_hard"][r]] for r, k in enumerate(N["steps"]))
    files.append(_write_csv(os.path.join(outdir, "air_trajectories.csv"), rid, head, rows))
    title = (rf"Kernel regime ($H^\infty$): $n={st['n']}$ points in "
             rf"$\mathbb{{R}}^{{{st['d']}}}$, $C={C}$ clusters, $\sigma={st['sigma']}$, "
             rf"{round(100 * N['rho_hat'])}% of labels flipped" "\n"
             rf"GD with $\eta=1/\lambda_{{\max}}$; soft rule $a={st['a_soft']}$; hard rule "
             rf"$a={st['a_hard']}$, $\eta\lambda_{{\max}}=0.99$")
    files += draw_air(mfig, os.path.join(outdir, "air"), rid, style=style, dpi=_dpi(small),
                      title=title,
                      N=N, frac_clean=frac_clean, frac_noise=frac_noise,
                      pred=st["rho"] + C * (1 - st["rho"]) / st["n"])
    return files


_DESCRIPTIONS = {
    "dong2019.air":
        "clustered data with label flip rate 0.2 (17% flipped), kernel H_inf: residual per "
        "eigen-direction against the step with the clean-label and noise energy, the energies "
        "per eigen-direction, and the distance to y* and the margin of early-stopped GD, the "
        "soft and the hard self-distillation rules",
}

#: Reproduction id -> :class:`~proofs_check.reproduce.Reproduction`.
REPRODUCTIONS = {"dong2019.air": Reproduction("dong2019.air", _DESCRIPTIONS["dong2019.air"],
                                              _air)}
