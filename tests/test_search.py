"""The counterexample search: it finds planted counterexamples, shrinks them to the
smallest K, confirms them in mp, prints code that rebuilds them, stays inside the claim's
domain, and is deterministic in its seed.

Oracles: planted claims whose counterexamples are known in closed form (the smallest K at
which each can fail is derived in its docstring), the checker's own verdict on the rebuilt
instance, and the fixed domain's ranges.
"""

import numpy as np
import pytest

from theory.errors import InputError

from proofs_check import search as S
from proofs_check.check import check_claim, decide_instance, ResultCache
from proofs_check.claim import Claim, Instance, Mutant, Outcome
from proofs_check.engines import FunctionEngine
from proofs_check.numbers import like, sqrt
from proofs_check.papers.mobahi2020.domains import standard_domain


def _small_domain(tier, seed):
    return [i for i in standard_domain(tier, seed) if i.K <= 8 and i.family != "search"]


def _claim(evaluate, domain=_small_domain, cid="t.search"):
    return Claim(id=cid, paper="test", where="-", provenance="derived", summary="s",
                 statement="s", domain=domain, evaluate=evaluate,
                 mutants=(Mutant(cid + "~m", "m", lambda i, t, e: Outcome(-1.0)),))


def _c0_upper_as_lower(inst, traj, engine):
    """c_0 >= a d_max/(||z_0|| - a): the upper bound of c_t read as a lower bound.

    False as soon as the targets have weight below d_max: c_0 < a d_max/(||z|| - a) unless
    every component sits at d_max.  K = 1 (one eigenvalue) is an equality, so the smallest
    counterexample has K = 2."""
    if traj.collapse_round == 0:
        return Outcome.skip("no round")
    a = sqrt(inst.K * like(traj, inst.eps))
    r0 = traj.norms[0] / a
    bound = a * traj.eigenvalues[-1] / (traj.norms[0] - a)
    return Outcome.compare(traj.c[0], ">=", bound, cond=float(r0 / (r0 - 1)))


def _fails_from_K3(inst, traj, engine):
    """Planted: fails exactly when K >= 3 and kappa > 1 (a statement 'for K <= 2 only'
    quoted without its hypothesis); the smallest counterexample has K = 3."""
    d = traj.eigenvalues
    return Outcome(-1.0 if inst.K >= 3 and d[-1] > 2 * d[0] else 1.0)


def test_search_finds_and_shrinks_a_planted_counterexample_to_K2():
    res = S.search_claim(_claim(_c0_upper_as_lower), budget_seconds=60, seed=0,
                         max_examples=60)
    assert res.status == "refuted"
    ce = res.counterexample
    assert ce["instance"]["K"] == 2 and ce["decided_by"] == "mp" and ce["margin"] < 0
    # the printed code rebuilds an instance the checker refutes (its own rule, in mp)
    ns = {}
    exec(ce["code"], ns)
    inst = ns["inst"]
    assert isinstance(inst, Instance) and inst.K == 2
    result, _ = decide_instance(_claim(_c0_upper_as_lower), inst, ResultCache(50), 50,
                                force_mp=True)
    assert not result.holds and result.decided_by == "mp"
    text = S.render_search(res)
    assert "REFUTED" in text and "K = 2" in text and "rebuild it with" in text


def test_search_shrinks_to_the_smallest_K_that_fails():
    res = S.search_claim(_claim(_fails_from_K3), budget_seconds=60, seed=1, max_examples=60)
    assert res.status == "refuted" and res.counterexample["instance"]["K"] == 3
    point = res.counterexample["point"]
    assert point["classes"] == 1 and point["alignment"] == "generic"  # shrunk to the simplest


def test_a_true_claim_survives_and_is_never_called_proved():
    def c_upper(inst, traj, engine):  # c_0 <= a d_max/(||z_0|| - a): true (catalogue c_bounds)
        if traj.collapse_round == 0:
            return Outcome.skip("no round")
        a = sqrt(inst.K * like(traj, inst.eps))
        r0 = traj.norms[0] / a
        return Outcome.compare(traj.c[0], "<=", a * traj.eigenvalues[-1] / (traj.norms[0] - a),
                               cond=float(r0 / (r0 - 1)))
    res = S.search_claim(_claim(c_upper), budget_seconds=60, seed=0, max_examples=25)
    assert res.status == "survived" and res.searched >= 20
    assert set(res.regions) >= {"K", "kappa_decade", "levels", "alignment", "eps", "mixing"}
    text = S.render_search(res)
    assert f"survived {res.searched} searched instances" in text
    assert "proved" not in text.replace("not a proof", "")


def test_the_search_stays_inside_the_claims_domain():
    def narrow(tier, seed):  # K <= 3 and kappa <= 1e4, as a claim's hypothesis would say
        return [i for i in standard_domain(tier, seed)
                if i.K <= 3 and dict(i.params).get("kappa", 1e9) <= 1e4]
    env = S.envelope_of(narrow("fast", 0))
    assert env.K_max <= 3 and 2 ** env.exp_max <= 1e4
    seen = []

    def record(inst, traj, engine):
        seen.append((inst.K, float(traj.eigenvalues[-1] / traj.eigenvalues[0])))
        return Outcome(1.0)
    S.search_claim(_claim(record, domain=narrow), budget_seconds=60, seed=2, max_examples=30)
    assert seen and all(K <= 3 and kappa <= 1.0001e4 for K, kappa in seen)


def test_the_default_run_search_is_deterministic_in_the_seed():
    c = _claim(_c0_upper_as_lower, cid="t.det")
    S._INSTANCE_MEMO.clear()
    a = [i.id for i in S.search_instances(c, "fast", 0)]
    S._INSTANCE_MEMO.clear()
    b = [i.id for i in S.search_instances(c, "fast", 0)]
    assert a == b and len(a) == 1 and a[0].startswith("search:K2")  # shrunk counterexample
    # appended to the fixed domain, the checker refutes the claim there too
    r = check_claim(Claim(**{**{f: getattr(c, f) for f in
                                ("id", "paper", "where", "provenance", "summary", "statement",
                                 "evaluate", "mutants")},
                             "domain": lambda tier, seed: S.search_instances(c, tier, seed)}),
                    dps=50)
    assert r.status == "refuted" and r.counterexample["decided_by"] == "mp"


def test_other_engines_are_not_searched():
    eng = FunctionEngine("square", lambda inst, dps: 1.0)
    c = Claim(id="t.other", paper="p", where="-", provenance="derived", summary="s",
              statement="s", domain=lambda t, s: [Instance("x", "toy", data={"K": 1})],
              evaluate=lambda i, r, e: Outcome(1.0), engine=eng,
              mutants=(Mutant("t.other~m", "m", lambda i, r, e: Outcome(-1.0)),))
    assert S.search_instances(c) == []
    with pytest.raises(InputError, match="engine"):
        S.search_claim(c, 1.0)
    assert "not available for the engine 'square'" in S.domains_listing([c])


def test_domains_listing_names_families_ranges_and_the_search():
    from proofs_check import registry
    c = next(c for c in registry.catalogue() if c.id == "mobahi2020.c_bounds")
    text = S.domains_listing([c])
    for fam in ("green", "spectrum", "exact", "levels", "small", "aligned"):
        assert f"  {fam}" in text
    assert "covers:" in text and "round thresholds [2, 3]" in text and "search     draws K" in text


def test_spec_build_is_exact_and_round_eps_lands_on_the_threshold():
    point = S.SearchPoint(K=4, mixing="householder", levels=(2.0**-30, 1.0), mults=(2, 2),
                        eps_mode="round", eps_value=2.0, offset=-1e-9)
    inst = point.build()
    from theory import self_distill
    tr = self_distill(inst.G, inst.y, inst.eps, dps=30)
    assert tr.collapse_round == 2
    assert 0 < float(tr.norms[1] ** 2 / (4 * tr.eps)) - 1 < 1e-8
    assert point.region()["exact_repeat"] and point.region()["eps"] == "round2"
