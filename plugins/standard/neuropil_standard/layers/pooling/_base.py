"""The arguments and bookkeeping every windowed pooling layer shares (Keras's ``BasePooling``):
``pool_size``, ``strides`` (the pool size when None), ``padding`` and ``data_format``."""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Layer
from neuropil.errors import LayerError

from .. import _spatial
from ._windows import Geometry, geometry


class Pooling(Layer):
    """Base of MaxPooling{1,2,3}D and AveragePooling{1,2,3}D over ``rank`` spatial axes."""

    rank: int = 2

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        pool = checks.int_tuple(owner, "pool_size", pool_size, self.rank)
        stride = pool if strides is None else checks.int_tuple(owner, "strides", strides, self.rank)
        padding_ = checks.one_of(owner, "padding", padding, ("valid", "same"), normalise=True)
        data_format_ = _spatial.data_format(owner, data_format)
        super().__init__(**kwargs)
        self.pool_size: tuple[int, ...] = pool
        self.strides: tuple[int, ...] = stride
        self.padding: str = padding_
        self.data_format: str = data_format_
        self._geometries: dict[tuple[int, ...], Geometry] = {}

    def _geometry(self, shape: tuple[int, ...]) -> Geometry:
        """The window geometry for a batched input shape (cached per per-sample shape)."""
        key = tuple(shape[1:])
        geo = self._geometries.get(key)
        if geo is None:
            sizes = _spatial.spatial_sizes(key, self.rank, self.data_format)
            geo = geometry(sizes, self.pool_size, self.strides, self.padding,
                           _spatial.spatial_axes(self.rank, self.data_format))
            self._geometries[key] = geo
        return geo

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        _spatial.check_rank(self, input_shape, self.rank)
        sizes = _spatial.spatial_sizes(input_shape, self.rank, self.data_format)
        if self.padding == "valid" and any(n < k for n, k in zip(sizes, self.pool_size)):
            raise LayerError(f"layer {self.name!r} ({type(self).__name__}) with padding='valid' expects "
                             f"spatial sizes of at least pool_size={self.pool_size}, received per-sample "
                             f"shape {tuple(input_shape)} ({self.data_format})")

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        out = self._geometry((0,) + tuple(input_shape)).out
        return _spatial.replace_spatial(tuple(input_shape), self.data_format, out)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides), padding=self.padding,
                      data_format=self.data_format)
        return config
