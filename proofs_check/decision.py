"""The decision rule: one definition of the tolerances every check uses.

An outcome's ``margin`` is a relative slack (>= 0: the statement holds on the instance).
The checker accepts a margin when ``margin >= -tol`` and calls a float64 verdict
*conclusive* when ``|margin| > tol``; otherwise the engine's high-precision (mp) form
decides.  With ``cond`` the condition number of the claim's margin formula
(:attr:`proofs_check.claim.Outcome.cond`):

* float64: ``tol = (F64_ACCURACY_FACTOR * accuracy + F64_ROUNDING_ULPS * u) * cond``, where
  ``accuracy`` is the engine's a-posteriori relative accuracy of the result (for the
  self-distillation engine: the spread of a perturbed re-run) and ``u`` the float64 unit
  roundoff: the factor 4 covers an accuracy estimate that is low by a small factor, the 16
  ulps the rounding of the margin formula's own few operations;
* mp at ``dps`` digits: ``tol = 10^(MP_SLACK_DIGITS - dps) * cond`` (the mp results are
  confirmed to ``dps`` digits by a second run at higher precision; 2 digits of slack
  cover the margin formula's own rounding).

A tolerance is never allowed to absorb a failure wholesale: when a *negative* margin lies
within a tolerance larger than :data:`MAX_ABSORBED` (relative), the instance is
*undecided*, never counted as holding.  A non-finite margin, or a ``cond`` that is not a
finite number ``>= 0``, makes the instance an error.

Every text that states the rule (claim pages, the pytest plugin's messages, the guide) is
generated from :func:`rule_text`.

>>> tol_f64(1e-15, 1.0) > tol_f64(0.0, 1.0) > 0
True
>>> tol_mp(50, 1.0)
1e-48
"""

import math

import numpy as np

__all__ = ["EPS64", "F64_ACCURACY_FACTOR", "F64_ROUNDING_ULPS", "MP_SLACK_DIGITS",
           "MAX_ABSORBED", "F64_RULE", "MP_RULE", "DPS_MIN", "DPS_MAX", "check_dps", "tol_f64", "tol_mp", "tolerance", "valid_cond", "rule_text"]

#: float64 machine epsilon (2^-52); the unit roundoff u is half of it, the rule uses eps.
EPS64 = float(np.finfo(np.float64).eps)
F64_ACCURACY_FACTOR = 4
F64_ROUNDING_ULPS = 16
MP_SLACK_DIGITS = 2
#: A negative margin absorbed by a tolerance wider than this (relative) is undecided: at
#: 1e-6 no double-precision rounding explains it, and a tolerance that wide would hide a
#: failure of that size.
MAX_ABSORBED = 1e-6


#: The two formulas as text (every document that states them prints these).
F64_RULE = f"tol = ({F64_ACCURACY_FACTOR} accuracy + {F64_ROUNDING_ULPS} u) cond"
MP_RULE = f"tol = 10^({MP_SLACK_DIGITS} - dps) cond"


def tol_f64(accuracy, cond=1.0):
    """``(4 accuracy + 16 eps64) cond``: the float64 tolerance of a margin."""
    return (F64_ACCURACY_FACTOR * float(accuracy) + F64_ROUNDING_ULPS * EPS64) * float(cond)


def tol_mp(dps, cond=1.0):
    """``10^(2 - dps) cond``: the tolerance of a margin from results confirmed to ``dps`` digits."""
    return 10.0 ** (MP_SLACK_DIGITS - int(dps)) * float(cond)


def tolerance(dps, accuracy, cond=1.0):
    """The tolerance of a result at ``dps`` digits (None: float64 with ``accuracy``)."""
    return tol_f64(accuracy, cond) if dps is None else tol_mp(dps, cond)


def valid_cond(cond):
    """True when ``cond`` is a usable condition number: a finite real number >= 0."""
    try:
        c = float(cond)
    except (TypeError, ValueError):
        return False
    return math.isfinite(c) and c >= 0


def rule_text(markdown=False):
    """The rule in one sentence, generated from the constants above.

    >>> "16" in rule_text()
    True
    """
    code = (lambda s: f"`{s}`") if markdown else (lambda s: s)
    return (f"holds when margin >= -tol; float64: "
            f"{code(F64_RULE)} "
            f"(accuracy: the engine's a-posteriori relative accuracy, u = 2^-52), conclusive "
            f"when |margin| > tol, else mp decides with "
            f"{code(MP_RULE)}; a negative margin inside a "
            f"tolerance wider than {MAX_ABSORBED:g} is undecided, never a pass")


#: Digits the checker's mp engine may be asked for: more than float64 carries (about 16),
#: so that it can check float64, and no more than the engines support.
DPS_MIN, DPS_MAX = 17, 5000


def check_dps(dps):
    """``dps`` as an int in [DPS_MIN, DPS_MAX], or InputError naming the value and the range
    (the one precision range of the CLI and the pytest plugin).

    >>> check_dps(50)
    50
    """
    from theory.errors import InputError
    if isinstance(dps, bool) or not isinstance(dps, int) or not DPS_MIN <= dps <= DPS_MAX:
        raise InputError(f"dps = {dps!r}: the mp engine needs an integer number of digits from "
                         f"{DPS_MIN} (more than float64's ~16, to check it) to {DPS_MAX}")
    return dps
