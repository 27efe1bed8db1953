"""How long `import neuropil` takes, against a bare interpreter start, side by side.

    python bench/import_time.py [--runs 15]

Each run is a fresh process (an import is only slow once); the figure is the median over runs of
(python -c 'import neuropil') - (python -c 'pass'), measured alternately so drift affects both.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def wall(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    wall("import neuropil")  # warm the file cache
    first_lookup = "from neuropil.layers import Dense"
    bare, full, lookup = [], [], []
    for _ in range(args.runs):
        bare.append(wall("pass"))
        full.append(wall("import neuropil"))
        lookup.append(wall(first_lookup))
    for label, times in (("import neuropil", full), (first_lookup + " (loads every plugin)", lookup)):
        diffs = [t - b for t, b in zip(times, bare)]
        print(f"{label}: median {statistics.median(diffs) * 1e3:.1f} ms above interpreter start "
              f"(min {min(diffs) * 1e3:.1f}, max {max(diffs) * 1e3:.1f}) over {args.runs} runs")
    print(f"interpreter start: median {statistics.median(bare) * 1e3:.1f} ms; budget for import neuropil: 150 ms")
    heavy = subprocess.run([sys.executable, "-c", "import neuropil, sys; print(sorted(m for m in sys.modules "
                            "if m.split('.')[0] in ('numpy', 'pluggy', 'neuropil_standard')))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    print(f"heavy modules imported by `import neuropil`: {heavy}")


if __name__ == "__main__":
    main()
