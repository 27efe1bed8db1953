"""Callbacks, judged by what a user would see: when training stops, which files appear, what the
learning rate was, what the CSV holds."""
from __future__ import annotations

import csv
import sys

import neuropil
import numpy as np
import pytest
from neuropil.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from neuropil.errors import ArgumentError
from neuropil.layers import Dense
from neuropil.models import load_model


def make_model(lr: float = 0.01) -> neuropil.Sequential:
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([Dense(4, activation="tanh", input_shape=(3,)), Dense(1)])
    model.compile(optimizer=neuropil.optimizers.get("sgd", learning_rate=lr), loss="mse")
    return model


X = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
Y = X.sum(axis=1, keepdims=True)


class Script(Callback):
    """Plays a scripted ``val_loss`` (and ``val_accuracy``) and stamps every weight with the epoch
    number, so a test can tell which epoch's weights ended up where."""

    def __init__(self, values: list[float], key: str = "val_loss", stamp: bool = True) -> None:
        super().__init__()
        self.values, self.key, self.stamp = values, key, stamp

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]
        if self.stamp:
            self.model.set_weights([np.full(w.shape, epoch, "float32") for w in self.model.get_weights()])


def fit(model, callbacks, epochs):
    return model.fit(X, Y, epochs=epochs, batch_size=8, verbose=0, callbacks=callbacks)


def stamp(model) -> float:
    return float(model.get_weights()[0].flat[0])


# -- EarlyStopping ------------------------------------------------------------------------------
def test_early_stopping_stops_after_patience_and_restores_best_weights():
    model = make_model()
    stopper = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = fit(model, [Script([1.0, 0.5, 0.6, 0.7, 0.4, 0.3]), stopper], epochs=6)
    assert history.epoch == [0, 1, 2, 3]  # epochs 3 and 4 (0-based 2, 3) did not improve on 0.5
    assert stopper.stopped_epoch == 3 and stopper.best_epoch == 1 and stopper.best == 0.5
    assert stamp(model) == 1.0  # the weights of epoch index 1, not of the last epoch (3)


def test_early_stopping_without_restore_keeps_last_weights_and_min_delta_counts():
    model = make_model()
    stopper = EarlyStopping(patience=1, min_delta=0.1)
    history = fit(model, [Script([1.0, 0.95, 0.5, 0.45, 0.44]), stopper], epochs=5)
    assert history.epoch == [0, 1]  # 0.95 is not better than 1.0 by more than 0.1
    assert stamp(model) == 1.0


def test_early_stopping_mode_max_is_chosen_for_accuracy():
    """mode='auto' follows the compiled metric's declared direction (accuracy: up), as Keras does."""
    model = make_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    history = fit(model, [Script([0.5, 0.6, 0.7, 0.65, 0.9], key="val_accuracy"), stopper], epochs=5)
    assert stopper.watch.mode == "max" and history.epoch == [0, 1, 2, 3]


def test_auto_mode_for_a_quantity_without_a_direction_is_refused_naming_it():
    """Keras raises when it cannot tell whether a monitored value should grow or shrink; an explicit
    mode works for any logged value."""
    with pytest.raises(ArgumentError, match=r"monitor='val_score'.*pass mode='max' or mode='min'"):
        fit(make_model(), [Script([0.5, 0.6], key="val_score"), EarlyStopping(monitor="val_score")], epochs=2)
    stopper = EarlyStopping(monitor="val_score", mode="max", patience=1)
    history = fit(make_model(), [Script([0.5, 0.6, 0.55, 0.5], key="val_score"), stopper], epochs=4)
    assert history.epoch == [0, 1, 2]


def test_early_stopping_baseline_and_start_from_epoch():
    flat = [1.0, 1.0, 1.0, 1.0, 1.0]
    assert fit(make_model(), [Script(flat), EarlyStopping(patience=2)], 5).epoch == [0, 1, 2]
    assert fit(make_model(), [Script(flat), EarlyStopping(patience=2, baseline=0.5)], 5).epoch == [0, 1]
    bumpy = [1.0, 5.0, 5.0, 5.0, 4.0, 4.0]
    assert fit(make_model(), [Script(bumpy), EarlyStopping(patience=1)], 6).epoch == [0, 1]
    assert fit(make_model(), [Script(bumpy), EarlyStopping(patience=1, start_from_epoch=2)], 6).epoch == [0, 1, 2, 3]


def test_early_stopping_on_real_training_and_missing_monitor_warns():
    model = make_model(lr=0.05)
    history = model.fit(X, Y, epochs=50, batch_size=8, verbose=0, validation_split=0.25,
                        callbacks=[EarlyStopping(patience=0, min_delta=10.0)])
    assert len(history.epoch) == 2  # nothing improves by 10: stops at the second epoch
    with pytest.warns(RuntimeWarning, match="'val_auc'.*available metrics are: loss"):
        fit(make_model(), [EarlyStopping(monitor="val_auc")], 1)
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', received 'up'"):
        EarlyStopping(mode="up")


# -- ModelCheckpoint ----------------------------------------------------------------------------
def test_checkpoint_files_appear_only_when_improved(tmp_path):
    model = make_model()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.safetensors")
    fit(model, [Script([1.0, 0.5, 0.7, 0.3]), ModelCheckpoint(pattern, save_best_only=True)], epochs=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ckpt-01-1.00.safetensors", "ckpt-02-0.50.safetensors", "ckpt-04-0.30.safetensors"]
    assert stamp(load_model(tmp_path / "ckpt-02-0.50.safetensors")) == 1.0  # epoch index 1's weights


def test_checkpoint_best_weights_only_and_every_epoch(tmp_path):
    model = make_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])  # accuracy declares direction "up"
    best = tmp_path / "best.safetensors"
    fit(model, [Script([0.2, 0.5, 0.1, 0.3], key="val_accuracy"),
                ModelCheckpoint(best, monitor="val_accuracy", save_best_only=True, save_weights_only=True)], 4)
    fresh = make_model()
    fresh.load_weights(best)
    assert stamp(fresh) == 1.0  # highest accuracy (mode auto -> max) was at epoch index 1
    fit(make_model(), [ModelCheckpoint(str(tmp_path / "all-{epoch}.safetensors"), monitor="loss")], 3)
    assert {p.name for p in tmp_path.glob("all-*")} == {"all-1.safetensors", "all-2.safetensors", "all-3.safetensors"}
    with pytest.raises(KeyError, match="'val_f1', which is not in the epoch logs"):
        fit(make_model(), [ModelCheckpoint(str(tmp_path / "{val_f1}.safetensors"))], 1)


# -- TerminateOnNaN -----------------------------------------------------------------------------
class Poison(Callback):
    """Puts NaN into the weights after one batch, as a diverging run would; counts batches run."""

    def __init__(self, at_batch: int) -> None:
        super().__init__()
        self.at_batch, self.batches = at_batch, 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if self.batches == self.at_batch:
            self.model.set_weights([np.full(w.shape, np.nan, "float32") for w in self.model.get_weights()])


def test_terminate_on_nan_stops_at_the_first_nan_batch(capsys):
    model = make_model()
    poison = Poison(at_batch=3)
    history = model.fit(X, Y, epochs=10, batch_size=4, verbose=0, callbacks=[poison, TerminateOnNaN()])
    assert poison.batches == 4  # the batch after poisoning reported NaN and was the last
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    untouched = make_model()
    assert len(untouched.fit(X, Y, epochs=3, batch_size=4, verbose=0, callbacks=[TerminateOnNaN()]).epoch) == 3


# -- learning rates -----------------------------------------------------------------------------
class LRProbe(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[float] = []

    def on_train_batch_begin(self, batch, logs=None):
        if batch == 0:
            self.seen.append(self.model.compiled.optimizer.learning_rate)


def test_learning_rate_scheduler_sets_rate_each_epoch_and_logs_it():
    model = make_model(lr=0.1)
    probe = LRProbe()
    history = fit(model, [LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr), probe], 4)
    assert probe.seen == pytest.approx([0.1, 0.05, 0.025, 0.0125])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025, 0.0125])
    fit(model, [LearningRateScheduler(lambda epoch: 0.3), probe], 1)  # one-argument schedules work too
    assert probe.seen[-1] == pytest.approx(0.3)
    with pytest.raises(ValueError, match="learning rate nan for epoch 0"):
        fit(model, [LearningRateScheduler(lambda epoch, lr: float("nan"))], 1)


def test_learning_rate_actually_drives_the_updates():
    frozen = make_model(lr=0.1)
    before = frozen.get_weights()
    fit(frozen, [LearningRateScheduler(lambda epoch, lr: 0.0)], 2)
    for a, b in zip(frozen.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_reduce_lr_on_plateau_with_patience_cooldown_and_floor():
    model = make_model(lr=0.1)
    probe = LRProbe()
    reduce = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    fit(model, [Script([1.0] * 9, stamp=False), reduce, probe], 9)
    assert probe.seen == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02])
    improving = make_model(lr=0.1)
    probe = LRProbe()
    fit(improving, [Script([1.0, 0.9, 0.8, 0.7], stamp=False), ReduceLROnPlateau(patience=1), probe], 4)
    assert probe.seen == pytest.approx([0.1] * 4)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=2.0)


# -- CSVLogger ----------------------------------------------------------------------------------
def test_csv_logger_writes_header_and_one_row_per_epoch_and_appends(tmp_path):
    path = tmp_path / "log.csv"
    model = make_model()
    history = model.fit(X, Y, epochs=3, batch_size=8, verbose=0, validation_data=(X, Y),
                        callbacks=[CSVLogger(path, separator=";")])
    rows = list(csv.reader(path.open(), delimiter=";"))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    assert [float(r[1]) for r in rows[1:]] == history.history["loss"]
    assert [float(r[2]) for r in rows[1:]] == history.history["val_loss"]
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, validation_data=(X, Y),
              callbacks=[CSVLogger(path, separator=";", append=True)])
    rows = list(csv.reader(path.open(), delimiter=";"))
    assert len(rows) == 1 + 3 + 2 and rows.count(["epoch", "loss", "val_loss"]) == 1
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0, callbacks=[CSVLogger(path)])
    assert path.read_text().splitlines()[0] == "epoch,loss"  # append=False starts over


# -- History.plot -------------------------------------------------------------------------------
def test_history_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    model = make_model()
    history = model.fit(X, Y, epochs=3, batch_size=8, verbose=0, validation_split=0.25)
    target = history.plot(tmp_path / "curves.png")
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 1000
    with pytest.raises(ValueError, match="no 'accuracy'"):
        history.plot(tmp_path / "x.png", keys=["accuracy"])


def test_history_plot_without_matplotlib_names_the_extra(tmp_path, monkeypatch):
    history = make_model().fit(X, Y, epochs=1, verbose=0)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(ImportError, match=r"neuropil\[plot\]"):
        history.plot(tmp_path / "curves.png")


def test_lambda_callback_runs_plain_functions_at_their_hooks() -> None:
    from neuropil.callbacks import LambdaCallback

    seen: list[tuple] = []
    callback = LambdaCallback(on_train_begin=lambda logs: seen.append(("train_begin",)),
                              on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch, round(logs["loss"], 9))),
                              on_batch_end=lambda batch, logs: seen.append(("batch", batch)),  # Keras 2's name
                              on_test_end=lambda logs: seen.append(("test",)))
    history = make_model().fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[callback],
                               validation_data=(X, Y))
    losses = [round(v, 9) for v in history.history["loss"]]
    assert seen == [("train_begin",), ("batch", 0), ("batch", 1), ("test",), ("epoch", 0, losses[0]),
                    ("batch", 0), ("batch", 1), ("test",), ("epoch", 1, losses[1])]
    with pytest.raises(ValueError, match="on_epoch_finish=.*not a callback hook"):
        LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="on_epoch_end to be a function"):
        LambdaCallback(on_epoch_end="print")
