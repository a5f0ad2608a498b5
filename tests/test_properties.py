"""Property-based tests (Hypothesis) of the self-distillation engines (spec §4-§5).

Instances are random rotations of prescribed spectra, G = Q diag(d) Q^T with a seeded Haar
orthogonal Q, covering tiny K (1, 2, 3), repeated eigenvalues and condition numbers up to
1e10, with vector or (K, m) multiclass targets and eps a fraction of ||y||^2/K (STYLE rule 10;
eps >= 1e-4 ||y||^2/K keeps the collapse round T <= r_0^2 - 1 < 10^4).  Properties:

* secular equation: phi(c) = sum_k w2_k (c/(c+d_k))^2 = K eps has one root (phi strictly
  increasing on a grid, by exact evaluation), the float64 root has a rounding-level residual
  and matches a bisection oracle to the root's condition number;
* c_t strictly increasing, by at least the factor (1 - 1/r_t)^(-1/2) (derived below);
* ||y_{t+1}||^2 <= ||y_t||^2 - K eps;
* B_{t,k}/B_{t,j} strictly decreasing in t when d_j > d_k;
* the collapse round T is the first t with ||y_t||^2 <= K eps (from y_t itself), and T = 0
  exactly when ||y||^2 <= K eps (decided in exact rational arithmetic);
* float64 agrees with the confirmed mp engine within a derived float64 error bound;
* invariance under G -> P G P^T, y -> P y.

Every float64 tolerance is ``k * eps64 * condition estimate`` with ``k`` justified where it is
defined (STYLE rule 6).  Instances where float64 cannot decide a collapse test (||y_t||^2
within that tolerance of K eps) are discarded with ``assume``; the engine's behaviour *at*
the threshold has its own tests.  Failures shrink and print the instance (its repr rebuilds
it; ``note`` adds K, eigenvalues, eps, r_0, kappa and T).  Defects found in the engines are
kept as strict xfails with a pinned ``@example`` (STYLE rule 15).

Profiles and the ``slow`` sweeps: see tests/conftest.py.
"""

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, example, given, note, settings
from hypothesis import strategies as st

from theory import PrecisionError, ProofsCheckError, secular_root_f64, secular_root_mp
from theory import self_distill
from theory._mp import digits_of_agreement, make_context
from theory.secular import secular_value_f64

U = float(np.finfo(np.float64).eps)   # 2^-52, the unit theory/ uses (theory._validate.EPS64)
TINY = float(np.finfo(np.float64).tiny)
E = math.e

#: The thorough sweeps (slow marker) and a small budget for properties that run the mp engine.
THOROUGH = settings.get_profile("thorough")
MP_EXAMPLES = max(4, settings.default.max_examples // 3)
MP_EXAMPLES_THOROUGH = 100


def strict_fp(fn):
    """Run a float64 check under np.errstate(raise) (STYLE rule 14)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return fn(*args, **kwargs)
    return wrapper


# --------------------------------------------------------------------------- instances

def haar_orthogonal(K, seed):
    """A Haar-distributed orthogonal K x K matrix: QR of a Gaussian matrix, signs of diag(R)
    moved into Q (Mezzadri, Notices AMS 54 (2007))."""
    rng = np.random.default_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((K, K)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


@dataclass(frozen=True)
class Instance:
    """G = Q diag(spectrum) Q^T (Q = haar_orthogonal(K, seed), symmetrised), targets ``y``
    (row-major; shape (K,) if ``classes == 0`` else (K, classes)), eps = frac ||y||^2 / K."""

    spectrum: tuple
    seed: int
    y: tuple
    classes: int
    frac: float

    @property
    def K(self):
        return len(self.spectrum)

    @property
    def m(self):
        return max(1, self.classes)

    @property
    def G(self):
        Q = haar_orthogonal(self.K, self.seed)
        G = (Q * np.asarray(self.spectrum, dtype=np.float64)) @ Q.T
        return 0.5 * (G + G.T)

    @property
    def Y(self):
        y = np.array(self.y, dtype=np.float64)
        return y if self.classes == 0 else y.reshape(self.K, self.classes)

    @property
    def eps(self):
        Y = self.Y
        return self.frac * float(np.sum(Y * Y)) / self.K

    @property
    def target(self):
        return self.K * self.eps          # K eps, formed exactly as the engine forms it

    @property
    def kappa(self):
        return self.spectrum[-1] / self.spectrum[0]


def describe(inst):
    """note() the instance in the terms of the spec (printed only for a failing example)."""
    r0 = math.sqrt(float(np.sum(inst.Y * inst.Y)) / inst.target)
    note(f"K = {inst.K}, classes = {inst.classes}, eigenvalues = {list(inst.spectrum)}, "
         f"kappa = {inst.kappa:.3g}, eps = {inst.eps!r} (= {inst.frac!r} ||y||^2/K), "
         f"r_0 = ||y||/sqrt(K eps) = {r0:.6g}")


def describe_run(tr, label="float64"):
    c = [float(v) for v in tr.c[:12]]
    note(f"{label}: T = {tr.collapse_round}, c_t = {c}{' ...' if tr.collapse_round > 12 else ''}")


def _scale(position, log_kappa, scale):
    return scale * 10.0 ** (log_kappa * (np.asarray(position, dtype=float) - 1.0))


@st.composite
def spectra(draw, max_K=12, max_log_kappa=10.0):
    """Ascending positive spectra: geometric, scattered (log-uniform interior) or with repeated
    eigenvalues, d_max/d_min = 10^log_kappa, overall scale 2^-20 .. 2^20."""
    K = draw(st.integers(1, max_K))
    pattern = draw(st.sampled_from(("geometric", "scattered", "repeated")))
    log_kappa = draw(st.floats(0.0, max_log_kappa)) if K > 1 else 0.0
    if K == 1:
        position = [1.0]
    elif pattern == "geometric":
        position = np.linspace(0.0, 1.0, K)
    elif pattern == "scattered":
        inner = draw(st.lists(st.floats(0.0, 1.0), min_size=K - 2, max_size=K - 2))
        position = [0.0, *sorted(inner), 1.0]
    else:  # fewer distinct levels than eigenvalues: at least one repeat
        n = draw(st.integers(1, K - 1))
        levels = np.linspace(0.0, 1.0, n) if n > 1 else np.ones(1)
        idx = sorted(draw(st.lists(st.integers(0, n - 1), min_size=K, max_size=K)))
        idx[0], idx[-1] = 0, n - 1
        position = levels[idx]
    scale = 2.0 ** draw(st.integers(-20, 20))
    return tuple(sorted(float(v) for v in _scale(position, log_kappa, scale)))


#: Target entries: exact zeros and |v| in [2^-20, 8] (no subnormals: their squares underflow).
ENTRIES = st.floats(-8.0, 8.0, allow_subnormal=False).map(
    lambda v: v if abs(v) >= 2.0 ** -20 else 0.0)


@st.composite
def instances(draw, max_K=12, max_log_kappa=10.0, log_frac=(-4.0, 0.0), classes=(0, 1, 2, 3)):
    spectrum = draw(spectra(max_K, max_log_kappa))
    K = len(spectrum)
    seed = draw(st.integers(0, 2**32 - 1))
    m = draw(st.sampled_from(classes))
    y = tuple(draw(st.lists(ENTRIES, min_size=K * max(1, m), max_size=K * max(1, m))))
    assume(any(v != 0.0 for v in y))
    frac = 10.0 ** draw(st.floats(*log_frac, exclude_max=True))
    return Instance(spectrum=spectrum, seed=seed, y=y, classes=m, frac=frac)


def run(inst, **kw):
    return self_distill(inst.G, inst.Y, inst.eps, **kw)


def run_f64(inst, G=None, Y=None):
    """The float64 trajectory of ``inst`` (or of the same problem in another basis, ``G``, ``Y``).

    KNOWN BUG (BUG_THRESHOLD, BUG_SECULAR_SATURATION, strict xfails below): the float64 engine
    raises ZeroDivisionError when some ||y_t||^2 lands a few ulps above K eps, e.g. whenever
    ||y_t||^2 = K eps holds exactly (G = I, y = 1, eps = 1/4).  Such instances lie in the
    band where float64 cannot decide the collapse test, which these properties discard
    anyway; they are rejected only after the mp engine confirms that some ||y_t||^2 is within
    the float64 error of K eps.  Any other ZeroDivisionError fails the test.
    """
    G = inst.G if G is None else G
    Y = inst.Y if Y is None else Y
    try:
        return self_distill(G, Y, inst.eps)
    except ZeroDivisionError:
        if not _threshold_in_float64_band(inst):
            raise
        note("rejected: float64 engine hit the known threshold ZeroDivisionError")
        assume(False)


def _threshold_in_float64_band(inst):
    """Whether some exact (mp) ||y_t||^2 is within the float64 error of K eps: relative
    2 k gamma u kappa r_0 (f64_error_bound at ||y_t|| ~ sqrt(K eps)) plus reconstruction_tol."""
    try:
        m = run(inst, dps=20)
    except PrecisionError:      # the mp engine itself finds ||y_t||^2 within rounding of K eps
        return True
    except Exception:           # mp cannot confirm the threshold: do not reject
        return False
    sq = as_float(m.norms) ** 2
    r0 = math.sqrt(sq[0] / inst.target)
    band = 2 * 4 * gamma_single(inst.K) * U * inst.kappa * r0 \
        + reconstruction_tol(inst, m.collapse_round)
    return bool(np.any(np.abs(sq / inst.target - 1.0) <= band))


def sq_norms(Y):
    """||y_t||^2 for each t, from the stacked y_t themselves (shape (T+1, K[, m]))."""
    Y = np.asarray(Y, dtype=np.float64).reshape(Y.shape[0], -1)
    return np.sum(Y * Y, axis=1)


def reconstruction_tol(inst, T):
    """Relative accuracy of ||y_t||^2 computed from y_t = Q (B_t z_0) against the engine's
    sum of squared spectral weights, t = 0..T.

    Q is orthogonal and z_0 = Q^T y correct to about K u each; B_t is a product of t rounded
    factors while the engine's w2_t takes three roundings per round (a, then two products);
    the sum of K m squares adds K m u.  Total (K m + 3 t + 2 K) u; k = 4 covers the
    constants of these first-order bounds (observed ratio <= 0.45 over 1000 instances).
    """
    t = np.arange(T + 1)
    return 4.0 * (inst.K * inst.m + 3.0 * t + 2.0 * inst.K) * U


def undecided(sq, target, rel):
    """True where float64 cannot tell ||y_t||^2 from K eps (relative tolerance ``rel``)."""
    return np.abs(sq - target) <= rel * np.maximum(sq, target) + U * target


#: Pinned hard points (STYLE rule 10): K = 1; a repeated eigenvalue (G = 2I, K = 3); kappa =
#: 1e10 with a repeated smallest eigenvalue; multiclass; eps = 1e-4 ||y||^2/K (many rounds).
PINNED = [
    Instance(spectrum=(1.0,), seed=0, y=(1.0,), classes=0, frac=0.01),
    Instance(spectrum=(2.0, 2.0, 2.0), seed=1, y=(1.0, -2.0, 0.5), classes=0, frac=0.05),
    Instance(spectrum=(1e-10, 1e-10, 1.0), seed=2, y=(1.0, 1.0, 1.0), classes=0, frac=0.02),
    Instance(spectrum=(0.25, 0.5, 1.0), seed=3, y=(1.0, 0.0, -1.0, 2.0, 0.5, 0.5), classes=2,
             frac=0.1),
    Instance(spectrum=(1e-6, 1e-3, 1.0), seed=4, y=(3.0, -1.0, 2.0), classes=0, frac=1e-4),
]


def pinned(fn):
    for inst in reversed(PINNED):
        fn = example(inst=inst)(fn)
    return fn


# --------------------------------------------------------------------------- secular equation

@dataclass(frozen=True)
class SecularProblem:
    """phi(c) = sum_k w2_k (c/(c+d_k))^2 = target, d_k >= 0 (zeros: null space of G)."""

    w2: tuple
    d: tuple
    target: float


@st.composite
def secular_problems(draw, max_K=8):
    d = list(draw(spectra(max_K)))
    K = len(d)
    n_zero = draw(st.integers(0, K - 1))
    d[:n_zero] = [0.0] * n_zero
    w2 = draw(st.lists(st.floats(0.0, 64.0, allow_subnormal=False)
                       .map(lambda v: v if v >= 2.0 ** -30 else 0.0), min_size=K, max_size=K))
    w0 = math.fsum(w for w, dk in zip(w2, d) if dk == 0)
    total = math.fsum(w2)
    assume(total > w0)
    frac = 10.0 ** draw(st.floats(-6.0, 0.0, exclude_max=True))
    return SecularProblem(w2=tuple(w2), d=tuple(d), target=w0 + frac * (total - w0))


def phi_mp(ctx, w2, d, c):
    return ctx.fsum(ctx.mpf(w) * (c / (c + ctx.mpf(dk))) ** 2 for w, dk in zip(w2, d))


def secular_root_bisect(ctx, w2, d, target, hint):
    """The root by bisection on phi(c) itself, at the precision of ctx: an oracle independent
    of the engine (which runs a safeguarded Newton iteration on phi^(-1/2) in s = 1/c)."""
    tgt = ctx.mpf(target)
    lo = hi = ctx.mpf(hint) if (math.isfinite(hint) and hint > 0) else ctx.one
    while phi_mp(ctx, w2, d, lo) >= tgt:
        lo /= 2
    while phi_mp(ctx, w2, d, hi) <= tgt:
        hi *= 2
    while hi - lo > ctx.ldexp(hi, 2 - ctx.prec):
        mid = (lo + hi) / 2
        if phi_mp(ctx, w2, d, mid) < tgt:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def secular_tol(K):
    """Relative residual |phi(c) - K eps| / (K eps) of the float64 root.

    The computed phi has relative error <= (K + 4) u (K positive terms, four roundings each);
    phi^(-1/2) and (K eps)^(-1/2) add the equivalent of 6 u; Newton's last step (<= 4 u |s|)
    and the final c = 1/s move phi by at most 2 * 4.5 u (|d ln phi / d ln s| <= 2).  Total
    (K + 19) u; k = 2 for the first-order neglect: 2 (K + 20) u.
    """
    return 2.0 * (K + 20) * U


def check_secular_root(p):
    K = len(p.d)
    w2, d = np.array(p.w2), np.array(p.d)
    w0 = math.fsum(w for w, dk in zip(p.w2, p.d) if dk == 0)
    total = math.fsum(p.w2)
    # float64 sums of K terms move w0 and ||w||^2 by (K + 2) u: keep the target clear of both
    # ends of the domain w0 < K eps < ||w||^2 by 8 times that, or float64 cannot decide it
    assume(p.target - w0 > 8 * (K + 2) * U * p.target)
    assume(total - p.target > 8 * (K + 2) * U * total)
    note(f"K = {K}, d = {list(p.d)}, w2 = {list(p.w2)}, target = {p.target!r}, "
         f"(target - w0)/(||w||^2 - w0) = {(p.target - w0) / (total - w0):.6g}")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        c = secular_root_f64(w2, d, p.target)
    assert math.isfinite(c) and c > 0, f"c = {c!r} is not a positive number"

    ctx = make_context(50)
    c_star = secular_root_bisect(ctx, p.w2, p.d, p.target, c)
    phi_star = phi_mp(ctx, p.w2, p.d, c_star)
    # condition number of the root: cond = phi / (c phi'(c)) = 1 / (2 sum_k p_k d_k/(c + d_k)),
    # p_k = share of term k in phi; a relative residual rho moves the root by cond * rho
    slope = ctx.fsum(ctx.mpf(w) * (c_star / (c_star + dk)) ** 2 * 2 * dk / (c_star + dk)
                     for w, dk in zip(p.w2, p.d))
    cond = float(phi_star / slope)
    tol = secular_tol(K)

    # residual of the float64 root, phi evaluated exactly (float inputs are exact in mp)
    resid = float(abs(phi_mp(ctx, p.w2, p.d, ctx.mpf(c)) - p.target) / p.target)
    note(f"c (float64) = {c!r}, c* (bisection, 50 digits) = {ctx.nstr(c_star, 20)}, "
         f"cond = {cond:.3g}, relative residual = {resid:.3g}, tolerance = {tol:.3g}")
    assert resid <= tol, (f"|phi(c) - K eps|/(K eps) = {resid:.3g} > 2 (K + 20) u = {tol:.3g} "
                          f"at c = {c!r}")
    rel = float(abs(ctx.mpf(c) - c_star) / c_star)
    assert rel <= tol * cond + U, (f"float64 root {c!r} is {rel:.3g} from the bisection root "
                                   f"{ctx.nstr(c_star, 20)}; allowed cond * 2 (K + 20) u + u = "
                                   f"{tol * cond + U:.3g} (cond = {cond:.3g})")

    # uniqueness: phi is strictly increasing on c* 2^(j/4), j = -40..40 (c*/1000 .. 1000 c*),
    # below K eps left of the root and above it right of it (exact evaluation at 50 digits)
    grid = [c_star * ctx.mpf(2) ** (ctx.mpf(j) / 4) for j in range(-40, 41)]
    vals = [phi_mp(ctx, p.w2, p.d, g) for g in grid]
    assert all(a < b for a, b in zip(vals, vals[1:])), "phi is not strictly increasing on the grid"
    assert all(v < p.target for v in vals[:40]) and all(v > p.target for v in vals[41:]), \
        "phi - K eps changes sign more than once on the grid"
    # the same grid by direct float64 evaluation: monotone up to its rounding (K + 4) u, and on
    # the right side of K eps wherever the exact value is further than that from it
    ev = (K + 4) * U
    f64 = [secular_value_f64(float(g), w2, d) for g in grid]
    assert all(b >= a * (1 - 2 * ev) for a, b in zip(f64, f64[1:]))
    for j, (fv, v) in enumerate(zip(f64, vals)):
        if abs(v - p.target) > 2 * ev * v:
            assert (fv < p.target) == (j < 40), \
                f"float64 phi at grid point {j - 40} is on the wrong side of K eps"

    # the mp solver at 30 digits: stops within 16 ulps of s, plus the same residual argument
    ctx30 = make_context(30)
    c30 = secular_root_mp(ctx30, [ctx30.mpf(w) for w in p.w2], [ctx30.mpf(v) for v in p.d],
                          ctx30.mpf(p.target))
    tol30 = (16 + 2 * (K + 20) * (cond + 1)) * 2.0 ** -ctx30.prec
    assert float(abs(ctx.mpf(c30) - c_star) / c_star) <= tol30


@given(p=secular_problems())
@example(p=SecularProblem(w2=(1.0,), d=(1.0,), target=0.5))               # K = 1: c = 1/(sqrt2 - 1)
@example(p=SecularProblem(w2=(1.0, 1.0), d=(1.0, 1.0), target=0.5))            # the doctest: c = 1
@example(p=SecularProblem(w2=(1.0, 0.5, 2.0), d=(0.0, 1e-10, 1.0), target=1.5))  # singular G
@example(p=SecularProblem(w2=(1.0, 1.0), d=(1e-3, 1.0), target=2.0 * (1 - 2**-30)))  # c >> d_max
def test_secular_root_is_unique_and_accurate(p):
    check_secular_root(p)


@pytest.mark.slow
@settings(THOROUGH)
@given(p=secular_problems())
def test_secular_root_is_unique_and_accurate_thorough(p):
    check_secular_root(p)


BUG_SECULAR_SATURATION = (
    "BUG theory.secular.secular_root_f64: when K eps is within ~2 ulps below ||w||^2 the bracket "
    "(sqrt(||w||^2/(K eps)) - 1)/d rounds to [0, 0] and the solver returns 1/0: "
    "secular_root_f64([1.0], [1.0], nextafter(1, 0)) raises ZeroDivisionError, although the "
    "root c = a/(1 - a), a = sqrt(1 - 2^-53), is about 2^54 and representable")


@given(w2=st.lists(st.floats(2.0**-10, 64.0), min_size=1, max_size=4),
       spectrum=spectra(max_K=4), ulps=st.integers(1, 8))
@example(w2=[1.0], spectrum=(1.0,), ulps=1)
def test_secular_root_just_below_saturation_is_positive_or_refused(w2, spectrum, ulps):
    """Domain: 0 < K eps < ||w||^2 (any gap).  The float64 solver returns a positive finite
    root with a rounding-level residual, or raises PrecisionError; nothing else."""
    assume(len(w2) == len(spectrum))
    total = float(np.sum(w2))
    target = total
    for _ in range(ulps):
        target = float(np.nextafter(target, 0.0))
    try:
        c = secular_root_f64(np.array(w2), np.array(spectrum), target)
    except PrecisionError:
        return
    assert math.isfinite(c) and c > 0
    ctx = make_context(50)
    resid = abs(phi_mp(ctx, w2, spectrum, ctx.mpf(c)) - target) / target
    assert resid <= secular_tol(len(w2))


BUG_SECULAR_DOMAIN = (
    "BUG theory.secular.secular_root_f64 / secular_root_mp: K eps >= ||w||^2 (no root c > 0) is "
    "not refused: target = ||w||^2 raises ZeroDivisionError and target > ||w||^2 returns a "
    "negative c (secular_root_f64([1.0], [1.0], 2.0) = -3.414...), instead of a named error "
    "(STYLE rule 14)")


@given(w2=st.lists(st.floats(2.0**-10, 64.0), min_size=1, max_size=4),
       spectrum=spectra(max_K=4), excess=st.floats(1.0, 4.0))
@example(w2=[1.0], spectrum=(1.0,), excess=2.0)
@example(w2=[1.0], spectrum=(1.0,), excess=1.0)
def test_secular_root_outside_its_domain_is_refused(w2, spectrum, excess):
    assume(len(w2) == len(spectrum))
    target = excess * float(np.sum(w2))   # >= ||w||^2: phi(c) < ||w||^2 <= K eps for all c
    with pytest.raises(ProofsCheckError):
        secular_root_f64(np.array(w2), np.array(spectrum), target)
    ctx = make_context(30)
    w2_mp = [ctx.mpf(w) for w in w2]
    # the float64 sum may round below the exact one, so form the mp target from the exact sum
    with pytest.raises(ProofsCheckError):
        secular_root_mp(ctx, w2_mp, [ctx.mpf(v) for v in spectrum], excess * ctx.fsum(w2_mp))


# --------------------------------------------------------------------------- trajectories

def assume_round_zero_decided(inst):
    """Discard instances whose round-0 collapse test float64 cannot decide.

    The engine decides round 0 from sum(y*y) (K m terms: K m u) but then solves the secular
    equation with ||Q^T y||^2, which differs by about 2 K u relative; k = 8 keeps K eps clear of
    both.  The threshold itself has its own tests (test_round_zero_just_above_the_threshold,
    test_collapse_boundary_belongs_to_collapse).
    """
    sq = float(np.sum(inst.Y * inst.Y))
    assume(not undecided(sq, inst.target, 8 * (inst.K * inst.m + 2 * inst.K) * U))


def decided_trajectory(inst):
    """The float64 trajectory, assuming every collapse test ||y_t||^2 <= K eps is decidable in
    float64 (both from the engine's norms and from y_t itself)."""
    describe(inst)
    assume_round_zero_decided(inst)
    tr = run_f64(inst)
    describe_run(tr)
    tol = reconstruction_tol(inst, tr.collapse_round)
    assume(not np.any(undecided(np.asarray(tr.norms) ** 2, inst.target, tol)))
    return tr


@strict_fp
def check_c_increasing(inst):
    """c_{t+1} >= c_t (1 - 1/r_t)^(-1/2) > c_t for t < T - 1, r_t = ||y_t||/sqrt(K eps).

    Derivation: with x_k = c_t/(c_t + d_k) and A_k = 1 - x_k, the next left side at the old
    root is psi_{t+1}(c_t) = sum z_k^2 x_k^2 A_k^2 = K eps (1 - g) with
    g = sum z_k^2 x_k^2 (2 x_k - x_k^2) / (K eps) >= sum z_k^2 x_k^3 / (K eps)
    >= ||z||^2 (sqrt(K eps)/||z||)^3 / (K eps) = 1/r_t    (Lyapunov: E[x^3] >= E[x^2]^(3/2)
    under the weights z_k^2/||z||^2, and E[x^2] = K eps/||z||^2 at the root).  Since
    psi(lambda c) <= lambda^2 psi(c) for lambda >= 1, the new root is at least
    c_t (1 - 1/r_t)^(-1/2) >= c_t (1 + 1/(2 r_0)); with r_0 <= 100 that is a 0.5% increase,
    far above rounding.  Each computed root has relative residual <= secular_tol(K) (which
    moves c by at most its half through the factor lambda^2), so k = 2: the bound holds
    up to 2 secular_tol(K).  Several classes: z_k^2 becomes the row sum of squares (one shared
    c_t), and the argument is unchanged.
    """
    tr = decided_trajectory(inst)
    T = tr.collapse_round
    if T < 2:
        return
    c = np.asarray(tr.c, dtype=float)
    assert np.all(c > 0)
    r = np.asarray(tr.norms[:T - 1], dtype=float) / math.sqrt(inst.target)
    lower = (1.0 - 1.0 / r) ** -0.5
    ratio = c[1:] / c[:-1]
    assert np.all(c[1:] > c[:-1]), f"c_t not strictly increasing at t = {int(np.argmin(ratio > 1))}"
    bad = ratio < lower * (1 - 2 * secular_tol(inst.K))
    assert not bad.any(), (f"c_(t+1)/c_t = {ratio[bad][0]!r} below (1 - 1/r_t)^(-1/2) = "
                           f"{lower[bad][0]!r} at t = {int(np.argmax(bad))}")


@given(inst=instances())
@pinned
def test_c_increasing(inst):
    check_c_increasing(inst)


@pytest.mark.slow
@settings(THOROUGH)
@given(inst=instances())
def test_c_increasing_thorough(inst):
    check_c_increasing(inst)


@strict_fp
def check_norms_decrease(inst):
    """||y_{t+1}||^2 <= ||y_t||^2 - K eps for t < T (spec §5 norm_decreasing), from the engine's
    norms and from y_t itself.

    ||y_t||^2 - ||y_{t+1}||^2 = phi(c_t) + 2 sum_k c d_k z_k^2/(c + d_k)^2 >= phi(c_t), and the
    computed phi(c_t) is K eps within secular_tol(K); the squared norms carry their own
    rounding (reconstruction_tol, relative to ||y_t||^2).
    """
    tr = decided_trajectory(inst)
    T = tr.collapse_round
    if T < 1:
        return
    tgt = inst.target
    rec = reconstruction_tol(inst, T)
    for name, sq in (("engine norms", np.asarray(tr.norms, dtype=float) ** 2),
                     ("y_t", sq_norms(tr.y))):
        slack = secular_tol(inst.K) * tgt + rec[:-1] * sq[:-1] + rec[1:] * sq[1:]
        drop = sq[:-1] - sq[1:]
        bad = drop < tgt - slack
        assert not bad.any(), (f"{name}: ||y_t||^2 - ||y_(t+1)||^2 = {drop[bad][0]!r} < K eps = "
                               f"{tgt!r} (slack {slack[bad][0]:.3g}) at t = {int(np.argmax(bad))}")


@given(inst=instances())
@pinned
def test_norms_decrease_by_at_least_K_eps(inst):
    check_norms_decrease(inst)


@pytest.mark.slow
@settings(THOROUGH)
@given(inst=instances())
def test_norms_decrease_by_at_least_K_eps_thorough(inst):
    check_norms_decrease(inst)


@strict_fp
def check_B_ratios(inst):
    """For d_j > d_k: B_{t,k}/B_{t,j} is strictly decreasing in t (spec §5 sparsify_monotone).

    One round multiplies the ratio by rho_t = A_t[k]/A_t[j] = (d_k (c_t + d_j))/(d_j (c_t + d_k))
    < 1 (formed as written: 1 - c_t (d_j - d_k)/(d_j (c_t + d_k)) cancels when rho_t << 1).
    In float64 the computed ratio's step carries ten roundings (two per factor
    a = d/(c + d), one per product B_{t+1} = B_t a, and the two divisions forming the
    ratios) and rho_t five, so k = 32 (twice 15): the step is at most rho_t (1 + 32 u), and
    strictly below 1 wherever rho_t < 1 - 64 u.  Pairs count as distinct when d_j - d_k exceeds
    eigh's eigenvalue accuracy 10 K u d_max (theory._validate.psd_tolerance); entries of B
    that have left the normal range (< tiny/u) carry no relative accuracy and are skipped.
    """
    tr = decided_trajectory(inst)
    T = tr.collapse_round
    if T < 1:
        return
    d = np.asarray(tr.eigenvalues, dtype=float)
    B = np.asarray(tr.B, dtype=float)
    c = np.asarray(tr.c, dtype=float)
    jj, kk = np.nonzero(d[:, None] - d[None, :] > 10 * inst.K * U * d[-1])   # d_j > d_k
    if jj.size == 0:
        return
    ok = (B[1:, kk] >= TINY / U) & (B[:-1, kk] >= TINY / U)                   # (T, pairs)
    # masked entries become 1/1 (never asserted): no division by an underflowed B
    R0 = np.where(ok, B[:-1, kk], 1.0) / np.where(ok, B[:-1, jj], 1.0)
    R1 = np.where(ok, B[1:, kk], 1.0) / np.where(ok, B[1:, jj], 1.0)
    rho = (d[kk] * (c[:, None] + d[jj])) / (d[jj] * (c[:, None] + d[kk]))
    bad = ok & (R1 > R0 * rho * (1 + 32 * U))
    if bad.any():
        t, p = (int(v[0]) for v in np.nonzero(bad))
        raise AssertionError(f"B_{{t,{kk[p]}}}/B_{{t,{jj[p]}}} (d = {d[kk[p]]!r} < {d[jj[p]]!r}) fell by "
                             f"less than rho_t at t = {t}: {R1[t, p]!r} vs "
                             f"{R0[t, p]!r} * {rho[t, p]!r}")
    strict = ok & (rho < 1 - 64 * U)
    assert np.all(R1[strict] < R0[strict]), "B_{t,k}/B_{t,j} did not decrease"


@given(inst=instances())
@pinned
def test_B_ratios_decrease(inst):
    check_B_ratios(inst)


@pytest.mark.slow
@settings(THOROUGH)
@given(inst=instances())
def test_B_ratios_decrease_thorough(inst):
    check_B_ratios(inst)


@strict_fp
def check_collapse_round(inst):
    """T is the first t with ||y_t||^2 <= K eps, with ||y_t||^2 computed from y_t itself; the
    engine's norms agree with those of y_t to reconstruction_tol."""
    tr = decided_trajectory(inst)
    T = tr.collapse_round
    sq = sq_norms(tr.y)
    assert tr.y.shape[0] == T + 1
    rec = reconstruction_tol(inst, T)
    assume(not np.any(undecided(sq, inst.target, rec)))
    dev = np.abs(np.asarray(tr.norms, dtype=float) ** 2 - sq)
    assert np.all(dev <= rec * sq + TINY), "engine norms disagree with ||y_t||"
    above = sq > inst.target
    assert np.all(above[:T]), f"||y_t||^2 <= K eps already at t = {int(np.argmin(above))} < T = {T}"
    assert not above[T], f"||y_T||^2 = {sq[T]!r} > K eps = {inst.target!r} at T = {T}"


@given(inst=instances())
@pinned
def test_collapse_round_is_first_round_under_budget(inst):
    check_collapse_round(inst)


@pytest.mark.slow
@settings(THOROUGH)
@given(inst=instances())
def test_collapse_round_is_first_round_under_budget_thorough(inst):
    check_collapse_round(inst)


@strict_fp
def check_round_zero(inst):
    """T = 0 exactly when ||y||^2 <= K eps, the comparison made in exact rational arithmetic.

    The engine rounds the sum of K m squares (<= K m u relative) and K eps (u/2); it must agree
    with the exact comparison whenever the two differ by more than that.  k = 8 also keeps
    K eps clear of ||Q^T y||^2 (off by ~2 K u), which the first secular solve uses.
    """
    describe(inst)
    exact_sq = sum(Fraction(v) ** 2 for v in inst.y)
    exact_target = inst.K * Fraction(inst.eps)
    gap = abs(exact_sq - exact_target) / max(exact_sq, exact_target)
    assume(gap > 8 * (inst.K * inst.m + 2 * inst.K) * U)
    tr = run_f64(inst)
    assert (tr.collapse_round == 0) == (exact_sq <= exact_target), \
        f"T = {tr.collapse_round} with ||y||^2 - K eps = {float(exact_sq - exact_target)!r}"
    if tr.collapse_round == 0:
        assert tr.c.shape == (0,) and np.array_equal(tr.y[0], inst.Y)


@given(inst=instances(log_frac=(-0.6, 0.6)))
@example(inst=Instance(spectrum=(1.0,), seed=0, y=(1.0,), classes=0, frac=1.0 + 2.0**-40))
@example(inst=Instance(spectrum=(1.0, 3.0), seed=5, y=(1.0, 2.0), classes=0, frac=1.0 - 2.0**-40))
def test_collapse_at_round_zero_exactly_when_norm_within_budget(inst):
    check_round_zero(inst)


@pytest.mark.slow
@settings(THOROUGH)
@given(inst=instances(log_frac=(-0.6, 0.6)))
def test_collapse_at_round_zero_exactly_when_norm_within_budget_thorough(inst):
    check_round_zero(inst)


@given(spectrum=spectra(max_K=8), seed=st.integers(0, 2**32 - 1), K=st.sampled_from([1, 2, 4, 8]),
       ints=st.lists(st.integers(-2**10, 2**10), min_size=8, max_size=8))
def test_collapse_boundary_belongs_to_collapse(spectrum, seed, K, ints):
    """||y||^2 = K eps exactly (integer targets, K a power of two: every step is exact) is a
    collapse, T = 0; a budget 2^-30 smaller (far above rounding) is not."""
    assume(any(ints[:K]))
    G = Instance(spectrum=tuple(float(v) for v in np.resize(spectrum, K)), seed=seed, y=(),
                 classes=0, frac=1.0).G
    y = np.array(ints[:K], dtype=float)
    eps = float(y @ y) / K
    assert Fraction(K) * Fraction(eps) == sum(Fraction(v) ** 2 for v in ints[:K])
    assert self_distill(G, y, eps).collapse_round == 0
    tr = self_distill(G, y, eps * (1 - 2.0**-30))
    assert tr.collapse_round >= 1 and np.all(np.asarray(tr.c) > 0)


BUG_THRESHOLD = (
    "BUG theory.distill._run_f64 + secular_root_f64: with K eps a few ulps below ||y||^2 the "
    "engine fits round 0 (decided from sum(y*y)) but solves the secular equation with "
    "||Q^T y||^2, which can be <= K eps: self_distill([[1.0]], [1.0], nextafter(1, 0)) raises "
    "ZeroDivisionError, and "
    "for K = 2 (pinned example) it returns c_0 = -9.0e15 < 0 with negative B, instead of T = 1 "
    "with c_0 > 0 or a PrecisionError.  The same happens at a later round whenever ||y_t||^2 = "
    "K eps exactly: self_distill([[1.0]], [1.0], 0.25) (T = 1) raises ZeroDivisionError")


@given(inst=instances(max_K=4), ulps=st.integers(1, 4))
@example(inst=Instance(spectrum=(1.0,), seed=0, y=(1.0,), classes=0, frac=1.0), ulps=1)
@example(inst=Instance(spectrum=(0.5, 1.0), seed=6, y=(1.0, 1.0), classes=0, frac=1.0), ulps=1)
def test_round_zero_just_above_the_threshold(inst, ulps):
    """K eps = ||y||^2 less a few ulps (``frac`` unused): the problem is feasible and not
    collapsed, so the result has T >= 1 and c_t > 0 (collapse_round_certain may be False), or
    the engine raises PrecisionError."""
    Y = inst.Y
    sq = float(np.sum(Y * Y))
    eps = sq / inst.K
    for _ in range(ulps):
        eps = float(np.nextafter(eps, 0.0))
    assume(inst.K * eps < sq)
    try:
        tr = self_distill(inst.G, Y, eps)
    except PrecisionError:
        return
    assert tr.collapse_round >= 1
    assert np.all(np.isfinite(tr.c)) and np.all(tr.c > 0), f"c = {tr.c}"


def test_threshold_reached_exactly_at_a_later_round():
    """G = [[1]], y = [1], eps = 1/r_0^2 (integer r_0): ||y_t|| = 1 - t/r_0 exactly, so
    ||y_t||^2 = K eps at t = r_0 - 1, which is the collapse round T.  Float64 may land a few
    ulps either side; acceptable results: T = r_0 - 1, or T = r_0 flagged
    collapse_round_certain = False, or a PrecisionError.  Today r_0 = 2 (eps = 1/4), 5, 6, 15,
    43 raise ZeroDivisionError."""
    for r0 in range(2, 101):
        try:
            tr = self_distill(np.array([[1.0]]), np.array([1.0]), 1.0 / r0**2)
        except PrecisionError:
            continue
        assert tr.collapse_round == r0 - 1 or \
            (tr.collapse_round == r0 and not tr.collapse_round_certain), f"r_0 = {r0}"
        assert np.all(tr.c > 0)


# --------------------------------------------------------------------------- accuracy

def f64_error_bound(tr, gamma, k=4.0):
    """First-order error bounds of a float64 trajectory whose eigen-decomposition is exact for
    some G + E, ||E||_2 <= gamma u ||G||_2 (backward-stable eigh, plus whatever formed G).

    * y_t: with the c_i held fixed, y_t = f_t(G) y, f_t(x) = prod_{i<t} x/(c_i + x), and
      |f_t'(x)| = f_t(x) sum_i (1 - A_i(x))/x <= 1/(e x) (since f e^{sum(1 - A)} <= 1); by the
      Daleckii-Krein formula ||delta y_t|| <= sqrt(K) ||E||/(e d_min) ||y_0||: the error does
      not grow with t (the residual has fixed norm sqrt(K eps)).  Bound:
      gamma u kappa ||y_0|| (absolute), the same for ||y_t||.
    * c_t: moving d_k by delta_k moves ln phi by 2 sum_k p_k delta_k/(c + d_k) and ln c by that
      over 2 sum_k p_k d_k/(c + d_k), i.e. by at most gamma u kappa; an error rho_t in y_t moves
      ln phi by 2 rho_t and ln c by cond_t 2 rho_t, cond_t = 1/(2 sum_k p_k d_k/(c_t + d_k))
      (p_k: share of mode k in phi).  Bound (relative):
      gamma u kappa (1 + 2 cond_t ||y_0||/||y_t||).
    * B_{t,k} = f_t(d_k): B_t (1/e)(delta d_k/d_k) plus B_t sum_{i<t} (1 - A_i[k]) (error of c_i).

    k = 4 covers sqrt(K)/e <= 1.3 (K <= 12), the feedback of c-errors into later rounds and
    second-order terms (observed errors stay below 1.3 gamma u kappa with gamma = K, k = 1).
    Returns (tol_c relative, tol_norm absolute, tol_B absolute (T+1, K)); tol_norm also bounds
    ||delta y_t||.
    """
    d = np.asarray(tr.eigenvalues, dtype=float)
    c = np.asarray(tr.c, dtype=float)
    B = np.asarray(tr.B, dtype=float)
    norms = np.asarray(tr.norms, dtype=float)
    kappa = d[-1] / d[0]
    base = gamma * U * kappa
    z0 = np.asarray(tr.z0, dtype=float)
    w2 = z0 * z0 if z0.ndim == 1 else np.sum(z0 * z0, axis=1)
    T = tr.collapse_round
    tol_c = np.empty(T)
    for t in range(T):
        v2 = w2 * B[t] ** 2 * (c[t] / (c[t] + d)) ** 2
        cond = np.sum(v2) / (2.0 * np.sum(v2 * d / (c[t] + d)))
        tol_c[t] = k * base * (1.0 + 2.0 * cond * norms[0] / norms[t])
    tol_norm = k * base * norms[0] * np.ones(T + 1)
    one_minus_A = c[:, None] / (c[:, None] + d[None, :])            # (T, K)
    acc = np.vstack([np.zeros(len(d)), np.cumsum(one_minus_A * tol_c[:, None], axis=0)])
    tol_B = k * base / E + B * acc
    return tol_c, tol_norm, tol_B


def two_run_decided(tr, target, tol_norm):
    """Both runs make the same collapse decisions: |n_t^2 - K eps| > 2 n_t tol + tol^2."""
    n = np.asarray(tr.norms, dtype=float)
    return bool(np.all(np.abs(n * n - target) > 2 * n * tol_norm + tol_norm ** 2))


def as_float(a):
    flat = np.asarray(a, dtype=object).reshape(-1)
    return np.array([float(v) for v in flat], dtype=np.float64).reshape(np.shape(a))


#: gamma for a single float64 run: eigh's backward error p(K) u ||G|| with p(K) ~ K (Golub &
#: Van Loan 8.1), plus the secular solves' (K + 20) u floor (secular_tol): gamma = 2 K + 20.
def gamma_single(K):
    return 2 * K + 20


@strict_fp
def check_f64_vs_mp(inst):
    """The float64 trajectory agrees with the 30-digit confirmed mp trajectory within
    f64_error_bound(gamma = 2 K + 20): c_t relatively, ||y_t||, y_t and B_t absolutely.
    In digits: at least -log10(k gamma u kappa) for the norms (normwise), about
    -log10(K u kappa) - 1.3 for K = 8; c_t may lose more in its last rounds, where the root
    is ill-conditioned (cond_t large as ||y_t|| approaches sqrt(K eps))."""
    # KNOWN BUG (test_mp_engine_on_a_nearly_scalar_gram): the mp eigensolver fails on
    # G = multiple of I + rounding; such instances are left to that strict xfail
    assume(inst.K == 1 or inst.kappa > 1)
    f = decided_trajectory(inst)
    T = f.collapse_round
    tol_c, tol_n, tol_B = f64_error_bound(f, gamma_single(inst.K))
    assume(two_run_decided(f, inst.target, tol_n))
    m = run(inst, dps=30)
    describe_run(m, "mp (30 digits)")
    assert m.collapse_round == T, f"collapse round {T} (float64) vs {m.collapse_round} (mp)"
    allowed = -math.log10(4 * gamma_single(inst.K) * U * inst.kappa)
    digits = {name: digits_of_agreement(a, b) for name, a, b in
              (("c", f.c, m.c), ("norms", f.norms, m.norms), ("y", f.y, m.y))}
    note(f"digits of agreement {digits}; allowed {allowed:.2f} (norms, y); "
         f"engine's stated accuracy {f.accuracy:.3g}")
    c_err = np.abs(as_float(f.c) / as_float(m.c) - 1.0)
    assert np.all(c_err <= tol_c), (f"c_t: relative error {c_err.max():.3g} > bound "
                                    f"{tol_c[np.argmax(c_err - tol_c)]:.3g}")
    n_err = np.abs(as_float(f.norms) - as_float(m.norms))
    assert np.all(n_err <= tol_n), f"||y_t||: error {n_err.max():.3g} > bound {tol_n[0]:.3g}"
    y_err = np.sqrt(sq_norms(f.y - as_float(m.y)))
    assert np.all(y_err <= tol_n), f"y_t: error {y_err.max():.3g} > bound {tol_n[0]:.3g}"
    B_err = np.abs(as_float(f.B) - as_float(m.B))
    assert np.all(B_err <= tol_B), f"B_t: error {B_err.max():.3g} > bound {tol_B.min():.3g}"
    # digits_of_agreement scales by the largest entry, which for y_t can be sqrt(K m) below
    # ||y_0||: the y digits may fall short of the norms' by log10 sqrt(K m)
    assert digits["norms"] >= allowed
    assert digits["y"] >= allowed - 0.5 * math.log10(inst.K * inst.m)


MP_INSTANCES = dict(max_K=8, log_frac=(-1.3, 0.0), classes=(0, 1, 2))


@settings(max_examples=MP_EXAMPLES)
@given(inst=instances(**MP_INSTANCES))
@example(inst=PINNED[2])
def test_f64_agrees_with_mp(inst):
    check_f64_vs_mp(inst)


@pytest.mark.slow
@settings(THOROUGH, max_examples=MP_EXAMPLES_THOROUGH)
@given(inst=instances(**MP_INSTANCES))
def test_f64_agrees_with_mp_thorough(inst):
    check_f64_vs_mp(inst)


def _spread(a, b):
    """theory.distill's measure: max |a - b| / max(|a|, |b|)."""
    a, b = as_float(a), as_float(b)
    s = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    return float(np.max(np.abs(a - b), initial=0.0) / s) if s > 0 else 0.0


BUG_ACCURACY = (
    "BUG theory.distill._accuracy_f64: Trajectory.accuracy (float64) is optimistic by up to ~1e6 "
    "when a cluster of nearly equal small eigenvalues carries the mass: it shifts all d_k by the "
    "same +-K u d_max, which c absorbs, while eigh's errors split the cluster.  Pinned example: "
    "spectrum (1e-8, 1e-8, 1), y = e_1, eps = 0.1 ||y||^2/K: B_t differs from 30-digit mp by "
    "~8e-9 (normwise), stated accuracy ~1e-14")


@settings(max_examples=MP_EXAMPLES)
@given(inst=instances(**MP_INSTANCES))
@example(inst=Instance(spectrum=(1e-8, 1e-8, 1.0), seed=21, y=(1.0, 0.0, 0.0), classes=0, frac=0.1))
def test_f64_stated_accuracy_bounds_its_error(inst):
    """Trajectory.accuracy claims the relative normwise error of c, the norms and each B_t."""
    assume(inst.K == 1 or inst.kappa > 1)   # see test_mp_engine_on_a_nearly_scalar_gram
    f = decided_trajectory(inst)
    assume(f.collapse_round_certain)
    m = run(inst, dps=30)
    assert m.collapse_round == f.collapse_round
    err = max([_spread(f.c, m.c), _spread(f.norms, m.norms)]
              + [_spread(a, b) for a, b in zip(f.B, m.B)])
    assert err <= f.accuracy, f"true error {err:.3g} > stated accuracy {f.accuracy:.3g}"


BUG_EIGH_MP = (
    "BUG theory.eigen.eigh_mp (working-tree version): a Gram matrix equal to a multiple of I up to "
    "rounding, e.g. [[1, 1e-17], [1e-17, 1]], makes the refinement raise OverflowError('cannot "
    "convert float infinity to integer') in _refine (log2 of a zero residual is -inf, passed to "
    "ceil), so self_distill(..., dps=30) fails; the committed eigh_mp (mpmath.eigsy) handles it")


@settings(max_examples=MP_EXAMPLES)
@given(spectrum=st.sampled_from([(1.0, 1.0), (2.0, 2.0, 2.0)]), seed=st.integers(0, 2**32 - 1))
@example(spectrum=(1.0, 1.0), seed=1)     # G = [[1, -2.77e-17], [-2.77e-17, 1]]
def test_mp_engine_on_a_nearly_scalar_gram(spectrum, seed):
    """G = Q (s I) Q^T in float64 (s I plus rounding): the confirmed mp engine returns the
    trajectory of the rounded matrix, whose eigenvalues are s to within K u s."""
    inst = Instance(spectrum=spectrum, seed=seed, y=(0.0,) * (len(spectrum) - 1) + (1.0,),
                    classes=0, frac=0.1)
    m = run(inst, dps=30)
    d = as_float(m.eigenvalues)
    assert np.all(np.abs(d - spectrum[0]) <= 10 * inst.K * U * spectrum[0])
    assert m.collapse_round == run(inst).collapse_round


# --------------------------------------------------------------------------- invariance

@strict_fp
def check_rotation_invariance(inst, seed_p):
    """G -> P G P^T, y -> P y (P orthogonal) leaves c_t, ||y_t|| and T unchanged and maps y_t to
    P y_t, to the float64 error bound of two runs.

    gamma: two independent runs (2 (2 K + 20)), plus forming P G P^T, whose two products err
    by <= K u || |P| |G| |P^T| ||_2 <= K^(3/2) u ||G||_2 each (Higham, Thm 3.5), and P y.
    """
    K = inst.K
    P = haar_orthogonal(K, seed_p)
    G, Y = inst.G, inst.Y
    G2 = P @ G @ P.T
    G2 = 0.5 * (G2 + G2.T)
    note(f"P = haar_orthogonal({K}, {seed_p})")
    a = decided_trajectory(inst)
    gamma = 2 * gamma_single(K) + 2 * K * math.sqrt(K) + K
    tol_c, tol_n, _ = f64_error_bound(a, gamma)
    assume(two_run_decided(a, inst.target, tol_n))
    b = run_f64(inst, G2, P @ Y)
    describe_run(b, "rotated")
    assert b.collapse_round == a.collapse_round
    c_err = np.abs(b.c / a.c - 1.0)
    assert np.all(c_err <= tol_c), f"c_t moved by {c_err.max():.3g} (relative)"
    assert np.all(np.abs(b.norms - a.norms) <= tol_n), "||y_t|| moved"
    PY = np.einsum("ij,tj...->ti...", P, a.y)
    # applying P to y_t adds K u ||y_t||
    y_err = np.sqrt(sq_norms(b.y - PY))
    assert np.all(y_err <= tol_n + K * U * np.asarray(a.norms)), \
        f"y_t of the rotated problem differs from P y_t by {y_err.max():.3g}"


ROT_INSTANCES = dict(log_frac=(-3.0, 0.0))


@given(inst=instances(**ROT_INSTANCES), seed_p=st.integers(0, 2**32 - 1))
@example(inst=PINNED[1], seed_p=7)
@example(inst=PINNED[2], seed_p=8)
def test_rotation_invariance(inst, seed_p):
    check_rotation_invariance(inst, seed_p)


@pytest.mark.slow
@settings(THOROUGH)
@given(inst=instances(**ROT_INSTANCES), seed_p=st.integers(0, 2**32 - 1))
def test_rotation_invariance_thorough(inst, seed_p):
    check_rotation_invariance(inst, seed_p)
