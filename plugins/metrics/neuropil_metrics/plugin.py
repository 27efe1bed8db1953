"""The hook implementation: registers every metric of this distribution by its Keras name.

The metric modules are imported inside the hook, so installing this plugin costs nothing until neuropil
first looks a metric up.
"""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register, hookimpl


@hookimpl
def neuropil_register_metrics(register: Register) -> None:
    from .catalog import register_all

    register_all(register)
