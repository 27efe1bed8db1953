"""A training step never waits for the device: ``fit`` on the emulated device, with every standard
layer, loss, optimizer and metric, makes no synchronising call between the first and the last batch
of an epoch, a bounded number for the epoch's logs, and no implicit transfer at all.

The counts are exact in what they measure (every ``float()``, ``.item()``, ``to_numpy`` ... of a device
array is recorded with the line that made it), so a regression fails here naming that line.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import neuropil
import numpy as np
import pytest
from neuropil.callbacks import Callback
from neuropil.layers import Dense, Flatten, Input
from neuropil.models import Sequential
from neuropil.plugin_system.manager import manager
from neuropil.testing.emulated_device import COUNTER, SyncEvent, emulated_backend
from neuropil.testing.instances import example_configs, is_multi_input, layer_configs
from neuropil.testing.properties.optimizers import configs_for

FIRST_PARTY = ("neuropil-standard", "neuropil-metrics")
#: Syncs one epoch's logs may make: the mean loss, and per metric its result: a total and a count,
#: one transfer of all its tallies, or (R2) one read of each of its six running moments.
PER_METRIC = 6


def _entries(kind: str) -> list[Any]:
    return [e for e in manager().registries[kind].entries() if e.source.distribution in FIRST_PARTY]


@dataclass
class EpochSyncs:
    during: list[SyncEvent]  # from the first batch's start to the last batch's start
    at_end: list[SyncEvent]  # the last batch and the epoch's logs (and validation, when asked)


class _Marks(Callback):
    """Notes the sync count where each batch starts and each epoch ends (batch-begin hooks get no
    logs, so asking for them adds no sync of its own)."""

    def __init__(self) -> None:
        super().__init__()
        self.begins: list[int] = []
        self.epochs: list[EpochSyncs] = []

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.begins = []

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.begins.append(COUNTER.count)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        first, last = self.begins[0], self.begins[-1]
        self.epochs.append(EpochSyncs(COUNTER.events[first:last], COUNTER.events[last:]))


def fit_counting(model: Any, x: Any, y: Any, epochs: int = 2, **kwargs: Any) -> list[EpochSyncs]:
    marks = _Marks()
    kwargs.setdefault("batch_size", 8)
    model.progress_stream = io.StringIO()
    COUNTER.reset()
    model.fit(x, y, epochs=epochs, callbacks=[marks], **kwargs)
    return marks.epochs


def assert_no_waits(epochs: list[EpochSyncs], metrics: int, validation: bool = False) -> None:
    bound = (1 + PER_METRIC * metrics) * (2 if validation else 1)
    for index, epoch in enumerate(epochs):
        assert not epoch.during, (f"epoch {index}: {len(epoch.during)} synchronising calls between the first "
                                  f"and last batch: " + "; ".join(map(str, epoch.during)))
        assert len(epoch.at_end) <= bound, (f"epoch {index}: {len(epoch.at_end)} synchronising calls for the "
                                            f"logs, at most {bound} expected: " + "; ".join(map(str, epoch.at_end)))
    assert not COUNTER.refused, "implicit transfers: " + "; ".join(map(str, COUNTER.refused))


def _seed_model() -> Sequential:
    model = Sequential()
    model.add(Dense(64, input_dim=10, activation="relu"))
    for units in (32, 16, 8, 4):
        model.add(Dense(units, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    return model


def _seed_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1000)
    return rng.random((n, 10)), rng.integers(0, 2, (n, 1))


@pytest.mark.parametrize("verbose", [0, 2])
def test_the_seed_model_trains_without_waiting_and_as_on_numpy(verbose: int) -> None:
    """The README's seed model: no sync inside an epoch, the same history as on NumPy, and the fused
    kernels (Adam, relu, their backwards) doing the work."""
    x, y = _seed_data(96)
    histories = {}
    with emulated_backend() as device:
        for backend in ("numpy", "emulated"):
            neuropil.utils.set_random_seed(3)
            model = _seed_model()
            model.compile(optimizer="Adam", loss="binary_crossentropy", metrics=["accuracy"], backend=backend)
            epochs = fit_counting(model, x, y, epochs=3, verbose=verbose, validation_data=(x[:40], y[:40]))
            histories[backend] = model.history.history
        assert_no_waits(epochs, metrics=1, validation=True)
        assert device.fused_calls["adam"] == 3 * 12 * 12  # epochs * batches * parameters
        assert device.fused_calls["relu_backward"] == 3 * 12 * 5
    assert histories["emulated"].keys() == histories["numpy"].keys()
    for name, values in histories["numpy"].items():
        np.testing.assert_allclose(histories["emulated"][name], values, rtol=1e-4, err_msg=name)


def test_a_convnet_trains_without_waiting_and_as_on_numpy() -> None:
    """Conv2D -> MaxPooling2D pairs, which training hands over window by window (the arranged
    protocol pair; a one-channel first layer and a multi-channel second), run on a device as on NumPy:
    no sync inside an epoch, the same history to float32 precision."""
    from neuropil.layers import Conv2D, MaxPooling2D

    rng = np.random.default_rng(7)
    x = rng.random((32, 10, 10, 1)).astype(np.float32)
    x[:, :3] = 0.0  # ties in the pooling windows
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    histories = {}
    with emulated_backend():
        for backend in ("numpy", "emulated"):
            neuropil.utils.set_random_seed(5)
            model = Sequential([Input((10, 10, 1)), Conv2D(4, 3, activation="relu"), MaxPooling2D(2),
                                Conv2D(6, 2, activation="relu"), MaxPooling2D(2), Flatten(),
                                Dense(3, activation="softmax")])
            model.compile(optimizer="adam", loss="categorical_crossentropy", backend=backend)
            arranged: list[int] = []
            for conv in (model.layers[0], model.layers[2]):
                real = conv.forward_arranged
                conv.forward_arranged = lambda *args, _real=real, _seen=arranged: _seen.append(1) or _real(*args)
            epochs = fit_counting(model, x, y, epochs=2, verbose=0)
            histories[backend] = model.history.history
            assert len(arranged) == 2 * 2 * 4  # both convolutions, every step of both epochs
        assert_no_waits(epochs, metrics=0)
    np.testing.assert_allclose(histories["emulated"]["loss"], histories["numpy"]["loss"], rtol=1e-5)


class _Allocations(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.at_batch: list[int] = []

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.at_batch.append(COUNTER.allocations)


def test_a_step_makes_the_same_buffers_every_time_and_fewer_with_fused_kernels() -> None:
    """What CUDA-graph capture would need is measurable already: after the first step (which makes the
    optimizer's slots) every step creates the same number of device buffers, and the fused kernels
    save some (44 against 61 per step for the seed model when this was written)."""
    x, y = _seed_data(80)
    per_step = {}
    for fused in (True, False):
        with emulated_backend(fused=fused):
            model = _seed_model()
            model.compile(optimizer="adam", loss="binary_crossentropy", backend="emulated")
            counts = _Allocations()
            model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[counts])
        steady = np.diff(counts.at_batch)[1:]
        assert len(set(steady)) == 1, steady
        per_step[fused] = int(steady[0])
    assert per_step[True] < per_step[False], per_step


def test_evaluate_and_predict_wait_only_for_their_results() -> None:
    x, y = _seed_data(64)
    with emulated_backend():
        model = _seed_model()
        model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"], backend="emulated")
        COUNTER.reset()
        model.evaluate(x, y, batch_size=8, verbose=0)
        assert len(COUNTER.events) <= 1 + PER_METRIC, COUNTER.events
        COUNTER.reset()
        out = model.predict(x, batch_size=8, verbose=0)
        assert isinstance(out, np.ndarray) and [e.kind for e in COUNTER.events] == ["to_numpy"]


@pytest.mark.parametrize("config", [(e.name, c) for e in _entries("optimizers") for c in configs_for(e)],
                         ids=lambda c: f"{c[0]}-{c[1]}")
def test_every_optimizer_trains_without_waiting(config: tuple[str, dict[str, Any]]) -> None:
    name, options = config
    x, y = _seed_data(48)
    with emulated_backend():
        model = Sequential([Dense(8, activation="tanh", input_shape=(10,)), Dense(1, activation="sigmoid")])
        model.compile(optimizer=neuropil.optimizers.get({"class_name": name, "config": options}),
                      loss="binary_crossentropy", backend="emulated")
        assert_no_waits(fit_counting(model, x, y, verbose=0), metrics=0)


@pytest.mark.parametrize("clipping", [{"clipnorm": 0.1}, {"global_clipnorm": 0.1}, {"clipvalue": 0.01}],
                         ids=lambda c: next(iter(c)))
def test_gradient_clipping_stays_on_the_device(clipping: dict[str, float]) -> None:
    """Norms and scales are device scalars: ``float(norm)`` per parameter per step was a sync each."""
    x, y = _seed_data(48)
    with emulated_backend():
        model = Sequential([Dense(8, activation="tanh", input_shape=(10,)), Dense(1, activation="sigmoid")])
        model.compile(optimizer=neuropil.optimizers.SGD(learning_rate=0.1, **clipping), loss="binary_crossentropy",
                      backend="emulated")
        assert_no_waits(fit_counting(model, x, y, verbose=0), metrics=0)


def test_weights_regularizers_and_constraints_stay_on_the_device() -> None:
    """The other per-step paths: sample weights, weight penalties with their gradients, constraints
    projecting the weights after each update, and a learning-rate schedule."""
    x, y = _seed_data(48)
    weights = np.random.default_rng(1).uniform(0.5, 2.0, 48)
    schedule = neuropil.schedules.ExponentialDecay(0.01, decay_steps=2, decay_rate=0.9)
    with emulated_backend():
        model = Sequential([Dense(8, activation="relu", input_shape=(10,), kernel_regularizer="l2",
                                  bias_regularizer="l1", activity_regularizer="l2", kernel_constraint="max_norm"),
                            Dense(1, activation="sigmoid", kernel_constraint="non_neg")])
        model.compile(optimizer=neuropil.optimizers.Adam(learning_rate=schedule), loss="binary_crossentropy",
                      metrics=["accuracy"], weighted_metrics=["accuracy"], backend="emulated")
        assert_no_waits(fit_counting(model, x, y, verbose=0, sample_weight=weights), metrics=2)


def _targets(kind: str, n: int, classes: int, rng: np.random.Generator) -> np.ndarray:
    labels = rng.integers(0, classes, n)
    if kind == "one_hot":
        return np.eye(classes)[labels]
    if kind == "sparse":
        return labels
    if kind == "binary":
        return rng.integers(0, 2, (n, classes)).astype(float)
    return rng.normal(size=(n, classes))


_OUTPUT = {"probability": "sigmoid", "distribution": "softmax", "positive": "softplus", "real": None}


def _loss_case(loss: Any, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, Sequential]:
    """Inputs, targets and a one-Dense model for ``loss``. A loss whose targets the generic kinds
    cannot describe (CTC: padded label sequences against per-step logits) declares
    ``conformance_example(rng)``; its example's targets, repeated over 40 samples, and a Dense
    applied per step to ``(steps, 5)`` inputs give predictions of the example's shape."""
    own = getattr(loss, "conformance_example", None)
    if own is None:
        x = rng.normal(size=(40, 5))
        model = Sequential([Dense(3, activation=_OUTPUT[loss.prediction_kind], input_shape=(5,))])
        return x, _targets(loss.target_kind, 40, 3, rng), model
    y_true, y_pred = own(rng)
    steps, classes = y_pred.shape[1:]
    y = np.resize(y_true, (40, *y_true.shape[1:]))  # the example's samples, cycled
    model = Sequential([Dense(classes, activation=_OUTPUT[loss.prediction_kind], input_shape=(steps, 5))])
    return rng.normal(size=(40, steps, 5)), y, model


@pytest.mark.parametrize("entry", _entries("losses"), ids=lambda e: e.name)
def test_every_loss_trains_without_waiting(entry: Any) -> None:
    loss = entry.factory()
    rng = np.random.default_rng(0)
    with emulated_backend():
        x, y, model = _loss_case(loss, rng)
        model.compile(optimizer="rmsprop", loss=loss, backend="emulated")
        assert_no_waits(fit_counting(model, x, y, verbose=2), metrics=0)


def _categorical(entry: Any, config: dict[str, Any]) -> bool:
    metric = entry.factory(**config)
    return metric.target_kind in ("one_hot", "sparse") or "categorical" in entry.name


def _sparse(entry: Any, config: dict[str, Any]) -> bool:
    return entry.name.startswith("sparse") or entry.factory(**config).target_kind == "sparse"


def _metric_cases() -> list[tuple[Any, dict[str, Any]]]:
    """Each metric with each of its example configs (the at-X metrics need theirs: their target,
    e.g. SensitivityAtSpecificity's ``specificity``, is a required argument)."""
    return [(e, config) for e in _entries("metrics") for config in example_configs(e)]


def _metric_id(case: tuple[Any, dict[str, Any]]) -> str:
    entry, config = case
    return entry.name if not config else f"{entry.name}-{config}"


@pytest.mark.parametrize("case", _metric_cases(), ids=_metric_id)
def test_every_metric_updates_without_waiting(case: tuple[Any, dict[str, Any]]) -> None:
    entry, config = case
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5))
    sparse = _sparse(entry, config)
    with emulated_backend():
        if _categorical(entry, config):
            model = Sequential([Dense(3, activation="softmax", input_shape=(5,))])
            y = _targets("sparse" if sparse else "one_hot", 40, 3, rng)
            loss = "sparse_categorical_crossentropy" if sparse else "categorical_crossentropy"
        else:
            model = Sequential([Dense(1, activation="sigmoid", input_shape=(5,))])
            y, loss = _targets("binary", 40, 1, rng), "binary_crossentropy"
        metric = entry.factory(**config) if config else entry.name
        model.compile(optimizer="adam", loss=loss, metrics=[metric], backend="emulated")
        assert_no_waits(fit_counting(model, x, y, verbose=2), metrics=1)


def _layer_cases() -> list[tuple[str, dict[str, Any], tuple[int, ...], bool]]:
    """Every single-input layer configuration with its input shape. Multi-input layers (the merge
    layers: their ``example_input_shapes`` are lists of shapes) cannot stand alone in a Sequential
    model, so they are left out here; the conformance suite's ``backends`` property runs each of them
    on the emulated device (forward, every input's gradient, both modes) against NumPy instead. The
    ``Input`` function makes a symbolic tensor, not a layer (``InputLayer`` is covered)."""
    layers = [e for e in _entries("layers") if not getattr(e.factory, "makes_symbolic_tensor", False)]
    return [(e.name, config, shape, fixed) for e in layers for config, shape, fixed in layer_configs(e)
            if not is_multi_input(shape)]


@pytest.mark.parametrize("case", _layer_cases(), ids=lambda c: f"{c[0]}-{c[1]}")
def test_every_layer_trains_without_waiting(case: tuple[str, dict[str, Any], tuple[int, ...], bool]) -> None:
    name, config, shape, fixed = case
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, size=(40, *shape))
    with emulated_backend():
        layer = neuropil.layers.get({"class_name": name, "config": config})
        stack = [layer, Flatten(), Dense(1)]
        if not fixed and name != "Input":
            stack.insert(0, Input(shape=shape))
        model = Sequential(stack)
        model.compile(optimizer="adam", loss="mse", backend="emulated")
        assert_no_waits(fit_counting(model, x, rng.normal(size=(40, 1)), verbose=0), metrics=0)


def test_the_rest_of_the_model_api_runs_on_the_device(tmp_path: Any) -> None:
    """Weights, saving (optimizer state included), cloning and the *_on_batch calls read device arrays
    only through the backend, never implicitly; a saved model loads back with the same predictions."""
    from neuropil.layers import BatchNormalization, Dropout
    from neuropil.models import clone_model, load_model

    rng = np.random.default_rng(0)
    x, y = rng.random((64, 5)), rng.integers(0, 3, 64)
    with emulated_backend():
        model = Sequential([Dense(8, activation="relu", input_shape=(5,)), BatchNormalization(), Dropout(0.3),
                            Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      backend="emulated")
        model.fit(x, y, epochs=2, verbose=0, validation_split=0.2)
        model.set_weights(model.get_weights())
        model.train_on_batch(x[:8], y[:8])
        model.test_on_batch(x[:8], y[:8])
        model.save(tmp_path / "model.keras")
        clone_model(model)
        expected = model.predict(x, verbose=0)
        assert not COUNTER.refused, COUNTER.refused
    np.testing.assert_allclose(load_model(tmp_path / "model.keras").predict(x, verbose=0), expected, rtol=1e-6)


def test_a_users_device_array_reaches_the_host_through_its_backend_once() -> None:
    """fit takes data that already lives on a device: the core asks the backends which one owns the
    array (``Backend.owns``) and copies it over with that backend's ``to_numpy``, one counted
    transfer, instead of an implicit conversion (which the emulated array refuses)."""
    with emulated_backend() as device:
        x_host = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
        y_host = x_host.sum(axis=1, keepdims=True)
        x_device, y_device = device.asarray(x_host), device.asarray(y_host)
        model = Sequential([Dense(2, input_shape=(3,)), Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        COUNTER.reset()
        model.fit(x_device, y_device, epochs=1, batch_size=16, verbose=0)
        assert [event.kind for event in COUNTER.events].count("to_numpy") == 2  # x and y, once each
