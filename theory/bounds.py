"""Bounds on the collapse round T and on c_t (spec §5), for float64 numbers and mpf alike.

Notation: a = sqrt(K eps), r_t = ||y_t||/a, r_0 > 1, kappa = d_max/d_min (inf if singular).

* c_t bounds [derived]:  a d_min/(||z_t|| - a) <= c_t <= a d_max/(||z_t|| - a)
* lower bounds on T [derived]: (r_0 - 1)/kappa;  ceil(r_0 - 1) (kappa-free, by the triangle
  inequality);  n_lo = steps of r -> r(r - 1)/(r - 1 + kappa) from r_0 to <= 1
* upper bounds on T [derived]: ceil(r_0^2 - 1);  ceil((r_0 - 1)(1 + kappa (r_0 - 1))/r_0);
  n_hi = steps of r -> r kappa (r - 1)/(1 + kappa (r - 1)) to <= 1

Source: Mobahi et al. 2020, §4 (bounds of this kind); constants derived here (spec §5).
Domain: r_0 > 1, kappa >= 1.

>>> lower_kappa_free(5.5), upper_norm(5.5), steps_lower_map(5.5, 1.0)
(5, 30, 5)
"""

import math

__all__ = ["sqrt", "ceil", "c_bounds", "lower_kappa", "lower_kappa_free", "steps_lower_map",
           "upper_norm", "upper_kappa", "steps_upper_map", "lower_map", "upper_map",
           "MAP_STEP_CAP"]

#: Iterated maps stop counting here and return inf (the bound then says "very many").
MAP_STEP_CAP = 20_000


def _ctx(x):
    return getattr(x, "context", None)


def sqrt(x):
    """Square root at the precision of ``x`` (float or mpf)."""
    ctx = _ctx(x)
    return ctx.sqrt(x) if ctx is not None else math.sqrt(x)


def ceil(x):
    """Ceiling as a Python int (inf stays inf)."""
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


def _steps(r0, step, max_steps):
    """Applications of ``step`` taking r_0 to <= 1; inf beyond ``max_steps``."""
    r, n = r0, 0
    while r > 1:
        if n >= max_steps:
            return math.inf
        r, n = step(r), n + 1
    return n


def steps_lower_map(r0, kappa, max_steps=MAP_STEP_CAP):
    """n_lo: applications of :func:`lower_map` taking r_0 to <= 1.

    The map is increasing and r_{t+1} >= map(r_t), so r_t > 1 while t < n_lo; for
    kappa >= 1 each step lowers r by at least 1, so n_lo <= ceil(r_0 - 1).  kappa = inf: one
    step (map -> 0).  For kappa < 1 (the mutants use it) the count can run away: beyond
    ``max_steps`` it is returned as inf.
    """
    if kappa == math.inf:
        return 1 if r0 > 1 else 0
    return _steps(r0, lambda r: lower_map(r, kappa), max_steps)


def steps_upper_map(r0, kappa, max_steps=MAP_STEP_CAP):
    """n_hi: applications of :func:`upper_map` taking r_0 to <= 1 (inf if kappa is inf).

    n_hi grows like kappa (r_0 - 1); beyond ``max_steps`` the bound is returned as inf (true
    but vacuous).  Quick refusal: from r >= 1 + delta a step lowers r by at most
    (1 + delta)/(1 + kappa delta), so reaching 1 + delta with delta = (r_0 - 1)/2 already
    takes (r_0 - 1 - delta)(1 + kappa delta)/(1 + delta) steps.
    """
    if kappa == math.inf:
        return math.inf
    delta = (r0 - 1) / 2
    if delta > 0 and (r0 - 1 - delta) * (1 + kappa * delta) / (1 + delta) > max_steps:
        return math.inf
    return _steps(r0, lambda r: upper_map(r, kappa), max_steps)


def upper_norm(r0):
    """ceil(r_0^2 - 1), from ||y_{t+1}||^2 <= ||y_t||^2 - K eps."""
    return ceil(r0 * r0 - 1)


def upper_kappa(r0, kappa):
    """ceil((r_0 - 1)(1 + kappa (r_0 - 1))/r_0) (inf when kappa is inf)."""
    if kappa == math.inf:
        return math.inf
    return ceil((r0 - 1) * (1 + kappa * (r0 - 1)) / r0)
