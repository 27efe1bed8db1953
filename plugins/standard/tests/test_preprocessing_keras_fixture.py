"""Resizing, CenterCrop and the affine resampling of RandomRotation/RandomZoom/RandomTranslation agree
with Keras 3 itself to float32 precision, from the fixture Keras wrote
(tests/fixtures/keras/make_preprocessing_fixture.py; CI reads the committed npz, never Keras)."""
from __future__ import annotations

import json
from pathlib import Path

import neuropil
import neuropil.layers
import numpy as np
import pytest
from neuropil_standard.layers.preprocessing._resample import affine_resample

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "keras" / "preprocessing.npz"


def _load() -> dict[str, np.ndarray]:
    with np.load(FIXTURE, allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


ARRAYS = _load()
LAYER_CASES = sorted({k.split("/")[0] for k in ARRAYS if k.endswith("/class_name")})
AFFINE_CASES = sorted(tuple(k.split("/")[1:]) for k in ARRAYS if k.startswith("affine/") and k.count("/") == 2)


@pytest.mark.parametrize("case", LAYER_CASES)
def test_layer_matches_keras(case: str) -> None:
    config = json.loads(str(ARRAYS[f"{case}/config"]))
    layer = neuropil.layers.deserialize({"class_name": str(ARRAYS[f"{case}/class_name"]),
                                         "config": {**config, "dtype": "float32"}})
    images = ARRAYS["images"]
    layer.ensure_built(images.shape[1:], neuropil.backends.get("numpy"), np.random.default_rng(0))
    expected = ARRAYS[f"{case}/y"]
    for training in (False, True):
        np.testing.assert_allclose(layer(images, training=training), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("fill_mode", "interpolation"), AFFINE_CASES)
def test_affine_resampling_matches_keras(fill_mode: str, interpolation: str) -> None:
    images, transforms = ARRAYS["affine/images"], ARRAYS["affine/transforms"]
    y, _ = affine_resample(images, transforms[:, :6], interpolation, fill_mode, 0.5, np)
    np.testing.assert_allclose(y, ARRAYS[f"affine/{fill_mode}/{interpolation}"], rtol=1e-5, atol=1e-5)


def test_fixture_covers_every_fill_mode_and_interpolation() -> None:
    assert len(AFFINE_CASES) == 8 and len(LAYER_CASES) == 14


AUGMENT_CASES = sorted({k.split("/")[1] for k in ARRAYS if k.startswith("augment/")})


def _degenerate(value: float) -> tuple[float, float]:
    """A factor range holding one value: the layer then draws exactly it."""
    return (value, value)


@pytest.mark.parametrize("case", AUGMENT_CASES)
def test_augmentation_layer_matches_keras_for_keras_draws(case: str) -> None:
    """Each sample through a layer whose factor range is the single value Keras drew for it: the
    angle, zooms and shifts mean what they mean in Keras (direction, center, units)."""
    prefix = f"augment/{case}/"
    config = {**json.loads(str(ARRAYS[prefix + "config"])), "dtype": "float32"}
    images = ARRAYS["affine/images"]
    height, width = images.shape[1:3]
    expected = ARRAYS[prefix + "y"]
    for n in range(images.shape[0]):
        if case.startswith("rotation"):
            layer = neuropil.layers.RandomRotation(_degenerate(ARRAYS[prefix + "angle"][n] / 360.0), **config)
        elif case.startswith("zoom"):
            layer = neuropil.layers.RandomZoom(_degenerate(ARRAYS[prefix + "height_zoom"][n, 0] - 1.0),
                                               _degenerate(ARRAYS[prefix + "width_zoom"][n, 0] - 1.0), **config)
        else:
            shift_x, shift_y = ARRAYS[prefix + "translations"][n]
            layer = neuropil.layers.RandomTranslation(_degenerate(shift_y / height), _degenerate(shift_x / width),
                                                      **config)
        layer.ensure_built(images.shape[1:], neuropil.backends.get("numpy"), np.random.default_rng(0))
        got = layer(images[n:n + 1], training=True)
        np.testing.assert_allclose(got[0], expected[n], rtol=1e-4, atol=1e-4, err_msg=f"sample {n}")


def test_fixture_covers_the_three_affine_layers() -> None:
    assert {c.split("_")[0] for c in AUGMENT_CASES} == {"rotation", "zoom", "translation"}


DRAW_CASES = sorted({k.split("/")[1] for k in ARRAYS if k.startswith("draws/")})


class KerasDraws:
    """Stands in for a layer's host generator, returning the uniform numbers Keras drew (one row per
    call): what is compared is then the transformation itself, given the same randomness."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = list(rows)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: object = None) -> object:
        row = np.asarray(self.rows.pop(0))
        return float(row[0]) if size is None else row.reshape(size)


@pytest.mark.parametrize("case", DRAW_CASES)
def test_colour_flip_and_crop_layers_match_keras_for_keras_draws(case: str) -> None:
    config = json.loads(str(ARRAYS[f"draws/{case}/config"]))
    class_name = config.pop("class_name")
    layer = neuropil.layers.deserialize({"class_name": class_name, "config": {**config, "dtype": "float32"}})
    images = ARRAYS["affine/images"]
    layer.ensure_built(images.shape[1:], neuropil.backends.get("numpy"), np.random.default_rng(0))
    layer._draws = KerasDraws(ARRAYS[f"draws/{case}/uniforms"])
    np.testing.assert_allclose(layer(images, training=True), ARRAYS[f"draws/{case}/y"], rtol=1e-5, atol=1e-5)
