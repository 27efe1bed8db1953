"""The components at work in a Keras-style model: compiled by name, trained (the loss goes down), and
saved and loaded back with every component in place.

The model is built from whatever the plugin registers (``REGISTERS`` in _expected.py), falling back to
standard components for the kinds it does not provide: its activation, layers, loss, optimizer,
metrics and backend by name; its initializer, regularizer and constraint on the first Dense's kernel,
and its schedule as the optimizer's learning rate, each built from its first example config. Models
need neuropil-standard (for ``Dense``), so these tests are skipped where it is not installed.
"""
from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

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


def example(kind: str) -> Any:
    """The plugin's first component of ``kind`` built from its first example config (the one the
    conformance suite starts from), or None when the plugin provides no such kind."""
    if kind not in REGISTERS:
        return None
    factory = getattr(importlib.import_module(f"neuropil.{kind}"), REGISTERS[kind][0])
    configs = getattr(factory, "example_configs", None) or ({},)
    return factory(**configs[0])


@pytest.fixture(scope="module")
def trained() -> tuple[Any, np.ndarray, list[float]]:
    """A small regression model built from the plugin's components, trained for 5 epochs (20 updates)."""
    import neuropil.layers
    import neuropil.optimizers
    import neuropil.utils
    from neuropil.layers import Dense
    from neuropil.models import Sequential

    neuropil.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype("float32")
    y = x @ np.array([[0.5], [-1.0], [2.0]], dtype="float32")
    first = Dense(8, input_dim=3, activation=own("activations", "tanh"),
                  kernel_initializer=example("initializers") or "glorot_uniform",
                  kernel_regularizer=example("regularizers"), kernel_constraint=example("constraints"))
    layers = [first]
    for name in REGISTERS.get("layers", []):
        factory = getattr(neuropil.layers, name)
        layers.append(factory(**factory.example_configs[0]))
    model = Sequential([*layers, Dense(1)])
    learning_rate = example("schedules") or 0.01
    model.compile(optimizer=neuropil.optimizers.get(own("optimizers", "SGD"), learning_rate=learning_rate),
                  loss=own("losses", "mse"), metrics=REGISTERS.get("metrics", []),
                  backend=own("backends", None))
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    return model, x, history.history["loss"]


def test_compile_and_fit_by_name(trained: tuple[Any, np.ndarray, list[float]]) -> None:
    model, _, losses = trained
    assert all(np.isfinite(losses)) and losses[-1] < losses[0], losses
    constraint = model.layers[0].kernel_constraint
    if constraint is not None:
        # Applied after every update, so the trained kernel already satisfies it.
        kernel = np.asarray(model.layers[0].get_weights()[0])
        np.testing.assert_allclose(constraint(kernel), kernel, rtol=1e-5, atol=1e-6)


def test_saved_and_loaded_by_name(trained: tuple[Any, np.ndarray, list[float]], tmp_path: Path) -> None:
    """A model file names components, never imports them: loading resolves every one of the plugin's
    names through the registries, with its config, and training state continues where it was."""
    from neuropil.models import load_model

    model, x, _ = trained
    model.save(tmp_path / "model.safetensors")
    loaded = load_model(tmp_path / "model.safetensors")
    assert loaded.get_config() == model.get_config()
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.learning_rate == model.optimizer.learning_rate  # a schedule, at the same step
    for arg in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
        assert type(getattr(loaded.layers[0], arg)) is type(getattr(model.layers[0], arg)), arg
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
