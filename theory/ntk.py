r"""Infinite-width kernels of a two-layer ReLU network on unit-norm inputs.

With t = angle(x_i, x_j) (= arccos(x_i . x_j) on the unit sphere):

    H_inf[i, j] = x_i . x_j (pi - t) / (2 pi)                     (first layer trained)
    NTK2[i, j]  = H_inf[i, j] + (sin t + (pi - t) cos t) / (2 pi)  (both layers trained)

H_inf = E_w[x_i . x_j 1{w.x_i >= 0} 1{w.x_j >= 0}] and the second term is
E_w[relu(w.x_i) relu(w.x_j)], w ~ N(0, I); both are 1/2 on the diagonal, so NTK2 is not a
small correction of H_inf.  The forms here are these expectations for the points as given:
the second term carries ||x_i|| ||x_j|| (= 1 on the sphere) and t is the angle, so a row that
is unit-norm only to rounding still gets the exact expectation of its own kernel.

The angle is Kahan's t = 2 atan2(||a - b||, ||a + b||) of the normalised rows a, b, not
arccos(x_i . x_j): arccos has slope -1/sin t, so near t = 0 (the diagonal, near-duplicate
points) a rounding error u in the dot product (which can then exceed 1 and need clipping)
becomes an error sqrt(2u) ~ 2e-8 in t; the atan2 form is accurate to a few u for every angle
and needs no clipping (its arguments are norms, so t is in [0, pi] by construction).

``theory.kernels.ntk_relu_gram(X)`` is ``h_inf_gram(X) / K`` (the 1/K scaling of the
eps-constrained engine); it delegates here.

Source: Du, Zhai, Poczos & Singh 2019 (arXiv 1810.02054), H_inf [prior work]; Arora, Du, Hu,
Li & Wang 2019 (arXiv 1901.08584), the two-layer NTK [prior work]; Cho & Saul 2009, the
arc-cosine kernels [prior work]; used by Dong et al. 2019, docs/theory/dong2019.md §1.
Domain: rows of X (and Y) of unit Euclidean norm (to float64 rounding), any dimension.

>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
>>> np.round(h_inf_gram(X), 6).tolist(), np.round(ntk2_gram(X), 6).tolist()
([[0.5, 0.0], [0.0, 0.5]], [[1.0, 0.159155], [0.159155, 1.0]])
"""

import numbers

import numpy as np

from . import _validate as V
from .errors import InputError

__all__ = ["h_inf_gram", "ntk2_gram", "h_inf_gram_mc", "ntk2_gram_mc", "h_inf_gram_mp",
           "ntk2_gram_mp", "unit_norm_tolerance"]

#: Entries of the (rows x rows x dim) difference blocks formed at once by the float64 angle
#: (2^22 doubles = 32 MiB per block).
_BLOCK = 1 << 22
#: Monte Carlo samples drawn per chunk (bounds memory at points x chunk doubles).
_MC_CHUNK = 4096
#: Guard bits of the mp evaluation above the context's precision (the dot products, square
#: roots and atan2 each round once; 20 bits cover them with room to spare).
_MP_GUARD_BITS = 20


def unit_norm_tolerance(dim):
    """Largest | ||x|| - 1 | accepted as the rounding of a float64 normalisation ``x / ||x||``.

    Computing ||x|| costs at most (dim/2 + 1) u, dividing adds u per entry, and our check
    recomputes the norm ((dim/2 + 1) u again): (dim + 3) u in all; 4 (dim + 4) u allows other
    summation orders (pairwise, scaled norms) with a factor of 4.
    """
    return 4.0 * (dim + 4) * V.EPS64


def _unit_rows(X, name, *, allow_mp):
    X = V.as_real_array(X, name, allow_mp=allow_mp)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise InputError(f"{name} must be a non-empty 2-D array (points x dim), got shape {X.shape}")
    norms = np.sqrt(np.sum(X.astype(np.float64) ** 2, axis=1))
    dev = np.abs(norms - 1.0)
    tol = unit_norm_tolerance(X.shape[1])
    if np.any(dev > tol):
        i = int(np.argmax(dev))
        raise InputError(f"row {i} of {name} has norm {norms[i]!r}, not 1 (tolerance {tol:.3g}); "
                         f"these kernels are defined on the unit sphere: normalise the rows, "
                         f"{name} / np.linalg.norm({name}, axis=1, keepdims=True)")
    return X


def _pair(X, Y, *, allow_mp):
    X = _unit_rows(X, "X", allow_mp=allow_mp)
    Y = X if Y is None else _unit_rows(Y, "Y", allow_mp=allow_mp)
    if Y.shape[1] != X.shape[1]:
        raise InputError(f"X has dimension {X.shape[1]} but Y has {Y.shape[1]}; the points must "
                         f"live in the same space")
    return X, Y


def _angles_f64(X, Y):
    """t[i, j] = angle(x_i, y_j) by Kahan's atan2 form (module docstring)."""
    A = X / np.linalg.norm(X, axis=1, keepdims=True)
    B = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    t = np.empty((A.shape[0], B.shape[0]))
    rows = max(1, _BLOCK // max(1, B.shape[0] * B.shape[1]))
    for i in range(0, A.shape[0], rows):
        a = A[i:i + rows, None, :]
        d, s = a - B[None], a + B[None]
        t[i:i + rows] = 2.0 * np.arctan2(np.sqrt(np.einsum("ijk,ijk->ij", d, d)),
                                         np.sqrt(np.einsum("ijk,ijk->ij", s, s)))
    return t


def _terms_f64(X, Y):
    """(x.y (pi - t)/(2 pi), ||x|| ||y|| sin t/(2 pi), t); symmetric exactly when Y is X."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        G = X @ Y.T
        if Y is X:  # BLAS need not return an exactly symmetric X X^T
            G = 0.5 * (G + G.T)
        t = _angles_f64(X, Y)
        nn = np.outer(np.linalg.norm(X, axis=1), np.linalg.norm(Y, axis=1))
        return G * (np.pi - t) / (2 * np.pi), nn * np.sin(t) / (2 * np.pi)


def h_inf_gram(X, Y=None):
    """H_inf[i, j] = x_i . y_j (pi - t)/(2 pi), t = angle(x_i, y_j); Y defaults to X.

    Source: Du et al. 2019 (arXiv 1810.02054), eq. (4) [prior work].
    Domain: unit-norm rows (float64); returns float64 (len(X), len(Y)).

    >>> import numpy as np
    >>> float(h_inf_gram(np.array([[1.0, 0.0]]), np.array([[0.6, 0.8]]))[0, 0].round(6))
    0.21145
    """
    X, Y = _pair(X, Y, allow_mp=False)
    return _terms_f64(X, X if Y is X else Y)[0]


def ntk2_gram(X, Y=None):
    """NTK2[i, j] = H_inf[i, j] + (sin t + (pi - t) cos t)/(2 pi); Y defaults to X.

    Evaluated as x.y (pi - t)/pi + ||x|| ||y|| sin t/(2 pi) (x.y = ||x|| ||y|| cos t).
    Source: Arora et al. 2019 (arXiv 1901.08584) [prior work].
    Domain: unit-norm rows (float64); returns float64 (len(X), len(Y)).

    >>> import numpy as np
    >>> float(ntk2_gram(np.array([[0.6, 0.8]]))[0, 0])
    1.0
    """
    X, Y = _pair(X, Y, allow_mp=False)
    h, s = _terms_f64(X, X if Y is X else Y)
    return 2.0 * h + s


def _check_samples(n, seed):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 2:
        raise InputError(f"n = {n!r} must be an integer >= 2 (a standard error needs two samples)")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise InputError(f"seed = {seed!r} must be an integer (the Monte Carlo is seeded)")


def _mc(X, n, seed, second):
    """Monte Carlo mean and standard error of f_ij(w) over n draws w ~ N(0, I).

    f = x_i.x_j s_i s_j (+ r_i r_j when ``second``), s = 1{w.x >= 0}, r = relu(w.x).  Since
    s_i s_j r_i r_j = r_i r_j, E f^2 = G^2 E[s s] (+ 2 G E[r r] + E[r^2 r^2]).
    """
    _check_samples(n, seed)
    X = _unit_rows(X, "X", allow_mp=False)
    rng = np.random.default_rng(seed)
    G = X @ X.T
    G = 0.5 * (G + G.T)
    P = X.shape[0]
    N, R1, R2 = np.zeros((P, P)), np.zeros((P, P)), np.zeros((P, P))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for start in range(0, n, _MC_CHUNK):
            Z = X @ rng.standard_normal((X.shape[1], min(_MC_CHUNK, n - start)))
            S = (Z >= 0).astype(np.float64)
            N += S @ S.T
            if second:
                Rl = np.maximum(Z, 0.0)
                R1 += Rl @ Rl.T
                R2 += (Rl * Rl) @ (Rl * Rl).T
        S1 = G * N + R1
        S2 = G * G * N + 2 * G * R1 + R2
        mean = S1 / n
        var = np.maximum(S2 - S1 * mean, 0.0) / (n - 1)  # sample variance; >= 0 up to rounding
    return mean, np.sqrt(var / n)


def h_inf_gram_mc(X, n, seed):
    """Monte Carlo H_inf ~ (1/n) sum_s x_i.x_j 1{w_s.x_i >= 0} 1{w_s.x_j >= 0}, w_s ~ N(0, I).

    Returns ``(estimate, stderr)``, each (P, P): stderr is the per-entry sample standard
    deviation / sqrt(n), so a correct closed form lies within c*stderr (CLT) for most entries.
    Source: definition of H_inf (Du et al. 2019) [prior work].  Domain: unit-norm rows, n >= 2.

    >>> import numpy as np
    >>> est, se = h_inf_gram_mc(np.eye(2), 1000, seed=0)
    >>> bool(abs(est[0, 0] - 0.5) < 5 * se[0, 0]), float(est[0, 1])
    (True, 0.0)
    """
    return _mc(X, n, seed, second=False)


def ntk2_gram_mc(X, n, seed):
    """Monte Carlo NTK2 ~ H_inf estimate + (1/n) sum_s relu(w_s.x_i) relu(w_s.x_j).

    Returns ``(estimate, stderr)`` as :func:`h_inf_gram_mc` (one sample of w per term, so
    the standard error includes the correlation of the two terms).
    Source: Arora et al. 2019 [prior work].  Domain: unit-norm rows, n >= 2.

    >>> import numpy as np
    >>> est, se = ntk2_gram_mc(np.eye(2), 4000, seed=0)
    >>> bool(abs(est[0, 1] - 1 / (2 * np.pi)) < 5 * se[0, 1])
    True
    """
    return _mc(X, n, seed, second=True)


def _gram_mp(ctx, X, Y, combine):
    """combine(h, s) per entry at ctx's precision plus guard bits, rounded to ctx.prec, where
    h = x.y (pi - t)/(2 pi) and s = ||x|| ||y|| sin t/(2 pi); Y None means Y = X (symmetric)."""
    sym = Y is None
    out = np.empty((X.shape[0], (X if sym else Y).shape[0]), dtype=object)
    with ctx.workprec(ctx.prec + _MP_GUARD_BITS):
        Xm = [[ctx.mpf(v) for v in row] for row in X]
        Ym = Xm if sym else [[ctx.mpf(v) for v in row] for row in Y]
        nx = [ctx.sqrt(ctx.fdot(r, r)) for r in Xm]
        ny = nx if sym else [ctx.sqrt(ctx.fdot(r, r)) for r in Ym]
        Ax = [[v / n for v in r] for r, n in zip(Xm, nx)]
        Ay = Ax if sym else [[v / n for v in r] for r, n in zip(Ym, ny)]
        two_pi = 2 * ctx.pi
        vals = {}
        for i, (x, a) in enumerate(zip(Xm, Ax)):
            for j, (y, b) in enumerate(zip(Ym, Ay)):
                if sym and j < i:
                    continue
                d = [p - q for p, q in zip(a, b)]
                s = [p + q for p, q in zip(a, b)]
                t = 2 * ctx.atan2(ctx.sqrt(ctx.fdot(d, d)), ctx.sqrt(ctx.fdot(s, s)))
                vals[i, j] = combine(ctx.fdot(x, y) * (ctx.pi - t) / two_pi,
                                     nx[i] * ny[j] * ctx.sin(t) / two_pi)
    for (i, j), v in vals.items():
        out[i, j] = ctx.mpf(v)  # round to ctx.prec
        if sym:
            out[j, i] = out[i, j]
    return out


def h_inf_gram_mp(ctx, X, Y=None):
    """:func:`h_inf_gram` at the precision of ``ctx`` (object array of ``ctx.mpf``).

    float64 inputs are exact binary values; the result is the kernel of those values, with
    relative error a few units of ``ctx``'s precision per entry (guard bits inside).
    Source and Domain: as :func:`h_inf_gram` (rows may also be mpf).

    >>> from theory._mp import make_context
    >>> ctx = make_context(40)
    >>> ctx.nstr(h_inf_gram_mp(ctx, [[0.6, 0.8]], [[1.0, 0.0]])[0, 0], 30)
    '0.211449829409740023428804140189'
    """
    X, Y2 = _pair(X, Y, allow_mp=True)
    return _gram_mp(ctx, X, None if Y is None else Y2, lambda h, s: h)


def ntk2_gram_mp(ctx, X, Y=None):
    """:func:`ntk2_gram` at the precision of ``ctx`` (object array of ``ctx.mpf``).

    Source and Domain: as :func:`ntk2_gram` (rows may also be mpf).

    >>> from theory._mp import make_context
    >>> ctx = make_context(40)
    >>> ctx.nstr(ntk2_gram_mp(ctx, [[1.0, 0.0]], [[0.0, 1.0]])[0, 0], 30)
    '0.159154943091895335768883763373'
    """
    X, Y2 = _pair(X, Y, allow_mp=True)
    return _gram_mp(ctx, X, None if Y is None else Y2, lambda h, s: 2 * h + s)
