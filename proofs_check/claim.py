"""Claims as data (STYLE rule 8): a small frozen object with its source, domain, check and mutants.

A claim's ``evaluate(inst, traj, engine)`` returns an :class:`Outcome` whose ``margin`` is a
relative slack: ``>= 0`` means the statement holds on that instance, and its size says how
far from failing it is.  ``traj`` is the instance's trajectory from either engine (float64
numbers or mpf); ``engine`` runs further trajectories at the same precision if the check
needs them.  The checker (:mod:`proofs_check.check`) compares margins with a tolerance
derived from the trajectory's accuracy.

A :class:`Mutant` is a plausible false variant with the same ``evaluate`` signature; the
checker must refute it with a counterexample, or the checker is broken.

>>> Outcome(0.5).holds
True
"""

from dataclasses import dataclass, field
from typing import Callable, Optional

__all__ = ["Outcome", "Mutant", "Claim", "PROVENANCES", "Instance"]

PROVENANCES = ("paper", "derived", "prior-work")


@dataclass(frozen=True)
class Instance:
    """One point of a claim's domain: a Gram matrix, targets and a budget.

    ``id`` names the generator and its parameters, so a counterexample can be rebuilt.
    """

    id: str
    family: str
    G: object = field(repr=False)
    y: object = field(repr=False)
    eps: float
    params: tuple = ()

    @property
    def K(self):
        return self.G.shape[0]

    def describe(self):
        return {"id": self.id, "family": self.family, "K": int(self.K), "eps": float(self.eps),
                **dict(self.params)}


@dataclass(frozen=True)
class Outcome:
    """Result of evaluating a statement on one instance.

    ``margin``: relative slack (>= 0 holds).  ``tightness``: for bounds, bound/true value in
    [0, 1] (1 = attained).  ``detail``: the numbers, for a counterexample.  ``witness``: for
    existence statements, whether this instance exhibits the phenomenon.  ``cond``: the
    condition number of the margin's formula (e.g. r/(r - 1) where it subtracts ||z|| - a),
    by which the checker multiplies the trajectory's accuracy to get the tolerance.
    """

    margin: object
    tightness: Optional[float] = None
    detail: str = ""
    witness: bool = False
    cond: float = 1.0

    @property
    def holds(self):
        return self.margin >= 0


@dataclass(frozen=True)
class Mutant:
    """A plausible false variant of a claim, which the checker must refute."""

    id: str
    statement: str
    evaluate: Callable = field(repr=False, compare=False)


@dataclass(frozen=True)
class Claim:
    """A falsifiable statement from a paper, with its domain, check and mutants.

    ``provenance`` is ``paper`` (the paper states it), ``derived`` (we derived it in the
    paper's setting) or ``prior-work``.  ``domain(tier, seed)`` returns the instances
    (deterministic).  ``needs_witness``: an existence statement, verified only if some
    instance is a witness.  ``mp_instances``: how many leading instances the mp engine
    re-checks even when float64 is conclusive.
    """

    id: str
    paper: str
    where: str
    provenance: str
    summary: str
    statement: str
    domain: Callable = field(repr=False, compare=False)
    evaluate: Callable = field(repr=False, compare=False)
    mutants: tuple = ()
    needs_witness: bool = False
    mp_instances: int = 3
    tolerance: str = ("margin >= -tol, tol = 4 x the trajectory's accuracy (float64: a "
                      "posteriori by perturbation; mp: 10^-dps) + 16 u")
    notes: str = ""

    def __post_init__(self):
        if self.provenance not in PROVENANCES:
            raise ValueError(f"claim {self.id}: provenance {self.provenance!r} must be one of "
                             f"{PROVENANCES}")
        if not self.mutants:
            raise ValueError(f"claim {self.id} has no mutant: a checker that cannot fail "
                             f"proves nothing; add a plausible false variant")
