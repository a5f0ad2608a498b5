"""The clustered noisy-label generator (theory.noisy_clusters) and the spectral split of
its H_inf Gram matrix that the early-stopping claims rely on."""

import numpy as np
import pytest

from theory import InputError
from theory.kernel_gd import kernel_spectrum, top_energy_fraction
from theory.noisy_clusters import noisy_clusters
from theory.ntk import h_inf_gram, unit_norm_tolerance


def test_deterministic_and_parts_independent():
    a = noisy_clusters(60, 7, 5, 0.2, 0.3, seed=4, n_test=20)
    b = noisy_clusters(60, 7, 5, 0.2, 0.3, seed=4, n_test=20)
    c = noisy_clusters(60, 7, 5, 0.2, 0.3, seed=4)
    d = noisy_clusters(60, 7, 5, 0.2, 0.3, seed=5)
    for f in a._fields:
        assert np.array_equal(getattr(a, f), getattr(b, f))
    for f in ("X", "y_star", "y_noisy", "centres"):  # a test set does not perturb training
        assert np.array_equal(getattr(a, f), getattr(c, f))
    assert not np.array_equal(a.X, d.X)


def test_structure():
    D = noisy_clusters(300, 6, 5, 0.25, 0.3, seed=2, n_test=50)
    assert D.X.shape == (300, 6) and D.X_test.shape == (50, 6)
    for Z in (D.X, D.X_test, D.centres):
        assert np.all(np.abs(np.linalg.norm(Z, axis=1) - 1) <= unit_norm_tolerance(6))
    assert np.array_equal(D.y_star, D.cluster_labels[D.cluster])
    assert np.array_equal(D.y_test, D.cluster_labels[D.cluster_test])
    assert np.array_equal(D.y_noisy, np.where(D.flipped, -D.y_star, D.y_star))
    assert sorted(D.cluster_labels.tolist()) == [-1.0, -1.0, 1.0, 1.0, 1.0]
    # every point is nearer (in angle) to its own centre than sigma allows another to be
    # typical: with sigma = 0.25 the own-centre cosine exceeds 0.9 for all but outliers
    own = np.einsum("ij,ij->i", D.X, D.centres[D.cluster])
    assert np.median(own) > 0.95
    # flips are Binomial(n, rho): within 5 standard deviations (p ~ 6e-7 for a correct generator)
    F = int(D.flipped.sum())
    assert abs(F - 300 * 0.3) <= 5 * np.sqrt(300 * 0.3 * 0.7)


def test_sigma_zero_and_rho_extremes():
    D = noisy_clusters(20, 3, 2, 0.0, 0.0, seed=0)
    assert np.array_equal(D.X, D.centres[D.cluster]) and not D.flipped.any()
    assert noisy_clusters(20, 3, 2, 0.1, 1.0, seed=0).flipped.all()


def spectral_split(n, d, C, sigma, rho, seed):
    D = noisy_clusters(n, d, C, sigma, rho, seed)
    sp = kernel_spectrum(h_inf_gram(D.X))
    xi = D.y_noisy - D.y_star
    # the cluster-indicator subspace: y* lies in it exactly
    ind = np.zeros((n, C))
    ind[np.arange(n), D.cluster] = 1.0
    ind = ind[:, ind.sum(axis=0) > 0]
    Q_ind, _ = np.linalg.qr(ind)
    P_top = sp.vectors[:, -C:] @ sp.vectors[:, -C:].T
    gap = np.linalg.norm(P_top - Q_ind @ Q_ind.T, 2)  # = sin of the largest principal angle
    frac_ind = float(np.sum((Q_ind.T @ xi) ** 2) / (xi @ xi))
    return dict(values=sp.values[::-1][:C + 1], star=top_energy_fraction(sp, D.y_star, C),
                noise=top_energy_fraction(sp, xi, C), noise_ind=frac_ind, gap=gap,
                expected=rho + C * (1 - rho) / n)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spectral_split_of_clean_labels_and_noise(seed):
    """The reference setting: 4 clusters, n = 200, d = 20, 20% flips.

    Derived margins: y* is in the indicator span, so its top-C fraction is >= 1 - s^2 with
    s = ||P_top - P_ind||; any v's two fractions differ by <= s.  In the indicator span the
    noise fraction is sum_c F_c^2/|c| / F (F_c flips in cluster c), whose mean is about
    rho + C (1 - rho)/n."""
    r = spectral_split(200, 20, 4, 0.15, 0.2, seed)
    s = r["gap"]
    assert s < 0.1                               # the top-4 eigenspace is the cluster span
    assert r["star"] >= 1 - s * s
    assert abs(r["noise"] - r["noise_ind"]) <= s
    assert r["values"][3] > 20 * r["values"][4]  # a spectral gap after the C-th eigenvalue
    # the split itself: almost all of y*, about rho of the noise (flip counts fluctuate:
    # F_c ~ Bin(50, 0.2) has relative sd ~ 0.35, so allow the indicator fraction 2x around)
    assert r["star"] > 0.99
    assert 0.5 * r["expected"] <= r["noise_ind"] <= 2 * r["expected"]


def test_validation():
    for args, match in [((0, 3, 2, 0.1, 0.1), "n = 0"), ((5, 1, 2, 0.1, 0.1), "d = 1"),
                        ((5, 3, 0, 0.1, 0.1), "C = 0"), ((5, 3, 2, -0.1, 0.1), "sigma"),
                        ((5, 3, 2, 0.1, 1.5), "rho"), ((5, 3, 2, np.nan, 0.1), "sigma")]:
        with pytest.raises(InputError, match=match):
            noisy_clusters(*args, seed=0)
    with pytest.raises(InputError, match="seed"):
        noisy_clusters(5, 3, 2, 0.1, 0.1, seed=1.5)
    with pytest.raises(InputError, match="n_test"):
        noisy_clusters(5, 3, 2, 0.1, 0.1, seed=1, n_test=-1)
