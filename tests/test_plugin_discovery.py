"""Plugin discovery through entry points: loading, isolation of failures, strictness, allow-lists."""
from __future__ import annotations

import json
import subprocess
import sys
import warnings

import neuropil.losses
import neuropil.plugins
import pytest
from neuropil.errors import PluginConflictError, PluginLoadError, PluginLoadWarning, UnknownComponentError

GOOD_PLUGIN = """
from neuropil.plugin_system.hookspecs import hookimpl
from neuropil.base.activation import Activation


class Cube(Activation):
    name = "cube"

    def forward(self, x):
        return x ** 3, lambda dy: 3 * x ** 2 * dy


@hookimpl
def neuropil_register_activations(register):
    register("cube", Cube, aliases=("third_power",))
"""

BROKEN_ON_IMPORT = "raise RuntimeError('this plugin is broken on purpose')\n"

RAISES_HALFWAY = """
from neuropil.plugin_system.hookspecs import hookimpl
from neuropil.base.activation import Activation


class Square(Activation):
    name = "square"

    def forward(self, x):
        return x * x, lambda dy: 2 * x * dy


@hookimpl
def neuropil_register_activations(register):
    register("square", Square)


@hookimpl
def neuropil_register_losses(register):
    raise ValueError("cannot register losses today")
"""


def activations():
    import neuropil.activations

    return neuropil.activations


def test_entry_point_plugin_is_discovered_and_its_names_resolve(install_distribution):
    install_distribution("neuropil-cube", "1.2.3", {"cube": "cube_plugin"}, {"cube_plugin.py": GOOD_PLUGIN})
    cube = activations().get("cube")
    assert type(cube).__name__ == "Cube"
    assert type(activations().get("Third_Power")).__name__ == "Cube"
    from neuropil.activations import Cube  # the Keras-style namespace resolves through the registry

    assert Cube is type(cube)
    record = {r.name: r for r in neuropil.plugins.plugins()}["cube"]
    assert (record.distribution, record.version) == ("neuropil-cube", "1.2.3")
    assert record.registered == {"activations": ["cube"]}


def test_plugin_that_fails_to_import_is_named_and_others_keep_working(install_distribution):
    install_distribution("neuropil-cube", "1.0", {"cube": "cube_plugin"}, {"cube_plugin.py": GOOD_PLUGIN})
    install_distribution("neuropil-broken", "0.9", {"broken": "broken_plugin"},
                         {"broken_plugin.py": BROKEN_ON_IMPORT})
    with pytest.warns(PluginLoadWarning) as caught:
        assert type(activations().get("cube")).__name__ == "Cube"
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, "a failing plugin is reported once"
    assert caught[0].filename == __file__, "the warning points at the user's line that loaded plugins"
    assert "neuropil-broken 0.9" in messages[0] and "broken = broken_plugin" in messages[0]
    assert "this plugin is broken on purpose" in messages[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        activations().get("cube")  # no second warning for later lookups
    record = {r.name: r for r in neuropil.plugins.plugins()}["broken"]
    assert record.error is not None


def test_plugin_raising_while_registering_leaves_nothing_half_registered(install_distribution):
    install_distribution("neuropil-half", "2.0", {"half": "half_plugin"}, {"half_plugin.py": RAISES_HALFWAY})
    with pytest.warns(PluginLoadWarning, match="neuropil-half 2.0.*raised while registering"):
        names = activations().__dir__()
    assert "square" not in names
    with pytest.raises(UnknownComponentError):
        activations().get("square")


def test_strict_mode_turns_a_failure_into_an_error(install_distribution, monkeypatch):
    install_distribution("neuropil-broken", "0.9", {"broken": "broken_plugin"},
                         {"broken_plugin.py": BROKEN_ON_IMPORT})
    monkeypatch.setenv("NEUROPIL_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="neuropil-broken 0.9"):
        activations().get("relu")


def test_allow_list_loads_only_named_plugins(install_distribution, monkeypatch):
    install_distribution("neuropil-cube", "1.0", {"cube": "cube_plugin"}, {"cube_plugin.py": GOOD_PLUGIN})
    monkeypatch.setenv("NEUROPIL_PLUGINS", "neuropil-cube")
    neuropil.plugins.reload()
    assert type(activations().get("cube")).__name__ == "Cube"
    assert [r.name for r in neuropil.plugins.plugins()] == ["cube"]
    with pytest.raises(UnknownComponentError, match="relu"):
        activations().get("relu")  # neuropil-standard is not in the allow-list
    with pytest.raises(UnknownComponentError,
                       match=r"^Unknown loss 'mse'.*NEUROPIL_PLUGINS='neuropil-cube' limits which plugins load"):
        neuropil.losses.get("mse")


def test_empty_allow_list_loads_none_and_unknown_names_warn(install_distribution, monkeypatch):
    install_distribution("neuropil-cube", "1.0", {"cube": "cube_plugin"}, {"cube_plugin.py": GOOD_PLUGIN})
    monkeypatch.setenv("NEUROPIL_PLUGINS", "")
    neuropil.plugins.reload()
    assert neuropil.plugins.plugins() == []
    monkeypatch.setenv("NEUROPIL_PLUGINS", "cube,no-such-plugin")
    neuropil.plugins.reload()
    with pytest.warns(PluginLoadWarning, match="no-such-plugin") as caught:
        assert type(activations().get("cube")).__name__ == "Cube"
    assert caught[0].filename == __file__


def test_disable_autoload_skips_third_party_but_keeps_neuropil_own(install_distribution, monkeypatch):
    install_distribution("neuropil-cube", "1.0", {"cube": "cube_plugin"}, {"cube_plugin.py": GOOD_PLUGIN})
    monkeypatch.setenv("NEUROPIL_DISABLE_PLUGIN_AUTOLOAD", "1")
    neuropil.plugins.reload()
    with pytest.raises(UnknownComponentError):
        activations().get("cube")
    assert type(activations().get("relu")).__name__  # neuropil-standard still loads
    import cube_plugin  # in-process registration still works when autoload is off

    neuropil.plugins.register(cube_plugin, name="cube-in-process")
    assert type(activations().get("cube")).__name__ == "Cube"


def test_two_distributions_claiming_one_name_is_an_error_naming_both(install_distribution):
    install_distribution("neuropil-cube", "1.0", {"cube": "cube_plugin"}, {"cube_plugin.py": GOOD_PLUGIN})
    install_distribution("neuropil-other-cube", "3.1", {"othercube": "other_cube"},
                         {"other_cube.py": GOOD_PLUGIN})
    with pytest.raises(PluginConflictError) as info:
        activations().get("cube")
    message = str(info.value)
    assert "neuropil-cube 1.0" in message and "neuropil-other-cube 3.1" in message
    # the user's explicit choices resolve it: a qualified name, or a preference
    assert activations().get("neuropil-other-cube:cube").__class__.__module__ == "other_cube"
    neuropil.plugins.prefer("neuropil-cube", kind="activations", name="cube")
    assert activations().get("cube").__class__.__module__ == "cube_plugin"


def test_preference_from_the_environment(install_distribution, monkeypatch):
    monkeypatch.setenv("NEUROPIL_PREFER", "neuropil-other-cube")
    install_distribution("neuropil-cube", "1.0", {"cube": "cube_plugin"}, {"cube_plugin.py": GOOD_PLUGIN})
    install_distribution("neuropil-other-cube", "3.1", {"othercube": "other_cube"},
                         {"other_cube.py": GOOD_PLUGIN})
    assert activations().get("cube").__class__.__module__ == "other_cube"


def test_in_process_register_and_unregister():
    import types

    from neuropil.base.activation import Activation
    from neuropil.plugin_system.hookspecs import hookimpl

    class Halve(Activation):
        name = "halve"

        def forward(self, x):
            return x / 2, lambda dy: dy / 2

    plugin = types.SimpleNamespace(neuropil_register_activations=hookimpl(lambda register: register("halve", Halve)))
    name = neuropil.plugins.register(plugin, name="halver")
    try:
        assert isinstance(activations().get("halve"), Halve)
        assert {r.name: r for r in neuropil.plugins.plugins()}["halver"].distribution is None
    finally:
        neuropil.plugins.unregister(name)
    with pytest.raises(UnknownComponentError):
        activations().get("halve")


def test_in_process_plugin_that_raises_is_refused_and_leaves_nothing():
    import types

    from neuropil.plugin_system.hookspecs import hookimpl

    def register_then_fail(register):
        register("ghost", object)
        raise RuntimeError("boom")

    plugin = types.SimpleNamespace(neuropil_register_activations=hookimpl(register_then_fail))
    with pytest.raises(PluginLoadError, match="boom"):
        neuropil.plugins.register(plugin, name="ghostly")
    assert "ghost" not in activations().__dir__()
    assert "ghostly" not in [r.name for r in neuropil.plugins.plugins()]


def test_cli_lists_plugins_as_table_and_json(install_distribution, tmp_path):
    root = install_distribution("neuropil-cube", "1.2.3", {"cube": "cube_plugin"},
                                {"cube_plugin.py": GOOD_PLUGIN})
    env = {"PYTHONPATH": str(root), "PATH": ""}
    run = [sys.executable, "-m", "neuropil.cli", "plugins"]
    table = subprocess.run(run, capture_output=True, text=True, env=env, check=True).stdout
    assert "neuropil-cube" in table and "1.2.3" in table and "activations: cube" in table
    assert "neuropil-standard" in table
    listing = json.loads(subprocess.run(run + ["--json"], capture_output=True, text=True, env=env,
                                        check=True).stdout)
    cube = next(p for p in listing if p["plugin"] == "cube")
    assert cube["distribution"] == "neuropil-cube" and cube["registers"] == {"activations": ["cube"]}


def test_cli_shows_failures(install_distribution):
    root = install_distribution("neuropil-broken", "0.9", {"broken": "broken_plugin"},
                                {"broken_plugin.py": BROKEN_ON_IMPORT})
    out = subprocess.run([sys.executable, "-W", "ignore", "-m", "neuropil.cli", "plugins"], capture_output=True,
                         text=True, env={"PYTHONPATH": str(root), "PATH": ""}, check=True).stdout
    assert "FAILED" in out and "broken on purpose" in out
