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
from ..base.layer import per_sample_shape
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


def build_layer(entry: Entry, config: dict[str, Any], input_shape: Any, seed: int,
                backend: Backend | None = None) -> Any:
    """``entry`` made from ``config`` and built in float64 for ``input_shape`` (one per-sample shape,
    or a list of them for a multi-input layer)."""
    with float64():
        layer = make(entry, config)
        layer.ensure_built(per_sample_shape(input_shape), backend or host_backend(), np.random.default_rng(seed))
    return layer


def is_multi_input(input_shape: Any) -> bool:
    """Whether ``input_shape`` (as :func:`~neuropil.base.layer.per_sample_shape` normalises it) is
    several inputs' shapes."""
    return isinstance(input_shape, list)


def zero_inputs(input_shape: Any, batch: int = 2) -> Any:
    """A batch of zeros for ``input_shape``: one array, or one per input of a multi-input layer."""
    if is_multi_input(input_shape):
        return [np.zeros((batch,) + tuple(s)) for s in input_shape]
    return np.zeros((batch,) + tuple(input_shape))


def declared_input_shapes(entry: Entry) -> list[Any]:
    """The layer's ``example_input_shapes``, normalised (tuples; a list of tuples for several inputs)."""
    return [per_sample_shape(shape) for shape in getattr(entry.factory, "example_input_shapes", ())]


def declared_shape(entry: Entry, config: dict[str, Any]) -> tuple[int, ...] | None:
    """The per-sample input shape the config fixes (``input_shape``, ``input_dim``, Input's ``shape``
    ...), as the constructed layer reports it in ``declared_input_shape``."""
    try:
        declared = getattr(make(entry, config), "declared_input_shape", None)
    except Exception:  # noqa: BLE001 - a config that cannot construct fails later, with its error
        return None
    return tuple(declared) if declared is not None else None


def _runs(entry: Entry, config: dict[str, Any], shape: Any, problems: list[str], declared: bool = False) -> bool:
    """Whether the layer builds and runs for ``shape``. A shape the layer or its config *declares*
    must either work or be refused with a NeuropilError (a LayerError at build, as layers refuse
    inputs they cannot take): any other exception there is a crash, reported, not a "not this shape"
    (a forward that crashes on one declared shape would otherwise leave that path unchecked)."""
    try:
        layer = build_layer(entry, config, shape, 0)
        layer.forward(zero_inputs(shape), training=False)
    except Exception as exc:  # noqa: BLE001 - any failure of a probe means "not this shape"
        if declared and not isinstance(exc, NeuropilError):
            raise AssertionError(f"example config {config} with the declared input shape {shape} crashes "
                                 f"({type(exc).__name__}: {exc}) instead of running or being refused with a "
                                 f"NeuropilError") from exc
        problems.append(f"input shape {shape}: {type(exc).__name__}: {exc}")
        return False
    return True


def layer_configs(entry: Entry) -> list[tuple[dict[str, Any], Any, bool]]:
    """Each example config with the per-sample input shapes the layer accepts, and whether the config
    fixes the shape.

    A shape the config fixes (``input_shape``) is the only one; otherwise every shape of the layer's
    ``example_input_shapes`` that builds and runs with the config is used (a multi-input layer's
    lists of shapes among them), and, when none does, the first of :data:`PROBE_SHAPES` that does.
    """
    out: list[tuple[dict[str, Any], Any, bool]] = []
    declared = declared_input_shapes(entry)
    for config in example_configs(entry):
        problems: list[str] = []
        fixed = declared_shape(entry, config)
        if fixed:
            accepted = [fixed] if _runs(entry, config, fixed, problems, declared=True) else []
        else:
            accepted = [shape for shape in declared if _runs(entry, config, shape, problems, declared=True)]
            probed = (shape for shape in PROBE_SHAPES if _runs(entry, config, shape, problems))
            accepted = accepted or [shape for shape in [next(probed, None)] if shape is not None]
        if not accepted:
            raise AssertionError(
                f"could not build and run the layer from example config {config} with any input shape "
                f"(give the config an `input_shape`, or the layer `example_input_shapes`, when it needs "
                f"particular ones; a multi-input layer lists lists of shapes there). Tried: "
                + "; ".join(problems))
        out.extend((config, shape, fixed is not None) for shape in accepted)
    return out
