"""Streaming: batches of any size give the one-shot value; reset forgets; configs rebuild the metric."""
from __future__ import annotations

import neuropil
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_cases import CASES, IDS
from metrics_strategies import cuts, stream


@pytest.mark.parametrize(("label", "factory", "make"), CASES, ids=IDS)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), weighted=st.booleans(), data=st.data())
def test_batches_of_any_size_equal_one_update(label, factory, make, seed, n, weighted, data):
    rng = np.random.default_rng(seed)
    y_true, y_pred = make(rng, n)
    w = rng.uniform(0.1, 3.0, n) if weighted else None
    points = data.draw(cuts(n), label="split points")
    once = factory()
    once.update_state(y_true, y_pred, w)
    np.testing.assert_allclose(stream(factory(), y_true, y_pred, w, points), once.result(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("label", "factory", "make"), CASES, ids=IDS)
def test_call_updates_the_state_and_returns_the_running_result_and_reset_forgets(label, factory, make):
    rng = np.random.default_rng(7)
    first, second = make(rng, 40), make(rng, 25)
    both = tuple(np.concatenate([a, b]) for a, b in zip(first, second))
    metric = factory()
    alone = factory()
    alone.update_state(*first)
    np.testing.assert_allclose(metric(*first), alone.result(), rtol=1e-12)
    together = factory()
    together.update_state(*both)
    np.testing.assert_allclose(metric(*second), together.result(), rtol=1e-9, atol=1e-12)  # Keras: it accumulates
    np.testing.assert_allclose(metric.result(), together.result(), rtol=1e-9, atol=1e-12)
    metric.reset_state()
    metric.update_state(*second)
    fresh = factory()
    fresh.update_state(*second)
    np.testing.assert_allclose(metric.result(), fresh.result(), rtol=1e-12)


@pytest.mark.parametrize(("label", "factory", "make"), CASES, ids=IDS)
def test_config_round_trips_through_the_registry(label, factory, make):
    metric = factory()
    rebuilt = neuropil.metrics.deserialize(neuropil.metrics.serialize(metric))
    assert type(rebuilt) is type(metric) and rebuilt.get_config() == metric.get_config()
    y_true, y_pred = make(np.random.default_rng(3), 30)
    np.testing.assert_allclose(rebuilt(y_true, y_pred), metric(y_true, y_pred))


@pytest.mark.parametrize(("label", "factory", "make"), CASES, ids=IDS)
def test_scalar_results_are_python_floats(label, factory, make):
    metric = factory()
    metric.update_state(*make(np.random.default_rng(5), 20))
    value = metric.result()
    assert type(value) is float or (isinstance(value, np.ndarray) and value.dtype == np.float64)
