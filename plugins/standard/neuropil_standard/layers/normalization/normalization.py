"""Normalization: standardize features with a fixed mean and variance, given or learned by ``adapt``.

Keras 3's semantics: ``(x - mean) / max(sqrt(variance), epsilon)`` (``epsilon`` is
``neuropil.config.epsilon()``, 1e-7 as in Keras), or with ``invert=True`` the inverse map ``mean + x
* max(sqrt(variance), epsilon)``, which turns standardized values back into data units. ``axis``
names the axes that keep their own statistics (batch axis counted; ``-1``: one mean per feature;
``None``: one mean for everything); the statistics are reduced over every other axis.

The statistics come from one of two places. Given as ``mean`` and ``variance`` (a scalar, or an
array matching the trailing kept axes), they are constants of the config, as in Keras, and the layer
has no weights. Otherwise the layer has Keras's three non-trainable weights ``mean``, ``variance``
and ``count``, set by :meth:`adapt` from a data set (an array, or an iterable of batches such as a
generator or a ``PyDataset``), before or after the layer is built. Training does not change them:
the map is the same in training and inference, and its backward is the constant diagonal scale.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from neuropil import checks, config
from neuropil.base.layer import Backward, Layer
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError

from .. import reference_normalization as _reference
from .._common import check_declared_shape
from ._common import axis_argument, axis_config, resolve_axes


def _host(batch: Any) -> np.ndarray:
    """A batch as a float64 NumPy array: a ``(x, y)`` or ``(x, y, w)`` tuple gives its ``x``, as
    Keras's adapt does; a device array is copied to the host (adapt is setup, run once)."""
    if isinstance(batch, tuple):
        batch = batch[0]
    if hasattr(batch, "get") and not isinstance(batch, (np.ndarray, dict)):
        batch = batch.get()  # a CuPy array
    return np.asarray(batch, dtype=np.float64)


class Normalization(Layer):
    """Standardizes inputs feature-wise with a given or adapted mean and variance."""

    reference = _reference.normalization  # the conformance suite's float64 formula
    # Keras's documented examples (mean 3, variance 2; and inverted).
    golden_examples = (
        {"config": {"mean": 3.0, "variance": 2.0}, "inputs": ([[1.0], [2.0], [3.0]],),
         "output": [[-1.4142135], [-0.70710677], [0.0]]},
        {"config": {"mean": 3.0, "variance": 2.0, "invert": True}, "inputs": ([[1.0], [2.0], [3.0]],),
         "output": [[4.4142137], [5.8284273], [7.2426405]]},
    )
    example_configs = (
        {},
        {"axis": None, "invert": True},
        {"axis": -2, "mean": [1.0, 0.0, -1.0], "variance": [1e-20, 2.0, 9.0], "input_shape": (3, 2)},
        {"mean": [0.5, -1.0, 2.0], "variance": [4.0, 1.0, 0.25], "input_shape": (3,)},
        {"axis": None, "mean": 1.0, "variance": 2.0},
        {"invert": True, "mean": [1.0, -2.0], "variance": [0.5, 3.0], "input_shape": (4, 2)},
        {"axis": [1, 2], "mean": [[0.0, 1.0], [2.0, 3.0]], "variance": [[1.0, 2.0], [3.0, 4.0]],
         "input_shape": (2, 2)},
    )

    def __init__(self, axis: int | list[int] | None = -1, mean: Any = None, variance: Any = None,
                 invert: bool = False, **kwargs: Any) -> None:
        owner = "Normalization"
        self.axis = axis_argument(owner, axis, allow_none=True)
        self.invert = checks.boolean(owner, "invert", invert)
        if (mean is None) != (variance is None):
            raise ArgumentError(f"{owner} expects both mean and variance, or neither (then adapt() sets them), "
                                f"received mean={mean!r} and variance={variance!r}")
        self.input_mean = self.input_variance = None
        if mean is not None:
            self.input_mean = self._statistic("mean", mean)
            self.input_variance = self._statistic("variance", variance)
            if self.input_mean.shape != self.input_variance.shape:
                raise ArgumentError(f"{owner} expects mean and variance of one shape, received shapes "
                                    f"{self.input_mean.shape} and {self.input_variance.shape}")
            if (self.input_variance < 0).any():
                raise ArgumentError(f"{owner} expects variance to be >= 0, received variance={variance!r}")
            kept = 0 if self.axis is None else 1 if isinstance(self.axis, int) else len(self.axis)
            if self.input_mean.ndim > kept:
                raise ArgumentError(f"{owner} expects mean of rank at most {kept} (the number of kept axes "
                                    f"for axis={self.axis!r}), received mean of shape {self.input_mean.shape}")
        super().__init__(**kwargs)
        self._adapted: tuple[np.ndarray, np.ndarray, float] | None = None
        self._adapted_shape: tuple[int, ...] | None = None
        self._keep: tuple[int, ...] = ()
        self._broadcast: tuple[int, ...] = ()
        self._constants: tuple[Any, Any] | None = None
        self._stats_shape: tuple[int, ...] = ()

    @staticmethod
    def _statistic(name: str, value: Any) -> np.ndarray:
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ArgumentTypeError(f"Normalization expects {name} to be a number or an array of numbers, "
                                    f"received {name}={value!r}") from None
        if not np.isfinite(array).all():
            raise ArgumentError(f"Normalization expects {name} to be finite, received {name}={value!r}")
        return array

    # -- shapes ----------------------------------------------------------------------------------
    def _layout(self, input_shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """For a per-sample shape: the kept axes (batch counted), the statistics' shape, and the shape
        they broadcast to against a batch."""
        rank = len(input_shape) + 1
        keep = () if self.axis is None else resolve_axes(self, self.axis, rank)
        stats_shape = tuple(int(input_shape[a - 1]) for a in keep)
        broadcast = tuple(int(input_shape[a - 1]) if a in keep else 1 for a in range(rank))
        return keep, stats_shape, broadcast

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        check_declared_shape(self, input_shape)
        self._keep, stats_shape, self._broadcast = self._layout(tuple(input_shape))
        if self.input_mean is not None:
            self._stats_shape = stats_shape
            self._upload_constants(backend)
            return
        if self._adapted is not None and self._adapted[0].shape != stats_shape:
            raise LayerError(f"layer {self.name!r} (Normalization) was adapted to statistics of shape "
                             f"{self._adapted[0].shape}, but is built for per-sample shape {tuple(input_shape)}, "
                             f"which needs {stats_shape}")
        mean, variance, count = self._adapted or (np.zeros(stats_shape), np.ones(stats_shape), 0.0)
        self.add_weight("mean", stats_shape, lambda *_: mean, rng, trainable=False)
        self.add_weight("variance", stats_shape, lambda *_: variance, rng, trainable=False)
        self.add_weight("count", (), lambda *_: np.asarray(count), rng, trainable=False)

    def _upload_constants(self, backend: Any) -> None:
        """A given mean and variance on the backend, broadcast to a batch's layout, once: CuPy refuses
        the NumPy arrays of the config as operands of ``x - mean``."""
        assert self.input_mean is not None and self.input_variance is not None
        mean = self._expanded(self.input_mean, self._stats_shape)
        variance = self._expanded(self.input_variance, self._stats_shape)
        dtype = self.compute_dtype
        self._constants = (backend.asarray(mean.reshape(self._broadcast).astype(dtype)),
                           backend.asarray(variance.reshape(self._broadcast).astype(dtype)))

    def backend_changed(self) -> None:
        """``compile(backend=...)`` moved this built layer: the weights moved with it (adapted
        statistics), the config's constants are uploaded again here."""
        if self._constants is not None:
            self._upload_constants(self.backend)

    def _expanded(self, value: np.ndarray, stats_shape: tuple[int, ...]) -> np.ndarray:
        """A given statistic (scalar, or matching the trailing kept axes) broadcast to ``stats_shape``."""
        shape = (1,) * (len(stats_shape) - value.ndim) + value.shape
        try:
            return np.broadcast_to(value.reshape(shape), stats_shape)
        except ValueError:
            raise LayerError(f"layer {self.name!r} (Normalization) got mean and variance of shape {value.shape}, "
                             f"which do not broadcast to the statistics' shape {stats_shape} of axis="
                             f"{self.axis!r}") from None

    # -- adapting --------------------------------------------------------------------------------
    def adapt(self, data: Any) -> None:
        """Set ``mean`` and ``variance`` from ``data``: an array of samples, or an iterable of batches
        (a list of arrays, a generator, a ``PyDataset``; ``(x, y)`` batches use ``x``).

        Batches are merged exactly (Chan's parallel formula, in float64), so the result equals the
        statistics of the whole data set whatever the batching.
        """
        if self.input_mean is not None:
            raise LayerError(f"layer {self.name!r} (Normalization) was given mean and variance; adapt() "
                             f"applies only to a layer constructed without them")
        if isinstance(data, np.ndarray) or hasattr(data, "__array__") or hasattr(data, "__cuda_array_interface__"):
            batches: Iterable[Any] = [data]
        elif hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, (list, tuple)):
            batches = (data[i] for i in range(len(data)))  # a PyDataset: batches by index
        elif isinstance(data, Iterable) and not isinstance(data, (str, bytes, dict)):
            batches = data
        else:
            raise ArgumentTypeError(f"Normalization.adapt expects an array or an iterable of batches, "
                                    f"received {type(data).__name__}")
        mean = variance = None
        total = 0
        keep: tuple[int, ...] = ()
        sample_shape: tuple[int, ...] | None = None
        for batch in batches:
            x = _host(batch)
            if x.ndim < 1:
                raise ArgumentError(f"Normalization.adapt expects batches with a batch axis, received an array "
                                    f"of shape {x.shape}")
            if sample_shape is None:
                sample_shape = tuple(self.input_shape) if self.input_shape is not None else tuple(x.shape[1:])
                keep, stats_shape, _ = self._layout(sample_shape)
            if tuple(x.shape[a] for a in keep) != stats_shape or x.ndim != len(sample_shape) + 1:
                raise ArgumentError(f"Normalization.adapt received a batch of shape {x.shape}, which does not "
                                    f"fit per-sample shape {tuple(sample_shape)} (statistics of shape {stats_shape})")
            reduce = tuple(a for a in range(x.ndim) if a not in keep)
            count = math.prod(x.shape[a] for a in reduce)
            if count == 0:
                continue
            batch_mean, batch_var = x.mean(axis=reduce), x.var(axis=reduce)
            if mean is None or variance is None:
                mean, variance, total = batch_mean, batch_var, count
                continue
            merged = total + count
            delta = batch_mean - mean
            variance = (variance * total + batch_var * count + delta ** 2 * (total * count / merged)) / merged
            mean = mean + delta * (count / merged)
            total = merged
        if mean is None or variance is None or sample_shape is None:
            raise ArgumentError("Normalization.adapt received no data (an empty iterable or empty batches)")
        self._adapted = (mean.reshape(stats_shape), variance.reshape(stats_shape), float(total))
        self._adapted_shape = sample_shape
        if self.built:
            for name, value in zip(("mean", "variance", "count"), self._adapted):
                param = self.params[name]
                param[...] = self.backend.asarray(np.asarray(value, dtype=param.dtype))

    # -- computing -------------------------------------------------------------------------------
    def _statistics(self) -> tuple[Any, Any]:
        if self._constants is not None:
            return self._constants
        return (self.params["mean"].reshape(self._broadcast), self.params["variance"].reshape(self._broadcast))

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        mean, variance = self._statistics()
        std = xp.sqrt(variance)
        xp.maximum(std, config.epsilon(), out=std)
        if self.invert:
            y = x * std
            y += mean
            factor = std
        else:
            factor = xp.reciprocal(std, out=std)
            y = x - mean
            y *= factor

        def backward(dy: Any) -> Any:
            return dy * factor

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config_ = super().get_config()
        config_.update({
            "axis": axis_config(self.axis), "invert": self.invert,
            "mean": None if self.input_mean is None else self.input_mean.tolist(),
            "variance": None if self.input_variance is None else self.input_variance.tolist(),
        })
        return config_
