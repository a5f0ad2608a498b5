"""The mp engine's secular solve on MPFR numbers (gmpy2, the ``fast`` extra) against the
same solve on mpmath's libmp: bit for bit, since both round every operation to nearest at
the same precision; and against the secular equation itself evaluated at 3x the digits."""

import numpy as np
import pytest

from theory import secular as S
from theory._mp import make_context

gmpy2 = pytest.importorskip("gmpy2")


def _problems():
    rng = np.random.default_rng(11)
    for K in (1, 2, 3, 8, 40):
        for spread in (1.0, 1e6, 1e14):
            d = np.sort(spread ** rng.uniform(0, 1, K)) / spread
            if K > 2:
                d[1] = d[0]  # an exact repeat
            w2 = rng.uniform(0, 1, K) ** 2
            null = np.zeros(K)
            null[0] = 0.0 if K < 3 else 1e-3 * w2.sum()  # some null-space mass
            yield K, np.r_[0.0, d[1:]] if K >= 3 else d, w2, rng.uniform(0.05, 0.9) * w2.sum()


@pytest.mark.parametrize("dps", [30, 60])
def test_mpfr_newton_equals_libmp_newton_bit_for_bit(dps, monkeypatch):
    ctx = make_context(dps)
    checked = 0
    for K, d, w2, target in _problems():
        rd = [ctx.mpf(v)._mpf_ for v in d]
        rw = [ctx.mpf(v)._mpf_ for v in w2]
        t = ctx.mpf(target)
        if w2[d == 0].sum() >= target:
            continue
        fast = S.secular_root_raw(ctx, rw, rd, t)
        with monkeypatch.context() as m:
            m.setattr(S, "_gmpy", lambda: None)
            plain = S.secular_root_raw(ctx, rw, rd, t)
        assert fast == plain, (K, d, w2)
        # and c solves sum_k w_k (c/(c + d_k))^2 = K eps, at 3x the digits
        hi = make_context(3 * dps)
        c = hi.mpf(ctx.make_mpf(fast))
        phi = hi.fsum(hi.mpf(w) * (c / (c + hi.mpf(dk))) ** 2 for w, dk in zip(w2, d))
        assert abs(phi - hi.mpf(target)) <= hi.mpf(target) * hi.ldexp(1, 20 - ctx.prec)
        checked += 1
    assert checked >= 12


@pytest.mark.parametrize("K,rel,dps", [(1, 0.3, 30), (3, 1e-3, 30), (12, 1e-4, 50), (40, 2e-5, 30)])
def test_mpfr_round_loop_equals_libmp_round_loop_bit_for_bit(K, rel, dps, monkeypatch):
    # the whole mp trajectory (both confirming runs: float64 and mp warm starts) with the
    # round loop on MPFR and on libmp: every c_t, ||y_t|| and B_t entry identical
    from theory import self_distill
    import theory.distill as D
    rng = np.random.default_rng(K)
    A = rng.standard_normal((K, K))
    G = A @ A.T / K + 1e-7 * np.eye(K)
    if K >= 3:
        G[:, 0] = G[0, :] = 0.0  # a null direction (d = 0) with target mass on it
        G[0, 0] = 0.0
    y = rng.standard_normal(K)
    eps = rel * float(y @ y) / K
    if K >= 3:
        y[0] = 0.5 * (K * eps) ** 0.5  # null-space mass K eps / 4: feasible
    fast = self_distill(G, y, eps, dps=dps)
    with monkeypatch.context() as m:
        m.setattr(D, "_gmpy", lambda: None)
        m.setattr(S, "_gmpy", lambda: None)
        plain = self_distill(G, y, eps, dps=dps)
    assert fast.collapse_round == plain.collapse_round >= 1
    for name in ("c", "norms", "B"):
        a, b = getattr(fast, name), getattr(plain, name)
        assert a.shape == b.shape and all(x == z for x, z in zip(a.reshape(-1), b.reshape(-1)))
    assert fast.confirmed_digits == plain.confirmed_digits
