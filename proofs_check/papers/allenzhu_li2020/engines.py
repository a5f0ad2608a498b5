r"""The multi-view simulator as an engine: one instance = one data seed at one size.

For a data seed s and a size (:class:`SimSize`) the engine draws a training set (N
samples, single-view fraction mu_train = 0.06) and a test set (n_test samples, half
single-view) with :func:`theory.multiview.multiview_train_test`, then trains and measures

* L networks on hard labels from independent initialisations, and their ensemble
  G = (1/L) sum_l F^(l) (average logits);
* a student distilled from the ensemble (KD), and a *control*: a hard-label student from
  the same initialisation trained for the same number of steps (what KD adds beyond
  longer training);
* one self-distilled student per network (SD), each from its own initialisation, taught
  by that network's logits;
* one wide network with L m neurons per class (the ensemble's parameter count);
* L random-feature models of M features, their ensemble, and one model of L M features.

Every model is measured on the test set: sv-err (error on the single-view samples, i.e.
test error / mu), mv-err, training error, the error on the single-view samples of each
(class, view), view strengths s_{i,j} = max_r <w_{i,r}, v_{i,j}> and views learned
(:data:`theory.ensemble.VIEW_THRESHOLD`), and which single-view test samples it gets wrong
(for paired comparisons of two models on the same samples).

The result is exact given the seed: counts, and strengths that are float64 functions of
a deterministic training run.  The engine pins BLAS to one thread while it trains, so that
the run (and the verdicts) do not depend on the caller's thread count.

Source: Allen-Zhu & Li 2020 (arXiv 2012.09816) [paper, abstract]; the simulator and its
sizes: docs/theory/allenzhu_li2020.md §2 and §4 [derived].
Domain: the sizes of :data:`SIZES` or any :class:`SimSize`; data seeds non-negative.

>>> ENGINE.name, ENGINE.has_mp
('allenzhu_li2020.multiview', False)
>>> SIZES["fast"].L, SIZES["full"].L
(3, 5)
"""

import contextlib
import time
from dataclasses import dataclass, field

import numpy as np

from theory.ensemble import VIEW_THRESHOLD, ensemble_logits, view_strengths, views_learned
from theory.errors import InputError
from theory.multiview import error_rates, multiview_train_test, sv_error_by_view
from theory.multiview_learner import DEFAULT_TAU, LearnerParams, train_networks
from theory.random_features import (fit_random_feature_ensemble, fit_random_features,
                                    rf_ensemble_logits)

from ...engines import Engine

__all__ = ["SimSize", "SIZES", "ModelRecord", "MultiViewRun", "simulate", "MultiViewEngine",
           "ENGINE", "model_seed"]


@dataclass(frozen=True)
class SimSize:
    """Sizes of one simulation: ``n_train``, ``n_test`` samples; ``L`` networks of ``m``
    neurons per class trained ``steps`` steps; students ``student_steps`` steps at
    temperature ``tau``; random-feature models of ``rf_M`` features.

    Source: docs/theory/allenzhu_li2020.md §4.  Domain: positive integers, tau > 0.

    >>> SimSize(100, 200, 2, 10, 20).label
    'N100-L2-T10-S20-M100'
    """

    n_train: int
    n_test: int
    L: int
    steps: int
    student_steps: int
    rf_M: int = 100
    m: int = 4
    tau: float = DEFAULT_TAU

    def __post_init__(self):
        for name in ("n_train", "n_test", "L", "steps", "student_steps", "rf_M", "m"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InputError(f"{name} = {v!r} must be a positive integer")
        if self.L < 2:
            raise InputError(f"L = {self.L} must be at least 2 (an ensemble of one is its member)")

    @property
    def label(self):
        return (f"N{self.n_train}-L{self.L}-T{self.steps}-S{self.student_steps}-M{self.rf_M}"
                + (f"-m{self.m}" if self.m != 4 else ""))

    def cost(self):
        """Estimated single-core seconds: about 8e-6 n_train seconds per network step (measured,
        one BLAS thread: 1.6 ms at N = 200) over all networks trained, plus the random features."""
        net_steps = (self.L * self.steps                       # the L networks
                     + (self.L + 2) * self.student_steps        # KD, control, L SD students
                     + self.L * self.steps)                     # the wide network (L m neurons)
        return 8e-6 * self.n_train * net_steps + 5e-3 * self.rf_M + 1.0


#: The tiers' sizes (docs/theory/allenzhu_li2020.md §4).  fast: N = 200, L = 3, 300 steps,
#: students 1,000 steps; full: N = 500, L = 5, 1,000 steps, students 10,000 steps (the
#: length at which distillation keeps most of the ensemble's gain at that size).
SIZES = {
    "fast": SimSize(n_train=200, n_test=2000, L=3, steps=300, student_steps=1000, rf_M=100),
    "full": SimSize(n_train=500, n_test=2000, L=5, steps=1000, student_steps=10000, rf_M=100),
}

#: Roles of the models of one data seed, for :func:`model_seed`.
_ROLES = {"net": 1, "kd": 2, "sd": 3, "wide": 4, "rf": 5, "rf_big": 6}


def model_seed(data_seed, role, index=0):
    """Initialisation seed of model ``index`` of ``role`` for a data seed: independent streams
    from ``numpy.random.SeedSequence([data_seed, role, index])``.

    >>> model_seed(0, "net", 0) != model_seed(0, "net", 1)
    True
    """
    return int(np.random.SeedSequence([int(data_seed), _ROLES[role], int(index)])
               .generate_state(1)[0])


@dataclass(frozen=True, eq=False)
class ModelRecord:
    """Measurements of one model (or a stack of ``n`` models of one kind) on the test set.

    ``sv`` (n,) sv-err; ``mv`` (n,) mv-err; ``train`` (n,) training error; ``wrong`` (n,
    n_sv) bool, which single-view test samples each model misclassifies; ``by_view`` (n, k,
    2) sv-err per (class, shown view); ``strengths`` (n, k, 2) view strengths and
    ``views`` (n, k) views learned (None for the random-feature models).
    """

    sv: np.ndarray = field(repr=False)
    mv: np.ndarray = field(repr=False)
    train: np.ndarray = field(repr=False)
    wrong: np.ndarray = field(repr=False)
    by_view: np.ndarray = field(repr=False)
    strengths: np.ndarray = field(default=None, repr=False)
    views: np.ndarray = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class MultiViewRun:
    """The engine's result for one data seed: a :class:`ModelRecord` per kind.

    ``single`` (the L networks), ``ensemble``, ``kd``, ``control``, ``sd`` (one per
    teacher, in the teachers' order), ``wide``, ``rf`` (L random-feature models),
    ``rf_ensemble``, ``rf_big``; ``size``, ``seed``, ``n_sv`` (single-view test samples),
    ``seconds`` (CPU time of the run).  ``dps`` is None and ``accuracy`` 0: the numbers are
    counts and float64 measurements of one deterministic run, exact for that run.
    """

    size: SimSize
    seed: int
    n_sv: int
    single: ModelRecord
    ensemble: ModelRecord
    kd: ModelRecord
    control: ModelRecord
    sd: ModelRecord
    wide: ModelRecord
    rf: ModelRecord
    rf_ensemble: ModelRecord
    rf_big: ModelRecord
    seconds: float = 0.0
    dps: object = None
    accuracy: float = 0.0

    KINDS = ("single", "ensemble", "kd", "control", "sd", "wide", "rf", "rf_ensemble", "rf_big")


def _record(logits_te, logits_tr, train, test, W=None):
    """A :class:`ModelRecord` from logits of shape (n, N, k) (n models)."""
    sv, mv = error_rates(logits_te, test)
    tr_err = np.mean(np.argmax(logits_tr, axis=-1) != train.labels, axis=-1)
    mask = test.single_view
    wrong = np.argmax(logits_te[:, mask, :], axis=-1) != test.labels[mask]
    rec = dict(sv=np.atleast_1d(sv), mv=np.atleast_1d(mv), train=np.atleast_1d(tr_err),
               wrong=wrong, by_view=sv_error_by_view(logits_te, test))
    if W is not None:
        rec.update(strengths=view_strengths(W), views=views_learned(W, VIEW_THRESHOLD))
    for v in rec.values():
        v.flags.writeable = False
    return ModelRecord(**rec)


@contextlib.contextmanager
def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the BLAS default stays; the results are the same up to rounding
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def simulate(size, seed):
    """Train and measure every model of one data seed (module docstring).

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: ``size`` a :class:`SimSize`,
    ``seed`` a non-negative integer.

    >>> run = simulate(SimSize(40, 60, 2, 3, 3, rf_M=5), 0)
    >>> run.single.sv.shape, run.sd.sv.shape, run.single.wrong.shape == (2, run.n_sv)
    ((2,), (2,), True)
    """
    if not isinstance(size, SimSize):
        raise InputError(f"size = {size!r} must be a SimSize")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed = {seed!r} must be a non-negative integer (a data seed)")
    t0 = time.process_time()
    with _one_blas_thread(), np.errstate(over="raise", invalid="raise", divide="raise"):
        train, test = multiview_train_test(int(seed), n_train=size.n_train, n_test=size.n_test)
        X, y, k, L = train.X, train.labels, train.k, size.L
        params = LearnerParams(m=size.m, steps=size.steps)

        def rec(net, logits_tr=None):
            Ftr = net.logits(X) if logits_tr is None else logits_tr
            return _record(net.logits(test.X), Ftr, train, test, net.W)

        nets = train_networks(X, y, k, [model_seed(seed, "net", l) for l in range(L)], params)
        F_tr, F_te = nets.logits(X), nets.logits(test.X)
        single = _record(F_te, F_tr, train, test, nets.W)
        ensemble = _record(ensemble_logits(F_te)[None], ensemble_logits(F_tr)[None], train, test)
        # students: KD (teacher = the ensemble) and one SD student per network, stacked
        teachers = np.concatenate([ensemble_logits(F_tr)[None], F_tr])
        s_seeds = [model_seed(seed, "kd")] + [model_seed(seed, "sd", l) for l in range(L)]
        students = train_networks(X, y, k, s_seeds, params, teacher=teachers, tau=size.tau,
                                  steps=size.student_steps)
        S_tr, S_te = students.logits(X), students.logits(test.X)
        kd = _record(S_te[:1], S_tr[:1], train, test, students.W[:1])
        sd = _record(S_te[1:], S_tr[1:], train, test, students.W[1:])
        control = rec(train_networks(X, y, k, s_seeds[:1], params, steps=size.student_steps))
        wide = rec(train_networks(X, y, k, [model_seed(seed, "wide")],
                                  LearnerParams(m=size.m * L, steps=size.steps)))
        rfs = fit_random_feature_ensemble(X, y, k, size.rf_M,
                                          [model_seed(seed, "rf", l) for l in range(L)])
        big = fit_random_features(X, y, k, L * size.rf_M, model_seed(seed, "rf_big"))
        rf = _record(np.stack([m.logits(test.X) for m in rfs]), np.stack([m.logits(X) for m in rfs]),
                     train, test)
        rf_ens = _record(rf_ensemble_logits(rfs, test.X)[None], rf_ensemble_logits(rfs, X)[None],
                         train, test)
        rf_big = _record(big.logits(test.X)[None], big.logits(X)[None], train, test)
    return MultiViewRun(size=size, seed=int(seed), n_sv=int(test.single_view.sum()),
                        single=single, ensemble=ensemble, kd=kd, control=control, sd=sd,
                        wide=wide, rf=rf, rf_ensemble=rf_ens, rf_big=rf_big,
                        seconds=time.process_time() - t0)


class MultiViewEngine(Engine):
    """Engine over instances carrying ``data = {"size": SimSize, "seed": int}``: the result is
    :func:`simulate` (float64 only: the simulator has no high-precision form).

    Every claim of the catalogue uses this one object, so that the checker's cache (keyed by
    engine name and instance id) trains each data seed once per process.
    """

    name = "allenzhu_li2020.multiview"
    has_mp = False

    def run(self, inst, dps):
        return simulate(inst.size, inst.seed)

    def cost(self, inst, dps, forced_mp):
        return inst.size.cost()


ENGINE = MultiViewEngine()
