"""A derivation as data: an ordered list of steps, each a relation between sympy objects.

STYLE rule 11: a derivation is data; one LaTeX printer renders it (``proofs_check.latex``).
Each step records the relation it asserts, why it holds, and where it comes from, and may
carry a ``verify`` callable that machine-checks it (symbolic simplification to zero, or a
numeric check); :meth:`Derivation.verify` runs them all.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> d = Derivation("demo", "A demo", "none", "derived",
...     (Step(sp.sin(x)**2 + sp.cos(x)**2, sp.Integer(1), "=", "Pythagoras", "prior work",
...           verify=symbolic_equal),))
>>> d.verify()
[True]
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import sympy as sp

__all__ = ["Step", "Derivation", "DerivationError", "symbolic_equal"]


class DerivationError(ArithmeticError):
    """A step of a derivation failed its machine check."""


def symbolic_equal(step):
    """Check ``step.lhs - step.rhs`` simplifies to zero (for relation ``=``)."""
    diff = sp.simplify(sp.sympify(step.lhs) - sp.sympify(step.rhs))
    return diff == 0


@dataclass(frozen=True)
class Step:
    """One step ``lhs  relation  rhs`` with its justification and source.

    ``relation`` is one of ``=``, ``<=``, ``>=``, ``<``, ``>``, ``:=`` (definition),
    ``=>`` (implication between statements; ``lhs``/``rhs`` may then be sympy relations).
    ``verify(step) -> bool`` machine-checks the step; ``None`` means the step is a
    definition or hypothesis and needs no check.
    """

    lhs: Any
    rhs: Any
    relation: str
    justification: str
    source: str
    verify: Optional[Callable[["Step"], bool]] = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Derivation:
    """An ordered, checkable chain of :class:`Step` objects."""

    id: str
    title: str
    source: str
    provenance: str
    steps: tuple

    def verify(self):
        """Run every step's check; raise :class:`DerivationError` naming the first failure."""
        results = []
        for i, step in enumerate(self.steps, start=1):
            if step.verify is None:
                continue
            ok = bool(step.verify(step))
            if not ok:
                raise DerivationError(
                    f"derivation {self.id!r}, step {i} ({step.justification}) failed its check: "
                    f"{sp.sstr(step.lhs)} {step.relation} {sp.sstr(step.rhs)}")
            results.append(ok)
        return results
