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
