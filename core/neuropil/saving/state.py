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
from ..errors import LayerError
from .errors import SavedFileError, brief


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
    rename = check_weight_shapes(model, {k: tuple(v.shape) for k, v in tensors.items()}, source, saved_layers,
                                 rename)
    if rename:
        tensors = {_renamed(name, rename): value for name, value in tensors.items()}
    plan: list[tuple[Any, str, np.ndarray]] = []
    for layer in model._layers:
        for param in layer.params:
            value = tensors[f"{layer.name}/{param}"]
            if value.dtype.kind not in "fiub":
                raise SavedFileError(f"weight {layer.name}/{param!r} in {source} has dtype {value.dtype}; "
                                     f"expected a number type")
            plan.append((layer, param, value))
    for layer, param, value in plan:
        target = layer.params[param]
        target[...] = layer.backend.asarray(value.astype(target.dtype, copy=False))


def check_weight_shapes(model: Any, shapes: dict[str, tuple[int, ...]], source: str,
                        saved_layers: list[str] | None = None,
                        rename: dict[str, str] | None = None) -> dict[str, str] | None:
    """Check saved weight names and shapes (``name -> shape``, read from a header before any data)
    against the model; returns the layer renaming that matches them (see :func:`set_weights`)."""
    if not model.built:
        raise LayerError(f"the model must be built before loading weights from {source}: give the first "
                         f"layer input_shape= or call build(input_shape)")
    if rename is None and saved_layers is not None and len(saved_layers) == len(model._layers) and \
            not set(weights_names(model)) <= set(shapes):
        rename = dict(zip(saved_layers, (layer.name for layer in model._layers)))
    if rename:
        shapes = {_renamed(name, rename): value for name, value in shapes.items()}
    expected_names = set()
    for layer in model._layers:
        for param, current in layer.params.items():
            key = f"{layer.name}/{param}"
            expected_names.add(key)
            if key not in shapes:
                raise SavedFileError(f"{source} has no weight {key!r} for layer {layer.name!r}; it holds: "
                                     f"{_listing(shapes)}")
            if tuple(shapes[key]) != tuple(current.shape):
                raise SavedFileError(f"layer {layer.name!r} weight {param!r} has shape {tuple(current.shape)} "
                                     f"in the model, but {source} holds shape {tuple(shapes[key])}")
    extra = sorted(set(shapes) - expected_names)
    if extra:
        listed = ", ".join(brief(n) for n in extra[:10])
        raise SavedFileError(f"{source} holds weights the model does not have: {listed}"
                             f"{' ...' if len(extra) > 10 else ''} (model layers: "
                             f"{', '.join(layer.name for layer in model._layers)})")
    return rename


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
    tensors = dict(tensors)
    if "iterations" in tensors:
        tensors["iterations"] = np.asarray(_iterations(tensors["iterations"], source), dtype=np.int64)
    _check_slots_complete(optimizer, tensors, source)
    try:
        optimizer.set_state(tensors, like=like)
    except (ValueError, TypeError) as exc:
        raise SavedFileError(f"optimizer state in {source} does not fit the model: {exc}") from None


#: The largest iteration count accepted: far beyond any run, small enough for exact float math.
MAX_ITERATIONS = 2**53


def _iterations(value: np.ndarray, source: str) -> int:
    """The saved update count: a scalar integer in [0, 2**53]. A negative one would make Adam's bias
    correction a math domain error at the next step; ``inf`` or NaN cannot be a count at all."""
    if value.shape != ():
        raise SavedFileError(f"optimizer iterations in {source} must be a scalar, received shape {value.shape}")
    number = value.item()
    if value.dtype.kind == "f":
        if not np.isfinite(number) or number != int(number):
            raise SavedFileError(f"optimizer iterations in {source} must be a whole number, received {number!r}")
        number = int(number)
    elif value.dtype.kind not in "iu":
        raise SavedFileError(f"optimizer iterations in {source} must be an integer, received dtype {value.dtype}")
    if not 0 <= number <= MAX_ITERATIONS:
        raise SavedFileError(f"optimizer iterations in {source} must be in [0, 2**53], received {number}")
    return int(number)


def _check_slots_complete(optimizer: Any, tensors: dict[str, np.ndarray], source: str) -> None:
    """Every parameter with saved state must have every slot the optimizer keeps: a config saying
    ``amsgrad: true`` over state saved without ``velocity_hat`` would load and fail at the first step."""
    names = tuple(getattr(optimizer, "slot_names", ()))
    saved: dict[str, set[str]] = {}
    for name, value in tensors.items():
        if name == "iterations":
            continue
        key, _, slot = name.rpartition("/")
        if value.dtype.kind != "f":
            raise SavedFileError(f"optimizer slot {name!r} in {source} has dtype {value.dtype}; expected floats")
        saved.setdefault(key, set()).add(slot)
    for key, slots in saved.items():
        missing = [s for s in names if s not in slots]
        if missing:
            raise SavedFileError(f"optimizer state in {source} lacks slot {missing[0]!r} of parameter {key!r}: "
                                 f"the saved optimizer config ({type(optimizer).__name__}, slots "
                                 f"{', '.join(names)}) does not match the state saved with it")


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
    return ", ".join(brief(n) for n in names[:10]) + (" ..." if len(names) > 10 else "") if names else "nothing"


__all__ = ["weights", "set_weights", "optimizer_state", "set_optimizer_state", "positional_rename"]
