"""RandomFlip: flip each image left-right and/or upside down with probability 1/2, in training only.

Keras 3's semantics: ``mode`` is ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"``
(the default). One draw per sample decides whether it is flipped; in ``"horizontal_and_vertical"``
mode Keras 3 applies that same draw to both axes, so a sample is either left alone or flipped both
ways (turned by 180 degrees), and so is it here. A flip is its own transpose: the backward flips
``dy`` the same way.
"""
from __future__ import annotations

from typing import Any

from neuropil import checks
from neuropil.base.layer import Backward

from .. import reference_preprocessing as _reference
from ._image import RandomImageLayer, identity_backward

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(RandomImageLayer):
    """Flips half of the images (chosen at random) along the axes ``mode`` names."""

    reference = _reference.random_flip  # the conformance suite's float64 formula
    example_configs: tuple[dict[str, Any], ...] = (
        {"seed": 0},
        {"mode": "horizontal", "seed": 1},
        {"mode": "vertical", "data_format": "channels_first"},
    )

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        self.mode = str(checks.one_of("RandomFlip", "mode", mode, MODES, normalise=True))
        super().__init__(seed=seed, data_format=data_format, **kwargs)

    def _flip(self, images: Any, flipped: Any) -> Any:
        """``images`` (channels last) with the samples where ``flipped`` flipped per ``mode``."""
        xp = self.backend.xp
        out = images
        if self.mode != "vertical":
            out = xp.where(flipped, out[:, :, ::-1, :], out)
        if self.mode != "horizontal":
            out = xp.where(flipped, out[:, ::-1, :, :], out)
        return out

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        if not training:
            return x, identity_backward
        draws = self._draws.uniform(size=(int(x.shape[0]), 1, 1, 1)) <= 0.5
        flipped = self.backend.asarray(draws)

        def backward(dy: Any) -> Any:
            return self.from_last(self._flip(self.to_last(dy), flipped))

        return self.from_last(self._flip(self.to_last(x), flipped)), backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["mode"] = self.mode
        return config
