"""Input and InputLayer: the graph's source, defined by the core (it has no math) and registered
here under Keras's names, so ``neuropil.layers.Input(shape=...)`` is Keras's function returning a
symbolic tensor, ``neuropil.layers.InputLayer`` the layer, and saved files naming either load."""
from __future__ import annotations

from neuropil.graph.input_layer import Input, InputLayer

__all__ = ["Input", "InputLayer"]
