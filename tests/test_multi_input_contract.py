"""The multi-input layer contract on ``neuropil.base.layer.Layer``: a list of per-sample shapes in,
normalised once by ``ensure_built``, and a later call with other shapes refused, naming both."""
from __future__ import annotations

import numpy as np
import pytest
from neuropil.base.backend import Backend
from neuropil.base.layer import Layer, per_sample_shape
from neuropil.errors import LayerError


class Pairwise(Layer):
    """Records what build and compute_output_shape receive; returns the first input's shape."""

    def build(self, input_shape, backend, rng):
        self.built_with = input_shape

    def compute_output_shape(self, input_shape):
        self.asked_with = input_shape
        return input_shape[0]


@pytest.mark.parametrize("given, normalised", [
    ((3,), (3,)), ([4, 3], (4, 3)), ((), ()), (np.array([2, 5]), (2, 5)),
    ([(3,), (3,)], [(3,), (3,)]), (((2, 3), [1, 3]), [(2, 3), (1, 3)]), ([np.int64(4), 2], (4, 2)),
])
def test_per_sample_shape_tells_one_input_from_several(given, normalised) -> None:
    got = per_sample_shape(given)
    assert got == normalised and type(got) is type(normalised)
    assert all(type(shape) is tuple for shape in (got if isinstance(got, list) else [got]))


def test_a_multi_input_layer_is_built_with_a_list_of_shapes_and_keeps_it() -> None:
    layer = Pairwise()
    layer.ensure_built(((2, 3), (2, 3)), Backend(), np.random.default_rng(0))
    assert layer.built_with == [(2, 3), (2, 3)] and layer.asked_with == [(2, 3), (2, 3)]
    assert layer.input_shape == [(2, 3), (2, 3)] and layer.output_shape == (2, 3)
    layer.ensure_built([[2, 3], [2, 3]], Backend(), np.random.default_rng(0))  # the same shapes: fine
    with pytest.raises(LayerError, match=r"per-sample shape \[\(2, 3\), \(2, 3\)\], received \[\(2, 3\), \(4, 3\)\]"):
        layer.ensure_built([(2, 3), (4, 3)], Backend(), np.random.default_rng(0))
