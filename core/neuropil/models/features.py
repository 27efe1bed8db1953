"""Feature extraction: the output of an inner layer, the usual first step of transfer learning."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import checks
from ..errors import ArgumentTypeError, ModelError
from ..plugin_system.attribution import names_plugin_on_error
from .surface import ModelSurface


class Features(ModelSurface):
    """``extract_features``: run the model up to one layer, in inference mode."""

    @names_plugin_on_error
    def extract_features(self, x: Any, layer: str | int = -1, batch_size: int = 32) -> np.ndarray:
        """The NumPy output of ``layer`` (a name, or an index into ``model.layers``; negative counts from
        the end) for inputs ``x``, with dropout and other training-only behaviour off."""
        target = self._feature_layer(layer)
        batch_size = checks.count("extract_features", "batch_size", batch_size)
        xs, _ = self._prepare(x, None, "extract_features")
        stop = self._layers.index(target)
        backend = self.backend
        x_dev = backend.asarray(xs)
        outputs = []
        for start in range(0, len(xs), batch_size):
            h = x_dev[start:start + batch_size]
            for current in self._layers[:stop + 1]:
                h = current.forward(h, False)[0]
            outputs.append(h)
        return backend.to_numpy(backend.xp.concatenate(outputs, axis=0))

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
