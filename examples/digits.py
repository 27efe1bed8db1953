"""Real data: scikit-learn's bundled handwritten digits (8x8 images, 10 classes, no download).

A small MLP trained with Adam on sparse integer labels reaches about 0.97 test accuracy.

    python examples/digits.py
"""
from __future__ import annotations

import numpy as np
from neuropil.layers import Dense, Dropout
from neuropil.models import Sequential
from neuropil.utils import set_random_seed


def load(seed: int = 0) -> tuple[np.ndarray, ...]:
    """Digits scaled to [0, 1], split 75/25 with a fixed shuffle."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data.astype("float32") / 16.0
    y = digits.target
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    cut = int(0.75 * len(x))
    return x[:cut], y[:cut], x[cut:], y[cut:]


def train(epochs: int = 30, verbose: int = 2, seed: int = 0) -> tuple[Sequential, float]:
    set_random_seed(seed)
    x_train, y_train, x_test, y_test = load(seed)
    model = Sequential([
        Dense(64, activation="relu", input_shape=(64,)),
        Dropout(0.1),
        Dense(32, activation="relu"),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1, verbose=verbose)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return model, accuracy


if __name__ == "__main__":
    trained, test_accuracy = train()
    print(f"test accuracy: {test_accuracy:.4f}")
