"""MaxPooling2D 2x2 forward + backward at batch 128 (the MNIST convnet's two pooling layers), neuropil
against Keras 3 on JAX (jit-compiled, CPU), side by side in one run.

    python bench/pooling_speed.py [--keras-python /work/kerasenv/bin/python] [--rounds 5]

Each side runs as a fresh process, alternately (A B A B ...), so machine drift hits both alike; each
process reports the minimum over 30 calls of one forward and its input gradient on float32 inputs of
shape (128, 26, 26, 32) and (128, 11, 11, 64), and the ratio per pair is summarised by its median.
Without a Keras interpreter only neuropil's figures are printed.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

SHAPES = [(128, 26, 26, 32), (128, 11, 11, 64)]

NEUROPIL = """
import json, time, numpy as np, neuropil
from neuropil.layers import MaxPooling2D
out = {}
for shape in SHAPES:
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    layer = MaxPooling2D()
    layer.ensure_built(shape[1:], neuropil.backends.get("numpy"), np.random.default_rng(0))
    dy = np.ones(layer.forward(x)[0].shape, dtype="float32")
    best = float("inf")
    for _ in range(31):
        start = time.perf_counter()
        layer.forward(x)[1](dy)
        best = min(best, time.perf_counter() - start)
    out[str(shape)] = best * 1e3
print(json.dumps(out))
"""

KERAS = """
import os, json, time
os.environ["KERAS_BACKEND"] = "jax"
import jax, keras, numpy as np
layer = keras.layers.MaxPooling2D()

@jax.jit
def step(x, dy):
    y, vjp = jax.vjp(layer, x)
    return y, vjp(dy)[0]

out = {}
for shape in SHAPES:
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    dy = np.ones(layer.compute_output_shape(shape), dtype="float32")
    jax.block_until_ready(step(x, dy))
    best = float("inf")
    for _ in range(31):
        start = time.perf_counter()
        jax.block_until_ready(step(x, dy))
        best = min(best, time.perf_counter() - start)
    out[str(shape)] = best * 1e3
print(json.dumps(out))
"""


def run(python: str, code: str) -> dict[str, float]:
    source = f"SHAPES = {SHAPES!r}\n" + code
    result = subprocess.run([python, "-c", source], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras-python", default=None, help="an interpreter with keras and jax installed")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    for _ in range(args.rounds):
        ours.append(run(sys.executable, NEUROPIL))
        if args.keras_python:
            theirs.append(run(args.keras_python, KERAS))
    for shape in map(str, SHAPES):
        line = f"{shape}: neuropil {statistics.median(r[shape] for r in ours):.2f} ms"
        if theirs:
            ratios = [a[shape] / b[shape] for a, b in zip(ours, theirs)]
            line += (f", Keras/JAX {statistics.median(r[shape] for r in theirs):.2f} ms, "
                     f"neuropil / Keras = {statistics.median(ratios):.2f} (median of {len(ratios)} pairs)")
        print(line)


if __name__ == "__main__":
    main()
