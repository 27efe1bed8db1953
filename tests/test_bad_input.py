"""Bad input gets a clear error naming what was wrong, expected and received; nothing is half-changed."""
from __future__ import annotations

import numpy as np
import pytest
from neuropil.errors import InputValidationError, NeuropilError, NotCompiledError, UnknownComponentError
from neuropil.layers import Dense, Dropout
from neuropil.models import Sequential


def compiled_model(loss="binary_crossentropy", units=1, activation="sigmoid"):
    model = Sequential([Dense(8, input_dim=4, activation="relu"), Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def snapshot(model):
    weights = [w.copy() for w in model.get_weights()]
    optimizer = model.compiled.optimizer
    state = {k: np.array(v, copy=True) for k, v in optimizer.get_state().items()}
    return weights, state


def assert_unchanged(model, before):
    weights, state = before
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    after = model.compiled.optimizer.get_state()
    assert set(after) == set(state) and all(np.array_equal(state[k], after[k]) for k in state)


@pytest.fixture
def trained():
    """A model that has trained a little, so optimizer state exists and must survive failed calls."""
    model = compiled_model()
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(64, 4)), rng.integers(0, 2, (64, 1)), epochs=1, verbose=0)
    return model


def test_x_y_length_mismatch(trained):
    before = snapshot(trained)
    with pytest.raises(InputValidationError, match="same number of samples, received 10 and 9"):
        trained.fit(np.zeros((10, 4)), np.zeros((9, 1)), verbose=0)
    assert_unchanged(trained, before)


def test_wrong_feature_width_names_layer_expected_and_received(trained):
    before = snapshot(trained)
    with pytest.raises(InputValidationError, match=r"layer 'dense\w*' expects .*\(4,\), received \(5,\)"):
        trained.fit(np.zeros((10, 5)), np.zeros((10, 1)), verbose=0)
    with pytest.raises(InputValidationError, match=r"\(4,\), received \(3,\)"):
        trained.predict(np.zeros((2, 3)), verbose=0)
    assert_unchanged(trained, before)


def test_loss_incompatible_with_target_shape(trained):
    before = snapshot(trained)
    with pytest.raises(ValueError, match=r"binary_crossentropy.*\(1,\).*received \(3,\)"):
        trained.fit(np.zeros((10, 4)), np.zeros((10, 3)), verbose=0)
    model = compiled_model("categorical_crossentropy", units=3, activation="softmax")
    with pytest.raises(ValueError, match=r"3"):
        model.fit(np.zeros((10, 4)), np.zeros((10, 5)), verbose=0)
    assert_unchanged(trained, before)


def test_labels_outside_the_class_range():
    model = compiled_model("sparse_categorical_crossentropy", units=3, activation="softmax")
    model.fit(np.zeros((4, 4)), np.array([0, 1, 2, 1]), verbose=0)
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"class labels in \[0, 3\).*received label 7"):
        model.fit(np.zeros((4, 4)), np.array([0, 1, 7, 1]), verbose=0)
    with pytest.raises(ValueError, match=r"-1"):
        model.evaluate(np.zeros((4, 4)), np.array([0, -1, 2, 1]), verbose=0)
    assert_unchanged(model, before)


def test_nan_and_inf_inputs_are_refused(trained):
    before = snapshot(trained)
    x = np.zeros((10, 4))
    x[3, 2] = np.nan
    with pytest.raises(InputValidationError, match=r"x contains NaN or Inf \(first at index \(3, 2\)"):
        trained.fit(x, np.zeros((10, 1)), verbose=0)
    y = np.zeros((10, 1))
    y[5, 0] = np.inf
    with pytest.raises(InputValidationError, match=r"y contains NaN or Inf"):
        trained.fit(np.zeros((10, 4)), y, verbose=0)
    with pytest.raises(InputValidationError, match=r"x_val contains NaN"):
        trained.fit(np.zeros((10, 4)), np.zeros((10, 1)), validation_data=(x, np.zeros((10, 1))), verbose=0)
    assert_unchanged(trained, before)


def test_non_numeric_inputs_are_refused(trained):
    with pytest.raises(InputValidationError, match="real numbers.*received dtype <U1"):
        trained.predict(np.array([["a", "b", "c", "d"]]), verbose=0)


def test_fit_before_compile():
    model = Sequential([Dense(1, input_dim=2)])
    for call in (lambda: model.fit(np.zeros((2, 2)), np.zeros((2, 1))),
                 lambda: model.evaluate(np.zeros((2, 2)), np.zeros((2, 1))),
                 lambda: model.train_on_batch(np.zeros((2, 2)), np.zeros((2, 1)))):
        with pytest.raises(NotCompiledError, match=r"compiled before .*model.compile\(optimizer=..., loss=...\)"):
            call()


def test_unknown_component_names_suggest(trained):
    model = Sequential([Dense(1, input_dim=2)])
    with pytest.raises(UnknownComponentError, match="Did you mean.*'Adam'"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(UnknownComponentError, match="Did you mean.*mean_squared_error|Did you mean.*'mse'"):
        model.compile(optimizer="adam", loss="mean_squared_eror")
    with pytest.raises(UnknownComponentError, match="Did you mean.*'accuracy'"):
        model.compile(optimizer="adam", loss="mse", metrics=["acuracy"])
    with pytest.raises(UnknownComponentError, match="Did you mean.*'relu'"):
        Dense(3, activation="rellu")
    assert model.compiled is None  # a failed compile leaves the model uncompiled
    before = snapshot(trained)
    compiled = trained.compiled
    with pytest.raises(UnknownComponentError):
        trained.compile(optimizer="sgd", loss="mse", metrics=["nosuchmetric"])
    assert trained.compiled is compiled  # still Adam + binary cross-entropy, state intact
    assert_unchanged(trained, before)


def test_non_positive_units_and_batch_size():
    with pytest.raises(ValueError, match=r"units.*positive integer.*received units=0"):
        Dense(0)
    with pytest.raises(ValueError, match=r"units=-3"):
        Dense(-3)
    model = compiled_model()
    for bad in (0, -1, 2.5):
        with pytest.raises(NeuropilError,
                           match=rf"fit expects batch_size to be a positive integer, received batch_size={bad}"):
            model.fit(np.zeros((4, 4)), np.zeros((4, 1)), batch_size=bad, verbose=0)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_rate_outside_unit_interval(rate):
    with pytest.raises(ValueError, match=rf"rate.*\[0, 1\).*{rate}"):
        Dropout(rate)


def test_failed_build_leaves_an_unbuilt_model():
    model = Sequential([Dense(3), Dense(2)])
    model.compile("adam", "mse")
    with pytest.raises(InputValidationError):
        model.fit(np.zeros((3, 2)), np.zeros((3, 5)), verbose=0)  # targets don't fit the 2 outputs
    # the model was built for x (that much is fine) but nothing trained; a correct call then works
    model.fit(np.zeros((3, 2)), np.zeros((3, 2)), verbose=0)


def test_add_refuses_non_layers_and_duplicate_names():
    model = Sequential()
    with pytest.raises(TypeError, match="Layer instance, received str"):
        model.add("dense")
    model.add(Dense(2, input_dim=3, name="a"))
    with pytest.raises(ValueError, match="already has a layer named 'a'"):
        model.add(Dense(2, name="a"))
    assert len(model.layers) == 1


def test_set_weights_checks_everything_before_changing_anything():
    model = Sequential([Dense(3, input_dim=2), Dense(1)])
    before = model.get_weights()
    bad = [np.ones((2, 3)), np.ones(3), np.ones((4, 1)), np.ones(1)]
    with pytest.raises(ValueError, match=r"weight 'kernel' has shape \(3, 1\), received \(4, 1\)"):
        model.set_weights(bad)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
