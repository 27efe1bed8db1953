"""BackupAndRestore: an interrupted fit, resumed, ends bit-for-bit where an uninterrupted one does."""
from __future__ import annotations

import neuropil
import numpy as np
import pytest
from neuropil.callbacks import BackupAndRestore, Callback
from neuropil.layers import Dense, Dropout

X = np.random.default_rng(3).normal(size=(40, 5)).astype("float32")
Y = (X[:, :2] @ np.array([[1.0], [-2.0]], "float32")).astype("float32")


def make_model() -> neuropil.Sequential:
    """Auto-named layers on purpose: a rebuilt model gets new names (dense_7...) and must still resume."""
    neuropil.utils.set_random_seed(42)
    model = neuropil.Sequential([Dense(6, activation="relu", input_shape=(5,)), Dropout(0.3), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


class Crash(Callback):
    """Raises in the middle of an epoch, as a killed job or a failing data source would."""

    def __init__(self, epoch: int, batch: int) -> None:
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.batch):
            raise RuntimeError("simulated interruption")


def fit(model, callbacks, epochs=5):
    return model.fit(X, Y, epochs=epochs, batch_size=8, shuffle=True, verbose=0, callbacks=callbacks)


@pytest.mark.parametrize("same_object", [True, False], ids=["same-model", "rebuilt-model"])
def test_resumed_fit_equals_uninterrupted_fit_exactly(tmp_path, same_object):
    reference = make_model()
    fit(reference, [])

    model = make_model()
    with pytest.raises(RuntimeError, match="simulated interruption"):
        fit(model, [BackupAndRestore(tmp_path), Crash(epoch=2, batch=1)])
    assert (tmp_path / "backup.safetensors").exists()
    neuropil.utils.set_random_seed(7)  # whatever happened since, the backup's streams win
    if not same_object:
        model = make_model()
    history = fit(model, [BackupAndRestore(tmp_path)])
    assert history.epoch == [2, 3, 4], "training resumes after the last finished epoch"
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert model.compiled.optimizer.iterations == reference.compiled.optimizer.iterations
    assert not (tmp_path / "backup.safetensors").exists(), "a finished fit deletes its backup"


def test_backup_of_a_different_model_is_refused_and_changes_nothing(tmp_path):
    model = make_model()
    with pytest.raises(RuntimeError):
        fit(model, [BackupAndRestore(tmp_path), Crash(epoch=1, batch=0)])
    neuropil.utils.set_random_seed(0)
    other = neuropil.Sequential([Dense(3, input_shape=(5,)), Dense(1)])
    other.compile("adam", "mse")
    before = other.get_weights()
    with pytest.raises(ValueError, match="the saved state has 3 layers .* the model has 2"):
        fit(other, [BackupAndRestore(tmp_path)])
    for a, b in zip(other.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_backup_kept_when_asked(tmp_path):
    fit(make_model(), [BackupAndRestore(tmp_path, delete_checkpoint=False)], epochs=2)
    assert (tmp_path / "backup.safetensors").exists()
    history = fit(make_model(), [BackupAndRestore(tmp_path, delete_checkpoint=False)], epochs=2)
    assert history.epoch == [], "both epochs were already done"
