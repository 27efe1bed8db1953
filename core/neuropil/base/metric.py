"""The metric contract: streaming state updated per batch, read at the end of an epoch.

State lives where the data lives (backend arrays); only :meth:`Metric.result` brings a value to the
host, so a GPU metric costs no synchronisation per batch.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .backend import array_module


class Metric:
    """Base class of metrics: ``update_state``, ``result``, ``reset_state``.

    ``result()`` returns a Python float, or a NumPy array for array-valued metrics (a confusion
    matrix). Updating over batches must give the same result as one update over all the data.
    """

    name: str = "metric"
    #: What the metric expects, as for losses (see :class:`neuropil.base.loss.Loss`): lets generic checks
    #: draw valid data. Targets: "real", "binary", "one_hot", "sparse"; predictions: "real",
    #: "probability", "distribution", "positive".
    target_kind: str = "real"
    prediction_kind: str = "real"
    #: Protocol: "up" when bigger values are better (accuracy, AUC), "down" when smaller are (errors,
    #: losses), None when the metric cannot say (a user's function). Callbacks monitoring this metric
    #: with ``mode="auto"`` read it, as Keras reads a metric's ``_direction``.
    direction: str | None = None

    def __init__(self, name: str | None = None, dtype: str | None = None) -> None:
        if name is not None:
            self.name = name
        self.dtype = dtype
        self.reset_state()

    @classmethod
    def for_compile(cls, name: str, loss: Any, output_shape: tuple[int, ...]) -> Metric | None:
        """Protocol: the metric ``compile(metrics=[name])`` should use, given the compiled loss and
        the model's per-sample output shape, or ``None`` to construct this class with its defaults.

        Keras resolves shorthand names such as ``"accuracy"`` by the targets the loss expects
        (binary, categorical or sparse); the metric registered under such a name decides here, so
        the core knows no metric by name. ``name`` is the string the user wrote, kept as the logged name.
        """
        return None

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def result(self) -> float | np.ndarray:
        raise NotImplementedError

    def reset_state(self) -> None:
        """Forget everything seen; called between epochs."""

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float | np.ndarray:
        """Keras's ``Metric.__call__``: add this batch to the state and return the running result.

        ``metric(y_true, y_pred)`` is therefore ``update_state`` then ``result()``: a second call adds
        to the first, and ``reset_state()`` starts over. For a value of one batch alone, call it on a
        fresh metric (or after ``reset_state()``).
        """
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class MeanMetricWrapper(Metric):
    """The weighted mean over samples of a per-sample function ``fn(y_true, y_pred)`` (Keras semantics).

    This is how plain functions, and losses named as metrics, become metrics.
    """

    def __init__(self, fn: Callable[..., Any], name: str | None = None, dtype: str | None = None,
                 **fn_kwargs: Any) -> None:
        self.fn, self.fn_kwargs = fn, fn_kwargs
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric"), dtype=dtype)

    def reset_state(self) -> None:
        self.total: Any = 0.0
        self.count: Any = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        values = xp.asarray(self.fn(y_true, y_pred, **self.fn_kwargs))
        if values.ndim == 0:  # a function that already averaged: weight it by the batch size
            values = values * xp.ones((len(y_pred),), dtype=values.dtype)
        elif values.ndim > 1:  # per-sample mean over the other axes (math.prod: empty batches too)
            values = values.reshape(values.shape[0], math.prod(values.shape[1:])).mean(axis=1)
        if sample_weight is not None:
            weights = xp.asarray(sample_weight, dtype=values.dtype).reshape(values.shape)
            self.total = self.total + (values * weights).sum()
            self.count = self.count + weights.sum()
        else:
            self.total = self.total + values.sum()
            self.count = self.count + values.shape[0]

    def result(self) -> float:
        count = float(self.count)
        return float(self.total) / count if count else 0.0

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self.fn_kwargs}
