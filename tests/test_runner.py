"""The parallel, resumable runner: the same report for any worker count and on Dask, a
cache that resumes and re-runs only what changed, corrupt entries recomputed, a budget that
leaves undecided instances (never verified)."""

import io
import json
import os
import pickle
import time

import numpy as np
import pytest

from proofs_check.cache import DiskCache
from proofs_check.check import check_claim
from proofs_check.claim import Claim, Instance, Mutant, Outcome
from proofs_check.cli import main
from proofs_check.registry import select
from proofs_check.report import render_table
from proofs_check.runner import ClaimRef, run_claims

IDS = ["mobahi2020.c_increasing", "mobahi2020.collapse_threshold", "mobahi2020.norm_decreasing"]


def _json(*argv):
    out = io.StringIO()
    code = main(["run", *IDS, "--json", "--dps", "30", *argv], out=out)
    return code, out.getvalue()


def test_report_is_byte_identical_for_1_2_and_3_workers_and_serial():
    docs = {w: _json("--workers", str(w), "--no-cache")[1] for w in (1, 2, 3)}
    docs["serial"] = _json("--executor", "serial", "--no-cache")[1]
    assert len(set(docs.values())) == 1
    assert json.loads(docs[1])["summary"]["ok"] is True


def test_a_claim_with_blas_in_its_oracle_reports_the_same_for_1_and_2_workers():
    # closed_form's oracle is an SLSQP optimum (BLAS inside): with the caller's BLAS threads
    # the serial run's worst margin was 0.938, the workers' 0.989
    docs = {}
    for w in (1, 2):
        out = io.StringIO()
        main(["run", "mobahi2020.closed_form", "--json", "--dps", "30", "--no-cache",
              "--workers", str(w)], out=out)
        docs[w] = out.getvalue()
    assert docs[1] == docs[2] and json.loads(docs[1])["claims"][0]["status"] == "verified"


def test_the_serial_checker_runs_blas_as_the_runner_does():
    # check_claim (the pytest plugin's and the docs' checker) pins BLAS as the tasks do
    claims = select(["mobahi2020.closed_form"])
    par = run_claims(claims, [ClaimRef(c.id) for c in claims], dps=30, workers=1, search=0)
    ser = check_claim(claims[0], dps=30)
    par[0].seconds = ser.seconds = 0.0
    assert par[0] == ser


def test_runner_matches_the_serial_checker():
    claims = select(IDS)
    # with the default run's counterexample search: the workers rebuild the same domain
    par = run_claims(claims, [ClaimRef(c.id) for c in claims], dps=30, workers=2, search=10)
    ser = [check_claim(c, dps=30, search=10) for c in claims]
    for a, b in zip(par, ser):
        a.seconds = b.seconds = 0.0
        assert a == b


def test_dask_local_cluster_gives_the_same_report():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        code, doc = _json("--executor", "dask", "--scheduler", cluster.scheduler_address,
                          "--no-cache")
    assert code == 0 and doc == _json("--workers", "1", "--no-cache")[1]


def test_resume_uses_the_cache_and_a_corrupt_entry_is_recomputed(tmp_path):
    cache = tmp_path / "c"
    first = _json("--cache-dir", str(cache), "--workers", "1")[1]
    entries = sorted(cache.rglob("*.pkl"))
    assert len(entries) > 10
    # corrupt one entry, truncate another, and plant a wrong-type one: all are recomputed
    entries[0].write_bytes(b"not a pickle")
    entries[1].write_bytes(entries[1].read_bytes()[:10])
    key, _ = pickle.loads(entries[2].read_bytes())
    entries[2].write_bytes(pickle.dumps((key, "a string, not a record")))
    t0 = time.perf_counter()
    again = _json("--cache-dir", str(cache), "--workers", "1")[1]
    assert again == first
    # every entry valid again
    for p in cache.rglob("*.pkl"):
        k, v = pickle.loads(p.read_bytes())
        assert not isinstance(v, str)


def _toy_claim(factor, cid="t.cached"):
    def evaluate(inst, traj, tools):
        n0, n1 = traj.norms[0], traj.norms[1]
        return Outcome((factor * n0 - n1) / n0)

    def domain(tier, seed):
        G = np.diag([1.0, 0.5]) / 2
        y = np.array([1.0, -0.5])
        return [Instance(f"toy-{r}", "toy", G, y, r * 0.625, (("eps_rel", r),))
                for r in (0.3, 0.1)]
    return Claim(id=cid, paper="p", where="w", provenance="derived", summary="s",
                 statement="s", domain=domain, evaluate=evaluate,
                 mutants=(Mutant(cid + "~m", "m", lambda i, t, e: Outcome(-1.0)),),
                 mp_instances=0)


def test_a_changed_claim_reruns_only_its_own_instances(tmp_path, monkeypatch):
    from proofs_check import runner
    calls = []
    real = runner.instance_record

    def counting(claim, inst, index, cache, dps, defer_mp=False):
        rec = real(claim, inst, index, cache, dps, defer_mp)
        if rec.kind != "pending":  # a deferred mp re-check is the same instance's check
            calls.append(claim.id)
        return rec
    monkeypatch.setattr(runner, "instance_record", counting)
    a, b = _toy_claim(1.0, "t.a"), _toy_claim(1.0, "t.b")
    kw = dict(dps=30, workers=1, cache_dir=str(tmp_path), search=0)
    run_claims([a, b], [ClaimRef("t.a"), ClaimRef("t.b")], **kw)
    assert sorted(calls) == ["t.a", "t.a", "t.b", "t.b"]
    calls.clear()
    run_claims([a, b], [ClaimRef("t.a"), ClaimRef("t.b")], **kw)
    assert calls == []  # resumed entirely from the cache
    b2 = _toy_claim(0.9, "t.b")  # the claim's closure changed: its version changed
    res = run_claims([a, b2], [ClaimRef("t.a"), ClaimRef("t.b")], **kw)
    assert sorted(calls) == ["t.b", "t.b"]
    assert res[0].status == "verified"


def test_an_exhausted_budget_leaves_undecided_instances_never_verified():
    claims = select(["mobahi2020.c_increasing"])
    res = run_claims(claims, [ClaimRef(c.id) for c in claims], dps=30, workers=1,
                     budget=1e-9)
    r = res[0]
    assert r.status == "undecided" and r.undecided > 0 and not r.ok
    assert "budget" in r.message
    # its mutant was refuted on no instance because none was checked: undecided, not survived
    assert [m.status for m in r.mutants] == ["undecided"] * len(r.mutants) and r.mutants
    text = render_table(res)
    assert "mutant undecided" in text and "SURVIVED" not in text


class _Clock:
    """A run's clock that only the toy engine's mp runs advance (a deterministic budget)."""

    def __init__(self):
        self.t = 0.0

    def time(self):
        return self.t


def _recheck_claims(clock):
    """Two claims on one toy engine: float64 decides ``sure`` and leaves the others
    inconclusive (margin 0.5 within an accuracy of 1); an mp run costs the instance's
    ``mp`` seconds on ``clock``.  ``both`` needs mp for both claims (cost 6: 3 s per claim
    decided), ``one`` for claim t.a only (cost 4: 4 s per claim decided)."""
    from proofs_check.engines import Engine

    class Toy(Engine):
        name, has_mp = "toy_recheck", True

        def run(self, inst, dps):
            if dps is not None:
                clock.t += inst.data["mp"]
            return {"dps": dps, "acc": 0.0 if dps or inst.id == "sure" else 1.0}

        def accuracy(self, result):
            return result["acc"]

        def cost(self, inst, dps, forced_mp):
            return 1e-3

        def mp_cost(self, inst, f64, dps):
            return inst.data["mp"]

    engine = Toy()
    insts = {"sure": 0.0, "both": 6.0, "one": 4.0}

    def domain_of(ids):
        return lambda tier, seed: [Instance(i, "toy", data={"K": 2, "mp": insts[i]}) for i in ids]

    def claim(cid, ids):
        return Claim(id=cid, paper="p", where="w", provenance="derived", summary="s",
                     statement="s", domain=domain_of(ids), engine=engine,
                     evaluate=lambda inst, r, tools: Outcome(0.5),
                     mutants=(Mutant(cid + "~m", "m", lambda i, r, t: Outcome(-1.0)),),
                     mp_instances=0)
    return [claim("t.a", ["sure", "one", "both"]), claim("t.b", ["sure", "both"])]


def test_mp_rechecks_run_after_every_float64_check_by_information_per_second(monkeypatch):
    import types
    from proofs_check import check, runner
    clock = _Clock()
    monkeypatch.setattr(runner, "time", types.SimpleNamespace(time=clock.time,
                                                              perf_counter=clock.time))
    claims = _recheck_claims(clock)
    # the budget (5 s) covers one mp run: "both" (two claims in 6 s) goes before "one"
    # (one claim in 4 s), though "one" is cheaper and comes first in t.a's domain
    res = run_claims(claims, [ClaimRef(c.id) for c in claims], executor="serial", budget=5.0,
                     search=0)
    a, b = res
    assert b.status == "verified" and b.instances == 2 and b.decided_by_mp == 1
    assert a.status == "undecided" and a.instances == 2 and a.undecided == 1
    assert "one: the run budget ran out before the mp re-check" in a.message
    # without a budget every re-check runs, and the verdicts are the one-pass checker's
    clock.t = 0.0
    full = run_claims(claims, [ClaimRef(c.id) for c in claims], executor="serial", search=0)
    assert clock.t == 6.0 + 4.0  # one mp run per instance, shared by its claims
    ser = [check.check_claim(c, search=0) for c in claims]
    for x, y in zip(full, ser):
        x.seconds = y.seconds = 0.0
        assert x == y and x.status == "verified"


def test_progress_reports_estimated_work_with_the_rechecks_it_finds(monkeypatch):
    import types
    from proofs_check import runner
    from proofs_check.cli import _Progress
    clock = _Clock()
    monkeypatch.setattr(runner, "time", types.SimpleNamespace(time=clock.time,
                                                              perf_counter=clock.time))
    claims = _recheck_claims(clock)

    class Seen:
        def __init__(self):
            self.work_calls, self.calls = [], []

        def work(self, done, total):
            self.work_calls.append((done, total))

        def __call__(self, done, total, cid):
            self.calls.append((done, total))
    seen = Seen()
    run_claims(claims, [ClaimRef(c.id) for c in claims], executor="serial", search=0,
               progress=seen)
    dones = [d for d, _ in seen.work_calls]
    assert dones == sorted(dones) and seen.calls[-1][0] == seen.calls[-1][1] == 5
    # the float64 pass (3 instances at 1e-3 s, one task) finds the re-checks "both" (6 s)
    # and "one" (4 s), which the total then counts; each runs as a task of its own (they
    # complete in either order)
    (d0, t0), (d1, t1), (d2, t2) = seen.work_calls
    assert (d0, t0, t1, t2) == pytest.approx((0.003, 10.003, 10.003, 10.003))
    assert min(abs(d1 - 4.003), abs(d1 - 6.003)) < 1e-9 and d2 == pytest.approx(10.003)
    # the display's ETA scales the elapsed time by the work left over the work done
    p = _Progress("never")
    p.samples[0] = (0.0, 0.0)
    p.work(2.0, 8.0, now=10.0)
    assert p.eta(1, 100, now=10.0) == pytest.approx(30.0)  # not 990 s by the count
    # a slow kind of work, then a fast one: the rate of the last WINDOW seconds counts
    p.work(3.0, 10.0, now=400.0)
    p.work(9.0, 10.0, now=500.0)
    assert p.eta(50, 100, now=500.0) == pytest.approx(1.0 / (6.0 / 100.0))


def test_a_budget_stop_resumes_from_the_cache_with_only_what_was_not_decided(tmp_path,
                                                                            monkeypatch):
    import types
    from proofs_check import runner
    clock = _Clock()
    monkeypatch.setattr(runner, "time", types.SimpleNamespace(time=clock.time,
                                                              perf_counter=clock.time))
    claims = _recheck_claims(clock)
    refs = [ClaimRef(c.id) for c in claims]
    kw = dict(executor="serial", search=0, cache_dir=str(tmp_path))
    first = run_claims(claims, refs, budget=5.0, **kw)
    assert [r.status for r in first] == ["undecided", "verified"] and clock.t == 6.0
    # the pending and the budget-undecided records were not cached: the rerun does only the
    # re-check the budget stopped ("one", 4 s)
    again = run_claims(claims, refs, **kw)
    assert clock.t == 10.0 and [r.status for r in again] == ["verified", "verified"]


def test_a_mutant_left_unrefuted_by_an_undecidable_instance_still_survives():
    # instances undecided for a reason other than the budget (here: no mp form to settle an
    # inconclusive float64 margin) do not turn a surviving mutant into "undecided"
    from proofs_check.engines import Engine

    class NoMp(Engine):
        name = "toy_no_mp"

        def run(self, inst, dps):
            return {"acc": 1.0 if inst.id == "fuzzy" else 0.0}

        def accuracy(self, result):
            return result["acc"]
    claim = Claim(id="t.nomp", paper="p", where="w", provenance="derived", summary="s",
                  statement="s", engine=NoMp(), mp_instances=0,
                  domain=lambda tier, seed: [Instance(i, "toy", data={"K": 2})
                                             for i in ("sure", "fuzzy")],
                  evaluate=lambda inst, r, t: Outcome(0.5),
                  mutants=(Mutant("t.nomp~same", "a true variant", lambda i, r, t:
                                  Outcome(0.5)),))
    par = run_claims([claim], [ClaimRef(claim.id)], executor="serial", search=0)[0]
    ser = check_claim(claim)
    assert par.status == ser.status == "undecided" and par.undecided == 1
    assert [m.status for m in par.mutants] == [m.status for m in ser.mutants] == ["survived"]
    assert "SURVIVED" in render_table([par])
