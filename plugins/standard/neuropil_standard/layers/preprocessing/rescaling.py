"""Rescaling: ``x * scale + offset``, e.g. ``Rescaling(1 / 255)`` to bring pixels into [0, 1].

Keras 3's semantics, the same in training and inference; ``scale`` and ``offset`` are numbers or
arrays broadcasting against the trailing axes (one per channel). The backward is ``dy * scale``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil.base.layer import Backward, Layer
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError

from .. import reference_preprocessing as _reference


def _coefficients(name: str, value: Any) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"Rescaling expects {name} to be a number or an array of numbers, "
                                f"received {name}={value!r}") from None
    if not np.isfinite(array).all():
        raise ArgumentError(f"Rescaling expects {name} to be finite, received {name}={value!r}")
    return array


class Rescaling(Layer):
    """Multiplies by ``scale`` and adds ``offset``."""

    reference = _reference.rescaling  # the conformance suite's float64 formula
    golden_examples = ({"config": {"scale": 0.5}, "inputs": ([[2.0, -4.0]],), "output": [[1.0, -2.0]]},)
    example_configs: tuple[dict[str, Any], ...] = (
        {"scale": 0.5},
        {"scale": 1 / 255, "offset": -1.0},
        {"scale": [2.0, -1.0, 0.5], "offset": [0.0, 1.0, 2.0], "input_shape": (3,)},
    )

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        self.scale = _coefficients("scale", scale)
        self.offset = _coefficients("offset", offset)
        super().__init__(**kwargs)
        self._scale: Any = None
        self._offset: Any = None

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        for name, value in (("scale", self.scale), ("offset", self.offset)):
            try:
                np.broadcast_shapes(value.shape, tuple(input_shape))
            except ValueError:
                raise LayerError(f"layer {self.name!r} (Rescaling) got {name} of shape {value.shape}, which does "
                                 f"not broadcast against per-sample shape {tuple(input_shape)}") from None
        self._upload(backend)

    def _upload(self, backend: Any) -> None:
        """``scale`` and ``offset`` on the backend, once: CuPy refuses NumPy operands in ``x * scale``."""
        self._scale = backend.asarray(self.scale.astype(self.compute_dtype))
        self._offset = backend.asarray(self.offset.astype(self.compute_dtype))

    def backend_changed(self) -> None:
        """``compile(backend=...)`` moved this built layer: its coefficients follow it."""
        self._upload(self.backend)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        scale = self._scale
        y = x * scale
        y += self._offset

        def backward(dy: Any) -> Any:
            return dy * scale

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"scale": self.scale.tolist(), "offset": self.offset.tolist()})
        return config
