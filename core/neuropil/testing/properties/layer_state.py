"""Layers: the ``state`` property, what a forward and a backward may change.

The contract (Keras's): a layer's parameters change in two places only. The optimizer changes the
trainable ones, between steps, with its learning rate, slots and constraints; a *training* forward
may change the non-trainable ones (BatchNormalization moving its statistics). Nothing else does:

* an inference forward (``training=False``: predict, evaluate, validation) changes
  no parameter, and repeating it on the same input gives the same output. Otherwise merely
  evaluating a model would change it, and a validation pass would leak into training;
* a training forward changes no trainable parameter (that would bypass the optimizer, and the
  gradient of the step would be taken at weights the model no longer has);
* a backward, in either mode, changes no parameter: it returns ``dx`` and assigns ``grads``.

Random training forwards are checked like any other: the property compares parameters, never a
training output.
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ...plugin_system.registry import Entry
from ..instances import layer_configs
from ._common import assert_same, run_hypothesis
from ._layer_runs import Params, draw_layer, host, mode_name, snapshot

#: Why each check holds, as its failure report says it.
_INFERENCE = "only a training forward may change parameters: evaluating a model must not change it"
_TRAINING = "only the optimizer may change a trainable parameter"
_BACKWARD = "a backward only returns dx and assigns grads"


def _unchanged(layer: Any, before: Params, what: str, why: str, allowed: Collection[str] = ()) -> None:
    for name, value in before.items():
        if name not in allowed:
            kind = "trainable" if name in layer.trainable_params else "non-trainable"
            assert_same(f"{what} changed the {kind} parameter {name!r} ({why})",
                        host(layer, layer.params[name]), host(layer, value))


def state(entry: Entry) -> None:
    configs = layer_configs(entry)

    def test(data: Any) -> None:
        layer, x, rng = draw_layer(data, entry, configs)
        statistics = set(layer.params) - set(layer.trainable_params)
        for training in (False, True):
            mode = mode_name(training)
            before = snapshot(layer)
            y, backward = layer.forward(x, training=training)
            y = host(layer, y)
            if training:
                _unchanged(layer, before, "a training forward", _TRAINING, allowed=statistics)
            else:
                _unchanged(layer, before, "an inference forward (training=False)", _INFERENCE)
            after_forward = snapshot(layer)
            backward(layer.backend.asarray(rng.standard_normal(y.shape)))
            _unchanged(layer, after_forward, f"the {mode} backward", _BACKWARD)
            if not training:
                assert_same("a second inference forward of the same input gave another output",
                            host(layer, layer.forward(x, training=False)[0]), y)

    run_hypothesis(test)
