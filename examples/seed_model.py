"""The seed program: the Keras Sequential workflow, written with neuropil imports.

10000 samples of 10 random features with random 0/1 labels, a 64-32-16-8-4-1 MLP, Adam and binary
cross-entropy for 2 epochs with validation. The data are noise, so the loss stays near ln 2 = 0.693:
the point is the workflow and the output, line for line what Keras prints.

    python examples/seed_model.py [--metrics accuracy precision recall auc]
"""
from __future__ import annotations

import argparse

import numpy as np
from neuropil.layers import Dense
from neuropil.models import Sequential
from neuropil.utils import set_random_seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", nargs="*", default=["accuracy"], help="metric names to compile with")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    set_random_seed(1000)
    rng = np.random.default_rng(1000)
    X_train, y_train = rng.random((10000, 10)), rng.integers(0, 2, (10000, 1))
    X_val, y_val = rng.random((2000, 10)), rng.integers(0, 2, (2000, 1))
    X_test, y_test = rng.random((2000, 10)), rng.integers(0, 2, (2000, 1))

    model = Sequential()
    model.add(Dense(64, input_dim=10, activation="relu"))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(16, activation="relu"))
    model.add(Dense(8, activation="relu"))
    model.add(Dense(4, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.summary()
    model.compile(optimizer="Adam", loss="binary_crossentropy", metrics=args.metrics)
    model.fit(X_train, y_train, epochs=args.epochs, validation_data=(X_val, y_val))
    results = model.evaluate(X_test, y_test, return_dict=True)
    print("test:", ", ".join(f"{name} {value:.4f}" for name, value in results.items()))
    predictions = model.predict(X_test, verbose=0)
    print("first predictions:", [round(float(p), 4) for p in predictions[:5, 0]])


if __name__ == "__main__":
    main()
