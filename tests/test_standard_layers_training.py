"""BatchNormalization and the activation layers inside models: training with them, what fit moves and
what predict/evaluate leave alone, frozen BatchNormalization, summary counts, save/load round trips."""
from __future__ import annotations

from pathlib import Path

import neuropil
import numpy as np
import pytest
from neuropil.layers import ELU, BatchNormalization, Dense, LeakyReLU, ReLU, Softmax
from neuropil.models import load_model


def blobs(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three classes in 4 features whose scales and offsets differ a lot (what BatchNormalization is for)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    x = rng.normal(size=(n, 4)) + np.eye(3, 4)[labels] * 2.0
    x = x * np.array([1.0, 10.0, 0.1, 3.0]) + np.array([5.0, -20.0, 0.0, 1.0])
    return x.astype("float32"), np.eye(3, dtype="float32")[labels]


def statistics(layer: BatchNormalization) -> list[np.ndarray]:
    return layer.get_weights()[-2:]


def test_dense_batchnorm_relu_model_trains_on_digits() -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = digits.data.astype("float32"), digits.target  # raw pixel counts 0..16: no scaling needed with BN
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([Dense(32, input_shape=(64,)), BatchNormalization(), ReLU(),
                                 Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    losses = model.fit(x, y, epochs=8, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.25 * losses[0], losses  # about 2.0 -> 0.25
    # evaluated in inference mode, i.e. through the moving statistics fit accumulated
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert loss < 0.4 and accuracy > 0.9


def test_fit_moves_the_statistics_and_predict_evaluate_leave_them_alone() -> None:
    x, y = blobs()
    neuropil.utils.set_random_seed(1)
    norm = BatchNormalization(momentum=0.9, input_shape=(4,))
    model = neuropil.Sequential([norm, Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    initial = statistics(norm)
    model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.test_on_batch(x, y)
    for now, then in zip(statistics(norm), initial):
        np.testing.assert_array_equal(now, then)
    model.train_on_batch(x, y)  # one training forward: one momentum step towards the batch's statistics
    moving_mean, moving_variance = statistics(norm)
    np.testing.assert_allclose(moving_mean, 0.1 * x.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(moving_variance, 0.9 + 0.1 * x.var(axis=0), rtol=1e-5)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert not np.allclose(statistics(norm)[0], moving_mean)


def test_frozen_batchnorm_keeps_its_weights_and_normalizes_with_moving_statistics_during_fit() -> None:
    x, y = blobs()
    neuropil.utils.set_random_seed(2)
    norm = BatchNormalization(input_shape=(4,), name="bn")
    model = neuropil.Sequential([norm, Dense(8), LeakyReLU(), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)  # learn some statistics first
    norm.trainable = False
    frozen = norm.get_weights()
    dense_before = model.layers[1].get_weights()[0]
    # In inference mode the training forward computes the same loss as evaluation does.
    expected = model.test_on_batch(x, y)
    assert model.train_on_batch(x, y) == pytest.approx(expected, rel=1e-6)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for now, then in zip(norm.get_weights(), frozen):
        np.testing.assert_array_equal(now, then)
    assert not np.array_equal(model.layers[1].get_weights()[0], dense_before)


def test_summary_counts_moving_statistics_as_non_trainable() -> None:
    model = neuropil.Sequential([Dense(8, input_shape=(4,)), BatchNormalization(), ReLU(), Dense(1)])
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Total params: 81" in text  # 40 + 32 + 0 + 9
    assert "Trainable params: 65" in text  # gamma and beta of 8 features: 16 of BatchNormalization's 32
    assert "Non-trainable params: 16" in text
    assert "(BatchNormalization)" in text and "(ReLU)" in text
    model.layers[1].trainable = False
    lines.clear()
    model.summary(print_fn=lines.append)
    assert "Non-trainable params: 32" in "\n".join(lines)


def test_save_and_load_model_round_trip_with_statistics_and_activation_layers(tmp_path: Path) -> None:
    x, y = blobs(48)
    neuropil.utils.set_random_seed(3)
    model = neuropil.Sequential([
        Dense(6, input_shape=(4,)), BatchNormalization(momentum=0.8, epsilon=0.01), ELU(alpha=0.5),
        Dense(5), ReLU(max_value=6.0, negative_slope=0.1), BatchNormalization(trainable=False),
        LeakyReLU(negative_slope=0.2), Dense(3), Softmax()])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "bn.safetensors")
    loaded = load_model(tmp_path / "bn.safetensors")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    assert loaded.layers[1].momentum == 0.8 and loaded.layers[1].epsilon == 0.01
    assert loaded.layers[5].trainable is False and loaded.layers[4].max_value == 6.0
    np.testing.assert_allclose(model.predict(x, verbose=0).sum(axis=1), 1.0, rtol=1e-5)
    # training continues identically from the loaded file
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
