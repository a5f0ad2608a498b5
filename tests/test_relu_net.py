"""The finite two-layer ReLU network (theory.relu_net): its gradients against central finite
differences, and its GD trajectory against kernel GD with H_inf (first layer) or the full NTK
(both layers) as the width grows."""

import math

import numpy as np
import pytest

from theory import InputError
from theory.kernel_gd import kernel_gd_f64
from theory.noisy_clusters import noisy_clusters
from theory.ntk import h_inf_gram, ntk2_gram
from theory.relu_net import ReluNet, init_paired, relu_net_gd, relu_net_grad, relu_net_outputs

EPS64 = np.finfo(float).eps


def trained_net(m=40, d=5, n=12, seed=3, steps=5):
    """A network moved off its initialisation (so the output layer and pairs are generic)."""
    D = noisy_clusters(n, d, 3, 0.3, 0.2, seed)
    run = relu_net_gd(D.X, D.y_noisy, m, 0.3, [steps], seed, layers="both")
    return run.net, D.X, D.y_noisy


def loss(net, X, y):
    r = relu_net_outputs(net, X) - y
    return 0.5 * float(r @ r)


def loss_rounding(net, X, y):
    """Bound on the rounding error of the computed loss: each u_i is a d-term dot product per
    neuron then an m-term sum, |du_i| <= (d + m + 2) u U_i with U_i = (1/sqrt m) sum_r |a_r|
    |w_r|.|x_i| (the same sums in absolute value); L = r.r/2 adds n u L; factor 2 for slack."""
    m = net.a.shape[0]
    U = (np.abs(net.a) @ (np.abs(net.W) @ np.abs(X).T)) / math.sqrt(m)
    r = relu_net_outputs(net, X) - y
    return 2 * EPS64 * (float(np.abs(r) @ U) * (X.shape[1] + m + 2) + X.shape[0] * loss(net, X, y))


def kink_free_step(net, X, DW):
    """Largest h for which no pre-activation w_r.x_i changes sign on [-h, h] (halved)."""
    Z, dZ = net.W @ X.T, DW @ X.T
    with np.errstate(divide="ignore"):
        return 0.5 * float(np.min(np.abs(Z) / np.abs(dZ)))


def test_first_layer_gradient_matches_central_differences():
    """Without a kink crossing, L(W + tD) is exactly quadratic in t (u is linear in W), so the
    central difference has no truncation error: only rounding, <= eps_L/h."""
    net, X, y = trained_net()
    rng = np.random.default_rng(0)
    DW = rng.standard_normal(net.W.shape)
    h = kink_free_step(net, X, DW)
    assert h > 1e-6  # a usable step (else pick another direction)
    L0, gW, ga = relu_net_grad(net, X, y)
    assert ga is None
    plus, minus = ReluNet(net.W + h * DW, net.a), ReluNet(net.W - h * DW, net.a)
    fd = (loss(plus, X, y) - loss(minus, X, y)) / (2 * h)
    exact = float(np.sum(gW * DW))
    # the directional derivative itself: an (m d)-term sum of products, (m d + 2) u sum|g D|
    tol = loss_rounding(net, X, y) / h + (net.W.size + 2) * EPS64 * float(np.sum(np.abs(gW * DW)))
    assert abs(fd - exact) <= tol
    assert abs(fd - 1.01 * exact) > 10 * tol  # a 1% error in the gradient is detected


def test_both_layers_gradient_matches_richardson_central_differences():
    """Along (DW, Da) the output is quadratic in t (bilinear in a and W), L is quartic, and the
    Richardson combination (4 D(h/2) - D(h))/3 of central differences is exact for quartics."""
    net, X, y = trained_net()
    rng = np.random.default_rng(1)
    DW, Da = rng.standard_normal(net.W.shape), rng.standard_normal(net.a.shape)
    h = kink_free_step(net, X, DW)

    def L(t):
        return loss(ReluNet(net.W + t * DW, net.a + t * Da), X, y)

    def central(s):
        return (L(s) - L(-s)) / (2 * s)

    rich = (4 * central(h / 2) - central(h)) / 3
    _, gW, ga = relu_net_grad(net, X, y, layers="both")
    exact = float(np.sum(gW * DW) + ga @ Da)
    # central(h/2) errs by <= 2 eps_L/h, central(h) by eps_L/h: (4*2 + 1)/3 = 3 eps_L/h; the
    # loss along the path is evaluated at nets of similar size (bound taken at both ends)
    eps_L = max(loss_rounding(ReluNet(net.W + s * DW, net.a + s * Da), X, y) for s in (-h, h))
    tol = 3 * eps_L / h + (net.W.size + net.a.size + 2) * EPS64 * float(
        np.sum(np.abs(gW * DW)) + np.abs(ga) @ np.abs(Da))
    assert abs(rich - exact) <= tol
    assert abs(central(h) - exact) > tol  # the plain central difference has truncation error


def test_outputs_against_a_loop_over_neurons_and_zero_at_init():
    net, X, _ = trained_net(m=10, n=4)
    ref = [sum(a * max(0.0, float(w @ x)) for w, a in zip(net.W, net.a)) / math.sqrt(10) for x in X]
    assert np.allclose(relu_net_outputs(net, X), ref, rtol=0, atol=32 * EPS64 * np.max(np.abs(ref)))
    X = np.random.default_rng(0).standard_normal((7, 5))
    assert np.array_equal(relu_net_outputs(init_paired(64, 5, seed=2), X), np.zeros(7))


def deviation(layers, kernel, widths, seeds, steps):
    D = noisy_clusters(20, 5, 3, 0.2, 0.2, 1)
    H = kernel(D.X)
    eta = 1.0 / np.linalg.eigvalsh(H)[-1]
    ks = list(range(steps + 1))
    ref = kernel_gd_f64(H, D.y_noisy, eta, ks)
    out = []
    for m in widths:
        devs = [np.max(np.linalg.norm(relu_net_gd(D.X, D.y_noisy, m, eta, ks, s, layers=layers)
                                      .outputs - ref, axis=1)) for s in seeds]
        out.append(float(np.mean(devs)) / np.linalg.norm(D.y_noisy))
    return np.array(out)


@pytest.mark.parametrize("layers, kernel", [("first", h_inf_gram), ("both", ntk2_gram)])
def test_trajectory_tracks_the_kernel_as_width_grows(layers, kernel):
    """max_k ||u_net(k) - u_kernel(k)|| over 10 steps at eta = 1/lambda_max, mean of 16 seeds.
    Both the init kernel's sampling error and its drift are O(m^-1/2).  One seed's deviation
    has a relative spread of 0.35-0.5 (measured), a mean of 16 about 0.12, so the fitted
    log-log slope over ln m = 4.2..8.3 (sum of squared deviations 9.6) has a standard error of
    about 0.12/sqrt(9.6) = 0.04: accept -0.5 +- 0.2."""
    widths = np.array([64, 256, 1024, 4096])
    dev = deviation(layers, kernel, widths, range(16), 10)
    assert np.all(np.diff(dev) < 0)
    slope = np.polyfit(np.log(widths), np.log(dev), 1)[0]
    assert -0.7 <= slope <= -0.3
    # the check has power: the other kernel is not what the network follows
    other = h_inf_gram if kernel is ntk2_gram else ntk2_gram
    assert deviation(layers, other, [4096], range(2), 10)[0] > 3 * dev[-1]


@pytest.mark.slow
def test_wide_networks_track_the_kernel_reference_setting():
    """The later slow tier: n = 200, d = 20, widths to 1e5 (memory ~ 3 m n doubles = 0.5 GB)."""
    D = noisy_clusters(200, 20, 4, 0.15, 0.2, 0)
    H = h_inf_gram(D.X)
    eta = 1.0 / np.linalg.eigvalsh(H)[-1]
    ks = list(range(11))
    ref = kernel_gd_f64(H, D.y_noisy, eta, ks)
    dev = []
    for m in (1000, 10_000, 100_000):
        out = relu_net_gd(D.X, D.y_noisy, m, eta, ks, 0).outputs
        dev.append(np.max(np.linalg.norm(out - ref, axis=1)) / np.linalg.norm(D.y_noisy))
    assert dev[0] > dev[1] > dev[2]
    assert dev[2] * math.sqrt(100_000) < 3 * dev[0] * math.sqrt(1000)  # ~ m^-1/2, not slower


def test_validation():
    X = np.eye(3)
    y = np.ones(3)
    with pytest.raises(InputError, match="m = 3"):
        relu_net_gd(X, y, 3, 0.1, [1], seed=0)
    with pytest.raises(InputError, match="layers"):
        relu_net_gd(X, y, 4, 0.1, [1], seed=0, layers="second")
    with pytest.raises(InputError, match="eta"):
        relu_net_gd(X, y, 4, 0.0, [1], seed=0)
    with pytest.raises(InputError, match="finite step counts"):
        relu_net_gd(X, y, 4, 0.1, [math.inf], seed=0)
    with pytest.raises(InputError, match="dimension 3"):
        relu_net_outputs(init_paired(4, 3, seed=0), np.eye(2))
    with pytest.raises(InputError, match="seed"):
        init_paired(4, 3, seed="a")
