"""A callback whose ``monitor`` is not logged says so where the user will see it: a warning (a
UserWarning, as in Keras) naming the monitor and the keys that are there, pointing at the line that
made the callback, once per fit and in every fit."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
from neuropil.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau
from neuropil.callbacks._monitor import MonitorWarning
from neuropil.layers import Dense
from neuropil.models import Sequential

X = np.random.default_rng(0).normal(size=(24, 2))
Y = X @ np.array([[1.0], [-1.0]])


def model() -> Sequential:
    m = Sequential([Dense(1, input_dim=2)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def fit_and_record(callback, epochs: int = 4, **kwargs) -> list[warnings.WarningMessage]:
    """The MonitorWarnings of one fit, under Python's *default* filter (what a user's script has)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        model().fit(X, Y, epochs=epochs, verbose=0, callbacks=[callback], **kwargs)
    return [w for w in caught if issubclass(w.category, MonitorWarning)]


def test_a_missing_monitor_warns_once_per_fit_naming_it_and_the_available_keys():
    made_at = inspect.currentframe().f_lineno + 1
    stopper = EarlyStopping(monitor="val_auc")
    first = fit_and_record(stopper)
    assert len(first) == 1  # not once per epoch
    message = str(first[0].message)
    assert "EarlyStopping" in message and "'val_auc'" in message and "available metrics are: loss" in message
    assert issubclass(first[0].category, UserWarning)
    assert first[0].filename == __file__ and first[0].lineno == made_at  # the user's line
    # a second fit in the same process warns again (Python's once-per-location filter would hide it)
    again = fit_and_record(stopper, validation_split=0.25)
    assert len(again) == 1 and "available metrics are: loss, val_loss" in str(again[0].message)


def test_a_close_name_is_suggested():
    caught = fit_and_record(EarlyStopping(monitor="val_los"), validation_split=0.25)
    assert "did you mean 'val_loss'?" in str(caught[0].message)


def test_every_monitoring_callback_warns(tmp_path):
    for callback, owner in ((ReduceLROnPlateau(monitor="val_acc"), "ReduceLROnPlateau"),
                            (ModelCheckpoint(str(tmp_path / "m.safetensors"), monitor="val_acc",
                                             save_best_only=True), "ModelCheckpoint")):
        caught = fit_and_record(callback, epochs=2)
        assert len(caught) == 1 and owner in str(caught[0].message) and "'val_acc'" in str(caught[0].message)
        assert len(fit_and_record(callback, epochs=2)) == 1  # the same callback in the next fit: again


def test_no_warning_when_the_monitor_is_there():
    assert fit_and_record(EarlyStopping(monitor="val_loss"), validation_split=0.25) == []
