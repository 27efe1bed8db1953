"""The metric classes Keras names after losses (MeanSquaredError, BinaryCrossentropy, Hinge, ...).

Each is the weighted mean over samples of one formula of :mod:`neuropil_metrics.per_sample`, through
the core's :class:`~neuropil.base.metric.MeanMetricWrapper` (running sums on the device). A class fixes
its formula, so a saved config names the class and its keyword arguments, never a function.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.metric import MeanMetricWrapper

from . import per_sample
from . import reference_metrics as _reference
from ._tally import FLOAT, broadcast_weights


class _LossNamed(MeanMetricWrapper):
    """A MeanMetricWrapper whose class fixes the function; keyword arguments reach the function."""

    direction = "down"  # bigger is worse: how callbacks read mode="auto"

    function: ClassVar[Callable[..., Any]]
    target_kind = "real"
    prediction_kind = "real"

    def __init__(self, name: str | None = None, dtype: str | None = None, **fn_kwargs: Any) -> None:
        super().__init__(type(self).function, name=name or type(self).name, dtype=dtype, **fn_kwargs)


class MeanSquaredError(_LossNamed):
    """Mean of (y_pred - y_true)²."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "mean_squared_error"
    reference = _reference.mean_squared_error
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), "output": 0.25},
                       {"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0]), "output": 0.5})
    function = staticmethod(per_sample.mean_squared_error)


class MeanAbsoluteError(_LossNamed):
    """Mean of |y_pred - y_true|."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "mean_absolute_error"
    reference = _reference.mean_absolute_error
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), "output": 0.25},
                       {"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0]), "output": 0.5})
    function = staticmethod(per_sample.mean_absolute_error)


class MeanSquaredLogarithmicError(_LossNamed):
    """Mean of (log(1 + y_pred) - log(1 + y_true))², both floored at 1e-7 first (Keras)."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "mean_squared_logarithmic_error"
    reference = _reference.mean_squared_logarithmic_error
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), "output": 0.12011322},
                       {"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0]), "output": 0.24022643})
    prediction_kind = "positive"
    function = staticmethod(per_sample.mean_squared_logarithmic_error)


class CosineSimilarity(_LossNamed):
    """Mean cosine similarity between targets and predictions along ``axis`` (1 = same direction)."""
    result_range = (-1.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "cosine_similarity"
    reference = _reference.cosine_similarity
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"config": {"axis": 1}, "inputs": ([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]),
                        "output": 0.5},
                       {"config": {"axis": 1},
                        "inputs": ([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]], [0.3, 0.7]), "output": 0.7})
    example_configs: tuple[dict[str, Any], ...] = ({}, {"axis": 1})
    function = staticmethod(per_sample.cosine_similarity)

    def __init__(self, name: str | None = None, dtype: str | None = None, axis: int = -1) -> None:
        super().__init__(name=name, dtype=dtype, axis=checks.integer("CosineSimilarity", "axis", axis))


class BinaryCrossentropy(_LossNamed):
    """Mean binary cross-entropy; ``from_logits`` when predictions are logits, ``label_smoothing`` in
    [0, 1] pulls targets towards 1/2."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "binary_crossentropy"
    reference = _reference.binary_crossentropy
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), "output": 0.81492424},
                       {"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], [1, 0]), "output": 0.9162905})
    example_configs: tuple[dict[str, Any], ...] = ({}, {"label_smoothing": 0.2}, {"from_logits": True},
                                                    {"from_logits": True, "label_smoothing": 0.3})
    target_kind = "binary"
    prediction_kind = "probability"
    function = staticmethod(per_sample.binary_crossentropy)

    def __init__(self, name: str | None = None, dtype: str | None = None, from_logits: bool = False,
                 label_smoothing: float = 0.0) -> None:
        owner = type(self).__name__
        super().__init__(name=name, dtype=dtype, from_logits=checks.boolean(owner, "from_logits", from_logits),
                         label_smoothing=checks.number(owner, "label_smoothing", label_smoothing,
                                                       minimum=0.0, maximum=1.0))


class CategoricalCrossentropy(_LossNamed):
    """Mean categorical cross-entropy for one-hot targets along ``axis``."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "categorical_crossentropy"
    reference = _reference.categorical_crossentropy
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), "output": 1.1769392},
                       {"inputs": ([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], [0.3, 0.7]),
                        "output": 1.6271976})
    example_configs: tuple[dict[str, Any], ...] = ({}, {"label_smoothing": 0.1}, {"from_logits": True},
                                                    {"from_logits": True, "label_smoothing": 0.25}, {"axis": 1})
    target_kind = "one_hot"
    prediction_kind = "distribution"
    function = staticmethod(per_sample.categorical_crossentropy)

    def __init__(self, name: str | None = None, dtype: str | None = None, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1) -> None:
        owner = type(self).__name__
        super().__init__(name=name, dtype=dtype, from_logits=checks.boolean(owner, "from_logits", from_logits),
                         label_smoothing=checks.number(owner, "label_smoothing", label_smoothing,
                                                       minimum=0.0, maximum=1.0),
                         axis=checks.integer(owner, "axis", axis))


class SparseCategoricalCrossentropy(_LossNamed):
    """Mean cross-entropy for integer labels; the class axis of ``y_pred`` is ``axis``.

    ``ignore_class`` (Keras 3): positions labelled with it are left out of the mean altogether (their
    weight is 0), as a "void" class in segmentation maps should be. The mean is then over the
    positions that count, each weighted by its sample's weight.
    """
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "sparse_categorical_crossentropy"
    reference = _reference.sparse_categorical_crossentropy
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), "output": 1.1769392},
                       {"inputs": ([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], [0.3, 0.7]), "output": 1.6271976})
    example_configs: tuple[dict[str, Any], ...] = ({}, {"from_logits": True}, {"ignore_class": 0},
                                                    {"ignore_class": 1, "from_logits": True}, {"axis": 1})
    target_kind = "sparse"
    prediction_kind = "distribution"
    function = staticmethod(per_sample.sparse_categorical_crossentropy)

    def __init__(self, name: str | None = None, dtype: str | None = None, from_logits: bool = False,
                 ignore_class: int | None = None, axis: int = -1) -> None:
        owner = type(self).__name__
        if ignore_class is not None:
            ignore_class = checks.integer(owner, "ignore_class", ignore_class)
        super().__init__(name=name, dtype=dtype, from_logits=checks.boolean(owner, "from_logits", from_logits),
                         ignore_class=ignore_class, axis=checks.integer(owner, "axis", axis))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if self.fn_kwargs["ignore_class"] is None:
            super().update_state(y_true, y_pred, sample_weight)
            return
        xp = array_module(y_pred)
        values, valid = per_sample.sparse_categorical_crossentropy_parts(y_true, y_pred, **self.fn_kwargs)
        weights = broadcast_weights(xp, sample_weight, values.shape).astype(FLOAT) * valid
        self.total = self.total + (values * weights).sum()
        self.count = self.count + weights.sum()


class KLDivergence(_LossNamed):
    """Mean Kullback-Leibler divergence Σ t·log(t/p) of the predicted from the target distribution."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "kl_divergence"
    reference = _reference.kl_divergence
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), "output": 0.45814306},
                       {"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], [1, 0]), "output": 0.9162892})
    target_kind = "one_hot"
    prediction_kind = "distribution"
    function = staticmethod(per_sample.kl_divergence)


class Poisson(_LossNamed):
    """Mean of y_pred - y_true·log(y_pred + 1e-7)."""
    result_range = (-float("inf"), float("inf"))  # checked by the conformance suite's `range`

    name = "poisson"
    reference = _reference.poisson
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), "output": 0.49999997},
                       {"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0]), "output": 0.99999994})
    prediction_kind = "positive"
    function = staticmethod(per_sample.poisson)


class Hinge(_LossNamed):
    """Mean of max(1 - y_true·y_pred, 0); labels 0/1 are read as -1/1."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "hinge"
    reference = _reference.hinge
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), "output": 1.3},
                       {"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], [1, 0]), "output": 1.1})
    target_kind = "binary"
    function = staticmethod(per_sample.hinge)


class SquaredHinge(_LossNamed):
    """Mean of max(1 - y_true·y_pred, 0)²; labels 0/1 are read as -1/1."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "squared_hinge"
    reference = _reference.squared_hinge
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), "output": 1.86},
                       {"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], [1, 0]), "output": 1.46})
    target_kind = "binary"
    function = staticmethod(per_sample.squared_hinge)


class CategoricalHinge(_LossNamed):
    """Mean of max(0, 1 + highest wrong-class score - true-class score) for one-hot targets."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "categorical_hinge"
    reference = _reference.categorical_hinge
    #: Keras's documented example (keras/src/metrics/).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), "output": 1.4},
                       {"inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], [1, 0]), "output": 1.2})
    target_kind = "one_hot"
    function = staticmethod(per_sample.categorical_hinge)
