"""The optional layer protocols (neuropil.base.layer) are all the core relies on: a third-party layer
that declares them gets exactly the treatment of the standard ones, whatever its class name.

The plugin below is a real installed distribution: a ``Placeholder`` input layer (not called
``Input``), a ``Squash`` output layer offering its logits, a ``Penalised`` identity layer adding a
loss term of its own from its forward pass, and a ``Stretch`` layer whose activation a following
``PairMax`` (the larger of each pair of features) may apply in its place, and which can hand its
output over arranged as ``PairMax`` reads it fastest (the first of each pair, then the second).
"""
from __future__ import annotations

import numpy as np
import pytest
from neuropil.errors import LayerError, NeuropilError

PROTOCOL_PLUGIN = '''
import numpy as np
from neuropil.base.layer import Layer
from neuropil.plugin_system.hookspecs import hookimpl
import neuropil.activations


class Placeholder(Layer):
    is_input = True

    def forward(self, x, training=False):
        return x, lambda dy: dy


class Squash(Layer):
    """x @ w followed by sigmoid, with the logits on offer."""

    def __init__(self, units=1, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = neuropil.activations.get("sigmoid")
        self.logits_calls = 0

    def build(self, input_shape, backend, rng):
        self.add_weight("w", (input_shape[-1], self.units), lambda shape, dtype, rng: rng.normal(size=shape) * 0.1, rng)

    def compute_output_shape(self, input_shape):
        return (self.units,)

    def logits_activation(self):
        return self.activation

    def forward_logits(self, x, training=False):
        self.logits_calls += 1
        w = self.params["w"]

        def backward(dz):
            self.grads["w"] = x.T @ dz
            return dz @ w.T

        return x @ w, backward

    def forward(self, x, training=False):
        z, linear_backward = self.forward_logits(x, training)
        self.logits_calls -= 1
        y, activation_backward = self.activation.forward(z)
        return y, lambda dy: linear_backward(activation_backward(dy))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Penalised(Layer):
    """The identity, adding 0.5 * rate * sum(x**2) to the training loss (an activity penalty)."""

    def __init__(self, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    @property
    def has_loss_terms(self):
        return True

    def forward(self, x, training=False):
        self.activity_loss = 0.5 * self.rate * (x * x).sum()
        return x, lambda dy: dy + self.rate * x

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class Stretch(Layer):
    """x @ w followed by an activation that a following layer may apply instead."""

    def __init__(self, units=4, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = neuropil.activations.get(activation)
        self.deferred_calls = 0

    def build(self, input_shape, backend, rng):
        self.add_weight("w", (input_shape[-1], self.units), lambda shape, dtype, rng: rng.normal(size=shape), rng)

    def compute_output_shape(self, input_shape):
        return (self.units,)

    def deferrable_activation(self):
        return self.activation

    def _linear(self, x):
        w = self.params["w"]

        def backward(dz):
            self.grads["w"] = x.T @ dz
            return dz @ w.T

        return x @ w, backward

    def forward_logits(self, x, training=False):
        self.deferred_calls += 1
        return self._linear(x)

    def forward(self, x, training=False):
        z, linear_backward = self._linear(x)
        y, activation_backward = self.activation.forward(z)
        return y, lambda dy: linear_backward(activation_backward(dy))

    def arranges(self, arrangement):
        return arrangement == "pairs apart" and self.units % 2 == 0

    def forward_arranged(self, x, training, arrangement, activation=True):
        """The output's columns reordered: every pair's first, then every pair's second."""
        self.arranged_calls = getattr(self, "arranged_calls", 0) + 1
        if not activation:
            self.deferred_calls += 1
        order = np.r_[0:self.units:2, 1:self.units:2]
        w = self.params["w"][:, order]
        z = x @ w
        y, activation_backward = self.activation.forward(z) if activation else (z, lambda dy: dy)

        def backward(dy):
            dz = activation_backward(dy)
            grad = np.empty_like(self.params["w"])
            grad[:, order] = x.T @ dz
            self.grads["w"] = grad
            return dz @ w.T

        return y, backward

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class PairMax(Layer):
    """The larger of each pair of features (the first on ties): commutes with non-decreasing activations."""

    def compute_output_shape(self, input_shape):
        return (input_shape[-1] // 2,)

    def commutes_with(self, activation):
        return activation.non_decreasing

    def forward(self, x, training=False):
        first, second = x[:, 0::2], x[:, 1::2]
        takes_first = first >= second

        def backward(dy):
            dx = np.zeros(x.shape, dtype=dy.dtype)
            dx[:, 0::2] = dy * takes_first
            dx[:, 1::2] = dy * ~takes_first
            return dx

        return np.where(takes_first, first, second), backward

    def input_arrangement(self):
        return "pairs apart"

    def forward_from_arranged(self, x, training, arrangement):
        self.arranged_calls = getattr(self, "arranged_calls", 0) + 1
        half = x.shape[1] // 2
        first, second = x[:, :half], x[:, half:]
        takes_first = first >= second

        def backward(dy):
            return np.concatenate([dy * takes_first, dy * ~takes_first], axis=1)

        return np.where(takes_first, first, second), backward


@hookimpl
def neuropil_register_layers(register):
    register("Placeholder", Placeholder)
    register("Squash", Squash)
    register("Penalised", Penalised)
    register("Stretch", Stretch)
    register("PairMax", PairMax)
'''


@pytest.fixture
def protocol_layers(install_distribution):
    install_distribution("neuropil-protocols", "0.1", {"protocols": "protocol_plugin"},
                         {"protocol_plugin.py": PROTOCOL_PLUGIN})
    import neuropil.layers

    return neuropil.layers


def _data(n=64, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    return x, (x.sum(axis=1, keepdims=True) > 0).astype("float32")


def test_an_input_layer_of_any_name_is_recognised_by_its_declared_protocol(protocol_layers):
    from neuropil.models import Sequential

    placeholder = protocol_layers.Placeholder(input_shape=(3,))
    model = Sequential([placeholder, protocol_layers.Squash(1)])
    assert [layer.name for layer in model.layers] == [model.layers[0].name]  # left out, as Keras shows
    assert placeholder not in model.layers
    with pytest.raises(ValueError, match="Input layer can only be the first"):
        model.add(protocol_layers.Placeholder())


def test_an_output_layer_offering_logits_trains_on_them_like_dense(protocol_layers):
    from neuropil.models import Sequential

    x, y = _data()
    squash = protocol_layers.Squash(1)
    model = Sequential([protocol_layers.Placeholder(input_shape=(3,)), squash])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    w0 = squash.get_weights()[0].astype(np.float64)
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    assert squash.logits_calls == 1, "the training step asked the layer for its logits"
    # The step on logits is exact: BCE-with-logits' gradient is (sigmoid(z) - y) / n.
    z = x.astype(np.float64) @ w0
    grad = x.astype(np.float64).T @ (1 / (1 + np.exp(-z)) - y) / len(x)
    np.testing.assert_allclose(squash.get_weights()[0], w0 - 0.01 * grad, rtol=1e-5, atol=1e-7)


def test_a_layer_declaring_loss_terms_adds_them_to_the_training_loss(protocol_layers):
    from neuropil.models import Sequential

    x, y = _data()
    model = Sequential([protocol_layers.Penalised(0.5, input_shape=(3,)), protocol_layers.Squash(1)])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    penalty = 0.5 * 0.5 * float((x.astype(np.float64) ** 2).sum())
    plain = model.evaluate(x, y, verbose=0)
    loss = model.train_on_batch(x, y)
    assert loss == pytest.approx(plain + penalty, rel=1e-5)


def _stretch_pair_models(layers, activation):
    """The same network twice from one set of weights: ``Stretch(activation) -> PairMax -> Squash``,
    and a twin whose activation is a separate layer (which nothing may move)."""
    from neuropil.layers import Activation
    from neuropil.models import Sequential

    stretch = layers.Stretch(4, activation=activation)
    model = Sequential([layers.Placeholder(input_shape=(3,)), stretch, layers.PairMax(), layers.Squash(1)])
    twin = Sequential([layers.Placeholder(input_shape=(3,)), layers.Stretch(4, activation="linear"),
                       Activation(activation), layers.PairMax(), layers.Squash(1)])
    twin.set_weights(model.get_weights())
    for each in (model, twin):
        each.compile(optimizer="sgd", loss="binary_crossentropy")
    return model, twin, stretch


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_an_activation_moves_past_a_layer_declaring_it_commutes_and_training_is_unchanged(protocol_layers,
                                                                                         activation):
    x, y = _data(n=96)
    x[:32] = 0.0  # ties inside PairMax, as a max pooling meets on a blank background
    model, twin, stretch = _stretch_pair_models(protocol_layers, activation)
    model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    twin.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    # relu is non-decreasing: training applies it after PairMax; gelu is not: it stays in Stretch.
    assert (stretch.deferred_calls > 0) == (activation == "relu")
    for moved, kept in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(moved, kept)
    features = model.predict(x[32:40], verbose=0)
    np.testing.assert_array_equal(features, twin.predict(x[32:40], verbose=0))


def test_an_output_handed_over_in_the_readers_arrangement_trains_exactly_as_the_plain_one(protocol_layers):
    """Stretch -> PairMax trains through ``forward_arranged`` / ``forward_from_arranged`` (the two
    layers agree on an arrangement the core knows nothing of), with the twin's very numbers;
    predictions take the plain path."""
    x, y = _data(n=96)
    x[:32] = 0.0
    model, twin, stretch = _stretch_pair_models(protocol_layers, "relu")
    pair_max = model.layers[1]
    model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    twin.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    assert stretch.arranged_calls == pair_max.arranged_calls == 9  # every training step, both sides
    assert stretch.deferred_calls == 9  # and its relu still moved past PairMax
    for arranged, plain in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(arranged, plain)
    np.testing.assert_array_equal(model.predict(x[32:40], verbose=0), twin.predict(x[32:40], verbose=0))
    assert stretch.arranged_calls == 9, "predictions never rearrange"


def test_a_reader_fed_by_a_layer_that_cannot_arrange_gets_the_plain_input(protocol_layers):
    from neuropil.layers import Dense
    from neuropil.models import Sequential

    x, y = _data(n=32)
    pair_max = protocol_layers.PairMax()
    model = Sequential([protocol_layers.Placeholder(input_shape=(3,)), Dense(4), pair_max,
                        protocol_layers.Squash(1)])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert getattr(pair_max, "arranged_calls", 0) == 0


def test_an_activation_read_by_anything_else_is_not_moved(protocol_layers):
    from neuropil import Input, Model

    x, y = _data(n=64)
    inputs = Input((3,))
    stretch = protocol_layers.Stretch(4, activation="relu")
    hidden = stretch(inputs)
    outputs = protocol_layers.Squash(1)(protocol_layers.PairMax()(hidden))
    model = Model(inputs, [outputs, hidden])  # the activated features are an output too
    model.compile(optimizer="sgd", loss=["binary_crossentropy", "mse"])
    model.fit(x, [y, np.zeros((64, 4), "float32")], batch_size=32, epochs=1, verbose=0)
    assert stretch.deferred_calls == 0
    assert getattr(stretch, "arranged_calls", 0) == 0, "an output read twice is handed over plain"
    assert (model.predict(x, verbose=0)[1] >= 0).all()


def test_duplicate_names_and_shape_mismatches_are_layer_errors(protocol_layers):
    from neuropil.layers import Dense
    from neuropil.models import Sequential

    model = Sequential([Dense(2, input_shape=(3,), name="same")])
    with pytest.raises(LayerError, match="already has a layer named 'same'"):
        model.add(Dense(2, name="same"))
    dense = model.get_layer("same")
    with pytest.raises(LayerError, match=r"expects inputs of per-sample shape \(3,\), received \(4,\)"):
        dense.ensure_built((4,), model.backend, np.random.default_rng(0))
    assert issubclass(LayerError, NeuropilError) and issubclass(LayerError, ValueError)


def test_the_moved_modules_keep_their_old_import_paths():
    import neuropil.base.layer
    import neuropil.layer
    import neuropil.plugin_system.hookspecs
    from neuropil.hookspecs import hookimpl
    from neuropil.registry import normalize

    assert neuropil.layer is neuropil.base.layer
    assert neuropil.layer.__spec__.name == "neuropil.base.layer"
    assert hookimpl is neuropil.plugin_system.hookspecs.hookimpl
    assert normalize("Mean_Squared") == normalize("meansquared")
