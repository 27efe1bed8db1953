"""Transfer learning and feature extraction: frozen layers stay put, loaded layers keep their weights."""
from __future__ import annotations

import neuropil
import numpy as np
import pytest
from neuropil.layers import Dense, Dropout
from neuropil.models import load_model

X = np.random.default_rng(5).normal(size=(32, 4)).astype("float32")
Y = np.eye(2, dtype="float32")[(X[:, 0] * X[:, 1] > 0).astype(int)]


def base_model() -> neuropil.Sequential:
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([
        Dense(8, activation="relu", input_shape=(4,), name="dense_1"),
        Dropout(0.5, name="drop"),
        Dense(6, activation="tanh", name="dense_2"),
        Dense(2, activation="softmax", name="head"),
    ])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    return model


def summary_lines(model) -> list[str]:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    return lines


def test_frozen_layers_get_no_updates_and_summary_counts_them():
    model = base_model()
    model.get_layer("dense_1").trainable = False
    frozen_before = model.get_layer("dense_1").get_weights()
    head_before = model.get_layer("head").get_weights()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    for a, b in zip(model.get_layer("dense_1").get_weights(), frozen_before):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(model.get_layer("head").get_weights()[0], head_before[0])
    lines = summary_lines(model)
    assert "Total params: 108" in lines  # (4*8+8) + (8*6+6) + (6*2+2)
    assert "Trainable params: 68" in lines and "Non-trainable params: 40" in lines


def test_trainable_flag_survives_save_and_load(tmp_path):
    model = base_model()
    model.get_layer("dense_1").trainable = False
    model.save(tmp_path / "m.safetensors")
    loaded = load_model(tmp_path / "m.safetensors")
    assert loaded.get_layer("dense_1").trainable is False
    assert summary_lines(loaded) == summary_lines(model)


def test_new_model_from_loaded_layers_keeps_weights_and_fine_tunes(tmp_path):
    base_model().save(tmp_path / "base.safetensors")
    loaded = load_model(tmp_path / "base.safetensors")
    features = loaded.extract_features(X, layer="dense_2")
    for layer in loaded.layers[:3]:
        layer.trainable = False
    neuropil.utils.set_random_seed(1)
    new = neuropil.Sequential(loaded.layers[:3] + [Dense(3, activation="softmax", name="new_head")])
    kept = [layer.get_weights() for layer in new.layers[:3]]
    np.testing.assert_array_equal(new.extract_features(X, layer="dense_2"), features)
    new.compile("adam", "sparse_categorical_crossentropy")
    new.fit(X, Y.argmax(axis=1), epochs=2, batch_size=8, verbose=0)
    for layer, weights in zip(new.layers[:3], kept):  # frozen: untouched by fine-tuning
        for a, b in zip(layer.get_weights(), weights):
            np.testing.assert_array_equal(a, b)
    assert new.predict(X, verbose=0).shape == (32, 3)
    for layer in new.layers[:3]:  # unfreeze and fine-tune everything, at a small rate
        layer.trainable = True
    new.compile(neuropil.optimizers.get("adam", learning_rate=1e-4), "sparse_categorical_crossentropy")
    new.fit(X, Y.argmax(axis=1), epochs=1, batch_size=8, verbose=0)
    assert not np.array_equal(new.get_layer("dense_1").get_weights()[0], kept[0][0])


def test_extract_features_by_name_and_index_in_inference_mode():
    model = base_model()
    by_name = model.extract_features(X, layer="dense_2")
    by_index = model.extract_features(X, layer=2)
    np.testing.assert_array_equal(by_name, by_index)
    assert by_name.shape == (32, 6) and isinstance(by_name, np.ndarray)
    dense_1, dense_2 = model.get_layer("dense_1"), model.get_layer("dense_2")
    kernel1, bias1 = dense_1.get_weights()
    kernel2, bias2 = dense_2.get_weights()
    manual = np.tanh(np.maximum(X @ kernel1 + bias1, 0) @ kernel2 + bias2)  # dropout is off
    np.testing.assert_allclose(by_name, manual, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.extract_features(X, layer=-1), model.predict(X, verbose=0))
    np.testing.assert_array_equal(model.extract_features(X, layer="drop", batch_size=5),
                                  model.extract_features(X, layer="dense_1"))


def test_extract_features_bad_layer_or_input_is_a_clear_error():
    model = base_model()
    with pytest.raises(ValueError, match="no layer named 'dense_9'; layers: dense_1, drop, dense_2, head"):
        model.extract_features(X, layer="dense_9")
    with pytest.raises(ValueError, match=r"index 4 is out of range: the model has 4 layers \(valid: -4..3\)"):
        model.extract_features(X, layer=4)
    with pytest.raises(TypeError, match="layer name or an index, received float"):
        model.extract_features(X, layer=1.0)
    with pytest.raises(ValueError, match=r"per-sample shape \(4,\), received \(3,\)"):
        model.extract_features(X[:, :3], layer="dense_2")
