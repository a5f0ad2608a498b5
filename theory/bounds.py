"""Bounds on the collapse round T and on c_t (docs/theory/mobahi2020.md §5), for float64 numbers, mpf and
certified balls (:class:`theory.ball.Ball`) alike.

Notation: a = sqrt(K eps), r_t = ||y_t||/a, r_0 > 1, kappa = d_max/d_min (inf if singular).

* c_t bounds [derived]:  a d_min/(||z_t|| - a) <= c_t <= a d_max/(||z_t|| - a)
* lower bounds on T [derived]: (r_0 - 1)/kappa;  ceil(r_0 - 1) (kappa-free, by the triangle
  inequality);  n_lo = steps of r -> r(r - 1)/(r - 1 + kappa) from r_0 to <= 1
* upper bounds on T [derived]: ceil(r_0^2 - 1);  ceil((r_0 - 1)(1 + kappa (r_0 - 1))/r_0);
  n_hi = steps of r -> r kappa (r - 1)/(1 + kappa (r - 1)) to <= 1

Source: Mobahi et al. 2020, §4 (bounds of this kind); constants derived here (docs/theory/mobahi2020.md §5).
Domain: r_0 > 1, kappa >= 1.

>>> lower_kappa_free(5.5), upper_norm(5.5), steps_lower_map(5.5, 1.0)
(5, 30, 5)
"""

import math

import numpy as np

from .ball import Ball, UndecidedError
from .errors import InputError

__all__ = ["sqrt", "ceil", "c_bounds", "lower_kappa", "lower_kappa_free", "steps_lower_map",
           "upper_norm", "upper_kappa", "steps_upper_map", "lower_map", "upper_map",
           "MAP_STEP_CAP", "rounds_lower_kappa", "rounds_lower_kappa_free",
           "rounds_lower_iterated", "rounds_upper_sq", "rounds_upper_kappa",
           "rounds_upper_iterated", "bound_values"]

#: Iterated maps stop counting here and return inf (the bound then says "very many").
MAP_STEP_CAP = 20_000


def _ctx(x):
    return getattr(x, "context", None)


def sqrt(x):
    """Square root at the precision of ``x`` (float or mpf), or the enclosure of the square
    root of a :class:`~theory.ball.Ball` (never through float: ``math.sqrt`` would round
    the ball to its midpoint)."""
    if isinstance(x, Ball):
        return x.sqrt()
    ctx = _ctx(x)
    return ctx.sqrt(x) if ctx is not None else math.sqrt(x)


def ceil(x):
    """Ceiling as a Python int (inf stays inf); for a :class:`~theory.ball.Ball` the ceiling
    common to every point of the ball, or :class:`~theory.ball.UndecidedError` when the ball
    reaches across an integer."""
    if isinstance(x, Ball):
        return x.ceil()
    if x == math.inf:
        return math.inf
    ctx = _ctx(x)
    return int(ctx.ceil(x)) if ctx is not None else math.ceil(x)


def c_bounds(norm_z, a, d_min, d_max):
    """(a d_min/(||z|| - a), a d_max/(||z|| - a)) for ||z|| > a."""
    return a * d_min / (norm_z - a), a * d_max / (norm_z - a)


def lower_kappa(r0, kappa):
    """(r_0 - 1)/kappa (0 when kappa is infinite)."""
    return 0 * r0 if kappa == math.inf else (r0 - 1) / kappa


def lower_kappa_free(r0):
    """ceil(r_0 - 1)."""
    return ceil(r0 - 1)


def lower_map(r, kappa):
    """r -> r (r - 1)/(r - 1 + kappa)."""
    return r * (r - 1) / (r - 1 + kappa)


def upper_map(r, kappa):
    """r -> r kappa (r - 1)/(1 + kappa (r - 1))."""
    return r * kappa * (r - 1) / (1 + kappa * (r - 1))


def _steps(r0, step, max_steps, end=None):
    """Applications of ``step`` taking r_0 to <= 1; inf beyond ``max_steps``.  ``end``
    ("lower"/"upper", balls only): replace each iterate by that exact end of its ball."""
    r, n = r0, 0
    while r > 1:
        if n >= max_steps:
            return math.inf
        r, n = step(r), n + 1
        if end is not None:
            r = r.lower_end() if end == "lower" else r.upper_end()
    return n


def steps_lower_map(r0, kappa, max_steps=MAP_STEP_CAP):
    """n_lo: applications of :func:`lower_map` taking r_0 to <= 1.

    The map is increasing and r_{t+1} >= map(r_t), so r_t > 1 while t < n_lo; for
    kappa >= 1 each step lowers r by at least 1, so n_lo <= ceil(r_0 - 1).  kappa = inf: one
    step (map -> 0).  For kappa < 1 (the mutants use it) the count can run away: beyond
    ``max_steps`` it is returned as inf.  Balls: see :func:`_ball_corners` (n_lo is
    non-decreasing in r_0 and non-increasing in kappa).
    """
    if isinstance(r0, Ball) or isinstance(kappa, Ball):
        return _ball_corners(_steps_lower, r0, kappa, False, max_steps)
    return _steps_lower(r0, kappa, max_steps)


def _steps_lower(r0, kappa, max_steps, end=None):
    if kappa == math.inf:
        return 1 if r0 > 1 else 0
    return _steps(r0, lambda r: lower_map(r, kappa), max_steps, end)


def steps_upper_map(r0, kappa, max_steps=MAP_STEP_CAP):
    """n_hi: applications of :func:`upper_map` taking r_0 to <= 1 (inf if kappa is inf).

    n_hi grows like kappa (r_0 - 1); beyond ``max_steps`` the bound is returned as inf (true
    but vacuous).  Quick refusal: from r >= 1 + delta a step lowers r by at most
    (1 + delta)/(1 + kappa delta), so reaching 1 + delta with delta = (r_0 - 1)/2 already
    takes (r_0 - 1 - delta)(1 + kappa delta)/(1 + delta) steps.  Balls: see
    :func:`_ball_corners` (n_hi is non-decreasing in r_0 and in kappa).
    """
    if isinstance(r0, Ball) or isinstance(kappa, Ball):
        return _ball_corners(_steps_upper, r0, kappa, True, max_steps)
    return _steps_upper(r0, kappa, max_steps)


def _steps_upper(r0, kappa, max_steps, end=None):
    if kappa == math.inf:
        return math.inf
    delta = (r0 - 1) / 2
    if delta > 0 and (r0 - 1 - delta) * (1 + kappa * delta) / (1 + delta) > max_steps:
        return math.inf
    return _steps(r0, lambda r: upper_map(r, kappa), max_steps, end)


def _ball_corners(steps, r0, kappa, kappa_increasing, max_steps):
    """A step count for balls r_0, kappa, decided at the two extreme corners of their box.

    Both maps increase with r (for r > 1); lower_map decreases and upper_map increases with
    kappa, so by induction the iterates, and the count of steps to reach <= 1, are monotone
    in (r_0, kappa).  Iterating from the exact ends of the enclosures keeps only rounding in
    the balls (iterating the ball itself would widen it at every step, the wrapping
    effect); so does replacing each iterate by its lower end on the low corner's run and by
    its upper end on the high one's (the maps increase with r, so the runs stay below and
    above the true iterates).  Equal counts at the two corners decide the count; otherwise
    UndecidedError.
    """
    r_lo, r_hi = _ends(r0)
    k_lo, k_hi = _ends(kappa)
    if not kappa_increasing:
        k_lo, k_hi = k_hi, k_lo
    a = steps(r_lo, k_lo, max_steps, "lower" if isinstance(r_lo, Ball) else None)
    b = steps(r_hi, k_hi, max_steps, "upper" if isinstance(r_hi, Ball) else None)
    if a == b:
        return a
    ref = r0 if isinstance(r0, Ball) else kappa
    raise UndecidedError(f"the step count is {a} at one corner of the enclosures of r_0 = {r0!r} "
                         f"and kappa = {kappa!r} and {b} at the other", ref.width, ref.prec)


def _ends(x):
    """(lower end, upper end) of a Ball as exact balls; a number twice."""
    return (x.lower_end(), x.upper_end()) if isinstance(x, Ball) else (x, x)


def upper_norm(r0):
    """ceil(r_0^2 - 1), from ||y_{t+1}||^2 <= ||y_t||^2 - K eps."""
    return ceil(r0 * r0 - 1)


def upper_kappa(r0, kappa):
    """ceil((r_0 - 1)(1 + kappa (r_0 - 1))/r_0) (inf when kappa is inf)."""
    if kappa == math.inf:
        return math.inf
    return ceil((r0 - 1) * (1 + kappa * (r0 - 1)) / r0)


# Validated collapse-round bounds: r0 = ||y||/sqrt(K eps) > 1, kappa >= 1 or inf.

def _check_r0_kappa(r0, kappa=1.0):
    if not (isinstance(r0, (int, float, np.floating)) and math.isfinite(r0) and r0 > 1):
        raise InputError(f"r0 = {r0!r} must be a finite number > 1 (r0 <= 1 means ||y||^2 <= "
                         f"K eps: collapse at round 0, T = 0)")
    if not (isinstance(kappa, (int, float, np.floating)) and kappa >= 1):
        raise InputError(f"kappa = {kappa!r} must be a number >= 1 (inf for a singular G)")


def rounds_lower_kappa(r0, kappa):
    """``T ≥ (r0 − 1)/κ`` (0 when κ = ∞: the bound then says nothing).

    Source: docs/theory/mobahi2020.md §5 rounds_lower [paper (form), derived (constant)].
    Domain: r0 > 1, κ ≥ 1 or inf.

    >>> rounds_lower_kappa(5.0, 2.0)
    2.0
    """
    _check_r0_kappa(r0, kappa)
    return float(lower_kappa(r0, kappa))


def rounds_lower_kappa_free(r0):
    """``T ≥ ⌈r0 − 1⌉`` (triangle inequality: ``||y_{t+1}|| ≥ ||y_t|| − sqrt(K ε)``).

    Source: docs/theory/mobahi2020.md §5 rounds_lower_kappa_free [derived].
    Domain: r0 > 1.

    >>> rounds_lower_kappa_free(3.2)
    3
    """
    _check_r0_kappa(r0)
    return lower_kappa_free(r0)


def rounds_lower_iterated(r0, kappa):
    """``T ≥ n_lo``: the number of steps of ``r ↦ r(r − 1)/(r − 1 + κ)`` from r0 to ≤ 1.

    The map is increasing and ``r_{t+1} ≥ map(r_t)``, so ``r_t > 1`` while ``t < n_lo``.
    It never exceeds ⌈r0 − 1⌉ (each step lowers r by at least 1), so the loop ends.

    Source: docs/theory/mobahi2020.md §5 rounds_lower_iterated [derived].
    Domain: r0 > 1, κ ≥ 1 or inf (one step when κ = ∞).

    >>> rounds_lower_iterated(5.0, 1.0), rounds_lower_iterated(5.0, 100.0)
    (4, 1)
    """
    _check_r0_kappa(r0, kappa)
    return steps_lower_map(r0, kappa)


def rounds_upper_sq(r0):
    """``T ≤ ⌈r0² − 1⌉`` (each round lowers ``||y_t||²`` by at least ``K ε``).

    Source: docs/theory/mobahi2020.md §5 rounds_upper (from norm_decreasing) [derived].
    Domain: r0 > 1.

    >>> rounds_upper_sq(3.0)
    8
    """
    _check_r0_kappa(r0)
    return upper_norm(r0)


def rounds_upper_kappa(r0, kappa):
    """``T ≤ ⌈(r0 − 1)(1 + κ(r0 − 1))/r0⌉`` (inf when κ = ∞).

    Source: docs/theory/mobahi2020.md §5 rounds_upper [derived].
    Domain: r0 > 1, κ ≥ 1 or inf.

    >>> rounds_upper_kappa(3.0, 1.0)
    2
    """
    _check_r0_kappa(r0, kappa)
    return upper_kappa(r0, kappa)


def rounds_upper_iterated(r0, kappa, *, max_steps=10**6):
    """``T ≤ n_hi``: the number of steps of ``r ↦ r κ (r − 1)/(1 + κ(r − 1))`` from r0 to ≤ 1.

    Each step lowers r by ``r/(1 + κ(r − 1)) ≥ 1/κ``, so ``n_hi ≤ κ(r0 − 1) + 1``; when the
    count would exceed ``max_steps`` (large κ) the function returns ``inf``, a true but
    vacuous bound, rather than iterate for long.

    Source: docs/theory/mobahi2020.md §5 rounds_upper [derived].
    Domain: r0 > 1, κ ≥ 1 or inf (then inf).

    >>> rounds_upper_iterated(5.0, 1.0), rounds_upper_iterated(5.0, 1e9, max_steps=100)
    (4, inf)
    """
    _check_r0_kappa(r0, kappa)
    return steps_upper_map(r0, kappa, max_steps)


#: Cap on the n_hi iteration in the figure (it needs about kappa (r0 - 1) steps).
_N_HI_STEPS = 10**5


def bound_values(r0, kappa, *, max_steps=_N_HI_STEPS):
    """The six bounds on T of :data:`BOUNDS`, lower then upper: ``lo ≤ T ≤ hi`` for each.

    Source: docs/theory/mobahi2020.md §5 rounds_lower, rounds_lower_iterated, rounds_lower_kappa_free,
    rounds_upper [paper (form), derived].
    Domain: r0 > 1, κ ≥ 1 or inf.

    >>> bound_values(3.0, 1.0)
    [2.0, 2, 2, 8, 2, 2]
    """
    return [rounds_lower_kappa(r0, kappa), rounds_lower_kappa_free(r0),
            rounds_lower_iterated(r0, kappa), rounds_upper_sq(r0),
            rounds_upper_kappa(r0, kappa), rounds_upper_iterated(r0, kappa, max_steps=max_steps)]

