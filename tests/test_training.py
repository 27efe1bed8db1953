"""The Keras workflow end to end: compile / fit / evaluate / predict, History, progress, summary."""
from __future__ import annotations

import io

import neuropil.optimizers
import neuropil.utils
import numpy as np
import pytest
from neuropil.layers import Dense, Dropout
from neuropil.models import Sequential


def binary_data(n=256, features=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features))
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype(int)  # learnable
    return x, y


def small_model(**compile_args):
    model = Sequential([Dense(16, input_dim=10, activation="relu"), Dense(1, activation="sigmoid")])
    adam = neuropil.optimizers.Adam(learning_rate=0.01)
    model.compile(**{"optimizer": adam, "loss": "binary_crossentropy", "metrics": ["accuracy"], **compile_args})
    return model


def test_fit_learns_and_history_holds_loss_metrics_and_validation():
    neuropil.utils.set_random_seed(0)
    x, y = binary_data()
    model = small_model()
    history = model.fit(x, y, epochs=8, batch_size=32, validation_data=binary_data(64, seed=1), verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 8 for v in history.history.values())
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85
    assert model.history is history and history.epoch == list(range(8))


def test_evaluate_returns_keras_shapes():
    x, y = binary_data()
    with_metrics = small_model()
    result = with_metrics.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 2 and all(type(v) is float for v in result)
    as_dict = with_metrics.evaluate(x, y, verbose=0, return_dict=True)
    assert list(as_dict) == ["loss", "accuracy"] and as_dict["loss"] == pytest.approx(result[0])
    without = small_model(metrics=None)
    assert type(without.evaluate(x, y, verbose=0)) is float


def test_evaluate_loss_equals_the_loss_of_predictions():
    x, y = binary_data(100)
    model = small_model(metrics=None)
    p = model.predict(x, verbose=0).astype(np.float64)
    eps = 1e-7
    pc = np.clip(p, eps, 1 - eps)
    expected = -np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    assert model.evaluate(x, y, batch_size=7, verbose=0) == pytest.approx(expected, rel=1e-4)


def test_predict_returns_numpy_in_inference_mode():
    x, _ = binary_data(50)
    model = Sequential([Dense(8, input_dim=10), Dropout(0.5), Dense(2, activation="softmax")])
    a = model.predict(x, batch_size=7, verbose=0)
    b = model.predict(x, batch_size=50, verbose=0)
    assert isinstance(a, np.ndarray) and a.shape == (50, 2) and a.dtype == np.float32
    np.testing.assert_allclose(a, b, rtol=1e-6)  # no dropout noise, batch size irrelevant
    np.testing.assert_allclose(a.sum(axis=1), 1, rtol=1e-5)


def test_progress_lines_have_keras_format():
    x, y = binary_data(100)
    model = small_model()
    stream = io.StringIO()
    model.progress_stream = stream
    model.fit(x, y, epochs=2, batch_size=32, validation_data=(x, y))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    pattern = (r"^4/4 \[={30}\] - \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} "
               r"- val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$")
    assert __import__("re").match(pattern, lines[1]), lines[1]
    assert len(lines) == 4  # not a terminal: one line per epoch, no redraws


def test_verbose_two_and_zero():
    x, y = binary_data(64)
    model = small_model()
    stream = io.StringIO()
    model.progress_stream = stream
    model.fit(x, y, epochs=1, verbose=2)
    line = stream.getvalue().splitlines()[1]
    assert line.startswith("2/2 - ") and "loss: " in line and "[" not in line
    stream.truncate(0)
    stream.seek(0)
    model.fit(x, y, epochs=1, verbose=0)
    assert stream.getvalue() == ""


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_in_place_on_a_terminal():
    x, y = binary_data(2000)
    model = small_model()
    stream = FakeTerminal()
    model.progress_stream = stream
    from neuropil.models import progress

    original = progress.Progbar.__init__

    def eager(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.interval = 0.0

    progress.Progbar.__init__ = eager
    try:
        model.fit(x, y, epochs=1, batch_size=100)
    finally:
        progress.Progbar.__init__ = original
    text = stream.getvalue()
    assert text.count("\r") >= 10 and "ETA:" in text
    assert text.rstrip().endswith(text.rstrip().split("\r")[-1]) and "20/20 [=====" in text


def test_summary_counts_parameters():
    model = Sequential([Dense(64, input_dim=10, activation="relu"), Dense(1, activation="sigmoid")])
    model.layers[1].trainable = False
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(None, 64)" in text and "704" in text and "65" in text
    assert "Total params: 769" in text
    assert "Trainable params: 704" in text and "Non-trainable params: 65" in text


def test_weights_in_keras_order_and_round_trip():
    model = Sequential([Dense(3, input_dim=2), Dense(1)])
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(2, 3), (3,), (3, 1), (1,)]
    new = [np.full(s, i, dtype=np.float32) for i, s in enumerate(shapes)]
    model.set_weights(new)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), new))
    x = np.ones((1, 2))
    assert model.predict(x, verbose=0)[0, 0] == pytest.approx((0 * 2 + 1) * 3 * 2 + 3)


def test_lists_and_integer_inputs_are_cast_to_floatx():
    model = small_model(metrics=None)
    x = [[int(v) for v in row] for row in np.arange(40).reshape(4, 10)]
    out = model.predict(x, verbose=0)
    assert out.dtype == np.float32 and out.shape == (4, 1)
    model.fit(x, [0, 1, 0, 1], epochs=1, verbose=0)


def test_sparse_labels_stay_integers_and_train():
    neuropil.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 4))
    y = np.argmax(x[:, :3], axis=1)
    model = Sequential([Dense(16, input_dim=4, activation="relu"), Dense(3, activation="softmax")])
    model.compile(neuropil.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_train_and_test_on_batch():
    x, y = binary_data(32)
    model = small_model()
    before = model.test_on_batch(x, y)
    for _ in range(20):
        model.train_on_batch(x, y)
    after = model.test_on_batch(x, y, return_dict=True)
    assert after["loss"] < before[0]
    weights = model.get_weights()
    model.test_on_batch(x, y)
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))


def test_validation_split_takes_the_last_samples():
    x, y = binary_data(100)
    model = small_model()
    history = model.fit(x, y, epochs=1, validation_split=0.2, verbose=0)
    expected = model.evaluate(x[80:], y[80:], verbose=0, return_dict=True)
    assert history.history["val_loss"][0] == pytest.approx(expected["loss"], rel=1e-5)


def test_plain_callables_as_loss_and_metric():
    def squared(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean(axis=-1)

    def within_tenth(y_true, y_pred):
        return (abs(y_true - y_pred) < 0.1).astype("float32").mean(axis=-1)

    neuropil.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    model = Sequential([Dense(1, input_dim=3)])
    model.compile(optimizer=neuropil.optimizers.Adam(0.05), loss=squared, metrics=[within_tenth, "mae"])
    history = model.fit(x, y, epochs=60, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert set(history.history) == {"loss", "within_tenth", "mae"}
    np.testing.assert_allclose(model.get_weights()[0][:, 0], [1.0, -2.0, 0.5], atol=0.1)


def test_loss_name_as_metric_matches_the_loss():
    x, y = binary_data(64)
    model = small_model(metrics=["binary_crossentropy"])
    loss, metric = model.evaluate(x, y, verbose=0)
    assert metric == pytest.approx(loss, rel=1e-4)


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "adadelta", "adam", "rmsprop", "adamw", "nadam"])
def test_every_optimizer_trains_the_model(optimizer):
    neuropil.utils.set_random_seed(0)
    x, y = binary_data(256)
    model = small_model(optimizer={"class_name": optimizer, "config": {"learning_rate": 0.05}}, metrics=None)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first


def test_learning_rate_is_settable():
    model = small_model()
    model.compiled.optimizer.learning_rate = 0.0
    x, y = binary_data(64)
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_frozen_layers_get_no_updates():
    x, y = binary_data(64)
    model = small_model()
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    trained = model.layers[1].get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, model.layers[0].get_weights()))
    assert not np.array_equal(trained[0], model.layers[1].get_weights()[0])


def test_sigmoid_output_trains_stably_when_saturated():
    """The fused logits path keeps gradients finite where probabilities round to 0 or 1."""
    model = Sequential([Dense(1, input_dim=1, activation="sigmoid", kernel_initializer="ones")])
    model.compile("sgd", "binary_crossentropy")
    x = np.array([[200.0], [-200.0]])
    y = np.array([[0.0], [1.0]])  # confidently wrong
    history = model.fit(x, y, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and history.history["loss"][0] > 100
    assert np.all(np.isfinite(model.get_weights()[0]))
