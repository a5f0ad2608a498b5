r"""High-precision symmetric eigendecomposition ``G = Q diag(d) Q^T`` by iterative refinement.

Algorithm (RefSyEv of Ogita & Aishima 2018, with the cluster treatment of their 2019 sequel).
Start from float64 ``numpy.linalg.eigh`` of ``Ã = G / 2^a`` (``max|Ã_ij| = 1``), then repeat
for the approximate eigenvector matrix ``X``:

.. math::

    R = I - X^T X,\qquad S = X^T Ã X,\qquad \tilde\lambda_i = \frac{s_{ii}}{1 - r_{ii}},

    E_{ij} = \frac{s_{ij} + \tilde\lambda_j r_{ij}}{\tilde\lambda_j - \tilde\lambda_i}
    \ \text{(i, j in different clusters)},\qquad
    E_{ij} = r_{ij}/2 \ \text{(same cluster, and } i = j),\qquad X \leftarrow X + X E.

Clusters join neighbouring Ritz values with ``|λ̃_j - λ̃_i| <= δ_ij``,
``δ_ij = 2 (‖S - D̃‖ + max(|λ̃_i|, |λ̃_j|) ‖R‖)`` (the paper's ``δ`` has ``‖A‖`` where this has
the pair's own magnitude, see :func:`_corrections`), gaps below the rounding floor, and pairs
whose correction ``|E_ij| > 2^-26`` (the linearisation would leave ``|E_ij|^2``).  Within a
cluster RefSyEv only refines the invariant subspace, so a cluster ``J`` with internal coupling
is then rotated by the eigenvectors of its shifted Ritz block ``T = S_JJ - μ (I - R_JJ)``
(float64 ``eigh`` of ``T/‖T‖``, made orthonormal to working precision by Newton-Schulz
``V ← V + V (I - V^T V)/2``).  A rotation resolves a cluster to float64 accuracy relative to
its own width; nested clusters resolve on later steps; an exactly repeated eigenvalue ends
with some orthonormal basis of its eigenspace (any is valid).  Well separated spectra converge
quadratically; a graded spectrum (kernel Gram matrices) gains ~27 bits per step while its
tail is being resolved, then converges quadratically.

Arithmetic.  Every matrix is a fixed-point integer matrix ``M · 2^q`` held as balanced
base-``2^b`` digits (int64 arrays, ``b = 23`` for K <= 256).  Products multiply the digit
matrices with float64 BLAS, where each product is an integer below ``K 2^(2b-2) < 2^53`` and
hence exact, then sum in int64, carry, and round half-up to scale ``2^q`` (Ozaki-style
splitting; digit pairs below ``2^-3b`` of the result are skipped, < 1 unit).  ``q`` grows with
the accuracy (the correct bits double per step) up to ``p = prec + 8 + guard``; while ``q`` is
constant ``Y = Ã X`` is updated as ``Y + Y E`` instead of recomputed.  ``engine="flint"``
does every product exactly in python-flint's ``fmpz_mat`` instead (measured slower, K <= 200,
up to 200 digits: it is the independent cross-check).

Acceptance is measured, never predicted: the last step only evaluates ``R`` and ``S`` of the
returned ``X``, and needs ``‖R‖_2 <= 2^-(prec+8)`` and ``‖S - D̃‖_2 <= 2^-(prec+8) ‖Ã‖_2``
(2-norms bounded by ``sqrt(‖·‖_1 ‖·‖_inf)``).  If the potential ``bits(S) + bits(R)`` fails
to gain 4 bits twice in a row, or 40 steps pass, refinement is declared stalled and
``mpmath.eigsy`` (at ``prec`` plus the same guard bits) takes over; ``method`` says so.

Errors are normwise: ``‖G Q - Q diag(d)‖`` and ``‖Q^T Q - I‖ ‖G‖`` are of order
``2^-prec ‖G‖``; eigenvalues far below ``2^-prec ‖G‖`` carry no relative accuracy (as with
any backward-stable solver, ``mpmath.eigsy`` included).

Source: T. Ogita, K. Aishima, "Iterative refinement for symmetric eigenvalue decomposition",
Japan J. Indust. Appl. Math. 35 (2018) 1007-1035 [prior work]; T. Ogita, K. Aishima,
"Iterative refinement for symmetric eigenvalue decomposition II: clustered eigenvalues",
JJIAM 36 (2019) 435-459 [prior work]; error-free splitting of products: K. Ozaki, T. Ogita,
S. Oishi, S. M. Rump, Numer. Algorithms 59 (2012) 95-118 [prior work].

Domain: real symmetric ``G`` (K x K array of mpf, floats, ints or rationals, K >= 1, finite
entries; an asymmetry within rounding of the input, ``2 K u max|G_ij|`` with ``u`` from the
input's type (``theory._validate.check_symmetric``, the rule every engine uses), is averaged
away, anything larger is an ``InputError``).

>>> import numpy as np
>>> from theory._mp import make_context, to_mp_array
>>> ctx = make_context(30)
>>> r = eigh_mp(ctx, to_mp_array(ctx, [[2, 1], [1, 2]]))
>>> [ctx.nstr(v, 10) for v in r.values]
['1.0', '3.0']
>>> r.method
'numpy-refine'
"""

import math
from typing import NamedTuple

import numpy as np
from mpmath.libmp import from_man_exp

from . import _validate as V
from ._mp import make_context, to_mp
from .errors import InputError

try:  # python-flint is optional (extra "fast"): engine="flint" multiplies with fmpz_mat.
    import flint as _flint
except ImportError:  # pragma: no cover - exercised by monkeypatching ``_flint = None``
    _flint = None

try:  # optional: pins BLAS to one thread for the duration of a call (restored on exit)
    from threadpoolctl import threadpool_limits as _threadpool_limits
except ImportError:  # pragma: no cover
    _threadpool_limits = None

__all__ = ["MpEigh", "eigh_mp", "blas_threads"]

#: Bits beyond the output precision that the verification step must reach.
_TARGET_EXTRA_BITS = 8
#: Refinement steps allowed before declaring a stall (each convergent step at least doubles
#: the correct bits and a nested cluster costs one step per level; 40 is far above either).
_MAX_STEPS = 40
#: A step that gains fewer bits than this is weak; two weak steps in a row are a stall.
_MIN_GAIN_BITS = 4
#: A pair whose first-order correction exceeds 2^this is too mixed for the linearised formula:
#: its second-order error (~|E_ij|^2, here 2^-52) would swamp the step, so it is rotated
#: within a cluster instead (the float64 rotation then resolves it to ~2^-53).
_LG_MAX_CORRECTION = -26
#: Digit count limit of the BLAS products: int64 sums of up to 2^9 exact float64 products
#: (each < 2^53) stay below 2^62, which the carry pass needs.
_MAX_DIGITS = 1 << 9
#: BLAS threads during a call (``None``: leave the pool alone).  The digit GEMMs are
#: 200 x 200 x 2000-sized; on a shared 2-core machine two OpenBLAS threads made them ~3x
#: slower than one (spinning against other processes), and gained < 2x when idle.
_BLAS_THREADS = 1


class MpEigh(NamedTuple):
    """Eigenvalues (ascending, object array of mpf), eigenvectors (columns), and the method used."""

    values: np.ndarray
    vectors: np.ndarray
    method: str


def eigh_mp(ctx, G, *, engine="auto"):
    r"""Eigendecomposition ``G = Q diag(d) Q^T`` of a symmetric matrix at the precision of ``ctx``.

    Fixed-point iterative refinement of float64 ``eigh`` (module docstring).  ``engine``:
    ``"auto"`` / ``"numpy"`` (digit products on float64 BLAS; needs nothing beyond numpy;
    above ~2300 digits ``"auto"`` hands the products to python-flint), ``"flint"`` (every
    product exactly in python-flint ``fmpz_mat``: slower, an independent cross-check), or
    ``"eigsy"`` (``mpmath.eigsy`` only: the slow reference).

    Returns ``MpEigh(values, vectors, method)``: ``values`` ascending ``ctx.mpf``; ``vectors``
    columns orthonormal to working precision; ``method`` is ``"numpy-refine"``,
    ``"flint-refine"``, ``"mpmath.eigsy"``, ``"exact"`` (zero matrix), or
    ``"mpmath.eigsy (fallback: ...)"`` saying why refinement was abandoned.

    Source: Ogita & Aishima (2018), JJIAM 35, Algorithm 1 [prior work].
    Domain: real symmetric K x K, K >= 1, finite entries.

    >>> from theory._mp import make_context, to_mp_array
    >>> ctx = make_context(40)
    >>> r = eigh_mp(ctx, to_mp_array(ctx, [[1, 1], [1, 1]]))
    >>> ctx.nstr(r.values[1], 40), abs(r.values[0]) < ctx.mpf(10) ** -39
    ('2.0', True)
    """
    if engine not in ("auto", "flint", "numpy", "eigsy"):
        raise InputError(f"engine={engine!r} is not one of 'auto', 'flint', 'numpy', 'eigsy'")
    if engine == "flint" and _flint is None:
        raise InputError("engine='flint' needs python-flint; install the 'fast' extra "
                         "or use engine='auto'")
    K = _check_shape(G)
    guard = _guard_bits(K)
    b = _digit_bits(K)
    p = -(-(ctx.prec + _TARGET_EXTRA_BITS + guard) // b) * b
    A, a = _fixed_input(ctx, G, p)
    # the input's own rounding decides what counts as symmetric, not ctx's precision
    V.check_symmetric(V.as_real_array(G, "G", allow_mp=True), V.rounding_unit(G))
    if a is None:  # G == 0 exactly: every vector is an eigenvector
        return MpEigh(np.array([ctx.zero] * K, dtype=object), _identity_mp(ctx, K), "exact")
    if engine == "eigsy":
        return _eigsy(ctx, G, guard, "mpmath.eigsy")
    # The BLAS products need fewer than _MAX_DIGITS digits at the highest working precision
    # (p + target/2, see _refine): ~2300 decimal digits at K = 200.  Beyond, FLINT multiplies.
    too_wide = (p + ctx.prec // 2 + 4) // b + 2 >= _MAX_DIGITS
    use_flint = engine == "flint" or (too_wide and _flint is not None)
    if too_wide and not use_flint:
        raise InputError(f"{ctx.dps} digits exceed the float64-BLAS product engine at K = {K} "
                         "(about 2300 digits); install python-flint or pass engine='eigsy'")
    dg = _Digits(b, use_flint=use_flint)
    name = "flint-refine" if use_flint else "numpy-refine"
    try:
        with blas_threads(_BLAS_THREADS):
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                w0, V0 = np.linalg.eigh(_ints_to_f64(A, p))
            X, lam, q = _refine(A, p, w0, V0, ctx.prec + _TARGET_EXTRA_BITS, dg)
    except _Stalled as exc:
        return _eigsy(ctx, G, guard, f"mpmath.eigsy (fallback: {name} {exc})")
    order = sorted(range(K), key=lam.__getitem__)
    prec = ctx.prec
    mk = ctx.make_mpf
    values = np.array([mk(from_man_exp(lam[i], a - q, prec, "n")) for i in order], dtype=object)
    Xp = X[:, order]
    vectors = np.array([mk(from_man_exp(v, -q, prec, "n")) for v in Xp.reshape(-1).tolist()],
                       dtype=object).reshape(K, K)
    return MpEigh(values, vectors, name)


# ----------------------------------------------------------------------------------------------
# Input, output and the reference solver


def _check_shape(G):
    """Return K for a K x K array-like, K >= 1; otherwise raise ``InputError``."""
    shape = np.shape(G)
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1:
        raise InputError(f"G must be a non-empty square matrix, got shape {shape}; "
                         "pass a K x K object ndarray of mpf")
    return shape[0]


def _guard_bits(K):
    """Guard bits above the target.  Each fixed-point product is within 2 units of exact
    (:meth:`_Digits.mul`), so an entry of ``S = X^T (Ã X)`` is off by ``<= 2 (sqrt(K) + 1)``
    units (``‖x_i‖ = 1``) and the norm bound ``sqrt(‖·‖_1 ‖·‖_inf)`` by ``<= 4 K^{3/2}``:
    ``1.5 log2 K + 2`` bits, plus 6 so the noise stays below 2^-6 of the threshold."""
    return math.ceil(1.5 * math.log2(K)) + 8 if K > 1 else 8


def _fixed_input(ctx, G, p):
    """``(A, a)``: ``A = round(G · 2^(p-a))`` (object ndarray of int), ``|G_ij| < 2^a``.

    Entries are converted exactly (ints, floats of any width, rationals, mpf of any context;
    :func:`theory._mp.to_mp` at ``p`` + 8 bits); non-finite entries raise ``InputError``.
    ``A`` is symmetrised (the caller checks the asymmetry against the input's rounding).
    ``a`` is ``None`` when ``G`` is exactly zero.
    """
    K = np.shape(G)[0]
    if isinstance(G, np.ndarray) and G.dtype == np.float64:
        fast = _fixed_input_f64(ctx, G, p)
        if fast is not None:
            return fast
    Gl = np.asarray(G, dtype=object).reshape(-1)
    mpf_type = type(ctx.one)
    wide = make_context(1)
    wide.prec = max(p, ctx.prec) + 8
    raws = []
    for k, v in enumerate(Gl):
        x = v if type(v) is mpf_type else to_mp(wide, v)
        sign, man, exp, bc = x._mpf_
        if not man and exp:  # mpmath encodes inf and nan as a zero mantissa, nonzero exponent
            raise InputError(f"G[{k // K}, {k % K}] = {x} is not finite; eigh_mp needs a "
                             "finite symmetric matrix")
        raws.append((-int(man) if sign else int(man), exp, bc))
    tops = [exp + bc for man, exp, bc in raws if man]
    if not tops:
        return None, None
    top = max(tops)
    A = np.array([_shift_round(man, exp + p - top) for man, exp, _ in raws],
                 dtype=object).reshape(K, K)
    return (A + A.T) >> 1, top


def _fixed_input_f64(ctx, G, p):
    """:func:`_fixed_input` for a finite float64 array, without going through mpf.

    A double is mant * 2^(e - 53) exactly (``np.frexp``; mant a 53-bit integer), so
    ``round(G * 2^(p - top))`` is ``mant`` shifted by ``e - 53 + p - top``.  Returns ``None``
    (use the general path, which also names the offending entry) for non-finite input,
    ``(None, None)`` for G = 0.
    """
    if not np.isfinite(G).all():
        return None
    frac, expo = np.frexp(G)
    mant = (frac * 2.0 ** 53).astype(np.int64)  # exact: |frac| < 1 has 53 significant bits
    nz = mant != 0
    if not nz.any():
        return None, None
    top = int(expo[nz].max())
    shifts = (expo.astype(np.int64) - 53 + p - top).reshape(-1)
    A = np.array([_shift_round(int(m), int(sh)) for m, sh in zip(mant.reshape(-1), shifts)],
                 dtype=object).reshape(G.shape)
    return (A + A.T) >> 1, top


class blas_threads:
    """Context manager limiting BLAS to ``n`` threads (no-op for ``None`` or without
    threadpoolctl); the previous limits are restored on exit, also on error."""

    def __init__(self, n):
        self._cm = (_threadpool_limits(limits=n, user_api="blas")
                    if n is not None and _threadpool_limits is not None else None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._cm is not None:
            self._cm.__exit__(*exc)
        return False


def _shift_round(m, s):
    """``round(m · 2^s)`` for integers ``m``, ``s`` (ties upward)."""
    if s >= 0:
        return m << s
    return (m + (1 << (-s - 1))) >> (-s)


def _identity_mp(ctx, K):
    Q = np.empty((K, K), dtype=object)
    for i in range(K):
        for j in range(K):
            Q[i, j] = ctx.one if i == j else ctx.zero
    return Q


def _eigsy(ctx, G, guard, method):
    """Reference path: ``mpmath.eigsy`` (Householder tridiagonalisation + implicit QL) at
    ``prec + guard`` bits, rounded to ``ctx``; columns ordered by ascending eigenvalue.
    The rounding-level asymmetry the caller accepted is averaged, as in the refinement."""
    K = np.shape(G)[0]
    Gl = np.asarray(G, dtype=object)
    with ctx.workprec(ctx.prec + guard):
        Gm = [[to_mp(ctx, Gl[i, j]) for j in range(K)] for i in range(K)]
        Am = ctx.matrix([[(Gm[i][j] + Gm[j][i]) / 2 for j in range(K)] for i in range(K)])
        E, Q = ctx.eigsy(Am)
    order = sorted(range(K), key=lambda i: E[i])
    values = np.array([+E[i] for i in order], dtype=object)  # unary + rounds to ctx.prec
    vectors = np.empty((K, K), dtype=object)
    for jj, j in enumerate(order):
        for i in range(K):
            vectors[i, jj] = +Q[i, j]
    return MpEigh(values, vectors, method)


# ----------------------------------------------------------------------------------------------
# Integer matrices (object ndarrays of int, value M · 2^-q) and their float64 shadows


def _ints_to_f64(M, q):
    """float64 of ``M · 2^-q`` (values below the float range flush to zero)."""
    mx = int(np.max(np.abs(M))).bit_length() if M.size else 0
    sh = max(0, mx - 62)
    return np.ldexp((M >> sh).astype(np.float64), sh - q)


def _lg_norm(M, q):
    """``log2`` of ``sqrt(‖M‖_1 ‖M‖_inf) >= ‖M‖_2`` for ``M · 2^-q``; ``-inf`` for zero.

    Kept in log2 so that residuals of 1000-digit runs do not underflow float64.
    """
    mx = int(np.max(np.abs(M))).bit_length() if M.size else 0
    if mx == 0:
        return -math.inf
    sh = max(0, mx - 62)
    F = np.abs((M >> sh).astype(np.float64))
    n1, ninf = F.sum(axis=0).max(), F.sum(axis=1).max()
    return 0.5 * (math.log2(n1) + math.log2(ninf)) + sh - q


def _lg_add(x, y):
    """``log2(2^x + 2^y)``."""
    hi, lo = max(x, y), min(x, y)
    if hi == -math.inf:
        return hi
    return hi + math.log2(1.0 + 2.0 ** (lo - hi))


def _lg_int(v):
    """``log2|v|`` for an int of any size (``-inf`` for 0)."""
    return math.log2(abs(v)) if v else -math.inf


def _pow2_int(x):
    """``ceil(2^x)`` as an int, for real ``x`` of any size (0 for ``-inf``)."""
    if x == -math.inf:
        return 0
    ip = math.floor(x)
    f = 2.0 ** (x - ip)  # in [1, 2)
    if ip >= 52:
        return math.ceil(math.ldexp(f, 52)) << (ip - 52)
    return max(1, math.ceil(math.ldexp(f, ip)))


# ----------------------------------------------------------------------------------------------
# Digit matrices: int64 arrays D of shape (L, n, m), value Σ_s D[s] 2^(b s)


def _digit_bits(K):
    """Digit width ``b`` for inner dimension ``<= K``: balanced digits are ``<= 2^(b-1)``, so
    one float64 matmul entry is ``<= K 2^(2b-2) < 2^53`` and exact; partial results are then
    summed in int64.  ``b = 23`` for K <= 256, 22 up to 1024."""
    return min(24, (55 - math.ceil(math.log2(max(K, 2)))) // 2)


class _Digits:
    """Fixed-point integer matrices as balanced base-``2^b`` digits, with products
    ``A B / 2^(b k)`` rounded half-up: float64 BLAS on the digits (faithful, see :meth:`mul`)
    or, with ``use_flint``, exact FLINT ``fmpz_mat`` products (integer arithmetic: no
    ``flint.ctx`` state is read or changed)."""

    def __init__(self, b, use_flint=False):
        self.b = b
        self.half = 1 << (b - 1)
        self.mask = (1 << b) - 1
        self.use_flint = use_flint

    def ceil(self, bits):
        """Round a bit count up to whole digits (shifts then drop whole digits)."""
        return -(-int(bits) // self.b) * self.b

    # -- representation ------------------------------------------------------------------------

    def normalize(self, D):
        """Balanced form: digits in ``[-2^(b-1), 2^(b-1))`` (the top one carries the sign),
        high zero digits trimmed.  Input digits may be any int64 below ``2^62``."""
        b, half, mask = self.b, self.half, self.mask
        out = []
        carry = np.zeros(D.shape[1:], dtype=np.int64)
        for s in range(D.shape[0]):
            v = D[s] + carry
            d = ((v + half) & mask) - half
            out.append(d)
            carry = (v - d) >> b
        while carry.any():
            d = ((carry + half) & mask) - half
            out.append(d)
            carry = (carry - d) >> b
        while len(out) > 1 and not out[-1].any():
            out.pop()
        return np.stack(out)

    def round_shift(self, D, k):
        """Digits of ``round_half_up(value / 2^(b k))``; ``k < 0`` multiplies exactly."""
        zeros = np.zeros
        if k <= 0:
            if k < 0:
                D = np.concatenate([zeros((-k,) + D.shape[1:], dtype=np.int64), D])
            return self.normalize(D)
        if D.shape[0] <= k:
            D = np.concatenate([D, zeros((k + 1 - D.shape[0],) + D.shape[1:], dtype=np.int64)])
        carry = zeros(D.shape[1:], dtype=np.int64)
        for s in range(k):
            v = D[s] + carry + (self.half if s == k - 1 else 0)
            carry = v >> self.b  # floor: exact floor of the dropped low part
        hi = D[k:].copy()
        hi[0] += carry
        return self.normalize(hi)

    def from_ints(self, M):
        """Digits of an object ndarray of int (sign-magnitude bytes cut into b-bit fields)."""
        b = self.b
        shape = M.shape
        flat = M.reshape(-1).tolist()
        n = len(flat)
        mags = [abs(v) for v in flat]
        nbits = max((v.bit_length() for v in mags), default=0)
        L = max(1, -(-nbits // b))
        W = -(-(b * L) // 64) + 1  # one spare word: a field may straddle the last boundary
        buf = b"".join(v.to_bytes(8 * W, "little") for v in mags)
        words = np.frombuffer(buf, dtype="<u8").reshape(n, W)
        D = np.empty((L, n), dtype=np.int64)
        m64 = np.uint64(self.mask)
        for s in range(L):
            w, o = divmod(b * s, 64)
            d = words[:, w] >> np.uint64(o)
            if o + b > 64:
                d = d | (words[:, w + 1] << np.uint64(64 - o))
            D[s] = (d & m64).astype(np.int64)
        sign = np.array([(v > 0) - (v < 0) for v in flat], dtype=np.int64)
        return self.normalize((D * sign).reshape((L,) + shape))

    def to_ints(self, D):
        """Object ndarray of int from digits (two's-complement words, ``int.from_bytes``)."""
        b = self.b
        L = D.shape[0]
        shape = D.shape[1:]
        n = int(np.prod(shape))
        Df = D.reshape(L, n)
        W = -(-(b * L) // 64)
        words = np.zeros((n, W), dtype=np.uint64)
        carry = np.zeros(n, dtype=np.int64)
        for s in range(L):
            v = Df[s] + carry
            u = (v & self.mask).astype(np.uint64)
            carry = v >> b
            w, o = divmod(b * s, 64)
            words[:, w] |= u << np.uint64(o)
            if o + b > 64:
                words[:, w + 1] |= u >> np.uint64(64 - o)
        buf = words.tobytes()
        nb = 8 * W
        fb = int.from_bytes
        out = [fb(buf[nb * i:nb * (i + 1)], "little") for i in range(n)]
        if carry.any():
            top = b * L
            out = [v + (c << top) for v, c in zip(out, carry.tolist())]
        res = np.empty(n, dtype=object)
        res[:] = out
        return res.reshape(shape)

    def from_f64(self, V, k):
        """Digits of ``V · 2^(b k)`` (to the nearest unit) for float64 ``|V| <= 1``: peel
        ``d = rint(2^b r)``, ``r ← 2^b r - d`` from the top digit down; every step is exact
        in float64 (``|2^b r| <= 2^(b-1)``, and ``2^b r - d`` is exact by Sterbenz)."""
        r = np.asarray(V, dtype=np.float64)
        digits = [np.rint(r)]
        r = r - digits[0]
        scale = float(1 << self.b)
        for _ in range(k):
            t = r * scale
            d = np.rint(t)
            digits.append(d)
            r = t - d
        return self.normalize(np.stack(digits[::-1]).astype(np.int64))

    def identity(self, K, k):
        """Digits of ``I · 2^(b k)``."""
        D = np.zeros((k + 1, K, K), dtype=np.int64)
        D[k] = np.eye(K, dtype=np.int64)
        return D

    # -- arithmetic ----------------------------------------------------------------------------

    def add(self, A, B):
        L = max(A.shape[0], B.shape[0])
        return self.normalize(_pad(A, L) + _pad(B, L))

    def sub(self, A, B):
        L = max(A.shape[0], B.shape[0])
        return self.normalize(_pad(A, L) - _pad(B, L))

    def set_cols(self, D, J, sub):
        """Copy of ``D`` with columns ``J`` replaced by ``sub``."""
        L = max(D.shape[0], sub.shape[0])
        out = _pad(D, L).copy()
        out[:, :, J] = _pad(sub, L)
        return self.normalize(out)

    def mul(self, A, B, k):
        """``A B / 2^(b k)`` rounded half-up, faithful to within 2 units: digit pairs with
        ``s + t <= k - 3`` are skipped -- together they are below
        ``L r 2^(2b-2) 2^(-3b) / (1 - 2^-b) < 1`` unit since ``L r < 2^(b+2)``.  (FLINT
        products are exact; the two agree to within 2 units of ``2^-(b k)``.)"""
        if self.use_flint:
            return self._mul_flint(A, B, k)
        La, n, r = A.shape
        Lb, _, m = B.shape
        Af = A.astype(np.float64)
        Bcat = np.concatenate(list(B.astype(np.float64)), axis=1)  # r x (Lb m)
        C = np.zeros((La + Lb - 1, n, m), dtype=np.int64)
        for s in range(La):
            t0 = max(0, k - 2 - s)
            if t0 >= Lb or not Af[s].any():
                continue
            P = (Af[s] @ Bcat[:, t0 * m:]).astype(np.int64)  # exact: every |entry| < 2^53
            C[s + t0:s + Lb] += P.reshape(n, Lb - t0, m).transpose(1, 0, 2)
        return self.round_shift(C, k)

    def gram(self, X, k):
        """``X^T X / 2^(b k)`` as :meth:`mul`; the digit products ``(s, t)`` and ``(t, s)``
        are transposes of each other, so only ``s <= t`` is multiplied."""
        if self.use_flint:
            return self._mul_flint(_transpose(X), X, k)
        L, r, m = X.shape
        Xf = X.astype(np.float64)
        C = np.zeros((2 * L - 1, m, m), dtype=np.int64)
        for s in range(L):
            t0 = max(s, k - 2 - s)
            if t0 >= L or not Xf[s].any():
                continue
            rest = np.concatenate(list(Xf[t0:]), axis=1)  # r x ((L - t0) m)
            P = (Xf[s].T @ rest).astype(np.int64).reshape(m, L - t0, m)
            for j, t in enumerate(range(t0, L)):
                blk = P[:, j, :]
                C[s + t] += blk if t == s else blk + blk.T
        return self.round_shift(C, k)

    def _mul_flint(self, A, B, k):
        a, bb = self.to_ints(A), self.to_ints(B)
        Fa = _flint.fmpz_mat(a.shape[0], a.shape[1], a.reshape(-1).tolist())
        Fb = _flint.fmpz_mat(bb.shape[0], bb.shape[1], bb.reshape(-1).tolist())
        sh = self.b * k
        half = (1 << (sh - 1)) if sh else 0
        vals = [(int(v) + half) >> sh for v in (Fa * Fb).entries()]
        out = np.empty(len(vals), dtype=object)
        out[:] = vals
        return self.from_ints(out.reshape(a.shape[0], bb.shape[1]))


def _pad(D, L):
    """Digits ``D`` extended with zero high digits to length ``L``."""
    if D.shape[0] >= L:
        return D
    return np.concatenate([D, np.zeros((L - D.shape[0],) + D.shape[1:], dtype=np.int64)])


def _transpose(D):
    return np.ascontiguousarray(D.transpose(0, 2, 1))


# ----------------------------------------------------------------------------------------------
# The refinement


class _Stalled(ArithmeticError):
    """Internal: refinement did not converge (the message names the bits reached)."""


def _refine(A, p, w0, V0, target, dg):
    """Refine float64 eigenvectors ``V0`` of ``Ã = A · 2^-p`` until the residual is below
    ``2^-target``; return ``(X, lam, q)``: X an object ndarray of int and ``lam`` a list of
    int, both at scale ``2^q`` (``lam`` are eigenvalues of ``Ã``).  ``p`` is a multiple of
    the digit width ``dg.b``."""
    K = A.shape[0]
    bK = K.bit_length()
    b = dg.b
    # ‖Ã‖_2 >= max|Ã_ij| >= 1/2 by the choice of the scaling 2^a.
    lg_nA = math.log2(max(abs(w0[0]), abs(w0[-1]), 0.5))
    lg_tol = lg_nA - target - 4
    Ap = dg.from_ints(A)
    # Precision cap: p, raised once to p + target/2 if a cluster at the rounding floor needs
    # more than float64 can resolve (see lg_floor below).
    cap, p_max = p, dg.ceil(p + target / 2)
    # float64 eigh: residual ~ K eps64, so the first step needs about twice 53 bits.
    q = min(p, dg.ceil(2 * (53 - bK) + 2 * bK + 16))
    X = dg.from_f64(V0, q // b)
    Y, best, idle, acc = None, -math.inf, 0, -math.inf
    iu = np.triu_indices(K)
    for step in range(_MAX_STEPS):
        k = q // b
        if Y is None:
            Y = dg.mul(dg.round_shift(Ap, (p - q) // b), X, k)
        R = dg.sub(dg.identity(K, k), dg.gram(X, k))
        S = dg.mul(_transpose(X), Y, k)
        # Both are symmetric (S up to the rounding of Ã X): convert the upper triangles only.
        Ri, Si = (_symmetric_from_upper(dg.to_ints(M[:, iu[0], iu[1]]), iu, K) for M in (R, S))
        one = 1 << q
        lam = [(int(Si[i, i]) << q) // (one - int(Ri[i, i])) for i in range(K)]
        SD = Si.copy()
        SD[np.diag_indices(K)] -= np.array(lam, dtype=object)
        lg_nS, lg_nR = _lg_norm(SD, q), _lg_norm(Ri, q)
        # A measurement at q bits certifies at most q - (p - target) bits: the guard covers
        # the rounding noise, so acceptance needs q >= p whatever the (possibly zero) norms.
        acc_S, acc_R = (min(v, q - (p - target)) for v in (lg_nA - lg_nS, -lg_nR))
        acc = min(acc_S, acc_R)
        if acc >= target:
            return dg.to_ints(X), lam, q
        # Progress = a new best (by _MIN_GAIN_BITS) of the potential acc_S + acc_R, each
        # capped at the target: on graded spectra the residual falls while ‖R‖ waits at
        # ~E^2 of the newly resolved pairs, and the other way round near the end.
        potential = min(acc_S, target + 8, q) + min(acc_R, target + 8, q)
        if potential >= best + _MIN_GAIN_BITS:
            idle, best = 0, potential
        else:
            idle += 1
            if idle >= 2:
                raise _Stalled(f"stalled at 2^-{acc:.0f} of 2^-{target} after {step + 1} steps")
        # Rounding noise of S and R is ~K^{3/2} units of 2^-q; for a gap below
        # noise · 2^(goal/2) the correction is noise-driven and its square alone would keep
        # ‖R‖ above 2^-goal, goal = the bits this step can reach; such pairs are clustered
        # ("floor" clusters).
        a = min(acc, q)
        lg_floor = 1.5 * math.log2(K) - q + min(target, 2 * a) / 2
        E, clusters = _corrections(Si, Ri, lam, q, lg_nS, lg_nR, lg_floor, lg_tol)
        # Next precision: eigenvector errors ε obey ε' ~ 2^g ε^2 with g = log2(‖Ã‖/gap), read
        # off as the ratio of the correction to the residual; the next E (~ε') must be resolved
        # to ε'^2 after the rounding noise (K^{3/2} units) is amplified by 2^g.
        # (Exact zeros give infinite bit counts; measurements never exceed q bits.)
        a_best = min(max(acc_S, acc_R), q, target)
        lg_E = max(_lg_norm(E, q), -q)
        g = max(0.0, lg_E + a)
        lg_eps = min(2 * lg_E + g, -a / 2)
        Ed = dg.from_ints(E)
        rotations = []
        for J, T, floor_linked in clusters:
            # float64 eigh of T/‖T‖ resolves the block to ~m 2^-53 ‖T‖; rotate only if that
            # beats the coupling left in the block by a margin -- otherwise the rotation
            # would re-randomise vectors that are already better than float64 (and the next
            # formula step would undo it: an endless cycle).
            m = len(J)
            lg_T, lg_off = _lg_norm(T, q), _lg_offdiag(T, q)
            lg_f64 = lg_T - (53 - m.bit_length() - 4)
            if lg_off > max(lg_tol, lg_f64 + 8):
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    _, V = np.linalg.eigh(_ints_to_f64(T, q + math.ceil(lg_T)))  # ‖·‖ ~ 1
                rotations.append((J, V))
            # A block held together by the rounding floor that float64 cannot resolve to the
            # tolerance: more working bits lower the floor and split it into resolvable pairs.
            if floor_linked and lg_off > lg_tol and lg_f64 > lg_tol and q == cap:
                cap = p_max
        q_next = min(cap, max(q, dg.ceil(-2 * lg_eps + g + 2 * bK + 16),
                              dg.ceil(2 * a_best + 2 * bK + 16)))
        if cap - q_next <= 2 * b:  # close enough: go straight to the cap and stay there,
            q_next = cap           # so that Y = Ã X can be carried instead of recomputed
        if q_next == q:  # carry Y = Ã X along: Ã (X + X E) = Y + Y E
            L = max(X.shape[0], Y.shape[0])
            XY = dg.mul(np.concatenate([_pad(X, L), _pad(Y, L)], axis=1), Ed, k)
            X, Y = dg.add(X, XY[:, :K]), dg.add(Y, XY[:, K:])
        else:
            X, Y = dg.add(X, dg.mul(X, Ed, k)), None
        for J, V in rotations:
            Vd = _orthonormalize(dg.from_f64(V, k), k, dg)
            X = dg.set_cols(X, J, dg.mul(np.ascontiguousarray(X[:, :, J]), Vd, k))
            if Y is not None:
                Y = dg.set_cols(Y, J, dg.mul(np.ascontiguousarray(Y[:, :, J]), Vd, k))
        if q_next > q:
            X = dg.round_shift(X, (q - q_next) // b)  # exact: appends zero digits
        q = q_next
    raise _Stalled(f"did not reach 2^-{target} in {_MAX_STEPS} steps (last 2^-{acc:.0f})")


def _corrections(S, R, lam, q, lg_nS, lg_nR, lg_floor, lg_tol):
    """RefSyEv correction ``E`` (ints at scale ``2^q``) and the clusters whose internal
    coupling exceeds ``2^lg_tol``: a list of ``(J, T, floor_linked)``, ``T`` the cluster's
    shifted Ritz block, ``floor_linked`` whether a gap below the rounding floor
    ``2^lg_floor`` (and above ``δ_ij``) holds it together.

    Clusters chain neighbouring Ritz values with
    ``|λ_j - λ_i| <= max(δ_ij, 2^lg_floor)``, ``δ_ij = 2 (‖S - D̃‖ + max(|λ_i|, |λ_j|) ‖R‖)``,
    and join
    pairs whose correction would exceed ``2^_LG_MAX_CORRECTION``.  ``δ_ij`` refines the paper's
    ``2 (‖S - D̃‖ + ‖A‖ ‖R‖)``: the ``r_ij`` term enters ``E_ij`` as
    ``λ_j r_ij / (λ_j - λ_i)``, so non-orthogonality only endangers pairs whose gap is small
    relative to *their own* magnitude.  With the global ``‖A‖`` a graded spectrum (Gaussian
    kernels) lumps every eigenvalue below ``‖A‖ ‖R‖`` into one cluster, whose float64
    rotation cannot resolve it, and the iteration oscillates instead of converging.
    """
    K = len(lam)
    parent = list(range(K))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(K), key=lam.__getitem__)
    floor_links = []
    for i, j in zip(order, order[1:]):
        lg_mag = max(_lg_int(lam[i]), _lg_int(lam[j])) - q
        gap = lam[j] - lam[i]
        if gap <= _pow2_int(1 + _lg_add(lg_nS, lg_mag + lg_nR) + q):
            parent[find(j)] = find(i)
        elif gap <= _pow2_int(lg_floor + q):
            parent[find(j)] = find(i)
            floor_links.append(i)
    # E + E^T = R exactly for the formula (the numerators differ by (λ_j - λ_i) r_ij), so
    # only the strict upper triangle is divided out; E_ji = r_ij - E_ij.
    lamr = np.array(lam, dtype=object)
    iu, ju = np.triu_indices(K, 1)
    s_u, r_u, lam_i, lam_j = S[iu, ju], R[iu, ju], lamr[iu], lamr[ju]
    same_u = _same_cluster(find, K)[iu, ju]
    E_u = np.where(same_u, r_u >> 1,
                   ((s_u << q) + r_u * lam_j) // np.where(same_u, 1, lam_j - lam_i))
    # A large first-order correction means the linearisation is poor for that pair
    # (eigenvalues close relative to the current error): rotate it within a cluster instead.
    big = _pow2_int(q + _LG_MAX_CORRECTION)
    bad = ((np.abs(E_u) > big) | (np.abs(r_u - E_u) > big)).astype(bool) & ~same_u
    if bad.any():
        for t in np.flatnonzero(bad):
            parent[find(int(ju[t]))] = find(int(iu[t]))
        same_u = _same_cluster(find, K)[iu, ju]
        E_u = np.where(same_u, r_u >> 1, E_u)
    E = np.empty((K, K), dtype=object)
    E[iu, ju] = E_u
    E[ju, iu] = r_u - E_u
    E[np.diag_indices(K)] = np.diagonal(R) >> 1
    clusters = {}
    for i in range(K):
        clusters.setdefault(find(i), []).append(i)
    floored = {find(i) for i in floor_links}
    out = []
    for root, J in clusters.items():
        if len(J) < 2:
            continue
        T = _cluster_block(S, R, lam, J, q)
        if _lg_offdiag(T, q) > lg_tol:
            out.append((J, T, root in floored))
    return E, out


def _symmetric_from_upper(vals, iu, K):
    """The symmetric K x K object array whose upper triangle (``iu`` order) is ``vals``."""
    M = np.empty((K, K), dtype=object)
    M[iu] = vals
    M[iu[1], iu[0]] = vals
    return M


def _same_cluster(find, K):
    r = np.array([find(i) for i in range(K)])
    return r[:, None] == r[None, :]


def _cluster_block(S, R, lam, J, q):
    """``T = S_JJ - μ (I - R_JJ)`` with ``μ`` the mean Ritz value: the shift cancels the
    ``μ``-sized part that non-orthogonality of ``X_J`` leaves in ``S_JJ``, so ``T`` carries
    only the cluster's internal structure."""
    m = len(J)
    mu = sum(lam[j] for j in J) // m
    ix = np.ix_(J, J)
    T = S[ix] + ((mu * R[ix]) >> q)
    T[np.diag_indices(m)] -= mu
    return (T + T.T) >> 1


def _lg_offdiag(T, q):
    """``log2`` of the norm bound of the off-diagonal part of ``T · 2^-q``."""
    Toff = T.copy()
    Toff[np.diag_indices(T.shape[0])] = 0
    return _lg_norm(Toff, q)


def _orthonormalize(Vd, k, dg):
    """Newton-Schulz ``V ← V + V (I - V^T V)/2`` on digits at scale ``2^(b k)``:
    ``‖I - V^T V‖`` squares each pass; stop at the rounding floor (``<= 4 m`` units)."""
    m = Vd.shape[1]
    Id = dg.identity(m, k)
    prev = None
    for _ in range(64):
        F = dg.sub(Id, dg.gram(Vd, k))
        mx = int(np.max(np.abs(dg.to_ints(F))))
        if mx <= 4 * m or (prev is not None and mx >= prev):
            break
        prev = mx
        Vd = dg.add(Vd, dg.from_ints(dg.to_ints(dg.mul(Vd, F, k)) >> 1))
    return Vd

