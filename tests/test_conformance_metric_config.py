"""The conformance suite's ``config_roundtrip`` property of metrics: a metric that leaves an argument
out of ``get_config()`` comes back from a model file computing something else, and the suite says so;
a faithful one passes."""
from __future__ import annotations

import types

import neuropil
import numpy as np
import pytest
from neuropil.base.metric import Metric
from neuropil.plugin_system.namespace import lookup
from neuropil.testing.properties.metrics import PROPERTIES
from neuropil.testing.suite import cases


class ScaledMeanError(Metric):
    """The mean absolute error times ``scale``; ``forget`` leaves ``scale`` out of the config."""

    name = "scaled_mean_error"
    forget = False
    example_configs = ({"scale": 3.0},)

    def __init__(self, scale: float = 1.0, name: str | None = None, dtype: str | None = None) -> None:
        self.scale = scale
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        values = np.abs(np.asarray(y_pred) - np.asarray(y_true)).reshape(len(y_true), -1).mean(axis=1)
        w = np.ones(len(values)) if sample_weight is None else np.asarray(sample_weight)
        self.total += float((values * w).sum()) * self.scale
        self.count += float(w.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def get_config(self) -> dict:
        return {"name": self.name} if self.forget else {"name": self.name, "scale": self.scale}


class ForgetfulScaledMeanError(ScaledMeanError):
    name = "forgetful_scaled_mean_error"
    forget = True


@pytest.fixture
def registered():
    plugin = types.SimpleNamespace()

    @neuropil.hookimpl
    def neuropil_register_metrics(register):
        register(ScaledMeanError.name, ScaledMeanError)
        register(ForgetfulScaledMeanError.name, ForgetfulScaledMeanError)

    plugin.neuropil_register_metrics = neuropil_register_metrics
    name = neuropil.plugins.register(plugin, name="config-roundtrip-check")
    yield name
    neuropil.plugins.unregister(name)


def test_a_metric_that_forgets_an_argument_fails_config_roundtrip(registered):
    with pytest.raises(AssertionError, match="loaded from"):
        PROPERTIES["config_roundtrip"](lookup("metrics", ForgetfulScaledMeanError.name))


def test_a_faithful_metric_passes_and_the_suite_lists_the_property(registered):
    PROPERTIES["config_roundtrip"](lookup("metrics", ScaledMeanError.name))
    ids = {c.id for c in cases(["config-roundtrip-check"])}
    assert "metrics:scaled_mean_error:config_roundtrip" in ids
