"""Making components generically: from a registry entry, without knowing the component.

Layers are built from their class's ``example_configs``; every other kind is called with no arguments
(plus its ``example_configs`` when its class declares some). Layers are built in float64, because
finite differences in float32 are too coarse to tell a 1% error in a backward from rounding.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import config as np_config
from ..base.backend import Backend
from ..errors import NeuropilError
from ..plugin_system.registry import Entry


class ConformanceSkip(NeuropilError):
    """The property does not apply to this component (reported as a skip with the reason)."""


#: Per-sample input shapes tried, in order, to find what a layer accepts (a conv layer needs rank 3).
PROBE_SHAPES: tuple[tuple[int, ...], ...] = ((3,), (4, 3), (5, 5, 2), (5, 5, 5, 2))


def example_configs(entry: Entry) -> tuple[dict[str, Any], ...]:
    configs = getattr(entry.factory, "example_configs", None)
    return tuple(dict(c) for c in configs) if configs else ({},)


def make(entry: Entry, config: dict[str, Any] | None = None) -> Any:
    """A fresh instance of ``entry`` built with ``config`` (the constructor's keyword arguments)."""
    return entry.factory(**(config or {}))


@contextlib.contextmanager
def float64() -> Iterator[None]:
    """Build in float64 for the duration, restoring the user's floatx afterwards."""
    previous = np_config.floatx()
    np_config.set_floatx("float64")
    try:
        yield
    finally:
        np_config.set_floatx(previous)


def host_backend() -> Backend:
    """The reference backend: the registered 'numpy' one, or the base class (which is NumPy) when no
    plugin provides it, so that a plugin can be checked on its own."""
    from ..base.backend import _instance
    from ..plugin_system.manager import manager

    registry = manager().registries["backends"]
    if "numpy" in registry:
        try:
            return _instance(registry.lookup("numpy"))
        except ValueError:
            pass
    return Backend()


def build_layer(entry: Entry, config: dict[str, Any], input_shape: tuple[int, ...], seed: int,
                backend: Backend | None = None) -> Any:
    with float64():
        layer = make(entry, config)
        layer.ensure_built(tuple(input_shape), backend or host_backend(), np.random.default_rng(seed))
    return layer


def declared_shape(entry: Entry, config: dict[str, Any]) -> tuple[int, ...] | None:
    """The per-sample input shape the config fixes (``input_shape``, ``input_dim``, Input's ``shape``
    ...), as the constructed layer reports it in ``declared_input_shape``."""
    try:
        declared = getattr(make(entry, config), "declared_input_shape", None)
    except Exception:  # noqa: BLE001 - a config that cannot construct fails later, with its error
        return None
    return tuple(declared) if declared is not None else None


def layer_configs(entry: Entry) -> list[tuple[dict[str, Any], tuple[int, ...], bool]]:
    """Each example config with a per-sample input shape the layer accepts (found by trying
    :data:`PROBE_SHAPES` unless the config fixes it) and whether the config fixes it."""
    out: list[tuple[dict[str, Any], tuple[int, ...], bool]] = []
    for config in example_configs(entry):
        problems: list[str] = []
        fixed = declared_shape(entry, config)
        candidates = [fixed] if fixed else list(PROBE_SHAPES)
        for shape in candidates:
            try:
                layer = build_layer(entry, config, shape, 0)
                layer.forward(np.zeros((2,) + tuple(shape)), training=False)
            except Exception as exc:  # noqa: BLE001 - any failure means "not this shape"
                problems.append(f"input shape {shape}: {type(exc).__name__}: {exc}")
                continue
            out.append((config, tuple(shape), fixed is not None))
            break
        else:
            raise AssertionError(
                f"could not build and run the layer from example config {config} with any input shape "
                f"(give the config an `input_shape` when the layer needs a particular one). Tried: "
                + "; ".join(problems))
    return out
