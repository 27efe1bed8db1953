"""Pooling and shape layers inside models: a pooled digits classifier trains, the summary shows the
weightless layers' output shapes, and a saved model with them loads back to the same predictions."""
from __future__ import annotations

from pathlib import Path

import neuropil
import numpy as np
from neuropil.layers import (
    AveragePooling2D,
    Cropping2D,
    Dense,
    Flatten,
    GlobalMaxPooling2D,
    MaxPooling2D,
    Permute,
    Reshape,
    UpSampling2D,
    ZeroPadding2D,
)
from neuropil.models import load_model


def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.data / 16.0).astype("float32"), data.target


def test_max_pooled_digits_classifier_trains() -> None:
    x, y = digits()
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([Reshape((8, 8, 1), input_shape=(64,)), ZeroPadding2D(1), MaxPooling2D(padding="same"),
                                 Flatten(), Dense(10, activation="softmax")])
    model.compile(optimizer=neuropil.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    losses = model.fit(x, y, epochs=15, batch_size=64, verbose=0).history["loss"]
    _, accuracy = model.evaluate(x, y, verbose=0)
    # 25 pooled features into a linear classifier: about 0.82 (chance is 0.1), the loss about 2.3 -> 0.7
    assert accuracy > 0.7 and losses[-1] < 0.4 * losses[0], (accuracy, losses)


def test_summary_shows_output_shapes_of_weightless_layers() -> None:
    model = neuropil.Sequential([MaxPooling2D(input_shape=(28, 28, 1)), UpSampling2D(interpolation="bilinear"),
                                 AveragePooling2D(3, padding="same"), Cropping2D(((1, 0), (0, 1))),
                                 GlobalMaxPooling2D(keepdims=True), Flatten(), Dense(4)])
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for shape in ["(None, 14, 14, 1)", "(None, 28, 28, 1)", "(None, 10, 10, 1)", "(None, 9, 9, 1)",
                  "(None, 1, 1, 1)", "(None, 1)", "(None, 4)"]:
        assert shape in text, text


def test_saved_model_with_pooling_and_shape_layers_predicts_the_same(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(8, 6, 6, 2)).astype("float32")
    neuropil.utils.set_random_seed(1)
    model = neuropil.Sequential([
        MaxPooling2D(pool_size=(2, 3), strides=1, padding="same", data_format="channels_first", input_shape=(6, 6, 2)),
        AveragePooling2D(2), Permute((2, 1, 3)), UpSampling2D((1, 2), interpolation="bilinear"), Flatten(),
        Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "pooled.safetensors")
    loaded = load_model(tmp_path / "pooled.safetensors")
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
