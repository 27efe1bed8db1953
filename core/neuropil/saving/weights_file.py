"""``save_weights`` / ``load_weights``: the parameters alone, as a plain safetensors file.

Tensor names are ``"<layer>/<param>"`` (``"dense_1/kernel"``), so any safetensors tool can read the
file and a file written by another tool with those names loads here. ``load_weights`` also accepts a
whole-model file (it takes the weights and ignores the rest).
"""
from __future__ import annotations

import json
import os
from typing import Any

from . import state
from .atomic import atomic_write
from .config import FORMAT as MODEL_FORMAT
from .safetensors_io import SafetensorsFile, write

FORMAT = "neuropil.weights"


def save_weights(model: Any, filepath: str | os.PathLike[str], overwrite: bool = True) -> None:
    if not model.built:
        raise ValueError(f"model {model.name!r} has no weights yet: build it (give the first layer "
                         f"input_shape=, or fit/build it) before save_weights")
    with atomic_write(filepath, overwrite) as stream:
        write(stream, state.weights(model), {"format": FORMAT, "format_version": "1",
                                             "layers": json.dumps(layer_order(model))})


def layer_order(model: Any) -> list[str]:
    """The layers' names in model order, stored so weights can match by position when names differ."""
    return [layer.name for layer in model._layers]


def saved_layer_order(metadata: dict[str, str]) -> list[str] | None:
    try:
        order = json.loads(metadata.get("layers", "null"))
    except ValueError:
        return None
    return order if isinstance(order, list) and all(isinstance(n, str) for n in order) else None


def load_weights(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Assign weights by layer and parameter name; every name and shape is checked before any changes."""
    with SafetensorsFile(filepath) as file:
        if file.metadata.get("format") == MODEL_FORMAT:
            names = [n for n in file.specs if n.startswith("weights/")]
            tensors = {n[len("weights/"):]: file.read(n) for n in names}
        else:
            tensors = file.read_all()
        state.set_weights(model, tensors, f"'{file.path}'", saved_layers=saved_layer_order(file.metadata))


__all__ = ["save_weights", "load_weights"]
