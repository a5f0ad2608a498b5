r"""Ensembles, knowledge distillation and self-distillation of the multi-view learner, and the
views each network learned.

    ensemble:           G(X) = (1/L) sum_{l <= L} F^{(l)}(X)   (networks differing only in seed),
    knowledge distil.:  student trained on CE(e_y, softmax F) + tau^2 CE(softmax(G/tau), softmax(F/tau)),
    self-distillation:  the same with G = F^{(l)} of one trained network,
    view strength:      s_{i,j} = max_{r <= m} <w_{i,r}, v_{i,j}>,  j = 0, 1.

A network "learns" view j of class i when s_{i,j} >= VIEW_THRESHOLD = 0.05 (= rho/2 at the
default rho = 0.1).  With the default constants the measured strengths are bimodal: an
unlearned view stays below ~0.015 (its N(0, sigma0^2) start, sigma0 = 0.001, plus a little
growth), a learned one ends at or above ~0.09 (where sReLU turns linear, z ~ rho), and
0.05 sits in that empty gap.  The count agrees with what the network does: in the measured
runs a view above the threshold misclassifies at most ~3% of the single-view test samples
that show it, a view below misclassifies most of them (>= 68%).  A criterion relative to
the stronger view (e.g. s >= s_max/2) would call many second views at 0.1-0.25 unlearned
although they classify their single-view samples correctly
(docs/theory/allenzhu_li2020.md §3).

Source: Allen-Zhu & Li 2020 (arXiv 2012.09816): ensemble, knowledge distillation and
self-distillation on multi-view data; the "lottery" (each network learns one view per
class, decided at initialisation) [paper, abstract; third-party review for the mechanism];
sizes and constants: docs/theory/allenzhu_li2020.md §2 [derived].
Domain: as :mod:`theory.multiview_learner`.

>>> W = np.zeros((2, 1, 4)); W[0, 0, 0] = 0.5; W[1, 0, 2:] = 0.3
>>> view_strengths(W).tolist(), views_learned(W).tolist()
([[0.5, 0.0], [0.3, 0.3]], [1, 2])
"""

import numbers

import numpy as np

from . import _validate as V
from .errors import InputError
from .multiview import MultiViewData
from .multiview_learner import (DEFAULT_DISTILL_STEPS, DEFAULT_TAU, LearnerParams,
                                TrainedNetworks, train_networks)

__all__ = ["VIEW_THRESHOLD", "ensemble_logits", "train_ensemble", "distill_from",
           "knowledge_distill", "self_distill_networks", "view_strengths", "views_learned"]

#: Strength from which a view counts as learned (module docstring): rho/2 at the default rho.
VIEW_THRESHOLD = 0.05


def ensemble_logits(logits):
    """G = (1/L) sum_l F^{(l)}: the mean over the leading (network) axis of (L, N, k) logits.

    Source: docs/theory/allenzhu_li2020.md §2 (ensemble = average logits).  Domain: L >= 1,
    finite logits.

    >>> ensemble_logits(np.array([[[1.0, 0.0]], [[0.0, 3.0]]])).tolist()
    [[0.5, 1.5]]
    """
    F = V.as_real_array(logits, "logits", allow_mp=False)
    if F.ndim != 3 or F.shape[0] == 0:
        raise InputError(f"logits have shape {F.shape}; pass (L, N, k): one (N, k) block per network")
    return F.mean(axis=0)


def _check_data(data):
    if not isinstance(data, MultiViewData):
        raise InputError(f"data = {type(data).__name__} must be a MultiViewData "
                         f"(from theory.multiview.sample_multiview)")
    return data


def train_ensemble(train, seeds, params=LearnerParams(), steps=None):
    """L networks trained on hard labels, one per seed (see :func:`train_networks`).

    Source: docs/theory/allenzhu_li2020.md §2 (L = 5).  Domain: seeds non-negative integers.

    >>> from theory.multiview import sample_multiview
    >>> nets = train_ensemble(sample_multiview(10, 0.0, seed=0), (0, 1, 2), steps=2)
    >>> nets.W.shape
    (3, 10, 4, 320)
    """
    train = _check_data(train)
    return train_networks(train.X, train.labels, train.k, seeds, params, steps=steps)


def distill_from(train, teacher_logits, seeds, params=LearnerParams(), tau=DEFAULT_TAU,
                 steps=DEFAULT_DISTILL_STEPS):
    """Students trained from fresh seeds on the distillation loss with teacher logits G on train.X.

    ``teacher_logits`` (N, k) teaches every student; (L, N, k) gives one teacher per student.
    Source: docs/theory/allenzhu_li2020.md §2 (tau = 8, 2,500 steps).
    Domain: teacher logits finite, tau > 0.

    >>> from theory.multiview import sample_multiview
    >>> d = sample_multiview(10, 0.0, seed=0)
    >>> distill_from(d, np.zeros((10, 10)), (5,), steps=2).tau
    8.0
    """
    train = _check_data(train)
    return train_networks(train.X, train.labels, train.k, seeds, params, teacher=teacher_logits,
                          tau=tau, steps=steps)


def _check_nets(nets):
    if not isinstance(nets, TrainedNetworks):
        raise InputError(f"teachers = {type(nets).__name__} must be TrainedNetworks "
                         f"(from train_ensemble)")
    return nets


def knowledge_distill(train, teachers, seed, tau=DEFAULT_TAU, steps=DEFAULT_DISTILL_STEPS):
    """One student distilled from the ensemble of ``teachers`` (G = their mean logits on train.X).

    The student has the teachers' architecture (``teachers.params``).
    Source: docs/theory/allenzhu_li2020.md §2.  Domain: seed a non-negative integer.

    >>> from theory.multiview import sample_multiview
    >>> d = sample_multiview(10, 0.0, seed=0)
    >>> knowledge_distill(d, train_ensemble(d, (0, 1), steps=2), 7, steps=2).seeds
    (7,)
    """
    teachers = _check_nets(teachers)
    G = ensemble_logits(teachers.logits(_check_data(train).X))
    return distill_from(train, G, (seed,), teachers.params, tau, steps)


def self_distill_networks(train, teachers, seeds, tau=DEFAULT_TAU, steps=DEFAULT_DISTILL_STEPS):
    """One student per teacher network, each distilled from that single network's logits.

    Source: docs/theory/allenzhu_li2020.md §2 (self-distillation).
    Domain: len(seeds) == number of teachers.

    >>> from theory.multiview import sample_multiview
    >>> d = sample_multiview(10, 0.0, seed=0)
    >>> self_distill_networks(d, train_ensemble(d, (0, 1), steps=2), (8, 9), steps=2).W.shape
    (2, 10, 4, 320)
    """
    teachers = _check_nets(teachers)
    G = teachers.logits(_check_data(train).X)
    seeds = tuple(seeds) if not isinstance(seeds, numbers.Integral) else (seeds,)
    if len(seeds) != G.shape[0]:
        raise InputError(f"{len(seeds)} student seeds for {G.shape[0]} teachers; pass one seed "
                         f"per teacher network")
    return distill_from(train, G, seeds, teachers.params, tau, steps)


def view_strengths(W):
    """s_{i,j} = max_r <w_{i,r}, v_{i,j}> = max_r W[..., i, r, 2i + j], shape (..., k, 2).

    Source: docs/theory/allenzhu_li2020.md §3 (lottery).  Domain: W (..., k, m, D), D >= 2k.

    >>> W = np.arange(8.0).reshape(2, 1, 4)
    >>> view_strengths(W).tolist()   # class 0: coords 0, 1; class 1: coords 2, 3 of row 1
    [[0.0, 1.0], [6.0, 7.0]]
    """
    W = V.as_real_array(W, "W", allow_mp=False)
    if W.ndim < 3 or W.shape[-1] < 2 * W.shape[-3] or 0 in W.shape:
        raise InputError(f"W has shape {W.shape}; pass (..., k, m, D) weights with D >= 2k (the "
                         f"2k feature coordinates come first)")
    k = W.shape[-3]
    i = np.arange(k)
    cols = np.stack([2 * i, 2 * i + 1], axis=1)                        # (k, 2)
    per_neuron = np.take_along_axis(W, np.broadcast_to(cols[:, None, :],
                                                       W.shape[:-3] + (k, W.shape[-2], 2)),
                                    axis=-1)                          # (..., k, m, 2)
    return per_neuron.max(axis=-2)


def views_learned(W, threshold=VIEW_THRESHOLD):
    """Number of views of each class with strength >= threshold, shape (..., k), in {0, 1, 2}.

    Source: docs/theory/allenzhu_li2020.md §3 (lottery).  Domain: threshold > 0.

    >>> W = np.zeros((1, 1, 2)); W[0, 0, 1] = 0.25
    >>> views_learned(W).tolist(), views_learned(W, threshold=0.3).tolist()
    ([1], [0])
    """
    if not (isinstance(threshold, numbers.Real) and np.isfinite(threshold) and threshold > 0):
        raise InputError(f"threshold = {threshold!r} must be a finite strength > 0 "
                         f"(default {VIEW_THRESHOLD})")
    return np.sum(view_strengths(W) >= threshold, axis=-1)
