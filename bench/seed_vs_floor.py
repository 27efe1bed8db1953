"""neuropil's training step against the hand-written NumPy floor, side by side in one run.

    python bench/seed_vs_floor.py [--workload seed] [--rounds 5]

The floor is ../shared/anchors/ref_numpy.py: the same MLP, data sizes, batch size, Adam and logged
loss, written as a bare NumPy loop. Both run as fresh processes, alternately (A B A B ...), so machine
drift hits both alike; the ratio is taken per pair and its median reported. neuropil's figure is
``fit`` (verbose=0, no shuffling, as the floor does not shuffle) timed after 20 warm-up steps, the
same warm-up the floor skips.
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

NEUROPIL_RUN = r'''
import sys, time
import numpy as np
from neuropil.models import Sequential
from neuropil.layers import Dense
from neuropil.callbacks import Callback
W = {"seed": (10000, [10, 64, 32, 16, 8, 4, 1], 32, 2, "binary_crossentropy", "sigmoid"),
     "mnist": (60000, [784, 512, 512, 10], 128, 1, "categorical_crossentropy", "softmax")}
n, sizes, bs, epochs, loss, last = W[sys.argv[1]]
metrics = sys.argv[2:]
rng = np.random.default_rng(1000)
X = rng.random((n, sizes[0]), dtype=np.float32)
if loss == "binary_crossentropy":
    Y = rng.integers(0, 2, (n, 1)).astype(np.float32)
else:
    Y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], n)]
model = Sequential([Dense(sizes[1], input_dim=sizes[0], activation="relu")]
                   + [Dense(s, activation="relu") for s in sizes[2:-1]] + [Dense(sizes[-1], activation=last)])
model.compile(optimizer="adam", loss=loss, metrics=metrics)
WARM = 20
model.fit(X[:WARM * bs], Y[:WARM * bs], batch_size=bs, epochs=1, verbose=0, shuffle=False)
steps = epochs * -(-n // bs)
start = time.perf_counter()
model.fit(X, Y, batch_size=bs, epochs=epochs, verbose=0, shuffle=False)
dt = time.perf_counter() - start
print(f"neuropil {sys.argv[1]}: {steps} timed steps, {dt:.3f}s, {dt / steps * 1e6:.1f} us/step")
'''


def us_per_step(command: list[str]) -> float:
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return float(re.search(r"([\d.]+) us/step", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", default="seed", choices=["seed", "mnist"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--metrics", nargs="*", default=[], help="metrics to compile neuropil with")
    args = parser.parse_args()
    floor_cmd = [sys.executable, str(FLOOR), args.workload]
    ours_cmd = [sys.executable, "-c", NEUROPIL_RUN, args.workload, *args.metrics]
    floors, ours = [], []
    for _ in range(args.rounds):
        floors.append(us_per_step(floor_cmd))
        ours.append(us_per_step(ours_cmd))
    ratios = [o / f for o, f in zip(ours, floors)]
    print(f"workload {args.workload}, {args.rounds} rounds, alternating; metrics: {args.metrics or 'none'}")
    print(f"numpy floor : median {statistics.median(floors):8.1f} us/step  (min {min(floors):.1f}, max {max(floors):.1f})")
    print(f"neuropil    : median {statistics.median(ours):8.1f} us/step  (min {min(ours):.1f}, max {max(ours):.1f})")
    print(f"ratio neuropil/floor: median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")


if __name__ == "__main__":
    main()
