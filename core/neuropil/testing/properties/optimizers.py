"""Optimizers: the update equals the reference formula, state survives a save/restore exactly, and a
step on a convex quadratic with a small learning rate never goes uphill."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...plugin_system.registry import Entry, normalize
from .. import references
from .. import strategies as s
from ..instances import ConformanceSkip, example_configs, make
from ._common import assert_allclose, run_hypothesis

#: Updates are compared as differences (new - old), so a wrong epsilon placement or bias correction
#: shows even when the parameter itself is large; 1e-6 is far above float64 reordering noise (1e-13).
UPDATE_RTOL, UPDATE_ATOL = 1e-6, 1e-12
#: The learning rate of the descent check: small enough that no standard optimizer's first steps
#: overshoot the minimum from the drawn distance (>= 0.5), large enough to move measurably.
DESCENT_LR = 1e-3


def configs_for(entry: Entry) -> tuple[dict[str, Any], ...]:
    return references.CONFIGS.get(normalize(entry.name)) or example_configs(entry)


def _make(entry: Entry, config: dict[str, Any], lr: float | None) -> Any:
    try:
        optimizer = make(entry, config)
    except TypeError as exc:
        raise AssertionError(f"the optimizer does not accept config {config} ({exc}); its registered "
                             f"name promises Keras's arguments") from None
    if lr is not None:
        optimizer.learning_rate = lr
    return optimizer


def _apply(optimizer: Any, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
    optimizer.apply_gradients([(k, params[k], grads[k]) for k in params])


def reference_update(entry: Entry) -> None:
    probe = make(entry, {})
    if references.formula_for(entry.name, probe) is None:
        raise ConformanceSkip(f"no reference formula for {entry.name!r}: declare a `reference_update` method")

    def test(data: Any) -> None:
        config = data.draw(s.st.sampled_from(configs_for(entry)), label="config")
        run = data.draw(s.optimizer_runs(), label="run")
        optimizer = _make(entry, config, run.learning_rate)
        formula = references.formula_for(entry.name, optimizer)
        assert formula is not None  # the probe above had one, and configs do not remove it
        params = {k: v.copy() for k, v in run.params.items()}
        expected = {k: v.copy() for k, v in run.params.items()}
        states: dict[str, dict[str, Any]] = {k: {} for k in params}
        for step, grads in enumerate(run.grads, start=1):
            before = {k: v.copy() for k, v in params.items()}
            grads_before = {k: g.copy() for k, g in grads.items()}
            _apply(optimizer, params, grads)
            for k in params:
                if not np.array_equal(grads[k], grads_before[k]):
                    raise AssertionError(f"apply_gradients modified the gradient of {k!r} in place")
                reference = formula(optimizer.get_config(), expected[k], grads[k], states[k],
                                    run.learning_rate, step)
                assert_allclose(f"update of {k!r} at step {step} (config {config}) against the reference "
                                f"formula", params[k] - before[k], reference - expected[k],
                                UPDATE_RTOL, UPDATE_ATOL)
                expected[k] = reference

    run_hypothesis(test)


def state_roundtrip(entry: Entry) -> None:
    def test(data: Any) -> None:
        config = data.draw(s.st.sampled_from(configs_for(entry)), label="config")
        run = data.draw(s.optimizer_runs(min_steps=2), label="run")
        cut = data.draw(s.st.integers(1, len(run.grads) - 1), label="restore after step")
        original = _make(entry, config, run.learning_rate)
        params = {k: v.copy() for k, v in run.params.items()}
        for grads in run.grads[:cut]:
            _apply(original, params, grads)
        state = {k: np.array(v, copy=True) for k, v in original.get_state().items()}
        resumed_params = {k: v.copy() for k, v in params.items()}
        for grads in run.grads[cut:]:
            _apply(original, params, grads)
        resumed = _make(entry, config, run.learning_rate)
        resumed.set_state({k: v.copy() for k, v in state.items()}, like=resumed_params)
        for grads in run.grads[cut:]:
            _apply(resumed, resumed_params, grads)
        for k in params:
            assert_allclose(f"{k!r} after restoring the state saved at step {cut} and continuing, "
                            f"against never stopping", resumed_params[k], params[k], 1e-12, 0.0)

    run_hypothesis(test)


def descent(entry: Entry) -> None:
    if not getattr(make(entry, {}), "descends_from_any_start", True):
        raise ConformanceSkip("the optimizer declares descends_from_any_start = False (its update solves for "
                              "the weights from its own state, e.g. FTRL-proximal's, not a step from them)")

    def test(data: Any) -> None:
        config = data.draw(s.st.sampled_from(configs_for(entry)), label="config")
        quadratic = data.draw(s.quadratics(), label="quadratic")
        optimizer = _make(entry, config, DESCENT_LR)
        p = quadratic.start.copy()
        start = previous = quadratic.value(p)
        for step in range(1, 4):
            _apply(optimizer, {"w": p}, {"w": quadratic.gradient(p)})
            value = quadratic.value(p)
            if value > previous * (1 + 1e-12):
                raise AssertionError(f"step {step} with learning rate {DESCENT_LR} increased a convex "
                                     f"quadratic from {previous!r} to {value!r}")
            previous = value
        if not previous < start:
            raise AssertionError(f"three steps with learning rate {DESCENT_LR} did not decrease a convex "
                                 f"quadratic (stayed at {start!r})")

    run_hypothesis(test)


PROPERTIES = {"reference_update": reference_update, "state_roundtrip": state_roundtrip, "descent": descent}
