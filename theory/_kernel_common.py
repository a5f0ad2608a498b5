"""Shared plumbing of the kernel-regime engines (theory.kernel_gd, theory.label_updates):
input checks, the mp spectrum, confirmation at two precisions (STYLE rule 7) and
object-array products with one rounding per entry."""

import math
from typing import NamedTuple

import numpy as np

from . import _validate as V
from ._mp import GUARD_DIGITS, digits_of_agreement, make_context
from .eigen import eigh_mp
from .errors import InputError, PrecisionError

__all__ = ["KernelSpectrum", "check_gram", "check_eta", "check_steps", "check_cross",
           "spectrum_mp", "guard_digits", "mp_inputs", "confirmed_mp", "matvec_mp", "scale_rows"]


class KernelSpectrum(NamedTuple):
    """H = vectors diag(values) vectors^T, values ascending (those within rounding of 0 set to 0)."""

    values: np.ndarray
    vectors: np.ndarray
    method: str = "numpy.linalg.eigh"


def check_gram(H):
    """H as a validated real square array (float64 or object array of mpf)."""
    H = V.as_real_array(H, "H", allow_mp=True)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise InputError(f"H must be a non-empty square n x n Gram matrix, got shape {H.shape}")
    return H


def check_eta(eta, lam_max, flow):
    """eta finite and > 0; for the discrete iteration also eta lambda_max < 2 (convergence)."""
    if not V._is_real_number(eta) or not math.isfinite(float(eta)) or not eta > 0:
        raise InputError(f"eta = {eta!r} must be a finite step size > 0")
    x = float(eta) * float(lam_max)
    if not flow and x >= 2:
        raise InputError(f"eta = {float(eta):.6g} gives eta * lambda_max = {x:.6g} >= 2: gradient "
                         f"descent does not converge along the top eigenvector (|1 - eta "
                         f"lambda_max| >= 1: it oscillates at 2 and diverges beyond); pass "
                         f"eta < 2 / lambda_max = {2 / float(lam_max):.6g}")


def check_steps(steps, flow):
    """(list of steps, whether a scalar was given): integers >= 0 (flow: reals >= 0) or inf."""
    scalar = np.ndim(steps) == 0
    ks = [steps] if scalar else list(steps)
    for k in ks:
        ok = V._is_real_number(k) and (float(k) == math.inf or math.isfinite(float(k))) and k >= 0
        if ok and not flow and float(k) != math.inf:
            ok = float(k) == int(k)
        if not ok:
            what = "times t >= 0" if flow else "integer step counts k >= 0"
            raise InputError(f"step {k!r} is not valid: pass {what} (math.inf for the limit)")
    if not ks:
        raise InputError("steps is empty; pass at least one step count")
    return ks, scalar


def check_cross(H_cross, n):
    """The test-by-train kernel matrix, shape (n_test, n)."""
    Hx = V.as_real_array(H_cross, "H_cross", allow_mp=True)
    if Hx.ndim != 2 or Hx.shape[1] != n:
        raise InputError(f"H_cross has shape {Hx.shape}; pass the kernel between the test points "
                         f"and the {n} training points, shape (n_test, {n})")
    return Hx


def spectrum_mp(ctx, H, unit):
    """theory.eigen.eigh_mp of H at ctx's precision, PSD-checked (``unit``: H's own rounding)."""
    eig = eigh_mp(ctx, H)
    lam = np.array(list(eig.values), dtype=object)
    V.check_psd(lam[0], lam[-1], lam.shape[0], unit)
    # H is exact at this precision: keep tiny positive eigenvalues, clip accepted negatives
    lam = np.array([ctx.zero if v < 0 else v for v in lam], dtype=object)
    return KernelSpectrum(lam, eig.vectors, eig.method)


def guard_digits(H, eta, ks):
    """GUARD_DIGITS + log10 cond(H) + 2 log10(1 + eta lambda_max k_max), each part <= 20.

    An eigenvalue error delta moves g_k by up to (eta k)^2 delta (its slope near lambda = 0)."""
    Hf = np.asarray(H, dtype=object).astype(np.float64)
    lam = np.linalg.eigvalsh(0.5 * (Hf + Hf.T))
    top = max(float(lam[-1]), 0.0)
    low = max(float(lam[0]), top * V.EPS64)
    kappa = top / low if low > 0 else 1.0
    kmax = max((float(k) for k in ks if k != math.inf), default=0.0)
    span = float(eta) * top * kmax
    return (GUARD_DIGITS + min(20, max(0, math.ceil(math.log10(kappa))))
            + min(20, math.ceil(2 * math.log10(1 + span))))


def mp_inputs(ctx, H, target, eta, steps, flow):
    """Validated (H, y, unit, steps, scalar) for the mp engines; ``flow=True`` skips the
    eta lambda_max < 2 test (the flow, and rules whose convergence condition differs)."""
    H = check_gram(H)
    unit = V.EPS64 if H.dtype != object else 10.0 ** (-ctx.dps)
    V.check_symmetric(H, unit)
    y = V.check_targets(target, H.shape[0])
    lam_max = float(np.max(np.linalg.eigvalsh(H.astype(np.float64))))
    # the float64 estimate decides only gross violations; the margin is eigvalsh's error
    check_eta(eta, max(lam_max - V.psd_tolerance(lam_max, H.shape[0], V.EPS64), 0.0), flow)
    ks, scalar = check_steps(steps, flow)
    return H, y, unit, ks, scalar


def confirmed_mp(ctx, compute, guard, what):
    """Run ``compute(wctx)`` at ctx.dps + guard and + 2 guard digits; accept only if the two
    agree to ctx.dps digits (normwise per leading index when 2-D or more, else as a whole);
    return the second rounded to ctx.  Raises PrecisionError otherwise (STYLE rule 7)."""
    lo = compute(make_context(ctx.dps + guard))
    hi = compute(make_context(ctx.dps + 2 * guard))
    pairs = zip(lo, hi) if lo.ndim >= 2 else [(lo, hi)]
    agree = min(digits_of_agreement(a, b) for a, b in pairs)
    if agree < ctx.dps:
        raise PrecisionError(f"{what} at {ctx.dps + guard} digits agrees with the one at "
                             f"{ctx.dps + 2 * guard} digits to only {agree:.1f} digits, fewer than "
                             f"the {ctx.dps} requested; ask for fewer digits")
    out = np.empty(hi.shape, dtype=object)
    out.reshape(-1)[:] = [ctx.mpf(v) for v in hi.reshape(-1)]
    return out


def matvec_mp(ctx, A, w):
    """A w with one rounding per entry (ctx.fdot), w of shape (n,) or (n, classes)."""
    if w.ndim == 1:
        return np.array([ctx.fdot(row, w) for row in A], dtype=object)
    return np.array([[ctx.fdot(row, w[:, j]) for j in range(w.shape[1])] for row in A], dtype=object)


def scale_rows(coef, w):
    """diag(coef) w for w of shape (n,) or (n, classes)."""
    return coef[:, None] * w if w.ndim == 2 else coef * w
