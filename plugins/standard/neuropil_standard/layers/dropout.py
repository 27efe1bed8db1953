"""Dropout: zero a random fraction of inputs while training, to regularize.

Inverted dropout, as Keras: kept inputs are scaled by ``1 / (1 - rate)`` during training so that the
layer is the identity at inference, with nothing to rescale there. Masks come from the layer's own
generator on the backend, seeded at build from ``seed`` (or from neuropil's seeded stream), so
``neuropil.utils.set_random_seed`` makes training repeatable.
"""
from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from neuropil.base.layer import Backward, Layer
from neuropil.checks import shape as check_shape
from neuropil.errors import ArgumentError
from neuropil.utils import child_seed

from . import reference_regularization as _reference


def _identity_backward(dy: Any) -> Any:
    return dy


class Dropout(Layer):
    """Sets each input to 0 with probability ``rate`` when ``training``; otherwise the identity.

    ``noise_shape`` (batch axis included, as in Keras) shares one mask value along axes of size 1,
    e.g. ``(None, 1)`` drops whole samples; ``None`` entries take the input's size.
    """

    reference = _reference.dropout  # the conformance suite's float64 formula (inherited by its subclasses)
    reference_moments = _reference.dropout_moments  # of the random training forward, per element
    example_configs: tuple[dict[str, Any], ...] = ({"rate": 0.5, "seed": 0}, {"rate": 0.0}, {"rate": 0.25, "seed": 1},
                                                   {"rate": 0.5, "noise_shape": (None, 1)})

    def __init__(self, rate: float, noise_shape: tuple[int | None, ...] | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        # ValueErrors whatever is wrong with them, as Keras raises (and as this layer always has)
        if isinstance(rate, bool) or not isinstance(rate, Real) or not 0 <= rate < 1:
            raise ArgumentError(f"Dropout expects rate to be a number in [0, 1), received rate={rate!r}")
        self.rate: float = float(rate)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0):
            raise ArgumentError(f"Dropout expects seed to be a non-negative integer or None (NumPy seeds "
                                f"cannot be negative), received seed={seed!r}")
        self.seed: int | None = None if seed is None else int(seed)
        self.noise_shape: tuple[int | None, ...] | None = None if noise_shape is None else check_shape(
            "Dropout", "noise_shape", noise_shape, allow_none=True)
        super().__init__(**kwargs)
        if self.declared_input_shape is not None:
            self._check_noise_shape(self.declared_input_shape)
        self._rng: Any = None

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        self._check_noise_shape(input_shape)
        self._rng = backend.rng(self.seed if self.seed is not None else child_seed())

    def backend_changed(self) -> None:
        """A generator on the new backend: masks must live where the inputs live."""
        self._rng = self.backend.rng(self.seed if self.seed is not None else child_seed())

    def _check_noise_shape(self, input_shape: tuple[int, ...]) -> None:
        """A mask of ``noise_shape`` must broadcast against the input: rank with the batch axis, and
        each fixed entry 1 (shared along that axis) or the axis's own size."""
        if self.noise_shape is None:
            return
        full = (None, *input_shape)  # the batch size is not known before the data: any entry fits it
        fits = len(self.noise_shape) == len(full) and all(
            wanted is None or wanted == 1 or size is None or wanted == size
            for wanted, size in zip(self.noise_shape, full))
        if not fits:
            raise ArgumentError(f"layer {self.name!r} (Dropout) expects noise_shape to have {len(full)} entries "
                                f"(batch axis included), each None, 1 or the input's size {full}, received "
                                f"noise_shape={self.noise_shape} for per-sample input shape {tuple(input_shape)}")

    def _mask_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        if self.noise_shape is None:
            return shape
        return tuple(size if wanted is None else wanted for size, wanted in zip(shape, self.noise_shape))

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        rate = self.rate
        if not training or rate == 0.0:
            return x, _identity_backward
        xp = self.backend.xp
        mask = self._rng.random(self._mask_shape(x.shape), dtype=x.dtype)
        xp.greater_equal(mask, rate, out=mask)  # 1.0 where kept, 0.0 where dropped, in x's dtype
        mask *= 1.0 / (1.0 - rate)
        y = x * mask

        def backward(dy: Any) -> Any:
            return dy * mask

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["rate"] = self.rate
        config["noise_shape"] = None if self.noise_shape is None else list(self.noise_shape)
        config["seed"] = self.seed
        return config
