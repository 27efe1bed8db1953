"""RandomContrast and RandomBrightness: random per-image intensity changes in training only.

Keras 3's semantics, one random number per image, results clipped to ``value_range`` (default
``(0, 255)``); the backward passes gradients only where the clip did not bind:

* RandomContrast: ``(x - mean) * f + mean`` with ``mean`` each channel's mean over the image and
  ``f`` drawn from ``[1 - lower, 1 + upper]``. ``factor`` is a number in [0, 1] (``lower = upper =
  factor``, as Keras documents it) or a pair ``(lower, upper)``. The mean depends on ``x``, so with
  ``g = dy * inside``: ``dx = f * g + (1 - f) * mean(g)``.
* RandomBrightness: ``x + delta`` with ``delta = uniform(lower, upper) * (high - low)`` of the value
  range; ``factor`` in [-1, 1], a number ``f`` meaning ``(-|f|, |f|)``.
"""
from __future__ import annotations

from typing import Any

from neuropil import checks
from neuropil.base.layer import Backward
from neuropil.errors import ArgumentError, ArgumentTypeError

from .. import reference_preprocessing as _reference
from ._image import RandomImageLayer, factor_range, identity_backward, value_range_argument


def _clipped(xp: Any, values: Any, low: float, high: float) -> tuple[Any, Any]:
    """``values`` clipped to [low, high] in place, and where they were inside."""
    inside = (values >= low) & (values <= high)
    xp.clip(values, low, high, out=values)
    return values, inside


class RandomContrast(RandomImageLayer):
    """Scales each image's deviations from its channel means by a random factor."""

    reference = _reference.random_contrast  # the conformance suite's float64 formula
    example_configs: tuple[dict[str, Any], ...] = (
        {"factor": 0.5, "seed": 0},
        {"factor": 0.0, "value_range": (-1.5, 1.5)},
        {"factor": (0.2, 0.8), "value_range": (-1.0, 1.0)},
        {"factor": 0.3, "data_format": "channels_first"},
    )

    def __init__(self, factor: float | tuple[float, float], value_range: tuple[float, float] = (0, 255),
                 seed: int | None = None, data_format: str | None = None, **kwargs: Any) -> None:
        owner = "RandomContrast"
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ArgumentError(f"{owner} expects factor to be a number or a pair (lower, upper), "
                                    f"received factor={factor!r}")
            self.lower, self.upper = (checks.number(owner, "factor", f, minimum=0, maximum=1) for f in factor)
            self.factor: Any = list(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            self.lower = self.upper = checks.number(owner, "factor", factor, minimum=0, maximum=1)
            self.factor = self.lower
        else:
            raise ArgumentTypeError(f"{owner} expects factor to be a number or a pair (lower, upper), "
                                    f"received factor={factor!r}")
        self.value_range = value_range_argument(owner, value_range)
        super().__init__(seed=seed, data_format=data_format, **kwargs)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if not training:
            return x, identity_backward
        xp = self.backend.xp
        factors = self._draws.uniform(1.0 - self.lower, 1.0 + self.upper, size=(int(x.shape[0]), 1, 1, 1))
        f = self.backend.asarray(factors.astype(x.dtype))
        images = self.to_last(x)
        mean = images.mean(axis=(1, 2), keepdims=True)
        y = images - mean
        y *= f
        y += mean
        y, inside = _clipped(xp, y, *self.value_range)

        def backward(dy: Any) -> Any:
            g = self.to_last(dy) * inside
            dx = g * f
            dx += (1.0 - f) * g.mean(axis=(1, 2), keepdims=True)
            return self.from_last(dx)

        return self.from_last(y), backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": list(self.value_range)})
        return config


class RandomBrightness(RandomImageLayer):
    """Adds a random offset, a fraction of the value range, to each image."""

    reference = _reference.random_brightness  # the conformance suite's float64 formula
    example_configs: tuple[dict[str, Any], ...] = (
        {"factor": 0.2, "seed": 0},
        {"factor": 0.0, "value_range": (-1.5, 1.5)},
        {"factor": (0.1, 0.1), "value_range": (-3.0, 2.0)},  # always half a unit up
        {"factor": (-0.5, 0.1), "value_range": (-2.0, 2.0)},
        {"factor": 0.4, "value_range": (0.0, 1.0), "data_format": "channels_first"},
    )

    def __init__(self, factor: float | tuple[float, float], value_range: tuple[float, float] = (0, 255),
                 seed: int | None = None, data_format: str | None = None, **kwargs: Any) -> None:
        self.factor = list(factor) if isinstance(factor, (tuple, list)) else factor
        self.lower, self.upper = factor_range("RandomBrightness", "factor", factor, -1.0, 1.0)
        self.value_range = value_range_argument("RandomBrightness", value_range)
        super().__init__(seed=seed, data_format=data_format, **kwargs)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if not training:
            return x, identity_backward
        low, high = self.value_range
        deltas = self._draws.uniform(self.lower, self.upper, size=(int(x.shape[0]), 1, 1, 1)) * (high - low)
        y = x + self.backend.asarray(deltas.astype(x.dtype))
        y, inside = _clipped(self.backend.xp, y, low, high)

        def backward(dy: Any) -> Any:
            return dy * inside

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": list(self.value_range)})
        return config

