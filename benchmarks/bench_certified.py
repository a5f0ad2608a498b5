"""Certified mode benchmark: the cost of a ball-arithmetic proof against the plain check.

Per claim that certified mode takes (declared ``CERTIFIABLE`` or ``REFUTATIONS_CERTIFIABLE``)
in the mobahi2020, pareek2024, borup2021 and das2023 catalogues, on the fast tier (seed 0),
in the same run: ``proofs_check.check.check_claim(claim, dps=50)`` (float64 first, mp at 50
digits where float64 is inconclusive and on the first ``mp_instances``) against
``proofs_check.certify.certify_claim(claim)`` (every instance and mutant on ball
trajectories from 192 bits; an instance the balls leave undecided again on the exact
trajectory, then doubling up to 3072 bits).  Each claim starts with empty caches on both
sides (its standalone cost, trajectories included); per catalogue, a last line repeats the
whole selection with caches shared across claims, as a CLI run does.

Run: ``python benchmarks/bench_certified.py [--quick] [--markdown]`` (``--markdown``: the
table of docs/certified.md).
"""

import datetime
import platform
import sys
import time

from proofs_check.certify import BallCache, certification, certify_claim
from proofs_check.check import ResultCache, check_claim
from proofs_check.registry import catalogue

PAPERS = ("mobahi2020", "pareek2024", "borup2021", "das2023")
QUICK_IDS = ("mobahi2020.collapse_threshold", "mobahi2020.c_increasing",
             "mobahi2020.rounds_upper", "pareek2024.polynomial_form",
             "pareek2024.separation_ridge")


def _claims(quick):
    out = {p: [] for p in PAPERS}
    for c in catalogue():
        paper = c.id.split(".")[0]
        if paper in out and certification(c)[0] is not None and (not quick or c.id in QUICK_IDS):
            out[paper].append(c)
    return out


def _standalone(claim):
    t0 = time.perf_counter()
    plain = check_claim(claim, "fast", 0, dps=50, cache=ResultCache(50))
    t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    cert = certify_claim(claim, "fast", 0, cache=BallCache())
    t_cert = time.perf_counter() - t0
    want = "refuted" if claim.expected == "refuted" else "verified"
    assert plain.status == want and cert.ok, (claim.id, plain.status, cert.status)
    return cert, t_plain, t_cert


def _shared(claims):
    t0 = time.perf_counter()
    rc = ResultCache(50)
    for claim in claims:
        check_claim(claim, "fast", 0, dps=50, cache=rc)
    t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    bc = BallCache()
    for claim in claims:
        certify_claim(claim, "fast", 0, cache=bc)
    return t_plain, time.perf_counter() - t0


def main(quick=False, markdown=False):
    by_paper = _claims(quick)
    rows, totals = [], []
    for paper, claims in by_paper.items():
        if not claims:
            continue
        tp = tc = 0.0
        for claim in claims:
            cert, t_plain, t_cert = _standalone(claim)
            tp, tc = tp + t_plain, tc + t_cert
            rows.append((claim.id, cert.instances, cert.certified, cert.exact,
                         cert.certified_refuted, cert.undecided, cert.max_bits_used,
                         t_plain, t_cert))
        sp, sc = _shared(claims)
        totals.append((paper, len(claims), tp, tc, sp, sc))
    head = ("claim", "inst", "cert", "exact", "refuted", "undec", "bits", "plain [s]",
            "certified [s]", "ratio")
    when = datetime.date.today().isoformat()
    if markdown:
        print(f"Measured {when} on {platform.machine()} ({platform.python_implementation()} "
              f"{platform.python_version()}), `python benchmarks/bench_certified.py"
              f"{' --quick' if quick else ''} --markdown`:\n")
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        for r in rows:
            print(f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} | {r[6]} | "
                  f"{r[7]:.2f} | {r[8]:.2f} | {r[8] / r[7]:.1f}x |")
        print()
        print("| catalogue | claims | plain [s] | certified [s] | ratio | plain, shared "
              "caches [s] | certified, shared caches [s] | ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for p, n, tp, tc, sp, sc in totals:
            print(f"| {p} | {n} | {tp:.2f} | {tc:.2f} | {tc / tp:.1f}x | {sp:.2f} | {sc:.2f} | "
                  f"{sc / sp:.1f}x |")
        TP, TC = sum(t[2] for t in totals), sum(t[3] for t in totals)
        SP, SC = sum(t[4] for t in totals), sum(t[5] for t in totals)
        print(f"| **total** | {sum(t[1] for t in totals)} | {TP:.2f} | {TC:.2f} | "
              f"{TC / TP:.1f}x | {SP:.2f} | {SC:.2f} | {SC / SP:.1f}x |")
        return
    print(f"certify_claim (balls 192..3072 bits, exact ties) vs check_claim (float64 + mp at "
          f"50 digits), fast tier, {when}")
    print(f"{head[0]:<36} {'inst':>4} {'cert':>4} {'exact':>5} {'ref':>4} {'undec':>5} "
          f"{'bits':>4} {'plain [s]':>9} {'certified [s]':>13} {'ratio':>6}")
    for r in rows:
        print(f"{r[0]:<36} {r[1]:>4} {r[2]:>4} {r[3]:>5} {r[4]:>4} {r[5]:>5} {r[6]:>4} "
              f"{r[7]:>9.2f} {r[8]:>13.2f} {r[8] / r[7]:>5.1f}x")
    for p, n, tp, tc, sp, sc in totals:
        print(f"{p + ': sum of the standalone runs':<56} {tp:>9.2f} {tc:>13.2f} "
              f"{tc / tp:>5.1f}x")
        print(f"{p + ': shared caches (one run)':<56} {sp:>9.2f} {sc:>13.2f} {sc / sp:>5.1f}x")
    TP, TC = sum(t[2] for t in totals), sum(t[3] for t in totals)
    print(f"{'total, standalone':<56} {TP:>9.2f} {TC:>13.2f} {TC / TP:>5.1f}x")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, markdown="--markdown" in sys.argv)
