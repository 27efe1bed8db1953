"""The keras-io MNIST convnet, built from neuropil's Conv2D and MaxPooling2D, learns real images:
scikit-learn's 8x8 digits, upsampled to MNIST's 28x28, reach >= 0.97 held-out accuracy."""
from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")


def digits_28x28() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each 8x8 digit scaled to [0, 1], every pixel repeated 3x3 (24x24) and padded by 2 to 28x28,
    as MNIST centres its 20x20 digits in a 28x28 frame; a stratified 75/25 split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = np.kron(digits.images / 16.0, np.ones((3, 3)))
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None].astype(np.float32)
    return train_test_split(images, digits.target, test_size=0.25, random_state=0, stratify=digits.target)


def test_the_keras_io_mnist_convnet_learns_the_digits() -> None:
    import neuropil
    from neuropil.layers import Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D

    x_train, x_test, y_train, y_test = digits_28x28()
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([
        Input((28, 28, 1)),
        Conv2D(32, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Conv2D(64, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Flatten(),
        Dropout(0.5),
        Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    one_hot = np.eye(10, dtype=np.float32)
    model.fit(x_train, one_hot[y_train], batch_size=128, epochs=15, verbose=0)
    predicted = model.predict(x_test, verbose=0).argmax(axis=1)
    accuracy = float((predicted == y_test).mean())
    assert accuracy >= 0.97, f"held-out accuracy {accuracy:.3f}"
