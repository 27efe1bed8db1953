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
from neuropil.base.backend import array_module
from neuropil.base.metric import Metric
from neuropil.checks import one_of
from neuropil.plugin_system.hookspecs import Register

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


class Crossentropy(Metric):
    """The mean cross-entropy of the family the compiled loss belongs to (``metrics=["crossentropy"]``
    or ``"ce"``); constructed directly, ``family`` chooses it."""

    direction = "down"  # bigger is worse: how callbacks read mode="auto"

    name = "crossentropy"
    target_kind = "one_hot"
    prediction_kind = "distribution"
    example_configs: tuple[dict[str, Any], ...] = ({}, {"family": "binary"}, {"family": "sparse_categorical"})

    def __init__(self, family: str = "categorical", name: str | None = "crossentropy",
                 dtype: str | None = None) -> None:
        self.family = one_of("Crossentropy", "family", family, tuple(FAMILIES))
        self.target_kind = {"sparse_categorical": "sparse", "binary": "binary", "categorical": "one_hot"}[self.family]
        self.prediction_kind = "probability" if self.family == "binary" else "distribution"
        self._loss = neuropil.losses.get(FAMILIES[self.family][1])
        super().__init__(name=name, dtype=dtype)

    @classmethod
    def for_compile(cls, name: str, loss: Any, output_shape: tuple[int, ...]) -> Metric | None:
        return cls(family=target_family(loss, output_shape), name=name)

    def reset_state(self) -> None:
        self.total: Any = 0.0
        self.count: Any = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        values = self._loss.per_sample(xp.asarray(y_true), xp.asarray(y_pred))[0]
        if sample_weight is None:
            self.total = self.total + values.sum(dtype=xp.float64)
            self.count = self.count + values.shape[0]
            return
        weights = xp.asarray(sample_weight, dtype=xp.float64).reshape(values.shape)
        self.total = self.total + (weights * values).sum()
        self.count = self.count + weights.sum()

    def result(self) -> float:
        count = float(self.count)
        return float(self.total) / count if count else 0.0

    def get_config(self) -> dict[str, Any]:
        return {"family": self.family, "name": self.name}


def accuracy_for_compile(name: str, loss: Any, output_shape: tuple[int, ...]) -> Metric:
    """``metrics=["accuracy"]`` (or ``"acc"``): the accuracy of the loss's target family."""
    return neuropil.metrics.get(FAMILIES[target_family(loss, output_shape)][0], name=name)


def register_all(register: Register) -> None:
    register(Crossentropy.name, Crossentropy, aliases=("ce",))
