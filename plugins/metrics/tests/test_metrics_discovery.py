"""The installed distribution is found through its entry point, by Keras names and aliases, and listed
by ``neuropil plugins``; a user's own metric registers through the same hook."""
from __future__ import annotations

import json
import subprocess
import sys
import types

import neuropil
import numpy as np
import pytest
from neuropil.base.metric import Metric
from neuropil.plugin_system.namespace import lookup
from neuropil_metrics import catalog

NAMES = {
    "precision": "Precision", "recall": "Recall", "f1_score": "F1Score", "fbeta_score": "FBetaScore",
    "auc": "AUC", "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
    "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy",
    "root_mean_squared_error": "RootMeanSquaredError", "rmse": "RootMeanSquaredError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError", "mape": "MeanAbsolutePercentageError",
    "r2_score": "R2Score", "log_cosh_error": "LogCoshError", "matthews_correlation": "MatthewsCorrelation",
    "mcc": "MatthewsCorrelation", "cohen_kappa": "CohenKappa", "confusion_matrix": "ConfusionMatrix",
    "Precision": "Precision", "R2Score": "R2Score",
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_names_resolve_through_the_entry_point(name):
    metric = neuropil.metrics.get(name)
    assert type(metric).__name__ == NAMES[name]
    assert type(metric).__module__.startswith("neuropil_metrics.")
    assert lookup("metrics", name).source.distribution == "neuropil-metrics"


def test_default_names_are_the_registered_keras_names():
    for cls in catalog.METRICS:
        required = getattr(cls, "example_configs", ({},))[0]  # the at-X metrics need their target
        assert cls(**required).name == cls.name
        assert neuropil.metrics.get(cls.name, **required).name == cls.name


def test_keyword_arguments_reach_the_factory():
    metric = neuropil.metrics.get("auc", curve="PR", num_thresholds=None)
    assert metric.curve == "PR" and metric.exact


def test_cli_lists_the_distribution():
    out = subprocess.run([sys.executable, "-m", "neuropil.cli", "plugins", "--json"],
                         capture_output=True, text=True, check=True).stdout
    records = {r["distribution"]: r for r in json.loads(out)}
    ours = records["neuropil-metrics"]
    assert ours["error"] is None and ours["entry_point"] == "metrics = neuropil_metrics.plugin"
    assert set(ours["registers"]["metrics"]) == {cls.name for cls in catalog.METRICS}


class MaxAbsoluteError(Metric):
    """The example of docs/metrics.md: a stateful metric keeping one device scalar."""

    name = "max_absolute_error"

    def reset_state(self) -> None:
        self.largest = None

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        xp = neuropil.base.backend.array_module(y_pred)
        batch = xp.abs(xp.asarray(y_true) - xp.asarray(y_pred)).max(initial=0.0)
        self.largest = batch if self.largest is None else xp.maximum(self.largest, batch)

    def result(self) -> float:
        return 0.0 if self.largest is None else float(self.largest)


def test_a_user_metric_registers_like_a_plugin():
    plugin = types.SimpleNamespace()

    @neuropil.hookimpl
    def neuropil_register_metrics(register):
        register("max_absolute_error", MaxAbsoluteError, aliases=("max_ae",))

    plugin.neuropil_register_metrics = neuropil_register_metrics
    name = neuropil.plugins.register(plugin, name="docs-example")
    try:
        metric = neuropil.metrics.get("max_ae")
        metric.update_state(np.zeros(3), np.array([0.5, -2.0, 1.0]))
        metric.update_state(np.zeros(2), np.array([1.5, 0.0]))
        assert metric.result() == 2.0
    finally:
        neuropil.plugins.unregister(name)
