"""The rest of Keras's model surface: weight lists, model(x), optimizer/loss/metrics_names, JSON
architecture, clone_model, to_categorical, validation_freq and validation_batch_size."""
from __future__ import annotations

import csv
import json

import neuropil.optimizers
import neuropil.utils
import numpy as np
import pytest
from neuropil.callbacks import Callback, CSVLogger
from neuropil.errors import ArgumentError, InputValidationError
from neuropil.layers import Dense, Dropout
from neuropil.models import Sequential, clone_model, model_from_json
from neuropil.saving.errors import SavedFileError


def data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    return x, (x[:, :1] > 0).astype(int)


def compiled_model(**compile_arguments) -> Sequential:
    neuropil.utils.set_random_seed(3)
    model = Sequential([Dense(6, input_dim=5, activation="relu", name="hidden"), Dropout(0.5),
                        Dense(1, activation="sigmoid", name="out")], name="probe")
    model.compile(**{"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"],
                     **compile_arguments})
    return model


def test_weight_lists_are_live_and_follow_freezing() -> None:
    model = compiled_model()
    assert [w.shape for w in model.weights] == [(5, 6), (6,), (6, 1), (1,)]
    assert len(model.trainable_weights) == 4 and model.non_trainable_weights == []
    model.get_layer("hidden").trainable = False
    assert [w.shape for w in model.trainable_weights] == [(6, 1), (1,)]
    assert [w.shape for w in model.non_trainable_weights] == [(5, 6), (6,)]
    model.weights[3][...] = 7.0  # the arrays themselves, as Keras's variables: writing changes the model
    assert model.get_weights()[3] == pytest.approx([7.0])


def test_calling_the_model_runs_it_on_one_batch() -> None:
    model = compiled_model()
    x, _ = data(8)
    np.testing.assert_allclose(model(x), model.predict(x, verbose=0), rtol=1e-6)
    with_dropout = [model(x, training=True) for _ in range(2)]
    assert not np.allclose(with_dropout[0], with_dropout[1]), "training=True must apply dropout"
    with pytest.raises(InputValidationError, match="expects inputs of per-sample shape"):
        model(np.zeros((2, 4)))


def test_optimizer_loss_and_metric_names_are_exposed() -> None:
    assert Sequential([Dense(1, input_dim=2)]).optimizer is None
    model = compiled_model(weighted_metrics=["accuracy"])
    assert type(model.optimizer).__name__ == "Adam" and type(model.loss).__name__ == "BinaryCrossentropy"
    assert model.metrics_names == ["loss", "accuracy", "weighted_accuracy"]
    x, y = data()
    assert list(model.evaluate(x, y, verbose=0, return_dict=True)) == model.metrics_names
    model.optimizer.learning_rate = 0.0  # a rate of zero: training leaves the weights as they are
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_json_architecture_round_trip_gives_fresh_weights() -> None:
    model = compiled_model()
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    rebuilt = model_from_json(text)
    assert rebuilt.get_config() == model.get_config()
    assert [w.shape for w in rebuilt.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.allclose(rebuilt.get_weights()[0], model.get_weights()[0])
    assert rebuilt.compiled is None


def test_model_from_json_refuses_other_documents_and_imports_nothing(tmp_path) -> None:
    sentinel = tmp_path / "sentinel"
    hostile = {"class_name": "Sequential", "config": {"name": "x", "layers": [
        {"class_name": "os.system", "config": {"command": f"touch {sentinel}"}}]}}
    with pytest.raises(Exception, match="os.system"):
        model_from_json(json.dumps(hostile))
    assert not sentinel.exists()
    with pytest.raises(SavedFileError, match="could not be parsed"):
        model_from_json("{not json")
    with pytest.raises(SavedFileError, match="class_name"):
        model_from_json(json.dumps({"class_name": "os.system", "config": {}}))
    with pytest.raises(SavedFileError, match="'layers'"):  # a functional model names its layers
        model_from_json(json.dumps({"class_name": "Functional", "config": {}}))


def test_clone_model_shares_nothing() -> None:
    model = compiled_model()
    clone = clone_model(model)
    assert clone.get_config() == model.get_config() and clone.compiled is None
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    clone.weights[0][...] = 0.0
    assert np.abs(model.get_weights()[0]).sum() > 0
    with pytest.raises(TypeError, match="Sequential"):
        clone_model(Dense(2))


def test_to_categorical_matches_keras() -> None:
    one_hot = neuropil.utils.to_categorical([0, 2, 1, 2])
    np.testing.assert_array_equal(one_hot, np.eye(3)[[0, 2, 1, 2]])
    assert one_hot.dtype == np.float32
    assert neuropil.utils.to_categorical(np.array([[1], [0]]), num_classes=4).shape == (2, 4)
    assert neuropil.utils.to_categorical(np.array([[1, 0], [0, 1]])).shape == (2, 2, 2)
    for bad, match in (([0, -1], ">= 0"), ([0.5], "integer class ids"), (["a"], "integer class ids")):
        with pytest.raises(ValueError, match=match):
            neuropil.utils.to_categorical(bad)
    with pytest.raises(ValueError, match="at least 3 classes"):
        neuropil.utils.to_categorical([0, 2], num_classes=2)


class CountValidationBatches(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def on_test_begin(self, logs=None) -> None:
        self.batches.append(0)

    def on_test_batch_end(self, batch, logs=None) -> None:
        self.batches[-1] += 1


def test_validation_runs_every_validation_freq_epochs_in_its_own_batch_size(tmp_path) -> None:
    model = compiled_model()
    x, y = data(64)
    counter = CountValidationBatches()
    log = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=4, batch_size=8, validation_data=data(20, seed=1), validation_freq=2,
                        validation_batch_size=5, callbacks=[counter, CSVLogger(str(log))], verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    assert counter.batches == [4, 4]  # epochs 2 and 4, 20 samples in batches of 5
    rows = list(csv.DictReader(log.open()))
    assert [row["val_loss"] == "NA" for row in rows] == [True, False, True, False]
    for bad in ({"validation_freq": 0}, {"validation_freq": 1.5}, {"validation_batch_size": 0}, {"epochs": -1},
                {"epochs": True}):
        with pytest.raises(ArgumentError, match=next(iter(bad))):
            model.fit(x, y, validation_split=0.2, verbose=0, **bad)
