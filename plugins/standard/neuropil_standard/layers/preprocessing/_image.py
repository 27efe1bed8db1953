"""What the image preprocessing layers share: Keras's argument conventions (data formats, factors,
value ranges, seeds), the rank check, and the layer base that keeps a host generator for the few
random numbers each batch needs.

Images are batches of rank 4: ``(batch, height, width, channels)`` for ``data_format=
"channels_last"`` (Keras's default ``image_data_format()``), ``(batch, channels, height, width)``
for ``"channels_first"``. The layers compute on a channels-last view (``xp.moveaxis``, no copy) and
return their output in the input's format.

Random parameters (an angle, a flip, a crop offset per sample) are drawn on the host from a NumPy
generator seeded from ``seed`` (or neuropil's seeded stream), a few numbers per batch, and moved to
the device once per batch; the per-pixel work runs through the backend's ``xp``. So a seeded layer
draws the same transformations on every backend.
"""
from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Layer
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError
from neuropil.utils import child_seed

DATA_FORMATS = ("channels_last", "channels_first")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


def identity_backward(dy: Any) -> Any:
    return dy


def data_format_argument(owner: str, value: Any) -> str:
    """``None`` is Keras's default ``image_data_format()``, ``"channels_last"``."""
    return str(checks.one_of(owner, "data_format", "channels_last" if value is None else value, DATA_FORMATS,
                             normalise=True))


def factor_range(owner: str, name: str, value: Any, low: float, high: float, *,
                 low_inclusive: bool = True) -> tuple[float, float]:
    """Keras's factor convention: a number ``f`` means ``(-|f|, |f|)`` (clipped below at ``low``), a
    pair ``(lower, upper)`` is taken as given (sorted); every number within ``[low, high]``."""
    def bounded(v: Any) -> float:
        return checks.number(owner, name, v, minimum=low, maximum=high, min_inclusive=low_inclusive)

    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ArgumentError(f"{owner} expects {name} to be a number or a pair (lower, upper), "
                                f"received {name}={value!r}")
        lower, upper = sorted(bounded(v) for v in value)
        return lower, upper
    if isinstance(value, Real) and not isinstance(value, bool):
        magnitude = abs(bounded(value))
        return max(-magnitude, low), magnitude
    raise ArgumentTypeError(f"{owner} expects {name} to be a number or a pair (lower, upper), "
                            f"received {name}={value!r}")


def value_range_argument(owner: str, value: Any) -> tuple[float, float]:
    """A pair ``(low, high)`` of finite numbers, sorted, with ``low < high``."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ArgumentError(f"{owner} expects value_range to be a pair (low, high), received value_range={value!r}")
    low, high = sorted(checks.number(owner, "value_range", v) for v in value)
    if low == high:
        raise ArgumentError(f"{owner} expects value_range to span an interval, received value_range={value!r}")
    return low, high


def seed_argument(owner: str, value: Any) -> int | None:
    return None if value is None else checks.integer(owner, "seed", value)


class ImageLayer(Layer):
    """A layer on batches of images: checks the rank at build, exposes height/width/channels in
    channels-last order, and converts between the data format and a channels-last view."""

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        self.data_format = data_format_argument(type(self).__name__, data_format)
        super().__init__(**kwargs)
        self.image_shape: tuple[int, int, int] = (0, 0, 0)

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        if len(input_shape) != 3:
            layout = "(batch, height, width, channels)" if self.channels_last else "(batch, channels, height, width)"
            raise LayerError(
                f"layer {self.name!r} ({type(self).__name__}) expects batches of images of rank 4 {layout}, "
                f"received per-sample shape {tuple(input_shape)}")
        shape = tuple(int(d) for d in input_shape)
        self.image_shape = (shape[0], shape[1], shape[2]) if self.channels_last else (shape[1], shape[2], shape[0])

    @property
    def channels_last(self) -> bool:
        return self.data_format == "channels_last"

    def to_last(self, x: Any) -> Any:
        return x if self.channels_last else self.backend.xp.moveaxis(x, 1, -1)

    def from_last(self, y: Any) -> Any:
        return y if self.channels_last else self.backend.xp.moveaxis(y, -1, 1)

    def output_image_shape(self, height: int, width: int) -> tuple[int, int, int]:
        channels = self.image_shape[2]
        return (height, width, channels) if self.channels_last else (channels, height, width)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class RandomImageLayer(ImageLayer):
    """An image layer transforming in training only, with a seeded host generator for its
    per-batch parameters."""

    def __init__(self, seed: int | None = None, data_format: str | None = None, **kwargs: Any) -> None:
        self.seed = seed_argument(type(self).__name__, seed)
        super().__init__(data_format=data_format, **kwargs)
        self._draws: np.random.Generator = np.random.default_rng(0)

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        super().build(input_shape, backend, rng)
        self._draws = np.random.default_rng(self.seed if self.seed is not None else child_seed())

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["seed"] = self.seed
        return config
