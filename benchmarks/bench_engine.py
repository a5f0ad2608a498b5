"""float64 engine benchmark: ratios measured in the same run (machines here are noisy).

* trajectory time / one ``numpy.linalg.eigh`` of the same G   (target <= 1.3 at K = 2000)
* naive per-round reference / trajectory, where the reference finds each c_t by brentq with
  a dense solve (c I + G) x = y per evaluation                    (target >= 50 at K = 500)

Run: ``python benchmarks/bench_engine.py``.
"""

import time

import numpy as np
from scipy.optimize import brentq

from theory import self_distill


def laplace_problem(K, seed=0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 1.0, K))
    G = np.exp(-np.abs(x[:, None] - x[None, :]) / 0.2) / (2 * K)
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(K)
    return G, y, 0.01 * float(y @ y) / K


def naive_trajectory(G, y, eps):
    """Reference: brentq over c, each evaluation a dense linear solve (no eigenbasis)."""
    K = len(y)
    target = K * eps
    I = np.eye(K)
    cs = []
    while float(y @ y) > target:
        def resid(c):
            r = c * np.linalg.solve(c * I + G, y)
            return float(r @ r) - target
        hi = 1.0
        while resid(hi) < 0:
            hi *= 10.0
        c = brentq(resid, 1e-300, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps)
        y = G @ np.linalg.solve(c * I + G, y)
        cs.append(c)
    return np.array(cs)


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main():
    print(f"{'K':>6} {'T':>4} {'eigh [s]':>10} {'trajectory [s]':>15} {'ratio':>7}  target <= 1.3")
    for K in (500, 1000, 2000):
        G, y, eps = laplace_problem(K)
        ratios = []
        for _ in range(3):  # interleave so both see the same machine load
            t_eigh, _ = best_of(lambda: np.linalg.eigh(G), 1)
            t_traj, tr = best_of(lambda: self_distill(G, y, eps), 1)
            ratios.append((t_traj / t_eigh, t_eigh, t_traj))
        r, te, tt = min(ratios)
        print(f"{K:>6} {tr.collapse_round:>4} {te:>10.4f} {tt:>15.4f} {r:>7.2f}")
    # The naive cost grows with the number of rounds T, the engine's hardly at all (one eigh
    # then O(K) per round), so report the speed-up at two budgets.
    K = 500
    print(f"\nnaive per-round reference (brentq, one dense solve per evaluation), K = {K}; "
          f"target >= 50x")
    print(f"{'eps K/||y||^2':>14} {'T':>4} {'naive [s]':>10} {'engine [s]':>11} {'speed-up':>9} "
          f"{'max rel diff c_t':>17}")
    for rel in (1e-2, 1e-3):
        G, y, _ = laplace_problem(K)
        eps = rel * float(y @ y) / K
        t_naive, cs_naive = best_of(lambda: naive_trajectory(G, y, eps), 1)
        t_fast, tr = best_of(lambda: self_distill(G, y, eps), 3)
        agree = float(np.max(np.abs(cs_naive - tr.c) / tr.c))
        print(f"{rel:>14.0e} {tr.collapse_round:>4} {t_naive:>10.3f} {t_fast:>11.4f} "
              f"{t_naive / t_fast:>8.0f}x {agree:>17.1e}")


if __name__ == "__main__":
    main()
