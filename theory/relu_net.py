r"""A finite two-layer ReLU network trained by full-batch gradient descent (the kernel's finite twin).

    u(x) = (1/sqrt m) sum_r a_r relu(w_r . x),     L = (1/2) ||u(X) - y||^2

Initialisation (antisymmetric pairing): m even, w_r ~ N(0, I_d) for r < m/2 and
w_{r+m/2} = w_r, a_r = +1 and a_{r+m/2} = -1, so u = 0 everywhere at step 0 (exactly: the
output sums each pair first).  Gradients (relu'(z) = 1{z > 0}):

    dL/dw_r = (1/sqrt m) a_r sum_i (u_i - y_i) 1{w_r . x_i > 0} x_i
    dL/da_r = (1/sqrt m) sum_i (u_i - y_i) relu(w_r . x_i)

Training the first layer only (``layers="first"``, a fixed at +-1) linearises, as m grows,
to kernel GD u_{k+1} = u_k - eta H_inf (u_k - y) with H_inf of theory.ntk (its tangent kernel
at init is (1/m) sum_r 1{w_r.x_i > 0} 1{w_r.x_j > 0} x_i.x_j); training both layers with the
same eta (``layers="both"``) adds (1/m) sum_r relu(w_r.x_i) relu(w_r.x_j) and linearises to
GD with the full two-layer NTK (theory.ntk.ntk2_gram).  The deviation from the kernel
trajectory falls roughly like m^(-1/2) (the init kernel's Monte Carlo error, plus its drift).

Cost per step: two (m x d x n) products and O(m n) elementwise work, memory ~3 m n doubles.

Source: Du, Zhai, Poczos & Singh 2019 (arXiv 1810.02054), the setting and H_inf [prior
work]; the finite-width check of Dong et al. 2019's kernel reading, docs/theory/dong2019.md
§2 [derived].  Domain: X real (n, d), y real (n,), m even >= 2, eta > 0, steps >= 0.

>>> import numpy as np
>>> net = init_paired(4, 2, seed=0)
>>> relu_net_outputs(net, np.array([[1.0, 0.0], [0.6, 0.8]])).tolist()
[0.0, 0.0]
"""

import math
import numbers
from typing import NamedTuple

import numpy as np

from . import _validate as V
from ._kernel_common import check_steps
from .eigen import blas_threads
from .errors import InputError

__all__ = ["ReluNet", "NetRun", "init_paired", "relu_net_outputs", "relu_net_grad",
           "relu_net_gd"]


class ReluNet(NamedTuple):
    """First-layer weights W (m, d) and output weights a (m,); pairs are rows r and r + m/2."""

    W: np.ndarray
    a: np.ndarray


class NetRun(NamedTuple):
    """Outputs at the requested steps on the training points (len(steps), n) and, if asked,
    the test points (len(steps), n_test); the final network; the steps."""

    outputs: np.ndarray
    test_outputs: object
    net: ReluNet
    steps: list


def init_paired(m, d, seed):
    """The antisymmetric initialisation: w_r ~ N(0, I_d) (seeded), copied to r + m/2 with
    a = (+1, ..., +1, -1, ..., -1).

    >>> net = init_paired(4, 3, seed=1)
    >>> bool((net.W[:2] == net.W[2:]).all()), net.a.tolist()
    (True, [1.0, 1.0, -1.0, -1.0])
    """
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, numbers.Integral) or m < 2 or m % 2:
        raise InputError(f"m = {m!r} must be an even integer >= 2 (neurons come in pairs)")
    if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral) or d < 1:
        raise InputError(f"d = {d!r} must be a positive integer")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise InputError(f"seed = {seed!r} must be an integer (the initialisation is seeded)")
    half = np.random.default_rng(seed).standard_normal((m // 2, d))
    return ReluNet(np.vstack([half, half]), np.concatenate([np.ones(m // 2), -np.ones(m // 2)]))


def _inputs(net, X):
    X = V.as_real_array(X, "X", allow_mp=False)
    if X.ndim != 2 or X.shape[1] != net.W.shape[1]:
        raise InputError(f"X has shape {X.shape}; pass points as rows of dimension {net.W.shape[1]}")
    return X


def _forward(net, X):
    """(Z = W X^T, R = relu(Z), u): u sums each pair (r, r + m/2) before summing over pairs,
    so that mirrored pairs cancel exactly (an odd last neuron is added on its own)."""
    # a contiguous X^T: OpenBLAS was ~40x slower on the transposed view (m x d x n, d small)
    Z = net.W @ np.ascontiguousarray(X.T)
    R = np.maximum(Z, 0.0)
    m = net.a.shape[0]
    h = m // 2
    pairs = net.a[:h, None] * R[:h]
    pairs += net.a[h:2 * h, None] * R[h:2 * h]
    return Z, R, (pairs.sum(axis=0) + net.a[2 * h:] @ R[2 * h:]) / math.sqrt(m)


def relu_net_outputs(net, X):
    """u(x) = (1/sqrt m) sum_r a_r relu(w_r . x) for each row x of X.

    >>> import numpy as np
    >>> net = ReluNet(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 1.0]))
    >>> float(relu_net_outputs(net, np.array([[0.6, 0.8]]))[0] * np.sqrt(2))
    1.4
    """
    X = _inputs(net, X)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return _forward(net, X)[2]


def _check_layers(layers):
    if layers not in ("first", "both"):
        raise InputError(f"layers = {layers!r} must be 'first' (H_inf) or 'both' (full NTK)")


def _grad(net, X, y, both):
    Z, R, u = _forward(net, X)
    r = u - y
    s = 1.0 / math.sqrt(net.a.shape[0])
    # (1{Z > 0} * r^T) X = 1{Z > 0} (diag(r) X): one m x n x d product, no m x n scaling pass
    gW = (net.a * s)[:, None] * ((Z > 0).astype(np.float64) @ (r[:, None] * X))
    ga = s * (R @ r) if both else None
    return 0.5 * float(r @ r), gW, ga, u


def relu_net_grad(net, X, y, *, layers="first"):
    """(L, dL/dW, dL/da) at ``net``; dL/da is None for ``layers="first"``.

    >>> import numpy as np
    >>> net = ReluNet(np.array([[1.0, 0.0]]), np.array([1.0]))
    >>> L, gW, ga = relu_net_grad(net, np.array([[1.0, 0.0]]), np.array([0.0]), layers="both")
    >>> L, gW.tolist(), ga.tolist()
    (0.5, [[1.0, 0.0]], [1.0])
    """
    _check_layers(layers)
    X = _inputs(net, X)
    y = V.check_targets(y, X.shape[0]).astype(np.float64)
    if y.ndim != 1:
        raise InputError("the network has one output: pass y of shape (n,)")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        L, gW, ga, _ = _grad(net, X, y, layers == "both")
    return L, gW, ga


def relu_net_gd(X, y, m, eta, steps, seed, *, layers="first", X_test=None):
    """Full-batch GD on L from :func:`init_paired` (m, seed); outputs at ``steps``.

    W <- W - eta dL/dW (and a <- a - eta dL/da for ``layers="both"``).  Returns :class:`NetRun`.

    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> run = relu_net_gd(X, np.array([1.0, -1.0]), 2000, 1.0, [0, 50], seed=0)
    >>> run.outputs[0].tolist(), np.round(run.outputs[1], 1).tolist()
    ([0.0, 0.0], [1.0, -1.0])
    """
    _check_layers(layers)
    X = V.as_real_array(X, "X", allow_mp=False)
    if X.ndim != 2 or X.shape[1] == 0:
        raise InputError(f"X has shape {X.shape}; pass the training points as rows (n, d)")
    net = init_paired(m, X.shape[1], seed)
    y = V.check_targets(y, X.shape[0]).astype(np.float64)
    if y.ndim != 1:
        raise InputError("the network has one output: pass y of shape (n,)")
    Xt = None if X_test is None else _inputs(net, X_test)
    if not V._is_real_number(eta) or not math.isfinite(float(eta)) or not eta > 0:
        raise InputError(f"eta = {eta!r} must be a finite step size > 0")
    ks, scalar = check_steps(steps, flow=False)
    if math.inf in ks:
        raise InputError("a finite network has no closed-form limit; pass finite step counts")
    want = {int(k) for k in ks}
    out, out_t = {}, {}
    W, a = net.W.copy(), net.a.copy()
    with np.errstate(over="raise", invalid="raise", divide="raise"), blas_threads(1):
        for k in range(max(want) + 1):
            cur = ReluNet(W, a)
            _, gW, ga, u = _grad(cur, X, y, layers == "both")
            if k in want:
                out[k] = u
                if Xt is not None:
                    out_t[k] = _forward(cur, Xt)[2]
            if k == max(want):
                break
            W = W - eta * gW
            if layers == "both":
                a = a - eta * ga
    test = None if Xt is None else np.array([out_t[int(k)] for k in ks])
    return NetRun(np.array([out[int(k)] for k in ks]), test, ReluNet(W, a), [int(k) for k in ks])
