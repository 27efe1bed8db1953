"""Keras-compatible configuration: floatx, seeds, backend choice; and lazy import."""
from __future__ import annotations

import subprocess
import sys

import neuropil.config
import neuropil.utils
import numpy as np
import pytest
from neuropil.errors import BackendUnavailableError, UnknownComponentError


def test_floatx_defaults_to_float32_and_accepts_float64():
    assert neuropil.config.floatx() == "float32"
    neuropil.config.set_floatx("float64")
    assert neuropil.config.floatx() == "float64"
    with pytest.raises(ValueError, match="float16"):
        neuropil.config.set_floatx("float16")


def test_floatx_sets_the_dtype_of_new_weights():
    from neuropil.layers import Dense
    from neuropil.models import Sequential

    neuropil.config.set_floatx("float64")
    model = Sequential([Dense(2, input_dim=3)])
    assert model.get_weights()[0].dtype == np.float64


def test_set_random_seed_makes_initial_weights_repeatable():
    from neuropil.layers import Dense
    from neuropil.models import Sequential

    def fresh():
        return Sequential([Dense(4, input_dim=3), Dense(1)]).get_weights()

    neuropil.utils.set_random_seed(7)
    first = fresh()
    neuropil.utils.set_random_seed(7)
    again = fresh()
    other = fresh()
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])


def test_backend_by_name_environment_and_errors(monkeypatch):
    import neuropil.backends

    assert neuropil.backends.get("numpy").name == "numpy"
    assert neuropil.backends.get("CPU").name == "numpy"
    monkeypatch.setenv("NEUROPIL_BACKEND", "numpy")
    assert neuropil.config.backend() == "numpy"
    monkeypatch.setenv("NEUROPIL_BACKEND", "nosuchbackend")
    with pytest.raises(UnknownComponentError, match="nosuchbackend"):
        neuropil.backends.get()


def test_unavailable_backend_names_its_reason(install_distribution):
    install_distribution("neuropil-fake-gpu", "0.1", {"fakegpu": "fake_gpu"}, {"fake_gpu.py": """
        from neuropil.base.backend import Backend
        from neuropil.plugin_system.hookspecs import hookimpl

        class FakeGPU(Backend):
            name = "fakegpu"
            priority = 100

            def availability(self):
                return False, "no GPU was found (fake)"

        @hookimpl
        def neuropil_register_backends(register):
            register("fakegpu", FakeGPU)
    """})
    import neuropil.backends

    with pytest.raises(BackendUnavailableError, match="no GPU was found"):
        neuropil.backends.get("fakegpu")
    assert neuropil.backends.get().name == "numpy"  # automatic choice skips the unavailable one
    assert neuropil.backends.available()["fakegpu"] == (False, "no GPU was found (fake)")


def test_import_neuropil_loads_no_plugin_and_reads_no_metadata():
    code = (
        "import sys, importlib.metadata as md\n"
        "calls = []\n"
        "md.entry_points = lambda *a, **k: calls.append(1)\n"
        "import neuropil\n"
        "loaded = [m for m in sys.modules if m.startswith('neuropil_')]\n"
        "print(loaded, calls)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] []"


def test_first_lookup_loads_plugins_once():
    code = (
        "import sys, importlib.metadata as md\n"
        "real = md.entry_points; calls = []\n"
        "def counting(*a, **k):\n"
        "    calls.append(1); return real(*a, **k)\n"
        "md.entry_points = counting\n"
        "import neuropil.activations as A\n"
        "A.get('relu'); A.get('tanh'); import neuropil.losses as L; L.get('mse')\n"
        "print(len(calls), 'neuropil_standard' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1 True"
