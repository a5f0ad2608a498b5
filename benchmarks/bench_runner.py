"""Runner benchmark: speed-up of 2 workers over 1, and the cost of resuming after an
interrupt at 50 %, each measured against a baseline in the same run.

    python benchmarks/bench_runner.py [--quick] [--tier fast|full] [--ids PREFIX ...]

Prints: serial seconds, 2-worker seconds and their ratio (target >= 1.6 on 2 cores); a
fresh run, a run interrupted when half the instances are done, and the resumed run's
seconds as a fraction of the fresh one (target <= 0.55).
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from proofs_check.registry import select  # noqa: E402
from proofs_check.runner import ClaimRef, run_claims  # noqa: E402


def _run(claims, tier, workers, cache_dir=None, progress=None):
    t0 = time.perf_counter()
    res = run_claims(claims, [ClaimRef(c.id) for c in claims], tier, 0, 50, workers=workers,
                     cache_dir=cache_dir, budget=None, progress=progress)
    return time.perf_counter() - t0, res


class _Stop(KeyboardInterrupt):
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tier", default="fast")
    ap.add_argument("--ids", nargs="*", default=["mobahi2020"])
    a = ap.parse_args()
    claims = select(a.ids)
    if a.quick:
        claims = claims[:6]
    print(f"{len(claims)} claims, tier {a.tier}")
    # warm-up, not timed: imports and per-process memos (the search's instances) would
    # otherwise be charged to whichever run comes first (9.8 s cold against 6.9 s warm)
    _run(claims, a.tier, 1)
    t1, r1 = _run(claims, a.tier, 1)
    t2, r2 = _run(claims, a.tier, 2)
    for x in r1 + r2:
        x.seconds = 0.0
    same = r1 == r2  # every field of every claim's result, the margins included
    print(f"workers 1: {t1:7.1f} s   workers 2: {t2:7.1f} s   speed-up {t1 / t2:5.2f}x "
          f"(target >= 1.6)   same verdicts: {same}")
    with tempfile.TemporaryDirectory() as d:
        fresh, _ = _run(claims, a.tier, 2, cache_dir=os.path.join(d, "fresh"))
        cache = os.path.join(d, "resume")

        def stop_at_half(done, total, cid):
            if done >= total / 2:
                raise _Stop
        t0 = time.perf_counter()
        try:
            _run(claims, a.tier, 2, cache_dir=cache, progress=stop_at_half)
        except _Stop:
            pass
        first = time.perf_counter() - t0
        resumed, _ = _run(claims, a.tier, 2, cache_dir=cache)
    print(f"fresh run {fresh:7.1f} s; interrupted at 50 % after {first:6.1f} s; resumed run "
          f"{resumed:6.1f} s = {resumed / fresh:5.2f} of fresh (target <= 0.55)")


if __name__ == "__main__":
    main()
