"""The hook implementation: registers the CuPy backend as "cupy" (aliases "gpu", "cuda").

Registration imports nothing heavy; constructing :class:`CupyBackend` is cheap and never fails, as the
``neuropil_register_backends`` contract requires. Whether CuPy and a device are there is answered
later, by ``availability()``.
"""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register, hookimpl


@hookimpl
def neuropil_register_backends(register: Register) -> None:
    from .backend import CupyBackend

    register("cupy", CupyBackend, aliases=("gpu", "cuda"))
