"""sample_weight and class_weight, as in Keras: each sample's loss and metric contribution is scaled.

The exact checks rest on one identity: with full-batch SGD and the ``sum_over_batch_size``
reduction, weighting k of n samples by 1 and the rest by 0 gives the gradient of training on those
k samples alone, scaled by k / n; so a learning rate scaled by k / n must give the same weights.
"""
from __future__ import annotations

import neuropil.losses
import neuropil.optimizers
import neuropil.utils
import numpy as np
import pytest
from neuropil.errors import InputValidationError
from neuropil.layers import Dense
from neuropil.models import Sequential


def regression_data(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(n, 1))


def model_with(learning_rate: float, loss: str = "mse", units: int = 1, activation: str | None = None,
               metrics: list | None = None, weighted_metrics: list | None = None) -> Sequential:
    neuropil.utils.set_random_seed(7)  # the same initial weights in every model of a test
    model = Sequential([Dense(4, input_dim=3, activation="tanh"), Dense(units, activation=activation)])
    model.compile(optimizer=neuropil.optimizers.SGD(learning_rate=learning_rate), loss=loss, metrics=metrics,
                  weighted_metrics=weighted_metrics)
    return model


def assert_same_weights(a: Sequential, b: Sequential) -> None:
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shuffle", [False, True])
def test_zero_weights_remove_samples_from_training(shuffle: bool) -> None:
    x, y = regression_data()
    kept = np.arange(len(x)) % 4 != 0  # 30 of 40 samples
    weighted = model_with(0.1)
    weighted.fit(x, y, sample_weight=kept.astype(float), batch_size=len(x), epochs=5, shuffle=shuffle, verbose=0)
    alone = model_with(0.1 * kept.sum() / len(x))
    alone.fit(x[kept], y[kept], batch_size=int(kept.sum()), epochs=5, shuffle=shuffle, verbose=0)
    assert_same_weights(weighted, alone)
    unweighted = model_with(0.1)
    unweighted.fit(x, y, batch_size=len(x), epochs=5, shuffle=shuffle, verbose=0)
    assert not np.allclose(unweighted.get_weights()[0], weighted.get_weights()[0])


def test_weights_travel_with_their_samples_when_shuffled_in_minibatches() -> None:
    # Outliers with weight 0 must stay without influence however the epoch is shuffled: a weight
    # left behind by the shuffle would hand an outlier a weight of 1 and pull the fit towards it.
    x, y = regression_data(200)
    outlier = np.arange(200) % 10 == 0
    y = np.where(outlier[:, None], 50.0, y)
    model = model_with(0.02)
    model.fit(x, y, sample_weight=(~outlier).astype(float), batch_size=16, epochs=30, shuffle=True, verbose=0)
    clean_loss = model.evaluate(x[~outlier], y[~outlier], verbose=0)
    assert clean_loss < 0.3, clean_loss


def test_class_weight_equals_the_sample_weights_it_stands_for() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 3))
    labels = rng.integers(0, 3, size=60)
    one_hot = np.eye(3)[labels]
    class_weight = {0: 0.5, 2: 3.0}  # class 1 left out: it weighs 1.0
    expected = np.array([0.5, 1.0, 3.0])[labels]
    for loss, y in (("categorical_crossentropy", one_hot), ("sparse_categorical_crossentropy", labels)):
        by_class = model_with(0.2, loss, units=3, activation="softmax")
        by_class.fit(x, y, class_weight=class_weight, batch_size=16, epochs=3, verbose=0)
        by_sample = model_with(0.2, loss, units=3, activation="softmax")
        by_sample.fit(x, y, sample_weight=expected, batch_size=16, epochs=3, verbose=0)
        assert_same_weights(by_class, by_sample)


def test_class_weight_raises_minority_recall_on_imbalanced_binary_data() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, 3))
    y = (x[:, :1] + 0.8 * rng.normal(size=(600, 1)) > 1.6).astype(int)  # about 7% positives
    recall = {}
    for name, class_weight in (("plain", None), ("balanced", {0: 1.0, 1: float((y == 0).sum() / (y == 1).sum())})):
        model = model_with(0.5, "binary_crossentropy", activation="sigmoid")
        model.fit(x, y, class_weight=class_weight, batch_size=32, epochs=15, verbose=0)
        predicted = model.predict(x, verbose=0) > 0.5
        recall[name] = predicted[y == 1].mean()
    assert recall["balanced"] > recall["plain"] + 0.2, recall


def test_evaluate_weights_the_loss_and_only_the_weighted_metrics() -> None:
    x, y = regression_data(30)
    model = model_with(0.1, metrics=["mae"], weighted_metrics=["mae"])
    w = np.linspace(0.0, 2.0, 30)
    squared, absolute = ((model.predict(x, verbose=0) - y) ** 2)[:, 0], np.abs(model.predict(x, verbose=0) - y)[:, 0]
    logs = model.evaluate(x, y, sample_weight=w, batch_size=7, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "mae", "weighted_mae"]  # Keras's names for a metric in both lists
    assert logs["loss"] == pytest.approx(np.sum(w * squared) / 30, rel=1e-5)  # Keras: divided by the count
    assert logs["mae"] == pytest.approx(np.mean(absolute), rel=1e-5)  # plain metrics ignore the weights
    assert logs["weighted_mae"] == pytest.approx(np.sum(w * absolute) / np.sum(w), rel=1e-5)  # a weighted mean
    assert model.test_on_batch(x, y, sample_weight=w, return_dict=True) == pytest.approx(logs, rel=1e-5)
    unweighted = model.evaluate(x, y, verbose=0, return_dict=True)
    assert unweighted["weighted_mae"] == pytest.approx(unweighted["mae"])


def test_weighted_accuracy_ignores_zero_weighted_mistakes() -> None:
    x, y = regression_data(50)
    labels = (y > 0).astype(int)
    model = model_with(0.1, "binary_crossentropy", activation="sigmoid", weighted_metrics=["accuracy"])
    correct = ((model.predict(x, verbose=0) > 0.5) == labels)[:, 0]
    assert 0 < correct.sum() < 50
    accuracy = model.evaluate(x, labels, sample_weight=correct.astype(float), verbose=0)[1]
    assert accuracy == pytest.approx(1.0)
    model.fit(x, labels, sample_weight=correct.astype(float), epochs=1, verbose=0)  # the training path too


def test_weighted_metrics_survive_save_and_load(tmp_path) -> None:
    from neuropil.models import load_model

    x, y = regression_data(30)
    w = np.linspace(0.0, 2.0, 30)
    model = model_with(0.1, metrics=["mae"], weighted_metrics=["mae", "mse"])
    model.fit(x, y, sample_weight=w, epochs=1, verbose=0)
    model.save(tmp_path / "weighted.neuropil")
    loaded = load_model(tmp_path / "weighted.neuropil")
    assert loaded.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True) == \
        pytest.approx(model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True))


def test_validation_weights_from_data_tuple_and_from_split() -> None:
    x, y = regression_data(50)
    w = np.linspace(0.1, 1.0, 50)
    model = model_with(0.05)
    history = model.fit(x[:40], y[:40], validation_data=(x[40:], y[40:], w[40:]), epochs=1, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[40:], y[40:], sample_weight=w[40:],
                                                                          verbose=0), rel=1e-5)
    split = model_with(0.05)
    history = split.fit(x, y, sample_weight=w, validation_split=0.2, epochs=1, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(split.evaluate(x[40:], y[40:], sample_weight=w[40:],
                                                                          verbose=0), rel=1e-5)


def test_class_weight_leaves_the_validation_split_unweighted() -> None:
    x, y = regression_data(50)
    labels = (y > 0).astype(int)
    model = model_with(0.1, "binary_crossentropy", activation="sigmoid")
    history = model.fit(x, labels, class_weight={1: 5.0}, validation_split=0.2, epochs=1, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[40:], labels[40:], verbose=0),
                                                           rel=1e-5)


def test_train_on_batch_with_weights_steps_like_fit() -> None:
    x, y = regression_data(20)
    w = np.linspace(0.0, 1.0, 20)
    by_batch = model_with(0.1)
    by_batch.train_on_batch(x, y, sample_weight=w)
    by_fit = model_with(0.1)
    by_fit.fit(x, y, sample_weight=w, batch_size=20, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(by_batch, by_fit)


@pytest.mark.parametrize("name, from_logits", [("binary_crossentropy", True), ("mse", False), ("hinge", False)])
def test_weighted_loss_backward_matches_finite_differences(name: str, from_logits: bool) -> None:
    loss = neuropil.losses.get(name) if not from_logits else neuropil.losses.BinaryCrossentropy(from_logits=True)
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, size=(6, 2)).astype(np.float64)
    y_pred = rng.uniform(0.1, 0.9, size=(6, 2)) + (rng.normal(size=(6, 2)) if from_logits else 0.0)
    weights = rng.uniform(0.0, 2.0, size=6)
    value, backward = loss.forward(y_true, y_pred, weights)
    assert value == pytest.approx(loss(y_true, y_pred, sample_weight=weights))
    gradient = backward()
    step = 1e-6
    for index in np.ndindex(y_pred.shape):
        up, down = y_pred.copy(), y_pred.copy()
        up[index] += step
        down[index] -= step
        numeric = (loss.forward(y_true, up, weights)[0] - loss.forward(y_true, down, weights)[0]) / (2 * step)
        assert gradient[index] == pytest.approx(numeric, rel=1e-4, abs=1e-7)


@pytest.mark.parametrize("arguments, message", [
    ({"sample_weight": np.ones(39)}, "shape (40,)"),
    ({"sample_weight": np.ones((40, 2))}, "shape (40,)"),
    ({"sample_weight": -np.ones(40)}, "non-negative"),
    ({"sample_weight": np.full(40, np.nan)}, "NaN"),
    ({"sample_weight": np.ones(40), "class_weight": {0: 1.0}}, "not both"),
    ({"class_weight": [1.0, 2.0]}, "must be a dict"),
    ({"class_weight": {"a": 1.0}}, "integer class ids"),
    ({"class_weight": {0: -1.0}}, "non-negative"),
    ({"validation_data": (np.ones((5, 3)), np.ones((5, 1)), np.ones(4))}, "sample_weight_val"),
])
def test_bad_weights_are_refused_and_the_model_is_unchanged(arguments: dict, message: str) -> None:
    x, y = regression_data()
    model = model_with(0.1)
    model.fit(x, y, epochs=1, verbose=0)  # optimizer state exists: it must survive the failed call too
    before = model.get_weights(), model.compiled.optimizer.iterations
    with pytest.raises(InputValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        model.fit(x, y, epochs=1, verbose=0, **arguments)
    for old, new in zip(before[0], model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    assert model.compiled.optimizer.iterations == before[1]
