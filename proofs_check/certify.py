"""Certified mode: an interval-arithmetic proof of each inequality on each checked instance.

The plain checker (:mod:`proofs_check.check`) compares float64 with 50-digit mp results:
evidence, not proof.  Here a claim's ``evaluate`` (and each mutant's) runs on a trajectory
whose numbers are Arb balls (:func:`theory.certified.self_distill_ball`); every comparison
inside it is decided for every point of the balls or raises, so the margin it returns is a
ball (or an exact number) that contains the true margin of the instance.  Per instance:

* **certified**: every point of the margin's ball is >= 0 (the claim's "holds");
* **certified-refuted**: every point is < 0 (a proved counterexample);
* **undecided**: the ball contains 0, or a comparison inside ``evaluate`` or the engine
  could not be decided; retried at twice the precision up to ``max_bits``, then reported
  with the ball's width (an exact tie, such as a bound attained at kappa = 1, stays
  undecided at any precision);
* **error**: the engine refused the instance, or ``evaluate`` failed or returned something
  other than a ball or an exact number.

A claim takes part only when its paper declares it certifiable (a ``CERTIFIABLE`` set of
ids in the module that defines its ``evaluate``, with ``NOT_CERTIFIABLE`` reasons for the
rest) and a ball engine exists for its engine: claims whose oracles are float64 (an
optimiser, a grid, Monte Carlo) are reported "not certifiable", never certified.  Every
mutant of a certifiable claim must come back certified-refuted on some instance.

>>> DEFAULT_PREC_BITS, MAX_PREC_BITS
(192, 3072)
"""

import contextlib
import importlib
import io
import json
import math
import numbers
import time
from dataclasses import asdict, dataclass, field

from theory.ball import Ball, UndecidedError, require_flint
from theory.errors import ProofsCheckError

from ._ball_engines import BALL_ENGINES, BallCache

__all__ = ["CertifiedInstance", "CertifiedMutant", "CertifiedResult", "certify_claim",
           "certifiable", "render_certified_table", "certified_json", "certified_summary",
           "cli_certified",
           "BallCache", "DEFAULT_PREC_BITS", "MAX_PREC_BITS", "BALL_ENGINES"]

#: Starting precision (~57 digits) and the cap of the doubling retries.
DEFAULT_PREC_BITS = 192
MAX_PREC_BITS = 3072


@dataclass
class CertifiedInstance:
    id: str
    verdict: str  # certified | certified-refuted | undecided | error
    margin: float = None  # the ball's midpoint (report)
    width: float = None  # the margin ball's width (0: exact)
    prec_bits: int = None
    detail: str = ""
    witness: bool = False


@dataclass
class CertifiedMutant:
    id: str
    statement: str
    status: str  # certified-refuted | not refuted
    instance: str = None
    margin: float = None
    width: float = None
    prec_bits: int = None
    detail: str = ""


@dataclass
class CertifiedResult:
    id: str
    status: str  # certified | refuted | undecided | error | not certifiable
    reason: str = ""
    instances: int = 0
    certified: int = 0
    certified_refuted: int = 0
    undecided: int = 0
    errors: int = 0
    not_certifiable: int = 0
    worst_width: float = None
    undecided_width: float = None
    max_bits_used: int = None
    witness: bool = None
    counterexample: dict = None
    first_undecided: str = ""
    first_error: str = ""
    mutants: list = field(default_factory=list)
    details: list = field(default_factory=list)
    seconds: float = 0.0
    expected: str = "verified"

    @property
    def ok(self):
        """No certified refutation of a claim expected to hold, no error, every mutant
        certified-refuted (undecided instances are reported, they do not fail)."""
        if self.status == "not certifiable":
            return True
        verdict = (self.status == "refuted") if self.expected == "refuted" else \
            self.status in ("certified", "undecided")
        return verdict and all(m.status == "certified-refuted" for m in self.mutants)


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def certifiable(claim):
    """``(True, "")`` or ``(False, reason)``: the claim's paper declares it certifiable (a
    ``CERTIFIABLE`` set in the module defining its ``evaluate``) and a ball engine exists."""
    module = importlib.import_module(getattr(claim.evaluate, "__module__", None) or "builtins")
    declared = getattr(module, "CERTIFIABLE", None)
    if declared is None or claim.id not in declared:
        reasons = getattr(module, "NOT_CERTIFIABLE", {}) or {}
        return False, reasons.get(claim.id, "its paper does not declare it certifiable")
    if claim.engine.name not in BALL_ENGINES:
        return False, f"no ball engine for the engine {claim.engine.name!r}"
    return True, ""


def _judge(out, prec):
    """(verdict, margin float, width) of an Outcome's margin."""
    m = out.margin
    if isinstance(m, Ball):
        if m.v >= 0:
            return "certified", float(m), m.width
        if m.v < 0:
            return "certified-refuted", float(m), m.width
        return "undecided", float(m), m.width
    if isinstance(m, numbers.Real) and not isinstance(m, bool) and not hasattr(m, "_mpf_") \
            and math.isfinite(float(m)):  # an exact number (a constant after decided branches)
        return ("certified" if m >= 0 else "certified-refuted"), float(m), 0.0
    raise TypeError(f"the margin {m!r} is neither a ball nor an exact finite number")


def _evaluate_once(fn, inst, engine_name, cache, prec, what):
    fl = require_flint()
    try:
        traj = cache.get(engine_name, inst, prec)
        tools = cache.engine(engine_name).tools(prec)
        with fl.ctx.workprec(prec), _quiet():
            out = fn(inst, traj, tools)
        verdict, margin, width = _judge(out, prec)
        return CertifiedInstance(inst.id, verdict, margin, width, prec, out.detail,
                                 bool(out.witness))
    except UndecidedError as exc:
        return CertifiedInstance(inst.id, "undecided", None, exc.width, prec, str(exc))
    except ProofsCheckError as exc:
        return CertifiedInstance(inst.id, "error", None, None, prec,
                                 f"{type(exc).__name__}: {exc}")
    except (Exception, SystemExit) as exc:
        return CertifiedInstance(inst.id, "error", None, None, prec,
                                 f"{what} raised {type(exc).__name__}: {exc}")


def _evaluate(fn, inst, engine_name, cache, prec, max_bits, what):
    """Evaluate at ``prec`` bits, doubling while undecided, up to ``max_bits``."""
    p = prec
    while True:
        r = _evaluate_once(fn, inst, engine_name, cache, p, what)
        if r.verdict != "undecided" or 2 * p > max_bits:
            return r
        p *= 2


def _domain(claim, tier, seed):
    with _quiet():
        return list(claim.domain(tier, seed))


def certify_claim(claim, tier="fast", seed=0, prec_bits=DEFAULT_PREC_BITS,
                  max_bits=MAX_PREC_BITS, cache=None):
    """Certify ``claim`` and its mutants on its domain; return a :class:`CertifiedResult`.

    Never raises for a fault of the claim's own code (that is an ``error`` instance).
    """
    t0 = time.perf_counter()
    cache = cache if cache is not None else BallCache()
    res = CertifiedResult(claim.id, "certified", expected=claim.expected)
    try:
        domain = _domain(claim, tier, seed)
    except (Exception, SystemExit) as exc:
        res.status, res.reason = "error", f"the domain raised {type(exc).__name__}: {exc}"
        return res
    res.instances = len(domain)
    ok, why = certifiable(claim)
    if not ok:
        res.status, res.reason, res.not_certifiable = "not certifiable", why, len(domain)
        res.seconds = time.perf_counter() - t0
        return res
    if not domain:
        res.status, res.reason = "error", "the claim's domain is empty"
        return res
    name = claim.engine.name
    for inst in domain:
        r = _evaluate(claim.evaluate, inst, name, cache, prec_bits, max_bits,
                      f"{claim.id} on {inst.id}")
        res.details.append(r)
    _summarise(res, claim)
    order = sorted(range(len(domain)), key=lambda i: (domain[i].K, i))
    for mutant in claim.mutants:
        res.mutants.append(_refute(mutant, [domain[i] for i in order], name, cache, prec_bits,
                                   max_bits))
    res.seconds = time.perf_counter() - t0
    return res


def _summarise(res, claim):
    d = res.details
    count = lambda v: sum(1 for r in d if r.verdict == v)  # noqa: E731
    res.certified, res.certified_refuted = count("certified"), count("certified-refuted")
    res.undecided, res.errors = count("undecided"), count("error")
    decided = [r.width for r in d if r.verdict.startswith("certified") and r.width is not None]
    res.worst_width = max(decided) if decided else None
    und = [r.width for r in d if r.verdict == "undecided" and r.width is not None]
    res.undecided_width = max(und) if und else None
    res.max_bits_used = max((r.prec_bits for r in d), default=None)
    bad = next((r for r in d if r.verdict == "certified-refuted"), None)
    first_und = next((r for r in d if r.verdict == "undecided"), None)
    first_err = next((r for r in d if r.verdict == "error"), None)
    res.first_undecided = f"{first_und.id}: {first_und.detail}" if first_und else ""
    res.first_error = f"{first_err.id}: {first_err.detail}" if first_err else ""
    if claim.needs_witness:
        res.witness = any(r.witness for r in d if r.verdict == "certified")
    if bad is not None:
        res.status = "refuted"
        res.counterexample = {"id": bad.id, "margin": bad.margin, "width": bad.width,
                              "prec_bits": bad.prec_bits, "detail": bad.detail}
    elif res.errors:
        res.status, res.reason = "error", res.first_error
    elif res.undecided:
        res.status, res.reason = "undecided", res.first_undecided
    elif claim.needs_witness and not res.witness:
        res.status = "refuted"
        res.reason = "no instance of the domain is a certified witness of the phenomenon"


def _refute(mutant, domain, name, cache, prec, max_bits):
    for inst in domain:
        r = _evaluate(mutant.evaluate, inst, name, cache, prec, max_bits,
                      f"{mutant.id} on {inst.id}")
        if r.verdict == "certified-refuted":
            return CertifiedMutant(mutant.id, mutant.statement, "certified-refuted", inst.id,
                                   r.margin, r.width, r.prec_bits, r.detail)
    return CertifiedMutant(mutant.id, mutant.statement, "not refuted")


# ------------------------------------------------------------------------------ reports
def _fmt(x, spec=".1e"):
    if x is None:
        return "-"
    if x == 0:
        return "exact"
    return "<1e-300" if x < 1e-300 else format(x, spec)  # widths below the float range


def certified_summary(results):
    muts = [m for r in results for m in r.mutants]
    inst = [x for r in results for x in r.details]
    return {
        "claims": len(results),
        **{k.replace(" ", "_"): sum(r.status == k for r in results)
           for k in ("certified", "refuted", "undecided", "error", "not certifiable")},
        "instances": len(inst),
        "instances_certified": sum(x.verdict == "certified" for x in inst),
        "instances_certified_refuted": sum(x.verdict == "certified-refuted" for x in inst),
        "instances_undecided": sum(x.verdict == "undecided" for x in inst),
        "instances_error": sum(x.verdict == "error" for x in inst),
        "instances_not_certifiable": sum(r.not_certifiable for r in results),
        "worst_width": max((r.worst_width for r in results if r.worst_width is not None),
                           default=None),
        "mutants": len(muts),
        "mutants_certified_refuted": sum(m.status == "certified-refuted" for m in muts),
        "ok": all(r.ok for r in results),
    }


def render_certified_table(results, seconds=None):
    """An aligned table (one row per claim) with the notes and a summary line."""
    head = ("status", "claim", "inst", "cert", "refuted", "undec", "err", "worst width",
            "bits", "mutants")
    rows = []
    for r in results:
        n_ref = sum(m.status == "certified-refuted" for m in r.mutants)
        na = r.status == "not certifiable"
        rows.append((r.status, r.id, str(r.instances),
                     *(("-",) * 4 if na else (str(r.certified), str(r.certified_refuted),
                                               str(r.undecided), str(r.errors))),
                     "-" if na else _fmt(r.worst_width), "-" if na else str(r.max_bits_used),
                     "-" if na else f"{n_ref}/{len(r.mutants)} certified-refuted"))
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    right = {2, 3, 4, 5, 6, 7, 8}

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(head), line(["-" * w for w in widths])] + [line(r) for r in rows]
    notes = []
    for r in results:
        if r.status == "not certifiable":
            notes.append(f"  {r.id}: not certifiable: {r.reason}")
            continue
        if r.counterexample:
            ce = r.counterexample
            notes.append(f"  {r.id}: certified counterexample at {ce['id']} (margin "
                         f"{ce['margin']:.3g}, width {_fmt(ce['width'], '.2g')}; {ce['detail']})")
        if r.undecided:
            notes.append(f"  {r.id}: {r.undecided} undecided (widest "
                         f"{_fmt(r.undecided_width, '.2g')}); first: {r.first_undecided}")
        if r.errors:
            notes.append(f"  {r.id}: {r.errors} error(s); first: {r.first_error}")
        for m in r.mutants:
            if m.status != "certified-refuted":
                notes.append(f"  {m.id}: mutant NOT certified-refuted ({m.statement})")
    s = certified_summary(results)
    tail = (f"{s['claims']} claims: {s['certified']} certified, {s['refuted']} refuted, "
            f"{s['undecided']} undecided, {s['not_certifiable']} not certifiable, {s['error']} "
            f"error; {s['mutants_certified_refuted']}/{s['mutants']} mutants certified-refuted; "
            f"instances: {s['instances_certified']} certified, "
            f"{s['instances_certified_refuted']} certified-refuted, {s['instances_undecided']} "
            f"undecided, {s['instances_error']} error, {s['instances_not_certifiable']} not "
            f"certifiable; worst width {_fmt(s['worst_width'], '.2g')}"
            + (f" in {seconds:.1f} s" if seconds is not None else ""))
    if notes:
        out += ["", "Notes:"] + notes
    out += ["", tail]
    return "\n".join(out) + "\n"


def _clean(x):
    if isinstance(x, float):
        return str(x) if not math.isfinite(x) else float(f"{x:.6g}")
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def certified_json(results, run=None):
    """One JSON document, schema ``proofs-check/certified/1``."""
    doc = {"schema": "proofs-check/certified/1", "run": run or {},
           "claims": [{k: v for k, v in asdict(r).items() if k != "seconds"}
                      for r in results],
           "summary": certified_summary(results)}
    return json.dumps(_clean(doc), indent=2) + "\n"


def cli_certified(argv_ids, tier="fast", seed=0, out=None, json_out=None, *, as_json=False,
                  claims=None, prec_bits=DEFAULT_PREC_BITS, max_bits=MAX_PREC_BITS):
    """``proofs-check run --certified [IDS]``: certify the selected claims (all by default).

    Writes the table to ``out`` (a text stream; stdout by default), or the JSON document
    when ``as_json`` (``--json``) or ``json_out == "-"``; any other ``json_out`` (``-o``)
    is a path the JSON is also written to (atomically).  ``claims``: the claims to select
    from (default: the registry's catalogue; pass the catalogue plus a ``--claims`` file).
    Returns the exit status: 0 when :attr:`CertifiedResult.ok` holds for every claim, else 1.
    """
    import sys
    from . import registry
    from ._io import atomic_write_text, check_writable
    out = out or sys.stdout
    as_json = as_json or json_out == "-"
    claims = registry.select(list(argv_ids or []),
                             registry.catalogue() if claims is None else claims)
    if json_out not in (None, "-"):
        check_writable(json_out)
    cache, t0 = BallCache(), time.perf_counter()
    results = [certify_claim(c, tier, seed, prec_bits, max_bits, cache) for c in claims]
    seconds = time.perf_counter() - t0
    run = {"tier": tier, "seed": seed, "prec_bits": prec_bits, "max_bits": max_bits,
           "selected": [c.id for c in claims]}
    doc = certified_json(results, run)
    if json_out not in (None, "-"):
        atomic_write_text(json_out, doc)
    out.write(doc if as_json else render_certified_table(results, seconds))
    return 0 if all(r.ok for r in results) else 1
