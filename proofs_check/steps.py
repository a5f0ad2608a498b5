"""Symbolic step checks for derivations (STYLE rule 11): each says how it checks a step.

* :class:`Identity`: ``lhs - rhs`` is exactly zero (sympy, rational-function arithmetic)
  after substituting the definitions it names;
* :class:`Sign`: ``lhs - rhs`` has the claimed sign for all admissible values, decided by
  sympy's assumptions after writing the hypotheses as positive parameters
  (e.g. κ = 1 + u, u ≥ 0);
* :class:`Equivalence`: for a step ``P => Q`` between inequalities, the slack of ``Q`` is
  the slack of ``P`` times a factor sympy proves positive.

Papers add their own checks next to their derivations (e.g. numeric checks on an engine's
trajectories).

>>> import sympy as sp
>>> from theory.derivation import Step
>>> Identity()(Step(sp.Integer(2), sp.Integer(2), "=", "", ""))
True
"""

import sympy as sp

from theory.derivation import Step
from theory.exact import is_zero

__all__ = ["Identity", "Sign", "Equivalence", "slack", "step"]


def step(lhs, rel, rhs, why, source, check=None):
    """A :class:`theory.derivation.Step` with its check."""
    return Step(lhs, rhs, rel, why, source, verify=check)


def slack(rel, lhs, rhs):
    """rhs - lhs for <=, <; lhs - rhs for >=, >."""
    if rel in ("<=", "<"):
        return rhs - lhs
    if rel in (">=", ">"):
        return lhs - rhs
    raise ValueError(f"{rel!r} is not an inequality")


def _relslack(relation):
    """(relation string, slack) of a sympy inequality object."""
    ops = {"<=": "<=", "<": "<", ">=": ">=", ">": ">"}
    op = ops[relation.rel_op]
    return op, slack(op, relation.lhs, relation.rhs)


# --------------------------------------------------------------------------------------
# Symbolic checks

class Identity:
    """Check ``lhs - rhs = 0`` exactly, after substituting ``subs`` and evaluating
    (``doit``): the numerator over a common denominator expands to 0 (trigonometric
    forms are expanded first when that fails).

    Source: STYLE rule 11 (each step machine-checked).  Domain: steps with relation ``=``
    whose sides are scalar sympy expressions.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> Identity()(Step(x / (1 + x) + 1 / (1 + x), sp.Integer(1), "=", "", ""))
    True
    """

    def __init__(self, subs=None, note=""):
        self.subs = dict(subs or {})
        self.note = note

    def describe(self):
        base = "symbolic: lhs - rhs reduces to 0 exactly"
        return base + (f" ({self.note})" if self.note else "")

    def __call__(self, step):
        diff = (sp.sympify(step.lhs) - sp.sympify(step.rhs)).xreplace(self.subs).doit()
        diff = diff.xreplace(self.subs)
        return is_zero(diff) or sp.simplify(sp.expand_trig(diff)) == 0


class Sign:
    """Check ``lhs <= rhs`` (or ``>=``, ``<``, ``>``) for all admissible values.

    ``subs`` writes the hypotheses as positive parameters (e.g. κ -> 1 + u with u >= 0);
    the slack (``rhs - lhs`` for <=, ``lhs - rhs`` for >=) is then factored and its sign
    decided by sympy's assumptions (strict relations need a positive slack).  Undecided
    counts as failed.

    Source: STYLE rule 11.  Domain: inequality steps between scalar expressions.

    >>> import sympy as sp
    >>> r, u = sp.Symbol("r", positive=True), sp.Dummy("u", nonnegative=True)
    >>> Sign({r: 1 + u})(Step(r**2, r, ">=", "r >= 1", ""))
    True
    """

    def __init__(self, subs=None, note=""):
        self.subs = dict(subs or {})
        self.note = note

    def describe(self):
        return ("symbolic: the slack has the claimed sign for all admissible values"
                + (f" ({self.note})" if self.note else ""))

    def __call__(self, step):
        s = slack(step.relation, sp.sympify(step.lhs), sp.sympify(step.rhs))
        s = sp.factor(sp.together(s.doit().xreplace(self.subs).doit()))
        return bool(s.is_positive) if step.relation in ("<", ">") else bool(s.is_nonnegative)


class Equivalence:
    """Check ``P => Q`` between inequalities: slack(Q) = q slack(P) with q > 0 proved by
    sympy after ``subs`` (so in fact P <=> Q).

    Source: STYLE rule 11.  Domain: steps with relation ``=>`` whose sides are sympy
    inequalities of the same strictness.

    >>> import sympy as sp
    >>> c, a, n = sp.symbols("c a n", positive=True)
    >>> Equivalence()(Step(sp.Le(2 * c, a), sp.Le(c, a / 2), "=>", "halve", ""))
    True
    """

    def __init__(self, subs=None, note=""):
        self.subs = dict(subs or {})
        self.note = note

    def describe(self):
        return ("symbolic: the slack of the conclusion is the slack of the premise times a "
                "factor sympy proves positive" + (f" ({self.note})" if self.note else ""))

    def __call__(self, step):
        if step.relation != "=>":
            return False
        (op_p, sp_p), (op_q, sp_q) = _relslack(step.lhs), _relslack(step.rhs)
        if (op_p in ("<", ">")) != (op_q in ("<", ">")):
            return False
        q = sp.factor(sp.cancel((sp_q / sp_p).xreplace(self.subs)))
        return bool(q.is_positive)

