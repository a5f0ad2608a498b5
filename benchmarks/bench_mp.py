"""mp engine benchmark (issue 5): confirmed 50-digit trajectories against the obvious route.

Baseline ("obvious route"), same precision, same run: ``mpmath.eigsy`` for the
eigendecomposition, then each c_t by bisection on the secular equation (no Newton, no
float64 warm start), one run (no confirmation).  The engine: ``theory.self_distill(...,
dps=50)``, which runs twice (dps + g and dps + 2g digits) and compares.

Laplace-kernel Gram G_ij = exp(-|x_i - x_j|/0.2)/(2K), x uniform in [0, 1] (seed 0),
y = sin(2 pi x) + 0.3 N(0,1), eps = 0.05 ||y||^2/K.  eigsy costs ~K^3: at K = 200 it is
estimated from K = 100 times 8 (one eigsy at K = 200 takes about 100 s), and marked "est".

Run: ``python benchmarks/bench_mp.py [--quick]``.
"""

import sys
import time

import numpy as np

from bench_engine import laplace_problem
from theory import self_distill
from theory._mp import make_context, to_mp_array


def problem(K, seed=0):
    """The float64 benchmark's Laplace problem, with eps = 0.05 ||y||^2/K (fewer rounds)."""
    G, y, _ = laplace_problem(K, seed)
    return G, y, 0.05 * float(y @ y) / K


def obvious_route(G, y, eps, dps):
    """eigsy + bisection per round, at dps digits; returns (T, seconds for eigsy)."""
    ctx = make_context(dps)
    K = len(y)
    t0 = time.perf_counter()
    E, Q = ctx.eigsy(ctx.matrix(to_mp_array(ctx, G).tolist()))
    t_eig = time.perf_counter() - t0
    z = [ctx.fsum(Q[i, k] * ctx.mpf(y[i]) for i in range(K)) for k in range(K)]
    d = [E[k] for k in range(K)]
    w2 = [v * v for v in z]
    target = K * ctx.mpf(eps)
    T = 0
    while ctx.fsum(w2) > target:
        lo, hi = ctx.zero, ctx.one
        phi = lambda c: ctx.fsum(w * (c / (c + dk)) ** 2 for w, dk in zip(w2, d))
        while phi(hi) < target:
            hi *= 2
        for _ in range(ctx.prec + 8):  # bisection: one bit per step
            mid = (lo + hi) / 2
            if phi(mid) < target:
                lo = mid
            else:
                hi = mid
        c = (lo + hi) / 2
        w2 = [w * (dk / (c + dk)) ** 2 for w, dk in zip(w2, d)]
        T += 1
    return T, t_eig


def _timed(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def per_round(K=100, dps=50, repeat=3):
    """Cost of one round: the slope of the engine's time between two budgets eps on the same
    G and y (the eigendecomposition, paid once per instance, cancels), for the mp engine at
    ``dps`` digits (both confirming runs) and for float64; best of ``repeat``."""
    import theory.distill as distill
    import theory.secular as secular
    G, y, _ = problem(K)
    sq = float(y @ y)
    out = {}
    mpfr = secular._gmpy
    runs = [("float64", {}, mpfr), (f"mp {dps}", {"dps": dps}, mpfr)]
    if mpfr() is not None:  # the same engine with its round loop on libmp (no MPFR C path)
        runs.append((f"mp {dps} libmp", {"dps": dps}, lambda: None))
    try:
        for label, kw, backend in runs:
            secular._gmpy = distill._gmpy = backend
            pts = []
            for rel in (2e-2, 1e-3):
                t, tr = _timed(lambda: self_distill(G, y, rel * sq / K, **kw), repeat)
                pts.append((tr.collapse_round, t))
            (T1, t1), (T2, t2) = pts
            out[label] = ((t2 - t1) / (T2 - T1), T1, T2, t2)
    finally:
        secular._gmpy = distill._gmpy = mpfr
    return out


def main(quick=False):
    Ks = (50, 100) if quick else (50, 100, 200)
    print("mp trajectory at 50 digits (confirmed at two precisions) vs eigsy + bisection")
    print(f"{'K':>5} {'T':>3} {'engine [s]':>11} {'method':>16} {'obvious [s]':>12} {'ratio':>7}")
    t_obvious = {}
    for K in Ks:
        G, y, eps = problem(K)
        t0 = time.perf_counter()
        tr = self_distill(G, y, eps, dps=50)
        t_eng = time.perf_counter() - t0
        if K <= 100:
            t0 = time.perf_counter()
            T_ref, _ = obvious_route(G, y, eps, 50)
            t_obvious[K] = time.perf_counter() - t0
            assert T_ref == tr.collapse_round
            label = f"{t_obvious[K]:.2f}"
        else:
            t_obvious[K] = t_obvious[100] * (K / 100) ** 3
            label = f"{t_obvious[K]:.0f} est"
        print(f"{K:>5} {tr.collapse_round:>3} {t_eng:>11.2f} {tr.method:>16} {label:>12} "
              f"{t_obvious[K] / t_eng:>6.0f}x")
    print("targets: >= 20x at K = 100; K = 200 trajectory <= 3 s")
    print("\nper round at K = 100 (slope between two budgets: the eigendecomposition cancels)")
    rows = per_round(100, 50, 1 if quick else 3)
    f64 = rows["float64"][0]
    print(f"{'engine':>14} {'T1':>4} {'T2':>4} {'ms/round':>9} {'x float64':>10} "
          f"{'ms/round incl. eig':>19}")
    for label, (slope, T1, T2, t2) in rows.items():
        print(f"{label:>14} {T1:>4} {T2:>4} {slope * 1e3:>9.3f} {slope / f64:>9.0f}x "
              f"{t2 / T2 * 1e3:>19.3f}")
    print("target: mp <= 5 ms per round at K = 100 and 50 digits (both confirming runs)")
    print("\nscaling with digits at K = 100")
    G, y, eps = problem(100)
    print(f"{'dps':>5} {'engine [s]':>11}")
    for dps in ((50, 100) if quick else (50, 100, 200)):
        t0 = time.perf_counter()
        self_distill(G, y, eps, dps=dps)
        print(f"{dps:>5} {time.perf_counter() - t0:>11.2f}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
