"""What the names ``"accuracy"`` and ``"crossentropy"`` mean in ``compile(metrics=[...])``.

Keras reads these two names by the targets the compiled loss expects: sparse class ids, binary 0/1
labels (or a single output unit), or one-hot rows. The core knows no metric by name: it asks the
metric registered under the name (``Metric.for_compile``), and the rules live here, in the plugin
that provides the metrics.
"""
from __future__ import annotations

from typing import Any

import neuropil.losses
import neuropil.metrics
from neuropil.base.metric import MeanMetricWrapper, Metric
from neuropil.checks import one_of
from neuropil.plugin_system.hookspecs import Register

from . import reference_metrics as _reference

#: target family -> (accuracy metric name, cross-entropy loss name)
FAMILIES = {
    "sparse_categorical": ("sparse_categorical_accuracy", "sparse_categorical_crossentropy"),
    "binary": ("binary_accuracy", "binary_crossentropy"),
    "categorical": ("categorical_accuracy", "categorical_crossentropy"),
}


def target_family(loss: Any, output_shape: tuple[int, ...]) -> str:
    """Keras's rule: sparse labels for a sparse loss, binary for one output unit or a binary loss,
    categorical otherwise."""
    if getattr(loss, "sparse_targets", False):
        return "sparse_categorical"
    if tuple(output_shape)[-1:] == (1,) or getattr(loss, "target_kind", "") == "binary":
        return "binary"
    return "categorical"


class Crossentropy(MeanMetricWrapper):
    """The mean cross-entropy of the family the compiled loss belongs to (``metrics=["crossentropy"]``
    or ``"ce"``); constructed directly, ``family`` chooses it."""

    direction = "down"  # bigger is worse: how callbacks read mode="auto"

    name = "crossentropy"
    target_kind = "one_hot"
    prediction_kind = "distribution"
    example_configs: tuple[dict[str, Any], ...] = ({}, {"family": "binary"}, {"family": "sparse_categorical"})
    result_range = (0.0, float("inf"))  # a cross-entropy is never negative; checked by `range`
    reference = _reference.crossentropy

    def __init__(self, family: str = "categorical", name: str | None = "crossentropy",
                 dtype: str | None = None) -> None:
        self.family = one_of("Crossentropy", "family", family, tuple(FAMILIES))
        self.target_kind = {"sparse_categorical": "sparse", "binary": "binary", "categorical": "one_hot"}[self.family]
        self.prediction_kind = "probability" if self.family == "binary" else "distribution"
        loss = neuropil.losses.get(FAMILIES[self.family][1])
        super().__init__(lambda y_true, y_pred: loss.per_sample(y_true, y_pred)[0], name=name, dtype=dtype)

    @classmethod
    def for_compile(cls, name: str, loss: Any, output_shape: tuple[int, ...]) -> Metric | None:
        return cls(family=target_family(loss, output_shape), name=name)

    def get_config(self) -> dict[str, Any]:
        return {"family": self.family, "name": self.name}


def accuracy_for_compile(name: str, loss: Any, output_shape: tuple[int, ...]) -> Metric:
    """``metrics=["accuracy"]`` (or ``"acc"``): the accuracy of the loss's target family."""
    return neuropil.metrics.get(FAMILIES[target_family(loss, output_shape)][0], name=name)


def register_all(register: Register) -> None:
    register(Crossentropy.name, Crossentropy, aliases=("ce",))
