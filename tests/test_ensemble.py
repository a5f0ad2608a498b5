"""Tests of theory.ensemble: ensembles, distillation wiring, view strengths and counts.

Oracles: view strengths against explicit loops; the weight-based "views learned" count against
what the networks do (their error on the single-view test samples of each (class, view),
theory.multiview.sv_error_by_view); the ensemble's single-view error against its members'
with binomial tolerances c*sqrt(p(1-p)/n), c = 4.  The trained configuration is tiny
(N = 200, 300 steps, L = 3; ~1.5 s) and deterministic; at this size the ensemble gain is
large (members 0.21-0.47, ensemble <= 0.06 over data seeds 0-5).
"""

import math

import numpy as np
import pytest

from theory import ensemble as en
from theory.ensemble import (VIEW_THRESHOLD, distill_from, ensemble_logits, knowledge_distill,
                             self_distill_networks, train_ensemble, view_strengths, views_learned)
from theory.errors import InputError
from theory.multiview import error_rates, multiview_train_test, sample_multiview, sv_error_by_view

C_BIN = 4.0


@pytest.fixture(scope="module")
def tiny():
    tr, te = multiview_train_test(1, n_train=200, n_test=400)
    nets = train_ensemble(tr, (1, 2, 3), steps=300)
    return tr, te, nets, nets.logits(te.X)


def test_view_strengths_against_loops():
    W = np.random.default_rng(0).normal(size=(2, 3, 10, 5, 40))
    s = view_strengths(W)
    assert s.shape == (2, 3, 10, 2)
    for a in range(2):
        for b in range(3):
            for i in range(10):
                for j in (0, 1):
                    assert s[a, b, i, j] == max(W[a, b, i, r, 2 * i + j] for r in range(5))
    counts = views_learned(W, threshold=1.0)
    assert np.array_equal(counts, (s >= 1.0).sum(-1))


def test_ensemble_logits_is_the_mean():
    F = np.random.default_rng(1).normal(size=(4, 6, 3))
    G = ensemble_logits(F)
    assert np.array_equal(G, F.mean(axis=0))
    with pytest.raises(InputError, match="L, N, k"):
        ensemble_logits(F[0])


def test_ensemble_beats_every_member(tiny):
    """Refutes the mutant 'the ensemble's sv-err equals the mean of its members''."""
    _, te, _, F = tiny
    sv, mv = error_rates(F, te)
    ens_sv, ens_mv = error_rates(ensemble_logits(F), te)
    n = int(te.single_view.sum())
    p = sv.mean()
    margin = C_BIN * math.sqrt(2 * p * (1 - p) / n)     # sd of a difference of two rates
    assert ens_sv < sv.min()
    assert sv.mean() - ens_sv > margin
    assert mv.max() <= 0.02 and ens_mv <= 0.02          # multi-view data are learned


def test_lottery_and_weight_count_agrees_with_errors(tiny):
    """Most (class, network) pairs learn one view; a view counted learned classifies the
    single-view samples that show it, a view counted unlearned misclassifies most of them."""
    _, te, nets, F = tiny
    s = view_strengths(nets.W)                          # (L, k, 2)
    counts = views_learned(nets.W)
    assert (counts == 1).mean() >= 0.6 and (counts >= 1).all()
    err = sv_error_by_view(F, te)                       # (L, k, 2)
    ok = ~np.isnan(err)
    learned, unlearned = ok & (s >= VIEW_THRESHOLD), ok & (s < VIEW_THRESHOLD)
    assert learned.sum() >= 30 and unlearned.sum() >= 10
    assert np.mean(err[learned] <= 0.25) >= 0.95
    assert np.mean(err[unlearned] >= 0.5) >= 0.9
    # the bimodality the threshold relies on: few strengths near it
    assert np.mean((s > VIEW_THRESHOLD / 3) & (s < 2 * VIEW_THRESHOLD)) <= 0.05


def test_distillation_wiring(tiny):
    tr, _, nets, _ = tiny
    G = ensemble_logits(nets.logits(tr.X))
    a = knowledge_distill(tr, nets, 9, steps=3)
    b = distill_from(tr, G, (9,), steps=3)
    assert np.array_equal(a.W, b.W) and a.tau == 8.0
    sd = self_distill_networks(tr, nets, (7, 8, 9), steps=3)
    ref = distill_from(tr, nets.logits(tr.X), (7, 8, 9), steps=3)
    assert np.array_equal(sd.W, ref.W) and sd.W.shape == nets.W.shape
    with pytest.raises(InputError, match="one seed per teacher"):
        self_distill_networks(tr, nets, (1, 2), steps=1)
    with pytest.raises(InputError, match="TrainedNetworks"):
        knowledge_distill(tr, G, 0, steps=1)
    with pytest.raises(InputError, match="MultiViewData"):
        train_ensemble(tr.X, (0,), steps=1)


def test_validation():
    with pytest.raises(InputError, match="threshold"):
        views_learned(np.zeros((2, 1, 4)), threshold=0.0)
    with pytest.raises(InputError, match="D >= 2k"):
        view_strengths(np.zeros((3, 1, 4)))


def test_all_is_honest():
    assert all(hasattr(en, name) for name in en.__all__)
