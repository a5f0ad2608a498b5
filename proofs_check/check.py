"""The checker: evaluate a claim and its mutants on the claim's domain, in float64 and mp.

Decision rule (STYLE rules 6, 14; issue 8 "precision guard"):

* float64 first.  An outcome is *conclusive* when |margin| > tol_f64 and the collapse round
  is certain; tol_f64 = (4 x the trajectory's a-posteriori accuracy + 16 u) x cond
  (:attr:`theory.Trajectory.accuracy`; ``cond`` is the condition number of the claim's
  margin formula, :attr:`Outcome.cond`).  Otherwise the float64 verdict is *inconclusive*
  and the mp engine (``dps`` digits, confirmed at two precisions) decides, with
  tol_mp = 10^(2 - dps) x cond.
* The first ``claim.mp_instances`` instances are always re-checked in mp; a float64 verdict
  that mp contradicts is recorded as such, never reported as verified.
* A claim is ``verified`` when every instance holds (and, for existence claims, some
  instance is a witness), ``refuted`` when an instance fails (with the counterexample),
  ``error`` when the engines could not decide.
* A mutant is ``refuted`` when some instance makes it fail decisively; a float64
  counterexample is confirmed in mp before it counts.  A mutant that survives means the
  checker (or the domain) is too weak.

>>> EPS64 > 0
True
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from theory import self_distill
from theory.distill import trajectory_agreement
from theory.errors import ProofsCheckError

__all__ = ["ClaimResult", "MutantResult", "InstanceResult", "check_claim", "TrajectoryCache",
           "EPS64", "DEFAULT_DPS"]

EPS64 = float(np.finfo(np.float64).eps)
DEFAULT_DPS = 50
#: mp re-checks cost about K^3 * digits; beyond this K an inconclusive float64 verdict is
#: reported as undecided instead of starting an mp run of minutes.
MP_MAX_K = 60


@dataclass
class MutantResult:
    id: str
    statement: str
    status: str  # "refuted" | "survived"
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
    status: str  # "verified" | "refuted" | "error"
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

    @property
    def ok(self):
        return self.status == "verified" and all(m.status == "refuted" for m in self.mutants)


class TrajectoryCache:
    """Trajectories per (instance id, dps), shared by all claims in one run."""

    def __init__(self, dps=DEFAULT_DPS):
        self.dps = dps
        self._store = {}

    def get(self, inst, dps=None):
        key = (inst.id, inst.eps, dps)
        if key not in self._store:
            try:
                self._store[key] = self_distill(inst.G, inst.y, inst.eps, dps=dps)
            except ProofsCheckError as exc:
                self._store[key] = exc
        val = self._store[key]
        if isinstance(val, Exception):
            raise val
        return val


class Engine:
    """What a claim's ``evaluate`` may call: more trajectories at the same precision."""

    def __init__(self, dps):
        self.dps = dps

    def distill(self, G, y, eps, max_rounds=None):
        return self_distill(G, y, eps, dps=self.dps, max_rounds=max_rounds)


def _tol(traj):
    if traj.dps is None:
        return 4.0 * traj.accuracy + 16 * EPS64
    return 10.0 ** (2 - traj.dps)


def _as_float(x):
    return float(x) if x is not None else None


def _evaluate(fn, inst, traj):
    out = fn(inst, traj, Engine(traj.dps))
    margin = out.margin
    tol = _tol(traj) * float(out.cond)
    conclusive = (traj.dps is not None or traj.collapse_round_certain) and abs(margin) > tol
    return out, tol, conclusive


def _mp_outcome(fn, inst, cache, dps):
    traj = cache.get(inst, dps)
    out = fn(inst, traj, Engine(dps))
    return out, traj, out.margin >= -_tol(traj) * float(out.cond)


def _decide(fn, inst, cache, dps, force_mp):
    """Evaluate ``fn`` on ``inst``: float64, then mp when inconclusive or forced."""
    try:
        f_traj = cache.get(inst, None)
    except ProofsCheckError as exc:
        # float64 cannot run this instance (e.g. G singular to float64 precision although
        # exactly positive definite): the mp engine decides alone
        if inst.K > MP_MAX_K:
            raise
        m_out, m_traj, m_holds = _mp_outcome(fn, inst, cache, dps)
        return InstanceResult(inst.describe(), float(m_out.margin), "mp", bool(m_holds),
                              _as_float(m_out.tightness),
                              f"{m_out.detail} (float64 failed: {type(exc).__name__})"), m_out
    f_out, f_tol, conclusive = _evaluate(fn, inst, f_traj)
    f_holds = f_out.margin >= -f_tol
    # a float64 refutation is confirmed in mp before it counts (when K allows an mp run)
    force_mp = force_mp or (not f_holds and inst.K <= MP_MAX_K)
    if conclusive and not force_mp:
        return InstanceResult(inst.describe(), float(f_out.margin), "float64", bool(f_holds),
                              _as_float(f_out.tightness), f_out.detail), f_out
    if inst.K > MP_MAX_K and not conclusive:
        raise ProofsCheckError(
            f"instance {inst.id}: float64 is inconclusive (margin {float(f_out.margin):.3g}, "
            f"tolerance {f_tol:.3g}) and K = {inst.K} exceeds the mp limit {MP_MAX_K}")
    m_out, m_traj, m_holds = _mp_outcome(fn, inst, cache, dps)
    digits = trajectory_agreement(f_traj, m_traj)
    res = InstanceResult(inst.describe(), float(m_out.margin), "mp", bool(m_holds),
                         _as_float(m_out.tightness), m_out.detail, digits,
                         f64_contradicted=conclusive and (f_holds != m_holds))
    return res, m_out


def _refute_mutant(mutant, domain, cache, dps):
    """Find a counterexample; float64 candidates are confirmed in mp (smallest K first)."""
    def refuted(inst, out, engine):
        return MutantResult(mutant.id, mutant.statement, "refuted",
                            {**inst.describe(), "margin": float(out.margin),
                             "detail": out.detail}, engine)

    candidates, mp_only = [], []  # (K, index, instance, float64 outcome)
    for i, inst in enumerate(domain):
        try:
            out, tol, conclusive = _evaluate(mutant.evaluate, inst, cache.get(inst, None))
        except ProofsCheckError:
            continue
        if conclusive and out.margin < -tol:
            candidates.append((inst.K, i, inst, out))
        elif not conclusive and inst.K <= MP_MAX_K:
            mp_only.append((inst.K, i, inst, out))
    tried = 0
    for _, _, inst, f_out in sorted(candidates) + sorted(mp_only):
        if tried >= 4:
            break
        if inst.K > MP_MAX_K:  # confirmed in float64 only (accuracy estimate conclusive)
            return refuted(inst, f_out, "float64")
        tried += 1
        try:
            out, _, holds = _mp_outcome(mutant.evaluate, inst, cache, dps)
        except ProofsCheckError:
            continue
        if not holds:
            return refuted(inst, out, "mp")
    return MutantResult(mutant.id, mutant.statement, "survived")


def _summarise_tightness(results):
    vals = [r.tightness for r in results if r.tightness is not None and math.isfinite(r.tightness)]
    if not vals:
        return None
    return {"max": max(vals), "median": float(np.median(vals)),
            "attained": sum(1 for v in vals if v >= 1 - 1e-12), "of": len(vals)}


def check_claim(claim, tier="fast", seed=0, dps=DEFAULT_DPS, cache=None, progress=None):
    """Check ``claim`` and refute its mutants; return a :class:`ClaimResult`."""
    t0 = time.perf_counter()
    cache = cache if cache is not None else TrajectoryCache(dps)
    domain = list(claim.domain(tier, seed))
    if not domain:
        return ClaimResult(claim.id, "error", message="the claim's domain is empty")
    results, witness, error = [], False, None
    n_mp = claim.mp_instances
    for i, inst in enumerate(domain):
        if progress:
            progress(claim.id, i, len(domain))
        try:
            res, out = _decide(claim.evaluate, inst, cache, dps, force_mp=i < n_mp and inst.K <= MP_MAX_K)
        except ProofsCheckError as exc:
            error = f"{inst.id}: {exc}"
            continue
        witness = witness or out.witness
        results.append(res)
    r = ClaimResult(claim.id, "verified", instances=len(results))
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
    elif error is not None:
        r.status, r.message = "error", error
    elif claim.needs_witness and not witness:
        r.status = "refuted"
        r.message = "no instance of the domain exhibits the claimed phenomenon"
    for mutant in claim.mutants:
        r.mutants.append(_refute_mutant(mutant, domain, cache, dps))
    r.seconds = time.perf_counter() - t0
    return r
