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


# ------------------------------------------------------------------ other engines: recipes
from proofs_check.engines import FIXED_RIDGE  # noqa: E402
from proofs_check.papers.borup2021.domains import generic_domain  # noqa: E402


def _ridge_claim(evaluate, domain, cid="t.ridge"):
    return Claim(id=cid, paper="test", where="-", provenance="derived", summary="s",
                 statement="s", domain=domain, evaluate=evaluate, engine=FIXED_RIDGE,
                 mutants=(Mutant(cid + "~m", "m", lambda i, t, e: Outcome(-1.0)),))


def _filters_distinct(inst, traj, tools):
    """Planted: if kappa > 1, the first student's filters at any two eigenvalues differ by at
    least 1e-30 (relative).  b_2(a) is strictly increasing in a, so this holds on every
    simple spectrum; it fails exactly at an exact repeat with kappa > 1, whose smallest K is
    3 (two levels, one of them twice).  A repeat rotated and rounded to float64 is split by
    ~1e-17 and holds."""
    d = traj.eigenvalues
    res = 100 * len(d) * 2.0 ** -52 if traj.dps is None else 10.0 ** (5 - traj.dps)
    if not d[-1] - d[0] > res * d[-1]:
        return Outcome.skip("kappa = 1")
    f = traj.filters[1]
    gap = min(abs(f[i + 1] - f[i]) / max(abs(f[i + 1]), abs(f[i])) for i in range(len(f) - 1))
    return Outcome.compare(gap, ">=", 1e-30 + 0 * gap, detail=f"smallest relative gap {gap}")


def _no_exact_repeats(tier, seed):
    """The borup2021 kernels and rotated spectra: no exact repeat anywhere."""
    return [i for i in generic_domain(tier, seed, steps=3)
            if i.family in ("green", "laplace", "spectrum") and "diagonal" not in i.id]


def test_a_planted_fixed_ridge_statement_is_refuted_by_the_default_search():
    c = _ridge_claim(_filters_distinct, _no_exact_repeats, "t.ridge_distinct")
    assert check_claim(c, search=0).status == "verified"  # the fixed domain misses it
    r = check_claim(c, search=10)
    assert r.status == "refuted" and r.counterexample["decided_by"] == "mp"
    assert r.counterexample["id"].startswith("search:") and r.counterexample["margin"] < 0


def test_the_search_shrinks_a_fixed_ridge_counterexample_to_the_smallest_K():
    c = _ridge_claim(_filters_distinct, lambda t, s: generic_domain(t, s, steps=3),
                     "t.ridge_shrink")
    res = S.search_claim(c, budget_seconds=60, seed=0, max_examples=80)
    assert res.status == "refuted"
    ce = res.counterexample
    assert ce["instance"]["K"] == 3 and ce["decided_by"] == "mp" and ce["margin"] < 0
    assert ce["point"]["recipe"].endswith(":GRAM_RECIPE")
    ns = {}
    exec(ce["code"], ns)  # the printed code rebuilds it, and the checker refutes it in mp
    result, _ = decide_instance(c, ns["inst"], ResultCache(50), 50, force_mp=True)
    assert ns["inst"].K == 3 and not result.holds
    text = S.render_search(res)
    assert "REFUTED" in text and "alpha = " in text and "recipe borup2021.gram" in text


def test_recipe_draws_stay_inside_the_domains_ranges():
    def narrow(tier, seed):  # alpha in [1e-3, 0.5], K <= 4: as a claim's hypothesis would say
        return [i for i in generic_domain(tier, seed, steps=5,
                                          alpha_ok=lambda a: 1e-3 <= a <= 0.5) if i.K <= 4]
    dom = narrow("fast", 0)
    env = S.envelope_of(dom)
    rng = {r[0]: r for r in env.ranges}
    assert isinstance(env, S.RecipeEnvelope) and env.K_max == 4
    assert (rng["alpha"][3], rng["alpha"][4]) == (1e-3, 0.5)
    assert rng["steps"][5] == (5,)
    lam_lo = min(dict(i.params)["lam/d_max"] for i in dom)
    lam_hi = max(dict(i.params)["lam/d_max"] for i in dom)
    seen = []

    def record(inst, traj, tools):
        seen.append((inst.K, float(inst.alpha), float(inst.lam) / float(traj.eigenvalues[-1]),
                     len(inst.xi)))
        return Outcome(1.0)
    res = S.search_claim(_ridge_claim(record, narrow), budget_seconds=60, seed=3,
                         max_examples=40)
    assert res.status == "survived" and seen
    for K, alpha, lam_rel, steps in seen:
        assert K <= 4 and 1e-3 <= alpha <= 0.5 and steps == 5
        assert lam_lo * (1 - 1e-12) <= lam_rel <= lam_hi * (1 + 1e-12)
    assert {"K", "kappa_decade", "exact_repeat", "alignment"} <= set(res.regions)


def test_the_default_run_search_on_designs_is_deterministic():
    from proofs_check import registry
    c = next(c for c in registry.catalogue() if c.id == "das2023.xi_star")
    S._INSTANCE_MEMO.clear()
    a = S.search_instances(c, "fast", 0)
    S._INSTANCE_MEMO.clear()
    b = S.search_instances(c, "fast", 0)
    assert [i.id for i in a] == [i.id for i in b] and len(a) == 1
    assert a[0].family == "search" and a[0].X.shape[0] == a[0].K


def test_domains_listing_gives_the_recipe_or_why_not():
    from proofs_check import registry
    cat = {c.id: c for c in registry.catalogue()}
    text = S.domains_listing([cat["borup2021.closed_form"], cat["borup2021.toy_numbers"],
                              cat["allenzhu_li2020." + next(
                                  k.split(".", 1)[1] for k in cat if k.startswith("allenzhu"))]])
    assert "search     draws recipe borup2021.gram" in text and "alpha in [0, 1]" in text
    assert "toy example" in text and "not available for the engine 'fixed_ridge'" in text
    assert "no spectrum for the spectral parametrisation to draw" in text
    for fam in ("exact", "levels", "small", "aligned"):
        assert f"  {fam}" in text


def test_every_catalogue_recipe_builds_instances_its_claim_decides():
    """The default run's search on every claim whose domain has a recipe: one instance,
    built by the recipe inside the domain's K range, which the checker decides (no error):
    it holds, or refutes a published reading the catalogue expects to be refuted."""
    from proofs_check import registry
    from proofs_check.check import Skipped
    searched = 0
    cache = ResultCache(30)
    for c in registry.catalogue():
        if c.engine.name == "self_distill":
            continue
        try:
            env = S._claim_envelope(c, "fast", 0)
        except InputError as exc:
            assert "not available" in str(exc)
            continue
        out = S.search_instances(c, "fast", 0)
        assert len(out) == 1 and out[0].family == "search", c.id
        assert env.K_min <= out[0].K <= env.K_max, c.id
        try:
            result, _ = decide_instance(c, out[0], cache, 30)
        except Skipped:
            continue
        # a published reading the numbers contradict (expected "refuted") may fail there
        assert result.holds or c.expected == "refuted", (c.id, result.detail)
        searched += 1
    assert searched >= 25
