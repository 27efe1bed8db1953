"""The accuracy metrics, reached through ``neuropil.metrics.get``: Keras's definitions, streaming
updates that equal one update over all the data, sample weights, and the label shapes Keras accepts."""
from __future__ import annotations

import neuropil.metrics as M
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# Keras's definitions, one sample at a time in plain Python: an independent reference.
def keras_binary_accuracy(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> list[float]:
    return [float(np.mean([t == (p > threshold) for t, p in zip(tr, pr)]))
            for tr, pr in zip(y_true.tolist(), y_pred.tolist())]


def keras_categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> list[float]:
    return [float(tr.index(max(tr)) == pr.index(max(pr))) for tr, pr in zip(y_true.tolist(), y_pred.tolist())]


def keras_sparse_accuracy(labels: np.ndarray, y_pred: np.ndarray) -> list[float]:
    return [float(int(k) == pr.index(max(pr))) for k, pr in zip(np.ravel(labels).tolist(), y_pred.tolist())]


def test_names_and_keras_spellings_resolve() -> None:
    assert M.get("accuracy").name == "accuracy"
    assert M.get("acc").name == "accuracy"
    assert M.get("BinaryAccuracy").name == "binary_accuracy"
    assert M.get("categorical_accuracy").name == "categorical_accuracy"
    assert M.get("SparseCategoricalAccuracy").name == "sparse_categorical_accuracy"
    assert M.get("binary_accuracy", name="train_acc").name == "train_acc"
    assert M.get("binary_accuracy").threshold == 0.5


def test_binary_accuracy_thresholds_predictions() -> None:
    y_true = np.array([[1.0], [0.0], [1.0], [0.0], [1.0], [0.0]])
    y_pred = np.array([[0.9], [0.6], [0.3], [0.1], [0.8], [0.5]])  # exactly 0.5 is not above 0.5
    expected = np.mean(keras_binary_accuracy(y_true, y_pred))
    assert M.get("binary_accuracy")(y_true, y_pred) == pytest.approx(expected)
    strict = np.mean(keras_binary_accuracy(y_true, y_pred, threshold=0.7))
    assert M.get("binary_accuracy", threshold=0.7)(y_true, y_pred) == pytest.approx(strict)
    assert strict != expected  # the threshold matters in this example
    assert M.get("binary_accuracy")(y_true.ravel(), y_pred) == pytest.approx(expected)  # (n,) labels


def test_binary_accuracy_with_several_outputs_scores_each_sample_by_its_fraction() -> None:
    y_true = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    y_pred = np.array([[0.9, 0.2, 0.1], [0.7, 0.8, 0.9]])
    assert M.get("binary_accuracy")(y_true, y_pred) == pytest.approx(np.mean(keras_binary_accuracy(y_true, y_pred)))


def test_categorical_and_sparse_accuracy_compare_arg_maxes() -> None:
    labels = np.array([0, 2, 1, 1, 2])
    y_true = np.eye(3)[labels]
    y_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.4, 0.35, 0.25]])
    expected = np.mean(keras_categorical_accuracy(y_true, y_pred))
    assert M.get("categorical_accuracy")(y_true, y_pred) == pytest.approx(expected)
    sparse = M.get("sparse_categorical_accuracy")
    assert sparse(labels, y_pred) == pytest.approx(expected)
    assert sparse(labels[:, None], y_pred) == pytest.approx(expected)
    assert sparse(labels.astype(np.float32), y_pred) == pytest.approx(expected)
    assert expected == pytest.approx(np.mean(keras_sparse_accuracy(labels, y_pred)))


def test_accuracy_is_exact_equality() -> None:
    y_true = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]])
    y_pred = np.array([[1.0, 2.0], [3.0, 4.5], [0.0001, 1.0]])
    per_sample = [np.mean([t == p for t, p in zip(tr, pr)]) for tr, pr in zip(y_true.tolist(), y_pred.tolist())]
    assert M.get("accuracy")(y_true, y_pred) == pytest.approx(np.mean(per_sample))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(2, 5), batch=st.integers(1, 9), seed=st.integers(0, 10 ** 6),
       weighted=st.booleans())
def test_streaming_over_batches_equals_one_update(n: int, k: int, batch: int, seed: int, weighted: bool) -> None:
    generator = rng(seed)
    labels = generator.integers(0, k, size=n)
    y_pred = generator.uniform(size=(n, k))
    weights = generator.uniform(0.0, 2.0, size=n) if weighted else None
    binary_true = generator.integers(0, 2, size=(n, 1)).astype(float)
    binary_pred = generator.uniform(size=(n, 1))
    cases = [("sparse_categorical_accuracy", labels, y_pred, keras_sparse_accuracy(labels, y_pred)),
             ("categorical_accuracy", np.eye(k)[labels], y_pred,
              keras_categorical_accuracy(np.eye(k)[labels], y_pred)),
             ("binary_accuracy", binary_true, binary_pred, keras_binary_accuracy(binary_true, binary_pred))]
    for name, y_true, pred, per_sample in cases:
        metric = M.get(name)
        for start in range(0, n, batch):
            part = slice(start, start + batch)
            metric.update_state(y_true[part], pred[part], None if weights is None else weights[part])
        w = np.ones(n) if weights is None else weights
        expected = float(np.dot(per_sample, w) / w.sum()) if w.sum() else 0.0
        result = metric.result()
        assert isinstance(result, float)
        assert result == pytest.approx(expected, rel=1e-12, abs=1e-12), name
        assert result == pytest.approx(M.get(name)(y_true, pred, weights), rel=1e-12, abs=1e-12), name


def test_reset_state_forgets_everything_and_calls_accumulate_as_in_keras() -> None:
    metric = M.get("binary_accuracy")
    metric.update_state(np.array([[1.0], [1.0]]), np.array([[0.9], [0.1]]))
    assert metric.result() == pytest.approx(0.5)
    assert metric(np.array([[1.0]]), np.array([[0.9]])) == pytest.approx(2 / 3)  # 2 right of the 3 seen
    assert metric.result() == pytest.approx(2 / 3)
    metric.reset_state()
    assert metric.result() == 0.0
    metric.update_state(np.array([[0.0]]), np.array([[0.2]]))
    assert metric.result() == pytest.approx(1.0)


def test_state_stays_an_array_until_result() -> None:
    metric = M.get("categorical_accuracy")
    metric.update_state(np.eye(3), np.eye(3))
    assert isinstance(metric.total, np.generic | np.ndarray)
    assert metric.result() == 1.0


def test_config_rebuilds_the_metric() -> None:
    metric = M.get("binary_accuracy", threshold=0.3, name="acc_at_0_3")
    rebuilt = M.deserialize(M.serialize(metric))
    assert type(rebuilt) is type(metric)
    assert (rebuilt.name, rebuilt.threshold) == ("acc_at_0_3", 0.3)


@pytest.mark.parametrize(("loss", "targets", "expected_name"), [
    ("binary_crossentropy", "binary", "binary"),
    ("categorical_crossentropy", "one_hot", "categorical"),
    ("sparse_categorical_crossentropy", "sparse", "sparse_categorical"),
])
def test_compile_shorthands_follow_the_loss_as_keras_does(loss, targets, expected_name):
    """metrics=["accuracy", "crossentropy"] mean the accuracy and cross-entropy of the loss's targets;
    the values are those of the explicit metrics, computed here in float64."""
    import neuropil
    from neuropil.layers import Dense
    from neuropil.models import Sequential

    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 4)).astype("float32")
    labels = rng.integers(0, 3 if targets != "binary" else 2, size=40)
    units, activation = (1, "sigmoid") if targets == "binary" else (3, "softmax")
    y = {"binary": labels[:, None].astype("float32"), "one_hot": np.eye(3, dtype="float32")[labels],
         "sparse": labels}[targets]
    model = Sequential([Dense(units, activation=activation, input_shape=(4,))])
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy", "ce"])
    logs = model.evaluate(x, y, return_dict=True, verbose=0)
    p = model.predict(x, verbose=0).astype(np.float64)
    if targets == "binary":
        accuracy = np.mean((p[:, 0] > 0.5) == labels)
        crossentropy = -np.mean(labels * np.log(p[:, 0]) + (1 - labels) * np.log(1 - p[:, 0]))
    else:
        accuracy = np.mean(p.argmax(axis=1) == labels)
        crossentropy = -np.mean(np.log(p[np.arange(40), labels]))
    assert logs["accuracy"] == pytest.approx(accuracy)
    assert logs["ce"] == pytest.approx(crossentropy, rel=1e-4)
    assert model.compiled.metrics[1].family == expected_name
    assert neuropil.metrics.get("crossentropy", family=expected_name).family == expected_name
