"""The normalization, noise and preprocessing layers inside trained models: an augmenting image model
trains (its random layers active in fit only, so predict is repeatable), an adapted Normalization and
a LayerNormalization save and load with the model, and a model predicts the same after the round trip."""
from __future__ import annotations

import neuropil
import numpy as np
from neuropil.layers import (
    Dense,
    Flatten,
    GaussianNoise,
    GroupNormalization,
    Input,
    LayerNormalization,
    Normalization,
    RandomContrast,
    RandomFlip,
    RandomTranslation,
    Rescaling,
    Resizing,
    SpatialDropout2D,
)
from neuropil.models import Sequential, load_model


def test_an_augmenting_image_model_trains_and_predicts_repeatably() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(64, 8, 8, 1))
    y = (x[:, :, :4].mean(axis=(1, 2, 3)) > x[:, :, 4:].mean(axis=(1, 2, 3))).astype(float)
    model = Sequential([
        Input(shape=(8, 8, 1)), Rescaling(1 / 255), RandomContrast(0.1, value_range=(0, 1), seed=1),
        RandomTranslation(0.1, 0.0, seed=2), Resizing(6, 6), GroupNormalization(groups=1),
        SpatialDropout2D(0.1, seed=3), Flatten(), Dense(1, activation="sigmoid"),
    ])
    model.compile(neuropil.optimizers.Adam(0.01), "binary_crossentropy")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_normalization_and_layer_normalization_survive_save_and_load(tmp_path) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(5.0, 3.0, size=(40, 4))
    normalizer = Normalization()
    normalizer.adapt(x)
    model = Sequential([Input(shape=(4,)), normalizer, Dense(3), LayerNormalization(), GaussianNoise(0.1),
                        Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    path = tmp_path / "model.safetensors"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    mean = loaded.layers[0].get_weights()[0]
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-5)


def test_random_flip_model_saves_its_config() -> None:
    model = Sequential([Input(shape=(4, 4, 3)), RandomFlip("horizontal", seed=5), Flatten(), Dense(2)])
    config = model.get_config()
    rebuilt = Sequential.from_config(config)
    assert rebuilt.get_config() == config


def test_set_random_seed_makes_augmented_training_repeatable() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0, 1, size=(32, 6, 6, 2)), rng.normal(size=(32, 1))

    def trained() -> list[np.ndarray]:
        neuropil.utils.set_random_seed(11)
        model = Sequential([Input(shape=(6, 6, 2)), RandomFlip(), RandomTranslation(0.2, 0.2), GaussianNoise(0.1),
                            Flatten(), Dense(1)])
        model.compile("sgd", "mse")
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        return model.get_weights()

    for first, second in zip(trained(), trained()):
        np.testing.assert_array_equal(first, second)
