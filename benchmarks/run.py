"""Run every benchmark: ``python benchmarks/run.py`` (add ``--quick`` for a short run).

Each figure is a ratio against a baseline measured in the same run (machines are noisy).
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    quick = "--quick" in sys.argv
    for name in ("bench_engine.py", "bench_mp.py", "bench_eigen.py", "bench_runner.py",
                 "bench_certified.py", "bench_multiview.py"):
        path = os.path.join(HERE, name)
        if not os.path.exists(path):
            continue
        print(f"\n=== {name} ===", flush=True)
        subprocess.run([sys.executable, path] + (["--quick"] if quick else []), check=True)
    print("\n=== proofs-check run (default: fast tier, whole catalogue) ===", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "proofs_check.cli", "run", "--progress", "never"],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    print(proc.stdout.strip().splitlines()[-1])
    print(f"wall time {wall:.1f} s (target < 60 s on 2 cores), exit status {proc.returncode}")


if __name__ == "__main__":
    main()
