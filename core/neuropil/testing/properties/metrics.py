"""Metrics: updating batch by batch equals one update over all the data, ``reset_state``
forgets everything, and a metric saved as a model file saves it (registered name and
``get_config()``, as JSON) comes back computing the same. Metrics may declare ``target_kind`` /
``prediction_kind`` (the losses' vocabulary) so that the data drawn for them is meaningful; the
default is real values."""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..instances import example_configs, make
from ._common import assert_allclose, run_hypothesis, saved_and_loaded

#: Streaming sums in another order (and in float32 for float32 state) differ by rounding only.
RTOL, ATOL = 1e-6, 1e-9


def _kinds(metric: Any) -> tuple[str, str]:
    return getattr(metric, "target_kind", "real"), getattr(metric, "prediction_kind", "real")


def _draw(data: Any, entry: Entry) -> tuple[dict[str, Any], s.MetricStream]:
    config = data.draw(s.st.sampled_from(example_configs(entry)), label="config")
    stream = data.draw(s.metric_streams(*_kinds(make(entry, config))), label="data")
    return config, stream


def streaming(entry: Entry) -> None:
    def test(data: Any) -> None:
        config, d = _draw(data, entry)
        batched = make(entry, config)
        bounds = [0, *d.splits, len(d.y_true)]
        for a, b in zip(bounds, bounds[1:]):
            batched.update_state(d.y_true[a:b], d.y_pred[a:b],
                                 None if d.sample_weight is None else d.sample_weight[a:b])
        once = make(entry, config)
        once.update_state(d.y_true, d.y_pred, d.sample_weight)
        assert_allclose(f"result after updates in batches split at {list(d.splits)}, against one update",
                        batched.result(), once.result(), RTOL, ATOL)

    run_hypothesis(test)


def reset(entry: Entry) -> None:
    def test(data: Any) -> None:
        config, d = _draw(data, entry)
        metric = make(entry, config)
        metric.update_state(d.y_true, d.y_pred, d.sample_weight)
        metric.reset_state()
        metric.update_state(d.other.y_true, d.other.y_pred)
        fresh = make(entry, config)
        fresh.update_state(d.other.y_true, d.other.y_pred)
        assert_allclose("result after reset_state() and new data, against a fresh metric on that data",
                        metric.result(), fresh.result(), RTOL, ATOL)

    run_hypothesis(test)


def config_roundtrip(entry: Entry) -> None:
    def test(data: Any) -> None:
        config, d = _draw(data, entry)
        metric = make(entry, config)
        saved, loaded = saved_and_loaded("metrics", metric)
        if json.loads(json.dumps(loaded.get_config())) != saved["config"]:
            raise AssertionError(f"the metric loaded from {saved!r} has the config {loaded.get_config()!r}")
        for each in (metric, loaded):
            each.update_state(d.y_true, d.y_pred, d.sample_weight)
        assert_allclose(f"result of the metric loaded from {saved!r}, against the original",
                        loaded.result(), metric.result(), RTOL, ATOL)

    run_hypothesis(test)


def result_range(entry: Entry) -> None:
    """The result stays within the range the metric declares in ``result_range = (low, high)``
    (accuracy, AUC, precision: 0 to 1; a correlation: -1 to 1), on any data and weights: the bound a
    user reads the number against, and the one a summation or normalisation bug breaks first (a PR-AUC
    above 1). Without a declaration: a visible skip."""
    from ..instances import ConformanceSkip

    if getattr(entry.factory, "result_range", None) is None:
        raise ConformanceSkip("no result_range declared, so nothing checks the bounds of its result: declare "
                              "`result_range = (low, high)` (docs/plugins.md, 'Declaring a reference')")

    def test(data: Any) -> None:
        config, d = _draw(data, entry)
        metric = make(entry, config)
        low, high = (float(b) for b in metric.result_range)  # a property where it depends on the config
        metric.update_state(d.y_true, d.y_pred, d.sample_weight)
        result = np.asarray(metric.result(), dtype=np.float64)
        inside = (result >= low - ATOL) & (result <= high + ATOL)
        if not np.all(inside | np.isnan(result)):
            raise AssertionError(f"result {result!r} (config {config}) is outside the declared range "
                                 f"[{low}, {high}]")

    run_hypothesis(test)


PROPERTIES = {"streaming": streaming, "reset": reset, "config_roundtrip": config_roundtrip,
              "range": result_range}
