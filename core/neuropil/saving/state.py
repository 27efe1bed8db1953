"""A model's numbers as flat name -> array tables: weights and optimizer state.

Names follow the layers: weights are ``"<layer>/<param>"`` (``"dense_1/kernel"``), optimizer slots
``"<layer>/<param>/<slot>"`` plus ``"iterations"`` — the keys the optimizer itself uses. Restoring
checks every name and shape first and changes nothing unless all fit, so a failed load leaves the
model as it was.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..base.backend import to_host
from .errors import SavedFileError


def weights(model: Any) -> dict[str, np.ndarray]:
    """Every parameter of every layer, on the host, in Keras order."""
    return {f"{layer.name}/{param}": layer.backend.to_numpy(value)
            for layer in model._layers for param, value in layer.params.items()}


def set_weights(model: Any, tensors: dict[str, np.ndarray], source: str, rename: dict[str, str] | None = None,
                saved_layers: list[str] | None = None) -> None:
    """Assign ``tensors`` (as :func:`weights` names them) to the model; all checked before any change.

    Weights match by layer name. When the names differ but ``saved_layers`` (the saved model's layer
    order) has as many layers as the model, they match by position instead, as Keras does: a model
    rebuilt in the same session gets new automatic names (dense_2 for dense). ``rename`` forces a
    saved-name -> model-name mapping.
    """
    if not model.built:
        raise ValueError(f"the model must be built before loading weights from {source}: give the first "
                         f"layer input_shape= or call build(input_shape)")
    if rename is None and saved_layers is not None and len(saved_layers) == len(model._layers) and \
            not set(weights_names(model)) <= set(tensors):
        rename = dict(zip(saved_layers, (layer.name for layer in model._layers)))
    if rename:
        tensors = {_renamed(name, rename): value for name, value in tensors.items()}
    plan: list[tuple[Any, str, np.ndarray]] = []
    expected_names = set()
    for layer in model._layers:
        for param, current in layer.params.items():
            key = f"{layer.name}/{param}"
            expected_names.add(key)
            if key not in tensors:
                raise SavedFileError(f"{source} has no weight {key!r} for layer {layer.name!r}; it holds: "
                                     f"{_listing(tensors)}")
            value = tensors[key]
            if tuple(value.shape) != tuple(current.shape):
                raise SavedFileError(f"layer {layer.name!r} weight {param!r} has shape {tuple(current.shape)} "
                                     f"in the model, but {source} holds shape {tuple(value.shape)}")
            if value.dtype.kind not in "fiub":
                raise SavedFileError(f"weight {key!r} in {source} has dtype {value.dtype}; expected a number type")
            plan.append((layer, param, value))
    extra = sorted(set(tensors) - expected_names)
    if extra:
        raise SavedFileError(f"{source} holds weights the model does not have: {', '.join(extra[:10])}"
                             f"{' ...' if len(extra) > 10 else ''} (model layers: "
                             f"{', '.join(layer.name for layer in model._layers)})")
    for layer, param, value in plan:
        target = layer.params[param]
        target[...] = layer.backend.asarray(value.astype(target.dtype, copy=False))


def weights_names(model: Any) -> list[str]:
    return [f"{layer.name}/{param}" for layer in model._layers for param in layer.params]


def optimizer_state(optimizer: Any) -> dict[str, np.ndarray]:
    """The optimizer's slots and iteration count on the host."""
    return {name: np.asarray(to_host(value)) for name, value in optimizer.get_state().items()}


def set_optimizer_state(model: Any, optimizer: Any, tensors: dict[str, np.ndarray], source: str,
                        rename: dict[str, str] | None = None) -> None:
    """Restore slots onto the parameters' backend, shapes checked by the optimizer first."""
    if rename:
        tensors = {name if name == "iterations" else _renamed(name, rename): value
                   for name, value in tensors.items()}
    like = {f"{layer.name}/{param}": value for layer in model._layers for param, value in layer.params.items()}
    if "iterations" in tensors and tensors["iterations"].shape != ():
        raise SavedFileError(f"optimizer iterations in {source} must be a scalar, received shape "
                             f"{tensors['iterations'].shape}")
    try:
        optimizer.set_state(tensors, like=like)
    except ValueError as exc:
        raise SavedFileError(f"optimizer state in {source} does not fit the model: {exc}") from None


def positional_rename(saved_layer_names: list[str], model: Any) -> dict[str, str]:
    """Map saved layer names onto the model's by position, when the counts agree."""
    current = [layer.name for layer in model._layers]
    if len(saved_layer_names) != len(current):
        raise SavedFileError(f"the saved state has {len(saved_layer_names)} layers ({', '.join(saved_layer_names)}), "
                             f"the model has {len(current)} ({', '.join(current)})")
    return dict(zip(saved_layer_names, current))


def _renamed(name: str, rename: dict[str, str]) -> str:
    # Longest saved name first, so "dense_1" is not mistaken for a prefix match of "dense".
    for old in sorted(rename, key=len, reverse=True):
        if name.startswith(old + "/"):
            return rename[old] + name[len(old):]
    return name


def _listing(tensors: dict[str, Any]) -> str:
    names = sorted(tensors)
    return ", ".join(names[:10]) + (" ..." if len(names) > 10 else "") if names else "nothing"


__all__ = ["weights", "set_weights", "optimizer_state", "set_optimizer_state", "positional_rename"]
