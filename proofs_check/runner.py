"""Run many claims: cost-aware, in parallel (local processes or a Dask cluster), resumable
from an on-disk cache, within a time budget, with progress.

The work of one claim splits into tasks that any worker can run:

1. *instance tasks*: decide the claim on a chunk of its instances and screen every mutant
   there in float64 (:func:`proofs_check.check.instance_record`), in two passes (below):
   float64 first, the mp re-checks deferred to the second;
2. *mutant tasks*: confirm a mutant's counterexample in mp from those screens
   (:func:`proofs_check.check.confirm_mutant`).

Workers rebuild the claims and their domains themselves (deterministic, by id), so only
ids, indices and plain-data records cross process boundaries; the verdict is assembled in
the parent by :func:`proofs_check.check.assemble`.  Every computation is deterministic, so
the report is byte-identical for 1, 2 or N workers and on Dask.

Cost: instance tasks run in two passes.  The first decides every instance in float64,
cheapest first by the engine's estimate made before it runs (``cost(inst, dps, False)``:
K, the round bounds known up front), and defers the mp re-checks that inconclusive or
forced verdicts need.  The second runs those re-checks in order of information per second:
the claims one mp run decides (an instance's pending claims share it) per second of the
engine's estimate ``mp_cost(inst, f64, dps)``, made with the float64 result at hand (for
self-distillation, the rounds float64 took).  So under a ``budget`` the most claims are
decided; an instance not reached before the budget runs out is *undecided* (counted as
such, never verified).
"""

import functools
import math
import os
import sys
import time
from dataclasses import dataclass

from .cache import DiskCache, claim_version, code_version, instance_fingerprint
from .check import (DEFAULT_DPS, InstanceRecord, MutantResult, ResultCache, assemble,
                    confirm_mutant, forced_mp, full_domain, instance_record, one_blas_thread)
from .engines import estimated_seconds
from .search import DEFAULT_RUN_EXAMPLES
from theory.errors import ProofsCheckError

__all__ = ["run_claims", "ClaimRef", "EXECUTORS", "DEFAULT_BUDGET", "CHUNK_SECONDS"]

EXECUTORS = ("process", "serial", "dask")
#: Default run budget (seconds) per tier: generous for fast (it takes about a minute per
#: catalogue), and sized for CI's 90 minutes for the full tier.
DEFAULT_BUDGET = {"fast": 1800.0, "full": 3600.0}
#: Target estimated cost of one instance task (small enough to balance two workers), and
#: the most instances in one task (estimates miss the claims' own work, e.g. an optimiser
#: oracle, so a task never grows beyond this; it also paces the progress display).
CHUNK_SECONDS = 2.0
CHUNK_MAX = 16


@dataclass(frozen=True)
class ClaimRef:
    """How a worker finds a claim: by id in the catalogue, or in a user's claims file."""

    id: str
    path: str = None


# ------------------------------------------------------------------ worker side
@functools.lru_cache(maxsize=None)
def _claims_of(path):
    from . import registry
    claims = registry.catalogue() if path is None else registry.load_claims_file(path)
    return {c.id: c for c in claims}


#: Claims of the current run by ref: used in this process and in forked workers, so that
#: claims made in code (not in the catalogue or a file) run too; Dask workers resolve refs.
_LOCAL = {}


def _claim(ref):
    if ref in _LOCAL:
        return _LOCAL[ref]
    return _claims_of(ref.path)[ref.id]


@functools.lru_cache(maxsize=64)
def _domain(ref, tier, seed, search):
    return full_domain(_claim(ref), tier, seed, search)


_CACHES = {}


def _one_blas_thread(task):
    """``task`` run with one BLAS thread wherever it runs (:func:`check.one_blas_thread`)."""
    @functools.wraps(task)
    def run(*args):
        with one_blas_thread():
            return task(*args)
    return run


def _result_cache(dps):
    if dps not in _CACHES:
        _CACHES.clear()  # one precision per run; do not grow without bound
        _CACHES[dps] = ResultCache(dps)
    return _CACHES[dps]


@_one_blas_thread
def _instance_task(pairs, tier, seed, dps, deadline, search, defer_mp=False):
    """Decide every (claim ref, instance index) of ``pairs``: one or more instances, each
    with every claim that checks it, so that each engine result is computed once here and
    shared by those claims.  At the end the results are dropped, so that a worker's memory
    stays that of one task whatever the tier: keeping those where a mutant may fail, for
    its confirmation, grew a worker to 12 GB on the whole full tier (50-digit trajectories
    of K = 200 and thousands of rounds), and the confirmation needs at most 4 instances per
    mutant, smallest K first, cheap to recompute.  ``defer_mp``: an instance that needs
    an mp re-check comes back ``"pending"`` instead (the first pass); without it, this is
    the re-check pass.  Returns [(ref, InstanceRecord)]."""
    cache = _result_cache(dps)
    out, started = [], set()
    for ref, i in pairs:
        claim = _claim(ref)
        inst = _domain(ref, tier, seed, search)[i]
        key = ResultCache.key(claim.engine, inst)
        # the budget stops new instances; the other claims of one already started share
        # its engine results, so they are decided (at little cost) whatever the time
        if deadline is not None and key not in started and time.time() > deadline:
            what = "this instance was checked" if defer_mp else "the mp re-check it needs"
            out.append((ref, InstanceRecord(i, "undecided", message=f"{inst.id}: the run "
                                            f"budget ran out before {what}",
                                            screens=[None] * len(claim.mutants), budget=True)))
            continue
        if key not in started:
            started.add(key)
            cache.clear()  # the previous instance's results: no later pair shares them
        out.append((ref, instance_record(claim, inst, i, cache, dps, defer_mp=defer_mp)))
    cache.clear()
    return out


@_one_blas_thread
def _mutant_task(ref, tier, seed, dps, k, screens, search):
    claim = _claim(ref)
    mutant = claim.mutants[k]
    cache = _result_cache(dps)
    try:
        return confirm_mutant(claim, mutant, _domain(ref, tier, seed, search), screens,
                              cache, dps)
    except ProofsCheckError as exc:
        return MutantResult(mutant.id, mutant.statement, "survived", {"error": str(exc)})
    finally:
        cache.clear()  # at most 4 results, dropped: a worker holds one task's results


# ------------------------------------------------------------------ executors
def _worker_init():
    """Worker initializer: Ctrl-C is the parent's to handle (it ends the workers; a worker
    that caught it would print a traceback per task)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Serial:
    """Runs tasks in this process (no pickling): the reference executor."""

    def submit(self, fn, *args):
        from concurrent.futures import Future
        f = Future()
        try:
            f.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - delivered through the future
            f.set_exception(exc)
        return f

    def shutdown(self, wait=True, cancel_futures=False):
        pass

    def slots(self):
        return 1


class _DaskPool:
    """A Dask client's concurrent.futures executor; closes the client it opened."""

    def __init__(self, client, own):
        self.client, self.own = client, own
        self.pool = client.get_executor(pure=False)

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def slots(self):
        """Tasks in flight: two per worker thread of the cluster."""
        return 2 * max(1, sum(self.client.nthreads().values()))

    def shutdown(self, wait=True, cancel_futures=False):
        self.pool.shutdown(wait=wait)
        if self.own:
            self.client.close()


def _executor(kind, workers, scheduler):
    if kind == "serial" or (kind == "process" and workers <= 1):
        return _Serial()
    if kind == "process":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        return ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                                   mp_context=multiprocessing.get_context("fork"))
    if kind == "dask":
        try:
            from distributed import Client
        except ImportError as exc:
            from theory.errors import InputError
            raise InputError("--executor dask needs dask.distributed: pip install "
                             "'proofs-check[dask]'") from exc
        return _DaskPool(Client(scheduler) if isinstance(scheduler, str) else scheduler,
                         own=isinstance(scheduler, str))
    raise ValueError(f"executor {kind!r} must be one of {EXECUTORS}")


# ------------------------------------------------------------------ planning
def _chunks(costs, target=CHUNK_SECONDS, most=CHUNK_MAX):
    """Consecutive index chunks of estimated cost about ``target`` and at most ``most``
    instances (an expensive instance alone)."""
    out, cur, acc = [], [], 0.0
    for i, c in enumerate(costs):
        if cur and (acc + c > target or len(cur) >= most):
            out.append((acc, cur))
            cur, acc = [], 0.0
        cur.append(i)
        acc += c
    if cur:
        out.append((acc, cur))
    return out


def _key(kind, version, *parts):
    return "|".join((kind, code_version(), version) + tuple(map(str, parts)))


# ------------------------------------------------------------------ the run
def run_claims(claims, refs, tier="fast", seed=0, dps=DEFAULT_DPS, *, workers=1,
               executor="process", scheduler=None, cache_dir=None, budget=None,
               progress=None, search=DEFAULT_RUN_EXAMPLES):
    """Check ``claims`` (with their :class:`ClaimRef` ``refs``) and return their
    :class:`~proofs_check.check.ClaimResult` list, in order.

    ``workers`` processes (``executor="process"``), or a Dask cluster at ``scheduler``
    (``executor="dask"``); ``cache_dir`` (None: no disk cache) holds per-instance records
    so that a rerun resumes; ``budget`` seconds (None: unlimited) after which instances not
    yet started are undecided; ``progress(done, total, claim_id)`` is called as instance
    tasks complete (and, when ``progress`` has a ``work`` method, ``progress.work(done,
    total)`` before it, in estimated seconds of work: the mp re-checks count from when the
    float64 pass finds them); ``search`` Hypothesis examples per claim extend its fixed domain
    (:func:`proofs_check.search.search_instances`; 0: the fixed domain only).
    """
    with one_blas_thread():  # the planning (the search's domains) as the tasks
        return _run_claims(claims, refs, tier, seed, dps, workers, executor, scheduler,
                           cache_dir, budget, progress, search)


def _run_claims(claims, refs, tier, seed, dps, workers, executor, scheduler, cache_dir,
                budget, progress, search):
    t0 = time.perf_counter()
    _LOCAL.clear()
    _LOCAL.update(zip(refs, claims))
    _domain.cache_clear()
    _CACHES.clear()  # a serial run must not reuse the engine results of an earlier run
    deadline = None if budget is None else time.time() + float(budget)
    disk = DiskCache(cache_dir) if cache_dir else None
    plans, tasks = [], []  # per claim: (claim, ref, domain, version, fingerprints)
    errors = {}
    for c, ref in zip(claims, refs):
        try:
            domain = full_domain(c, tier, seed, search)
        except ProofsCheckError as exc:
            errors[c.id] = str(exc)
            plans.append(None)
            continue
        version = claim_version(c) if disk else ""
        fps = [instance_fingerprint(inst) for inst in domain] if disk else []
        plans.append((c, ref, domain, version, fps))
    records = {c.id: {} for c in claims}
    # instance-major work: the (claim, instance) pairs that share an engine result (the same
    # instance in several claims' domains) go to one task, which computes it once
    groups = {}  # share key -> [cost, [(claim index, instance index)]]
    for ci, plan in enumerate(plans):
        if plan is None:
            continue
        c, ref, domain, version, fps = plan
        for i, inst in enumerate(domain):
            if disk:
                rec = disk.get(_key("inst", version, fps[i], c.engine.name, dps,
                                    forced_mp(c, inst, i)), InstanceRecord)
                if rec is not None:
                    records[c.id][i] = rec
                    continue
            g = groups.setdefault(ResultCache.key(c.engine, inst), [0.0, []])
            g[0] = max(g[0], estimated_seconds(c.engine, inst, dps))  # float64: mp deferred
            g[1].append((ci, i))
    total = sum(len(p[2]) for p in plans if p)
    done = total - sum(len(g[1]) for g in groups.values())
    pool = _executor(executor, workers, scheduler)
    index_of = {plan[1]: ci for ci, plan in enumerate(plans) if plan is not None}
    work = [0.0, sum(g[0] for g in groups.values())]  # estimated seconds: done, total
    deferred = {}  # (claim index, instance index) -> its pending record of the first pass
    report_work = getattr(progress, "work", None)

    # 1. every instance in float64, cheapest first, the mp re-checks they need deferred;
    # 2. the re-checks by information per second: the claims an mp run decides (all of an
    #    instance's pending claims share it) per estimated second, most first.  Tasks are
    #    submitted a few at a time, so that the re-checks found so far start as soon as the
    #    float64 tasks are all started (no worker idles while a long one finishes)
    order = sorted(groups.values(), key=lambda g: (g[0], g[1][0]))
    first = [(acc, [pair for j in chunk for pair in order[j][1]])
             for acc, chunk in _chunks([g[0] for g in order])]
    first.reverse()  # popped from the end: cheapest first
    recheck = {}  # share key -> [estimated seconds, pairs]: pending, not yet submitted
    inflight = {}  # future -> its estimated seconds

    def submit_next():
        if first:
            acc, pairs = first.pop()
            defer = True
        elif recheck:
            ranked = sorted(recheck.items(), key=lambda kv: (kv[1][0] / len(kv[1][1]),
                                                             min(kv[1][1])))
            acc, chunk = _chunks([g[0] for _, g in ranked])[0]
            # grouped by instance: a task holds one instance's results at a time
            pairs = [pair for j in chunk for pair in sorted(ranked[j][1][1])]
            for j in chunk:
                del recheck[ranked[j][0]]
            defer = False
        else:
            return False
        inflight[pool.submit(_instance_task, [(plans[ci][1], i) for ci, i in pairs], tier,
                             seed, dps, deadline, search, defer)] = acc
        return True

    def collect(f):
        nonlocal done
        last = None
        work[0] += inflight.pop(f)
        for ref, rec in f.result():
            ci = index_of[ref]
            c, _, domain, version, fps = plans[ci]
            if rec.kind == "pending":
                g = recheck.setdefault(ResultCache.key(c.engine, domain[rec.index]), [0.0, []])
                work[1] += max(0.0, rec.mp_seconds - g[0])
                g[0] = max(g[0], rec.mp_seconds)
                g[1].append((ci, rec.index))
                deferred[(ci, rec.index)] = rec
                continue
            if rec.budget and (ci, rec.index) in deferred:
                # the budget stopped its mp re-check: its float64 screens still count
                rec.screens = deferred[(ci, rec.index)].screens
            records[c.id][rec.index] = rec
            if disk and rec.kind != "undecided":
                disk.put(_key("inst", version, fps[rec.index], c.engine.name, dps,
                              forced_mp(c, domain[rec.index], rec.index)), rec)
            done += 1
            last = c.id
        if report_work is not None:
            report_work(*work)
        if progress and last is not None:
            progress(done, total, last)

    try:
        from concurrent.futures import FIRST_COMPLETED, wait
        slots = pool.slots() if hasattr(pool, "slots") else 2 * max(1, workers)
        while True:
            while len(inflight) < slots and submit_next():
                pass
            if not inflight:
                break
            finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for f in finished:
                collect(f)
        left = recheck
        missing = [(c.id, len(p[2]) - len(records[c.id])) for c, p in zip(claims, plans)
                   if p is not None and len(records[c.id]) != len(p[2])]
        if left or missing:  # an internal fault: never assemble a verdict on part of a domain
            raise RuntimeError(f"the runner lost instance records (pending after the mp pass: "
                               f"{len(left)}; missing per claim: {missing})")
        # mutants: confirm counterexamples in mp, in parallel across mutants
        mfuts = {}
        for ci, plan in enumerate(plans):
            if plan is None:
                continue
            c, ref, domain, version, fps = plan
            for k, m in enumerate(c.mutants):
                screens = [r.screens[k] for _, r in sorted(records[c.id].items())
                           if r.screens[k] is not None]
                key = _key("mut", version, m.id, dps,
                           [(s.index, s.kind, fps[s.index]) for s in screens]) if disk else None
                hit = disk.get(key, MutantResult) if disk else None
                mfuts[(ci, k)] = (hit, key) if hit is not None else (
                    pool.submit(_mutant_task, ref, tier, seed, dps, k, screens, search), key)
        results = []
        for ci, plan in enumerate(plans):
            c = claims[ci]
            if plan is None:
                from .check import ClaimResult
                results.append(ClaimResult(c.id, "error", message=errors[c.id],
                                           expected=c.expected))
                continue
            if not plan[2]:
                from .check import ClaimResult
                results.append(ClaimResult(c.id, "error", message="the claim's domain is empty",
                                           expected=c.expected))
                continue
            muts = []
            for k in range(len(c.mutants)):
                val, key = mfuts[(ci, k)]
                res = val if isinstance(val, MutantResult) else val.result()
                if disk and not isinstance(val, MutantResult):
                    disk.put(key, res)
                muts.append(_undecided_unless_refuted(res, records[c.id].values()))
            results.append(assemble(c, list(records[c.id].values()), muts,
                                    time.perf_counter() - t0))
    except BaseException:  # Ctrl-C or a failure: stop at once, wait for nothing
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _undecided_unless_refuted(res, records):
    """A mutant not refuted where the budget left some of the claim's instances undecided
    is undecided, not survived: its counterexample may be among them.  (Instances
    undecided for another reason, e.g. a tolerance too wide, leave "survived" as it is.)"""
    if res.status == "refuted" or not any(r.kind == "undecided" and r.budget for r in records):
        return res
    return MutantResult(res.id, res.statement, "undecided", res.counterexample, res.decided_by)


def _stop(pool):
    """Cancel queued tasks and end local worker processes now (a running task would
    otherwise hold the interpreter's exit until it finished)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        try:
            proc.terminate()
        except Exception:  # noqa: BLE001 - already gone
            pass
    for proc in procs:
        proc.join(timeout=5)
    # with its workers gone the pool's manager thread ends; joining it here keeps Python's
    # exit hook from writing to the pool's closed wake-up pipe ("Bad file descriptor")
    try:
        pool.shutdown(wait=True)
    except Exception:  # noqa: BLE001 - a broken pool has nothing left to wait for
        pass
