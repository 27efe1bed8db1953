"""Concatenate: join a list of inputs along one axis (Keras 3 ``Concatenate(axis=-1)``)."""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward
from neuropil.errors import ArgumentError, LayerError

from .. import reference_merging as _reference
from ._merge import Merge, Shapes


class Concatenate(Merge):
    """Keras ``Concatenate(axis=-1)``: the inputs, equal in every side but ``axis``, joined along it.

    ``axis`` counts the batch axis as 0, as Keras does (``axis=1`` is the first per-sample axis;
    negative values count from the last), and may not be the batch axis. The backward hands each input
    its own slice of ``dy``. Unlike Keras, whose ``build`` lets sides of 1 pass and fails only when
    called, mismatched sides are refused when the layer is built.
    """

    reference = _reference.concatenate  # the conformance suite's float64 loop
    example_configs = ({}, {"axis": 1}, {"axis": -2})
    example_input_shapes = ([(3,), (2,)], [(2, 3), (2, 1), (2, 2)], [(1, 3), (3, 3)], [(2, 2, 3), (2, 2, 1)])

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        axis_ = checks.integer("Concatenate", "axis", axis)
        if axis_ == 0:
            raise ArgumentError("Concatenate expects axis to be a non-batch axis (not 0), received axis=0")
        super().__init__(**kwargs)
        self.axis: int = axis_

    def per_sample_axis(self, shapes: Shapes) -> int:
        """The concatenation axis as an index into the per-sample shapes (all of one rank)."""
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise LayerError(f"layer {self.name!r} (Concatenate) expects inputs of one rank, received "
                             f"per-sample shapes {shapes}")
        (rank,) = ranks
        full = self.axis if self.axis > 0 else self.axis + rank + 1
        if not 1 <= full <= rank:
            raise LayerError(f"layer {self.name!r} (Concatenate) with axis={self.axis} expects inputs with an "
                             f"axis {self.axis} besides the batch axis, received per-sample shapes {shapes}")
        return full - 1

    def build(self, input_shape: Any, backend: Any, rng: np.random.Generator) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple[int, ...]:
        shapes = self.input_shapes(input_shape)
        axis = self.per_sample_axis(shapes)
        others = {s[:axis] + s[axis + 1:] for s in shapes}
        if len(others) != 1:
            raise LayerError(f"layer {self.name!r} (Concatenate) with axis={self.axis} expects inputs of equal "
                             f"sides except along that axis, received per-sample shapes {shapes}")
        first = shapes[0]
        return first[:axis] + (sum(s[axis] for s in shapes),) + first[axis + 1:]

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        arrays = self.inputs_of(inputs)
        axis = self.per_sample_axis([tuple(x.shape[1:]) for x in arrays]) + 1
        edges = list(itertools.accumulate(int(x.shape[axis]) for x in arrays))[:-1]  # where each input ends
        y = xp.concatenate(arrays, axis=axis)

        def backward(dy: Any) -> list[Any]:
            return list(xp.split(dy, edges, axis=axis))

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config
