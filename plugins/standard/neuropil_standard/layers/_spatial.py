"""What the spatial layers (pooling, up-sampling, padding, cropping) share: Keras's ``data_format``
convention and where the spatial axes of a batch sit under it.

Keras resolves ``data_format=None`` to ``keras.config.image_data_format()``, which is
``"channels_last"`` unless changed; neuropil has no such global setting yet, so None means
``"channels_last"`` (a core ``image_data_format`` is used when one exists).
"""
from __future__ import annotations

from typing import Any

from neuropil import checks
from neuropil import config as np_config
from neuropil.errors import LayerError

DATA_FORMATS = ("channels_last", "channels_first")


def data_format(owner: str, value: Any) -> str:
    """``value`` checked and normalised (case-insensitive, as Keras), None meaning the default."""
    if value is None:
        default = getattr(np_config, "image_data_format", None)
        return str(default()) if callable(default) else "channels_last"
    return checks.one_of(owner, "data_format", value, DATA_FORMATS, normalise=True)


def spatial_axes(rank: int, data_format: str, batch: bool = True) -> tuple[int, ...]:
    """The axes of the ``rank`` spatial dimensions, counted with the batch axis (``batch``) or in a
    per-sample shape (without it)."""
    first = 1 if data_format == "channels_first" else 0
    offset = 1 if batch else 0
    return tuple(range(first + offset, first + offset + rank))


def check_rank(layer: Any, input_shape: tuple[int, ...], rank: int) -> None:
    """A layer over ``rank`` spatial axes takes per-sample inputs of ``rank + 1`` dimensions
    (the spatial axes and channels)."""
    if len(input_shape) != rank + 1:
        raise LayerError(f"layer {layer.name!r} ({type(layer).__name__}) expects inputs of rank {rank + 2} "
                         f"(batch, {rank} spatial axes, channels), received per-sample shape "
                         f"{tuple(input_shape)}")


def replace_spatial(input_shape: tuple[int, ...], data_format: str, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """A per-sample shape with its spatial sizes replaced by ``sizes``."""
    out = list(input_shape)
    for axis, size in zip(spatial_axes(len(sizes), data_format, batch=False), sizes):
        out[axis] = size
    return tuple(out)


def spatial_sizes(input_shape: tuple[int, ...], rank: int, data_format: str) -> tuple[int, ...]:
    """The spatial sizes of a per-sample shape."""
    return tuple(input_shape[a] for a in spatial_axes(rank, data_format, batch=False))
