"""Permute: reorder each sample's axes, e.g. ``(steps, features)`` into ``(features, steps)``."""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil.base.layer import Backward, Layer
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError

from .. import reference_shape as _reference


class Permute(Layer):
    """Keras ``Permute(dims)``: ``dims`` is a permutation of ``1..n`` (1-indexed; the batch axis 0
    never moves), so ``Permute((2, 1))`` swaps the two axes of a ``(batch, a, b)`` input."""

    reference = _reference.permute  # the conformance suite's float64 loop
    example_configs = ({"dims": (2, 1)}, {"dims": (3, 1, 2)}, {"dims": (2, 3, 1)})

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        if not isinstance(dims, (tuple, list)) or any(
                isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in dims):
            raise ArgumentTypeError(f"Permute expects dims to be a tuple of integers, received dims={dims!r}")
        if sorted(int(d) for d in dims) != list(range(1, len(dims) + 1)):
            raise ArgumentError(f"Permute expects dims to be a permutation of 1..{len(dims)} (the batch axis 0 is "
                                f"not included), received dims={tuple(dims)!r}")
        super().__init__(**kwargs)
        self.dims: tuple[int, ...] = tuple(int(d) for d in dims)

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        if len(input_shape) != len(self.dims):
            raise LayerError(f"layer {self.name!r} (Permute) with dims={self.dims} expects inputs with "
                             f"{len(self.dims)} axes besides the batch, received per-sample shape "
                             f"{tuple(input_shape)}")

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape[d - 1] for d in self.dims)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        axes = (0,) + self.dims
        inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))  # where each input axis went

        def backward(dy: Any) -> Any:
            return xp.transpose(dy, inverse)

        return xp.transpose(x, axes), backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config
