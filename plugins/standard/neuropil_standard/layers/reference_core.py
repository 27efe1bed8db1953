"""Reference formulas of Dense, Activation and the activation layers (ReLU, LeakyReLU, Softmax, ELU),
for the conformance suite's ``reference`` property: ``reference(self, params, x, training) -> y`` in
float64, attached to each class as one attribute.

Each is written from Keras's published definition, with slow element loops or plain NumPy where that
reads most clearly, and shares no code with the fast forwards: a swapped branch, a mistyped slope or
a softmax over the wrong axis there disagrees with this. Host-side NumPy on purpose: these run in
tests only, never in a model. None of these layers behaves differently in training.
"""
from __future__ import annotations

from typing import Any

import numpy as np

Params = dict[str, np.ndarray]


def _f(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _activation_reference(owner: Any, activation: Any) -> Any:
    """The activation's own declared float64 formula (written apart from its forward, in
    ``neuropil_standard.reference_activations``); an activation without one cannot be checked here."""
    formula = getattr(activation, "reference", None)
    if not callable(formula):
        raise TypeError(f"layer {owner.name!r} ({type(owner).__name__}) uses activation "
                        f"{getattr(activation, 'name', activation)!r}, which declares no float64 `reference`, "
                        f"so the layer's reference cannot say what it computes")
    return formula


def dense(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras: ``activation(dot(x, kernel) + bias)`` over the last axis of ``x`` (every leading axis is a
    batch of rows). The activity regularizer adds a loss, never changes ``y``."""
    x = _f(x)
    kernel = params["kernel"]
    rows = x.reshape(-1, x.shape[-1])
    z = np.zeros((rows.shape[0], kernel.shape[1]))
    for i in range(rows.shape[0]):
        for j in range(kernel.shape[1]):
            z[i, j] = sum(rows[i, k] * kernel[k, j] for k in range(kernel.shape[0]))
            if self.use_bias:
                z[i, j] += params["bias"][j]
    z = z.reshape(x.shape[:-1] + (kernel.shape[1],))
    return _f(_activation_reference(self, self.activation)(z))


def activation(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras's Activation layer: the activation function applied to the input, nothing else."""
    return _f(_activation_reference(self, self.activation)(_f(x)))


def relu(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras's ``relu(x, negative_slope, max_value, threshold)`` element by element: ``x`` above the
    threshold (capped at ``max_value``), ``negative_slope * (x - threshold)`` at or below it.

    At ``x == threshold`` Keras returns 0 (its docs: ``relu([-10, -5, 0, 5, 10], threshold=5)`` is
    ``[-0, -0, 0, 0, 10]``), so the comparison is strict."""
    x = _f(x)
    out = np.empty_like(x)
    flat_in, flat_out = x.reshape(-1), out.reshape(-1)
    for i, value in enumerate(flat_in):
        if value > self.threshold:
            flat_out[i] = value if self.max_value is None else min(value, self.max_value)
        else:
            flat_out[i] = self.negative_slope * (value - self.threshold)
    return out


def leaky_relu(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras's LeakyReLU layer: ``x`` for ``x >= 0``, ``negative_slope * x`` below."""
    x = _f(x)
    return np.where(x >= 0, x, self.negative_slope * x)


def elu(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras's ELU layer: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    x = _f(x)
    return np.where(x > 0, x, self.alpha * (np.exp(np.minimum(x, 0.0)) - 1.0))


def softmax(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras's Softmax layer: ``exp(x) / sum(exp(x))`` along ``axis`` (batch axis counted), each slice
    along that axis on its own; shifted by the slice's maximum, which cancels, to stay finite."""
    x = _f(x)
    moved = np.moveaxis(x, self.axis, -1)
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape[:-1]):
        row = moved[index]
        e = np.exp(row - row.max())
        out[index] = e / e.sum()
    return np.moveaxis(out, -1, self.axis)
