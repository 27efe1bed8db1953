"""Resizing and CenterCrop: deterministic image resizes, the same in training and inference.

Keras 3's semantics. ``Resizing(height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False)`` resamples to
``(height, width)`` (``interpolation`` one of Keras's ``"bilinear"``, ``"nearest"``, ``"bicubic"``,
``"lanczos3"``, ``"lanczos5"``); ``crop_to_aspect_ratio`` first takes the largest centered window of the
target's aspect ratio (no distortion, edges lost), ``pad_to_aspect_ratio`` instead pads with
``fill_value`` to it (no distortion, nothing lost). ``CenterCrop(height, width)`` cuts the centered
``(height, width)`` window (``(H - height) // 2`` rows above); an image smaller than the target on an
axis is instead resized with ``crop_to_aspect_ratio``, as Keras's ``smart_resize``.

Both are linear maps (plus the constant of the padding), see :mod:`._resize`; the backward is their
transpose: a crop's backward places ``dy`` into zeros.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward
from neuropil.errors import ArgumentError

from .. import reference_preprocessing as _reference
from ._image import ImageLayer
from ._resize import SeparableResize, resize_matrices

#: Keras's resize interpolations.
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def crop_backward(xp: Any, shape: tuple[int, ...], top: int, left: int) -> Any:
    """The backward of ``x[:, top:top + h, left:left + w, :]`` (channels last): ``dy`` placed into zeros."""

    def backward(dy: Any) -> Any:
        dx = xp.zeros(shape, dtype=dy.dtype)
        dx[:, top:top + dy.shape[1], left:left + dy.shape[2], :] = dy
        return dx

    return backward


class Resizing(ImageLayer):
    """Resizes images to ``(height, width)``."""

    reference = _reference.resizing  # the conformance suite's float64 formula
    # By the definition: a 2x2 image shrunk to one pixel is its mean (bilinear, half-pixel centers);
    # padded to a 2x4 aspect ratio it gains a column of the default fill 0 on each side.
    golden_examples = (
        {"config": {"height": 1, "width": 1}, "inputs": ([[[[1.0], [2.0]], [[3.0], [4.0]]]],),
         "output": [[[[2.5]]]]},
        {"config": {"height": 2, "width": 4, "pad_to_aspect_ratio": True},
         "inputs": ([[[[1.0], [2.0]], [[3.0], [4.0]]]],),
         "output": [[[[0.0], [1.0], [2.0], [0.0]], [[0.0], [3.0], [4.0], [0.0]]]]},
    )
    example_configs: tuple[dict[str, Any], ...] = (
        {"height": 3, "width": 7},
        {"height": 7, "width": 2, "interpolation": "lanczos5"},
        {"height": 2, "width": 3, "interpolation": "bicubic", "antialias": True},
        {"height": 3, "width": 2, "interpolation": "nearest", "crop_to_aspect_ratio": True,
         "data_format": "channels_first"},
        {"height": 9, "width": 4, "pad_to_aspect_ratio": True, "fill_value": -1.0, "interpolation": "bicubic"},
        {"height": 2, "width": 3, "interpolation": "nearest"},
        {"height": 4, "width": 2, "crop_to_aspect_ratio": True},
        {"height": 4, "width": 9, "pad_to_aspect_ratio": True, "fill_value": 0.5},
        {"height": 2, "width": 2, "antialias": True, "data_format": "channels_first"},
        {"height": 8, "width": 3, "interpolation": "bicubic"},
        {"height": 3, "width": 9, "interpolation": "lanczos3", "antialias": True},
    )

    def __init__(self, height: int, width: int, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                 pad_to_aspect_ratio: bool = False, fill_mode: str = "constant", fill_value: float = 0.0,
                 antialias: bool = False, data_format: str | None = None, **kwargs: Any) -> None:
        owner = "Resizing"
        self.height = checks.count(owner, "height", height)
        self.width = checks.count(owner, "width", width)
        self.interpolation = str(checks.one_of(owner, "interpolation", interpolation, RESIZE_INTERPOLATIONS,
                                                      normalise=True))
        self.crop_to_aspect_ratio = checks.boolean(owner, "crop_to_aspect_ratio", crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = checks.boolean(owner, "pad_to_aspect_ratio", pad_to_aspect_ratio)
        if self.crop_to_aspect_ratio and self.pad_to_aspect_ratio:
            raise ArgumentError("Resizing expects at most one of crop_to_aspect_ratio and pad_to_aspect_ratio "
                                "to be True, received both")
        self.fill_mode = str(checks.one_of(owner, "fill_mode", fill_mode, ("constant",), normalise=True))
        self.fill_value = checks.number(owner, "fill_value", fill_value)
        self.antialias = checks.boolean(owner, "antialias", antialias)
        super().__init__(data_format=data_format, **kwargs)
        self._resize: SeparableResize | None = None

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        super().build(input_shape, backend, rng)
        height, width, _ = self.image_shape
        matrices = resize_matrices(height, width, self.height, self.width, self.interpolation,
                                   self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.antialias,
                                   self.fill_value)
        self._resize = SeparableResize(backend, self.compute_dtype, *matrices)

    def backend_changed(self) -> None:
        """``compile(backend=...)`` moved this built layer: its resize matrices follow it."""
        if self._resize is not None:
            self._resize = self._resize.moved_to(self.backend)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return self.output_image_shape(self.height, self.width)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        assert self._resize is not None
        y, resize_backward = self._resize(self.to_last(x))

        def backward(dy: Any) -> Any:
            return self.from_last(resize_backward(self.to_last(dy)))

        return self.from_last(y), backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                       "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value, "antialias": self.antialias})
        return config


class CenterCrop(ImageLayer):
    """Cuts the centered ``(height, width)`` window (smaller images: resized with crop_to_aspect_ratio)."""

    reference = _reference.center_crop  # the conformance suite's float64 formula
    golden_examples = ({"config": {"height": 1, "width": 2},
                        "inputs": ([[[[1.0], [2.0], [3.0]], [[4.0], [5.0], [6.0]], [[7.0], [8.0], [9.0]]]],),
                        "output": [[[[4.0], [5.0]]]]},)
    example_configs: tuple[dict[str, Any], ...] = (
        {"height": 3, "width": 2},
        {"height": 2, "width": 8},
        {"height": 3, "width": 2, "input_shape": (6, 7, 1)},
        {"height": 8, "width": 4},
        {"height": 2, "width": 3, "data_format": "channels_first"},
    )

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs: Any) -> None:
        self.height = checks.count("CenterCrop", "height", height)
        self.width = checks.count("CenterCrop", "width", width)
        super().__init__(data_format=data_format, **kwargs)
        self._resize: SeparableResize | None = None

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        super().build(input_shape, backend, rng)
        height, width, _ = self.image_shape
        self._resize = None
        if height < self.height or width < self.width:
            matrices = resize_matrices(height, width, self.height, self.width, "bilinear", crop_to_aspect_ratio=True)
            self._resize = SeparableResize(backend, self.compute_dtype, *matrices)

    def backend_changed(self) -> None:
        """``compile(backend=...)`` moved this built layer: its resize matrices follow it."""
        if self._resize is not None:
            self._resize = self._resize.moved_to(self.backend)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return self.output_image_shape(self.height, self.width)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        images = self.to_last(x)
        if self._resize is not None:
            y, inner = self._resize(images)
        else:
            height, width, _ = self.image_shape
            top, left = (height - self.height) // 2, (width - self.width) // 2
            y = images[:, top:top + self.height, left:left + self.width, :]
            inner = crop_backward(self.backend.xp, images.shape, top, left)

        def backward(dy: Any) -> Any:
            return self.from_last(inner(self.to_last(dy)))

        return self.from_last(y), backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
