"""The hook implementations: each hands ``register`` to the module that owns that kind.

Component modules are imported inside the hooks, so nothing here runs until neuropil loads plugins.
"""
from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from neuropil.plugin_system.hookspecs import Register, hookimpl


def _delegate_to(*modules: str) -> Callable[[Register], None]:
    """A hook implementation calling ``register_all(register)`` of each of this package's ``modules``."""

    def register_kind(register: Register) -> None:
        for module in modules:
            import_module(f"{__package__}.{module}").register_all(register)

    register_kind.__name__ = f"register_{'_'.join(modules)}"
    return hookimpl(register_kind)


neuropil_register_backends = _delegate_to("backend")
neuropil_register_layers = _delegate_to("layers")
neuropil_register_activations = _delegate_to("activations")
neuropil_register_losses = _delegate_to("losses")
neuropil_register_optimizers = _delegate_to("optimizers")
neuropil_register_metrics = _delegate_to("accuracy", "compile_shorthands")
neuropil_register_initializers = _delegate_to("initializers")
neuropil_register_regularizers = _delegate_to("regularizers")
neuropil_register_constraints = _delegate_to("constraints")
neuropil_register_schedules = _delegate_to("schedules")
