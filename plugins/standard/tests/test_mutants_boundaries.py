"""Behaviour at edges the drawn data of the conformance suite do not reach, each found by a mutant
that survived the plugin-wide mutation run (tools/mutation_score.py, docs/conformance.md): a thread
count of 0, a zoom factor past Keras's range, Huber's delta of 0, relu6's slope at its kinks, a
convolution's activity penalty in its backward, and nearest resizing where a pixel centre falls just
short of a boundary. Reference values are written out here, from Keras's definitions."""
from __future__ import annotations

import math

import neuropil
import numpy as np
import pytest
from finite_differences import central_difference
from neuropil.layers import Conv2D, RandomZoom, Resizing
from neuropil.losses import Huber
from neuropil_standard import _threads


def test_a_thread_count_of_zero_is_no_count_and_the_next_variable_decides(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NEUROPIL_NUM_THREADS", "0")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert _threads.thread_count() == 3


def test_random_zoom_refuses_factors_beyond_keras_range_and_accepts_its_ends():
    RandomZoom(height_factor=(-0.5, 1.0), width_factor=(0.0, 1.0))
    for factors in ({"height_factor": (0.0, 1.05)}, {"height_factor": 0.2, "width_factor": (0.0, 1.05)}):
        with pytest.raises(ValueError, match="factor"):
            RandomZoom(**factors)


def test_huber_refuses_a_delta_of_zero():
    with pytest.raises(ValueError, match="delta > 0"):
        Huber(delta=0.0)
    assert Huber(delta=1e-3).delta == 1e-3


def test_relu6_has_slope_zero_at_both_kinks_as_tensorflow_and_one_between():
    activation = neuropil.activations.get("relu6")
    x = np.array([-1.0, 0.0, 1e-3, 3.0, 6.0 - 1e-3, 6.0, 7.0])
    y, backward = activation.forward(x)
    np.testing.assert_array_equal(y, np.clip(x, 0.0, 6.0))
    np.testing.assert_array_equal(backward(np.ones_like(x)), [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0])


def test_a_convolution_with_an_activity_regularizer_differentiates_its_penalty():
    layer = Conv2D(2, 2, activation="tanh", activity_regularizer={"class_name": "l2", "config": {"l2": 0.3}},
                   dtype="float64")
    layer.ensure_built((4, 4, 1), neuropil.backends.get("numpy"), np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(2, 4, 4, 1))
    r = np.random.default_rng(2).normal(size=(2, 3, 3, 2))

    def objective() -> float:
        y, _ = layer.forward(x, training=True)
        return float((y * r).sum() + layer.activity_loss)

    _, backward = layer.forward(x, training=True)
    dx = backward(r)
    np.testing.assert_allclose(dx, central_difference(objective, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(layer.grads["kernel"], central_difference(objective, layer.params["kernel"]),
                               rtol=1e-6, atol=1e-8)


def _nearest_source(i: int, in_size: int, out_size: int) -> int:
    """The input pixel whose centre is nearest output pixel ``i``'s centre mapped back (half-pixel
    centres); a tie goes to the later pixel, as Keras's JAX backend rounds."""
    centre = (i + 0.5) * in_size / out_size
    return min(range(in_size), key=lambda j: (abs((j + 0.5) - centre), -j))


@pytest.mark.parametrize("in_size, out_size", [(19, 20), (7, 3), (20, 19), (5, 8)])
def test_nearest_resizing_picks_the_pixel_with_the_nearest_centre(in_size, out_size):
    image = np.arange(in_size, dtype="float32").reshape(1, in_size, 1, 1)
    out = Resizing(out_size, 1, interpolation="nearest")(image)
    expected = [_nearest_source(i, in_size, out_size) for i in range(out_size)]
    np.testing.assert_array_equal(np.asarray(out)[0, :, 0, 0], expected)
    assert math.isclose((10 + 0.5) * 19 / 20, 9.975)  # (19, 20): output 10 sits just short of pixel 10


def test_relu_with_a_threshold_gives_zero_at_the_threshold_in_its_forward_and_its_reference():
    from neuropil_standard.activations import ReLU

    relu = ReLU(threshold=1.0)
    x = np.array([0.5, 1.0, 1.5])
    expected = [0.0, 0.0, 1.5]  # Keras 3: x * (x > threshold)
    np.testing.assert_array_equal(relu.forward(x)[0], expected)
    np.testing.assert_array_equal(relu.reference(x), expected)
