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
from .errors import SavedFileError, brief
from .guard import loading_errors
from .model_file import check_tensor_names
from .safetensors_io import SafetensorsFile, parse_json, write

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


def saved_layer_order(metadata: dict[str, str], source: str = "the file") -> list[str] | None:
    """The saved layer order, when recorded. A file of another tool has none; a neuropil file whose
    record is not a list of names is refused (it would otherwise misassign weights by position)."""
    if "layers" not in metadata:
        return None
    order = parse_json(metadata["layers"], f"the layer order in {source}")
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        raise SavedFileError(f"the layer order in {source} must be a list of layer names, received {brief(order)}")
    return order


def load_weights(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Assign weights by layer and parameter name; every name and shape is checked before any changes
    (and before any tensor is read), and every failure is a :class:`SavedFileError`."""
    with loading_errors(filepath, "weights from"):
        with SafetensorsFile(filepath) as file:
            source = f"'{file.path}'"
            if file.metadata.get("format") == MODEL_FORMAT:
                check_tensor_names(file.specs, source, ("weights/", "optimizer/"))
                specs = {n[len("weights/"):]: n for n in file.specs if n.startswith("weights/")}
            else:
                specs = {n: n for n in file.specs}
            order = saved_layer_order(file.metadata, source)
            # shapes first, from the header: a mismatch is refused before any tensor is read
            state.check_weight_shapes(model, {k: file.specs[n][1] for k, n in specs.items()}, source, order)
            tensors = {k: file.read(n) for k, n in specs.items()}
        state.set_weights(model, tensors, source, saved_layers=order)


__all__ = ["save_weights", "load_weights"]
