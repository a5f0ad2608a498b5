"""The checker: evaluate a claim and its mutants on the claim's domain, in float64 and mp.

Each claim names its engine (:mod:`proofs_check.engines`); the decision rule is the same
for every engine and is defined once, in :mod:`proofs_check.decision`:

* float64 first.  An outcome is *conclusive* when ``|margin| > tol_f64`` and the engine
  calls the result certain.  Otherwise the engine's mp form (``dps`` digits, confirmed at
  two precisions) decides with ``tol_mp``.
* The first ``claim.mp_instances`` instances are always re-checked in mp; a float64
  verdict that mp contradicts is recorded as such, never reported as verified.
* Each instance ends as *holds*, *fails* (a counterexample), *undecided* (neither engine
  could decide within its limits, or a negative margin hides in a wide tolerance) or
  *error* (an exception in the claim's code, a wrong return type, a NaN or infinite
  margin, an invalid ``cond``).  A claim is ``refuted`` when an instance fails, else
  ``error`` when one errs, else ``undecided`` when one is undecided, else ``verified``
  (existence claims also need a witness).  Nothing that was not evaluated counts as a pass.
* An outcome may be *strict* (``relation=">"``): a margin within tolerance of zero is then
  never counted as holding; float64 hands it to mp, and if mp cannot separate it from zero
  either the instance is undecided.  An *identity* (``relation="=="``) has margin
  ``-|lhs - rhs|/scale``: float64 can refute it, mp confirms it.  An outcome may say the
  instance is outside the claim's hypothesis (:meth:`~proofs_check.claim.Outcome.skip`):
  the instance is *skipped* (counted, neither a pass nor a counterexample); a claim whose
  every instance is skipped is an error.
* A mutant is ``refuted`` when some instance makes it fail decisively; a float64
  counterexample is confirmed in mp before it counts.  An erring or undecided instance never
  refutes a mutant.

>>> from proofs_check.decision import EPS64
>>> EPS64 > 0
True
"""

import contextlib
import io
import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from theory.errors import PrecisionError, ProofsCheckError

from .claim import RELATIONS, Outcome
from .decision import MAX_ABSORBED, tolerance, valid_cond
from .engines import estimated_seconds

__all__ = ["ClaimResult", "MutantResult", "InstanceResult", "InstanceRecord", "Screen",
           "check_claim", "claim_domain", "instance_record", "screen_mutant", "confirm_mutant",
           "assemble", "forced_mp", "ResultCache", "TrajectoryCache", "DEFAULT_DPS", "Undecided",
           "ClaimCodeError", "Skipped", "decide_instance", "full_domain", "MpDeferred",
           "one_blas_thread"]

DEFAULT_DPS = 50


class Undecided(ProofsCheckError):
    """Neither float64 nor mp could decide an instance within their limits."""


class ClaimCodeError(ProofsCheckError):
    """A claim's own code (domain or evaluate) raised, or returned something unusable."""


class Skipped(ProofsCheckError):
    """The claim's ``evaluate`` said the instance lies outside its hypothesis."""


class MpDeferred(Exception):
    """Raised instead of starting an mp re-check when the caller defers them
    (``defer_mp``): ``seconds`` is the engine's estimate of that re-check."""

    def __init__(self, seconds):
        super().__init__(f"mp re-check deferred (estimated {seconds:.3g} s)")
        self.seconds = float(seconds)


@dataclass
class MutantResult:
    id: str
    statement: str
    status: str  # "refuted" | "survived" | "undecided" (not refuted where the claim's
    #              instances were checked, and some were not: the run budget ran out)
    counterexample: dict = None
    decided_by: str = None


@dataclass
class InstanceResult:
    instance: dict
    margin: float
    decided_by: str  # "float64" | "mp"
    holds: bool
    tightness: float = None
    detail: str = ""
    f64_mp_digits: float = None
    f64_contradicted: bool = False


@dataclass
class ClaimResult:
    id: str
    status: str  # "verified" | "refuted" | "error" | "undecided"
    instances: int = 0
    worst_margin: float = None
    worst_instance: dict = None
    tightness: dict = None
    f64_mp_digits: float = None
    mp_checked: int = 0
    decided_by_mp: int = 0
    f64_contradicted: int = 0
    mutants: list = field(default_factory=list)
    counterexample: dict = None
    message: str = ""
    seconds: float = 0.0
    undecided: int = 0
    errors: int = 0
    expected: str = "verified"
    skipped: int = 0

    @property
    def refutes_reading(self):
        """An expected-refuted claim (a published reading) refuted with a counterexample
        confirmed in mp (or in float64 by an engine without an mp form)."""
        ce = self.counterexample or {}
        return (self.expected == "refuted" and self.status == "refuted"
                and ce.get("decided_by") in ("mp", "float64-only"))

    @property
    def ok(self):
        verdict = self.refutes_reading if self.expected == "refuted" else self.status == "verified"
        return verdict and all(m.status == "refuted" for m in self.mutants)


class ResultCache:
    """Engine results per (engine, instance, precision), shared by all claims in one run."""

    def __init__(self, dps=DEFAULT_DPS):
        self.dps = dps
        self._store = {}

    @staticmethod
    def key(engine, inst):
        """What identifies an engine result, without the precision: instances with equal
        keys share their results (the same instance in several claims' domains)."""
        return engine.name, inst.id, repr(inst.eps)

    def clear(self):
        """Drop every result (a runner task moves on to the next instance)."""
        self._store.clear()

    def get(self, engine, inst, dps=None):
        key = self.key(engine, inst) + (dps,)
        if key not in self._store:
            try:
                self._store[key] = engine.run(inst, dps)
            except ProofsCheckError as exc:
                self._store[key] = exc
        val = self._store[key]
        if isinstance(val, Exception):
            raise val
        return val

    def agreement(self, engine, inst, f_res, m_res):
        """``engine.agreement(f_res, m_res)`` (digits), computed once per instance and
        precision: every claim on the instance reports it, and on a long trajectory it is
        an mp pass over every round."""
        key = self.key(engine, inst) + ("agreement", result_dps(m_res))
        if key not in self._store:
            self._store[key] = engine.agreement(f_res, m_res)
        return self._store[key]


#: Former name of :class:`ResultCache` (it caches any engine's results now).
TrajectoryCache = ResultCache


@contextlib.contextmanager
def _quiet():
    """User code's prints go nowhere (they would corrupt ``--json`` on stdout)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def _finite_real(x):
    if isinstance(x, bool) or not isinstance(x, numbers.Real) and not hasattr(x, "_mpf_"):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


def _call(fn, inst, result, tools, what):
    """Run a claim's ``evaluate`` and validate the :class:`Outcome` it returns."""
    try:
        with _quiet():
            out = fn(inst, result, tools)
    except ProofsCheckError:
        raise
    except (Exception, SystemExit) as exc:
        raise ClaimCodeError(f"{what} raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(out, Outcome):
        raise ClaimCodeError(f"{what} returned {type(out).__name__}, not an Outcome")
    if _finite_real(out.margin) is None:
        raise ClaimCodeError(f"{what} returned a margin that is not a finite number "
                             f"({out.margin!r}); NaN and inf never count")
    if not valid_cond(out.cond):
        raise ClaimCodeError(f"{what} returned cond = {out.cond!r}; a condition number must be "
                             f"a finite number >= 0")
    relation = getattr(out, "relation", ">=")
    if relation not in RELATIONS:
        raise ClaimCodeError(f"{what} returned relation {relation!r}; use one of {RELATIONS}")
    if relation == "==" and float(out.margin) > 0:
        raise ClaimCodeError(f"{what} returned an identity with margin {float(out.margin):.3g} "
                             f"> 0; an identity's margin is -|lhs - rhs|/scale (use "
                             f"Outcome.identity)")
    reason = getattr(out, "skip_reason", None)
    if reason is not None and not (isinstance(reason, str) and reason.strip()):
        raise ClaimCodeError(f"{what} skipped the instance without a reason")
    return out


def _judge(out, tol):
    """(holds, conclusive) of an outcome against its tolerance."""
    m = float(out.margin)
    if m < 0 and tol > MAX_ABSORBED:
        raise Undecided(f"margin {m:.3g} is negative and its tolerance {tol:.3g} exceeds "
                        f"{MAX_ABSORBED:g}: too wide to decide")
    if getattr(out, "relation", ">=") == ">" and abs(m) <= tol:
        # a strict inequality is never granted on a margin that rounding could explain
        raise Undecided(f"strict inequality: margin {m:.3g} is within its tolerance {tol:.3g} "
                        f"of zero")
    return m >= -tol, abs(m) > tol


def _evaluate(fn, engine, inst, result, what):
    out = _call(fn, inst, result, engine.tools(result_dps(result)), what)
    if getattr(out, "skip_reason", None) is not None:
        raise Skipped(f"outside the hypothesis: {out.skip_reason}")
    tol = tolerance(result_dps(result), engine.accuracy(result), out.cond)
    holds, conclusive = _judge(out, tol)
    return out, holds, conclusive and engine.certain(result)


def result_dps(result):
    return getattr(result, "dps", None)


def _as_float(x):
    return float(x) if x is not None else None


def _describe(inst, what):
    try:
        return inst.describe()
    except Exception as exc:  # a user's Instance subclass
        raise ClaimCodeError(f"{what}: instance.describe() raised {type(exc).__name__}") from exc


def _decide(claim, inst, cache, dps, force_mp, defer_mp=False):
    """Evaluate ``claim.evaluate`` on ``inst``: float64, then mp when inconclusive or forced
    (``defer_mp``: raise :class:`MpDeferred` instead of running mp)."""
    engine, fn, what = claim.engine, claim.evaluate, f"{claim.id} on {inst.id}"
    mp_ok = engine.has_mp and inst.K <= engine.mp_limit
    try:
        f_res = cache.get(engine, inst, None)
    except ProofsCheckError as exc:
        # float64 cannot run this instance (e.g. G singular to float64 precision although
        # exactly positive definite): the mp engine decides alone
        if not mp_ok:
            raise
        if defer_mp:
            raise MpDeferred(estimated_seconds(engine, inst, dps, mp=True)) from None
        m_res = cache.get(engine, inst, dps)
        m_out, m_holds, _ = _evaluate(fn, engine, inst, m_res, what)
        return InstanceResult(_describe(inst, what), float(m_out.margin), "mp", bool(m_holds),
                              _as_float(m_out.tightness),
                              f"{m_out.detail} (float64 failed: {type(exc).__name__})"), m_out
    try:
        f_out, f_holds, conclusive = _evaluate(fn, engine, inst, f_res, what)
    except Undecided:
        if not mp_ok:
            raise
        f_out, f_holds, conclusive = None, False, False
    except (Skipped, ClaimCodeError):
        raise
    except ProofsCheckError:
        # float64 could not finish the claim's own computation (e.g. a further float64
        # trajectory at eps/1000 where G is singular to float64 but not to mp): mp decides
        if not mp_ok:
            raise
        f_out, f_holds, conclusive = None, False, False
    # a float64 refutation is confirmed in mp before it counts (when the engine allows)
    force_mp = force_mp or (not f_holds and mp_ok)
    if conclusive and not force_mp:
        by = "float64" if f_holds or engine.has_mp else "float64-only"
        return InstanceResult(_describe(inst, what), float(f_out.margin), by,
                              bool(f_holds), _as_float(f_out.tightness), f_out.detail), f_out
    if not conclusive and not mp_ok:
        why = (f"the engine {engine.name} has no mp form" if not engine.has_mp else
               f"K = {inst.K} exceeds the mp limit {engine.mp_limit}")
        margin = "undecided" if f_out is None else f"{float(f_out.margin):.3g}"
        raise Undecided(f"instance {inst.id}: float64 is inconclusive (margin {margin}) and "
                        f"{why}")
    if defer_mp:
        raise MpDeferred(estimated_seconds(engine, inst, dps, mp=True, f64=f_res))
    m_res = cache.get(engine, inst, dps)
    m_out, m_holds, _ = _evaluate(fn, engine, inst, m_res, what)
    digits = cache.agreement(engine, inst, f_res, m_res)
    res = InstanceResult(_describe(inst, what), float(m_out.margin), "mp", bool(m_holds),
                         _as_float(m_out.tightness), m_out.detail, digits,
                         f64_contradicted=conclusive and (f_holds != m_holds))
    return res, m_out


@dataclass
class Screen:
    """A mutant's float64 evaluation on one instance, as the refutation search needs it."""

    K: int
    index: int
    kind: str  # "candidate" (fails conclusively) | "mp_only" (inconclusive, mp may decide)
    margin: float = None
    detail: str = ""
    instance: dict = None


def screen_mutant(claim, mutant, inst, index, cache):
    """Evaluate ``mutant`` on ``inst`` in float64; a :class:`Screen` or None (holds, or
    cannot be evaluated: an erring instance never refutes a mutant)."""
    engine = claim.engine
    what = f"{mutant.id} on {inst.id}"
    try:
        out, holds, conclusive = _evaluate(mutant.evaluate, engine, inst,
                                           cache.get(engine, inst, None), what)
    except Undecided:
        out, holds, conclusive = None, True, False
    except ProofsCheckError:
        return None
    mp_ok = engine.has_mp and inst.K <= engine.mp_limit
    if conclusive and not holds:
        return Screen(int(inst.K), index, "candidate", float(out.margin), out.detail,
                      inst.describe())
    if not conclusive and mp_ok:
        return Screen(int(inst.K), index, "mp_only")
    return None


def confirm_mutant(claim, mutant, domain, screens, cache, dps):
    """Refute ``mutant`` from its screens: conclusive float64 candidates first, then
    inconclusive ones, smallest K first; a float64 candidate is confirmed in mp (when the
    engine has an mp form) before it counts; at most 4 mp runs."""
    engine = claim.engine
    order = (sorted((s for s in screens if s.kind == "candidate"), key=lambda s: (s.K, s.index))
             + sorted((s for s in screens if s.kind == "mp_only"), key=lambda s: (s.K, s.index)))
    tried = 0
    for sc in order:
        if tried >= 4:
            break
        inst = domain[sc.index]
        if not (engine.has_mp and inst.K <= engine.mp_limit):
            # conclusive in float64, and no mp form to confirm it with
            return MutantResult(mutant.id, mutant.statement, "refuted",
                                {**sc.instance, "margin": sc.margin, "detail": sc.detail},
                                "float64")
        tried += 1
        try:
            out, holds, _ = _evaluate(mutant.evaluate, engine, inst, cache.get(engine, inst, dps),
                                      f"{mutant.id} on {inst.id}")
        except ProofsCheckError:
            continue
        if not holds:
            return MutantResult(mutant.id, mutant.statement, "refuted",
                                {**inst.describe(), "margin": float(out.margin),
                                 "detail": out.detail}, "mp")
    return MutantResult(mutant.id, mutant.statement, "survived")


def _summarise_tightness(results):
    vals = [r.tightness for r in results if r.tightness is not None and math.isfinite(r.tightness)]
    if not vals:
        return None
    return {"max": max(vals), "median": float(np.median(vals)),
            "attained": sum(1 for v in vals if v >= 1 - 1e-12), "of": len(vals)}


def claim_domain(claim, tier, seed):
    """The claim's instances; a fault of the claim's own code raises :class:`ClaimCodeError`."""
    try:
        with _quiet():
            domain = list(claim.domain(tier, seed))
    except ProofsCheckError:
        raise
    except (Exception, SystemExit) as exc:
        raise ClaimCodeError(f"the domain of {claim.id} raised {type(exc).__name__}: {exc}") from exc
    bad = [type(i).__name__ for i in domain if not hasattr(i, "id") or not hasattr(i, "describe")]
    if bad:
        raise ClaimCodeError(f"the domain of {claim.id} returned {bad[0]} objects, not Instances")
    return domain


def full_domain(claim, tier, seed, search=0):
    """The claim's fixed domain, then (``search`` > 0) the instances found by ``search``
    examples of the counterexample search (:func:`proofs_check.search.search_instances`:
    deterministic in the seed, memoised per process)."""
    domain = claim_domain(claim, tier, seed)
    if search:
        from .search import search_instances
        domain = domain + search_instances(claim, tier, seed, max_examples=search)
    return domain


@dataclass
class InstanceRecord:
    """Everything the verdict needs from one instance (plain data: cacheable, picklable)."""

    index: int
    kind: str  # "ok" | "undecided" | "error" | "skipped" | "pending" (mp re-check deferred)
    result: InstanceResult = None
    witness: bool = False
    message: str = ""
    screens: list = field(default_factory=list)  # per mutant: Screen or None
    mp_seconds: float = None  # "pending": the estimated cost of the deferred mp re-check
    budget: bool = False  # "undecided" because the run's budget ran out before it


def forced_mp(claim, inst, index):
    """Whether instance ``index`` is re-checked in mp whatever float64 says."""
    return (index < claim.mp_instances and claim.engine.has_mp
            and inst.K <= claim.engine.mp_limit)


def decide_instance(claim, inst, cache, dps=DEFAULT_DPS, force_mp=False):
    """Decide ``claim`` on one instance by the checker's rule: ``(InstanceResult, Outcome)``;
    raises :class:`Undecided`, :class:`Skipped` or another
    :class:`~theory.errors.ProofsCheckError` (for the counterexample search)."""
    return _decide(claim, inst, cache, dps, force_mp)


def instance_record(claim, inst, index, cache, dps, defer_mp=False):
    """Decide the claim on one instance and screen every mutant on it; with ``defer_mp``,
    an instance that needs an mp re-check is returned ``"pending"`` (with its estimated
    cost, and its float64 screens) for a later call without ``defer_mp``."""
    try:
        res, out = _decide(claim, inst, cache, dps, force_mp=forced_mp(claim, inst, index),
                           defer_mp=defer_mp)
        rec = InstanceRecord(index, "ok", res, bool(out.witness))
    except MpDeferred as exc:
        rec = InstanceRecord(index, "pending", message=f"{inst.id}: {exc}",
                             mp_seconds=exc.seconds)
    except Skipped as exc:
        rec = InstanceRecord(index, "skipped", message=f"{inst.id}: {exc}")
    except (Undecided, PrecisionError) as exc:
        # PrecisionError: the mp engine's two precisions disagree (an exact tie such as
        # ||y_t||^2 = K eps at collapse): numbers cannot decide it, which is not a fault
        rec = InstanceRecord(index, "undecided", message=f"{inst.id}: {exc}")
    except ProofsCheckError as exc:
        rec = InstanceRecord(index, "error", message=f"{inst.id}: {exc}")
    rec.screens = [screen_mutant(claim, m, inst, index, cache) for m in claim.mutants]
    return rec


def assemble(claim, records, mutant_results, seconds=0.0):
    """The :class:`ClaimResult` from the instance records (in domain order) and the mutants'
    results: independent of how and where the records were computed."""
    records = sorted(records, key=lambda r: r.index)
    results = [r.result for r in records if r.kind == "ok"]
    witness = any(r.witness for r in records if r.kind == "ok")
    errs = [r.message for r in records if r.kind == "error"]
    unds = [r.message for r in records if r.kind == "undecided"]
    skips = [r.message for r in records if r.kind == "skipped"]
    r = ClaimResult(claim.id, "verified", instances=len(results), undecided=len(unds),
                    errors=len(errs), expected=claim.expected, skipped=len(skips))
    if results:
        worst = min(results, key=lambda x: x.margin)
        r.worst_margin, r.worst_instance = worst.margin, {**worst.instance, "detail": worst.detail}
        r.tightness = _summarise_tightness(results)
        digits = [x.f64_mp_digits for x in results if x.f64_mp_digits is not None]
        r.f64_mp_digits = min(digits) if digits else None
        r.mp_checked = len(digits)
        r.decided_by_mp = sum(1 for x in results if x.decided_by == "mp")
        r.f64_contradicted = sum(1 for x in results if x.f64_contradicted)
    failures = [x for x in results if not x.holds]
    if failures:
        bad = min(failures, key=lambda x: x.instance["K"])
        r.status = "refuted"
        r.counterexample = {**bad.instance, "margin": bad.margin, "detail": bad.detail,
                            "decided_by": bad.decided_by}
    elif errs:
        r.status, r.message = "error", errs[0]
    elif unds:
        r.status, r.message = "undecided", f"{len(unds)} instance(s) undecided; first: {unds[0]}"
    elif skips and not results:
        r.status = "error"
        r.message = (f"every instance ({len(skips)}) is outside the claim's hypothesis "
                     f"(skipped): nothing was checked; first: {skips[0]}")
    elif claim.needs_witness and not witness:
        r.status = "refuted"
        r.message = "no instance of the domain exhibits the claimed phenomenon"
    if skips and r.status == "verified":
        r.message = (f"{len(skips)} instance(s) outside the claim's hypothesis (skipped); "
                     f"first: {skips[0]}")
    r.mutants = list(mutant_results)
    r.seconds = seconds
    return r


def one_blas_thread():
    """A context in which BLAS runs one thread: every check runs in one, wherever it runs
    (this process, a local worker, a Dask worker), because a BLAS result can depend on its
    thread count (an SLSQP optimum in mobahi2020.closed_form's oracle moved that claim's
    worst margin from 0.989 to 0.938 with two threads) and a report must not depend on
    where it was computed; and two workers with two BLAS threads each on two cores ran
    5-20x slower.  The limit is per process: a Dask worker must run one thread
    (``--nthreads 1``)."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=1, user_api="blas")


def check_claim(claim, tier="fast", seed=0, dps=DEFAULT_DPS, cache=None, progress=None,
                search=0):
    """Check ``claim`` and refute its mutants; return a :class:`ClaimResult` (serially, in
    this process; :mod:`proofs_check.runner` runs the same steps in parallel).  ``search``:
    counterexample-search examples appended to the fixed domain (:func:`full_domain`).

    Never raises for a fault of the claim's own code: that becomes an ``error`` result
    naming the claim and the instance.
    """
    with one_blas_thread():
        return _check_claim(claim, tier, seed, dps, cache, progress, search)


def _check_claim(claim, tier, seed, dps, cache, progress, search):
    t0 = time.perf_counter()
    cache = cache if cache is not None else ResultCache(dps)
    try:
        domain = full_domain(claim, tier, seed, search)
    except ProofsCheckError as exc:
        return ClaimResult(claim.id, "error", message=str(exc), expected=claim.expected)
    if not domain:
        return ClaimResult(claim.id, "error", message="the claim's domain is empty",
                           expected=claim.expected)
    records = []
    for i, inst in enumerate(domain):
        if progress:
            progress(claim.id, i, len(domain))
        records.append(instance_record(claim, inst, i, cache, dps))
    mutants = []
    for k, mutant in enumerate(claim.mutants):
        screens = [rec.screens[k] for rec in records if rec.screens[k] is not None]
        try:
            mutants.append(confirm_mutant(claim, mutant, domain, screens, cache, dps))
        except ProofsCheckError as exc:  # e.g. the mutant's code is broken: not refuted
            mutants.append(MutantResult(mutant.id, mutant.statement, "survived",
                                        {"error": str(exc)}))
    return assemble(claim, records, mutants, time.perf_counter() - t0)
