"""Where a training step of the keras-io MNIST convnet spends its time, from cProfile.

    python bench/convnet_profile.py [--steps 20] [--wall]

Runs ``fit`` on the benchmark's model and data (bench/convnet.py) under cProfile after a warm-up and
prints milliseconds per step by phase: building the im2col matrices, the convolution products
(forward, kernel gradient, input gradient), the scatter-add back to the input (col2im), pooling
forward and backward, activations, and the rest (Dense, Dropout, loss, Adam, the loop). CPU time of
this process by default (steadier on a shared machine); ``--wall`` for wall time, which is what
counts once work runs on several threads.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np
from convnet import BATCH, model

#: phase -> (file suffix, function name, "tottime" or "cumtime")
PHASES = {
    "im2col": ("conv/_ops.py", "columns", "cumtime"),
    "col2im": ("conv/_ops.py", "scatter_windows", "cumtime"),
    "kernel gradient": ("conv/_ops.py", "kernel_gradient", "cumtime"),
    "input gradient": ("conv/_ops.py", "input_gradient", "cumtime"),
    "conv forward": ("conv/_ops.py", "forward", "cumtime"),
    "pooling forward": ("pooling/max_pooling.py", "forward", "cumtime"),
    "pooling backward": ("pooling/max_pooling.py", "backward", "cumtime"),
    "activations": ("neuropil_standard/activations.py", "*", "tottime"),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--wall", action="store_true", help="wall time (for threads), not CPU time")
    args = parser.parse_args()
    rng = np.random.default_rng(1000)
    n = BATCH * args.steps
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    net = model()
    net.compile(optimizer="adam", loss="categorical_crossentropy")  # type: ignore[attr-defined]
    net.fit(x[:5 * BATCH], y[:5 * BATCH], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)  # type: ignore[attr-defined]
    profile = cProfile.Profile(time.perf_counter if args.wall else time.process_time)
    profile.enable()
    net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)  # type: ignore[attr-defined]
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = max(entry[3] for entry in stats.values())
    per_step = {phase: sum(entry[3 if column == "cumtime" else 2] for (file, _, name), entry in stats.items()
                           if file.endswith(suffix) and (function == "*" or name == function)) / args.steps * 1000
                for phase, (suffix, function, column) in PHASES.items()}
    rows = {
        "im2col (strided view -> columns copy)": per_step["im2col"],
        "conv forward product (columns @ kernel)": per_step["conv forward"] - per_step["im2col"],
        "conv kernel-gradient product (columns.T @ dy)": per_step["kernel gradient"],
        "conv input gradient (per tap dy @ kernel[tap].T + add)": per_step["input gradient"] - per_step["col2im"],
        "col2im (grouped convolutions only)": per_step["col2im"],
        "max pooling forward": per_step["pooling forward"],
        "max pooling backward": per_step["pooling backward"],
        "activations (relu, softmax), forward and backward": per_step["activations"],
    }
    step = total / args.steps * 1000
    print(f"{args.steps} steps of batch {BATCH}: {step:.1f} ms/step under cProfile")
    for phase, ms in rows.items():
        print(f"  {phase:52s} {ms:6.1f} ms  {ms / step:5.1%}")
    rest = step - sum(rows.values())
    print(f"  {'the rest (Dense, Dropout, loss, Adam, bias sums, loop)':52s} {rest:6.1f} ms  {rest / step:5.1%}")

if __name__ == "__main__":
    main()
