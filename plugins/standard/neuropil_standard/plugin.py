"""The hook implementations: each hands ``register`` to the module that owns that kind.

Component modules are imported inside the hooks, so nothing here runs until neuropil loads plugins.
"""
from __future__ import annotations

from neuropil.hookspecs import Register, hookimpl


@hookimpl
def neuropil_register_backends(register: Register) -> None:
    from .backend import register_all

    register_all(register)


@hookimpl
def neuropil_register_layers(register: Register) -> None:
    from .layers import register_all

    register_all(register)


@hookimpl
def neuropil_register_activations(register: Register) -> None:
    from .activations import register_all

    register_all(register)


@hookimpl
def neuropil_register_losses(register: Register) -> None:
    from .losses import register_all

    register_all(register)


@hookimpl
def neuropil_register_optimizers(register: Register) -> None:
    from .optimizers import register_all

    register_all(register)


@hookimpl
def neuropil_register_metrics(register: Register) -> None:
    from .accuracy import register_all

    register_all(register)


@hookimpl
def neuropil_register_initializers(register: Register) -> None:
    from .initializers import register_all

    register_all(register)


@hookimpl
def neuropil_register_regularizers(register: Register) -> None:
    from .regularizers import register_all

    register_all(register)


@hookimpl
def neuropil_register_constraints(register: Register) -> None:
    from .constraints import register_all

    register_all(register)
