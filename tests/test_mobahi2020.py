"""mobahi2020 claims computed in more than one way agree: the O(K) prefix-maximum form of
sparsify_rate on mp trajectories against every pair written out (the bound as stated:
B_{t,k}/B_{t,j} <= rho_jk^t, docs/theory/mobahi2020.md §5)."""

import pytest

from proofs_check.check import ResultCache, full_domain
from proofs_check.registry import select
from theory._mp import make_context

CLAIM = select(["mobahi2020.sparsify_rate"])[0]


def _every_pair(inst, traj, use_c_bar):
    """min over t >= 1 and pairs d_j - d_k > tol of 1 - (B_k/B_j)/rho^t, in mpmath."""
    ctx = make_context(traj.dps + 10)
    d = [ctx.mpf(v) for v in traj.eigenvalues]
    a = ctx.sqrt(inst.K * ctx.mpf(inst.eps))
    r0 = ctx.mpf(traj.norms[0]) / a
    c = (d[-1] if use_c_bar else d[0]) / (r0 - 1)
    tol = d[-1] * ctx.mpf(10) ** (5 - traj.dps)
    worst = None
    for t in range(1, traj.collapse_round + 1):
        B = [ctx.mpf(v) for v in traj.B[t]]
        for j in range(len(d)):
            for k in range(j):
                if d[j] - d[k] > tol and B[k] > 0 and B[j] > 0:
                    rho = (d[k] / d[j]) * (c + d[j]) / (c + d[k])
                    m = 1 - (B[k] / B[j]) / rho ** t
                    worst = m if worst is None else min(worst, m)
    return worst


def _instances(n):
    dom = full_domain(CLAIM, "fast", 0)
    picked = [i for i in dom if i.K <= 40][:n]
    assert {i.K for i in picked} >= {1, 2, 3}  # K = 1 has no pair; 2 and 3 have few
    return picked


@pytest.mark.parametrize("mutant", [False, True])
def test_sparsify_rate_prefix_maxima_equal_every_pair(mutant):
    cache = ResultCache(30)
    fn = CLAIM.mutants[0].evaluate if mutant else CLAIM.evaluate
    checked = 0
    for inst in _instances(40):
        traj = cache.get(CLAIM.engine, inst, 30)
        if not traj.norms[0] > (inst.K * inst.eps) ** 0.5 or traj.collapse_round == 0:
            continue
        got = fn(inst, traj, None)
        want = _every_pair(inst, traj, mutant)
        if want is None:
            assert got.margin == 1.0
            continue
        scale = 2.0 ** -(traj.dps * 3.32 - 10) * got.cond  # rounding of the two routes
        assert abs(float(got.margin) - float(want)) <= scale * max(1, abs(float(want))), inst.id
        checked += 1
    assert checked >= 10
