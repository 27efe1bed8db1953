"""Hostile and broken plugins, installed as real distributions: none takes the host down, each failure
names the plugin and distribution, and a second provider of a saved name does not break loading."""
from __future__ import annotations

import warnings

import neuropil
import neuropil.plugins
import numpy as np
import pytest
from hostile import X, Y, small_model
from neuropil.errors import PluginConflictError, PluginLoadError, PluginLoadWarning
from neuropil.models import load_model
from neuropil.plugin_system.namespace import registry

EXITS_ON_IMPORT = "import sys\nsys.exit('plugin says goodbye')\n"

EXITS_WHILE_REGISTERING = """
import sys
from neuropil.plugin_system.hookspecs import hookimpl

@hookimpl
def neuropil_register_layers(register):
    raise SystemExit(3)
"""

FAILS_IN_FORWARD = """
import neuropil
from neuropil.base.layer import Layer

def _index(x):
    return x[:, 99]  # an IndexError deep in the plugin's own helper

class Fragile(Layer):
    def forward(self, x, training=False):
        if training:
            return _index(x), None
        return x, lambda dy: dy

class FragileBackward(Layer):
    def forward(self, x, training=False):
        def backward(dy):
            raise ArithmeticError("backward of FragileBackward is broken")
        return x, backward

class FragileInference(Layer):
    def forward(self, x, training=False):
        if not training:
            raise LookupError("inference of FragileInference is broken")
        return x, lambda dy: dy

@neuropil.hookimpl
def neuropil_register_layers(register):
    register("Fragile", Fragile)
    register("FragileBackward", FragileBackward)
    register("FragileInference", FragileInference)
"""

SECOND_DENSE = """
import neuropil
from neuropil_standard.layers.dense import Dense as StandardDense

class Dense(StandardDense):
    '''Another distribution's Dense: same name, different behaviour (doubles its output).'''
    def forward(self, x, training=False):
        y, back = super().forward(x, training)
        return 2 * y, lambda dy: back(2 * dy)

class Relu:
    # another distribution's 'relu' activation: the identity (so a mix-up shows in the outputs)
    name = "relu"
    def __init__(self, **kwargs):
        pass
    def forward(self, x):
        return x, lambda dy: dy
    def __call__(self, x):
        return x
    def get_config(self):
        return {}

@neuropil.hookimpl
def neuropil_register_layers(register):
    register("Dense", Dense)

@neuropil.hookimpl
def neuropil_register_activations(register):
    register("relu", Relu)
"""


def test_a_plugin_calling_sys_exit_on_import_is_skipped_and_named(install_distribution):
    install_distribution("exit-plugin", "0.3", {"exiter": "exit_plugin"}, {"exit_plugin.py": EXITS_ON_IMPORT})
    with pytest.warns(PluginLoadWarning, match=r"'exiter' \(distribution exit-plugin 0\.3.*failed to import: "
                                               r"SystemExit: plugin says goodbye"):
        assert "Dense" in registry("layers")
    assert neuropil.layers.get("Dense", units=2).units == 2  # everything else works


def test_a_plugin_raising_system_exit_while_registering_is_skipped(install_distribution):
    install_distribution("exit-hook", "1.0", {"exithook": "exit_hook"}, {"exit_hook.py": EXITS_WHILE_REGISTERING})
    with pytest.warns(PluginLoadWarning, match=r"exit-hook 1\.0.*raised while registering: SystemExit: 3"):
        registry("layers").names()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)
        record = {r.name: r for r in neuropil.plugins.plugins()}["exithook"]
    assert "SystemExit" in record.error


def test_strict_mode_turns_a_sys_exit_into_a_plugin_load_error(install_distribution, monkeypatch):
    monkeypatch.setenv("NEUROPIL_STRICT_PLUGINS", "1")
    install_distribution("exit-plugin", "0.3", {"exiter": "exit_plugin"}, {"exit_plugin.py": EXITS_ON_IMPORT})
    with pytest.raises(PluginLoadError, match="exit-plugin 0.3.*SystemExit"):
        registry("layers").names()


def test_keyboard_interrupt_from_a_plugin_still_stops_the_host(install_distribution):
    install_distribution("ctrl-c", "1.0", {"ctrlc": "ctrl_c"}, {"ctrl_c.py": "raise KeyboardInterrupt\n"})
    with pytest.raises(KeyboardInterrupt):
        registry("layers").names()


def fragile_model(layer_name: str) -> neuropil.Sequential:
    neuropil.utils.set_random_seed(0)
    layer = getattr(neuropil.layers, layer_name)(name="weak")
    model = neuropil.Sequential([neuropil.layers.Dense(4, input_shape=(3,)), layer, neuropil.layers.Dense(2)])
    model.compile("sgd", "mse")
    return model


def test_an_exception_in_a_plugin_forward_names_the_plugin_and_distribution(install_distribution):
    install_distribution("fragile-layers", "2.1", {"fragile": "fragile_layers"},
                         {"fragile_layers.py": FAILS_IN_FORWARD})
    model = fragile_model("Fragile")
    with pytest.raises(IndexError) as info:  # the plugin's own exception, unchanged
        model.fit(X, Y, epochs=1, verbose=0)
    notes = getattr(info.value, "__notes__", [])
    assert len(notes) == 1
    assert "layer 'Fragile' (named 'weak'), provided by plugin 'fragile' (distribution fragile-layers 2.1)" \
        in notes[0]
    with pytest.raises(IndexError) as called:
        model(X, training=True)
    assert "fragile-layers 2.1" in called.value.__notes__[0]


def test_an_exception_in_a_plugin_backward_names_the_plugin(install_distribution):
    install_distribution("fragile-layers", "2.1", {"fragile": "fragile_layers"},
                         {"fragile_layers.py": FAILS_IN_FORWARD})
    model = fragile_model("FragileBackward")
    with pytest.raises(ArithmeticError, match="backward of FragileBackward") as info:
        model.train_on_batch(X, Y)
    assert "layer 'FragileBackward', provided by plugin 'fragile' (distribution fragile-layers 2.1)" \
        in info.value.__notes__[0]
    assert model.predict(X, verbose=0).shape == (8, 2)  # its forward works; nothing else is affected


def test_an_exception_in_evaluate_predict_or_features_names_the_plugin(install_distribution):
    install_distribution("fragile-layers", "2.1", {"fragile": "fragile_layers"},
                         {"fragile_layers.py": FAILS_IN_FORWARD})
    model = fragile_model("FragileInference")
    model.fit(X, Y, epochs=1, verbose=0)  # training mode works
    for run in (lambda: model.evaluate(X, Y, verbose=0), lambda: model.predict(X, verbose=0),
                lambda: model.extract_features(X, layer="weak"), lambda: model.test_on_batch(X, Y)):
        with pytest.raises(LookupError, match="inference of FragileInference") as info:
            run()
        assert [n for n in info.value.__notes__ if "FragileInference" in n and "fragile-layers 2.1" in n]


def test_errors_in_standard_layers_name_the_standard_distribution():
    model = neuropil.Sequential([neuropil.layers.Dense(2, input_shape=(3,), name="d")])
    model.compile("sgd", "mse")
    model.build((3,))
    model._layers[0].params["kernel"] = np.zeros((5, 2), "float32")  # a corrupted weight, by hand
    with pytest.raises(ValueError) as info:
        model.predict(X, verbose=0)
    assert "layer 'Dense' (named 'd'), provided by plugin 'standard' (distribution neuropil-standard" \
        in info.value.__notes__[0]


def test_a_second_distribution_registering_dense_does_not_break_saved_models(install_distribution, tmp_path):
    path = tmp_path / "m.safetensors"
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([neuropil.layers.Dense(4, activation="relu", input_shape=(3,), name="d0"),
                                 neuropil.layers.Dense(2, name="d1")])
    model.compile("adam", "mse")
    model.save(path)
    expected = model.predict(X, verbose=0)
    install_distribution("acme-dense", "1.0", {"acme": "acme_dense"}, {"acme_dense.py": SECOND_DENSE})
    with pytest.raises(PluginConflictError, match="Dense"):
        neuropil.layers.get("Dense", units=2)  # for new code, the name is ambiguous now
    loaded = load_model(path)  # the file records neuropil-standard: that one is used, for its relu too
    assert all(type(layer).__module__.startswith("neuropil_standard") for layer in loaded.layers)
    assert type(loaded.layers[0].activation).__module__.startswith("neuropil_standard")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), expected)


def test_the_recorded_provider_is_used_when_it_is_the_third_party_one(install_distribution, tmp_path):
    install_distribution("acme-dense", "1.0", {"acme": "acme_dense"}, {"acme_dense.py": SECOND_DENSE})
    neuropil.plugins.prefer("acme-dense", kind="layers", name="Dense")
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([neuropil.layers.Dense(2, input_shape=(3,), name="acme")])
    model.compile("sgd", "mse")
    path = tmp_path / "m.safetensors"
    model.save(path)
    neuropil.plugins.reload()  # preferences forgotten: both providers, no choice made
    loaded = load_model(path)
    assert type(loaded.layers[0]).__module__ == "acme_dense"
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
