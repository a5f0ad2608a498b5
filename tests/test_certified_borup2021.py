"""Certified mode on the borup2021 catalogue: every certifiable claim certified on ball
trajectories (docs/certified.md), every mutant certified-refuted, nothing undecided.

Oracles independent of the code under test: exact rational recursions of the filters
(``fractions.Fraction``) for the numbers the detail reports, the published reading's
counterexample recomputed in rationals, and hand-made balls for the ball path of
:class:`proofs_check.papers.borup2021._numerics.Margins`.  The whole fast tier is
``slow`` (minutes); each certifiable claim has a fast test on a few instances.
"""

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("flint")

from proofs_check.certify import BallCache, certification, certify_claim  # noqa: E402
from proofs_check.papers.borup2021 import _numerics as NUM  # noqa: E402
from proofs_check.papers.borup2021 import claims as C  # noqa: E402
from theory.ball import Ball, UndecidedError  # noqa: E402
from theory.certified_ridge import fixed_ridge_ball  # noqa: E402

BY_ID = {c.id: c for c in C.CLAIMS}
CERTIFIABLE = ["closed_form", "dampening", "ratio_not_monotone", "toy_numbers"]
#: Not declared certifiable (some fast-tier instances stay undecided within the caps, and
#: their certified runs take minutes), but their ball paths are tested on a few instances.
BALL_PATH = ["limit_amplified_ridge", "monotone_no_collapse", "sparsify_sandwich"]
NOT_CERTIFIABLE = ["mixed_target", "linear_rate", "optimal_alpha"] + BALL_PATH

#: A few cheap instances per claim (ids by prefix), covering the exact ties: K = 1 and 2
#: diagonal problems (alpha = 0 and 1 among them), bare pairs (the pinned one included),
#: a 3-point RBF kernel with test points (closed_form's dense route), aligned targets
#: (the contraction attained on the top direction).
FEW = ("small:", "pair:pinned", "pair:fixed0", "rbf:gamma10-n3", "aligned:householder-K4",
       "toy-")


def _few(claim, limit=10):
    toy = claim.id.endswith("toy_numbers")  # the 11-point toy is dear elsewhere
    dom = [i for i in claim.domain("fast", 0) if i.id.startswith(FEW) and len(i.xi) <= 200
           and (toy or not i.id.startswith("toy-"))]
    return dom[:limit]


def _certify(cid, domain=None, cache=None):
    """certify_claim on a few instances; a BALL_PATH claim is forced through (its paper
    does not declare it certifiable)."""
    from unittest import mock
    import proofs_check.certify as CE
    claim = BY_ID[f"borup2021.{cid}"]
    dom = _few(claim) if domain is None else domain
    assert dom, cid
    claim = dataclasses.replace(claim, domain=lambda tier="fast", seed=0: dom)
    if cid not in BALL_PATH:
        return certify_claim(claim, cache=cache)
    with mock.patch.object(CE, "certification", lambda c: ("full", "")):
        return certify_claim(claim, cache=cache)


@pytest.fixture(scope="module")
def cache():
    return BallCache()


# ------------------------------------------------------------------------------ declarations
def test_declarations_cover_every_claim_once():
    ids = {c.id for c in C.CLAIMS}
    full = {f"borup2021.{n}" for n in CERTIFIABLE}
    assert C.CERTIFIABLE == full and not C.REFUTATIONS_CERTIFIABLE
    assert set(C.NOT_CERTIFIABLE) == {f"borup2021.{n}" for n in NOT_CERTIFIABLE}
    assert full | set(C.NOT_CERTIFIABLE) == ids and not full & set(C.NOT_CERTIFIABLE)
    for cid in ids:
        mode, why = certification(BY_ID[cid])
        assert (mode == "full") == (cid in full) and (mode is None) == bool(why)


@pytest.mark.parametrize("cid", NOT_CERTIFIABLE)
def test_not_certifiable_claims_say_why_and_certify_nothing(cid):
    r = certify_claim(BY_ID[f"borup2021.{cid}"])
    assert r.status == "not certifiable" and r.certified == 0
    assert r.not_certifiable == r.instances > 0
    reason = {"mixed_target": "least squares", "linear_rate": "exact arithmetic",
              "optimal_alpha": "grid"}.get(cid, "undecided")
    assert reason in r.reason


# ------------------------------------------------------------------------------ Margins on balls
def _ball_traj():
    return fixed_ridge_ball(np.diag([1.0, 3.0]), np.ones(2), 1.0, [0.5, 0.5], 128)


def test_margins_on_balls_return_a_certain_violation_over_any_float_selection():
    tr = _ball_traj()
    m = NUM.Margins(tr)
    # the float path would pick the smallest margin/error: 1e-30 against an error of 1
    # (dropped as "at the rounding level"); on balls nothing is dropped
    m.add(Ball.exact(0.5, 128), 1e-15, lambda: "holds")
    m.add(Ball.exact(-1e-30, 128), 1.0, lambda: "fails by 1e-30")
    m.add(Ball.exact(-0.25, 128), 1e-15, lambda: "fails by 0.25")
    out = m.outcome()
    assert out.margin < 0 and out.detail.startswith("fails by 1e-30")
    assert "violates" in out.detail


def test_margins_on_balls_pick_the_smallest_lower_end_and_keep_the_relation():
    tr = _ball_traj()
    m = NUM.Margins(tr, relation=">")
    third = Ball.exact(1, 128) / 3
    m.add(third, 0, "a third")
    m.add(Ball.exact(0.25, 128), 0, "a quarter")
    out = m.outcome()
    assert out.detail.startswith("a quarter") and out.relation == ">"
    # strict: an exact 0 violates it
    m = NUM.Margins(tr, relation=">")
    m.add(third, 0, "a third")
    m.add(third - third, 0, "zero")
    assert m.outcome().detail.startswith("zero")


def test_margins_on_balls_raise_when_undecided_and_refuse_floats():
    tr = _ball_traj()
    m = NUM.Margins(tr)
    x = Ball(Ball.exact(2, 128).sqrt().v, 128)  # no exact expression
    m.add(x * x - 2, 0, "straddles 0")
    m.add(Ball.exact(1, 128), 0, "holds")
    with pytest.raises(UndecidedError):
        m.outcome()
    m.add(Ball.exact(-1, 128), 0, "violates")  # a certain violation decides nonetheless
    assert m.outcome().margin < 0
    with pytest.raises(TypeError, match="must be a ball"):
        NUM.Margins(tr).add(0.5, 0, "a float from midpoints")
    assert NUM.Margins(tr).outcome().skipped  # nothing to compare: never a vacuous pass


def test_qmatrix_solves_exactly():
    A = NUM.QMatrix.of([[2.0, 1.0], [1.0, 3.0]])
    x = A.solve(NUM.QMatrix.of([0.1, 1.0])).column(0)
    b = [Fraction(0.1), Fraction(1)]
    assert 2 * x[0] + x[1] == b[0] and x[0] + 3 * x[1] == b[1]


# ------------------------------------------------------------------------------ claims
@pytest.mark.parametrize("cid", [c for c in CERTIFIABLE if c != "ratio_not_monotone"]
                         + BALL_PATH)
def test_certifiable_claim_certified_on_a_few_instances(cid, cache):
    r = _certify(cid, cache=cache)
    assert r.ok and r.errors == 0 and r.undecided == 0, (cid, r.reason, r.first_undecided)
    assert r.status == "certified" and r.certified >= 1
    assert r.certified + r.skipped == r.instances
    assert r.mutants and all(m.status == "certified-refuted" for m in r.mutants), \
        [(m.id, m.status) for m in r.mutants]


def test_identities_are_certified_in_exact_arithmetic(cache):
    # an identity margin -|lhs - rhs| on balls is never >= 0 by its ball alone: each
    # certified instance of these claims took an exact decision
    for cid in ("closed_form",):
        r = _certify(cid, cache=cache)
        decided = [d for d in r.details if d.verdict == "certified"]
        assert decided and all(d.exact and d.width == 0.0 for d in decided), cid


def test_linear_rate_ball_path_decides_its_identities_on_short_instances(cache):
    # not declared certifiable (its 200-step toy instance is out of reach of exact
    # arithmetic), but its ball path is exact where it finishes: run it directly
    from proofs_check.certify import _evaluate
    claim = BY_ID["borup2021.linear_rate"]
    insts = [i for i in claim.domain("fast", 0) if i.id.startswith("pair:")][:4]
    for inst in insts:
        r = _evaluate(claim.evaluate, inst, "fixed_ridge", cache, 192, 3072, inst.id)
        assert r.verdict == "certified" and r.exact and r.width == 0.0, (inst.id, r.detail)
    no_a = claim.mutants[0]
    r = _evaluate(no_a.evaluate, insts[0], "fixed_ridge", cache, 192, 3072, insts[0].id)
    assert r.verdict == "certified-refuted"


def test_closed_form_test_points_route_is_exact_over_q(cache):
    claim = BY_ID["borup2021.closed_form"]
    inst = next(i for i in claim.domain("fast", 0) if i.data.get("Kt") is not None and
                i.K <= 4)
    r = _certify("closed_form", [inst], cache)
    assert r.certified == 1
    # the dense students against M_tau in exact rationals, independently of QMatrix
    K = [[Fraction(float(v)) for v in row] for row in inst.G]
    y = [Fraction(float(v)) for v in inst.y]
    lam, q = Fraction(float(inst.lam)), Fraction(float(inst.xi[0]))
    n = len(y)
    import sympy as sp
    A = sp.Matrix(n, n, lambda i, j: K[i][j] + (lam if i == j else 0))
    Km, Y = sp.Matrix(K), sp.Matrix(y)
    c = A.LUsolve(Y)
    P = A.LUsolve(Km)
    M = Y  # M_1 y
    for _ in range(3):
        c = A.LUsolve(Y * (1 - q) + Km * c * q)
        M = Y * (1 - q) + (P * q) * M
    assert sp.simplify(A.LUsolve(M) - c) == sp.zeros(n, 1)  # the identity certified above


def test_published_reading_certified_refuted_and_its_true_instances_certified(cache):
    claim = BY_ID["borup2021.ratio_not_monotone"]
    dom = [i for i in claim.domain("fast", 0) if i.id.startswith(("pair:pinned",
                                                                   "pair:fixed0"))]
    r = _certify("ratio_not_monotone", dom, cache)
    assert r.status == "refuted" and r.ok and r.undecided == 0 and r.errors == 0
    assert r.counterexample["id"].startswith("pair:pinned")
    assert r.mutants[0].status == "certified-refuted"
    verdict = {d.id: d.verdict for d in r.details}
    # alpha = 0: R_tau = (a_j/a_k)^tau increases (certified); alpha = 0.25 overshoots
    a0 = next(i for i in dom if i.id.startswith("pair:fixed0") and i.alpha == 0)
    a25 = next(i for i in dom if i.id.startswith("pair:fixed0") and i.alpha == 0.25)
    assert verdict[a0.id] == "certified" and verdict[a25.id] == "certified-refuted"
    # the overshoot in rationals: R_tau = b_tau(a_j)/b_tau(a_k) rises, then falls
    d = sorted(Fraction(float(v)) for v in np.diag(a25.G))
    a = [v / (v + Fraction(float(a25.lam))) for v in d]
    xi = Fraction(float(a25.xi[0]))

    def b(aa, tau):
        v = aa
        for _ in range(tau - 1):
            v = aa * ((1 - xi) + xi * v)
        return v
    R = [b(a[1], t) / b(a[0], t) for t in range(1, 8)]
    assert any(R[t + 1] < R[t] for t in range(6)) and R[1] > R[0]


@pytest.mark.slow
def test_whole_fast_tier_certified():
    """Every instance of every certifiable claim on the fast tier (several minutes)."""
    cache = BallCache()
    for cid in CERTIFIABLE:
        claim = BY_ID[f"borup2021.{cid}"]
        r = certify_claim(claim, cache=cache)
        assert r.ok and r.errors == 0, (cid, r.status, r.reason)
        assert all(m.status == "certified-refuted" for m in r.mutants)
        assert r.undecided == 0, (cid, r.undecided, r.first_undecided)
        if claim.expected == "refuted":
            assert r.status == "refuted"
            assert r.certified + r.certified_refuted + r.skipped == r.instances
        else:
            assert r.status == "certified" and r.certified + r.skipped == r.instances
