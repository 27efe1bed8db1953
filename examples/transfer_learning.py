"""From pre-trained weights: a network trained on digits 0-4 reused for digits 5-9, three ways.

1. Pre-train an MLP on the digits 0-4 (scikit-learn's bundled 8x8 digits, no download) and save it.
2. Feature extraction: load it, take its penultimate layer's output for 5-9 and train a small new
   model on those features alone.
3. Fine-tuning: put the loaded layers, frozen, under a new head and train the head; then unfreeze
   everything and continue at a small, decaying learning rate.

    python examples/transfer_learning.py [--quiet]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import neuropil.optimizers
import numpy as np
from neuropil.layers import BatchNormalization, Dense, Dropout
from neuropil.models import Sequential, load_model
from neuropil.optimizers.schedules import ExponentialDecay
from neuropil.utils import set_random_seed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from digits import load  # noqa: E402  (the same data preparation as examples/digits.py)


def split_by_digit(seed: int = 0) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """(x_train, y_train, x_test, y_test) for the digits 0-4 and, relabelled 0-4, for 5-9."""
    x_train, y_train, x_test, y_test = load(seed)
    low_train, low_test = y_train < 5, y_test < 5
    low = (x_train[low_train], y_train[low_train], x_test[low_test], y_test[low_test])
    high = (x_train[~low_train], y_train[~low_train] - 5, x_test[~low_test], y_test[~low_test] - 5)
    return low, high


def pretrain(path: Path, data: tuple[np.ndarray, ...], verbose: int) -> float:
    x_train, y_train, x_test, y_test = data
    model = Sequential([
        Dense(64, input_shape=(64,), name="hidden_1"), BatchNormalization(name="norm"),
        Dense(32, activation="relu", name="hidden_2"), Dropout(0.1),
        Dense(5, activation="softmax", name="head"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=20, batch_size=32, verbose=verbose)
    model.save(path)
    return model.evaluate(x_test, y_test, verbose=0)[1]


def feature_extraction(path: Path, data: tuple[np.ndarray, ...], verbose: int) -> float:
    """A new model on the frozen network's features: the base runs once, in inference mode."""
    x_train, y_train, x_test, y_test = data
    base = load_model(path)
    features_train = base.extract_features(x_train, layer="hidden_2")
    features_test = base.extract_features(x_test, layer="hidden_2")
    head = Sequential([Dense(5, activation="softmax", input_shape=features_train.shape[1:])])
    head.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    head.fit(features_train, y_train, epochs=40, batch_size=32, verbose=verbose)
    return head.evaluate(features_test, y_test, verbose=0)[1]


def fine_tuning(path: Path, data: tuple[np.ndarray, ...], verbose: int) -> tuple[float, float]:
    """The loaded layers under a new head: the head alone first, then everything, gently."""
    x_train, y_train, x_test, y_test = data
    base = load_model(path)
    body = base.layers[:-1]  # everything but the 0-4 head
    for layer in body:
        layer.trainable = False  # frozen: no updates; BatchNormalization keeps its statistics too
    model = Sequential([*body, Dense(5, activation="softmax", name="new_head")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=20, batch_size=32, verbose=verbose)
    head_only = model.evaluate(x_test, y_test, verbose=0)[1]
    for layer in model.layers:
        layer.trainable = True
    schedule = ExponentialDecay(initial_learning_rate=1e-3, decay_steps=100, decay_rate=0.5)
    model.compile(optimizer=neuropil.optimizers.Adam(learning_rate=schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=10, batch_size=32, verbose=verbose)
    return head_only, model.evaluate(x_test, y_test, verbose=0)[1]


def main(quiet: bool = False) -> dict[str, float]:
    set_random_seed(0)
    verbose = 0 if quiet else 2
    low, high = split_by_digit()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digits_0_to_4.safetensors"
        results = {"pre-trained on 0-4": pretrain(path, low, verbose),
                   "features -> new model on 5-9": feature_extraction(path, high, verbose)}
        results["frozen body, new head on 5-9"], results["fine-tuned on 5-9"] = fine_tuning(path, high, verbose)
    for what, accuracy in results.items():
        print(f"{what:32s} test accuracy {accuracy:.4f}")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="no progress lines, only the results")
    main(parser.parse_args().quiet)
