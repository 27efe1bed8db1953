"""``compile(jit_compile=True)``: the training step captured once and replayed, checked on the emulated device.

The emulated device's capture stand-in (``neuropil.testing.emulated_device.graph``) replays the step
under capture's rules: every buffer from a static arena, no sync, no upload, and every kernel launched
with the buffers and scalar values it had at capture. The reference for every result here is the same
model trained eagerly (``jit_compile=False``) on the same device, which the eager tests hold to NumPy.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import neuropil
import numpy as np
import pytest
from neuropil.base.optimizer import Optimizer
from neuropil.callbacks import Callback
from neuropil.errors import ArgumentError
from neuropil.layers import Dense, Dropout
from neuropil.models import Sequential
from neuropil.testing.emulated_device import COUNTER, CaptureError, EmulatedDevice, EmulatedGraph, emulated_backend


def _seed_model() -> Sequential:
    model = Sequential()
    model.add(Dense(64, input_dim=10, activation="relu"))
    for units in (32, 16, 8, 4):
        model.add(Dense(units, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    return model


def _small_model() -> Sequential:
    return Sequential([Dense(16, input_dim=10, activation="relu"), Dense(8, activation="tanh"),
                       Dense(1, activation="sigmoid")])


def _dropout_model() -> Sequential:
    return Sequential([Dense(16, input_dim=10, activation="relu"), Dropout(0.3), Dense(1, activation="sigmoid")])


def _data(n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1000)
    return rng.random((n, 10)), rng.integers(0, 2, (n, 1))


class _Replays:
    """Every graph the emulated device makes, wrapped to note syncs and new buffers per call."""

    def __init__(self) -> None:
        self.calls: list[tuple[bool, int, int]] = []  # (a replay, not the capture; syncs; new buffers)
        self.graphs: list[EmulatedGraph] = []

    def wrap(self, graph: EmulatedGraph) -> Any:
        self.graphs.append(graph)

        def call() -> Any:
            replay = graph.reference is not None
            syncs, buffers = COUNTER.count, COUNTER.allocations
            result = graph()
            self.calls.append((replay, COUNTER.count - syncs, COUNTER.allocations - buffers))
            return result

        return call


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Replays]:
    spy = _Replays()
    original = EmulatedDevice.capture
    monkeypatch.setattr(EmulatedDevice, "capture", lambda self, step_fn: spy.wrap(original(self, step_fn)))
    yield spy


def _train(model_factory: Any, jit_compile: bool, optimizer: Any = "adam", n: int = 100, batch_size: int = 16,
           epochs: int = 3, callbacks: Any = None, **fit: Any) -> tuple[dict[str, list[float]], list[np.ndarray],
                                                                        int]:
    x, y = _data(n)
    with emulated_backend() as device:
        neuropil.utils.set_random_seed(3)
        model = model_factory()
        model.compile(optimizer=optimizer() if callable(optimizer) else optimizer, loss="binary_crossentropy",
                      metrics=["accuracy"], backend="emulated", jit_compile=jit_compile)
        model.progress_stream = io.StringIO()
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=callbacks, **fit)
        weights = [device.to_numpy(p) for layer in model.layers for p in layer.params.values()]
        return history.history, weights, model.optimizer.iterations


def _assert_same_training(eager: Any, captured: Any) -> None:
    (h_eager, w_eager, it_eager), (h_captured, w_captured, it_captured) = eager, captured
    assert h_eager.keys() == h_captured.keys()
    for key in h_eager:
        np.testing.assert_allclose(h_captured[key], h_eager[key], rtol=1e-6, err_msg=key)
    for a, b in zip(w_eager, w_captured):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    assert it_captured == it_eager


def test_a_captured_fit_of_the_seed_model_matches_the_eager_fit(replays: _Replays) -> None:
    """100 samples in batches of 16: a warm-up, a capture, replays, and a ragged batch of 4 per epoch."""
    eager = _train(_seed_model, False)
    assert not replays.calls  # jit_compile=False never captures
    captured = _train(_seed_model, True)
    _assert_same_training(eager, captured)
    assert captured[2] == 3 * 7
    # captured once per fit, never again for the ragged batches
    assert len([g for g in replays.graphs if g.reference is not None]) == 1
    # 6 full batches x 3, less the warm-up (eager) and the capture
    assert [replay for replay, _, _ in replays.calls] == [False] + [True] * 16


def test_every_replayed_step_makes_no_sync_and_no_new_buffer(replays: _Replays) -> None:
    _train(_seed_model, True)
    assert replays.calls
    for replay, syncs, buffers in replays.calls:
        assert syncs == 0
        if replay:
            assert buffers == 0
    arena = next(g for g in replays.graphs if g.reference is not None).arena
    assert replays.calls[0][2] == len(arena.buffers) > 0  # the capture made exactly the arena's buffers


def test_the_epochs_of_a_captured_fit_do_not_wait_for_the_device() -> None:
    """Syncs only at each epoch's end (the logs: the loss and the accuracy's tallies)."""
    x, y = _data()
    ends: list[int] = []

    class Marks(Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            ends.append(COUNTER.count)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            ends.append(COUNTER.count)

    with emulated_backend():
        model = _seed_model()
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"], backend="emulated",
                      jit_compile=True)
        marks = Marks()
        COUNTER.reset()
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[marks])
    # on_epoch_end runs after the logs are read: the syncs from an epoch's begin to its end are the logs'
    per_epoch = [after - before for before, after in zip(ends[::2], ends[1::2])]
    assert all(count <= 1 + 6 for count in per_epoch), COUNTER.events
    assert not COUNTER.refused


def test_a_captured_fit_with_dropout_matches_the_eager_fit(replays: _Replays) -> None:
    _assert_same_training(_train(_dropout_model, False), _train(_dropout_model, True))
    assert any(replay for replay, _, _ in replays.calls)


def test_a_captured_fit_with_sample_weights_matches_the_eager_fit(replays: _Replays) -> None:
    weights = np.random.default_rng(5).random(100)
    _assert_same_training(_train(_seed_model, False, sample_weight=weights),
                          _train(_seed_model, True, sample_weight=weights))
    assert any(replay for replay, _, _ in replays.calls)


@pytest.mark.parametrize("schedule", [
    {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.05, "decay_steps": 3, "decay_rate": 0.5}},
    {"class_name": "PiecewiseConstantDecay", "config": {"boundaries": [4, 9], "values": [0.05, 0.02, 0.005]}},
    {"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.0, "decay_steps": 8, "warmup_target": 0.05,
                                             "warmup_steps": 5}},
])
def test_a_schedule_advances_inside_the_captured_step(schedule: dict[str, Any], replays: _Replays) -> None:
    """The rates of these schedules change within an epoch; a frozen rate would leave other weights."""
    from neuropil.optimizers import Adam

    def adam() -> Any:
        return Adam(learning_rate=schedule)

    _assert_same_training(_train(_seed_model, False, optimizer=adam), _train(_seed_model, True, optimizer=adam))
    assert sum(replay for replay, _, _ in replays.calls) >= 10


class _HalveRate(Callback):
    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.model.optimizer.learning_rate = self.model.optimizer.learning_rate / 2


def test_a_learning_rate_changed_by_a_callback_reaches_the_captured_step() -> None:
    def sgd() -> Any:
        from neuropil.optimizers import SGD

        return SGD(learning_rate=0.5, momentum=0.9)

    _assert_same_training(_train(_seed_model, False, optimizer=sgd, callbacks=[_HalveRate()]),
                          _train(_seed_model, True, optimizer=sgd, callbacks=[_HalveRate()]))


def test_adams_bias_correction_advances_with_the_device_counter(replays: _Replays) -> None:
    """Adam's step size depends on the step count through 1 - beta ** t. With beta_1 = 0.5 the
    correction changes a lot over the first steps; the captured weights match the eager ones only if
    the device counter advanced at every replay."""
    from neuropil.optimizers import Adam

    def adam() -> Any:
        return Adam(learning_rate=0.05, beta_1=0.5, beta_2=0.6)

    eager = _train(_seed_model, False, optimizer=adam, n=64, epochs=1)
    captured = _train(_seed_model, True, optimizer=adam, n=64, epochs=1)
    _assert_same_training(eager, captured)
    assert [replay for replay, _, _ in replays.calls] == [False, True, True]


class _HostBiasCorrection(Optimizer):
    """SGD with a step size from the host's step count: fine eagerly, frozen by a captured graph."""

    name = "host_bias_correction"
    device_step = True  # claims a device step, but does not honour it

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: Any, step: Any) -> None:
        param -= grad * (0.1 / (1.0 - 0.5 ** (self._iterations + 1)))


def test_the_emulated_device_refuses_a_per_step_host_scalar_in_a_captured_step() -> None:
    x, y = _data(64)
    with emulated_backend():
        model = _seed_model()
        model.compile(optimizer=_HostBiasCorrection(), loss="binary_crossentropy", backend="emulated",
                      jit_compile=True)
        with pytest.raises(CaptureError, match="kernel #.*differs at replay 1.*stale"):
            model.fit(x, y, batch_size=16, epochs=1, verbose=0)


def test_a_ragged_last_batch_runs_eagerly_without_recapture(replays: _Replays) -> None:
    """70 samples in batches of 32: two full batches and a ragged one of 6 per epoch; the ragged ones run
    eagerly between replays, with the same device counter, and the graph is never captured again."""
    eager = _train(_seed_model, False, n=70, batch_size=32, epochs=3)
    captured = _train(_seed_model, True, n=70, batch_size=32, epochs=3)
    _assert_same_training(eager, captured)
    assert len([g for g in replays.graphs if g.reference is not None]) == 1
    assert [replay for replay, _, _ in replays.calls] == [False] + [True] * 4  # 2 full batches x 3, less the warm-up


def test_numpy_cannot_capture_so_jit_compile_trains_eagerly() -> None:
    x, y = _data(48)
    results = []
    for jit_compile in (False, True):
        neuropil.utils.set_random_seed(3)
        model = _seed_model()
        model.compile(optimizer="adam", loss="binary_crossentropy", backend="numpy", jit_compile=jit_compile)
        assert model.backend.capture(lambda: None) is None
        history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
        results.append((history.history["loss"], [p.copy() for layer in model.layers for p in layer.params.values()]))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_an_optimizer_with_host_side_steps_trains_eagerly_with_a_warning(replays: _Replays) -> None:
    from neuropil.optimizers import Adam

    def adam_ema() -> Any:
        return Adam(learning_rate=0.01, use_ema=True)

    eager = _train(_seed_model, False, optimizer=adam_ema, n=48, epochs=1)
    with pytest.warns(RuntimeWarning, match="jit_compile=True: training eagerly, because Adam\\(use_ema=True\\)"):
        captured = _train(_seed_model, True, optimizer=adam_ema, n=48, epochs=1)
    _assert_same_training(eager, captured)
    assert not replays.calls


def test_jit_compile_must_be_a_boolean_or_auto() -> None:
    model = _seed_model()
    with pytest.raises(ArgumentError, match="compile expects jit_compile to be one of True, False, 'auto'.*'yes'"):
        model.compile(optimizer="adam", loss="mse", jit_compile="yes")
    model.compile(optimizer="adam", loss="mse")
    assert model.jit_compile == "auto"


def test_the_optimizer_returns_to_host_scalars_after_a_captured_fit() -> None:
    x, y = _data(48)
    with emulated_backend():
        model = _seed_model()
        model.compile(optimizer="adam", loss="binary_crossentropy", backend="emulated", jit_compile=True)
        model.fit(x, y, batch_size=16, epochs=1, verbose=0)
        assert model.optimizer.device_counter is None
        assert model.optimizer.iterations == 3



@pytest.mark.parametrize("schedule", [
    {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5,
                                                  "staircase": True}},
    {"class_name": "InverseTimeDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.7}},
    {"class_name": "PiecewiseConstantDecay", "config": {"boundaries": [2, 5], "values": [0.1, 0.05, 0.01]}},
    {"class_name": "PolynomialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 4, "power": 2.0,
                                                 "cycle": True}},
    {"class_name": "PolynomialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 6}},
    {"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 6, "alpha": 0.2}},
    {"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.0, "decay_steps": 5, "warmup_target": 0.1,
                                             "warmup_steps": 3}},
])
def test_standard_schedules_give_the_host_rate_for_a_device_step(schedule: dict[str, Any]) -> None:
    """A captured step evaluates its schedule at the device counter, branch-free and without a sync:
    the rates must be the host's at every step, boundaries and the warm-up's end included."""
    from neuropil import schedules

    rate = schedules.get(schedule)
    with emulated_backend() as device:
        for step in range(14):
            device_step = device.asarray(np.asarray(float(step)))
            with COUNTER.forbid("a schedule evaluated on a device step"):
                value = rate(device_step)
            assert device.owns(value)
            np.testing.assert_allclose(device.to_numpy(value), rate(step), rtol=1e-12, err_msg=f"step {step}")


def test_a_capture_the_backend_cannot_make_falls_back_to_eager_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on CuPy when a call refuses to run during stream capture: a warning quoting the reason, and
    the fit continues eagerly with the same results (the failed capture ran nothing)."""
    from neuropil.base.backend import CaptureUnavailableError

    def refuse() -> Any:
        raise CaptureUnavailableError("CUDA-graph capture of the training step failed: cuBLAS refused")

    eager = _train(_seed_model, False, n=64, epochs=2)
    monkeypatch.setattr(EmulatedDevice, "capture", lambda self, step_fn: refuse)
    with pytest.warns(RuntimeWarning, match="training eagerly, because CUDA-graph capture .* cuBLAS refused"):
        captured = _train(_seed_model, True, n=64, epochs=2)
    _assert_same_training(eager, captured)


def _regularized_model() -> Sequential:
    from neuropil.layers import BatchNormalization

    return Sequential([Dense(16, input_dim=10, activation="relu", kernel_regularizer="l2",
                             kernel_constraint="max_norm"), BatchNormalization(), Dense(1, activation="sigmoid")])


@pytest.mark.parametrize("optimizer", ["adamw", "rmsprop"])
def test_regularizers_constraints_batch_norm_and_weight_decay_capture_like_eager(optimizer: str,
                                                                                 replays: _Replays) -> None:
    """AdamW's decay factor comes from the device rate too; BatchNormalization's moving statistics,
    penalties and constraints run inside the captured step; validation runs eagerly after each epoch."""
    _assert_same_training(_train(_regularized_model, False, optimizer=optimizer, validation_split=0.2),
                          _train(_regularized_model, True, optimizer=optimizer, validation_split=0.2))
    assert sum(replay for replay, _, _ in replays.calls) >= 6


@pytest.mark.parametrize("name", ["adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "lion", "ftrl",
                                  "lamb"])
def test_every_optimizer_that_declares_a_device_step_captures_like_eager(name: str, replays: _Replays) -> None:
    assert type(neuropil.optimizers.get(name)).device_step
    _assert_same_training(_train(_small_model, False, optimizer=name, n=90, epochs=2),
                          _train(_small_model, True, optimizer=name, n=90, epochs=2))
    assert sum(replay for replay, _, _ in replays.calls) == 2 * 5 - 2  # 5 full batches per epoch, less warm-up, capture


@pytest.mark.parametrize("name", ["nadam", "adafactor"])
def test_optimizers_with_host_step_scalars_train_eagerly_under_jit_compile(name: str) -> None:
    assert not type(neuropil.optimizers.get(name)).device_step
    with pytest.warns(RuntimeWarning, match="computes its per-step scalars on the host"):
        _train(_small_model, True, optimizer=name, n=48, epochs=1)
