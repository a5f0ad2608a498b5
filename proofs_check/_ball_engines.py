"""Ball forms of the checker's engines (:mod:`proofs_check.engines`), for certified mode.

Each has ``run(inst, prec, exact=False)`` (a trajectory of Arb balls at ``prec`` bits;
``exact``: its numbers also carry exact expressions, :mod:`theory.certified_exact`) and
``tools(prec, exact=False)`` (the third argument of a claim's ``evaluate``);
:class:`BallCache` keeps their results per instance, precision and mode, shared by every
claim of a run.

>>> sorted(BALL_ENGINES)
['fixed_ridge', 'self_distill']
"""

import math

from theory.errors import ProofsCheckError

__all__ = ["BALL_ENGINES", "BallCache"]


class _BallSelfDistill:
    """Ball form of :data:`proofs_check.engines.SELF_DISTILL` (one eigen-enclosure per G and
    precision, shared by every eps)."""

    name = "self_distill"

    def __init__(self):
        self._eig = {}

    def eig(self, G, prec):
        import numpy as np
        from theory.eigen_ball import eigh_ball
        G = np.asarray(G, dtype=np.float64)
        key = (G.shape, G.tobytes(), prec)
        if key not in self._eig:
            self._eig[key] = eigh_ball(G, prec)
        return self._eig[key]

    def run(self, inst, prec, exact=False, max_rounds=None):
        from theory.certified import self_distill_ball
        return self_distill_ball(inst.G, inst.y, inst.eps, prec, max_rounds=max_rounds,
                                 eig=self.eig(inst.G, prec), exact=exact)

    def tools(self, prec, exact=False):
        return _BallTools(self, prec, exact)


class _BallTools:
    """The third argument of ``evaluate``: further ball trajectories at the same precision
    (and mode)."""

    def __init__(self, engine, prec, exact=False):
        self.engine, self.prec, self.dps = engine, prec, int(prec * math.log10(2))
        self.exact = exact

    def distill(self, G, y, eps, max_rounds=None):
        from theory.certified import self_distill_ball
        return self_distill_ball(G, y, eps, self.prec, max_rounds=max_rounds,
                                 eig=self.engine.eig(G, self.prec), exact=self.exact)


class _BallFixedRidge(_BallSelfDistill):
    """Ball form of :data:`proofs_check.engines.FIXED_RIDGE`: Gram instances
    (:func:`theory.certified_ridge.fixed_ridge_ball`) and designs
    (:func:`theory.certified_ridge.fixed_ridge_design_ball`: exact coefficients)."""

    name = "fixed_ridge"

    def run(self, inst, prec, exact=False, max_rounds=None):
        from theory.certified_ridge import fixed_ridge_ball, fixed_ridge_design_ball
        if inst.G is None:
            return fixed_ridge_design_ball(inst.X, inst.y, inst.lam, inst.xi, prec, exact=exact)
        return fixed_ridge_ball(inst.G, inst.y, inst.lam, inst.xi, prec,
                                eig=self.eig(inst.G, prec), exact=exact)

    def tools(self, prec, exact=False):
        return _RidgeBallTools(self, prec, exact)


class _RidgeBallTools(_BallTools):
    def distill(self, G, y, lam, xi):
        from theory.certified_ridge import fixed_ridge_ball
        return fixed_ridge_ball(G, y, lam, xi, self.prec, eig=self.engine.eig(G, self.prec),
                                exact=self.exact)


#: Ball engines by the name of the plain engine they certify.
BALL_ENGINES = {"self_distill": _BallSelfDistill, "fixed_ridge": _BallFixedRidge}


class BallCache:
    """Ball trajectories per (engine, instance, eps, precision, exact), shared across
    claims."""

    def __init__(self):
        self._engines, self._store = {}, {}

    def engine(self, name):
        if name not in self._engines:
            self._engines[name] = BALL_ENGINES[name]()
        return self._engines[name]

    def get(self, name, inst, prec, exact=False):
        key = (name, inst.id, repr(inst.eps), prec, bool(exact))
        if key not in self._store:
            try:
                self._store[key] = self.engine(name).run(inst, prec, exact)
            except ProofsCheckError as exc:
                self._store[key] = exc
        val = self._store[key]
        if isinstance(val, Exception):
            raise val
        return val
