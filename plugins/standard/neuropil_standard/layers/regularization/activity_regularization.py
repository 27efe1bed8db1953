"""ActivityRegularization: the identity, adding ``(l1 * sum(|x|) + l2 * sum(x**2)) / batch_size`` to the
training loss.

Keras 3's semantics: the activity penalty is divided by the batch size ("to ensure consistent
regularization strength across batch sizes", keras/src/layers/layer.py), so it weighs like the
batch-averaged loss it is added to. neuropil's path for activity penalties (the one Dense's
``activity_regularizer`` takes): the layer exposes ``activity_regularizer`` (an ``L1L2``), each forward
stores the penalty of its input in ``activity_loss``, which the training step adds to the loss
through ``regularization_loss()``, and the backward adds the penalty's gradient to the upstream one,
``dx = dy + (l1 * sign(x) + 2 * l2 * x) / batch_size`` (the subgradient of ``|x|`` at 0 is 0, as Keras's).
"""
from __future__ import annotations

from typing import Any

import neuropil.regularizers
from neuropil import checks
from neuropil.base.layer import Backward, Layer

from .. import reference_regularization as _reference


class ActivityRegularization(Layer):
    """Passes its input through unchanged and penalizes it in the training loss."""

    # Only the penalty-free config: the conformance suite differentiates the output alone, and the
    # penalty's gradient is part of this backward (plugins/standard/tests/test_regularization_layers.py
    # checks it against central differences of output and penalty together).
    example_configs: tuple[dict[str, Any], ...] = ({},)
    reference = _reference.activity_regularization  # the conformance suite's float64 formula

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        self.l1 = checks.number("ActivityRegularization", "l1", l1, minimum=0)
        self.l2 = checks.number("ActivityRegularization", "l2", l2, minimum=0)
        super().__init__(**kwargs)
        self.activity_regularizer = neuropil.regularizers.get(
            {"class_name": "L1L2", "config": {"l1": self.l1, "l2": self.l2}})

    @property
    def has_loss_terms(self) -> bool:
        """The Layer protocol: the training step adds this layer's ``activity_loss``."""
        return bool(self.l1 or self.l2)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        regularizer = self.activity_regularizer
        share = 1.0 / max(int(x.shape[0]), 1)  # an empty batch adds nothing (Keras: divide_no_nan)
        self.activity_loss = regularizer.loss(x) * share

        def backward(dy: Any) -> Any:
            if not self.l1 and not self.l2:
                return dy
            dx = regularizer.gradient(x)
            dx *= share
            dx += dy
            return dx

        return x, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config
