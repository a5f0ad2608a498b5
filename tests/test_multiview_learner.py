"""Tests of theory.multiview_learner: sReLU, the analytic gradients, the training loop.

Oracles: sReLU against the literal three-piece formula (``np.piecewise``) and its derivative
against central differences; ``log_softmax`` against mpmath at 50 digits; the gradients of the
hard-label and distillation losses against central finite differences along random
directions, with a derived tolerance (below); the step rule against an explicit loop.

Finite-difference tolerance.  For phi(t) = L(W + tV) and D(h) = (phi(h) - phi(-h))/(2h):

* truncation: D(h) - phi'(0) = phi'''(0) h^2/6 + O(h^4), estimated by |D(2h) - D(h)|/3
  (Richardson); we allow twice that.  This needs phi to be C^3 on [-2h, 2h]: sReLU is C^3
  at 0 (its polynomial piece is z^q, q = 4) but only C^1 at rho, so the test asserts that no
  pre-activation crosses rho on that interval.
* rounding: |fl(phi) - phi| <= delta (see :func:`loss_rounding_bound`), so rounding moves
  D(h) by at most delta/h.

h = 2e-4 (V of the same scale as W) roughly balances the two: the estimated truncation
(~1e-6) and the worst-case rounding term (~2e-6) are both ~1e-5 of |phi'|, while a wrong
gradient (the mutants below) is off by O(1) relative.
"""

import math

import mpmath
import numpy as np
import pytest

from theory import multiview_learner as ml
from theory.errors import InputError
from theory.multiview import sample_multiview
from theory.multiview_learner import (LearnerParams, init_weights, log_softmax, loss_and_grad,
                                      network_logits, softmax, srelu, srelu_grad,
                                      train_networks)

U64 = float(np.finfo(np.float64).eps) / 2       # unit roundoff
P = LearnerParams()
H = 2e-4


def gamma(n):
    """Higham's gamma_n = n u/(1 - n u): the relative error bound of an n-term sum/dot product."""
    return n * U64 / (1 - n * U64)


def srelu_literal(z, q, rho):
    return np.piecewise(z, [z <= 0, (z > 0) & (z <= rho), z > rho],
                        [0.0, lambda t: t ** q / (q * rho ** (q - 1)),
                         lambda t: t - (1 - 1 / q) * rho])


def loss_rounding_bound(W, X, params, tau=None):
    """delta >= |fl(L(W)) - L(W)| for the float64 evaluation (W of shape (k, m, D)).

    z = <w, x>: |dz| <= gamma_D sum_d |w_d||x_d| (Higham, ASNA (3.5)); sReLU is 1-Lipschitz
    and costs <= q + 5 roundings of its value (|sReLU(z)| <= |z|); F = OUT sum over m P
    terms adds gamma_{mP}; the cross-entropy is 2-Lipschitz in max_i |dF_i| (log-sum-exp and
    F_y are each 1-Lipschitz), the teacher term tau^2 CE(., softmax(F/tau)) 2 tau-Lipschitz,
    and the log-softmax evaluation and the mean over N add gamma_{k+N+6} (|F| + CE).
    """
    k, m, D = W.shape
    N, Pp, _ = X.shape
    absdot = np.einsum("npd,ird->ni", np.abs(X), np.abs(W))          # sum_{r,p} |<.|,|.>|
    dF = params.out * (gamma(D) + gamma(params.q + 5) + gamma(m * Pp)) * absdot.max()
    F = network_logits(W, X, params)
    lips = 2.0 * (1.0 + (tau if tau else 0.0))
    scale = np.abs(F).max() * (1.0 + (tau if tau else 0.0)) + math.log(k) * (1 + (tau or 0) ** 2)
    return lips * dF + gamma(k + N + 6) * scale


def fd_check(phi, exact, delta, h=H):
    """|D(h) - exact| and the derived tolerance (module docstring)."""
    d1 = (phi(h) - phi(-h)) / (2 * h)
    d2 = (phi(2 * h) - phi(-2 * h)) / (4 * h)
    tol = 2 * abs(d2 - d1) / 3 + delta / h
    return abs(d1 - exact), tol


@pytest.fixture(scope="module")
def small():
    """16 samples; W and V on the scale where pre-activations visit all three pieces of sReLU."""
    d = sample_multiview(16, 0.5, seed=3)
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.1, (10, 4, 320))
    Vs = [rng.normal(0, 0.1, W.shape) for _ in range(3)]
    G = rng.normal(0, 5, (16, 10))
    return d, W, Vs, G


def _no_rho_crossing(d, W, V, params, h):
    Z = np.einsum("npd,ird->npir", d.X, W)
    dZ = np.einsum("npd,ird->npir", d.X, V)
    assert np.all(np.abs(Z - params.rho) > 2 * h * np.abs(dZ)), "choose another seed: a kink is crossed"
    # all three pieces are exercised
    assert (Z < 0).any() and ((Z > 0) & (Z < params.rho)).any() and (Z > params.rho).any()


# --- sReLU and softmax ---------------------------------------------------------------------

@pytest.mark.parametrize("q, rho", [(4, 0.1), (3, 0.5), (2, 1.0), (6, 0.02)])
def test_srelu_matches_literal_formula(q, rho):
    z = np.concatenate([np.linspace(-2 * rho, 3 * rho, 1001), [0.0, rho]])
    got, ref = srelu(z, q, rho), srelu_literal(z, q, rho)
    # both are a few flops from z: relative error <= (q + 5) u each, on values <= |z| + rho
    assert np.all(np.abs(got - ref) <= 2 * gamma(q + 5) * (np.abs(z) + rho))


@pytest.mark.parametrize("q, rho", [(4, 0.1), (3, 0.5)])
def test_srelu_grad_central_difference(q, rho):
    """|D(h) - f'| <= h^2/6 max|f'''| + u(|f|+|z|+rho)/h, away from the kinks 0 and rho.

    f''' = (q-1)(q-2) z^(q-3)/rho^(q-1) <= (q-1)(q-2)/rho^2 on [0, rho] and 0 elsewhere.
    """
    h = 1e-5 * rho
    z = np.linspace(-2 * rho, 3 * rho, 2001)
    z = z[(np.abs(z) > 2 * h) & (np.abs(z - rho) > 2 * h)]
    fd = (srelu(z + h, q, rho) - srelu(z - h, q, rho)) / (2 * h)
    tol = h * h / 6 * (q - 1) * (q - 2) / rho ** 2 + 2 * gamma(q + 5) * (np.abs(z) + 2 * rho) / h
    assert np.all(np.abs(fd - srelu_grad(z, q, rho)) <= tol)
    # continuity of value and slope at the joints
    assert srelu(np.array(rho), q, rho) == pytest.approx(rho / q, rel=4 * U64)
    assert float(srelu_grad(np.array(rho), q, rho)) == 1.0


def test_log_softmax_against_mpmath():
    ctx = mpmath.MPContext()
    ctx.dps = 50
    rng = np.random.default_rng(1)
    for F in (rng.normal(0, 1, 7), rng.normal(0, 300, 7), np.array([1e300, 0.0, -1e300]),
              np.array([-800.0, -800.0, -801.0])):
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            got = log_softmax(F)
            p = softmax(F)
        lse = ctx.log(ctx.fsum(ctx.exp(ctx.mpf(f)) for f in F))
        ref = np.array([float(ctx.mpf(f) - lse) for f in F])
        # F - max and the log of a sum of <= k terms in [0, 1]: (k + 3) u relative to max|F - max|
        scale = np.abs(F - F.max()).max() + math.log(F.size)
        assert np.all(np.abs(got - ref) <= gamma(F.size + 3) * scale)
        assert abs(p.sum() - 1.0) <= gamma(F.size + 3)


# --- gradients -----------------------------------------------------------------------------

@pytest.mark.parametrize("teacher", [False, True], ids=["hard-labels", "distillation"])
def test_gradient_matches_finite_differences(small, teacher):
    d, W, Vs, G = small
    G = G if teacher else None
    tau = ml.DEFAULT_TAU if teacher else None
    loss, g = loss_and_grad(W, d.X, d.labels, P, G)
    assert np.isfinite(loss) and g.shape == W.shape
    for V in Vs:
        _no_rho_crossing(d, W, V, P, H)
        exact = float(np.sum(g * V))
        delta = max(loss_rounding_bound(W + t * V, d.X, P, tau) for t in (-2 * H, 2 * H))
        err, tol = fd_check(lambda t: loss_and_grad(W + t * V, d.X, d.labels, P, G)[0],
                            exact, delta)
        assert err <= tol, (err, tol, exact)
        assert tol <= 1e-4 * abs(exact)     # the check is sharp (module docstring)


@pytest.mark.parametrize("mutant", ["no OUT", "wrong tau power"])
def test_finite_differences_refute_a_wrong_gradient(small, mutant):
    """A checker that cannot fail proves nothing: plausible wrong gradients fail it."""
    d, W, Vs, G = small
    tau = ml.DEFAULT_TAU
    loss, g_hard = loss_and_grad(W, d.X, d.labels, P)
    _, g_kd = loss_and_grad(W, d.X, d.labels, P, G, tau)
    if mutant == "no OUT":                 # forgetting the output scale in dL/dW
        bad, teach = g_hard / P.out, None
    else:                                  # tau^2 instead of tau in front of the soft term
        bad, teach = g_hard + tau * (g_kd - g_hard), G
    V = Vs[0]
    delta = loss_rounding_bound(W, d.X, P, tau if teach is not None else None) * 2
    err, tol = fd_check(lambda t: loss_and_grad(W + t * V, d.X, d.labels, P, teach)[0],
                        float(np.sum(bad * V)), delta)
    assert err > 100 * tol


def test_stacked_networks_do_not_interact(small):
    d, W, Vs, G = small
    W2 = np.stack([W, W + Vs[0]])
    W2b = np.stack([W, W + Vs[1]])                  # change network 1 only
    l_a, g_a = loss_and_grad(W2, d.X, d.labels, P)
    l_b, g_b = loss_and_grad(W2b, d.X, d.labels, P)
    assert l_a[0] == l_b[0] and np.array_equal(g_a[0], g_b[0])
    alone, _ = loss_and_grad(W, d.X, d.labels, P)
    assert abs(alone - l_a[0]) <= 2 * loss_rounding_bound(W, d.X, P)
    # per-student teachers: network l sees teacher l only
    Gs = np.stack([G, -G])
    l_c, _ = loss_and_grad(W2, d.X, d.labels, P, Gs)
    l_d, _ = loss_and_grad(W2, d.X, d.labels, P, np.stack([G, G]))
    assert l_c[0] == l_d[0] and l_c[1] != l_d[1]


# --- training ------------------------------------------------------------------------------

def test_step_rule_against_explicit_loop(small):
    """One step: neuron (i, r) moves by 0.5 grad if max_{n,p} <w, x> < rho, else by 0.05 grad."""
    d, W, _, _ = small
    W = W * np.linspace(0.01, 1.0, 40).reshape(10, 4, 1)     # small and large neurons
    net = train_networks(d.X, d.labels, 10, (0,), steps=1, init=W[None])
    _, g = loss_and_grad(W, d.X, d.labels, P)
    expect = np.empty_like(W)
    n_fast = 0
    for i in range(10):
        for r in range(4):
            zmax = max(float(d.X[n, p] @ W[i, r]) for n in range(16) for p in range(4))
            lr = P.lr_slow if zmax < P.rho else P.lr_fast
            n_fast += lr == P.lr_fast
            expect[i, r] = W[i, r] - lr * g[i, r]
    assert 0 < n_fast < 40                           # both steps occur
    assert np.array_equal(net.W[0], expect)


def test_init_and_chaining_are_deterministic():
    d = sample_multiview(20, 0.1, seed=0)
    W0 = init_weights(10, 320, P, (4, 5))
    assert np.array_equal(W0[1], init_weights(10, 320, P, (5,))[0])
    assert W0.std() == pytest.approx(P.sigma0, rel=C_SD(W0.size))
    a = train_networks(d.X, d.labels, 10, (4, 5), steps=5)
    b = train_networks(d.X, d.labels, 10, (4, 5), steps=3)
    c = train_networks(d.X, d.labels, 10, (4, 5), steps=2, init=b.W)
    assert np.array_equal(a.W, c.W)
    assert np.array_equal(a.loss[3:], c.loss)


def C_SD(n):
    """5 standard deviations of a sample sd of n normals, relative: 5/sqrt(2n)."""
    return 5 / math.sqrt(2 * n)


def test_training_learns():
    """Loss falls monotonically early on, and the training error falls from chance."""
    d = sample_multiview(100, 0.06, seed=1)
    net = train_networks(d.X, d.labels, 10, (0,), steps=250)
    F0 = network_logits(init_weights(10, 320, P, (0,)), d.X, P)[0]
    err0 = np.mean(F0.argmax(1) != d.labels)
    err = np.mean(net.logits(d.X)[0].argmax(1) != d.labels)
    assert err0 > 0.5 and err <= 0.1
    assert net.loss[-1, 0] < 0.25 * net.loss[0, 0]


@pytest.mark.parametrize("kw, match", [
    (dict(m=0), "m = 0"), (dict(q=1), "q = 1"), (dict(rho=0.0), "rho = 0.0"),
    (dict(sigma0=float("nan")), "sigma0"), (dict(steps=-1), "steps = -1"), (dict(out=True), "out"),
])
def test_params_validation(kw, match):
    with pytest.raises(InputError, match=match):
        LearnerParams(**kw)


def test_input_validation(small):
    d, W, _, G = small
    with pytest.raises(InputError, match="X has shape"):
        network_logits(W, d.X[0], P)
    with pytest.raises(InputError, match="W has shape"):
        network_logits(W[..., :10], d.X, P)
    with pytest.raises(InputError, match="labels"):
        loss_and_grad(W, d.X, d.labels + 10, P)
    with pytest.raises(InputError, match="teacher logits have shape"):
        loss_and_grad(W, d.X, d.labels, P, G[:3])
    with pytest.raises(InputError, match="tau"):
        loss_and_grad(W, d.X, d.labels, P, G, tau=0.0)
    with pytest.raises(InputError, match="non-finite"):
        loss_and_grad(W * np.nan, d.X, d.labels, P)
    with pytest.raises(InputError, match="seeds"):
        train_networks(d.X, d.labels, 10, (), steps=1)
    with pytest.raises(InputError, match="seeds"):
        train_networks(d.X, d.labels, 10, (-1,), steps=1)
    with pytest.raises(InputError, match="init has shape"):
        train_networks(d.X, d.labels, 10, (0, 1), steps=1, init=W[None])
    with pytest.raises(InputError, match="k = 1"):
        train_networks(d.X, d.labels, 1, (0,), steps=1)


def test_all_is_honest():
    assert all(hasattr(ml, name) for name in ml.__all__)
