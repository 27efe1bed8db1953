"""neuropil against Keras 3 itself: MaxPooling2D and AveragePooling2D with "same" padding and
UpSampling2D bilinear, outputs and input gradients from the committed fixture
tests/fixtures/keras/pooling.npz (written by make_pooling_fixture.py there; Keras is not needed here)."""
from __future__ import annotations

import json
from pathlib import Path

import neuropil
import numpy as np
import pytest

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "keras" / "pooling.npz"


def cases() -> list[tuple[str, dict, dict[str, np.ndarray]]]:
    with np.load(FIXTURE, allow_pickle=False) as data:
        count = sum(1 for key in data.files if key.endswith("_layer"))
        out = []
        for index in range(count):
            spec = json.loads(str(data[f"case{index}_layer"]))
            arrays = {name: data[f"case{index}_{name}"] for name in ("x", "r", "y", "dx")}
            out.append((spec["class_name"], spec["config"], arrays))
    return out


CASES = cases()


def test_the_fixture_covers_the_three_layers() -> None:
    assert {name for name, _, _ in CASES} == {"MaxPooling2D", "AveragePooling2D", "UpSampling2D"}
    assert all(config.get("padding", "same") == "same" for _, config, _ in CASES)


@pytest.mark.parametrize("class_name, config, arrays", CASES,
                         ids=[f"{name}-{json.dumps(config, sort_keys=True)}" for name, config, _ in CASES])
def test_matches_keras_in_float32(class_name: str, config: dict, arrays: dict[str, np.ndarray]) -> None:
    layer = neuropil.layers.get({"class_name": class_name, "config": config})
    x = arrays["x"]
    layer.ensure_built(x.shape[1:], neuropil.backends.get("numpy"), np.random.default_rng(0))
    y, backward = layer.forward(x)
    assert y.dtype == np.float32 and y.shape == arrays["y"].shape
    np.testing.assert_allclose(y, arrays["y"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(backward(arrays["r"]), arrays["dx"], rtol=1e-5, atol=1e-6)
