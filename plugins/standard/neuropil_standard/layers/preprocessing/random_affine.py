"""RandomRotation, RandomZoom, RandomTranslation: a random affine resampling of each image in
training, the identity at inference.

Keras 3's parameters and matrices, per sample (``H``, ``W`` the image's height and width; the
output pixel at ``(x, y)`` reads the input at ``(a0 x + a1 y + a2, b0 x + b1 y + b2)``):

* RandomRotation: an angle ``uniform(lower, upper) * 360`` degrees (``factor`` a fraction of a full
  turn; positive turns counter-clockwise), about the image's center ``((W - 1) / 2, (H - 1) / 2)``.
* RandomZoom: ``zoom = 1 + uniform(lower, upper)`` per axis (positive zooms *out*, negative *in*;
  ``width_factor=None`` keeps the aspect ratio by reusing the height's zoom); ``x_in = zoom_x * x +
  (W - 1) / 2 * (1 - zoom_x)``, likewise for rows.
* RandomTranslation: shifts of ``uniform(lower, upper) * H`` rows and ``* W`` columns (positive moves
  the content down / right): ``x_in = x - shift_x``.

Pixels read from outside the image follow ``fill_mode`` (Keras's default ``"reflect"``), see
:mod:`._resample`. The backward is the transpose of the resampling actually applied.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward

from .. import reference_preprocessing as _reference
from ._image import FILL_MODES, INTERPOLATIONS, RandomImageLayer, factor_range, identity_backward
from ._resample import affine_resample


class _RandomAffine(RandomImageLayer):
    """Draws one affine transform per sample (:meth:`transforms`) and resamples through it."""

    reference = _reference.random_affine  # the conformance suite's float64 formula

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        self.fill_mode = str(checks.one_of(owner, "fill_mode", fill_mode, FILL_MODES, normalise=True))
        self.interpolation = str(checks.one_of(owner, "interpolation", interpolation, INTERPOLATIONS,
                                               normalise=True))
        self.fill_value = checks.number(owner, "fill_value", fill_value)
        super().__init__(seed=seed, data_format=data_format, **kwargs)

    def transforms(self, batch: int) -> np.ndarray:
        """(batch, 6) affine transforms, drawn on the host."""
        raise NotImplementedError

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if not training:
            return x, identity_backward
        backend = self.backend
        transforms = backend.asarray(self.transforms(int(x.shape[0])).astype(x.dtype))
        y, resample_backward = affine_resample(self.to_last(x), transforms, self.interpolation, self.fill_mode,
                                               self.fill_value, backend.xp)

        def backward(dy: Any) -> Any:
            return self.from_last(resample_backward(self.to_last(dy)))

        return self.from_last(y), backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "fill_value": self.fill_value})
        return config


def _factor_config(given: Any) -> Any:
    return list(given) if isinstance(given, (tuple, list)) else given


class RandomRotation(_RandomAffine):
    """Rotates each image by a random fraction of a turn in ``factor`` (a number ``f``: ``[-f, f]``)."""

    example_configs: tuple[dict[str, Any], ...] = (
        {"factor": 0.2, "seed": 0},
        {"factor": (-0.1, 0.3), "fill_mode": "constant", "fill_value": 0.5, "interpolation": "nearest"},
        {"factor": 0.5, "fill_mode": "wrap", "data_format": "channels_first"},
        {"factor": 0.0, "fill_mode": "constant", "fill_value": 2.0},
        {"factor": (0.25, 0.25), "fill_mode": "constant", "fill_value": -1.0},  # always a quarter turn
        {"factor": (-0.1, -0.1), "input_shape": (4, 6, 1)},
    )

    def __init__(self, factor: float | tuple[float, float], fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any) -> None:
        self.factor = _factor_config(factor)
        self.lower, self.upper = factor_range("RandomRotation", "factor", factor, -1.0, 1.0)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def transforms(self, batch: int) -> np.ndarray:
        height, width, _ = self.image_shape
        angle = self._draws.uniform(self.lower * 360.0, self.upper * 360.0, size=batch) * (math.pi / 180.0)
        cos, sin = np.cos(angle), np.sin(angle)
        cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
        return np.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos], axis=1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomZoom(_RandomAffine):
    """Zooms each image out (positive factors) or in (negative) by a random amount per axis."""

    example_configs: tuple[dict[str, Any], ...] = (
        {"height_factor": 0.3, "seed": 0},
        {"height_factor": (-0.3, -0.1), "width_factor": (0.1, 0.4), "fill_mode": "constant"},
        {"height_factor": 0.2, "fill_mode": "nearest", "interpolation": "nearest", "data_format": "channels_first"},
        {"height_factor": 0.0, "width_factor": 0.0, "fill_mode": "constant", "fill_value": 2.0},
        {"height_factor": (0.2, 0.2), "width_factor": (-0.3, -0.3)},  # one fixed zoom per axis
        {"height_factor": (-0.25, -0.25), "fill_mode": "wrap", "input_shape": (5, 4, 2)},
    )

    def __init__(self, height_factor: float | tuple[float, float], width_factor: Any = None,
                 fill_mode: str = "reflect", interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs: Any) -> None:
        self.height_factor = _factor_config(height_factor)
        self.width_factor = _factor_config(width_factor)
        # Keras: each number in (-1, 1], so that a zoom 1 + f stays positive.
        self.height_range = factor_range("RandomZoom", "height_factor", height_factor, -1.0, 1.0,
                                         low_inclusive=False)
        self.width_range = None if width_factor is None else factor_range(
            "RandomZoom", "width_factor", width_factor, -1.0, 1.0, low_inclusive=False)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def transforms(self, batch: int) -> np.ndarray:
        height, width, _ = self.image_shape
        zoom_y = 1.0 + self._draws.uniform(*self.height_range, size=batch)
        zoom_x = zoom_y if self.width_range is None else 1.0 + self._draws.uniform(*self.width_range, size=batch)
        zeros = np.zeros(batch)
        return np.stack([zoom_x, zeros, (width - 1) / 2.0 * (1.0 - zoom_x),
                         zeros, zoom_y, (height - 1) / 2.0 * (1.0 - zoom_y)], axis=1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomTranslation(_RandomAffine):
    """Shifts each image by random fractions of its height and width."""

    example_configs: tuple[dict[str, Any], ...] = (
        {"height_factor": 0.3, "width_factor": 0.2, "seed": 0},
        {"height_factor": (-0.5, 0.0), "width_factor": (0.1, 0.3), "fill_mode": "constant", "fill_value": 1.0},
        {"height_factor": 0.4, "width_factor": 0.4, "fill_mode": "wrap", "interpolation": "nearest",
         "data_format": "channels_first"},
        {"height_factor": 0.0, "width_factor": (0.0, 0.0), "fill_mode": "wrap"},
        {"height_factor": (0.1, 0.1), "width_factor": (-0.3, -0.3), "fill_mode": "nearest"},  # one fixed shift
        {"height_factor": (-0.2, -0.2), "width_factor": (0.1, 0.1), "fill_mode": "constant", "fill_value": 0.5},
    )

    def __init__(self, height_factor: float | tuple[float, float], width_factor: float | tuple[float, float],
                 fill_mode: str = "reflect", interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs: Any) -> None:
        self.height_factor = _factor_config(height_factor)
        self.width_factor = _factor_config(width_factor)
        self.height_range = factor_range("RandomTranslation", "height_factor", height_factor, -1.0, 1.0)
        self.width_range = factor_range("RandomTranslation", "width_factor", width_factor, -1.0, 1.0)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)

    def transforms(self, batch: int) -> np.ndarray:
        height, width, _ = self.image_shape
        shift_y = self._draws.uniform(*self.height_range, size=batch) * height
        shift_x = self._draws.uniform(*self.width_range, size=batch) * width
        ones, zeros = np.ones(batch), np.zeros(batch)
        return np.stack([ones, zeros, -shift_x, zeros, ones, -shift_y], axis=1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
