"""ZeroPadding1D/2D/3D: rows of zeros added before and after each spatial axis, e.g. to keep a
convolution's output size or to make a pooling grid divide evenly."""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil.base.layer import Backward, Layer

from .. import _spatial
from .. import reference_shape as _reference
from ._amounts import Pairs, as_config, pairs


class ZeroPadding(Layer):
    """Base of ZeroPadding{1,2,3}D; backward is the gradient's slice at the input's place."""

    reference = _reference.zero_padding  # the conformance suite's float64 loop

    rank: int = 1

    def __init__(self, padding: Any, data_format: str | None = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        amounts = pairs(owner, "padding", padding, self.rank)
        data_format_ = _spatial.data_format(owner, data_format)
        super().__init__(**kwargs)
        self.padding: Pairs = amounts
        self.data_format: str = data_format_

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        _spatial.check_rank(self, input_shape, self.rank)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        sizes = _spatial.spatial_sizes(tuple(input_shape), self.rank, self.data_format)
        return _spatial.replace_spatial(tuple(input_shape), self.data_format,
                                        tuple(n + a + b for n, (a, b) in zip(sizes, self.padding)))

    def _interior(self, ndim: int) -> tuple[slice, ...]:
        index = [slice(None)] * ndim
        for axis, (before, after) in zip(_spatial.spatial_axes(self.rank, self.data_format), self.padding):
            index[axis] = slice(before, -after if after else None)
        return tuple(index)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        interior = self._interior(x.ndim)
        y = xp.zeros((x.shape[0],) + self.compute_output_shape(tuple(x.shape[1:])), dtype=x.dtype)
        y[interior] = x

        def backward(dy: Any) -> Any:
            return dy[interior]

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(padding=as_config(self.padding), data_format=self.data_format)
        return config


class ZeroPadding1D(ZeroPadding):
    """Keras ``ZeroPadding1D(padding=1, data_format=None)`` on ``(batch, steps, features)``."""

    rank = 1
    example_configs = ({}, {"padding": (0, 2)}, {"padding": (2, 1), "data_format": "channels_first"})

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(ZeroPadding):
    """Keras ``ZeroPadding2D(padding=(1, 1), data_format=None)``."""

    rank = 2
    example_configs = ({}, {"padding": ((0, 2), (1, 0))},
                       {"padding": (2, 1), "data_format": "channels_first", "input_shape": (2, 3, 4)})

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(ZeroPadding):
    """Keras ``ZeroPadding3D(padding=((1, 1), (1, 1), (1, 1)), data_format=None)``."""

    rank = 3
    example_configs = ({}, {"padding": (1, 0, 2)},
                       {"padding": ((0, 1), (2, 0), (1, 1)), "data_format": "channels_first",
                        "input_shape": (2, 2, 3, 2)})

    def __init__(self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)
