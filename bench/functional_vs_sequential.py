"""The seed model as Sequential and as a functional Model, side by side in one process.

    python bench/functional_vs_sequential.py [--rounds 7]

Both train the seed workload of bench/train_neuropil.py (10 -> 64-32-16-8-4-1, batch 32, Adam,
binary cross-entropy, no shuffling) for 125 steps after a 20-step warm-up, alternately (A B A B ...).
Each figure is the minimum over the rounds of the *CPU* time per step (``time.process_time``): on a
shared machine the wall clock measures the neighbours, while the minimum CPU time is the work a step
costs. The functional model's graph is a chain, so the executor runs it by the same loop.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from neuropil.graph import Input
from neuropil.layers import Dense
from neuropil.models import Model, Sequential

SIZES = [10, 64, 32, 16, 8, 4, 1]
BATCH, WARM, TIMED = 32, 20, 125


def sequential() -> Sequential:
    hidden = [Dense(width, activation="relu") for width in SIZES[2:-1]]
    return Sequential([Dense(SIZES[1], input_dim=SIZES[0], activation="relu"), *hidden,
                       Dense(SIZES[-1], activation="sigmoid")])


def functional() -> Model:
    inputs = Input(shape=(SIZES[0],))
    h = inputs
    for width in SIZES[1:-1]:
        h = Dense(width, activation="relu")(h)
    return Model(inputs, Dense(SIZES[-1], activation="sigmoid")(h))


def cpu_us_per_step(make: object, x: np.ndarray, y: np.ndarray) -> float:
    model = make()  # type: ignore[operator]
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x[:WARM * BATCH], y[:WARM * BATCH], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    start = time.process_time()
    model.fit(x[:TIMED * BATCH], y[:TIMED * BATCH], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    return (time.process_time() - start) / TIMED * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(1000)
    x = rng.random((TIMED * BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, 2, (TIMED * BATCH, 1)).astype(np.float32)
    times: dict[str, list[float]] = {"sequential": [], "functional": []}
    for _ in range(args.rounds):
        times["sequential"].append(cpu_us_per_step(sequential, x, y))
        times["functional"].append(cpu_us_per_step(functional, x, y))
    for name, values in times.items():
        print(f"{name:10}: min {min(values):7.1f} us/step CPU  (median {sorted(values)[len(values) // 2]:.1f})")
    print(f"ratio functional/sequential (min CPU): {min(times['functional']) / min(times['sequential']):.3f}")


if __name__ == "__main__":
    main()
