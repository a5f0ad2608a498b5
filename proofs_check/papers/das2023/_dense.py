r"""Dense routes for the Das & Sanghavi 2023 claims: the teacher and the student as matrices,
their risks for any weighting M, and derivatives in lam by the complex step.

Everything works in float64 (numpy, complex128 for the complex step) or in mpmath at a
context's precision (object arrays of mpf/mpc), so that the same ``evaluate`` runs on a
float64 and on an mp engine result (:func:`proofs_check.papers.pareek2024._common.ctx_of`).
These routes share nothing with the engine's eigenbasis recursion:

    H(lam) = X^T X + lam I,   A(lam) = H^-1 X^T   (teacher: theta_T = A y),
    S(lam, xi) = A (xi X A + (1 - xi) I)        (student: theta_S = S y),
    E||M(L y - theta*)||^2 = ||M(L X theta* - theta*)||^2 + sigma^2 ||M L||_F^2,

and ``f'(lam) = Im f(lam + i h)/h`` with h = 1e-20 lam (float64) or 10^-dps lam (mp): no
subtractive cancellation, truncation O(h^2).  On balls (certified mode, a
:class:`theory.ball.BallContext`) the same routes run on balls and exact rationals, solves
by :mod:`theory.ball_linalg`, and derivatives on dual numbers (exact, no step).

Source: docs/theory/das2023.md §1 [derived].

>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [0.0, 2.0]])
>>> teacher_map(None, X, 1.0).round(6).tolist()
[[0.5, 0.0], [0.0, 0.4]]
"""

import numpy as np

from ..pareek2024 import _common as C

__all__ = ["eye", "design", "gram", "hessian", "teacher_map", "student_map", "expected_risk",
           "draw_risk", "complex_step", "step_size", "vertex", "cond_h", "real"]


def eye(ctx, d, scale=1):
    if ctx is None:
        return np.eye(d) * scale
    out = np.empty((d, d), dtype=object)
    for i in range(d):
        for j in range(d):
            out[i, j] = scale if i == j else ctx.zero
    return out


def design(ctx, X):
    """X in the context's type (2-D)."""
    return C.vec(ctx, np.asarray(X)).reshape(np.shape(X))


def gram(ctx, X):
    return C.matmul(ctx, X.T, X)


def hessian(ctx, X, lam):
    """X^T X + lam I (lam real or complex)."""
    return gram(ctx, X) + eye(ctx, X.shape[1], lam)


def teacher_map(ctx, X, lam):
    """A = (X^T X + lam I)^-1 X^T."""
    return C.matmul(ctx, C.inverse(ctx, hessian(ctx, X, lam)), X.T)


def student_map(ctx, X, lam, xi, A=None):
    """S = A (xi X A + (1 - xi) I) = xi A X A + (1 - xi) A."""
    A = teacher_map(ctx, X, lam) if A is None else A
    return C.matmul(ctx, C.matmul(ctx, A, X), A) * xi + A * (1 - xi)


def draw_risk(ctx, M, v):
    """||M v||^2 as a sum of squares (no conjugation: analytic for the complex step)."""
    w = C.matmul(ctx, M, v)
    return sum(x * x for x in np.asarray(w).reshape(-1))


def expected_risk(ctx, M, L, X, theta, sigma2):
    """E||M(L y - theta*)||^2 for y = X theta* + e, Cov e = sigma^2 I."""
    bias = C.matmul(ctx, L, C.matmul(ctx, X, theta)) - theta
    ML = C.matmul(ctx, M, L)
    return draw_risk(ctx, M, bias) + sigma2 * sum(x * x for x in np.asarray(ML).reshape(-1))


def step_size(ctx, lam):
    return lam * (1e-20 if ctx is None else ctx.mpf(10) ** (-ctx.dps))


def complex_step(ctx, f, lam):
    """f'(lam) = Im f(lam + i h)/h for f analytic and real on the real axis; ``f`` may
    return a scalar or an array.  In a ball context (certified mode) the derivative is
    exact instead: ``f`` runs on the dual number lam + e (:func:`theory.dual.derivative`;
    every route here is rational in lam)."""
    if getattr(ctx, "holds_exactly", False):
        from theory.dual import derivative
        return derivative(f, lam)
    h = step_size(ctx, lam)
    z = complex(lam, h) if ctx is None else ctx.mpc(lam, h)
    val = f(z)
    if ctx is None:
        return np.imag(val) / h
    if isinstance(val, np.ndarray):
        return np.array([v.imag / h for v in val.reshape(-1)], dtype=object).reshape(val.shape)
    return val.imag / h


def real(ctx, v):
    """The real part of a (complex-step) value, in the context's real type."""
    if ctx is None:
        return np.real(v)
    if isinstance(v, np.ndarray):
        return np.array([x.real for x in v.reshape(-1)], dtype=object).reshape(v.shape)
    return v.real


def vertex(R_m1, R_0, R_1):
    """(vertex, curvature) of the parabola through (-1, R_m1), (0, R_0), (1, R_1):
    ((R_m1 - R_1)/(2 den), den) with den = R_1 - 2 R_0 + R_m1 (= 2 x the quadratic
    coefficient)."""
    den = R_1 - 2 * R_0 + R_m1
    return (R_m1 - R_1) / (2 * den), den


def cond_h(X, lam):
    """cond(X^T X + lam I) in float64 (an a priori factor for dense-solve errors)."""
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    return (float(s.max()) ** 2 + float(lam)) / float(lam) if s.size else 1.0
