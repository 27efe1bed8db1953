"""Functional models, re-expressing the Keras Functional API guide's examples with neuropil's layers:
several inputs and outputs with loss dicts and loss weights, a shared layer, a residual connection,
a model used as a layer, feature extraction from intermediate layers; and the errors a graph can make.

Reference values are written out in float64 here (the formulas), never taken from the code under test.
"""
from __future__ import annotations

from pathlib import Path

import neuropil
import numpy as np
import pytest
from neuropil.errors import InputValidationError, LayerError, ModelError
from neuropil.layers import Add, Concatenate, Dense, Dropout
from neuropil.models import clone_model, load_model, model_from_json


def _data(seed: int, n: int, width: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, width)).astype("float32")


def _ticket_model() -> neuropil.Model:
    """The guide's ticket classifier: title, body and tags in; priority and department out."""
    title = neuropil.Input(shape=(6,), name="title")
    body = neuropil.Input(shape=(8,), name="body")
    tags = neuropil.Input(shape=(4,), name="tags")
    t = Dense(5, activation="relu", name="title_features")(title)
    b = Dense(5, activation="relu", name="body_features")(body)
    g = Dense(5, activation="relu", name="tag_features")(tags)
    merged = Concatenate(name="merged")([t, b, g])
    priority = Dense(1, activation="sigmoid", name="priority")(merged)
    department = Dense(3, activation="softmax", name="department")(merged)
    return neuropil.Model(inputs=[title, body, tags], outputs=[priority, department], name="tickets")


def _ticket_data(n: int = 96) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    x = {"title": _data(1, n, 6), "body": _data(2, n, 8), "tags": _data(3, n, 4)}
    rng = np.random.default_rng(4)
    y = {"priority": (x["title"][:, 0] > 0).astype("float32")[:, None],
         "department": np.eye(3, dtype="float32")[rng.integers(0, 3, n)]}
    return x, y


def _round_trips(model: neuropil.Model, x: object, y: object, path: Path) -> neuropil.Model:
    """Save and load ``model`` (and rebuild it from JSON and by cloning): the loaded model predicts
    and evaluates exactly as the original, and the rebuilt ones have the same architecture."""
    expected = model.predict(x, verbose=0)
    model.save(path / "model.safetensors")
    loaded = load_model(path / "model.safetensors")
    assert type(loaded) is type(model)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    for a, b in zip(_leaves(expected), _leaves(loaded.predict(x, verbose=0))):
        np.testing.assert_array_equal(a, b)
    if model.compiled is not None:
        assert loaded.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)
    rebuilt = model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    for a, b in zip(_leaves(expected), _leaves(rebuilt.predict(x, verbose=0))):
        np.testing.assert_array_equal(a, b)
    clone = clone_model(model)
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert clone.get_config() == model.get_config()
    return loaded


def _leaves(value: object) -> list[np.ndarray]:
    if isinstance(value, dict):
        return [np.asarray(v) for v in value.values()]
    if isinstance(value, (list, tuple)):
        return [np.asarray(v) for v in value]
    return [np.asarray(value)]


def test_multi_input_multi_output_with_loss_dict_and_loss_weights(tmp_path: Path) -> None:
    neuropil.utils.set_random_seed(0)
    model = _ticket_model()
    model.compile(optimizer="adam", loss={"priority": "binary_crossentropy", "department": "categorical_crossentropy"},
                  loss_weights={"priority": 1.0, "department": 0.2}, metrics={"priority": ["accuracy"]})
    x, y = _ticket_data()
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert set(history.history) == {"loss", "priority_loss", "department_loss", "priority_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    logs = model.evaluate(x, y, batch_size=len(x["title"]), verbose=0, return_dict=True)
    p, d = model.predict([x["title"], x["body"], x["tags"]], verbose=0)
    eps = 1e-7  # Keras's clipping of probabilities
    p64 = np.clip(p.astype(np.float64), eps, 1 - eps)
    bce = -np.mean(y["priority"] * np.log(p64) + (1 - y["priority"]) * np.log(1 - p64))
    d64 = np.clip(d.astype(np.float64), eps, 1 - eps)
    cce = -np.mean(np.sum(y["department"] * np.log(d64), axis=1))
    np.testing.assert_allclose(logs["priority_loss"], bce, rtol=1e-4)
    np.testing.assert_allclose(logs["department_loss"], cce, rtol=1e-4)
    np.testing.assert_allclose(logs["loss"], bce + 0.2 * cce, rtol=1e-4)
    np.testing.assert_allclose(logs["priority_accuracy"], np.mean((p[:, 0] > 0.5) == (y["priority"][:, 0] > 0.5)))
    loaded = _round_trips(model, x, y, tmp_path)
    assert loaded.metrics_names == ["loss", "priority_loss", "department_loss", "priority_accuracy"]
    resumed = loaded.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)  # optimizer state came back
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    assert resumed.history["loss"] == model.history.history["loss"]


def test_loss_list_and_targets_in_order_match_dicts_by_name() -> None:
    x, y = _ticket_data(32)
    results = []
    for style in ("dict", "list"):
        neuropil.utils.set_random_seed(3)
        model = _ticket_model()
        if style == "dict":
            model.compile("sgd", loss={"department": "categorical_crossentropy", "priority": "mse"})
            model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
        else:
            model.compile("sgd", loss=["mse", "categorical_crossentropy"])
            model.fit([x["title"], x["body"], x["tags"]], [y["priority"], y["department"]], epochs=1, batch_size=8,
                      verbose=0, shuffle=False)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_shared_layer_sums_its_parameter_gradients_over_its_calls(tmp_path: Path) -> None:
    neuropil.utils.set_random_seed(1)
    a_in, b_in = neuropil.Input(shape=(3,), name="a"), neuropil.Input(shape=(3,), name="b")
    shared = Dense(2, name="shared")
    out = Add()([shared(a_in), shared(b_in)])
    model = neuropil.Model([a_in, b_in], out)
    model.compile(optimizer=neuropil.optimizers.SGD(learning_rate=0.1), loss="mse")
    a, b, target = _data(5, 8, 3), _data(6, 8, 3), _data(7, 8, 2)
    kernel, bias = (w.astype(np.float64) for w in shared.get_weights())
    pred = (a @ kernel + bias) + (b @ kernel + bias)
    g = 2 * (pred - target) / pred.size  # d mean((pred - t)^2) / d pred
    expected_kernel = kernel - 0.1 * (a.T @ g + b.T @ g)
    expected_bias = bias - 0.1 * (2 * g.sum(axis=0))
    model.train_on_batch([a, b], target)
    new_kernel, new_bias = shared.get_weights()
    np.testing.assert_allclose(new_kernel, expected_kernel, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_bias, expected_bias, rtol=1e-5, atol=1e-6)
    with pytest.raises(LayerError, match="inbound nodes"):
        _ = shared.output
    loaded = _round_trips(model, [a, b], target, tmp_path)
    assert len(loaded.get_layer("shared").weights) == 2  # still one layer, called twice


def _residual_model() -> neuropil.Model:
    inputs = neuropil.Input(shape=(5,), name="features")
    h = Dense(4, activation="relu", name="block_in")(inputs)
    r = Dense(4, activation="relu", name="block_a")(h)
    r = Dense(4, name="block_b")(r)
    h = Add(name="residual")([h, r])
    outputs = Dense(1, name="head")(h)
    return neuropil.Model(inputs, outputs, name="resnet_like")


def test_residual_connection_trains_and_predicts_what_the_formula_gives(tmp_path: Path) -> None:
    neuropil.utils.set_random_seed(2)
    model = _residual_model()
    x = _data(8, 128, 5)
    y = (x[:, :1] * 2 - x[:, 1:2]).astype("float32")
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    w = {layer.name: [v.astype(np.float64) for v in layer.get_weights()] for layer in model.layers}
    h = np.maximum(x @ w["block_in"][0] + w["block_in"][1], 0)
    r = np.maximum(h @ w["block_a"][0] + w["block_a"][1], 0) @ w["block_b"][0] + w["block_b"][1]
    expected = (h + r) @ w["head"][0] + w["head"][1]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0, batch_size=128), np.mean((expected - y) ** 2),
                               rtol=1e-4)
    _round_trips(model, x, y, tmp_path)


def test_a_model_used_as_a_layer_trains_inside_the_outer_model(tmp_path: Path) -> None:
    neuropil.utils.set_random_seed(4)
    encoder_in = neuropil.Input(shape=(6,), name="encoder_input")
    encoder = neuropil.Model(encoder_in, Dense(3, activation="tanh", name="code")(encoder_in), name="encoder")
    outer_in = neuropil.Input(shape=(6,), name="outer_input")
    out = Dense(1, name="score")(encoder(outer_in))
    model = neuropil.Model(outer_in, out, name="outer")
    assert [layer.name for layer in model.layers] == ["outer_input", "encoder", "score"]
    before = encoder.get_weights()
    x = _data(9, 64, 6)
    y = x[:, :1] - x[:, 2:3]
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert not np.array_equal(before[0], encoder.get_weights()[0]), "the nested model's weights must train"
    code_k, code_b = (v.astype(np.float64) for v in encoder.get_weights())
    score_k, score_b = (v.astype(np.float64) for v in model.get_layer("score").get_weights())
    expected = np.tanh(x @ code_k + code_b) @ score_k + score_b
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(encoder(x)), np.tanh(x @ code_k + code_b), rtol=1e-5, atol=1e-6)
    loaded = _round_trips(model, x, y, tmp_path)
    assert isinstance(loaded.get_layer("encoder"), neuropil.Model)
    encoder.trainable = False
    frozen = encoder.get_weights()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    for a, b in zip(frozen, encoder.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_feature_extraction_from_every_layer_of_a_trained_sequential_model(tmp_path: Path) -> None:
    neuropil.utils.set_random_seed(5)
    model = neuropil.Sequential([neuropil.Input(shape=(4,)), Dense(6, activation="relu", name="hidden"),
                                 Dropout(0.5), Dense(2, activation="softmax", name="probs")])
    x = _data(10, 40, 4)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, (x[:, 0] > 0).astype("int64"), epochs=1, verbose=0)
    extractor = neuropil.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    hidden, dropped, probs = extractor.predict(x, verbose=0)
    k, b = (v.astype(np.float64) for v in model.get_layer("hidden").get_weights())
    np.testing.assert_allclose(hidden, np.maximum(x @ k + b, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(dropped, hidden)  # inference: dropout is off
    np.testing.assert_array_equal(probs, model.predict(x, verbose=0))
    _round_trips(extractor, x, None, tmp_path)


def test_sequential_and_functional_mlp_from_one_seed_end_bit_identical() -> None:
    x = _data(11, 200, 10)
    y = (x[:, :1] > 0).astype("float32")
    weights = []
    for style in ("sequential", "functional"):
        neuropil.utils.set_random_seed(42)
        if style == "sequential":
            model = neuropil.Sequential([neuropil.Input(shape=(10,)), Dense(16, activation="relu"),
                                         Dense(8, activation="relu"), Dense(1, activation="sigmoid")])
        else:
            inputs = neuropil.Input(shape=(10,))
            h = Dense(16, activation="relu")(inputs)
            h = Dense(8, activation="relu")(h)
            model = neuropil.Model(inputs, Dense(1, activation="sigmoid")(h))
        model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=3, batch_size=32, verbose=0)
        weights.append(model.get_weights())
    assert len(weights[0]) == len(weights[1]) == 6
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_layers_build_the_keras_way_and_run_eagerly_on_arrays() -> None:
    layer = Dense(3)
    layer.build((4,))
    assert layer.built and [tuple(w.shape) for w in layer.get_weights()] == [(4, 3), (3,)]
    eager = Dense(2, use_bias=False)
    x = _data(12, 5, 7)
    out = np.asarray(eager(x))
    np.testing.assert_allclose(out, x.astype(np.float64) @ eager.get_weights()[0], rtol=1e-5)
    tensor = Dense(3)(neuropil.Input(shape=(4,)))
    assert tensor.shape == (None, 3)
    assert tensor.dtype == "float32"


def test_summary_lists_each_layers_inbound_connections() -> None:
    lines: list[str] = []
    _residual_model().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text
    row = next(line for line in lines if line.lstrip().startswith("residual"))
    assert "block_in[0][0]" in row
    assert any("block_b[0][0]" in line for line in lines[lines.index(row):lines.index(row) + 2])


def test_graph_errors_are_raised_when_the_model_is_made() -> None:
    a, b = neuropil.Input(shape=(3,), name="left"), neuropil.Input(shape=(3,), name="right")
    out = Dense(1)(Add()([a, b]))
    with pytest.raises(ModelError, match="'right'.*not among the model's inputs"):
        neuropil.Model(a, out)
    with pytest.raises(ModelError, match="used twice"):
        neuropil.Model([a, a, b], out)
    dense = Dense(2, name="narrow")
    dense(neuropil.Input(shape=(4,)))
    with pytest.raises(LayerError, match=r"'narrow'.*\(4,\).*\(3,\)"):
        dense(a)
    with pytest.raises(LayerError, match="'mismatched'"):
        Add(name="mismatched")([a, neuropil.Input(shape=(5,))])


def test_fit_refuses_structures_and_names_that_match_no_input_or_output() -> None:
    neuropil.utils.set_random_seed(6)
    model = _ticket_model()
    model.compile("sgd", loss={"priority": "mse", "department": "categorical_crossentropy"})
    x, y = _ticket_data(16)
    before = model.get_weights()
    with pytest.raises(InputValidationError, match="list of 2 arrays but the model has 3 inputs"):
        model.fit([x["title"], x["body"]], y, verbose=0)
    with pytest.raises(InputValidationError, match="'subject'.*matches no input"):
        model.fit({**x, "subject": x["title"]}, y, verbose=0)
    with pytest.raises(InputValidationError, match="no entry for output.*'department'"):
        model.fit(x, {"priority": y["priority"]}, verbose=0)
    with pytest.raises(neuropil.errors.ArgumentError, match="'urgency'.*not an output"):
        model.compile("sgd", loss={"urgency": "mse"})
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_input_is_at_keras_paths_and_sequential_accepts_its_tensor() -> None:
    assert neuropil.layers.Input is neuropil.Input
    model = neuropil.Sequential([neuropil.layers.Input(shape=(4,)), Dense(2)])
    assert model.built and model.output_shape == (2,)
    assert [t.shape for t in model.inputs] == [(None, 4)] and [t.shape for t in model.outputs] == [(None, 2)]
    assert isinstance(neuropil.layers.get({"class_name": "InputLayer", "config": {"shape": [3]}}),
                      neuropil.graph.InputLayer)


def test_the_saving_package_imports_no_models_module() -> None:
    """Saving reaches the model classes only through neuropil.saving.architectures."""
    import ast

    saving = Path(neuropil.__file__).parent / "saving"
    offences = []
    for path in sorted(saving.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and ("models" in node.module.split(".")
                                                                    or node.module.startswith("graph")):
                offences.append(f"{path.name}:{node.lineno}: from {'.' * node.level}{node.module}")
            elif isinstance(node, ast.Import):
                offences += [f"{path.name}:{node.lineno}: import {a.name}" for a in node.names if "models" in a.name]
    assert not offences, offences


def test_layer_names_must_be_unique_across_nested_models() -> None:
    inner_in = neuropil.Input(shape=(2,))
    inner = neuropil.Model(inner_in, Dense(2, name="twin")(inner_in))
    outer_in = neuropil.Input(shape=(2,))
    with pytest.raises(ModelError, match="two layers named 'twin'"):
        neuropil.Model(outer_in, Dense(1, name="twin")(inner(outer_in)))


def test_validation_of_a_multi_output_model_logs_each_outputs_val_loss() -> None:
    neuropil.utils.set_random_seed(8)
    model = _ticket_model()
    model.compile("adam", loss={"priority": "binary_crossentropy", "department": "categorical_crossentropy"},
                  metrics={"priority": ["accuracy"]})
    x, y = _ticket_data(64)
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0, validation_split=0.25)
    assert {"val_loss", "val_priority_loss", "val_department_loss", "val_priority_accuracy"} <= set(history.history)
    x_val = {name: value[48:] for name, value in x.items()}
    y_val = {name: value[48:] for name, value in y.items()}
    again = model.fit(x, y, epochs=1, batch_size=16, verbose=0, validation_data=(x_val, y_val), shuffle=False)
    assert set(again.history) == set(history.history)
    evaluated = model.evaluate(x_val, y_val, batch_size=16, verbose=0, return_dict=True)
    for name, value in evaluated.items():  # validation ran on the epoch's final weights, as evaluate does
        assert again.history[f"val_{name}"] == [value]


def test_keras_demo_functional_residual_written_with_the_plus_operator(tmp_path: Path) -> None:
    """Keras's examples/demo_functional.py, scaled down: ``x += residual`` on symbolic tensors."""
    neuropil.utils.set_random_seed(12)
    inputs = neuropil.layers.Input((10,))
    x = Dense(8, activation="relu")(inputs)
    residual = x
    x = Dense(8, activation="relu")(x)
    x = Dense(8, activation="relu")(x)
    x += residual
    gated = x * Dense(8, activation="sigmoid")(inputs) - residual
    model = neuropil.Model(inputs, Dense(3)(gated))
    assert [type(layer).__name__ for layer in model.layers].count("Add") == 1
    data_x, data_y = _data(13, 200, 10), _data(14, 200, 3)
    model.compile(optimizer=neuropil.optimizers.Adam(learning_rate=0.001), loss="mse",
                  metrics=["mse"])
    history = model.fit(data_x, data_y, batch_size=32, epochs=2, validation_split=0.2, verbose=0)
    assert {"loss", "mse", "val_loss", "val_mse"} <= set(history.history)
    w = {layer.name: [v.astype(np.float64) for v in layer.get_weights()] for layer in model.layers}
    names = [layer.name for layer in model.layers if type(layer).__name__ == "Dense"]
    first, second, third, gate, head = (w[n] for n in names)
    h1 = np.maximum(data_x @ first[0] + first[1], 0)
    h3 = np.maximum(np.maximum(h1 @ second[0] + second[1], 0) @ third[0] + third[1], 0)
    g = 1 / (1 + np.exp(-(data_x @ gate[0] + gate[1])))
    expected = ((h3 + h1) * g - h1) @ head[0] + head[1]
    np.testing.assert_allclose(model.predict(data_x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    _round_trips(model, data_x, data_y, tmp_path)
    with pytest.raises(LayerError, match="only with other symbolic tensors"):
        _ = inputs + 1.0


def test_transfer_learning_a_frozen_sequential_base_under_a_new_head(tmp_path: Path) -> None:
    """The Keras transfer-learning guide's shape: a trained Sequential base, frozen, called on a new
    Input under a new head; only the head trains, and the whole saves and loads."""
    neuropil.utils.set_random_seed(15)
    base = neuropil.Sequential([neuropil.Input(shape=(5,)), Dense(4, activation="relu"), Dense(3)], name="base")
    x, y = _data(16, 64, 5), _data(17, 64, 1)
    base.trainable = False
    frozen = base.get_weights()
    inputs = neuropil.Input(shape=(5,), name="features")
    model = neuropil.Model(inputs, Dense(1, name="head")(base(inputs)))
    head_before = model.get_layer("head").get_weights()[0].copy()
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(frozen, base.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(head_before, model.get_layer("head").get_weights()[0])
    loaded = _round_trips(model, x, y, tmp_path)
    assert isinstance(loaded.get_layer("base"), neuropil.Sequential)
