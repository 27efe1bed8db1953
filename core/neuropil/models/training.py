"""compile / fit / train_on_batch: the Keras training loop over a model's layers (evaluation and
prediction are in evaluation.py).

The loop is written for small models, where per-step Python overhead is the cost: data move to the
backend once per ``fit``, each epoch shuffles with one gather, batches are views, the running loss stays
a device scalar until a person reads it, and batch-level callback logs are built only when a callback
asks for them.
"""
from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from .. import checks, utils
from ..base.backend import get_backend
from ..callbacks import CallbackList, History
from ..errors import ArgumentTypeError, InputValidationError, ModelError, NotCompiledError
from ..plugin_system.attribution import names_plugin_on_error
from . import data
from .captured_step import CapturedTraining
from .compiled import Compiled, fused_output, resolve_loss, resolve_optimizer
from .evaluation import shape_result, verbosity
from .progress import Progbar
from .surface import ModelSurface


@dataclass
class StepPlan:
    slots: list[tuple[str, Any, str]]
    regularized: list[Any]
    constrained: list[Any]
    first_trained: int


@dataclass
class _Validation:
    """What ``fit`` validates on: (x, y, weights), each None without validation, and how often."""
    arrays: tuple[Any, Any, Any]
    batch_size: int
    freq: int


class Training(ModelSurface):
    """The training half of :class:`Sequential`."""

    def __init__(self) -> None:
        self.compiled: Compiled | None = None
        self.history: History | None = None
        self.stop_training = False
        #: A callback may set this in ``on_train_begin`` to make ``fit`` start at that epoch (resuming).
        self.resume_from_epoch: int | None = None
        self.progress_stream: TextIO | None = None  # None: sys.stdout at call time
        #: compile's ``jit_compile``: True captures the training step (see :mod:`.captured_step`).
        self.jit_compile: bool | str = "auto"

    # -- compile ---------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Iterable[Any] | None = None,
                backend: Any = None, weighted_metrics: Iterable[Any] | None = None,
                jit_compile: bool | str = "auto") -> None:
        """Choose optimizer, loss and metrics (names, instances, or plain ``fn(y_true, y_pred)``), and
        optionally the backend. Nothing changes on the model unless every piece resolves.

        As in Keras, ``metrics`` ignore sample and class weights; ``weighted_metrics`` are weighted by
        them (and equal plain metrics when no weights are given). ``jit_compile=True`` captures the
        training step once and replays it (a CUDA graph on CuPy; see :mod:`.captured_step`); where the
        backend cannot capture, and with ``"auto"`` (the default) or False, ``fit`` runs eagerly.
        """
        jit_compile = checks.one_of("compile", "jit_compile", jit_compile, (True, False, "auto"))
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and (isinstance(value, (str, dict)) or not isinstance(value, Iterable)):
                raise ArgumentTypeError(f"{argument} must be a list, received {type(value).__name__} ({value!r}); "
                                f"write {argument}=[{value!r}]")
        resolved_loss = resolve_loss(loss)
        resolved_optimizer = resolve_optimizer(optimizer)
        chosen_backend = get_backend(backend) if backend is not None else (self.backend or get_backend())
        compiled = Compiled(resolved_optimizer, resolved_loss, list(metrics or []), list(weighted_metrics or []))
        if self.built:
            compiled.resolve_metrics(self.output_shape)
        if self.backend is not None and chosen_backend is not self.backend and self.built:
            self._move_to(chosen_backend)
        self.backend = chosen_backend
        self.compiled = compiled
        self.jit_compile = jit_compile
        self._fused = None  # the fused output path depends on the loss: derived again on first use

    def _move_to(self, backend: Any) -> None:
        for layer in self._layers:
            for name, value in layer.params.items():
                layer.params[name] = backend.asarray(layer.backend.to_numpy(value))
            layer.backend = backend
            layer.backend_changed()

    def _structure_changed(self) -> None:
        """Forget what was derived from the layer stack (fused output path, resolved metrics)."""
        self._fused = None
        if self.compiled is not None:
            self.compiled.metrics = []

    @property
    def optimizer(self) -> Any:
        """The compiled optimizer (None before ``compile``); ``model.optimizer.learning_rate = 1e-4``
        changes the rate from the next step on."""
        return self.compiled.optimizer if self.compiled is not None else None

    @property
    def loss(self) -> Any:
        """The compiled loss (None before ``compile``)."""
        return self.compiled.loss if self.compiled is not None else None

    @property
    def metrics_names(self) -> list[str]:
        """The names ``evaluate`` returns its values under: ``["loss", *metric names]`` once the model is
        compiled and built (metric names such as 'accuracy' depend on the output shape)."""
        if self.compiled is None:
            return []
        if self.built and not self.compiled.resolved:
            self.compiled.resolve_metrics(self.output_shape)
        return ["loss", *(metric.name for metric in self.compiled.metrics)]

    def _require_compiled(self, call: str) -> Compiled:
        if self.compiled is None:
            raise NotCompiledError(f"the model must be compiled before {call}(): call "
                                   f"model.compile(optimizer=..., loss=...) first")
        return self.compiled

    # -- preparing data --------------------------------------------------------------------------
    def _prepare(self, x: Any, y: Any, call: str, what: str = "") -> tuple[np.ndarray, Any]:
        """Convert and validate (x, y) and build the model for them; raises before changing anything."""
        compiled = self.compiled
        xs = data.features(x, "x" + what)
        ys = None
        if y is not None:
            sparse = bool(compiled and getattr(compiled.loss, "sparse_targets", False))
            ys = data.targets(y, sparse, "y" + what)
        data.check_lengths(xs, ys, what)
        if not self._layers:
            raise ModelError(f"{call}() on a model with no layers: add layers first")
        expected = self.input_shape or (self._layers[0].input_shape if self._layers[0].built else None)
        if expected is not None and tuple(xs.shape[1:]) != tuple(expected):
            first = self.layers[0] if self.layers else self._layers[0]
            raise InputValidationError(
                f"layer {first.name!r} expects inputs of per-sample shape {tuple(expected)}, received "
                f"{tuple(xs.shape[1:])} (x{what} has shape {xs.shape})")
        if not self.built:
            self.build(tuple(xs.shape[1:]))
        if ys is not None and compiled is not None:
            if ys.ndim == 1 and not compiled.loss.sparse_targets and self.output_shape == (1,):
                ys = ys[:, None]
            compiled.loss.check_targets(ys, self.output_shape)
        return xs, ys

    def _ready(self) -> Compiled:
        """Resolve what needs the output shape (metrics, fused path) on first use."""
        compiled = self._require_compiled("fit")
        if not compiled.resolved:
            compiled.resolve_metrics(self.output_shape)
        if self._fused is None:
            self._fused = fused_output(self._layers[-1], compiled.loss)
        return compiled

    def _plan(self) -> StepPlan:
        """What one training step touches, derived once per epoch from the layers' current flags.

        Backward stops at the first layer with trainable parameters: nothing below it has a gradient
        to compute, and that layer is told (``input_gradient = False``) that nobody reads its ``dx``.
        """
        layers = self._layers
        trained = [i for i, layer in enumerate(layers) if layer.trainable and layer.trainable_params]
        first = trained[0] if trained else len(layers)
        for i, layer in enumerate(layers):
            layer.input_gradient = i > first
        return StepPlan(
            slots=[(f"{layer.name}/{name}", layer, name) for layer in layers if layer.trainable
                   for name in layer.params if name in layer.trainable_params],
            regularized=[layer for layer in layers if layer.has_loss_terms],
            constrained=[layer for layer in layers if layer.constraints],
            first_trained=first,
        )

    # -- one step --------------------------------------------------------------------------------
    def _forward(self, x: Any, training: bool, with_backward: bool) -> tuple[Any, list[Any]]:
        """Run the layers; returns the loss input and the backward closures (if asked for).

        With a fused output, the last layer returns logits: the loss input is the logits, and
        predictions are computed from them (:meth:`_predictions`) only when metrics need them.
        """
        logits_loss, _ = self._fused or (None, None)
        backs = []
        h = x
        last = len(self._layers) - 1
        for i, layer in enumerate(self._layers):
            if i == last and logits_loss is not None:
                h, back = layer.forward_logits(h, training)
            else:
                h, back = layer.forward(h, training)
            if with_backward:
                backs.append(back)
        return h, backs

    def _predictions(self, out: Any) -> Any:
        fused: tuple[Any, Any] = self._fused or (None, None)
        logits_loss, activation = fused
        return activation(out) if logits_loss is not None else out

    def _loss_of(self, compiled: Compiled) -> Any:
        logits_loss, _ = self._fused or (None, None)
        return logits_loss if logits_loss is not None else compiled.loss

    @names_plugin_on_error
    def _train_step(self, x: Any, y: Any, compiled: Compiled, plan: StepPlan, weights: Any = None) -> Any:
        out, backs = self._forward(x, True, True)
        loss_value, loss_backward = self._loss_of(compiled).forward(y, out, weights)
        grad = loss_backward()
        for back in reversed(backs[plan.first_trained:]):
            grad = back(grad)
        for layer in plan.regularized:
            loss_value = loss_value + layer.regularization_loss()
            layer.add_regularization_gradients()
        compiled.optimizer.apply_gradients([(key, layer.params[n], layer.grads[n]) for key, layer, n in plan.slots])
        for layer in plan.constrained:
            layer.apply_constraints()
        self._update_metrics(compiled, y, out, weights)
        return loss_value

    def _update_metrics(self, compiled: Compiled, y: Any, out: Any, weights: Any) -> None:
        if not compiled.metrics:
            return
        predictions = self._predictions(out)
        for index, metric in enumerate(compiled.metrics):
            if weights is None or not compiled.weighs(index):
                metric.update_state(y, predictions)
            else:
                metric.update_state(y, predictions, sample_weight=weights)

    # -- fit -------------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = 32, epochs: int = 1, verbose: int | str = "auto",
            callbacks: list[Any] | None = None, validation_split: float = 0.0, validation_data: Any = None,
            shuffle: bool = True, initial_epoch: int = 0, sample_weight: Any = None,
            class_weight: dict[int, float] | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1) -> History:
        """Train for ``epochs`` epochs; returns a :class:`History` with loss, metrics and ``val_*``.

        ``sample_weight`` (one weight per sample) or ``class_weight`` (``{class id: weight}``) scale
        each sample's loss and metric contribution, as in Keras; ``validation_data`` may carry its own
        weights as a third element. Class weights apply to training samples only. Validation runs
        every ``validation_freq`` epochs, in batches of ``validation_batch_size`` (default: ``batch_size``).
        """
        compiled = self._require_compiled("fit")
        batch_size = checks.count("fit", "batch_size", 32 if batch_size is None else batch_size)
        validation_batch_size = batch_size if validation_batch_size is None else \
            checks.count("fit", "validation_batch_size", validation_batch_size)
        validation_freq = checks.count("fit", "validation_freq", validation_freq)  # validate every that many epochs
        checks.count("fit", "epochs", epochs, minimum=0)
        verbose = verbosity(verbose)
        xs, ys = self._prepare(x, y, "fit")
        ws = data.combined_weights(ys, sample_weight, class_weight)
        if validation_data is None and validation_split:
            xs, ys, ws, xv, yv, wv = data.split_validation(xs, ys, ws, validation_split)
            if class_weight is not None:  # as Keras: validation samples are never class-weighted
                wv = None
        elif validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise InputValidationError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                                           f"sample_weight_val), received {type(validation_data).__name__}")
            xv, yv = self._prepare(validation_data[0], validation_data[1], "fit", "_val")
            wv = data.combined_weights(yv, validation_data[2] if len(validation_data) == 3 else None, None,
                                       "_val")
        else:
            xv = yv = wv = None
        compiled = self._ready()
        history = History()
        steps = math.ceil(len(xs) / batch_size)
        params = {"verbose": verbose, "epochs": epochs, "steps": steps, "batch_size": batch_size,
                  "do_validation": xv is not None}
        callback_list = CallbackList([*(callbacks or []), history], self, params)  # last, as Keras: it sees logs others added
        validation = _Validation((xv, yv, wv), validation_batch_size, validation_freq)
        return self._fit_loop(compiled, (xs, ys, ws), validation, batch_size, epochs, verbose, callback_list,
                              history, shuffle, initial_epoch)

    def _fit_loop(self, compiled: Compiled, train: tuple[Any, ...], validation: _Validation, batch_size: int,
                  epochs: int, verbose: int, callback_list: CallbackList, history: History, shuffle: bool,
                  initial_epoch: int) -> History:
        backend = self.backend
        xp = backend.xp
        # Moved to the backend once per fit, not per batch; weights stay None on the unweighted path.
        x_dev, y_dev, w_dev = self._to_backend(*train)
        val = None if validation.arrays[0] is None else self._to_backend(*validation.arrays)
        n = len(x_dev)
        steps = math.ceil(n / batch_size)
        rng = utils.global_rng()
        wants_batch_logs = callback_list.wants_batches["on_train_batch_end"]
        self.stop_training = False
        callback_list.on_train_begin()
        if self.resume_from_epoch is not None:  # set by a callback's on_train_begin (BackupAndRestore)
            initial_epoch, self.resume_from_epoch = self.resume_from_epoch, None
        stream = self.progress_stream or sys.stdout
        captured = CapturedTraining.for_fit(self, compiled, batch_size)  # None: the eager step
        for epoch in range(initial_epoch, epochs):
            plan = self._plan()
            for metric in compiled.metrics:
                metric.reset_state()
            callback_list.on_epoch_begin(epoch)
            if verbose:
                stream.write(f"Epoch {epoch + 1}/{epochs}\n")
            bar = Progbar(steps, verbose, stream)
            if shuffle:
                order = backend.asarray(rng.permutation(n))
                xe, ye = xp.take(x_dev, order, axis=0), xp.take(y_dev, order, axis=0)
                we = None if w_dev is None else xp.take(w_dev, order, axis=0)
            else:
                xe, ye, we = x_dev, y_dev, w_dev
            loss_sum: Any = 0.0
            seen = 0
            for step in range(steps):
                start = step * batch_size
                xb, yb = xe[start:start + batch_size], ye[start:start + batch_size]
                if callback_list.wants_batches["on_train_batch_begin"]:
                    callback_list.on_train_batch_begin(step)
                wb = None if we is None else we[start:start + batch_size]
                loss_value = self._train_step(xb, yb, compiled, plan, wb) if captured is None else \
                    captured.step(xb, yb, wb, plan)
                count = len(xb)
                loss_sum = loss_sum + loss_value * count
                seen += count
                if wants_batch_logs:
                    callback_list.on_train_batch_end(step, self._logs(compiled, loss_sum, seen))
                if bar.due():
                    bar.update(step + 1, lambda: self._logs(compiled, loss_sum, seen))
                if self.stop_training:
                    break
            logs = self._logs(compiled, loss_sum, seen)
            if val is not None and (epoch + 1) % validation.freq == 0:
                val_logs = self._evaluate_arrays(compiled, val[0], val[1], val[2], validation.batch_size, 0, callback_list)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            bar.finish(logs)
            callback_list.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        if captured is not None:
            captured.close()
        finalize = getattr(compiled.optimizer, "finalize_variable_values", None)
        if finalize is not None and epochs > initial_epoch:  # Keras: e.g. the EMA weights replace the trained ones
            finalize([(key, layer.params[name]) for key, layer, name in self._plan().slots])
        callback_list.on_train_end(logs if epochs > initial_epoch else {})
        self.history = history
        return history

    @staticmethod
    def _logs(compiled: Compiled, loss_sum: Any, seen: int) -> dict[str, Any]:
        logs: dict[str, Any] = {"loss": float(loss_sum) / max(seen, 1)}
        for metric in compiled.metrics:
            logs[metric.name] = metric.result()
        return logs

    def _to_backend(self, *arrays: np.ndarray | None) -> list[Any]:
        return [None if a is None else self.backend.asarray(a) for a in arrays]

    def train_on_batch(self, x: Any, y: Any, sample_weight: Any = None, class_weight: dict[int, float] | None = None,
                       return_dict: bool = False) -> Any:
        """One optimizer step on one batch; returns the loss (and metrics) on that batch."""
        self._require_compiled("train_on_batch")
        xs, ys = self._prepare(x, y, "train_on_batch")
        ws = data.combined_weights(ys, sample_weight, class_weight)
        compiled = self._ready()
        for metric in compiled.metrics:
            metric.reset_state()
        x_dev, y_dev, w_dev = self._to_backend(xs, ys, ws)
        loss_value = self._train_step(x_dev, y_dev, compiled, self._plan(), w_dev)
        return shape_result(self._logs(compiled, loss_value * len(xs), len(xs)), return_dict)
