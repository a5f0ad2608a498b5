"""The full tier of every catalogue in one run, with its wall time.

    python benchmarks/full_tier.py [--budget SECONDS] [--workers N] [--out DIR]

Runs ``proofs-check run --tier full --no-cache --json`` over the whole catalogue (one
process pool, one budget: instances run cheapest first across papers, so no catalogue
waits for another's tail) and prints one row per paper: instances, undecided instances
(and their share), claims verified, published readings refuted, mutants refuted; then the
whole run's wall time.  Exits 1 when a claim is refuted that was not expected to be, a
claim errs or a mutant survives: those are findings, whatever the time, unless the
finding is recorded in ``--known`` (default ``benchmarks/full_tier_known.json``): a claim
refuted on the full tier only, whose counterexample the project's docs explain (the record
names the page).  A known finding is printed as such; a new one fails the run.  Undecided
instances (the budget ran out before they were checked) are reported, with their share of
the tier, against the target of at most 1 %; they fail the run only with ``--strict``.

.ci/run runs it after the slow tests; the figures in docs/scaling.md come from it.
"""

import argparse
import json
import os
import subprocess
import sys
import time

#: The share of a tier's instances that may stay undecided (issue target).
UNDECIDED_TARGET = 0.01
#: Findings of the full tier that the docs explain (a claim id -> its status and the page).
KNOWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "full_tier_known.json")


def run_tier(budget, workers, out_dir):
    """The JSON report of the whole catalogue's full tier, and the run's wall seconds."""
    path = os.path.join(out_dir, "full-tier.json")
    cmd = [sys.executable, "-m", "proofs_check.cli", "run", "--tier", "full", "--no-cache",
           "--json", "-o", path, "--budget", f"{max(budget, 1.0):.0f}"]
    if workers:
        cmd += ["--workers", str(workers)]
    if os.path.exists(path):
        os.remove(path)  # a report left by an earlier run must never stand for this one
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL)  # progress lines go to stderr
    wall = time.perf_counter() - t0
    # exit 0: all verified; 1: something refuted, undecided or in error (the report says)
    if proc.returncode not in (0, 1) or not os.path.exists(path):
        raise SystemExit(f"no report: proofs-check run exited {proc.returncode}")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh), wall


def per_paper(doc):
    """{paper id: row of counts} from the claims of a run report, in catalogue order."""
    rows = {}
    for c in doc["claims"]:
        r = rows.setdefault(c["id"].split(".")[0], dict.fromkeys(
            ("instances", "undecided", "verified", "claims", "readings", "mutants_refuted",
             "mutants"), 0))
        r["instances"] += c["instances"] + c["undecided"]
        r["undecided"] += c["undecided"]
        r["verified"] += c["status"] == "verified"
        r["claims"] += 1
        r["readings"] += bool(c["refutes_published_reading"])
        r["mutants_refuted"] += sum(m["status"] == "refuted" for m in c["mutants"])
        r["mutants"] += len(c["mutants"])
    return rows


def load_known(path):
    """{claim id: {"status", "explained", ...}} from a known-findings record (``{}`` for no
    file given); an unreadable or malformed record is an error, never an empty record."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        known = doc["findings"]
        for cid, rec in known.items():
            if rec["status"] not in ("refuted", "verified") or not rec["explained"]:
                raise ValueError(f"{cid}: status must be refuted or verified, with a page")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"cannot read the known findings {path!r}: {exc} (pass --known '' "
                         f"to record none)") from None
    return known


def findings(doc, known=None):
    """(new, known): claims refuted unexpectedly, claims in error and surviving mutants, split
    by the ``known`` record (only a claim's recorded status is known; errors and surviving
    mutants never are)."""
    known = known or {}
    new, old = [], []
    for c in doc["claims"]:
        if c["status"] == "error" or (c["status"] == "refuted" and c["expected"] != "refuted"):
            at = (c.get("counterexample") or {}).get("id")
            line = f"{c['id']}: {c['status']}" + (f" at {at}" if at else "") + \
                (f" {c['message']}" if c["message"] else "")
            rec = known.get(c["id"])
            if rec is not None and rec["status"] == c["status"]:
                old.append(f"{line} (explained in {rec['explained']})")
            else:
                new.append(line)
        new += [f"{m['id']}: mutant survived" for m in c["mutants"] if m["status"] == "survived"]
    return new, old


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=3000.0, help="total seconds (default 3000)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", default="full-tier", help="folder for the JSON report")
    ap.add_argument("--known", default=KNOWN,
                    help="record of known full-tier findings (default: %(default)s; '' for none)")
    ap.add_argument("--strict", action="store_true",
                    help="fail when more than 1%% of a tier's instances stay undecided")
    args = ap.parse_args(argv)
    known = load_known(args.known)
    os.makedirs(args.out, exist_ok=True)
    doc, total = run_tier(args.budget, args.workers, args.out)
    rows = per_paper(doc)
    problems, explained = findings(doc, known)
    over = [p for p, r in rows.items() if r["undecided"] > UNDECIDED_TARGET * max(1, r["instances"])]
    head = f"{'paper':<18} {'instances':>9} {'undecided':>15} {'verified':>9} " \
           f"{'readings':>8} {'mutants':>9}"
    print("\n" + head + "\n" + "-" * len(head))
    for p, r in rows.items():
        share = r["undecided"] / max(1, r["instances"])
        print(f"{p:<18} {r['instances']:>9} {r['undecided']:>7} ({share:5.1%}) "
              f"{r['verified']:>4}/{r['claims']:<4} {r['readings']:>8} "
              f"{r['mutants_refuted']:>4}/{r['mutants']:<4}")
    n_all = sum(r["instances"] for r in rows.values())
    u_all = sum(r["undecided"] for r in rows.values())
    print(f"\nwhole full tier: {n_all} instances, {u_all} undecided "
          f"({u_all / max(1, n_all):.2%}; target <= {UNDECIDED_TARGET:.0%}), {total:.0f} s "
          f"wall (budget {args.budget:.0f} s)")
    for line in explained:
        print(f"known finding {line}")
    for line in problems:
        print(f"FINDING {line}")
    if over:
        print(f"undecided above {UNDECIDED_TARGET:.0%} in: {', '.join(over)}")
    return 1 if problems or (args.strict and over) else 0


if __name__ == "__main__":
    raise SystemExit(main())
