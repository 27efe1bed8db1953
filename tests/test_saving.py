"""Saving and loading round trips: what a user saves is what they get back, and training continues."""
from __future__ import annotations

import json

import neuropil
import numpy as np
import pytest
from neuropil.layers import Dense, Dropout
from neuropil.models import load_model
from neuropil.saving import SavedFileError


def make_model(seed: int = 0, optimizer: str = "adam", dropout: float = 0.0) -> neuropil.Sequential:
    neuropil.utils.set_random_seed(seed)
    layers = [Dense(8, activation="relu", input_shape=(4,), name="hidden"), Dense(3, activation="softmax", name="out")]
    if dropout:
        layers.insert(1, Dropout(dropout, name="drop"))
    model = neuropil.Sequential(layers)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n: int = 48, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)]
    return x, y


def test_save_load_predicts_identically_and_keeps_compile_settings(tmp_path):
    x, y = data()
    model = make_model()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "m.safetensors")
    loaded = load_model(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [layer.name for layer in loaded.layers] == ["hidden", "out"]
    assert type(loaded.compiled.optimizer).__name__ == type(model.compiled.optimizer).__name__
    assert loaded.compiled.optimizer.iterations == model.compiled.optimizer.iterations == 6
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_training_after_load_equals_never_having_stopped(tmp_path, optimizer):
    x, y = data()
    straight = make_model(optimizer=optimizer, dropout=0.25)
    straight.fit(x, y, epochs=4, batch_size=16, verbose=0, shuffle=False)

    first = make_model(optimizer=optimizer, dropout=0.25)
    first.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    first.save(tmp_path / "half.safetensors")
    resumed = load_model(tmp_path / "half.safetensors")  # optimizer slots and dropout stream come back
    resumed.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0, shuffle=False)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_loading_does_not_move_the_global_random_stream(tmp_path):
    model = make_model(dropout=0.5)
    model.save(tmp_path / "m.safetensors")
    before = neuropil.utils.global_rng().bit_generator.state
    load_model(tmp_path / "m.safetensors")
    assert neuropil.utils.global_rng().bit_generator.state == before


def test_file_is_plain_safetensors_with_json_config(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    from safetensors import safe_open

    model = make_model()
    model.fit(*data(), epochs=1, verbose=0)
    model.save(tmp_path / "m.safetensors")
    tensors = safetensors_numpy.load_file(str(tmp_path / "m.safetensors"))
    np.testing.assert_array_equal(tensors["weights/hidden/kernel"], model.get_layer("hidden").get_weights()[0])
    assert "optimizer/hidden/kernel/momentum" in tensors and tensors["optimizer/iterations"].shape == ()
    with safe_open(str(tmp_path / "m.safetensors"), "np") as f:
        config = json.loads(f.metadata()["config"])
    assert config["format"] == "neuropil.model" and config["format_version"] == 1
    layer = config["model"]["config"]["layers"][0]
    assert layer["class_name"] == "Dense" and layer["config"]["units"] == 8
    assert layer["provider"]["distribution"] == "neuropil-standard"
    assert config["compile"]["optimizer"]["class_name"] == "Adam"
    assert config["compile"]["loss"]["provider"]["distribution"] == "neuropil-standard"


def test_unbuilt_and_uncompiled_models_round_trip(tmp_path):
    model = neuropil.Sequential([Dense(2), Dense(1)])
    model.save(tmp_path / "m.safetensors")
    loaded = load_model(tmp_path / "m.safetensors")
    assert not loaded.built and loaded.compiled is None
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Dense"]


def test_function_loss_saves_without_compile_settings_and_warns(tmp_path):
    model = neuropil.Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", loss=lambda y_true, y_pred: ((y_true - y_pred) ** 2).mean(axis=-1))
    with pytest.warns(UserWarning, match="without its compile settings"):
        model.save(tmp_path / "m.safetensors")
    loaded = load_model(tmp_path / "m.safetensors")
    assert loaded.compiled is None
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_get_config_from_config_rebuilds_the_architecture():
    model = make_model(dropout=0.3)
    clone = neuropil.Sequential.from_config(model.get_config())
    assert [layer.get_config() for layer in clone.layers] == [layer.get_config() for layer in model.layers]
    assert clone.built and clone.count_params() == model.count_params()


# -- weights files ------------------------------------------------------------------------------
def test_save_weights_load_weights_round_trip_with_keras_names(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    source, target = make_model(seed=0), make_model(seed=5)
    source.save_weights(tmp_path / "w.safetensors")
    assert sorted(safetensors_numpy.load_file(str(tmp_path / "w.safetensors"))) == [
        "hidden/bias", "hidden/kernel", "out/bias", "out/kernel"]
    target.load_weights(tmp_path / "w.safetensors")
    for a, b in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_weights_reads_files_written_by_the_safetensors_library(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = make_model()
    new = {f"{layer.name}/{name}": np.full(value.shape, 0.5, dtype="float32")
           for layer in model.layers for name, value in layer.params.items()}
    safetensors_numpy.save_file(new, str(tmp_path / "w.safetensors"))
    model.load_weights(tmp_path / "w.safetensors")
    assert all(np.all(w == 0.5) for w in model.get_weights())


def test_load_weights_shape_mismatch_names_layer_and_changes_nothing(tmp_path):
    neuropil.utils.set_random_seed(0)
    wide = neuropil.Sequential([Dense(8, input_shape=(4,), name="hidden"), Dense(5, name="out")])
    wide.save_weights(tmp_path / "w.safetensors")
    model = make_model()
    before = model.get_weights()
    with pytest.raises(SavedFileError, match=r"layer 'out' weight 'kernel' has shape \(8, 3\).*shape \(8, 5\)"):
        model.load_weights(tmp_path / "w.safetensors")
    for a, b in zip(model.get_weights(), before):  # 'hidden' fitted, but nothing was assigned
        np.testing.assert_array_equal(a, b)


def test_load_weights_matches_by_position_when_names_differ_as_keras_does(tmp_path):
    source = make_model(seed=0)
    source.save_weights(tmp_path / "w.safetensors")
    neuropil.utils.set_random_seed(1)
    renamed = neuropil.Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(3)])  # dense_N names
    renamed.load_weights(tmp_path / "w.safetensors")
    for a, b in zip(renamed.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)
    deeper = neuropil.Sequential([Dense(8, input_shape=(4,), name="first"), Dense(3, name="out"), Dense(1)])
    with pytest.raises(SavedFileError, match="no weight 'first/kernel' for layer 'first'"):
        deeper.load_weights(tmp_path / "w.safetensors")


def test_load_weights_accepts_a_whole_model_file(tmp_path):
    source = make_model(seed=0)
    source.fit(*data(), epochs=1, verbose=0)
    source.save(tmp_path / "m.safetensors")
    target = make_model(seed=3)
    target.load_weights(tmp_path / "m.safetensors")
    for a, b in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_model_refuses_a_weights_file_with_advice(tmp_path):
    make_model().save_weights(tmp_path / "w.safetensors")
    with pytest.raises(SavedFileError, match="not a neuropil model file.*load_weights"):
        load_model(tmp_path / "w.safetensors")


def test_save_is_atomic_and_overwrite_false_protects(tmp_path):
    model = make_model()
    path = tmp_path / "m.safetensors"
    model.save(path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(path, overwrite=False)
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temporary file left behind


@pytest.mark.parametrize("jit_compile", [True, False])
def test_jit_compile_is_kept_with_the_compile_settings_as_keras_keeps_it(tmp_path, jit_compile):
    from neuropil import Input, Model

    model = make_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", jit_compile=jit_compile)
    model.save(tmp_path / "m.safetensors")
    assert load_model(tmp_path / "m.safetensors").jit_compile is jit_compile
    inputs = Input((4,))
    two = Model(inputs, [Dense(3, name="a")(inputs), Dense(2, name="b")(inputs)])
    two.compile(optimizer="sgd", loss=["mse", "mae"], jit_compile=jit_compile)
    two.save(tmp_path / "two.safetensors")
    assert load_model(tmp_path / "two.safetensors").jit_compile is jit_compile
    make_model().save(tmp_path / "auto.safetensors")
    assert load_model(tmp_path / "auto.safetensors").jit_compile == "auto"


@pytest.mark.parametrize("bad", [1, "yes", None, [True]])
def test_a_file_whose_jit_compile_is_not_a_boolean_or_auto_is_refused(tmp_path, bad):
    from hostile import edit_config

    model = make_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", jit_compile=True)
    model.save(tmp_path / "m.safetensors")

    def corrupt(config: dict) -> None:
        config["compile"]["jit_compile"] = bad

    edit_config(tmp_path / "m.safetensors", corrupt)
    with pytest.raises(SavedFileError, match="jit_compile' must be true, false or \"auto\""):
        load_model(tmp_path / "m.safetensors")
