"""Eigendecomposition benchmark (issue 5): ``theory.eigh_mp`` against ``mpmath.eigsy``.

Matrix: Laplace-kernel Gram ``G_ij = exp(-|x_i - x_j| / 0.2) / (2K)``, x uniform in [0, 1]
(``numpy.random.default_rng(0)``), built in mp at the working precision.  Baseline, same run,
same precision: ``mpmath.eigsy`` (``eigh_mp(..., engine="eigsy")``, which also adds the guard
bits).  eigsy costs ~K^3: at K = 200 it is estimated from the K = 100 time times 8 and marked
"est" (one eigsy at K = 200, 50 digits, takes ~100 s; ``--full`` measures it).

Tables: (1) K = 50, 100, 200 at 50 digits and at 70 digits (the engine confirms at a second,
higher precision, so both count); (2) digits 50, 100, 200 at K = 100; (3) the exact-FLINT
product engine (``engine="flint"``) against the default float64-BLAS digit products; (4) hard
spectra: a Gaussian-kernel Gram (graded spectrum) and geometric spectra of growing condition
number, with the path that ran (a fallback to eigsy would show in ``method``).

Times are wall-clock seconds (``perf_counter``), best of ``--repeat`` runs (default 1); the
machine may be shared, so every ratio uses a baseline measured in the same run.  "agree" is
the number of decimal digits to which the eigenvalues agree with eigsy's (normwise).

Run: ``python benchmarks/bench_eigen.py [--quick] [--full] [--repeat N]``.
"""

import sys
import time

import mpmath
import numpy as np

from theory import eigh_mp
from theory._mp import digits_of_agreement, make_context


def laplace_gram(ctx, K, h="0.2"):
    x = np.random.default_rng(0).uniform(0.0, 1.0, K)
    xs = [ctx.mpf(v) for v in x]
    hh = ctx.mpf(h)
    G = np.empty((K, K), dtype=object)
    for i in range(K):
        for j in range(i, K):
            G[i, j] = G[j, i] = ctx.exp(-abs(xs[i] - xs[j]) / hh) / (2 * K)
    return G


def gauss_gram(ctx, K, h="0.1"):
    x = np.random.default_rng(3).uniform(0.0, 1.0, K)
    xs = [ctx.mpf(v) for v in x]
    two_h2 = 2 * ctx.mpf(h) ** 2
    G = np.empty((K, K), dtype=object)
    for i in range(K):
        for j in range(i, K):
            G[i, j] = G[j, i] = ctx.exp(-(xs[i] - xs[j]) ** 2 / two_h2)
    return G


def geometric_gram(ctx, K, kappa, seed=1):
    """Q0 diag(kappa^(-i/(K-1))) Q0^T with Q0 a seeded orthogonal matrix (built 20 digits up)."""
    wide = make_context(ctx.dps + 20)
    rng = np.random.default_rng(seed)
    Q0, _ = wide.qr(wide.matrix([[wide.mpf(float(v)) for v in r]
                                 for r in rng.standard_normal((K, K))]))
    lam = [wide.mpf(kappa) ** (-wide.mpf(i) / (K - 1)) for i in range(K)]
    A = Q0 * wide.diag(lam) * Q0.T
    return np.array([[ctx.mpf(A[i, j]) for j in range(K)] for i in range(K)], dtype=object)


def timed(fn, repeat):
    best, out = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best, out


def row(K, dps, repeat, base=None):
    """One line: eigh_mp time; eigsy measured (``base`` None) or estimated as
    ``t0 (K / K0)^3`` from ``base = (K0, t0)`` (marked "est"); ratio; agreement with eigsy.
    Returns the eigsy time."""
    ctx = make_context(dps)
    G = laplace_gram(ctx, K)
    t, r = timed(lambda: eigh_mp(ctx, G), repeat)
    if base is None:
        te, ref = timed(lambda: eigh_mp(ctx, G, engine="eigsy"), 1)
        agree = digits_of_agreement(r.values, ref.values, max(abs(v) for v in ref.values))
        label, agree_s = f"{te:.2f}", f"{agree:.1f}"
    else:
        te = base[1] * (K / base[0]) ** 3
        label, agree_s = f"{te:.1f} est", "-"
    print(f"{K:>5} {dps:>5} {t:>9.2f} {label:>11} {te / t:>8.1f}x {agree_s:>7}  {r.method}",
          flush=True)
    return te


def main():
    quick = "--quick" in sys.argv
    full = "--full" in sys.argv
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    header = (f"{'K':>5} {'dps':>5} {'eigh_mp s':>9} {'eigsy s':>11} {'speed-up':>9} "
              f"{'agree':>7}  method")

    print("(1) Laplace Gram, K scaling (eigh_mp vs mpmath.eigsy, same run)")
    print(header)
    for dps in (50, 70):
        measured = (50,) if (quick or dps == 70) else (50, 100)
        if full:
            measured = (50, 100, 200)
        base = None
        for K in ((50, 100) if quick else (50, 100, 200)):
            te = row(K, dps, repeat, None if K in measured else base)
            if K in measured:
                base = (K, te)

    print("\n(2) digits scaling at K = 100 (eigsy: see (1); --full measures it here too)")
    print(header)
    for dps in ((50, 100) if quick else (50, 100, 200)):
        ctx = make_context(dps)
        G = laplace_gram(ctx, 100)
        t, r = timed(lambda: eigh_mp(ctx, G), repeat)
        if full:
            te, _ = timed(lambda: eigh_mp(ctx, G, engine="eigsy"), 1)
            label = f"{te:.2f}"
        else:
            te, label = None, "-"
        ratio = f"{te / t:8.1f}x" if te else "        -"
        print(f"{100:>5} {dps:>5} {t:>9.2f} {label:>11} {ratio} {'-':>7}  {r.method}",
              flush=True)

    print("\n(3) product engines: float64-BLAS digits (default) vs exact FLINT fmpz_mat "
          "(engine='flint')")
    try:
        import flint  # noqa: F401
        have_flint = True
    except ImportError:
        have_flint = False
    print(f"{'K':>5} {'dps':>5} {'numpy s':>9} {'flint s':>9}")
    for K, dps in ((50, 50), (100, 50)) if quick else ((100, 50), (200, 50), (100, 200)):
        ctx = make_context(dps)
        G = laplace_gram(ctx, K)
        tn, _ = timed(lambda: eigh_mp(ctx, G, engine="numpy"), repeat)
        tf = timed(lambda: eigh_mp(ctx, G, engine="flint"), repeat)[0] if have_flint else None
        print(f"{K:>5} {dps:>5} {tn:>9.2f} {(f'{tf:9.2f}' if tf else '   absent'):>9}", flush=True)

    print("\n(4) hard spectra at 50 digits (graded: refinement resolves ~27 bits of the tail "
          "per step)")
    print(f"{'matrix':>28} {'K':>5} {'eigh_mp s':>9}  method")
    cases = [("Gaussian Gram h=0.1", 100, lambda c: gauss_gram(c, 100))]
    if not quick:
        cases.append(("Gaussian Gram h=0.1", 200, lambda c: gauss_gram(c, 200)))
    for kappa in ("1e12", "1e13", "1e20", "1e40", "1e60"):
        cases.append((f"geometric, kappa={kappa}", 40, lambda c, k=kappa: geometric_gram(c, 40, k)))
    for name, K, build in cases:
        ctx = make_context(50)
        G = build(ctx)
        t, r = timed(lambda: eigh_mp(ctx, G), repeat)
        print(f"{name:>28} {K:>5} {t:>9.2f}  {r.method}", flush=True)

    print(f"\nmpmath {mpmath.__version__}, numpy {np.__version__}; "
          "eigh_mp pins BLAS to one thread while it runs (threadpoolctl)")


if __name__ == "__main__":
    main()
