"""ModelCheckpoint and BackupAndRestore on a functional model with two inputs, two outputs, a shared
layer and a dropout stream: a resumed fit equals an uninterrupted one exactly, and the best
checkpoint loads back as a model predicting as the trained one did at that epoch."""
from __future__ import annotations

from pathlib import Path

import neuropil
import numpy as np
import pytest
from neuropil.callbacks import BackupAndRestore, Callback, ModelCheckpoint
from neuropil.layers import Add, Dense, Dropout
from neuropil.models import load_model

RNG = np.random.default_rng(21)
XA, XB = RNG.normal(size=(48, 4)).astype("float32"), RNG.normal(size=(48, 4)).astype("float32")
Y = {"sum": (XA[:, :1] + XB[:, 1:2]).astype("float32"), "flag": (XA[:, :1] > 0).astype("float32")}


def make_model() -> neuropil.Model:
    neuropil.utils.set_random_seed(9)
    a, b = neuropil.Input(shape=(4,), name="a"), neuropil.Input(shape=(4,), name="b")
    shared = Dense(6, activation="relu", name="shared")
    h = Dropout(0.25, name="drop")(Add(name="join")([shared(a), shared(b)]))
    model = neuropil.Model([a, b], {"sum": Dense(1, name="sum")(h), "flag": Dense(1, activation="sigmoid",
                                                                                  name="flag")(h)})
    model.compile("adam", loss={"sum": "mse", "flag": "binary_crossentropy"}, loss_weights={"flag": 0.5},
                  metrics={"flag": ["accuracy"]})
    return model


class Crash(Callback):
    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch, self.current = epoch, -1

    def on_epoch_begin(self, epoch: int, logs: object = None) -> None:
        self.current = epoch

    def on_train_batch_end(self, batch: int, logs: object = None) -> None:
        if self.current == self.epoch and batch == 2:
            raise RuntimeError("simulated interruption")


def fit(model: neuropil.Model, callbacks: list[Callback]) -> object:
    return model.fit({"a": XA, "b": XB}, Y, epochs=4, batch_size=8, verbose=0, callbacks=callbacks)


def test_backup_and_restore_resumes_a_functional_model_exactly(tmp_path: Path) -> None:
    reference = make_model()
    fit(reference, [])
    model = make_model()
    with pytest.raises(RuntimeError, match="simulated interruption"):
        fit(model, [BackupAndRestore(tmp_path), Crash(epoch=2)])
    model = make_model()
    history = fit(model, [BackupAndRestore(tmp_path)])
    assert history.epoch == [2, 3]
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_model_checkpoint_writes_a_functional_model_that_loads_back(tmp_path: Path) -> None:
    model = make_model()
    path = tmp_path / "last.safetensors"
    fit(model, [ModelCheckpoint(str(path), monitor="loss")])  # written at every epoch end: the last one stays
    loaded = load_model(path)
    assert loaded.output_names == ["sum", "flag"]
    expected, got = model.predict([XA, XB], verbose=0), loaded.predict([XA, XB], verbose=0)
    assert isinstance(got, dict) and set(got) == {"sum", "flag"}
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name])
