"""Measure the graded false statements: where each fails, and the cost of refuting it.

    python tests/falsification/measure.py [--search] [--seed N]

For every claim of ``graded_claims.py``: the fast-tier domain in the checker's order, each
instance decided serially by the checker's rule (float64, mp when inconclusive or to
confirm a failure); prints the position of the first counterexample, the CPU seconds until
it was decided (domain construction included), the CPU seconds of the whole domain, and a
summary of every failing instance (families, K, kappa, alignments, round thresholds,
classes).  ``--search`` appends the default run's search instances
(:func:`proofs_check.search.search_instances`) to the fixed domain first.  Not a test.
"""

import argparse
import collections
import os
import sys
import time


def _summary(fails):
    fam = collections.Counter(f["family"] for f in fails)
    Ks = sorted({f["K"] for f in fails})
    kap = [f.get("kappa") for f in fails if f.get("kappa") is not None]
    align = collections.Counter(f.get("align", "-") for f in fails)
    rounds = collections.Counter(f"{f['round']}{f['side'][0]}" for f in fails if "round" in f)
    parts = [", ".join(f"{k} {v}" for k, v in fam.most_common()), f"K {Ks}"]
    if kap:
        parts.append(f"kappa {min(kap):.3g}..{max(kap):.3g}")
    if set(align) - {"-", "generic"}:
        parts.append("align " + ", ".join(f"{k} {v}" for k, v in align.most_common()))
    if rounds:
        parts.append("round thresholds " + ", ".join(f"{k} {v}" for k, v in sorted(rounds.items())))
    return "; ".join(parts)


def measure(claims, search=False, seed=0):
    from proofs_check.check import ResultCache, claim_domain, instance_record
    rows = []
    for claim in claims:
        cache = ResultCache(50)
        t0 = time.process_time()
        dom = claim_domain(claim, "fast", seed)
        if search:
            from proofs_check.search import search_instances
            dom = dom + search_instances(claim, "fast", seed)
        first, first_s, fails, skipped = None, None, [], 0
        for i, inst in enumerate(dom):
            rec = instance_record(claim, inst, i, cache, 50)
            if rec.kind == "skipped":
                skipped += 1
            if rec.kind == "ok" and not rec.result.holds:
                fails.append(rec.result.instance)
                if first is None:
                    first, first_s = i + 1, time.process_time() - t0
        rows.append({"id": claim.id, "instances": len(dom), "skipped": skipped,
                     "first": first, "first_seconds": first_s,
                     "seconds": time.process_time() - t0, "failing": len(fails),
                     "where": _summary(fails) if fails else "-",
                     "example": fails[0]["id"] if fails else "-"})
    return rows


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--search", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", default="")
    args = p.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    from proofs_check.registry import load_claims_file
    claims = [c for c in load_claims_file(os.path.join(here, "graded_claims.py"))
              if args.only in c.id]
    for r in measure(claims, args.search, args.seed):
        print(f"| {r['id']} | {r['failing']}/{r['instances'] - r['skipped']} | "
              f"{r['first']} | {r['first_seconds'] if r['first_seconds'] is None else round(r['first_seconds'], 2)} | "
              f"{r['seconds']:.1f} | {r['where']} | {r['example']} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
