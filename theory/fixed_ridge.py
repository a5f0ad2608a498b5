r"""Fixed-ridge self-distillation: the float64 and mpmath engines.

A teacher and k students, all ridge fits with the SAME lambda; student t fits the mixed
target ``xi_t * (previous fit) + (1 - xi_t) * y``:

    kernel (Gram K, n x n PSD):  c_t = (K + lam I)^-1 t_t,  yhat_t = K c_t,
    design (X, n x d):           theta_t = (X^T X + lam I)^-1 X^T t_t,  yhat_t = X theta_t,
    t_0 = y,   t_t = xi_t yhat_{t-1} + (1 - xi_t) y   (t = 1..k).

With ``K = U diag(d) U^T`` (design: ``X = U diag(s) V^T``, ``d = s^2``), ``z = U^T y`` and
``a = d/(d + lam)``, every step is diagonal (theory.ridge_filters):

    yhat_t = U (f_t(a) * z),   c_t = U (g_t(a) z/(d + lam)),   theta_t = X^T U (g_t(a) z/(d + lam)),
    g_0 = 1,  g_t = (1 - xi_t) + xi_t f_{t-1},  f_t = a g_t,

so one eigendecomposition (or SVD) serves the whole trajectory at O(n) work per step.
Borup & Andersen's step tau is row ``t = tau - 1`` with every ``xi_t = 1 - alpha``; Das &
Sanghavi's student is k = 1; Pareek et al.'s k-step estimator is row k.

Source: docs/theory/borup2021.md §1, docs/theory/pareek2024.md §1, docs/theory/das2023.md §1
[derived from the papers' objectives].  Domain: K symmetric PSD (or any real X, n < d
allowed), y real of length n, lam > 0, real xi (any sign).

>>> import numpy as np
>>> tr = fixed_ridge_distill(np.eye(2), np.array([1.0, 2.0]), 1.0, [0.5])
>>> tr.fitted.tolist()  # teacher: y/2; student: (1/2)(y/4 + y/2)
[[0.5, 1.0], [0.375, 0.75]]
"""

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import _ridge_accuracy as acc
from . import _validate as V
from ._mp import GUARD_DIGITS, make_context, to_mp_array
from ._ridge_validate import check_design, check_lam, check_xi
from .distill import F64_MAX_K, MP_MAX_SECONDS, estimate_mp_seconds
from .eigen import eigh_mp
from .errors import InputError, PrecisionError, ResourceError
from .ridge_filters import filters_and_targets

__all__ = ["RidgeTrajectory", "fixed_ridge_distill", "fixed_ridge_distill_design",
           "ridge_trajectory_agreement"]


@dataclass(frozen=True, eq=False)
class RidgeTrajectory:
    """The result of :func:`fixed_ridge_distill` / :func:`fixed_ridge_distill_design`.

    Spectral data (one entry per direction j, eigenvalues ascending): ``eigenvalues`` (d_j,
    = s_j^2 for a design), ``a`` (d_j/(d_j + lam)), ``z`` (U^T y), ``basis`` (U, n x r,
    orthonormal columns), ``coefficient_basis`` (U for a kernel, X^T U for a design).
    Per step t = 0..k (row 0 the teacher): ``filters`` f_t(a_j), ``targets`` g_t(a_j) (the
    mixed target's filter), and, computed on first access, ``fitted`` (yhat_t, k+1 x n) and
    ``coefficients`` (c_t in R^n for a kernel, theta_t in R^d for a design).
    Also ``xi`` (for mp at the confirming run's precision: replaying large weights
    amplifies their rounding), ``lam``, ``y``, ``kind`` ("gram" or "design"), ``dps`` (None
    for float64), ``method`` (the eigensolver).

    Accuracy: ``accuracy`` bounds the relative (normwise, per step) error of the filters:
    float64: a first-order running error bound of the recursion plus the eigenvalue error
    of a backward-stable eigh/SVD (fitted values and coefficients add ~n u from the basis);
    mp: 10^-dps, confirmed by a second run to ``confirmed_digits`` (normwise), while
    ``entrywise_digits`` is the least relative agreement of any single eigenvalue or filter
    value: tiny eigenvalues of a graded Gram matrix (RBF on close points) carry fewer
    relative digits than the normwise dps.
    """

    filters: np.ndarray
    targets: np.ndarray
    eigenvalues: np.ndarray
    a: np.ndarray
    z: np.ndarray = field(repr=False)
    basis: np.ndarray = field(repr=False)
    coefficient_basis: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    xi: np.ndarray
    lam: object
    kind: str
    dps: object = None
    method: str = "numpy.linalg.eigh"
    confirmed_digits: float = float("nan")
    accuracy: float = float("nan")
    entrywise_digits: float = float("nan")

    @property
    def steps(self):
        """k, the number of students (rows are t = 0..k)."""
        return self.filters.shape[0] - 1

    def _expand(self, B, spectral):
        W = spectral * self.z[None]
        if self.dps is None:
            return W @ B.T
        ctx = make_context(self.dps)  # computed from the confirming run, rounded to dps
        return np.array([[ctx.mpf(ctx.fdot(B[i], w)) for i in range(B.shape[0])] for w in W],
                        dtype=object).reshape(W.shape[0], B.shape[0])

    @cached_property
    def fitted(self):
        """yhat_t = U (f_t * z), shape (k+1, n)."""
        return self._expand(self.basis, self.filters)

    @cached_property
    def coefficients(self):
        """c_t = (K + lam I)^-1 t_t (kernel) or theta_t (design), shape (k+1, n or d)."""
        return self._expand(self.coefficient_basis, self.targets / (self.eigenvalues + self.lam))

    def predict(self, Z):
        """Predictions Z c_t (rows of Z: k(x_i, X) for a kernel, test inputs x_i for a design),
        shape (k+1, m)."""
        C = self.coefficients
        Z = np.asarray(Z, dtype=C.dtype)
        return C @ Z.T


def _spectral_f64(kind, M):
    """(d ascending, U, W) in float64 for a Gram matrix or a design."""
    if kind == "gram":
        d, U = np.linalg.eigh(M)
        V.check_psd(d[0], d[-1], M.shape[0], V.EPS64)
        return np.maximum(d, 0.0), U, U, "numpy.linalg.eigh"
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    U, s, Vt = U[:, ::-1], s[::-1], Vt[::-1]
    return s * s, U, Vt.T * s, "numpy.linalg.svd"


def _run_f64(kind, M, y, lam, xi):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        d, U, W, method = _spectral_f64(kind, M)
        lam = float(lam)
        a = d / (d + lam)
        try:
            f, g = filters_and_targets(a, xi, 1.0)
        except FloatingPointError as exc:
            raise PrecisionError(f"the filters overflow float64 ({exc}) with weights up to "
                                 f"|xi| = {float(np.max(np.abs(xi))):.3g}; use the mp engine "
                                 f"(dps=...)") from exc
        try:
            accuracy = float(acc.relative(acc.error_bound(
                a, xi, f, g, acc.eigen_error_in_a(d, lam, max(M.shape), kind, V.EPS64), V.EPS64)))
        except FloatingPointError:  # the bound itself overflows: no digit is certain
            accuracy = math.inf
        z = U.T @ y
    return RidgeTrajectory(filters=f, targets=g, eigenvalues=d, a=a, z=z, basis=U,
                           coefficient_basis=W, y=y, xi=xi, lam=lam, kind=kind,
                           method=method, accuracy=accuracy)


def _gram_mp(ctx, X):
    rows = [list(r) for r in to_mp_array(ctx, X)]
    n = len(rows)
    G = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(i + 1):
            G[i, j] = G[j, i] = ctx.fdot(rows[i], rows[j])
    return G


def _spectral_mp(ctx, kind, M, unit):
    """(d ascending, U, W, method) at the precision of ``ctx``; negative rounding clipped
    (``unit``: the rounding unit of a Gram input, for the PSD check; X X^T is PSD by
    construction and needs none)."""
    n = M.shape[0]
    if kind == "gram" or n <= M.shape[1]:
        eig = eigh_mp(ctx, M if kind == "gram" else _gram_mp(ctx, M))
        d = np.array(list(eig.values), dtype=object)
        if kind == "gram":
            V.check_psd(d[0], d[-1], n, unit)
        d = np.array([ctx.zero if v < 0 else v for v in d], dtype=object)
        U = eig.vectors
        W = U if kind == "gram" else _matmul(ctx, to_mp_array(ctx, M).T, U)
        return d, U, W, eig.method
    # n > d: eigen of X^T X (d x d); U = X V / s on the numerically non-zero directions
    eig = eigh_mp(ctx, _gram_mp(ctx, M.T))
    tol = V.psd_tolerance(eig.values[-1], M.shape[1], 10.0 ** (-ctx.dps))
    keep = [j for j, v in enumerate(eig.values) if v > tol]
    d = np.array([eig.values[j] for j in keep], dtype=object)
    s = np.array([ctx.sqrt(v) for v in d], dtype=object)
    Vk = eig.vectors[:, keep]
    U = _matmul(ctx, to_mp_array(ctx, M), Vk) / s[None]
    return d, U, Vk * s[None], eig.method


def _matmul(ctx, A, B):
    return np.array([[ctx.fdot(A[i], B[:, j]) for j in range(B.shape[1])]
                     for i in range(A.shape[0])], dtype=object).reshape(A.shape[0], B.shape[1])


def _run_mp(kind, M, y, lam, xi, work_dps, unit):
    ctx = make_context(work_dps)
    d, U, W, method = _spectral_mp(ctx, kind, M, unit)
    lam_m = ctx.mpf(lam)
    a = d / (d + lam_m)
    f, g = filters_and_targets(a, to_mp_array(ctx, xi), ctx.one)
    ym = to_mp_array(ctx, y)
    z = np.array([ctx.fdot(U[:, j], ym) for j in range(U.shape[1])], dtype=object)
    return RidgeTrajectory(filters=f, targets=g, eigenvalues=d, a=a, z=z, basis=U,
                           coefficient_basis=W, y=ym, xi=to_mp_array(ctx, xi), lam=lam_m,
                           kind=kind, dps=work_dps, method=method)


def ridge_trajectory_agreement(a, b):
    """Digits to which two trajectories agree: the eigenvalues and each row of the filters,
    normwise (as :func:`~theory._mp.digits_of_agreement`); 0 if the shapes differ.

    >>> import numpy as np
    >>> tr = fixed_ridge_distill(np.eye(2), np.ones(2), 1.0, [0.5])
    >>> ridge_trajectory_agreement(tr, tr)
    inf
    """
    if a.filters.shape != b.filters.shape:
        return 0.0
    return min(acc.rowwise_digits([a.eigenvalues], [b.eigenvalues]),
               acc.rowwise_digits(a.filters, b.filters))


def _round(ctx, arr):
    out = np.empty(arr.shape, dtype=object)
    out.reshape(-1)[:] = [ctx.mpf(v) for v in arr.reshape(-1)]
    return out


def _confirmed_mp(kind, M, y, lam, xi, dps, unit):
    """Run at dps + g and dps + 2g digits (g: guard plus the digits the recursion can lose);
    accept only if the two agree to dps digits (STYLE rule 7)."""
    g = GUARD_DIGITS + acc.amplification_digits(kind, M, lam, xi)
    lo = _run_mp(kind, M, y, lam, xi, dps + g, unit)
    hi = _run_mp(kind, M, y, lam, xi, dps + 2 * g, unit)
    agree = ridge_trajectory_agreement(lo, hi)
    if agree < dps:
        raise PrecisionError(
            f"the trajectory at {dps + g} digits agrees with the one at {dps + 2 * g} digits to "
            f"only {agree:.1f} digits, fewer than the {dps} requested (numerical rank or the "
            f"weights' amplification is undecided at this precision): ask for more digits")
    ctx = make_context(dps)
    return RidgeTrajectory(filters=_round(ctx, hi.filters), targets=_round(ctx, hi.targets),
                           eigenvalues=_round(ctx, hi.eigenvalues), a=_round(ctx, hi.a),
                           z=_round(ctx, hi.z), basis=hi.basis,
                           coefficient_basis=hi.coefficient_basis, y=_round(ctx, hi.y),
                           xi=hi.xi, lam=ctx.mpf(hi.lam), kind=kind, dps=dps,
                           method=hi.method, confirmed_digits=agree, accuracy=10.0 ** (-dps),
                           entrywise_digits=min(
                               acc.rowwise_digits([lo.eigenvalues], [hi.eigenvalues], True),
                               acc.rowwise_digits(lo.filters, hi.filters, True)))


def _check_budget(n, k, dps, force):
    if force:
        return
    if dps is None and n > F64_MAX_K:
        raise ResourceError(f"n = {n} exceeds the float64 budget n <= {F64_MAX_K}; pass "
                            f"force=True to run anyway")
    if dps is not None and estimate_mp_seconds(n, dps, k) > MP_MAX_SECONDS:
        raise ResourceError(f"an mp trajectory at n = {n}, dps = {dps} is estimated at "
                            f"{estimate_mp_seconds(n, dps, k):.0f} s (budget {MP_MAX_SECONDS:.0f}"
                            f" s); use fewer digits, a smaller n, or pass force=True")


def _distill(kind, M, y, lam, xi, dps, force, unit=V.EPS64):
    dps = V.check_dps(dps)
    check_lam(lam)
    xi = check_xi(xi)
    n = M.shape[0]
    y = V.check_targets(y, n)
    if y.ndim != 1:
        raise InputError(f"y has shape {y.shape}; the steps act column by column: pass one "
                         f"target vector of shape ({n},) at a time")
    _check_budget(min(M.shape), xi.size, dps, force)
    if dps is None:
        return _run_f64(kind, M.astype(np.float64, copy=False), y.astype(np.float64),
                        lam, xi.astype(np.float64))
    return _confirmed_mp(kind, M, y, lam, xi, dps, unit)


def fixed_ridge_distill(G, y, lam, xi, *, dps=None, force=False):
    """c_t = (G + lam I)^-1 t_t, t_0 = y, t_t = xi_t G c_{t-1} + (1 - xi_t) y (t = 1..k):
    the teacher and k fixed-ridge students over a kernel Gram matrix, as a
    :class:`RidgeTrajectory`.

    ``xi`` holds xi_1..xi_k (empty: the teacher alone).  ``dps=None``: float64 (one
    ``numpy.linalg.eigh``); ``dps=N``: mpmath (``theory.eigen.eigh_mp``) at N digits plus
    guard digits that cover what the recursion can lose to large weights, confirmed by a
    second run (:class:`~theory.errors.PrecisionError` if they disagree).  Budgets as in
    :func:`theory.distill.self_distill` (:class:`~theory.errors.ResourceError` unless
    ``force=True``).

    Source: docs/theory/borup2021.md §1 (the notebook's ``distill``) [code].
    Domain: G symmetric PSD n x n, y of length n, lam > 0, finite real xi.

    >>> import numpy as np
    >>> tr = fixed_ridge_distill(np.diag([1.0, 3.0]), np.ones(2), 1.0, [0.5, 0.5])
    >>> tr.filters[:, 1].tolist()  # a = 3/4: f_t = a (1/2 + f_{t-1}/2)
    [0.75, 0.65625, 0.62109375]
    """
    G = V.check_gram(G)
    unit = V.EPS64 if (G.dtype != object or dps is None) else 10.0 ** (-V.check_dps(dps))
    V.check_symmetric(G, unit)
    return _distill("gram", G, y, lam, xi, dps, force, unit)


def fixed_ridge_distill_design(X, y, lam, xi, *, dps=None, force=False):
    """theta_t = (X^T X + lam I)^-1 X^T t_t with the mixed targets of
    :func:`fixed_ridge_distill`: linear ridge on a design X (n x d, n < d allowed); the
    coefficients are theta_t.  float64 uses one thin SVD, mp the eigendecomposition of the
    smaller of X X^T, X^T X.

    Source: docs/theory/pareek2024.md §1, docs/theory/das2023.md §1 [derived].
    Domain: real X, y of length n, lam > 0, finite real xi.

    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    >>> tr = fixed_ridge_distill_design(X, np.array([1.0, 1.0, 5.0]), 1.0, [])
    >>> tr.coefficients[0].round(12).tolist()  # (X^T X + I)^-1 X^T y
    [0.5, 0.4]
    """
    return _distill("design", check_design(X), y, lam, xi, dps, force)
