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


def test_elu_takes_the_slope_of_its_negative_side_at_zero_as_keras():
    elu = neuropil.activations.get({"class_name": "elu", "config": {"alpha": 0.5}})
    x = np.array([-1e-3, 0.0, 1e-3])
    _, backward = elu.forward(x)
    np.testing.assert_allclose(backward(np.ones(3)), [0.5 * math.exp(-1e-3), 0.5, 1.0])


def test_random_flip_flips_half_the_images():
    from neuropil.layers import RandomFlip

    layer = RandomFlip("horizontal", seed=3)
    images = np.tile(np.array([0.0, 1.0], dtype="float32").reshape(1, 1, 2, 1), (20000, 1, 1, 1))
    flipped = np.asarray(layer(images, training=True))[:, 0, 0, 0] == 1.0
    assert abs(flipped.mean() - 0.5) < 5 * math.sqrt(0.25 / 20000)  # a 0.55 chance is 14 sigma off


def test_bilinear_upsampling_far_beyond_ten_times_keeps_the_edge_rows():
    image = np.array([0.0, 1.0], dtype="float32").reshape(1, 2, 1, 1)
    out = np.asarray(Resizing(30, 1, interpolation="bilinear")(image))[0, :, 0, 0]
    # Half-pixel centres: the outer samples lie within half a pixel of the edge, where the one
    # nearest pixel holds all the weight.
    assert out[0] == 0.0 and out[-1] == 1.0
    np.testing.assert_allclose(out[13:17], [(i + 0.5) / 15 - 0.5 for i in range(13, 17)], atol=1e-6)


def test_the_batch_threads_are_reused_from_call_to_call(monkeypatch: pytest.MonkeyPatch):
    import threading

    monkeypatch.setenv("NEUROPIL_NUM_THREADS", "2")
    seen: list[list[threading.Thread]] = [[], []]

    for call in range(2):
        together = threading.Barrier(2, timeout=20)

        def work(rows: slice, call: int = call, together: threading.Barrier = together) -> None:
            together.wait()
            seen[call].append(threading.current_thread())

        _threads.map_batch(work, 64)
    workers = [{t for t in threads if t is not threading.main_thread()} for threads in seen]
    assert len(workers[0]) == 1 and workers[0] == workers[1], "the second call started new threads"


def test_circle_loss_gradient_with_several_positives_per_anchor_and_a_soft_gamma():
    """With gamma 80 (the default) each anchor's softmax over its pairs is one-hot, which hides a wrong
    normalisation of the softmax weights; at gamma 1 with three samples per class it cannot hide."""
    from neuropil_standard.losses_circle import Circle

    loss = Circle(gamma=1.0, margin=0.25)
    rng = np.random.default_rng(5)
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    embeddings = rng.normal(size=(9, 4))
    r = rng.normal(size=9)

    def objective() -> float:
        return float((loss.per_sample(labels, embeddings)[0] * r).sum())

    _, backward = loss.per_sample(labels, embeddings)
    np.testing.assert_allclose(backward(r), central_difference(objective, embeddings), rtol=1e-5, atol=1e-8)
