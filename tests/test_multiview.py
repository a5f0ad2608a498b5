"""Tests of theory.multiview: the multi-view data generator and the error helpers.

Oracles: the generator is decoded independently of how it was built (a coordinate holds a
view when its value exceeds the U[0, 0.01] feature noise; each patch is read back), and its
statistics are compared with their exact expectations within Monte Carlo tolerances c*sd/sqrt(n)
with c = 5 (a two-sided normal tail of 6e-7 per check; the seeds are fixed, so a pass is
reproducible).  The error helpers are checked against explicit loops.
"""

import math

import numpy as np
import pytest

from theory import multiview as mv
from theory.errors import InputError
from theory.multiview import (MultiViewParams, error_rates, multiview_train_test,
                              sample_multiview, sv_error, sv_error_by_view, mv_error,
                              view_coordinate)

C_MC = 5.0    # Monte Carlo tolerance in standard deviations (module docstring)
P0 = MultiViewParams()


@pytest.fixture(scope="module")
def big():
    """A large sample (mu = 1/2) for the statistics."""
    return sample_multiview(4000, 0.5, seed=11)


def decode(data):
    """Per sample: {coordinate: (patch, value)} of every view present (value above the noise)."""
    k, fn = data.k, data.params.feature_noise
    out = []
    for n in range(data.n):
        F = data.X[n, :, :2 * k]
        p, c = np.nonzero(F > fn)
        out.append({int(cc): (int(pp), float(F[pp, cc])) for pp, cc in zip(p, c)})
    return out


def test_shapes_types_readonly():
    d = sample_multiview(7, 0.3, seed=0)
    assert d.X.shape == (7, 4, 320) and d.X.dtype == np.float64
    assert d.labels.shape == (7,) and d.labels.dtype.kind == "i"
    assert d.single_view.dtype == bool and d.shown_view.shape == (7,)
    assert d.n == 7 and d.k == 10 and d.mu == 0.3 and d.seed == 0
    with pytest.raises(ValueError):
        d.X[0, 0, 0] = 1.0
    assert view_coordinate(4, 0) == 8 and P0.dim == 320


def test_deterministic_and_seed_sensitive():
    a, b, c = (sample_multiview(50, 0.5, seed=s) for s in (3, 3, 4))
    for f in ("X", "labels", "single_view", "shown_view"):
        assert np.array_equal(getattr(a, f), getattr(b, f))
    assert not np.array_equal(a.X, c.X)
    tr1, te1 = multiview_train_test(5, n_train=30, n_test=20)
    tr2, te2 = multiview_train_test(5, n_train=30, n_test=20)
    assert np.array_equal(tr1.X, tr2.X) and np.array_equal(te1.X, te2.X)
    assert tr1.seed != te1.seed          # independent streams for the two sets


def test_structure_of_every_sample(big):
    """Each sample holds exactly the views the model says, in the patches it says."""
    k, P = big.k, big.params.patches
    lo, hi = big.params.strong
    olo, ohi = big.params.off_range
    fn, weak = big.params.feature_noise, big.params.weak
    for n, views in enumerate(decode(big)):
        y = int(big.labels[n])
        own = [view_coordinate(y, 0), view_coordinate(y, 1)]
        assert all(c in views for c in own)
        p0, p1 = views[own[0]][0], views[own[1]][0]
        assert p0 != p1                                           # each own view in its own patch
        for c, (p, v) in views.items():
            if c in own:
                continue
            assert p not in (p0, p1) and 0 <= p < P               # off-target: remaining patches
            if big.single_view[n]:
                assert weak <= v <= weak + fn
            else:
                assert olo <= v <= ohi + fn
        w0, w1 = views[own[0]][1], views[own[1]][1]
        if big.single_view[n]:
            j = int(big.shown_view[n])
            strong, faint = (w0, w1) if j == 0 else (w1, w0)
            assert lo <= strong <= hi + fn and weak <= faint <= weak + fn
        else:
            assert big.shown_view[n] == -1
            assert lo <= w0 <= hi + fn and lo <= w1 <= hi + fn
    # every coordinate without a view carries only the feature noise U[0, fn]
    assert big.X[:, :, :2 * k].min() >= 0.0


def test_fractions_within_binomial_tolerance(big):
    n = big.n
    sd = math.sqrt(0.25 / n)
    assert abs(big.single_view.mean() - 0.5) <= C_MC * sd
    sv = big.single_view
    assert abs(big.shown_view[sv].mean() - 0.5) <= C_MC * math.sqrt(0.25 / sv.sum())
    counts = np.bincount(big.labels, minlength=big.k)
    p = 1 / big.k
    assert np.all(np.abs(counts / n - p) <= C_MC * math.sqrt(p * (1 - p) / n))


def test_off_target_count_and_weights(big):
    """Off-target views per sample ~ Binomial(2(k-1), off_mean/(2(k-1))): mean 6, variance 4."""
    k = big.k
    views = decode(big)
    n_off = np.array([len(v) - 2 for v in views])
    q = P0.off_mean / (2 * (k - 1))
    mean, var = 2 * (k - 1) * q, 2 * (k - 1) * q * (1 - q)
    assert abs(n_off.mean() - mean) <= C_MC * math.sqrt(var / big.n)
    # multi-view off-target weights ~ U[0.3, 0.5] + U[0, 0.01]: mean 0.405, var 0.2^2/12 + 0.01^2/12
    w = np.array([val for d, s, y in zip(views, big.single_view, big.labels) if not s
                  for c, (_, val) in d.items() if c // 2 != y])
    assert abs(w.mean() - 0.405) <= C_MC * math.sqrt((0.04 + 1e-4) / 12 / w.size)


def test_noise_norm_and_feature_noise(big):
    """||xi||^2 = s^2 chi^2_{n_noise}: mean noise_norm^2, sd noise_norm^2 sqrt(2/n_noise)."""
    k, nn = big.k, big.params.n_noise
    sq = np.sum(big.X[:, :, 2 * k:] ** 2, axis=2).ravel()
    mean, sd = P0.noise_norm ** 2, P0.noise_norm ** 2 * math.sqrt(2 / nn)
    assert abs(sq.mean() - mean) <= C_MC * sd / math.sqrt(sq.size)
    # a sample sd has relative sd sqrt((kurtosis - 1)/(4 n)); chi^2_nn has kurtosis 3 + 12/nn
    assert abs(sq.std() - sd) <= C_MC * sd * math.sqrt((2 + 12 / nn) / (4 * sq.size))
    # feature noise on coordinates without a view: U[0, 0.01], mean 0.005, sd 0.01/sqrt(12)
    F = big.X[:, :, :2 * k]
    noise = F[F <= big.params.feature_noise]
    assert abs(noise.mean() - 0.005) <= C_MC * 0.01 / math.sqrt(12 * noise.size)


def test_params_reach_the_data():
    p = MultiViewParams(k=3, n_noise=5, patches=3, off_mean=0.0, noise_norm=0.0)
    d = sample_multiview(40, 0.0, seed=1, params=p)
    assert d.X.shape == (40, 3, 11)
    assert np.all(d.X[:, :, 6:] == 0.0)
    assert all(len(v) == 2 for v in decode(d))          # no off-target views


@pytest.mark.parametrize("kw, match", [
    (dict(n=0, mu=0.5, seed=0), "n = 0"),
    (dict(n=2.5, mu=0.5, seed=0), "n = 2.5"),
    (dict(n=5, mu=1.5, seed=0), "mu = 1.5"),
    (dict(n=5, mu=float("nan"), seed=0), "mu = nan"),
    (dict(n=5, mu=0.5, seed=-1), "seed = -1"),
    (dict(n=5, mu=0.5, seed=True), "seed = True"),
    (dict(n=5, mu=0.5, seed=0, params="x"), "MultiViewParams"),
])
def test_sample_validation(kw, match):
    with pytest.raises(InputError, match=match):
        sample_multiview(**kw)


@pytest.mark.parametrize("kw, match", [
    (dict(k=1), "k = 1"), (dict(patches=2), "patches = 2"), (dict(n_noise=-1), "n_noise"),
    (dict(strong=(1.2, 1.0)), "strong"), (dict(off_range=(0.3,)), "off_range"),
    (dict(weak=float("inf")), "weak"), (dict(off_mean=19.0), "off_mean = 19.0"),
    (dict(noise_norm=-1.0), "noise_norm"),
])
def test_params_validation(kw, match):
    with pytest.raises(InputError, match=match):
        MultiViewParams(**kw)


def test_error_helpers_against_loops():
    d = sample_multiview(300, 0.5, seed=2)
    F = np.random.default_rng(0).normal(size=(3, d.n, d.k))
    sv, mverr = error_rates(F, d)
    for l in range(3):
        wrong = [int(np.argmax(F[l, n]) != d.labels[n]) for n in range(d.n)]
        s = [w for w, flag in zip(wrong, d.single_view) if flag]
        m = [w for w, flag in zip(wrong, d.single_view) if not flag]
        assert sv[l] == sum(s) / len(s) and mverr[l] == sum(m) / len(m)
        by = sv_error_by_view(F[l], d)
        for i in range(d.k):
            for j in (0, 1):
                sel = [w for n, w in enumerate(wrong) if d.single_view[n]
                       and d.labels[n] == i and d.shown_view[n] == j]
                assert (math.isnan(by[i, j]) if not sel else by[i, j] == sum(sel) / len(sel))
    assert np.array_equal(sv_error(F, d), sv) and np.array_equal(mv_error(F, d), mverr)


def test_error_helpers_validation():
    d = sample_multiview(10, 0.0, seed=0)
    with pytest.raises(InputError, match="no single-view"):
        sv_error(np.zeros((10, 10)), d)
    with pytest.raises(InputError, match="shape"):
        mv_error(np.zeros((9, 10)), d)
    with pytest.raises(InputError, match="NaN"):
        mv_error(np.full((10, 10), np.nan), d)


def test_all_is_honest():
    assert all(hasattr(mv, name) for name in mv.__all__)
