"""neuropil's side of the floor comparison: the reference workloads trained with Sequential.fit.

    python bench/train_neuropil.py WORKLOAD [METRIC ...]     WORKLOAD in seed|mnist
    python bench/train_neuropil.py --functional WORKLOAD ... the same model as a functional Model

Same data sizes, model, batch size, epochs, Adam and logged loss as ../shared/anchors/ref_numpy.py;
fit runs with verbose=0 and shuffle=False (the floor does not shuffle). Prints microseconds per step
after a 20-step warm-up, in the floor's format.
"""
from __future__ import annotations

import sys
import time

import numpy as np
from neuropil.graph import Input
from neuropil.layers import Dense
from neuropil.models import Model, Sequential

WORKLOADS = {
    "seed": (10000, [10, 64, 32, 16, 8, 4, 1], 32, 2, "binary_crossentropy", "sigmoid"),
    "mnist": (60000, [784, 512, 512, 10], 128, 1, "categorical_crossentropy", "softmax"),
}
WARM = 20


def functional(sizes: list[int], last: str) -> Model:
    """The Sequential model's layers, called on an Input: the same graph, built the functional way."""
    inputs = Input(shape=(sizes[0],))
    h = inputs
    for width in sizes[1:-1]:
        h = Dense(width, activation="relu")(h)
    return Model(inputs, Dense(sizes[-1], activation=last)(h))


def main(name: str, metrics: list[str], style: str = "sequential") -> None:
    n, sizes, batch, epochs, loss, last = WORKLOADS[name]
    rng = np.random.default_rng(1000)
    x = rng.random((n, sizes[0]), dtype=np.float32)
    if loss == "binary_crossentropy":
        y = rng.integers(0, 2, (n, 1)).astype(np.float32)
    else:
        y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], n)]
    if style == "functional":
        model: Sequential | Model = functional(sizes, last)
    else:
        hidden = [Dense(width, activation="relu") for width in sizes[2:-1]]
        model = Sequential([Dense(sizes[1], input_dim=sizes[0], activation="relu"), *hidden,
                            Dense(sizes[-1], activation=last)])
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    model.fit(x[:WARM * batch], y[:WARM * batch], batch_size=batch, epochs=1, verbose=0, shuffle=False)
    steps = epochs * -(-n // batch)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, shuffle=False)
    elapsed = time.perf_counter() - start
    print(f"neuropil {name} ({style}): {steps} timed steps, {elapsed:.3f}s, {elapsed / steps * 1e6:.1f} us/step")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    chosen = "functional" if "--functional" in arguments else "sequential"
    arguments = [a for a in arguments if a != "--functional"]
    main(arguments[0], arguments[1:], chosen)
