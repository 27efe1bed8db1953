"""Feature extraction: the output of an inner layer, the usual first step of transfer learning.

It runs the same executor as ``predict``, planned once per requested layer, up to that layer only.
Keras's own way, ``Model(inputs=model.inputs, outputs=[l.output for l in model.layers])``, works too.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import checks
from ..errors import ArgumentTypeError, ModelError
from ..plugin_system.attribution import names_plugin_on_error
from .structure import ModelStructure


class Features(ModelStructure):
    """``extract_features``: run the model up to one layer, in inference mode."""

    @names_plugin_on_error
    def extract_features(self, x: Any, layer: str | int = -1, batch_size: int = 32) -> np.ndarray:
        """The NumPy output of ``layer`` (a name, or an index into ``model.layers``; negative counts from
        the end) for inputs ``x``, with dropout and other training-only behaviour off."""
        target = self._feature_layer(layer)
        batch_size = checks.count("extract_features", "batch_size", batch_size)
        xs, _ = self._prepare(x, None, "extract_features")  # type: ignore[attr-defined]
        executor = self._executor()
        nodes = [node for node in executor.nodes if node.layer is target]
        if target.is_input:
            index = next(i for i, t in enumerate(executor.inputs) if t.node.layer is target)
            return xs[index]
        if len(nodes) != 1:
            raise ModelError(f"layer {target.name!r} is called {len(nodes)} times in model {self.name!r}; "
                             f"its output is ambiguous")
        results = self._run_batched(executor.to([nodes[0].outbound[0]]), xs, batch_size)  # type: ignore[attr-defined]
        return results[0]

    def _feature_layer(self, layer: str | int) -> Any:
        if isinstance(layer, str):
            return self.get_layer(name=layer)
        if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
            count = len(self.layers)
            if not -count <= int(layer) < count:
                raise ModelError(f"layer index {layer} is out of range: the model has {count} layers "
                                 f"(valid: {-count}..{count - 1})")
            return self.layers[int(layer)]
        raise ArgumentTypeError(f"layer must be a layer name or an index, received {type(layer).__name__} ({layer!r})")
