"""Activation: an activation function as a layer of its own, e.g. after a linear Dense."""
from __future__ import annotations

from typing import Any

import neuropil.activations
from neuropil.base.layer import Backward, Layer

from . import reference_core as _reference
from ._common import serialize_component


def _identity_backward(dy: Any) -> Any:
    return dy


class Activation(Layer):
    """Applies ``activation`` elementwise (or row-wise, for softmax); no weights.

    It offers its input as the logits (``logits_activation``/``forward_logits``), so a model can fuse
    a final sigmoid/softmax with its cross-entropy loss exactly as it does for a Dense layer's
    activation.
    """

    reference = _reference.activation  # the conformance suite's float64 formula
    example_configs: tuple[dict[str, Any], ...] = (
        {"activation": "relu"}, {"activation": "tanh"}, {"activation": "sigmoid"}, {"activation": None},
        {"activation": "softmax"}, {"activation": "gelu"})

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._activation_arg = activation
        self.activation = neuropil.activations.get(activation if activation is not None else "linear")

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        return self.activation.forward(x)

    def logits_activation(self) -> Any:
        return self.activation

    def forward_logits(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        return x, _identity_backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["activation"] = serialize_component(neuropil.activations, self._activation_arg, self.activation)
        return config
