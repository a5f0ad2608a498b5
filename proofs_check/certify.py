"""Certified mode: an interval-arithmetic proof of each inequality on each checked instance.

The plain checker (:mod:`proofs_check.check`) compares float64 with 50-digit mp results:
evidence, not proof.  Here a claim's ``evaluate`` (and each mutant's) runs on a trajectory
whose numbers are Arb balls (:func:`theory.certified.self_distill_ball`); every comparison
inside it is decided for every point of the balls or raises, so the margin it returns is a
ball (or an exact number) that contains the true margin of the instance.  Per instance:

* **certified**: every point of the margin's ball is >= 0 (the claim's "holds");
* **certified-refuted**: every point is < 0 (a proved counterexample);
* **undecided**: the ball contains 0, or a comparison inside ``evaluate`` or the engine
  could not be decided, by the balls or in exact arithmetic (see below), up to
  ``max_bits``; reported with the ball's width and the reason;
* **error**: the engine refused the instance, or ``evaluate`` failed or returned something
  other than a ball or an exact number.

The verdict reads the outcome's relation: ``>=`` holds when the margin is >= 0, ``>``
(strict) only when it is > 0 (an exact 0 is a certified counterexample), ``==`` (an
identity, margin ``-|lhs - rhs|/scale``) only when it is exactly 0.  A skipped instance
(outside the claim's hypothesis) is counted, never certified.

**Exact ties.**  An instance undecided at the first precision is re-run on an *exact*
trajectory (:mod:`theory.certified_exact`): every number also carries an exact expression,
and where the balls overlap a comparison, a ceiling or the margin's sign is decided in
exact arithmetic (:func:`theory.exact_real.sign`: identities of rational functions,
elimination by resultants and certified root isolation, within a degree cap).  A bound
attained exactly is then *decided*: a non-strict claim holds with equality, a strict one is
refuted.  The doubling of precision continues in exact mode; what exact arithmetic cannot
decide within its caps stays undecided, with the reason.

A claim takes part only when its paper declares it certifiable (a ``CERTIFIABLE`` set of
ids in the module that defines its ``evaluate``, with ``NOT_CERTIFIABLE`` reasons for the
rest) and a ball engine exists for its engine: claims whose oracles are float64 (an
optimiser, a grid, Monte Carlo) are reported "not certifiable", never certified.  Every
mutant of a certifiable claim must come back certified-refuted on some instance.

A paper may also declare claims whose *refutations* are proofs while their "holds" is not
(``REFUTATIONS_CERTIFIABLE``: the margin is a ball, so one certainly below 0 is a
counterexample however the code chose it, but a non-negative one may rest on choices made
on float midpoints).  Their instances come back certified-refuted or **passes** (holds as
coded, not certified); a published reading expected to be refuted succeeds with a
certified counterexample.

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

from theory import exact_real
from theory.ball import Ball, UndecidedError, require_flint
from theory.errors import ProofsCheckError

from ._ball_engines import BALL_ENGINES, BallCache

__all__ = ["CertifiedInstance", "CertifiedMutant", "CertifiedResult", "certify_claim",
           "certifiable", "certification", "render_certified_table", "certified_json",
           "certified_summary", "cli_certified", "cost_summary",
           "BallCache", "DEFAULT_PREC_BITS", "MAX_PREC_BITS", "BALL_ENGINES"]

#: Starting precision (~57 digits) and the cap of the doubling retries.
DEFAULT_PREC_BITS = 192
MAX_PREC_BITS = 3072


@dataclass
class CertifiedInstance:
    id: str
    verdict: str  # certified | certified-refuted | undecided | error | skipped | passes
    margin: float = None  # the ball's midpoint (report)
    width: float = None  # the margin ball's width (0: exact)
    prec_bits: int = None
    detail: str = ""
    witness: bool = False
    exact: bool = False  # decided on the exact trajectory (the balls alone could not)


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
    exact: bool = False


@dataclass
class CertifiedResult:
    id: str
    status: str  # certified | refuted | undecided | error | not certifiable | passes
    reason: str = ""
    instances: int = 0
    certified: int = 0
    passes: int = 0  # refutations-only claims: holds as coded, not certified
    certified_refuted: int = 0
    undecided: int = 0
    errors: int = 0
    skipped: int = 0
    exact: int = 0
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
    plain_seconds: float = None  # the plain check of the same claim, same run (cost)
    expected: str = "verified"

    @property
    def ok(self):
        """No certified refutation of a claim expected to hold, no error, every mutant
        certified-refuted (undecided instances are reported, they do not fail)."""
        if self.status == "not certifiable":
            return True
        verdict = (self.status == "refuted") if self.expected == "refuted" else \
            self.status in ("certified", "undecided", "passes")
        return verdict and all(m.status == "certified-refuted" for m in self.mutants)


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def certification(claim):
    """``("full", "")``, ``("refutations", "")`` or ``(None, reason)``: how the claim's
    paper declares it (``CERTIFIABLE``, ``REFUTATIONS_CERTIFIABLE`` or ``NOT_CERTIFIABLE``
    in the module defining its ``evaluate``), and whether a ball engine exists."""
    module = importlib.import_module(getattr(claim.evaluate, "__module__", None) or "builtins")
    if claim.id in (getattr(module, "CERTIFIABLE", None) or ()):
        mode = "full"
    elif claim.id in (getattr(module, "REFUTATIONS_CERTIFIABLE", None) or ()):
        mode = "refutations"
    else:
        reasons = getattr(module, "NOT_CERTIFIABLE", {}) or {}
        if claim.id in reasons:
            return None, reasons[claim.id]
        if claim.engine.name not in BALL_ENGINES:
            return None, (f"no ball engine for its engine {claim.engine.name!r} (certified "
                          f"mode has ball forms of {', '.join(sorted(BALL_ENGINES))})")
        return None, "its paper does not declare it certifiable"
    if claim.engine.name not in BALL_ENGINES:
        return None, f"no ball engine for the engine {claim.engine.name!r}"
    return mode, ""


def certifiable(claim):
    """``(True, "")`` or ``(False, reason)``: the claim takes part in certified mode
    (:func:`certification`: fully, or its refutations)."""
    mode, why = certification(claim)
    return mode is not None, why


def _holds(m, relation):
    """Whether the margin ``m`` makes the relation hold (decided, or UndecidedError)."""
    if relation == ">":
        return bool(m > 0)
    return bool(m >= 0)  # ">=", and "==" (margin -|lhs - rhs|/scale: holds iff it is 0)


def _judge(out, prec):
    """(verdict, margin float, width) of an Outcome (see the module docstring)."""
    if out.skipped:
        return "skipped", None, None
    m = out.margin
    relation = getattr(out, "relation", ">=")
    if isinstance(m, Ball):
        holds = _holds(m, relation)  # on the balls, else in exact arithmetic, else raises
        verdict = "certified" if holds else "certified-refuted"
        if m.contains(0) and m == 0:  # decided exactly: the margin is 0, not its ball
            return verdict, 0.0, 0.0
        return verdict, float(m), m.width
    if isinstance(m, numbers.Real) and not isinstance(m, bool) and not hasattr(m, "_mpf_") \
            and math.isfinite(float(m)):  # an exact number (a constant after decided branches)
        return ("certified" if _holds(m, relation) else "certified-refuted"), float(m), 0.0
    raise TypeError(f"the margin {m!r} is neither a ball nor an exact finite number")


def _evaluate_once(fn, inst, engine_name, cache, prec, what, exact=False):
    fl = require_flint()
    exact_real.clear_rings()
    try:
        before = exact_real.decisions()
        traj = cache.get(engine_name, inst, prec, exact)
        tools = cache.engine(engine_name).tools(prec, exact)
        with fl.ctx.workprec(prec), _quiet():
            out = fn(inst, traj, tools)
            verdict, margin, width = _judge(out, prec)
        # "exact": some decision of this evaluation (or of the trajectory it read, when
        # built now) was taken in exact arithmetic, where the balls overlapped
        used = exact_real.decisions() > before or getattr(traj, "exact_decisions", 0) > 0
        return CertifiedInstance(inst.id, verdict, margin, width, prec, out.detail,
                                 bool(out.witness), used)
    except UndecidedError as exc:
        r = CertifiedInstance(inst.id, "undecided", None, exc.width, prec, str(exc),
                              exact=exact)
        r._exact_gave_up = exc.exact_gave_up  # not reported: steers the retries
        return r
    except ProofsCheckError as exc:
        return CertifiedInstance(inst.id, "error", None, None, prec,
                                 f"{type(exc).__name__}: {exc}", exact=exact)
    except (Exception, SystemExit) as exc:
        return CertifiedInstance(inst.id, "error", None, None, prec,
                                 f"{what} raised {type(exc).__name__}: {exc}", exact=exact)


def _evaluate(fn, inst, engine_name, cache, prec, max_bits, what):
    """Evaluate at ``prec`` bits; when undecided, again on the exact trajectory (same bits);
    then double the bits up to ``max_bits``: in exact mode while narrower balls may let
    exact arithmetic decide, on the balls alone once it gave up for a reason more bits do
    not change (a cap, an opaque number), with a last exact attempt at the largest bits."""
    r = _evaluate_once(fn, inst, engine_name, cache, prec, what)
    if r.verdict != "undecided":
        return r
    p, exact = prec, True
    while True:
        r = _evaluate_once(fn, inst, engine_name, cache, p, what, exact)
        if r.verdict != "undecided":
            return r
        if exact and getattr(r, "_exact_gave_up", False):
            exact = False
        if 2 * p > max_bits:
            break
        p *= 2
    if not exact:  # the balls alone at the largest bits did not decide: exact once more
        return _evaluate_once(fn, inst, engine_name, cache, p, what, True)
    return r


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
    mode, why = certification(claim)
    if mode is None:
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
        if mode == "refutations" and r.verdict == "certified":
            r.verdict = "passes"  # holds as coded; only refutations are proofs here
        res.details.append(r)
    _summarise(res, claim, mode)
    order = sorted(range(len(domain)), key=lambda i: (domain[i].K, i))
    for mutant in claim.mutants:
        res.mutants.append(_refute(mutant, [domain[i] for i in order], name, cache, prec_bits,
                                   max_bits))
    res.seconds = time.perf_counter() - t0
    return res


def _summarise(res, claim, mode="full"):
    d = res.details
    count = lambda v: sum(1 for r in d if r.verdict == v)  # noqa: E731
    res.certified, res.certified_refuted = count("certified"), count("certified-refuted")
    res.passes = count("passes")
    res.undecided, res.errors = count("undecided"), count("error")
    res.skipped = count("skipped")
    res.exact = sum(1 for r in d if r.exact and r.verdict.startswith("certified"))
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
    elif mode == "refutations":
        res.status = "passes"
        res.reason = ("no certified counterexample; its 'holds' verdicts are not proofs "
                      "(refutations only)")
    elif claim.needs_witness and not res.witness:
        res.status = "refuted"
        res.reason = "no instance of the domain is a certified witness of the phenomenon"


def _refute(mutant, domain, name, cache, prec, max_bits):
    for inst in domain:
        r = _evaluate(mutant.evaluate, inst, name, cache, prec, max_bits,
                      f"{mutant.id} on {inst.id}")
        if r.verdict == "certified-refuted":
            return CertifiedMutant(mutant.id, mutant.statement, "certified-refuted", inst.id,
                                   r.margin, r.width, r.prec_bits, r.detail, r.exact)
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
           for k in ("certified", "refuted", "undecided", "error", "not certifiable",
                     "passes")},
        "instances": len(inst),
        "instances_certified": sum(x.verdict == "certified" for x in inst),
        "instances_certified_refuted": sum(x.verdict == "certified-refuted" for x in inst),
        "instances_undecided": sum(x.verdict == "undecided" for x in inst),
        "instances_error": sum(x.verdict == "error" for x in inst),
        "instances_skipped": sum(x.verdict == "skipped" for x in inst),
        "instances_passes": sum(x.verdict == "passes" for x in inst),
        "instances_exact": sum(x.exact and x.verdict.startswith("certified") for x in inst),
        "instances_not_certifiable": sum(r.not_certifiable for r in results),
        "worst_width": max((r.worst_width for r in results if r.worst_width is not None),
                           default=None),
        "mutants": len(muts),
        "mutants_certified_refuted": sum(m.status == "certified-refuted" for m in muts),
        "ok": all(r.ok for r in results),
    }


def render_certified_table(results, seconds=None):
    """An aligned table (one row per claim) with the notes and a summary line."""
    cost = any(r.plain_seconds is not None for r in results)
    head = ("status", "claim", "inst", "cert", "exact", "refuted", "undec", "err",
            "worst width", "bits", "mutants") + (("cert s", "plain s", "ratio") if cost else ())
    rows = []
    for r in results:
        n_ref = sum(m.status == "certified-refuted" for m in r.mutants)
        na = r.status == "not certifiable"
        row = (r.status, r.id, str(r.instances),
               *(("-",) * 5 if na else (str(r.certified), str(r.exact),
                                         str(r.certified_refuted), str(r.undecided),
                                         str(r.errors))),
               "-" if na else _fmt(r.worst_width), "-" if na else str(r.max_bits_used),
               "-" if na else f"{n_ref}/{len(r.mutants)} certified-refuted")
        if cost:
            p = r.plain_seconds
            row += (("-", "-", "-") if p is None else
                    (f"{r.seconds:.2f}", f"{p:.2f}", f"{r.seconds / p:.1f}x" if p > 0 else "-"))
        rows.append(row)
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    right = {2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13}

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
        if r.skipped:
            notes.append(f"  {r.id}: {r.skipped} instance(s) outside the hypothesis (skipped)")
        if r.passes:
            notes.append(f"  {r.id}: {r.passes} instance(s) pass as coded, not certified "
                         f"(only its refutations are proofs)")
        for m in r.mutants:
            if m.status != "certified-refuted":
                notes.append(f"  {m.id}: mutant NOT certified-refuted ({m.statement})")
    s = certified_summary(results)
    tail = (f"{s['claims']} claims: {s['certified']} certified, {s['refuted']} refuted, "
            f"{s['undecided']} undecided, {s['not_certifiable']} not certifiable, {s['error']} "
            f"error; {s['mutants_certified_refuted']}/{s['mutants']} mutants certified-refuted; "
            f"instances: {s['instances_certified']} certified ({s['instances_exact']} in "
            f"exact arithmetic), "
            f"{s['instances_certified_refuted']} certified-refuted, {s['instances_undecided']} "
            f"undecided, {s['instances_error']} error, {s['instances_not_certifiable']} not "
            f"certifiable; worst width {_fmt(s['worst_width'], '.2g')}"
            + (f" in {seconds:.1f} s" if seconds is not None else ""))
    if notes:
        out += ["", "Notes:"] + notes
    out += ["", tail]
    if cost:
        c = cost_summary(results)
        out.append(f"cost on the {c['claims']} certifiable claims: certified "
                   f"{c['certified_seconds']:.1f} s, plain check (float64 + mp at 50 digits, "
                   f"serial, same domain) {c['plain_seconds']:.1f} s: ratio "
                   f"{c['ratio']:.2f}x")
    return "\n".join(out) + "\n"


def cost_summary(results):
    """Seconds of certified mode against the plain check on the claims where both ran."""
    both = [r for r in results if r.plain_seconds is not None]
    cert = sum(r.seconds for r in both)
    plain = sum(r.plain_seconds for r in both)
    return {"claims": len(both), "certified_seconds": cert, "plain_seconds": plain,
            "ratio": cert / plain if plain > 0 else math.inf}


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
           "claims": [{k: v for k, v in asdict(r).items()
                       if k not in ("seconds", "plain_seconds")} for r in results],
           "summary": certified_summary(results)}
    return json.dumps(_clean(doc), indent=2) + "\n"


def cli_certified(argv_ids, tier="fast", seed=0, out=None, json_out=None, *, as_json=False,
                  claims=None, prec_bits=DEFAULT_PREC_BITS, max_bits=MAX_PREC_BITS,
                  cost=True):
    """``proofs-check run --certified [IDS]``: certify the selected claims (all by default).

    Writes the table to ``out`` (a text stream; stdout by default), or the JSON document
    when ``as_json`` (``--json``) or ``json_out == "-"``; any other ``json_out`` (``-o``)
    is a path the JSON is also written to (atomically).  ``claims``: the claims to select
    from (default: the registry's catalogue; pass the catalogue plus a ``--claims`` file).
    ``cost``: also run the plain check of each certifiable claim (serially, on the same
    domain, without the counterexample search) and report the cost ratio (table columns,
    a last line, and ``run.cost`` in the JSON).
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
    plain_cache = None
    results = []
    for c in claims:
        r = certify_claim(c, tier, seed, prec_bits, max_bits, cache)
        if cost and r.status != "not certifiable":
            from .check import ResultCache, check_claim
            plain_cache = plain_cache or ResultCache(50)
            t1 = time.perf_counter()
            with _quiet():
                check_claim(c, tier, seed, 50, cache=plain_cache)
            r.plain_seconds = time.perf_counter() - t1
        results.append(r)
    seconds = time.perf_counter() - t0
    run = {"tier": tier, "seed": seed, "prec_bits": prec_bits, "max_bits": max_bits,
           "selected": [c.id for c in claims]}
    if cost:
        run["cost"] = {**_clean(cost_summary(results)),
                       "per_claim": {r.id: [round(r.seconds, 3), round(r.plain_seconds, 3)]
                                     for r in results if r.plain_seconds is not None}}
    doc = certified_json(results, run)
    if json_out not in (None, "-"):
        atomic_write_text(json_out, doc)
    out.write(doc if as_json else render_certified_table(results, seconds))
    return 0 if all(r.ok for r in results) else 1
