"""Tests of the Allen-Zhu & Li 2020 catalogue (proofs_check/papers/allenzhu_li2020).

* the statistics of the claims (paired standard error, Agresti-Coull share) against
  scipy.stats and the textbook formula typed in again;
* every claim and mutant on hand-built results whose verdict is known (an ensemble equal to
  its members' mean, a student identical to its teacher, ...): the rule "fails only when
  contradicted by more than 3 standard errors" in both directions;
* the engine's records against an independent recount: networks retrained here from the
  same seeds with :func:`theory.train_networks`, errors counted by hand from
  :func:`theory.multiview_learner.network_logits`;
* the catalogue through the checker at a reduced size (default) and at the fast tier
  (``slow``: about 35 s of training) with every verdict as expected and every mutant refuted;
* the reproduction (small) against the same independent recount.
"""

import csv
import math
import os
from dataclasses import replace

import numpy as np
import pytest
import scipy.stats

from proofs_check.check import ResultCache, check_claim
from proofs_check.papers.allenzhu_li2020 import PAPER, claims as C, domains as D
from proofs_check.papers.allenzhu_li2020 import engines as E
from proofs_check.papers.allenzhu_li2020 import reproductions as R
from proofs_check.reproduce import reproduce
from theory.errors import InputError
from theory.multiview import multiview_train_test
from theory.multiview_learner import LearnerParams, network_logits, train_networks

TINY = E.SimSize(n_train=60, n_test=200, L=2, steps=40, student_steps=40, rf_M=10)
CLAIM = {c.id.split(".", 1)[1]: c for c in C.CLAIMS}


@pytest.fixture(scope="module")
def tiny_run():
    return E.simulate(TINY, 3)


# ---------------------------------------------------------------- statistics
def test_paired_is_the_standard_error_of_the_mean_difference():
    rng = np.random.default_rng(0)
    a, b = rng.random(500) < 0.4, rng.random(500) < 0.3
    d = a.astype(float) - b
    m, se = C.paired(d)
    assert m == pytest.approx(a.mean() - b.mean(), abs=1e-15)
    assert se == pytest.approx(scipy.stats.sem(d), rel=1e-12)
    assert C.paired(np.zeros(40)) == (0.0, 1 / 40)      # the one-sample floor


def test_share_se_is_agresti_coull():
    for x, n in ((0, 30), (21, 30), (50, 50)):
        p = (x + 2) / (n + 4)
        assert C.share_se(x, n) == pytest.approx(math.sqrt(p * (1 - p) / (n + 4)), rel=1e-15)
        assert C.share_se(x, n) > 0


# ---------------------------------------------------------------- claims on built results
def _record(wrong, views=None, strengths=None):
    wrong = np.atleast_2d(np.asarray(wrong, dtype=bool))
    n = wrong.shape[0]
    sv = wrong.mean(axis=1)
    return E.ModelRecord(sv=sv, mv=np.zeros(n), train=np.zeros(n), wrong=wrong,
                         by_view=np.zeros((n, 2, 2)), strengths=strengths, views=views)


def _built(single, ensemble, kd, control, sd, wide, rf, rf_ens, rf_big, views=None,
           strengths=None):
    L = len(single)
    views = np.ones((L, 2), int) if views is None else views
    strengths = np.tile([0.2, 0.0], (L, 2, 1)) if strengths is None else strengths
    net = dict(views=views[:1], strengths=strengths[:1])
    size = replace(TINY, L=L, n_test=2 * len(single[0]))
    return E.MultiViewRun(size=size, seed=0, n_sv=len(single[0]),
                          single=_record(single, views, strengths), ensemble=_record(ensemble),
                          kd=_record(kd, **net), control=_record(control, **net),
                          sd=_record(sd, np.repeat(views[:1], L, 0), strengths),
                          wide=_record(wide, **net), rf=_record(rf), rf_ensemble=_record(rf_ens),
                          rf_big=_record(rf_big))


def _bern(p, n, seed):
    return np.random.default_rng(seed).random(n) < p


def test_ensemble_equal_to_mean_survives_only_its_mutant():
    """Members wrong on disjoint halves and an 'ensemble' wrong where the first one is: its
    sv-err equals the members' mean, so 'equals_mean' holds and the claim fails."""
    n = 2000
    a = np.arange(n) < n // 2
    b = ~a
    run = _built([a, b], a, a, a, [a, b], a, a, a, a)
    assert C._ensemble_is_mean(None, run, None).margin > 0
    assert C._ensemble_gain(None, run, None).margin < 0


def test_a_real_ensemble_gain_refutes_both_ensemble_mutants():
    n = 2000
    members = [_bern(0.4, n, 1), _bern(0.4, n, 2)]
    ens = members[0] & members[1]   # wrong only where both are: about 0.16
    run = _built(members, ens, ens, ens, members, members[0], members[0], members[0], members[0])
    assert C._ensemble_gain(None, run, None).margin > 0
    assert C._ensemble_is_mean(None, run, None).margin < 0
    assert C._ensemble_no_better(None, run, None).margin < 0


def test_self_distillation_rule_in_both_directions():
    n = 2000
    t = [_bern(0.4, n, 3), _bern(0.4, n, 4)]
    same = _built(t, t[0], t[0], t[0], t, t[0], t[0], t[0], t[0])
    assert C._sd_no_change(None, same, None).margin > 0        # students = teachers
    assert C._sd_gain(None, same, None).margin > 0             # no worse either
    worse = _built(t, t[0], t[0], t[0], [np.ones(n, bool)] * 2, t[0], t[0], t[0], t[0])
    assert C._sd_gain(None, worse, None).margin < 0            # students always wrong
    better = _built(t, t[0], t[0], t[0], [t[0] & t[1]] * 2, t[0], t[0], t[0], t[0])
    assert C._sd_no_change(None, better, None).margin < 0


def test_a_difference_within_three_standard_errors_never_fails():
    """Two students differing from their teachers on a handful of samples: within noise."""
    n = 2000
    t = [_bern(0.4, n, 5), _bern(0.4, n, 6)]
    s = [x.copy() for x in t]
    for x in s:
        x[np.flatnonzero(~x)[:3]] = True     # 3 more errors of 2000: 0.15 %, far below 3 se
    run = _built(t, t[0], t[0], t[0], s, t[0], t[0], t[0], t[0])
    assert C._sd_gain(None, run, None).margin > 0


def test_lottery_counts_views_and_disagreements():
    views = np.array([[1, 1, 2], [1, 1, 1]])
    strengths = np.array([[[0.3, 0.0], [0.0, 0.3], [0.3, 0.3]],
                          [[0.0, 0.3], [0.0, 0.3], [0.3, 0.0]]])
    w = np.zeros((2, 100), bool)
    run = _built(list(w), w[0], w[0], w[0], list(w), w[0], w[0], w[0], w[0],
                 views=views, strengths=strengths)
    assert C._disagreements(run) == 1                      # class 0: view 0 vs view 1
    assert C._same_view(None, run, None).margin < 0
    out = C._lottery(1)(None, run, None)
    assert "5/6 (class, network) pairs" in out.detail
    assert out.margin == pytest.approx(5 / 6 - 0.5 + C.Z * C.share_se(5, 6))


def test_rf_claim_and_mutants():
    n = 2000
    big = _bern(0.12, n, 7)
    rf_ens = big | _bern(0.03, n, 8)            # a little worse than the big model
    nets = [_bern(0.4, n, 9), _bern(0.4, n, 10)]
    ens = nets[0] & nets[1]
    run = _built(nets, ens, ens, ens, nets, nets[0], [rf_ens, rf_ens], rf_ens, big)
    assert C._rf(None, run, None).margin > 0
    assert C._rf_halves(None, run, None).margin < 0
    assert C._wide_matches(None, run, None).margin < 0


def test_every_detail_reports_all_model_kinds(tiny_run):
    for c in C.CLAIMS:
        detail = c.evaluate(None, tiny_run, None).detail
        for needle in ("sv-err/mu single", "ensemble", "KD", "SD", "views 0/1/2", "RF single",
                       "ensemble gain"):
            assert needle in detail, (c.id, needle)


# ---------------------------------------------------------------- engine
def test_engine_records_match_an_independent_recount(tiny_run):
    tr, te = multiview_train_test(3, n_train=TINY.n_train, n_test=TINY.n_test)
    seeds = [E.model_seed(3, "net", l) for l in range(TINY.L)]
    W = train_networks(tr.X, tr.labels, tr.k, seeds, LearnerParams(steps=TINY.steps)).W
    F = network_logits(W, te.X, LearnerParams())
    sv = te.single_view
    for l in range(TINY.L):
        pred = F[l].argmax(axis=1)
        wrong = [int(pred[i] != te.labels[i]) for i in range(te.n) if sv[i]]
        assert tiny_run.single.sv[l] == sum(wrong) / len(wrong)
        assert tiny_run.single.wrong[l].tolist() == [bool(x) for x in wrong]
    ens = F.mean(axis=0).argmax(axis=1)
    assert tiny_run.ensemble.sv[0] == np.mean(ens[sv] != te.labels[sv])
    assert tiny_run.n_sv == int(sv.sum())


def test_engine_is_deterministic_and_shared(tiny_run):
    again = E.simulate(TINY, 3)
    for kind in E.MultiViewRun.KINDS:
        assert np.array_equal(getattr(again, kind).wrong, getattr(tiny_run, kind).wrong), kind
    assert len({c.engine for c in C.CLAIMS}) == 1 and C.CLAIMS[0].engine is E.ENGINE
    ids = [[i.id for i in c.domain("fast", 0)] for c in C.CLAIMS]
    assert all(x == ids[0] for x in ids)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_simulate_refuses_bad_seeds(bad):
    with pytest.raises(InputError, match="seed"):
        E.simulate(TINY, bad)


def test_simsize_refuses_an_ensemble_of_one():
    with pytest.raises(InputError, match="L = 1"):
        replace(TINY, L=1)


def test_domains_are_consecutive_seeds():
    assert D.data_seeds("fast", 0) == [0, 1, 2]
    assert D.data_seeds("fast", 1) == [3, 4, 5]
    inst = D.seed_domain("full", 0)[0]
    assert inst.size is E.SIZES["full"] and inst.size.student_steps == 10000


# ---------------------------------------------------------------- the catalogue
def _check_all(cache, tier="fast"):
    return {c.id: check_claim(c, tier=tier, seed=0, cache=cache) for c in C.CLAIMS}


def test_catalogue_runs_at_a_reduced_size(monkeypatch):
    """Every claim decided (no error, no undecided) with one simulation per data seed."""
    monkeypatch.setitem(E.SIZES, "fast", TINY)
    monkeypatch.setitem(D.N_SEEDS, "fast", 2)
    calls = []
    real = E.simulate
    monkeypatch.setattr(E, "simulate", lambda size, seed: calls.append(seed) or real(size, seed))
    results = _check_all(ResultCache())
    assert sorted(calls) == [0, 1]
    for cid, r in results.items():
        assert r.status in ("verified", "refuted"), (cid, r.message)
        assert r.instances == 2


@pytest.mark.slow
def test_fast_tier_verdicts():
    results = _check_all(ResultCache())
    for c in C.CLAIMS:
        r = results[c.id]
        assert r.ok, (c.id, r.status, r.counterexample, [(m.id, m.status) for m in r.mutants])
    assert results["allenzhu_li2020.kd_transfers"].status == "refuted"


def test_paper_record():
    assert PAPER.id == "allenzhu_li2020" and len(PAPER.claims()) == 6
    assert {c.id.split(".")[1] for c in PAPER.claims()} == {
        "lottery", "single_model_error", "ensemble_gain", "kd_transfers", "self_distill_gain",
        "rf_no_feature_gain"}
    for c in PAPER.claims():
        assert c.provenance in ("paper", "derived")
        if "review" in c.notes:
            assert "not confirmed" in c.notes


# ---------------------------------------------------------------- reproduction
def _read(path, rid):
    with open(path, newline="") as fh:
        assert fh.readline().rstrip("\n") == \
            f"# generated by proofs-check from reproduction {rid}; do not edit"
        return list(csv.DictReader(fh))


def test_views_reproduction_small(tmp_path):
    rid = "allenzhu_li2020.views"
    paths = reproduce(rid, tmp_path, small=True)
    names = sorted(os.path.basename(p) for p in paths)
    assert names == ["views.pdf", "views.png", "views_errors.csv", "views_strengths.csv",
                     "views_summary.csv"]
    assert (tmp_path / "views.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    errors = _read(tmp_path / "views_errors.csv", rid)
    size = R.SMALL_SIZE
    # the single networks' sv-err, recounted from networks trained here
    for s in R.SEEDS[True]:
        tr, te = multiview_train_test(s, n_train=size.n_train, n_test=size.n_test)
        W = train_networks(tr.X, tr.labels, tr.k, [E.model_seed(s, "net", l) for l in range(size.L)],
                           LearnerParams(steps=size.steps)).W
        F = network_logits(W, te.X, LearnerParams())
        mine = [float(np.mean(F[l].argmax(1)[te.single_view] != te.labels[te.single_view]))
                for l in range(size.L)]
        csv_vals = [float(r["sv_err"]) for r in errors
                    if r["kind"] == "single" and int(r["data_seed"]) == s]
        assert csv_vals == mine
    # the bars: mean and sd over seeds of each kind's per-seed mean
    summary = {r["kind"]: r for r in _read(tmp_path / "views_summary.csv", rid)}
    for key, _, _ in R.KINDS:
        per_seed = [np.mean([float(r["sv_err"]) for r in errors
                             if r["kind"] == key and int(r["data_seed"]) == s])
                    for s in R.SEEDS[True]]
        assert float(summary[key]["mean_sv_err"]) == pytest.approx(np.mean(per_seed), abs=1e-15)
        assert float(summary[key]["sd_over_seeds"]) == pytest.approx(np.std(per_seed, ddof=1),
                                                                     abs=1e-15)
    strengths = _read(tmp_path / "views_strengths.csv", rid)
    assert len(strengths) == (size.L + 4) * 10 * 2
    for r in strengths:
        assert (r["learned"] == "true") == (float(r["strength"]) >= 0.05)
