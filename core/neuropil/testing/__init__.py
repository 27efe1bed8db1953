"""neuropil.testing: the conformance suite every component, standard or third-party, must pass.

Installed with ``pip install neuropil[testing]``. Run it over your plugin with
``pytest --neuropil-conformance --neuropil-plugin NAME`` or ``neuropil check NAME``; call the pieces
directly (:func:`check_gradients`, the strategies) to test components that are not registered.

Importing this package is cheap (pytest imports its plugin module in every run): Hypothesis and the
checks load on first use of an attribute.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "check_gradients": "gradients", "check_pure_backward": "gradients", "Differentiable": "gradients",
    "GradientMismatch": "gradients", "KinkFound": "gradients",
    "cases": "suite", "run_cases": "suite", "Case": "suite", "ConformanceFailure": "suite",
    "ConformanceSkip": "instances", "register_profiles": "profiles", "load_profile": "profiles",
    "strategies": None, "references": None, "profiles": None, "suite": None, "gradients": None,
    "emulated_device": None, "emulated_backend": "emulated_device", "EmulatedDevice": "emulated_device",
}

__all__ = sorted(_EXPORTS)


def check_component(kind: str, name: str, prop: str | None = None) -> None:
    """Run every property (or ``prop``) of the registered component ``kind:name``; raises
    :class:`ConformanceFailure` on the first failure, :class:`ConformanceSkip` if ``prop`` does not
    apply."""
    from ..plugin_system.namespace import lookup
    from .suite import PROPERTIES, Case

    entry = lookup(kind, name)
    props = PROPERTIES[kind] if prop is None else {prop: PROPERTIES[kind][prop]}
    for p, check in props.items():
        case = Case(kind, entry.name, p, entry, check)
        if prop is None:
            from .instances import ConformanceSkip

            try:
                case.run()
            except ConformanceSkip:
                continue
        else:
            case.run()


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'neuropil.testing' has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_EXPORTS[name] or name}")
    return module if _EXPORTS[name] is None else getattr(module, name)
