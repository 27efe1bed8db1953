"""The components at work in a Keras-style model: compiled by name, trained, and the loss goes down.

The model is built from whatever the plugin registers (``REGISTERS`` in _expected.py), falling back to
standard components for the kinds it does not provide; models need neuropil-standard (for ``Dense``),
so this test is skipped where it is not installed.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution

import numpy as np
import pytest

from _expected import REGISTERS

try:
    distribution("neuropil-standard")
except PackageNotFoundError:
    pytestmark = pytest.mark.skip(reason="needs neuropil-standard (pip install neuropil-standard)")


def own(kind: str, fallback: str | None) -> str | None:
    """The plugin's first component of ``kind``, or the standard ``fallback``."""
    return REGISTERS.get(kind, [fallback])[0]


def test_compile_and_fit_by_name() -> None:
    import neuropil.layers
    import neuropil.optimizers
    import neuropil.utils
    from neuropil.layers import Dense
    from neuropil.models import Sequential

    neuropil.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype("float32")
    y = x @ np.array([[0.5], [-1.0], [2.0]], dtype="float32")
    layers = [Dense(8, input_dim=3, activation=own("activations", "tanh"))]
    for name in REGISTERS.get("layers", []):
        factory = getattr(neuropil.layers, name)
        layers.append(factory(**factory.example_configs[0]))
    model = Sequential([*layers, Dense(1)])
    model.compile(optimizer=neuropil.optimizers.get(own("optimizers", "SGD"), learning_rate=0.01),
                  loss=own("losses", "mse"), metrics=REGISTERS.get("metrics", []),
                  backend=own("backends", None))
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0], losses
