"""The keras-io MNIST convnet: neuropil's training step against PyTorch CPU and a NumPy floor.

    python bench/convnet.py [--rounds 5] [--torch-python PYTHON] [--torch-reference ref_torch_seq.py]
    python bench/convnet.py --worker          # neuropil alone: one line, us/step

The model (Input 28x28x1, Conv2D 32 3x3 relu, MaxPooling2D 2, Conv2D 64 3x3 relu, MaxPooling2D 2,
Flatten, Dropout 0.5, Dense 10 softmax), batch 128, Adam, cross-entropy, float32, on the random data
of ../shared/anchors/ref_torch_seq.py (60 batches, the first 5 untimed). Each round runs neuropil, the
PyTorch reference (with an interpreter that has torch; not a neuropil dependency) and the hand-written
NumPy floor (bench/convnet_floor.py) as fresh processes, one after the other, so machine drift hits
all three alike; ratios are taken per round and their median reported.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from seed_vs_floor import us_per_step

HERE = Path(__file__).resolve().parent
#: ../shared/anchors from the repository root, as bench/seed_vs_floor.py finds the anchors.
TORCH_REFERENCE = HERE.parents[1].parent / "shared" / "anchors" / "ref_torch_seq.py"
FLOOR = HERE / "convnet_floor.py"
N, BATCH, WARM = 128 * 60, 128, 5


def model() -> object:
    from neuropil.layers import Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D
    from neuropil.models import Sequential

    return Sequential([Input((28, 28, 1)), Conv2D(32, 3, activation="relu"), MaxPooling2D(2),
                       Conv2D(64, 3, activation="relu"), MaxPooling2D(2), Flatten(), Dropout(0.5),
                       Dense(10, activation="softmax")])


def worker() -> None:
    import numpy as np

    rng = np.random.default_rng(1000)
    x = rng.random((N, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, N)]
    net = model()
    net.compile(optimizer="adam", loss="categorical_crossentropy")  # type: ignore[attr-defined]
    net.fit(x[:WARM * BATCH], y[:WARM * BATCH], batch_size=BATCH, epochs=1, verbose=0,  # type: ignore[attr-defined]
            shuffle=False)
    steps = N // BATCH
    start = time.perf_counter()
    net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    print(f"neuropil convnet: {steps} timed steps, {elapsed:.3f}s, {elapsed / steps * 1e6:.1f} us/step")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--torch-python", default="/work/torchenv/bin/python",
                        help="an interpreter with torch installed (skipped when it cannot import torch)")
    parser.add_argument("--torch-reference", default=str(TORCH_REFERENCE),
                        help="the PyTorch reference trainer (default: ../shared/anchors/ref_torch_seq.py)")
    parser.add_argument("--worker", action="store_true", help="time neuropil alone and print us/step")
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    commands = {"neuropil": [sys.executable, __file__, "--worker"],
                "torch": [args.torch_python, args.torch_reference, "convnet", "cpu"],
                "floor": [sys.executable, str(FLOOR)]}
    if subprocess.run([args.torch_python, "-c", "import torch"], capture_output=True).returncode != 0:
        print(f"skipping torch: {args.torch_python} cannot import torch")
        del commands["torch"]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, command in commands.items():
            times[name].append(us_per_step(command))
    print(f"convnet, batch {BATCH}, {args.rounds} rounds, each round {', '.join(commands)}")
    for name, values in times.items():
        line = f"{name:9s}: median {statistics.median(values) / 1000:7.1f} ms/step " \
               f"(min {min(values) / 1000:.1f}, max {max(values) / 1000:.1f})"
        if name != "neuropil":
            ratios = [ours / theirs for ours, theirs in zip(times["neuropil"], values)]
            line += f"   neuropil/{name}: median {statistics.median(ratios):.2f} " \
                    f"(per round {', '.join(f'{r:.2f}' for r in ratios)})"
        print(line)


if __name__ == "__main__":
    main()
