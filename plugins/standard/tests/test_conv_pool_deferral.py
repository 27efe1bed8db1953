"""A convolution's relu applied after the max pooling that follows it (the Layer protocols
``deferrable_activation`` / ``commutes_with``): training and predictions are exactly those of the
same network with the relu where the user wrote it, ties on a blank background included, and nothing
moves where the activated values are observed or the activation is not non-decreasing."""
from __future__ import annotations

import numpy as np
import pytest
from neuropil import Input, Model
from neuropil.layers import Activation, Conv2D, Dense, Flatten, MaxPooling2D, ReLU
from neuropil.models import Sequential
from neuropil_standard.layers.pooling.max_pooling import MaxPooling


@pytest.fixture(autouse=True)
def _plain_hand_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deferral alone, bit for bit: the window-major hand-over a max pooling asks for (which
    sums kernel gradients in another order) is switched off here; test_conv_pool_arrangement.py
    trains both together against the plain step."""
    monkeypatch.setattr(MaxPooling, "input_arrangement", lambda self: None)


def _images(n: int = 48, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 8, 8, 1), dtype=np.float32)
    x[:, :3] = 0.0  # blank rows: every window there ties, as on MNIST's background
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]


def _pair(activation: object, separate: object) -> tuple[Sequential, Sequential]:
    """``Conv2D(activation) -> MaxPooling2D`` and its twin with the activation as its own layer."""
    moved = Sequential([Input((8, 8, 1)), Conv2D(4, 3, activation=activation), MaxPooling2D(2),
                        Conv2D(4, 2, activation=activation), MaxPooling2D(2, padding="same"), Flatten(),
                        Dense(3, activation="softmax")])
    kept = Sequential([Input((8, 8, 1)), Conv2D(4, 3), separate, MaxPooling2D(2), Conv2D(4, 2),
                       Activation(activation) if isinstance(activation, str) else ReLU(max_value=1.5),
                       MaxPooling2D(2, padding="same"), Flatten(), Dense(3, activation="softmax")])
    kept.set_weights(moved.get_weights())
    for model in (moved, kept):
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    return moved, kept


def _count_deferred_calls(layer: Conv2D) -> list[int]:
    """Count the training forwards that stop before ``layer``'s activation (a spy on the real method)."""
    calls = [0]
    real = layer.forward_logits

    def counted(x: object, training: bool = False) -> object:
        calls[0] += 1
        return real(x, training)

    layer.forward_logits = counted  # type: ignore[method-assign]
    return calls


@pytest.mark.parametrize("activation", ["relu", "relu6", "leaky_relu", "gelu"])
def test_training_with_the_activation_after_the_pooling_equals_training_as_written(activation):
    x, y = _images()
    separate = Activation(activation)
    moved, kept = _pair(activation, separate)
    deferred = _count_deferred_calls(moved.layers[0])
    moved.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    # relu and relu6 are flat wherever they tie: they move; leaky_relu and gelu stay.
    assert (deferred[0] == 9) == (activation in ("relu", "relu6")), deferred
    kept.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(moved.get_weights(), kept.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(moved.predict(x, verbose=0), kept.predict(x, verbose=0))


def test_a_clipped_relu_moves_too_and_trains_identically():
    from neuropil.activations import ReLU as ReLUActivation

    x, y = _images(seed=1)
    x *= 4.0  # past max_value, where the clipped relu ties
    activation = ReLUActivation(max_value=1.5)
    moved, kept = _pair(activation, ReLU(max_value=1.5))
    moved.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    kept.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(moved.get_weights(), kept.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_functional_model_whose_convolution_output_is_also_read_keeps_it_activated():
    x, y = _images(seed=2)
    inputs = Input((8, 8, 1))
    features = Conv2D(4, 3, activation="relu", name="features")(inputs)
    pooled = Flatten()(MaxPooling2D(2)(features))
    outputs = Dense(3, activation="softmax")(pooled)
    model = Model(inputs, [outputs, Flatten()(features)])
    model.compile(optimizer="adam", loss=["categorical_crossentropy", "mse"])
    target = np.zeros((len(x), 6 * 6 * 4), np.float32)
    deferred = _count_deferred_calls(model.get_layer("features"))
    model.fit(x, [y, target], batch_size=16, epochs=2, verbose=0)
    assert deferred[0] == 0
    extracted = Model(inputs, model.get_layer("features").output).predict(x, verbose=0)
    assert extracted.min() >= 0.0 and (extracted == 0).any(), "the extracted features are the relu's outputs"


def test_the_activation_moves_in_a_functional_graph_as_in_a_chain():
    x, y = _images(seed=3)
    inputs = Input((8, 8, 1))
    conv = Conv2D(4, 3, activation="relu")
    branch = MaxPooling2D(2)(conv(inputs))
    other = MaxPooling2D(2)(Conv2D(4, 3)(inputs))
    merged = Flatten()(branch + other)
    model = Model(inputs, Dense(3, activation="softmax")(merged))
    twin_in = Input((8, 8, 1))
    twin_conv = Conv2D(4, 3)
    twin_branch = MaxPooling2D(2)(Activation("relu")(twin_conv(twin_in)))
    twin_other = MaxPooling2D(2)(Conv2D(4, 3)(twin_in))
    twin = Model(twin_in, Dense(3, activation="softmax")(Flatten()(twin_branch + twin_other)))
    twin.set_weights(model.get_weights())
    deferred = _count_deferred_calls(conv)
    for each in (model, twin):
        each.compile(optimizer="sgd", loss="categorical_crossentropy")
        each.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert deferred[0] == 6, "the relu moved past the pooling in training"
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
