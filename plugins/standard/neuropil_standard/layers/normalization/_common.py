"""What the normalization layers share: axis arguments as Keras spells them, and the gamma/beta
component arguments (initializers, regularizers, constraints) with their config round trip.

Axes count the batch axis, as in Keras (``-1`` the last, ``1`` the first per-sample axis). neuropil
builds a layer for a per-sample shape, without a batch size, so the batch axis itself cannot be a
normalized or kept axis: it is refused at build, naming the layer and the rank.
"""
from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import neuropil.constraints
import neuropil.initializers
import neuropil.regularizers
from neuropil.base.layer import Layer
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError

from .._common import serialize_component

#: The component arguments of a layer with a learned scale and offset, with the registry each
#: resolves through.
AFFINE_COMPONENTS = {
    "beta_initializer": neuropil.initializers,
    "gamma_initializer": neuropil.initializers,
    "beta_regularizer": neuropil.regularizers,
    "gamma_regularizer": neuropil.regularizers,
    "beta_constraint": neuropil.constraints,
    "gamma_constraint": neuropil.constraints,
}


def axis_argument(owner: str, value: Any, *, allow_none: bool = False) -> int | tuple[int, ...] | None:
    """An int, or a non-empty list/tuple of distinct ints (kept as a tuple); ``None`` where allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(a, Integral) and not isinstance(a, bool) for a in value):
        if len(set(value)) != len(value):
            raise ArgumentError(f"{owner} expects axis to name each axis once, received axis={value!r}")
        return tuple(int(a) for a in value)
    none = ", None" if allow_none else ""
    raise ArgumentTypeError(f"{owner} expects axis to be an integer or a list of integers{none}, "
                            f"received axis={value!r}")


def resolve_axes(layer: Layer, axis: int | Sequence[int], rank: int) -> tuple[int, ...]:
    """``axis`` (an int or ints, batch axis counted) as sorted non-negative axes of a rank-``rank``
    input; out of range, or the batch axis, is a :class:`LayerError` naming the layer."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    resolved = []
    for a in axes:
        if not -rank <= a < rank or a % rank == 0:
            raise LayerError(
                f"layer {layer.name!r} ({type(layer).__name__}) got axis={axis!r} for inputs of rank {rank} "
                f"(per-sample shape plus the batch axis); expected axes in 1..{rank - 1} or "
                f"-{rank - 1}..-1, not the batch axis")
        resolved.append(a % rank)
    return tuple(sorted(resolved))


def axis_config(axis: int | tuple[int, ...] | None) -> int | list[int] | None:
    """How ``axis`` goes into a config: an int as it is, several axes as a JSON list."""
    return list(axis) if isinstance(axis, tuple) else axis


class AffineArguments:
    """Resolves and serializes the gamma/beta component arguments of a normalization layer."""

    def __init__(self, **given: Any) -> None:
        self.given = given
        self.resolved = {arg: module.get(given[arg]) for arg, module in AFFINE_COMPONENTS.items()}

    def __getitem__(self, arg: str) -> Any:
        return self.resolved[arg]

    def config(self) -> dict[str, Any]:
        return {arg: serialize_component(module, self.given[arg], self.resolved[arg])
                for arg, module in AFFINE_COMPONENTS.items()}
