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

An outcome states its relation: ``>=`` (the default: a margin within tolerance of zero
holds), ``>`` (strict: a margin within tolerance of zero is decided by mp, and is never
counted as holding) or ``==`` (an identity: the margin is minus a relative difference).
:meth:`Outcome.compare` builds the margin of ``lhs <= rhs``, ``lhs < rhs``, ``lhs == rhs``
and so on with the right relative scale; :meth:`Outcome.skip` says that an instance lies
outside the claim's hypothesis (counted, never a pass and never an error).

>>> Outcome(0.5).holds
True
>>> Outcome.compare(2.0, "<", 3.0).relation, Outcome.compare(1.0, "==", 1.0).margin
('>', 0.0)
>>> Outcome.skip("G is singular").skip_reason
'G is singular'
>>> Instance("toy", "test", data={"K": 3}).K
3
"""

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

__all__ = ["Outcome", "Mutant", "Claim", "PROVENANCES", "EXPECTED", "RELATIONS", "Instance",
           "check_id"]

#: ``paper``: the paper states it; ``derived``: derived here in the paper's setting;
#: ``prior-work``: a standard result the paper builds on; ``code``: the authors' official
#: repository; ``third-party``: a summary of the paper by someone else (named in ``where``).
PROVENANCES = ("paper", "derived", "prior-work", "code", "third-party")
#: A claim's expected verdict: ``verified``, or ``refuted`` for a published reading that the
#: numbers contradict (it succeeds when the checker refutes it with a counterexample).
EXPECTED = ("verified", "refuted")

#: How an :class:`Outcome`'s margin is read: ``>=`` holds when margin >= 0 (within the
#: tolerance), ``>`` (strict) only when margin exceeds the tolerance, ``==`` (identity) when
#: minus the relative difference is within the tolerance of zero.
RELATIONS = (">=", ">", "==")
#: The relations :meth:`Outcome.compare` accepts, and the stored relation of each.
_COMPARE = {"<=": ">=", ">=": ">=", "<": ">", ">": ">", "==": "=="}

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

    ``relation``: ``">="`` (default), ``">"`` (strict: holds only when the margin exceeds
    the tolerance; a margin within tolerance of zero goes to mp and, if mp cannot separate
    it from zero either, the instance is undecided, never a pass) or ``"=="`` (identity:
    ``margin = -|lhs - rhs|/scale <= 0``; float64 can refute an identity but only mp, at
    ``dps`` digits, confirms it).  ``skip_reason``: set by :meth:`skip`.
    """

    margin: object
    tightness: Optional[float] = None
    detail: str = ""
    witness: bool = False
    cond: float = 1.0
    relation: str = ">="
    skip_reason: Optional[str] = None

    @property
    def holds(self):
        """The margin's verdict before any tolerance (skipped instances never hold)."""
        if self.skip_reason is not None:
            return False
        return self.margin > 0 if self.relation == ">" else self.margin >= 0

    @property
    def skipped(self):
        return self.skip_reason is not None

    @classmethod
    def compare(cls, lhs, relation, rhs, *, scale=None, cond=1.0, detail="", tightness=None,
                witness=False):
        """The outcome of ``lhs relation rhs`` (relation ``<=``, ``<``, ``>=``, ``>``, ``==``).

        The margin is the slack divided by ``scale`` (default ``max(|lhs|, |rhs|)``, or 1
        when both are zero): ``(rhs - lhs)/scale`` for ``<=`` and ``<``, ``(lhs - rhs)/scale``
        for ``>=`` and ``>``, ``-|lhs - rhs|/scale`` for ``==``.  For ``==``, ``lhs`` and
        ``rhs`` may be arrays of one shape (normwise: ``||lhs - rhs||/max(||lhs||, ||rhs||)``).
        Give ``scale`` when both sides are small differences of large numbers (e.g. the
        norm of the targets), and ``cond`` when the sides themselves cancel.  Works on
        float64 and ``mpf`` alike (the margin has the type of the sides).

        >>> Outcome.compare(3, "<=", 4).margin
        0.25
        >>> round(Outcome.compare(1.0, "==", 1.0 + 1e-12).margin, 15)
        -1e-12
        """
        if relation not in _COMPARE:
            raise ValueError(f"relation {relation!r} must be one of {tuple(_COMPARE)}")
        from .numbers import norm
        if relation == "==":
            import numpy as np
            a, b = np.asarray(lhs, dtype=object), np.asarray(rhs, dtype=object)
            if a.shape != b.shape:
                raise ValueError(f"identity between shapes {a.shape} and {b.shape}")
            if a.ndim == 0:
                diff, big = abs(lhs - rhs), max(abs(lhs), abs(rhs))
            else:
                diff, big = norm(a - b), max(norm(a), norm(b))
            s = scale if scale is not None else (big if big != 0 else 1)
            margin = 0 - diff / s  # not -0.0
        else:
            big = max(abs(lhs), abs(rhs))
            s = scale if scale is not None else (big if big != 0 else 1)
            margin = (rhs - lhs) / s if relation in ("<=", "<") else (lhs - rhs) / s
        return cls(margin, tightness, detail, witness, cond, _COMPARE[relation])

    @classmethod
    def identity(cls, lhs, rhs, **kw):
        """``Outcome.compare(lhs, "==", rhs, **kw)``: an identity between two quantities.

        >>> Outcome.identity(2.0, 2.0).holds
        True
        """
        return cls.compare(lhs, "==", rhs, **kw)

    @classmethod
    def skip(cls, reason):
        """The instance lies outside the claim's hypothesis (say which): it is counted as
        skipped, is neither a pass nor a counterexample, and a domain in which every
        instance is skipped is an error.

        >>> Outcome.skip("needs K >= 2").holds
        False
        """
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("Outcome.skip needs a reason: say which hypothesis fails")
        return cls(0.0, detail=reason, skip_reason=reason)


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
