"""Certified mode benchmark: the cost of a ball-arithmetic proof against the plain check.

Per certifiable claim of the mobahi2020 catalogue on the fast tier (seed 0), in the same
run: ``proofs_check.check.check_claim(claim, dps=50)`` (float64 first, mp at 50 digits
where float64 is inconclusive and on the first ``mp_instances``) against
``proofs_check.certify.certify_claim(claim)`` (every instance and mutant on ball
trajectories from 192 bits, doubling up to 3072 while undecided).  Each claim starts with
empty caches on both sides (its standalone cost, trajectories included); the last line
is the whole catalogue with caches shared across claims, as a CLI run does.

Run: ``python benchmarks/bench_certified.py [--quick]``.
"""

import sys
import time

from proofs_check.certify import BallCache, certify_claim
from proofs_check.check import ResultCache, check_claim
from proofs_check.papers.mobahi2020.claims import CERTIFIABLE, CLAIMS

QUICK_IDS = ("mobahi2020.collapse_threshold", "mobahi2020.c_increasing",
             "mobahi2020.rounds_upper")


def main(quick=False):
    claims = [c for c in CLAIMS if c.id in CERTIFIABLE and (not quick or c.id in QUICK_IDS)]
    print("certify_claim (balls, 192..3072 bits) vs check_claim (float64 + mp at 50 digits), "
          "fast tier")
    head = (f"{'claim':<36} {'inst':>4} {'cert':>4} {'undec':>5} {'bits':>4} "
            f"{'plain [s]':>9} {'certified [s]':>13} {'ratio':>6}")
    print(head)
    tot_plain = tot_cert = 0.0
    for claim in claims:
        t0 = time.perf_counter()
        plain = check_claim(claim, "fast", 0, dps=50, cache=ResultCache(50))
        t_plain = time.perf_counter() - t0
        t0 = time.perf_counter()
        cert = certify_claim(claim, "fast", 0, cache=BallCache())
        t_cert = time.perf_counter() - t0
        assert plain.status == "verified" and cert.ok, (plain.status, cert.status)
        tot_plain, tot_cert = tot_plain + t_plain, tot_cert + t_cert
        print(f"{claim.id:<36} {cert.instances:>4} {cert.certified:>4} {cert.undecided:>5} "
              f"{cert.max_bits_used:>4} {t_plain:>9.2f} {t_cert:>13.2f} "
              f"{t_cert / t_plain:>5.1f}x")
    print(f"{'sum of the standalone runs':<56} {tot_plain:>9.2f} {tot_cert:>13.2f} "
          f"{tot_cert / tot_plain:>5.1f}x")
    # the whole selection with caches shared across claims (what a CLI run does)
    t0 = time.perf_counter()
    rc = ResultCache(50)
    for claim in claims:
        check_claim(claim, "fast", 0, dps=50, cache=rc)
    t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    bc = BallCache()
    for claim in claims:
        certify_claim(claim, "fast", 0, cache=bc)
    t_cert = time.perf_counter() - t0
    print(f"{'shared caches (one run of the selection)':<56} {t_plain:>9.2f} {t_cert:>13.2f} "
          f"{t_cert / t_plain:>5.1f}x")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
