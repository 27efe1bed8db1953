"""The one trainer: compile / fit / evaluate / predict / *_on_batch for every model.

A model supplies its structure (what :class:`ModelStructure` declares: the executor over its graph,
its input and output names and shapes, its layers); the trainer owns everything about training, so
Sequential and functional models train by the same code.

The loop is written for small models, where per-step Python overhead is the cost: data move to the
backend once per ``fit``, each epoch shuffles with one gather per array, batches are views, the
running loss stays a device scalar until a person reads it, and batch-level callback logs are built
only when a callback asks for them.
"""
from __future__ import annotations

import functools
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from .. import checks, utils
from ..base.backend import get_backend
from ..callbacks import CallbackList, History
from ..errors import InputValidationError, NotCompiledError
from ..plugin_system.attribution import names_plugin_on_error
from . import data, inputs, steps
from .captured_step import CapturedTraining
from .compiled import Compiled, fused_output, resolve_optimizer
from .objectives import objectives
from .progress import Progbar
from .structure import ModelStructure


@dataclass
class _Arrays:
    """A data set on its way through ``fit``: inputs, targets (one per output) and sample weights."""
    xs: list[Any]
    ys: list[Any]
    weights: Any

    def __len__(self) -> int:
        return len(self.xs[0])

    def take(self, xp: Any, order: Any) -> _Arrays:
        return _Arrays([xp.take(a, order, axis=0) for a in self.xs], [xp.take(a, order, axis=0) for a in self.ys],
                       None if self.weights is None else xp.take(self.weights, order, axis=0))

    def rows(self, start: int, stop: int) -> tuple[list[Any], list[Any], Any]:
        return ([a[start:stop] for a in self.xs], [a[start:stop] for a in self.ys],
                None if self.weights is None else self.weights[start:stop])

    def split(self, fraction: float, keep_weights: bool) -> tuple[_Arrays, _Arrays]:
        """Keras's ``validation_split``: the last ``fraction`` of the samples, before shuffling."""
        n = len(self)
        if not 0.0 <= fraction < 1.0:
            raise InputValidationError(f"validation_split must be in [0, 1), received {fraction!r}")
        n_val = int(n * fraction)
        if fraction > 0 and (n_val == 0 or n_val == n):
            raise InputValidationError(f"validation_split={fraction} leaves {n - n_val} training and {n_val} "
                                       f"validation samples of {n}; both must be non-empty")
        cut = n - n_val
        w = self.weights
        return (_Arrays([a[:cut] for a in self.xs], [a[:cut] for a in self.ys], None if w is None else w[:cut]),
                _Arrays([a[cut:] for a in self.xs], [a[cut:] for a in self.ys],
                        None if w is None or not keep_weights else w[cut:]))


class Trainer(ModelStructure):
    """compile / fit / evaluate / predict for a model whose structure a subclass provides."""

    def _init_trainer(self) -> None:
        self.compiled: Compiled | None = None
        self.history: History | None = None
        self.stop_training = False
        #: A callback may set this in ``on_train_begin`` to make ``fit`` start at that epoch (resuming).
        self.resume_from_epoch: int | None = None
        self.progress_stream: TextIO | None = None  # None: sys.stdout at call time
        #: compile's ``jit_compile``: True captures the training step (see :mod:`.captured_step`).
        self.jit_compile: bool | str = "auto"

    # -- compile ---------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None,
                metrics: Iterable[Any] | dict[str, Any] | None = None, backend: Any = None,
                weighted_metrics: Iterable[Any] | dict[str, Any] | None = None, loss_weights: Any = None,
                jit_compile: bool | str = "auto") -> None:
        """Choose optimizer, loss(es) and metrics (names, instances, or plain ``fn(y_true, y_pred)``), and
        optionally the backend. Nothing changes on the model unless every piece resolves.

        A model with several outputs takes one loss for all, a list (one per output) or a dict by
        output layer name; ``loss_weights`` and ``metrics`` likewise (a list of lists or a dict). As in
        Keras, ``metrics`` ignore sample and class weights; ``weighted_metrics`` are weighted by them.
        ``jit_compile=True`` makes ``fit`` capture the training step once and replay it (a CUDA graph on
        CuPy; see :mod:`.captured_step`); where the backend cannot capture, and with ``"auto"`` (the
        default) or False, ``fit`` runs eagerly.
        """
        jit_compile = checks.one_of("compile", "jit_compile", jit_compile, (True, False, "auto"))
        made, structure = objectives(loss, metrics, weighted_metrics, loss_weights, self.output_names)
        resolved_optimizer = resolve_optimizer(optimizer)
        chosen_backend = get_backend(backend) if backend is not None else (self.backend or get_backend())
        compiled = Compiled(resolved_optimizer, made, structure)
        if self.built:
            compiled.resolve_metrics(self._output_shapes())
        if self.backend is not None and chosen_backend is not self.backend and self.built:
            self._move_to(chosen_backend)
        self.backend = chosen_backend
        self.compiled = compiled
        self.jit_compile = jit_compile

    def _move_to(self, backend: Any) -> None:
        """Put every parameter on ``backend`` (a layer built elsewhere, or a compile that switches)."""
        for layer in self._layers:
            if layer.backend is backend:
                continue
            moved = layer.backend is not None  # built elsewhere (not a fresh InputLayer)
            for name, value in layer.params.items():
                layer.params[name] = backend.asarray(layer.backend.to_numpy(value) if layer.backend else value)
            layer.backend = backend
            changed = getattr(layer, "backend_changed", None)  # main's Layer protocol (after a move)
            if moved and callable(changed):
                changed()

    def _structure_changed(self) -> None:
        """Forget what was derived from the graph (executor, fused output paths, resolved metrics)."""
        self._forget_executor()
        if self.compiled is not None:
            self.compiled.forget_resolved()

    @property
    def optimizer(self) -> Any:
        """The compiled optimizer (None before ``compile``); ``model.optimizer.learning_rate = 1e-4``
        changes the rate from the next step on."""
        return self.compiled.optimizer if self.compiled is not None else None

    @property
    def loss(self) -> Any:
        """The compiled loss (a list of them for several outputs; None before ``compile``)."""
        return self.compiled.loss if self.compiled is not None else None

    @property
    def metrics_names(self) -> list[str]:
        """The names ``evaluate`` returns its values under: ``["loss", *per-output losses, *metrics]``
        once the model is compiled and built (names such as 'accuracy' depend on the output shape)."""
        if self.compiled is None:
            return []
        if self.built and not self.compiled.resolved:
            self.compiled.resolve_metrics(self._output_shapes())
        return ["loss", *self._output_loss_names(self.compiled), *(m.name for m in self.compiled.metrics)]

    def _require_compiled(self, call: str) -> Compiled:
        if self.compiled is None:
            raise NotCompiledError(f"the model must be compiled before {call}(): call "
                                   f"model.compile(optimizer=..., loss=...) first")
        return self.compiled

    # -- preparing data --------------------------------------------------------------------------
    def _prepare(self, x: Any, y: Any, call: str,
                 what: str = "") -> tuple[list[np.ndarray], list[np.ndarray] | None]:
        """Convert and validate (x, y), matched to the inputs and outputs, and build the model for them;
        raises before changing anything."""
        compiled = self.compiled
        xs = inputs.features(x, self.input_names, what)
        ys = None
        if y is not None:
            sparse = [bool(getattr(o.loss, "sparse_targets", False)) for o in compiled.objectives] if compiled \
                else [False] * len(self.output_names)
            ys = inputs.targets(y, self.output_names, sparse, what)
        inputs.check_lengths(xs, ys, what)
        self._check_input_shapes(xs, call, what)
        if ys is not None and compiled is not None:
            for i, (objective, shape) in enumerate(zip(compiled.objectives, self._output_shapes())):
                if ys[i].ndim == 1 and not objective.loss.sparse_targets and tuple(shape) == (1,):
                    ys[i] = ys[i][:, None]
                objective.loss.check_targets(ys[i], tuple(shape))
        return xs, ys

    def _ready(self, call: str = "fit") -> Compiled:
        """Resolve what needs the output shapes (metrics, fused output paths) on first use."""
        compiled = self._require_compiled(call)
        if not compiled.resolved:
            compiled.resolve_metrics(self._output_shapes())
        executor = self._executor()
        if getattr(executor, "_fused_for", None) is not compiled:
            wanted = [fused_output(layer, o.loss) for layer, o in zip(self._output_layers(), compiled.objectives)]
            granted = executor.set_logits([f[0] is not None for f in wanted])
            for objective, fused, ok in zip(compiled.objectives, wanted, granted):
                objective.fused = fused if ok else (None, None)
            executor._fused_for = compiled  # type: ignore[attr-defined]
        return compiled

    def _to_backend(self, *arrays: np.ndarray | None) -> list[Any]:
        return [None if a is None else self.backend.asarray(a) for a in arrays]

    def _device(self, xs: list[np.ndarray], ys: list[np.ndarray] | None, weights: Any) -> _Arrays:
        to = self.backend.asarray
        return _Arrays([to(a) for a in xs], [to(a) for a in ys or []], None if weights is None else to(weights))

    def _output_loss_names(self, compiled: Compiled) -> list[str]:
        return [f"{o.output_name}_loss" for o in compiled.objectives] if len(compiled.objectives) > 1 else []

    def _logs(self, compiled: Compiled, loss_sum: Any, output_sums: list[Any], seen: int) -> dict[str, Any]:
        logs: dict[str, Any] = {"loss": float(loss_sum) / max(seen, 1)}
        for name, total in zip(self._output_loss_names(compiled), output_sums):
            logs[name] = float(total) / max(seen, 1)
        for metric in compiled.metrics:
            logs[metric.name] = metric.result()
        return logs

    def _weights(self, ys: list[np.ndarray], sample_weight: Any, class_weight: Any, what: str = "") -> Any:
        if class_weight is not None and len(ys) > 1:
            raise InputValidationError("class_weight is supported for models with one output only (as in Keras); "
                                       "pass sample_weight instead")
        return data.combined_weights(ys[0], sample_weight, class_weight, what)

    # -- fit -------------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = 32, epochs: int = 1,
            verbose: int | str = "auto",
            callbacks: list[Any] | None = None, validation_split: float = 0.0, validation_data: Any = None,
            shuffle: bool = True, initial_epoch: int = 0, sample_weight: Any = None,
            class_weight: dict[int, float] | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1) -> History:
        """Train for ``epochs`` epochs; returns a :class:`History` with loss, metrics and ``val_*``.

        ``x`` and ``y`` are one array each, or lists (in input/output order) or dicts (by the Input's
        and the output layer's names) for several. ``sample_weight`` or ``class_weight`` scale each
        sample's loss and metric contribution, as in Keras; ``validation_data`` may carry its own
        weights as a third element. Validation runs every ``validation_freq`` epochs.
        """
        compiled = self._require_compiled("fit")
        batch_size = checks.count("fit", "batch_size", 32 if batch_size is None else batch_size)
        validation_batch_size = batch_size if validation_batch_size is None else \
            checks.count("fit", "validation_batch_size", validation_batch_size)
        validation_freq = checks.count("fit", "validation_freq", validation_freq)
        checks.count("fit", "epochs", epochs, minimum=0)
        verbose = verbosity(verbose)
        xs, ys = self._prepare(x, y, "fit")
        assert ys is not None or y is None
        if ys is None:
            raise InputValidationError("fit() needs targets y")
        train = _Arrays(xs, ys, self._weights(ys, sample_weight, class_weight))
        val: _Arrays | None = None
        if validation_data is None and validation_split:
            train, val = train.split(validation_split, keep_weights=class_weight is None)
        elif validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise InputValidationError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                                           f"sample_weight_val), received {type(validation_data).__name__}")
            xv, yv = self._prepare(validation_data[0], validation_data[1], "fit", "_val")
            assert yv is not None
            wv = data.combined_weights(yv[0], validation_data[2] if len(validation_data) == 3 else None, None,
                                       "_val")
            val = _Arrays(xv, yv, wv)
        compiled = self._ready()
        history = History()
        steps_per_epoch = math.ceil(len(train) / batch_size)
        params = {"verbose": verbose, "epochs": epochs, "steps": steps_per_epoch, "batch_size": batch_size,
                  "do_validation": val is not None}
        # History goes last, as in Keras: it sees the logs other callbacks added
        callback_list = CallbackList([*(callbacks or []), history], self, params)
        device_train = self._device(train.xs, train.ys, train.weights)
        device_val = None if val is None else self._device(val.xs, val.ys, val.weights)
        with self.backend.session():
            return self._fit_loop(compiled, device_train, device_val, validation_batch_size, validation_freq,
                                  batch_size, epochs, verbose, callback_list, history, shuffle, initial_epoch)

    def _fit_loop(self, compiled: Compiled, train: _Arrays, val: _Arrays | None, val_batch: int, val_freq: int,
                  batch_size: int, epochs: int, verbose: int, callback_list: CallbackList, history: History,
                  shuffle: bool, initial_epoch: int) -> History:
        backend = self.backend
        xp = backend.xp
        executor = self._executor()
        n = len(train)
        steps_per_epoch = math.ceil(n / batch_size)
        rng = utils.global_rng()
        wants_batch_logs = callback_list.wants_batches["on_train_batch_end"]
        several = len(compiled.objectives) > 1
        self.stop_training = False
        callback_list.on_train_begin()
        if self.resume_from_epoch is not None:  # set by a callback's on_train_begin (BackupAndRestore)
            initial_epoch, self.resume_from_epoch = self.resume_from_epoch, None
        stream = self.progress_stream or sys.stdout
        logs: dict[str, Any] = {}
        captured = CapturedTraining.for_fit(self, executor, compiled, batch_size)  # None: the eager step
        for epoch in range(initial_epoch, epochs):
            plan = executor.plan_gradients()
            for metric in compiled.metrics:
                metric.reset_state()
            callback_list.on_epoch_begin(epoch)
            if verbose:
                stream.write(f"Epoch {epoch + 1}/{epochs}\n")
            bar = Progbar(steps_per_epoch, verbose, stream)
            epoch_data = train.take(xp, backend.asarray(rng.permutation(n))) if shuffle else train
            loss_sum: Any = 0.0
            output_sums: list[Any] = [0.0] * len(compiled.objectives) if several else []
            seen = 0
            for step in range(steps_per_epoch):
                start = step * batch_size
                xb, yb, wb = epoch_data.rows(start, start + batch_size)
                if callback_list.wants_batches["on_train_batch_begin"]:
                    callback_list.on_train_batch_begin(step)
                loss_value, per_output = steps.train_step(executor, compiled, plan, xb, yb, wb) \
                    if captured is None else captured.step(xb, yb, wb, plan)
                count = len(xb[0])
                loss_sum = loss_sum + loss_value * count
                if several:
                    output_sums = [total + value * count for total, value in zip(output_sums, per_output)]
                seen += count
                if wants_batch_logs:
                    callback_list.on_train_batch_end(step, self._logs(compiled, loss_sum, output_sums, seen))
                if bar.due():
                    bar.update(step + 1, functools.partial(self._logs, compiled, loss_sum, output_sums, seen))
                if self.stop_training:
                    break
            logs = self._logs(compiled, loss_sum, output_sums, seen)
            if val is not None and (epoch + 1) % val_freq == 0:
                val_logs = self._evaluate_arrays(compiled, val, val_batch, 0, callback_list)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            bar.finish(logs)
            callback_list.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        if captured is not None:
            captured.close()
        finalize = getattr(compiled.optimizer, "finalize_variable_values", None)
        if finalize is not None and epochs > initial_epoch:  # Keras: e.g. the EMA weights replace the trained ones
            finalize([(key, layer.params[name]) for key, layer, name in executor.plan_gradients().slots])
        callback_list.on_train_end(logs if epochs > initial_epoch else {})
        self.history = history
        return history

    def train_on_batch(self, x: Any, y: Any, sample_weight: Any = None, class_weight: dict[int, float] | None = None,
                       return_dict: bool = False) -> Any:
        """One optimizer step on one batch; returns the loss (and metrics) on that batch."""
        self._require_compiled("train_on_batch")
        xs, ys = self._prepare(x, y, "train_on_batch")
        assert ys is not None
        weights = self._weights(ys, sample_weight, class_weight)
        compiled = self._ready()
        for metric in compiled.metrics:
            metric.reset_state()
        batch = self._device(xs, ys, weights)
        executor = self._executor()
        with self.backend.session():
            total, per_output = steps.train_step(executor, compiled, executor.plan_gradients(), batch.xs, batch.ys,
                                                 batch.weights)
        n = len(xs[0])
        sums = [value * n for value in per_output] if len(per_output) > 1 else []
        return shape_result(self._logs(compiled, total * n, sums, n), return_dict)

    # -- evaluate / predict ----------------------------------------------------------------------
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = 32, verbose: int | str = "auto",
                 return_dict: bool = False, callbacks: list[Any] | None = None, sample_weight: Any = None) -> Any:
        """The loss (a float) when nothing else is logged, else ``[loss, *output losses, *metrics]``; or a
        dict. With ``sample_weight``, loss and metrics are weighted as in :meth:`fit`."""
        self._require_compiled("evaluate")
        batch_size = checks.count("evaluate", "batch_size", 32 if batch_size is None else batch_size)
        verbose = verbosity(verbose)
        xs, ys = self._prepare(x, y, "evaluate")
        if ys is None:
            raise InputValidationError("evaluate() needs targets y")
        weights = data.combined_weights(ys[0], sample_weight, None)
        compiled = self._ready("evaluate")
        callback_list = CallbackList(callbacks, self, {"verbose": verbose})
        logs = self._evaluate_arrays(compiled, self._device(xs, ys, weights), batch_size, verbose, callback_list)
        return shape_result(logs, return_dict)

    def _evaluate_arrays(self, compiled: Compiled, arrays: _Arrays, batch_size: int, verbose: int,
                         callback_list: CallbackList) -> dict[str, Any]:
        for metric in compiled.metrics:
            metric.reset_state()
        executor = self._executor()
        layers = self._layers
        n = len(arrays)
        several = len(compiled.objectives) > 1
        steps_total = math.ceil(n / batch_size)
        bar = Progbar(steps_total, verbose, self.progress_stream or sys.stdout)
        callback_list.on_test_begin()
        loss_sum: Any = 0.0
        output_sums: list[Any] = [0.0] * len(compiled.objectives) if several else []
        with self.backend.session():
            for step in range(steps_total):
                start = step * batch_size
                xb, yb, wb = arrays.rows(start, start + batch_size)
                total, per_output = steps.test_step(executor, compiled, layers, xb, yb, wb)
                count = len(xb[0])
                loss_sum = loss_sum + total * count
                if several:
                    output_sums = [s + v * count for s, v in zip(output_sums, per_output)]
                if callback_list.wants_batches["on_test_batch_end"]:
                    callback_list.on_test_batch_end(step, self._logs(compiled, loss_sum, output_sums, start + count))
        logs = self._logs(compiled, loss_sum, output_sums, n)
        bar.finish(logs)
        callback_list.on_test_end(logs)
        results = dict(logs)
        for metric in compiled.metrics:  # leave the training metrics fresh for the next epoch
            metric.reset_state()
        return results

    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """Loss (and metrics) on one batch, without updating anything."""
        self._require_compiled("test_on_batch")
        xs, ys = self._prepare(x, y, "test_on_batch")
        assert ys is not None
        weights = data.combined_weights(ys[0], sample_weight, None)
        compiled = self._ready("test_on_batch")
        logs = self._evaluate_arrays(compiled, self._device(xs, ys, weights), len(xs[0]), 0,
                                     CallbackList(None, self, {}))
        return shape_result(logs, return_dict)

    @names_plugin_on_error
    def predict(self, x: Any, batch_size: int | None = 32, verbose: int | str = "auto",
                callbacks: list[Any] | None = None) -> Any:
        """Outputs for ``x`` as NumPy arrays (inference mode: dropout off): one array for one output,
        else a list (or a dict, for a model whose outputs were given as a dict)."""
        batch_size = checks.count("predict", "batch_size", 32 if batch_size is None else batch_size)
        verbose = verbosity(verbose)
        xs, _ = self._prepare(x, None, "predict")
        executor = self._executor()
        return self._structured_outputs(self._run_batched(executor, xs, batch_size, verbose), executor)

    def _run_batched(self, executor: Any, xs: list[np.ndarray], batch_size: int, verbose: int = 0) -> list[np.ndarray]:
        """The executor's outputs for ``xs``, batch by batch, as NumPy arrays (the prediction pass)."""
        backend = self.backend
        device = [backend.asarray(a) for a in xs]
        n = len(xs[0])
        steps_total = math.ceil(n / batch_size)
        bar = Progbar(steps_total, verbose, self.progress_stream or sys.stdout)
        chunks: list[list[Any]] = [[] for _ in executor.outputs]
        with backend.session():
            for step in range(steps_total):
                rows = [a[step * batch_size:(step + 1) * batch_size] for a in device]
                outs, _ = executor.forward(rows, False, False, logits=False)
                for chunk, out in zip(chunks, outs):
                    chunk.append(out)
        results = [backend.to_numpy(backend.xp.concatenate(chunk, axis=0)) for chunk in chunks]
        bar.finish({})
        return results

    def predict_on_batch(self, x: Any) -> Any:
        first = inputs.by_name(x, self.input_names, "x", "input")[0]
        return self.predict(x, batch_size=max(len(np.asarray(first)), 1), verbose=0)


def shape_result(logs: dict[str, Any], return_dict: bool) -> Any:
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def verbosity(verbose: int | str) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise InputValidationError(f"verbose must be 0, 1, 2 or 'auto', received {verbose!r}")
    return int(verbose)


__all__ = ["Trainer", "shape_result", "verbosity"]
