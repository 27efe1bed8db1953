"""Layers: the ``config_roundtrip`` property, a layer saved as a model file saves it and loaded back.

A model file holds each layer as its registered name and ``get_config()`` (as JSON) beside its
weights. So a layer rebuilt from that config, built for the same input shape (several shapes for a
multi-input layer) and given the saved weights must compute what the original computes, and save the
same config again. A ``get_config`` that leaves out a constructor argument fails here on the example
configs that set it, wherever the argument changes the output.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from ...plugin_system.namespace import serialize
from ...plugin_system.registry import Entry
from ..instances import float64, host_backend, layer_configs
from ._common import assert_same, run_hypothesis, saved_and_loaded
from ._layer_runs import draw_layer, host, on_backend


def config_roundtrip(entry: Entry) -> None:
    configs = layer_configs(entry)

    def test(data: Any) -> None:
        layer, x, rng = draw_layer(data, entry, configs)
        with float64():
            saved, loaded = saved_and_loaded("layers", layer)
            loaded.ensure_built(layer.input_shape, host_backend(), np.random.default_rng(0))
        again = json.loads(json.dumps(serialize("layers", loaded)))
        if again != saved:
            raise AssertionError(f"a layer loaded from {saved} saves {again}: get_config() must return "
                                 f"the constructor's keyword arguments")
        loaded.set_weights(layer.get_weights())
        assert_same(f"inference output of the layer loaded from {saved} (with the saved weights)",
                    host(loaded, loaded.forward(on_backend(loaded, x), training=False)[0]),
                    host(layer, layer.forward(on_backend(layer, x), training=False)[0]))

    run_hypothesis(test)


PROPERTIES = {"config_roundtrip": config_roundtrip}
