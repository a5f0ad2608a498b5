"""Render check results: an aligned table with a summary line, or one JSON document.

JSON schema ``proofs-check/run/1`` (documented in README):

    {"schema": "proofs-check/run/1",
     "run": {"tier", "seed", "dps", "selected": [ids]},
     "claims": [{"id", "paper", "where", "provenance",
                 "status" (verified|refuted|error|undecided), "expected" (verified|refuted),
                 "refutes_published_reading" (bool), "undecided", "errors", "skipped",
                 "instances", "worst_margin", "worst_instance", "tightness",
                 "f64_mp_digits", "mp_checked", "decided_by_mp", "f64_contradicted_by_mp",
                 "counterexample", "message",
                 "mutants": [{"id", "statement", "status" (refuted|survived|undecided),
                              "counterexample", "decided_by"}]}],
     "summary": {"claims", "verified", "refuted", "error", "undecided", "readings_refuted",
                 "mutants", "mutants_refuted", "instances", "undecided_instances",
                 "skipped_instances", "ok"},
     "meta": {...}}   # only with --timings: wall times (they differ run to run)

Everything except ``meta`` is a deterministic function of the arguments and seed.

>>> fmt_margin(None), fmt_margin(0.5), fmt_digits(float("inf"))
('-', '5.0e-01', 'exact')
"""

import json
import math

__all__ = ["to_json", "render_table", "summary", "fmt_margin", "fmt_digits"]


def fmt_margin(m):
    return "-" if m is None else f"{m:.1e}"


def fmt_digits(d):
    if d is None:
        return "-"
    return "exact" if d == math.inf else f"{d:.1f}"


def fmt_tightness(t):
    """max over instances of bound/true value (lower bounds) or true/bound (upper), and how
    many instances attain the bound."""
    return "-" if not t else f"{t['max']:.3g} ({t['attained']}/{t['of']})"


def _clean(x):
    """JSON-safe: floats rounded to 6 significant digits (stable text), inf -> "inf"."""
    if isinstance(x, float):
        if math.isinf(x) or math.isnan(x):
            return str(x)
        return float(f"{x:.6g}")
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def summary(results):
    muts = [m for r in results for m in r.mutants]
    return {
        "claims": len(results),
        "verified": sum(r.status == "verified" for r in results),
        "refuted": sum(r.status == "refuted" and r.expected != "refuted" for r in results),
        "error": sum(r.status == "error" for r in results),
        "undecided": sum(r.status == "undecided" for r in results),
        "readings_refuted": sum(r.refutes_reading for r in results),
        "mutants": len(muts),
        "mutants_refuted": sum(m.status == "refuted" for m in muts),
        "instances": sum(r.instances for r in results),
        "undecided_instances": sum(r.undecided for r in results),
        "skipped_instances": sum(r.skipped for r in results),
        "ok": all(r.ok for r in results),
    }


def claim_record(claim, r):
    return {
        "id": r.id, "paper": claim.paper, "where": claim.where, "provenance": claim.provenance,
        "status": r.status, "expected": r.expected,
        "refutes_published_reading": r.refutes_reading, "undecided": r.undecided,
        "errors": r.errors, "skipped": r.skipped, "instances": r.instances, "worst_margin": r.worst_margin,
        "worst_instance": r.worst_instance, "tightness": r.tightness,
        "f64_mp_digits": r.f64_mp_digits, "mp_checked": r.mp_checked,
        "decided_by_mp": r.decided_by_mp, "f64_contradicted_by_mp": r.f64_contradicted,
        "counterexample": r.counterexample, "message": r.message,
        "mutants": [{"id": m.id, "statement": m.statement, "status": m.status,
                     "counterexample": m.counterexample, "decided_by": m.decided_by}
                    for m in r.mutants],
    }


def to_json(claims, results, run, meta=None):
    doc = {"schema": "proofs-check/run/1", "run": run,
           "claims": [claim_record(c, r) for c, r in zip(claims, results)],
           "summary": summary(results)}
    if meta is not None:
        doc["meta"] = meta
    return json.dumps(_clean(doc), indent=2, sort_keys=False) + "\n"


def render_table(results, seconds=None):
    head = ("status", "claim", "inst", "worst margin", "tightness", "f64/mp digits", "mutants")
    rows = []
    for r in results:
        refuted = sum(m.status == "refuted" for m in r.mutants)
        status = ("refutes reading" if r.refutes_reading else
                  r.status.upper() if r.status != "verified" else "verified")
        rows.append((status, r.id,
                     str(r.instances), fmt_margin(r.worst_margin), fmt_tightness(r.tightness),
                     fmt_digits(r.f64_mp_digits), f"{refuted}/{len(r.mutants)} refuted"))
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    right = {2, 3, 4, 5}
    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(head), line(["-" * w for w in widths])] + [line(r) for r in rows]
    problems, readings = [], []
    for r in results:
        if r.refutes_reading:
            ce = r.counterexample
            readings.append(f"  {r.id}: refuted at {ce.get('id')} ({ce.get('detail')}; decided "
                            f"by {ce.get('decided_by')})")
        elif r.status != "verified" or r.expected == "refuted":
            ce = r.counterexample or {}
            note = (" (expected: refuted with an mp-confirmed counterexample, as a published "
                    "reading)" if r.expected == "refuted" else "")
            problems.append(f"  {r.id}: {r.status}{note}" + (f" at {ce.get('id')} ({ce.get('detail')})"
                                                       if ce else "") + (f" {r.message}" if r.message else ""))
        for m in r.mutants:
            if m.status == "undecided":
                problems.append(f"  {m.id}: mutant undecided ({m.statement}): not refuted on "
                                f"the instances checked, and the run budget left "
                                f"{r.undecided} undecided")
            elif m.status != "refuted":
                problems.append(f"  {m.id}: mutant SURVIVED ({m.statement}): the checker "
                                f"could not refute it on this domain")
    s = summary(results)
    extra = "".join(f", {s[k]} {label}" for k, label in (
        ("undecided", "undecided"), ("readings_refuted", "published readings refuted")) if s[k])
    held_back = "".join(f", {s[k]} {label}" for k, label in (
        ("undecided_instances", "undecided"),
        ("skipped_instances", "skipped as outside a claim's hypothesis")) if s[k])
    tail = (f"{s['claims']} claims: {s['verified']} verified, {s['refuted']} refuted, "
            f"{s['error']} error{extra}; {s['mutants_refuted']}/{s['mutants']} mutants refuted; "
            f"{s['instances']} instances{held_back}"
            + (f" in {seconds:.1f} s" if seconds is not None else ""))
    if readings:
        out += ["", "Published readings refuted (expected; the counterexample is the result):"]
        out += readings
    if problems:
        out += ["", "Problems:"] + problems
    out += ["", tail]
    return "\n".join(out) + "\n"
