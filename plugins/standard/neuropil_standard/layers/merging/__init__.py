"""Merge layers (Keras's keras.layers.merging): Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate and Dot. Each is a multi-input layer: called on a list of arrays, its backward returns one
gradient per input."""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register

from .concatenate import Concatenate
from .dot import Dot
from .elementwise import Add, Average, Maximum, Minimum, Multiply, Subtract

__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "register_all"]


def register_all(register: Register) -> None:
    """Register every merge layer under its Keras class name."""
    for layer in (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot):
        register(layer.__name__, layer)
