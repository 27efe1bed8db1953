"""Helpers the standard layers share: declared-shape checks and config serialization."""
from __future__ import annotations

from typing import Any

from neuropil.base.layer import Layer


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
