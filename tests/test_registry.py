"""Name resolution: Keras spellings, aliases, suggestions, namespaces."""
from __future__ import annotations

import neuropil.activations
import neuropil.losses
import neuropil.metrics
import neuropil.optimizers
import pytest
from neuropil.errors import UnknownComponentError


@pytest.mark.parametrize("spelling", ["Adam", "adam", "ADAM"])
def test_optimizer_names_ignore_case(spelling):
    assert type(neuropil.optimizers.get(spelling)).__name__ == "Adam"


@pytest.mark.parametrize("spelling", ["mse", "MSE", "mean_squared_error", "MeanSquaredError"])
def test_loss_aliases_and_class_names_resolve(spelling):
    assert type(neuropil.losses.get(spelling)).__name__ == "MeanSquaredError"


def test_attribute_access_returns_the_registered_factory():
    from neuropil.layers import Dense

    assert Dense.__name__ == "Dense"
    assert neuropil.optimizers.Adam(learning_rate=0.5).learning_rate == 0.5


def test_unknown_name_suggests_close_matches_and_lists_installed():
    with pytest.raises(UnknownComponentError) as info:
        neuropil.optimizers.get("adma")
    message = str(info.value)
    assert "Did you mean" in message and "'Adam'" in message
    assert "Installed optimizers:" in message and "SGD" in message


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="Unknown layer 'Dence'"):
        neuropil.layers.Dence  # noqa: B018


def test_get_accepts_instances_configs_and_none():
    relu = neuropil.activations.get("relu")
    assert neuropil.activations.get(relu) is relu
    assert neuropil.activations.get(None).name == "linear"  # Keras: get(None) is linear
    adam = neuropil.optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.25}})
    assert adam.learning_rate == 0.25
    assert neuropil.optimizers.serialize(adam)["class_name"] == "Adam"


def test_get_refuses_what_it_cannot_interpret():
    with pytest.raises(TypeError, match="received int"):
        neuropil.optimizers.get(3)
