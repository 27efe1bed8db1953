"""``compile(jit_compile=True)`` for functional models: the one trainer captures any graph the executor runs.

The captured step is :func:`neuropil.models.steps.gradient_step`, the eager step's own body, so a
graph with a residual branch, a shared layer, several inputs and several weighted outputs captures
like a chain. As in ``tests/test_captured_step.py`` the reference is the same model trained eagerly
(``jit_compile=False``) on the emulated device, whose capture stand-in refuses anything a CUDA graph
could not replay (new buffers, syncs, uploads, changed host scalars).
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import neuropil
import numpy as np
import pytest
from neuropil.callbacks import Callback
from neuropil.graph.executor import leaf_layers
from neuropil.layers import Add, Concatenate, Dense
from neuropil.testing.emulated_device import EmulatedDevice, EmulatedGraph, emulated_backend


@pytest.fixture
def graphs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[EmulatedGraph, list[bool]]]]:
    """Every graph the emulated device makes, with one flag per call: True for a replay."""
    made: list[tuple[EmulatedGraph, list[bool]]] = []
    original = EmulatedDevice.capture

    def capture(self: EmulatedDevice, step_fn: Callable[[], Any]) -> Any:
        graph = original(self, step_fn)
        calls: list[bool] = []
        made.append((graph, calls))

        def call() -> Any:
            calls.append(graph.reference is not None)
            return graph()

        return call

    monkeypatch.setattr(EmulatedDevice, "capture", capture)
    yield made


def _replays(graphs: list[tuple[EmulatedGraph, list[bool]]]) -> int:
    return sum(sum(calls) for _, calls in graphs)


def _captures(graphs: list[tuple[EmulatedGraph, list[bool]]]) -> int:
    return sum(1 for _, calls in graphs if calls)


def _residual_model() -> neuropil.Model:
    """One input, one output, not a chain: the executor's general path, with two gradients summed."""
    inputs = neuropil.Input(shape=(6,), name="features")
    h = Dense(8, activation="relu", name="hidden")(inputs)
    skip = Dense(8, name="skip")(inputs)
    merged = Add(name="merged")([h, skip])
    outputs = Dense(1, activation="sigmoid", name="score")(merged)
    return neuropil.Model(inputs=inputs, outputs=outputs, name="residual")


def _shared_layer_model() -> neuropil.Model:
    """One Dense called twice: its parameter gradients are summed over the calls inside the step."""
    inputs = neuropil.Input(shape=(6,), name="features")
    shared = Dense(6, activation="tanh", name="shared")
    twice = shared(shared(inputs))
    outputs = Dense(1, activation="sigmoid", name="score")(twice)
    return neuropil.Model(inputs=inputs, outputs=outputs, name="shared")


def _nested_model() -> neuropil.Model:
    """A functional model used as a layer: its executor runs inside the outer one's step."""
    encoder_in = neuropil.Input(shape=(6,), name="encoder_input")
    encoder = neuropil.Model(encoder_in, Dense(4, activation="tanh", name="code")(encoder_in), name="encoder")
    outer_in = neuropil.Input(shape=(6,), name="features")
    outputs = Dense(1, activation="sigmoid", name="score")(encoder(outer_in))
    return neuropil.Model(outer_in, outputs, name="outer")


def _two_in_two_out_model() -> neuropil.Model:
    left = neuropil.Input(shape=(6,), name="left")
    right = neuropil.Input(shape=(4,), name="right")
    merged = Concatenate(name="merged")([Dense(5, activation="relu", name="l")(left),
                                         Dense(5, activation="relu", name="r")(right)])
    flag = Dense(1, activation="sigmoid", name="flag")(merged)
    kind = Dense(3, activation="softmax", name="kind")(merged)
    return neuropil.Model(inputs=[left, right], outputs=[flag, kind], name="two_by_two")


def _single_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(n, 6))
    return x, (x[:, :1] + 0.3 * rng.normal(size=(n, 1)) > 0).astype("float64")


def _train(factory: Callable[[], neuropil.Model], jit_compile: bool, x: Any, y: Any, compile_args: dict[str, Any],
           n_epochs: int = 3, batch_size: int = 16, callbacks: Any = None,
           **fit: Any) -> tuple[dict[str, list[float]], list[np.ndarray], int]:
    with emulated_backend() as device:
        neuropil.utils.set_random_seed(5)
        model = factory()
        model.compile(backend="emulated", jit_compile=jit_compile, **compile_args)
        model.progress_stream = io.StringIO()
        history = model.fit(x, y, batch_size=batch_size, epochs=n_epochs, verbose=0, callbacks=callbacks, **fit)
        weights = [device.to_numpy(p) for layer in model.layers for leaf in leaf_layers(layer)
                   for p in leaf.params.values()]
        assert model.optimizer.device_counter is None  # host scalars again after the fit
        return history.history, weights, model.optimizer.iterations


def _assert_same(eager: Any, captured: Any) -> None:
    (h_eager, w_eager, it_eager), (h_captured, w_captured, it_captured) = eager, captured
    assert h_captured.keys() == h_eager.keys()
    for key in h_eager:
        np.testing.assert_allclose(h_captured[key], h_eager[key], rtol=1e-6, err_msg=key)
    assert len(w_captured) == len(w_eager) > 0
    for a, b in zip(w_eager, w_captured):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    assert it_captured == it_eager


_BINARY = {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"]}


@pytest.mark.parametrize("factory", [_residual_model, _shared_layer_model, _nested_model],
                         ids=["residual", "shared_layer", "nested_model"])
def test_a_single_input_single_output_functional_model_captures_like_eager(
        factory: Callable[[], neuropil.Model], graphs: list[tuple[EmulatedGraph, list[bool]]]) -> None:
    """100 samples in batches of 16 for 3 epochs: 6 full batches an epoch, less the warm-up and the
    capture, are replays; the ragged batches of 4 run eagerly without a second capture."""
    x, y = _single_data(100)
    eager = _train(factory, False, x, y, _BINARY)
    assert not graphs
    captured = _train(factory, True, x, y, _BINARY)
    _assert_same(eager, captured)
    assert captured[2] == 3 * 7
    assert _captures(graphs) == 1
    assert _replays(graphs) == 3 * 6 - 2


def test_a_two_input_two_output_model_with_loss_weights_captures_like_eager(
        graphs: list[tuple[EmulatedGraph, list[bool]]]) -> None:
    """Each output's loss (the logs' ``flag_loss`` and ``kind_loss``) and the weighted total come out
    of the graph; the per-output metric runs eagerly on the graph's output buffers."""
    n = 80
    rng = np.random.default_rng(2)
    x = {"left": rng.normal(size=(n, 6)), "right": rng.normal(size=(n, 4))}
    y = {"flag": (x["left"][:, :1] > 0).astype("float64"), "kind": np.eye(3)[rng.integers(0, 3, n)]}
    weights = rng.random(n)
    args = {"optimizer": "adam", "loss": {"flag": "binary_crossentropy", "kind": "categorical_crossentropy"},
            "loss_weights": {"flag": 1.0, "kind": 0.5}, "metrics": {"flag": ["accuracy"]}}
    eager = _train(_two_in_two_out_model, False, x, y, args, sample_weight=weights)
    captured = _train(_two_in_two_out_model, True, x, y, args, sample_weight=weights)
    assert set(captured[0]) == {"loss", "flag_loss", "kind_loss", "flag_accuracy"}
    _assert_same(eager, captured)
    assert _captures(graphs) == 1
    assert _replays(graphs) == 3 * 5 - 2


class _FreezeAfterFirstEpoch(Callback):
    def __init__(self, layer_name: str) -> None:
        super().__init__()
        self.layer_name = layer_name

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch == 0:
            self.model.get_layer(self.layer_name).trainable = False


def test_freezing_a_layer_during_a_captured_fit_recaptures_the_step(
        graphs: list[tuple[EmulatedGraph, list[bool]]]) -> None:
    """A graph replays the parameters it was captured updating: freezing a layer between epochs must
    capture again (after one more eager warm-up), or the frozen layer would keep training."""
    x, y = _single_data(64)
    eager = _train(_residual_model, False, x, y, _BINARY, callbacks=[_FreezeAfterFirstEpoch("hidden")])
    captured = _train(_residual_model, True, x, y, _BINARY, callbacks=[_FreezeAfterFirstEpoch("hidden")])
    _assert_same(eager, captured)
    assert _captures(graphs) == 2
    # 4 batches an epoch. Epoch 1: warm-up, capture, 2 replays; epoch 2 (hidden frozen): warm-up,
    # capture, 2 replays; epoch 3: 4 replays of the second graph
    assert _replays(graphs) == 2 + 2 + 4
