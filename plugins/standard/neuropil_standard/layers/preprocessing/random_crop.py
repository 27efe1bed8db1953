"""RandomCrop: a random ``(height, width)`` window in training, a centered resize otherwise.

Keras 3's semantics: in training, an image larger than the target on both axes is cut at one random
offset per batch (rows ``uniform(0, H - height + 1)``, likewise columns); at inference, and in
training for an image not larger on both axes, the layer returns the largest centered window of the
target's aspect ratio resized (bilinear) to ``(height, width)``, as Keras's ``smart_resize``. The
output shape is ``(height, width)`` either way. The backward of the crop places ``dy`` into zeros; that
of the resize is its transpose.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward

from .. import reference_preprocessing as _reference
from ._image import RandomImageLayer
from ._resize import SeparableResize, resize_matrices
from .resizing import crop_backward


class RandomCrop(RandomImageLayer):
    """Crops a random window when training; resizes the centered window of that aspect otherwise."""

    reference = _reference.random_crop  # the conformance suite's float64 formula
    example_configs: tuple[dict[str, Any], ...] = (
        {"height": 3, "width": 4, "seed": 0},
        {"height": 9, "width": 4},
        {"height": 2, "width": 2, "data_format": "channels_first", "seed": 3},
    )

    def __init__(self, height: int, width: int, seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        self.height = checks.count("RandomCrop", "height", height)
        self.width = checks.count("RandomCrop", "width", width)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._resize: SeparableResize | None = None

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        super().build(input_shape, backend, rng)
        height, width, _ = self.image_shape
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
        height, width, _ = self.image_shape
        if training and height > self.height and width > self.width:
            top = int(self._draws.uniform(0, height - self.height + 1))
            left = int(self._draws.uniform(0, width - self.width + 1))
            y = images[:, top:top + self.height, left:left + self.width, :]
            inner = crop_backward(self.backend.xp, images.shape, top, left)
        else:
            assert self._resize is not None
            y, inner = self._resize(images)

        def backward(dy: Any) -> Any:
            return self.from_last(inner(self.to_last(dy)))

        return self.from_last(y), backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
