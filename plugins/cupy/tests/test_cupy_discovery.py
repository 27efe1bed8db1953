"""The installed distribution is found through its entry point, registers its names, and stays cheap."""
from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import neuropil.backends
import neuropil.plugins
from neuropil_cupy import CupyBackend


def test_entry_point_is_installed() -> None:
    (entry,) = [ep for ep in metadata.entry_points(group="neuropil") if ep.name == "cupy"]
    assert entry.value == "neuropil_cupy.plugin"
    assert entry.dist is not None and entry.dist.name == "neuropil-cupy"


def test_plugin_registers_cupy_with_aliases() -> None:
    (record,) = [r for r in neuropil.plugins.plugins() if r.distribution == "neuropil-cupy"]
    assert record.error is None
    assert record.registered["backends"] == ["cupy"]
    assert "cupy" in neuropil.backends.available()
    for alias in ("cupy", "gpu", "cuda", "CuPy"):
        assert neuropil.backends.__getattr__(alias) is CupyBackend


def test_priority_is_above_numpy() -> None:
    from neuropil_standard.backend import NumpyBackend

    assert CupyBackend.priority > NumpyBackend.priority


def test_loading_plugins_and_constructing_do_not_import_cupy() -> None:
    """Plugin loading runs on every machine: it must not pay for (or fail on) CuPy's import."""
    code = ("import sys, neuropil.plugins, neuropil_cupy\n"
            "neuropil.plugins.plugins(); neuropil_cupy.CupyBackend(tf32=True)\n"
            "assert 'cupy' not in sys.modules, 'cupy was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
