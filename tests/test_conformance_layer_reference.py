"""The layer ``reference`` property reaches what its drawn examples alone would not: non-trainable state
(moving statistics), a frozen layer's weights, and every example config, not only those the
derandomized profile happens to draw."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from neuropil.base.layer import Backward, Layer
from neuropil.plugin_system.registry import Entry, Source
from neuropil.testing.instances import layer_configs
from neuropil.testing.properties import reference


def _ones(shape: tuple[int, ...], dtype: str, rng: np.random.Generator) -> np.ndarray:
    return np.ones(shape, dtype=dtype)


def _zeros(shape: tuple[int, ...], dtype: str, rng: np.random.Generator) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


class Shift(Layer):
    """``x * scale + offset``: ``scale`` trainable (initially 1), ``offset`` a non-trainable statistic
    (initially 0), like BatchNormalization's moving mean."""

    forgets_offset = False
    forgets_scale = False

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        self.add_weight("scale", (input_shape[-1],), _ones, rng)
        self.add_weight("offset", (input_shape[-1],), _zeros, rng, trainable=False)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        scale = 1.0 if self.forgets_scale else self.params["scale"]
        y = x * scale
        if not self.forgets_offset:
            y = y + self.params["offset"]
        return y, lambda dy: dy * scale

    def reference(self, params: dict[str, np.ndarray], x: Any, training: bool) -> np.ndarray:
        out = np.empty_like(np.asarray(x, dtype=np.float64))
        for index in np.ndindex(out.shape):
            feature = index[-1]
            out[index] = x[index] * params["scale"][feature] + params["offset"][feature]
        return out


class ForgetsOffset(Shift):
    """Ignores its statistic: right while it is 0, as it is when built."""

    forgets_offset = True


class ForgetsFrozenScale(Shift):
    """Ignores ``scale``: right while it is 1, and a frozen layer's trainable weights are left alone
    by the perturbation of trainable parameters."""

    forgets_scale = True
    example_configs = ({"trainable": False},)


class Multiplier(Layer):
    """``x * k`` for the configured ``k``, wrong for ``k == 8`` only (the last of many configs)."""

    example_configs = tuple({"k": k} for k in range(1, 9))

    def __init__(self, k: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.k = k

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        k = 7 if self.k == 8 else self.k
        return x * k, lambda dy: dy * k

    def reference(self, params: dict[str, np.ndarray], x: Any, training: bool) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) * self.k

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "k": self.k}


def _entry(factory: type) -> Entry:
    return Entry("layers", factory.__name__, factory, (), Source("test"))


def test_a_layer_that_agrees_with_its_reference_passes() -> None:
    reference.layer(_entry(Shift))


def test_a_forward_that_ignores_its_non_trainable_state_fails() -> None:
    with pytest.raises(AssertionError, match="perturbed parameters against the declared reference"):
        reference.layer(_entry(ForgetsOffset))


def test_a_frozen_layer_that_ignores_its_weights_fails() -> None:
    with pytest.raises(AssertionError, match="perturbed parameters against the declared reference"):
        reference.layer(_entry(ForgetsFrozenScale))


def test_every_example_config_is_compared_not_only_the_drawn_ones() -> None:
    entry = _entry(Multiplier)
    with pytest.raises(AssertionError, match=r"example config \{'k': 8\}"):
        reference._every_config(entry, layer_configs(entry))


def test_the_state_perturbation_keeps_statistics_non_negative() -> None:
    """A variance must stay a variance: the state moves up, never below where it was."""
    entry = _entry(Shift)
    from neuropil.testing.instances import build_layer

    layer = build_layer(entry, {}, (3,), 0)
    before = np.array(layer.params["offset"])
    scale_before = np.array(layer.params["scale"])
    reference._perturb_state(layer, np.random.default_rng(0))
    assert (np.asarray(layer.params["offset"]) > before).all()
    np.testing.assert_array_equal(np.asarray(layer.params["scale"]), scale_before)  # perturb()'s job


class Scaler(Layer):
    """``x * k``, Keras-style default ``k = 1``; its golden example states what the default computes."""

    default_k = 1.0
    golden_examples = ({"config": {}, "inputs": ([[1.0, -2.0]],), "output": [[1.0, -2.0]]},
                       {"config": {"k": 3.0}, "training": True, "inputs": ([[1.0]],), "output": [[3.0]]})

    def __init__(self, k: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.k = self.default_k if k is None else k

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        return x * self.k, lambda dy: dy * self.k

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "k": self.k}


class LeakyDefault(Scaler):
    """A default that drifted: every formula reading ``self.k`` agrees with it, the example does not."""

    default_k = 1.1


def test_layer_golden_examples_state_what_the_defaults_compute() -> None:
    reference.layer(_entry(Scaler))  # golden examples only: no formula needed, nothing skipped
    with pytest.raises(AssertionError, match=r"golden example 0 \(config \{\}, inference"):
        reference.layer(_entry(LeakyDefault))


class Noisy(Layer):
    """``x + N(0, 0.25)`` in training (its declared moments), the identity at inference."""

    spread = 0.5

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        self._draws = np.random.default_rng(0)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if not training:
            return x, lambda dy: dy
        return x + self._draws.normal(0.0, self.spread, size=x.shape), lambda dy: dy

    def reference(self, params: dict[str, np.ndarray], x: Any, training: bool) -> np.ndarray:
        assert not training, "random in training: only inference is asked"
        return np.asarray(x, dtype=np.float64)

    def reference_moments(self, params: dict[str, np.ndarray], x: Any) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(x, dtype=np.float64), np.full(np.shape(x), 0.25)


class TooNoisy(Noisy):
    """Noise 10% wider than declared: invisible to every deterministic comparison."""

    spread = 0.55


def test_a_random_training_forward_is_held_to_its_declared_moments() -> None:
    reference.layer(_entry(Noisy))
    with pytest.raises(AssertionError, match="the variance of each output"):
        reference.layer(_entry(TooNoisy))


class Tracker(Layer):
    """The identity, whose training forward moves a running mean halfway towards the batch's."""

    keep = 0.5

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        self.add_weight("running", (input_shape[-1],), _zeros, rng, trainable=False)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if training:
            running = self.params["running"]
            running *= self.keep
            running += x.mean(axis=0) * (1.0 - self.keep)
        return x, lambda dy: dy

    def reference(self, params: dict[str, np.ndarray], x: Any, training: bool) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def reference_state(self, params: dict[str, np.ndarray], x: Any, training: bool) -> dict[str, np.ndarray]:
        if not training:
            return {"running": params["running"]}
        rows = np.asarray(x, dtype=np.float64)
        means = np.array([sum(rows[:, j]) / len(rows) for j in range(rows.shape[1])])
        return {"running": params["running"] / 2 + means / 2}


class MisTracker(Tracker):
    """Moves its statistic with the wrong momentum: its output is right in every mode."""

    keep = 0.6


def test_a_declared_reference_state_catches_a_wrong_running_statistic() -> None:
    reference.layer(_entry(Tracker))
    with pytest.raises(AssertionError, match="running after a training forward"):
        reference.layer(_entry(MisTracker))
