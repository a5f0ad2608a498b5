"""Input validation shared by the engines.  Every failure is an :class:`InputError`
naming the offending value and the remedy; nothing is computed before validation passes."""

import numbers

import numpy as np

from .errors import InputError, ResourceError

#: Highest precision the mp engine accepts (an eigendecomposition at 5000 digits of even a
#: 50 x 50 matrix already takes minutes).
MAX_DPS = 5000
MIN_DPS = 15
EPS64 = np.finfo(np.float64).eps


def _is_real_number(v):
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, numbers.Real):
        return True
    return type(v).__name__ == "mpf"


def as_real_array(a, name, *, allow_mp):
    """Return ``a`` as a float64 array, or (``allow_mp``) an object array of real scalars.

    Rejects complex, boolean, string and object junk, NaN and inf.
    """
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise InputError(f"{name} could not be read as an array ({exc}); pass a numeric array") from exc
    if arr.dtype.kind == "c":
        raise InputError(f"{name} is complex (dtype {arr.dtype}); the theory is for real data: "
                         f"pass the real part if the imaginary part is rounding noise")
    if arr.dtype.kind in "iuf":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind == "O" and allow_mp:
        flat = arr.reshape(-1)
        bad = [v for v in flat if not _is_real_number(v)]
        if bad:
            raise InputError(f"{name} contains a non-real entry {bad[0]!r} (type {type(bad[0]).__name__}); "
                             f"pass floats or mpmath mpf values")
    else:
        raise InputError(f"{name} has dtype {arr.dtype}, which is not a real number type; "
                         f"pass a float64 array" + (" or an object array of mpmath mpf" if allow_mp else ""))
    flat = arr.reshape(-1)
    if arr.dtype == np.float64:
        finite = np.isfinite(flat)
        if not finite.all():
            i = int(np.argmin(finite))
            raise InputError(f"{name} contains a non-finite value {flat[i]!r} at flat index {i}; "
                             f"remove or replace NaN/inf entries")
    else:
        for i, v in enumerate(flat):
            fv = float(v)
            if fv != fv or fv in (float("inf"), float("-inf")):
                raise InputError(f"{name} contains a non-finite value {v!r} at flat index {i}; "
                                 f"remove or replace NaN/inf entries")
    return arr


def check_gram(G):
    """Validate the Gram matrix's type, shape and finiteness; return it as an array."""
    G = as_real_array(G, "G", allow_mp=True)
    if G.ndim != 2 or G.shape[0] != G.shape[1]:
        raise InputError(f"G must be a square K x K matrix, got shape {G.shape}; "
                         f"pass the Gram matrix G[j,k] = g(x_j, x_k)/K")
    if G.shape[0] == 0:
        raise InputError("G is empty (K = 0); at least one training point is needed")
    return G


def symmetry_tolerance(G, unit):
    """Largest |G - G^T| entry accepted as rounding: ``2 K u max |G_ij|``.

    A Gram matrix formed as a product A A^T carries entrywise rounding error up to
    about K u |a_i||a_j| <= K u max_i G_ii (Higham, Accuracy and Stability, Thm 3.5);
    we allow twice that, measured against max |G_ij| (which is max_i G_ii for a PSD G).
    """
    K = G.shape[0]
    scale = float(np.max(np.abs(G.astype(np.float64, copy=False))))
    return 2.0 * K * unit * scale


def check_symmetric(G, unit):
    """Raise if G is not symmetric beyond rounding (see :func:`symmetry_tolerance`)."""
    K = G.shape[0]
    if K == 1:
        return
    if G.dtype == object:  # compare exactly: float64 rounding could hide an mp asymmetry
        asym = np.array([[abs(float(G[i, j] - G[j, i])) for j in range(K)] for i in range(K)])
    else:
        asym = np.abs(G - G.T)
    worst = float(asym.max())
    tol = symmetry_tolerance(G, unit)
    if worst > tol:
        i, j = np.unravel_index(int(np.argmax(asym)), asym.shape)
        raise InputError(f"G is not symmetric: |G[{i},{j}] - G[{j},{i}]| = {worst:.3g} exceeds the "
                         f"rounding tolerance {tol:.3g}; a Gram matrix of a symmetric kernel is "
                         f"symmetric, check how G was built (or pass (G + G.T)/2 deliberately)")


def psd_tolerance(d_max, K, unit):
    """Most negative eigenvalue accepted as rounding of a PSD matrix: ``10 K u ||G||_2``.

    A backward-stable symmetric eigensolver returns eigenvalues with absolute error about
    p(K) u ||G||_2 with p(K) modest (Golub & Van Loan, 8.1); 10 K covers it.
    """
    return 10.0 * K * unit * max(float(d_max), 0.0)


def check_psd(d_min, d_max, K, unit):
    tol = psd_tolerance(d_max, K, unit)
    if float(d_min) < -tol:
        raise InputError(f"G is indefinite: its smallest eigenvalue is {float(d_min):.6g}, below the "
                         f"rounding tolerance -{tol:.3g}; a Gram matrix of a positive kernel is positive "
                         f"semi-definite: check the kernel (is it positive definite?) and how G was built")


def check_targets(y, K):
    y = as_real_array(y, "y", allow_mp=True)
    if y.ndim not in (1, 2) or y.shape[0] != K:
        raise InputError(f"y has shape {y.shape} but G is {K} x {K}; y must have shape ({K},) or "
                         f"({K}, m) for m classes")
    if y.ndim == 2 and y.shape[1] == 0:
        raise InputError("y has zero columns; pass at least one target column")
    return y


def check_eps(eps):
    if not _is_real_number(eps):
        raise InputError(f"eps = {eps!r} is not a real number; pass the data-fit budget eps > 0")
    fe = float(eps)
    if fe != fe or fe in (float("inf"), float("-inf")):
        raise InputError(f"eps = {eps!r} is not finite; pass a finite data-fit budget eps > 0")
    if not eps > 0:
        raise InputError(f"eps = {eps!r} must be > 0: eps = 0 asks for interpolation, where the "
                         f"closed form has c = 0; pass a small positive eps instead")
    return eps


def check_dps(dps):
    if dps is None:
        return None
    if isinstance(dps, (bool, np.bool_)) or not isinstance(dps, numbers.Integral):
        raise InputError(f"dps = {dps!r} must be an integer number of digits (or None for float64)")
    if dps < MIN_DPS:
        raise InputError(f"dps = {dps} is below {MIN_DPS}: for float64 accuracy pass dps=None; "
                         f"the mp engine is for {MIN_DPS}..{MAX_DPS} digits")
    if dps > MAX_DPS:
        raise ResourceError(f"dps = {dps} exceeds the supported maximum {MAX_DPS} digits; "
                            f"ask for fewer digits")
    return int(dps)


def check_max_rounds(max_rounds, default):
    if max_rounds is None:
        return default
    if isinstance(max_rounds, (bool, np.bool_)) or not isinstance(max_rounds, numbers.Integral) \
            or max_rounds < 1:
        raise InputError(f"max_rounds = {max_rounds!r} must be a positive integer (or None for "
                         f"the default {default})")
    return int(max_rounds)
