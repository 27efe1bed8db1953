"""Helpers the standard layers share: declared-shape checks and config serialization."""
from __future__ import annotations

from typing import Any

from neuropil.base.layer import Backward, Layer


def check_declared_shape(layer: Layer, input_shape: tuple[int, ...]) -> None:
    """A layer declared with ``input_shape`` refuses to be built for another one, naming both."""
    declared = layer.declared_input_shape
    if declared is not None and tuple(declared) != tuple(input_shape):
        raise ValueError(f"layer {layer.name!r} was declared with input_shape {tuple(declared)}, "
                         f"received inputs of per-sample shape {tuple(input_shape)}")


def serialize_component(kind_module: Any, original: Any, resolved: Any) -> Any:
    """How a component argument goes into a config: as given when that was a name or a config dict
    (which round-trip as they are), otherwise ``{"class_name", "config"}`` through its registry."""
    if original is None or isinstance(original, (str, dict)):
        return original
    return kind_module.serialize(resolved)


def resolve_component(owner: str, argument: str, kind_module: Any, value: Any) -> Any:
    """A component argument (``kernel_regularizer=``...) resolved through its registry at construction,
    its refusal reworded to name the layer and the argument the user wrote."""
    from neuropil.errors import ArgumentTypeError

    try:
        return kind_module.get(value)
    except ArgumentTypeError as exc:
        raise ArgumentTypeError(f"{owner} expects {argument} to be {_expectation(exc)}, "
                                f"received {argument}={value!r:.200}") from None


def _expectation(exc: Exception) -> str:
    text = str(exc)
    _, found, rest = text.partition("expected ")
    return rest.rsplit(", received", 1)[0] if found else "a registered name, a config dict or an instance"


def with_activity_regularizer(layer: Any, y: Any, linear_backward: Backward,
                              activation_backward: Backward | None) -> tuple[Any, Backward]:
    """``(y, backward)`` of a layer computing ``activation(linear(x))`` (Dense, the convolutions):
    the backward runs through the activation (None: the identity) and then the linear map, and a
    layer with an ``activity_regularizer`` sets ``activity_loss`` from ``y`` and adds that penalty's
    gradient first. Without either, the linear map's own backward is returned, with no wrapper."""
    regularizer = layer.activity_regularizer
    if regularizer is None:
        if activation_backward is None:
            return y, linear_backward

        def backward(dy: Any) -> Any:
            return linear_backward(activation_backward(dy))

        return y, backward

    layer.activity_loss = regularizer.loss(y)

    def regularized_backward(dy: Any) -> Any:
        dy = dy + regularizer.gradient(y)
        return linear_backward(dy if activation_backward is None else activation_backward(dy))

    return y, regularized_backward
