"""Engines: what turns an instance into the result a claim's ``evaluate`` reads.

A claim (or its paper) names its engine; the checker never assumes one.  An engine is an
object with

* ``name``: a short id (the checker's cache is keyed by engine name, instance and precision);
* ``run(inst, dps)``: the result for ``inst`` in float64 (``dps=None``) or confirmed to
  ``dps`` digits; raises :class:`theory.errors.ProofsCheckError` when it cannot;
* ``accuracy(result)``: the result's relative accuracy (float64: a-posteriori estimate);
* ``certain(result)``: False when a discrete decision inside the result (such as the
  collapse round) is within rounding, so that mp must decide;
* ``agreement(f64, mp)``: digits to which the two results agree;
* ``tools(dps)``: the third argument of ``evaluate`` (further runs at the same precision);
* ``has_mp``: whether the engine has a high-precision form; ``mp_limit``: the largest
  instance size (``inst.K``) an mp run is started for.

The float64/mp decision rule is the same for every engine (:mod:`proofs_check.decision`).

>>> SELF_DISTILL.name, SELF_DISTILL.has_mp
('self_distill', True)
"""

import math

__all__ = ["Engine", "SelfDistillEngine", "SELF_DISTILL", "FixedRidgeEngine", "FIXED_RIDGE",
           "FunctionEngine", "estimated_seconds"]


def _default_cost(inst):
    return 1e-3 * max(1, inst.K)


def estimated_seconds(engine, inst, dps, mp=False, f64=None):
    """The engine's estimate of deciding ``inst`` in float64 (``mp=False``: ``cost(inst,
    dps, False)``) or of its mp re-check (``mp_cost(inst, f64, dps)``, else ``cost(inst,
    dps, True)``), for any engine object: one that lacks the methods (a user's duck-typed
    engine) or returns NaN, inf or a negative number gets ``1e-3 K`` s.  Estimates only
    order and chunk the work.

    >>> from proofs_check.claim import Instance
    >>> estimated_seconds(object(), Instance("i", "toy", data={"K": 4}), 50)
    0.004
    """
    fn = getattr(engine, "mp_cost", None) if mp else None
    if fn is not None:
        sec = fn(inst, f64, dps)
    else:
        fn = getattr(engine, "cost", None)
        sec = fn(inst, dps, mp) if fn is not None else None
    try:
        sec = float(sec)
    except (TypeError, ValueError):
        sec = math.nan
    return sec if math.isfinite(sec) and sec >= 0 else _default_cost(inst)


class Engine:
    """Base class: subclasses define ``run``; the defaults suit exact float64 results."""

    name = "engine"
    has_mp = False
    #: mp re-checks cost about K^3 x digits; beyond this size an inconclusive float64
    #: verdict is undecided instead of starting an mp run of minutes.
    mp_limit = 60

    def run(self, inst, dps):  # pragma: no cover - abstract
        raise NotImplementedError

    def accuracy(self, result):
        return float(getattr(result, "accuracy", 0.0) or 0.0)

    def certain(self, result):
        return True

    def agreement(self, f64, mp):
        return None

    def tools(self, dps):
        return None

    def cost(self, inst, dps, forced_mp):
        """Estimated seconds to decide ``inst`` (used only to order and chunk the work)."""
        return _default_cost(inst)

    def mp_cost(self, inst, f64, dps):
        """Estimated seconds of the mp re-check of ``inst``, once its float64 result ``f64``
        is known (None when float64 failed): orders the re-checks by information per
        second.  Default: the up-front estimate with the mp run."""
        return self.cost(inst, dps, True)

    def __repr__(self):
        return f"<engine {self.name}>"


class _DistillTools:
    """The third argument of a self-distillation claim's ``evaluate``: more trajectories at
    the same precision (``distill(G, y, eps, max_rounds=None)``)."""

    def __init__(self, dps):
        self.dps = dps

    def distill(self, G, y, eps, max_rounds=None):
        from theory import self_distill
        return self_distill(G, y, eps, dps=self.dps, max_rounds=max_rounds)


class SelfDistillEngine(Engine):
    """eps-constrained self-distillation (:func:`theory.self_distill`) of ``(inst.G, inst.y,
    inst.eps)``; the result is a :class:`theory.Trajectory`."""

    name = "self_distill"
    has_mp = True
    #: every K of the catalogue's domains: a confirmed 50-digit trajectory at K = 200 costs
    #: a few seconds (benchmarks/bench_mp.py), cheaper than leaving the instance undecided
    mp_limit = 200

    def run(self, inst, dps):
        from theory import self_distill
        return self_distill(inst.G, inst.y, inst.eps, dps=dps)

    def accuracy(self, result):
        return float(result.accuracy) if result.dps is None else 0.0

    def certain(self, result):
        return result.dps is not None or bool(result.collapse_round_certain)

    def agreement(self, f64, mp):
        from theory import trajectory_agreement
        return trajectory_agreement(f64, mp)

    def tools(self, dps):
        return _DistillTools(dps)

    def cost(self, inst, dps, forced_mp):
        """float64: one eigh (~2e-9 K^3 s) plus T rounds (~2e-7 K s each), with T estimated
        between the bounds known up front, ceil(r_0 - 1) <= T <= ceil(r_0^2 - 1) (their
        geometric mean); plus the confirmed mp run when it is forced."""
        import numpy as np
        from theory.distill import estimate_mp_seconds
        K = max(1, int(inst.K))
        try:
            r0 = math.sqrt(float(np.sum(np.asarray(inst.y, float) ** 2)) / (K * float(inst.eps)))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            r0 = 1.0
        T = 1.0 if r0 <= 1 else math.sqrt(max(1.0, r0 - 1) * max(1.0, r0 * r0 - 1))
        T = min(T, 1e5)
        sec = 2e-9 * K ** 3 + 2e-7 * K * T + 1e-4
        if forced_mp and dps is not None:
            sec += estimate_mp_seconds(K, dps, min(T, 1e4))
        return sec

    def mp_cost(self, inst, f64, dps):
        """The confirmed mp run's estimate with the rounds float64 took (its T, known now,
        instead of the geometric mean of the bounds)."""
        from theory.distill import estimate_mp_seconds
        rounds = getattr(f64, "c", None)
        if rounds is None or dps is None:
            return self.cost(inst, dps, True)
        return estimate_mp_seconds(max(1, int(inst.K)), dps, max(1, len(rounds)))


class FixedRidgeEngine(Engine):
    """Fixed-ridge self-distillation (:func:`theory.fixed_ridge_distill`): a teacher and
    ``len(inst.xi)`` students with the same ridge ``inst.lam``, over ``inst.G`` (a Gram
    matrix) or, when the instance has no ``G``, a design ``inst.X``; the result is a
    :class:`theory.RidgeTrajectory`.
    """

    name = "fixed_ridge"
    has_mp = True
    mp_limit = 120

    def run(self, inst, dps):
        from theory import fixed_ridge_distill, fixed_ridge_distill_design
        if inst.G is not None:
            return fixed_ridge_distill(inst.G, inst.y, inst.lam, inst.xi, dps=dps)
        return fixed_ridge_distill_design(inst.X, inst.y, inst.lam, inst.xi, dps=dps)

    def accuracy(self, result):
        return float(result.accuracy) if result.dps is None else 0.0

    def agreement(self, f64, mp):
        from theory import ridge_trajectory_agreement
        return ridge_trajectory_agreement(f64, mp)

    def tools(self, dps):
        return _RidgeTools(dps)


class _RidgeTools:
    """Further fixed-ridge runs at the same precision: ``distill(G, y, lam, xi)``."""

    def __init__(self, dps):
        self.dps = dps

    def distill(self, G, y, lam, xi):
        from theory import fixed_ridge_distill
        return fixed_ridge_distill(G, y, lam, xi, dps=self.dps)


class FunctionEngine(Engine):
    """An engine from a function ``fn(inst, dps) -> result`` (for small catalogues and tests).

    ``accuracy`` is read from the result's ``accuracy`` attribute when it has one (0 otherwise:
    the result is taken as exact to rounding).

    >>> e = FunctionEngine("square", lambda inst, dps: inst.params[0][1] ** 2)
    >>> e.name, e.has_mp
    ('square', False)
    """

    def __init__(self, name, fn, *, has_mp=False, mp_limit=math.inf, agreement=None):
        self.name, self._fn, self.has_mp, self.mp_limit = name, fn, has_mp, mp_limit
        self._agreement = agreement

    def run(self, inst, dps):
        return self._fn(inst, dps)

    def agreement(self, f64, mp):
        return self._agreement(f64, mp) if self._agreement else None


SELF_DISTILL = SelfDistillEngine()
FIXED_RIDGE = FixedRidgeEngine()
