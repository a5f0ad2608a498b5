"""rows_agreement (the float64-against-mp fast path of the agreement digits) returns exactly
the numbers of digits_of_agreement row by row: on adversarial rows (equal entries, one-ulp
differences, zeros, underflowing and huge mp values, NaN) and on real trajectories."""

import math

import numpy as np
import pytest

from theory import self_distill
from theory._mp import digits_of_agreement, make_context, rows_agreement


def _same(a, b):
    return a == b or (math.isinf(a) and math.isinf(b))


def _rows(ctx, rng):
    third = ctx.mpf(1) / 3
    yield [1 / 3, 2.0, 0.0], [third, ctx.mpf(2), ctx.zero]            # exact and rounded
    yield [1.0, 1.0, 1.0], [ctx.mpf(1)] * 3                              # exact: inf
    yield [1.0 + 2 ** -52, 1.0, 1.0], [ctx.mpf(1)] * 3                   # one ulp, three ties
    yield [0.0, 1e-300, 5.0], [ctx.mpf("1e-400"), ctx.mpf("1e-300"), ctx.mpf(5)]  # underflow
    yield [1e300, 2.0, 3.0], [ctx.mpf("1e400"), ctx.mpf(2), ctx.mpf(3)]  # beyond float range
    yield [float("nan"), 1.0, 2.0], [ctx.mpf(1), ctx.mpf(1), ctx.mpf(2)]  # NaN: 0 digits
    yield [0.0, 0.0, 0.0], [ctx.zero] * 3                                 # all zero
    for _ in range(40):                                                   # near ties
        x = rng.standard_normal(6)
        m = [ctx.mpf(float(v)) * (1 + ctx.mpf(float(e)) * ctx.ldexp(1, -52))
             for v, e in zip(x, rng.integers(-3, 4, 6))]
        yield list(x), m


def test_rows_agreement_equals_digits_of_agreement_on_adversarial_rows():
    ctx = make_context(40)
    rng = np.random.default_rng(2)
    rows = [(r[0] + [4.0] * (6 - len(r[0])), r[1] + [ctx.mpf(4)] * (6 - len(r[1])))
            for r in _rows(ctx, rng)]  # padded to 6 entries with equal pairs
    f = np.array([r[0] for r in rows], dtype=np.float64)
    m = np.array([r[1] for r in rows], dtype=object)
    want = [digits_of_agreement(x, y) for x, y in zip(f, m)]
    for got in (rows_agreement(f, m), rows_agreement(m, f)):
        assert all(_same(g, w) for g, w in zip(got, want)), [(g, w) for g, w in zip(got, want)
                                                              if not _same(g, w)]
    assert want[1] == math.inf and want[5] == 0.0  # the cases are the ones described


@pytest.mark.parametrize("K,rel", [(3, 0.05), (12, 1e-3), (30, 1e-4)])
def test_rows_agreement_on_trajectories(K, rel):
    rng = np.random.default_rng(K)
    A = rng.standard_normal((K, K))
    G = A @ A.T / K + 1e-6 * np.eye(K)
    y = rng.standard_normal(K)
    eps = rel * float(y @ y) / K
    f, m = self_distill(G, y, eps), self_distill(G, y, eps, dps=30)
    assert f.collapse_round == m.collapse_round >= 2
    got = rows_agreement(f.B, m.B)
    assert got == [digits_of_agreement(x, z) for x, z in zip(f.B, m.B)]


def test_rows_agreement_of_empty_rows():
    # a trajectory collapsed at round 0 has no c_t: the row is empty, as in digits_of_agreement
    ctx = make_context(20)
    assert rows_agreement(np.zeros((1, 0)), np.empty((1, 0), dtype=object)) == [math.inf]
    assert rows_agreement(np.zeros((0, 3)), np.empty((0, 3), dtype=object)) == []
    assert rows_agreement(np.ones((1, 1)), np.array([[ctx.one]], dtype=object)) == [math.inf]
