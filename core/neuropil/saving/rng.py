"""Capturing and restoring every random stream a model draws from, for bit-exact resumption.

Two kinds of streams exist: neuropil's global generator (``fit`` shuffles with it) and generators that
layers keep for themselves (Dropout's masks). Layers are found generically: any NumPy ``Generator``
attribute of a layer is captured, so a third-party layer with its own stream is covered without
knowing about saving. A layer whose stream is not a NumPy generator (a GPU one) can instead define
``get_rng_state() -> JSON-able`` and ``set_rng_state(state)``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import utils
from .errors import SavedFileError, brief


def _generators(layer: Any) -> dict[str, np.random.Generator]:
    return dict(layer.random_generators())  # the Layer protocol: see neuropil.base.layer


def capture(layers: list[Any]) -> dict[str, Any]:
    """JSON-able states: ``{"global": ..., "layers": {name: {attr: state}}}``."""
    per_layer: dict[str, Any] = {}
    for layer in layers:
        if callable(getattr(layer, "get_rng_state", None)):
            per_layer[layer.name] = {"__custom__": layer.get_rng_state()}
            continue
        states = {attr: gen.bit_generator.state for attr, gen in _generators(layer).items()}
        if states:
            per_layer[layer.name] = states
    return {"global": utils.global_rng().bit_generator.state, "layers": per_layer}


def restore(state: Any, layers: list[Any], restore_global: bool = True) -> None:
    """Put captured states back, in place (``fit`` holds a reference to the global generator).

    Everything is checked before any generator changes.
    """
    if not isinstance(state, dict) or not isinstance(state.get("layers", {}), dict):
        raise SavedFileError(f"random-stream state must be an object with 'global' and 'layers', "
                             f"received {brief(state)}")
    by_name = {layer.name: layer for layer in layers}
    plan: list[tuple[Any, str | None, Any]] = []
    for name, states in state.get("layers", {}).items():
        layer = by_name.get(name)
        if layer is None:
            raise SavedFileError(f"saved random-stream state names layer {name!r}, which the model does not "
                                 f"have (layers: {', '.join(by_name)})")
        if isinstance(states, dict) and "__custom__" in states:
            if not callable(getattr(layer, "set_rng_state", None)):
                raise SavedFileError(f"layer {name!r} saved a custom random state but has no set_rng_state")
            plan.append((layer, None, states["__custom__"]))
            continue
        generators = _generators(layer)
        if not isinstance(states, dict):
            raise SavedFileError(f"saved random-stream state of layer {name!r} must be an object, "
                                 f"received {brief(states)}")
        for attr, value in states.items():
            if attr not in generators:
                raise SavedFileError(f"saved random-stream state names {name}.{attr}, which is not a "
                                     f"generator of that layer (it has: {', '.join(generators) or 'none'})")
            _validate(generators[attr], value, f"{name}.{attr}")
            plan.append((generators[attr], "bit_generator", value))
    if restore_global and "global" in state:
        _validate(utils.global_rng(), state["global"], "the global generator")
        plan.append((utils.global_rng(), "bit_generator", state["global"]))
    for target, kind, value in plan:
        try:
            if kind is None:
                target.set_rng_state(value)
            else:
                target.bit_generator.state = value
        except Exception as exc:  # noqa: BLE001 - a plugin's set_rng_state may raise anything
            raise SavedFileError(f"could not restore a random stream: {type(exc).__name__}: {exc}") from None


def _validate(generator: np.random.Generator, value: Any, what: str) -> None:
    """Try a state on a throwaway bit generator of the same kind, so a bad one changes nothing."""
    if not isinstance(value, dict) or value.get("bit_generator") != type(generator.bit_generator).__name__:
        raise SavedFileError(f"saved random-stream state of {what} must be a {type(generator.bit_generator).__name__} "
                             f"state object, received {brief(value)}")
    try:
        probe = type(generator.bit_generator)()
        probe.state = value
        if probe.state != value:  # NumPy may silently wrap oversized integers: refuse, don't reinterpret
            raise ValueError("its values are out of range for the generator (they do not survive a round trip)")
    except Exception as exc:  # noqa: BLE001 - NumPy raises Overflow/Attribute/Type/Value/KeyError here
        raise SavedFileError(f"saved random-stream state of {what} does not fit its "
                             f"{type(generator.bit_generator).__name__} generator: {exc}") from None


__all__ = ["capture", "restore"]
