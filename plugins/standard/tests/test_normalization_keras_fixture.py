"""LayerNormalization and GroupNormalization agree with Keras 3 itself, to float32 precision: outputs,
input gradients and gamma/beta gradients (UnitNormalization and Normalization: outputs and input
gradients), from the fixture Keras wrote
(tests/fixtures/keras/make_normalization_fixture.py; CI reads the committed npz, never Keras)."""
from __future__ import annotations

import json
from pathlib import Path

import neuropil
import neuropil.layers
import numpy as np
import pytest

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "keras" / "normalization.npz"


def _cases() -> list[str]:
    with np.load(FIXTURE, allow_pickle=False) as f:
        return sorted({key.split("/")[0] for key in f.files if "/" in key})


@pytest.mark.parametrize("case", _cases())
def test_matches_keras(case: str) -> None:
    with np.load(FIXTURE, allow_pickle=False) as f:
        arrays = {key.split("/", 1)[1]: f[key] for key in f.files if key.startswith(case + "/")}
    config = json.loads(str(arrays["config"]))
    layer = neuropil.layers.deserialize({"class_name": str(arrays["class_name"]),
                                         "config": {**config, "dtype": "float32"}})
    x = arrays["x"]
    layer.ensure_built(x.shape[1:], neuropil.backends.get("numpy"), np.random.default_rng(0))
    names = layer.weight_names()
    assert sorted(names) == sorted(k[1:] for k in arrays if k.startswith("d") and k not in ("dx", "dy"))
    layer.set_weights([arrays[n] for n in names])
    y, backward = layer.forward(x, training=True)
    dx = backward(arrays["dy"])
    np.testing.assert_allclose(y, arrays["y"], rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(dx, arrays["dx"], rtol=2e-4, atol=2e-4)
    for n in names:
        np.testing.assert_allclose(layer.grads[n], arrays["d" + n], rtol=2e-4, atol=2e-4)


def test_fixture_covers_both_layers() -> None:
    with np.load(FIXTURE, allow_pickle=False) as f:
        classes = {str(f[key]) for key in f.files if key.endswith("/class_name")}
    assert classes == {"LayerNormalization", "GroupNormalization", "UnitNormalization", "Normalization"}
