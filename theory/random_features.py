r"""The random-feature baseline: frozen random ReLU patch features and a trained linear softmax layer.

    phi_r(X) = sum_{p <= P} ReLU(<u_r, x_p>),    u_r ~ N(0, I_D / 20) frozen,  r = 1..M,
    phi~_r = (phi_r - mean_r) / sd_r             (standardised on the training set),
    F(X) = W^T phi~(X) + b,
    (W, b) = argmin (1/N) sum_n CE(e_{y_n}, softmax F(X_n)) + (lam/2) (||W||_F^2 + ||b||^2).

The objective is lam-strongly convex, so a point theta = (W, b) with gradient g satisfies
||theta - theta*|| <= ||g|| / lam (strong convexity: <g(theta) - g(theta*), theta - theta*> >=
lam ||theta - theta*||^2 with g(theta*) = 0, then Cauchy-Schwarz); the fit reports this
certificate and insists that it is small relative to ||theta||.  Small lam (default 1e-4)
approximates the unregularised fit on separable data, whose direction is the max-margin one
(Rosset, Zhu & Hastie 2004); lam > 0 keeps the minimiser finite.  An ensemble averages the
logits of L such models with independent u's; the comparison is one model with L*M features.

Source: Allen-Zhu & Li 2020 (arXiv 2012.09816): ensembles of random-feature / NTK models do
not gain the way network ensembles do [paper, abstract, empirical]; this baseline and its
constants: docs/theory/allenzhu_li2020.md §2 [derived].
Domain: X real (N, P, D), labels in [0, k), M >= 1, lam > 0.

>>> from theory.multiview import sample_multiview
>>> d = sample_multiview(60, 0.0, seed=0)
>>> rf = fit_random_features(d.X, d.labels, d.k, 50, seed=0)
>>> rf.W.shape, bool(rf.distance_bound <= rf.rtol * rf.theta_norm)
((50, 10), True)
"""

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.sparse.linalg import LinearOperator, cg

from . import _validate as V
from .errors import InputError, PrecisionError
from .multiview_learner import log_softmax

__all__ = ["RandomFeatureModel", "draw_rf_directions", "rf_features", "rf_objective",
           "rf_hessp", "fit_random_features", "fit_random_feature_ensemble", "rf_ensemble_logits",
           "DEFAULT_RF_LAM", "DEFAULT_RF_RTOL", "RF_VARIANCE"]

_FPE = dict(over="raise", invalid="raise", divide="raise")

#: Variance of each coordinate of u_r (docs/theory/allenzhu_li2020.md §2).
RF_VARIANCE = 1.0 / 20.0
#: Default ridge weight lam of the softmax layer (see the module docstring).
DEFAULT_RF_LAM = 1e-4
#: Default relative accuracy of the fit: ||theta - theta*|| <= rtol ||theta|| is certified.
#: 1e-6 moves no logit by more than 1e-6 ||theta|| ||(phi~, 1)||, far below the logit
#: margins (O(1)) that decide a prediction.
DEFAULT_RF_RTOL = 1e-6
#: Newton polish: at most this many steps (quadratic convergence needs a handful), each
#: solved by CG to relative residual 1e-10 (a Newton step that accurate keeps the
#: convergence quadratic down to the target).
_NEWTON_STEPS = 20
_CG_RTOL = 1e-10


@dataclass(frozen=True, eq=False)
class RandomFeatureModel:
    """A fitted random-feature model (see the module docstring).

    ``U`` (M, D) directions; ``mean``, ``sd`` (M,) the training standardisation; ``W``
    (M, k), ``b`` (k,) the softmax layer; ``lam``; ``objective`` its final value;
    ``grad_norm`` ||g||_2 at the returned point; ``distance_bound`` = grad_norm / lam, a
    bound on the distance to the exact minimiser; ``theta_norm`` = ||(W, b)||; ``rtol``
    the relative accuracy certified; ``n_iter`` iterations (L-BFGS plus any Newton
    polish); ``seed``; ``solver`` ("L-BFGS-B" or "L-BFGS-B + Newton-CG").

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: made by :func:`fit_random_features`.

    >>> from theory.multiview import sample_multiview
    >>> d = sample_multiview(20, 0.0, seed=0)
    >>> fit_random_features(d.X, d.labels, d.k, 8, seed=0).logits(d.X).shape
    (20, 10)
    """

    U: np.ndarray = field(repr=False)
    mean: np.ndarray = field(repr=False)
    sd: np.ndarray = field(repr=False)
    W: np.ndarray = field(repr=False)
    b: np.ndarray = field(repr=False)
    lam: float
    objective: float
    grad_norm: float
    distance_bound: float
    theta_norm: float
    rtol: float
    n_iter: int
    seed: int
    solver: str = "L-BFGS-B"

    @property
    def M(self):
        return self.U.shape[0]

    def logits(self, X):
        """F(X) = W^T phi~(X) + b, shape (N, k)."""
        with np.errstate(**_FPE):
            return ((rf_features(X, self.U) - self.mean) / self.sd) @ self.W + self.b


def _check_pos_int(v, name, what):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
        raise InputError(f"{name} = {v!r} must be a positive integer ({what})")
    return int(v)


def _check_seed(seed):
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InputError(f"seed = {seed!r} must be a non-negative integer")
    return int(seed)


def draw_rf_directions(dim, M, seed):
    """U (M, dim) with rows u_r ~ N(0, I/20), from ``numpy.random.default_rng(seed)``.

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: dim, M >= 1.

    >>> draw_rf_directions(320, 3, seed=0).shape
    (3, 320)
    """
    dim = _check_pos_int(dim, "dim", "the input dimension D")
    M = _check_pos_int(M, "M", "the number of random features")
    return np.random.default_rng(_check_seed(seed)).normal(0.0, math.sqrt(RF_VARIANCE), (M, dim))


def rf_features(X, U):
    """phi_r(X) = sum_p ReLU(<u_r, x_p>), shape (N, M).

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: X (N, P, D), U (M, D).

    >>> X = np.array([[[1.0, 0.0], [0.0, -2.0]]]); U = np.array([[1.0, 1.0]])
    >>> rf_features(X, U).tolist()   # ReLU(1) + ReLU(-2)
    [[1.0]]
    """
    X = V.as_real_array(X, "X", allow_mp=False)
    U = V.as_real_array(U, "U", allow_mp=False)
    if X.ndim != 3 or U.ndim != 2 or X.shape[2] != U.shape[1]:
        raise InputError(f"X has shape {X.shape} and U {U.shape}; pass X (N, P, D) and U (M, D) "
                         f"with the same D")
    return np.maximum(np.einsum("npd,rd->npr", X, U, optimize=True), 0.0).sum(axis=1)


def rf_objective(theta, Phi, labels, k, lam):
    """Objective f(theta) = (1/N) sum_n CE(e_{y_n}, softmax(Phi_n W + b)) + (lam/2)||theta||^2
    and its gradient, theta = (W (M, k), b (k,)) flattened row-major as W then b.

    Gradient: dF = (softmax(F) - onehot)/N, dW = Phi^T dF + lam W, db = 1^T dF + lam b.
    Source: multinomial logistic regression [prior work].  Domain: Phi (N, M), lam >= 0.

    >>> f, g = rf_objective(np.zeros(6), np.ones((2, 2)), np.array([0, 1]), 2, 0.0)
    >>> round(f, 6), g.tolist()
    (0.693147, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    """
    N, M = Phi.shape
    W, b = theta[:M * k].reshape(M, k), theta[M * k:]
    with np.errstate(**_FPE):
        logp = log_softmax(Phi @ W + b)
        f = -logp[np.arange(N), labels].sum() / N + 0.5 * lam * float(theta @ theta)
        dF = np.exp(logp)
        dF[np.arange(N), labels] -= 1.0
        dF /= N
        g = np.concatenate([(Phi.T @ dF + lam * W).ravel(), dF.sum(axis=0) + lam * b])
    return float(f), g


def rf_hessp(theta, v, Phi, labels, k, lam):
    """Hessian-vector product of :func:`rf_objective`: with S = softmax(F), A = Phi V_W + v_b,

        H v = ( Phi^T B + lam V_W ,  1^T B + lam v_b ),   B = (S * A - S * rowsum(S * A)) / N.

    Source: multinomial logistic regression [prior work].  Domain: as :func:`rf_objective`.

    >>> Hv = rf_hessp(np.zeros(6), np.ones(6), np.eye(2), np.array([0, 1]), 2, 1.0)
    >>> Hv.tolist()   # equal logits shift: softmax is invariant, only the ridge acts
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    N, M = Phi.shape
    W, b = theta[:M * k].reshape(M, k), theta[M * k:]
    VW, vb = v[:M * k].reshape(M, k), v[M * k:]
    with np.errstate(**_FPE):
        S = np.exp(log_softmax(Phi @ W + b))
        SA = S * (Phi @ VW + vb)
        B = (SA - S * SA.sum(axis=1, keepdims=True)) / N
        return np.concatenate([(Phi.T @ B + lam * VW).ravel(), B.sum(axis=0) + lam * vb])


def _check_labels(labels, N, k):
    y = np.asarray(labels)
    if y.dtype.kind not in "iu" or y.shape != (N,) or y.min() < 0 or y.max() >= k:
        raise InputError(f"labels must be {N} integers in [0, {k}), got shape {y.shape}, "
                         f"dtype {y.dtype}")
    return y


def fit_random_features(X, labels, k, M, seed, lam=DEFAULT_RF_LAM, rtol=DEFAULT_RF_RTOL,
                        max_iter=20000):
    r"""Draw M random features (seed), standardise them, fit the softmax layer by L-BFGS
    (polished by trust-region Newton-Krylov when L-BFGS stalls short of the target).

    Converged means ||theta - theta*|| <= ||g||/lam <= rtol ||theta|| (strong convexity);
    otherwise :class:`PrecisionError` names the gradient norm reached.  Standard deviations
    below 1e-12 (a feature constant on the training set; 1e-12 is far below the O(1)
    spread of any feature that varies) are replaced by 1, so the feature is zeroed out.

    Source: docs/theory/allenzhu_li2020.md §2 [derived].
    Domain: X (N, P, D) real, labels in [0, k), M >= 1, lam > 0, 0 < rtol < 1.

    >>> from theory.multiview import sample_multiview
    >>> d = sample_multiview(40, 0.0, seed=1)
    >>> fit_random_features(d.X, d.labels, d.k, 30, seed=2).n_iter > 0
    True
    """
    X = V.as_real_array(X, "X", allow_mp=False)
    if X.ndim != 3 or X.shape[0] == 0:
        raise InputError(f"X has shape {X.shape}; pass a non-empty (N, P, D) array")
    k = _check_pos_int(k, "k", "the number of classes")
    y = _check_labels(labels, X.shape[0], k)
    seed = _check_seed(seed)
    if not (isinstance(lam, numbers.Real) and math.isfinite(lam) and lam > 0):
        raise InputError(f"lam = {lam!r} must be a finite ridge weight > 0 (lam = 0 has no "
                         f"minimiser on separable data); pass e.g. {DEFAULT_RF_LAM}")
    if not (isinstance(rtol, numbers.Real) and 0 < rtol < 1):
        raise InputError(f"rtol = {rtol!r} must be in (0, 1)")
    max_iter = _check_pos_int(max_iter, "max_iter", "the L-BFGS iteration cap")
    U = draw_rf_directions(X.shape[2], M, seed)
    with np.errstate(**_FPE):
        Phi = rf_features(X, U)
        mean, sd = Phi.mean(axis=0), Phi.std(axis=0)
        sd = np.where(sd > 1e-12, sd, 1.0)
        Phi = (Phi - mean) / sd
    n_par = (M + 1) * k
    # L-BFGS-B stops on max_i |g_i| <= gtol, and ||g||_2 <= sqrt(n_par) max_i |g_i|; the
    # target ||g||_2 <= lam rtol ||theta|| needs ||theta||, unknown beforehand: L-BFGS assumes
    # ||theta|| = 1; if that is not enough, a warm Newton polish uses the ||theta|| found.
    res = minimize(rf_objective, np.zeros(n_par), args=(Phi, y, k, lam), jac=True,
                   method="L-BFGS-B", options=dict(maxiter=max_iter, maxfun=2 * max_iter, ftol=0.0,
                                                   maxcor=20, gtol=lam * rtol / math.sqrt(n_par)))
    x, nit, message, solver = res.x, int(res.nit), str(res.message), "L-BFGS-B"
    f, g = rf_objective(x, Phi, y, k, lam)
    # With small lam, L-BFGS stalls: near theta* the decrease g^2/(2 lam) it must detect
    # falls below the rounding of f.  Newton steps need no f: solve H d = -g by conjugate
    # gradients (H is lam-positive definite), accept a step when ||g|| falls, else halve it.
    for _ in range(_NEWTON_STEPS):
        gnorm, tnorm = float(np.linalg.norm(g)), float(np.linalg.norm(x))
        if gnorm <= lam * rtol * tnorm:
            break
        H = LinearOperator((n_par, n_par), dtype=np.float64,
                           matvec=lambda v, x=x: rf_hessp(x, v, Phi, y, k, lam))
        d, _ = cg(H, -g, rtol=_CG_RTOL, maxiter=max_iter)
        step = 1.0
        for _ in range(30):
            f_new, g_new = rf_objective(x + step * d, Phi, y, k, lam)
            if np.linalg.norm(g_new) < gnorm:
                break
            step /= 2
        else:
            message = "Newton polish: no step reduced the gradient (rounding floor)"
            break
        x, f, g, nit = x + step * d, f_new, g_new, nit + 1
        message, solver = "Newton polish", "L-BFGS-B + Newton-CG"
    gnorm, tnorm = float(np.linalg.norm(g)), float(np.linalg.norm(x))
    bound = gnorm / lam
    if not bound <= rtol * tnorm:
        raise PrecisionError(f"the softmax layer did not converge: after {nit} L-BFGS "
                             f"iterations ({message}) ||grad|| = {gnorm:.3g}, so the distance "
                             f"to the minimiser is only bounded by ||grad||/lam = {bound:.3g} > "
                             f"rtol ||theta|| = {rtol * tnorm:.3g}; raise max_iter, lam or rtol")
    return RandomFeatureModel(U=U, mean=mean, sd=sd, W=x[:M * k].reshape(M, k).copy(),
                              b=x[M * k:].copy(), lam=float(lam), objective=f,
                              grad_norm=gnorm, distance_bound=bound, theta_norm=tnorm,
                              rtol=float(rtol), n_iter=nit, seed=seed, solver=solver)


def fit_random_feature_ensemble(X, labels, k, M, seeds, **kw):
    """One :func:`fit_random_features` per seed (keyword arguments passed on).

    Source: docs/theory/allenzhu_li2020.md §2 (L independent random-feature models).
    Domain: a non-empty sequence of seeds.

    >>> from theory.multiview import sample_multiview
    >>> d = sample_multiview(30, 0.0, seed=0)
    >>> len(fit_random_feature_ensemble(d.X, d.labels, d.k, 20, (0, 1)))
    2
    """
    try:
        seeds = tuple(seeds)
    except TypeError:
        raise InputError(f"seeds = {seeds!r} must be a sequence of non-negative integers")
    if not seeds:
        raise InputError("seeds is empty; pass one seed per ensemble member")
    return tuple(fit_random_features(X, labels, k, M, s, **kw) for s in seeds)


def rf_ensemble_logits(models, X):
    """(1/L) sum_l F_l(X): the ensemble's averaged logits, shape (N, k).

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: a non-empty sequence of models.

    >>> from theory.multiview import sample_multiview
    >>> d = sample_multiview(30, 0.0, seed=0)
    >>> ms = fit_random_feature_ensemble(d.X, d.labels, d.k, 20, (0, 1))
    >>> bool(np.allclose(rf_ensemble_logits(ms, d.X), (ms[0].logits(d.X) + ms[1].logits(d.X)) / 2))
    True
    """
    models = tuple(models)
    if not models or not all(isinstance(m, RandomFeatureModel) for m in models):
        raise InputError("models must be a non-empty sequence of RandomFeatureModel")
    return np.mean([m.logits(X) for m in models], axis=0)
