"""Reliability (issue 8): bad input gets a specific error, float64 is not trusted past its
accuracy (the mp engine decides), resource budgets, interrupts leave files intact.

The bad-input table is in docs/reliability.md; rows already covered elsewhere:
tests/test_distill.py (shape, symmetry, definiteness, NaN/inf, eps, dps, complex, strings,
duplicated points, max_rounds) and tests/test_cli.py (unknown id, claims files, output path).
"""

import io
import json
import math

import numpy as np
import pytest

from proofs_check import check as check_mod
from proofs_check.check import TrajectoryCache, check_claim
from proofs_check.claim import Instance
from proofs_check.cli import main
from proofs_check.registry import select
from theory import InputError, ResourceError, self_distill
from theory.distill import estimate_mp_seconds


def laplace(K):
    x = np.linspace(0, 1, K)
    return np.exp(-np.abs(x[:, None] - x[None]) / 0.2) / (2 * K)


def test_y_all_zeros_collapses_at_round_zero():
    tr = self_distill(laplace(5), np.zeros(5), 0.1)
    assert tr.collapse_round == 0 and tr.c.size == 0


def test_eps_beyond_threshold_is_a_result_not_an_error():
    y = np.ones(4)
    tr = self_distill(laplace(4), y, 10.0)
    assert tr.collapse_round == 0


def test_K_equal_one():
    tr = self_distill(np.array([[0.5]]), np.array([2.0]), 0.01)
    # one eigenvalue: ||y_t|| drops by exactly sqrt(K eps) = 0.1 per round: T = ceil(2/0.1 - 1)
    assert tr.collapse_round == 19
    assert tr.kappa == 1.0


def test_object_array_with_junk_is_rejected():
    G = np.array([[1.0, "a"], ["a", 1.0]], dtype=object)
    with pytest.raises(InputError, match="non-real entry"):
        self_distill(G, np.ones(2), 0.1, dps=20)


def test_absurd_precision_is_refused():
    with pytest.raises(ResourceError, match="dps = 100000"):
        self_distill(laplace(3), np.ones(3), 0.1, dps=100000)


def test_mp_budget_refuses_with_estimate_unless_forced():
    K = 2
    while estimate_mp_seconds(K, 2000) <= 600:
        K *= 2
    G = np.eye(K) / K
    with pytest.raises(ResourceError, match=r"estimated at \d+ s"):
        self_distill(G, np.ones(K), 0.1, dps=2000)


def test_singular_gram_bounds_say_kappa_is_infinite():
    K = 4
    G = np.diag([0.0, 0.2, 0.5, 1.0])
    y = np.array([0.0, 1.0, 1.0, 1.0])  # no mass in the null space: feasible
    inst = Instance("singular", "test", G, y, 0.01, (("eps_rel", 0.01),))
    tr = self_distill(G, y, 0.01)
    assert math.isinf(tr.kappa)
    claim = select(["mobahi2020.rounds_lower"])[0]
    out = claim.evaluate(inst, tr, None)
    assert "kappa = inf" in out.detail and out.margin >= 0


R0 = (5, 23, 36)


def threshold_instance():
    """G = [[1]], y = [1], eps = 1/r0^2 rounded up by one ulp.  With one eigenvalue every
    round removes exactly a = sqrt(K eps) from ||y_t||, so ||y_t|| = 1 - t a and the
    collapse round is T = r0 - 1, where ||y_T||^2 falls short of K eps by about one ulp:
    float64 rounding lands on either side (for r0 = 23 and 36 it says T = r0)."""
    return [Instance(f"threshold-r0-{r0}", "test", np.array([[1.0]]), np.array([1.0]),
                     float(np.nextafter(1.0 / r0 ** 2, 1.0)), (("eps_rel", 1.0 / r0 ** 2),))
            for r0 in R0]


def ill_conditioned_instances():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    G = (Q * np.geomspace(1e-14, 1.0, 6)) @ Q.T
    G = 0.5 * (G + G.T)
    y = rng.standard_normal(6)
    sq = float(y @ y)
    # eps within 1e-12 (relative) of the collapse threshold: one round, barely
    return [Instance("kappa1e14-near-threshold", "test", G, y, sq / 6 * (1 - 1e-12),
                     (("eps_rel", 1 - 1e-12),))]


def test_precision_guard_float64_inconclusive_mp_decides():
    kappa_free = select(["mobahi2020.rounds_lower_kappa_free"])[0]
    insts = threshold_instance() + ill_conditioned_instances()
    # float64 alone gets some collapse rounds wrong, and flags every such instance
    undecided, wrong = 0, 0
    for inst in insts:
        exact = self_distill(inst.G, inst.y, inst.eps, dps=30).collapse_round
        try:
            tr = self_distill(inst.G, inst.y, inst.eps)
        except ArithmeticError:
            undecided += 1
            continue
        undecided += not tr.collapse_round_certain
        if tr.collapse_round != exact:
            wrong += 1
            assert not tr.collapse_round_certain
    assert wrong >= 1 and undecided >= wrong
    claim = type(kappa_free)(**{**kappa_free.__dict__, "domain": lambda tier, seed: insts,
                                "mp_instances": 0})
    r = check_claim(claim, dps=30, cache=TrajectoryCache(30))
    assert r.status == "verified", r.counterexample or r.message
    assert r.decided_by_mp >= undecided  # every undecided instance went to the mp engine
    # and the mp engine gives the exact collapse round T = r0 - 1 on the threshold family
    for inst, r0 in zip(threshold_instance(), R0):
        assert self_distill(inst.G, inst.y, inst.eps, dps=30).collapse_round == r0 - 1


def test_interrupt_exits_130_and_leaves_previous_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "report.json"
    target.write_text('{"previous": true}\n')

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    from proofs_check import runner
    monkeypatch.setattr(runner, "instance_record", interrupted)
    code = main(["run", "mobahi2020.c_increasing", "-o", str(target), "--workers", "1"],
                out=io.StringIO())
    assert code == 130 and "interrupted" in capsys.readouterr().err
    assert json.loads(target.read_text()) == {"previous": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary left
