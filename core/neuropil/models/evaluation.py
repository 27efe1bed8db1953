"""evaluate / predict / test_on_batch: running a compiled model without training it.

Validation inside ``fit`` runs through the same :meth:`Evaluation._evaluate_arrays`, so a ``val_*``
figure is exactly what ``evaluate`` would report for that data.
"""
from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from .. import checks
from ..callbacks import CallbackList
from ..errors import InputValidationError
from ..plugin_system.attribution import names_plugin_on_error
from . import data
from .compiled import Compiled
from .progress import Progbar
from .surface import ModelSurface


class Evaluation(ModelSurface):
    """The inference half of :class:`Sequential`; the data preparation and step helpers it calls
    (``_prepare``, ``_ready``, ``_forward``, ``_to_backend`` ...) live in :class:`Training`."""

    @names_plugin_on_error
    def _test_step(self, x: Any, y: Any, compiled: Compiled, weights: Any = None) -> Any:
        out, _ = self._forward(x, False, False)
        loss_value, _ = self._loss_of(compiled).forward(y, out, weights)
        for layer in self._layers:  # weight penalties count in the evaluated loss, as in Keras
            for name, regularizer in layer.regularizers.items():
                loss_value = loss_value + regularizer.loss(layer.params[name])
        self._update_metrics(compiled, y, out, weights)
        return loss_value

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = 32, verbose: int | str = "auto",
                 return_dict: bool = False, callbacks: list[Any] | None = None, sample_weight: Any = None) -> Any:
        """The loss (a float) when no metrics are compiled, else ``[loss, *metrics]``; or a dict.
        With ``sample_weight``, loss and metrics are weighted as in :meth:`fit`."""
        self._require_compiled("evaluate")
        batch_size = checks.count("evaluate", "batch_size", 32 if batch_size is None else batch_size)
        verbose = verbosity(verbose)
        xs, ys = self._prepare(x, y, "evaluate")
        ws = data.combined_weights(ys, sample_weight, None)
        compiled = self._ready()
        callback_list = CallbackList(callbacks, self, {"verbose": verbose})
        x_dev, y_dev, w_dev = self._to_backend(xs, ys, ws)
        logs = self._evaluate_arrays(compiled, x_dev, y_dev, w_dev, batch_size, verbose, callback_list)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _evaluate_arrays(self, compiled: Compiled, x: Any, y: Any, weights: Any, batch_size: int, verbose: int,
                         callback_list: CallbackList) -> dict[str, Any]:
        for metric in compiled.metrics:
            metric.reset_state()
        n = len(x)
        steps = math.ceil(n / batch_size)
        bar = Progbar(steps, verbose, self.progress_stream or sys.stdout)
        callback_list.on_test_begin()
        loss_sum: Any = 0.0
        for step in range(steps):
            start = step * batch_size
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            wb = None if weights is None else weights[start:start + batch_size]
            loss_sum = loss_sum + self._test_step(xb, yb, compiled, wb) * len(xb)
            if callback_list.wants_batches["on_test_batch_end"]:
                callback_list.on_test_batch_end(step, self._logs(compiled, loss_sum, start + len(xb)))
        logs = self._logs(compiled, loss_sum, n)
        bar.finish(logs)
        callback_list.on_test_end(logs)
        results = dict(logs)
        for metric in compiled.metrics:  # leave the training metrics fresh for the next epoch
            metric.reset_state()
        return results

    @names_plugin_on_error
    def predict(self, x: Any, batch_size: int | None = 32, verbose: int | str = "auto",
                callbacks: list[Any] | None = None) -> np.ndarray:
        """Outputs for ``x`` as a NumPy array (inference mode: dropout off)."""
        batch_size = checks.count("predict", "batch_size", 32 if batch_size is None else batch_size)
        verbose = verbosity(verbose)
        xs, _ = self._prepare(x, None, "predict")
        backend = self.backend
        x_dev = backend.asarray(xs)
        n = len(xs)
        steps = math.ceil(n / batch_size)
        bar = Progbar(steps, verbose, self.progress_stream or sys.stdout)
        outputs = []
        for step in range(steps):
            h = x_dev[step * batch_size:(step + 1) * batch_size]
            for layer in self._layers:
                h = layer.forward(h, False)[0]
            outputs.append(h)
        result = backend.to_numpy(backend.xp.concatenate(outputs, axis=0))
        bar.finish({})
        return result

    def predict_on_batch(self, x: Any) -> np.ndarray:
        return self.predict(x, batch_size=max(len(np.asarray(x)), 1), verbose=0)

    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """Loss (and metrics) on one batch, without updating anything."""
        self._require_compiled("test_on_batch")
        xs, ys = self._prepare(x, y, "test_on_batch")
        ws = data.combined_weights(ys, sample_weight, None)
        compiled = self._ready()
        x_dev, y_dev, w_dev = self._to_backend(xs, ys, ws)
        logs = self._evaluate_arrays(compiled, x_dev, y_dev, w_dev, len(xs), 0, CallbackList(None, self, {}))
        return shape_result(logs, return_dict)

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
