"""The claims API for stating conjectures: strict inequalities, identities, skips, and the
number-type-neutral helpers of proofs_check.numbers.

Oracles: exact values known in closed form (lambda I, where c_t = lambda/(r_t - 1)
exactly), mpmath evaluated at a stated precision (independent of the helpers' dispatch),
and the checker's decision rule constants.
"""

import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from theory import self_distill
from theory.errors import InfeasibleError

from proofs_check import numbers as N
from proofs_check.check import check_claim
from proofs_check.claim import Claim, Instance, Mutant, Outcome, RELATIONS
from proofs_check.decision import tol_mp


def _identity_domain(tier, seed):
    # G = lambda I: r_t = r_0 - t and c_t = lambda/(r_t - 1) exactly (docs/theory/mobahi2020.md)
    y = np.array([1.0, -0.5])
    G = np.eye(2) * 0.25
    return [Instance(f"lamI-{rel}", "toy", G, y, rel * float(y @ y) / 2, (("eps_rel", rel),))
            for rel in (0.3, 0.05)]


def _flat_domain(tier, seed):
    # d_min = (1 - 2^-40) d_max: c_t (r_t - 1) lies strictly between d_min and d_max
    y = np.array([1.0, -0.5])
    G = np.diag([0.25 * (1 - 2.0 ** -40), 0.25])
    return [Instance("flat-0.3", "toy", G, y, 0.3 * float(y @ y) / 2, (("eps_rel", 0.3),))]


def _claim(evaluate, domain=_identity_domain, mutant=None, cid="t.api"):
    mutant = mutant or (lambda inst, traj, tools: Outcome(-1.0))
    return Claim(id=cid, paper="test", where="-", provenance="derived", summary="s",
                 statement="s", domain=domain, evaluate=evaluate,
                 mutants=(Mutant(cid + "~m", "m", mutant),), mp_instances=0)


def _c_closed_form(relation):
    """c_t (r_t - 1) against lambda on lambda I, stated with ``relation``."""
    def evaluate(inst, traj, tools):
        a = N.sqrt(inst.K * N.like(traj, inst.eps))
        outs = []
        for t in range(traj.collapse_round):
            r = traj.norms[t] / a
            outs.append(Outcome.compare(traj.c[t] * (r - 1), relation, traj.eigenvalues[-1],
                                        cond=float(r / (r - 1))))
        return min(outs, key=lambda o: float(o.margin))
    return evaluate


# ------------------------------------------------------------------- Outcome.compare
@pytest.mark.parametrize("lhs, rel, rhs, margin, stored", [
    (3.0, "<=", 4.0, 0.25, ">="), (4.0, ">=", 3.0, 0.25, ">="), (3.0, "<", 4.0, 0.25, ">"),
    (5.0, "<=", 4.0, -0.2, ">="), (2.0, "==", 2.5, -0.2, "=="), (0.0, "<=", 0.0, 0.0, ">=")])
def test_compare_builds_the_relative_slack(lhs, rel, rhs, margin, stored):
    out = Outcome.compare(lhs, rel, rhs)
    assert out.margin == pytest.approx(margin, abs=0) and out.relation == stored
    assert stored in RELATIONS


def test_compare_keeps_the_number_type_and_an_explicit_scale():
    ctx = mpmath.MPContext()
    ctx.dps = 60
    a, b = ctx.mpf(1) / 3, ctx.mpf(1) / 3 + ctx.mpf(10) ** -50
    out = Outcome.identity(a, b)
    # -|a - b|/max(|a|, |b|) at 60 digits: 3e-50 relative, invisible to float64
    assert type(out.margin).__name__ == "mpf" and -3.1e-50 < float(out.margin) < -2.9e-50
    assert Outcome.compare(1.0, "<=", 1.5, scale=10.0).margin == pytest.approx(0.05)


def test_identity_of_vectors_is_normwise():
    out = Outcome.identity(np.array([3.0, 4.0]), np.array([3.0, 4.0 + 5e-3]))
    assert out.margin == pytest.approx(-5e-3 / math.hypot(3.0, 4.005), rel=1e-12)


# ------------------------------------------------------------------- strict
def test_a_non_strict_bound_attained_exactly_holds_but_a_strict_one_is_undecided():
    # lower bound c_t >= lambda/(r_t - 1) is attained on lambda I: the non-strict statement
    # holds (mp confirms the equality to 48 digits), the strict one can never be granted
    r = check_claim(_claim(_c_closed_form(">=")), dps=30)
    assert r.status == "verified" and r.decided_by_mp == r.instances == 2
    r = check_claim(_claim(_c_closed_form(">")), dps=30)
    assert r.status == "undecided" and r.undecided == 2 and not r.ok
    assert "strict" in r.message


def test_a_strict_margin_beyond_the_tolerance_is_decided_in_float64():
    r = check_claim(_claim(lambda inst, traj, tools: Outcome(0.5, relation=">")), dps=30)
    assert r.status == "verified" and r.decided_by_mp == 0


def test_a_strict_mutant_with_a_zero_margin_is_not_refuted():
    r = check_claim(_claim(lambda i, t, e: Outcome(1.0),
                           mutant=lambda i, t, e: Outcome(0.0, relation=">")), dps=30)
    assert r.mutants[0].status == "survived"


# ------------------------------------------------------------------- identities
def test_an_identity_is_confirmed_in_mp_and_its_1e12_failure_refuted():
    r = check_claim(_claim(_c_closed_form("==")), dps=30)
    assert r.status == "verified" and r.decided_by_mp == 2
    assert abs(r.worst_margin) <= tol_mp(30, 10.0)
    # d_min = (1 - 2^-40) d_max: the kappa = 1 closed form is off by ~2^-41 ~ 4.5e-13
    r = check_claim(_claim(_c_closed_form("=="), domain=_flat_domain), dps=30)
    assert r.status == "refuted" and r.counterexample["decided_by"] == "mp"
    assert -1e-12 < r.counterexample["margin"] < -1e-13


def test_an_identity_with_a_positive_margin_is_a_claim_error():
    r = check_claim(_claim(lambda i, t, e: Outcome(0.5, relation="==")), dps=30)
    assert r.status == "error" and "identity" in r.message


def test_an_unknown_relation_is_a_claim_error():
    r = check_claim(_claim(lambda i, t, e: Outcome(0.5, relation="<")), dps=30)
    assert r.status == "error" and "relation" in r.message


# ------------------------------------------------------------------- skips
def test_skipped_instances_are_counted_and_never_a_pass():
    def half(inst, traj, tools):
        return Outcome.skip("needs eps_rel < 0.1") if dict(inst.params)["eps_rel"] > 0.1 \
            else Outcome(0.5)
    r = check_claim(_claim(half), dps=30)
    assert r.status == "verified" and r.instances == 1 and r.skipped == 1
    assert "skipped" in r.message and "eps_rel < 0.1" in r.message
    # the table's summary line and the JSON count them apart from the checked instances
    from proofs_check import report
    c = _claim(half)
    doc = json.loads(report.to_json([c], [r], {}))
    assert doc["claims"][0]["skipped"] == 1 and doc["summary"]["skipped_instances"] == 1
    assert "1 instances, 1 skipped as outside a claim's hypothesis" in report.render_table([r])


def test_a_domain_skipped_entirely_is_an_error():
    r = check_claim(_claim(lambda i, t, e: Outcome.skip("never")), dps=30)
    assert r.status == "error" and r.instances == 0 and r.skipped == 2
    assert "outside the claim's hypothesis" in r.message


def test_a_skip_needs_a_reason_and_never_refutes_a_mutant():
    with pytest.raises(ValueError):
        Outcome.skip("")
    r = check_claim(_claim(lambda i, t, e: Outcome(1.0),
                           mutant=lambda i, t, e: Outcome.skip("outside")), dps=30)
    assert r.mutants[0].status == "survived"


def test_a_float64_failure_inside_evaluate_is_handed_to_mp():
    # the claim's own float64 computation cannot run (as when a further float64 trajectory
    # meets a G singular to float64); at dps digits it can: mp decides the instance
    def fragile(inst, traj, tools):
        if traj.dps is None:
            raise InfeasibleError("float64 cannot run this")
        return Outcome(0.25)
    r = check_claim(_claim(fragile), dps=30)
    assert r.status == "verified" and r.decided_by_mp == 2


# ------------------------------------------------------------------- numbers
def _mp_traj():
    return self_distill(np.diag([1.0, 0.5]), np.array([1.0, 1.0]), 0.1, dps=40)


def test_like_converts_exactly_at_the_trajectory_precision():
    tr, tf = _mp_traj(), self_distill(np.diag([1.0, 0.5]), np.array([1.0, 1.0]), 0.1)
    ctx = tr.norms[0].context
    assert N.is_mp(tr) and not N.is_mp(tf)
    assert N.like(tr, 0.1) == ctx.mpf(0.1)  # the double 0.1, exactly
    assert abs(N.like(tr, Fraction(1, 3)) * 3 - 1) < ctx.mpf(10) ** -39
    assert N.like(tf, Fraction(1, 3)) == 1 / 3 and isinstance(N.like(tf, 1), float)
    arr = N.like(tr, np.array([0.5, 2]))
    assert arr.dtype == object and arr[1] == 2


@pytest.mark.parametrize("name, ref", [("sqrt", math.sqrt), ("log", math.log), ("exp", math.exp)])
def test_scalar_functions_follow_the_argument_type(name, ref):
    fn = getattr(N, name)
    assert fn(2.0) == ref(2.0)
    ctx = mpmath.MPContext()
    ctx.dps = 50
    x = ctx.mpf(2)
    v = fn(x)
    oracle = {"sqrt": mpmath.mp.sqrt, "log": mpmath.mp.log, "exp": mpmath.mp.exp}[name]
    with mpmath.workdps(60):
        assert abs(v - oracle(mpmath.mpf(2))) < mpmath.mpf(10) ** -48 * abs(v)


def test_domain_errors_name_the_value():
    with pytest.raises(ValueError, match="sqrt"):
        N.sqrt(-1.0)
    with pytest.raises(ValueError, match="log"):
        N.log(0.0)


def test_dot_and_norm_on_float_mpf_and_mixed_arrays():
    u = np.array([1.0, 2.0, 2.0])
    assert N.norm(u) == 3.0 and N.dot(u, u) == 9.0
    ctx = mpmath.MPContext()
    ctx.dps = 50
    v = np.array([ctx.mpf(1) / 3, 2.0, 2.0], dtype=object)  # mixed: computed in ctx
    n = N.norm(v)
    assert type(n).__name__ == "mpf"
    assert abs(n ** 2 - (ctx.mpf(1) / 9 + 8)) < ctx.mpf(10) ** -48
    assert N.norm(np.array([[3.0], [4.0]])) == 5.0  # Frobenius for several classes
    with pytest.raises(ValueError):
        N.dot(np.ones(2), np.ones(3))
