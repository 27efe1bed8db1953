"""Merge layers' forward + backward against the bare NumPy expressions of the same math, in one run.

    python bench/merge_speed.py [--rounds 5]

Two float32 inputs of shape (256, 512) (Dot: a dot product per sample, output (256, 1)). Each round
times 200 calls of the layer and 200 of the floor, alternating, so machine drift hits both alike;
the ratio (layer / floor) is the median over the rounds, the times shown the best round's. The floor
is what a hand-written NumPy model computes for the same output and input gradients: ``a + b`` with
two gradient arrays, ``maximum`` with the two masked gradients, ``concatenate`` with a split, a
product-sum with two products.
"""
from __future__ import annotations

import argparse
import statistics
import timeit

import neuropil
import numpy as np
from neuropil.layers import Add, Concatenate, Dot, Maximum


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((256, 512)).astype(np.float32) for _ in range(2))
    dy, dy_cat, dy_dot = (rng.standard_normal(s).astype(np.float32) for s in ((256, 512), (256, 1024), (256, 1)))
    backend = neuropil.backends.get("numpy")

    def built(layer):
        layer.ensure_built([(512,), (512,)], backend, np.random.default_rng(0))
        return layer

    cases = {
        "Add": (built(Add()), dy, lambda: (a + b, dy, dy.copy())),
        "Maximum": (built(Maximum()), dy, lambda: (np.maximum(a, b), dy * (a >= b), dy * (a < b))),
        "Concatenate": (built(Concatenate()), dy_cat, lambda: (np.concatenate([a, b], 1), np.split(dy_cat, [512], 1))),
        "Dot(axes=1)": (built(Dot(axes=1)), dy_dot, lambda: ((a * b).sum(1, keepdims=True), dy_dot * b, dy_dot * a)),
    }
    for name, (layer, upstream, floor) in cases.items():
        def step(layer=layer, upstream=upstream) -> None:
            layer.forward([a, b])[1](upstream)

        pairs = [(timeit.timeit(step, number=200) / 200, timeit.timeit(floor, number=200) / 200) for _ in range(rounds)]
        ratio = statistics.median(t / f for t, f in pairs)
        print(f"{name:12s} layer {min(t for t, _ in pairs) * 1e6:7.1f} us   floor "
              f"{min(f for _, f in pairs) * 1e6:7.1f} us   ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
