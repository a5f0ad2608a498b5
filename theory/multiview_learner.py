r"""The smoothed-ReLU two-layer convolutional learner and its gradient-descent training.

    F_i(X) = OUT * sum_{r <= m} sum_{p <= P} sReLU(<w_{i,r}, x_p>),    i = 1..k,

    sReLU(z) = 0 (z <= 0),   z^q / (q rho^{q-1}) (0 <= z <= rho),   z - (1 - 1/q) rho (z >= rho),

trained by full-batch gradient descent from w_{i,r} ~ N(0, sigma0^2 I) on

    hard labels:   L(W) = (1/N) sum_n CE(e_{y_n}, softmax F(X_n)),
    distillation:  L(W) = (1/N) sum_n [CE(e_{y_n}, softmax F) + tau^2 CE(softmax(G/tau), softmax(F/tau))],

CE(p, s) = -sum_i p_i log s_i, G the teacher's logits.  Each neuron (i, r) takes the step
lr_slow while its largest pre-activation max_{n,p} <w_{i,r}, x_{n,p}> over the training set
is below rho, lr_fast after (an accelerator for the slow polynomial phase).

Gradient (analytic; checked against central finite differences in the tests):

    dL/dF_{n,i} = (softmax(F_n) - e_{y_n})_i / N + tau (softmax(F_n/tau) - softmax(G_n/tau))_i / N,
    dL/dw_{i,r} = OUT sum_{n,p} dL/dF_{n,i} sReLU'(<w_{i,r}, x_{n,p}>) x_{n,p}.

Several independent networks (one per seed) are trained at once: their weights are stacked
as W of shape (L, k, m, D) and the loss is the sum of theirs, so each one's gradient and
step are exactly those of training it alone.

Source: Allen-Zhu & Li 2020 (arXiv 2012.09816), smoothed-ReLU convolutional learner
[paper, abstract]; constants, step rule and sizes: docs/theory/allenzhu_li2020.md §2 [derived].
Domain: X real (N, P, D), labels in [0, k); q >= 2, rho > 0, sigma0 > 0, OUT > 0.

>>> import numpy as np
>>> [round(float(srelu(np.array(z), 4, 0.1)), 12) for z in (-1.0, 0.05, 0.3)]
[0.0, 0.0015625, 0.225]
"""

import numbers
from dataclasses import dataclass, field

import numpy as np

from . import _validate as V
from .errors import InputError

__all__ = ["LearnerParams", "TrainedNetworks", "srelu", "srelu_grad", "init_weights",
           "network_logits", "log_softmax", "softmax", "loss_and_grad", "train_networks",
           "DEFAULT_TAU", "DEFAULT_DISTILL_STEPS"]

_FPE = dict(over="raise", invalid="raise", divide="raise")

#: Distillation temperature and length (docs/theory/allenzhu_li2020.md §2).
DEFAULT_TAU = 8.0
DEFAULT_DISTILL_STEPS = 2500


@dataclass(frozen=True)
class LearnerParams:
    """Constants of the learner (defaults: docs/theory/allenzhu_li2020.md §2).

    ``m`` neurons per class, ``out`` = OUT, ``q`` and ``rho`` of sReLU, ``sigma0`` the
    initial scale, ``lr_slow``/``lr_fast`` the per-neuron steps below/above rho, ``steps``
    of gradient descent.

    Source: docs/theory/allenzhu_li2020.md §2 [derived].  Domain: m >= 1, q >= 2,
    steps >= 0, the real constants finite and > 0 (checked on construction).

    >>> LearnerParams().m, LearnerParams().steps
    (4, 1000)
    """

    m: int = 4
    out: float = 20.0
    q: int = 4
    rho: float = 0.1
    sigma0: float = 0.001
    lr_slow: float = 0.5
    lr_fast: float = 0.05
    steps: int = 1000

    def __post_init__(self):
        for name, lo in (("m", 1), ("q", 2), ("steps", 0)):
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < lo:
                raise InputError(f"{name} = {v!r} must be an integer >= {lo}"
                                 + (" (q = 1 is not smooth at 0; the theory needs q >= 2)"
                                    if name == "q" else ""))
        for name in ("out", "rho", "sigma0", "lr_slow", "lr_fast"):
            v = getattr(self, name)
            if not (isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
                    and np.isfinite(v) and v > 0):
                raise InputError(f"{name} = {v!r} must be a finite real > 0")


@dataclass(frozen=True, eq=False)
class TrainedNetworks:
    """The result of :func:`train_networks`: one network per seed.

    ``W`` (L, k, m, D); ``loss`` (steps + 1, L), the training loss before each step and
    after the last; ``seeds``; ``params``; ``tau`` (None when trained on hard labels only).

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: made by :func:`train_networks`.

    >>> from theory.multiview import sample_multiview
    >>> d = sample_multiview(4, 0.0, seed=0)
    >>> train_networks(d.X, d.labels, d.k, (0,), steps=1).logits(d.X).shape
    (1, 4, 10)
    """

    W: np.ndarray = field(repr=False)
    loss: np.ndarray = field(repr=False)
    seeds: tuple
    params: LearnerParams
    tau: object = None

    def logits(self, X):
        """F(X) of every network, shape (L, N, k)."""
        return network_logits(self.W, X, self.params)


def _ipow(u, n):
    """u**n for an integer n >= 0 by repeated multiplication (faster than np.power)."""
    out = np.ones_like(u) if n == 0 else u.copy()
    for _ in range(n - 1):
        out *= u
    return out


def _srelu_pair(z, q, rho):
    """(sReLU(z), sReLU'(z)) in one pass: with u = clip(z, 0, rho)/rho,
    sReLU = rho u^q / q + max(z - rho, 0) and sReLU' = u^(q-1)."""
    u = np.clip(z, 0.0, rho)
    u /= rho
    g = _ipow(u, q - 1)
    a = g * u
    a *= rho / q
    a += np.maximum(z - rho, 0.0)
    return a, g


def srelu(z, q, rho):
    """sReLU(z) = 0 (z <= 0), z^q/(q rho^(q-1)) (0 <= z <= rho), z - (1 - 1/q) rho (z >= rho).

    Continuous with a continuous derivative (1 at z = rho); computed as
    rho u^q / q + max(z - rho, 0) with u = clip(z, 0, rho)/rho.
    Source: docs/theory/allenzhu_li2020.md §2.  Domain: q >= 2, rho > 0.

    >>> float(srelu(np.array(0.1), 4, 0.1)), float(srelu(np.array(-1.0), 4, 0.1))
    (0.025, 0.0)
    """
    return _srelu_pair(np.asarray(z, dtype=np.float64), q, rho)[0]


def srelu_grad(z, q, rho):
    """sReLU'(z) = 0 (z <= 0), (z/rho)^(q-1) (0 <= z <= rho), 1 (z >= rho).

    Source: derivative of :func:`srelu`.  Domain: q >= 2, rho > 0.

    >>> float(srelu_grad(np.array(0.05), 4, 0.1))
    0.125
    """
    return _srelu_pair(np.asarray(z, dtype=np.float64), q, rho)[1]


def log_softmax(F, axis=-1):
    """log softmax(F) = F - logsumexp(F), shifted by max F (no overflow for any finite F).

    Source: the standard max-shifted log-sum-exp [prior work].  Domain: F finite.

    >>> [round(float(v), 6) for v in np.exp(log_softmax(np.array([1000.0, 1000.0])))]
    [0.5, 0.5]
    """
    s = F - np.max(F, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


def softmax(F, axis=-1):
    """softmax(F)_i = exp(F_i - max F) / sum_j exp(F_j - max F).

    Source: [prior work].  Domain: F finite.

    >>> [round(float(v), 6) for v in softmax(np.array([0.0, np.log(3.0)]))]
    [0.25, 0.75]
    """
    e = np.exp(F - np.max(F, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _check_seeds(seeds):
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, (bool, np.bool_)):
        seeds = (seeds,)
    try:
        seeds = tuple(seeds)
    except TypeError:
        raise InputError(f"seeds = {seeds!r} must be a non-negative integer or a sequence of them")
    if not seeds or any(isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral)
                        or s < 0 for s in seeds):
        raise InputError(f"seeds = {seeds!r} must be a non-empty sequence of non-negative "
                         f"integers (one network per seed)")
    return tuple(int(s) for s in seeds)


def init_weights(k, dim, params, seeds):
    """Stacked initial weights w_{i,r} ~ N(0, sigma0^2 I_dim), shape (L, k, m, dim).

    Network l uses ``numpy.random.default_rng(seeds[l])``: the same seed gives the same
    network, alone or in a stack.  Source: docs/theory/allenzhu_li2020.md §2.
    Domain: k >= 1, dim >= 1.

    >>> init_weights(10, 320, LearnerParams(), (0, 1)).shape
    (2, 10, 4, 320)
    """
    seeds = _check_seeds(seeds)
    return np.stack([np.random.default_rng(s).normal(0.0, params.sigma0, size=(k, params.m, dim))
                     for s in seeds])


def _check_X(X):
    X = V.as_real_array(X, "X", allow_mp=False)
    if X.ndim != 3 or 0 in X.shape:
        raise InputError(f"X has shape {X.shape}; pass samples as a non-empty (N, P, D) array "
                         f"(samples, patches, coordinates)")
    return X


def _check_W(W, D):
    W = V.as_real_array(W, "W", allow_mp=False)
    if W.ndim not in (3, 4) or W.shape[-1] != D or 0 in W.shape:
        raise InputError(f"W has shape {W.shape}; pass (k, m, {D}) for one network or "
                         f"(L, k, m, {D}) for L networks, D matching X")
    return W


def _check_labels(y, N, k):
    y = np.asarray(y)
    if y.dtype.kind not in "iu" or y.shape != (N,) or (N and (y.min() < 0 or y.max() >= k)):
        raise InputError(f"labels must be {N} integers in [0, {k}), got shape {y.shape}, "
                         f"dtype {y.dtype}; pass the class index of each sample")
    return y


def _preactivations(W4, X):
    """Z[n, p, l, i, r] = <w_{l,i,r}, x_{n,p}>."""
    return np.einsum("npd,lird->nplir", X, W4, optimize=True)


def network_logits(W, X, params):
    """F_i(X) = OUT sum_{r,p} sReLU(<w_{i,r}, x_p>) for each sample (and network).

    ``W`` (k, m, D) gives (N, k); ``W`` (L, k, m, D) gives (L, N, k).
    Source: docs/theory/allenzhu_li2020.md §2.  Domain: X (N, P, D) real.

    >>> X = np.zeros((1, 2, 3)); X[0, 0, 0] = 1.0
    >>> W = np.zeros((2, 1, 3)); W[1, 0, 0] = 0.5
    >>> np.round(network_logits(W, X, LearnerParams(out=1.0)), 12).tolist()   # 0.5 - 0.75 * 0.1
    [[0.0, 0.425]]
    """
    X = _check_X(X)
    W = _check_W(W, X.shape[2])
    W4 = W if W.ndim == 4 else W[None]
    with np.errstate(**_FPE):
        A = _srelu_pair(_preactivations(W4, X), params.q, params.rho)[0]
        F = params.out * np.einsum("nplir->lni", A)
    return F if W.ndim == 4 else F[0]


def _loss_grad_F(F, y, G, tau):
    """Per-network loss (L,) and dL/dF (L, N, k) for logits F (L, N, k)."""
    N, k = F.shape[1], F.shape[2]
    onehot = np.eye(k)[y]
    logp = log_softmax(F)
    loss = -np.einsum("lni,ni->l", logp, onehot) / N
    dF = (np.exp(logp) - onehot) / N
    if G is not None:
        logq = log_softmax(F / tau)
        pG = softmax(G / tau)
        loss = loss - tau * tau * np.sum(np.broadcast_to(pG, F.shape) * logq, axis=(1, 2)) / N
        dF = dF + tau * (np.exp(logq) - pG) / N
    return loss, dF


def _loss_grad(W4, X, y, params, G, tau):
    """Loss (L,), gradient (L, k, m, D) and the largest pre-activation of each neuron (L, k, m)."""
    Z = _preactivations(W4, X)
    A, dA = _srelu_pair(Z, params.q, params.rho)
    F = params.out * np.einsum("nplir->lni", A)
    loss, dF = _loss_grad_F(F, y, G, tau)
    dA *= (params.out * np.einsum("lni->nli", dF))[:, None, :, :, None]    # dL/dZ
    grad = np.einsum("nplir,npd->lird", dA, X, optimize=True)
    return loss, grad, Z.max(axis=(0, 1))


def _check_teacher(G, L, N, k, tau):
    if G is None:
        return None
    G = V.as_real_array(G, "teacher logits", allow_mp=False)
    if G.shape not in ((N, k), (L, N, k)):
        raise InputError(f"teacher logits have shape {G.shape}; pass ({N}, {k}) (one teacher for "
                         f"every student) or ({L}, {N}, {k}) (one per student) on the training X")
    if not (isinstance(tau, numbers.Real) and not isinstance(tau, (bool, np.bool_))
            and np.isfinite(tau) and tau > 0):
        raise InputError(f"tau = {tau!r} must be a finite temperature > 0")
    return G


def loss_and_grad(W, X, labels, params, teacher=None, tau=DEFAULT_TAU):
    """Training loss L(W) and its gradient dL/dW (see the module docstring).

    Hard-label cross-entropy, plus tau^2 CE(softmax(G/tau), softmax(F/tau)) when teacher
    logits G are given.  ``W`` (k, m, D) returns (float, (k, m, D)); ``W`` (L, k, m, D)
    returns per-network losses (L,) and gradients (L, k, m, D).
    Source: docs/theory/allenzhu_li2020.md §2.  Domain: X (N, P, D), labels in [0, k).

    >>> X = np.ones((2, 1, 1)); W = np.zeros((2, 1, 1))
    >>> loss, g = loss_and_grad(W, X, np.array([0, 1]), LearnerParams())
    >>> round(float(loss), 6), g.tolist()   # log 2; sReLU'(0) = 0
    (0.693147, [[[0.0]], [[0.0]]])
    """
    X = _check_X(X)
    W = _check_W(W, X.shape[2])
    W4 = W if W.ndim == 4 else W[None]
    L, k = W4.shape[0], W4.shape[1]
    y = _check_labels(labels, X.shape[0], k)
    G = _check_teacher(teacher, L, X.shape[0], k, tau)
    with np.errstate(**_FPE):
        loss, grad, _ = _loss_grad(W4, X, y, params, G, float(tau))
    return (loss, grad) if W.ndim == 4 else (float(loss[0]), grad[0])


def train_networks(X, labels, k, seeds, params=LearnerParams(), *, teacher=None,
                   tau=DEFAULT_TAU, steps=None, init=None):
    r"""Train one network per seed by full-batch gradient descent (module docstring).

    Each network starts at :func:`init_weights` for its seed and takes ``steps`` (default
    ``params.steps``) steps; neuron (i, r) moves by lr_slow * grad while
    max_{n,p} <w_{i,r}, x_{n,p}> < rho and by lr_fast * grad after.  With ``teacher`` logits
    on the training X, the loss is the distillation loss at temperature ``tau``.  ``init``
    (L, k, m, D) starts from given weights instead (the step rule has no other state, so
    s steps then t more from the result equal s + t steps).

    Source: docs/theory/allenzhu_li2020.md §2 [derived].
    Domain: X (N, P, D) real, labels in [0, k), seeds non-negative integers.

    >>> from theory.multiview import sample_multiview
    >>> d = sample_multiview(20, 0.0, seed=0)
    >>> net = train_networks(d.X, d.labels, d.k, (0, 1), steps=50)
    >>> net.W.shape, net.loss.shape, bool(np.all(net.loss[-1] < net.loss[0]))
    ((2, 10, 4, 320), (51, 2), True)
    """
    X = _check_X(X)
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) or k < 2:
        raise InputError(f"k = {k!r} must be an integer >= 2 (the number of classes)")
    y = _check_labels(labels, X.shape[0], k)
    if not isinstance(params, LearnerParams):
        raise InputError(f"params = {params!r} must be a LearnerParams")
    seeds = _check_seeds(seeds)
    steps = params.steps if steps is None else steps
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise InputError(f"steps = {steps!r} must be a non-negative integer")
    G = _check_teacher(teacher, len(seeds), X.shape[0], k, tau)
    tau = float(tau) if G is not None else None
    if init is None:
        W = init_weights(k, X.shape[2], params, seeds)
    else:
        W = _check_W(init, X.shape[2]).copy()
        if W.shape != (len(seeds), k, params.m, X.shape[2]):
            raise InputError(f"init has shape {W.shape}; expected {(len(seeds), k, params.m, X.shape[2])} "
                             f"= (networks, classes, neurons per class, D)")
    history = np.empty((steps + 1, len(seeds)))
    with np.errstate(**_FPE):
        for t in range(steps + 1):
            loss, grad, zmax = _loss_grad(W, X, y, params, G, tau)
            history[t] = loss
            if t == steps:
                break
            lr = np.where(zmax < params.rho, params.lr_slow, params.lr_fast)
            W -= lr[..., None] * grad
    return TrainedNetworks(W=W, loss=history, seeds=seeds, params=params, tau=tau)
