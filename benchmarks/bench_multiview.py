"""Multi-view simulator benchmark: the figures of docs/theory/allenzhu_li2020.md §2 and their cost.

Per data seed: L networks (hard labels); their ensemble; students from one fresh seed
distilled from the ensemble (KD) and from network 0 (SD), and a hard-label control from the
same student seed; one wide network with L*m neurons per class; L random-feature models of
M features, their ensemble and one model of L*M features.  Errors are sv-err (error on the
single-view test samples, i.e. test error / mu); "2v" is the fraction of classes with both
views learned (theory.ensemble.views_learned).

Tiers (sizes proposed for the claims):
  fast: N_train 200, 1000 test, L 3, 300 steps, students 1000 steps, RF M 100
  full: N_train 500, 1000 test, L 5, 1000 steps, students 2500 steps, RF M 400 and 100
  (``--kd-steps`` overrides the students' steps; KD needs ~10,000 at the full size).

Times are CPU seconds (``process_time``) of this process; run it with one BLAS thread
(``OPENBLAS_NUM_THREADS=1``) for per-core figures (two processes with two BLAS threads
each on two cores slow down many-fold).

Run: ``python benchmarks/bench_multiview.py [--tier fast|full] [--seeds 0,1,2] [--kd-steps N]``.
"""

import argparse
import time

import numpy as np

from theory.ensemble import ensemble_logits, views_learned
from theory.multiview import error_rates, multiview_train_test
from theory.multiview_learner import LearnerParams, train_networks
from theory.random_features import (fit_random_feature_ensemble, fit_random_features,
                                    rf_ensemble_logits)

TIERS = {
    "fast": dict(n_train=200, n_test=1000, L=3, steps=300, student_steps=1000, rf_M=(100,)),
    "full": dict(n_train=500, n_test=1000, L=5, steps=1000, student_steps=2500, rf_M=(400, 100)),
}


def run_seed(seed, cfg, student_steps):
    tr, te = multiview_train_test(seed, n_train=cfg["n_train"], n_test=cfg["n_test"])
    L, T, out = cfg["L"], {}, {}
    t = time.process_time()
    nets = train_networks(tr.X, tr.labels, tr.k, [1000 * seed + l for l in range(L)],
                          steps=cfg["steps"])
    T["nets"] = time.process_time() - t
    Ftr, Fte = nets.logits(tr.X), nets.logits(te.X)
    sv, mv = error_rates(Fte, te)
    counts = views_learned(nets.W)
    out.update(single=sv, single_mv=mv.max(), one_view=np.mean(counts == 1),
               train_err=np.mean(Ftr.argmax(-1) != tr.labels, axis=-1).max(),
               ens=error_rates(ensemble_logits(Fte), te)[0])
    G = np.stack([ensemble_logits(Ftr), Ftr[0]])
    t = time.process_time()
    stu = train_networks(tr.X, tr.labels, tr.k, [1000 * seed + 500] * 2, teacher=G,
                         steps=student_steps)
    T["KD+SD"] = time.process_time() - t
    t = time.process_time()
    ctl = train_networks(tr.X, tr.labels, tr.k, [1000 * seed + 500], steps=student_steps)
    T["control"] = time.process_time() - t
    kd, sd = error_rates(stu.logits(te.X), te)[0]
    out.update(kd=kd, sd=sd, teacher0=sv[0], control=error_rates(ctl.logits(te.X), te)[0][0],
               two_kd_sd=np.mean(views_learned(stu.W) == 2, axis=1),
               two_ctl=np.mean(views_learned(ctl.W) == 2))
    t = time.process_time()
    wide = train_networks(tr.X, tr.labels, tr.k, [1000 * seed + 600], LearnerParams(m=4 * L),
                          steps=cfg["steps"])
    T["wide"] = time.process_time() - t
    out["wide"] = error_rates(wide.logits(te.X), te)[0][0]
    for M in cfg["rf_M"]:
        t = time.process_time()
        rfs = fit_random_feature_ensemble(tr.X, tr.labels, tr.k, M,
                                          [1000 * seed + 700 + l for l in range(L)])
        big = fit_random_features(tr.X, tr.labels, tr.k, L * M, 1000 * seed + 799)
        T[f"rf{M}"] = time.process_time() - t
        out[f"rf{M}"] = (np.mean([error_rates(m.logits(te.X), te)[0] for m in rfs]),
                         error_rates(rf_ensemble_logits(rfs, te.X), te)[0],
                         error_rates(big.logits(te.X), te)[0])
    return out, T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tier", choices=sorted(TIERS), default="fast")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--kd-steps", type=int, default=None)
    a = ap.parse_args()
    cfg = TIERS[a.tier]
    steps = a.kd_steps or cfg["student_steps"]
    print(f"tier {a.tier}: {cfg}, students {steps} steps")
    for seed in map(int, a.seeds.split(",")):
        o, T = run_seed(seed, cfg, steps)
        rf = "  ".join(f"RF M={M}: single {o[f'rf{M}'][0]:.3f} ens {o[f'rf{M}'][1]:.3f} "
                       f"big {o[f'rf{M}'][2]:.3f}" for M in cfg["rf_M"])
        print(f"seed {seed}: single {np.round(o['single'], 3)} (mv <= {o['single_mv']:.3f}, "
              f"train err <= {o['train_err']:.3f}, one view {o['one_view']:.2f}) ens {o['ens']:.3f}"
              f" | KD {o['kd']:.3f} SD {o['sd']:.3f} (teacher {o['teacher0']:.3f}) control "
              f"{o['control']:.3f} 2v KD/SD/control {o['two_kd_sd'][0]:.1f}/{o['two_kd_sd'][1]:.1f}/"
              f"{o['two_ctl']:.1f} | wide {o['wide']:.3f} | {rf}")
        print("   CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in T.items())
              + f"; total {sum(T.values()):.1f}", flush=True)


if __name__ == "__main__":
    main()
