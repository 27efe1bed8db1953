"""neuropil's training step against the hand-written NumPy floor, side by side in one run.

    python bench/seed_vs_floor.py [--workload seed] [--rounds 5] [--no-functional]

The floor is ../shared/anchors/ref_numpy.py: the same MLP, data sizes, batch size, Adam and logged
loss, written as a bare NumPy loop. Both run as fresh processes, alternately (A B A B ...), so machine
drift hits both alike; the ratio is taken per pair and its median reported. neuropil's figure comes
from bench/train_neuropil.py: ``fit`` (verbose=0, no shuffling, as the floor does not shuffle) timed
after 20 warm-up steps, the same warm-up the floor skips. The same model built as a functional
``Model`` runs as a third process in each round (A B C A B C ...), so the two model styles are
compared in one run too.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = ROOT.parent / "shared" / "anchors" / "ref_numpy.py"

OURS = Path(__file__).resolve().parent / "train_neuropil.py"


def us_per_step(command: list[str]) -> float:
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return float(re.search(r"([\d.]+) us/step", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", default="seed", choices=["seed", "mnist"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--metrics", nargs="*", default=[], help="metrics to compile neuropil with")
    parser.add_argument("--floor", default=str(FLOOR),
                        help="the floor script (default: ../shared/anchors/ref_numpy.py)")
    parser.add_argument("--no-functional", action="store_true", help="skip the functional-model run")
    args = parser.parse_args()
    floor_cmd = [sys.executable, args.floor, args.workload]
    ours_cmd = [sys.executable, str(OURS), args.workload, *args.metrics]
    functional_cmd = [sys.executable, str(OURS), "--functional", args.workload, *args.metrics]
    floors, ours, functional = [], [], []
    for _ in range(args.rounds):
        floors.append(us_per_step(floor_cmd))
        ours.append(us_per_step(ours_cmd))
        if not args.no_functional:
            functional.append(us_per_step(functional_cmd))
    ratios = [o / f for o, f in zip(ours, floors)]
    print(f"workload {args.workload}, {args.rounds} rounds, alternating; metrics: {args.metrics or 'none'}")
    print(f"numpy floor : median {statistics.median(floors):8.1f} us/step  "
          f"(min {min(floors):.1f}, max {max(floors):.1f})")
    print(f"neuropil    : median {statistics.median(ours):8.1f} us/step  (min {min(ours):.1f}, max {max(ours):.1f})")
    print(f"ratio neuropil/floor: median {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f})")
    if functional:
        styles = [f / o for f, o in zip(functional, ours)]
        print(f"functional  : median {statistics.median(functional):8.1f} us/step  (min {min(functional):.1f}, "
              f"max {max(functional):.1f})")
        print(f"ratio functional/sequential: median {statistics.median(styles):.3f} (min {min(styles):.3f}, "
              f"max {max(styles):.3f})")


if __name__ == "__main__":
    main()
