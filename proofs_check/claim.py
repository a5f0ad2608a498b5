"""Claims as data: a small frozen object with its source, domain, engine, check and mutants.

A claim's ``evaluate(inst, result, tools)`` returns an :class:`Outcome` whose ``margin`` is
a relative slack: ``>= 0`` means the statement holds on that instance, and its size says
how far from failing it is.  ``result`` is what the claim's engine
(:mod:`proofs_check.engines`) made of the instance, in float64 or at ``dps`` digits;
``tools`` is the engine's helper for further runs at the same precision.  The checker
(:mod:`proofs_check.check`) compares margins with the one decision rule of
:mod:`proofs_check.decision`.

A :class:`Mutant` is a plausible false variant with the same ``evaluate`` signature; the
checker must refute it with a counterexample, or the checker is broken.

>>> Outcome(0.5).holds
True
>>> Instance("toy", "test", data={"K": 3}).K
3
"""

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

__all__ = ["Outcome", "Mutant", "Claim", "PROVENANCES", "EXPECTED", "Instance", "check_id"]

#: ``paper``: the paper states it; ``derived``: derived here in the paper's setting;
#: ``prior-work``: a standard result the paper builds on; ``code``: the authors' official
#: repository; ``third-party``: a summary of the paper by someone else (named in ``where``).
PROVENANCES = ("paper", "derived", "prior-work", "code", "third-party")
#: A claim's expected verdict: ``verified``, or ``refuted`` for a published reading that the
#: numbers contradict (it succeeds when the checker refutes it with a counterexample).
EXPECTED = ("verified", "refuted")

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-~]*$")


def check_id(cid, what="claim"):
    """Raise ValueError unless ``cid`` is a usable id: letters, digits, ``_ . - ~``, no
    spaces or control characters, not empty."""
    if not isinstance(cid, str) or not _ID.match(cid):
        raise ValueError(f"{what} id {cid!r} is not valid: use letters, digits and _ . - ~ "
                         f"(e.g. 'mypaper.bound_holds'), without spaces or control characters")
    return cid


@dataclass(frozen=True)
class Instance:
    """One point of a claim's domain.

    ``id`` names the generator and its parameters, so a counterexample can be rebuilt.
    Kernel problems carry ``G`` (Gram matrix, with its 1/K), ``y`` (targets) and, for the
    eps-constrained engine, ``eps``; other engines read ``data`` (a mapping whose keys are
    also attributes: ``inst.data["X"]`` is ``inst.X``).  ``params`` are the generator's
    parameters, shown in reports.
    """

    id: str
    family: str
    G: object = field(default=None, repr=False)
    y: object = field(default=None, repr=False)
    eps: object = None
    params: tuple = ()
    data: Optional[Mapping] = field(default=None, repr=False, compare=False)

    def __getattr__(self, name):
        data = self.__dict__.get("data")
        if data is not None and name in data:
            return data[name]
        raise AttributeError(f"instance {self.__dict__.get('id')!r} has no {name!r}")

    @property
    def K(self):
        """The problem size: rows of ``G``, else ``data['K']``, else the ``K`` parameter."""
        if self.G is not None:
            return self.G.shape[0]
        if self.data is not None and "K" in self.data:
            return int(self.data["K"])
        return int(dict(self.params).get("K", 1))

    def describe(self):
        """JSON-ready summary: id, family, K, eps (when set) and the parameters."""
        out = {"id": self.id, "family": self.family, "K": int(self.K)}
        if self.eps is not None:
            out["eps"] = float(self.eps)
        return {**out, **dict(self.params)}


@dataclass(frozen=True)
class Outcome:
    """Result of evaluating a statement on one instance.

    ``margin``: relative slack (>= 0 holds).  ``tightness``: for bounds, bound/true value in
    [0, 1] (1 = attained).  ``detail``: the numbers, for a counterexample.  ``witness``: for
    existence statements, whether this instance exhibits the phenomenon.  ``cond``: the
    condition number of the margin's formula (e.g. r/(r - 1) where it subtracts ||z|| - a),
    by which the checker multiplies the result's accuracy to get the tolerance; it must be
    a finite number >= 0, or the instance is an error.
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
    """A falsifiable statement from a paper, with its domain, engine, check and mutants.

    ``provenance`` is one of :data:`PROVENANCES`.  ``domain(tier, seed)`` returns the
    instances (deterministic).  ``engine``: the :mod:`proofs_check.engines` object that
    turns an instance into what ``evaluate`` reads (default: eps-constrained
    self-distillation).  ``needs_witness``: an existence statement, verified only if some
    instance is a witness.  ``mp_instances``: how many leading instances the mp engine
    re-checks even when float64 is conclusive.  ``expected``: ``"refuted"`` for a published
    reading the numbers contradict (``source`` of the reading in ``where``).
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
    engine: object = field(default=None, repr=False, compare=False)
    expected: str = "verified"
    notes: str = ""

    def __post_init__(self):
        check_id(self.id)
        if self.provenance not in PROVENANCES:
            raise ValueError(f"claim {self.id}: provenance {self.provenance!r} must be one of "
                             f"{PROVENANCES}")
        if self.expected not in EXPECTED:
            raise ValueError(f"claim {self.id}: expected {self.expected!r} must be one of "
                             f"{EXPECTED}")
        if not self.mutants:
            raise ValueError(f"claim {self.id} has no mutant: a checker that cannot fail "
                             f"proves nothing; add a plausible false variant")
        for m in self.mutants:
            check_id(m.id, "mutant")
        if self.engine is None:
            from .engines import SELF_DISTILL
            object.__setattr__(self, "engine", SELF_DISTILL)

    @property
    def tolerance(self):
        """The decision rule in words (generated from :mod:`proofs_check.decision`)."""
        from .decision import rule_text
        return rule_text()
