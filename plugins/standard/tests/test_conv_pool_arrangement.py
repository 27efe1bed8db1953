"""A convolution handing its output to the max pooling that reads it window by window (the Layer
protocols ``input_arrangement`` / ``arranges``, neuropil_standard/layers/_arrangement.py).

The arranged forward computes the same numbers for every position a window reads (and skips the
others); the pooling reads the same values; so training gives the same loss at every step and the
same weights up to the order of the kernel gradient's sums, and predictions never change. Each test
below fails if the arrangement is not taken where it should be, or taken where it must not be."""
from __future__ import annotations

import numpy as np
import pytest
from neuropil import Input, Model
from neuropil.layers import Conv1D, Conv2D, Conv3D, Dense, Flatten, MaxPooling1D, MaxPooling2D, MaxPooling3D
from neuropil.models import Sequential
from neuropil_standard._threads import map_batch
from neuropil_standard.layers._arrangement import WindowMajor
from neuropil_standard.layers.conv._geometry import conv_axis
from neuropil_standard.layers.conv._ops import Convolution
from neuropil_standard.layers.pooling.max_pooling import MaxPooling


def _spy(layer: object, method: str) -> list[int]:
    """Count calls of ``layer.method`` (a spy around the real method)."""
    calls = [0]
    real = getattr(layer, method)

    def counted(*args: object) -> object:
        calls[0] += 1
        return real(*args)

    setattr(layer, method, counted)
    return calls


def _images(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 11, 10, 3), dtype=np.float32)
    x[:, :4] = 0.0  # blank rows: every window there ties (the gradient goes to the first maximum)
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]


def _network() -> Sequential:
    # 11x10 -> conv 3x3 -> 9x8 -> pool 2: the conv's last row is read by no window
    return Sequential([Input((11, 10, 3)), Conv2D(4, 3, activation="relu"), MaxPooling2D(2),
                       Conv2D(5, 2, activation="tanh"), MaxPooling2D((1, 2)), Flatten(),
                       Dense(3, activation="softmax")])


def test_training_through_the_arranged_hand_over_matches_the_plain_one(monkeypatch: pytest.MonkeyPatch):
    x, y = _images()
    arranged, plain = _network(), _network()
    plain.set_weights(arranged.get_weights())
    for model in (arranged, plain):
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    handed = [_spy(arranged.layers[i], method) for i, method in ((0, "forward_arranged"), (2, "forward_arranged"),
                                                                  (1, "forward_from_arranged"),
                                                                  (3, "forward_from_arranged"))]
    history = arranged.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert [count[0] for count in handed] == [15] * 4  # both pairs, every training step
    with monkeypatch.context() as patched:
        patched.setattr(MaxPooling, "input_arrangement", lambda self: None)
        reference = plain.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], reference.history["loss"], rtol=1e-6)
    for a, b in zip(arranged.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(arranged.predict(x, verbose=0), plain.predict(x, verbose=0), rtol=1e-5, atol=1e-7)
    assert handed[0][0] == 15, "predictions never rearrange"


def test_the_first_step_is_the_plain_step_to_float32_precision(monkeypatch: pytest.MonkeyPatch):
    x, y = _images(8, seed=3)
    arranged, plain = _network(), _network()
    plain.set_weights(arranged.get_weights())
    for model in (arranged, plain):
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
    loss = arranged.train_on_batch(x, y)
    with monkeypatch.context() as patched:
        patched.setattr(MaxPooling, "input_arrangement", lambda self: None)
        assert plain.train_on_batch(x, y) == loss  # the forward is the same numbers
    for a, b in zip(arranged.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_nothing_is_arranged_where_it_must_not_or_cannot_be():
    rng = np.random.default_rng(1)
    x = rng.random((16, 9, 9, 2), dtype=np.float32)
    y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 16)]
    inputs = Input((9, 9, 2))
    seen = Conv2D(3, 2, activation="relu", name="seen")  # also a model output
    refused = [seen, Conv2D(3, 2, activity_regularizer="l2"), Conv2D(4, 2, groups=2),
               Conv2D(3, 2, data_format="channels_first"), Conv2D(3, 2), Conv2D(3, 2)]
    features = seen(inputs)
    branches = [Flatten()(MaxPooling2D(2)(features)),
                Flatten()(MaxPooling2D(2)(refused[1](inputs))),
                Flatten()(MaxPooling2D(2)(refused[2](inputs))),
                Flatten()(MaxPooling2D(2)(refused[3](inputs))),  # a channels-last pooling asks; it refuses
                Flatten()(MaxPooling2D(2, padding="same")(refused[4](inputs))),
                Flatten()(MaxPooling2D(2, strides=1)(refused[5](inputs)))]
    from neuropil.layers import Concatenate

    outputs = Dense(2, activation="softmax")(Concatenate()(branches))
    model = Model(inputs, [outputs, features])
    model.compile(optimizer="sgd", loss=["categorical_crossentropy", "mse"])
    calls = [_spy(layer, "forward_arranged") for layer in refused]
    model.fit(x, [y, np.zeros((16, 8, 8, 3), np.float32)], batch_size=8, epochs=1, verbose=0)
    assert [count[0] for count in calls] == [0] * len(refused)


def test_a_one_channel_first_layer_hands_over_arranged_too(monkeypatch: pytest.MonkeyPatch):
    """A grayscale first convolution (columns built tap by tap, kept for the backward since they are
    narrower than the output) puts each piece's product in window order instead of its rows."""
    rng = np.random.default_rng(2)
    x = rng.random((8, 12, 12, 1), dtype=np.float32)
    x[:, :5] = 0.0
    y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 8)]
    arranged, plain = (Sequential([Input((12, 12, 1)), Conv2D(12, 3, activation="relu"), MaxPooling2D(2),
                                   Conv2D(4, 2, activation="relu"), MaxPooling2D(2), Flatten(),
                                   Dense(2, activation="softmax")]) for _ in range(2))
    plain.set_weights(arranged.get_weights())
    for model in (arranged, plain):
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    first, second = _spy(arranged.layers[0], "forward_arranged"), _spy(arranged.layers[2], "forward_arranged")
    arranged.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert (first[0], second[0]) == (4, 4)
    monkeypatch.setattr(MaxPooling, "input_arrangement", lambda self: None)
    plain.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(arranged.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


# -- the two halves, against the plain computation -------------------------------------------------
GEOMETRIES = [
    # spatial, channels, kernel, strides, dilation, padding, pool
    ((11, 10), 3, (3, 3), (1, 1), (1, 1), "valid", (2, 2)),
    ((9, 12), 2, (2, 3), (2, 1), (1, 1), "same", (2, 3)),
    ((10, 9), 2, (3, 2), (1, 1), (2, 1), "valid", (3, 2)),
    ((13,), 4, (3,), (1,), (1,), "causal", (4,)),
    ((5, 6, 7), 2, (2, 2, 2), (1, 1, 1), (1, 1, 1), "valid", (2, 2, 3)),
    ((12, 11), 1, (3, 3), (1, 1), (1, 1), "valid", (2, 2)),  # one channel: the product rearranged
    ((9, 10), 1, (2, 2), (1, 1), (1, 1), "same", (3, 2)),  # columns narrower than the output: kept
]


def _geometry(spatial, channels, kernel, strides, dilation, padding) -> Convolution:
    axes = [conv_axis(n, k, s, d, padding) for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    return Convolution(spatial, channels, kernel, strides, dilation, axes, 1)


@pytest.mark.parametrize("spatial, channels, kernel, strides, dilation, padding, pool", GEOMETRIES)
def test_the_arranged_convolution_is_the_plain_one_rearranged(spatial, channels, kernel, strides, dilation,
                                                             padding, pool):
    rng = np.random.default_rng(len(spatial) * 10 + channels)
    geometry = _geometry(spatial, channels, kernel, strides, dilation, padding)
    arrangement = WindowMajor(pool)
    assert geometry.arranges(arrangement)
    x = rng.standard_normal((6, *spatial, channels)).astype(np.float32)
    w = rng.standard_normal((*kernel, channels, 5)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    y, saved = geometry.forward(np, x, w, b, spread=map_batch)
    ya, saved_a = geometry.forward(np, x, w, b, spread=map_batch, arrangement=arrangement)
    covered = (slice(None), *(slice(0, c) for c in arrangement.covered(geometry.output)))
    np.testing.assert_array_equal(ya, arrangement.arrange(y[covered]))  # the same dot products
    np.testing.assert_array_equal(arrangement.plain(ya), y[covered])
    # The gradient of positions no window reads is zero: the plain computation with those zeroed.
    dya = rng.standard_normal(ya.shape).astype(np.float32)
    dy = np.zeros_like(y)
    dy[covered] = arrangement.plain(dya)
    kernel_a, bias_a = geometry.kernel_gradient(np, dya, saved_a, w.shape, spread=map_batch)
    kernel_p, bias_p = geometry.kernel_gradient(np, dy, saved, w.shape, spread=map_batch)
    np.testing.assert_allclose(kernel_a, kernel_p, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bias_a, bias_p, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bias_a, dy.reshape(-1, 5).astype(np.float64).sum(axis=0), rtol=1e-5, atol=1e-5)
    dx_a = geometry.input_gradient(np, dya, w, spread=map_batch, arrangement=arrangement)
    np.testing.assert_allclose(dx_a, geometry.input_gradient(np, dy, w, spread=map_batch), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer, shape", [(MaxPooling1D(3), (5, 12, 4)), (MaxPooling2D(2), (4, 8, 6, 3)),
                                          (MaxPooling2D((3, 2)), (3, 9, 4, 2)), (MaxPooling3D(2), (2, 4, 6, 4, 2))])
def test_the_pooling_of_an_arranged_input_is_the_plain_pooling(layer, shape):
    rng = np.random.default_rng(4)
    x = rng.integers(0, 3, shape).astype(np.float32)  # a few values: ties in most windows
    x.reshape(-1)[7] = np.nan  # a NaN window: its gradient goes to the last offset, as in the plain pooling
    layer.build(shape[1:], None, rng)
    from neuropil_standard.backend import NumpyBackend

    layer.backend = NumpyBackend()
    arrangement = layer.input_arrangement()
    assert arrangement == WindowMajor(layer.pool_size)
    y, backward = layer.forward(x, training=True)
    ya, backward_a = layer.forward_from_arranged(np.ascontiguousarray(arrangement.arrange(x)), True, arrangement)
    np.testing.assert_array_equal(ya, y)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_array_equal(backward_a(dy), arrangement.arrange(backward(dy)))


def test_only_disjoint_valid_channels_last_poolings_ask_for_an_arrangement():
    assert MaxPooling2D(2).input_arrangement() == WindowMajor((2, 2))
    assert MaxPooling2D(2, padding="same").input_arrangement() is None
    assert MaxPooling2D(2, strides=1).input_arrangement() is None
    assert MaxPooling2D(2, data_format="channels_first").input_arrangement() is None


def test_window_major_is_a_view_and_plain_undoes_it():
    arrangement = WindowMajor((2, 3))
    x = np.arange(2 * 4 * 9 * 5, dtype=np.float32).reshape(2, 4, 9, 5)
    arranged = arrangement.arrange(x)
    assert arranged.shape == (2, 2, 3, 2, 3, 5) and np.shares_memory(arranged, x)
    # element [n, a, b, i, j, c] is x[n, 2i + a, 3j + b, c]
    assert arranged[1, 1, 2, 1, 0, 4] == x[1, 3, 2, 4]
    np.testing.assert_array_equal(arrangement.plain(arranged), x)


def test_one_and_three_dimensional_networks_train_through_the_hand_over(monkeypatch: pytest.MonkeyPatch):
    rng = np.random.default_rng(5)
    cases = [((14, 3), lambda: [Conv1D(4, 3, activation="relu"), MaxPooling1D(3)]),
             ((6, 6, 5, 2), lambda: [Conv3D(3, 2, activation="relu"), MaxPooling3D(2)])]
    for shape, stack in cases:
        x = rng.random((12, *shape), dtype=np.float32)
        y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 12)]
        arranged, plain = (Sequential([Input(shape), *stack(), Flatten(), Dense(2, activation="softmax")])
                           for _ in range(2))
        plain.set_weights(arranged.get_weights())
        for model in (arranged, plain):
            model.compile(optimizer="adam", loss="categorical_crossentropy")
        calls = _spy(arranged.layers[0], "forward_arranged")
        arranged.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
        assert calls[0] == 4
        with monkeypatch.context() as patched:
            patched.setattr(MaxPooling, "input_arrangement", lambda self: None)
            plain.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
        for a, b in zip(arranged.get_weights(), plain.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("channels", [1, 3])
def test_columns_in_window_order_are_the_plain_columns_reordered(channels):
    """Whichever way a geometry builds its columns (tap by tap for one channel, one strided copy for
    several), asking for them in window order gives the plain rows of the covered positions, reordered."""
    rng = np.random.default_rng(channels)
    geometry = _geometry((9, 8), channels, (2, 3), (1, 1), (1, 1), "valid")
    arrangement = WindowMajor((2, 3))
    padded = rng.standard_normal((3, 9, 8, channels)).astype(np.float32)
    arranged = geometry.columns(np, padded, slice(1, 3), ones=True, arrangement=arrangement)
    plain = geometry.cropped(arrangement).columns(np, padded, slice(1, 3), ones=True)
    width = plain.shape[-1]
    covered = arrangement.covered(geometry.output)
    expected = arrangement.arrange(plain.reshape(2, *covered, width)).reshape(-1, width)
    np.testing.assert_array_equal(arranged, expected)
