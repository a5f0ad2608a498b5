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
